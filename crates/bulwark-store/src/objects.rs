//! Kubernetes objects as the store keeps them: trimmed to what the cross-object analysis reads (exposure,
//! isolation, blast radius), never a Secret or a ConfigMap, never an environment variable's value, and bounded
//! in size.
//!
//! [`trim_object`] is a pure function: the same object gives the same bytes, whoever calls it (the admission
//! feed, the Kubernetes watch). [`crate::Store::upsert_objects`] runs it on everything it is given, so nothing
//! reaches the `objects` table untrimmed.

use serde_json::{Map, Value};

/// Largest object stored, in bytes of JSON after trimming. Real workloads are a few KiB; the API server's own
/// limit for an object is 1.5 MiB.
pub const MAX_OBJECT_BYTES: usize = 256 << 10;

/// Longest name, namespace or kind kept (Kubernetes names are at most 253 characters).
const MAX_NAME: usize = 253;

/// Kinds never stored: their data is the secret material itself.
pub const REFUSED_KINDS: &[&str] = &["Secret", "ConfigMap"];

/// The metadata fields kept. `managedFields` and every other field (creationTimestamp, generation…) go.
const METADATA: &[&str] = &[
    "name",
    "namespace",
    "labels",
    "annotations",
    "uid",
    "resourceVersion",
    "ownerReferences",
];

/// The top-level fields kept besides `metadata`: `spec` (workloads, Services, Ingresses, NetworkPolicies),
/// RBAC's `rules` / `aggregationRule` / `subjects` / `roleRef`, and a ServiceAccount's token settings and
/// secret references (names, not contents). `status`, `data`, `stringData` and the rest go.
const TOP: &[&str] = &[
    "apiVersion",
    "kind",
    "spec",
    "rules",
    "aggregationRule",
    "subjects",
    "roleRef",
    "automountServiceAccountToken",
    "imagePullSecrets",
    "secrets",
];

/// `kubectl apply` keeps the whole applied object, env values included, in this annotation.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// One object ready to store: its key and its trimmed JSON. Only [`trim_object`] makes one, so whatever reaches
/// the store through [`crate::Store::upsert_trimmed`] has been trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub(crate) api_version: String,
    pub(crate) kind: String,
    pub(crate) namespace: String,
    pub(crate) name: String,
    pub(crate) uid: String,
    pub(crate) resource_version: String,
    pub(crate) json: String,
}

impl StoredObject {
    #[must_use]
    pub fn api_version(&self) -> &str {
        &self.api_version
    }
    #[must_use]
    pub fn kind(&self) -> &str {
        &self.kind
    }
    /// `""` for a cluster-scoped object.
    #[must_use]
    pub fn namespace(&self) -> &str {
        &self.namespace
    }
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }
    #[must_use]
    pub fn uid(&self) -> &str {
        &self.uid
    }
    /// The object's `metadata.resourceVersion` when it is a decimal number (what the API server gives),
    /// without leading zeros; `""` otherwise (an admission request for a new object has none), which orders as
    /// "unknown".
    #[must_use]
    pub fn resource_version(&self) -> &str {
        &self.resource_version
    }
    /// The trimmed object, serialized.
    #[must_use]
    pub fn json(&self) -> &str {
        &self.json
    }
}

/// Why an object is not stored. The message names the object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

fn text<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

/// Removes `value` from every item of every `env` array under `v` (containers, init and ephemeral containers,
/// at any depth: a Pod, a pod template, a CronJob's job template), keeping `name` and `valueFrom`.
fn strip_env_values(v: &mut Value, depth: usize) {
    // Deeper than any real object; a hostile one is cut off rather than recursed into.
    if depth > 64 {
        *v = Value::Null;
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                if k == "env"
                    && let Value::Array(items) = child
                {
                    for item in items.iter_mut() {
                        if let Value::Object(e) = item {
                            e.remove("value");
                        }
                    }
                }
                strip_env_values(child, depth + 1);
            }
        }
        Value::Array(items) => {
            for item in items {
                strip_env_values(item, depth + 1);
            }
        }
        _ => {}
    }
}

