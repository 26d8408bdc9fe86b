//! # unconfined-seccomp-profile (BW-K8S-0009)
//!
//! Seccomp explicitly disabled.
//!
//! ## What it does
//!
//! From policy v1.19, flags a `seccompProfile` on the pod or a container (init and ephemeral included) whose `type`
//! is not `RuntimeDefault` or `Localhost`: `Unconfined`, any other value, or no type at all. For policy versions
//! before v1.19 the fields are not read; instead it flags the `seccomp.security.alpha.kubernetes.io/pod` annotation
//! and the `container.seccomp.security.alpha.kubernetes.io/<name>` annotation of each container of the pod when
//! the value is not `runtime/default`, `docker/default` or `localhost/*` (an empty value is flagged too;
//! annotations naming no container of the pod are ignored), as upstream `seccompProfileBaseline_1_0` does.
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
            // check_seccompProfile_baseline.go `seccompProfileBaseline_1_19` / `validSeccomp`: a present
            // `seccompProfile` must have type RuntimeDefault or Localhost (a missing type is "" and fails).
            let check = |cx: &mut Cx<'_, '_>, sc: Option<crate::yaml::NodeId>, who: String| {
                let Some((k, sp)) = cx.map(sc, "seccompProfile") else {
                    return;
                };
                match cx.string(Some(sp), "type") {
                    Some((_, "RuntimeDefault" | "Localhost")) => {}
                    Some((n, t)) => cx.report(n, format!("{who} sets seccomp profile type {t}")),
                    None => cx.report(k, format!("{who} sets a seccompProfile without a type")),
                }
            };
            check(cx, pod.security_context, "pod".to_string());
            for c in &pod.containers {
                check(cx, c.security_context, describe(c));
            }
        } else if let Some((_, ann)) = cx.map(pod.metadata, "annotations") {
            // `seccompProfileBaseline_1_0` / `validSeccompAnnotationValue`: only the pod key and the key of each
            // container of the pod are read.
            const CONTAINER_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";
            let allowed = |v: &str| {
                v == "runtime/default" || v == "docker/default" || v.starts_with("localhost/")
            };
            let doc = cx.doc;
            for (k, v) in doc.entries(ann) {
                // A null annotation value decodes to "" (annotations are a map of strings).
                let val = if doc.is_null(v) {
                    Some("")
                } else {
                    doc.text(v)
                };
                let (Some(key), Some(val)) = (doc.text(k), val) else {
                    continue;
                };
                let read = key == "seccomp.security.alpha.kubernetes.io/pod"
                    || key
                        .strip_prefix(CONTAINER_PREFIX)
                        .is_some_and(|name| pod.containers.iter().any(|c| c.name == name));
                if read && !allowed(val) {
                    cx.report(k, format!("annotation {key}={val:?}"));
                }
            }
        }
    }
}
