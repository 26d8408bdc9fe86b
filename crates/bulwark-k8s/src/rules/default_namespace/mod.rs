//! # default-namespace (BW-K8S-0048)
//!
//! Object is placed in the default namespace.
//!
//! ## What it does
//!
//! Flags namespaced objects whose `metadata.namespace` is explicitly `default`. Objects without a namespace are not flagged: where they land depends on the `kubectl` context, which a manifest scan cannot know.
//!
//! ## Why it matters
//!
//! The default namespace has no Pod Security labels, quotas or network policies unless someone added them, and everything that lands there shares them with every other forgotten object.
//!
//! ## Example
//!
//! ```yaml
//! metadata:
//!   name: web
//!   namespace: default   # flagged here
//! ```
//!
//! ## Fix
//!
//! Create a namespace per application or team, with Pod Security labels and a default-deny NetworkPolicy.
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark v1.9.0: 5.7.4
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Network separation and hardening: namespaces
//! - https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/

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

pub(crate) struct DefaultNamespace;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0048",
    name: "default-namespace",
    title: "Object is placed in the default namespace",
    severity: Severity::Low,
    targets: Targets::Kinds(&[
        "Pod",
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "ReplicationController",
        "Job",
        "CronJob",
        "Service",
        "Ingress",
        "ConfigMap",
        "Secret",
        "ServiceAccount",
        "Role",
        "RoleBinding",
        "NetworkPolicy",
    ]),
    pss: None,
    cis: &["5.7.4"],
    nsa: &["Network separation and hardening: namespaces"],
    nist: &[],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for DefaultNamespace {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        if let Some((n, "default")) = cx.string(cx.obj.metadata, "namespace") {
            cx.report(
                n,
                format!(
                    "{} {} is in the default namespace",
                    cx.obj.kind, cx.obj.name
                ),
            );
        }
    }
}
