//! # missing-resource-limits (BW-K8S-0020)
//!
//! Container has no CPU or memory limit.
//!
//! ## What it does
//!
//! Flags regular and init containers without `resources.limits.cpu` or `resources.limits.memory`.
//!
//! ## Why it matters
//!
//! Without limits one pod can starve its neighbours or be scheduled onto a node that cannot hold it; a compromised container can mine or exhaust the node.
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
//! Set `resources.limits.cpu` and `resources.limits.memory`.
//!
//! ## References
//!
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Network separation and hardening: resource policies
//! - https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/

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

pub(crate) struct MissingResourceLimits;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0020",
    name: "missing-resource-limits",
    title: "Container has no CPU or memory limit",
    severity: Severity::Low,
    targets: Targets::Workloads,
    pss: None,
    cis: &[],
    nsa: &["Network separation and hardening: resource policies"],
    nist: &[],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for MissingResourceLimits {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        missing_resources(cx, "limits", "limit");
    }
}
