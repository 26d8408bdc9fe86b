//! Gatekeeper: `ConstraintTemplate`s, their Constraints, the review Gatekeeper builds, `spec.match`, and
//! `data.inventory`.
//!
//! A template carries one or more engines' code (`spec.targets[0].code[]`, or the legacy `targets[0].rego` +
//! `libs`, read as a `Rego` entry). Evaluation goes through a [`TemplateEngine`]: [`RegoEngine`] here, and
//! the CEL engine (`K8sNativeValidation`) plugs into the same trait from another crate; the CEL source stays
//! in [`TemplateCode::source`] untouched.

use crate::RegoError;
use crate::engine::{Limits, Module, Program, RegoVersion, find_embedded};
use crate::yaml::{documents, str_at};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The Gatekeeper target every template in the library uses (and the only one Gatekeeper ships).
pub const TARGET: &str = "admission.k8s.gatekeeper.sh";
/// The `engine:` name of Rego code.
pub const ENGINE_REGO: &str = "Rego";
/// The `engine:` name of CEL code (evaluated by `bulwark-cel`).
pub const ENGINE_CEL: &str = "K8sNativeValidation";

/// One entry of `spec.targets[0].code[]`.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateCode {
    /// `Rego`, `K8sNativeValidation`, or another engine name.
    pub engine: String,
    /// The entry's `source` as written: `{rego, libs, version}` for Rego, `{variables, validations, …}` for CEL.
    pub source: Value,
}

/// A `templates.gatekeeper.sh` `ConstraintTemplate`.
#[derive(Debug, Clone)]
pub struct ConstraintTemplate {
    /// `metadata.name`.
    pub name: String,
    /// `spec.crd.spec.names.kind`: the kind of its constraints.
    pub kind: String,
    /// The file it was read from.
    pub file: String,
    /// `metadata.annotations["metadata.gatekeeper.sh/version"]`.
    pub version: Option<String>,
    /// `metadata.gatekeeper.sh/requires-sync-data` is set: the template reads `data.inventory`.
    pub requires_sync_data: bool,
    /// `spec.crd.spec.validation.openAPIV3Schema`, the schema of `spec.parameters`.
    pub parameters_schema: Option<Value>,
    /// Every engine's code, in the order written (the legacy `rego` form becomes one `Rego` entry).
    pub code: Vec<TemplateCode>,
    /// Fields Gatekeeper does not know, ignored (`unknown field spec.targets[0].regoo (ignored)`).
    pub warnings: Vec<String>,
    rego: Option<Arc<Program>>,
}

impl ConstraintTemplate {
    /// The code for `engine`, if the template carries it.
    #[must_use]
    pub fn code_for(&self, engine: &str) -> Option<&TemplateCode> {
        self.code.iter().find(|c| c.engine == engine)
    }

    /// The engines the template has code for, in order.
    pub fn engines(&self) -> impl Iterator<Item = &str> {
        self.code.iter().map(|c| c.engine.as_str())
    }

    /// The compiled Rego, if the template has Rego code.
    #[must_use]
    pub fn rego(&self) -> Option<&Program> {
        self.rego.as_deref()
    }
}

/// Reads every `ConstraintTemplate` of a YAML text (other documents are skipped) and compiles its Rego.
/// Errors name `file`, the template and, for Rego, the line and column.
pub fn load_templates(
    file: &str,
    text: &str,
    limits: Limits,
) -> Result<Vec<ConstraintTemplate>, RegoError> {
    let mut out = Vec::new();
    let mut search_from = 0;
    for doc in documents(file, text)? {
        if str_at(&doc, &["kind"]) != "ConstraintTemplate" {
            continue;
        }
        let t = template_from_value(file, text, &doc, &mut search_from, limits)?;
        out.push(t);
    }
    Ok(out)
}

fn template_from_value(
    file: &str,
    file_text: &str,
    doc: &Value,
    search_from: &mut usize,
    limits: Limits,
) -> Result<ConstraintTemplate, RegoError> {
    let name = str_at(doc, &["metadata", "name"]).to_string();
    let invalid = |message: String| RegoError::Invalid {
        file: file.to_string(),
        policy: format!("ConstraintTemplate {name:?}"),
        message,
    };
    let api = str_at(doc, &["apiVersion"]);
    if !api.starts_with("templates.gatekeeper.sh/") {
        return Err(invalid(format!(
            "apiVersion {api:?} is not templates.gatekeeper.sh/v1 (or v1beta1, v1alpha1)"
        )));
    }
    if name.is_empty() {
        return Err(invalid("metadata.name is missing".into()));
    }
    let kind = str_at(doc, &["spec", "crd", "spec", "names", "kind"]).to_string();
    if kind.is_empty() {
        return Err(invalid("spec.crd.spec.names.kind is missing".into()));
    }
    let targets = doc["spec"]["targets"]
        .as_array()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| invalid("spec.targets is missing or empty".into()))?;
    if targets.len() > 1 {
        return Err(invalid(format!(
            "has {} targets; Gatekeeper accepts exactly one",
            targets.len()
        )));
    }
    let target = &targets[0];
    let target_name = str_at(target, &["target"]);
    if target_name != TARGET {
        return Err(invalid(format!("target {target_name:?} is not {TARGET:?}")));
    }
    let mut code = Vec::new();
    if let Some(entries) = target.get("code") {
        let entries = entries
            .as_array()
            .ok_or_else(|| invalid("spec.targets[0].code is not a list".into()))?;
        for (i, c) in entries.iter().enumerate() {
            let engine = str_at(c, &["engine"]);
            if engine.is_empty() {
                return Err(invalid(format!("spec.targets[0].code[{i}] has no engine")));
            }
            code.push(TemplateCode {
                engine: engine.to_string(),
                source: c.get("source").cloned().unwrap_or(Value::Null),
            });
        }
    }
    let legacy_rego = target.get("rego").and_then(Value::as_str);
    if let Some(rego) = legacy_rego {
        if code.iter().any(|c| c.engine == ENGINE_REGO) {
            return Err(invalid(
                "has Rego both in spec.targets[0].rego and in code[]; Gatekeeper refuses this"
                    .into(),
            ));
        }
        code.push(TemplateCode {
            engine: ENGINE_REGO.into(),
            source: json!({"rego": rego, "libs": target.get("libs").cloned().unwrap_or(json!([]))}),
        });
    }
    if code.is_empty() {
        return Err(invalid(
            "spec.targets[0] has neither rego nor code[]".into(),
        ));
    }
    let rego = match code.iter().find(|c| c.engine == ENGINE_REGO) {
        Some(c) => Some(Arc::new(compile_rego(
            file,
            file_text,
            &name,
            &c.source,
            search_from,
            limits,
        )?)),
        None => None,
    };
    let mut warnings = Vec::new();
    unknown_fields(&doc["spec"], "spec", &["crd", "targets"], &mut warnings);
    unknown_fields(
        target,
        "spec.targets[0]",
        &["target", "rego", "libs", "code", "operations"],
        &mut warnings,
    );
    let annotations = &doc["metadata"]["annotations"];
    Ok(ConstraintTemplate {
        warnings,
        kind,
        file: file.to_string(),
        version: annotations
            .get("metadata.gatekeeper.sh/version")
            .and_then(|v| {
                v.as_str()
                    .map(str::to_string)
                    .or_else(|| Some(v.to_string()))
            }),
        requires_sync_data: annotations
            .get("metadata.gatekeeper.sh/requires-sync-data")
            .is_some(),
        parameters_schema: doc["spec"]["crd"]["spec"]["validation"]
            .get("openAPIV3Schema")
            .cloned(),
        code,
        rego,
        name,
    })
}

