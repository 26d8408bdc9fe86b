//! # non-core-volume-type (BW-K8S-0013)
//!
//! Pod uses a volume type outside the restricted set.
//!
//! ## What it does
//!
//! Flags volumes that use one of the inline volume sources the Restricted profile forbids (`gcePersistentDisk`,
//! `awsElasticBlockStore`, `gitRepo`, `nfs`, `iscsi`, `glusterfs`, `rbd`, `flexVolume`, `cinder`, `cephfs`,
//! `flocker`, `fc`, `azureFile`, `vsphereVolume`, `quobyte`, `azureDisk`, `photonPersistentDisk`,
//! `portworxVolume`, `scaleIO`, `storageos`) and none of the allowed ones (`configMap`, `csi`, `downwardAPI`,
//! `emptyDir`, `ephemeral`, `image`, `persistentVolumeClaim`, `projected`, `secret`), at every policy version
//! (check_restrictedVolumes.go has one definition, minimum v1.0; `image` is allowed there too). `hostPath` volumes
//! are reported by `host-path-volume` instead, so one volume gives one finding. A volume with no source at all is
//! not flagged: the API server defaults it to `emptyDir` before admission (upstream fixture
//! `restrictedvolumes0`, "implicit empty dir").
//!
//! ## Why it matters
//!
//! Inline volume sources such as `nfs`, `iscsi`, `rbd` or `gitRepo` let a pod author reach storage and code directly, bypassing the PersistentVolume layer where administrators control access.
//!
//! ## Example
//!
//! ```yaml
//! volumes:
//! - name: share
//!   nfs:            # flagged here
//!     server: nfs.example
//!     path: /exports
//! ```
//!
//! ## Fix
//!
//! Use a PersistentVolumeClaim bound to a PersistentVolume that an administrator created.
//!
//! ## References
//!
//! - Pod Security Standards, restricted: "Volume Types" (since v1.0)
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Pod security: pod security enforcement
//! - NIST SP 800-190: 4.4.3 Insecure container runtime configurations
//! - https://kubernetes.io/docs/concepts/security/pod-security-standards/
//! - k8s.io/pod-security-admission/policy/check_restrictedVolumes.go (kubernetes/kubernetes, staging/src/)

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

pub(crate) struct NonCoreVolumeType;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0013",
    name: "non-core-volume-type",
    title: "Pod uses a volume type outside the restricted set",
    severity: Severity::Medium,
    targets: Targets::Workloads,
    pss: Some(PssControl {
        level: Level::Restricted,
        control: "Volume Types",
        since: Version(0),
    }),
    cis: &[],
    nsa: &["Pod security: pod security enforcement"],
    nist: &["4.4.3 Insecure container runtime configurations"],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for NonCoreVolumeType {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        const ALLOWED: &[&str] = &[
            "configMap",
            "csi",
            "downwardAPI",
            "emptyDir",
            "ephemeral",
            "image",
            "persistentVolumeClaim",
            "projected",
            "secret",
        ];
        // check_restrictedVolumes.go `restrictedVolumes_1_0`, the named restricted sources (hostPath aside).
        const RESTRICTED: &[&str] = &[
            "gcePersistentDisk",
            "awsElasticBlockStore",
            "gitRepo",
            "nfs",
            "iscsi",
            "glusterfs",
            "rbd",
            "flexVolume",
            "cinder",
            "cephfs",
            "flocker",
            "fc",
            "azureFile",
            "vsphereVolume",
            "quobyte",
            "azureDisk",
            "photonPersistentDisk",
            "portworxVolume",
            "scaleIO",
            "storageos",
        ];
        let Some(pod) = pod(cx) else { return };
        let Some((_, vols)) = cx.list(Some(pod.spec), "volumes") else {
            return;
        };
        let doc = cx.doc;
        for &v in vols {
            let keys: Vec<(crate::yaml::NodeId, &str)> = doc
                .entries(v)
                .filter_map(|(k, val)| Some((k, doc.text(k)?)).filter(|_| !doc.is_null(val)))
                .collect();
            if keys
                .iter()
                .any(|(_, k)| *k == "hostPath" || ALLOWED.contains(k))
            {
                continue;
            }
            // No known source (only `name`, or fields the API server drops) defaults to emptyDir: not flagged.
            let Some(&(n, k)) = keys.iter().find(|(_, k)| RESTRICTED.contains(k)) else {
                continue;
            };
            let name = doc
                .get(v, "name")
                .and_then(|n| doc.text(n))
                .unwrap_or_default();
            cx.report(
                n,
                format!("volume \"{name}\" uses restricted volume type {k}"),
            );
        }
    }
}
