//! # latest-base-image (BW-IMG-0010)
//!
//! Image built on a latest or untagged base.
//!
//! ## What it does
//!
//! Flags an image whose base, as recorded in the `org.opencontainers.image.base.name` label or a `FROM …` history
//! entry, is tagged `latest` or has no tag and no digest.
//!
//! ## Why it matters
//!
//! `latest` moves: rebuilding the same Dockerfile gives a different image, and a compromised or broken upstream
//! release flows in silently.
//!
//! ## Example
//!
//! ```text
//! "Labels": {"org.opencontainers.image.base.name": "docker.io/library/debian:latest"}   # flagged
//! ```
//!
//! ## Fix
//!
//! Build `FROM` a version tag and a digest (`debian:12.8@sha256:…`), and let a bot (Renovate, Dependabot) bump
//! it.
//!
//! ## References
//!
//! - https://github.com/opencontainers/image-spec/blob/main/annotations.md#pre-defined-annotation-keys
//! - NIST SP 800-190 4.2.2

// Every rule folder imports the same prelude so rule files stay uniform; not every rule uses every item.
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::rules::util::*;

pub(crate) static RULE: Rule = Rule {
    meta: &META,
    check: Check::Image(check),
};

static META: RuleMeta = RuleMeta {
    id: "BW-IMG-0010",
    name: "latest-base-image",
    title: "Image built on a latest or untagged base",
    severity: Severity::Medium,
    kind: FindingKind::Misconfiguration,
    cis: &[],
    source: include_str!("mod.rs"),
};

fn check(cx: &ImageCx<'_>, out: &mut Vec<Finding>) {
    let label = cx
        .field("Labels")
        .and_then(|l| l.get("org.opencontainers.image.base.name"))
        .and_then(|v| v.as_str());
    if let Some(base) = label
        && floating(base)
    {
        let mut f = META.finding(
            format!("base image {base} is not pinned to a version"),
            ImageCx::config_location("Labels"),
        );
        f.evidence = Some(format!("org.opencontainers.image.base.name={base}"));
        out.push(f);
    }
    for (i, h, layer) in cx.history() {
        let cb = h.created_by.as_deref().unwrap_or("");
        let Some(rest) = cb.trim().strip_prefix("FROM ") else {
            continue;
        };
        let base = rest.split_whitespace().next().unwrap_or("");
        if floating(base) && label != Some(base) {
            let loc = Location {
                resource: Some(format!("history[{i}]").into()),
                layer: layer.and_then(|l| cx.layers.get(l).cloned()).map(Box::new),
                ..Location::default()
            };
            out.push(META.finding(format!("base image {base} is not pinned to a version"), loc));
        }
    }
}

fn floating(base: &str) -> bool {
    !base.is_empty()
        && !base.eq_ignore_ascii_case("scratch")
        && match tag_and_digest(base) {
            (_, true) => false,
            (None, false) => true,
            (Some(t), false) => t == "latest",
        }
}
