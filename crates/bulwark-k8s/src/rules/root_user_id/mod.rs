//! # root-user-id (BW-K8S-0016)
//!
//! Pod or container sets runAsUser: 0.
//!
//! ## What it does
//!
//! From policy v1.23, flags `runAsUser: 0` at pod or container level. From v1.35, pods with `hostUsers: false` are exempt.
//!
//! ## Why it matters
//!
//! UID 0 is root: it owns most of the files the container can see, and any escape lands as root on the node.
//!
//! ## Example
//!
//! ```yaml
//! securityContext:
//!   runAsUser: 0   # flagged here
//! ```
//!
//! ## Fix
//!
//! Use a non-zero UID (10000 or above avoids clashes with host users).
//!
//! ## References
//!
//! - Pod Security Standards, restricted: "Running as Non-root user" (since v1.23)
//! - CIS Kubernetes Benchmark v1.9.0: 5.2.7
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Pod security: non-root containers and rootless container engines
//! - NIST SP 800-190: 4.4.3 Insecure container runtime configurations
//! - https://kubernetes.io/docs/concepts/security/pod-security-standards/
//! - k8s.io/pod-security-admission/policy/check_runAsUser.go (kubernetes/kubernetes, staging/src/)

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

pub(crate) struct RootUserId;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0016",
    name: "root-user-id",
    title: "Pod or container sets runAsUser: 0",
    severity: Severity::High,
    targets: Targets::Workloads,
    pss: Some(PssControl {
        level: Level::Restricted,
        control: "Running as Non-root user",
        since: Version(23),
    }),
    cis: &["5.2.7"],
    nsa: &["Pod security: non-root containers and rootless container engines"],
    nist: &["4.4.3 Insecure container runtime configurations"],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for RootUserId {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        if !cx.version.at_least(23) || (cx.version.at_least(35) && pod.user_namespace) {
            return;
        }
        if let Some((n, 0)) = cx.int(pod.security_context, "runAsUser") {
            cx.report(n, "pod sets runAsUser: 0");
        }
        for c in &pod.containers {
            if let Some((n, 0)) = cx.int(c.security_context, "runAsUser") {
                cx.report(n, format!("{} sets runAsUser: 0", describe(c)));
            }
        }
    }
}
