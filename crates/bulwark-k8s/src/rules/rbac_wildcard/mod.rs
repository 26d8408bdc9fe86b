//! # rbac-wildcard (BW-K8S-0035)
//!
//! Role grants wildcard verbs or resources.
//!
//! ## What it does
//!
//! Flags Role and ClusterRole rules with `*` in `verbs`, `resources` or `apiGroups`.
//!
//! ## Why it matters
//!
//! Wildcards grant every current and future verb or resource, including ones added later by CRDs (secrets, exec, escalate).
//!
//! ## Example
//!
//! ```yaml
//! rules:
//! - apiGroups: ["*"]
//!   resources: ["*"]
//!   verbs: ["*"]     # flagged here
//! ```
//!
//! ## Fix
//!
//! List the exact verbs and resources the subject needs.
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark v1.9.0: 5.1.3
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

pub(crate) struct RbacWildcard;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0035",
    name: "rbac-wildcard",
    title: "Role grants wildcard verbs or resources",
    severity: Severity::High,
    targets: Targets::Kinds(&["Role", "ClusterRole"]),
    pss: None,
    cis: &["5.1.3"],
    nsa: &["Authentication and authorization"],
    nist: &["4.3.1 Unbounded administrative access"],
    pci: &["7.2.2"],
    source: include_str!("mod.rs"),
};

impl Rule for RbacWildcard {
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

            for key in ["verbs", "resources", "apiGroups"] {
                let items = strings(cx, Some(r), key);
                if let Some(&(n, _)) = items.iter().find(|(_, x)| *x == "*") {
                    cx.report(n, format!("{} {} grants * {key}", cx.obj.kind, cx.obj.name));
                }
            }
        }
    }
}
