//! The readers on inputs in each tool's documented shape, deduplication across tools, and hostile inputs
//! (truncated JSON, one level too deep, tar bombs, too many findings). Expectations come from the inputs as
//! written here (counted by hand), not from a first run.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use bulwark_consolidate::{ConsolidateError, InputKind, Limits, Merger};
use bulwark_types::{FindingKind, Severity};
use serde_json::json;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn sources(f: &bulwark_types::Finding) -> Vec<&str> {
    f.properties["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

#[test]
fn trivy_and_grype_describing_the_same_cve_collapse_into_one_finding_with_both_sources() {
    let mut m = Merger::new(Limits::default());
    assert_eq!(
        m.read_file(&fixture("trivy-lodash.json")).unwrap(),
        InputKind::Trivy
    );
    assert_eq!(
        m.read_file(&fixture("grype-lodash.json")).unwrap(),
        InputKind::Grype
    );
    let counts: Vec<(String, usize, usize)> = m
        .counts()
        .into_iter()
        .map(|(_, _, tool, c)| (tool.to_owned(), c.read, c.duplicates))
        .collect();
    // Trivy: one vulnerability and one failing misconfiguration (the PASS is not a finding). Grype: two
    // matches, the lodash one already read from Trivy.
    assert_eq!(
        counts,
        vec![("trivy".to_owned(), 2, 0), ("grype".to_owned(), 2, 1)]
    );
    let r = m.finish();
    assert_eq!(r.findings.len(), 3, "{:#?}", r.findings);
    let lodash = r
        .findings
        .iter()
        .find(|f| f.id == "CVE-2021-23337")
        .unwrap();
    assert_eq!(sources(lodash), ["trivy", "grype"]);
    assert_eq!(lodash.severity, Severity::High);
    assert_eq!(lodash.kind, FindingKind::Vulnerability);
    let ds002 = r.findings.iter().find(|f| f.id == "DS002").unwrap();
    assert_eq!(ds002.location.line, Some(4));
    assert_eq!(ds002.location.path.as_deref(), Some("Dockerfile"));
    let qs = r
        .findings
        .iter()
        .find(|f| f.id == "CVE-2022-24999")
        .unwrap();
    assert_eq!(sources(qs), ["grype"]);
    // The counts are in the report.
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.message.contains("2 findings from grype")
                && d.message.contains("1 of them duplicates")),
        "{:#?}",
        r.diagnostics
    );
}

#[test]
fn the_type_is_read_from_the_content_not_the_name() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("results.sarif");
    std::fs::copy(fixture("grype-lodash.json"), &p).unwrap();
    let mut m = Merger::new(Limits::default());
    assert_eq!(m.read_file(&p).unwrap(), InputKind::Grype);
    let p = dir.path().join("report.json");
    std::fs::write(&p, br#"{"hello": "world"}"#).unwrap();
    let e = m.read_file(&p).unwrap_err();
    assert!(matches!(e, ConsolidateError::Unrecognised { .. }));
    assert!(e.to_string().starts_with(&p.display().to_string()), "{e}");
}

