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
        stdout.contains("2 suites (1 kyverno, 1 gator), 5 results: 2 passed, 3 failed"),
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
