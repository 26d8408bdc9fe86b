//! # sys-admin-capability (BW-K8S-0032)
//!
//! Container has CAP_SYS_ADMIN.
//!
//! ## What it does
//!
//! Flags containers that add `SYS_ADMIN` (or `ALL`).
//!
//! ## Why it matters
//!
//! `CAP_SYS_ADMIN` allows mount, namespace and many kernel operations: it is close to full root and the basis of most known escapes.
//!
//! ## Example
//!
//! ```yaml
//! capabilities:
//!   add: ["SYS_ADMIN"]   # flagged here
//! ```
//!
//! ## Fix
//!
//! Remove the capability.
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark v1.9.0: 5.2.9
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

pub(crate) struct SysAdminCapability;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0032",
    name: "sys-admin-capability",
    title: "Container has CAP_SYS_ADMIN",
    severity: Severity::Critical,
    targets: Targets::Workloads,
    pss: None,
    cis: &["5.2.9"],
    nsa: &["Pod security: hardening container environments"],
    nist: &["4.4.3 Insecure container runtime configurations"],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for SysAdminCapability {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        for c in &pod.containers {
            for (n, v) in capabilities(cx, c, "add") {
                if matches!(
                    v.to_ascii_uppercase().as_str(),
                    "SYS_ADMIN" | "CAP_SYS_ADMIN" | "ALL"
                ) {
                    cx.report(n, format!("{} adds {v}", describe(c)));
                }
            }
            if let Some((n, true)) = sc_flag(cx, c, "privileged") {
                let _ = n;
            }
        }
    }
}
