//! # privileged-port (BW-K8S-0034)
//!
//! Container listens on a privileged port (below 1024).
//!
//! ## What it does
//!
//! Flags `ports[*].containerPort` values below 1024.
//!
//! ## Why it matters
//!
//! Binding a port below 1024 needs root or `NET_BIND_SERVICE`, so it usually means the container runs with more privilege than it needs.
//!
//! ## Example
//!
//! ```yaml
//! ports:
//! - containerPort: 80   # flagged here
//! ```
//!
//! ## Fix
//!
//! Listen on a port at or above 1024 inside the container and map it in the Service (`port: 80, targetPort: 8080`).
//!
//! ## References
//!
//! - https://kubernetes.io/docs/concepts/services-networking/service/

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

pub(crate) struct PrivilegedPort;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0034",
    name: "privileged-port",
    title: "Container listens on a privileged port (below 1024)",
    severity: Severity::Low,
    targets: Targets::Workloads,
    pss: None,
    cis: &[],
    nsa: &[],
    nist: &[],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for PrivilegedPort {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        for c in &pod.containers {
            let Some((_, ports)) = cx.list(Some(c.node), "ports") else {
                continue;
            };
            for &p in ports {
                if let Some((n, port)) = cx.int(Some(p), "containerPort")
                    && (1..1024).contains(&port)
                {
                    cx.report(
                        n,
                        format!("{} listens on privileged port {port}", describe(c)),
                    );
                }
            }
        }
    }
}
