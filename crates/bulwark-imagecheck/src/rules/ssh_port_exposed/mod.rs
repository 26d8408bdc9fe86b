//! # ssh-port-exposed (BW-IMG-0005)
//!
//! Image exposes the SSH port.
//!
//! ## What it does
//!
//! Flags `22/tcp` (or `22`) in the image config's `ExposedPorts`.
//!
//! ## Why it matters
//!
//! An SSH daemon in a container is another service to patch, another set of credentials to leak and a way around
//! the orchestrator's exec and audit path.
//!
//! ## Example
//!
//! ```text
//! "ExposedPorts": {"22/tcp": {}}   # flagged
//! ```
//!
//! ## Fix
//!
//! Remove the SSH server and `EXPOSE 22`; use `docker exec` or `kubectl exec` for debugging.
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
    check: Check::Image(check),
};

static META: RuleMeta = RuleMeta {
    id: "BW-IMG-0005",
    name: "ssh-port-exposed",
    title: "Image exposes the SSH port",
    severity: Severity::Medium,
    kind: FindingKind::Misconfiguration,
    cis: &[],
    source: include_str!("mod.rs"),
};

fn check(cx: &ImageCx<'_>, out: &mut Vec<Finding>) {
    let Some(ports) = cx.field("ExposedPorts").and_then(|v| v.as_object()) else {
        return;
    };
    for k in ports.keys() {
        if k == "22" || k == "22/tcp" {
            let mut f = META.finding(
                format!("the image exposes {k} (SSH)"),
                ImageCx::config_location("ExposedPorts"),
            );
            f.evidence = Some(k.clone());
            out.push(f);
        }
    }
}
