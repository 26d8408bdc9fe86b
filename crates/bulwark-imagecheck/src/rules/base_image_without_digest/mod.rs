//! # base-image-without-digest (BW-DF-0011)
//!
//! FROM without a digest.
//!
//! ## What it does
//!
//! Reports `FROM` lines whose image (after substitution) has no `@sha256:` digest. `scratch` and earlier stages
//! are skipped.
//!
//! ## Why it matters
//!
//! A tag can be re-pushed; only a digest names exactly the bytes you reviewed and scanned.
//!
//! ## Example
//!
//! ```dockerfile
//! FROM debian:12.8                                # reported (info)
//! FROM debian:12.8@sha256:<64 hex digits>        # fine
//! ```
//!
//! ## Fix
//!
//! Append the digest (`docker buildx imagetools inspect debian:12.8`) and let a bot update tag and digest
//! together.
//!
//! ## References
//!
//! - https://docs.docker.com/reference/dockerfile/#from
//! - https://docs.docker.com/build/building/best-practices/#pin-base-image-versions

// Every rule folder imports the same prelude so rule files stay uniform; not every rule uses every item.
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::rules::util::*;

pub(crate) static RULE: Rule = Rule {
    meta: &META,
    check: Check::Dockerfile(check),
};

static META: RuleMeta = RuleMeta {
    id: "BW-DF-0011",
    name: "base-image-without-digest",
    title: "FROM without a digest",
    severity: Severity::Info,
    kind: FindingKind::Misconfiguration,
    cis: &[],
    source: include_str!("mod.rs"),
};

fn check(cx: &DfCx<'_>, out: &mut Vec<Finding>) {
    for st in cx.df.stages.iter().filter(|s| external_base(s)) {
        if tag_and_digest(&st.base).1 {
            continue;
        }
        let ins = &cx.df.instructions[st.from];
        let loc = ins
            .words
            .first()
            .map_or_else(|| cx.at(ins), |w| cx.at_offset(&ins.source, w.offset));
        cx.report(
            &META,
            ins,
            loc,
            format!("base image {} is not pinned by digest", st.base),
            Some(st.base.clone()),
            out,
        );
    }
}