fn compile_rego(
    file: &str,
    file_text: &str,
    name: &str,
    source: &Value,
    search_from: &mut usize,
    limits: Limits,
) -> Result<Program, RegoError> {
    let invalid = |message: String| RegoError::Invalid {
        file: file.to_string(),
        policy: format!("ConstraintTemplate {name:?}"),
        message,
    };
    let rego = source
        .get("rego")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("the Rego code has no `rego` text".into()))?;
    // Gatekeeper's `source.version: v1` opts a code[] entry in to OPA 1.0 syntax; otherwise it is v0.
    let version = match source.get("version").and_then(Value::as_str) {
        Some("v1") => RegoVersion::V1,
        _ => RegoVersion::V0,
    };
    let mut texts = vec![(format!("{file}#{name}/rego"), rego.to_string())];
    if let Some(libs) = source.get("libs") {
        let libs = libs
            .as_array()
            .ok_or_else(|| invalid("libs is not a list".into()))?;
        for (i, l) in libs.iter().enumerate() {
            let t = l
                .as_str()
                .ok_or_else(|| invalid(format!("libs[{i}] is not a string")))?;
            texts.push((format!("{file}#{name}/libs[{i}]"), t.to_string()));
        }
    }
    let modules: Vec<Module> = texts
        .into_iter()
        .map(|(mname, text)| {
            let line_offset = find_embedded(file_text, &text, *search_from);
            if let Some((off, _)) = line_offset {
                *search_from = off + 1;
            }
            Module {
                name: mname,
                text,
                version,
                file: file.to_string(),
                line_offset,
            }
        })
        .collect();
    let program = Program::compile(&format!("ConstraintTemplate {name:?}"), &modules, limits)?;
    Ok(program)
}

/// A label selector (`matchLabels` and `matchExpressions`, ANDed).
#[derive(Debug, Clone, Default, Serialize)]
pub struct LabelSelector {
    pub match_labels: BTreeMap<String, String>,
    pub match_expressions: Vec<LabelExpression>,
}

/// One `matchExpressions` entry.
#[derive(Debug, Clone, Serialize)]
pub struct LabelExpression {
    pub key: String,
    /// `In`, `NotIn`, `Exists`, `DoesNotExist`.
    pub operator: String,
    pub values: Vec<String>,
}

impl LabelSelector {
    /// Whether `labels` (an object of strings, or null) satisfies the selector.
    #[must_use]
    pub fn matches(&self, labels: &Value) -> bool {
        let get = |k: &str| labels.get(k).and_then(Value::as_str);
        self.match_labels
            .iter()
            .all(|(k, v)| get(k) == Some(v.as_str()))
            && self.match_expressions.iter().all(|e| {
                let v = get(&e.key);
                match e.operator.as_str() {
                    "In" => v.is_some_and(|v| e.values.iter().any(|x| x == v)),
                    "NotIn" => !v.is_some_and(|v| e.values.iter().any(|x| x == v)),
                    "Exists" => labels.get(&e.key).is_some(),
                    "DoesNotExist" => labels.get(&e.key).is_none(),
                    _ => false,
                }
            })
    }

    fn parse(v: &Value, at: &str) -> Result<Self, String> {
        let mut s = Self::default();
        if let Some(ml) = v.get("matchLabels").filter(|m| !m.is_null()) {
            let ml = ml
                .as_object()
                .ok_or_else(|| format!("{at}.matchLabels is not a map"))?;
            for (k, val) in ml {
                let val = scalar_string(val)
                    .ok_or_else(|| format!("{at}.matchLabels.{k} is not a string"))?;
                s.match_labels.insert(k.clone(), val);
            }
        }
        if let Some(me) = v.get("matchExpressions").filter(|m| !m.is_null()) {
            let me = me
                .as_array()
                .ok_or_else(|| format!("{at}.matchExpressions is not a list"))?;
            for (i, e) in me.iter().enumerate() {
                let operator = str_at(e, &["operator"]).to_string();
                let values = string_list(
                    e.get("values"),
                    &format!("{at}.matchExpressions[{i}].values"),
                )?;
                match operator.as_str() {
                    "In" | "NotIn" if values.is_empty() => {
                        return Err(format!(
                            "{at}.matchExpressions[{i}]: operator {operator} needs values"
                        ));
                    }
                    "Exists" | "DoesNotExist" if !values.is_empty() => {
                        return Err(format!(
                            "{at}.matchExpressions[{i}]: operator {operator} takes no values"
                        ));
                    }
                    "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
                    other => {
                        return Err(format!(
                            "{at}.matchExpressions[{i}]: unknown operator {other:?}"
                        ));
                    }
                }
                s.match_expressions.push(LabelExpression {
                    key: str_at(e, &["key"]).to_string(),
                    operator,
                    values,
                });
            }
        }
        Ok(s)
    }
}

fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn string_list(v: Option<&Value>, at: &str) -> Result<Vec<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, x)| scalar_string(x).ok_or_else(|| format!("{at}[{i}] is not a string")))
            .collect(),
        Some(_) => Err(format!("{at} is not a list")),
    }
}

/// One `spec.match.kinds` entry.
#[derive(Debug, Clone, Serialize)]
pub struct KindSelector {
    pub api_groups: Vec<String>,
    pub kinds: Vec<String>,
}

/// A constraint's `spec.match`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Match {
    pub kinds: Vec<KindSelector>,
    pub namespaces: Vec<String>,
    pub excluded_namespaces: Vec<String>,
    pub label_selector: Option<LabelSelector>,
    pub namespace_selector: Option<LabelSelector>,
    /// `Cluster`, `Namespaced`, or `*` / absent.
    pub scope: Option<String>,
    pub name: Option<String>,
}

impl Match {
    fn parse(v: Option<&Value>) -> Result<Self, String> {
        let Some(v) = v.filter(|v| !v.is_null()) else {
            return Ok(Self::default());
        };
        if !v.is_object() {
            return Err("spec.match is not a map".into());
        }
        let mut m = Self::default();
        if let Some(kinds) = v.get("kinds").filter(|k| !k.is_null()) {
            let kinds = kinds.as_array().ok_or("spec.match.kinds is not a list")?;
            for (i, k) in kinds.iter().enumerate() {
                m.kinds.push(KindSelector {
                    api_groups: string_list(
                        k.get("apiGroups"),
                        &format!("spec.match.kinds[{i}].apiGroups"),
                    )?,
                    kinds: string_list(k.get("kinds"), &format!("spec.match.kinds[{i}].kinds"))?,
                });
            }
        }
        m.namespaces = string_list(v.get("namespaces"), "spec.match.namespaces")?;
        m.excluded_namespaces =
            string_list(v.get("excludedNamespaces"), "spec.match.excludedNamespaces")?;
        if let Some(ls) = v.get("labelSelector").filter(|x| !x.is_null()) {
            m.label_selector = Some(LabelSelector::parse(ls, "spec.match.labelSelector")?);
        }
        if let Some(ns) = v.get("namespaceSelector").filter(|x| !x.is_null()) {
            m.namespace_selector = Some(LabelSelector::parse(ns, "spec.match.namespaceSelector")?);
        }
        m.scope = v.get("scope").and_then(Value::as_str).map(str::to_string);
        m.name = v
            .get("name")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        Ok(m)
    }

    /// Whether `object` is in scope, as Gatekeeper's matcher decides it; `Err(reason)` says why not, in words.
    /// `namespace` is the object's Namespace object when known (needed only by `namespaceSelector`).
    pub fn check(
        &self,
        object: &Value,
        namespace: Option<&Value>,
    ) -> Result<Result<(), String>, String> {
        let (group, _version) = group_version(str_at(object, &["apiVersion"]));
        let kind = str_at(object, &["kind"]);
        let name = str_at(object, &["metadata", "name"]);
        let obj_ns = str_at(object, &["metadata", "namespace"]);
        let is_namespace = kind == "Namespace" && group.is_empty();
        if !self.kinds.is_empty()
            && !self.kinds.iter().any(|k| {
                (k.kinds.is_empty() || k.kinds.iter().any(|x| x == "*" || x == kind))
                    && (k.api_groups.is_empty()
                        || k.api_groups.iter().any(|g| g == "*" || g == group))
            })
        {
            return Ok(Err(format!(
                "kind {kind} (group {group:?}) is not in spec.match.kinds"
            )));
        }
        let has_namespace = !obj_ns.is_empty() || namespace.is_some();
        match self.scope.as_deref() {
            Some("Cluster") if !is_namespace && has_namespace => {
                return Ok(Err(
                    "spec.match.scope is Cluster and the object is namespaced".into(),
                ));
            }
            Some("Namespaced") if is_namespace || !has_namespace => {
                return Ok(Err(
                    "spec.match.scope is Namespaced and the object is cluster-scoped".into(),
                ));
            }
            _ => {}
        }
        // The namespace the namespace criteria look at: a Namespace's own name, else the object's.
        let ns_name = if is_namespace {
            Some(name)
        } else if let Some(n) = namespace {
            Some(str_at(n, &["metadata", "name"]))
        } else if !obj_ns.is_empty() {
            Some(obj_ns)
        } else {
            None
        };
        if let Some(ns) = ns_name {
            if !self.namespaces.is_empty() && !self.namespaces.iter().any(|p| wildcard(p, ns)) {
                return Ok(Err(format!(
                    "namespace {ns} is not in spec.match.namespaces"
                )));
            }
            if self.excluded_namespaces.iter().any(|p| wildcard(p, ns)) {
                return Ok(Err(format!(
                    "namespace {ns} is in spec.match.excludedNamespaces"
                )));
            }
        }
        if let Some(sel) = &self.label_selector
            && !sel.matches(&object["metadata"]["labels"])
        {
            return Ok(Err("labels do not match spec.match.labelSelector".into()));
        }
        if let Some(sel) = &self.namespace_selector {
            let labels = if is_namespace {
                Some(&object["metadata"]["labels"])
            } else if let Some(n) = namespace {
                Some(&n["metadata"]["labels"])
            } else if obj_ns.is_empty() {
                None // a cluster-scoped object: the selector does not apply
            } else {
                return Err(format!(
                    "spec.match.namespaceSelector needs the Namespace {obj_ns:?}, which is not in the inventory"
                ));
            };
            if let Some(l) = labels
                && !sel.matches(l)
            {
                return Ok(Err(
                    "the namespace's labels do not match spec.match.namespaceSelector".into(),
                ));
            }
        }
        if let Some(p) = &self.name
            && !wildcard(p, name)
        {
            return Ok(Err(format!(
                "name {name} does not match spec.match.name {p}"
            )));
        }
        Ok(Ok(()))
    }
}

