//! Kyverno `ValidatingPolicy` and Kubernetes `ValidatingAdmissionPolicy` (+ bindings and parameter
//! objects): loading, matching and evaluation.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

use crate::engine::{Limits, to_cel};
use crate::load::{Document, LoadError, find_line, parse_documents};
use crate::matching::{MatchResources, ResourceAttrs};
use crate::validator::{
    AuditAnnotationSpec, Evaluation, NamedExpression, ValidationSpec, Validator, ValidatorSpec,
    Violation,
};

/// Which API a policy comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PolicyKind {
    /// `policies.kyverno.io/*` `ValidatingPolicy`.
    KyvernoValidatingPolicy,
    /// `admissionregistration.k8s.io/*` `ValidatingAdmissionPolicy`.
    ValidatingAdmissionPolicy,
}

impl PolicyKind {
    fn name(self) -> &'static str {
        match self {
            PolicyKind::KyvernoValidatingPolicy => "ValidatingPolicy",
            PolicyKind::ValidatingAdmissionPolicy => "ValidatingAdmissionPolicy",
        }
    }
}

/// `Deny`, `Warn` or `Audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Action {
    /// Refuse the request.
    Deny,
    /// Admit with a warning.
    Warn,
    /// Record in the audit log.
    Audit,
}

