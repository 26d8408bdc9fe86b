//! # image-without-healthcheck (BW-IMG-0006)
//!
//! Image has no HEALTHCHECK.
//!
//! ## What it does
//!
//! Flags an image config without a `Healthcheck`, or with one disabled (`NONE`).
//!
//! ## Why it matters
//!
//! Without a health check the engine only knows whether the process runs, not whether it serves; a hung service
//! is never restarted.
//!
//! ## Example
//!
//! ```text
//! docker inspect --format '{{.Config.Healthcheck}}' app   # <nil>: flagged
//! ```
//!
//! ## Fix
//!
//! Add `HEALTHCHECK CMD …` to the Dockerfile, or rely on orchestrator probes and suppress this rule for such
//! images.
//!
//! ## References
//!
//! - CIS Docker Benchmark v1.6.0 4.6 Ensure that HEALTHCHECK instructions have been added to container images
//! - https://docs.docker.com/reference/dockerfile/#healthcheck

// Every rule folder imports the same prelude so rule files stay uniform; not every rule uses every item.
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::rules::util::*;

pub(crate) static RULE: Rule = Rule {
    meta: &META,
    check: Check::Image(check),
};

static META: RuleMeta = RuleMeta {
    id: "BW-IMG-0006",
    name: "image-without-healthcheck",
    title: "Image has no HEALTHCHECK",
    severity: Severity::Low,
    kind: FindingKind::Misconfiguration,
    cis: &["4.6"],
    source: include_str!("mod.rs"),
};

fn check(cx: &ImageCx<'_>, out: &mut Vec<Finding>) {
    let test = cx
        .field("Healthcheck")
        .and_then(|h| h.get("Test"))
        .and_then(|t| t.as_array());
    let message = match test.and_then(|t| t.first()).and_then(|v| v.as_str()) {
        None => "the image config has no Healthcheck",
        Some("NONE") => "the image's Healthcheck is disabled (NONE)",
        Some(_) => return,
    };
    out.push(META.finding(message.to_string(), ImageCx::config_location("Healthcheck")));
}
