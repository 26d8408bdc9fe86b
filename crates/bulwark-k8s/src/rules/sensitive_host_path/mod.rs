//! # sensitive-host-path (BW-K8S-0031)
//!
//! hostPath mounts a sensitive node path.
//!
//! ## What it does
//!
//! Flags hostPath volumes of the node root, the container runtime sockets (`docker.sock`, `containerd.sock`, `crio.sock`), `/etc`, `/proc`, `/sys`, `/dev`, `/root`, `/home`, `/var/run`, `/run`, `/var/lib/kubelet`, `/var/lib/docker`, `/var/lib/containerd`, `/var/log`, `/boot` and paths below them.
//!
//! ## Why it matters
//!
//! These paths give direct control of the node: the runtime socket starts privileged containers, `/etc` holds credentials and cron, `/proc` and `/sys` expose the kernel, the kubelet directory holds every pod's secrets.
//!
//! ## Example
//!
//! ```yaml
//! hostPath:
//!   path: /var/run/docker.sock   # flagged here
//! ```
//!
//! ## Fix
//!
//! Remove the mount. Tools that need the runtime should use its API through a narrowly scoped agent in a privileged namespace.
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark v1.9.0: 5.2.12
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Pod security: pod security enforcement
//! - NIST SP 800-190: 4.4.3 Insecure container runtime configurations
//! - PCI DSS v4.0: 2.2.1
//! - https://kubernetes.io/docs/concepts/storage/volumes/#hostpath

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

pub(crate) struct SensitiveHostPath;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0031",
    name: "sensitive-host-path",
    title: "hostPath mounts a sensitive node path",
    severity: Severity::Critical,
    targets: Targets::Workloads,
    pss: None,
    cis: &["5.2.12"],
    nsa: &["Pod security: pod security enforcement"],
    nist: &["4.4.3 Insecure container runtime configurations"],
    pci: &["2.2.1"],
    source: include_str!("mod.rs"),
};

impl Rule for SensitiveHostPath {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        const PREFIXES: &[&str] = &[
            "/etc",
            "/proc",
            "/sys",
            "/dev",
            "/root",
            "/home",
            "/var/run",
            "/run",
            "/var/lib/kubelet",
            "/var/lib/docker",
            "/var/lib/containerd",
            "/var/log",
            "/boot",
        ];
        let Some(pod) = pod(cx) else { return };
        let Some((_, vols)) = cx.list(Some(pod.spec), "volumes") else {
            return;
        };
        for &v in vols {
            let hp = cx.map(Some(v), "hostPath").map(|(_, m)| m);
            let Some((n, path)) = cx.string(hp, "path") else {
                continue;
            };
            let p = path.trim_end_matches('/');
            let sensitive = p.is_empty()
                || std::path::Path::new(p)
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("sock"))
                || PREFIXES
                    .iter()
                    .any(|pre| p == *pre || p.starts_with(&format!("{pre}/")));
            if sensitive {
                cx.report(n, format!("hostPath mounts {path}"));
            }
        }
    }
}