/// kube-bench's `--json` shape (check/controls.go struct tags): FAIL and WARN are findings, PASS and INFO not.
#[test]
fn kube_bench_fail_and_warn_become_findings() {
    let doc = json!({
        "Controls": [{
            "id": "4", "version": "cis-1.20", "detected_version": "1.29", "text": "Worker Node Security Configuration",
            "node_type": "node",
            "tests": [{
                "section": "4.1", "type": "", "pass": 1, "fail": 1, "warn": 1, "info": 1,
                "desc": "Worker Node Configuration Files",
                "results": [
                    {"test_number": "4.1.1", "test_desc": "Ensure that the kubelet service file permissions are set to 600",
                     "audit": "stat -c %a /etc/systemd/system/kubelet.service.d/10-kubeadm.conf", "AuditEnv": "", "AuditConfig": "",
                     "type": "", "remediation": "chmod 600 …", "test_info": ["chmod 600 …"], "status": "FAIL",
                     "actual_value": "644", "scored": true, "IsMultiple": false, "expected_result": "permissions has permissions 644, expected 600 or more restrictive"},
                    {"test_number": "4.1.2", "test_desc": "Ensure that the kubelet service file ownership is set to root:root",
                     "audit": "", "AuditEnv": "", "AuditConfig": "", "type": "", "remediation": "", "test_info": [],
                     "status": "PASS", "actual_value": "root:root", "scored": true, "IsMultiple": false, "expected_result": "'root:root' is present"},
                    {"test_number": "4.1.3", "test_desc": "If proxy kubeconfig file exists ensure permissions are set to 600",
                     "audit": "", "AuditEnv": "", "AuditConfig": "", "type": "manual", "remediation": "", "test_info": [],
                     "status": "WARN", "actual_value": "", "scored": false, "IsMultiple": false, "expected_result": ""},
                    {"test_number": "4.1.4", "test_desc": "Ensure that the proxy kubeconfig file ownership is set to root:root",
                     "audit": "", "AuditEnv": "", "AuditConfig": "", "type": "", "remediation": "", "test_info": [],
                     "status": "INFO", "actual_value": "", "scored": false, "IsMultiple": false, "expected_result": ""}
                ]
            }],
            "total_pass": 1, "total_fail": 1, "total_warn": 1, "total_info": 1
        }],
        "Totals": {"total_pass": 1, "total_fail": 1, "total_warn": 1, "total_info": 1}
    });
    let mut m = Merger::new(Limits::default());
    let kind = m
        .read_bytes(&serde_json::to_vec(&doc).unwrap(), "kb.json")
        .unwrap();
    assert_eq!(kind, InputKind::KubeBench);
    let r = m.finish();
    let got: Vec<(&str, Severity)> = r.findings.iter().map(|f| (&*f.id, f.severity)).collect();
    assert_eq!(
        got,
        [
            ("BW-NODE-cis-1.20-4.1.1", Severity::Medium),
            ("BW-NODE-cis-1.20-4.1.3", Severity::Info)
        ]
    );
    assert_eq!(sources(&r.findings[0]), ["kube-bench"]);
}

fn tar_gz(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut b = tar::Builder::new(gz);
    for (path, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, path, *data).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap()
}

const JUNIT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="4" disabled="1" errors="0" failures="2" time="12.5">
  <testsuite name="Kubernetes e2e suite" tests="4" skipped="1" failures="2" time="12.5">
    <testcase name="[sig-apps] Deployment should run the lifecycle of a Deployment [Conformance]" classname="Kubernetes e2e suite" time="3.1"></testcase>
    <testcase name="[sig-network] DNS should provide DNS for services [Conformance]" classname="Kubernetes e2e suite" time="5.0">
      <failure type="Failure">timed out waiting for the condition</failure>
    </testcase>
    <testcase name="[sig-storage] CSI mock volume should expand volume [Serial]" classname="Kubernetes e2e suite" time="0">
      <skipped message="skipped"></skipped>
    </testcase>
    <testcase name="[sig-node] Pods should be submitted and removed &lt;script&gt; [Conformance]" classname="Kubernetes e2e suite" time="4.4">
      <failure message="pod did not start" type="Failure">details</failure>
    </testcase>
  </testsuite>
</testsuites>
"#;

#[test]
fn sonobuoy_tarball_failed_testcases_become_findings() {
    let bytes = tar_gz(&[
        ("plugins/e2e/results/global/e2e.log", b"log text\n"),
        ("plugins/e2e/results/global/junit_01.xml", JUNIT.as_bytes()),
        ("meta/run.log", b"{}\n"),
    ]);
    let dir = tempfile::tempdir().unwrap();
    // The name says nothing: the gzip magic does.
    let p = dir.path().join("202612071200_sonobuoy_results");
    std::fs::write(&p, &bytes).unwrap();
    let mut m = Merger::new(Limits::default());
    assert_eq!(m.read_file(&p).unwrap(), InputKind::Sonobuoy);
    let r = m.finish();
    let titles: Vec<&str> = r.findings.iter().map(|f| &*f.title).collect();
    assert_eq!(
        titles,
        [
            "[sig-network] DNS should provide DNS for services [Conformance]",
            "[sig-node] Pods should be submitted and removed <script> [Conformance]"
        ]
    );
    assert!(r.findings.iter().all(|f| f.id == "sonobuoy/e2e"));
    assert!(r.findings[1].message.contains("pod did not start"));
    assert_eq!(
        r.findings[0].location.path.as_deref(),
        Some("plugins/e2e/results/global/junit_01.xml")
    );
}

