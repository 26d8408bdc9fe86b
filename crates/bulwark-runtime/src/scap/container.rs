//! Containers of a capture: the id from a process's cgroups (as libsinsp's container engines find it), and the
//! metadata of `container` events (the JSON libsinsp writes into captures).

use std::sync::Arc;

use crate::process::ContainerInfo;

/// The container id and runtime a process's cgroups name, if any: a 64-hex id in a cgroup path, with the runtime
/// its prefix tells (`docker-…scope`, `/docker/…`, `cri-containerd-…`, `crio-…`, `libpod-…`, `/kubepods/…`).
pub(crate) fn from_cgroups(cgroups: &[(String, String)]) -> Option<(String, &'static str)> {
    for (_, path) in cgroups {
        if path.len() < 64 {
            continue;
        }
        let docker = path.contains("/docker/");
        let kube = path.contains("kubepods");
        for seg in path.split('/') {
            let seg = seg.strip_suffix(".scope").unwrap_or(seg);
            let (runtime, id) = if let Some(id) = seg.strip_prefix("docker-") {
                ("docker", id)
            } else if let Some(id) = seg.strip_prefix("cri-containerd-") {
                ("containerd", id)
            } else if let Some(id) = seg.strip_prefix("crio-") {
                ("cri-o", id)
            } else if let Some(id) = seg.strip_prefix("libpod-") {
                ("podman", id)
            } else if docker {
                ("docker", seg)
            } else if kube {
                ("cri", seg)
            } else {
                continue;
            };
            if id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Some((id.to_string(), runtime));
            }
        }
    }
    None
}

/// A minimal record for a container known only by id.
pub(crate) fn minimal(full_id: &str, runtime: &str) -> ContainerInfo {
    ContainerInfo {
        id: full_id.chars().take(12).collect(),
        full_id: full_id.to_string(),
        runtime: runtime.to_string(),
        ..ContainerInfo::default()
    }
}

fn runtime_name(ty: i64) -> &'static str {
    match ty {
        0 => "docker",
        1 => "lxc",
        2 => "libvirt-lxc",
        3 => "mesos",
        4 => "rkt",
        6 => "cri",
        7 => "containerd",
        8 => "cri-o",
        9 => "bpm",
        11 => "podman",
        _ => "custom",
    }
}

/// Parses a `container` event's JSON (`{"container": {...}}`). `None` if it is not that shape.
pub(crate) fn from_json(text: &[u8]) -> Option<Arc<ContainerInfo>> {
    let v: serde_json::Value = serde_json::from_slice(text).ok()?;
    let c = v.get("container")?;
    let s = |k: &str| c.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
    let id = s("id");
    if id.is_empty() {
        return None;
    }
    let mut info = ContainerInfo {
        full_id: {
            let f = s("full_id");
            if f.is_empty() { id.clone() } else { f }
        },
        id,
        name: s("name"),
        runtime: runtime_name(
            c.get("type")
                .and_then(serde_json::Value::as_i64)
                .unwrap_or(-1),
        )
        .to_string(),
        image: s("image"),
        image_repository: s("imagerepo"),
        image_tag: s("imagetag"),
        image_digest: s("imagedigest"),
        privileged: c
            .get("privileged")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false),
        start_ns: c
            .get("created_time")
            .and_then(serde_json::Value::as_i64)
            .unwrap_or(0)
            * 1_000_000_000,
        ..ContainerInfo::default()
    };
    if let Some(m) = c.get("Mounts").and_then(|m| m.as_array()) {
        for mnt in m {
            let g = |k: &str| {
                mnt.get(k)
                    .and_then(|x| x.as_str())
                    .unwrap_or("")
                    .to_string()
            };
            let rw = mnt
                .get("RW")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false);
            info.mounts.push((g("Source"), g("Destination"), rw));
        }
    }
    if let Some(labels) = c.get("labels").and_then(|l| l.as_object()) {
        let l = |k: &str| {
            labels
                .get(k)
                .and_then(|x| x.as_str())
                .unwrap_or("")
                .to_string()
        };
        info.pod_name = l("io.kubernetes.pod.name");
        info.namespace = l("io.kubernetes.pod.namespace");
        info.pod_uid = l("io.kubernetes.pod.uid");
    }
    Some(Arc::new(info))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_cgroup_paths() {
        let id = "3f4b5d2a9c8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a";
        let cg = |p: &str| vec![("cpu".to_string(), p.to_string())];
        assert_eq!(
            from_cgroups(&cg(&format!("/docker/{id}"))),
            Some((id.into(), "docker"))
        );
        assert_eq!(
            from_cgroups(&cg(&format!("/system.slice/docker-{id}.scope"))),
            Some((id.into(), "docker"))
        );
        assert_eq!(
            from_cgroups(&cg(&format!(
                "/kubepods.slice/kubepods-pod1.slice/cri-containerd-{id}.scope"
            ))),
            Some((id.into(), "containerd"))
        );
        assert_eq!(
            from_cgroups(&cg(&format!("/kubepods/besteffort/pod1/{id}"))),
            Some((id.into(), "cri"))
        );
        assert_eq!(from_cgroups(&cg("/user.slice/user-1000.slice")), None);
        assert_eq!(from_cgroups(&cg("/docker/notanid")), None);
    }

    #[test]
    fn container_json() {
        let j = br#"{"container":{"id":"3f4b5d2a9c8e","full_id":"3f4b5d2a9c8e7f6a","type":7,"name":"web","image":"nginx:1.25","imagerepo":"nginx","imagetag":"1.25","imagedigest":"sha256:ab","privileged":true,"Mounts":[{"Source":"/h","Destination":"/c","RW":true}],"labels":{"io.kubernetes.pod.name":"p","io.kubernetes.pod.namespace":"ns"}}}"#;
        let c = from_json(j).unwrap();
        assert_eq!(c.id, "3f4b5d2a9c8e");
        assert_eq!(c.runtime, "containerd");
        assert!(c.privileged);
        assert_eq!(c.mounts, vec![("/h".into(), "/c".into(), true)]);
        assert_eq!((c.pod_name.as_str(), c.namespace.as_str()), ("p", "ns"));
        assert!(from_json(b"{}").is_none());
        assert!(from_json(b"not json").is_none());
    }
}
