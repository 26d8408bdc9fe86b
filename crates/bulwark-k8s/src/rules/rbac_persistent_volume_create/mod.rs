//! # rbac-persistent-volume-create (BW-K8S-0043)
//!
//! Role can create PersistentVolumes.
//!
//! ## What it does
//!
//! Flags rules that allow `create` on `persistentvolumes`.
//!
//! ## Why it matters
//!
//! A PersistentVolume can be a `hostPath` volume: whoever creates one and a claim to it gets the node filesystem without ever writing a hostPath pod, so Pod Security admission does not see it.
//!
//! ## Example
//!
//! ```yaml
//! - resources: ["persistentvolumes"]
//!   verbs: ["create"]   # flagged here
//! ```
//!
//! ## Fix
//!
//! Let a StorageClass provisioner create volumes; keep PV creation to storage administrators.
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark v1.9.0: 5.1.9
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

pub(crate) struct RbacPersistentVolumeCreate;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0043",
    name: "rbac-persistent-volume-create",
    title: "Role can create PersistentVolumes",
    severity: Severity::High,
    targets: Targets::Kinds(&["Role", "ClusterRole"]),
    pss: None,
    cis: &["5.1.9"],
    nsa: &["Authentication and authorization"],
    nist: &["4.3.1 Unbounded administrative access"],
    pci: &["7.2.2"],
    source: include_str!("mod.rs"),
};

impl Rule for RbacPersistentVolumeCreate {
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

            if has_res(&["persistentvolumes"]) && has_verb(&["create"]) {
                cx.report(
                    verbs_at,
                    format!(
                        "{} {} can create PersistentVolumes",
                        cx.obj.kind, cx.obj.name
                    ),
                );
            }
        }
    }
}