/// "unknown field" warnings for the keys of `v` (a map at `at`) not in `known`.
fn unknown_fields(v: &Value, at: &str, known: &[&str], out: &mut Vec<String>) {
    if let Some(m) = v.as_object() {
        for k in m.keys() {
            if !known.contains(&k.as_str()) {
                out.push(format!("unknown field {at}.{k} (ignored)"));
            }
        }
    }
}

/// Gatekeeper's `Wildcard`: exact, a `prefix*`, or a `*suffix`.
fn wildcard(pattern: &str, s: &str) -> bool {
    if let Some(p) = pattern.strip_suffix('*') {
        s.starts_with(p)
    } else if let Some(p) = pattern.strip_prefix('*') {
        s.ends_with(p)
    } else {
        pattern == s
    }
}

fn group_version(api_version: &str) -> (&str, &str) {
    match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    }
}

/// An instance of a template's kind.
#[derive(Debug, Clone, Serialize)]
pub struct Constraint {
    pub kind: String,
    pub name: String,
    pub file: String,
    #[serde(rename = "match")]
    pub match_: Match,
    /// `spec.parameters`, `{}` when absent.
    pub parameters: Value,
    /// `spec.enforcementAction`, `deny` when absent (`dryrun`, `warn`, `scoped`…).
    pub enforcement_action: String,
    /// `spec.scopedEnforcementActions` as written, for `enforcementAction: scoped`.
    pub scoped_enforcement_actions: Value,
    /// Fields Gatekeeper does not know, ignored (`unknown field spec.match.namespace (ignored)`).
    pub warnings: Vec<String>,
}

/// Reads every constraint (`constraints.gatekeeper.sh/*`) of a YAML text; other documents are skipped.
pub fn load_constraints(file: &str, text: &str) -> Result<Vec<Constraint>, RegoError> {
    let mut out = Vec::new();
    for doc in documents(file, text)? {
        if !str_at(&doc, &["apiVersion"]).starts_with("constraints.gatekeeper.sh/") {
            continue;
        }
        out.push(constraint_from_value(file, &doc)?);
    }
    Ok(out)
}

/// One constraint from its parsed object.
pub fn constraint_from_value(file: &str, doc: &Value) -> Result<Constraint, RegoError> {
    let kind = str_at(doc, &["kind"]).to_string();
    let name = str_at(doc, &["metadata", "name"]).to_string();
    let invalid = |message: String| RegoError::Invalid {
        file: file.to_string(),
        policy: format!("{kind} {name:?}"),
        message,
    };
    if kind.is_empty() {
        return Err(invalid("kind is missing".into()));
    }
    let match_ = Match::parse(doc["spec"].get("match")).map_err(invalid)?;
    let parameters = match doc["spec"].get("parameters") {
        None | Some(Value::Null) => json!({}),
        Some(p) => p.clone(),
    };
    let enforcement_action = match doc["spec"].get("enforcementAction") {
        None | Some(Value::Null) => "deny".to_string(),
        Some(Value::String(s)) if s.is_empty() => "deny".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(invalid("spec.enforcementAction is not a string".into())),
    };
    let mut warnings = Vec::new();
    unknown_fields(
        &doc["spec"],
        "spec",
        &[
            "match",
            "parameters",
            "enforcementAction",
            "scopedEnforcementActions",
        ],
        &mut warnings,
    );
    if let Some(m) = doc["spec"].get("match") {
        unknown_fields(
            m,
            "spec.match",
            &[
                "kinds",
                "namespaces",
                "excludedNamespaces",
                "labelSelector",
                "namespaceSelector",
                "scope",
                "name",
                "source",
            ],
            &mut warnings,
        );
    }
    Ok(Constraint {
        warnings,
        kind,
        name,
        file: file.to_string(),
        match_,
        parameters,
        enforcement_action,
        scoped_enforcement_actions: doc["spec"]
            .get("scopedEnforcementActions")
            .cloned()
            .unwrap_or(Value::Null),
    })
}

/// `data.inventory` as Gatekeeper syncs it: `cluster[groupVersion][kind][name]` for cluster-scoped objects and
/// `namespace[ns][groupVersion][kind][name]` for namespaced ones.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    data: Map<String, Value>,
}

impl Inventory {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// An inventory of `objects` (a `List` is unpacked).
    pub fn from_objects<'a>(objects: impl IntoIterator<Item = &'a Value>) -> Result<Self, String> {
        let mut inv = Self::new();
        for o in objects {
            inv.add(o)?;
        }
        Ok(inv)
    }

    /// Adds one object (replacing one of the same key); a `kind: …List` with `items` adds each item.
    pub fn add(&mut self, obj: &Value) -> Result<(), String> {
        let kind = str_at(obj, &["kind"]);
        if kind.ends_with("List")
            && let Some(items) = obj.get("items").and_then(Value::as_array)
        {
            for i in items {
                self.add(i)?;
            }
            return Ok(());
        }
        let gv = str_at(obj, &["apiVersion"]);
        let name = str_at(obj, &["metadata", "name"]);
        if gv.is_empty() || kind.is_empty() {
            return Err(format!(
                "inventory object {name:?} has no apiVersion or kind"
            ));
        }
        let ns = str_at(obj, &["metadata", "namespace"]);
        let root = if ns.is_empty() {
            entry(&mut self.data, "cluster")
        } else {
            entry(entry(&mut self.data, "namespace"), ns)
        };
        entry(entry(root, gv), kind).insert(name.to_string(), obj.clone());
        Ok(())
    }

    /// The inventory as `data.inventory` sees it.
    #[must_use]
    pub fn to_value(&self) -> Value {
        Value::Object(self.data.clone())
    }

    /// The Namespace object `name`, if synced.
    #[must_use]
    pub fn namespace(&self, name: &str) -> Option<&Value> {
        self.data
            .get("cluster")?
            .get("v1")?
            .get("Namespace")?
            .get(name)
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

fn entry<'a>(m: &'a mut Map<String, Value>, k: &str) -> &'a mut Map<String, Value> {
    let v = m
        .entry(k.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    v.as_object_mut().expect("object")
}

