//! # missing-seccomp-profile (BW-K8S-0017)
//!
//! Seccomp profile not set to RuntimeDefault or Localhost.
//!
//! ## What it does
//!
//! From policy v1.19, flags containers (init and ephemeral included) that set no `seccompProfile` while the pod
//! level does not set one of type `RuntimeDefault` or `Localhost`. An explicit profile of any other type
//! (`Unconfined`, a typo, no type) is already forbidden by Baseline from v1.19 and is reported by
//! `unconfined-seccomp-profile`; Restricted adds only the requirement that a profile be set. From v1.25, Windows
//! pods (`spec.os.name: windows`) are exempt (check_seccompProfile_restricted.go, `seccompProfileRestricted_1_25`).
//!
//! ## Why it matters
//!
//! Without a profile, containers run with seccomp disabled on most runtimes and can reach every system call of the kernel.
//!
//! ## Example
//!
//! ```yaml
//! spec:
//!   containers:
//!   - name: app     # flagged here: no seccompProfile at pod or container level
//! ```
//!
//! ## Fix
//!
//! Set `securityContext.seccompProfile.type: RuntimeDefault` at pod level.
//!
//! ## References
//!
//! - Pod Security Standards, restricted: "Seccomp" (since v1.19)
//! - CIS Kubernetes Benchmark v1.9.0: 5.7.2
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Pod security: pod security enforcement
//! - NIST SP 800-190: 4.4.3 Insecure container runtime configurations
//! - https://kubernetes.io/docs/concepts/security/pod-security-standards/
//! - k8s.io/pod-security-admission/policy/check_seccompProfile_restricted.go (kubernetes/kubernetes, staging/src/)

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

pub(crate) struct MissingSeccompProfile;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0017",
    name: "missing-seccomp-profile",
    title: "Seccomp profile not set to RuntimeDefault or Localhost",
    severity: Severity::Medium,
    targets: Targets::Workloads,
    pss: Some(PssControl {
        level: Level::Restricted,
        control: "Seccomp",
        since: Version(19),
    }),
    cis: &["5.7.2"],
    nsa: &["Pod security: pod security enforcement"],
    nist: &["4.4.3 Insecure container runtime configurations"],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for MissingSeccompProfile {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        if !cx.version.at_least(19) || (cx.version.at_least(25) && pod.windows) {
            return;
        }
        let ok = |t: &str| matches!(t, "RuntimeDefault" | "Localhost");
        let sp = cx
            .map(pod.security_context, "seccompProfile")
            .map(|(_, m)| m);
        let pod_ok = cx.string(sp, "type").is_some_and(|(_, t)| ok(t));
        for c in &pod.containers {
            // A container that sets `seccompProfile` at all is "explicit" upstream; a bad explicit value is a
            // Baseline violation (reported by unconfined-seccomp-profile), so only the implicit case is ours.
            if cx.map(c.security_context, "seccompProfile").is_some() || pod_ok {
                continue;
            }
            let a = sc_anchor(cx, c);
            cx.report(
                a,
                format!(
                    "pod or {} must set securityContext.seccompProfile.type to RuntimeDefault or Localhost",
                    describe(c)
                ),
            );
        }
    }
}
