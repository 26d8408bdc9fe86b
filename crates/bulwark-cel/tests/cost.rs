//! Expensive expressions stop with a clear error, quickly: the cost budget and the deadline.

use std::time::{Duration, Instant};

use bulwark_cel::{
    EvalContext, EvalError, Evaluation, Limits, OutcomeResult, PolicySet, Validator, ValidatorSpec,
    evaluate, to_cel,
};
use serde_json::json;

fn spec(variables: &[(&str, &str)], expression: &str) -> ValidatorSpec {
    ValidatorSpec {
        variables: variables
            .iter()
            .map(|(n, e)| bulwark_cel::NamedExpression {
                name: (*n).to_owned(),
                expression: (*e).to_owned(),
            })
            .collect(),
        validations: vec![bulwark_cel::ValidationSpec {
            expression: expression.to_owned(),
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn run(
    variables: &[(&str, &str)],
    expression: &str,
    object: &serde_json::Value,
    limits: Limits,
) -> (Evaluation, Duration) {
    let v = Validator::new(&spec(variables, expression)).unwrap();
    let bindings = bulwark_cel::Bindings {
        object: Some(to_cel(object)),
        ..Default::default()
    };
    let start = Instant::now();
    let e = v.evaluate(&bindings, limits);
    (e, start.elapsed())
}

fn big_list(n: usize) -> serde_json::Value {
    json!({"spec": {"items": (0..n).map(|i| json!({"name": format!("item-{i}")})).collect::<Vec<_>>()}})
}

#[track_caller]
fn assert_cost_exceeded(e: &Evaluation, which: &str) {
    match e {
        Evaluation::Error {
            error: EvalError::CostExceeded { which: w, .. },
            ..
        } => assert_eq!(*w, which),
        other => panic!("expected a {which} cost error, got {other:?}"),
    }
}

#[test]
fn nested_all_over_a_big_list_stops_on_the_per_expression_budget() {
    // 3,000³ = 2.7e10 iterations unbounded; the per-expression limit (1,000,000) stops it.
    let (e, took) = run(
        &[],
        "object.spec.items.all(a, object.spec.items.all(b, object.spec.items.all(c, a.name != '' && b.name != c.name || true)))",
        &big_list(3000),
        Limits {
            deadline: Duration::from_mins(1),
            ..Limits::default()
        },
    );
    assert_cost_exceeded(&e, "per-expression");
    // Unbounded, this runs for hours; stopped, well under a minute even in a debug build on a loaded machine.
    assert!(took < Duration::from_secs(50), "{took:?}");
    let Evaluation::Error { field, error } = e else {
        unreachable!()
    };
    assert_eq!(field, "validations[0].expression");
    assert_eq!(
        error.to_string(),
        "CEL cost budget exceeded: over the per-expression limit of 1000000 units"
    );
}

#[test]
fn nested_map_stops_on_the_budget() {
    let (e, took) = run(
        &[],
        "object.spec.items.map(a, object.spec.items.map(b, a.name + b.name)).size() > 0",
        &big_list(3000),
        Limits {
            deadline: Duration::from_mins(1),
            ..Limits::default()
        },
    );
    assert_cost_exceeded(&e, "per-expression");
    // Unbounded, this runs for hours; stopped, well under a minute even in a debug build on a loaded machine.
    assert!(took < Duration::from_secs(50), "{took:?}");
}

#[test]
fn variables_share_the_per_evaluation_budget() {
    // Each variable spends ~900,000 units, under the per-expression limit; together they cross
    // a per-evaluation limit of 2,000,000.
    let vars: Vec<(String, String)> = (0..3)
        .map(|i| {
            (
                format!("v{i}"),
                "lists.range(450000).all(x, true)".to_owned(),
            )
        })
        .collect();
    let vars: Vec<(&str, &str)> = vars.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let limits = Limits {
        per_expression: 1_000_000,
        per_evaluation: 2_000_000,
        deadline: Duration::from_mins(2),
    };
    let (e, took) = run(&vars, "true", &json!({}), limits);
    assert_cost_exceeded(&e, "per-evaluation");
    assert!(took < Duration::from_mins(1), "{took:?}");
}

#[test]
fn a_string_doubled_by_variables_stops_before_it_is_huge() {
    // 40 doublings would be 2^40 characters; the size charge stops it at ~16 M characters.
    let mut vars = vec![("s0".to_owned(), "'xxxxxxxxxxxxxxxx'".to_owned())];
    for i in 1..40 {
        vars.push((
            format!("s{i}"),
            format!("variables.s{0} + variables.s{0}", i - 1),
        ));
    }
    let vars: Vec<(&str, &str)> = vars.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let (e, took) = run(
        &vars,
        "size(variables.s39) > 0",
        &json!({}),
        Limits {
            deadline: Duration::from_mins(1),
            ..Limits::default()
        },
    );
    assert!(
        matches!(
            e,
            Evaluation::Error {
                error: EvalError::CostExceeded { .. },
                ..
            }
        ),
        "{e:?}"
    );
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[test]
fn replace_and_join_are_charged_before_they_build() {
    // 1 MB string with every character replaced by a 1 MB string = 10^12 bytes if built.
    let big = "a".repeat(1_000_000);
    let (e, took) = run(
        &[],
        "object.s.replace('', object.s).size() > 0",
        &json!({"s": big}),
        Limits::default(),
    );
    assert_cost_exceeded(&e, "per-expression");
    assert!(took < Duration::from_secs(5), "{took:?}");
    // 200 references to one 100 kB string: cheap to hold, 20 MB once joined.
    let (e, _) = run(
        &[],
        "lists.range(200).map(i, object.s).join('').size() > 0",
        &json!({"s": "a".repeat(100_000)}),
        Limits::default(),
    );
    assert!(
        matches!(
            e,
            Evaluation::Error {
                error: EvalError::CostExceeded { .. },
                ..
            }
        ),
        "{e:?}"
    );
    let (e, _) = run(
        &[],
        "size(lists.range(100000000000)) > 0",
        &json!({}),
        Limits::default(),
    );
    assert_cost_exceeded(&e, "per-expression");
}

#[test]
fn the_deadline_stops_an_evaluation_with_a_large_budget() {
    let limits = Limits {
        per_expression: u64::MAX,
        per_evaluation: u64::MAX,
        deadline: Duration::from_millis(200),
    };
    let (e, took) = run(
        &[],
        "object.spec.items.all(a, object.spec.items.all(b, object.spec.items.all(c, true)))",
        &big_list(3000),
        limits,
    );
    assert!(
        matches!(
            e,
            Evaluation::Error {
                error: EvalError::Timeout(_),
                ..
            }
        ),
        "{e:?}"
    );
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[test]
fn a_policy_over_budget_is_an_error_outcome_even_under_failure_policy_ignore() {
    let set = PolicySet::from_yaml(
        r"
apiVersion: policies.kyverno.io/v1
kind: ValidatingPolicy
metadata: {name: expensive}
spec:
  failurePolicy: Ignore
  validationActions: [Deny]
  matchConstraints:
    resourceRules: [{apiGroups: [''], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}]
  validations:
  - expression: lists.range(1100).all(i, lists.range(1100).all(j, true))
",
        "expensive.yaml",
    )
    .unwrap();
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "x"}});
    let out = evaluate(&set, &cm, &EvalContext::default());
    match &out[0].result {
        // 1.2 M iterations: the budget (1 M) stops it, or the 1 s deadline first in a slow debug build.
        OutcomeResult::Error(m) => assert!(
            m.contains("CEL cost budget exceeded") || m.contains("deadline"),
            "{m}"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn concatenation_inside_a_loop_is_charged_by_size() {
    // Each iteration builds a new 2 MB string: 100,000 of them would be 200 GB.
    let (e, took) = run(
        &[],
        "lists.range(100000).map(i, object.s + object.s).size() > 0",
        &json!({"s": "a".repeat(1_000_000)}),
        Limits::default(),
    );
    assert_cost_exceeded(&e, "per-expression");
    assert!(took < Duration::from_secs(5), "{took:?}");
}
