//! The `cel` engine: Kubernetes `ValidatingAdmissionPolicy` (+ `ValidatingAdmissionPolicyBinding` and the
//! `paramKind` objects its bindings select) and Kyverno `ValidatingPolicy`, through `bulwark-cel`.

use std::collections::{BTreeSet, HashMap};

use bulwark_cel::{EvalContext, LoadError, OutcomeResult, PolicyKind, PolicySet};
use bulwark_policy::{
    Action, Bundle, Engine, EngineError, EngineOutput, Hit, Instant, Outcome, RawDocument,
    RuleResult, Stage, Subject,
};
use serde_json::Value as Json;

use crate::common::{self, DocKey, Review, Stages};

const ENGINE: &str = "cel";

/// One policy's facts the results need besides its outcomes.
struct Meta {
    name: String,
    kind: PolicyKind,
    source: String,
    stages: Stages,
    description: String,
    /// The action of its results when no outcome says otherwise (a skip).
    action: Action,
}

pub(crate) struct CelPolicies {
    accepted: BTreeSet<DocKey>,
    /// The policies that apply at each stage (in `Stage::ALL` order), sharing their compiled validators.
    per_stage: [PolicySet; 4],
    metas: Vec<Meta>,
    warnings: Vec<String>,
    limits: bulwark_cel::Limits,
}

fn is_cel_policy(doc: &RawDocument) -> bool {
    let group = doc
        .api_version
        .as_deref()
        .and_then(|a| a.split_once('/'))
        .map_or("", |(g, _)| g);
    matches!(
        (group, doc.kind.as_str()),
        ("policies.kyverno.io", "ValidatingPolicy")
            | (
                "admissionregistration.k8s.io",
                "ValidatingAdmissionPolicy" | "ValidatingAdmissionPolicyBinding"
            )
    )
}

/// Deny → fail, Warn → warn, Audit → info; the strongest wins; none given (Kyverno and the API server require
/// one) → fail.
fn action_of(actions: &[bulwark_cel::Action]) -> Action {
    actions
        .iter()
        .map(|a| match a {
            bulwark_cel::Action::Deny => Action::Fail,
            bulwark_cel::Action::Warn => Action::Warn,
            bulwark_cel::Action::Audit => Action::Info,
        })
        .max()
        .unwrap_or(Action::Fail)
}

fn kind_name(k: PolicyKind) -> &'static str {
    match k {
        PolicyKind::KyvernoValidatingPolicy => "ValidatingPolicy",
        PolicyKind::ValidatingAdmissionPolicy => "ValidatingAdmissionPolicy",
    }
}

/// A `bulwark-cel` load error, with the line counted in the bundle file rather than in the document.
fn load_error(doc: &RawDocument, e: LoadError) -> EngineError {
    let abs = |l: usize| doc.line + u32::try_from(l.max(1)).unwrap_or(u32::MAX) - 1;
    match e {
        LoadError::Yaml {
            line,
            column,
            message,
            ..
        } => EngineError {
            file: doc.file.clone(),
            line: abs(line),
            policy: common::doc_policy(doc),
            message: format!("invalid YAML (column {column}): {message}"),
        },
        LoadError::Invalid {
            line,
            kind,
            policy,
            message,
            ..
        } => EngineError {
            file: doc.file.clone(),
            line: abs(line),
            policy: format!("{kind} {policy}"),
            message,
        },
        LoadError::Compile {
            line,
            kind,
            policy,
            field,
            error,
            ..
        } => EngineError {
            file: doc.file.clone(),
            line: abs(line),
            policy: format!("{kind} {policy}"),
            message: format!(
                "{field}: CEL {}:{}: {}",
                error.line, error.column, error.message
            ),
        },
    }
}

