//! # low-replica-count (BW-K8S-0087)
//!
//! Replicated workload runs fewer than three replicas.
//!
//! ## What it does
//!
//! Part of the optional `best-practices` group (`--include best-practices`). Flags a Deployment, StatefulSet,
//! ReplicaSet or ReplicationController whose `spec.replicas` is 1 or 2, or unset (the API default is 1).
//! `replicas: 0` (deliberately scaled down) and workloads an HPA in the input scales are left alone.
//!
//! Why three and not two: with two replicas, one pod down for a voluntary disruption (a node drain, a rolling
//! update) leaves a single pod, and any failure during that window is an outage. Three keep two serving through
//! one planned and one unplanned loss, and match the `minimum-three-replicas` check users know from
//! kube-linter.
//!
//! ## Why it matters
//!
//! "A Deployment provides declarative updates for Pods"; its availability comes from running several of them.
//! A single replica makes every node drain, eviction or crash an outage of the service.
//!
//! ## Example
//!
//! ```yaml
//! kind: Deployment
//! spec:
//!   replicas: 1      # flagged here
//! ```
//!
//! ## Fix
//!
//! Run at least three replicas (or let a HorizontalPodAutoscaler with `minReplicas: 3` do it), spread over
//! nodes with anti-affinity or topology spread constraints.
//!
//! ## References
//!
//! - https://kubernetes.io/docs/concepts/workloads/controllers/deployment/
//! - https://kubernetes.io/docs/concepts/workloads/pods/disruptions/
//! - kube-linter check `minimum-three-replicas`

// Every rule folder imports the same prelude so rule files stay uniform; not every rule uses every item.
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::model::*;
#[allow(unused_imports)]
use crate::pss::{Level, Version};
#[allow(unused_imports)]
use crate::rule::{Cx, PssControl, Rule, RuleMeta, Targets, describe};
use crate::rules::cross::{REPLICATED, autoscaled, replicas};
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::rules::util::*;
use bulwark_types::Severity;

pub(crate) struct LowReplicaCount;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0087",
    name: "low-replica-count",
    title: "Replicated workload runs fewer than three replicas",
    severity: Severity::Low,
    targets: Targets::Kinds(REPLICATED),
    pss: None,
    cis: &[],
    nsa: &[],
    nist: &[],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for LowReplicaCount {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        if autoscaled(cx.obj, cx.cluster) {
            return;
        }
        let (key, n) = replicas(cx);
        if n == 0 || n >= 3 {
            return;
        }
        let at = key
            .or_else(|| cx.doc.get_entry(cx.obj.node, "spec").map(|(k, _)| k))
            .unwrap_or(cx.obj.anchor);
        let how = if key.is_some() {
            ""
        } else {
            " (replicas unset: the default is 1)"
        };
        cx.report(
            at,
            format!(
                "{} {} runs {n} replica{}{how}; run at least 3",
                cx.obj.kind,
                cx.obj.name,
                if n == 1 { "" } else { "s" }
            ),
        );
    }
}