/// What happens when an expression cannot be evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum FailurePolicy {
    /// The evaluation error is the outcome (the API server's default).
    #[default]
    Fail,
    /// The policy is skipped.
    Ignore,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ParamKind {
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    kind: String,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct PolicySpecDoc {
    #[serde(default)]
    match_constraints: Option<MatchResources>,
    #[serde(default)]
    match_conditions: Vec<NamedExpression>,
    #[serde(default)]
    variables: Vec<NamedExpression>,
    #[serde(default)]
    validations: Vec<ValidationSpec>,
    #[serde(default)]
    audit_annotations: Vec<AuditAnnotationSpec>,
    #[serde(default)]
    validation_actions: Vec<Action>,
    #[serde(default)]
    failure_policy: Option<FailurePolicy>,
    #[serde(default)]
    param_kind: Option<ParamKind>,
    #[serde(default)]
    autogen: Option<AutogenDoc>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct AutogenDoc {
    #[serde(default)]
    pod_controllers: Option<PodControllersDoc>,
}

#[derive(Debug, Clone, Deserialize, Default)]
struct PodControllersDoc {
    #[serde(default)]
    controllers: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ParamRef {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    selector: Option<crate::matching::LabelSelector>,
    #[serde(default)]
    parameter_not_found_action: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct BindingSpecDoc {
    #[serde(default)]
    policy_name: String,
    #[serde(default)]
    param_ref: Option<ParamRef>,
    #[serde(default)]
    match_resources: Option<MatchResources>,
    #[serde(default)]
    validation_actions: Vec<Action>,
}

/// A compiled policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// `metadata.name`.
    pub name: String,
    /// Which API.
    pub kind: PolicyKind,
    /// `apiVersion` as written.
    pub api_version: String,
    /// File it was loaded from.
    pub file: String,
    /// Line of its document.
    pub line: usize,
    /// `spec.validationActions` (Kyverno; a VAP takes them from its binding).
    pub validation_actions: Vec<Action>,
    /// `spec.failurePolicy`.
    pub failure_policy: FailurePolicy,
    /// Pod controllers the policy is also applied to (Kyverno autogen); empty when off.
    pub autogen_controllers: Vec<String>,
    match_constraints: MatchResources,
    param_kind: Option<ParamKind>,
    validator: Arc<Validator>,
}

impl Policy {
    /// The compiled validations.
    #[must_use]
    pub fn validator(&self) -> &Validator {
        &self.validator
    }
}

/// A `ValidatingAdmissionPolicyBinding`.
#[derive(Debug, Clone)]
pub struct Binding {
    /// `metadata.name`.
    pub name: String,
    /// `spec.policyName`.
    pub policy_name: String,
    /// `spec.validationActions`.
    pub validation_actions: Vec<Action>,
    param_ref: Option<ParamRef>,
    match_resources: Option<MatchResources>,
}

/// Policies, bindings and the other objects found with them (parameter objects, Namespaces).
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    /// Kyverno `ValidatingPolicy` and `ValidatingAdmissionPolicy` objects.
    pub policies: Vec<Policy>,
    /// `ValidatingAdmissionPolicyBinding` objects.
    pub bindings: Vec<Binding>,
    /// Every other document (candidates for `paramRef`).
    pub objects: Vec<Json>,
    /// Fields of policies and bindings that no supported version defines (`file:line: kind "name":
    /// unknown field spec.x`): ignored, as the API server's non-strict decoding would.
    pub warnings: Vec<String>,
}

impl PolicySet {
    /// Loads every policy, binding and other object of a YAML text (multi-document).
    ///
    /// ```
    /// let set = bulwark_cel::PolicySet::from_yaml(r#"
    /// apiVersion: policies.kyverno.io/v1
    /// kind: ValidatingPolicy
    /// metadata: {name: no-latest}
    /// spec:
    ///   validationActions: [Deny]
    ///   matchConstraints:
    ///     resourceRules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [pods]}]
    ///   validations:
    ///   - expression: "object.spec.containers.all(c, !c.image.endsWith(':latest'))"
    ///     message: no latest tag
    /// "#, "policy.yaml").unwrap();
    /// let pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
    ///     "spec": {"containers": [{"name": "a", "image": "nginx:latest"}]}});
    /// let outcomes = bulwark_cel::evaluate(&set, &pod, &bulwark_cel::EvalContext::default());
    /// assert_eq!(outcomes[0].result, bulwark_cel::OutcomeResult::Fail);
    /// assert_eq!(outcomes[0].violations[0].message, "no latest tag");
    /// ```
    pub fn from_yaml(text: &str, file: &str) -> Result<Self, LoadError> {
        let mut set = Self::default();
        set.add_yaml(text, file)?;
        Ok(set)
    }

    /// Adds the documents of another YAML text.
    pub fn add_yaml(&mut self, text: &str, file: &str) -> Result<(), LoadError> {
        for doc in parse_documents(text, file)? {
            self.add_document(doc, text, file)?;
        }
        Ok(())
    }

    fn add_document(&mut self, doc: Document, text: &str, file: &str) -> Result<(), LoadError> {
        let api_version = doc
            .value
            .get("apiVersion")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_owned();
        let kind = doc
            .value
            .get("kind")
            .and_then(Json::as_str)
            .unwrap_or_default();
        let group = api_version.split_once('/').map_or("", |(g, _)| g);
        let policy_kind = match (group, kind) {
            ("policies.kyverno.io", "ValidatingPolicy") => {
                Some(PolicyKind::KyvernoValidatingPolicy)
            }
            ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy") => {
                Some(PolicyKind::ValidatingAdmissionPolicy)
            }
            ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding") => {
                let name = metadata_name(&doc.value);
                self.warn_unknown(&doc, file, kind, &name, BINDING_FIELDS);
                let spec: BindingSpecDoc = spec_of(&doc, file, kind, &name)?;
                self.bindings.push(Binding {
                    name,
                    policy_name: spec.policy_name,
                    validation_actions: spec.validation_actions,
                    param_ref: spec.param_ref,
                    match_resources: spec.match_resources,
                });
                return Ok(());
            }
            _ => None,
        };
        let Some(policy_kind) = policy_kind else {
            self.objects.push(doc.value);
            return Ok(());
        };
        let name = metadata_name(&doc.value);
        let fields = match policy_kind {
            PolicyKind::KyvernoValidatingPolicy => KYVERNO_FIELDS,
            PolicyKind::ValidatingAdmissionPolicy => VAP_FIELDS,
        };
        self.warn_unknown(&doc, file, policy_kind.name(), &name, fields);
        let spec: PolicySpecDoc = spec_of(&doc, file, policy_kind.name(), &name)?;
        let vspec = ValidatorSpec {
            match_conditions: spec.match_conditions,
            variables: spec.variables,
            validations: spec.validations,
            audit_annotations: spec.audit_annotations,
        };
        let validator = Validator::new(&vspec).map_err(|e| LoadError::Compile {
            file: file.to_owned(),
            line: find_line(text, doc.line, &e.source_text).unwrap_or(doc.line),
            kind: policy_kind.name().to_owned(),
            policy: name.clone(),
            field: e.field.clone(),
            error: e.error.clone(),
        })?;
        let match_constraints = spec.match_constraints.unwrap_or_default();
        let autogen_controllers = if policy_kind == PolicyKind::KyvernoValidatingPolicy {
            autogen_controllers(&doc.value, &match_constraints, spec.autogen.as_ref())
        } else {
            Vec::new()
        };
        self.policies.push(Policy {
            name,
            kind: policy_kind,
            api_version,
            file: file.to_owned(),
            line: doc.line,
            validation_actions: spec.validation_actions,
            failure_policy: spec.failure_policy.unwrap_or_default(),
            autogen_controllers,
            match_constraints,
            param_kind: spec.param_kind,
            validator: Arc::new(validator),
        });
        Ok(())
    }
}