/// The review Gatekeeper evaluates: `input.review`, and the object `spec.match` looks at.
#[derive(Debug, Clone)]
pub struct Review {
    /// `input.review`: an `AdmissionRequest`.
    pub request: Value,
    /// The object matched against `spec.match`: the request's `object`, or its `oldObject` for a DELETE.
    pub object: Value,
}

/// Builds the review: an `admission.k8s.io` `AdmissionReview` is taken as its `request` (operation, userInfo
/// and oldObject as given, fields Gatekeeper's decoder would default filled in); any other object becomes the
/// `object` of a request built as Gatekeeper's `unstructuredToAdmissionRequest` does (kind, name, namespace;
/// operation empty).
pub fn build_review(object: &Value) -> Result<Review, String> {
    if !object.is_object() {
        return Err("the object under review is not a map".into());
    }
    if str_at(object, &["kind"]) == "AdmissionReview"
        && str_at(object, &["apiVersion"]).starts_with("admission.k8s.io/")
    {
        let req = object
            .get("request")
            .filter(|r| r.is_object())
            .ok_or("the AdmissionReview has no request")?;
        let mut req = req.as_object().cloned().unwrap_or_default();
        let obj = req.get("object").cloned().filter(|o| !o.is_null());
        let old = req.get("oldObject").cloned().filter(|o| !o.is_null());
        let Some(matched) = obj.clone().or(old) else {
            return Err("the AdmissionReview request has neither object nor oldObject".into());
        };
        // Defaults of Go's AdmissionRequest JSON encoding, which Gatekeeper hands to Rego.
        for (k, v) in [
            ("uid", json!("")),
            ("kind", json!({"group": "", "version": "", "kind": ""})),
            (
                "resource",
                json!({"group": "", "version": "", "resource": ""}),
            ),
            ("operation", json!("")),
            ("userInfo", json!({})),
            ("object", Value::Null),
            ("oldObject", Value::Null),
            ("options", Value::Null),
        ] {
            req.entry(k).or_insert(v);
        }
        return Ok(Review {
            request: Value::Object(req),
            object: matched,
        });
    }
    let (group, version) = group_version(str_at(object, &["apiVersion"]));
    let mut req = Map::new();
    req.insert("uid".into(), json!(""));
    req.insert(
        "kind".into(),
        json!({"group": group, "version": version, "kind": str_at(object, &["kind"])}),
    );
    req.insert(
        "resource".into(),
        json!({"group": "", "version": "", "resource": ""}),
    );
    let name = str_at(object, &["metadata", "name"]);
    if !name.is_empty() {
        req.insert("name".into(), json!(name));
    }
    let ns = str_at(object, &["metadata", "namespace"]);
    if !ns.is_empty() {
        req.insert("namespace".into(), json!(ns));
    }
    req.insert("operation".into(), json!(""));
    req.insert("userInfo".into(), json!({}));
    req.insert("object".into(), object.clone());
    req.insert("oldObject".into(), Value::Null);
    req.insert("options".into(), Value::Null);
    Ok(Review {
        request: Value::Object(req),
        object: object.clone(),
    })
}

/// What an engine is given for one (template, constraint, review).
#[derive(Debug, Clone, Copy)]
pub struct EngineInput<'a> {
    pub template: &'a ConstraintTemplate,
    pub constraint: &'a Constraint,
    /// `input.review`.
    pub review: &'a Value,
    /// `input.parameters`.
    pub parameters: &'a Value,
    pub inventory: &'a Inventory,
    /// The object's Namespace, when known (CEL's `namespaceObject`).
    pub namespace: Option<&'a Value>,
}

/// A violation as an engine reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RawViolation {
    pub msg: String,
    /// `details` from the Rego result; null for none.
    pub details: Value,
}

/// An engine that can evaluate one kind of template code (`engine:` name).
pub trait TemplateEngine: Send + Sync {
    /// The `engine:` value of the code it evaluates (`Rego`, `K8sNativeValidation`).
    fn engine(&self) -> &str;
    /// The violations of one review.
    fn evaluate(&self, input: &EngineInput<'_>) -> Result<Vec<RawViolation>, RegoError>;
}

/// The Rego engine: `data.<package>.violation` with `input = {review, parameters}` and `data.inventory`.
#[derive(Debug, Clone, Copy, Default)]
pub struct RegoEngine;

impl TemplateEngine for RegoEngine {
    fn engine(&self) -> &str {
        ENGINE_REGO
    }

    fn evaluate(&self, input: &EngineInput<'_>) -> Result<Vec<RawViolation>, RegoError> {
        let t = input.template;
        let program = t.rego().ok_or_else(|| RegoError::Invalid {
            file: t.file.clone(),
            policy: format!("ConstraintTemplate {:?}", t.name),
            message: "has no Rego code".into(),
        })?;
        let package = &program.packages()[0];
        let rego_input = json!({"review": input.review, "parameters": input.parameters});
        // An empty inventory is left out of `data` (an undefined `data.inventory` reads as an empty one in
        // every library template): adding data makes regorus prepare the modules again.
        let data =
            (!input.inventory.is_empty()).then(|| json!({"inventory": input.inventory.to_value()}));
        let result = program.eval(&format!("{package}.violation"), &rego_input, data.as_ref())?;
        let items = match result {
            Value::Null => Vec::new(),
            Value::Array(a) => a,
            other => {
                return Err(RegoError::Eval {
                    policy: program.policy().to_string(),
                    message: format!("`violation` is not a set: {other}"),
                });
            }
        };
        Ok(items
            .into_iter()
            .map(|v| RawViolation {
                msg: match v.get("msg") {
                    Some(Value::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                    None => String::new(),
                },
                details: v.get("details").cloned().unwrap_or(Value::Null),
            })
            .collect())
    }
}

/// A violation of a constraint by one object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    pub msg: String,
    pub details: Value,
    /// The constraint's `enforcementAction` (`deny`, `dryrun`, `warn`, `scoped`).
    pub enforcement_action: String,
    pub constraint_kind: String,
    pub constraint_name: String,
    /// The engine that produced it.
    pub engine: String,
}

/// The result of one constraint on one object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Why the object is out of scope (`spec.match`); no engine ran then.
    pub skipped: Option<String>,
    pub violations: Vec<Violation>,
    /// The engine that ran; empty when skipped.
    pub engine: String,
}

