//! The `gatekeeper` engine: `ConstraintTemplate`s and their constraints, through `bulwark-rego`. A template
//! runs in CEL (`K8sNativeValidation`) when it carries that code, as `gator` does in its default mode, and in
//! Rego otherwise.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use bulwark_policy::{
    Action, Bundle, Engine, EngineError, EngineOutput, Hit, Instant, Outcome, RawDocument, Stage,
    Subject,
};
use bulwark_rego::RegoError;
use bulwark_rego::cel::CelEngine;
use bulwark_rego::gatekeeper::{
    Constraint, ENGINE_CEL, ENGINE_REGO, Gatekeeper, Inventory, RegoEngine, TemplateEngine,
    constraint_from_value, load_templates,
};
use serde_json::Value as Json;

use crate::common::{self, DocKey, Review, Stages};

const ENGINE: &str = "gatekeeper";
/// The enforcement point of admission (Gatekeeper's `validation.gatekeeper.sh`), for `scoped` actions.
const ENFORCEMENT_POINT: &str = "validation.gatekeeper.sh";

struct Entry {
    constraint: Constraint,
    source: String,
    stages: Stages,
    description: String,
    action: Action,
    /// The template reads `data.inventory` (referential data), which only a cluster's inventory supplies.
    referential: bool,
}

pub(crate) struct GatekeeperPolicies {
    accepted: BTreeSet<DocKey>,
    gatekeeper: Gatekeeper,
    entries: Vec<Entry>,
    warnings: Vec<String>,
}

fn is_template(doc: &RawDocument) -> bool {
    doc.kind == "ConstraintTemplate"
        && doc
            .api_version
            .as_deref()
            .is_some_and(|a| a.starts_with("templates.gatekeeper.sh/"))
}

fn is_constraint(doc: &RawDocument) -> bool {
    doc.api_version
        .as_deref()
        .is_some_and(|a| a.starts_with("constraints.gatekeeper.sh/"))
}

/// deny → fail, warn → warn, dryrun → info; `scoped`: the strongest action whose enforcement points include
/// admission (`validation.gatekeeper.sh` or `*`); anything else fails closed.
fn action_of(c: &Constraint) -> Action {
    let one = |a: &str| match a.to_ascii_lowercase().as_str() {
        "warn" => Action::Warn,
        "dryrun" => Action::Info,
        _ => Action::Fail,
    };
    if !c.enforcement_action.eq_ignore_ascii_case("scoped") {
        return one(&c.enforcement_action);
    }
    c.scoped_enforcement_actions
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| {
            s.get("enforcementPoints")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .any(|p| {
                    matches!(
                        p.get("name").and_then(Json::as_str),
                        Some("*" | ENFORCEMENT_POINT)
                    )
                })
        })
        .filter_map(|s| s.get("action").and_then(Json::as_str))
        .map(one)
        .max()
        .unwrap_or(Action::Info)
}

fn rego_error(doc: &RawDocument, e: &RegoError) -> EngineError {
    let (line, policy, message) = match e {
        RegoError::Compile {
            line,
            policy,
            message,
            column,
            ..
        } => (
            line.map_or(doc.line, |l| {
                doc.line + u32::try_from(l.max(1)).unwrap_or(u32::MAX) - 1
            }),
            policy.clone(),
            match column {
                Some(c) => format!("Rego does not compile (column {c}): {message}"),
                None => format!("Rego does not compile: {message}"),
            },
        ),
        RegoError::Invalid {
            policy, message, ..
        } => (doc.line, policy.clone(), message.clone()),
        RegoError::Syntax { line, message, .. } => (
            line.map_or(doc.line, |l| {
                doc.line + u32::try_from(l.max(1)).unwrap_or(u32::MAX) - 1
            }),
            common::doc_policy(doc),
            message.clone(),
        ),
        _ => (doc.line, common::doc_policy(doc), e.to_string()),
    };
    EngineError {
        file: doc.file.clone(),
        line,
        policy,
        message,
    }
}

