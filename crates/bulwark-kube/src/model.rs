//! What the inventory produces: where each image runs ([`Placement`]) and how that changes ([`Change`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One container of one workload running one image, in one namespace of one cluster.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Placement {
    pub cluster: String,
    /// From the namespace's label or the environments file; `None` when neither says.
    pub environment: Option<String>,
    pub namespace: String,
    /// `Deployment`, `StatefulSet`, `DaemonSet`, `CronJob`, `Job`, `ReplicaSet`, `ReplicationController`, `Pod`
    /// (a bare pod), or the kind of another controller.
    pub workload_kind: String,
    pub workload_name: String,
    pub container: String,
    /// `init` for an init container, `app` otherwise.
    pub container_type: String,
    /// The image as written in the pod spec.
    pub image: String,
    /// The image the runtime reports (`status.containerStatuses[].imageID`), runtime prefix removed:
    /// `repo@sha256:…` (or a bare `sha256:…` image ID when the runtime gives no repository digest).
    pub image_id: Option<String>,
    /// `sha256:…` from `image_id` or from a digest-pinned `image`.
    pub digest: Option<String>,
    /// The pod's labels, without the per-revision ones (`pod-template-hash`, `controller-revision-hash`, …).
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

/// What identifies a placement: a workload's container running one digest (during a rollout the old and the
/// new digest are two placements).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PlacementKey {
    pub cluster: String,
    pub namespace: String,
    pub workload_kind: String,
    pub workload_name: String,
    pub container: String,
    /// The digest, else the image reference (a pod not started yet).
    pub image: String,
}

impl Placement {
    #[must_use]
    pub fn key(&self) -> PlacementKey {
        PlacementKey {
            cluster: self.cluster.clone(),
            namespace: self.namespace.clone(),
            workload_kind: self.workload_kind.clone(),
            workload_name: self.workload_name.clone(),
            container: self.container.clone(),
            image: self.digest.clone().unwrap_or_else(|| self.image.clone()),
        }
    }
}

/// A change of the inventory, for the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Change {
    /// A placement appeared or changed (labels, annotations, environment).
    Upsert { placement: Placement },
    /// The last pod running this placement went away.
    Remove { key: PlacementKey },
    /// The full set after a (re-)list: anything of this cluster not in it is gone.
    Resync {
        cluster: String,
        placements: Vec<Placement>,
    },
    /// Only with [`crate::InventoryOptions::containers`]: containers the runtime created, for mapping runtime
    /// container ids to pods. After each (re-)list all of them; then a pod's whole set whenever it changes (a
    /// container started or restarted under a new id). Nothing says when one goes: a pod's ids stay valid for
    /// what it ran.
    Containers {
        cluster: String,
        containers: Vec<RunningContainer>,
    },
}

/// One container of one pod as the runtime created it: what a runtime event's container id resolves to (the
/// pod, its namespace, the image and the owner workload).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RunningContainer {
    /// `status.*ContainerStatuses[].containerID` without its `<type>://` prefix (64 hex digits for containerd,
    /// CRI-O and Docker: the id the cgroup path shows).
    pub container_id: String,
    /// The runtime type of the prefix: `containerd`, `cri-o`, `docker`… (empty when there was none).
    pub runtime: String,
    pub cluster: String,
    pub namespace: String,
    pub pod: String,
    pub pod_uid: String,
    pub container: String,
    /// `init`, `app` or `ephemeral`.
    pub container_type: String,
    /// The image as written in the pod spec (the status's image when the spec has no such container).
    pub image: String,
    /// As [`Placement::image_id`].
    pub image_id: Option<String>,
    /// As [`Placement::digest`].
    pub digest: Option<String>,
    pub workload_kind: String,
    pub workload_name: String,
}

/// Splits a `containerID` (`<type>://<container_id>`) into its runtime type and id; `None` when empty or not
/// an id (at most 128 characters of ASCII letters, digits, `-`, `_`, `.`).
#[must_use]
pub fn parse_container_id(id: &str) -> Option<(String, String)> {
    let id = id.trim();
    let (runtime, id) = id.split_once("://").unwrap_or(("", id));
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    ok.then(|| (runtime.to_owned(), id.to_owned()))
}

