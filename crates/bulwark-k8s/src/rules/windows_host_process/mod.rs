//! # windows-host-process (BW-K8S-0011)
//!
//! Windows HostProcess container.
//!
//! ## What it does
//!
//! Flags `windowsOptions.hostProcess: true` on the pod or any container.
//!
//! ## Why it matters
//!
//! A Windows HostProcess container runs directly on the host with the privileges of a host process: the Windows equivalent of a privileged container.
//!
//! ## Example
//!
//! ```yaml
//! securityContext:
//!   windowsOptions:
//!     hostProcess: true   # flagged here
//! ```
//!
//! ## Fix
//!
//! Remove `hostProcess`, or run the workload in a privileged namespace.
//!
//! ## References
//!
//! - Pod Security Standards, baseline: "HostProcess" (since v1.0)
//! - CIS Kubernetes Benchmark v1.9.0: 5.2.11
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Pod security: pod security enforcement
//! - NIST SP 800-190: 4.4.3 Insecure container runtime configurations
//! - PCI DSS v4.0: 2.2.1
//! - https://kubernetes.io/docs/concepts/security/pod-security-standards/
//! - k8s.io/pod-security-admission/policy/check_windowsHostProcess.go (kubernetes/kubernetes, staging/src/)

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

pub(crate) struct WindowsHostProcess;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0011",
    name: "windows-host-process",
    title: "Windows HostProcess container",
    severity: Severity::Critical,
    targets: Targets::Workloads,
    pss: Some(PssControl {
        level: Level::Baseline,
        control: "HostProcess",
        since: Version(0),
    }),
    cis: &["5.2.11"],
    nsa: &["Pod security: pod security enforcement"],
    nist: &["4.4.3 Insecure container runtime configurations"],
    pci: &["2.2.1"],
    source: include_str!("mod.rs"),
};

impl Rule for WindowsHostProcess {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        let wo = cx
            .map(pod.security_context, "windowsOptions")
            .map(|(_, m)| m);
        if let Some((n, true)) = cx.flag(wo, "hostProcess") {
            cx.report(n, "pod runs as a Windows HostProcess");
        }
        for c in &pod.containers {
            let wo = cx.map(c.security_context, "windowsOptions").map(|(_, m)| m);
            if let Some((n, true)) = cx.flag(wo, "hostProcess") {
                cx.report(n, format!("{} runs as a Windows HostProcess", describe(c)));
            }
        }
    }
}
