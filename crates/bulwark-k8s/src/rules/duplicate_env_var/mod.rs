//! # duplicate-env-var (BW-K8S-0092)
//!
//! Container sets the same environment variable twice.
//!
//! ## What it does
//!
//! Part of the optional `best-practices` group (`--include best-practices`). Flags every `env` entry of a
//! container (regular, init or ephemeral) whose `name` an earlier entry of the same list already set.
//!
//! ## Why it matters
//!
//! Only one value reaches the process — the kubelet builds the environment in list order and a later entry
//! overwrites an earlier one — so one of the two is dead configuration that a reviewer reads as live. Worse,
//! `kubectl apply` merges `env` by `name`, so a duplicate makes the patch ambiguous: changes to one entry can
//! silently drop or revert the other.
//!
//! ## Example
//!
//! ```yaml
//! env:
//! - name: DEMO_GREETING
//!   value: "Hello from the environment"
//! - name: DEMO_GREETING      # flagged here
//!   value: "Such a sweet sorrow"
//! ```
//!
//! ## Fix
//!
//! Keep one entry per name.
//!
//! ## References
//!
//! - https://kubernetes.io/docs/tasks/inject-data-application/define-environment-variable-container/
//! - kube-linter check `duplicate-env-var`

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

pub(crate) struct DuplicateEnvVar;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0092",
    name: "duplicate-env-var",
    title: "Container sets the same environment variable twice",
    severity: Severity::Low,
    targets: Targets::Workloads,
    pss: None,
    cis: &[],
    nsa: &[],
    nist: &[],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for DuplicateEnvVar {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        let doc = cx.doc;
        for c in &pod.containers {
            let Some((_, env)) = cx.list(Some(c.node), "env") else {
                continue;
            };
            let mut seen = std::collections::HashSet::new();
            for &e in env {
                let Some((k, v)) = doc.get_entry(e, "name") else {
                    continue;
                };
                let Some(name) = doc.text(v) else { continue };
                if !seen.insert(name) {
                    cx.report(
                        k,
                        format!(
                            "{} sets {name} more than once; only the last value is used",
                            describe(c)
                        ),
                    );
                }
            }
        }
    }
}
