//! # latest-base-tag (BW-DF-0010)
//!
//! FROM uses the latest tag or no tag.
//!
//! ## What it does
//!
//! Flags `FROM` lines whose image (after `ARG` substitution) is tagged `latest`, or has neither a tag nor a
//! digest. `scratch` and references to earlier stages are skipped.
//!
//! ## Why it matters
//!
//! `latest` moves: the same Dockerfile builds different images over time, and rebuilds silently pull in breaking
//! or compromised releases.
//!
//! ## Example
//!
//! ```dockerfile
//! FROM python            # flagged
//! FROM python:3.12.4-slim  # fine
//! ```
//!
//! ## Fix
//!
//! Use an explicit version tag, and preferably a digest (`python:3.12.4-slim@sha256:…`).
//!
//! ## References
//!
//! - https://docs.docker.com/reference/dockerfile/#from
//! - NIST SP 800-190 4.2.2

// Every rule folder imports the same prelude so rule files stay uniform; not every rule uses every item.
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::rules::util::*;

pub(crate) static RULE: Rule = Rule {
    meta: &META,
    check: Check::Dockerfile(check),
};

static META: RuleMeta = RuleMeta {
    id: "BW-DF-0010",
    name: "latest-base-tag",
    title: "FROM uses the latest tag or no tag",
    severity: Severity::Medium,
    kind: FindingKind::Misconfiguration,
    cis: &[],
    source: include_str!("mod.rs"),
};

fn check(cx: &DfCx<'_>, out: &mut Vec<Finding>) {
    for st in cx.df.stages.iter().filter(|s| external_base(s)) {
        let ins = &cx.df.instructions[st.from];
        let msg = match tag_and_digest(&st.base) {
            (None, false) => format!("base image {} has no tag (defaults to latest)", st.base),
            (Some("latest"), false) => format!("base image {} uses the latest tag", st.base),
            _ => continue,
        };
        let loc = ins
            .words
            .first()
            .map_or_else(|| cx.at(ins), |w| cx.at_offset(&ins.source, w.offset));
        cx.report(&META, ins, loc, msg, Some(st.base.clone()), out);
    }
}