/// Trims `obj` to what the store keeps, or says why it is refused.
///
/// Refused: not a JSON object; no `kind`, `apiVersion` or `metadata.name`; a name, namespace or kind longer
/// than 253 characters; a Secret or ConfigMap; more than [`MAX_OBJECT_BYTES`] after trimming.
pub fn trim_object(obj: &Value) -> Result<StoredObject, Refused> {
    let Value::Object(top) = obj else {
        return Err(Refused(
            "a Kubernetes object must be a JSON object".to_owned(),
        ));
    };
    let kind = text(obj, "/kind").unwrap_or("");
    let name = text(obj, "/metadata/name").unwrap_or("");
    let namespace = text(obj, "/metadata/namespace").unwrap_or("");
    let api_version = text(obj, "/apiVersion").unwrap_or("");
    let shown = |s: &str| s.chars().take(80).collect::<String>();
    let what = format!(
        "{} {}{}{}",
        if kind.is_empty() {
            "object".to_owned()
        } else {
            shown(kind)
        },
        shown(namespace),
        if namespace.is_empty() { "" } else { "/" },
        shown(name)
    );
    if kind.is_empty() || api_version.is_empty() || name.is_empty() {
        return Err(Refused(format!(
            "{what}: an object needs apiVersion, kind and metadata.name; not stored"
        )));
    }
    if [kind, name, namespace, api_version]
        .iter()
        .any(|s| s.len() > MAX_NAME)
    {
        return Err(Refused(format!(
            "{what}: a name, namespace, kind or apiVersion is longer than {MAX_NAME} characters; not stored"
        )));
    }
    if REFUSED_KINDS.contains(&kind) {
        return Err(Refused(format!(
            "{what}: {kind}s are never stored (their data is the secret)"
        )));
    }
    let mut out = Map::new();
    for k in TOP {
        if let Some(v) = top.get(*k) {
            out.insert((*k).to_owned(), v.clone());
        }
    }
    let mut meta = Map::new();
    if let Some(Value::Object(m)) = top.get("metadata") {
        for k in METADATA {
            if let Some(v) = m.get(*k) {
                meta.insert((*k).to_owned(), v.clone());
            }
        }
    }
    if let Some(Value::Object(a)) = meta.get_mut("annotations") {
        a.remove(LAST_APPLIED);
    }
    out.insert("metadata".to_owned(), Value::Object(meta));
    let mut out = Value::Object(out);
    if let Some(spec) = out.get_mut("spec") {
        strip_env_values(spec, 0);
    }
    let json = serde_json::to_string(&out).map_err(|e| Refused(format!("{what}: {e}")))?;
    if json.len() > MAX_OBJECT_BYTES {
        return Err(Refused(format!(
            "{what}: {} bytes after trimming, over the {MAX_OBJECT_BYTES}-byte bound; not stored",
            json.len()
        )));
    }
    let rv = text(obj, "/metadata/resourceVersion").unwrap_or("");
    let resource_version =
        if !rv.is_empty() && rv.len() <= 20 && rv.bytes().all(|b| b.is_ascii_digit()) {
            rv.trim_start_matches('0').to_owned()
        } else {
            String::new()
        };
    Ok(StoredObject {
        api_version: api_version.to_owned(),
        kind: kind.to_owned(),
        namespace: namespace.to_owned(),
        name: name.to_owned(),
        uid: text(obj, "/metadata/uid")
            .unwrap_or("")
            .chars()
            .take(MAX_NAME)
            .collect(),
        resource_version,
        json,
    })
}

/// What one [`crate::Store::upsert_objects`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectsWritten {
    /// Objects written (new, changed, or the same version seen again).
    pub written: u64,
    /// Objects skipped because the store holds a newer resourceVersion (a replayed older event).
    pub stale: u64,
    /// Objects refused by [`trim_object`], each with a message naming it.
    pub refused: Vec<String>,
}

/// The pod spec of a workload object, where [`crate::Store::context_objects`] reads its service account.
pub(crate) fn pod_spec<'a>(kind: &str, object: &'a Value) -> Option<&'a Value> {
    let p = match kind {
        "Pod" => "/spec",
        "CronJob" => "/spec/jobTemplate/spec/template/spec",
        _ => "/spec/template/spec",
    };
    object.pointer(p).filter(|s| s.is_object())
}

