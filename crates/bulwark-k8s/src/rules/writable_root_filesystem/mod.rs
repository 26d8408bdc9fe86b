//! # writable-root-filesystem (BW-K8S-0019)
//!
//! Container root filesystem is writable.
//!
//! ## What it does
//!
//! Flags containers that do not set `securityContext.readOnlyRootFilesystem: true`.
//!
//! ## Why it matters
//!
//! A writable root filesystem lets an attacker drop tools, modify binaries and persist inside the container.
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
//! Set `readOnlyRootFilesystem: true` and mount `emptyDir` volumes where the application writes.
//!
//! ## References
//!
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Pod security: immutable container file systems
//! - NIST SP 800-190: 4.4.4 App vulnerabilities
//! - https://kubernetes.io/docs/tasks/configure-pod-container/security-context/

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

pub(crate) struct WritableRootFilesystem;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0019",
    name: "writable-root-filesystem",
    title: "Container root filesystem is writable",
    severity: Severity::Low,
    targets: Targets::Workloads,
    pss: None,
    cis: &[],
    nsa: &["Pod security: immutable container file systems"],
    nist: &["4.4.4 App vulnerabilities"],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for WritableRootFilesystem {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        for c in &pod.containers {
            match sc_flag(cx, c, "readOnlyRootFilesystem") {
                Some((_, true)) => {}
                Some((n, false)) => cx.report(
                    n,
                    format!("{} sets readOnlyRootFilesystem: false", describe(c)),
                ),
                None => {
                    let a = sc_anchor(cx, c);
                    cx.report(
                        a,
                        format!("{} does not set readOnlyRootFilesystem: true", describe(c)),
                    );
                }
            }
        }
    }
}
