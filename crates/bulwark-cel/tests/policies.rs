//! ValidatingAdmissionPolicy, bindings and parameters, and Kyverno ValidatingPolicy semantics.
//!
//! The scenarios follow the Kubernetes documentation ("Validating Admission Policy",
//! kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/): the basic
//! replicas policy and its denial message, the ReplicaLimit parameter with one binding per
//! environment selected by namespace labels, `parameterNotFoundAction`, `failurePolicy`,
//! `matchConditions`, `messageExpression`, `auditAnnotations`. Expected values are the ones the
//! page states.

use std::collections::HashMap;

use bulwark_cel::{Action, EvalContext, LoadError, Outcome, OutcomeResult, PolicySet, evaluate};
use serde_json::{Value, json};

fn deployment(ns: &str, replicas: i64) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": "web", "namespace": ns, "labels": {"app": "web"}},
           "spec": {"replicas": replicas, "template": {"spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})
}

fn namespaces(list: &[(&str, &str)]) -> HashMap<String, Value> {
    list.iter()
        .map(|(n, env)| ((*n).to_owned(), json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "labels": {"environment": env}}})))
        .collect()
}

const BASIC: &str = r"
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: demo-policy.example.com}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}
  validations:
  - expression: object.spec.replicas <= 5
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: demo-binding-test.example.com}
spec:
  policyName: demo-policy.example.com
  validationActions: [Deny]
  matchResources:
    namespaceSelector:
      matchLabels: {environment: test}
";

#[test]
fn basic_policy_denies_with_the_documented_message() {
    let set = PolicySet::from_yaml(BASIC, "basic.yaml").unwrap();
    let ctx = EvalContext {
        namespaces: namespaces(&[("default", "test")]),
        ..Default::default()
    };
    let out = evaluate(&set, &deployment("default", 6), &ctx);
    assert_eq!(out.len(), 1);
    let o = &out[0];
    assert_eq!(o.result, OutcomeResult::Fail);
    assert_eq!(o.binding.as_deref(), Some("demo-binding-test.example.com"));
    assert_eq!(o.actions, vec![Action::Deny]);
    // "ValidatingAdmissionPolicy 'demo-policy.example.com' with binding 'demo-binding-test.example.com'
    // denied request: failed expression: object.spec.replicas <= 5"
    assert_eq!(
        o.violations[0].message,
        "failed expression: object.spec.replicas <= 5"
    );
    assert_eq!(o.violations[0].reason, "Invalid");
    assert_eq!(
        o.violations[0].path.as_deref(),
        Some("object.spec.replicas")
    );
    assert_eq!(
        evaluate(&set, &deployment("default", 5), &ctx)[0].result,
        OutcomeResult::Pass
    );
    // The binding selects namespaces labelled environment=test only.
    let prod = EvalContext {
        namespaces: namespaces(&[("default", "prod")]),
        ..Default::default()
    };
    assert!(matches!(
        evaluate(&set, &deployment("default", 6), &prod)[0].result,
        OutcomeResult::Skip(_)
    ));
    // A Pod is not matched by the policy at all.
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"}});
    assert!(matches!(
        evaluate(&set, &pod, &ctx)[0].result,
        OutcomeResult::Skip(_)
    ));
}

#[test]
fn namespace_selector_without_the_namespace_needs_a_cluster() {
    let set = PolicySet::from_yaml(BASIC, "basic.yaml").unwrap();
    let out = evaluate(&set, &deployment("default", 6), &EvalContext::default());
    assert!(out[0].needs_cluster);
    match &out[0].result {
        OutcomeResult::Error(m) => assert!(
            m.contains("needs a live cluster") && m.contains("\"default\""),
            "{m}"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_policy_without_a_binding_has_no_effect() {
    let policy_only = BASIC.split("\n---\n").next().unwrap();
    let set = PolicySet::from_yaml(policy_only, "p.yaml").unwrap();
    let out = evaluate(&set, &deployment("default", 9), &EvalContext::default());
    assert!(
        matches!(&out[0].result, OutcomeResult::Skip(m) if m.contains("no ValidatingAdmissionPolicyBinding"))
    );
}

const PARAMS: &str = r#"
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: replicalimit-policy.example.com}
spec:
  failurePolicy: Fail
  paramKind: {apiVersion: rules.example.com/v1, kind: ReplicaLimit}
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}
  validations:
  - expression: object.spec.replicas <= params.maxReplicas
    messageExpression: "'object.spec.replicas must be no greater than ' + string(params.maxReplicas)"
    reason: Invalid
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: replicalimit-binding-test.example.com}
spec:
  policyName: replicalimit-policy.example.com
  validationActions: [Deny]
  paramRef: {name: replica-limit-test.example.com, namespace: default, parameterNotFoundAction: Deny}
  matchResources:
    namespaceSelector: {matchLabels: {environment: test}}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: replicalimit-binding-nontest}