/// Known fields, as (path, fields) pairs; `[]` in a path stands for every list element.
type Schema = &'static [(&'static str, &'static [&'static str])];

const SHARED_FIELDS: &[(&str, &[&str])] = &[
    (
        "spec.matchConstraints",
        &[
            "namespaceSelector",
            "objectSelector",
            "resourceRules",
            "excludeResourceRules",
            "matchPolicy",
        ],
    ),
    (
        "spec.matchConstraints.resourceRules[]",
        &[
            "apiGroups",
            "apiVersions",
            "resources",
            "operations",
            "resourceNames",
            "scope",
        ],
    ),
    (
        "spec.matchConstraints.excludeResourceRules[]",
        &[
            "apiGroups",
            "apiVersions",
            "resources",
            "operations",
            "resourceNames",
            "scope",
        ],
    ),
    ("spec.matchConditions[]", &["name", "expression"]),
    ("spec.variables[]", &["name", "expression"]),
    (
        "spec.validations[]",
        &["expression", "message", "messageExpression", "reason"],
    ),
    ("spec.auditAnnotations[]", &["key", "valueExpression"]),
];

const VAP_FIELDS: Schema = &[
    ("", &["apiVersion", "kind", "metadata", "spec", "status"]),
    (
        "spec",
        &[
            "paramKind",
            "matchConstraints",
            "validations",
            "failurePolicy",
            "auditAnnotations",
            "matchConditions",
            "variables",
        ],
    ),
];

const KYVERNO_FIELDS: Schema = &[
    ("", &["apiVersion", "kind", "metadata", "spec", "status"]),
    (
        "spec",
        &[
            "matchConstraints",
            "validations",
            "failurePolicy",
            "auditAnnotations",
            "matchConditions",
            "variables",
            "validationActions",
            "webhookConfiguration",
            "evaluation",
            "autogen",
        ],
    ),
];

const BINDING_FIELDS: Schema = &[
    ("", &["apiVersion", "kind", "metadata", "spec", "status"]),
    (
        "spec",
        &[
            "policyName",
            "paramRef",
            "matchResources",
            "validationActions",
        ],
    ),
    (
        "spec.paramRef",
        &["name", "namespace", "selector", "parameterNotFoundAction"],
    ),
    (
        "spec.matchResources",
        &[
            "namespaceSelector",
            "objectSelector",
            "resourceRules",
            "excludeResourceRules",
            "matchPolicy",
        ],
    ),
];

impl PolicySet {
    fn warn_unknown(&mut self, doc: &Document, file: &str, kind: &str, name: &str, schema: Schema) {
        // Policies (not bindings) share the validation fields.
        let shared: Schema = if std::ptr::eq(schema, BINDING_FIELDS) {
            &[]
        } else {
            SHARED_FIELDS
        };
        for (path, known) in schema.iter().chain(shared) {
            let mut nodes = vec![(String::new(), &doc.value)];
            for part in path.split('.').filter(|p| !p.is_empty()) {
                let (key, each) = part.strip_suffix("[]").map_or((part, false), |k| (k, true));
                let mut next = Vec::new();
                for (at, n) in nodes {
                    let Some(v) = n.get(key) else { continue };
                    let at = if at.is_empty() {
                        key.to_owned()
                    } else {
                        format!("{at}.{key}")
                    };
                    if each {
                        if let Some(list) = v.as_array() {
                            next.extend(
                                list.iter()
                                    .enumerate()
                                    .map(|(i, x)| (format!("{at}[{i}]"), x)),
                            );
                        }
                    } else {
                        next.push((at, v));
                    }
                }
                nodes = next;
            }
            for (at, n) in nodes {
                let Some(map) = n.as_object() else { continue };
                for k in map.keys().filter(|k| !known.contains(&k.as_str())) {
                    let field = if at.is_empty() {
                        k.clone()
                    } else {
                        format!("{at}.{k}")
                    };
                    self.warnings.push(format!(
                        "{file}:{}: {kind} {name:?}: unknown field {field}",
                        doc.line
                    ));
                }
            }
        }
    }
}

