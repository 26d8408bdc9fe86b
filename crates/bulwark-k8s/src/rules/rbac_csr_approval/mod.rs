//! # rbac-csr-approval (BW-K8S-0044)
//!
//! Role can approve certificate signing requests.
//!
//! ## What it does
//!
//! Flags rules that allow `update` (or `patch`) on `certificatesigningrequests/approval`.
//!
//! ## Why it matters
//!
//! Approving a CSR for the `kubernetes.io/kube-apiserver-client` signer mints a client certificate for any user or group, `system:masters` included.
//!
//! ## Example
//!
//! ```yaml
//! - resources: ["certificatesigningrequests/approval"]
//!   verbs: ["update"]   # flagged here
//! ```
//!
//! ## Fix
//!
//! Keep CSR approval to the controller manager and cluster administrators.
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark v1.9.0: 5.1.11
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Authentication and authorization
//! - NIST SP 800-190: 4.3.1 Unbounded administrative access
//! - PCI DSS v4.0: 7.2.2
//! - https://kubernetes.io/docs/concepts/security/rbac-good-practices/

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

pub(crate) struct RbacCsrApproval;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0044",
    name: "rbac-csr-approval",
    title: "Role can approve certificate signing requests",
    severity: Severity::High,
    targets: Targets::Kinds(&["Role", "ClusterRole"]),
    pss: None,
    cis: &["5.1.11"],
    nsa: &["Authentication and authorization"],
    nist: &["4.3.1 Unbounded administrative access"],
    pci: &["7.2.2"],
    source: include_str!("mod.rs"),
};

impl Rule for RbacCsrApproval {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let doc = cx.doc;
        let Some((_, rules)) = cx.list(Some(cx.obj.node), "rules") else {
            return;
        };
        for &r in rules {
            let verbs = strings(cx, Some(r), "verbs");
            let resources = strings(cx, Some(r), "resources");
            let has_verb = |v: &[&str]| verbs.iter().any(|(_, x)| *x == "*" || v.contains(x));
            let has_res = |v: &[&str]| resources.iter().any(|(_, x)| *x == "*" || v.contains(x));
            let verbs_at = doc.get_entry(r, "verbs").map_or(r, |(k, _)| k);
            let _ = (&has_verb, &has_res, verbs_at);

            if has_res(&["certificatesigningrequests/approval"]) && has_verb(&["update", "patch"]) {
                cx.report(
                    verbs_at,
                    format!(
                        "{} {} can approve certificate signing requests",
                        cx.obj.kind, cx.obj.name
                    ),
                );
            }
        }
    }
}
