//! Policy as code: bundles, Bulwark lifecycle rules, mappings, exceptions, and the one function every entry
//! point calls, [`evaluate`]`(bundle, subject, stage, now) -> Verdict`.
//!
//! ```
//! use bulwark_policy::{Bundle, BundleFile, Decision, Instant, Stage, Subject, evaluate};
//! use bulwark_report::{ImageMetadata, Report, Target, TargetKind};
//!
//! let rules = r#"
//! apiVersion: policy.bulwark.dev/v1
//! kind: PolicySet
//! metadata: {name: baseline}
//! rules:
//!   - id: no-root-user
//!     description: containers must not run as root
//!     stages: {build: warn, release: fail, deploy: fail}
//!     image: {nonRootUser: true}
//! "#;
//! let bundle = Bundle::from_files(
//!     vec![BundleFile { path: "rules.yaml".into(), bytes: rules.as_bytes().to_vec() }],
//!     "example",
//!     None,
//! )?;
//! let mut report = Report::new(Target { kind: TargetKind::Image, name: "app:1".into(), image: None });
//! report.target.image = Some(ImageMetadata {
//!     config: serde_json::json!({"User": "root"}),
//!     ..ImageMetadata::default()
//! });
//! let now = Instant::parse("2026-12-01")?;
//! let v = evaluate(&bundle, &Subject::report(&report), Stage::Release, now);
//! assert_eq!(v.decision, Decision::Fail);
//! assert_eq!(v.results[0].hits[0].field.as_deref(), Some("image.config.User"));
//! let v = evaluate(&bundle, &Subject::report(&report), Stage::Build, now);
//! assert_eq!(v.decision, Decision::Warn);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod bundle;
mod exceptions;
mod git;
mod glob;
mod model;
pub mod remote;
mod rules;
mod subject;
pub mod suite;
mod time;
pub mod vex;
mod yamltree;

use std::collections::{BTreeMap, BTreeSet};

pub use bundle::{
    API_VERSION, Bundle, BundleError, BundleFile, Limits, LoadOptions, PolicySet, RawDocument,
    Warning, digest, files_from_dir, files_from_tar_gz,
};
pub use exceptions::{Exception, JUSTIFICATIONS, Mapping};
pub use model::{
    Action, BundleInfo, DbInfo, Decision, ExceptedHit, ExceptionRecord, Exceptions, Hit, Offline,
    Outcome, RuleResult, Stage, SubjectInfo, Verdict,
};
pub use rules::{CheckFacts, Rule};
pub use subject::{ImageFacts, ImageFile, Signature, Subject, SubjectData, normalize_reference};
pub use time::Instant;

/// An engine for the documents the lifecycle evaluator does not read itself (CEL: ValidatingAdmissionPolicy,
/// Kyverno ValidatingPolicy; Rego: Gatekeeper, conftest). The lead registers them with [`evaluate_with`].
pub trait Engine: Sync {
    /// Short name, written in [`RuleResult::engine`] (`cel`, `rego`).
    fn name(&self) -> &str;
    /// Whether this engine evaluates `doc`.
    fn accepts(&self, doc: &RawDocument) -> bool;
    /// Evaluates the accepted documents against the subject at `stage`. A policy error (compile, budget) is
    /// an `Err`; it becomes an `error` result (which fails closed).
    fn evaluate(
        &self,
        docs: &[&RawDocument],
        subject: &Subject<'_>,
        stage: Stage,
        now: Instant,
    ) -> Result<EngineOutput, EngineError>;
}

/// What an engine returns: its rule results (the exceptions are applied afterwards, here) and notes
/// (`namespaceObject needs a live cluster`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EngineOutput {
    pub results: Vec<RuleResult>,
    pub notes: Vec<String>,
}

/// An engine's failure, naming the file, line and policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {policy}: {message}")]
pub struct EngineError {
    pub file: String,
    pub line: u32,
    pub policy: String,
    pub message: String,
}

/// [`evaluate_with`] without engines: documents for other engines are listed in the notes as not evaluated.
#[must_use]
pub fn evaluate(bundle: &Bundle, subject: &Subject<'_>, stage: Stage, now: Instant) -> Verdict {
    evaluate_with(bundle, subject, stage, now, &[])
}