/// The outcome of one constraint on one object, in the shape the policy crate's results use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Outcome {
    Pass,
    Fail,
    /// Out of scope (`Evaluation::skipped` says why).
    Skip,
}

impl Evaluation {
    /// Pass (in scope, no violation), Fail (violations) or Skip (out of scope).
    #[must_use]
    pub fn outcome(&self) -> Outcome {
        if self.skipped.is_some() {
            Outcome::Skip
        } else if self.violations.is_empty() {
            Outcome::Pass
        } else {
            Outcome::Fail
        }
    }
}

/// Templates by constraint kind, and the engines to run them with, in order of preference.
#[derive(Clone)]
pub struct Gatekeeper {
    templates: BTreeMap<String, ConstraintTemplate>,
    engines: Vec<Arc<dyn TemplateEngine>>,
    limits: Limits,
}

impl std::fmt::Debug for Gatekeeper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gatekeeper")
            .field("templates", &self.templates.keys().collect::<Vec<_>>())
            .field(
                "engines",
                &self.engines.iter().map(|e| e.engine()).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl Default for Gatekeeper {
    fn default() -> Self {
        Self::new()
    }
}

impl Gatekeeper {
    /// No templates; the Rego engine only.
    #[must_use]
    pub fn new() -> Self {
        Self::with_engines(vec![Arc::new(RegoEngine)])
    }

    /// No templates; `engines` in order of preference (a template runs on the first engine it has code for).
    #[must_use]
    pub fn with_engines(engines: Vec<Arc<dyn TemplateEngine>>) -> Self {
        Self {
            templates: BTreeMap::new(),
            engines,
            limits: Limits::default(),
        }
    }

    /// The evaluation budget used for templates loaded from now on.
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Loads every ConstraintTemplate of a YAML text; returns their constraint kinds. A template of a kind
    /// already loaded replaces it.
    pub fn load_templates(&mut self, file: &str, text: &str) -> Result<Vec<String>, RegoError> {
        let ts = load_templates(file, text, self.limits)?;
        Ok(ts.into_iter().map(|t| self.add_template(t)).collect())
    }

    /// Adds a template; returns its constraint kind.
    pub fn add_template(&mut self, t: ConstraintTemplate) -> String {
        let k = t.kind.clone();
        self.templates.insert(k.clone(), t);
        k
    }

    /// The template of a constraint kind.
    #[must_use]
    pub fn template(&self, kind: &str) -> Option<&ConstraintTemplate> {
        self.templates.get(kind)
    }

    /// Every template, by kind.
    pub fn templates(&self) -> impl Iterator<Item = &ConstraintTemplate> {
        self.templates.values()
    }

    /// Evaluates `constraint` on `object` (a Kubernetes object or an `AdmissionReview`), with `inventory` as
    /// `data.inventory` (and the source of Namespace objects for `namespaceSelector`).
    pub fn evaluate(
        &self,
        constraint: &Constraint,
        object: &Value,
        inventory: &Inventory,
    ) -> Result<Evaluation, RegoError> {
        let policy = format!("{} {:?}", constraint.kind, constraint.name);
        let template = self
            .templates
            .get(&constraint.kind)
            .ok_or_else(|| RegoError::Invalid {
                file: constraint.file.clone(),
                policy: policy.clone(),
                message: format!("no ConstraintTemplate defines kind {}", constraint.kind),
            })?;
        let review = build_review(object).map_err(|m| RegoError::Invalid {
            file: constraint.file.clone(),
            policy: policy.clone(),
            message: m,
        })?;
        // An admission request carries the namespace beside the object, whose own metadata may omit it (a
        // CREATE through a namespaced URL): match on the request's, as the API server would have set it.
        let req_ns = str_at(&review.request, &["namespace"]);
        let patched;
        let matched = if !req_ns.is_empty()
            && str_at(&review.object, &["metadata", "namespace"]).is_empty()
            && review.object["metadata"].is_object()
        {
            let mut o = review.object.clone();
            o["metadata"]["namespace"] = json!(req_ns);
            patched = o;
            &patched
        } else {
            &review.object
        };
        let ns_name = str_at(matched, &["metadata", "namespace"]);
        let namespace = if ns_name.is_empty() {
            None
        } else {
            inventory.namespace(ns_name)
        };
        match constraint.match_.check(matched, namespace) {
            Err(message) => return Err(RegoError::Match { policy, message }),
            Ok(Err(reason)) => {
                return Ok(Evaluation {
                    skipped: Some(reason),
                    violations: Vec::new(),
                    engine: String::new(),
                });
            }
            Ok(Ok(())) => {}
        }
        let engine = self
            .engines
            .iter()
            .find(|e| template.code_for(e.engine()).is_some())
            .ok_or_else(|| RegoError::Invalid {
                file: template.file.clone(),
                policy: format!("ConstraintTemplate {:?}", template.name),
                message: format!(
                    "has code for {:?}, and no engine here runs any of them",
                    template.engines().collect::<Vec<_>>()
                ),
            })?;
        let input = EngineInput {
            template,
            constraint,
            review: &review.request,
            parameters: &constraint.parameters,
            inventory,
            namespace,
        };
        let raw = engine.evaluate(&input)?;
        Ok(Evaluation {
            skipped: None,
            violations: raw
                .into_iter()
                .map(|r| Violation {
                    msg: r.msg,
                    details: r.details,
                    enforcement_action: constraint.enforcement_action.clone(),
                    constraint_kind: constraint.kind.clone(),
                    constraint_name: constraint.name.clone(),
                    engine: engine.engine().to_string(),
                })
                .collect(),
            engine: engine.engine().to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(yaml: &str) -> Match {
        let v: Value = crate::yaml::documents("m.yaml", yaml).unwrap().remove(0);
        Match::parse(Some(&v)).unwrap()
    }

    #[allow(clippy::needless_pass_by_value)] // json!() arguments read best inline
    fn pod(ns: &str, labels: Value) -> Value {
        let mut p = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1", "labels": labels}});
        if !ns.is_empty() {
            p["metadata"]["namespace"] = json!(ns);
        }
        p
    }

    #[test]
    fn kinds_groups_and_wildcards() {
        let k = m(
            "kinds: [{apiGroups: [apps], kinds: [Deployment]}, {apiGroups: ['*'], kinds: [Pod]}]",
        );
        assert!(k.check(&pod("a", json!({})), None).unwrap().is_ok());
        let deploy =
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}});
        assert!(k.check(&deploy, None).unwrap().is_ok());
        let ext = json!({"apiVersion": "extensions/v1beta1", "kind": "Deployment", "metadata": {"name": "d"}});
        assert!(
            k.check(&ext, None)
                .unwrap()
                .unwrap_err()
                .contains("spec.match.kinds")
        );
        // An entry without kinds matches every kind of its groups.
        let any = m("kinds: [{apiGroups: ['']}]");
        assert!(any.check(&pod("a", json!({})), None).unwrap().is_ok());
    }

    #[test]
    fn namespaces_prefix_suffix_and_cluster_scoped_objects() {
        let n = m("namespaces: [kube-*, '*-system', prod]\nexcludedNamespaces: [kube-public]");
        assert!(
            n.check(&pod("kube-node-lease", json!({})), None)
                .unwrap()
                .is_ok()
        );
        assert!(
            n.check(&pod("gatekeeper-system", json!({})), None)
                .unwrap()
                .is_ok()
        );
        assert!(n.check(&pod("prod", json!({})), None).unwrap().is_ok());
        assert!(n.check(&pod("dev", json!({})), None).unwrap().is_err());
        assert!(
            n.check(&pod("kube-public", json!({})), None)
                .unwrap()
                .is_err()
        );
        // No namespace: cluster-scoped for the matcher, neither list disqualifies it (as gator does).
        assert!(n.check(&pod("", json!({})), None).unwrap().is_ok());
        // A Namespace is matched on its own name.
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dev"}});
        assert!(n.check(&ns, None).unwrap().is_err());
    }

    #[test]
    fn scope_and_name() {
        let c = m("scope: Cluster");
        assert!(c.check(&pod("a", json!({})), None).unwrap().is_err());
        assert!(c.check(&pod("", json!({})), None).unwrap().is_ok());
        let n = m("scope: Namespaced\nname: web-*");
        assert!(n.check(&pod("a", json!({})), None).unwrap().is_ok());
        assert!(n.check(&pod("", json!({})), None).unwrap().is_err());
        let other = m("name: '*-2'");
        assert!(other.check(&pod("a", json!({})), None).unwrap().is_err());
    }

    #[test]
    fn label_and_namespace_selectors() {
        let l = m(
            "labelSelector:\n  matchLabels: {app: web}\n  matchExpressions:\n  - {key: tier, operator: NotIn, values: [db]}\n  - {key: owner, operator: Exists}",
        );
        assert!(
            l.check(&pod("a", json!({"app": "web", "owner": "x"})), None)
                .unwrap()
                .is_ok()
        );
        assert!(
            l.check(
                &pod("a", json!({"app": "web", "owner": "x", "tier": "db"})),
                None
            )
            .unwrap()
            .is_err()
        );
        assert!(
            l.check(&pod("a", json!({"app": "web"})), None)
                .unwrap()
                .is_err()
        );
        assert!(
            Match::parse(Some(
                &json!({"labelSelector": {"matchExpressions": [{"key": "a", "operator": "In"}]}})
            ))
            .is_err()
        );

        let s =
            m("namespaceSelector: {matchExpressions: [{key: env, operator: In, values: [prod]}]}");
        let prod = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a", "labels": {"env": "prod"}}});
        assert!(s.check(&pod("a", json!({})), Some(&prod)).unwrap().is_ok());
        let dev = json!({"metadata": {"name": "a", "labels": {"env": "dev"}}});
        assert!(s.check(&pod("a", json!({})), Some(&dev)).unwrap().is_err());
        // Without the Namespace object the match cannot be decided offline: an error, as in Gatekeeper.
        assert!(
            s.check(&pod("a", json!({})), None)
                .unwrap_err()
                .contains("not in the inventory")
        );
        // Cluster-scoped objects are not subject to it.
        assert!(s.check(&pod("", json!({})), None).unwrap().is_ok());
        assert!(s.check(&prod, None).unwrap().is_ok());
    }

    #[test]
    fn reviews_as_gatekeeper_builds_them() {
        let r = build_review(&json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d", "namespace": "n"}}))
        .unwrap();
        assert_eq!(
            r.request["kind"],
            json!({"group": "apps", "version": "v1", "kind": "Deployment"})
        );
        assert_eq!(r.request["name"], "d");
        assert_eq!(r.request["namespace"], "n");
        assert_eq!(r.request["operation"], "");
        assert_eq!(r.request["object"]["metadata"]["name"], "d");
        assert!(r.request["oldObject"].is_null());

        let ar = json!({"apiVersion": "admission.k8s.io/v1beta1", "kind": "AdmissionReview",
            "request": {"operation": "UPDATE", "userInfo": {"username": "alice"},
                        "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}}});
        let r = build_review(&ar).unwrap();
        assert_eq!(r.request["operation"], "UPDATE");
        assert_eq!(r.request["userInfo"]["username"], "alice");
        assert_eq!(r.request["kind"]["kind"], "");
        assert_eq!(r.object["kind"], "Pod");
        let del = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"operation": "DELETE", "oldObject": {"kind": "Pod"}}});
        assert_eq!(build_review(&del).unwrap().object["kind"], "Pod");
        let empty =
            json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {}});
        assert!(build_review(&empty).is_err());
    }

    #[test]
    fn an_admission_request_matches_on_its_namespace() {
        let t = r#"
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: always}
spec:
  crd: {spec: {names: {kind: Always}}}
  targets:
  - target: admission.k8s.gatekeeper.sh
    rego: |
      package always
      violation[{"msg": input.review.namespace}] { true }
"#;
        let mut gk = Gatekeeper::new();
        gk.load_templates("t.yaml", t).unwrap();
        let c = constraint_from_value(
            "c.yaml",
            &json!({"apiVersion": "constraints.gatekeeper.sh/v1beta1",
            "kind": "Always", "metadata": {"name": "c"},
            "spec": {"match": {"namespaceSelector": {"matchLabels": {"env": "prod"}}}}}),
        )
        .unwrap();
        let review = |ns: &str| {
            json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"operation": "CREATE", "namespace": ns,
                        "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}}})
        };
        let inv = Inventory::from_objects(&[
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "labels": {"env": "prod"}}}),
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "lab", "labels": {"env": "dev"}}}),
        ])
        .unwrap();
        let e = gk.evaluate(&c, &review("shop"), &inv).unwrap();
        assert_eq!(e.violations[0].msg, "shop");
        assert_eq!(
            gk.evaluate(&c, &review("lab"), &inv).unwrap().outcome(),
            Outcome::Skip
        );
        assert!(matches!(
            gk.evaluate(&c, &review("gone"), &inv),
            Err(RegoError::Match { .. })
        ));
    }

    #[test]
    fn inventory_layout() {
        let inv = Inventory::from_objects(&[
            json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "fast"}}),
            json!({"apiVersion": "v1", "kind": "List", "items": [
                {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "pdb", "namespace": "shop"}},
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "labels": {"env": "prod"}}}
            ]}),
        ])
        .unwrap();
        let v = inv.to_value();
        assert_eq!(
            v["cluster"]["storage.k8s.io/v1"]["StorageClass"]["fast"]["metadata"]["name"],
            "fast"
        );
        assert_eq!(
            v["namespace"]["shop"]["policy/v1"]["PodDisruptionBudget"]["pdb"]["kind"],
            "PodDisruptionBudget"
        );
        assert_eq!(
            inv.namespace("shop").unwrap()["metadata"]["labels"]["env"],
            "prod"
        );
        assert!(Inventory::from_objects(&[json!({"metadata": {"name": "x"}})]).is_err());
    }

    #[test]
    fn template_forms_and_the_cel_source_kept() {
        let both = r#"
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: t, annotations: {metadata.gatekeeper.sh/version: 1.0.0}}
spec:
  crd: {spec: {names: {kind: T}}}
  targets:
  - target: admission.k8s.gatekeeper.sh
    code:
    - engine: K8sNativeValidation
      source:
        validations: [{expression: "has(object.metadata.labels)", message: "no labels"}]
    - engine: Rego
      source:
        rego: |
          package t
          import data.lib.helper.has_labels
          violation[{"msg": "no labels"}] { not has_labels(input.review.object) }
        libs:
        - |
          package lib.helper
          has_labels(o) { o.metadata.labels }
