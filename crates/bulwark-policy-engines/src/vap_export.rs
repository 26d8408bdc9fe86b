//! `bulwark policy export-vap`: the CEL-expressible parts of a bundle at one stage as Kubernetes
//! `ValidatingAdmissionPolicy` + `ValidatingAdmissionPolicyBinding` objects (`admissionregistration.k8s.io/v1`),
//! so a cluster keeps a backstop while the webhook is down.
//!
//! What is exported (docs/export-vap.md has the full story):
//! - the bundle's own `ValidatingAdmissionPolicy` documents that apply at the stage, with their bindings and the
//!   parameter objects their `paramKind` names;
//! - Kyverno `ValidatingPolicy` documents, converted the way Kyverno's own generator does (`vpol-<name>`: match
//!   constraints, match conditions, variables, validations and audit annotations copied; a binding with the
//!   policy's `validationActions`), refused when they read Kyverno-only libraries or JSON payloads;
//! - lifecycle rules whose `kubernetes:` selector picks Pod Security Standards checks: one policy per rule, one
//!   validation per check, written here with the pod spec of Pods and of every pod controller's template.
//!
//! Everything else is listed in [`Export::skipped`] with the reason. Stage actions map to `validationActions`:
//! `fail` → `Deny`, `warn` → `Warn`, `info` → `Audit`.

use std::collections::{BTreeMap, BTreeSet};

use bulwark_k8s::pss::Level;
use bulwark_policy::{Action, Bundle, CheckFacts, EngineError, Instant, RawDocument, Rule, Stage};
use serde_json::{Map, Value as Json, json};

use crate::common::{STAGES_ANNOTATION, Stages};

/// The label every exported object carries.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "bulwark");

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// The stage whose actions become `validationActions` (`deploy` for admission).
    pub stage: Stage,
    /// The time exceptions expire against.
    pub now: Instant,
    /// Namespaces the generated policies never judge (a `matchCondition` on `request.namespace`), as `bulwark
    /// serve` exempts them, so the backstop cannot block the cluster's own recovery.
    pub exempt_namespaces: Vec<String>,
}

/// One part of the bundle that was not exported, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Skipped {
    /// `rule 'no-root' (rules/web.yaml:6)`, `ConstraintTemplate k8srequiredlabels (gk.yaml:1)`…
    pub what: String,
    pub reason: String,
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.what, self.reason)
    }
}

/// The result: objects in a stable order (policies, each followed by its bindings, then parameter objects) and
/// what was left out.
#[derive(Debug, Clone, Default)]
pub struct Export {
    pub objects: Vec<Json>,
    pub skipped: Vec<Skipped>,
    /// Header lines (bundle, stage) for the YAML comment.
    pub header: Vec<String>,
}

impl Export {
    /// Number of `ValidatingAdmissionPolicy` objects.
    #[must_use]
    pub fn policies(&self) -> usize {
        self.objects
            .iter()
            .filter(|o| o["kind"] == "ValidatingAdmissionPolicy")
            .count()
    }

    /// The multi-document YAML: a comment header (bundle, stage, every part not exported with its reason), then
    /// one document per object. Deterministic: keys sorted, objects in [`Export::objects`] order.
    #[must_use]
    pub fn to_yaml(&self) -> String {
        let mut out = String::new();
        for h in &self.header {
            out.push_str("# ");
            out.push_str(h);
            out.push('\n');
        }
        if self.skipped.is_empty() {
            out.push_str("# Not exported: nothing.\n");
        } else {
            out.push_str("# Not exported:\n");
            for s in &self.skipped {
                for (i, line) in s.to_string().lines().enumerate() {
                    out.push_str(if i == 0 { "#   - " } else { "#     " });
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
        for o in &self.objects {
            out.push_str("---\n");
            yaml(o, 0, &mut out);
        }
        out
    }
}

// ------------------------------------------------------------------------------------------------ YAML output

fn plain_key(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '-' | '_'))
        && k.starts_with(|c: char| c.is_ascii_alphabetic())
        && !matches!(
            k.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        )
}

fn scalar(v: &Json) -> Option<String> {
    match v {
        Json::Null => Some("null".into()),
        Json::Bool(b) => Some(b.to_string()),
        Json::Number(n) => Some(n.to_string()),
        Json::String(s) if plain_key(s) => Some(s.clone()),
        // A JSON string is a valid YAML double-quoted scalar.
        Json::String(s) => Some(Json::String(s.clone()).to_string()),
        Json::Array(a) if a.is_empty() => Some("[]".into()),
        Json::Object(m) if m.is_empty() => Some("{}".into()),
        _ => None,
    }
}

fn key(k: &str) -> String {
    if plain_key(k) {
        k.to_string()
    } else {
        Json::String(k.to_string()).to_string()
    }
}

/// Block-style YAML of `v` at `indent` spaces (a map or a list; scalars are written inline by the caller).
fn yaml(v: &Json, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Json::Object(m) => {
            for (k, v) in m {
                out.push_str(&pad);
                out.push_str(&key(k));
                out.push(':');
                if let Some(s) = scalar(v) {
                    out.push(' ');
                    out.push_str(&s);
                    out.push('\n');
                } else {
                    out.push('\n');
                    // Lists under a key are not indented further (the common Kubernetes style).
                    let inner = if v.is_array() { indent } else { indent + 2 };
                    yaml(v, inner, out);
                }
            }
        }
        Json::Array(a) => {
            for item in a {
                out.push_str(&pad);
                out.push_str("- ");
                if let Some(s) = scalar(item) {
                    out.push_str(&s);
                    out.push('\n');
                } else {
                    let mut inner = String::new();
                    yaml(item, indent + 2, &mut inner);
                    // The first line goes after the dash.
                    out.push_str(inner.trim_start_matches(' '));
                }
            }
        }
        other => {
            out.push_str(&pad);
            out.push_str(&scalar(other).unwrap_or_default());
            out.push('\n');
        }
    }
}

// ------------------------------------------------------------------------------------------------ names

/// A DNS subdomain name from `s`: lower case, other characters turned into `-`, at most 240 characters (room for
/// `-binding`).
fn dns_name(s: &str) -> String {
    let mut n: String = s
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    n.truncate(240);
    n.trim_matches(|c| c == '-' || c == '.').to_string()
}

fn prefixed(name: &str) -> String {
    let n = dns_name(name);
    if n.starts_with("bulwark-") {
        n
    } else {
        format!("bulwark-{n}")
    }
}

fn actions_of(a: Action) -> Vec<&'static str> {
    match a {
        Action::Fail => vec!["Deny"],
        Action::Warn => vec!["Warn"],
        Action::Info => vec!["Audit"],
    }
}

