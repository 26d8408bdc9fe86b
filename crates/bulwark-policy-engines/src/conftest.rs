//! The `rego` engine: the bundle's `.rego` files as conftest policies. Every file is loaded into one program
//! (a library package may serve package `main`); the `deny*`, `violation*` and `warn*` rules of package `main`
//! (conftest's default namespace) are evaluated. Input: the Kubernetes object when the subject has one, else
//! the report as its JSON document (what `scan -f json` writes).

use std::collections::{BTreeMap, BTreeSet};

use bulwark_policy::{
    Action, Bundle, Engine, EngineError, EngineOutput, Hit, Instant, Outcome, RawDocument, Stage,
    Subject,
};
use bulwark_rego::conftest::{DEFAULT_NAMESPACE, Policies};
use bulwark_rego::{RegoError, RegoVersion};

use crate::common::{self, DocKey, Review, STAGES_ANNOTATION, Stages};

const ENGINE: &str = "rego";

struct RuleMeta {
    /// `deny`, `deny_root`, `warn_labels`…
    name: String,
    source: String,
    stages: Stages,
    action: Action,
}

pub(crate) struct ConftestPolicies {
    accepted: BTreeSet<DocKey>,
    policies: Option<Policies>,
    /// The rules of package `main`, by name.
    rules: BTreeMap<String, RuleMeta>,
    /// Where the first `package main` file is (for rules found only when they fire).
    main_source: String,
    main_stages: Stages,
    /// Packages other than `main`: loaded (and importable), not evaluated on their own.
    others: Vec<String>,
}

/// `package a.b` → `a.b`.
fn package_of(text: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let l = l.trim();
        let rest = l.strip_prefix("package")?;
        rest.starts_with(char::is_whitespace)
            .then(|| rest.trim().trim_end_matches(';').trim().to_string())
    })
}

/// `deny`, `deny_x`, `violation…`, `warn…` → its action.
fn rule_action(name: &str) -> Option<Action> {
    for (k, a) in [
        ("deny", Action::Fail),
        ("violation", Action::Fail),
        ("warn", Action::Warn),
    ] {
        if name == k
            || name
                .strip_prefix(k)
                .is_some_and(|r| r.starts_with('_') && r.len() > 1)
        {
            return Some(a);
        }
    }
    None
}

/// The conftest rule heads of a module, with their 1-based lines: a line starting at column 0 with
/// `deny`/`violation`/`warn` (optionally `_name`) followed by `[`, `{`, `=`, `:=`, `contains` or `if`.
fn rule_heads(text: &str) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let ident: String = line
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if ident.is_empty() || rule_action(&ident).is_none() {
            continue;
        }
        let rest = line[ident.len()..].trim_start();
        let head = rest.is_empty()
            || rest.starts_with(['[', '{', '=', ':'])
            || rest.starts_with("contains")
            || rest.starts_with("if");
        if head {
            out.push((ident, u32::try_from(i + 1).unwrap_or(u32::MAX)));
        }
    }
    out
}

/// `# policy.bulwark.dev/stages: build,release` in a `.rego` file.
fn file_stages(doc: &RawDocument) -> Result<Stages, EngineError> {
    for (i, l) in doc.text.lines().enumerate() {
        let Some(c) = l.trim_start().strip_prefix('#') else {
            continue;
        };
        if let Some(v) = c
            .trim_start()
            .strip_prefix(STAGES_ANNOTATION)
            .and_then(|r| r.trim_start().strip_prefix(':'))
        {
            return Stages::parse(v.trim().trim_matches(['"', '\''])).map_err(|message| {
                EngineError {
                    file: doc.file.clone(),
                    line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                    policy: common::doc_policy(doc),
                    message,
                }
            });
        }
    }
    Ok(Stages::default())
}

