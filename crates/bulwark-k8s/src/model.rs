//! The resource model: Kubernetes objects as views over a [`Doc`], with the pod template of every workload kind
//! resolved once, and the cluster-wide facts (namespaces, services, policies, RBAC) that cross-object rules need.

use std::collections::HashMap;

use crate::pss::{Level, Version};
use crate::yaml::{Doc, Kind, NodeId};

/// Built-in kinds that carry a pod template (see `template_path` for where it lives). Objects of other kinds with a
/// pod template at `spec.template.spec` or `spec.jobTemplate.spec.template.spec` are workloads too (OpenShift
/// `DeploymentConfig`, Argo `Rollout`, Knative `Service`, any custom resource): see [`object`].
pub const WORKLOAD_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "PodTemplate",
];

/// Every built-in kind the model understands (from Kubernetes' own API groups). Other objects get only the rules
/// that look at every object (`Targets::All`), unless they are in [`FOREIGN_KINDS`] or carry a pod template.
pub const KNOWN_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "PodTemplate",
    "Service",
    "Ingress",
    "NetworkPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ServiceAccount",
    "Namespace",
    "ConfigMap",
    "Secret",
    // Read by the dangling-reference and best-practices rules.
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
];

/// Kinds from other API groups that rules check: `(group, kind)`.
pub const FOREIGN_KINDS: &[(&str, &str)] =
    &[("security.openshift.io", "SecurityContextConstraints")];

/// The API group of an `apiVersion` (`""` for the core group's `v1`).
#[must_use]
pub fn api_group(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// Whether `group` is one of Kubernetes' own API groups: the core group, the unqualified legacy groups (`apps`,
/// `batch`, `extensions`, `policy`, `autoscaling`) and `*.k8s.io`. A custom resource's group always has a dot
/// (the API server refuses a CRD whose `spec.group` "should be a domain with at least one dot"), so a Knative
/// `Service` (`serving.knative.dev`) is never taken for a core `Service`.
#[must_use]
pub fn builtin_group(group: &str) -> bool {
    !group.contains('.') || group.ends_with(".k8s.io")
}

/// Which list a container came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerClass {
    Init,
    Regular,
    Ephemeral,
}

impl ContainerClass {
    #[must_use]
    pub fn field(self) -> &'static str {
        match self {
            ContainerClass::Init => "initContainers",
            ContainerClass::Regular => "containers",
            ContainerClass::Ephemeral => "ephemeralContainers",
        }
    }
}

/// One container of a pod template.
#[derive(Debug, Clone)]
pub struct Container {
    /// The container mapping.
    pub node: NodeId,
    pub name: String,
    /// Where findings about a *missing* field of this container point: the `name:` key, or the item itself.
    pub anchor: NodeId,
    /// `securityContext`, when it is a mapping.
    pub security_context: Option<NodeId>,
    pub class: ContainerClass,
}

/// A pod template (the pod spec of a Pod, or `spec.template` of a controller).
#[derive(Debug, Clone)]
pub struct PodView {
    /// The template's `metadata` mapping (the object's own metadata for a Pod).
    pub metadata: Option<NodeId>,
    /// The pod spec mapping.
    pub spec: NodeId,
    /// Where findings about a missing pod-level field point: the `spec:` key of the pod spec.
    pub spec_anchor: NodeId,
    /// `spec.securityContext`, when it is a mapping.
    pub security_context: Option<NodeId>,
    /// Init containers, containers, ephemeral containers, in the order the admission controller visits them.
    pub containers: Vec<Container>,
    /// `spec.os.name == windows`.
    pub windows: bool,
    /// `spec.hostUsers == false` (user namespaces).
    pub user_namespace: bool,
}