// ------------------------------------------------------------------------------------------------ export

struct Ctx<'a> {
    bundle: &'a Bundle,
    opts: &'a ExportOptions,
    out: Export,
    names: BTreeMap<(String, String), String>,
}

impl Ctx<'_> {
    fn skip(&mut self, what: impl Into<String>, reason: impl Into<String>) {
        self.out.skipped.push(Skipped {
            what: what.into(),
            reason: reason.into(),
        });
    }

    fn metadata(&self, name: &str, source: &str, extra: &[(&str, &str)]) -> Json {
        let info = &self.bundle.info;
        let mut ann = Map::new();
        ann.insert("bulwark.dev/bundle".into(), json!(info.name));
        if let Some(v) = &info.version {
            ann.insert("bulwark.dev/bundle-version".into(), json!(v));
        }
        ann.insert("bulwark.dev/bundle-digest".into(), json!(info.digest));
        ann.insert("bulwark.dev/source".into(), json!(source));
        ann.insert("bulwark.dev/stage".into(), json!(self.opts.stage.as_str()));
        for (k, v) in extra {
            ann.insert((*k).into(), json!(v));
        }
        json!({"name": name, "labels": {MANAGED_BY.0: MANAGED_BY.1}, "annotations": ann})
    }

    /// Records an object, refusing two objects of one kind with one name.
    fn push(&mut self, obj: Json, source: &str) -> Result<(), EngineError> {
        let kind = obj["kind"].as_str().unwrap_or_default().to_string();
        let name = obj["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let ns = obj["metadata"]["namespace"].as_str().unwrap_or_default();
        let key = (kind.clone(), format!("{ns}/{name}"));
        if let Some(first) = self.names.insert(key, source.to_string()) {
            let (file, line) = source
                .rsplit_once(':')
                .and_then(|(f, l)| Some((f.to_string(), l.parse().ok()?)))
                .unwrap_or_else(|| (source.to_string(), 0));
            return Err(EngineError {
                file,
                line,
                policy: format!("{kind} {name}"),
                message: format!(
                    "the export would hold two {kind} objects named '{name}' (the other from {first}); rename one"
                ),
            });
        }
        self.out.objects.push(obj);
        Ok(())
    }

    fn exempt_condition(&self) -> Option<Json> {
        if self.opts.exempt_namespaces.is_empty() {
            return None;
        }
        let list: Vec<String> = self
            .opts
            .exempt_namespaces
            .iter()
            .map(|n| cel_string(n))
            .collect();
        Some(json!({
            "name": "bulwark-exempt-namespaces",
            "expression": format!("!(request.namespace in [{}])", list.join(", ")),
        }))
    }

    /// Match conditions for the bundle's exceptions that cover `rule` (by id or policy name): a resource-only,
    /// non-expiring exception becomes `!(<Kind/namespace/name> matches <glob>)`; the others are listed.
    fn exception_conditions(&mut self, rule: &str, what: &str) -> Vec<Json> {
        let mut conds = Vec::new();
        let now = self.opts.now;
        let mut skipped = Vec::new();
        for e in &self.bundle.exceptions {
            if !(e.rules.is_empty() || e.rules.iter().any(|r| r == rule)) || e.is_expired(now) {
                continue;
            }
            let glob = e.resource_only();
            match (glob, &e.expires_text) {
                (Some(g), None) => conds.push(json!({
                    "name": dns_name(&format!("bulwark-exception-{}", e.id)),
                    "expression": format!(
                        "!((object.kind + '/' + (request.namespace != '' ? request.namespace + '/' : '') + (has(object.metadata.name) ? object.metadata.name : '')).matches({}))",
                        cel_string(&glob_regex(g))
                    ),
                })),
                (_, Some(exp)) => skipped.push(Skipped {
                    what: format!("exception '{}' ({}) of {what}", e.id, e.source),
                    reason: format!(
                        "expires {exp}: a ValidatingAdmissionPolicy cannot expire, so the exported policy denies what this exception accepts"
                    ),
                }),
                (None, None) => skipped.push(Skipped {
                    what: format!("exception '{}' ({}) of {what}", e.id, e.source),
                    reason: "selects by finding, purl, path or image, which a match condition on the object cannot express: the exported policy denies what this exception accepts".into(),
                }),
            }
        }
        self.out.skipped.extend(skipped);
        conds
    }
}

/// A CEL string literal.
fn cel_string(s: &str) -> String {
    let mut o = String::from("'");
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '\'' => o.push_str("\\'"),
            '\n' => o.push_str("\\n"),
            c => o.push(c),
        }
    }
    o.push('\'');
    o
}

/// The RE2 regular expression of a (non-path) bundle glob: `*` any run, `?` one character, anchored.
fn glob_regex(g: &str) -> String {
    let mut r = String::from("^");
    for c in g.chars() {
        match c {
            '*' => r.push_str(".*"),
            '?' => r.push('.'),
            c if "\\.+()[]{}|^$".contains(c) => {
                r.push('\\');
                r.push(c);
            }
            c => r.push(c),
        }
    }
    r.push('$');
    r
}

fn doc_what(doc: &RawDocument) -> String {
    match &doc.name {
        Some(n) => format!("{} {n} ({}:{})", doc.kind, doc.file, doc.line),
        None => format!("{} {}:{}", doc.kind, doc.file, doc.line),
    }
}

fn api_group(doc: &RawDocument) -> &str {
    doc.api_version
        .as_deref()
        .and_then(|a| a.split_once('/'))
        .map_or("", |(g, _)| g)
}

/// Exports `bundle` at `opts.stage`. Errors are for documents that cannot be read back (a malformed stage
/// annotation, two exported objects with one name); a part that merely cannot be expressed is a [`Skipped`].
pub fn export(bundle: &Bundle, opts: &ExportOptions) -> Result<Export, EngineError> {
    let mut cx = Ctx {
        bundle,
        opts,
        out: Export::default(),
        names: BTreeMap::new(),
    };
    let info = &bundle.info;
    cx.out.header = vec![
        "ValidatingAdmissionPolicy backstop generated by `bulwark policy export-vap`.".into(),
        format!(
            "Bundle: {} {} ({})",
            info.name,
            info.version.as_deref().unwrap_or("(no version)"),
            info.digest
        ),
        format!(
            "Stage: {} (fail -> Deny, warn -> Warn, info -> Audit). Exempt namespaces: {}.",
            opts.stage,
            if opts.exempt_namespaces.is_empty() {
                "none".to_string()
            } else {
                opts.exempt_namespaces.join(", ")
            }
        ),
    ];
    export_vaps(&mut cx)?;
    export_kyverno(&mut cx)?;
    export_lifecycle(&mut cx)?;
    for doc in &bundle.documents {
        let group = api_group(doc);
        if doc.kind == "ConstraintTemplate" || group == "constraints.gatekeeper.sh" {
            cx.skip(
                doc_what(doc),
                "Gatekeeper: evaluated by the webhook (Rego or Gatekeeper's CEL engine); not converted to a ValidatingAdmissionPolicy",
            );
        } else if doc.kind == "Rego" {
            cx.skip(
                doc_what(doc),
                "Rego (conftest) has no CEL form; evaluated by the webhook only",
            );
        }
    }
    Ok(cx.out)
}