/// Evaluates every lifecycle rule of the policy sets mapped to `subject`, and every document an engine
/// accepts, at `stage`; applies the exceptions valid at `now`; decides.
#[must_use]
pub fn evaluate_with(
    bundle: &Bundle,
    subject: &Subject<'_>,
    stage: Stage,
    now: Instant,
    engines: &[&dyn Engine],
) -> Verdict {
    let mut notes: BTreeSet<String> = BTreeSet::new();
    let (selected, mut results) = lifecycle(bundle, subject, stage, now, &mut notes);
    let docs = engine_documents(bundle, engines, &mut notes);
    let mut merged = Merged::default();
    for (engine, docs) in &docs {
        merged.add(engine.evaluate(docs, subject, stage, now), *engine);
    }
    merged.finish(&mut results, &mut notes);
    decide(bundle, subject, stage, now, selected, results, notes)
}

/// Evaluates a set of Kubernetes objects (a manifest scan) as one subject: the lifecycle rules over `report`
/// (the built-in checks' findings on those objects), and every engine document over each object, one object
/// at a time. A single object (or `AdmissionReview`) is also what mappings and exceptions select by namespace
/// and labels; with several, the defaults apply. A policy's results for all objects become one [`RuleResult`]: it errs when any evaluation errs,
/// fails when any object violates it (each hit names its object), passes when it matched an object and none
/// violated it, and is skipped (with the first reason) when it matched none.
#[must_use]
pub fn evaluate_objects<I>(
    bundle: &Bundle,
    report: &bulwark_report::Report,
    objects: I,
    stage: Stage,
    now: Instant,
    engines: &[&dyn Engine],
) -> Verdict
where
    I: IntoIterator<Item = serde_json::Value>,
{
    evaluate_objects_with(bundle, report, objects, None, stage, now, engines)
}

/// [`evaluate_objects`] with the verified signatures of what the objects run (the admission webhook looks them
/// up, through its per-image cache): `signatures:` rules judge them.
#[must_use]
pub fn evaluate_objects_with<I, V>(
    bundle: &Bundle,
    report: &bulwark_report::Report,
    objects: I,
    signatures: Option<&[Signature]>,
    stage: Stage,
    now: Instant,
    engines: &[&dyn Engine],
) -> Verdict
where
    I: IntoIterator<Item = V>,
    V: std::borrow::Borrow<serde_json::Value>,
{
    let objects: Vec<V> = objects.into_iter().collect();
    // One object (an admission request, a single manifest) is the subject with the report: mappings and
    // exceptions select it by its namespace and labels, as they would a subject document holding both.
    let mut subject = Subject::report(report);
    if let [one] = objects.as_slice() {
        subject.object = Some(one.borrow());
    }
    subject.signatures = signatures;
    let mut notes: BTreeSet<String> = BTreeSet::new();
    let (selected, mut results) = lifecycle(bundle, &subject, stage, now, &mut notes);
    let docs = engine_documents(bundle, engines, &mut notes);
    let mut merged = Merged::default();
    if !docs.is_empty() {
        for object in &objects {
            let one = Subject::object(object.borrow());
            for (engine, docs) in &docs {
                merged.add(engine.evaluate(docs, &one, stage, now), *engine);
            }
        }
    }
    merged.finish(&mut results, &mut notes);
    let mut verdict = decide(bundle, &subject, stage, now, selected, results, notes);
    // The subject is still the manifest set the report names, even when it holds one object.
    verdict.subject = Subject::report(report).info();
    verdict
}

