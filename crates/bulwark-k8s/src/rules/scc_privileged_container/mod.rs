//! # scc-privileged-container (BW-K8S-0073)
//!
//! OpenShift SecurityContextConstraints allow privileged containers.
//!
//! ## What it does
//!
//! Flags `SecurityContextConstraints` (`security.openshift.io/v1`) with `allowPrivilegedContainer: true`.
//!
//! ## Why it matters
//!
//! An SCC is what OpenShift admits pods against: every pod of a user or service account that may `use` this SCC may run privileged containers, with "access to all privileged and host features" (the default `privileged` SCC's description, which warns "this is the most relaxed SCC and should be used only for cluster administration. Grant with caution"). A privileged container is root on the node.
//!
//! Severity critical: what the SCC admits is exactly what `privileged-container` (BW-K8S-0002, critical) flags in a pod, for every pod that can use it.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: security.openshift.io/v1
//! kind: SecurityContextConstraints
//! allowPrivilegedContainer: true   # flagged here
//! ```
//!
//! ## Fix
//!
//! Set `allowPrivilegedContainer: false`; keep privileged pods to the platform's own SCCs, granted to as few service accounts as possible. Do not modify the default SCCs: create your own.
//!
//! ## References
//!
//! - CIS Red Hat OpenShift Container Platform Benchmark: 5.2 (Security Context Constraints), "Minimize the admission of privileged containers"
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Pod security: pod security enforcement
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

pub(crate) struct SccPrivilegedContainer;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0073",
    name: "scc-privileged-container",
    title: "OpenShift SecurityContextConstraints allow privileged containers",
    severity: Severity::Critical,
    targets: Targets::Kinds(&["SecurityContextConstraints"]),
    pss: None,
    cis: &[],
    nsa: &["Pod security: pod security enforcement"],
    nist: &["4.4.3 Insecure container runtime configurations"],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for SccPrivilegedContainer {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        if let Some((n, true)) = cx.flag(Some(cx.obj.node), "allowPrivilegedContainer") {
            cx.report(
                n,
                format!(
                    "SecurityContextConstraints {} admit privileged containers",
                    cx.obj.name
                ),
            );
        }
    }
}
