//! # capabilities-not-dropped (BW-K8S-0018)
//!
//! Container does not drop ALL capabilities or adds more than NET_BIND_SERVICE.
//!
//! ## What it does
//!
//! From policy v1.22, flags containers whose `capabilities.drop` does not include `ALL`, and `capabilities.add` entries other than `NET_BIND_SERVICE` that the baseline allows (baseline violations are reported by `non-default-capabilities`). From v1.25, Windows pods are exempt.
//!
//! ## Why it matters
//!
//! The runtime's default capability set still includes `NET_RAW`, `CHOWN`, `DAC_OVERRIDE`, `SETUID` and others that an attacker can use after a compromise.
//!
//! ## Example
//!
//! ```yaml
//! securityContext:
//!   capabilities:
//!     drop: ["NET_RAW"]   # flagged here: ALL is not dropped
//! ```
//!
//! ## Fix
//!
//! Set `capabilities: {drop: ["ALL"]}` and add back only `NET_BIND_SERVICE` if needed.
//!
//! ## References
//!
//! - Pod Security Standards, restricted: "Capabilities" (since v1.22)
//! - CIS Kubernetes Benchmark v1.9.0: 5.2.10
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Pod security: hardening container environments
//! - NIST SP 800-190: 4.4.3 Insecure container runtime configurations
//! - https://kubernetes.io/docs/concepts/security/pod-security-standards/
//! - k8s.io/pod-security-admission/policy/check_capabilities_restricted.go (kubernetes/kubernetes, staging/src/)

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

pub(crate) struct CapabilitiesNotDropped;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0018",
    name: "capabilities-not-dropped",
    title: "Container does not drop ALL capabilities or adds more than NET_BIND_SERVICE",
    severity: Severity::Medium,
    targets: Targets::Workloads,
    pss: Some(PssControl {
        level: Level::Restricted,
        control: "Capabilities",
        since: Version(22),
    }),
    cis: &["5.2.10"],
    nsa: &["Pod security: hardening container environments"],
    nist: &["4.4.3 Insecure container runtime configurations"],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for CapabilitiesNotDropped {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        const BASELINE: &[&str] = &[
            "AUDIT_WRITE",
            "CHOWN",
            "DAC_OVERRIDE",
            "FOWNER",
            "FSETID",
            "KILL",
            "MKNOD",
            "SETFCAP",
            "SETGID",
            "SETPCAP",
            "SETUID",
            "SYS_CHROOT",
        ];
        let Some(pod) = pod(cx) else { return };
        if !cx.version.at_least(22) || (cx.version.at_least(25) && pod.windows) {
            return;
        }
        for c in &pod.containers {
            let drops = capabilities(cx, c, "drop");
            if !drops.iter().any(|(_, d)| *d == "ALL") {
                let caps = cx
                    .doc
                    .get_entry(c.security_context.unwrap_or(c.node), "capabilities")
                    .map(|(k, _)| k);
                let at = caps
                    .and_then(|_| cx.doc.path(c.security_context?, &["capabilities"]))
                    .and_then(|m| cx.doc.get_entry(m, "drop").map(|(k, _)| k))
                    .or(caps)
                    .unwrap_or_else(|| sc_anchor(cx, c));
                cx.report(
                    at,
                    format!(
                        "{} must set securityContext.capabilities.drop: [\"ALL\"]",
                        describe(c)
                    ),
                );
            }
            for (n, cap) in capabilities(cx, c, "add") {
                if BASELINE.contains(&cap) {
                    cx.report(
                        n,
                        format!(
                            "{} adds capability {cap}; restricted allows only NET_BIND_SERVICE",
                            describe(c)
                        ),
                    );
                }
            }
        }
    }
}