// ---------------------------------------------------------------- (a) the bundle's own VAPs

fn is_vap(doc: &RawDocument, kind: &str) -> bool {
    api_group(doc) == "admissionregistration.k8s.io" && doc.kind == kind
}

/// Copies `metadata` fields the API server would refuse or that belong to another cluster away; keeps
/// labels and annotations (without the stage annotation), adds ours.
fn rebuilt(cx: &Ctx<'_>, doc: &RawDocument, name: &str, kind: &str) -> Json {
    let v = doc.value.clone().unwrap_or(Json::Null);
    let source = format!("{}:{}", doc.file, doc.line);
    let mut meta = cx.metadata(name, &source, &[]);
    if let Some(labels) = v.pointer("/metadata/labels").and_then(Json::as_object) {
        for (k, l) in labels {
            if let Some(m) = meta["labels"].as_object_mut() {
                m.entry(k.clone()).or_insert_with(|| l.clone());
            }
        }
    }
    if let Some(ann) = v.pointer("/metadata/annotations").and_then(Json::as_object) {
        for (k, a) in ann {
            if k != STAGES_ANNOTATION
                && let Some(m) = meta["annotations"].as_object_mut()
            {
                m.entry(k.clone()).or_insert_with(|| a.clone());
            }
        }
    }
    json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": kind,
        "metadata": meta,
        "spec": v.get("spec").cloned().unwrap_or_else(|| json!({})),
    })
}

