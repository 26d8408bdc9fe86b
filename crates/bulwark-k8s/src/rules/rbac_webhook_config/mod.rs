//! # rbac-webhook-config (BW-K8S-0045)
//!
//! Role can change admission webhook configurations.
//!
//! ## What it does
//!
//! Flags rules that allow `create`, `update`, `patch` or `delete` on `validatingwebhookconfigurations` or `mutatingwebhookconfigurations`.
//!
//! ## Why it matters
//!
//! Admission webhooks see (and mutating ones rewrite) every object sent to the API server, Secrets included; deleting one removes a policy control.
//!
//! ## Example
//!
//! ```yaml
//! - resources: ["mutatingwebhookconfigurations"]
//!   verbs: ["create", "patch"]   # flagged here
//! ```
//!
//! ## Fix
//!
//! Keep webhook configuration changes to cluster administrators and the operators that own them.
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark v1.9.0: 5.1.12
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

pub(crate) struct RbacWebhookConfig;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0045",
    name: "rbac-webhook-config",
    title: "Role can change admission webhook configurations",
    severity: Severity::High,
    targets: Targets::Kinds(&["Role", "ClusterRole"]),
    pss: None,
    cis: &["5.1.12"],
    nsa: &["Authentication and authorization"],
    nist: &["4.3.1 Unbounded administrative access"],
    pci: &["7.2.2"],
    source: include_str!("mod.rs"),
};

impl Rule for RbacWebhookConfig {
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

            if has_res(&[
                "validatingwebhookconfigurations",
                "mutatingwebhookconfigurations",
            ]) && has_verb(&["create", "update", "patch", "delete"])
            {
                cx.report(
                    verbs_at,
                    format!(
                        "{} {} can change admission webhook configurations",
                        cx.obj.kind, cx.obj.name
                    ),
                );
            }
        }
    }
}