/// The containers of one pod whose workload is `(kind, name)` that the runtime has created (their status has
/// a `containerID`): init, app and ephemeral containers. A finished pod (`Succeeded`/`Failed`) has none.
#[must_use]
pub fn running_containers_of_pod(
    pod: &Value,
    cluster: &str,
    workload: (&str, &str),
) -> Vec<RunningContainer> {
    if !is_live(pod) {
        return Vec::new();
    }
    let meta = |p: &str, default: &str| {
        pod.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or(default)
            .to_owned()
    };
    let namespace = meta("/metadata/namespace", "default");
    let pod_name = meta("/metadata/name", "");
    let pod_uid = meta("/metadata/uid", "");
    let mut out = Vec::new();
    for (specs, statuses, kind) in [
        (
            "/spec/initContainers",
            "/status/initContainerStatuses",
            "init",
        ),
        ("/spec/containers", "/status/containerStatuses", "app"),
        (
            "/spec/ephemeralContainers",
            "/status/ephemeralContainerStatuses",
            "ephemeral",
        ),
    ] {
        let specs = pod.pointer(specs).and_then(Value::as_array);
        for st in pod
            .pointer(statuses)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(name) = st.get("name").and_then(Value::as_str) else {
                continue;
            };
            let Some((runtime, container_id)) = st
                .get("containerID")
                .and_then(Value::as_str)
                .and_then(parse_container_id)
            else {
                continue;
            };
            let image = specs
                .into_iter()
                .flatten()
                .find(|c| c.get("name").and_then(Value::as_str) == Some(name))
                .and_then(|c| c.get("image"))
                .or_else(|| st.get("image"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let image_id = st
                .get("imageID")
                .and_then(Value::as_str)
                .and_then(normalize_image_id);
            let digest = image_id
                .as_deref()
                .and_then(digest_of)
                .or_else(|| digest_of(&image));
            out.push(RunningContainer {
                container_id,
                runtime,
                cluster: cluster.to_owned(),
                namespace: namespace.clone(),
                pod: pod_name.clone(),
                pod_uid: pod_uid.clone(),
                container: name.to_owned(),
                container_type: kind.to_owned(),
                image,
                image_id,
                digest,
                workload_kind: workload.0.to_owned(),
                workload_name: workload.1.to_owned(),
            });
        }
    }
    out
}

/// Labels that differ between revisions of the same workload; dropped so that a placement is stable.
const REVISION_LABELS: &[&str] = &[
    "pod-template-hash",
    "controller-revision-hash",
    "pod-template-generation",
    "statefulset.kubernetes.io/pod-name",
    "apps.kubernetes.io/pod-index",
    "controller-uid",
    "batch.kubernetes.io/controller-uid",
    "job-name",
    "batch.kubernetes.io/job-name",
    "batch.kubernetes.io/job-completion-index",
];

/// Removes the container runtime's prefix from an imageID: `docker-pullable://`, `docker://`,
/// `containerd://`, `cri-o://` … (anything before `://`). containerd and CRI-O give `repo@sha256:…` as is.
#[must_use]
pub fn normalize_image_id(id: &str) -> Option<String> {
    let id = id.trim();
    let id = id.split_once("://").map_or(id, |(_, rest)| rest);
    (!id.is_empty()).then(|| id.to_owned())
}

/// The `sha256:…` digest in an image ID or a digest-pinned image reference.
#[must_use]
pub fn digest_of(reference: &str) -> Option<String> {
    let d = reference.rsplit_once('@').map_or(reference, |(_, d)| d);
    let hex = d.strip_prefix("sha256:")?;
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| format!("sha256:{}", hex.to_ascii_lowercase()))
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a pod's containers are (or will be) running: not `Succeeded`/`Failed`, not being deleted... a pod
/// being deleted still runs until it is gone, so only the phase counts.
#[must_use]
pub fn is_live(pod: &Value) -> bool {
    !matches!(
        pod.pointer("/status/phase").and_then(Value::as_str),
        Some("Succeeded" | "Failed")
    )
}

/// The placements of one pod whose workload is `(kind, name)`.
#[must_use]
pub fn placements_of_pod(
    pod: &Value,
    cluster: &str,
    environment: Option<&str>,
    workload: (&str, &str),
) -> Vec<Placement> {
    let namespace = pod
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("default");
    let mut labels = string_map(pod.pointer("/metadata/labels"));
    labels.retain(|k, _| !REVISION_LABELS.contains(&k.as_str()));
    let annotations = string_map(pod.pointer("/metadata/annotations"));
    let mut out = Vec::new();
    for (specs, statuses, kind) in [
        (
            "/spec/initContainers",
            "/status/initContainerStatuses",
            "init",
        ),
        ("/spec/containers", "/status/containerStatuses", "app"),
    ] {
        let statuses = pod.pointer(statuses).and_then(Value::as_array);
        for c in pod
            .pointer(specs)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(name) = c.get("name").and_then(Value::as_str) else {
                continue;
            };
            let image = c
                .get("image")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let image_id = statuses
                .into_iter()
                .flatten()
                .find(|s| s.get("name").and_then(Value::as_str) == Some(name))
                .and_then(|s| s.get("imageID").and_then(Value::as_str))
                .and_then(normalize_image_id);
            let digest = image_id
                .as_deref()
                .and_then(digest_of)
                .or_else(|| digest_of(&image));
            out.push(Placement {
                cluster: cluster.to_owned(),
                environment: environment.map(str::to_owned),
                namespace: namespace.to_owned(),
                workload_kind: workload.0.to_owned(),
                workload_name: workload.1.to_owned(),
                container: name.to_owned(),
                container_type: kind.to_owned(),
                image,
                image_id,
                digest,
                labels: labels.clone(),
                annotations: annotations.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn image_ids_of_each_runtime() {
        for (id, want) in [
            (format!("docker-pullable://nginx@{D}"), format!("nginx@{D}")),
            (format!("docker://{D}"), D.to_owned()),
            (
                format!("docker.io/library/nginx@{D}"),
                format!("docker.io/library/nginx@{D}"),
            ),
            (
                format!("containerd://ghcr.io/x/y@{D}"),
                format!("ghcr.io/x/y@{D}"),
            ),
        ] {
            assert_eq!(normalize_image_id(&id).as_deref(), Some(want.as_str()));
            assert_eq!(digest_of(&want).as_deref(), Some(D));
        }
        assert_eq!(normalize_image_id(""), None);
        assert_eq!(digest_of("nginx:1.27"), None);
        assert_eq!(digest_of("nginx@sha256:short"), None);
    }
}