/// A Kubernetes object found in the input.
#[derive(Debug)]
pub struct Object<'a> {
    pub doc: &'a Doc,
    /// Index of the source file in the scan.
    pub file: usize,
    pub path: &'a str,
    /// The object mapping.
    pub node: NodeId,
    pub kind: String,
    pub api_version: String,
    pub name: String,
    pub namespace: Option<String>,
    pub metadata: Option<NodeId>,
    /// The line findings about the whole object point at (`kind:`).
    pub anchor: NodeId,
    pub pod: Option<PodView>,
    /// A built-in kind of Kubernetes' own API groups in [`KNOWN_KINDS`], or one of [`FOREIGN_KINDS`]: rules that
    /// target kinds see it. Other objects are checked only as workloads, when they carry a pod template.
    pub known: bool,
}

impl Object<'_> {
    /// The kind rules and cross-object facts dispatch on: the kind of a [`known`](Self::known) object, else `""`
    /// (a custom resource named `Service` or `Secret` is not the core kind).
    #[must_use]
    pub fn rule_kind(&self) -> &str {
        if self.known { &self.kind } else { "" }
    }

    /// `Kind/namespace/name`, or `Kind/name` for cluster-scoped or namespace-less objects.
    #[must_use]
    pub fn resource(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{}/{}/{}", self.kind, ns, self.name),
            None => format!("{}/{}", self.kind, self.name),
        }
    }

    #[must_use]
    pub fn is_workload(&self) -> bool {
        self.pod.is_some()
    }

    /// Value of a label or annotation on the object's own metadata.
    #[must_use]
    pub fn meta_str(&self, section: &str, key: &str) -> Option<&str> {
        let m = self.metadata?;
        let s = self.doc.get(m, section)?;
        self.doc.get(s, key).and_then(|v| self.doc.text(v))
    }

    /// The pod template's labels (for selectors).
    #[must_use]
    pub fn pod_labels(&self) -> Vec<(&str, &str)> {
        let Some(pod) = &self.pod else {
            return Vec::new();
        };
        let Some(m) = pod.metadata else {
            return Vec::new();
        };
        let Some(l) = self.doc.get(m, "labels") else {
            return Vec::new();
        };
        self.doc
            .entries(l)
            .filter_map(|(k, v)| Some((self.doc.text(k)?, self.doc.text(v)?)))
            .collect()
    }

    /// The service account the pods run as (`default` when unset).
    #[must_use]
    pub fn service_account(&self) -> &str {
        let Some(pod) = &self.pod else {
            return "default";
        };
        ["serviceAccountName", "serviceAccount"]
            .iter()
            .find_map(|k| self.doc.get(pod.spec, k).and_then(|v| self.doc.str(v)))
            .filter(|s| !s.is_empty())
            .unwrap_or("default")
    }
}

/// A problem with a field's type, found while building the model.
#[derive(Debug, Clone)]
pub struct TypeProblem {
    pub node: NodeId,
    pub message: String,
}

/// Checks that `v` has the expected kind; null counts as absent.
pub fn expect(
    doc: &Doc,
    v: NodeId,
    want: Kind,
    what: &str,
    problems: &mut Vec<TypeProblem>,
) -> Option<NodeId> {
    let k = doc.kind(v);
    if k == want {
        Some(v)
    } else {
        if k != Kind::Null {
            problems.push(TypeProblem {
                node: v,
                message: format!(
                    "{what}: expected {}, found {}",
                    want.describe(),
                    k.describe()
                ),
            });
        }
        None
    }
}

fn template_path(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "Pod" => &[],
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Job" => &["spec", "template"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template"],
        "PodTemplate" => &["template"],
        _ => return None,
    })
}