/// The lifecycle rules of every policy set, run against the subject: the sets the mappings selected, and one
/// result per rule.
fn lifecycle(
    bundle: &Bundle,
    subject: &Subject<'_>,
    stage: Stage,
    now: Instant,
    notes: &mut BTreeSet<String>,
) -> (Vec<String>, Vec<RuleResult>) {
    let ix = rules::Index::new(subject, now);
    let image = subject.image_reference();

    // Mappings: the first that selects the subject decides; then `default`; then every set.
    let all: Vec<String> = bundle.policy_sets.iter().map(|s| s.name.clone()).collect();
    let selected: Vec<String> = if bundle.mappings.is_empty() {
        all.clone()
    } else if let Some(m) = bundle
        .mappings
        .iter()
        .find(|m| m.selects(subject, image.as_deref()))
    {
        notes.insert(format!(
            "mapping '{}' ({}) selected the subject",
            m.name, m.source
        ));
        m.policy_sets.clone()
    } else if let Some(d) = &bundle.default_sets {
        notes.insert("no mapping selected the subject: the default policy sets apply".into());
        d.clone()
    } else {
        notes.insert(
            "no mapping selected the subject and there is no default: every policy set applies"
                .into(),
        );
        all.clone()
    };

    let mut results = Vec::new();
    for set in &bundle.policy_sets {
        let mapped = selected.contains(&set.name);
        for rule in &set.rules {
            let base = RuleResult {
                rule: rule.id.clone(),
                engine: "lifecycle".into(),
                policy_set: Some(set.name.clone()),
                source: Some(rule.source.clone()),
                description: rule.description.clone(),
                action: Action::Info,
                outcome: Outcome::Skip,
                message: None,
                hits: Vec::new(),
                excepted: Vec::new(),
            };
            let Some(&action) = rule.stages.get(&stage) else {
                results.push(RuleResult {
                    message: Some(format!("not applied at the {stage} stage")),
                    ..base
                });
                continue;
            };
            if !mapped {
                results.push(RuleResult {
                    action,
                    message: Some(format!(
                        "policy set '{}' is not mapped to this subject",
                        set.name
                    )),
                    ..base
                });
                continue;
            }
            let found = rule.run(subject, &ix);
            notes.extend(
                found
                    .notes
                    .iter()
                    .map(|n| format!("rule '{}': {n}", rule.id)),
            );
            if found.ran == 0 {
                results.push(RuleResult {
                    action,
                    message: Some(found.skipped.join("; ")),
                    ..base
                });
                continue;
            }
            for s in &found.skipped {
                notes.insert(format!("rule '{}': {s}", rule.id));
            }
            results.push(RuleResult {
                action,
                outcome: if found.hits.is_empty() {
                    Outcome::Pass
                } else {
                    Outcome::Fail
                },
                hits: found.hits,
                ..base
            });
        }
    }

    (selected, results)
}

