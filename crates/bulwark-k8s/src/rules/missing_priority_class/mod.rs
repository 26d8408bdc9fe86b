//! # missing-priority-class (BW-K8S-0090)
//!
//! Pod template sets no priorityClassName.
//!
//! ## What it does
//!
//! Part of the optional `best-practices` group (`--include best-practices`). Flags a pod template (of any
//! workload kind) without a `priorityClassName`.
//!
//! ## Why it matters
//!
//! "Pods can have priority. Priority indicates the importance of a Pod relative to other Pods. If a Pod cannot
//! be scheduled, the scheduler tries to preempt (evict) lower priority Pods." Without a class a pod gets the
//! global default (priority 0 unless a PriorityClass has `globalDefault: true`), so under resource pressure a
//! critical service competes on equal terms with batch jobs and may be the one preempted or left pending.
//!
//! ## Example
//!
//! ```yaml
//! kind: Pod
//! spec:            # flagged here: no priorityClassName
//!   containers: [...]
//! ```
//!
//! ## Fix
//!
//! Define PriorityClasses for your tiers and set `priorityClassName` on every pod template.
//!
//! ## References
//!
//! - https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/
//! - kube-linter check `priority-class-name`

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

pub(crate) struct MissingPriorityClass;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0090",
    name: "missing-priority-class",
    title: "Pod template sets no priorityClassName",
    severity: Severity::Low,
    targets: Targets::Workloads,
    pss: None,
    cis: &[],
    nsa: &[],
    nist: &[],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for MissingPriorityClass {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        let (spec, anchor) = (pod.spec, pod.spec_anchor);
        if cx
            .string(Some(spec), "priorityClassName")
            .is_some_and(|(_, v)| !v.is_empty())
        {
            return;
        }
        cx.report(
            anchor,
            format!(
                "pods of {} {} set no priorityClassName",
                cx.obj.kind, cx.obj.name
            ),
        );
    }
}
