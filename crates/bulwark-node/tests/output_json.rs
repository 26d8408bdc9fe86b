//! kube-bench's `--json` shape, checked key by key against the struct tags of aquasecurity/kube-bench at a73ce378
//! (the commit the fixtures come from):
//!
//! check/controls.go:
//!   type OverallControls struct { Controls []*Controls; Totals Summary }                       // untagged
//!   type Controls struct { ID `json:"id"`; Version `json:"version"`;
//!     DetectedVersion `json:"detected_version,omitempty"`; Text `json:"text"`; Type `json:"node_type"`;
//!     Groups `json:"tests"`; Summary }                                                          // embedded
//!   type Group struct { ID `json:"section"`; Type `json:"type"`; Pass `json:"pass"`; Fail `json:"fail"`;
//!     Warn `json:"warn"`; Info `json:"info"`; Text `json:"desc"`; Checks `json:"results"` }
//!   type Summary struct { Pass `json:"total_pass"`; Fail `json:"total_fail"`; Warn `json:"total_warn"`;
//!     Info `json:"total_info"` }
//! check/check.go:
//!   type Check struct { ID `json:"test_number"`; Text `json:"test_desc"`; Audit `json:"audit"`; AuditEnv;
//!     AuditConfig; Type `json:"type"`; Tests `json:"-"`; Set `json:"-"`; Remediation `json:"remediation"`;
//!     TestInfo []string `json:"test_info"`; State `json:"status"`; ActualValue `json:"actual_value"`;
//!     Scored bool `json:"scored"`; IsMultiple bool; ExpectedResult `json:"expected_result"`;
//!     Reason `json:"reason,omitempty"`; AuditOutput/AuditEnvOutput/AuditConfigOutput/DisableEnvTesting `json:"-"` }
//! RunChecks appends the remediation to TestInfo and rebuilds each group with ID, Text and Checks only (so the
//! group's `type` is ""); the counts are the results'.

mod output_support;

use bulwark_node::State;
use bulwark_node::output::{kube_bench_json, kube_bench_json_text};
use output_support::*;
use serde_json::Value;

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

fn sorted(mut v: Vec<&str>) -> Vec<&str> {
    v.sort_unstable();
    v
}