/// The documents each engine takes (the first engine that accepts a document gets it); the documents none takes
/// are listed in the notes.
fn engine_documents<'b, 'e>(
    bundle: &'b Bundle,
    engines: &[&'e dyn Engine],
    notes: &mut BTreeSet<String>,
) -> Vec<(&'e dyn Engine, Vec<&'b RawDocument>)> {
    let mut taken = vec![false; bundle.documents.len()];
    let mut out = Vec::new();
    for &engine in engines {
        let mut docs: Vec<&RawDocument> = Vec::new();
        for (d, t) in bundle.documents.iter().zip(taken.iter_mut()) {
            if !*t && engine.accepts(d) {
                *t = true;
                docs.push(d);
            }
        }
        if !docs.is_empty() {
            out.push((engine, docs));
        }
    }
    let mut left: BTreeMap<&str, usize> = BTreeMap::new();
    for (d, t) in bundle.documents.iter().zip(&taken) {
        if !t {
            *left.entry(d.kind.as_str()).or_default() += 1;
        }
    }
    for (kind, n) in left {
        notes.insert(format!(
            "{n} {kind} document(s) not evaluated: no engine for them here"
        ));
    }
    out
}

/// Engine results gathered over one or many subjects, one result per (engine, policy set, rule, source).
#[derive(Default)]
struct Merged {
    results: BTreeMap<(String, Option<String>, String, Option<String>), RuleResult>,
    notes: BTreeSet<String>,
}

impl Merged {
    fn add(&mut self, out: Result<EngineOutput, EngineError>, engine: &dyn Engine) {
        let results = match out {
            Ok(out) => {
                self.notes.extend(out.notes);
                out.results
            }
            Err(e) => vec![RuleResult {
                rule: e.policy.clone(),
                engine: engine.name().to_string(),
                policy_set: None,
                source: Some(format!("{}:{}", e.file, e.line)),
                description: String::new(),
                action: Action::Fail,
                outcome: Outcome::Error,
                message: Some(e.to_string()),
                hits: Vec::new(),
                excepted: Vec::new(),
            }],
        };
        for r in results {
            let key = (
                r.engine.clone(),
                r.policy_set.clone(),
                r.rule.clone(),
                r.source.clone(),
            );
            match self.results.entry(key) {
                std::collections::btree_map::Entry::Vacant(v) => {
                    v.insert(r);
                }
                std::collections::btree_map::Entry::Occupied(mut o) => merge(o.get_mut(), r),
            }
        }
    }

    fn finish(self, results: &mut Vec<RuleResult>, notes: &mut BTreeSet<String>) {
        results.extend(self.results.into_values());
        notes.extend(self.notes);
    }
}

/// Folds one more subject's result for the same rule into `into`.
fn merge(into: &mut RuleResult, r: RuleResult) {
    fn rank(o: Outcome) -> u8 {
        match o {
            Outcome::Skip => 0,
            Outcome::Pass => 1,
            Outcome::Fail => 2,
            Outcome::Error => 3,
        }
    }
    if rank(r.outcome) > rank(into.outcome) {
        if into.outcome == Outcome::Skip {
            into.action = r.action;
        }
        into.outcome = r.outcome;
        into.message = r.message;
    }
    into.hits.extend(r.hits);
    into.excepted.extend(r.excepted);
}

/// Applies the exceptions valid at `now` to every result's hits, and decides.
fn decide(
    bundle: &Bundle,
    subject: &Subject<'_>,
    stage: Stage,
    now: Instant,
    selected: Vec<String>,
    mut results: Vec<RuleResult>,
    notes: BTreeSet<String>,
) -> Verdict {
    let image = subject.image_reference();
    let digest = subject.image_digest();
    // Exceptions: the first valid exception that covers a hit accepts it; expired ones only count.
    let mut applied = vec![0usize; bundle.exceptions.len()];
    let mut expired = vec![0usize; bundle.exceptions.len()];
    for r in &mut results {
        if r.hits.is_empty() {
            continue;
        }
        if bundle.exceptions.is_empty() {
            r.hits.sort_unstable();
            r.hits.dedup();
            continue;
        }
        let hits = std::mem::take(&mut r.hits);
        for h in hits {
            let mut accepted = None;
            for (i, e) in bundle.exceptions.iter().enumerate() {
                if !e.covers(&r.rule, &h, image.as_deref(), digest) {
                    continue;
                }
                if e.is_expired(now) {
                    expired[i] += 1;
                } else {
                    applied[i] += 1;
                    accepted = Some(e.id.clone());
                    break;
                }
            }
            match accepted {
                Some(exception) => r.excepted.push(ExceptedHit { exception, hit: h }),
                None => r.hits.push(h),
            }
        }
        r.hits.sort_unstable();
        r.hits.dedup();
        r.excepted.sort_unstable();
        r.excepted.dedup();
        if r.outcome == Outcome::Fail && r.hits.is_empty() {
            r.outcome = Outcome::Pass;
        }
    }
    let mut exceptions = Exceptions::default();
    for (i, e) in bundle.exceptions.iter().enumerate() {
        if e.is_expired(now) {
            exceptions.expired.push(e.record(expired[i]));
        } else if applied[i] > 0 {
            exceptions.applied.push(e.record(applied[i]));
        }
    }
    exceptions.applied.sort();
    exceptions.expired.sort();

    results.sort_by(|a, b| {
        (
            a.engine.as_str(),
            a.policy_set.as_deref(),
            a.rule.as_str(),
            a.source.as_deref(),
        )
            .cmp(&(
                b.engine.as_str(),
                b.policy_set.as_deref(),
                b.rule.as_str(),
                b.source.as_deref(),
            ))
    });
    let decision = results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Fail | Outcome::Error))
        .map(|r| match r.action {
            Action::Fail => Decision::Fail,
            Action::Warn => Decision::Warn,
            Action::Info => Decision::Pass,
        })
        .max()
        .unwrap_or(Decision::Pass);
    let mut policy_sets = selected;
    policy_sets.sort();
    policy_sets.dedup();

    Verdict {
        decision,
        stage,
        evaluated_at: now.to_string(),
        bundle: bundle.info.clone(),
        subject: subject.info(),
        policy_sets,
        results,
        exceptions,
        db: subject
            .report
            .and_then(|r| r.vulnerability_db.as_ref())
            .map(|d| DbInfo {
                built_at: d.built_at.clone(),
                sources: d.sources.clone(),
            }),
        notes: notes.into_iter().collect(),
    }
}
