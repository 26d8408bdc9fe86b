//! What a workload's manifest says about its attack surface and blast radius, as facts with evidence: the
//! input of a contextual risk score (`bulwark-risk`). Read from the same model the rules use, independently of
//! which rules run or are suppressed, so the facts do not change with `--rules` or `bulwark.dev/ignore`.
//!
//! Each fact is a list of [`Evidence`]: empty means "not found in the input". Evidence names the field and
//! where it is (`containers[app].securityContext.privileged: true (deploy.yaml:20)`).

use serde::Serialize;

use crate::model::{Cluster, ContainerClass, Object};
use crate::yaml::{Doc, NodeId};

/// One fact and where it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The value that matters (`SYS_ADMIN`, `/var/run/docker.sock`, a Secret's name, a Service type).
    pub value: String,
    /// The field and its place in the input.
    pub at: String,
}

/// The security-relevant facts of one workload (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadPosture {
    pub namespace: String,
    /// Labels of the workload's Namespace object, when the input has it.
    pub namespace_labels: Vec<(String, String)>,
    /// Container images (regular and init containers), in order.
    pub images: Vec<String>,
    /// Services of any type whose selector matches the pods (`ClusterIP`, `NodePort`, `LoadBalancer`, …).
    pub services: Vec<Evidence>,
    /// NetworkPolicies of the namespace that select the pods for ingress / for egress.
    pub ingress_policies: Vec<Evidence>,
    pub egress_policies: Vec<Evidence>,
    pub host_network: Vec<Evidence>,
    pub host_pid: Vec<Evidence>,
    pub host_ipc: Vec<Evidence>,
    pub host_ports: Vec<Evidence>,
    pub privileged: Vec<Evidence>,
    pub allow_privilege_escalation: Vec<Evidence>,
    /// `capabilities.add` entries, upper case without the `CAP_` prefix.
    pub added_capabilities: Vec<Evidence>,
    /// Containers that may run as UID 0: neither `runAsNonRoot: true` nor a non-zero `runAsUser` (container or
    /// pod level), or an explicit `runAsUser: 0`.
    pub may_run_as_root: Vec<Evidence>,
    /// Containers whose root filesystem is writable (no `readOnlyRootFilesystem: true`).
    pub writable_root_filesystem: Vec<Evidence>,
    /// Containers with `readOnlyRootFilesystem: true`.
    pub read_only_root_filesystem: Vec<Evidence>,
    /// `hostPath` volumes (value: the host path).
    pub host_paths: Vec<Evidence>,
    /// Secrets the pods can read: `secret` and projected volumes, `env[].valueFrom.secretKeyRef`,
    /// `envFrom[].secretRef` (value: the Secret's name).
    pub secrets: Vec<Evidence>,
    /// `automountServiceAccountToken` of the pod spec, when set.
    pub automount_token: Option<bool>,
}

fn at(doc: &Doc, path: &str, node: NodeId, field: &str) -> String {
    let n = doc.node(node);
    format!("{field} ({path}:{})", n.line)
}

fn ev(value: impl Into<String>, at: String) -> Evidence {
    Evidence {
        value: value.into(),
        at,
    }
}

