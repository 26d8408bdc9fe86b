//! # system-masters-binding (BW-K8S-0047)
//!
//! Binding grants to the system:masters group.
//!
//! ## What it does
//!
//! Flags RoleBindings and ClusterRoleBindings with the subject group `system:masters`.
//!
//! ## Why it matters
//!
//! Members of `system:masters` bypass RBAC and authorization webhooks entirely, and the membership cannot be revoked short of rotating the CA. Bindings to it are at best useless and at worst a sign of confusion about who is admin.
//!
//! ## Example
//!
//! ```yaml
//! subjects:
//! - kind: Group        # flagged here
//!   name: system:masters
//! ```
//!
//! ## Fix
//!
//! Bind a dedicated group to a named role instead.
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark v1.9.0: 5.1.7
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

pub(crate) struct SystemMastersBinding;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0047",
    name: "system-masters-binding",
    title: "Binding grants to the system:masters group",
    severity: Severity::Critical,
    targets: Targets::Kinds(&["RoleBinding", "ClusterRoleBinding"]),
    pss: None,
    cis: &["5.1.7"],
    nsa: &["Authentication and authorization"],
    nist: &["4.3.1 Unbounded administrative access"],
    pci: &["7.2.2"],
    source: include_str!("mod.rs"),
};

impl Rule for SystemMastersBinding {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let doc = cx.doc;
        let Some((_, subjects)) = cx.list(Some(cx.obj.node), "subjects") else {
            return;
        };
        for &s in subjects {
            let Some((k, kind)) = cx.string(Some(s), "kind") else {
                continue;
            };
            if kind == "Group"
                && doc.get(s, "name").and_then(|v| doc.text(v)) == Some("system:masters")
            {
                cx.report(
                    k,
                    format!(
                        "{} {} binds the system:masters group",
                        cx.obj.kind, cx.obj.name
                    ),
                );
            }
        }
    }
}