spec:
  policyName: replicalimit-policy.example.com
  validationActions: [Deny]
  paramRef: {name: replica-limit-prod.example.com, namespace: default, parameterNotFoundAction: Deny}
  matchResources:
    namespaceSelector:
      matchExpressions: [{key: environment, operator: NotIn, values: [test]}]
---
apiVersion: rules.example.com/v1
kind: ReplicaLimit
metadata: {name: replica-limit-test.example.com, namespace: default}
maxReplicas: 3
---
apiVersion: rules.example.com/v1
kind: ReplicaLimit
metadata: {name: replica-limit-prod.example.com, namespace: default}
maxReplicas: 100
"#;

fn by_binding<'a>(out: &'a [Outcome], name: &str) -> &'a Outcome {
    out.iter()
        .find(|o| o.binding.as_deref() == Some(name))
        .unwrap()
}

#[test]
fn parameters_per_binding() {
    let set = PolicySet::from_yaml(PARAMS, "params.yaml").unwrap();
    assert_eq!(set.objects.len(), 2);
    let ctx = EvalContext {
        namespaces: namespaces(&[("dev", "test"), ("shop", "prod")]),
        ..Default::default()
    };

    // In a test namespace: limited to 3 by the first binding; the second does not select it.
    let out = evaluate(&set, &deployment("dev", 5), &ctx);
    let test = by_binding(&out, "replicalimit-binding-test.example.com");
    assert_eq!(test.result, OutcomeResult::Fail);
    assert_eq!(
        test.param.as_deref(),
        Some("replica-limit-test.example.com")
    );
    assert_eq!(
        test.violations[0].message,
        "object.spec.replicas must be no greater than 3"
    );
    assert!(matches!(
        by_binding(&out, "replicalimit-binding-nontest").result,
        OutcomeResult::Skip(_)
    ));

    // Elsewhere: limited to 100.
    let out = evaluate(&set, &deployment("shop", 5), &ctx);
    assert_eq!(
        by_binding(&out, "replicalimit-binding-nontest").result,
        OutcomeResult::Pass
    );
    let out = evaluate(&set, &deployment("shop", 101), &ctx);
    let o = by_binding(&out, "replicalimit-binding-nontest");
    assert_eq!(
        o.violations[0].message,
        "object.spec.replicas must be no greater than 100"
    );
}

#[test]
fn parameter_not_found_action() {
    let without_params: String = PARAMS
        .split("\n---\n")
        .take(3)
        .collect::<Vec<_>>()
        .join("\n---\n");
    let set = PolicySet::from_yaml(&without_params, "p.yaml").unwrap();
    let ctx = EvalContext {
        namespaces: namespaces(&[("dev", "test")]),
        ..Default::default()
    };
    let out = evaluate(&set, &deployment("dev", 1), &ctx);
    match &by_binding(&out, "replicalimit-binding-test.example.com").result {
        OutcomeResult::Error(m) => {
            assert!(m.contains("no ReplicaLimit parameter object found"), "{m}");
        }
        other => panic!("{other:?}"),
    }
    let allow = without_params.replace(
        "parameterNotFoundAction: Deny",
        "parameterNotFoundAction: Allow",
    );
    let set = PolicySet::from_yaml(&allow, "p.yaml").unwrap();
    let out = evaluate(&set, &deployment("dev", 1), &ctx);
    assert!(matches!(
        by_binding(&out, "replicalimit-binding-test.example.com").result,
        OutcomeResult::Skip(_)
    ));
}

const FULL: &str = r#"
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: full}
spec:
  failurePolicy: FAILURE_POLICY
  matchConstraints:
    resourceRules:
    - {apiGroups: ["*"], apiVersions: ["*"], operations: [CREATE, UPDATE], resources: ["*"]}
    excludeResourceRules:
    - {apiGroups: [coordination.k8s.io], apiVersions: ["*"], operations: ["*"], resources: [leases]}
    objectSelector:
      matchExpressions: [{key: skip, operator: DoesNotExist}]
  matchConditions:
  - name: exclude-kubelet-requests
    expression: "!('system:nodes' in request.userInfo.groups)"
  variables:
  - {name: replicas, expression: "object.spec.replicas"}
  validations:
  - expression: "variables.replicas <= 5"
    messageExpression: "'replicas ' + string(variables.replicas) + ' in ' + request.namespace"
    reason: Forbidden
  - expression: "oldObject == null || variables.replicas >= oldObject.spec.replicas"
    message: "scaling down is not allowed"
  auditAnnotations:
  - key: high-replica-count
    valueExpression: "variables.replicas > 3 ? 'Deployment spec.replicas set to ' + string(variables.replicas) : null"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: full-binding}