impl ConftestPolicies {
    pub(crate) fn new(bundle: &Bundle, limits: bulwark_rego::Limits) -> Result<Self, EngineError> {
        let docs: Vec<&RawDocument> = bundle
            .documents
            .iter()
            .filter(|d| d.kind == "Rego")
            .collect();
        let mut me = Self {
            accepted: docs.iter().map(|d| common::key(d)).collect(),
            policies: None,
            rules: BTreeMap::new(),
            main_source: String::new(),
            main_stages: Stages::default(),
            others: Vec::new(),
        };
        if docs.is_empty() {
            return Ok(me);
        }
        let sources: Vec<(String, String)> = docs
            .iter()
            .map(|d| (d.file.clone(), d.text.clone()))
            .collect();
        let policies =
            Policies::from_sources("bundle .rego files", &sources, RegoVersion::Auto, limits)
                .map_err(|e| {
                    let (file, line, message) = match &e {
                        RegoError::Compile {
                            file,
                            line,
                            column,
                            message,
                            ..
                        } => (
                            file.clone(),
                            line.map_or(1, |l| u32::try_from(l).unwrap_or(u32::MAX)),
                            match column {
                                Some(c) => format!("Rego does not compile (column {c}): {message}"),
                                None => format!("Rego does not compile: {message}"),
                            },
                        ),
                        _ => (docs[0].file.clone(), 1, e.to_string()),
                    };
                    let policy = docs
                        .iter()
                        .find(|d| d.file == file)
                        .and_then(|d| package_of(&d.text))
                        .map_or_else(|| "Rego".to_string(), |p| format!("package {p}"));
                    EngineError {
                        file,
                        line,
                        policy,
                        message,
                    }
                })?;
        for d in &docs {
            let pkg = package_of(&d.text).unwrap_or_default();
            if pkg != DEFAULT_NAMESPACE {
                if !pkg.is_empty() && !me.others.contains(&pkg) {
                    me.others.push(pkg);
                }
                continue;
            }
            let stages = file_stages(d)?;
            if me.main_source.is_empty() {
                me.main_source = format!("{}:1", d.file);
                me.main_stages = stages.clone();
            }
            for (name, line) in rule_heads(&d.text) {
                let action = rule_action(&name).unwrap_or(Action::Fail);
                me.rules.entry(name.clone()).or_insert(RuleMeta {
                    name,
                    source: format!("{}:{line}", d.file),
                    stages: stages.clone(),
                    action,
                });
            }
        }
        me.others.sort();
        me.policies = Some(policies);
        Ok(me)
    }

    pub(crate) fn len(&self) -> usize {
        self.rules.len()
    }
}

impl Engine for ConftestPolicies {
    fn name(&self) -> &str {
        ENGINE
    }

    fn accepts(&self, doc: &RawDocument) -> bool {
        self.accepted.contains(&common::key(doc))
    }