#[test]
fn a_tar_bomb_is_refused_naming_the_file_and_entry() {
    // A header that claims 10 GiB (the data is never there: the header alone is refused).
    let mut raw = Vec::new();
    {
        let mut h = tar::Header::new_gnu();
        h.set_path("plugins/e2e/results/global/junit_bomb.xml")
            .unwrap();
        h.set_size(10 << 30);
        h.set_mode(0o644);
        h.set_cksum();
        raw.extend_from_slice(h.as_bytes());
        raw.extend_from_slice(&[0u8; 4096]);
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&raw).unwrap();
    let bytes = gz.finish().unwrap();
    let mut m = Merger::new(Limits::default());
    let e = m.read_bytes(&bytes, "bomb.tar.gz").unwrap_err().to_string();
    assert!(
        e.starts_with("bomb.tar.gz: tarball refused: entry plugins/e2e/results/global/junit_bomb.xml: 10737418240 bytes"),
        "{e}"
    );

    // A real one: 64 MiB of zeros compresses to ~64 KiB; the limits here are small so the test stays quick.
    let zeros = vec![0u8; 64 << 20];
    let bytes = tar_gz(&[("plugins/x/results/zeros.bin", &zeros)]);
    assert!(bytes.len() < 1 << 20);
    let limits = Limits {
        max_tar_entry_bytes: 16 << 20,
        ..Limits::default()
    };
    let e = Merger::new(limits)
        .read_bytes(&bytes, "zeros.tgz")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("zeros.tgz") && e.contains("entry plugins/x/results/zeros.bin"),
        "{e}"
    );

    // Too many entries.
    let many: Vec<(String, Vec<u8>)> = (0..20).map(|i| (format!("f{i}.txt"), vec![b'x'])).collect();
    let refs: Vec<(&str, &[u8])> = many
        .iter()
        .map(|(p, d)| (p.as_str(), d.as_slice()))
        .collect();
    let limits = Limits {
        max_tar_entries: 10,
        ..Limits::default()
    };
    let e = Merger::new(limits)
        .read_bytes(&tar_gz(&refs), "many.tgz")
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "many.tgz: tarball refused: entry f10.txt: more than 10 entries"
    );
}

fn sarif_with_nesting(levels: usize) -> String {
    // Depth before the nested value: { runs [ { properties { x → 4 levels, then `levels` arrays.
    format!(
        r#"{{"version":"2.1.0","runs":[{{"tool":{{"driver":{{"name":"t"}}}},"results":[],"properties":{{"x":{}{}}}}}]}}"#,
        "[".repeat(levels),
        "]".repeat(levels)
    )
}

#[test]
fn nesting_at_the_limit_reads_and_one_level_more_is_refused() {
    let limits = Limits::default();
    assert_eq!(limits.max_depth, 64);
    let ok = sarif_with_nesting(60);
    Merger::new(limits)
        .read_bytes(ok.as_bytes(), "ok.sarif")
        .unwrap();
    let deep = sarif_with_nesting(61);
    let e = Merger::new(limits)
        .read_bytes(deep.as_bytes(), "deep.sarif")
        .unwrap_err();
    assert!(
        matches!(e, ConsolidateError::TooDeep { limit: 64, .. }),
        "{e}"
    );
    assert!(
        e.to_string()
            .starts_with("deep.sarif: JSON nested deeper than 64 levels"),
        "{e}"
    );
}