"#;
        let t = load_templates("t.yaml", both, Limits::default())
            .unwrap()
            .remove(0);
        assert_eq!(t.kind, "T");
        assert_eq!(t.version.as_deref(), Some("1.0.0"));
        assert_eq!(
            t.engines().collect::<Vec<_>>(),
            ["K8sNativeValidation", "Rego"]
        );
        assert_eq!(
            t.code_for(ENGINE_CEL).unwrap().source["validations"][0]["expression"],
            "has(object.metadata.labels)"
        );
        let mut gk = Gatekeeper::new();
        gk.add_template(t);
        let c = constraint_from_value(
            "c.yaml",
            &json!({"apiVersion": "constraints.gatekeeper.sh/v1beta1",
            "kind": "T", "metadata": {"name": "c"}}),
        )
        .unwrap();
        assert_eq!(c.enforcement_action, "deny");
        assert!(c.warnings.is_empty() && gk.template("T").unwrap().warnings.is_empty());
        let typo = constraint_from_value("c.yaml", &json!({"apiVersion": "constraints.gatekeeper.sh/v1beta1",
            "kind": "T", "metadata": {"name": "c"}, "spec": {"match": {"namespace": ["a"]}, "paramaters": {}}})).unwrap();
        assert_eq!(
            typo.warnings,
            [
                "unknown field spec.paramaters (ignored)",
                "unknown field spec.match.namespace (ignored)"
            ]
        );
        let unlabelled = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}});
        let e = gk.evaluate(&c, &unlabelled, &Inventory::new()).unwrap();
        assert_eq!(e.violations.len(), 1);
        assert_eq!(e.outcome(), Outcome::Fail);
        assert_eq!(e.engine, "Rego");
        assert!(
            gk.evaluate(&c, &pod("a", json!({"x": "y"})), &Inventory::new())
                .unwrap()
                .violations
                .is_empty()
        );

        // CEL only: no engine here runs it, said so.
        let cel_only = both.replace("    - engine: Rego\n", "    - engine: Other\n");
        let mut gk = Gatekeeper::new();
        gk.load_templates("t.yaml", &cel_only).unwrap();
        let err = gk
            .evaluate(&c, &pod("a", Value::Null), &Inventory::new())
            .unwrap_err();
        assert!(err.to_string().contains("no engine here runs"), "{err}");

        let bad = both.replace("admission.k8s.gatekeeper.sh", "other.target");
        assert!(
            load_templates("t.yaml", &bad, Limits::default())
                .unwrap_err()
                .to_string()
                .contains("target")
        );
    }
}
