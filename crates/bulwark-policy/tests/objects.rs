//! `evaluate_objects`: a manifest set is one subject; an engine's results for each object fold into one result
//! per policy (fail when any object violates it, each hit naming its object; skip only when no object matched).

use bulwark_policy::{
    Action, Bundle, BundleFile, Decision, Engine, EngineError, EngineOutput, Hit, Instant, Outcome,
    RawDocument, RuleResult, Stage, Subject, evaluate_objects, evaluate_with,
};
use bulwark_report::{Report, Target, TargetKind};
use serde_json::json;

/// Judges objects by a label: `kind: LabelPolicy` documents name a label that must not be `"true"`; only Pods
/// match; a document named `broken` fails to evaluate.
struct LabelEngine;

impl Engine for LabelEngine {
    fn name(&self) -> &'static str {
        "label"
    }
    fn accepts(&self, doc: &RawDocument) -> bool {
        doc.kind == "LabelPolicy"
    }
    fn evaluate(
        &self,
        docs: &[&RawDocument],
        subject: &Subject<'_>,
        _stage: Stage,
        _now: Instant,
    ) -> Result<EngineOutput, EngineError> {
        let object = subject.object.expect("an object");
        let mut out = EngineOutput::default();
        for d in docs {
            let name = d.name.clone().unwrap_or_default();
            if name == "broken" {
                return Err(EngineError {
                    file: d.file.clone(),
                    line: d.line,
                    policy: name,
                    message: "cannot evaluate".into(),
                });
            }
            let label = d.value.as_ref().unwrap()["label"]
                .as_str()
                .unwrap()
                .to_string();
            let base = RuleResult {
                rule: name,
                engine: "label".into(),
                policy_set: None,
                source: Some(format!("{}:{}", d.file, d.line)),
                description: String::new(),
                action: Action::Fail,
                outcome: Outcome::Pass,
                message: None,
                hits: Vec::new(),
                excepted: Vec::new(),
            };
            if object["kind"] != "Pod" {
                out.results.push(RuleResult {
                    outcome: Outcome::Skip,
                    message: Some(format!("{} is not a Pod", object["kind"])),
                    ..base
                });
            } else if object["metadata"]["labels"][&label] == "true" {
                out.results.push(RuleResult {
                    outcome: Outcome::Fail,
                    hits: vec![Hit {
                        resource: subject.object_resource().map(Into::into),
                        field: Some(format!("metadata.labels.{label}").into()),
                        message: format!("label {label} is true").into(),
                        ..Hit::default()
                    }],
                    ..base
                });
            } else {
                out.results.push(base);
            }
        }
        Ok(out)
    }
}

fn bundle(docs: &str) -> Bundle {
    Bundle::from_files(
        vec![BundleFile {
            path: "label.yaml".into(),
            bytes: docs.as_bytes().to_vec(),
        }],
        "labels",
        None,
    )
    .unwrap()
}

fn pod(name: &str, privileged: bool) -> serde_json::Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop", "labels": {"privileged": privileged.to_string()}}})
}

#[test]
fn one_result_per_policy_over_every_object() {
    let b = bundle(
        "kind: LabelPolicy\nmetadata: {name: no-privileged}\nlabel: privileged\n---\n\
         kind: LabelPolicy\nmetadata: {name: no-debug}\nlabel: debug\n",
    );
    let report = Report::new(Target {
        kind: TargetKind::Manifests,
        name: "app.yaml".into(),
        image: None,
    });
    let objects = vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}),
        pod("web", false),
        pod("debug", true),
        pod("admin", true),
    ];
    let now = Instant::parse("2026-12-01").unwrap();
    let v = evaluate_objects(
        &b,
        &report,
        objects.clone(),
        Stage::Deploy,
        now,
        &[&LabelEngine],
    );
    assert_eq!(v.decision, Decision::Fail);
    assert_eq!(v.subject.kind, "manifests");
    assert_eq!(v.results.len(), 2, "{}", v.to_json());
    let priv_ = v
        .results
        .iter()
        .find(|r| r.rule == "no-privileged")
        .unwrap();
    assert_eq!(priv_.outcome, Outcome::Fail);
    let hit: Vec<_> = priv_
        .hits
        .iter()
        .map(|h| h.resource.as_deref().unwrap())
        .collect();
    assert_eq!(hit, ["Pod/shop/admin", "Pod/shop/debug"]);
    let debug = v.results.iter().find(|r| r.rule == "no-debug").unwrap();
    assert_eq!(
        (debug.outcome, debug.message.as_deref()),
        (Outcome::Pass, None)
    );

    // Only the Namespace: every policy skipped, with the reason.
    let v = evaluate_objects(
        &b,
        &report,
        objects[..1].to_vec(),
        Stage::Deploy,
        now,
        &[&LabelEngine],
    );
    assert_eq!(v.decision, Decision::Pass);
    assert!(v.results.iter().all(|r| r.outcome == Outcome::Skip
        && r.message.as_deref() == Some("\"Namespace\" is not a Pod")));

    // One object through evaluate_objects or evaluate_with: the same results.
    let single = evaluate_with(
        &b,
        &Subject::object(&objects[2]),
        Stage::Deploy,
        now,
        &[&LabelEngine],
    );
    let set = evaluate_objects(
        &b,
        &report,
        objects[2..3].to_vec(),
        Stage::Deploy,
        now,
        &[&LabelEngine],
    );
    assert_eq!(single.results, set.results);
}

#[test]
fn an_engine_error_fails_closed_and_names_the_policy() {
    let b = bundle("kind: LabelPolicy\nmetadata: {name: broken}\nlabel: x\n");
    let report = Report::new(Target {
        kind: TargetKind::Manifests,
        name: "a.yaml".into(),
        image: None,
    });
    let now = Instant::parse("2026-12-01").unwrap();
    let v = evaluate_objects(
        &b,
        &report,
        vec![pod("a", false), pod("b", false)],
        Stage::Build,
        now,
        &[&LabelEngine],
    );
    assert_eq!(v.decision, Decision::Fail);
    assert_eq!(v.results.len(), 1);
    assert_eq!(v.results[0].outcome, Outcome::Error);
    assert_eq!(
        v.results[0].message.as_deref(),
        Some("label.yaml:1: broken: cannot evaluate")
    );
}