/// The facts of `obj` (a workload: an object with a pod template); `None` for other objects.
#[must_use]
pub fn posture(obj: &Object<'_>, cluster: &Cluster) -> Option<WorkloadPosture> {
    let pod = obj.pod.as_ref()?;
    let doc = obj.doc;
    let path = obj.path;
    let spec = pod.spec;
    let ns = obj.namespace.clone().unwrap_or_else(|| "default".into());
    let mut p = WorkloadPosture {
        namespace_labels: cluster
            .namespaces
            .get(&ns)
            .map(|n| n.labels.clone())
            .unwrap_or_default(),
        namespace: ns.clone(),
        ..WorkloadPosture::default()
    };
    let pod_bool = |key: &str| {
        doc.get_entry(spec, key)
            .and_then(|(k, v)| doc.bool(v).map(|b| (k, b)))
    };
    for (key, list) in [
        ("hostNetwork", &mut p.host_network),
        ("hostPID", &mut p.host_pid),
        ("hostIPC", &mut p.host_ipc),
    ] {
        if let Some((k, true)) = pod_bool(key) {
            list.push(ev("true", at(doc, path, k, &format!("spec.{key}: true"))));
        }
    }
    p.automount_token = pod_bool("automountServiceAccountToken").map(|(_, b)| b);
    let pod_sc = pod.security_context;
    let sc_bool = |sc: Option<NodeId>, key: &str| {
        sc.and_then(|s| doc.get_entry(s, key))
            .and_then(|(k, v)| doc.bool(v).map(|b| (k, b)))
    };
    let sc_int = |sc: Option<NodeId>, key: &str| {
        sc.and_then(|s| doc.get_entry(s, key))
            .and_then(|(k, v)| doc.int(v).map(|i| (k, i)))
    };
    let pod_non_root = sc_bool(pod_sc, "runAsNonRoot");
    let pod_user = sc_int(pod_sc, "runAsUser");
    for c in &pod.containers {
        if c.class == ContainerClass::Ephemeral {
            continue;
        }
        let field = format!("{}[{}]", c.class.field(), c.name);
        if let Some(i) = doc.get(c.node, "image").and_then(|v| doc.text(v)) {
            p.images.push(i.to_string());
        }
        let sc = c.security_context;
        if let Some((k, true)) = sc_bool(sc, "privileged") {
            p.privileged.push(ev(
                "true",
                at(
                    doc,
                    path,
                    k,
                    &format!("{field}.securityContext.privileged: true"),
                ),
            ));
        }
        if let Some((k, true)) = sc_bool(sc, "allowPrivilegeEscalation") {
            p.allow_privilege_escalation.push(ev(
                "true",
                at(
                    doc,
                    path,
                    k,
                    &format!("{field}.securityContext.allowPrivilegeEscalation: true"),
                ),
            ));
        }
        if let Some(add) = sc.and_then(|s| doc.path(s, &["capabilities", "add"])) {
            for &i in doc.items(add) {
                if let Some(cap) = doc.text(i) {
                    let name = cap.to_ascii_uppercase();
                    let name = name.strip_prefix("CAP_").unwrap_or(&name).to_string();
                    let f = format!("{field}.securityContext.capabilities.add: {cap}");
                    p.added_capabilities.push(ev(name, at(doc, path, i, &f)));
                }
            }
        }
        // The container's settings override the pod's (PodSecurityContext docs).
        let non_root = sc_bool(sc, "runAsNonRoot").or(pod_non_root);
        let user = sc_int(sc, "runAsUser").or(pod_user);
        match (user, non_root) {
            (Some((k, 0)), _) => p
                .may_run_as_root
                .push(ev("0", at(doc, path, k, &format!("{field}: runAsUser: 0")))),
            (Some(_), _) | (None, Some((_, true))) => {}
            (None, Some((k, false))) => p.may_run_as_root.push(ev(
                "runAsNonRoot: false",
                at(doc, path, k, &format!("{field}: runAsNonRoot: false")),
            )),
            (None, None) => p.may_run_as_root.push(ev(
                "unset",
                at(
                    doc,
                    path,
                    c.anchor,
                    &format!("{field}: neither runAsNonRoot: true nor a non-zero runAsUser"),
                ),
            )),
        }
        match sc_bool(sc, "readOnlyRootFilesystem") {
            Some((k, true)) => p.read_only_root_filesystem.push(ev(
                "true",
                at(
                    doc,
                    path,
                    k,
                    &format!("{field}.securityContext.readOnlyRootFilesystem: true"),
                ),
            )),
            Some((k, false)) => p.writable_root_filesystem.push(ev(
                "false",
                at(
                    doc,
                    path,
                    k,
                    &format!("{field}.securityContext.readOnlyRootFilesystem: false"),
                ),
            )),
            None => p.writable_root_filesystem.push(ev(
                "unset",
                at(
                    doc,
                    path,
                    c.anchor,
                    &format!("{field}: readOnlyRootFilesystem not set"),
                ),
            )),
        }
        if let Some(ports) = doc.get(c.node, "ports") {
            for &port in doc.items(ports) {
                if let Some((k, h)) = doc
                    .get_entry(port, "hostPort")
                    .and_then(|(k, v)| doc.int(v).map(|h| (k, h)))
                    .filter(|(_, h)| *h > 0)
                {
                    p.host_ports.push(ev(
                        h.to_string(),
                        at(doc, path, k, &format!("{field}.ports[].hostPort: {h}")),
                    ));
                }
            }
        }
        if let Some(env) = doc.get(c.node, "env") {
            for &e in doc.items(env) {
                if let Some(r) = doc.path(e, &["valueFrom", "secretKeyRef"])
                    && let Some(name) = doc.get(r, "name").and_then(|v| doc.text(v))
                {
                    let f = format!("{field}.env[].valueFrom.secretKeyRef: {name}");
                    p.secrets.push(ev(name, at(doc, path, r, &f)));
                }
            }
        }
        if let Some(env_from) = doc.get(c.node, "envFrom") {
            for &e in doc.items(env_from) {
                if let Some(r) = doc.get(e, "secretRef")
                    && let Some(name) = doc.get(r, "name").and_then(|v| doc.text(v))
                {
                    let f = format!("{field}.envFrom[].secretRef: {name}");
                    p.secrets.push(ev(name, at(doc, path, r, &f)));
                }
            }
        }
    }
    if let Some(vols) = doc.get(spec, "volumes") {
        for &v in doc.items(vols) {
            let vname = doc.get(v, "name").and_then(|n| doc.text(n)).unwrap_or("?");
            if let Some(hp) = doc.get(v, "hostPath")
                && let Some(hpath) = doc.get(hp, "path").and_then(|n| doc.text(n))
            {
                let f = format!("volumes[{vname}].hostPath.path: {hpath}");
                p.host_paths.push(ev(hpath, at(doc, path, hp, &f)));
            }
            if let Some(s) = doc.get(v, "secret")
                && let Some(name) = doc.get(s, "secretName").and_then(|n| doc.text(n))
            {
                let f = format!("volumes[{vname}].secret.secretName: {name}");
                p.secrets.push(ev(name, at(doc, path, s, &f)));
            }
            if let Some(sources) = doc.path(v, &["projected", "sources"]) {
                for &src in doc.items(sources) {
                    if let Some(s) = doc.get(src, "secret")
                        && let Some(name) = doc.get(s, "name").and_then(|n| doc.text(n))
                    {
                        let f = format!("volumes[{vname}].projected.sources[].secret: {name}");
                        p.secrets.push(ev(name, at(doc, path, s, &f)));
                    }
                }
            }
        }
    }
    let labels = obj.pod_labels();
    for s in &cluster.services {
        if s.namespace != ns {
            continue;
        }
        let Some(sel) = &s.selector else { continue };
        if sel.labels.is_empty() || !sel.matches(&labels) {
            continue;
        }
        let type_ = if s.type_.is_empty() {
            "ClusterIP"
        } else {
            s.type_.as_str()
        };
        p.services.push(ev(
            type_,
            format!("Service/{ns}/{} (type {type_}) selects the pods", s.name),
        ));
    }
    for pol in cluster.policy_scopes.get(&ns).into_iter().flatten() {
        if !pol.selector.matches(&labels) {
            continue;
        }
        let e = |dir: &str| {
            ev(
                pol.name.clone(),
                format!("NetworkPolicy/{ns}/{} selects the pods for {dir}", pol.name),
            )
        };
        if pol.ingress {
            p.ingress_policies.push(e("ingress"));
        }
        if pol.egress {
            p.egress_policies.push(e("egress"));
        }
    }
    Some(p)
}