spec: {policyName: full, validationActions: [Warn, Audit]}
"#;

fn full(failure_policy: &str) -> PolicySet {
    PolicySet::from_yaml(&FULL.replace("FAILURE_POLICY", failure_policy), "full.yaml").unwrap()
}

#[test]
fn match_conditions_variables_messages_annotations_and_old_object() {
    let set = full("Fail");
    let ctx = EvalContext::default();
    let out = evaluate(&set, &deployment("dev", 7), &ctx);
    let o = &out[0];
    assert_eq!(o.result, OutcomeResult::Fail);
    assert_eq!(o.actions, vec![Action::Warn, Action::Audit]);
    assert_eq!(o.violations.len(), 1);
    assert_eq!(o.violations[0].message, "replicas 7 in dev");
    assert_eq!(o.violations[0].reason, "Forbidden");
    assert_eq!(
        o.audit_annotations
            .get("high-replica-count")
            .map(String::as_str),
        Some("Deployment spec.replicas set to 7")
    );
    // Null from valueExpression omits the annotation.
    let out = evaluate(&set, &deployment("dev", 2), &ctx);
    assert_eq!(out[0].result, OutcomeResult::Pass);
    assert!(out[0].audit_annotations.is_empty());

    // UPDATE with oldObject: the second validation, with its static message.
    let update = EvalContext {
        operation: "UPDATE".into(),
        old_object: Some(deployment("dev", 4)),
        ..Default::default()
    };
    let out = evaluate(&set, &deployment("dev", 3), &update);
    assert_eq!(
        out[0]
            .violations
            .iter()
            .map(|v| v.index)
            .collect::<Vec<_>>(),
        vec![1]
    );
    assert_eq!(out[0].violations[0].message, "scaling down is not allowed");
    // DELETE is not in the operations.
    let delete = EvalContext {
        operation: "DELETE".into(),
        ..Default::default()
    };
    assert!(matches!(
        evaluate(&set, &deployment("dev", 9), &delete)[0].result,
        OutcomeResult::Skip(_)
    ));

    // matchConditions: requests from kubelets are not evaluated.
    let kubelet = EvalContext {
        user_info: json!({"username": "system:node:n1", "groups": ["system:nodes"]}),
        ..Default::default()
    };
    match &evaluate(&set, &deployment("dev", 9), &kubelet)[0].result {
        OutcomeResult::Skip(m) => assert!(m.contains("exclude-kubelet-requests"), "{m}"),
        other => panic!("{other:?}"),
    }
    // excludeResourceRules and objectSelector.
    let lease = json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "l", "namespace": "dev"}});
    assert!(matches!(
        evaluate(&set, &lease, &ctx)[0].result,
        OutcomeResult::Skip(_)
    ));
    let mut skipped = deployment("dev", 9);
    skipped["metadata"]["labels"]["skip"] = json!("yes");
    assert!(matches!(
        evaluate(&set, &skipped, &ctx)[0].result,
        OutcomeResult::Skip(_)
    ));
}

