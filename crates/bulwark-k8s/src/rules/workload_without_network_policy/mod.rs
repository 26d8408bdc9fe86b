//! # workload-without-network-policy (BW-K8S-0041)
//!
//! No NetworkPolicy in the input selects the workload.
//!
//! ## What it does
//!
//! Flags workloads whose pods no NetworkPolicy of the same namespace (in the scanned input) selects. A policy with an empty `podSelector` selects every pod; `matchExpressions` are assumed to match. Only meaningful when the scan covers the namespace's policies.
//!
//! ## Why it matters
//!
//! Pods not selected by any NetworkPolicy accept traffic from every pod in the cluster and can reach anything: one compromised pod can move laterally everywhere.
//!
//! ## Example
//!
//! ```yaml
//! kind: Deployment     # flagged here: no NetworkPolicy selects app=web
//! ```
//!
//! ## Fix
//!
//! Add a default-deny NetworkPolicy per namespace and allow the flows each workload needs.
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark v1.9.0: 5.3.2
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Network separation and hardening: network policies
//! - NIST SP 800-190: 4.3.3 Poorly separated inter-container network traffic, 4.4.2 Unbounded network access from containers
//! - PCI DSS v4.0: 1.3.1
//! - https://kubernetes.io/docs/concepts/services-networking/network-policies/

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
        let selected = cx
            .cluster
            .network_policies
            .get(&ns)
            .is_some_and(|ps| ps.iter().any(|s| s.matches(&labels)));
        if !selected {
            cx.report(
                cx.obj.anchor,
                format!("no NetworkPolicy in namespace {ns} selects this workload's pods"),
            );
        }
    }
}