/// Builds the object view of mapping `node`. Returns `None` for mappings that are not Kubernetes objects.
pub fn object<'a>(
    doc: &'a Doc,
    file: usize,
    path: &'a str,
    node: NodeId,
    problems: &mut Vec<TypeProblem>,
) -> Option<Object<'a>> {
    let (kind_key, kind_v) = doc.get_entry(node, "kind")?;
    let kind = doc.str(kind_v)?.to_string();
    let api_version = doc
        .get(node, "apiVersion")
        .and_then(|v| doc.text(v))
        .unwrap_or_default()
        .to_string();
    let metadata = doc
        .get(node, "metadata")
        .and_then(|m| expect(doc, m, Kind::Map, "metadata", problems));
    let name = metadata
        .and_then(|m| doc.get(m, "name"))
        .and_then(|v| doc.text(v))
        .unwrap_or("<unnamed>")
        .to_string();
    let namespace = metadata
        .and_then(|m| doc.get(m, "namespace"))
        .and_then(|v| doc.str(v))
        .map(str::to_string);
    let group = api_group(&api_version);
    let builtin = builtin_group(group) && KNOWN_KINDS.contains(&kind.as_str());
    let known = builtin || FOREIGN_KINDS.contains(&(group, kind.as_str()));
    let pod = if builtin {
        template_path(&kind).and_then(|p| pod_view(doc, node, metadata, p, problems))
    } else if known {
        None
    } else {
        GENERIC_TEMPLATE_PATHS
            .iter()
            .find(|p| holds_pod_template(doc, node, p))
            .and_then(|p| pod_view(doc, node, metadata, p, problems))
    };
    Some(Object {
        doc,
        file,
        path,
        node,
        kind,
        api_version,
        name,
        namespace,
        metadata,
        anchor: kind_key,
        pod,
        known,
    })
}

/// Where a custom resource keeps a pod template: `spec.template` (a Deployment's shape: OpenShift
/// `DeploymentConfig`, Argo `Rollout`, Knative `Service`'s revision template) or `spec.jobTemplate.spec.template`
/// (a CronJob's shape).
const GENERIC_TEMPLATE_PATHS: &[&[&str]] = &[
    &["spec", "template"],
    &["spec", "jobTemplate", "spec", "template"],
];

/// Whether `path` leads (through mappings) to a template whose `spec` has a `containers` list: a pod spec
/// cannot omit it, and other templates (a Crossplane composition's, a Helm-like CR's) do not have one, so a
/// custom resource is taken for a workload only on that evidence. Quiet: a mismatch is not a type problem.
fn holds_pod_template(doc: &Doc, obj: NodeId, path: &[&str]) -> bool {
    let mut n = obj;
    for k in path.iter().chain(&["spec"]) {
        match doc.get(n, k) {
            Some(v) if doc.kind(v) == Kind::Map => n = v,
            _ => return false,
        }
    }
    doc.get(n, "containers")
        .is_some_and(|c| doc.kind(c) == Kind::Seq)
}

/// Looks for a pod spec outside the places the model reads: a `containers` list whose items have an `image`.
/// Returns the `containers:` key and the path to it (`spec.jobTargetRef.template.spec.containers`). Each node is
/// visited once (an alias shares its anchor's node, so a YAML alias bomb costs its size, not its expansion) and
/// depth is bounded; the first match in document order wins. `seen` is per document (allocated on first use and
/// shared by the items of a `List`, so a list of many objects costs its size once).
pub fn find_pod_spec(doc: &Doc, node: NodeId, seen: &mut Vec<bool>) -> Option<(NodeId, String)> {
    fn walk(
        doc: &Doc,
        n: NodeId,
        path: &mut Vec<String>,
        seen: &mut [bool],
        depth: u32,
    ) -> Option<NodeId> {
        if depth > 16 || std::mem::replace(&mut seen[n as usize], true) {
            return None;
        }
        match doc.kind(n) {
            Kind::Map => {
                for (k, v) in doc.entries(n) {
                    let key = doc.text(k).unwrap_or_default();
                    if key == "containers"
                        && doc.kind(v) == Kind::Seq
                        && doc
                            .items(v)
                            .iter()
                            .any(|&i| doc.kind(i) == Kind::Map && doc.get(i, "image").is_some())
                    {
                        path.push(key.to_string());
                        return Some(k);
                    }
                    path.push(key.to_string());
                    if let Some(f) = walk(doc, v, path, seen, depth + 1) {
                        return Some(f);
                    }
                    path.pop();
                }
                None
            }
            Kind::Seq => {
                for (i, &item) in doc.items(n).iter().enumerate() {
                    path.push(i.to_string());
                    if let Some(f) = walk(doc, item, path, seen, depth + 1) {
                        return Some(f);
                    }
                    path.pop();
                }
                None
            }
            _ => None,
        }
    }
    let mut path = Vec::new();
    if seen.len() < doc.node_count() {
        seen.resize(doc.node_count(), false);
    }
    walk(doc, node, &mut path, seen, 0).map(|k| (k, path.join(".")))
}

