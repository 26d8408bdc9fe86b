//! Runaway policies stop with a clear error within their time budget; bad Rego names the file, line and
//! column.

use bulwark_rego::conftest::Policies;
use bulwark_rego::gatekeeper::{Gatekeeper, Inventory, load_constraints};
use bulwark_rego::{Limits, RegoError, RegoVersion};
use serde_json::json;
use std::time::{Duration, Instant};

fn limits(ms: u64) -> Limits {
    Limits {
        time: Duration::from_millis(ms),
    }
}

fn assert_stopped(r: Result<impl std::fmt::Debug, RegoError>, start: Instant, what: &str) {
    let elapsed = start.elapsed();
    match r {
        Err(e @ RegoError::Limit { .. }) => {
            let s = e.to_string();
            assert!(s.contains("over its time limit of 300 ms"), "{what}: {s}");
        }
        other => panic!("{what}: expected a time-limit error, got {other:?}"),
    }
    // The budget is checked cooperatively: allow slack for a loaded 2-core machine, but not a hang.
    assert!(
        elapsed < Duration::from_secs(20),
        "{what}: took {elapsed:?}"
    );
}

#[test]
fn a_huge_comprehension_stops_at_the_time_limit() {
    let policy = r#"
package main
deny[msg] {
  xs := numbers.range(1, 20000)
  pairs := [[a, b] | a := xs[_]; b := xs[_]]
  count(pairs) > 0
  msg := "never"
}
"#;
    let p = Policies::from_sources(
        "runaway",
        &[("runaway.rego".into(), policy.into())],
        RegoVersion::V0,
        limits(300),
    )
    .unwrap();
    let start = Instant::now();
    assert_stopped(p.evaluate(&json!({}), "main"), start, "comprehension");
}

#[test]
fn recursion_through_walk_stops_at_the_time_limit() {
    // A 300-deep tree with 20 leaves a level, walked from every node it contains, three times over.
    let mut tree = json!("leaf");
    for i in 0..300 {
        tree = json!({ format!("k{i}"): tree, "x": (0..20).collect::<Vec<_>>() });
    }
    let policy = r#"
package main
deny contains msg if {
  some path, value
  walk(input, [path, value])
  some p2, v2
  walk(value, [p2, v2])
  some p3, v3
  walk(v2, [p3, v3])
  count(p3) < 0
  msg := "never"
}
"#;
    let p = Policies::from_sources(
        "walk",
        &[("walk.rego".into(), policy.into())],
        RegoVersion::V1,
        limits(300),
    )
    .unwrap();
    let start = Instant::now();
    assert_stopped(p.evaluate(&tree, "main"), start, "walk");
}

#[test]
fn a_runaway_template_stops_and_names_the_template() {
    let template = r#"
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: spin}
spec:
  crd: {spec: {names: {kind: Spin}}}
  targets:
  - target: admission.k8s.gatekeeper.sh
    rego: |
      package spin
      violation[{"msg": "x"}] {
        n := numbers.range(1, 5000)
        s := {[a, b, c] | a := n[_]; b := n[_]; c := n[_]}
        count(s) == 0
      }
"#;
    let constraint =
        "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: Spin\nmetadata: {name: s}\n";
    let mut gk = Gatekeeper::new().with_limits(limits(300));
    gk.load_templates("spin.yaml", template).unwrap();
    let c = &load_constraints("c.yaml", constraint).unwrap()[0];
    let start = Instant::now();
    let r = gk.evaluate(
        c,
        &json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}),
        &Inventory::new(),
    );
    if let Err(e) = &r {
        assert!(e.to_string().contains("ConstraintTemplate \"spin\""), "{e}");
    }
    assert_stopped(r, start, "template");
}

#[test]
fn a_template_with_broken_rego_names_the_file_line_and_template() {
    let template = "apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: broken
spec:
  crd:
    spec:
      names:
        kind: Broken
  targets:
  - target: admission.k8s.gatekeeper.sh
    rego: |
      package broken

      violation[{\"msg\": msg}] {
        msg := sprintf(\"%v\", [input.review.object.metadata.name]
      }
";
    let e = Gatekeeper::new()
        .load_templates("lib/broken/template.yaml", template)
        .unwrap_err();
    let s = e.to_string();
    // The Rego starts on line 13 of the YAML file, indented 6: regorus's position in the Rego (it reports the
    // unclosed call at the rule body it is in) maps to the file's line and column.
    let RegoError::Compile {
        file,
        line,
        column,
        module_line,
        ..
    } = &e
    else {
        panic!("{s}")
    };
    assert_eq!(file, "lib/broken/template.yaml");
    let (line, module_line, column) = (line.unwrap(), module_line.unwrap(), column.unwrap());
    assert_eq!(line, module_line + 12, "{s}");
    assert!((3..=6).contains(&module_line), "{s}");
    let file_line = template.lines().nth(line - 1).unwrap();
    assert!(file_line.starts_with("      "), "{s}");
    assert!(column > 6 && column <= file_line.len() + 1, "{s}");
    assert!(
        s.starts_with(&format!(
            "lib/broken/template.yaml:{line}:{column}: ConstraintTemplate \"broken\""
        )),
        "{s}"
    );
}

#[test]
fn a_conftest_file_with_a_syntax_error_names_file_line_and_column() {
    let e = Policies::from_sources(
        "policy",
        &[
            (
                "policy/ok.rego".into(),
                "package main\nwarn contains \"w\" if { true }\n".into(),
            ),
            (
                "policy/bad.rego".into(),
                "package main\n\ndeny contains msg if {\n  msg := [1, 2\n}\n".into(),
            ),
        ],
        RegoVersion::Auto,
        Limits::default(),
    )
    .unwrap_err();
    let s = e.to_string();
    assert!(s.starts_with("policy/bad.rego:"), "{s}");
    let RegoError::Compile { line, column, .. } = e else {
        panic!("{s}")
    };
    assert!(matches!(line, Some(4 | 5)), "{s}");
    assert!(column.is_some(), "{s}");
}
