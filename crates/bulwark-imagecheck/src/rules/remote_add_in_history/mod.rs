//! # remote-add-in-history (BW-IMG-0003)
//!
//! Layer added from a remote URL.
//!
//! ## What it does
//!
//! Flags history entries whose `created_by` is an `ADD` of an `http://` or `https://` URL, and names the layer it
//! created.
//!
//! ## Why it matters
//!
//! `ADD <url>` downloads at build time without any integrity check unless `--checksum` is given; the content can
//! change between builds or be swapped by whoever controls the server.
//!
//! ## Example
//!
//! ```text
//! "created_by": "ADD https://example.com/tool.tgz /opt/ # buildkit"   # flagged
//! ```
//!
//! ## Fix
//!
//! Download with `curl` and verify a checksum in a `RUN`, or use `ADD --checksum=sha256:…`, or `COPY` a vetted
//! local file.
//!
//! ## References
//!
//! - CIS Docker Benchmark v1.6.0 4.9 Ensure that COPY is used instead of ADD in Dockerfiles
//! - https://docs.docker.com/reference/dockerfile/#add

// Every rule folder imports the same prelude so rule files stay uniform; not every rule uses every item.
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::rules::util::*;

pub(crate) static RULE: Rule = Rule {
    meta: &META,
    check: Check::Image(check),
};

static META: RuleMeta = RuleMeta {
    id: "BW-IMG-0003",
    name: "remote-add-in-history",
    title: "Layer added from a remote URL",
    severity: Severity::Medium,
    kind: FindingKind::Misconfiguration,
    cis: &["4.9"],
    source: include_str!("mod.rs"),
};

fn check(cx: &ImageCx<'_>, out: &mut Vec<Finding>) {
    for (i, h, layer) in cx.history() {
        let Some(cb) = h.created_by.as_deref() else {
            continue;
        };
        let mut words = cb.split_whitespace().skip_while(|w| *w != "ADD");
        if words.next().is_none() {
            continue;
        }
        if let Some(url) = words.find(|w| w.starts_with("http://") || w.starts_with("https://")) {
            let loc = Location {
                resource: Some(format!("history[{i}]").into()),
                layer: layer.and_then(|l| cx.layers.get(l).cloned()).map(Box::new),
                ..Location::default()
            };
            let mut f = META.finding(format!("layer added with ADD from {url}"), loc);
            f.evidence = Some(crate::dockerfile::truncate(cb, 200));
            out.push(f);
        }
    }
}
