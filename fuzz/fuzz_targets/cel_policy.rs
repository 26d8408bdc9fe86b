#![no_main]
//! Policy loading (YAML, ValidatingPolicy / ValidatingAdmissionPolicy / bindings) and CEL
//! compilation, then one bounded evaluation of what compiled.

use std::time::Duration;

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\nspec: {containers: [{name: c, image: 'nginx:latest'}]}\n";

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let limits = bulwark_cel::Limits { per_expression: 10_000, per_evaluation: 50_000, deadline: Duration::from_millis(200) };
    // The whole input as one CEL expression.
    if let Ok(e) = bulwark_cel::Expression::compile(text) {
        let _ = e.eval(&bulwark_cel::Scope::new(), &mut bulwark_cel::Meter::new(limits));
    }
    // The whole input as a policy file.
    if let Ok(set) = bulwark_cel::PolicySet::from_yaml(text, "fuzz.yaml") {
        let pod = &bulwark_cel::parse_documents(POD, "pod.yaml").expect("fixed pod")[0].value;
        let ctx = bulwark_cel::EvalContext { limits, ..Default::default() };
        let _ = bulwark_cel::evaluate(&set, pod, &ctx);
    }
});
