//! # non-default-capabilities (BW-K8S-0003)
//!
//! Container adds capabilities beyond the default set.
//!
//! ## What it does
//!
//! Flags `securityContext.capabilities.add` entries outside the Pod Security Standards baseline list: `AUDIT_WRITE`, `CHOWN`, `DAC_OVERRIDE`, `FOWNER`, `FSETID`, `KILL`, `MKNOD`, `NET_BIND_SERVICE`, `SETFCAP`, `SETGID`, `SETPCAP`, `SETUID`, `SYS_CHROOT`. The comparison is exact, as in the admission controller (`CAP_CHOWN` is not `CHOWN`).
//!
//! ## Why it matters
//!
//! Capabilities such as `SYS_ADMIN`, `NET_ADMIN`, `SYS_PTRACE` or `SYS_MODULE` give a container most of the power of root on the node.
//!
//! ## Example
//!
//! ```yaml
//! securityContext:
//!   capabilities:
//!     add: ["NET_ADMIN"]   # flagged here
//! ```
//!
//! ## Fix
//!
//! Remove the capability. If the process needs one, find the narrowest one and document why.
//!
//! ## References
//!
//! - Pod Security Standards, baseline: "Capabilities" (since v1.0)
//! - CIS Kubernetes Benchmark v1.9.0: 5.2.9
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Pod security: pod security enforcement
//! - NIST SP 800-190: 4.4.3 Insecure container runtime configurations
//! - PCI DSS v4.0: 2.2.1
//! - https://kubernetes.io/docs/concepts/security/pod-security-standards/
//! - k8s.io/pod-security-admission/policy/check_capabilities_baseline.go (kubernetes/kubernetes, staging/src/)

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

pub(crate) struct NonDefaultCapabilities;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0003",
    name: "non-default-capabilities",
    title: "Container adds capabilities beyond the default set",
    severity: Severity::High,
    targets: Targets::Workloads,
    pss: Some(PssControl {
        level: Level::Baseline,
        control: "Capabilities",
        since: Version(0),
    }),
    cis: &["5.2.9"],
    nsa: &["Pod security: pod security enforcement"],
    nist: &["4.4.3 Insecure container runtime configurations"],
    pci: &["2.2.1"],
    source: include_str!("mod.rs"),
};

impl Rule for NonDefaultCapabilities {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        for c in &pod.containers {
            for (n, cap) in capabilities(cx, c, "add") {
                if !BASELINE_CAPABILITIES.contains(&cap) {
                    cx.report(n, format!("{} adds capability {cap}", describe(c)));
                }
            }
        }
    }
}