fn pod_view(
    doc: &Doc,
    obj: NodeId,
    obj_meta: Option<NodeId>,
    path: &[&str],
    problems: &mut Vec<TypeProblem>,
) -> Option<PodView> {
    let mut template = obj;
    for (i, k) in path.iter().enumerate() {
        let v = doc.get(template, k)?;
        template = expect(doc, v, Kind::Map, &path[..=i].join("."), problems)?;
    }
    let metadata = if path.is_empty() {
        obj_meta
    } else {
        doc.get(template, "metadata")
            .and_then(|m| expect(doc, m, Kind::Map, "template.metadata", problems))
    };
    let (spec_key, spec_v) = doc.get_entry(template, "spec")?;
    let spec = expect(doc, spec_v, Kind::Map, "pod spec", problems)?;
    let security_context = doc
        .get(spec, "securityContext")
        .and_then(|v| expect(doc, v, Kind::Map, "spec.securityContext", problems));
    let mut containers = Vec::new();
    for class in [
        ContainerClass::Init,
        ContainerClass::Regular,
        ContainerClass::Ephemeral,
    ] {
        let Some(list) = doc.get(spec, class.field()) else {
            continue;
        };
        let Some(list) = expect(doc, list, Kind::Seq, class.field(), problems) else {
            continue;
        };
        for &item in doc.items(list) {
            let Some(item) = expect(
                doc,
                item,
                Kind::Map,
                &format!("{} item", class.field()),
                problems,
            ) else {
                continue;
            };
            let (name, anchor) = match doc.get_entry(item, "name") {
                Some((k, v)) => (doc.text(v).unwrap_or_default().to_string(), k),
                None => (String::new(), item),
            };
            let security_context = doc
                .get(item, "securityContext")
                .and_then(|v| expect(doc, v, Kind::Map, "container securityContext", problems));
            containers.push(Container {
                node: item,
                name,
                anchor,
                security_context,
                class,
            });
        }
    }
    let windows = doc.path(spec, &["os", "name"]).and_then(|v| doc.text(v)) == Some("windows");
    let user_namespace = doc.get(spec, "hostUsers").and_then(|v| doc.bool(v)) == Some(false);
    Some(PodView {
        metadata,
        spec,
        spec_anchor: spec_key,
        security_context,
        containers,
        windows,
        user_namespace,
    })
}

/// What a Namespace object in the input says about Pod Security admission.
#[derive(Debug, Clone, Default)]
pub struct NamespaceInfo {
    pub enforce: Option<Level>,
    pub enforce_version: Option<Version>,
    /// Every label of the Namespace object (a risk score reads environment hints from them).
    pub labels: Vec<(String, String)>,
}

/// Facts gathered from all objects, for cross-object rules.
#[derive(Debug, Default)]
pub struct Cluster {
    pub namespaces: HashMap<String, NamespaceInfo>,
    /// Per namespace: pod label sets of workloads.
    pub pod_labels: HashMap<String, Vec<Vec<(String, String)>>>,
    /// Exposure of workloads: (namespace, selector) of Services by type, and Ingress backends.
    pub services: Vec<ServiceInfo>,
    /// Service names referenced by Ingress backends, per namespace.
    pub ingress_backends: HashMap<String, Vec<String>>,
    /// RBAC: what each service account can do, `namespace/sa -> rule summaries`.
    pub sa_permissions: HashMap<String, Vec<String>>,
    /// What exists in the input, for dangling references and the best-practices group.
    pub inventory: crate::rules::cross::Inventory,
    /// Per namespace: every NetworkPolicy's pod selector and the directions it isolates ([`gather_policies`]).
    pub policy_scopes: HashMap<String, Vec<PolicyScope>>,
    /// `namespace/name` of each ServiceAccount in the input -> its `automountServiceAccountToken`, when set.
    pub service_account_automount: HashMap<String, Option<bool>>,
}

