//! # probe-port-not-exposed (BW-K8S-0091)
//!
//! Probe targets a port the container does not declare.
//!
//! ## What it does
//!
//! Part of the optional `best-practices` group (`--include best-practices`). Flags the `port` of a liveness,
//! readiness or startup probe (`httpGet`, `tcpSocket` or `grpc`) that is not among the container's `ports`: a
//! number that is no `containerPort`, or a name that is no port `name`.
//!
//! ## Why it matters
//!
//! A named probe port is resolved against the container's port names; a name that is not there makes the probe
//! fail every time, so the kubelet restarts a healthy container (liveness) or never sends it traffic
//! (readiness). A number that is not declared usually means the probe checks a different port from the one
//! the application serves on — it tests nothing, or fails after a port change.
//!
//! ## Example
//!
//! ```yaml
//! ports:
//! - name: liveness-port
//!   containerPort: 8080
//! livenessProbe:
//!   httpGet:
//!     path: /healthz
//!     port: livenes-port   # flagged here
//! ```
//!
//! ## Fix
//!
//! Point the probe at a declared port, by name preferably, so the two cannot drift apart.
//!
//! ## References
//!
//! - https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#use-a-named-port
//! - kube-linter checks `liveness-port`, `readiness-port`, `startup-port`

// Every rule folder imports the same prelude so rule files stay uniform; not every rule uses every item.
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::model::*;
#[allow(unused_imports)]
use crate::pss::{Level, Version};
#[allow(unused_imports)]
use crate::rule::{Cx, PssControl, Rule, RuleMeta, Targets, describe};
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::rules::util::*;
use crate::yaml::Kind;
use bulwark_types::Severity;

pub(crate) struct ProbePortNotExposed;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0091",
    name: "probe-port-not-exposed",
    title: "Probe targets a port the container does not declare",
    severity: Severity::Low,
    targets: Targets::Workloads,
    pss: None,
    cis: &[],
    nsa: &[],
    nist: &[],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for ProbePortNotExposed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        let doc = cx.doc;
        for c in &pod.containers {
            if c.class == ContainerClass::Ephemeral {
                continue; // ephemeral containers may not have probes
            }
            let mut numbers = Vec::new();
            let mut names = Vec::new();
            if let Some((_, ports)) = cx.list(Some(c.node), "ports") {
                for &p in ports {
                    if let Some(n) = doc.get(p, "containerPort").and_then(|v| doc.int(v)) {
                        numbers.push(n);
                    }
                    if let Some(n) = doc.get(p, "name").and_then(|v| doc.text(v)) {
                        names.push(n);
                    }
                }
            }
            for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
                let Some((_, pr)) = cx.map(Some(c.node), probe) else {
                    continue;
                };
                for handler in ["httpGet", "tcpSocket", "grpc"] {
                    let Some((_, h)) = cx.map(Some(pr), handler) else {
                        continue;
                    };
                    let Some((k, v)) = doc.get_entry(h, "port") else {
                        continue;
                    };
                    // The kubelet resolves a string port by name first, then as a number written as a string
                    // (`extractPort` in pkg/kubelet/prober).
                    let text = doc.text(v).unwrap_or_default();
                    let numeric = match doc.kind(v) {
                        Kind::Int => doc.int(v),
                        Kind::Str if !names.contains(&text) => text.parse::<i64>().ok(),
                        _ => None,
                    };
                    let message = match (numeric, doc.kind(v)) {
                        (Some(n), _) => {
                            (!numbers.contains(&n)).then(|| {
                                format!("{probe} of {} checks port {n}, which the container does not declare", describe(c))
                            })
                        }
                        (None, Kind::Str) => {
                            let n = text;
                            (!names.contains(&n)).then(|| {
                                format!("{probe} of {} checks port \"{n}\", which names no port of the container: the probe always fails", describe(c))
                            })
                        }
                        _ => None,
                    };
                    if let Some(m) = message {
                        cx.report(k, m);
                    }
                }
            }
        }
    }
}