fn metadata_name(v: &Json) -> String {
    v.pointer("/metadata/name")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn spec_of<T: for<'de> Deserialize<'de> + Default>(
    doc: &Document,
    file: &str,
    kind: &str,
    name: &str,
) -> Result<T, LoadError> {
    match doc.value.get("spec") {
        None => Ok(T::default()),
        Some(spec) => T::deserialize(spec).map_err(|e| LoadError::Invalid {
            file: file.to_owned(),
            line: doc.line,
            kind: kind.to_owned(),
            policy: name.to_owned(),
            message: format!("spec: {e}"),
        }),
    }
}

/// Pod controllers Kyverno generates variants for: the policy must match only `pods`.
const DEFAULT_CONTROLLERS: &[&str] = &[
    "DaemonSet",
    "Deployment",
    "Job",
    "ReplicaSet",
    "StatefulSet",
    "CronJob",
];

fn autogen_controllers(
    doc: &Json,
    m: &MatchResources,
    autogen: Option<&AutogenDoc>,
) -> Vec<String> {
    let annotation = doc
        .pointer("/metadata/annotations/pod-policies.kyverno.io~1autogen-controllers")
        .and_then(Json::as_str);
    if annotation == Some("none") {
        return Vec::new();
    }
    if !m.matches_only_pods() {
        return Vec::new();
    }
    if let Some(list) = autogen
        .and_then(|a| a.pod_controllers.as_ref())
        .and_then(|p| p.controllers.clone())
    {
        return list;
    }
    if let Some(a) = annotation {
        return a
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
    }
    DEFAULT_CONTROLLERS
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
}

/// What an evaluation is run with besides the object.
#[derive(Debug, Clone)]
pub struct EvalContext {
    /// `CREATE` (default), `UPDATE`, `DELETE` or `CONNECT`.
    pub operation: String,
    /// `request.userInfo` (`{username, uid, groups, extra}`); an anonymous empty user by default.
    pub user_info: Json,
    /// `oldObject` (for `UPDATE`).
    pub old_object: Option<Json>,
    /// Namespace objects by name, for `namespaceObject` and `namespaceSelector`.
    pub namespaces: HashMap<String, Json>,
    /// More candidate parameter objects (besides [`PolicySet::objects`]).
    pub params: Vec<Json>,
    /// Cost limits per evaluation.
    pub limits: Limits,
    /// Apply pod policies to pod controllers (Kyverno autogen); on by default, as in the Kyverno CLI.
    pub autogen: bool,
}

impl Default for EvalContext {
    fn default() -> Self {
        Self {
            operation: "CREATE".to_owned(),
            // The API server always fills these; an offline request has no user.
            user_info: json!({"username": "", "uid": "", "groups": [], "extra": {}}),
            old_object: None,
            namespaces: HashMap::new(),
            params: Vec::new(),
            limits: Limits::default(),
            autogen: true,
        }
    }
}

/// The result of one policy on one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", content = "reason", rename_all = "lowercase")]
pub enum OutcomeResult {
    /// Every validation held.
    Pass,
    /// At least one validation failed (see [`Outcome::violations`]).
    Fail,
    /// The policy does not apply, and why.
    Skip(String),
    /// The policy could not be evaluated, and why (an evaluation error under `failurePolicy: Fail`,
    /// a cost limit, or something that needs a live cluster).
    Error(String),
}

/// The object an outcome is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceRef {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.namespace` (empty for cluster-scoped objects or when not set).
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
}

