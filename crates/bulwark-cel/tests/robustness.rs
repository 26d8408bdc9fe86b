//! Hostile inputs: deep nesting, long chains, odd syntax. Each must give an error or a value, never
//! a panic or a stack overflow. The same path as `fuzz/fuzz_targets/cel_policy.rs`.

use std::time::Duration;

use bulwark_cel::{
    EvalContext, Expression, Limits, Meter, PolicySet, Scope, evaluate, parse_documents,
};

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\nspec: {containers: [{name: c, image: 'nginx:latest'}]}\n";

fn run(text: &str) {
    let limits = Limits {
        per_expression: 10_000,
        per_evaluation: 50_000,
        deadline: Duration::from_millis(200),
    };
    if let Ok(e) = Expression::compile(text) {
        let _ = e.eval(&Scope::new(), &mut Meter::new(limits));
    }
    if let Ok(set) = PolicySet::from_yaml(text, "fuzz.yaml") {
        let pod = &parse_documents(POD, "pod.yaml").expect("fixed pod")[0].value;
        let ctx = EvalContext {
            limits,
            ..Default::default()
        };
        let _ = evaluate(&set, pod, &ctx);
    }
}

#[test]
fn hostile_expressions() {
    let n = 20_000;
    for text in [
        format!("{}1{}", "(".repeat(n), ")".repeat(n)),
        format!("{}1{}", "[".repeat(n), "]".repeat(n)),
        format!("{}true", "!".repeat(n)),
        format!("{}1", "-".repeat(n)),
        format!("a{}", ".b".repeat(n)),
        vec!["1"; n].join(" + "),
        vec!["true"; n].join(" && "),
        vec!["x"; n].join(" ? 1 : "),
        format!("{}1{}", "f(".repeat(n), ")".repeat(n)),
        format!("{}{}", "{'a': ".repeat(n), "}".repeat(n)),
        "google.protobuf.Int64Value{value: 1}".to_owned(),
        "a.?b[?0].c.?d".to_owned(),
        "'\\u00e9' + b'\\xff'".to_owned(),
        "1 / 0".to_owned(),
        "9223372036854775807 + 1".to_owned(),
        "[1,2].map(x, y, x)".to_owned(),
        "[].all(x, x)".to_owned(),
        "{1: 2}.map(k, k)".to_owned(),
        "'a'.matches('(((((((((((((((((((((((((((((a*)*)*)*)*)*)*)*)*)*)*)*)*)*)*)*)*)*)*)*)*)*)*)*)*)*)*)*)*)*')".to_owned(),
        "'x'.replace('', 'y', -1)".to_owned(),
        "lists.range(-1)".to_owned(),
        "'abc'.substring(5, 1)".to_owned(),
    ] {
        let t = std::time::Instant::now();
        run(&text);
        assert!(t.elapsed() < Duration::from_secs(20), "{:?} for {}", t.elapsed(), &text[..30.min(text.len())]);
    }
    // Too deep to evaluate: refused at compile time with a position.
    let deep =
        Expression::compile(&format!("{}1{}", "(".repeat(100), ")".repeat(100))).unwrap_err();
    assert_eq!((deep.line, deep.column), (1, 65));
    let long = Expression::compile(&vec!["1"; 1000].join(" + ")).unwrap_err();
    assert!(long.message.contains("levels deep"), "{long}");
}

#[test]
fn hostile_policy_files() {
    run(&format!("a: {}1{}", "[".repeat(300), "]".repeat(300)));
    run(
        "apiVersion: policies.kyverno.io/v1\nkind: ValidatingPolicy\nmetadata: {name: x}\nspec:\n  validations:\n  - expression: \"[[[[[\"\n",
    );
    run(
        "apiVersion: policies.kyverno.io/v1\nkind: ValidatingPolicy\nspec: {matchConstraints: {resourceRules: [{resources: [pods], apiGroups: [''], apiVersions: [v1], operations: [CREATE]}]}, validations: [{expression: 'object.spec.containers.all(c, c.image.size() > 0)'}]}\n",
    );
    run(
        "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nspec: 7\n",
    );
    run(
        "apiVersion: policies.kyverno.io/v1\nkind: ValidatingPolicy\nmetadata: {name: [1]}\nspec: null\n",
    );
    run("- a\n- b\n---\n&a [*a]\n");
}

/// The deepest expressions the compiler accepts evaluate without overflowing a default thread's
/// 2 MiB stack (the evaluator recurses over the tree), in every shape of chain.
#[test]
fn deepest_accepted_expressions_fit_a_default_stack() {
    let shapes: [fn(usize) -> String; 9] = [
        |n| format!("{}true", "!".repeat(n)),
        |n| format!("{}1", "-".repeat(n)),
        |n| vec!["1"; n].join(" + "),
        |n| vec!["true"; n].join(" && "),
        |n| vec!["false"; n].join(" || "),
        |n| format!("{}1", "true ? 1 : ".repeat(n)),
        |n| format!("{{'a': 1}}{}", ".a".repeat(n)),
        |n| format!("[1]{}", "[0]".repeat(n)),
        |n| format!("1{}", ".orValue(2)".repeat(n)),
    ];
    for shape in shapes {
        let n = (1..400)
            .rev()
            .find(|&n| Expression::compile(&shape(n)).is_ok())
            .expect("some depth compiles");
        assert!(n >= 60, "only {n} levels accepted for {}", shape(2));
        for depth in [20, 30, 40, n] {
            let e = Expression::compile(&shape(depth)).unwrap();
            let v = std::thread::Builder::new()
                .stack_size(2 * 1024 * 1024)
                .spawn(move || e.eval(&Scope::new(), &mut Meter::new(Limits::default())))
                .unwrap()
                .join()
                .unwrap_or_else(|_| panic!("{depth} levels of {} panicked", shape(2)));
            // `[1][0][0]` is a type error past the first index; every other shape has a value.
            let type_error =
                matches!(&v, Err(bulwark_cel::EvalError::Runtime(m)) if m == "No such overload");
            assert!(
                v.is_ok() || type_error && shape(2).starts_with("[1]"),
                "{depth} levels of {}: {v:?}",
                shape(2)
            );
        }
    }
}
