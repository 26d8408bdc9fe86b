//! One bundle holding lifecycle rules, a ValidatingAdmissionPolicy, a Gatekeeper template and constraint (the
//! gatekeeper-library's `requiredlabels`, read from the fixtures) and a conftest policy: one verdict, the same
//! bytes every time and from every `Engines` built from it.

mod common;

use bulwark_policy::{Action, Bundle, BundleFile, Decision, Outcome, Stage, Subject};
use bulwark_policy_engines::Engines;
use bulwark_report::{ImageMetadata, Report, Target, TargetKind};
use common::{fixtures, now, result};

const RULES: &str = r"apiVersion: policy.bulwark.dev/v1
kind: PolicySet
metadata: {name: baseline}
rules:
  - id: no-root-user
    description: containers must not run as root
    stages: {build: warn, release: fail, deploy: fail}
    image: {nonRootUser: true}
";

const VAP: &str = r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: replicas
  annotations: {policy.bulwark.dev/stages: deploy}
spec:
  matchConstraints:
    resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}]
  validations:
  - expression: object.spec.replicas <= 5
    messageExpression: "'replicas: ' + string(object.spec.replicas) + ' > 5'"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: replicas-warn}
spec: {policyName: replicas, validationActions: [Warn]}
"#;

const CONSTRAINT: &str = r"apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sRequiredLabels
metadata: {name: must-have-owner}
spec:
  match:
    kinds: [{apiGroups: [apps], kinds: [Deployment]}]
  parameters:
    labels: [{key: owner}]
";

const CONFTEST: &str = r#"package main

deny contains msg if {
  some c in input.spec.template.spec.containers
  endswith(c.image, ":latest")
  msg := sprintf("container %s uses a latest tag", [c.name])
}
"#;

fn bundle() -> Bundle {
    let template = std::fs::read(
        fixtures().join("upstream/gatekeeper-library/library/general/requiredlabels/template.yaml"),
    )
    .unwrap();
    let files = vec![
        BundleFile {
            path: "rules.yaml".into(),
            bytes: RULES.as_bytes().to_vec(),
        },
        BundleFile {
            path: "k8s/vap.yaml".into(),
            bytes: VAP.as_bytes().to_vec(),
        },
        BundleFile {
            path: "gatekeeper/template.yaml".into(),
            bytes: template,
        },
        BundleFile {
            path: "gatekeeper/constraint.yaml".into(),
            bytes: CONSTRAINT.as_bytes().to_vec(),
        },
        BundleFile {
            path: "rego/images.rego".into(),
            bytes: CONFTEST.as_bytes().to_vec(),
        },
    ];
    Bundle::from_files(files, "mixed", None).unwrap()
}

fn subject_data() -> (Report, serde_json::Value) {
    let mut report = Report::new(Target {
        kind: TargetKind::Image,
        name: "app:1".into(),
        image: None,
    });
    report.created_at = "2026-12-01T00:00:00Z".into();
    report.target.image = Some(ImageMetadata {
        config: serde_json::json!({"User": "root"}),
        ..ImageMetadata::default()
    });
    let deploy = serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
        "spec": {"replicas": 9, "template": {"spec": {"containers": [{"name": "app", "image": "app:latest"}]}}}});
    (report, deploy)
}

