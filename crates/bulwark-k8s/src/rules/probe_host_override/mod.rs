//! # probe-host-override (BW-K8S-0012)
//!
//! Probe or lifecycle hook targets another host.
//!
//! ## What it does
//!
//! From policy v1.34, flags a non-empty `host` in `httpGet`/`tcpSocket` of liveness, readiness and startup probes and of `postStart`/`preStop` lifecycle hooks.
//!
//! ## Why it matters
//!
//! The kubelet runs probes and hooks from the node. A `host` field turns it into a confused deputy that can reach node-local or cloud metadata endpoints (SSRF) the pod itself could not.
//!
//! ## Example
//!
//! ```yaml
//! livenessProbe:
//!   httpGet:
//!     host: 169.254.169.254   # flagged here
//!     port: 80
//! ```
//!
//! ## Fix
//!
//! Remove `host`: probes then target the pod IP.
//!
//! ## References
//!
//! - Pod Security Standards, baseline: "Host Probes / Lifecycle Hooks" (since v1.34)
//! - NIST SP 800-190: 4.4.3 Insecure container runtime configurations
//! - https://kubernetes.io/docs/concepts/security/pod-security-standards/
//! - k8s.io/pod-security-admission/policy/check_hostProbesAndhostLifecycle.go (kubernetes/kubernetes, staging/src/)

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

pub(crate) struct ProbeHostOverride;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0012",
    name: "probe-host-override",
    title: "Probe or lifecycle hook targets another host",
    severity: Severity::Medium,
    targets: Targets::Workloads,
    pss: Some(PssControl {
        level: Level::Baseline,
        control: "Host Probes / Lifecycle Hooks",
        since: Version(34),
    }),
    cis: &[],
    nsa: &[],
    nist: &["4.4.3 Insecure container runtime configurations"],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for ProbeHostOverride {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        if !cx.version.at_least(34) {
            return;
        }
        for c in &pod.containers {
            let mut handlers = Vec::new();
            for p in ["livenessProbe", "readinessProbe", "startupProbe"] {
                if let Some((_, m)) = cx.map(Some(c.node), p) {
                    handlers.push((p, m));
                }
            }
            if let Some((_, lc)) = cx.map(Some(c.node), "lifecycle") {
                for h in ["postStart", "preStop"] {
                    if let Some((_, m)) = cx.map(Some(lc), h) {
                        handlers.push((h, m));
                    }
                }
            }
            for (what, h) in handlers {
                for a in ["httpGet", "tcpSocket"] {
                    let am = cx.map(Some(h), a).map(|(_, m)| m);
                    if let Some((n, host)) = cx.string(am, "host")
                        && !host.is_empty()
                    {
                        cx.report(n, format!("{} {what}.{a} targets host {host}", describe(c)));
                    }
                }
            }
        }
    }
}
