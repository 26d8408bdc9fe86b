//! # rbac-pod-create-or-exec (BW-K8S-0037)
//!
//! Role can create pods or exec into them.
//!
//! ## What it does
//!
//! Flags rules that allow `create` on `pods` or workload controllers, or `create`/`get` on `pods/exec`, `pods/attach` or `pods/portforward`.
//!
//! ## Why it matters
//!
//! Creating a pod lets the subject run any image as any service account of the namespace and mount its Secrets; exec and attach give a shell in running pods.
//!
//! ## Example
//!
//! ```yaml
//! - resources: ["pods/exec"]
//!   verbs: ["create"]   # flagged here
//! ```
//!
//! ## Fix
//!
//! Let a controller (Deployment via GitOps) create pods; keep exec to break-glass roles.
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark v1.9.0: 5.1.4
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

pub(crate) struct RbacPodCreateOrExec;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0037",
    name: "rbac-pod-create-or-exec",
    title: "Role can create pods or exec into them",
    severity: Severity::High,
    targets: Targets::Kinds(&["Role", "ClusterRole"]),
    pss: None,
    cis: &["5.1.4"],
    nsa: &["Authentication and authorization"],
    nist: &["4.3.1 Unbounded administrative access"],
    pci: &["7.2.2"],
    source: include_str!("mod.rs"),
};

impl Rule for RbacPodCreateOrExec {
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

            let create = has_res(&[
                "pods",
                "deployments",
                "daemonsets",
                "statefulsets",
                "replicasets",
                "jobs",
                "cronjobs",
                "replicationcontrollers",
            ]) && has_verb(&["create"]);
            let exec = has_res(&["pods/exec", "pods/attach", "pods/portforward"])
                && has_verb(&["create", "get"]);
            if create || exec {
                let what = if exec {
                    "exec into or attach to pods"
                } else {
                    "create pods"
                };
                cx.report(
                    verbs_at,
                    format!("{} {} can {what}", cx.obj.kind, cx.obj.name),
                );
            }
        }
    }
}
