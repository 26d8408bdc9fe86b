//! # default-service-account (BW-K8S-0028)
//!
//! Pod runs as the default service account.
//!
//! ## What it does
//!
//! Flags pod specs with no `serviceAccountName` or with `serviceAccountName: default`.
//!
//! ## Why it matters
//!
//! Permissions granted to `default` leak to every pod in the namespace that does not name its own account; a dedicated account per workload keeps RBAC least-privilege and auditable.
//!
//! ## Example
//!
//! ```yaml
//! spec:            # flagged here: no serviceAccountName
//!   containers:
//!   - name: app
//! ```
//!
//! ## Fix
//!
//! Create a ServiceAccount per workload and set `serviceAccountName`.
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark v1.9.0: 5.1.5
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Authentication and authorization
//! - PCI DSS v4.0: 7.2.5
//! - https://kubernetes.io/docs/concepts/security/service-accounts/

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

pub(crate) struct DefaultServiceAccount;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0028",
    name: "default-service-account",
    title: "Pod runs as the default service account",
    severity: Severity::Low,
    targets: Targets::Workloads,
    pss: None,
    cis: &["5.1.5"],
    nsa: &["Authentication and authorization"],
    nist: &[],
    pci: &["7.2.5"],
    source: include_str!("mod.rs"),
};

impl Rule for DefaultServiceAccount {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        let named = cx
            .string(Some(pod.spec), "serviceAccountName")
            .or_else(|| cx.string(Some(pod.spec), "serviceAccount"));
        match named {
            Some((n, "default" | "")) => cx.report(n, "pod runs as the default service account"),
            Some(_) => {}
            None => cx.report(
                pod.spec_anchor,
                "pod does not set serviceAccountName (runs as default)",
            ),
        }
    }
}
