//! # custom-selinux-options (BW-K8S-0007)
//!
//! Custom SELinux type, user or role.
//!
//! ## What it does
//!
//! Flags `seLinuxOptions` with a type other than `container_t`, `container_init_t`, `container_kvm_t` (and, from policy v1.31, `container_engine_t`), or with any `user` or `role`, on the pod or a container.
//!
//! ## Why it matters
//!
//! A custom SELinux type such as `spc_t` runs the container unconfined; custom users and roles can grant access to host files labelled for other domains.
//!
//! ## Example
//!
//! ```yaml
//! securityContext:
//!   seLinuxOptions:
//!     type: spc_t   # flagged here
//! ```
//!
//! ## Fix
//!
//! Remove `type`, `user` and `role`; keep `level` if you need MCS categories.
//!
//! ## References
//!
//! - Pod Security Standards, baseline: "SELinux" (since v1.0)
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Pod security: pod security enforcement
//! - NIST SP 800-190: 4.4.3 Insecure container runtime configurations
//! - https://kubernetes.io/docs/concepts/security/pod-security-standards/
//! - k8s.io/pod-security-admission/policy/check_seLinuxOptions.go (kubernetes/kubernetes, staging/src/): container_engine_t allowed from policy v1.31

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

pub(crate) struct CustomSelinuxOptions;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0007",
    name: "custom-selinux-options",
    title: "Custom SELinux type, user or role",
    severity: Severity::Medium,
    targets: Targets::Workloads,
    pss: Some(PssControl {
        level: Level::Baseline,
        control: "SELinux",
        since: Version(0),
    }),
    cis: &[],
    nsa: &["Pod security: pod security enforcement"],
    nist: &["4.4.3 Insecure container runtime configurations"],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for CustomSelinuxOptions {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        let engine_ok = cx.version.at_least(31);
        let check = |cx: &mut Cx<'_, '_>, sc: Option<crate::yaml::NodeId>, who: String| {
            let opts = cx.map(sc, "seLinuxOptions").map(|(_, m)| m);
            if let Some((n, t)) = cx.string(opts, "type") {
                let ok = matches!(
                    t,
                    "" | "container_t" | "container_init_t" | "container_kvm_t"
                ) || (engine_ok && t == "container_engine_t");
                if !ok {
                    cx.report(n, format!("{who} sets SELinux type {t}"));
                }
            }
            for k in ["user", "role"] {
                if let Some((n, v)) = cx.string(opts, k)
                    && !v.is_empty()
                {
                    cx.report(n, format!("{who} sets SELinux {k} {v}"));
                }
            }
        };
        check(cx, pod.security_context, "pod".to_string());
        for c in &pod.containers {
            check(cx, c.security_context, describe(c));
        }
    }
}
