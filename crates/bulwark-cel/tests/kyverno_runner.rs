//! The runner reports mismatches, missing objects and bad suites (not only all-pass).

use std::path::PathBuf;

use bulwark_cel::kyverno_test::{SuiteError, find_suites, run_suite};

fn suite_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bulwark-cel-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".kyverno-test")).unwrap();
    dir
}

#[test]
fn mismatches_and_missing_objects_fail_their_rows() {
    let dir = suite_dir("mismatch");
    std::fs::write(
        dir.join("policy.yaml"),
        r"apiVersion: policies.kyverno.io/v1alpha1
kind: ValidatingPolicy
metadata: {name: no-latest}
spec:
  validationActions: [Audit]
  matchConstraints:
    resourceRules: [{apiGroups: [''], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [pods]}]
  validations:
  - expression: object.spec.containers.all(c, !c.image.endsWith(':latest'))
    message: latest tag
",
    )
    .unwrap();
    std::fs::write(
        dir.join(".kyverno-test/resource.yaml"),
        r"apiVersion: v1
kind: Pod
metadata: {name: bad}
spec: {containers: [{name: c, image: 'nginx:latest'}]}
---
apiVersion: v1
kind: Pod
metadata: {name: good, namespace: web}
spec: {containers: [{name: c, image: 'nginx:1.27'}]}
",
    )
    .unwrap();
    std::fs::write(
        dir.join(".kyverno-test/kyverno-test.yaml"),
        r"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: mismatch}
policies: [../policy.yaml]
resources: [resource.yaml]
results:
- {policy: no-latest, kind: Pod, resources: [bad, missing], result: pass}
- {policy: no-latest, kind: Pod, resources: [web/good], result: pass}
",
    )
    .unwrap();
    let suites = find_suites(&[dir.as_path()]).unwrap();
    assert_eq!(suites, vec![dir.join(".kyverno-test/kyverno-test.yaml")]);
    let r = run_suite(&suites[0]).unwrap();
    assert!(!r.passed());
    let rows: Vec<(&str, &str, &str, bool)> = r
        .rows
        .iter()
        .map(|x| {
            (
                x.resource.as_str(),
                x.expected.as_str(),
                x.actual.as_str(),
                x.passed,
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("bad", "pass", "fail", false),
            ("missing", "pass", "not found", false),
            ("web/good", "pass", "pass", true)
        ]
    );
    assert_eq!(r.rows[0].message, "latest tag");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_broken_suite_is_an_error_naming_the_file() {
    let dir = suite_dir("broken");
    let file = dir.join(".kyverno-test/kyverno-test.yaml");
    std::fs::write(
        &file,
        "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\npolicies: [../nope.yaml]\n",
    )
    .unwrap();
    let err = run_suite(&file).unwrap_err();
    assert!(
        matches!(&err, SuiteError::Io { path, .. } if path.ends_with("nope.yaml")),
        "{err}"
    );
    std::fs::write(&file, "kind: Something\n").unwrap();
    assert!(matches!(
        run_suite(&file).unwrap_err(),
        SuiteError::Invalid { .. }
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}
