//! `matchConstraints` / `matchResources`: resource rules, namespace and object selectors, and the
//! kind → resource table.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value as Json;

use crate::policy::EvalContext;

/// A label selector (`matchLabels` + `matchExpressions`).
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LabelSelector {
    #[serde(default)]
    match_labels: BTreeMap<String, String>,
    #[serde(default)]
    match_expressions: Vec<Requirement>,
}

#[derive(Debug, Clone, Deserialize, Default)]
struct Requirement {
    #[serde(default)]
    key: String,
    #[serde(default)]
    operator: String,
    #[serde(default)]
    values: Vec<String>,
}

impl LabelSelector {
    /// Whether the selector selects everything.
    #[must_use]
    pub(crate) fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }

    /// Whether `labels` (a JSON map, or none) is selected.
    #[must_use]
    pub(crate) fn matches(&self, labels: Option<&Json>) -> bool {
        let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Json::as_str);
        self.match_labels
            .iter()
            .all(|(k, v)| get(k) == Some(v.as_str()))
            && self
                .match_expressions
                .iter()
                .all(|r| match r.operator.as_str() {
                    "In" => get(&r.key).is_some_and(|v| r.values.iter().any(|x| x == v)),
                    "NotIn" => get(&r.key).is_none_or(|v| !r.values.iter().any(|x| x == v)),
                    "Exists" => get(&r.key).is_some(),
                    "DoesNotExist" => get(&r.key).is_none(),
                    _ => false,
                })
    }
}

/// One entry of `resourceRules` / `excludeResourceRules`.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResourceRule {
    #[serde(default)]
    api_groups: Vec<String>,
    #[serde(default)]
    api_versions: Vec<String>,
    #[serde(default)]
    resources: Vec<String>,
    #[serde(default)]
    operations: Vec<String>,
    #[serde(default)]
    resource_names: Vec<String>,
    #[serde(default)]
    scope: Option<String>,
}

fn any_or(list: &[String], v: &str) -> bool {
    list.iter().any(|x| x == "*" || x == v)
}

impl ResourceRule {
    fn matches(&self, a: &ResourceAttrs) -> bool {
        any_or(&self.api_groups, &a.group)
            && any_or(&self.api_versions, &a.version)
            && any_or(&self.operations, &a.operation)
            && self.resources.iter().any(|r| {
                // Subresource rules (`pods/status`) do not match the main resource.
                let (res, sub) = r.split_once('/').unwrap_or((r, ""));
                (res == "*" || res == a.resource) && (sub.is_empty() || sub == "*")
            })
            && (self.resource_names.is_empty() || self.resource_names.iter().any(|n| n == &a.name))
            && match self.scope.as_deref() {
                Some("Cluster") => a.namespace.is_none(),
                Some("Namespaced") => a.namespace.is_some() || a.namespaced,
                _ => true,
            }
    }
}

/// `matchConstraints` (policy) or `matchResources` (binding).
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MatchResources {
    #[serde(default)]
    namespace_selector: Option<LabelSelector>,
    #[serde(default)]
    object_selector: Option<LabelSelector>,
    #[serde(default)]
    resource_rules: Vec<ResourceRule>,
    #[serde(default)]
    exclude_resource_rules: Vec<ResourceRule>,
}

impl MatchResources {
    /// Whether the rules name only `pods` (the condition for Kyverno autogen).
    pub(crate) fn matches_only_pods(&self) -> bool {
        !self.resource_rules.is_empty()
            && self.resource_rules.iter().all(|r| {
                !r.resources.is_empty()
                    && r.resources.iter().all(|x| x == "pods")
                    && any_or(&r.api_groups, "")
            })
    }

