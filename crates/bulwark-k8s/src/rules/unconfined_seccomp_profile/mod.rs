//! # unconfined-seccomp-profile (BW-K8S-0009)
//!
//! Seccomp explicitly disabled.
//!
//! ## What it does
//!
//! Flags `seccompProfile.type: Unconfined` on the pod or a container. For policy versions before v1.19, flags the `seccomp.security.alpha.kubernetes.io/pod` and `container.seccomp.security.alpha.kubernetes.io/*` annotations set to `unconfined` instead.
//!
//! ## Why it matters
//!
//! Seccomp blocks the system calls most kernel exploits need; `Unconfined` turns it off.
//!
//! ## Example
//!
//! ```yaml
//! securityContext:
//!   seccompProfile:
//!     type: Unconfined   # flagged here
//! ```
//!
//! ## Fix
//!
//! Use `type: RuntimeDefault` (or a `Localhost` profile).
//!
//! ## References
//!
//! - Pod Security Standards, baseline: "Seccomp" (since v1.0)
//! - CIS Kubernetes Benchmark v1.9.0: 5.7.2
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Pod security: pod security enforcement
//! - NIST SP 800-190: 4.4.3 Insecure container runtime configurations
//! - https://kubernetes.io/docs/concepts/security/pod-security-standards/
//! - k8s.io/pod-security-admission/policy/check_seccompProfile_baseline.go (kubernetes/kubernetes, staging/src/)

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

pub(crate) struct UnconfinedSeccompProfile;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0009",
    name: "unconfined-seccomp-profile",
    title: "Seccomp explicitly disabled",
    severity: Severity::High,
    targets: Targets::Workloads,
    pss: Some(PssControl {
        level: Level::Baseline,
        control: "Seccomp",
        since: Version(0),
    }),
    cis: &["5.7.2"],
    nsa: &["Pod security: pod security enforcement"],
    nist: &["4.4.3 Insecure container runtime configurations"],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for UnconfinedSeccompProfile {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        if cx.version.at_least(19) {
            let sp = cx
                .map(pod.security_context, "seccompProfile")
                .map(|(_, m)| m);
            if let Some((n, "Unconfined")) = cx.string(sp, "type") {
                cx.report(n, "pod sets seccomp profile Unconfined");
            }
            for c in &pod.containers {
                let sp = cx.map(c.security_context, "seccompProfile").map(|(_, m)| m);
                if let Some((n, "Unconfined")) = cx.string(sp, "type") {
                    cx.report(
                        n,
                        format!("{} sets seccomp profile Unconfined", describe(c)),
                    );
                }
            }
        } else if let Some((_, ann)) = cx.map(pod.metadata, "annotations") {
            let doc = cx.doc;
            for (k, v) in doc.entries(ann) {
                let (Some(key), Some(val)) = (doc.text(k), doc.text(v)) else {
                    continue;
                };
                if (key == "seccomp.security.alpha.kubernetes.io/pod"
                    || key.starts_with("container.seccomp.security.alpha.kubernetes.io/"))
                    && val == "unconfined"
                {
                    cx.report(k, format!("annotation {key}={val}"));
                }
            }
        }
    }
}
