//! # net-raw-capability (BW-K8S-0033)
//!
//! Container has CAP_NET_RAW.
//!
//! ## What it does
//!
//! Flags containers that do not drop `NET_RAW` (or `ALL`), or that add it back.
//!
//! ## Why it matters
//!
//! `CAP_NET_RAW` is in the runtime default set. It allows raw and packet sockets: ARP and DNS spoofing of neighbouring pods, and it has been the entry point of several kernel CVEs.
//!
//! ## Example
//!
//! ```yaml
//! containers:
//! - name: app   # flagged here: NET_RAW not dropped
//! ```
//!
//! ## Fix
//!
//! Add `capabilities: {drop: ["ALL"]}`.
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark v1.9.0: 5.2.8
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Pod security: hardening container environments
//! - NIST SP 800-190: 4.4.3 Insecure container runtime configurations
//! - https://man7.org/linux/man-pages/man7/capabilities.7.html

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

pub(crate) struct NetRawCapability;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0033",
    name: "net-raw-capability",
    title: "Container has CAP_NET_RAW",
    severity: Severity::Medium,
    targets: Targets::Workloads,
    pss: None,
    cis: &["5.2.8"],
    nsa: &["Pod security: hardening container environments"],
    nist: &["4.4.3 Insecure container runtime configurations"],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for NetRawCapability {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        for c in &pod.containers {
            let drops = capabilities(cx, c, "drop");
            let dropped = drops.iter().any(|(_, d)| {
                matches!(
                    d.to_ascii_uppercase().as_str(),
                    "ALL" | "NET_RAW" | "CAP_NET_RAW"
                )
            });
            let added = capabilities(cx, c, "add");
            let re_added = added.iter().find(|(_, a)| {
                matches!(
                    a.to_ascii_uppercase().as_str(),
                    "NET_RAW" | "CAP_NET_RAW" | "ALL"
                )
            });
            if let Some(&(n, a)) = re_added {
                cx.report(n, format!("{} adds {a}", describe(c)));
            } else if !dropped {
                let at = sc_anchor(cx, c);
                cx.report(
                    at,
                    format!("{} keeps NET_RAW (drop ALL or NET_RAW)", describe(c)),
                );
            }
        }
    }
}
