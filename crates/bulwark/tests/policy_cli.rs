//! `bulwark policy test`: other projects' policy test suites are the expected results. The Kyverno CLI's
//! `kyverno-test.yaml` suites of kyverno/policies (CEL ValidatingPolicies) and gatekeeper-library's `gator
//! verify` suites, read from `../shared/fixtures/upstream` (counts from their README.md files).

mod common;

use std::path::{Path, PathBuf};

fn upstream(rel: &str) -> PathBuf {
    common::fixtures().join("upstream").join(rel)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), dst).unwrap();
        }
    }
}

/// Every row of both libraries holds: 147 Kyverno rows over 928 object results, and the 299 gator assertions.
/// The JUnit output has one test case per result and passes the JUnit validator.
#[test]
fn kyverno_and_gatekeeper_library_suites_pass() {
    let ky = upstream("kyverno-vpol");
    let gk = upstream("gatekeeper-library");
    let out = common::bulwark(&[
        "policy",
        "test",
        ky.to_str().unwrap(),
        gk.to_str().unwrap(),
        "-f",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["suites"], 31 + 49);
    assert_eq!(v["failed"], 0);
    let rows = v["rows"].as_array().unwrap();
    let count = |f: &str| rows.iter().filter(|r| r["format"] == f).count();
    assert_eq!(count("kyverno"), 928);
    assert_eq!(count("gator"), 299);
    // The README's tallies of expected results: 459 pass, 468 fail and 1 skip object results.
    let expected = |e: &str| {
        rows.iter()
            .filter(|r| r["format"] == "kyverno" && r["expected"] == e)
            .count()
    };
    assert_eq!(
        (expected("pass"), expected("fail"), expected("skip")),
        (459, 468, 1)
    );

    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("policy.junit.xml");
    let out = common::bulwark(&[
        "policy",
        "test",
        gk.to_str().unwrap(),
        "-f",
        "junit",
        "-o",
        xml.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    common::validate("junit", &xml);
    let text = std::fs::read_to_string(&xml).unwrap();
    assert_eq!(text.matches("<testcase ").count(), 299);
    assert_eq!(text.matches("<testsuite ").count(), 49);
}

/// A suite whose expectation is wrong fails with exit 1, naming the row; the other rows still pass.
#[test]
fn a_wrong_expectation_fails_and_is_named() {
    let dir = tempfile::tempdir().unwrap();
    // Kyverno: require-labels says badpod01 and badpod02 fail; claim they pass.
    let ky = dir.path().join("require-labels");
    copy_dir(
        &upstream("kyverno-vpol/best-practices-vpol/require-labels"),
        &ky,
    );
    let suite = ky.join(".kyverno-test/kyverno-test.yaml");
    let text = std::fs::read_to_string(&suite).unwrap();
    let (first, rest) = text.split_once("result: fail").unwrap();
    std::fs::write(&suite, format!("{first}result: pass{rest}")).unwrap();
    // Gatekeeper: the NodePort Service is disallowed; claim it has no violation.
    let gk = dir.path().join("block-nodeport-services");
    copy_dir(
        &upstream("gatekeeper-library/library/general/block-nodeport-services"),
        &gk,
    );
    let suite = gk.join("suite.yaml");
    let text = std::fs::read_to_string(&suite).unwrap();
    std::fs::write(&suite, text.replace("violations: yes", "violations: no")).unwrap();

    let out = common::bulwark(&["policy", "test", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let fails: Vec<&str> = stdout.lines().filter(|l| l.starts_with("FAIL ")).collect();
    assert_eq!(fails.len(), 3, "{stdout}");
    assert!(
        fails
            .iter()
            .any(|l| l.contains("require-labels Pod/badpod01: expected pass, got fail")),
        "{stdout}"
    );
    assert!(
        fails.iter().any(|l| l.contains("gator")
            && l.contains("example-disallowed")
            && l.contains("expected violations: no, got 1 matching")),
        "{stdout}"
    );
    assert!(
        stdout.contains("2 suites (1 kyverno, 1 gator, 0 bulwark), 5 results: 2 passed, 3 failed"),
        "{stdout}"
    );
}

#[test]
fn no_suites_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::bulwark(&["policy", "test", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no policy test suites"));
}

fn corpus(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../bulwark-policy/testdata/conformance")
        .join(rel)
}

/// A Bulwark suite over the conformance corpus's excepted-vulnerabilities bundle. The expectations follow from
/// the bundle's rules and exceptions: on 2026-12-01 the openssl exception (through 2026-12-31) accepts
/// CVE-2024-0001 and the lodash waiver (through 2026-11-01) has expired, so KEV warns and the decision is warn;
/// on 2027-01-15 both have expired and the CRITICAL-with-fix rule fails the build.
fn bulwark_suite(decision_in_january: &str) -> String {
    format!(
        "apiVersion: policy.bulwark.dev/v1
kind: Test
metadata: {{name: payments-exceptions}}
bundle: {bundle}
tests:
  - name: december, openssl accepted
    input: {input}
    now: 2026-12-01
    expect:
      decision: warn
      results: {{critical-with-fix: pass, known-exploited: fail, likely-exploited-os: pass}}
      exceptions: {{applied: [openssl-not-reachable], expired: [lodash-old-waiver]}}
  - name: january, everything expired
    input: {input}
    stage: build
    now: 2027-01-15
    expect:
      decision: {decision_in_january}
      results: {{critical-with-fix: fail}}
      exceptions: {{applied: [], expired: [lodash-old-waiver, openssl-not-reachable]}}
",
        bundle = corpus("bundles/vulns-excepted").display(),
        input = corpus("inputs/image-vulns.json").display(),
    )
}

#[test]
fn a_bulwark_suite_runs_its_cases_and_reports_each_expectation() {
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("bulwark-test.yaml");
    std::fs::write(&suite, bulwark_suite("fail")).unwrap();
    let junit = dir.path().join("results.xml");
    let o = common::bulwark(&[
        "policy",
        "test",
        dir.path().to_str().unwrap(),
        "-f",
        "junit",
        "-o",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    common::validate("junit", &junit);
    let xml = std::fs::read_to_string(&junit).unwrap();
    // 2 decisions + 4 rule outcomes + 4 exception lists.
    assert!(xml.contains("tests=\"10\" failures=\"0\""), "{xml}");
    assert!(
        xml.contains("january, everything expired: rule critical-with-fix"),
        "{xml}"
    );

    // A wrong expectation: exit 1, and the table names the case and both sides.
    std::fs::write(&suite, bulwark_suite("warn")).unwrap();
    let o = common::bulwark(&["policy", "test", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("january, everything expired: decision: expected warn, got fail"),
        "{out}"
    );
    assert!(
        out.contains("1 bulwark), 10 results: 9 passed, 1 failed"),
        "{out}"
    );

    // A broken suite: exit 2, naming the file and line.
    std::fs::write(&suite, "apiVersion: policy.bulwark.dev/v1\nkind: Test\nmetadata: {name: x}\nbundle: b\ntests:\n  - name: t\n    input: i.json\n    stage: nowhere\n    expect: {}\n").unwrap();
    let o = common::bulwark(&["policy", "test", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bulwark-test.yaml:8"), "{err}");
}
