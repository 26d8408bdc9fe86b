//! # final-stage-root-user (BW-DF-0001)
//!
//! Final stage runs as root.
//!
//! ## What it does
//!
//! Flags a Dockerfile whose final stage (including the stages it builds on with `FROM <stage>`) sets no `USER`,
//! or whose last `USER` is `root`, `0` or `root:<group>`. The finding is on the `USER` line, or on the final
//! `FROM` when there is none.
//!
//! ## Why it matters
//!
//! The image runs as root by default; a compromise of the process is a compromise of the whole container and a
//! step closer to the host.
//!
//! ## Example
//!
//! ```dockerfile
//! FROM node:20.11-slim
//! COPY . /app
//! CMD ["node", "/app/server.js"]     # no USER: flagged at FROM
//! ```
//!
//! ## Fix
//!
//! Add `USER <non-root uid>` after the steps that need root. If the base image already switches to a non-root
//! user (distroless `:nonroot`), suppress the finding for that file.
//!
//! ## References
//!
//! - CIS Docker Benchmark v1.6.0 4.1 Ensure that a user for the container has been created
//! - https://docs.docker.com/reference/dockerfile/#user

// Every rule folder imports the same prelude so rule files stay uniform; not every rule uses every item.
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::rules::util::*;

pub(crate) static RULE: Rule = Rule {
    meta: &META,
    check: Check::Dockerfile(check),
};

static META: RuleMeta = RuleMeta {
    id: "BW-DF-0001",
    name: "final-stage-root-user",
    title: "Final stage runs as root",
    severity: Severity::High,
    kind: FindingKind::Misconfiguration,
    cis: &["4.1"],
    source: include_str!("mod.rs"),
};

fn check(cx: &DfCx<'_>, out: &mut Vec<Finding>) {
    let chain = final_chain(cx);
    for st in &chain {
        let user = cx
            .df
            .stage_instructions(st)
            .iter()
            .rev()
            .find(|i| i.keyword == "USER");
        if let Some(ins) = user {
            let Some(w) = ins.words.first() else {
                return;
            };
            if is_root_user(&w.value) {
                cx.report(
                    &META,
                    ins,
                    cx.at_offset(&ins.source, w.offset),
                    format!("the final stage runs as USER {}", w.value),
                    Some(w.value.clone()),
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
            "the final stage sets no USER, so the image runs as root".into(),
            None,
            out,
        );
    }
}
