//! # missing-service-account (BW-K8S-0084)
//!
//! Workload runs as a ServiceAccount that is not in the input.
//!
//! ## What it does
//!
//! Flags a pod template whose `serviceAccountName` (or the deprecated `serviceAccount`) names a ServiceAccount
//! that the scanned input does not define in the workload's namespace. The `default` ServiceAccount, which the
//! ServiceAccount controller creates in every namespace, is never flagged.
//!
//! The rule only speaks when the input plausibly holds the whole app: when it defines at least one
//! ServiceAccount in the workload's namespace.
//!
//! ## Why it matters
//!
//! The ServiceAccount admission controller rejects a pod whose service account does not exist, so the
//! workload's pods are never created. And a ServiceAccount created later under that name — with whatever
//! RoleBindings it has — becomes the identity of the workload.
//!
//! ## Example
//!
//! ```yaml
//! spec:
//!   template:
//!     spec:
//!       serviceAccountName: build-robbot   # flagged here
//! ```
//!
//! ## Fix
//!
//! Name the ServiceAccount shipped with the workload, or ship it.
//!
//! ## References
//!
//! - https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/
//! - https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/
//! - kube-linter check `non-existent-service-account`

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

pub(crate) struct MissingServiceAccount;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0084",
    name: "missing-service-account",
    title: "Workload runs as a ServiceAccount that is not in the input",
    severity: Severity::Low,
    targets: Targets::Workloads,
    pss: None,
    cis: &[],
    nsa: &[],
    nist: &[],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for MissingServiceAccount {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        let spec = pod.spec;
        let Some((k, name)) = ["serviceAccountName", "serviceAccount"]
            .into_iter()
            .find_map(|key| cx.string(Some(spec), key))
            .filter(|(_, n)| !n.is_empty())
        else {
            return;
        };
        if name == "default" {
            return;
        }
        let ns = cx.obj.namespace.clone().unwrap_or_else(|| "default".into());
        let inv = &cx.cluster.inventory;
        let explicit = cx.obj.namespace.as_deref();
        if !inv.count("ServiceAccount", explicit) || inv.has("ServiceAccount", explicit, name) {
            return;
        }
        cx.report(
            k,
            format!(
                "{} runs as ServiceAccount {name}, which is not in namespace {ns} of the input: admission rejects its pods",
                cx.obj.kind
            ),
        );
    }
}