    /// Whether the object is selected; `Err` says what a live cluster would be needed for.
    pub(crate) fn matches(
        &self,
        a: &ResourceAttrs,
        object: &Json,
        ctx: &EvalContext,
    ) -> Result<bool, String> {
        // A binding's matchResources without resourceRules narrows nothing by resource (the
        // policy's own matchConstraints already did).
        if !self.resource_rules.is_empty() && !self.resource_rules.iter().any(|r| r.matches(a)) {
            return Ok(false);
        }
        if self.exclude_resource_rules.iter().any(|r| r.matches(a)) {
            return Ok(false);
        }
        if let Some(sel) = self.object_selector.as_ref().filter(|s| !s.is_empty()) {
            let labels = object.pointer("/metadata/labels");
            let old = ctx
                .old_object
                .as_ref()
                .and_then(|o| o.pointer("/metadata/labels"));
            if !(sel.matches(labels) || old.is_some() && sel.matches(old)) {
                return Ok(false);
            }
        }
        if let Some(sel) = self.namespace_selector.as_ref().filter(|s| !s.is_empty()) {
            if a.kind == "Namespace" && a.group.is_empty() {
                return Ok(sel.matches(object.pointer("/metadata/labels")));
            }
            if let Some(ns) = a.namespace_for_lookup() {
                return match ctx.namespaces.get(&ns) {
                    Some(n) => Ok(sel.matches(n.pointer("/metadata/labels"))),
                    None => Err(format!(
                        "namespaceSelector: Namespace {ns:?} is not in the input"
                    )),
                };
            }
        }
        Ok(true)
    }
}

/// What matching looks at: group, version, resource, operation, namespace, name.
#[derive(Debug, Clone, Default)]
pub(crate) struct ResourceAttrs {
    pub(crate) group: String,
    pub(crate) version: String,
    pub(crate) kind: String,
    pub(crate) resource: String,
    pub(crate) operation: String,
    pub(crate) namespace: Option<String>,
    pub(crate) name: String,
    /// Namespaced by the kind table (an object without `metadata.namespace` is in `default`).
    pub(crate) namespaced: bool,
}

impl ResourceAttrs {
    pub(crate) fn of(object: &Json, operation: &str) -> Self {
        let api_version = object
            .get("apiVersion")
            .and_then(Json::as_str)
            .unwrap_or_default();
        let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        let kind = object
            .get("kind")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_owned();
        let namespace = object
            .pointer("/metadata/namespace")
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        let namespaced = !is_cluster_scoped(group, &kind);
        Self {
            group: group.to_owned(),
            version: version.to_owned(),
            resource: resource_for_kind(group, &kind),
            kind,
            operation: operation.to_owned(),
            namespace,
            name: object
                .pointer("/metadata/name")
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_owned(),
            namespaced,
        }
    }

    /// The namespace to look up for `namespaceObject`: the object's, `default` for a namespaced kind
    /// without one (where `kubectl apply` would put it), none for a cluster-scoped kind.
    pub(crate) fn namespace_for_lookup(&self) -> Option<String> {
        match &self.namespace {
            Some(ns) => Some(ns.clone()),
            None if self.namespaced => Some("default".to_owned()),
            None => None,
        }
    }

    pub(crate) fn group_is_builtin_controller(&self) -> bool {
        matches!(self.group.as_str(), "apps" | "batch")
    }
}

/// Built-in kinds whose resource name is not the lowercase plural `kind + "s"`.
const RESOURCES: &[(&str, &str)] = &[
    ("Endpoints", "endpoints"),
    ("Ingress", "ingresses"),
    ("IngressClass", "ingressclasses"),
    ("NetworkPolicy", "networkpolicies"),
    ("PodSecurityPolicy", "podsecuritypolicies"),
    ("StorageClass", "storageclasses"),
    ("PriorityClass", "priorityclasses"),
    ("RuntimeClass", "runtimeclasses"),
    ("CSIStorageCapacity", "csistoragecapacities"),
    ("EndpointSlice", "endpointslices"),
    ("ResourceQuota", "resourcequotas"),
    ("PodDisruptionBudget", "poddisruptionbudgets"),
    ("ComponentStatus", "componentstatuses"),
    ("PriorityLevelConfiguration", "prioritylevelconfigurations"),
    ("ValidatingAdmissionPolicy", "validatingadmissionpolicies"),
    ("MutatingAdmissionPolicy", "mutatingadmissionpolicies"),
    ("NetworkPolicies", "networkpolicies"),
    ("ServiceCIDR", "servicecidrs"),
    ("IPAddress", "ipaddresses"),
    ("ValidatingPolicy", "validatingpolicies"),
    ("ClusterPolicy", "clusterpolicies"),
    ("Policy", "policies"),
];

