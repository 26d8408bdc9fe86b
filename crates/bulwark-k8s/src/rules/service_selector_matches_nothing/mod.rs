//! # service-selector-matches-nothing (BW-K8S-0042)
//!
//! Service selector matches no pods in the input.
//!
//! ## What it does
//!
//! Flags Services with a non-empty `selector` that matches the pod labels of no workload of the same namespace in the scanned input.
//!
//! ## Why it matters
//!
//! A dangling selector is usually a typo or a leftover: traffic goes nowhere today and silently to whatever pod later gets those labels.
//!
//! ## Example
//!
//! ```yaml
//! spec:
//!   selector:        # flagged here
//!     app: wbe
//! ```
//!
//! ## Fix
//!
//! Fix the selector or delete the Service.
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

pub(crate) struct ServiceSelectorMatchesNothing;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0042",
    name: "service-selector-matches-nothing",
    title: "Service selector matches no pods in the input",
    severity: Severity::Low,
    targets: Targets::Kinds(&["Service"]),
    pss: None,
    cis: &[],
    nsa: &[],
    nist: &[],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for ServiceSelectorMatchesNothing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some((_, spec)) = cx.map(Some(cx.obj.node), "spec") else {
            return;
        };
        let Some((k, sel)) = cx.map(Some(spec), "selector") else {
            return;
        };
        let sel = selector(cx.doc, sel, true);
        if sel.labels.is_empty() {
            return;
        }
        let ns = cx.obj.namespace.clone().unwrap_or_else(|| "default".into());
        let any = cx
            .cluster
            .pod_labels
            .get(&ns)
            .is_some_and(|ls| ls.iter().any(|l| sel.matches(l)));
        if !any {
            cx.report(
                k,
                format!(
                    "selector of Service {} matches no pods in namespace {ns}",
                    cx.obj.name
                ),
            );
        }
    }
}
