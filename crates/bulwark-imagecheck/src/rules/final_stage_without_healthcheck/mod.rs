//! # final-stage-without-healthcheck (BW-DF-0006)
//!
//! Final stage has no HEALTHCHECK.
//!
//! ## What it does
//!
//! Flags a Dockerfile whose final stage (and the stages it builds on with `FROM <stage>`) has no `HEALTHCHECK`,
//! or whose last one is `HEALTHCHECK NONE`. The finding is on the final `FROM` (or on the `NONE`).
//!
//! ## Why it matters
//!
//! Without a health check Docker and Swarm only know that the process runs, not that it serves, so a hung service
//! is never restarted.
//!
//! ## Example
//!
//! ```dockerfile
//! FROM nginx:1.27
//! COPY site /usr/share/nginx/html     # no HEALTHCHECK: flagged at FROM
//! ```
//!
//! ## Fix
//!
//! Add `HEALTHCHECK --interval=30s CMD curl -fsS http://localhost/ || exit 1`, or suppress the rule where the
//! orchestrator probes the service (Kubernetes ignores HEALTHCHECK).
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
    check: Check::Dockerfile(check),
};

static META: RuleMeta = RuleMeta {
    id: "BW-DF-0006",
    name: "final-stage-without-healthcheck",
    title: "Final stage has no HEALTHCHECK",
    severity: Severity::Low,
    kind: FindingKind::Misconfiguration,
    cis: &["4.6"],
    source: include_str!("mod.rs"),
};

fn check(cx: &DfCx<'_>, out: &mut Vec<Finding>) {
    let chain = final_chain(cx);
    for st in &chain {
        let hc = cx
            .df
            .stage_instructions(st)
            .iter()
            .rev()
            .find(|i| i.keyword == "HEALTHCHECK");
        if let Some(ins) = hc {
            if ins
                .words
                .first()
                .is_some_and(|w| w.value.eq_ignore_ascii_case("NONE"))
            {
                cx.report(
                    &META,
                    ins,
                    cx.at(ins),
                    "the final stage disables the health check (HEALTHCHECK NONE)".into(),
                    None,
                    out,
                );
            }
            return;
        }
    }
    if let Some(st) = chain.first() {
        let from = &cx.df.instructions[st.from];
        cx.report(
            &META,
            from,
            cx.at(from),
            "the final stage has no HEALTHCHECK".into(),
            None,
            out,
        );
    }
}
