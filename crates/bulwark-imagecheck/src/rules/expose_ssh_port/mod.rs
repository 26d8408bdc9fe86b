//! # expose-ssh-port (BW-DF-0005)
//!
//! EXPOSE of the SSH port.
//!
//! ## What it does
//!
//! Flags `EXPOSE 22`, `EXPOSE 22/tcp` and port ranges that include 22, after variable substitution.
//!
//! ## Why it matters
//!
//! Running sshd in a container adds a service, keys and credentials to manage, and a way around the
//! orchestrator's exec and audit path.
//!
//! ## Example
//!
//! ```dockerfile
//! EXPOSE 80 22/tcp     # flagged
//! ```
//!
//! ## Fix
//!
//! Remove the SSH server and the port; debug with `docker exec` or `kubectl exec`.
//!
//! ## References
//!
//! - CIS Docker Benchmark, container runtime section: "Ensure sshd is not run within containers" (image-side counterpart; no image-section id)
//! - https://docs.docker.com/reference/dockerfile/#expose

// Every rule folder imports the same prelude so rule files stay uniform; not every rule uses every item.
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::rules::util::*;

pub(crate) static RULE: Rule = Rule {
    meta: &META,
    check: Check::Dockerfile(check),
};

static META: RuleMeta = RuleMeta {
    id: "BW-DF-0005",
    name: "expose-ssh-port",
    title: "EXPOSE of the SSH port",
    severity: Severity::Medium,
    kind: FindingKind::Misconfiguration,
    cis: &[],
    source: include_str!("mod.rs"),
};

fn check(cx: &DfCx<'_>, out: &mut Vec<Finding>) {
    for ins in cx.df.instructions.iter().filter(|i| i.keyword == "EXPOSE") {
        for w in &ins.words {
            let (port, proto) = w.value.split_once('/').unwrap_or((&w.value, "tcp"));
            if !proto.eq_ignore_ascii_case("tcp") {
                continue;
            }
            let (lo, hi) = port.split_once('-').unwrap_or((port, port));
            if let (Ok(lo), Ok(hi)) = (lo.parse::<u32>(), hi.parse::<u32>())
                && (lo..=hi).contains(&22)
            {
                cx.report(
                    &META,
                    ins,
                    cx.at_offset(&ins.source, w.offset),
                    format!("EXPOSE {} includes the SSH port 22", w.value),
                    Some(w.value.clone()),
                    out,
                );
            }
        }
    }
}