/// One policy (through one binding and parameter object) on one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// Policy name.
    pub policy: String,
    /// Policy kind.
    pub policy_kind: PolicyKind,
    /// Binding name (ValidatingAdmissionPolicy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binding: Option<String>,
    /// Parameter object name, when a `paramRef` selected one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
    /// The object.
    pub resource: ResourceRef,
    /// Pass, fail, skip or error.
    #[serde(flatten)]
    pub result: OutcomeResult,
    /// Failed validations (for `Fail`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<Violation>,
    /// What the admission controller would do on failure.
    pub actions: Vec<Action>,
    /// Audit annotations that produced a value.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub audit_annotations: BTreeMap<String, String>,
    /// The pod controller the pod policy was applied to through its template (Kyverno autogen).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub autogen: Option<String>,
    /// Set when the outcome could not be decided offline (authorizer checks, a missing Namespace).
    pub needs_cluster: bool,
}

/// Evaluates every policy of `set` against `object`: one [`Outcome`] per policy (per binding and
/// parameter object for a ValidatingAdmissionPolicy).
#[must_use]
pub fn evaluate(set: &PolicySet, object: &Json, ctx: &EvalContext) -> Vec<Outcome> {
    let attrs = ResourceAttrs::of(object, &ctx.operation);
    let resource = ResourceRef {
        api_version: object
            .get("apiVersion")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_owned(),
        kind: attrs.kind.clone(),
        namespace: attrs.namespace.clone().unwrap_or_default(),
        name: attrs.name.clone(),
    };
    let prepared = Prepared::new(object, attrs.clone(), ctx);
    // Kyverno autogen: the pod a controller would create, built once if any policy needs it.
    let wants_pod = ctx.autogen
        && attrs.group_is_builtin_controller()
        && set
            .policies
            .iter()
            .any(|p| p.autogen_controllers.contains(&attrs.kind));
    let pod = if wants_pod {
        pod_template(object)
    } else {
        None
    };
    let pod_view = pod.as_ref().map(|pod| {
        let pattrs = ResourceAttrs {
            namespace: attrs.namespace.clone(),
            ..ResourceAttrs::of(pod, &ctx.operation)
        };
        Prepared::new(pod, pattrs, ctx)
    });
    let mut out = Vec::new();
    for policy in &set.policies {
        let base = Outcome {
            policy: policy.name.clone(),
            policy_kind: policy.kind,
            binding: None,
            param: None,
            resource: resource.clone(),
            result: OutcomeResult::Pass,
            violations: Vec::new(),
            actions: policy.validation_actions.clone(),
            audit_annotations: BTreeMap::new(),
            autogen: None,
            needs_cluster: false,
        };
        // Kyverno autogen: a pod policy also judges the pod template of a controller.
        if ctx.autogen
            && policy.autogen_controllers.iter().any(|c| c == &attrs.kind)
            && attrs.group_is_builtin_controller()
        {
            let mut o = base;
            o.autogen = Some(attrs.kind.clone());
            if let Some(p) = &pod_view {
                out.push(run_policy(policy, None, p, ctx, set, o));
            } else {
                o.result = OutcomeResult::Skip(format!("{} has no pod template", attrs.kind));
                out.push(o);
            }
            continue;
        }
        match policy.kind {
            PolicyKind::KyvernoValidatingPolicy => {
                out.push(run_policy(policy, None, &prepared, ctx, set, base));
            }
            PolicyKind::ValidatingAdmissionPolicy => {
                let bindings: Vec<&Binding> = set
                    .bindings
                    .iter()
                    .filter(|b| b.policy_name == policy.name)
                    .collect();
                if bindings.is_empty() {
                    let mut o = base.clone();
                    o.result = OutcomeResult::Skip(
                        "no ValidatingAdmissionPolicyBinding refers to this policy".to_owned(),
                    );
                    out.push(o);
                }
                for b in bindings {
                    let mut o = base.clone();
                    o.binding = Some(b.name.clone());
                    o.actions.clone_from(&b.validation_actions);
                    out.extend(run_binding(policy, b, &prepared, ctx, set, o));
                }
            }
        }
    }
    out
}