fn export_vaps(cx: &mut Ctx<'_>) -> Result<(), EngineError> {
    let bundle = cx.bundle;
    let mut renamed: BTreeMap<String, String> = BTreeMap::new();
    let mut param_kinds: BTreeSet<(String, String)> = BTreeSet::new();
    let mut order = Vec::new();
    for doc in bundle
        .documents
        .iter()
        .filter(|d| is_vap(d, "ValidatingAdmissionPolicy"))
    {
        if !Stages::of(doc)?.applies(cx.opts.stage) {
            continue;
        }
        let Some(name) = doc.name.clone() else {
            cx.skip(doc_what(doc), "no metadata.name");
            continue;
        };
        let new = prefixed(&name);
        renamed.insert(name.clone(), new.clone());
        if let Some(pk) = doc
            .value
            .as_ref()
            .and_then(|v| v.pointer("/spec/paramKind"))
        {
            let s = |k: &str| pk.get(k).and_then(Json::as_str).unwrap_or("").to_string();
            param_kinds.insert((s("apiVersion"), s("kind")));
        }
        order.push((doc, name, new));
    }
    for (doc, name, new) in order {
        let mut obj = rebuilt(cx, doc, &new, "ValidatingAdmissionPolicy");
        let conds = cx.exception_conditions(&name, &format!("ValidatingAdmissionPolicy {name}"));
        if !conds.is_empty()
            && let Some(spec) = obj["spec"].as_object_mut()
        {
            let mc = spec.entry("matchConditions").or_insert_with(|| json!([]));
            if let Some(a) = mc.as_array_mut() {
                a.extend(conds);
            }
        }
        let source = format!("{}:{}", doc.file, doc.line);
        cx.push(obj, &source)?;
        let mut bound = false;
        for b in bundle
            .documents
            .iter()
            .filter(|d| is_vap(d, "ValidatingAdmissionPolicyBinding"))
        {
            let v = b.value.as_ref();
            if v.and_then(|v| v.pointer("/spec/policyName"))
                .and_then(Json::as_str)
                != Some(name.as_str())
            {
                continue;
            }
            let bname = prefixed(b.name.as_deref().unwrap_or(&name));
            let mut bobj = rebuilt(cx, b, &bname, "ValidatingAdmissionPolicyBinding");
            bobj["spec"]["policyName"] = json!(new);
            cx.push(bobj, &format!("{}:{}", b.file, b.line))?;
            bound = true;
        }
        if !bound {
            cx.skip(
                doc_what(doc),
                "exported, but no ValidatingAdmissionPolicyBinding in the bundle binds it: it has no effect until one does (the bundle does not apply it either)",
            );
        }
    }
    // Parameter objects of the kinds the exported policies read, as they are (bindings name them).
    for doc in &bundle.documents {
        let Some(v) = &doc.value else { continue };
        let pk = (
            doc.api_version.clone().unwrap_or_default(),
            doc.kind.clone(),
        );
        if param_kinds.contains(&pk) && !is_vap(doc, &doc.kind) {
            let mut obj = v.clone();
            if let Some(m) = obj.get_mut("metadata").and_then(Json::as_object_mut) {
                let labels = m.entry("labels").or_insert_with(|| json!({}));
                if let Some(l) = labels.as_object_mut() {
                    l.insert(MANAGED_BY.0.into(), json!(MANAGED_BY.1));
                }
            }
            cx.push(obj, &format!("{}:{}", doc.file, doc.line))?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- (b) Kyverno ValidatingPolicy

/// Identifiers Kyverno's CEL environment adds (`pkg/cel/compiler/keys.go` and its libraries) that the API
/// server's does not have: an expression using one cannot run as a ValidatingAdmissionPolicy.
const KYVERNO_ONLY: &[&str] = &[
    "globalContext",
    "http",
    "image",
    "imagedata",
    "images",
    "resource",
    "generator",
    "attestations",
    "attestors",
    "exceptions",
    "json",
    "yaml",
    "x509",
    "random",
];

/// The Kyverno-only identifiers an expression uses (outside string literals, not after a `.`).
fn kyverno_only_uses(expr: &str) -> Vec<&'static str> {
    let b = expr.as_bytes();
    let mut found = BTreeSet::new();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < b.len() {
        let c = b[i];
        if let Some(q) = quote {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        if c == b'\'' || c == b'"' {
            quote = Some(c);
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            let prev = expr[..start].trim_end().as_bytes().last().copied();
            let next = expr[i..].trim_start().as_bytes().first().copied();
            let word = &expr[start..i];
            if prev != Some(b'.')
                && matches!(next, Some(b'.' | b'('))
                && let Some(k) = KYVERNO_ONLY.iter().find(|k| **k == word)
            {
                found.insert(*k);
            }
            continue;
        }
        i += 1;
    }
    found.into_iter().collect()
}

/// Every CEL expression of a policy spec (validations, variables, match conditions, audit annotations).
fn expressions(spec: &Json) -> Vec<String> {
    let mut out = Vec::new();
    for (list, fields) in [
        ("validations", &["expression", "messageExpression"][..]),
        ("variables", &["expression"][..]),
        ("matchConditions", &["expression"][..]),
        ("auditAnnotations", &["valueExpression"][..]),
    ] {
        for item in spec
            .get(list)
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            for f in fields {
                if let Some(e) = item.get(*f).and_then(Json::as_str) {
                    out.push(e.to_string());
                }
            }
        }
    }
    out
}

/// Kyverno's autogen rewrite (`pkg/cel/autogen/replacement.go`): every `from` becomes `to`, except where `from`
/// is followed by `.namespace` (a pod template has no namespace of its own; the controller's is the pod's).
fn autogen_replace(text: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(from) {
        out.push_str(&rest[..i]);
        let after = &rest[i + from.len()..];
        let protected = after
            .strip_prefix(".namespace")
            .is_some_and(|n| !n.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'));
        out.push_str(if protected { from } else { to });
        rest = after;
    }
    out.push_str(rest);
    out
}

fn export_kyverno(cx: &mut Ctx<'_>) -> Result<(), EngineError> {
    let bundle = cx.bundle;
    for doc in bundle
        .documents
        .iter()
        .filter(|d| api_group(d) == "policies.kyverno.io" && d.kind == "ValidatingPolicy")
    {
        if !Stages::of(doc)?.applies(cx.opts.stage) {
            continue;
        }
        let what = doc_what(doc);
        let Some(name) = doc.name.clone() else {
            cx.skip(what, "no metadata.name");
            continue;
        };
        let v = doc.value.clone().unwrap_or(Json::Null);
        let spec = v.get("spec").cloned().unwrap_or_else(|| json!({}));
        let mode = spec
            .pointer("/evaluation/mode")
            .and_then(Json::as_str)
            .unwrap_or("Kubernetes");
        if mode != "Kubernetes" {
            cx.skip(
                what,
                format!("evaluation mode {mode}: a ValidatingAdmissionPolicy judges Kubernetes requests only"),
            );
            continue;
        }
        let Some(constraints) = spec.get("matchConstraints").cloned() else {
            cx.skip(
                what,
                "no matchConstraints (a ValidatingAdmissionPolicy requires them)",
            );
            continue;
        };
        let mut libs: BTreeSet<&str> = BTreeSet::new();
        for e in expressions(&spec) {
            libs.extend(kyverno_only_uses(&e));
        }
        if !libs.is_empty() {
            cx.skip(
                what,
                format!(
                    "uses Kyverno-only CEL ({}), which the API server does not have",
                    libs.into_iter().collect::<Vec<_>>().join(", ")
                ),
            );
            continue;
        }
        // Pod-controller autogen, as bulwark-cel (and Kyverno) apply it.
        let autogen = bulwark_cel::PolicySet::from_yaml(&doc.text, &doc.file)
            .ok()
            .and_then(|s| s.policies.into_iter().next())
            .map(|p| p.autogen_controllers)
            .unwrap_or_default();
        let vap_name = prefixed(&format!("vpol-{name}"));
        let source = format!("{}:{}", doc.file, doc.line);
        let mut s = Map::new();
        s.insert("matchConstraints".into(), constraints);
        for k in [
            "matchConditions",
            "variables",
            "validations",
            "auditAnnotations",
            "failurePolicy",
        ] {
            if let Some(x) = spec.get(k) {
                s.insert(k.into(), x.clone());
            }
        }
        let conds = cx.exception_conditions(&name, &format!("ValidatingPolicy {name}"));
        if !conds.is_empty() {
            let mc = s.entry("matchConditions").or_insert_with(|| json!([]));
            if let Some(a) = mc.as_array_mut() {
                a.extend(conds);
            }
        }
        let operations: Vec<Json> = {
            let mut ops: BTreeSet<String> = BTreeSet::new();
            for r in s["matchConstraints"]["resourceRules"]
                .as_array()
                .into_iter()
                .flatten()
            {
                for o in r["operations"].as_array().into_iter().flatten() {
                    if let Some(o) = o.as_str() {
                        ops.insert(o.to_string());
                    }
                }
            }
            if ops.is_empty() {
                ops.extend(["CREATE".to_string(), "UPDATE".to_string()]);
            }
            ops.into_iter().map(Json::String).collect()
        };
        let mut pod_spec = s.clone();
        pod_spec.remove("matchConstraints");
        let actions = spec
            .get("validationActions")
            .and_then(Json::as_array)
            .filter(|a| !a.is_empty())
            .cloned()
            .unwrap_or_else(|| vec![json!("Deny")]);
        let vap = json!({
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingAdmissionPolicy",
            "metadata": cx.metadata(&vap_name, &source, &[("bulwark.dev/kyverno-policy", name.as_str())]),
            "spec": s,
        });
        cx.push(vap, &source)?;
        let binding = json!({
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingAdmissionPolicyBinding",
            "metadata": cx.metadata(&format!("{vap_name}-binding"), &source, &[]),
            "spec": {"policyName": vap_name, "validationActions": actions.clone()},
        });
        cx.push(binding, &source)?;
        // Kyverno autogen, as Kyverno's engine applies it (`pkg/cel/autogen`): the same policy over the pod
        // templates of the controllers, with `object.spec` / `object.metadata` (and `oldObject.…`) rewritten to
        // the template's (`metadata.namespace` stays the controller's).
        for (suffix, group) in [("autogen", false), ("autogen-cronjobs", true)] {
            let mut rules = Vec::new();
            for (api_group, resources) in [
                (
                    "apps",
                    &["DaemonSet", "Deployment", "ReplicaSet", "StatefulSet"][..],
                ),
                ("batch", &["Job", "CronJob"][..]),
            ] {
                let res: Vec<String> = resources
                    .iter()
                    .filter(|k| (**k == "CronJob") == group && autogen.iter().any(|a| a == *k))
                    .map(|k| format!("{}s", k.to_ascii_lowercase()))
                    .collect();
                if !res.is_empty() {
                    rules.push(json!({"apiGroups": [api_group], "apiVersions": ["*"],
                        "operations": operations.clone(), "resources": res}));
                }
            }
            if rules.is_empty() {
                continue;
            }
            let (spec_to, meta_to) = if group {
                (
                    "spec.jobTemplate.spec.template.spec",
                    "spec.jobTemplate.spec.template.metadata",
                )
            } else {
                ("spec.template.spec", "spec.template.metadata")
            };
            let mut text = Json::Object(pod_spec.clone()).to_string();
            for (from, to) in [("spec", spec_to), ("metadata", meta_to)] {
                for root in ["object.", "oldObject."] {
                    text = autogen_replace(&text, &format!("{root}{from}"), &format!("{root}{to}"));
                }
            }
            let Ok(Json::Object(mut spec)) = serde_json::from_str::<Json>(&text) else {
                continue;
            };
            spec.insert("matchConstraints".into(), json!({"resourceRules": rules}));
            let ag_name = prefixed(&format!("vpol-{suffix}-{name}"));
            let vap = json!({
                "apiVersion": "admissionregistration.k8s.io/v1",
                "kind": "ValidatingAdmissionPolicy",
                "metadata": cx.metadata(&ag_name, &source, &[("bulwark.dev/kyverno-policy", name.as_str()), ("bulwark.dev/kyverno-autogen", suffix)]),
                "spec": spec,
            });
            cx.push(vap, &source)?;
            let binding = json!({
                "apiVersion": "admissionregistration.k8s.io/v1",
                "kind": "ValidatingAdmissionPolicyBinding",
                "metadata": cx.metadata(&format!("{ag_name}-binding"), &source, &[]),
                "spec": {"policyName": ag_name, "validationActions": actions.clone()},
            });
            cx.push(binding, &source)?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- (c) lifecycle rules → PSS checks

fn selector_reason(kind: &str) -> &'static str {
    match kind {
        "signatures" => {
            "image signatures and attestations need a registry lookup (the webhook does it: bulwark serve --verify-key)"
        }
        "vulnerabilities" | "packages" | "licenses" | "secrets" | "malware" | "files"
        | "database" | "checks" | "image" => {
            "reads the image's scan report or configuration, which an admission request does not carry"
        }
        _ => "not expressible in CEL",
    }
}

const POD_SPEC: &str = "object.kind == 'Pod' ? object.spec : object.kind == 'CronJob' ? object.spec.jobTemplate.spec.template.spec : object.spec.template.spec";

const HAS_POD_SPEC: &str = "object.kind == 'Pod' ? has(object.spec) : object.kind == 'CronJob' ? has(object.spec) && has(object.spec.jobTemplate) && has(object.spec.jobTemplate.spec) && has(object.spec.jobTemplate.spec.template) && has(object.spec.jobTemplate.spec.template.spec) : has(object.spec) && has(object.spec.template) && has(object.spec.template.spec)";

const POD_ANNOTATIONS: &str = "object.kind == 'Pod' ? (has(object.metadata.annotations) ? object.metadata.annotations : {}) : object.kind == 'CronJob' ? (has(object.spec.jobTemplate.spec.template.metadata) && has(object.spec.jobTemplate.spec.template.metadata.annotations) ? object.spec.jobTemplate.spec.template.metadata.annotations : {}) : (has(object.spec.template.metadata) && has(object.spec.template.metadata.annotations) ? object.spec.template.metadata.annotations : {})";

fn pod_variables() -> Json {
    json!([
        {"name": "podSpec", "expression": POD_SPEC},
        {"name": "containers", "expression": "(has(variables.podSpec.initContainers) ? variables.podSpec.initContainers : []) + (has(variables.podSpec.containers) ? variables.podSpec.containers : []) + (has(variables.podSpec.ephemeralContainers) ? variables.podSpec.ephemeralContainers : [])"},
        {"name": "podSecurityContext", "expression": "has(variables.podSpec.securityContext) ? variables.podSpec.securityContext : {}"},
        {"name": "podAnnotations", "expression": POD_ANNOTATIONS},
        {"name": "isWindows", "expression": "has(variables.podSpec.os) && has(variables.podSpec.os.name) && variables.podSpec.os.name == 'windows'"},
        {"name": "userNamespace", "expression": "has(variables.podSpec.hostUsers) && variables.podSpec.hostUsers == false"},
    ])
}

/// Pods and the built-in pod controllers, every version (`batch/v1beta1` CronJobs and `extensions/v1beta1`
/// DaemonSets still appear in manifests; the pod template is at the same path in each).
fn pod_match_constraints() -> Json {
    let ops = json!(["CREATE", "UPDATE"]);
    json!({"resourceRules": [
        {"apiGroups": [""], "apiVersions": ["*"], "operations": ops, "resources": ["pods", "replicationcontrollers"]},
        {"apiGroups": ["apps", "extensions"], "apiVersions": ["*"], "operations": ops, "resources": ["daemonsets", "deployments", "replicasets", "statefulsets"]},
        {"apiGroups": ["batch"], "apiVersions": ["*"], "operations": ops, "resources": ["cronjobs", "jobs"]},
    ]})
}

/// `has(c.securityContext) && has(c.securityContext.<path>)` for a dotted path.
fn c_has(path: &str) -> String {
    let mut out = String::from("has(c.securityContext)");
    let mut at = String::from("c.securityContext");
    for p in path.split('.') {
        at = format!("{at}.{p}");
        out.push_str(" && has(");
        out.push_str(&at);
        out.push(')');
    }
    out
}

fn p_has(path: &str) -> String {
    let mut out = Vec::new();
    let mut at = String::from("variables.podSecurityContext");
    for p in path.split('.') {
        at = format!("{at}.{p}");
        out.push(format!("has({at})"));
    }
    out.join(" && ")
}

fn list(items: &[&str]) -> String {
    let q: Vec<String> = items.iter().map(|s| cel_string(s)).collect();
    format!("[{}]", q.join(", "))
}

/// The CEL validations `(expression, what it requires)` of one bulwark-k8s PSS check at the newest policy
/// version, mirroring the check's code (crates/bulwark-k8s/src/rules/<name>/mod.rs). `levels` are the PSS levels
/// whose hits the rule selects (only `/proc Mount Type` reports at two levels). `None`: no CEL form written.
fn pss_validations(id: &str, levels: (bool, bool)) -> Option<Vec<(String, &'static str)>> {
    // The same list the checks use, so the exported CEL cannot drift from them.
    const BASELINE_CAPS: &[&str] = bulwark_k8s::rules::BASELINE_CAPABILITIES;
    let v = match id {
        // host_namespace_sharing
        "BW-K8S-0001" => vec![
            (
                "!(has(variables.podSpec.hostNetwork) && variables.podSpec.hostNetwork == true) && !(has(variables.podSpec.hostPID) && variables.podSpec.hostPID == true) && !(has(variables.podSpec.hostIPC) && variables.podSpec.hostIPC == true)".to_string(),
                "hostNetwork, hostPID and hostIPC must not be true (they share the node's namespaces)",
            ),
        ],
        // privileged_container
        "BW-K8S-0002" => vec![(
            format!("variables.containers.all(c, !({} && c.securityContext.privileged == true))", c_has("privileged")),
            "no container may set securityContext.privileged: true",
        )],
        // non_default_capabilities
        "BW-K8S-0003" => vec![(
            format!(
                "variables.containers.all(c, !({}) || c.securityContext.capabilities.add.all(cap, cap in {}))",
                c_has("capabilities.add"),
                list(BASELINE_CAPS)
            ),
            "securityContext.capabilities.add may only hold the baseline capabilities",
        )],
        // host_path_volume
        "BW-K8S-0004" => vec![(
            "!has(variables.podSpec.volumes) || variables.podSpec.volumes.all(v, !has(v.hostPath) || v.hostPath == null)".to_string(),
            "hostPath volumes are not allowed",
        )],
        // host_port
        "BW-K8S-0005" => vec![(
            "variables.containers.all(c, !has(c.ports) || c.ports.all(p, !has(p.hostPort) || p.hostPort == 0))".to_string(),
            "containers must not set ports[].hostPort",
        )],
        // unconfined_apparmor_profile
        "BW-K8S-0006" => vec![(
            format!(
                "(!has(variables.podSecurityContext.appArmorProfile) || ({} && variables.podSecurityContext.appArmorProfile.type in ['RuntimeDefault', 'Localhost'])) && variables.containers.all(c, !({}) || ({} && c.securityContext.appArmorProfile.type in ['RuntimeDefault', 'Localhost'])) && variables.podAnnotations.all(k, !k.startsWith('container.apparmor.security.beta.kubernetes.io/') || variables.podAnnotations[k] == null || variables.podAnnotations[k] == '' || variables.podAnnotations[k] == 'runtime/default' || string(variables.podAnnotations[k]).startsWith('localhost/'))",
                p_has("appArmorProfile.type"),
                c_has("appArmorProfile"),
                c_has("appArmorProfile.type")
            ),
            "AppArmor profiles must be RuntimeDefault or Localhost (no Unconfined)",
        )],
        // custom_selinux_options
        "BW-K8S-0007" => {
            let types = "['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']";
            vec![(
                format!(
                    "(!({p}) || ((!has(variables.podSecurityContext.seLinuxOptions.type) || variables.podSecurityContext.seLinuxOptions.type in {types}) && (!has(variables.podSecurityContext.seLinuxOptions.user) || variables.podSecurityContext.seLinuxOptions.user == '') && (!has(variables.podSecurityContext.seLinuxOptions.role) || variables.podSecurityContext.seLinuxOptions.role == ''))) && variables.containers.all(c, !({c}) || ((!has(c.securityContext.seLinuxOptions.type) || c.securityContext.seLinuxOptions.type in {types}) && (!has(c.securityContext.seLinuxOptions.user) || c.securityContext.seLinuxOptions.user == '') && (!has(c.securityContext.seLinuxOptions.role) || c.securityContext.seLinuxOptions.role == '')))",
                    p = p_has("seLinuxOptions"),
                    c = c_has("seLinuxOptions"),
                ),
                "seLinuxOptions may only set a container type, and no user or role",
            )]
        }
        // unmasked_proc_mount: baseline hits unless the pod has its own user namespace; restricted hits then.
        "BW-K8S-0008" => {
            let any = format!(
                "variables.containers.all(c, !({}) || c.securityContext.procMount == 'Default')",
                c_has("procMount")
            );
            let e = match levels {
                (true, true) => any,
                (true, false) => format!("variables.userNamespace || {any}"),
                (false, true) => format!("!variables.userNamespace || {any}"),
                (false, false) => return None,
            };
            vec![(e, "securityContext.procMount must be Default")]
        }
        // unconfined_seccomp_profile
        "BW-K8S-0009" => vec![(
            format!(
                "(!has(variables.podSecurityContext.seccompProfile) || ({} && variables.podSecurityContext.seccompProfile.type in ['RuntimeDefault', 'Localhost'])) && variables.containers.all(c, !({}) || ({} && c.securityContext.seccompProfile.type in ['RuntimeDefault', 'Localhost']))",
                p_has("seccompProfile.type"),
                c_has("seccompProfile"),
                c_has("seccompProfile.type")
            ),
            "seccompProfile.type must be RuntimeDefault or Localhost (no Unconfined)",
        )],
        // unsafe_sysctls (the safe set at v1.37+)
        "BW-K8S-0010" => vec![(
            format!(
                "!has(variables.podSecurityContext.sysctls) || variables.podSecurityContext.sysctls.all(s, !has(s.name) || s.name in {})",
                list(&[
                    "kernel.shm_rmid_forced",
                    "net.ipv4.ip_local_port_range",
                    "net.ipv4.tcp_syncookies",
                    "net.ipv4.ping_group_range",
                    "net.ipv4.ip_unprivileged_port_start",
                    "net.ipv4.ip_local_reserved_ports",
                    "net.ipv4.tcp_keepalive_time",
                    "net.ipv4.tcp_fin_timeout",
                    "net.ipv4.tcp_keepalive_intvl",
                    "net.ipv4.tcp_keepalive_probes",
                    "net.ipv4.tcp_rmem",
                    "net.ipv4.tcp_wmem",
                    "net.ipv4.tcp_slow_start_after_idle",
                    "net.ipv4.tcp_notsent_lowat",
                ])
            ),
            "only the safe sysctls are allowed",
        )],
        // windows_host_process
        "BW-K8S-0011" => vec![(
            format!(
                "!({} && variables.podSecurityContext.windowsOptions.hostProcess == true) && variables.containers.all(c, !({} && c.securityContext.windowsOptions.hostProcess == true))",
                p_has("windowsOptions.hostProcess"),
                c_has("windowsOptions.hostProcess")
            ),
            "windowsOptions.hostProcess must not be true",
        )],
        // probe_host_override (v1.34+)
        "BW-K8S-0012" => {
            let h = |obj: &str| {
                format!(
                    "!(has({obj}) && ((has({obj}.httpGet) && has({obj}.httpGet.host) && {obj}.httpGet.host != '') || (has({obj}.tcpSocket) && has({obj}.tcpSocket.host) && {obj}.tcpSocket.host != '')))"
                )
            };
            let parts = [
                h("c.livenessProbe"),
                h("c.readinessProbe"),
                h("c.startupProbe"),
                format!(
                    "(!has(c.lifecycle) || ({} && {}))",
                    h("c.lifecycle.postStart"),
                    h("c.lifecycle.preStop")
                ),
            ];
            vec![(
                format!("variables.containers.all(c, {})", parts.join(" && ")),
                "probes and lifecycle handlers must not set host",
            )]
        }
        // non_core_volume_type
        "BW-K8S-0013" => vec![(
            format!(
                "!has(variables.podSpec.volumes) || variables.podSpec.volumes.all(v, v.exists(k, (k == 'hostPath' || k in {}) && v[k] != null) || !v.exists(k, k in {} && v[k] != null))",
                list(&["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret"]),
                list(&["gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi", "glusterfs", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "fc", "azureFile", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "portworxVolume", "scaleIO", "storageos"])
            ),
            "volumes must be configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected or secret",
        )],
        // privilege_escalation_allowed
        "BW-K8S-0014" => vec![(
            format!(
                "variables.isWindows || variables.containers.all(c, {} && c.securityContext.allowPrivilegeEscalation == false)",
                c_has("allowPrivilegeEscalation")
            ),
            "every container must set securityContext.allowPrivilegeEscalation: false",
        )],
        // run_as_root_allowed
        "BW-K8S-0015" => vec![(
            format!(
                "variables.userNamespace || (!({p} && variables.podSecurityContext.runAsNonRoot == false) && variables.containers.all(c, {c} ? c.securityContext.runAsNonRoot == true : ({p} && variables.podSecurityContext.runAsNonRoot == true)))",
                p = p_has("runAsNonRoot"),
                c = c_has("runAsNonRoot")
            ),
            "the pod or every container must set securityContext.runAsNonRoot: true",
        )],
        // root_user_id
        "BW-K8S-0016" => vec![(
            format!(
                "variables.userNamespace || (!({} && variables.podSecurityContext.runAsUser == 0) && variables.containers.all(c, !({} && c.securityContext.runAsUser == 0)))",
                p_has("runAsUser"),
                c_has("runAsUser")
            ),
            "runAsUser must not be 0",
        )],
        // missing_seccomp_profile
        "BW-K8S-0017" => vec![(
            format!(
                "variables.isWindows || ({} && variables.podSecurityContext.seccompProfile.type in ['RuntimeDefault', 'Localhost']) || variables.containers.all(c, {})",
                p_has("seccompProfile.type"),
                c_has("seccompProfile")
            ),
            "the pod or every container must set securityContext.seccompProfile.type to RuntimeDefault or Localhost",
        )],
        // capabilities_not_dropped
        "BW-K8S-0018" => vec![
            (
                format!(
                    "variables.isWindows || variables.containers.all(c, {} && 'ALL' in c.securityContext.capabilities.drop)",
                    c_has("capabilities.drop")
                ),
                "every container must set securityContext.capabilities.drop: [\"ALL\"]",
            ),
            (
                format!(
                    "variables.isWindows || variables.containers.all(c, !({}) || !c.securityContext.capabilities.add.exists(cap, cap in {}))",
                    c_has("capabilities.add"),
                    list(&BASELINE_CAPS.iter().copied().filter(|c| *c != "NET_BIND_SERVICE").collect::<Vec<_>>())
                ),
                "securityContext.capabilities.add may only hold NET_BIND_SERVICE",
            ),
        ],
        _ => return None,
    };
    Some(v)
}

fn check_facts(
    meta: &bulwark_k8s::rule::RuleMeta,
    level: Option<Level>,
) -> (CheckFacts<'_>, Vec<(&'static str, &'static [&'static str])>) {
    let fw: Vec<(&'static str, &'static [&'static str])> = vec![
        ("cis", meta.cis),
        ("nsa", meta.nsa),
        ("nist-800-190", meta.nist),
        ("pci-dss", meta.pci),
    ];
    let facts = CheckFacts {
        id: meta.id,
        name: meta.name,
        severity: meta.severity,
        pss: meta
            .pss
            .map(|p| (level.unwrap_or(p.level).as_str(), p.control)),
        frameworks: &[],
    };
    (facts, fw)
}

/// Whether `rule` selects findings of `meta` at the check's own PSS level (`.0`) and at the restricted level
/// (`.1`, the level `/proc Mount Type` reports user-namespace pods at).
fn selects(rule: &Rule, meta: &bulwark_k8s::rule::RuleMeta) -> Option<(bool, bool)> {
    let at = |level: Option<Level>| {
        let (mut facts, fw) = check_facts(meta, level);
        facts.frameworks = &fw;
        rule.kubernetes_selects(&facts)
    };
    let own = at(None)?;
    let restricted = if meta.id == "BW-K8S-0008" {
        at(Some(Level::Restricted))?
    } else {
        false
    };
    Some((own, restricted))
}

fn export_lifecycle(cx: &mut Ctx<'_>) -> Result<(), EngineError> {
    let bundle = cx.bundle;
    let stage = cx.opts.stage;
    let mut exported_any = false;
    for set in &bundle.policy_sets {
        for rule in &set.rules {
            let Some(&action) = rule.stages.get(&stage) else {
                continue;
            };
            let what = format!("rule '{}' ({})", rule.id, rule.source);
            let kinds = rule.selector_kinds();
            let others: Vec<&str> = kinds
                .iter()
                .copied()
                .filter(|k| *k != "kubernetes")
                .collect();
            if !kinds.contains(&"kubernetes") {
                let reasons: BTreeSet<&str> = others.iter().map(|k| selector_reason(k)).collect();
                cx.skip(
                    what,
                    format!(
                        "{}: {}",
                        others.join(", "),
                        reasons.into_iter().collect::<Vec<_>>().join("; ")
                    ),
                );
                continue;
            }
            let mut validations = Vec::new();
            let mut checks = Vec::new();
            let mut missing = Vec::new();
            let mut no_paths = true;
            for r in bulwark_k8s::RULES {
                let meta = r.meta();
                let Some((own, restricted)) = selects(rule, meta) else {
                    no_paths = false;
                    break;
                };
                if !(own || restricted) {
                    continue;
                }
                let levels = match meta.pss.map(|p| p.level) {
                    Some(Level::Baseline) if meta.id == "BW-K8S-0008" => (own, restricted),
                    _ => (own, own),
                };
                match pss_validations(meta.id, levels) {
                    Some(vs) => {
                        checks.push(meta.id);
                        let pss = meta
                            .pss
                            .map(|p| {
                                // `/proc Mount Type` selected only at its restricted level (user namespaces).
                                let level = if own { p.level } else { Level::Restricted };
                                format!(", PSS {level} \"{}\"", p.control)
                            })
                            .unwrap_or_default();
                        for (expr, requires) in vs {
                            validations.push(json!({
                                "expression": expr,
                                "message": format!(
                                    "bulwark rule '{}' ({} {}{pss}): {requires}",
                                    rule.id, meta.id, meta.name
                                ),
                                "reason": "Forbidden",
                            }));
                        }
                    }
                    None => missing.push(format!("{} {}", meta.id, meta.name)),
                }
            }
            if !no_paths {
                cx.skip(
                    what,
                    "kubernetes.paths selects by manifest file path, which an admission request does not have",
                );
                continue;
            }
            // One line per rule: what of it is left out, and why.
            let mut reasons = Vec::new();
            if !others.is_empty() {
                let why: BTreeSet<&str> = others.iter().map(|k| selector_reason(k)).collect();
                reasons.push(format!(
                    "its {} selector(s): {}",
                    others.join(", "),
                    why.into_iter().collect::<Vec<_>>().join("; ")
                ));
            }
            if !missing.is_empty() {
                reasons.push(format!(
                    "selected Kubernetes checks without a CEL form here (they read other objects, RBAC or non-pod kinds, or are not written yet): {}",
                    missing.join(", ")
                ));
            }
            if validations.is_empty() && missing.is_empty() {
                reasons.push("its kubernetes selector selects no check".into());
            }
            if !reasons.is_empty() {
                let lead = if validations.is_empty() {
                    String::new()
                } else {
                    format!("partly exported ({}); not exported: ", checks.join(", "))
                };
                cx.skip(what, format!("{lead}{}", reasons.join("; ")));
            }
            if validations.is_empty() {
                continue;
            }
            exported_any = true;
            let name = prefixed(&format!("rule-{}", rule.id));
            let mut conds =
                vec![json!({"name": "bulwark-has-pod-spec", "expression": HAS_POD_SPEC})];
            conds.extend(cx.exempt_condition());
            conds.extend(cx.exception_conditions(&rule.id, &format!("rule '{}'", rule.id)));
            let vap = json!({
                "apiVersion": "admissionregistration.k8s.io/v1",
                "kind": "ValidatingAdmissionPolicy",
                "metadata": cx.metadata(&name, &rule.source, &[
                    ("bulwark.dev/rule", rule.id.as_str()),
                    ("bulwark.dev/policy-set", set.name.as_str()),
                    ("bulwark.dev/checks", checks.join(",").as_str()),
                ]),
                "spec": {
                    "failurePolicy": "Fail",
                    "matchConstraints": pod_match_constraints(),
                    "matchConditions": conds,
                    "variables": pod_variables(),
                    "validations": validations,
                },
            });
            cx.push(vap, &rule.source)?;
            let binding = json!({
                "apiVersion": "admissionregistration.k8s.io/v1",
                "kind": "ValidatingAdmissionPolicyBinding",
                "metadata": cx.metadata(&format!("{name}-binding"), &rule.source, &[]),
                "spec": {"policyName": name, "validationActions": actions_of(action)},
            });
            cx.push(binding, &rule.source)?;
        }
    }
    if exported_any && !bundle.mappings.is_empty() {
        cx.skip(
            "mappings",
            "the bundle maps policy sets to images, namespaces and labels; the exported lifecycle rules apply to every workload outside the exempt namespaces",
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kyverno_only_identifiers() {
        assert_eq!(
            kyverno_only_uses("http.Get('https://x').ok && object.image == 'a'"),
            vec!["http"]
        );
        assert!(
            kyverno_only_uses("'http.Get' == object.x && variables.image.size() > 0").is_empty()
        );
        assert_eq!(
            kyverno_only_uses("resource.Get('v1', 'configmaps', 'ns', 'n').data"),
            vec!["resource"]
        );
        assert!(
            kyverno_only_uses("object.spec.containers.all(c, c.image.endsWith(':v1'))").is_empty()
        );
    }

    /// The export of a bundle with every PSS check loads back in bulwark-cel, one policy and one binding per
    /// rule, one validation per check (the expressions compile).
    #[test]
    fn export_loads_back_in_bulwark_cel() {
        let rules = r#"apiVersion: policy.bulwark.dev/v1
kind: PolicySet
metadata: {name: pss}
rules:
  - id: baseline
    stages: {deploy: fail}
    kubernetes: {controls: ["pss:baseline"]}
  - id: restricted
    stages: {deploy: warn}
    kubernetes: {controls: ["pss:restricted"]}
"#;
        let bundle = Bundle::from_files(
            vec![bulwark_policy::BundleFile {
                path: "rules.yaml".into(),
                bytes: rules.as_bytes().to_vec(),
            }],
            "t",
            None,
        )
        .unwrap();
        let out = export(
            &bundle,
            &ExportOptions {
                stage: Stage::Deploy,
                now: Instant(1_798_675_200),
                exempt_namespaces: vec!["kube-system".into()],
            },
        )
        .unwrap();
        assert!(out.skipped.is_empty(), "{:?}", out.skipped);
        let set = bulwark_cel::PolicySet::from_yaml(&out.to_yaml(), "export.yaml").unwrap();
        assert_eq!(set.policies.len(), 2);
        assert_eq!(set.bindings.len(), 2);
        // 12 baseline checks; `pss:restricted` holds them too (the profiles are cumulative) plus 6 restricted
        // checks, capabilities in two validations: 19. `/proc Mount Type` is one check at both levels, exported
        // once (the upstream `procmount_restricted` fixtures are denied: tests/export_vap.rs in the CLI).
        let n: Vec<usize> = set
            .policies
            .iter()
            .map(|p| {
                out.objects
                    .iter()
                    .find(|o| o["metadata"]["name"] == p.name.as_str())
                    .unwrap()["spec"]["validations"]
                    .as_array()
                    .unwrap()
                    .len()
            })
            .collect();
        assert_eq!(n, [12, 19]);
        assert_eq!(
            set.bindings[1].validation_actions,
            [bulwark_cel::Action::Warn]
        );
    }

    #[test]
    fn names_and_globs() {
        assert_eq!(prefixed("No_Root"), "bulwark-no-root");
        assert_eq!(prefixed("bulwark-x"), "bulwark-x");
        assert_eq!(
            glob_regex("Deployment/prod-*/a.b"),
            "^Deployment/prod-.*/a\\.b$"
        );
        assert_eq!(cel_string("it's"), "'it\\'s'");
    }

    #[test]
    fn yaml_is_block_style_and_quoted() {
        let mut s = String::new();
        yaml(
            &json!({"a": [{"b": "x: y", "c": []}, "z"], "d": {"e": 1, "on": true}}),
            0,
            &mut s,
        );
        assert_eq!(
            s,
            "a:\n- b: \"x: y\"\n  c: []\n- z\nd:\n  e: 1\n  \"on\": true\n"
        );
    }
}
