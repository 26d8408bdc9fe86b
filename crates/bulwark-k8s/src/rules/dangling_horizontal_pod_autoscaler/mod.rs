//! # dangling-horizontal-pod-autoscaler (BW-K8S-0082)
//!
//! HorizontalPodAutoscaler scales an object that is not in the input.
//!
//! ## What it does
//!
//! Flags a HorizontalPodAutoscaler whose `spec.scaleTargetRef` (`kind` and `name`, in the HPA's namespace)
//! names no object of the scanned input. Any kind counts as a target (a Deployment, a StatefulSet, an Argo
//! Rollout…), as it does for the HPA controller, which goes through the target's `scale` subresource.
//!
//! The rule only speaks when the input plausibly holds the whole app: when it holds at least one object of the
//! target's kind in the HPA's namespace.
//!
//! ## Why it matters
//!
//! The HPA controller cannot fetch the scale of a missing target: the autoscaler reports
//! `FailedGetScale` and does nothing, so the workload it was written for runs at its fixed `replicas` under load.
//!
//! ## Example
//!
//! ```yaml
//! kind: HorizontalPodAutoscaler
//! spec:
//!   scaleTargetRef:
//!     apiVersion: apps/v1
//!     kind: Deployment
//!     name: php-apche     # flagged here
//! ```
//!
//! ## Fix
//!
//! Point `scaleTargetRef` at the workload's kind and name, in the HPA's namespace.
//!
//! ## References
//!
//! - https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale-walkthrough/
//! - https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/horizontal-pod-autoscaler-v2/
//! - kube-linter check `dangling-horizontalpodautoscaler`

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

pub(crate) struct DanglingHorizontalPodAutoscaler;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0082",
    name: "dangling-horizontal-pod-autoscaler",
    title: "HorizontalPodAutoscaler scales an object that is not in the input",
    severity: Severity::Low,
    targets: Targets::Kinds(&["HorizontalPodAutoscaler"]),
    pss: None,
    cis: &[],
    nsa: &[],
    nist: &[],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for DanglingHorizontalPodAutoscaler {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let spec = cx.map(Some(cx.obj.node), "spec").map(|(_, s)| s);
        let Some((_, target)) = cx.map(spec, "scaleTargetRef") else {
            return;
        };
        let Some((_, kind)) = cx.string(Some(target), "kind") else {
            return;
        };
        let Some((k, name)) = cx.string(Some(target), "name") else {
            return;
        };
        let ns = cx.obj.namespace.clone().unwrap_or_else(|| "default".into());
        let inv = &cx.cluster.inventory;
        let explicit = cx.obj.namespace.as_deref();
        if !inv.count(kind, explicit) || inv.has(kind, explicit, name) {
            return;
        }
        cx.report(
            k,
            format!(
                "HorizontalPodAutoscaler {} scales {kind} {name}, which is not in namespace {ns} of the input",
                cx.obj.name
            ),
        );
    }
}
