//! # privileged-container (BW-K8S-0002)
//!
//! Container runs privileged.
//!
//! ## What it does
//!
//! Flags containers, init containers and ephemeral containers with `securityContext.privileged: true`.
//!
//! ## Why it matters
//!
//! A privileged container has every capability, sees every device of the node and runs without seccomp or AppArmor confinement: root in it is root on the node.
//!
//! ## Example
//!
//! ```yaml
//! containers:
//! - name: app
//!   securityContext:
//!     privileged: true   # flagged here
//! ```
//!
//! ## Fix
//!
//! Remove `privileged: true`. Grant the one capability the process needs instead (`capabilities.add`), or move the workload to a privileged namespace.
//!
//! ## References
//!
//! - Pod Security Standards, baseline: "Privileged Containers" (since v1.0)
//! - CIS Kubernetes Benchmark v1.9.0: 5.2.2
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Pod security: pod security enforcement
//! - NIST SP 800-190: 4.4.3 Insecure container runtime configurations
//! - PCI DSS v4.0: 2.2.1
//! - https://kubernetes.io/docs/concepts/security/pod-security-standards/
//! - k8s.io/pod-security-admission/policy/check_privileged.go (kubernetes/kubernetes, staging/src/)

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

pub(crate) struct PrivilegedContainer;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0002",
    name: "privileged-container",
    title: "Container runs privileged",
    severity: Severity::Critical,
    targets: Targets::Workloads,
    pss: Some(PssControl {
        level: Level::Baseline,
        control: "Privileged Containers",
        since: Version(0),
    }),
    cis: &["5.2.2"],
    nsa: &["Pod security: pod security enforcement"],
    nist: &["4.4.3 Insecure container runtime configurations"],
    pci: &["2.2.1"],
    source: include_str!("mod.rs"),
};

impl Rule for PrivilegedContainer {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        for c in &pod.containers {
            if let Some((n, true)) = sc_flag(cx, c, "privileged") {
                cx.report(n, format!("{} runs privileged", describe(c)));
            }
        }
    }
}
