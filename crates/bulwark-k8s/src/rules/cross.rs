//! Cluster-wide facts for cross-object rules: namespaces and their PSS labels, network policies, services,
//! ingresses, and what RBAC grants each service account.

use std::collections::{HashMap, HashSet};

use crate::model::{Cluster, NamespaceInfo, Object, ServiceInfo, selector};
use crate::pss::{Level, Version};

/// Gathers facts from every object.
#[must_use]
pub fn gather(objects: &[Object<'_>]) -> Cluster {
    let mut c = Cluster::default();
    // (namespace for a Role, none for a ClusterRole; name) -> rule summaries of every object of that name.
    let mut roles: HashMap<(Option<String>, String), Vec<String>> = HashMap::new();
    let mut bindings: Vec<&Object<'_>> = Vec::new();
    for o in objects {
        let doc = o.doc;
        let ns = o.namespace.clone().unwrap_or_else(|| "default".into());
        c.inventory.add(o);
        match o.rule_kind() {
            "PodDisruptionBudget" => {
                // policy/v1: an empty selector selects every pod of the namespace, an absent one none.
                if let Some(sel) = doc.path(o.node, &["spec", "selector"]) {
                    c.inventory
                        .pdbs
                        .push((o.namespace.clone(), selector(doc, sel, false)));
                }
            }
            "HorizontalPodAutoscaler" => {
                if let Some(r) = doc.path(o.node, &["spec", "scaleTargetRef"]) {
                    let field =
                        |k: &str| doc.get(r, k).and_then(|v| doc.text(v)).unwrap_or_default();
                    c.inventory.hpa_targets.push((
                        o.namespace.clone(),
                        field("kind").to_string(),
                        field("name").to_string(),
                    ));
                }
            }
            "Namespace" => {
                // Strict, as the admission controller parses them: a present but invalid label evaluates as
                // `restricted` / `latest` (api/helpers.go `ParseLevel`, `ParseVersion`).
                let enforce = o
                    .meta_str("labels", "pod-security.kubernetes.io/enforce")
                    .map(Level::parse_label);
                let enforce_version = o
                    .meta_str("labels", "pod-security.kubernetes.io/enforce-version")
                    .map(Version::parse_label);
                c.namespaces.insert(
                    o.name.clone(),
                    NamespaceInfo {
                        enforce,
                        enforce_version,
                        labels: o
                            .metadata
                            .and_then(|m| doc.get(m, "labels"))
                            .map(|l| {
                                doc.entries(l)
                                    .filter_map(|(k, v)| {
                                        Some((doc.text(k)?.to_string(), doc.text(v)?.to_string()))
                                    })
                                    .collect()
                            })
                            .unwrap_or_default(),
                    },
                );
            }
            "Service" => {
                let spec = doc.get(o.node, "spec");
                let type_ = spec
                    .and_then(|s| doc.get(s, "type"))
                    .and_then(|t| doc.text(t))
                    .unwrap_or("ClusterIP");
                let sel = spec
                    .and_then(|s| doc.get(s, "selector"))
                    .map(|s| selector(doc, s, true));
                c.services.push(ServiceInfo {
                    namespace: ns,
                    name: o.name.clone(),
                    type_: type_.to_string(),
                    selector: sel,
                });
            }
            "Ingress" => {
                let mut names = Vec::new();
                collect_backend_services(doc, o.node, &mut names, 0);
                c.ingress_backends.entry(ns).or_default().extend(names);
            }
            "Role" | "ClusterRole" => {
                let mut sums = Vec::new();
                if let Some(rules) = doc.path(o.node, &["rules"]) {
                    for &r in doc.items(rules) {
                        let list = |k: &str| -> String {
                            doc.get(r, k)
                                .map(|l| {
                                    doc.items(l)
                                        .iter()
                                        .filter_map(|&i| doc.text(i))
                                        .collect::<Vec<_>>()
                                        .join(",")
                                })
                                .unwrap_or_default()
                        };
                        sums.push(format!(
                            "{} {}: {}",
                            o.kind,
                            o.name,
                            format_args!("{} on {}", list("verbs"), list("resources"))
                        ));
                    }
                }
                let scope = (o.kind == "Role").then(|| ns.clone());
                roles
                    .entry((scope, o.name.clone()))
                    .or_default()
                    .extend(sums);
            }
            "RoleBinding" | "ClusterRoleBinding" => bindings.push(o),
            _ => {
                if let Some(pod) = &o.pod {
                    let _ = pod;
                    let labels = o
                        .pod_labels()
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect();
                    c.pod_labels.entry(ns).or_default().push(labels);
                }
            }
        }
    }
    let mut seen: HashMap<String, HashSet<String>> = HashMap::new();
    for b in bindings {
        let doc = b.doc;
        let bns = b.namespace.clone().unwrap_or_else(|| "default".into());
        let Some(rr) = doc.get(b.node, "roleRef") else {
            continue;
        };
        let rkind = doc
            .get(rr, "kind")
            .and_then(|v| doc.text(v))
            .unwrap_or_default();
        let rname = doc
            .get(rr, "name")
            .and_then(|v| doc.text(v))
            .unwrap_or_default();
        let scope = (rkind == "Role").then(|| bns.clone());
        let missing;
        let sums: &[String] = match roles.get(&(scope, rname.to_string())) {
            Some(s) if !s.is_empty() => s,
            _ => {
                missing = [format!("{rkind} {rname} (not in the input)")];
                &missing
            }
        };
        let Some(subjects) = doc.get(b.node, "subjects") else {
            continue;
        };
        for &s in doc.items(subjects) {
            if doc.get(s, "kind").and_then(|v| doc.text(v)) != Some("ServiceAccount") {
                continue;
            }
            let Some(name) = doc.get(s, "name").and_then(|v| doc.text(v)) else {
                continue;
            };
            let sns = doc
                .get(s, "namespace")
                .and_then(|v| doc.text(v))
                .map_or_else(|| bns.clone(), str::to_string);
            let key = format!("{sns}/{name}");
            let e = c.sa_permissions.entry(key.clone()).or_default();
            let seen = seen.entry(key).or_default();
            for x in sums {
                // Each binding of the account adds its lines once: a set, not a scan of the list, so that N
                // bindings of one account cost N, not N² (red-team case 73).
                let tagged = format!("{} {} -> {x}", b.kind, b.name);
                if seen.insert(tagged.clone()) {
                    e.push(tagged);
                }
            }
        }
    }
    c
}

fn collect_backend_services(
    doc: &crate::yaml::Doc,
    n: crate::yaml::NodeId,
    out: &mut Vec<String>,
    depth: u32,
) {
    if depth > 12 {
        return;
    }
    match doc.kind(n) {
        crate::yaml::Kind::Map => {
            for (k, v) in doc.entries(n) {
                match doc.text(k) {
                    Some("service") => {
                        if let Some(name) = doc.get(v, "name").and_then(|x| doc.text(x)) {
                            out.push(name.to_string());
                        }
                    }
                    Some("serviceName") => {
                        if let Some(name) = doc.text(v) {
                            out.push(name.to_string());
                        }
                    }
                    _ => collect_backend_services(doc, v, out, depth + 1),
                }
            }
        }
        crate::yaml::Kind::Seq => {
            for &i in doc.items(n) {
                collect_backend_services(doc, i, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// Kinds without a namespace that the dangling-reference rules look up.
const CLUSTER_SCOPED: &[&str] = &[
    "ClusterRole",
    "ClusterRoleBinding",
    "Namespace",
    "PriorityClass",
];

/// What exists in the input: every object by kind, namespace and name, the label sets pods may carry,
/// PodDisruptionBudget selectors and the objects HorizontalPodAutoscalers scale.
///
/// The dangling-reference rules report a reference only when the input plausibly holds the whole app: when it
/// holds at least one object of the referenced kind in the referenced namespace ([`Inventory::count`]). A chart
/// that ships ServiceAccounts and names one it does not ship has a typo; a manifest that ships none relies on
/// accounts made elsewhere.
///
/// An object without `metadata.namespace` lands in whatever namespace it is applied to (`kubectl apply -n`,
/// `helm install -n`), so it may be in any namespace: it matches a reference from every namespace, and a
/// reference *from* it matches an object of any namespace.
#[derive(Debug, Default)]
pub struct Inventory {
    /// `(kind, explicit namespace, name)`; `None` for cluster-scoped kinds and objects that name no namespace.
    names: HashSet<(String, Option<String>, String)>,
    /// `(kind, name)` in any namespace.
    anywhere: HashSet<(String, String)>,
    /// `(kind, explicit namespace)` present in the input.
    kinds: HashSet<(String, Option<String>)>,
    /// Label sets of the pods the input may create, by explicit namespace: pod templates, and the labels of
    /// custom resources (an operator's pods often carry them: `metadata.labels`, `spec.podMetadata.labels`).
    pub pods: Vec<(Option<String>, Labels)>,
    /// PodDisruptionBudget selectors by explicit namespace.
    pub pdbs: Vec<(Option<String>, crate::model::Selector)>,
    /// `(explicit namespace, kind, name)` of every object an HPA's `scaleTargetRef` names.
    pub hpa_targets: Vec<(Option<String>, String, String)>,
}

/// A label set, `(key, value)` pairs.
pub type Labels = Vec<(String, String)>;

/// Whether an object of explicit namespace `a` can be in the same namespace as one of `b`.
#[must_use]
pub fn same_namespace(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

impl Inventory {
    fn scope(kind: &str, ns: Option<&str>) -> Option<String> {
        if CLUSTER_SCOPED.contains(&kind) {
            None
        } else {
            ns.map(str::to_string)
        }
    }

    fn add(&mut self, o: &Object<'_>) {
        let ns = Self::scope(&o.kind, o.namespace.as_deref());
        self.kinds.insert((o.kind.clone(), ns.clone()));
        self.anywhere.insert((o.kind.clone(), o.name.clone()));
        self.names
            .insert((o.kind.clone(), ns.clone(), o.name.clone()));
        let doc = o.doc;
        let labels = |n: Option<crate::yaml::NodeId>| -> Vec<(String, String)> {
            n.map(|l| {
                doc.entries(l)
                    .filter_map(|(k, v)| Some((doc.text(k)?.to_string(), doc.text(v)?.to_string())))
                    .collect()
            })
            .unwrap_or_default()
        };
        if o.pod.is_some() {
            let l = o
                .pod_labels()
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            self.pods.push((ns, l));
        } else if !crate::model::KNOWN_KINDS.contains(&o.kind.as_str())
            && o.api_version.contains('.')
            && !o.api_version.contains("k8s.io/")
        {
            for l in [
                labels(o.metadata.and_then(|m| doc.get(m, "labels"))),
                labels(doc.path(o.node, &["spec", "podMetadata", "labels"])),
            ] {
                if !l.is_empty() {
                    self.pods.push((ns.clone(), l));
                }
            }
        }
    }

    /// Whether the input holds `kind` `name` where a reference from an object of explicit namespace `ns` finds
    /// it (the namespace is ignored for cluster-scoped kinds).
    #[must_use]
    pub fn has(&self, kind: &str, ns: Option<&str>, name: &str) -> bool {
        let Some(ns) = Self::scope(kind, ns) else {
            return self
                .anywhere
                .contains(&(kind.to_string(), name.to_string()));
        };
        self.names
            .contains(&(kind.to_string(), Some(ns), name.to_string()))
            || self
                .names
                .contains(&(kind.to_string(), None, name.to_string()))
    }

    /// Whether the input holds any object of `kind` where a reference from explicit namespace `ns` looks.
    #[must_use]
    pub fn count(&self, kind: &str, ns: Option<&str>) -> bool {
        match Self::scope(kind, ns) {
            None => self.kinds.iter().any(|(k, _)| k == kind),
            Some(ns) => {
                self.kinds.contains(&(kind.to_string(), Some(ns)))
                    || self.kinds.contains(&(kind.to_string(), None))
            }
        }
    }
}

/// How a workload can be reached from outside its pod network.
#[must_use]
pub fn exposure(obj: &Object<'_>, c: &Cluster) -> Vec<String> {
    let mut out = Vec::new();
    let Some(pod) = &obj.pod else { return out };
    let doc = obj.doc;
    if doc.get(pod.spec, "hostNetwork").and_then(|v| doc.bool(v)) == Some(true) {
        out.push("hostNetwork".to_string());
    }
    if pod.containers.iter().any(|ct| {
        doc.get(ct.node, "ports").is_some_and(|ps| {
            doc.items(ps).iter().any(|&p| {
                doc.get(p, "hostPort")
                    .and_then(|h| doc.int(h))
                    .is_some_and(|h| h > 0)
            })
        })
    }) {
        out.push("hostPort".to_string());
    }
    let ns = obj.namespace.clone().unwrap_or_else(|| "default".into());
    let labels = obj.pod_labels();
    for s in &c.services {
        if s.namespace != ns {
            continue;
        }
        let Some(sel) = &s.selector else { continue };
        if sel.labels.is_empty() || !sel.matches(&labels) {
            continue;
        }
        if matches!(s.type_.as_str(), "LoadBalancer" | "NodePort") {
            out.push(format!("{} (Service {})", s.type_, s.name));
        }
        if c.ingress_backends
            .get(&ns)
            .is_some_and(|b| b.contains(&s.name))
        {
            out.push(format!("Ingress (via Service {})", s.name));
        }
    }
    out
}

/// Kinds whose `spec.replicas` sets how many pods run (the last two once the model builds their templates).
pub(crate) const REPLICATED: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "ReplicaSet",
    "ReplicationController",
    "DeploymentConfig",
    "Rollout",
];

/// `spec.replicas` of a replicated workload: the `replicas:` key when present, and the count (1 when unset, the
/// API default).
pub(crate) fn replicas(cx: &mut crate::rule::Cx<'_, '_>) -> (Option<crate::yaml::NodeId>, i64) {
    let spec = cx.map(Some(cx.obj.node), "spec").map(|(_, s)| s);
    match cx.int(spec, "replicas") {
        Some((k, n)) => (Some(k), n),
        None => (None, 1),
    }
}

/// Whether a HorizontalPodAutoscaler in the input scales this object.
#[must_use]
pub(crate) fn autoscaled(obj: &Object<'_>, c: &Cluster) -> bool {
    c.inventory.hpa_targets.iter().any(|(ns, kind, name)| {
        *kind == obj.kind
            && *name == obj.name
            && same_namespace(ns.as_deref(), obj.namespace.as_deref())
    })
}

/// Whether the workload runs more than one pod: `replicas` of 2 or more, or an HPA scales it.
pub(crate) fn multi_replica(cx: &mut crate::rule::Cx<'_, '_>) -> bool {
    replicas(cx).1 >= 2 || autoscaled(cx.obj, cx.cluster)
}
