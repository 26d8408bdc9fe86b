//! # workload-without-network-policy (BW-K8S-0041)
//!
//! No NetworkPolicy in the input selects the workload.
//!
//! ## What it does
//!
//! Flags workloads whose pods no NetworkPolicy of the same namespace (in the scanned input) isolates, for ingress and for egress separately: the message says which direction is left open. A policy with an empty `podSelector` selects every pod; `matchExpressions` are assumed to match. A policy isolates the directions in its `policyTypes`; without `policyTypes`, the API server defaults it to `Ingress`, plus `Egress` when it has `egress` rules — so a policy with only `ingress` rules leaves egress open. Only meaningful when the scan covers the namespace's policies.
//!
//! ## Why it matters
//!
//! Pods not selected by any NetworkPolicy accept traffic from every pod in the cluster and can reach anything: one compromised pod can move laterally everywhere. Ingress isolation alone does not stop a compromised pod from reaching the cloud metadata endpoint, the API server or other namespaces' pods, nor from sending data out.
//!
//! ## Example
//!
//! ```yaml
//! kind: Deployment     # flagged here: no NetworkPolicy selects app=web for egress
//! ---
//! kind: NetworkPolicy
//! spec:
//!   podSelector: {}    # selects every pod, but
//!   ingress: [...]     # no policyTypes and no egress rules: isolates ingress only
//! ```
//!
//! ## Fix
//!
//! Add a default-deny NetworkPolicy per namespace with `policyTypes: [Ingress, Egress]` and allow the flows each workload needs.
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark v1.9.0: 5.3.2
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Network separation and hardening: network policies
//! - NIST SP 800-190: 4.3.3 Poorly separated inter-container network traffic, 4.4.2 Unbounded network access from containers
//! - PCI DSS v4.0: 1.3.1
//! - https://kubernetes.io/docs/concepts/services-networking/network-policies/
//! - https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-policies

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

pub(crate) struct WorkloadWithoutNetworkPolicy;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0041",
    name: "workload-without-network-policy",
    title: "No NetworkPolicy in the input selects the workload",
    severity: Severity::Medium,
    targets: Targets::Workloads,
    pss: None,
    cis: &["5.3.2"],
    nsa: &["Network separation and hardening: network policies"],
    nist: &[
        "4.3.3 Poorly separated inter-container network traffic",
        "4.4.2 Unbounded network access from containers",
    ],
    pci: &["1.3.1"],
    source: include_str!("mod.rs"),
};

impl Rule for WorkloadWithoutNetworkPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        if cx.obj.kind == "PodTemplate" {
            return;
        }
        let ns = cx.obj.namespace.clone().unwrap_or_else(|| "default".into());
        let labels = cx.obj.pod_labels();
        let (mut ingress, mut egress) = (false, false);
        for p in cx.cluster.policy_scopes.get(&ns).into_iter().flatten() {
            if p.selector.matches(&labels) {
                ingress |= p.ingress;
                egress |= p.egress;
            }
        }
        let missing = match (ingress, egress) {
            (true, true) => return,
            (false, false) => "ingress or egress",
            (true, false) => "egress",
            (false, true) => "ingress",
        };
        cx.report(
            cx.obj.anchor,
            format!(
                "no NetworkPolicy in namespace {ns} selects this workload's pods for {missing}"
            ),
        );
    }
}
