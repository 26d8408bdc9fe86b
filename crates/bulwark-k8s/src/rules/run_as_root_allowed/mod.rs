//! # run-as-root-allowed (BW-K8S-0015)
//!
//! Container may run as root (runAsNonRoot not true).
//!
//! ## What it does
//!
//! Flags pods where `runAsNonRoot` is not `true` for every container: set to `false` at pod or container level, or unset on a container while the pod level is not `true`. From policy v1.35, pods with `hostUsers: false` are exempt (root in a user namespace is not root on the node).
//!
//! ## Why it matters
//!
//! Most images run as root by default. Root in a container is one kernel bug or one misconfiguration away from root on the node.
//!
//! ## Example
//!
//! ```yaml
//! spec:
//!   containers:
//!   - name: app          # flagged here: runAsNonRoot is not set
//!     image: app:1.2
//! ```
//!
//! ## Fix
//!
//! Set `securityContext.runAsNonRoot: true` at pod level (and a non-zero `runAsUser` if the image has no numeric USER).
//!
//! ## References
//!
//! - Pod Security Standards, restricted: "Running as Non-root" (since v1.0)
//! - CIS Kubernetes Benchmark v1.9.0: 5.2.7
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Pod security: non-root containers and rootless container engines
//! - NIST SP 800-190: 4.4.3 Insecure container runtime configurations
//! - https://kubernetes.io/docs/concepts/security/pod-security-standards/
//! - k8s.io/pod-security-admission/policy/check_runAsNonRoot.go (kubernetes/kubernetes, staging/src/)

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

pub(crate) struct RunAsRootAllowed;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0015",
    name: "run-as-root-allowed",
    title: "Container may run as root (runAsNonRoot not true)",
    severity: Severity::Medium,
    targets: Targets::Workloads,
    pss: Some(PssControl {
        level: Level::Restricted,
        control: "Running as Non-root",
        since: Version(0),
    }),
    cis: &["5.2.7"],
    nsa: &["Pod security: non-root containers and rootless container engines"],
    nist: &["4.4.3 Insecure container runtime configurations"],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for RunAsRootAllowed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        if cx.version.at_least(35) && pod.user_namespace {
            return;
        }
        let pod_level = cx.flag(pod.security_context, "runAsNonRoot");
        if let Some((n, false)) = pod_level {
            cx.report(n, "pod sets runAsNonRoot: false");
        }
        let pod_true = matches!(pod_level, Some((_, true)));
        for c in &pod.containers {
            match sc_flag(cx, c, "runAsNonRoot") {
                Some((n, false)) => {
                    cx.report(n, format!("{} sets runAsNonRoot: false", describe(c)));
                }
                None if !pod_true => {
                    let a = sc_anchor(cx, c);
                    cx.report(
                        a,
                        format!(
                            "pod or {} must set securityContext.runAsNonRoot: true",
                            describe(c)
                        ),
                    );
                }
                Some((_, true)) | None => {}
            }
        }
    }
}
