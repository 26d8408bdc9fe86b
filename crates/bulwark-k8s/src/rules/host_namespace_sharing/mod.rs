//! # host-namespace-sharing (BW-K8S-0001)
//!
//! Pod shares a host namespace (hostNetwork, hostPID or hostIPC).
//!
//! ## What it does
//!
//! Flags pod specs that set `hostNetwork`, `hostPID` or `hostIPC` to `true`.
//!
//! ## Why it matters
//!
//! A pod in the node's network, PID or IPC namespace can sniff traffic of other pods, reach services bound to the node's loopback, see and signal every process on the node, and read shared memory. It is one of the first steps of most container escapes.
//!
//! ## Example
//!
//! ```yaml
//! spec:
//!   hostPID: true   # flagged here
//!   containers:
//!   - name: app
//!     image: app:1.2
//! ```
//!
//! ## Fix
//!
//! Remove the field or set it to `false`. Workloads that really need the host network (CNI agents) belong in a namespace labelled `pod-security.kubernetes.io/enforce: privileged`.
//!
//! ## References
//!
//! - Pod Security Standards, baseline: "Host Namespaces" (since v1.0)
//! - CIS Kubernetes Benchmark v1.9.0: 5.2.3, 5.2.4, 5.2.5
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Pod security: pod security enforcement
//! - NIST SP 800-190: 4.4.3 Insecure container runtime configurations
//! - PCI DSS v4.0: 2.2.1
//! - https://kubernetes.io/docs/concepts/security/pod-security-standards/
//! - k8s.io/pod-security-admission/policy/check_hostNamespaces.go (kubernetes/kubernetes, staging/src/)

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

pub(crate) struct HostNamespaceSharing;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0001",
    name: "host-namespace-sharing",
    title: "Pod shares a host namespace (hostNetwork, hostPID or hostIPC)",
    severity: Severity::High,
    targets: Targets::Workloads,
    pss: Some(PssControl {
        level: Level::Baseline,
        control: "Host Namespaces",
        since: Version(0),
    }),
    cis: &["5.2.3", "5.2.4", "5.2.5"],
    nsa: &["Pod security: pod security enforcement"],
    nist: &["4.4.3 Insecure container runtime configurations"],
    pci: &["2.2.1"],
    source: include_str!("mod.rs"),
};

impl Rule for HostNamespaceSharing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        for (k, what) in [
            ("hostNetwork", "network"),
            ("hostPID", "process"),
            ("hostIPC", "IPC"),
        ] {
            if let Some((n, true)) = cx.flag(Some(pod.spec), k) {
                cx.report(n, format!("{k}: true shares the node's {what} namespace"));
            }
        }
    }
}