#[test]
fn failure_policy_decides_what_an_evaluation_error_does() {
    // A ConfigMap has no spec.replicas: the variable fails, then the validation that reads it.
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "dev"}});
    match &evaluate(&full("Fail"), &cm, &EvalContext::default())[0].result {
        OutcomeResult::Error(m) => assert!(
            m.starts_with("validations[0].expression:") && m.contains("replicas"),
            "{m}"
        ),
        other => panic!("{other:?}"),
    }
    match &evaluate(&full("Ignore"), &cm, &EvalContext::default())[0].result {
        OutcomeResult::Skip(m) => assert!(m.contains("failurePolicy: Ignore"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn authorizer_checks_need_a_cluster() {
    let text = BASIC.replace(
        "  - expression: object.spec.replicas <= 5",
        "  - expression: authorizer.group('apps').resource('deployments').check('scale').allowed()",
    );
    let set = PolicySet::from_yaml(&text, "authz.yaml").unwrap();
    let ctx = EvalContext {
        namespaces: namespaces(&[("default", "test")]),
        ..Default::default()
    };
    let out = evaluate(&set, &deployment("default", 1), &ctx);
    assert!(out[0].needs_cluster);
    assert!(matches!(&out[0].result, OutcomeResult::Error(m) if m.contains("authorizer")));
}

#[test]
fn compile_errors_name_file_line_policy_validation_and_column() {
    let text = BASIC.replace(
        "  - expression: object.spec.replicas <= 5",
        "  - expression: object.spec.replicas <= 5\n  - expression: object.spec.(replicas)",
    );
    let err = PolicySet::from_yaml(&text, "bad.yaml").unwrap_err();
    match &err {
        LoadError::Compile {
            file,
            line,
            policy,
            field,
            error,
            ..
        } => {
            assert_eq!(file, "bad.yaml");
            assert_eq!(*line, 12);
            assert_eq!(policy, "demo-policy.example.com");
            assert_eq!(field, "validations[1].expression");
            assert_eq!(error.column, 13);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string().starts_with("bad.yaml:12: ValidatingAdmissionPolicy \"demo-policy.example.com\": validations[1].expression: CEL 1:13:"),
        "{err}"
    );
}

#[test]
fn malformed_yaml_and_specs_are_errors_with_a_line() {
    let err = PolicySet::from_yaml("apiVersion: v1\nkind: [\n", "broken.yaml").unwrap_err();
    assert!(matches!(err, LoadError::Yaml { line: 3, .. }), "{err}");
    let err = PolicySet::from_yaml(
        "---\napiVersion: policies.kyverno.io/v1\nkind: ValidatingPolicy\nmetadata: {name: x}\nspec:\n  validations: 3\n",
        "shape.yaml",
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("shape.yaml:2: ValidatingPolicy \"x\": spec: "),
        "{err}"
    );
}

const VPOL_NS: &str = r#"
apiVersion: policies.kyverno.io/v1
kind: ValidatingPolicy
metadata: {name: no-default-ns}
spec:
  validationActions: [Audit]
  matchConstraints:
    resourceRules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [pods]}]
  validations:
  - expression: "namespaceObject.metadata.name != 'default'"
    message: "no default namespace"
"#;

#[test]
fn kyverno_namespace_object_and_autogen() {
    let set = PolicySet::from_yaml(VPOL_NS, "ns.yaml").unwrap();
    assert_eq!(set.policies[0].autogen_controllers.len(), 6);
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": []}});
    // No Namespace object given: say so rather than guess.
    let out = evaluate(&set, &pod, &EvalContext::default());
    assert!(out[0].needs_cluster, "{out:?}");
    // With it: a pod without a namespace is in `default`.
    let ctx = EvalContext {
        namespaces: [(
            "default".to_owned(),
            json!({"metadata": {"name": "default"}}),
        )]
        .into_iter()
        .collect(),
        ..Default::default()
    };
    let out = evaluate(&set, &pod, &ctx);
    assert_eq!(out[0].result, OutcomeResult::Fail);
    assert_eq!(out[0].violations[0].message, "no default namespace");
    // A CronJob is judged through its pod template.
    let cron = json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
        "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": {"containers": []}}}}}});
    let out = evaluate(&set, &cron, &ctx);
    assert_eq!(out[0].result, OutcomeResult::Fail);
    assert_eq!(out[0].autogen.as_deref(), Some("CronJob"));
    assert_eq!(out[0].resource.kind, "CronJob");
    // Autogen off: a CronJob is not a pod.
    let off = EvalContext {
        autogen: false,
        ..ctx.clone()
    };
    assert!(matches!(
        evaluate(&set, &cron, &off)[0].result,
        OutcomeResult::Skip(_)
    ));
    // The annotation turns autogen off too.
    let none = VPOL_NS.replace("metadata: {name: no-default-ns}", "metadata:\n  name: no-default-ns\n  annotations: {pod-policies.kyverno.io/autogen-controllers: none}");
    let set = PolicySet::from_yaml(&none, "ns.yaml").unwrap();
    assert!(set.policies[0].autogen_controllers.is_empty());
}

