//! # rbac-secret-read (BW-K8S-0036)
//!
//! Role can read Secrets.
//!
//! ## What it does
//!
//! Flags rules that allow `get`, `list` or `watch` (or `*`) on `secrets` (or `*` resources) in the core API group.
//!
//! ## Why it matters
//!
//! `list` and `watch` return the content of every Secret in scope, service account tokens included; `get` reveals any Secret whose name is known.
//!
//! ## Example
//!
//! ```yaml
//! - resources: ["secrets"]
//!   verbs: ["get", "list"]   # flagged here
//! ```
//!
//! ## Fix
//!
//! Grant access to named Secrets only (`resourceNames`), or mount them into the pod instead.
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark v1.9.0: 5.1.2
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

pub(crate) struct RbacSecretRead;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0036",
    name: "rbac-secret-read",
    title: "Role can read Secrets",
    severity: Severity::Medium,
    targets: Targets::Kinds(&["Role", "ClusterRole"]),
    pss: None,
    cis: &["5.1.2"],
    nsa: &["Authentication and authorization"],
    nist: &["4.3.1 Unbounded administrative access"],
    pci: &["7.2.2"],
    source: include_str!("mod.rs"),
};

impl Rule for RbacSecretRead {
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

            let core = strings(cx, Some(r), "apiGroups")
                .iter()
                .any(|(_, g)| g.is_empty() || *g == "*");
            if core
                && has_res(&["secrets"])
                && has_verb(&["get", "list", "watch"])
                && doc
                    .get(r, "resourceNames")
                    .is_none_or(|x| doc.items(x).is_empty())
            {
                cx.report(
                    verbs_at,
                    format!("{} {} can read Secrets", cx.obj.kind, cx.obj.name),
                );
            }
        }
    }
}