    fn evaluate(
        &self,
        docs: &[&RawDocument],
        subject: &Subject<'_>,
        stage: Stage,
        _now: Instant,
    ) -> Result<EngineOutput, EngineError> {
        common::check_docs(ENGINE, &self.accepted, docs)?;
        let mut out = EngineOutput::default();
        let Some(policies) = &self.policies else {
            return Ok(out);
        };
        if !self.others.is_empty() {
            out.notes.push(format!(
                "{ENGINE}: only package {DEFAULT_NAMESPACE} is evaluated (conftest's default); package(s) {} \
                 are loaded for imports only",
                self.others.join(", ")
            ));
        }
        let result = |m: &RuleMeta| {
            common::result(
                ENGINE,
                &format!("{DEFAULT_NAMESPACE}.{}", m.name),
                m.source.clone(),
                format!("conftest rule {} of package {DEFAULT_NAMESPACE}", m.name),
                m.action,
            )
        };
        let active: Vec<&RuleMeta> = self
            .rules
            .values()
            .filter(|m| m.stages.applies(stage))
            .collect();
        for m in self.rules.values().filter(|m| !m.stages.applies(stage)) {
            out.results.push(common::not_at_stage(result(m), stage));
        }
        if active.is_empty() && !self.main_stages.applies(stage) {
            return Ok(out);
        }
        // The input: the object under review, else the report's JSON document.
        let review = Review::of(subject);
        let (input, resource) = if let Some(r) = &review {
            // Only a Kubernetes object has a `Kind/namespace/name` (a Dockerfile's instruction list has none).
            let kubernetes = r
                .object
                .get("kind")
                .is_some_and(serde_json::Value::is_string);
            (
                r.object.clone().into_owned(),
                kubernetes.then(|| r.resource.clone()),
            )
        } else if let Some(report) = subject.report {
            match serde_json::to_value(report) {
                Ok(v) => (v, None),
                Err(e) => {
                    for m in &active {
                        let mut r = result(m);
                        r.outcome = Outcome::Error;
                        r.message = Some(format!("the report cannot be serialised: {e}"));
                        out.results.push(r);
                    }
                    return Ok(out);
                }
            }
        } else {
            for m in &active {
                out.results.push(common::skip(
                    result(m),
                    "the subject has neither a Kubernetes object nor a report",
                ));
            }
            return Ok(out);
        };
        let outcome = match policies.evaluate(&input, DEFAULT_NAMESPACE) {
            Ok(o) => o,
            Err(e) => {
                for m in &active {
                    let mut r = result(m);
                    r.outcome = Outcome::Error;
                    r.message = Some(e.to_string());
                    out.results.push(r);
                }
                return Ok(out);
            }
        };
        let mut hits: BTreeMap<&str, Vec<Hit>> = BTreeMap::new();
        let mut exempted: BTreeMap<&str, usize> = BTreeMap::new();
        for msg in outcome.failures.iter().chain(&outcome.warnings) {
            hits.entry(msg.rule.as_str()).or_default().push(Hit {
                resource: resource.as_deref().map(Into::into),
                message: msg.msg.as_str().into(),
                ..Hit::default()
            });
        }
        for msg in &outcome.exceptions {
            *exempted.entry(msg.rule.as_str()).or_default() += 1;
        }
        // Rules that fired without a head the scan recognised (generated names) still get their result.
        let extra: Vec<RuleMeta> = hits
            .keys()
            .filter(|n| !self.rules.contains_key(**n))
            .map(|n| RuleMeta {
                name: (*n).to_string(),
                source: self.main_source.clone(),
                stages: self.main_stages.clone(),
                action: rule_action(n).unwrap_or(Action::Fail),
            })
            .collect();
        for m in active
            .into_iter()
            .chain(extra.iter().filter(|m| m.stages.applies(stage)))
        {
            let mut r = result(m);
            r.hits = hits.remove(m.name.as_str()).unwrap_or_default();
            r.outcome = if r.hits.is_empty() {
                Outcome::Pass
            } else {
                Outcome::Fail
            };
            if let Some(n) = exempted.get(m.name.as_str()) {
                r.message = Some(format!(
                    "{n} message(s) exempted by the policy's exception rules"
                ));
            }
            out.results.push(r);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::{package_of, rule_heads};

    #[test]
    fn rule_heads_of_both_rego_versions() {
        let text = "package main\n\ndeny[msg] {\n  msg := \"a\"\n}\nwarn_labels contains msg if {\n  msg := \"b\"\n}\n\
                    violation_x = true\ndenylist := [1]\n  deny_indented[m] { m := 1 }\ndeny if { true }\n";
        let heads: Vec<(String, u32)> = rule_heads(text);
        let names: Vec<&str> = heads.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["deny", "warn_labels", "violation_x", "deny"]);
        assert_eq!(heads[1].1, 6);
        assert_eq!(package_of(text).as_deref(), Some("main"));
        assert_eq!(
            package_of("# x\npackage kubernetes.admission\n").as_deref(),
            Some("kubernetes.admission")
        );
    }
}