impl GatekeeperPolicies {
    pub(crate) fn new(bundle: &Bundle, limits: bulwark_rego::Limits) -> Result<Self, EngineError> {
        let cel = Arc::new(CelEngine::default());
        let engines: Vec<Arc<dyn TemplateEngine>> = vec![
            Arc::clone(&cel) as Arc<dyn TemplateEngine>,
            Arc::new(RegoEngine),
        ];
        let mut gatekeeper = Gatekeeper::with_engines(engines).with_limits(limits);
        let mut accepted = BTreeSet::new();
        let mut warnings = Vec::new();
        // Template facts by constraint kind: (source, stages, engine, referential).
        let mut templates: BTreeMap<String, (String, Stages, &'static str, bool, String)> =
            BTreeMap::new();
        for doc in bundle.documents.iter().filter(|d| is_template(d)) {
            let stages = Stages::of(doc)?;
            let source = format!("{}:{}", doc.file, doc.line);
            for t in
                load_templates(&doc.file, &doc.text, limits).map_err(|e| rego_error(doc, &e))?
            {
                cel.prepare(&t).map_err(|e| rego_error(doc, &e))?;
                if let Some((first, ..)) = templates.get(&t.kind) {
                    return Err(common::error(
                        doc,
                        format!(
                            "a second ConstraintTemplate for kind {} (first at {first})",
                            t.kind
                        ),
                    ));
                }
                let engine = if t.code_for(ENGINE_CEL).is_some() {
                    ENGINE_CEL
                } else {
                    ENGINE_REGO
                };
                warnings.extend(t.warnings.iter().map(|w| format!("{source}: {w}")));
                templates.insert(
                    t.kind.clone(),
                    (
                        source.clone(),
                        stages.clone(),
                        engine,
                        t.requires_sync_data,
                        t.name.clone(),
                    ),
                );
                gatekeeper.add_template(t);
            }
            accepted.insert(common::key(doc));
        }
        let mut entries = Vec::new();
        for doc in bundle.documents.iter().filter(|d| is_constraint(d)) {
            let Some(value) = &doc.value else { continue };
            let c = constraint_from_value(&doc.file, value).map_err(|e| rego_error(doc, &e))?;
            let Some((_, t_stages, engine, referential, t_name)) = templates.get(&c.kind) else {
                return Err(common::error(
                    doc,
                    format!(
                        "no ConstraintTemplate in the bundle defines kind {}",
                        c.kind
                    ),
                ));
            };
            let source = format!("{}:{}", doc.file, doc.line);
            warnings.extend(c.warnings.iter().map(|w| format!("{source}: {w}")));
            // The constraint's own annotation, else its template's.
            let own = Stages::of(doc)?;
            let stages = if own == Stages::default() {
                t_stages.clone()
            } else {
                own
            };
            entries.push(Entry {
                description: format!(
                    "{} constraint (ConstraintTemplate {t_name}, {engine})",
                    c.kind
                ),
                action: action_of(&c),
                constraint: c,
                source,
                stages,
                referential: *referential,
            });
            accepted.insert(common::key(doc));
        }
        Ok(Self {
            accepted,
            gatekeeper,
            entries,
            warnings,
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

impl Engine for GatekeeperPolicies {
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
        let review = Review::of(subject);
        let inventory = Inventory::new();
        for e in &self.entries {
            let c = &e.constraint;
            let mut r = common::result(
                ENGINE,
                &c.name,
                e.source.clone(),
                e.description.clone(),
                e.action,
            );
            if !e.stages.applies(stage) {
                out.results.push(common::not_at_stage(r, stage));
                continue;
            }
            let Some(review) = &review else {
                out.results.push(common::skip(r, common::NO_OBJECT));
                continue;
            };
            match self.gatekeeper.evaluate(c, review.raw, &inventory) {
                Ok(ev) => {
                    if let Some(why) = ev.skipped {
                        out.results.push(common::skip(r, why));
                        continue;
                    }
                    r.hits = ev
                        .violations
                        .into_iter()
                        .map(|v| Hit {
                            resource: Some(review.resource.as_str().into()),
                            message: v.msg.into(),
                            ..Hit::default()
                        })
                        .collect();
                    r.outcome = if r.hits.is_empty() {
                        Outcome::Pass
                    } else {
                        Outcome::Fail
                    };
                    if e.referential {
                        let why = "the template reads referential data (data.inventory), which needs a \
                                   live cluster's inventory: evaluated with none";
                        r.message = Some(format!("not fully evaluated: {why}"));
                        out.notes
                            .push(format!("{ENGINE}: {} '{}': {why}", c.kind, c.name));
                    }
                }
                Err(RegoError::Match { message, .. }) => {
                    r.outcome = Outcome::Error;
                    r.message = Some(format!(
                        "could not be fully evaluated: needs a live cluster: {message}"
                    ));
                    out.notes.push(format!(
                        "{ENGINE}: {} '{}' on {}: not fully evaluated offline: {message}",
                        c.kind, c.name, review.resource
                    ));
                }
                Err(err) => {
                    r.outcome = Outcome::Error;
                    r.message = Some(err.to_string());
                }
            }
            out.results.push(r);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn constraint(spec: &Json) -> Constraint {
        let doc = serde_json::json!({"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sX",
            "metadata": {"name": "x"}, "spec": spec});
        constraint_from_value("c.yaml", &doc).unwrap()
    }

    #[test]
    fn enforcement_actions() {
        let a = |spec: Json| action_of(&constraint(&spec));
        assert_eq!(a(serde_json::json!({})), Action::Fail);
        assert_eq!(
            a(serde_json::json!({"enforcementAction": "warn"})),
            Action::Warn
        );
        assert_eq!(
            a(serde_json::json!({"enforcementAction": "dryrun"})),
            Action::Info
        );
        assert_eq!(
            a(serde_json::json!({"enforcementAction": "surprise"})),
            Action::Fail
        );
        // Gatekeeper's scoped form: only the admission enforcement point counts.
        let scoped = serde_json::json!({"enforcementAction": "scoped", "scopedEnforcementActions": [
            {"action": "deny", "enforcementPoints": [{"name": "audit.gatekeeper.sh"}]},
            {"action": "warn", "enforcementPoints": [{"name": "validation.gatekeeper.sh"}]}]});
        assert_eq!(a(scoped), Action::Warn);
        let everywhere = serde_json::json!({"enforcementAction": "scoped", "scopedEnforcementActions": [
            {"action": "deny", "enforcementPoints": [{"name": "*"}]}]});
        assert_eq!(a(everywhere), Action::Fail);
    }
}