#[test]
fn unknown_fields_warn() {
    let text = BASIC
        .replace(
            "  failurePolicy: Fail",
            "  failurePolicy: Fail\n  failurPolicy: Ignore",
        )
        .replace(
            "  - expression: object.spec.replicas <= 5",
            "  - expression: object.spec.replicas <= 5\n    mesage: typo",
        );
    let set = PolicySet::from_yaml(&text, "typo.yaml").unwrap();
    assert_eq!(
        set.warnings,
        vec![
            "typo.yaml:2: ValidatingAdmissionPolicy \"demo-policy.example.com\": unknown field spec.failurPolicy",
            "typo.yaml:2: ValidatingAdmissionPolicy \"demo-policy.example.com\": unknown field spec.validations[0].mesage",
        ]
    );
    // (The 31 kyverno policies use only known fields: tests/kyverno_suites.rs.)
    assert!(
        PolicySet::from_yaml(BASIC, "basic.yaml")
            .unwrap()
            .warnings
            .is_empty()
    );
}

#[test]
fn outcomes_serialize_flat() {
    let set = PolicySet::from_yaml(BASIC, "basic.yaml").unwrap();
    let ctx = EvalContext {
        namespaces: namespaces(&[("default", "test")]),
        ..Default::default()
    };
    let out = evaluate(&set, &deployment("default", 6), &ctx);
    let v = serde_json::to_value(&out[0]).unwrap();
    assert_eq!(v["result"], "fail");
    assert_eq!(v["policy"], "demo-policy.example.com");
    assert_eq!(v["binding"], "demo-binding-test.example.com");
    assert_eq!(v["actions"], json!(["Deny"]));
    assert_eq!(v["violations"][0]["index"], 0);
    assert_eq!(v["resource"]["kind"], "Deployment");
    let prod = EvalContext {
        namespaces: namespaces(&[("default", "prod")]),
        ..Default::default()
    };
    let v = serde_json::to_value(&evaluate(&set, &deployment("default", 6), &prod)[0]).unwrap();
    assert_eq!(v["result"], "skip");
    assert!(
        v["reason"].as_str().unwrap().contains("matchResources"),
        "{v}"
    );
}

#[test]
fn shared_variables_do_not_change_outcomes() {
    // Two policies with the same request-only variable, and one whose variable reads params:
    // together or alone, the outcomes are the same.
    let vpol = |name: &str, limit: i64| {
        format!(
            r"apiVersion: policies.kyverno.io/v1
kind: ValidatingPolicy
metadata: {{name: {name}}}
spec:
  matchConstraints:
    resourceRules: [{{apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}}]
  variables:
  - {{name: doubled, expression: 'object.spec.replicas * 2'}}
  validations:
  - expression: 'variables.doubled <= {limit}'
"
        )
    };
    let a = vpol("a", 10);
    let b = vpol("b", 20);
    let both = PolicySet::from_yaml(&format!("{a}---\n{b}"), "ab.yaml").unwrap();
    let d = deployment("x", 7);
    let ctx = EvalContext::default();
    let together: Vec<OutcomeResult> = evaluate(&both, &d, &ctx)
        .into_iter()
        .map(|o| o.result)
        .collect();
    let alone: Vec<OutcomeResult> = [a, b]
        .iter()
        .map(|t| {
            evaluate(&PolicySet::from_yaml(t, "one.yaml").unwrap(), &d, &ctx)
                .remove(0)
                .result
        })
        .collect();
    assert_eq!(together, vec![OutcomeResult::Fail, OutcomeResult::Pass]);
    assert_eq!(together, alone);

    // A variable that reads params is computed per parameter object.
    let text = PARAMS.replace(
        "  validations:\n  - expression: object.spec.replicas <= params.maxReplicas",
        "  variables:\n  - {name: max, expression: params.maxReplicas}\n  validations:\n  - expression: object.spec.replicas <= variables.max",
    );
    // One binding selecting both ReplicaLimits (3 and 100): two outcomes on the same object.
    let text = text.replace(
        "paramRef: {name: replica-limit-test.example.com, namespace: default, parameterNotFoundAction: Deny}",
        "paramRef: {namespace: default, selector: {}, parameterNotFoundAction: Deny}",
    );
    let set = PolicySet::from_yaml(&text, "params.yaml").unwrap();
    let ctx = EvalContext {
        namespaces: namespaces(&[("dev", "test")]),
        ..Default::default()
    };
    let out = evaluate(&set, &deployment("dev", 5), &ctx);
    let per_param: Vec<(Option<&str>, &OutcomeResult)> = out
        .iter()
        .filter(|o| o.binding.as_deref() == Some("replicalimit-binding-test.example.com"))
        .map(|o| (o.param.as_deref(), &o.result))
        .collect();
    assert_eq!(
        per_param,
        vec![
            (Some("replica-limit-test.example.com"), &OutcomeResult::Fail),
            (Some("replica-limit-prod.example.com"), &OutcomeResult::Pass)
        ]
    );
}