#[test]
fn truncated_json_is_an_error_naming_the_file() {
    let full = std::fs::read(fixture("trivy-lodash.json")).unwrap();
    for cut in [full.len() / 3, full.len() / 2, full.len() - 3] {
        let e = Merger::new(Limits::default())
            .read_bytes(&full[..cut], "cut.json")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("cut.json: invalid Trivy JSON: "), "{e}");
    }
    let sarif = br#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t"}},"results":[{"ruleId":"a","message":{"text":"x"}},{"ruleId":"#;
    let e = Merger::new(Limits::default())
        .read_bytes(sarif, "cut.sarif")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("cut.sarif: invalid SARIF: EOF"), "{e}");
    let wrong = br#"{"version":"2.0.0","runs":[]}"#;
    let e = Merger::new(Limits::default())
        .read_bytes(wrong, "old.sarif")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("old.sarif: invalid SARIF: version \"2.0.0\""),
        "{e}"
    );
}

/// Several runs in one log, each tool's name kept as the source; severities from `security-severity` before
/// the level; results of kind `pass` skipped; fingerprints kept.
#[test]
fn sarif_runs_levels_and_fingerprints() {
    let log = json!({
        "version": "2.1.0",
        "runs": [
            {"tool": {"driver": {"name": "alpha", "rules": [
                {"id": "A1", "shortDescription": {"text": "Rule A1"}, "properties": {"security-severity": "9.1"}},
                {"id": "A2", "defaultConfiguration": {"level": "note"}}
            ]}},
             "results": [
                {"ruleId": "A1", "level": "note", "message": {"text": "one"},
                 "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/a.go"}, "region": {"startLine": 7, "startColumn": 2}}}],
                 "partialFingerprints": {"primaryLocationLineHash": "abc:1"}},
                {"ruleIndex": 1, "message": {"text": "two"}},
                {"ruleId": "A2", "kind": "pass", "message": {"text": "fine"}}
             ]},
            {"results": [{"ruleId": "B1", "message": {"text": "results before tool"}}],
             "tool": {"driver": {"name": "beta"}}}
        ]
    });
    let mut m = Merger::new(Limits::default());
    m.read_bytes(&serde_json::to_vec(&log).unwrap(), "two-runs.sarif")
        .unwrap();
    let r = m.finish();
    let got: Vec<(&str, Severity, Vec<&str>)> = r
        .findings
        .iter()
        .map(|f| (&*f.id, f.severity, sources(f)))
        .collect();
    assert_eq!(
        got,
        [
            ("A1", Severity::Critical, vec!["alpha"]),
            ("A2", Severity::Low, vec!["alpha"]),
            ("B1", Severity::Medium, vec!["beta"])
        ]
    );
    let a1 = &r.findings[0];
    assert_eq!(a1.title, "Rule A1");
    assert_eq!(a1.location.path.as_deref(), Some("src/a.go"));
    assert_eq!((a1.location.line, a1.location.column), (Some(7), Some(2)));
    assert_eq!(
        a1.properties["sarifFingerprints"],
        json!({"primaryLocationLineHash": "abc:1"})
    );
}

#[test]
fn a_merged_report_read_again_adds_nothing() {
    let mut m = Merger::new(Limits::default());
    m.read_file(&fixture("trivy-lodash.json")).unwrap();
    m.read_file(&fixture("grype-lodash.json")).unwrap();
    let first = m.finish();
    let mut json = Vec::new();
    bulwark_report::render_json(&first, &mut json).unwrap();
    let mut m = Merger::new(Limits::default());
    assert_eq!(
        m.read_bytes(&json, "merged.json").unwrap(),
        InputKind::Bulwark
    );
    m.read_file(&fixture("grype-lodash.json")).unwrap();
    let again = m.finish();
    assert_eq!(again.findings.len(), first.findings.len());
    let lodash = again
        .findings
        .iter()
        .find(|f| f.id == "CVE-2021-23337")
        .unwrap();
    assert_eq!(sources(lodash), ["trivy", "grype"]);
}

#[test]
fn too_many_distinct_findings_is_an_error_not_unbounded_memory() {
    let results: Vec<serde_json::Value> = (0..50)
        .map(|i| json!({"ruleId": format!("R{i}"), "message": {"text": "m"}}))
        .collect();
    let log = json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t"}}, "results": results}]});
    let limits = Limits {
        max_findings: 10,
        ..Limits::default()
    };
    let e = Merger::new(limits)
        .read_bytes(&serde_json::to_vec(&log).unwrap(), "many.sarif")
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "many.sarif: more than 10 distinct findings; the merged report would not fit the bound"
    );
}