/// What one NetworkPolicy isolates: the pods it selects, for ingress, egress or both.
#[derive(Debug, Clone, Default)]
pub struct PolicyScope {
    /// The NetworkPolicy's name (evidence for a risk score).
    pub name: String,
    pub selector: Selector,
    pub ingress: bool,
    pub egress: bool,
}

/// The directions a NetworkPolicy spec isolates. With `policyTypes` set, those; without, the API server's default
/// (`SetDefaults_NetworkPolicySpec`; the docs: "If no policyTypes are specified on a NetworkPolicy then by default
/// Ingress will always be set and Egress will be set if the NetworkPolicy has any egress rules"): Ingress, plus
/// Egress when `egress` is a non-empty list.
#[must_use]
pub fn policy_directions(doc: &Doc, spec: NodeId) -> (bool, bool) {
    let types: Vec<&str> = doc
        .get(spec, "policyTypes")
        .map(|t| doc.items(t).iter().filter_map(|&i| doc.text(i)).collect())
        .unwrap_or_default();
    if types.is_empty() {
        let egress = doc
            .get(spec, "egress")
            .is_some_and(|e| !doc.items(e).is_empty());
        (true, egress)
    } else {
        (types.contains(&"Ingress"), types.contains(&"Egress"))
    }
}

/// Adds the facts `workload-without-network-policy` and `service-account-token-automount` need: the directions
/// each NetworkPolicy isolates, and each ServiceAccount's `automountServiceAccountToken`.
pub fn gather_policies(objects: &[Object<'_>], c: &mut Cluster) {
    for o in objects {
        let doc = o.doc;
        let ns = o.namespace.as_deref().unwrap_or("default");
        match o.rule_kind() {
            "NetworkPolicy" => {
                let Some(spec) = doc.get(o.node, "spec") else {
                    continue;
                };
                let Some(sel) = doc.get(spec, "podSelector") else {
                    continue;
                };
                let (ingress, egress) = policy_directions(doc, spec);
                c.policy_scopes
                    .entry(ns.to_string())
                    .or_default()
                    .push(PolicyScope {
                        name: o.name.clone(),
                        selector: selector(doc, sel, false),
                        ingress,
                        egress,
                    });
            }
            "ServiceAccount" => {
                let automount = doc
                    .get(o.node, "automountServiceAccountToken")
                    .and_then(|v| doc.bool(v));
                c.service_account_automount
                    .insert(format!("{ns}/{}", o.name), automount);
            }
            _ => {}
        }
    }
}

/// A label selector (`matchLabels` only; `matchExpressions` make it `complex`).
#[derive(Debug, Clone, Default)]
pub struct Selector {
    pub labels: Vec<(String, String)>,
    pub complex: bool,
}

impl Selector {
    #[must_use]
    pub fn matches(&self, labels: &[(impl AsRef<str>, impl AsRef<str>)]) -> bool {
        if self.complex {
            return true; // conservative: assume it may select
        }
        self.labels.iter().all(|(k, v)| {
            labels
                .iter()
                .any(|(lk, lv)| lk.as_ref() == k && lv.as_ref() == v)
        })
    }
}

#[derive(Debug, Clone)]
pub struct ServiceInfo {
    pub namespace: String,
    pub name: String,
    pub type_: String,
    pub selector: Option<Selector>,
}

/// Reads a `{matchLabels, matchExpressions}` selector, or a plain label map when `plain`.
#[must_use]
pub fn selector(doc: &Doc, node: NodeId, plain: bool) -> Selector {
    let mut s = Selector::default();
    let labels = if plain {
        Some(node)
    } else {
        doc.get(node, "matchLabels")
    };
    if let Some(l) = labels {
        for (k, v) in doc.entries(l) {
            if let (Some(k), Some(v)) = (doc.text(k), doc.text(v)) {
                s.labels.push((k.to_string(), v.to_string()));
            }
        }
    }
    if !plain
        && doc
            .get(node, "matchExpressions")
            .is_some_and(|e| !doc.items(e).is_empty())
    {
        s.complex = true;
    }
    s
}