/// An object for all policies: matched by its attributes, bound for CEL only when a policy
/// matches it (most objects of a manifest set match no policy).
struct Prepared<'a> {
    attrs: ResourceAttrs,
    object: &'a Json,
    ctx: &'a EvalContext,
    scope: std::cell::OnceCell<crate::engine::Scope<'static>>,
    variables: crate::validator::VariableCache,
}

impl<'a> Prepared<'a> {
    fn new(object: &'a Json, attrs: ResourceAttrs, ctx: &'a EvalContext) -> Self {
        Self {
            attrs,
            object,
            ctx,
            scope: std::cell::OnceCell::new(),
            variables: crate::validator::VariableCache::default(),
        }
    }

    fn scope(&self) -> &crate::engine::Scope<'static> {
        self.scope.get_or_init(|| {
            let (attrs, ctx) = (&self.attrs, self.ctx);
            let request = json!({
                "kind": {"group": attrs.group, "version": attrs.version, "kind": attrs.kind},
                "resource": {"group": attrs.group, "version": attrs.version, "resource": attrs.resource},
                "requestKind": {"group": attrs.group, "version": attrs.version, "kind": attrs.kind},
                "requestResource": {"group": attrs.group, "version": attrs.version, "resource": attrs.resource},
                "name": attrs.name,
                "namespace": attrs.namespace.clone().unwrap_or_default(),
                "operation": ctx.operation,
                "userInfo": ctx.user_info,
                "dryRun": false,
            });
            let mut scope = crate::engine::Scope::new();
            let object =
                if ctx.operation == "DELETE" { cel::Value::Null } else { cel_without_nulls(self.object) };
            scope.bind("object", object);
            scope.bind("oldObject", ctx.old_object.as_ref().map_or(cel::Value::Null, cel_without_nulls));
            scope.bind("request", to_cel(&request));
            scope.bind("params", cel::Value::Null);
            scope.bind("namespaceObject", cel::Value::Null);
            scope
        })
    }
}

/// The object as the API server stores it, as a CEL value: a field set to `null` (`initContainers:`
/// with nothing after it, common in rendered Helm charts) is absent, so `has()` and `?.` treat it
/// as missing.
fn cel_without_nulls(v: &Json) -> cel::Value {
    match v {
        Json::Object(m) => {
            let map: std::collections::HashMap<String, cel::Value> = m
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), cel_without_nulls(v)))
                .collect();
            cel::Value::from(map)
        }
        Json::Array(a) => cel::Value::List(Arc::new(a.iter().map(cel_without_nulls).collect())),
        other => to_cel(other),
    }
}

/// The pod a controller would create: `spec.template` (`spec.jobTemplate.spec.template` for a CronJob).
fn pod_template(object: &Json) -> Option<Json> {
    let kind = object.get("kind").and_then(Json::as_str)?;
    let template = if kind == "CronJob" {
        object.pointer("/spec/jobTemplate/spec/template")?
    } else {
        object.pointer("/spec/template")?
    };
    let mut metadata = template
        .get("metadata")
        .cloned()
        .unwrap_or_else(|| json!({}));
    if let (Some(m), Some(ns)) = (
        metadata.as_object_mut(),
        object.pointer("/metadata/namespace"),
    ) {
        m.entry("namespace").or_insert_with(|| ns.clone());
    }
    Some(json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": template.get("spec").cloned().unwrap_or_else(|| json!({})),
    }))
}

