//! # dangling-ingress (BW-K8S-0081)
//!
//! Ingress backend names a Service that is not in the input.
//!
//! ## What it does
//!
//! Flags each backend of an Ingress (`spec.defaultBackend`, and every `spec.rules[].http.paths[].backend`;
//! also the `serviceName` of the removed `v1beta1` form) whose Service does not exist in the Ingress's
//! namespace in the scanned input. Resource backends (`backend.resource`) are not Services and are not checked.
//!
//! The rule only speaks when the input plausibly holds the whole app: when it holds at least one Service in
//! the Ingress's namespace.
//!
//! ## Why it matters
//!
//! An Ingress routes to a Service by name in its own namespace. A misspelt or deleted Service leaves the route
//! answering 503, and it sends the traffic to whatever Service is later created under that name — by anyone
//! allowed to create Services in the namespace.
//!
//! ## Example
//!
//! ```yaml
//! kind: Ingress
//! spec:
//!   rules:
//!   - http:
//!       paths:
//!       - backend:
//!           service:
//!             name: tset    # flagged here: no Service tset
//! ```
//!
//! ## Fix
//!
//! Name an existing Service of the same namespace, or ship the Service with the Ingress.
//!
//! ## References
//!
//! - https://kubernetes.io/docs/concepts/services-networking/ingress/
//! - kube-linter check `dangling-ingress`

// Every rule folder imports the same prelude so rule files stay uniform; not every rule uses every item.
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::model::*;
#[allow(unused_imports)]
use crate::pss::{Level, Version};
#[allow(unused_imports)]
use crate::rule::{Cx, PssControl, Rule, RuleMeta, Targets, describe};
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::rules::util::*;
use crate::yaml::NodeId;
use bulwark_types::Severity;

pub(crate) struct DanglingIngress;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0081",
    name: "dangling-ingress",
    title: "Ingress backend names a Service that is not in the input",
    severity: Severity::Low,
    targets: Targets::Kinds(&["Ingress"]),
    pss: None,
    cis: &[],
    nsa: &[],
    nist: &[],
    pci: &[],
    source: include_str!("mod.rs"),
};

/// The Service a backend names: the `name:` key (or `serviceName:` key) and the name.
fn backend_service<'o>(cx: &mut Cx<'_, 'o>, backend: NodeId) -> Option<(NodeId, &'o str)> {
    if let Some((_, svc)) = cx.map(Some(backend), "service") {
        return cx.string(Some(svc), "name");
    }
    cx.string(Some(backend), "serviceName")
}

impl Rule for DanglingIngress {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let ns = cx.obj.namespace.clone().unwrap_or_else(|| "default".into());
        let explicit = cx.obj.namespace.clone();
        if !cx.cluster.inventory.count("Service", explicit.as_deref()) {
            return; // no Service of this namespace in the input: they may be deployed elsewhere
        }
        let Some((_, spec)) = cx.map(Some(cx.obj.node), "spec") else {
            return;
        };
        let mut backends = Vec::new();
        for key in ["defaultBackend", "backend"] {
            if let Some((_, b)) = cx.map(Some(spec), key) {
                backends.push(b);
            }
        }
        if let Some((_, rules)) = cx.list(Some(spec), "rules") {
            for &r in rules {
                let http = cx.map(Some(r), "http").map(|(_, h)| h);
                let Some((_, paths)) = cx.list(http, "paths") else {
                    continue;
                };
                for &p in paths {
                    if let Some((_, b)) = cx.map(Some(p), "backend") {
                        backends.push(b);
                    }
                }
            }
        }
        for b in backends {
            let Some((k, name)) = backend_service(cx, b) else {
                continue;
            };
            if !cx
                .cluster
                .inventory
                .has("Service", explicit.as_deref(), name)
            {
                cx.report(
                    k,
                    format!(
                        "Ingress {} routes to Service {name}, which is not in namespace {ns} of the input",
                        cx.obj.name
                    ),
                );
            }
        }
    }
}
