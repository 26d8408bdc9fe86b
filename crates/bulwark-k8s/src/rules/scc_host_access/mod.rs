//! # scc-host-access (BW-K8S-0074)
//!
//! OpenShift SecurityContextConstraints allow host namespaces, host directories or added capabilities.
//!
//! ## What it does
//!
//! Flags these fields of a `SecurityContextConstraints` (`security.openshift.io/v1`), each at its own line:
//!
//! - `allowHostNetwork`, `allowHostPID`, `allowHostIPC: true`;
//! - `allowHostDirVolumePlugin: true`, and `volumes` listing `hostPath` or `*`;
//! - `allowedCapabilities` listing `*` or a capability outside the Pod Security Standards baseline set (`AUDIT_WRITE`, `CHOWN`, `DAC_OVERRIDE`, `FOWNER`, `FSETID`, `KILL`, `MKNOD`, `NET_BIND_SERVICE`, `SETFCAP`, `SETGID`, `SETPCAP`, `SETUID`, `SYS_CHROOT`: the set `non-default-capabilities` uses), and `defaultAddCapabilities` adding one.
//!
//! The default `restricted-v2` SCC (no host access, only `NET_BIND_SERVICE`) passes; `privileged` and `hostaccess` do not.
//!
//! ## Why it matters
//!
//! Every pod admitted under the SCC may share the node's network, process or IPC namespace, mount any host directory, or gain capabilities such as `SYS_ADMIN` or `NET_ADMIN` — each a documented path to the node. OpenShift's docs warn of `hostnetwork`: "A workload that runs hostnetwork on a master host is effectively root on the cluster and must be trusted accordingly."
//!
//! Severity high: the pod rules for the same grants — `host-namespace-sharing`, `host-path-volume`, `non-default-capabilities` — are high, and an SCC grants them to every pod that can use it.
//!
//! ## Example
//!
//! ```yaml
//! kind: SecurityContextConstraints
//! allowHostNetwork: true      # flagged here
//! allowedCapabilities: ['*']  # and here
//! ```
//!
//! ## Fix
//!
//! Create a dedicated SCC with only the host access the workload needs, grant it to that workload's service account only, and keep `restricted-v2` as the default.
//!
//! ## References
//!
//! - CIS Red Hat OpenShift Container Platform Benchmark: 5.2 (Security Context Constraints): host PID, host IPC, host network, added capabilities
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Pod security: pod security enforcement
//! - NIST SP 800-190: 4.4.3 Insecure container runtime configurations
//! - https://docs.openshift.com/container-platform/latest/authentication/managing-security-context-constraints.html
//! - https://kubernetes.io/docs/concepts/security/pod-security-standards/ (baseline: host namespaces, hostPath volumes, capabilities)

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

pub(crate) struct SccHostAccess;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0074",
    name: "scc-host-access",
    title: "OpenShift SecurityContextConstraints allow host namespaces, host directories or added capabilities",
    severity: Severity::High,
    targets: Targets::Kinds(&["SecurityContextConstraints"]),
    pss: None,
    cis: &[],
    nsa: &["Pod security: pod security enforcement"],
    nist: &["4.4.3 Insecure container runtime configurations"],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for SccHostAccess {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let scc = Some(cx.obj.node);
        let name = cx.obj.name.clone();
        for (field, what) in [
            ("allowHostNetwork", "the host's network namespace"),
            ("allowHostPID", "the host's PID namespace"),
            ("allowHostIPC", "the host's IPC namespace"),
            (
                "allowHostDirVolumePlugin",
                "host directory (hostPath) volumes",
            ),
        ] {
            if let Some((n, true)) = cx.flag(scc, field) {
                cx.report(n, format!("SecurityContextConstraints {name} admit {what}"));
            }
        }
        for (n, v) in strings(cx, scc, "volumes") {
            if matches!(v, "*" | "hostPath") {
                cx.report(
                    n,
                    format!("SecurityContextConstraints {name} admit volumes of type {v}, hostPath included"),
                );
            }
        }
        for (n, cap) in strings(cx, scc, "allowedCapabilities") {
            if cap == "*" {
                cx.report(
                    n,
                    format!("SecurityContextConstraints {name} let pods add any capability"),
                );
            } else if !BASELINE_CAPABILITIES.contains(&cap) {
                cx.report(
                    n,
                    format!("SecurityContextConstraints {name} let pods add capability {cap}"),
                );
            }
        }
        for (n, cap) in strings(cx, scc, "defaultAddCapabilities") {
            if !BASELINE_CAPABILITIES.contains(&cap) {
                cx.report(
                    n,
                    format!(
                        "SecurityContextConstraints {name} add capability {cap} to every container"
                    ),
                );
            }
        }
    }
}
