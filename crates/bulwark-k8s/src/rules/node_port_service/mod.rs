//! # node-port-service (BW-K8S-0071)
//!
//! Service is exposed on a port of every node.
//!
//! ## What it does
//!
//! Flags Services of `type: NodePort`. (A `LoadBalancer` Service also allocates node ports; `load-balancer-service` reports it.)
//!
//! ## Why it matters
//!
//! A NodePort Service "exposes the Service on each Node's IP at a static port" and "each node proxies that port (the same port number on every Node) into your Service" (Kubernetes docs, Service). The workload becomes reachable from anywhere that can reach any node — often wider than intended, since nodes usually sit in a network with other systems and sometimes have public addresses — and the traffic bypasses the Ingress or load balancer where TLS, authentication and rate limits usually live. With the default `externalTrafficPolicy: Cluster` the client's address is replaced by a node's, so NetworkPolicy `ipBlock` rules cannot tell outside clients apart.
//!
//! Severity medium: the port is reachable but the application behind it may well expect clients (it is exposure, not a flaw in itself); like `host-port` (medium) it opens a port on node addresses, here on every node.
//!
//! ## Example
//!
//! ```yaml
//! kind: Service
//! spec:
//!   type: NodePort     # flagged here
//! ```
//!
//! ## Fix
//!
//! Use `type: ClusterIP` behind an Ingress or Gateway, or a `LoadBalancer` restricted with `loadBalancerSourceRanges`. If a NodePort is needed, limit the node addresses that accept it (kube-proxy `--nodeport-addresses`) and firewall the node port range.
//!
//! ## References
//!
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Network separation and hardening
//! - NIST SP 800-190: 4.4.2 Unbounded network access from containers
//! - PCI DSS v4.0: 1.3.1
//! - https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport

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

pub(crate) struct NodePortService;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0071",
    name: "node-port-service",
    title: "Service is exposed on a port of every node",
    severity: Severity::Medium,
    targets: Targets::Kinds(&["Service"]),
    pss: None,
    cis: &[],
    nsa: &["Network separation and hardening"],
    nist: &["4.4.2 Unbounded network access from containers"],
    pci: &["1.3.1"],
    source: include_str!("mod.rs"),
};

impl Rule for NodePortService {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let spec = cx.map(Some(cx.obj.node), "spec").map(|(_, m)| m);
        if let Some((n, "NodePort")) = cx.string(spec, "type") {
            let ports: Vec<String> = cx
                .list(spec, "ports")
                .map(|(_, ps)| ps.to_vec())
                .unwrap_or_default()
                .into_iter()
                .filter_map(|p| cx.doc.get(p, "nodePort").and_then(|v| cx.doc.text(v)))
                .map(str::to_string)
                .collect();
            let which = if ports.is_empty() {
                "a port allocated from the node port range".to_string()
            } else {
                format!("port {}", ports.join(", "))
            };
            cx.report(
                n,
                format!(
                    "Service {} is reachable on {which} of every node's address",
                    cx.obj.name
                ),
            );
        }
    }
}
