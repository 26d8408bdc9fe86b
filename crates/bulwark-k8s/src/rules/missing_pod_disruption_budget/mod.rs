//! # missing-pod-disruption-budget (BW-K8S-0089)
//!
//! Multi-replica workload has no PodDisruptionBudget.
//!
//! ## What it does
//!
//! Part of the optional `best-practices` group (`--include best-practices`). Flags a Deployment, StatefulSet,
//! ReplicaSet or ReplicationController that runs more than one pod (`replicas` of 2 or more, or scaled by an
//! HPA in the input) when no PodDisruptionBudget of its namespace in the input selects its pod template's
//! labels. A PDB selector with `matchExpressions` is assumed to select it; an empty selector (`{}`) selects
//! every pod of the namespace (`policy/v1`).
//!
//! ## Why it matters
//!
//! Node drains, cluster upgrades and the autoscaler evict pods through the Eviction API, which respects only
//! PodDisruptionBudgets: without one, a drain may evict every replica at once. "A PDB limits the number of Pods
//! of a replicated application that are down simultaneously from voluntary disruptions."
//!
//! ## Example
//!
//! ```yaml
//! kind: Deployment
//! spec:
//!   replicas: 3       # flagged here: no PDB selects app=zookeeper
//! ```
//!
//! ## Fix
//!
//! Ship a `policy/v1` PodDisruptionBudget with `minAvailable` or `maxUnavailable` whose selector matches the
//! pod template labels.
//!
//! ## References
//!
//! - https://kubernetes.io/docs/concepts/workloads/pods/disruptions/
//! - https://kubernetes.io/docs/tasks/run-application/configure-pdb/

// Every rule folder imports the same prelude so rule files stay uniform; not every rule uses every item.
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::model::*;
#[allow(unused_imports)]
use crate::pss::{Level, Version};
#[allow(unused_imports)]
use crate::rule::{Cx, PssControl, Rule, RuleMeta, Targets, describe};
use crate::rules::cross::{REPLICATED, multi_replica, replicas, same_namespace};
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::rules::util::*;
use bulwark_types::Severity;

pub(crate) struct MissingPodDisruptionBudget;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0089",
    name: "missing-pod-disruption-budget",
    title: "Multi-replica workload has no PodDisruptionBudget",
    severity: Severity::Low,
    targets: Targets::Kinds(REPLICATED),
    pss: None,
    cis: &[],
    nsa: &[],
    nist: &[],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for MissingPodDisruptionBudget {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        if cx.obj.pod.is_none() || !multi_replica(cx) {
            return;
        }
        let ns = cx.obj.namespace.clone().unwrap_or_else(|| "default".into());
        let labels = cx.obj.pod_labels();
        let explicit = cx.obj.namespace.as_deref();
        let covered = cx
            .cluster
            .inventory
            .pdbs
            .iter()
            .any(|(pns, s)| same_namespace(pns.as_deref(), explicit) && s.matches(&labels));
        if covered {
            return;
        }
        let at = replicas(cx).0.unwrap_or(cx.obj.anchor);
        cx.report(
            at,
            format!(
                "no PodDisruptionBudget of namespace {ns} in the input selects the pods of {} {}: a node drain may evict every replica at once",
                cx.obj.kind, cx.obj.name
            ),
        );
    }
}
