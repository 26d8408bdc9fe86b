//! # missing-anti-affinity (BW-K8S-0088)
//!
//! Multi-replica workload has no pod anti-affinity or topology spread constraints.
//!
//! ## What it does
//!
//! Part of the optional `best-practices` group (`--include best-practices`). Flags a Deployment, StatefulSet,
//! ReplicaSet or ReplicationController that runs more than one pod (`replicas` of 2 or more, or scaled by an
//! HPA in the input) when its pod template has neither `affinity.podAntiAffinity` nor
//! `topologySpreadConstraints`.
//!
//! ## Why it matters
//!
//! Without either, the scheduler may place every replica on the same node or zone, and one node failure or
//! drain takes all of them down: the replicas give no availability. "You can use topology spread constraints to
//! control how Pods are spread across your cluster among failure-domains such as regions, zones, nodes."
//!
//! ## Example
//!
//! ```yaml
//! spec:
//!   replicas: 3
//!   template:
//!     spec:            # flagged here: no podAntiAffinity, no topologySpreadConstraints
//!       containers: [...]
//! ```
//!
//! ## Fix
//!
//! Add `topologySpreadConstraints` over `kubernetes.io/hostname` (and `topology.kubernetes.io/zone`), or a
//! `podAntiAffinity` term on the pod's own labels.
//!
//! ## References
//!
//! - https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/
//! - https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#inter-pod-affinity-and-anti-affinity
//! - kube-linter check `no-anti-affinity`

// Every rule folder imports the same prelude so rule files stay uniform; not every rule uses every item.
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::model::*;
#[allow(unused_imports)]
use crate::pss::{Level, Version};
#[allow(unused_imports)]
use crate::rule::{Cx, PssControl, Rule, RuleMeta, Targets, describe};
use crate::rules::cross::{REPLICATED, multi_replica};
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::rules::util::*;
use bulwark_types::Severity;

pub(crate) struct MissingAntiAffinity;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0088",
    name: "missing-anti-affinity",
    title: "Multi-replica workload has no pod anti-affinity or topology spread",
    severity: Severity::Low,
    targets: Targets::Kinds(REPLICATED),
    pss: None,
    cis: &[],
    nsa: &[],
    nist: &[],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for MissingAntiAffinity {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        let (spec, anchor) = (pod.spec, pod.spec_anchor);
        if !multi_replica(cx) {
            return;
        }
        let affinity = cx.map(Some(spec), "affinity").map(|(_, a)| a);
        if cx.map(affinity, "podAntiAffinity").is_some() {
            return;
        }
        if cx
            .list(Some(spec), "topologySpreadConstraints")
            .is_some_and(|(_, l)| !l.is_empty())
        {
            return;
        }
        cx.report(
            anchor,
            format!(
                "pods of {} {} have no podAntiAffinity and no topologySpreadConstraints: every replica may land on one node",
                cx.obj.kind, cx.obj.name
            ),
        );
    }
}
