//! # unsafe-sysctls (BW-K8S-0010)
//!
//! Pod sets a sysctl outside the safe set.
//!
//! ## What it does
//!
//! Flags `spec.securityContext.sysctls[*].name` outside the safe set of the selected policy version: the five 1.0 sysctls; `net.ipv4.ip_local_reserved_ports` from v1.27; `tcp_keepalive_time`, `tcp_fin_timeout`, `tcp_keepalive_intvl`, `tcp_keepalive_probes` from v1.29; `tcp_rmem`, `tcp_wmem` from v1.32; `tcp_slow_start_after_idle`, `tcp_notsent_lowat` from v1.37.
//!
//! ## Why it matters
//!
//! Unsafe sysctls are not namespaced or not isolated: they change the kernel for every pod on the node, or disable protections.
//!
//! ## Example
//!
//! ```yaml
//! securityContext:
//!   sysctls:
//!   - name: kernel.msgmax   # flagged here
//!     value: "65536"
//! ```
//!
//! ## Fix
//!
//! Remove the sysctl, or run the workload on dedicated nodes in a privileged namespace.
//!
//! ## References
//!
//! - Pod Security Standards, baseline: "Sysctls" (since v1.0)
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Pod security: pod security enforcement
//! - NIST SP 800-190: 4.4.3 Insecure container runtime configurations
//! - https://kubernetes.io/docs/concepts/security/pod-security-standards/
//! - k8s.io/pod-security-admission/policy/check_sysctls.go (kubernetes/kubernetes, staging/src/)

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

pub(crate) struct UnsafeSysctls;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0010",
    name: "unsafe-sysctls",
    title: "Pod sets a sysctl outside the safe set",
    severity: Severity::High,
    targets: Targets::Workloads,
    pss: Some(PssControl {
        level: Level::Baseline,
        control: "Sysctls",
        since: Version(0),
    }),
    cis: &[],
    nsa: &["Pod security: pod security enforcement"],
    nist: &["4.4.3 Insecure container runtime configurations"],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for UnsafeSysctls {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        let v = cx.version;
        let safe = |n: &str| {
            matches!(
                n,
                "kernel.shm_rmid_forced"
                    | "net.ipv4.ip_local_port_range"
                    | "net.ipv4.tcp_syncookies"
                    | "net.ipv4.ping_group_range"
                    | "net.ipv4.ip_unprivileged_port_start"
            ) || (v.at_least(27) && n == "net.ipv4.ip_local_reserved_ports")
                || (v.at_least(29)
                    && matches!(
                        n,
                        "net.ipv4.tcp_keepalive_time"
                            | "net.ipv4.tcp_fin_timeout"
                            | "net.ipv4.tcp_keepalive_intvl"
                            | "net.ipv4.tcp_keepalive_probes"
                    ))
                || (v.at_least(32) && matches!(n, "net.ipv4.tcp_rmem" | "net.ipv4.tcp_wmem"))
                || (v.at_least(37)
                    && matches!(
                        n,
                        "net.ipv4.tcp_slow_start_after_idle" | "net.ipv4.tcp_notsent_lowat"
                    ))
        };
        let Some((_, list)) = cx.list(pod.security_context, "sysctls") else {
            return;
        };
        for &s in list {
            if let Some((n, name)) = cx.string(Some(s), "name")
                && !safe(name)
            {
                cx.report(
                    n,
                    format!("sysctl {name} is not in the safe set at policy {v}"),
                );
            }
        }
    }
}