fn run_binding(
    policy: &Policy,
    binding: &Binding,
    p: &Prepared<'_>,
    ctx: &EvalContext,
    set: &PolicySet,
    base: Outcome,
) -> Vec<Outcome> {
    if let Some(m) = &binding.match_resources {
        match m.matches(&p.attrs, p.object, ctx) {
            Ok(true) => {}
            Ok(false) => {
                let mut o = base;
                o.result = OutcomeResult::Skip(format!(
                    "binding {:?} matchResources do not match",
                    binding.name
                ));
                return vec![o];
            }
            Err(why) => return vec![needs_cluster(base, &why)],
        }
    }
    let (Some(kind), Some(param_ref)) = (&policy.param_kind, &binding.param_ref) else {
        return vec![run_policy(policy, None, p, ctx, set, base)];
    };
    let params: Vec<&Json> = set
        .objects
        .iter()
        .chain(ctx.params.iter())
        .filter(|o| {
            o.get("kind").and_then(Json::as_str) == Some(kind.kind.as_str())
                && o.get("apiVersion").and_then(Json::as_str) == Some(kind.api_version.as_str())
        })
        .filter(|o| {
            let meta_ns = o
                .pointer("/metadata/namespace")
                .and_then(Json::as_str)
                .unwrap_or_default();
            let want_ns = param_ref
                .namespace
                .clone()
                .or_else(|| p.attrs.namespace.clone());
            let ns_ok = match &want_ns {
                Some(ns) => meta_ns.is_empty() || meta_ns == ns,
                None => true,
            };
            let name_ok = param_ref
                .name
                .as_deref()
                .is_none_or(|n| o.pointer("/metadata/name").and_then(Json::as_str) == Some(n));
            let sel_ok = param_ref
                .selector
                .as_ref()
                .is_none_or(|s| s.matches(o.pointer("/metadata/labels")));
            ns_ok && name_ok && sel_ok
        })
        .collect();
    if params.is_empty() {
        let mut o = base;
        if param_ref.parameter_not_found_action.as_deref() == Some("Allow") {
            o.result = OutcomeResult::Skip(
                "no parameter object found (parameterNotFoundAction: Allow)".to_owned(),
            );
        } else {
            o.result = OutcomeResult::Error(format!(
                "no {} parameter object found for binding {:?} (parameterNotFoundAction: Deny)",
                kind.kind, binding.name
            ));
        }
        return vec![o];
    }
    params
        .into_iter()
        .map(|param| run_policy(policy, Some(param), p, ctx, set, base.clone()))
        .collect()
}

fn needs_cluster(mut o: Outcome, why: &str) -> Outcome {
    o.result = OutcomeResult::Error(format!("needs a live cluster: {why}"));
    o.needs_cluster = true;
    o
}

fn run_policy(
    policy: &Policy,
    param: Option<&Json>,
    p: &Prepared<'_>,
    ctx: &EvalContext,
    _set: &PolicySet,
    mut o: Outcome,
) -> Outcome {
    match policy.match_constraints.matches(&p.attrs, p.object, ctx) {
        Ok(true) => {}
        Ok(false) => {
            o.result = OutcomeResult::Skip("matchConstraints do not match".to_owned());
            return o;
        }
        Err(why) => return needs_cluster(o, &why),
    }
    let validator = &policy.validator;
    if validator.reads("authorizer") {
        return needs_cluster(o, "the policy calls the authorizer");
    }
    let mut scope = p.scope().child();
    if let Some(param) = param {
        o.param = Some(metadata_name(param));
        scope.bind("params", to_cel(param));
    }
    if validator.reads("namespaceObject")
        && let Some(ns) = &p.attrs.namespace_for_lookup()
    {
        match ctx.namespaces.get(ns) {
            Some(n) => scope.bind("namespaceObject", to_cel(n)),
            None => {
                return needs_cluster(
                    o,
                    &format!("namespaceObject: Namespace {ns:?} is not in the input"),
                );
            }
        }
    }
    match validator.evaluate_shared(&scope, ctx.limits, &p.variables) {
        Evaluation::NotMatched { condition } => {
            o.result = OutcomeResult::Skip(format!("matchCondition {condition:?} is false"));
        }
        Evaluation::Evaluated {
            violations,
            audit_annotations,
            ..
        } => {
            o.result = if violations.is_empty() {
                OutcomeResult::Pass
            } else {
                OutcomeResult::Fail
            };
            o.violations = violations;
            o.audit_annotations = audit_annotations;
        }
        Evaluation::Error { field, error } => {
            let limit = matches!(
                error,
                crate::EvalError::CostExceeded { .. } | crate::EvalError::Timeout(_)
            );
            if policy.failure_policy == FailurePolicy::Ignore && !limit {
                o.result = OutcomeResult::Skip(format!("{field}: {error} (failurePolicy: Ignore)"));
            } else {
                o.result = OutcomeResult::Error(format!("{field}: {error}"));
            }
        }
    }
    o
}
