//! # dangling-network-policy (BW-K8S-0080)
//!
//! NetworkPolicy pod selector matches no pods in the input.
//!
//! ## What it does
//!
//! Flags a NetworkPolicy whose `spec.podSelector` has labels (`matchLabels`) that the pod template of no
//! workload in the policy's namespace carries. An empty selector (`podSelector: {}`) selects every pod of the
//! namespace and is never flagged; a selector with `matchExpressions` is assumed to select something.
//!
//! The rule only speaks when the input plausibly holds the whole app: when it holds at least one workload in
//! the policy's namespace. A policy shipped without any workload of its namespace is left alone.
//!
//! ## Why it matters
//!
//! "Each NetworkPolicy includes a `podSelector` which selects the grouping of pods to which the policy
//! applies": a policy that selects nothing isolates nothing. A typo in a label (`app: wbe`) leaves the pods it was written for open to every other pod, while
//! the policy in the repository says they are protected.
//!
//! ## Example
//!
//! ```yaml
//! kind: NetworkPolicy
//! spec:
//!   podSelector:      # flagged here: no pod has app=wbe
//!     matchLabels:
//!       app: wbe
//! ```
//!
//! ## Fix
//!
//! Make the selector match the pod template labels of the workload it is meant for, or delete the policy.
//!
//! ## References
//!
//! - https://kubernetes.io/docs/concepts/services-networking/network-policies/
//! - kube-linter check `dangling-networkpolicy`

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

use crate::rules::cross::same_namespace;

pub(crate) struct DanglingNetworkPolicy;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0080",
    name: "dangling-network-policy",
    title: "NetworkPolicy pod selector matches no pods in the input",
    severity: Severity::Low,
    targets: Targets::Kinds(&["NetworkPolicy"]),
    pss: None,
    cis: &[],
    nsa: &[],
    nist: &[],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for DanglingNetworkPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some((_, spec)) = cx.map(Some(cx.obj.node), "spec") else {
            return;
        };
        let Some((k, sel)) = cx.map(Some(spec), "podSelector") else {
            return;
        };
        let sel = selector(cx.doc, sel, false);
        if sel.labels.is_empty() {
            return; // `{}` selects every pod; expressions alone are assumed to select some
        }
        let ns = cx.obj.namespace.clone().unwrap_or_else(|| "default".into());
        let explicit = cx.obj.namespace.as_deref();
        let pods: Vec<&crate::rules::cross::Labels> = cx
            .cluster
            .inventory
            .pods
            .iter()
            .filter(|(pns, _)| same_namespace(pns.as_deref(), explicit))
            .map(|(_, l)| l)
            .collect();
        if pods.is_empty() {
            return; // no workload of this namespace in the input: it may live elsewhere
        }
        if !pods.iter().any(|l| sel.matches(l)) {
            let want = sel
                .labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",");
            cx.report(
                k,
                format!(
                    "podSelector of NetworkPolicy {} ({want}) matches none of the {} workloads of namespace {ns} in the input",
                    cx.obj.name,
                    pods.len()
                ),
            );
        }
    }
}
