//! # rbac-escalation-verbs (BW-K8S-0038)
//!
//! Role grants escalate, bind or impersonate.
//!
//! ## What it does
//!
//! Flags rules with the `escalate`, `bind` or `impersonate` verbs (or `*` verbs on roles, users, groups or service accounts).
//!
//! ## Why it matters
//!
//! `escalate` and `bind` let the subject grant itself permissions it does not hold; `impersonate` lets it act as any user, group or service account.
//!
//! ## Example
//!
//! ```yaml
//! - resources: ["clusterroles"]
//!   verbs: ["bind", "escalate"]   # flagged here
//! ```
//!
//! ## Fix
//!
//! Remove these verbs outside of cluster administration roles.
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark v1.9.0: 5.1.8
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

pub(crate) struct RbacEscalationVerbs;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0038",
    name: "rbac-escalation-verbs",
    title: "Role grants escalate, bind or impersonate",
    severity: Severity::Critical,
    targets: Targets::Kinds(&["Role", "ClusterRole"]),
    pss: None,
    cis: &["5.1.8"],
    nsa: &["Authentication and authorization"],
    nist: &["4.3.1 Unbounded administrative access"],
    pci: &["7.2.2"],
    source: include_str!("mod.rs"),
};

impl Rule for RbacEscalationVerbs {
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

            if let Some(&(n, v)) = verbs
                .iter()
                .find(|(_, x)| matches!(*x, "escalate" | "bind" | "impersonate"))
            {
                cx.report(n, format!("{} {} grants {v}", cx.obj.kind, cx.obj.name));
            } else if verbs.iter().any(|(_, x)| *x == "*")
                && has_res(&[
                    "roles",
                    "clusterroles",
                    "users",
                    "groups",
                    "serviceaccounts",
                    "rolebindings",
                    "clusterrolebindings",
                ])
            {
                cx.report(
                    verbs_at,
                    format!(
                        "{} {} grants * on RBAC or identity resources",
                        cx.obj.kind, cx.obj.name
                    ),
                );
            }
        }
    }
}