/// Cluster-scoped built-in kinds.
const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "Node",
    "PersistentVolume",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "StorageClass",
    "PriorityClass",
    "RuntimeClass",
    "IngressClass",
    "CSIDriver",
    "CSINode",
    "VolumeAttachment",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "APIService",
    "FlowSchema",
    "PriorityLevelConfiguration",
    "PodSecurityPolicy",
    "ComponentStatus",
    "CertificateSigningRequest",
    "TokenReview",
    "SelfSubjectAccessReview",
    "SubjectAccessReview",
    "ServiceCIDR",
    "IPAddress",
    "ClusterPolicy",
    "ValidatingPolicy",
];

fn is_cluster_scoped(group: &str, kind: &str) -> bool {
    // A custom resource named like a core kind is not that kind; only Kubernetes' own groups count.
    let builtin = !group.contains('.')
        || group.ends_with(".k8s.io")
        || group == "policies.kyverno.io"
        || group == "kyverno.io";
    builtin && CLUSTER_SCOPED.contains(&kind)
}

/// The resource (plural, lowercase) for a kind: the table of built-in exceptions, else Kubernetes'
/// own guess (`UnsafeGuessKindToResource`): lowercase, `-y` → `-ies`, `-s`/`-x`/`-z`/`-ch`/`-sh` →
/// `+es`, else `+s`.
#[must_use]
pub fn resource_for_kind(group: &str, kind: &str) -> String {
    let _ = group;
    if let Some((_, r)) = RESOURCES.iter().find(|(k, _)| *k == kind) {
        return (*r).to_owned();
    }
    let lower = kind.to_ascii_lowercase();
    if lower.is_empty() {
        return lower;
    }
    if lower.ends_with('s')
        || lower.ends_with('x')
        || lower.ends_with('z')
        || lower.ends_with("ch")
        || lower.ends_with("sh")
    {
        return format!("{lower}es");
    }
    if let Some(stem) = lower.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'i', 'o', 'u'])
    {
        return format!("{stem}ies");
    }
    format!("{lower}s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_to_resources() {
        // Expected values: `kubectl api-resources` on Kubernetes 1.33.
        for (kind, res) in [
            ("Pod", "pods"),
            ("Deployment", "deployments"),
            ("Ingress", "ingresses"),
            ("NetworkPolicy", "networkpolicies"),
            ("Endpoints", "endpoints"),
            ("CronJob", "cronjobs"),
            ("FlowSchema", "flowschemas"),
            ("PodSecurityPolicy", "podsecuritypolicies"),
            ("StorageClass", "storageclasses"),
            ("Gateway", "gateways"),
            ("ServiceAccount", "serviceaccounts"),
        ] {
            assert_eq!(resource_for_kind("", kind), res, "{kind}");
        }
    }

    #[test]
    fn selectors() {
        let sel: LabelSelector = serde_json::from_value(serde_json::json!({
            "matchLabels": {"a": "1"},
            "matchExpressions": [{"key": "b", "operator": "NotIn", "values": ["x"]}]
        }))
        .unwrap();
        assert!(sel.matches(Some(&serde_json::json!({"a": "1"}))));
        assert!(!sel.matches(Some(&serde_json::json!({"a": "1", "b": "x"}))));
        assert!(!sel.matches(None));
    }
}
