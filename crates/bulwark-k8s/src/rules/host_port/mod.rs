//! # host-port (BW-K8S-0005)
//!
//! Container binds a host port.
//!
//! ## What it does
//!
//! Flags `ports[*].hostPort` set to anything but 0 on any container.
//!
//! ## Why it matters
//!
//! A host port binds the pod to the node's network interface: it bypasses NetworkPolicy on many CNIs, exposes the workload outside the cluster network, and limits scheduling.
//!
//! ## Example
//!
//! ```yaml
//! ports:
//! - containerPort: 8080
//!   hostPort: 8080   # flagged here
//! ```
//!
//! ## Fix
//!
//! Remove `hostPort` and expose the pod through a Service.
//!
//! ## References
//!
//! - Pod Security Standards, baseline: "Host Ports" (since v1.0)
//! - CIS Kubernetes Benchmark v1.9.0: 5.2.13
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Pod security: pod security enforcement
//! - NIST SP 800-190: 4.4.2 Unbounded network access from containers
//! - https://kubernetes.io/docs/concepts/security/pod-security-standards/
//! - k8s.io/pod-security-admission/policy/check_hostPorts.go (kubernetes/kubernetes, staging/src/)

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

pub(crate) struct HostPort;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0005",
    name: "host-port",
    title: "Container binds a host port",
    severity: Severity::Medium,
    targets: Targets::Workloads,
    pss: Some(PssControl {
        level: Level::Baseline,
        control: "Host Ports",
        since: Version(0),
    }),
    cis: &["5.2.13"],
    nsa: &["Pod security: pod security enforcement"],
    nist: &["4.4.2 Unbounded network access from containers"],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for HostPort {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        for c in &pod.containers {
            let Some((_, ports)) = cx.list(Some(c.node), "ports") else {
                continue;
            };
            for &p in ports {
                if let Some((n, hp)) = cx.int(Some(p), "hostPort")
                    && hp != 0
                {
                    cx.report(n, format!("{} binds host port {hp}", describe(c)));
                }
            }
        }
    }
}
