//! `.rego` files of a bundle as conftest policies (package `main`): over a manifest, and over a report, whose
//! input is the report's JSON document as `scan -f json` writes it (bulwark_report::render_json).

mod common;

use std::sync::Arc;

use bulwark_policy::{Action, Decision, Outcome, Stage, Subject};
use bulwark_policy_engines::Engines;
use bulwark_report::{Report, Target, TargetKind};
use bulwark_types::{Finding, FindingKind, Location, Severity};
use common::{bundle, eval_object, now, result};

/// The example of conftest's README (`policy/deployment.rego`), in Rego v1.
const DEPLOYMENT: &str = r#"package main

deny contains msg if {
  input.kind == "Deployment"
  not input.spec.template.spec.securityContext.runAsNonRoot
  msg := "Containers must not run as root"
}

deny contains msg if {
  input.kind == "Deployment"
  not input.spec.selector.matchLabels.app
  msg := "Containers must provide app label for pod selectors"
}

warn_replicas contains msg if {
  input.kind == "Deployment"
  input.spec.replicas < 2
  msg := sprintf("%s has a single replica", [input.metadata.name])
}
"#;

fn deployment(non_root: bool) -> serde_json::Value {
    serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "hello-kubernetes", "namespace": "web"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "hello-kubernetes"}},
                 "template": {"spec": {"securityContext": {"runAsNonRoot": non_root},
                              "containers": [{"name": "h", "image": "paulbouwer/hello-kubernetes:1.5"}]}}}})
}

#[test]
fn deny_and_warn_rules_over_a_manifest() {
    let b = bundle(&[("policy/deployment.rego", DEPLOYMENT)]);
    let e = Engines::new(&b).unwrap();
    let v = eval_object(&b, &e, &deployment(false), Stage::Deploy);
    let deny = result(&v, "main.deny");
    assert_eq!(deny.outcome, Outcome::Fail);
    assert_eq!(deny.action, Action::Fail);
    assert_eq!(deny.engine, "rego");
    assert_eq!(deny.source.as_deref(), Some("policy/deployment.rego:3"));
    assert_eq!(deny.hits.len(), 1);
    assert_eq!(&*deny.hits[0].message, "Containers must not run as root");
    assert_eq!(
        deny.hits[0].resource.as_deref(),
        Some("Deployment/web/hello-kubernetes")
    );
    let warn = result(&v, "main.warn_replicas");
    assert_eq!(warn.action, Action::Warn);
    assert_eq!(
        &*warn.hits[0].message,
        "hello-kubernetes has a single replica"
    );
    assert_eq!(v.decision, Decision::Fail);

    let v = eval_object(&b, &e, &deployment(true), Stage::Build);
    assert_eq!(result(&v, "main.deny").outcome, Outcome::Pass);
    assert_eq!(v.decision, Decision::Warn);
}

fn report() -> Report {
    let mut r = Report::new(Target {
        kind: TargetKind::Image,
        name: "registry.example.com/shop/app:1.2".into(),
        image: None,
    });
    r.created_at = "2026-12-01T00:00:00Z".into();
    r.findings.push(Finding {
        kind: FindingKind::Vulnerability,
        id: "CVE-2024-3094".into(),
        name: None,
        severity: Severity::Critical,
        title: "xz backdoor".into(),
        message: Arc::from("liblzma5 5.6.0 is affected"),
        location: Location::file("/var/lib/dpkg/status"),
        evidence: None,
        references: vec![],
        properties: std::collections::BTreeMap::default(),
        shared_properties: None,
    });
    r
}

#[test]
fn the_input_of_a_report_is_its_json_document() {
    let policy = r#"package main

deny contains msg if {
  some f in input.findings
  f.severity == "CRITICAL"
  msg := sprintf("%s in %s", [f.id, input.target.name])
}

warn_document contains msg if {
  msg := json.marshal(input)
}
"#;
    let b = bundle(&[("report.rego", policy)]);
    let e = Engines::new(&b).unwrap();
    let rep = report();
    let v = bulwark_policy::evaluate_with(
        &b,
        &Subject::report(&rep),
        Stage::Release,
        now(),
        &e.as_dyn(),
    );
    let deny = result(&v, "main.deny");
    assert_eq!(deny.outcome, Outcome::Fail, "{}", v.to_json());
    assert_eq!(
        &*deny.hits[0].message,
        "CVE-2024-3094 in registry.example.com/shop/app:1.2"
    );
    assert_eq!(deny.hits[0].resource, None);
    // What the policy saw is what `scan -f json` writes.
    let mut rendered = Vec::new();
    bulwark_report::render_json(&rep, &mut rendered).unwrap();
    let rendered: serde_json::Value = serde_json::from_slice(&rendered).unwrap();
    let seen: serde_json::Value =
        serde_json::from_str(&result(&v, "main.warn_document").hits[0].message).unwrap();
    assert_eq!(seen, rendered);
}

#[test]
fn other_packages_are_libraries_and_said_so() {
    let lib = "package lib.k8s\n\nis_deployment if input.kind == \"Deployment\"\n";
    let main = "package main\n\nimport data.lib.k8s\n\ndeny contains \"no deployments\" if k8s.is_deployment\n";
    let b = bundle(&[("lib/k8s.rego", lib), ("main.rego", main)]);
    let e = Engines::new(&b).unwrap();
    let v = eval_object(&b, &e, &deployment(true), Stage::Deploy);
    assert_eq!(result(&v, "main.deny").outcome, Outcome::Fail);
    assert!(
        v.notes.iter().any(|n| n.contains("lib.k8s")),
        "{:?}",
        v.notes
    );
}

#[test]
fn a_stage_comment_restricts_the_rules_of_its_file() {
    let policy = format!("# policy.bulwark.dev/stages: build, release\n{DEPLOYMENT}");
    let b = bundle(&[("deployment.rego", &policy)]);
    let e = Engines::new(&b).unwrap();
    let v = eval_object(&b, &e, &deployment(false), Stage::Deploy);
    let deny = result(&v, "main.deny");
    assert_eq!(deny.outcome, Outcome::Skip);
    assert_eq!(
        deny.message.as_deref(),
        Some("not applied at the deploy stage")
    );
    assert_eq!(v.decision, Decision::Pass);
    let v = eval_object(&b, &e, &deployment(false), Stage::Build);
    assert_eq!(result(&v, "main.deny").outcome, Outcome::Fail);
}
