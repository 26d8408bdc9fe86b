//! # cluster-admin-broad-binding (BW-K8S-0040)
//!
//! cluster-admin bound to a service account or a broad group.
//!
//! ## What it does
//!
//! Flags bindings of the `cluster-admin` ClusterRole to a ServiceAccount, or to the groups `system:authenticated`, `system:unauthenticated`, `system:serviceaccounts` (or `system:serviceaccounts:<ns>`), and any binding to the `system:anonymous` user or `system:unauthenticated` group.
//!
//! ## Why it matters
//!
//! A service account with cluster-admin turns any compromise of the pod into a cluster compromise; the broad groups grant it to every (or every unauthenticated) caller.
//!
//! ## Example
//!
//! ```yaml
//! roleRef: {kind: ClusterRole, name: cluster-admin}
//! subjects:
//! - kind: ServiceAccount   # flagged here
//!   name: ci
//! ```
//!
//! ## Fix
//!
//! Bind a role with the permissions the subject needs; keep cluster-admin for break-glass human accounts.
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark v1.9.0: 5.1.1
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

pub(crate) struct ClusterAdminBroadBinding;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0040",
    name: "cluster-admin-broad-binding",
    title: "cluster-admin bound to a service account or a broad group",
    severity: Severity::Critical,
    targets: Targets::Kinds(&["RoleBinding", "ClusterRoleBinding"]),
    pss: None,
    cis: &["5.1.1"],
    nsa: &["Authentication and authorization"],
    nist: &["4.3.1 Unbounded administrative access"],
    pci: &["7.2.2"],
    source: include_str!("mod.rs"),
};

impl Rule for ClusterAdminBroadBinding {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let doc = cx.doc;
        let role = cx.map(Some(cx.obj.node), "roleRef").map(|(_, m)| m);
        let admin = cx
            .string(role, "name")
            .is_some_and(|(_, n)| n == "cluster-admin");
        let Some((_, subjects)) = cx.list(Some(cx.obj.node), "subjects") else {
            return;
        };
        for &s in subjects {
            let Some((k, kind)) = cx.string(Some(s), "kind") else {
                continue;
            };
            let name = doc
                .get(s, "name")
                .and_then(|v| doc.text(v))
                .unwrap_or_default();
            let broad_group = kind == "Group"
                && (matches!(
                    name,
                    "system:authenticated" | "system:unauthenticated" | "system:serviceaccounts"
                ) || name.starts_with("system:serviceaccounts:"));
            let anonymous = (kind == "User" && name == "system:anonymous")
                || (kind == "Group" && name == "system:unauthenticated");
            if anonymous {
                cx.report(
                    k,
                    format!(
                        "{} {} grants access to unauthenticated callers ({kind} {name})",
                        cx.obj.kind, cx.obj.name
                    ),
                );
            } else if admin && (kind == "ServiceAccount" || broad_group) {
                cx.report(k, format!("cluster-admin bound to {kind} {name}"));
            }
        }
    }
}
