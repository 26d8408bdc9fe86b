//! # privilege-escalation-allowed (BW-K8S-0014)
//!
//! Container allows privilege escalation.
//!
//! ## What it does
//!
//! From policy v1.8, flags containers that do not set `securityContext.allowPrivilegeEscalation: false`. From v1.25, pods with `spec.os.name: windows` are exempt.
//!
//! ## Why it matters
//!
//! Without `no_new_privs`, a set-user-ID binary in the image (or one an attacker drops) can turn a compromised non-root process into root.
//!
//! ## Example
//!
//! ```yaml
//! containers:
//! - name: app            # flagged here: allowPrivilegeEscalation is not false
//!   image: app:1.2
//! ```
//!
//! ## Fix
//!
//! Set `securityContext.allowPrivilegeEscalation: false` on every container.
//!
//! ## References
//!
//! - Pod Security Standards, restricted: "Privilege Escalation" (since v1.8)
//! - CIS Kubernetes Benchmark v1.9.0: 5.2.6
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Pod security: pod security enforcement
//! - NIST SP 800-190: 4.4.3 Insecure container runtime configurations
//! - https://kubernetes.io/docs/concepts/security/pod-security-standards/
//! - k8s.io/pod-security-admission/policy/check_allowPrivilegeEscalation.go (kubernetes/kubernetes, staging/src/)

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

pub(crate) struct PrivilegeEscalationAllowed;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0014",
    name: "privilege-escalation-allowed",
    title: "Container allows privilege escalation",
    severity: Severity::Medium,
    targets: Targets::Workloads,
    pss: Some(PssControl {
        level: Level::Restricted,
        control: "Privilege Escalation",
        since: Version(8),
    }),
    cis: &["5.2.6"],
    nsa: &["Pod security: pod security enforcement"],
    nist: &["4.4.3 Insecure container runtime configurations"],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for PrivilegeEscalationAllowed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        if !cx.version.at_least(8) || (cx.version.at_least(25) && pod.windows) {
            return;
        }
        for c in &pod.containers {
            match sc_flag(cx, c, "allowPrivilegeEscalation") {
                Some((_, false)) => {}
                Some((n, true)) => cx.report(
                    n,
                    format!("{} sets allowPrivilegeEscalation: true", describe(c)),
                ),
                None => {
                    let a = sc_anchor(cx, c);
                    cx.report(
                        a,
                        format!(
                            "{} must set securityContext.allowPrivilegeEscalation: false",
                            describe(c)
                        ),
                    );
                }
            }
        }
    }
}
