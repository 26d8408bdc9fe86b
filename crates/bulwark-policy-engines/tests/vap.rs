//! ValidatingAdmissionPolicy with parameters, as kubernetes.io's "Validating Admission Policy" page sets it up:
//! a `ReplicaLimit` parameter kind, a binding whose `paramRef` names one, and the API server's message for an
//! expression without `message` ("failed expression: …").

mod common;

use bulwark_policy::{Action, Decision, Outcome, Stage};
use bulwark_policy_engines::Engines;
use common::{bundle, eval_object, result};

const POLICY: &str = r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: "replicalimit-policy.example.com"
spec:
  failurePolicy: Fail
  paramKind:
    apiVersion: rules.example.com/v1
    kind: ReplicaLimit
  matchConstraints:
    resourceRules:
    - apiGroups:   ["apps"]
      apiVersions: ["v1"]
      operations:  ["CREATE", "UPDATE"]
      resources:   ["deployments"]
  validations:
    - expression: "object.spec.replicas <= params.maxReplicas"
      reason: Invalid
"#;

const BINDING: &str = r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: "replicalimit-binding-test.example.com"
spec:
  policyName: "replicalimit-policy.example.com"
  validationActions: [Deny]
  paramRef:
    name: "replica-limit-test.example.com"
    namespace: "default"
    parameterNotFoundAction: Deny
  matchResources:
    namespaceSelector:
      matchLabels:
        environment: test
"#;

const PARAMS: &str = r#"apiVersion: rules.example.com/v1
kind: ReplicaLimit
metadata:
  name: "replica-limit-test.example.com"
  namespace: "default"
maxReplicas: 3
"#;

/// The page's binding selects namespaces by label, which needs the Namespace object: without a cluster, the
/// binding here matches by resource only.
fn binding() -> String {
    BINDING.replace(
        "  matchResources:\n    namespaceSelector:\n      matchLabels:\n        environment: test\n",
        "",
    )
}

fn deployment(replicas: u32) -> serde_json::Value {
    serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"}, "spec": {"replicas": replicas}})
}

#[test]
fn parameters_come_from_the_bundle() {
    let b = bundle(&[
        ("policy.yaml", POLICY),
        ("binding.yaml", &binding()),
        ("params.yaml", PARAMS),
    ]);
    let e = Engines::new(&b).unwrap();
    let v = eval_object(&b, &e, &deployment(5), Stage::Deploy);
    // The parameter object is the engine's: nothing left unevaluated.
    assert!(v.notes.is_empty(), "{:?}", v.notes);
    let r = result(&v, "replicalimit-policy.example.com");
    assert_eq!((r.outcome, r.action), (Outcome::Fail, Action::Fail));
    assert_eq!(
        &*r.hits[0].message,
        "failed expression: object.spec.replicas <= params.maxReplicas"
    );
    assert_eq!(r.hits[0].field.as_deref(), Some("spec.replicas"));
    assert_eq!(v.decision, Decision::Fail);
    let v = eval_object(&b, &e, &deployment(3), Stage::Deploy);
    assert_eq!(
        result(&v, "replicalimit-policy.example.com").outcome,
        Outcome::Pass
    );
}

#[test]
fn a_missing_parameter_object_denies() {
    let b = bundle(&[("policy.yaml", POLICY), ("binding.yaml", &binding())]);
    let e = Engines::new(&b).unwrap();
    let v = eval_object(&b, &e, &deployment(1), Stage::Deploy);
    let r = result(&v, "replicalimit-policy.example.com");
    assert_eq!(r.outcome, Outcome::Error, "{}", v.to_json());
    assert!(
        r.message
            .as_deref()
            .unwrap()
            .contains("parameterNotFoundAction: Deny"),
        "{r:?}"
    );
    assert_eq!(v.decision, Decision::Fail);
}

#[test]
fn a_namespace_selector_needs_the_cluster() {
    let b = bundle(&[
        ("policy.yaml", POLICY),
        ("binding.yaml", BINDING),
        ("params.yaml", PARAMS),
    ]);
    let e = Engines::new(&b).unwrap();
    let v = eval_object(&b, &e, &deployment(5), Stage::Deploy);
    let r = result(&v, "replicalimit-policy.example.com");
    assert_eq!(r.outcome, Outcome::Error, "{}", v.to_json());
    assert!(
        r.message
            .as_deref()
            .unwrap()
            .contains("could not be fully evaluated")
    );
    assert!(
        v.notes
            .iter()
            .any(|n| n.contains("not fully evaluated offline"))
    );
}

#[test]
fn a_policy_without_binding_is_skipped() {
    let b = bundle(&[("policy.yaml", POLICY)]);
    let e = Engines::new(&b).unwrap();
    let v = eval_object(&b, &e, &deployment(5), Stage::Deploy);
    let r = result(&v, "replicalimit-policy.example.com");
    assert_eq!(r.outcome, Outcome::Skip);
    assert!(
        r.message
            .as_deref()
            .unwrap()
            .contains("no ValidatingAdmissionPolicyBinding")
    );
    assert_eq!(v.decision, Decision::Pass);
}