#[test]
fn keys_and_types_follow_kube_benchs_struct_tags() {
    let Some(cfg) = cfg() else { return };
    let mut run = recorded_run(&cfg);
    // One check with a reason (omitempty when empty), an audit output and an expected result.
    let c = &mut run.sections[0].groups[0].checks[0];
    c.outcome.reason = "failed to run".into();
    c.outcome.actual = "permissions=600".into();
    c.outcome.expected = "bitmask '600' AND '644'".into();
    let v = kube_bench_json(&run);
    assert_eq!(keys(&v), ["Controls", "Totals"]);
    assert_eq!(
        v["Totals"],
        serde_json::json!({"total_pass": 67, "total_fail": 11, "total_warn": 45, "total_info": 0})
    );
    let controls = v["Controls"].as_array().unwrap();
    let ids: Vec<&str> = controls.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5"]);
    let recorded = [(43, 10, 11), (7, 0, 0), (0, 0, 3), (17, 1, 5), (0, 0, 26)];
    for (c, (p, f, w)) in controls.iter().zip(recorded) {
        assert_eq!(
            keys(c),
            sorted(vec![
                "id",
                "version",
                "detected_version",
                "text",
                "node_type",
                "tests",
                "total_pass",
                "total_fail",
                "total_warn",
                "total_info"
            ])
        );
        assert_eq!(c["version"], "cis-1.20");
        assert_eq!(c["detected_version"], "1.21");
        assert_eq!(
            (
                &c["total_pass"],
                &c["total_fail"],
                &c["total_warn"],
                &c["total_info"]
            ),
            (
                &Value::from(p),
                &Value::from(f),
                &Value::from(w),
                &Value::from(0)
            )
        );
        for g in c["tests"].as_array().unwrap() {
            assert_eq!(
                keys(g),
                sorted(vec![
                    "section", "type", "pass", "fail", "warn", "info", "desc", "results"
                ])
            );
            assert_eq!(g["type"], "");
            let results = g["results"].as_array().unwrap();
            let count = |s: &str| results.iter().filter(|r| r["status"] == s).count();
            assert_eq!(g["pass"], count("PASS"));
            assert_eq!(g["fail"], count("FAIL"));
            assert_eq!(g["warn"], count("WARN"));
            assert_eq!(g["info"], count("INFO"));
            for r in results {
                let mut want = vec![
                    "test_number",
                    "test_desc",
                    "audit",
                    "AuditEnv",
                    "AuditConfig",
                    "type",
                    "remediation",
                    "test_info",
                    "status",
                    "actual_value",
                    "scored",
                    "IsMultiple",
                    "expected_result",
                ];
                if r.get("reason").is_some() {
                    want.push("reason");
                    assert!(!r["reason"].as_str().unwrap().is_empty());
                }
                assert_eq!(keys(r), sorted(want), "{}", r["test_number"]);
                for k in [
                    "test_number",
                    "test_desc",
                    "audit",
                    "AuditEnv",
                    "AuditConfig",
                    "type",
                    "remediation",
                    "actual_value",
                    "expected_result",
                ] {
                    assert!(r[k].is_string(), "{k}");
                }
                assert!(r["scored"].is_boolean() && r["IsMultiple"].is_boolean());
                assert_eq!(r["test_info"], serde_json::json!([r["remediation"]]));
                assert!(["", "manual", "skip"].contains(&r["type"].as_str().unwrap()));
            }
        }
    }
    let first = &controls[0]["tests"][0]["results"][0];
    assert_eq!(first["test_number"], "1.1.1");
    assert_eq!(first["reason"], "failed to run");
    assert_eq!(first["actual_value"], "permissions=600");
    assert_eq!(first["expected_result"], "bitmask '600' AND '644'");
    assert_eq!(first["scored"], true);
    assert!(
        first["audit"]
            .as_str()
            .unwrap()
            .contains("stat -c permissions=%a")
    );
    // The manual policy checks carry their type.
    assert_eq!(controls[4]["tests"][0]["results"][0]["type"], "manual");
    assert!(run.sections.iter().any(|s| {
        s.groups
            .iter()
            .any(|g| g.checks.iter().any(|c| c.outcome.state == State::Warn))
    }));
}

/// The text form keeps Go's field order and Go's `<`, `>`, `&` escapes, and reads back as the same value;
/// a run whose version was not detected says `none`, as kube-bench passes it.
#[test]
fn text_form_is_go_ordered_and_escaped() {
    let Some(cfg) = cfg() else { return };
    let mut run = recorded_run(&cfg);
    let s = kube_bench_json_text(&run);
    assert!(s.starts_with(
        r#"{"Controls":[{"id":"1","version":"cis-1.20","detected_version":"1.21","text":"#
    ));
    assert!(s.contains(r#""results":[{"test_number":"1.1.1","test_desc":"#));
    assert!(s.contains(r#""audit":"#) && s.contains(r#","AuditEnv":"","AuditConfig":"#));
    assert!(s.ends_with(
        r#""Totals":{"total_pass":67,"total_fail":11,"total_warn":45,"total_info":0}}"#
    ));
    // 1.2.9's remediation holds `<path/to/configuration/file>`.
    assert!(s.contains(r"\u003cpath/to/configuration/file\u003e"));
    assert!(!s.contains('<') && !s.contains('>') && !s.contains('&'));
    let back: Value = serde_json::from_str(&s).unwrap();
    assert_eq!(back, kube_bench_json(&run));
    run.detected_version = None;
    assert_eq!(
        kube_bench_json(&run)["Controls"][0]["detected_version"],
        "none"
    );
}
