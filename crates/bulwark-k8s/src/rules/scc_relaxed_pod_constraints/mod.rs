//! # scc-relaxed-pod-constraints (BW-K8S-0075)
//!
//! OpenShift SecurityContextConstraints let pods run as any user, with any SELinux context, with privilege escalation or on host ports.
//!
//! ## What it does
//!
//! Flags these fields of a `SecurityContextConstraints` (`security.openshift.io/v1`), each at its own line:
//!
//! - `runAsUser.type: RunAsAny` (pods may run as root; `MustRunAs`, `MustRunAsRange` and `MustRunAsNonRoot` pass);
//! - `seLinuxContext.type: RunAsAny` (pods may choose any SELinux label, the isolation OpenShift relies on between containers);
//! - `allowPrivilegeEscalation: true`, or unset — "AllowPrivilegeEscalation determines if a pod can request to allow privilege escalation. If unspecified, defaults to true" (the SCC API);
//! - `allowHostPorts: true`.
//!
//! The default `restricted-v2` SCC passes; `anyuid` (run as any UID, privilege escalation allowed), the legacy `restricted` (escalation allowed) and `privileged` do not. `readOnlyRootFilesystem: false` is not flagged: every default SCC, `restricted-v2` included, sets it, and it grants nothing — whether each container's root file system is writable is `writable-root-filesystem` (BW-K8S-0019), checked on the workloads themselves.
//!
//! ## Why it matters
//!
//! These are the constraints that keep an admitted pod from acting as root: with `RunAsAny`, an image that runs as UID 0 keeps it; with escalation allowed, setuid binaries can regain privileges; any SELinux label lets a container take another's; host ports open the node's addresses.
//!
//! Severity medium: the pod rules for the same settings — `run-as-root-allowed`, `custom-selinux-options`, `privilege-escalation-allowed`, `host-port` — are medium: each weakens a layer of defence rather than handing over the node.
//!
//! ## Example
//!
//! ```yaml
//! kind: SecurityContextConstraints
//! runAsUser:
//!   type: RunAsAny      # flagged here
//! ```
//!
//! ## Fix
//!
//! Prefer `restricted-v2` (or `nonroot-v2`): `runAsUser: MustRunAsRange`, `seLinuxContext: MustRunAs`, `allowPrivilegeEscalation: false`, `allowHostPorts: false`. Build images that run as a non-root, arbitrary UID instead of granting `anyuid`.
//!
//! ## References
//!
//! - CIS Red Hat OpenShift Container Platform Benchmark: 5.2.5 "Minimize the admission of containers with allowPrivilegeEscalation", 5.2 root containers
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Pod security: non-root containers
//! - NIST SP 800-190: 4.4.3 Insecure container runtime configurations
//! - https://docs.openshift.com/container-platform/latest/authentication/managing-security-context-constraints.html

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

pub(crate) struct SccRelaxedPodConstraints;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0075",
    name: "scc-relaxed-pod-constraints",
    title: "OpenShift SecurityContextConstraints let pods run as any user, with any SELinux context, with privilege escalation or on host ports",
    severity: Severity::Medium,
    targets: Targets::Kinds(&["SecurityContextConstraints"]),
    pss: None,
    cis: &[],
    nsa: &["Pod security: non-root containers"],
    nist: &["4.4.3 Insecure container runtime configurations"],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for SccRelaxedPodConstraints {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let scc = Some(cx.obj.node);
        let name = cx.obj.name.clone();
        for (field, what) in [
            ("runAsUser", "run as any user, root included"),
            ("seLinuxContext", "use any SELinux context"),
        ] {
            let strategy = cx.map(scc, field).map(|(_, m)| m);
            if let Some((n, "RunAsAny")) = cx.string(strategy, "type") {
                cx.report(
                    n,
                    format!("SecurityContextConstraints {name} let pods {what}"),
                );
            }
        }
        match cx.flag(scc, "allowPrivilegeEscalation") {
            Some((_, false)) => {}
            Some((n, true)) => cx.report(
                n,
                format!("SecurityContextConstraints {name} allow privilege escalation"),
            ),
            None => {
                let at = cx
                    .doc
                    .get_entry(cx.obj.node, "allowPrivilegeEscalation")
                    .map_or(cx.obj.anchor, |(k, _)| k);
                cx.report(
                    at,
                    format!(
                        "SecurityContextConstraints {name} do not set allowPrivilegeEscalation: false (it defaults to true)"
                    ),
                );
            }
        }
        if let Some((n, true)) = cx.flag(scc, "allowHostPorts") {
            cx.report(
                n,
                format!("SecurityContextConstraints {name} admit host ports"),
            );
        }
    }
}
