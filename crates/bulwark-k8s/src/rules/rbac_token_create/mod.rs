//! # rbac-token-create (BW-K8S-0046)
//!
//! Role can create service account tokens.
//!
//! ## What it does
//!
//! Flags rules that allow `create` on `serviceaccounts/token`.
//!
//! ## Why it matters
//!
//! Creating a token for a service account is acting as it: every permission of every service account in scope is one request away.
//!
//! ## Example
//!
//! ```yaml
//! - resources: ["serviceaccounts/token"]
//!   verbs: ["create"]   # flagged here
//! ```
//!
//! ## Fix
//!
//! Remove the permission; workloads get tokens through projected volumes.
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark v1.9.0: 5.1.13
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

pub(crate) struct RbacTokenCreate;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0046",
    name: "rbac-token-create",
    title: "Role can create service account tokens",
    severity: Severity::High,
    targets: Targets::Kinds(&["Role", "ClusterRole"]),
    pss: None,
    cis: &["5.1.13"],
    nsa: &["Authentication and authorization"],
    nist: &["4.3.1 Unbounded administrative access"],
    pci: &["7.2.2"],
    source: include_str!("mod.rs"),
};

impl Rule for RbacTokenCreate {
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

            if has_res(&["serviceaccounts/token"]) && has_verb(&["create"]) {
                cx.report(
                    verbs_at,
                    format!(
                        "{} {} can create service account tokens",
                        cx.obj.kind, cx.obj.name
                    ),
                );
            }
        }
    }
}
