//! # dangling-role-binding (BW-K8S-0083)
//!
//! RoleBinding or ClusterRoleBinding grants a Role or ClusterRole that is not in the input.
//!
//! ## What it does
//!
//! Flags a RoleBinding or ClusterRoleBinding whose `roleRef` names a Role (in the binding's namespace) or a
//! ClusterRole that the scanned input does not define. Roles the API server always creates are never flagged:
//! every name starting with `system:`, the user-facing ClusterRoles `cluster-admin`, `admin`, `edit` and
//! `view`, and the Role `extension-apiserver-authentication-reader` of `kube-system`.
//!
//! The rule only speaks when the input plausibly holds the whole app: when it defines at least one Role in the
//! binding's namespace (for a Role reference) or at least one ClusterRole (for a ClusterRole reference).
//!
//! ## Why it matters
//!
//! RBAC resolves `roleRef` by name when a request is authorised, so a binding may exist before its role. A
//! binding to a missing role grants nothing today and grants *whatever* a role created later under that name
//! allows — a typo today, a privilege grant waiting for anyone who may create Roles in the namespace.
//! `roleRef` cannot be changed after creation, so a wrong one has to be deleted and recreated.
//!
//! ## Example
//!
//! ```yaml
//! kind: RoleBinding
//! roleRef:
//!   kind: Role
//!   name: pod-reder      # flagged here
//!   apiGroup: rbac.authorization.k8s.io
//! ```
//!
//! ## Fix
//!
//! Name the Role or ClusterRole the binding is meant to grant, or ship it with the binding.
//!
//! ## References
//!
//! - https://kubernetes.io/docs/reference/access-authn-authz/rbac/#rolebinding-and-clusterrolebinding
//! - https://kubernetes.io/docs/reference/access-authn-authz/rbac/#default-roles-and-role-bindings

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

pub(crate) struct DanglingRoleBinding;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0083",
    name: "dangling-role-binding",
    title: "Binding grants a Role or ClusterRole that is not in the input",
    severity: Severity::Medium,
    targets: Targets::Kinds(&["RoleBinding", "ClusterRoleBinding"]),
    pss: None,
    cis: &[],
    nsa: &[],
    nist: &[],
    pci: &[],
    source: include_str!("mod.rs"),
};

/// ClusterRoles every API server creates ("Default roles and role bindings", user-facing roles).
const DEFAULT_CLUSTER_ROLES: &[&str] = &["cluster-admin", "admin", "edit", "view"];

/// Whether the API server creates this role itself.
fn built_in(kind: &str, ns: &str, name: &str) -> bool {
    name.starts_with("system:")
        || (kind == "ClusterRole" && DEFAULT_CLUSTER_ROLES.contains(&name))
        || (kind == "Role"
            && ns == "kube-system"
            && name == "extension-apiserver-authentication-reader")
}

impl Rule for DanglingRoleBinding {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some((_, rr)) = cx.map(Some(cx.obj.node), "roleRef") else {
            return;
        };
        let Some((_, kind)) = cx.string(Some(rr), "kind") else {
            return;
        };
        let Some((k, name)) = cx.string(Some(rr), "name") else {
            return;
        };
        if !matches!(kind, "Role" | "ClusterRole") {
            return;
        }
        let ns = cx.obj.namespace.clone().unwrap_or_else(|| "default".into());
        let inv = &cx.cluster.inventory;
        let explicit = cx.obj.namespace.as_deref();
        if built_in(kind, &ns, name) || !inv.count(kind, explicit) || inv.has(kind, explicit, name)
        {
            return;
        }
        let scope = if kind == "Role" {
            format!("namespace {ns} of the input")
        } else {
            "the input".to_string()
        };
        cx.report(
            k,
            format!(
                "{} {} grants {kind} {name}, which is not in {scope}: a {kind} created later under that name gets bound",
                cx.obj.kind, cx.obj.name
            ),
        );
    }
}