impl CelPolicies {
    pub(crate) fn new(bundle: &Bundle, limits: bulwark_cel::Limits) -> Result<Self, EngineError> {
        let mut accepted = BTreeSet::new();
        let mut set = PolicySet::default();
        let mut metas = Vec::new();
        let mut warnings = Vec::new();
        let mut param_kinds: BTreeSet<(String, String)> = BTreeSet::new();
        let mut seen: HashMap<(&'static str, String), String> = HashMap::new();
        for doc in bundle.documents.iter().filter(|d| is_cel_policy(d)) {
            let stages = Stages::of(doc)?;
            let before = set.policies.len();
            let warned = set.warnings.len();
            set.add_yaml(&doc.text, &doc.file)
                .map_err(|e| load_error(doc, e))?;
            // The document's text starts at its line: shift what bulwark-cel counted from 1.
            let local = format!("{}:1:", doc.file);
            for w in set.warnings.drain(warned..) {
                warnings.push(match w.strip_prefix(&local) {
                    Some(rest) => format!("{}:{}:{rest}", doc.file, doc.line),
                    None => w,
                });
            }
            for p in &mut set.policies[before..] {
                p.line = doc.line as usize;
                let kind = kind_name(p.kind);
                let source = format!("{}:{}", doc.file, doc.line);
                if let Some(first) = seen.insert((kind, p.name.clone()), source.clone()) {
                    return Err(common::error(
                        doc,
                        format!("{kind} '{}' is defined twice (first at {first})", p.name),
                    ));
                }
                if let Some(pk) = doc
                    .value
                    .as_ref()
                    .and_then(|v| v.pointer("/spec/paramKind"))
                {
                    let s = |k: &str| pk.get(k).and_then(Json::as_str).unwrap_or("").to_string();
                    param_kinds.insert((s("apiVersion"), s("kind")));
                }
                let annotations = doc
                    .value
                    .as_ref()
                    .and_then(|v| v.pointer("/metadata/annotations"));
                let title = [
                    "policies.kyverno.io/title",
                    "policies.kyverno.io/description",
                ]
                .iter()
                .find_map(|k| annotations.and_then(|a| a.get(*k)).and_then(Json::as_str))
                .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "));
                metas.push(Meta {
                    name: p.name.clone(),
                    kind: p.kind,
                    source,
                    stages: stages.clone(),
                    description: match title {
                        Some(t) => format!("{kind}: {t}"),
                        None => kind.to_string(),
                    },
                    action: action_of(&p.validation_actions),
                });
            }
            accepted.insert(common::key(doc));
        }
        // A VAP's default action is its bindings'.
        for m in &mut metas {
            if m.kind == PolicyKind::ValidatingAdmissionPolicy {
                let actions: Vec<bulwark_cel::Action> = set
                    .bindings
                    .iter()
                    .filter(|b| b.policy_name == m.name)
                    .flat_map(|b| b.validation_actions.iter().copied())
                    .collect();
                m.action = action_of(&actions);
            }
        }
        // Parameter objects: the documents of a kind some policy's paramKind names. `add_yaml` took every
        // non-policy document of the policies' own texts too, which are none (one document each).
        set.objects.clear();
        for doc in &bundle.documents {
            let Some(v) = &doc.value else { continue };
            let pk = (
                doc.api_version.clone().unwrap_or_default(),
                doc.kind.clone(),
            );
            if !is_cel_policy(doc) && param_kinds.contains(&pk) {
                set.objects.push(v.clone());
                accepted.insert(common::key(doc));
            }
        }
        let per_stage = Stage::ALL.map(|stage| PolicySet {
            policies: set
                .policies
                .iter()
                .zip(&metas)
                .filter(|(_, m)| m.stages.applies(stage))
                .map(|(p, _)| p.clone())
                .collect(),
            bindings: set.bindings.clone(),
            objects: set.objects.clone(),
            warnings: Vec::new(),
        });
        Ok(Self {
            accepted,
            per_stage,
            metas,
            warnings,
            limits,
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.metas.len()
    }

    pub(crate) fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

/// The field a violation points at, in the judged object: `object.spec.x` → `spec.x`; for a pod policy applied
/// to a controller's template, under the template.
fn field_of(path: Option<&str>, autogen: Option<&str>) -> Option<String> {
    let path = path?;
    let rest = path
        .strip_prefix("object.")
        .or_else(|| (path == "object").then_some(""))?;
    let prefix = match autogen {
        Some("CronJob") => "spec.jobTemplate.spec.template.",
        Some(_) => "spec.template.",
        None => "",
    };
    let out = format!("{prefix}{rest}");
    let out = out.trim_end_matches('.').to_string();
    (!out.is_empty()).then_some(out)
}

/// `field` cut where it would go below a scalar of `object`: bulwark-cel's hint reads the expression's text and
/// runs on past a comparison (`object.spec.replicas <= params.max` gives `object.spec.replicas.max`). A missing
/// step is kept (a field the policy requires and the object lacks is the useful hint).
fn within(field: String, object: &Json) -> String {
    let mut at = object;
    let mut end = 0;
    for (i, part) in field.split('.').enumerate() {
        if i > 0 && !(at.is_object() || at.is_array()) {
            return field[..end].to_string();
        }
        end += part.len() + usize::from(i > 0);
        match at.get(part) {
            Some(next) => at = next,
            None => break,
        }
    }
    field
}

impl Engine for CelPolicies {
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
        let base = |m: &Meta| {
            common::result(
                ENGINE,
                &m.name,
                m.source.clone(),
                m.description.clone(),
                m.action,
            )
        };
        let Some(review) = Review::of(subject) else {
            out.results = self
                .metas
                .iter()
                .map(|m| {
                    if m.stages.applies(stage) {
                        common::skip(base(m), common::NO_OBJECT)
                    } else {
                        common::not_at_stage(base(m), stage)
                    }
                })
                .collect();
            return Ok(out);
        };
        let set = &self.per_stage[Stage::ALL.iter().position(|s| *s == stage).unwrap_or(0)];
        let mut ctx = EvalContext {
            limits: self.limits,
            old_object: review.old_object.cloned(),
            ..EvalContext::default()
        };
        if let Some(op) = review.operation.filter(|o| !o.is_empty()) {
            ctx.operation = op.to_ascii_uppercase();
        }
        if let Some(u) = review.user_info {
            ctx.user_info = u.clone();
        }
        let outcomes = if set.policies.is_empty() {
            Vec::new()
        } else {
            bulwark_cel::evaluate(set, &review.object, &ctx)
        };
        let mut by_policy: HashMap<(&'static str, &str), Vec<&bulwark_cel::Outcome>> =
            HashMap::new();
        for o in &outcomes {
            by_policy
                .entry((kind_name(o.policy_kind), o.policy.as_str()))
                .or_default()
                .push(o);
        }
        for m in &self.metas {
            if !m.stages.applies(stage) {
                out.results.push(common::not_at_stage(base(m), stage));
                continue;
            }
            let outs = by_policy
                .get(&(kind_name(m.kind), m.name.as_str()))
                .map_or(&[][..], Vec::as_slice);
            out.results
                .push(aggregate(base(m), m, outs, &review, &mut out.notes));
        }
        Ok(out)
    }
}

/// One result from a policy's outcomes (one per binding and parameter object for a VAP): an error decides,
/// then a failure, then a pass; skipped when every outcome skipped. The action is the strongest among the
/// outcomes that failed or erred.
fn aggregate(
    mut r: RuleResult,
    m: &Meta,
    outs: &[&bulwark_cel::Outcome],
    review: &Review<'_>,
    notes: &mut Vec<String>,
) -> RuleResult {
    let label = |o: &bulwark_cel::Outcome, msg: &str| match (&o.binding, &o.param) {
        (Some(b), Some(p)) => format!("binding {b}, params {p}: {msg}"),
        (Some(b), None) => format!("binding {b}: {msg}"),
        _ => msg.to_string(),
    };
    let mut errors = Vec::new();
    let mut skips = Vec::new();
    let mut decisive: Vec<bulwark_cel::Action> = Vec::new();
    let mut all_actions: Vec<bulwark_cel::Action> = Vec::new();
    let mut passed = false;
    for &o in outs {
        all_actions.extend(&o.actions);
        match &o.result {
            OutcomeResult::Pass => passed = true,
            OutcomeResult::Skip(why) => skips.push(label(o, why)),
            OutcomeResult::Fail => {
                decisive.extend(&o.actions);
                for v in &o.violations {
                    r.hits.push(Hit {
                        resource: Some(review.resource.as_str().into()),
                        field: field_of(v.path.as_deref(), o.autogen.as_deref())
                            .map(|f| within(f, &review.object).into()),
                        message: v.message.as_str().into(),
                        ..Hit::default()
                    });
                }
            }
            OutcomeResult::Error(e) => {
                decisive.extend(&o.actions);
                if o.needs_cluster {
                    notes.push(format!(
                        "{ENGINE}: {} '{}' on {}: not fully evaluated offline: {e}",
                        kind_name(m.kind),
                        m.name,
                        review.resource
                    ));
                    errors.push(label(o, &format!("could not be fully evaluated: {e}")));
                } else {
                    errors.push(label(o, e));
                }
            }
        }
    }
    if !errors.is_empty() {
        r.outcome = Outcome::Error;
        r.message = Some(errors.join("; "));
    } else if !r.hits.is_empty() {
        r.outcome = Outcome::Fail;
    } else if passed {
        r.outcome = Outcome::Pass;
    } else {
        skips.dedup();
        r.outcome = Outcome::Skip;
        r.message = Some(if skips.is_empty() {
            "not evaluated".to_string()
        } else {
            skips.join("; ")
        });
    }
    if !decisive.is_empty() {
        r.action = action_of(&decisive);
    } else if !all_actions.is_empty() {
        r.action = action_of(&all_actions);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::{field_of, within};

    #[test]
    fn fields_are_paths_in_the_judged_object() {
        assert_eq!(
            field_of(Some("object.spec.hostNetwork"), None).as_deref(),
            Some("spec.hostNetwork")
        );
        assert_eq!(
            field_of(Some("object.spec.containers"), Some("Deployment")).as_deref(),
            Some("spec.template.spec.containers")
        );
        assert_eq!(
            field_of(Some("object.spec"), Some("CronJob")).as_deref(),
            Some("spec.jobTemplate.spec.template.spec")
        );
        assert_eq!(field_of(Some("params.max"), None), None);
        let o = serde_json::json!({"spec": {"replicas": 5, "template": {}}});
        assert_eq!(within("spec.replicas.max".into(), &o), "spec.replicas");
        assert_eq!(within("spec.replicas".into(), &o), "spec.replicas");
        assert_eq!(
            within("spec.template.spec.hostPID".into(), &o),
            "spec.template.spec.hostPID"
        );
        assert_eq!(field_of(None, None), None);
    }
}
