//! Bad policies: a document that does not compile refuses the bundle with an error naming the file, the line
//! and the policy; a policy over its budget is an `error` result (which fails closed), never a hang.

mod common;

use std::time::{Duration, Instant};

use bulwark_policy::{Action, Decision, Outcome, Stage};
use bulwark_policy_engines::{Engines, Limits};
use common::{bundle, eval_object, result};

const BINDING: &str = "---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: demo}
spec: {policyName: demo, validationActions: [Deny]}
";

#[test]
fn a_malformed_cel_expression_names_file_line_and_policy() {
    let vap = "# leading comment\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\n\
               metadata: {name: demo}\nspec:\n  validations:\n  - expression: object.spec.replicas <= 5\n  \
               - expression: \"object.spec.replicas >>> 5\"\n";
    let b = bundle(&[("policies/vap.yaml", &format!("{vap}{BINDING}"))]);
    let e = Engines::new(&b).unwrap_err();
    assert_eq!(e.file, "policies/vap.yaml");
    assert_eq!(e.line, 9, "{e}");
    assert_eq!(e.policy, "ValidatingAdmissionPolicy demo");
    assert!(e.message.contains("validations[1].expression"), "{e}");
    assert!(
        e.to_string()
            .starts_with("policies/vap.yaml:9: ValidatingAdmissionPolicy demo: "),
        "{e}"
    );
}

#[test]
fn malformed_rego_names_file_line_and_policy() {
    let rego = "package main\n\ndeny contains msg if {\n  msg := \"x\"\n  input.a ==\n}\n";
    let b = bundle(&[("policy/bad.rego", rego)]);
    let e = Engines::new(&b).unwrap_err();
    assert_eq!(e.file, "policy/bad.rego");
    assert!((5..=6).contains(&e.line), "{e}");
    assert_eq!(e.policy, "package main");

    let template = r#"apiVersion: v1
kind: ConfigMap
metadata: {name: unrelated}
---
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8sbroken}
spec:
  crd: {spec: {names: {kind: K8sBroken}}}
  targets:
  - target: admission.k8s.gatekeeper.sh
    rego: |
      package k8sbroken
      violation[{"msg": msg}] {
        msg := concat("", [
      }
"#;
    let b = bundle(&[("gk/template.yaml", template)]);
    let e = Engines::new(&b).unwrap_err();
    assert_eq!(e.file, "gk/template.yaml");
    // regorus reports the unclosed rule body at its `{`: line 2 of the Rego, line 14 of the file.
    assert_eq!(e.line, 14, "{e}");
    assert!(e.policy.contains("k8sbroken"), "{e}");
}

#[test]
fn a_constraint_without_its_template_is_refused() {
    let c = "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sMissing\nmetadata: {name: x}\nspec: {}\n";
    let b = bundle(&[("c.yaml", c)]);
    let e = Engines::new(&b).unwrap_err();
    assert_eq!((e.file.as_str(), e.line), ("c.yaml", 1));
    assert!(e.message.contains("K8sMissing"), "{e}");
}

#[test]
fn a_cel_cost_overrun_is_an_error_result_that_fails() {
    let vap = "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: demo}\n\
               spec:\n  matchConstraints:\n    resourceRules: [{apiGroups: [''], apiVersions: [v1], operations: [CREATE], resources: [pods]}]\n  \
               validations:\n  - expression: lists.range(3000).all(a, lists.range(3000).all(b, a + b >= 0))\n";
    let b = bundle(&[("vap.yaml", &format!("{vap}{BINDING}"))]);
    // A deadline long enough for the cost budget to stop it first, even in a debug build.
    let limits = Limits {
        cel: bulwark_cel::Limits {
            deadline: Duration::from_mins(1),
            ..bulwark_cel::Limits::default()
        },
        ..Limits::default()
    };
    let e = Engines::with_limits(&b, limits).unwrap();
    let pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "a"}});
    let start = Instant::now();
    let v = eval_object(&b, &e, &pod, Stage::Deploy);
    assert!(start.elapsed() < Duration::from_secs(30));
    let r = result(&v, "demo");
    assert_eq!(r.outcome, Outcome::Error, "{}", v.to_json());
    assert_eq!(r.action, Action::Fail);
    assert_eq!(r.source.as_deref(), Some("vap.yaml:1"));
    assert!(r.message.as_deref().unwrap().contains("cost"), "{r:?}");
    assert_eq!(v.decision, Decision::Fail);
}

#[test]
fn a_rego_time_overrun_is_an_error_result_that_fails() {
    let runaway = "package main\n\ndeny[msg] {\n  xs := numbers.range(1, 20000)\n  pairs := [[a, b] | a := xs[_]; b := xs[_]]\n  \
                   count(pairs) > 0\n  msg := \"never\"\n}\n";
    let b = bundle(&[("runaway.rego", runaway)]);
    let limits = Limits {
        rego: bulwark_rego::Limits {
            time: Duration::from_millis(300),
        },
        ..Limits::default()
    };
    let e = Engines::with_limits(&b, limits).unwrap();
    let start = Instant::now();
    let v = eval_object(
        &b,
        &e,
        &serde_json::json!({"kind": "Pod", "metadata": {"name": "p"}}),
        Stage::Build,
    );
    assert!(start.elapsed() < Duration::from_secs(20));
    let r = result(&v, "main.deny");
    assert_eq!(r.outcome, Outcome::Error, "{}", v.to_json());
    assert!(
        r.message
            .as_deref()
            .unwrap()
            .contains("time limit of 300 ms"),
        "{r:?}"
    );
    assert_eq!(r.source.as_deref(), Some("runaway.rego:3"));
    assert_eq!(v.decision, Decision::Fail);
}

#[test]
fn a_bad_stage_annotation_is_refused() {
    let vap = "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\n\
               metadata: {name: demo, annotations: {policy.bulwark.dev/stages: 'deploy,ship'}}\n\
               spec:\n  validations:\n  - expression: 'true'\n";
    let b = bundle(&[("vap.yaml", vap)]);
    let e = Engines::new(&b).unwrap_err();
    assert!(e.message.contains("ship"), "{e}");
    assert_eq!((e.file.as_str(), e.line), ("vap.yaml", 1));
}

#[test]
fn malformed_cel_in_a_gatekeeper_template_is_refused_at_load() {
    let template = r#"apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8scelbroken}
spec:
  crd: {spec: {names: {kind: K8sCelBroken}}}
  targets:
  - target: admission.k8s.gatekeeper.sh
    code:
    - engine: K8sNativeValidation
      source:
        validations:
        - expression: "object.metadata.name ==="
          message: broken
"#;
    let b = bundle(&[("gk/cel.yaml", template)]);
    let e = Engines::new(&b).unwrap_err();
    assert_eq!((e.file.as_str(), e.line), ("gk/cel.yaml", 1), "{e}");
    assert!(e.policy.contains("k8scelbroken"), "{e}");
    assert!(e.message.contains("validations[0]"), "{e}");
}
