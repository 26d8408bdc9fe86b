//! # host-aliases (BW-K8S-0030)
//!
//! Pod overrides name resolution with hostAliases.
//!
//! ## What it does
//!
//! Flags pod specs with `hostAliases`.
//!
//! ## Why it matters
//!
//! hostAliases write `/etc/hosts` entries that bypass cluster DNS: they can redirect traffic for a name silently and hide where a workload really connects.
//!
//! ## Example
//!
//! ```yaml
//! hostAliases:        # flagged here
//! - ip: 10.0.0.5
//!   hostnames: [api.example.com]
//! ```
//!
//! ## Fix
//!
//! Use DNS (a Service, an ExternalName Service, or CoreDNS configuration) instead.
//!
//! ## References
//!
//! - https://kubernetes.io/docs/tasks/network/customize-hosts-file-for-pods/

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

pub(crate) struct HostAliases;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0030",
    name: "host-aliases",
    title: "Pod overrides name resolution with hostAliases",
    severity: Severity::Low,
    targets: Targets::Workloads,
    pss: None,
    cis: &[],
    nsa: &[],
    nist: &[],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for HostAliases {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        if let Some((k, items)) = cx.list(Some(pod.spec), "hostAliases")
            && !items.is_empty()
        {
            cx.report(k, format!("pod sets {} hostAliases entries", items.len()));
        }
    }
}
