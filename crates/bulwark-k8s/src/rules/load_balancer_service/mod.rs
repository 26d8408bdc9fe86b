//! # load-balancer-service (BW-K8S-0072)
//!
//! Service is exposed through an external load balancer open to any address.
//!
//! ## What it does
//!
//! Flags Services of `type: LoadBalancer`, unless the load balancer is internal — one of the annotations the Kubernetes docs list for an internal load balancer (`networking.gke.io/load-balancer-type: Internal`, `cloud.google.com/load-balancer-type: Internal`, `service.beta.kubernetes.io/aws-load-balancer-internal: "true"`, `service.beta.kubernetes.io/aws-load-balancer-scheme: internal`, `service.beta.kubernetes.io/azure-load-balancer-internal: "true"`, `service.beta.kubernetes.io/openstack-internal-load-balancer: "true"`, `service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type: private`, `service.beta.kubernetes.io/oci-load-balancer-internal: "true"`) — or `spec.loadBalancerSourceRanges` lists only ranges narrower than the whole address space (`0.0.0.0/0` and `::/0` count as open).
//!
//! ## Why it matters
//!
//! A LoadBalancer Service "exposes the Service externally using an external load balancer" (Kubernetes docs, Service); on the major clouds the default is a public address, so the workload is reachable from the internet — every vulnerability in it becomes remotely exploitable, and it also gets node ports on every node unless `allocateLoadBalancerNodePorts: false`.
//!
//! Severity medium: exposure is often the intent (a public web front end), so this is a prompt to confirm it rather than a defect; it ranks with `node-port-service`. It is reported once per Service, at `type:`.
//!
//! ## Example
//!
//! ```yaml
//! kind: Service
//! spec:
//!   type: LoadBalancer   # flagged here
//! ```
//!
//! ## Fix
//!
//! Put HTTP services behind an Ingress or Gateway; make load balancers that only serve the internal network internal (the provider's annotation); restrict the clients with `spec.loadBalancerSourceRanges`.
//!
//! ## References
//!
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Network separation and hardening
//! - NIST SP 800-190: 4.4.2 Unbounded network access from containers
//! - PCI DSS v4.0: 1.3.1
//! - https://kubernetes.io/docs/concepts/services-networking/service/#loadbalancer
//! - https://kubernetes.io/docs/concepts/services-networking/service/#internal-load-balancer
//! - https://kubernetes.io/docs/tasks/access-application-cluster/configure-cloud-provider-firewall/ (`loadBalancerSourceRanges`)

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

pub(crate) struct LoadBalancerService;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0072",
    name: "load-balancer-service",
    title: "Service is exposed through an external load balancer open to any address",
    severity: Severity::Medium,
    targets: Targets::Kinds(&["Service"]),
    pss: None,
    cis: &[],
    nsa: &["Network separation and hardening"],
    nist: &["4.4.2 Unbounded network access from containers"],
    pci: &["1.3.1"],
    source: include_str!("mod.rs"),
};

/// Annotations that make a cloud load balancer internal, with the value that does (case-insensitive), from the
/// Kubernetes docs' "Internal load balancer" list and the providers' docs.
const INTERNAL: &[(&str, &str)] = &[
    ("networking.gke.io/load-balancer-type", "internal"),
    ("cloud.google.com/load-balancer-type", "internal"),
    (
        "service.beta.kubernetes.io/aws-load-balancer-internal",
        "true",
    ),
    (
        "service.beta.kubernetes.io/aws-load-balancer-scheme",
        "internal",
    ),
    (
        "service.beta.kubernetes.io/azure-load-balancer-internal",
        "true",
    ),
    (
        "service.beta.kubernetes.io/openstack-internal-load-balancer",
        "true",
    ),
    (
        "service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type",
        "private",
    ),
    (
        "service.beta.kubernetes.io/oci-load-balancer-internal",
        "true",
    ),
];

impl Rule for LoadBalancerService {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let spec = cx.map(Some(cx.obj.node), "spec").map(|(_, m)| m);
        let Some((n, "LoadBalancer")) = cx.string(spec, "type") else {
            return;
        };
        if INTERNAL.iter().any(|(k, v)| {
            cx.obj
                .meta_str("annotations", k)
                .is_some_and(|a| a.eq_ignore_ascii_case(v))
        }) {
            return;
        }
        let ranges = strings(cx, spec, "loadBalancerSourceRanges");
        let open = ranges.is_empty()
            || ranges
                .iter()
                .any(|(_, r)| matches!(r.trim(), "0.0.0.0/0" | "::/0"));
        if open {
            cx.report(
                n,
                format!(
                    "Service {} gets an external load balancer that accepts any client address",
                    cx.obj.name
                ),
            );
        }
    }
}
