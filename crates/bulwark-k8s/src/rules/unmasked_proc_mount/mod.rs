//! # unmasked-proc-mount (BW-K8S-0008)
//!
//! Container unmasks /proc.
//!
//! ## What it does
//!
//! Flags `securityContext.procMount` other than `Default`. From policy v1.35 a pod with `hostUsers: false` (its own user namespace) may use `Unmasked` under Baseline; the finding is then reported at the Restricted level only, which still forbids it.
//!
//! ## Why it matters
//!
//! The default /proc masks hide kernel interfaces (`/proc/kcore`, `/proc/sys`, …) that let a container read host memory or reconfigure the node.
//!
//! ## Example
//!
//! ```yaml
//! securityContext:
//!   procMount: Unmasked   # flagged here
//! ```
//!
//! ## Fix
//!
//! Remove `procMount` (or set `Default`).
//!
//! ## References
//!
//! - Pod Security Standards, baseline: "/proc Mount Type" (since v1.0)
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Pod security: pod security enforcement
//! - NIST SP 800-190: 4.4.3 Insecure container runtime configurations
//! - https://kubernetes.io/docs/concepts/security/pod-security-standards/
//! - k8s.io/pod-security-admission/policy/check_procMount_baseline.go (kubernetes/kubernetes, staging/src/), k8s.io/pod-security-admission/policy/check_procMount_restricted.go (kubernetes/kubernetes, staging/src/)
//! - https://kubernetes.io/docs/concepts/workloads/pods/user-namespaces/

// Every rule folder imports the same prelude so rule files stay uniform; not every rule uses every item.
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::model::*;
#[allow(unused_imports)]
use crate::pss::{Level, Version};
#[allow(unused_imports)]
use crate::rule::{Cx, PssControl, Rule, RuleMeta, Targets, describe};
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::rules::util::*;
use bulwark_types::Severity;

pub(crate) struct UnmaskedProcMount;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0008",
    name: "unmasked-proc-mount",
    title: "Container unmasks /proc",
    severity: Severity::High,
    targets: Targets::Workloads,
    pss: Some(PssControl {
        level: Level::Baseline,
        control: "/proc Mount Type",
        since: Version(0),
    }),
    cis: &[],
    nsa: &["Pod security: pod security enforcement"],
    nist: &["4.4.3 Insecure container runtime configurations"],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for UnmaskedProcMount {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        let relaxed = cx.version.at_least(35) && pod.user_namespace;
        for c in &pod.containers {
            if let Some((n, v)) = cx.string(c.security_context, "procMount")
                && v != "Default"
            {
                let msg = format!("{} sets procMount {v}", describe(c));
                if relaxed {
                    cx.report_level(
                        n,
                        Level::Restricted,
                        msg + " (allowed by baseline for a user-namespace pod, not by restricted)",
                    );
                } else {
                    cx.report(n, msg);
                }
            }
        }
    }
}
