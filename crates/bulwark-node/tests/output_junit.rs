//! kube-bench's `--junit` shape (check/controls.go `Controls.JUnit`, ginkgo v1's `reporters.JUnitTestSuite`, joined
//! by cmd/common.go `writeJunitOutput`): one `<testsuite>` per target named by its text, `tests` = all results,
//! `failures` = FAIL; one `<testcase name="<id> <text>" classname="<group text>">` per check, FAIL with
//! `<failure type="">remediation</failure>`, WARN and INFO `<skipped></skipped>`, the check's JSON as
//! `<system-out>`. Validated with the repository's JUnit validator (crates/bulwark-report/tests/validators,
//! junitparser), its counts compared with kube-bench's recorded ones.

mod output_support;

use bulwark_node::State;
use bulwark_node::controls::Check;
use bulwark_node::output::junit;
use bulwark_node::run::{GroupResult, NodeRun, SectionResult};
use output_support::*;
use std::path::Path;
use std::process::Command;

fn validate(xml: &str) -> serde_json::Value {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bulwark-node-junit");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("kube-bench.junit.xml");
    std::fs::write(&file, xml).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../bulwark-report/tests/validators/validate_junit.py");
    let python = std::env::var("BULWARK_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = Command::new(&python)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .arg(&script)
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {python} (set BULWARK_PYTHON): {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(3), "validator missing: {stderr}");
    assert!(out.status.success(), "JUnit rejected: {stderr}");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn recorded_run_validates_with_kube_benchs_counts() {
    let Some(cfg) = cfg() else { return };
    let run = recorded_run(&cfg);
    let xml = junit(&run);
    assert!(xml.starts_with("<testsuites>\n<testsuite name=\"Master Node Security Configuration\" tests=\"64\" failures=\"10\" errors=\"0\" time=\"0\">\n    <testcase name=\"1.1.1 "));
    assert!(xml.ends_with("</testsuite>\n</testsuites>\n"));
    let v = validate(&xml);
    assert_eq!(v["tests"], 123);
    assert_eq!(v["failures"], 11);
    // Recorded per target: (tests, FAIL, WARN + INFO).
    for (name, tests, fail, skipped) in [
        ("Master Node Security Configuration", 64, 10, 11),
        ("Etcd Node Configuration", 7, 0, 0),
        ("Control Plane Configuration", 3, 0, 3),
        ("Worker Node Security Configuration", 23, 1, 5),
        ("Kubernetes Policies", 26, 0, 26),
    ] {
        let s = &v["suites"][name];
        assert_eq!(
            (&s["tests"], &s["failures"], &s["skipped"], &s["errors"]),
            (
                &tests.into(),
                &fail.into(),
                &skipped.into(),
                &serde_json::Value::from(0)
            ),
            "{name}"
        );
    }
    // The FAIL of 1.2.5 carries its remediation, newlines as Go's encoding/xml writes them.
    assert!(xml.contains("<failure type=\"\">Follow the Kubernetes documentation and setup the TLS connection between&#xA;the apiserver and kubelets."));
}

/// Go's encoding of one small suite, every byte: indentation, `&#34;` quotes in the JSON, `<skipped></skipped>`.
#[test]
fn one_suite_byte_for_byte() {
    let check = |id: &str, text: &str| Check {
        id: id.into(),
        text: text.into(),
        remediation: "fix <it> & go\n".into(),
        scored: true,
        ..Check::default()
    };
    let group = GroupResult {
        id: "1.1".into(),
        text: "Files".into(),
        checks: vec![
            result(check("1.1.1", "a \"quoted\" text"), State::Pass),
            result(check("1.1.2", "b"), State::Fail),
            result(check("1.1.3", "c"), State::Warn),
        ],
    };
    let mut controls = bulwark_node::controls::Controls {
        version: "cis-1.9".into(),
        id: "1".into(),
        text: "Master".into(),
        target: "master".into(),
        ..Default::default()
    };
    controls.groups.clear();
    let run = NodeRun {
        node: "n".into(),
        benchmark: "cis-1.9".into(),
        detected_version: None,
        chosen_by: "given".into(),
        sections: vec![SectionResult {
            controls,
            groups: vec![group],
        }],
    };
    let json = |id: &str, text: &str, status: &str| {
        format!(
            "{{&#34;test_number&#34;:&#34;{id}&#34;,&#34;test_desc&#34;:&#34;{text}&#34;,&#34;audit&#34;:&#34;&#34;,&#34;AuditEnv&#34;:&#34;&#34;,&#34;AuditConfig&#34;:&#34;&#34;,&#34;type&#34;:&#34;&#34;,&#34;remediation&#34;:&#34;fix \\u003cit\\u003e \\u0026 go\\n&#34;,&#34;test_info&#34;:[&#34;fix \\u003cit\\u003e \\u0026 go\\n&#34;],&#34;status&#34;:&#34;{status}&#34;,&#34;actual_value&#34;:&#34;&#34;,&#34;scored&#34;:true,&#34;IsMultiple&#34;:false,&#34;expected_result&#34;:&#34;&#34;}}"
        )
    };
    let want = format!(
        "<testsuites>\n<testsuite name=\"Master\" tests=\"3\" failures=\"1\" errors=\"0\" time=\"0\">\n    <testcase name=\"1.1.1 a &#34;quoted&#34; text\" classname=\"Files\" time=\"0\">\n        <system-out>{}</system-out>\n    </testcase>\n    <testcase name=\"1.1.2 b\" classname=\"Files\" time=\"0\">\n        <failure type=\"\">fix &lt;it&gt; &amp; go&#xA;</failure>\n        <system-out>{}</system-out>\n    </testcase>\n    <testcase name=\"1.1.3 c\" classname=\"Files\" time=\"0\">\n        <skipped></skipped>\n        <system-out>{}</system-out>\n    </testcase>\n</testsuite>\n</testsuites>\n",
        json("1.1.1", "a \\&#34;quoted\\&#34; text", "PASS"),
        json("1.1.2", "b", "FAIL"),
        json("1.1.3", "c", "WARN"),
    );
    let got = junit(&run);
    assert_eq!(got, want);
    validate(&got);
}