/// Whether an RBAC binding's subject is the service account `sa` of namespace `ns`, or a group that holds it
/// (`system:serviceaccounts`, `system:serviceaccounts:<ns>`, `system:authenticated`). A RoleBinding's
/// ServiceAccount subject without a namespace is read as the binding's own.
pub(crate) fn binding_reaches(binding: &Value, binding_ns: &str, ns: &str, sa: &str) -> bool {
    let Some(subjects) = binding.get("subjects").and_then(Value::as_array) else {
        return false;
    };
    subjects.iter().any(|s| {
        let kind = s.get("kind").and_then(Value::as_str).unwrap_or("");
        let name = s.get("name").and_then(Value::as_str).unwrap_or("");
        match kind {
            "ServiceAccount" => {
                let sns = s
                    .get("namespace")
                    .and_then(Value::as_str)
                    .filter(|n| !n.is_empty())
                    .unwrap_or(binding_ns);
                name == sa && sns == ns
            }
            "Group" => {
                name == "system:serviceaccounts"
                    || name == "system:authenticated"
                    || name.strip_prefix("system:serviceaccounts:") == Some(ns)
            }
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn trims_status_managed_fields_env_values_and_last_applied() {
        let d = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop", "uid": "u1", "resourceVersion": "0042",
                "managedFields": [{"manager": "kubectl"}], "creationTimestamp": "2026-01-01T00:00:00Z",
                "annotations": {"a": "b", LAST_APPLIED: "{\"env\":\"hunter2\"}"}},
            "spec": {"template": {"spec": {
                "containers": [{"name": "app", "image": "r/app:1", "env": [
                    {"name": "PASSWORD", "value": "hunter2"},
                    {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "t"}}}]}],
                "initContainers": [{"name": "init", "env": [{"name": "X", "value": "y"}]}]}}},
            "status": {"replicas": 1}
        });
        let t = trim_object(&d).unwrap();
        assert_eq!(t.resource_version, "42");
        assert_eq!(
            (t.kind.as_str(), t.namespace.as_str(), t.name.as_str()),
            ("Deployment", "shop", "web")
        );
        let v: Value = serde_json::from_str(&t.json).unwrap();
        assert!(
            !t.json.contains("hunter2") && !t.json.contains("\"y\""),
            "{}",
            t.json
        );
        assert!(v.get("status").is_none());
        assert!(v.pointer("/metadata/managedFields").is_none());
        assert!(v.pointer("/metadata/creationTimestamp").is_none());
        assert_eq!(v.pointer("/metadata/annotations"), Some(&json!({"a": "b"})));
        assert_eq!(
            v.pointer("/spec/template/spec/containers/0/env"),
            Some(&json!([{"name": "PASSWORD"},
                {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "t"}}}]))
        );
    }

    #[test]
    fn refuses_secrets_config_maps_nameless_and_oversized_objects() {
        for kind in ["Secret", "ConfigMap"] {
            let e = trim_object(&json!({"apiVersion": "v1", "kind": kind,
                "metadata": {"name": "n", "namespace": "ns"}, "data": {"k": "dg=="}}))
            .unwrap_err();
            assert!(e.0.starts_with(&format!("{kind} ns/n: ")), "{e}");
        }
        assert!(trim_object(&json!([1])).is_err());
        assert!(
            trim_object(&json!({"apiVersion": "v1", "kind": "Service", "metadata": {}})).is_err()
        );
        let big = "x".repeat(MAX_OBJECT_BYTES);
        let e = trim_object(&json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "big", "namespace": "ns"}, "spec": {"x": big}}))
        .unwrap_err();
        assert!(
            e.0.starts_with("Service ns/big: ") && e.0.contains("bound"),
            "{e}"
        );
        // What is not kept does not count: a huge status is dropped before the size is measured.
        assert!(trim_object(&json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "s", "namespace": "ns"}, "status": {"x": "x".repeat(MAX_OBJECT_BYTES)}}))
        .is_ok());
    }
}
