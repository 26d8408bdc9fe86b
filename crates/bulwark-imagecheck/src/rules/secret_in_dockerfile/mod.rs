//! # secret-in-dockerfile (BW-DF-0002)
//!
//! Secret-like literal in ENV, ARG or LABEL.
//!
//! ## What it does
//!
//! Flags `ENV`, `ARG` (default value) and `LABEL` entries whose name contains PASSWORD, PASSWD, SECRET, TOKEN,
//! API_KEY or APIKEY and whose value is a non-empty literal. Values that are only a variable reference (`$X`,
//! `${X}`) and names ending in `_FILE`, `_PATH` or `_DIR` are skipped. A name heuristic only; the secrets engine
//! scans values.
//!
//! ## Why it matters
//!
//! ENV and LABEL values are stored in the image config and ARG values in its history: anyone who can pull the
//! image can read them.
//!
//! ## Example
//!
//! ```dockerfile
//! ENV DB_PASSWORD=hunter2             # flagged
//! ARG NPM_TOKEN                        # fine: no literal
//! RUN --mount=type=secret,id=npm …     # the right way
//! ```
//!
//! ## Fix
//!
//! Use build secrets (`RUN --mount=type=secret`) at build time and runtime secrets at run time; rotate any secret
//! that was committed.
//!
//! ## References
//!
//! - CIS Docker Benchmark v1.6.0 4.10 Ensure secrets are not stored in Dockerfiles
//! - https://docs.docker.com/build/building/secrets/
//! - https://docs.docker.com/reference/dockerfile/#env

// Every rule folder imports the same prelude so rule files stay uniform; not every rule uses every item.
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::rules::util::*;

pub(crate) static RULE: Rule = Rule {
    meta: &META,
    check: Check::Dockerfile(check),
};

static META: RuleMeta = RuleMeta {
    id: "BW-DF-0002",
    name: "secret-in-dockerfile",
    title: "Secret-like literal in ENV, ARG or LABEL",
    severity: Severity::High,
    kind: FindingKind::Misconfiguration,
    cis: &["4.10"],
    source: include_str!("mod.rs"),
};

fn check(cx: &DfCx<'_>, out: &mut Vec<Finding>) {
    for ins in &cx.df.instructions {
        if !matches!(ins.keyword.as_str(), "ENV" | "ARG" | "LABEL") {
            continue;
        }
        for p in &ins.pairs {
            let Some(raw) = p.raw_value.as_deref() else {
                continue;
            };
            let literal = raw.trim_matches(|c| c == '"' || c == '\'');
            if !secret_name(&p.key) || literal.is_empty() || is_reference(literal) {
                continue;
            }
            cx.report(
                &META,
                ins,
                cx.at_offset(&ins.source, p.offset),
                format!("{} {} holds a literal value", ins.keyword, p.key),
                Some(redacted(&p.key, literal)),
                out,
            );
        }
    }
}

/// `$X` or `${X…}` and nothing else.
fn is_reference(v: &str) -> bool {
    if let Some(r) = v.strip_prefix("${") {
        return r.ends_with('}') && !r[..r.len() - 1].contains('}');
    }
    v.strip_prefix('$')
        .is_some_and(|r| !r.is_empty() && r.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}
