//! # missing-readiness-probe (BW-K8S-0026)
//!
//! Container has no readinessProbe.
//!
//! ## What it does
//!
//! Flags regular containers of long-running workloads (not Jobs or CronJobs) without a `readinessProbe`.
//!
//! ## Why it matters
//!
//! Without it Kubernetes cannot tell a hung or not-yet-ready container from a healthy one: traffic goes to broken pods and they are never restarted. Availability is part of security.
//!
//! ## Example
//!
//! ```yaml
//! containers:
//! - name: app      # flagged here
//!   image: app:1.2
//! ```
//!
//! ## Fix
//!
//! Add a `readinessProbe` (httpGet, tcpSocket, grpc or exec).
//!
//! ## References
//!
//! - https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/

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

pub(crate) struct MissingReadinessProbe;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0026",
    name: "missing-readiness-probe",
    title: "Container has no readinessProbe",
    severity: Severity::Low,
    targets: Targets::Workloads,
    pss: None,
    cis: &[],
    nsa: &[],
    nist: &[],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for MissingReadinessProbe {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        if matches!(cx.obj.kind.as_str(), "Job" | "CronJob") {
            return;
        }
        for c in &pod.containers {
            if c.class == ContainerClass::Regular && cx.doc.get(c.node, "readinessProbe").is_none()
            {
                cx.report(c.anchor, format!("{} has no readinessProbe", describe(c)));
            }
        }
    }
}
