//! Gatekeeper's CEL engine on malformed template code: a clear error naming the template, never a panic.

use std::sync::Arc;

use bulwark_rego::cel::CelEngine;
use bulwark_rego::gatekeeper::{Gatekeeper, Inventory, load_constraints};
use serde_json::json;

fn template(code: &str) -> String {
    format!(
        "apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {{name: k8sbad}}
spec:
  crd:
    spec:
      names: {{kind: K8sBad}}
  targets:
  - target: admission.k8s.gatekeeper.sh
    code:
    - engine: K8sNativeValidation
      source:
{code}
"
    )
}

fn run(code: &str) -> String {
    let mut g = Gatekeeper::with_engines(vec![Arc::new(CelEngine::default())]);
    g.load_templates("t.yaml", &template(code)).unwrap();
    let c = load_constraints(
        "c.yaml",
        "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sBad\nmetadata: {name: bad}\nspec: {}\n",
    )
    .unwrap();
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {}});
    match g.evaluate(&c[0], &pod, &Inventory::default()) {
        Ok(e) => panic!("expected an error, got {e:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn malformed_cel_code_is_a_clear_error() {
    // Not CEL.
    let e = run("        validations:\n        - expression: 'object.spec.('\n");
    assert!(e.contains("k8sbad") && e.contains("validations[0]"), "{e}");
    // `validations` of the wrong type.
    let e = run("        validations: 7\n");
    assert!(e.contains("k8sbad") && e.contains("validations"), "{e}");
    // A runtime error (no such key) is an evaluation error, not a violation or a panic.
    let e = run("        validations:\n        - expression: 'object.spec.nothing.here == 1'\n");
    assert!(
        e.contains("k8sbad") && e.contains("evaluation failed"),
        "{e}"
    );
}
