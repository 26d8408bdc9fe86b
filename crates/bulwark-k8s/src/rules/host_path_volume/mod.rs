//! # host-path-volume (BW-K8S-0004)
//!
//! Pod mounts a hostPath volume.
//!
//! ## What it does
//!
//! Flags `spec.volumes[*].hostPath`.
//!
//! ## Why it matters
//!
//! A hostPath volume exposes the node's filesystem to the pod. Writable mounts of paths such as `/`, `/etc`, `/var/lib/kubelet` or the container runtime socket lead straight to node takeover.
//!
//! ## Example
//!
//! ```yaml
//! volumes:
//! - name: host
//!   hostPath:        # flagged here
//!     path: /var/run/docker.sock
//! ```
//!
//! ## Fix
//!
//! Use `emptyDir`, a `configMap`/`secret`, or a PersistentVolumeClaim. Node agents that need host files belong in a privileged namespace.
//!
//! ## References
//!
//! - Pod Security Standards, baseline: "HostPath Volumes" (since v1.0)
//! - CIS Kubernetes Benchmark v1.9.0: 5.2.12
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Pod security: pod security enforcement
//! - NIST SP 800-190: 4.4.3 Insecure container runtime configurations
//! - PCI DSS v4.0: 2.2.1
//! - https://kubernetes.io/docs/concepts/security/pod-security-standards/
//! - k8s.io/pod-security-admission/policy/check_hostPathVolumes.go (kubernetes/kubernetes, staging/src/)

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

pub(crate) struct HostPathVolume;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0004",
    name: "host-path-volume",
    title: "Pod mounts a hostPath volume",
    severity: Severity::High,
    targets: Targets::Workloads,
    pss: Some(PssControl {
        level: Level::Baseline,
        control: "HostPath Volumes",
        since: Version(0),
    }),
    cis: &["5.2.12"],
    nsa: &["Pod security: pod security enforcement"],
    nist: &["4.4.3 Insecure container runtime configurations"],
    pci: &["2.2.1"],
    source: include_str!("mod.rs"),
};

impl Rule for HostPathVolume {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        let Some((_, vols)) = cx.list(Some(pod.spec), "volumes") else {
            return;
        };
        for &v in vols {
            // check_hostPathVolumes.go: `volume.HostPath != nil`; `hostPath: null` decodes to nil.
            if let Some((k, hp)) = cx.doc.get_entry(v, "hostPath")
                && !cx.doc.is_null(hp)
            {
                let name = cx
                    .doc
                    .get(v, "name")
                    .and_then(|n| cx.doc.text(n))
                    .unwrap_or_default();
                cx.report(k, format!("volume \"{name}\" is a hostPath volume"));
            }
        }
    }
}