#[test]
fn one_verdict_from_every_engine() {
    let b = bundle();
    assert!(b.warnings.is_empty(), "{:?}", b.warnings);
    let e = Engines::new(&b).unwrap();
    assert_eq!(e.counts(), [("cel", 1), ("gatekeeper", 1), ("rego", 1)]);
    let (report, deploy) = subject_data();
    let subject = Subject {
        report: Some(&report),
        object: Some(&deploy),
        ..Subject::default()
    };
    let v = e.evaluate(&b, &subject, Stage::Deploy, now());
    assert_eq!(v.decision, Decision::Fail);
    // Nothing left for want of an engine.
    assert!(
        !v.notes.iter().any(|n| n.contains("not evaluated")),
        "{:?}",
        v.notes
    );
    let engines: Vec<&str> = v.results.iter().map(|r| r.engine.as_str()).collect();
    assert_eq!(engines, ["cel", "gatekeeper", "lifecycle", "rego"]);

    let root = result(&v, "no-root-user");
    assert_eq!((root.outcome, root.action), (Outcome::Fail, Action::Fail));
    let replicas = result(&v, "replicas");
    assert_eq!(
        (replicas.outcome, replicas.action),
        (Outcome::Fail, Action::Warn)
    );
    assert_eq!(&*replicas.hits[0].message, "replicas: 9 > 5");
    assert_eq!(replicas.source.as_deref(), Some("k8s/vap.yaml:1"));
    let owner = result(&v, "must-have-owner");
    assert_eq!((owner.outcome, owner.action), (Outcome::Fail, Action::Fail));
    assert_eq!(
        owner.hits[0].resource.as_deref(),
        Some("Deployment/shop/web")
    );
    assert_eq!(
        owner.source.as_deref(),
        Some("gatekeeper/constraint.yaml:1")
    );
    let latest = result(&v, "main.deny");
    assert_eq!(&*latest.hits[0].message, "container app uses a latest tag");

    // The VAP is restricted to deploy: skipped at build, where the lifecycle rule only warns.
    let v = e.evaluate(&b, &subject, Stage::Build, now());
    let replicas = result(&v, "replicas");
    assert_eq!(replicas.outcome, Outcome::Skip);
    assert_eq!(
        replicas.message.as_deref(),
        Some("not applied at the build stage")
    );
    assert_eq!(result(&v, "no-root-user").action, Action::Warn);
}

#[test]
fn the_verdict_is_the_same_bytes_every_time() {
    let b = bundle();
    let (report, deploy) = subject_data();
    let subject = Subject {
        report: Some(&report),
        object: Some(&deploy),
        ..Subject::default()
    };
    let first = Engines::new(&b).unwrap();
    let second = Engines::new(&bundle()).unwrap();
    let a = first.evaluate(&b, &subject, Stage::Deploy, now()).to_json();
    for _ in 0..3 {
        assert_eq!(
            first.evaluate(&b, &subject, Stage::Deploy, now()).to_json(),
            a
        );
        assert_eq!(
            second
                .evaluate(&b, &subject, Stage::Deploy, now())
                .to_json(),
            a
        );
    }
    // From another thread too (one Engines serves them all).
    let from_thread = std::thread::scope(|s| {
        s.spawn(|| first.evaluate(&b, &subject, Stage::Deploy, now()).to_json())
            .join()
            .unwrap()
    });
    assert_eq!(from_thread, a);
}

#[test]
fn an_admission_review_is_judged_by_its_object() {
    let b = bundle();
    let e = Engines::new(&b).unwrap();
    let (_, mut deploy) = subject_data();
    deploy["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("namespace");
    let review = serde_json::json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": "1", "operation": "CREATE", "namespace": "shop",
                    "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
                    "userInfo": {"username": "alice"}, "object": deploy}});
    let v = e.evaluate(&b, &Subject::object(&review), Stage::Deploy, now());
    for rule in ["replicas", "must-have-owner", "main.deny"] {
        let r = result(&v, rule);
        assert_eq!(r.outcome, Outcome::Fail, "{rule}: {}", v.to_json());
        assert_eq!(
            r.hits[0].resource.as_deref(),
            Some("Deployment/shop/web"),
            "{rule}"
        );
    }
}

#[test]
fn a_report_alone_skips_the_admission_policies() {
    let b = bundle();
    let e = Engines::new(&b).unwrap();
    let (report, _) = subject_data();
    let v = e.evaluate(&b, &Subject::report(&report), Stage::Deploy, now());
    for rule in ["replicas", "must-have-owner"] {
        let r = result(&v, rule);
        assert_eq!(r.outcome, Outcome::Skip, "{rule}");
        assert_eq!(
            r.message.as_deref(),
            Some("the subject has no Kubernetes object")
        );
    }
    // The conftest rule reads the report: no containers there, so it passes.
    assert_eq!(result(&v, "main.deny").outcome, Outcome::Pass);
}
