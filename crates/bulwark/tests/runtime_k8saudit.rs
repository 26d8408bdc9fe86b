//! Falco's Kubernetes audit regression suite (`../shared/fixtures/upstream/falco-k8saudit`, see its README): each
//! case of `expectations.json` runs `bulwark runtime replay TRACE --rules F… -f falco-json` (the binary) and
//! checks what Falco's harness checked, from the end-of-run summary on stderr:
//! - `detect: false` → `Events detected: 0`; `detect: true` → more than 0;
//! - `detect_level` (only with `detect: true`) → a `<LEVEL>: <n>` line under "Rule counts by severity"
//!   (case-insensitive; Falco's harness checked the presence only);
//! - `detect_counts` → each named rule fired exactly n times under "Triggered rules by rule name" (missing = 0);
//! - `stderr_contains` → that text on stderr;
//! - the exit status says whether a rule fired (bulwark exits 1 then, 0 otherwise; never 2).
//!
//! [`EXCEPTIONS`] lists the cases that cannot pass, each with its reason; a listed case that passes fails the
//! test, so the list stays true.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Cases that cannot pass, by name, with the reason (verified by running them). Empty: every case passes.
const EXCEPTIONS: &[(&str, &str)] = &[];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/upstream/falco-k8saudit")
}

/// What one run printed: the summary's counts.
#[derive(Debug, Default)]
struct Summary {
    detected: Option<u64>,
    levels: BTreeMap<String, u64>,
    rules: BTreeMap<String, u64>,
}

fn summary(stderr: &str) -> Summary {
    let mut s = Summary::default();
    let mut section = "";
    for line in stderr.lines() {
        if let Some(n) = line.strip_prefix("Events detected: ") {
            s.detected = n.trim().parse().ok();
            section = "";
        } else if line.starts_with("Rule counts by severity:") {
            section = "severity";
        } else if line.starts_with("Triggered rules by rule name:") {
            section = "rules";
        } else if let Some(item) = line.strip_prefix("   ") {
            let Some((name, n)) = item.rsplit_once(": ") else {
                continue;
            };
            let n: u64 = n.trim().parse().unwrap_or(0);
            match section {
                "severity" => {
                    s.levels.insert(canonical_level(name), n);
                }
                "rules" => {
                    s.rules.insert(name.to_string(), n);
                }
                _ => {}
            }
        } else {
            section = "";
        }
    }
    s
}

/// A priority name upper-cased, `INFO` as `INFORMATIONAL`: Falco writes `Informational` (its long name) and
/// accepts `INFO` in rules and options, and the suite's `detect_level` says `INFO`.
fn canonical_level(name: &str) -> String {
    let up = name.trim().to_uppercase();
    if up == "INFO" {
        "INFORMATIONAL".into()
    } else {
        up
    }
}

/// Runs one case; `Err` says every way it differs from the expectation.
fn run_case(case: &Value) -> Result<(), String> {
    let f = fixtures();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bulwark"));
    cmd.args(["runtime", "replay"])
        .arg(f.join(case["trace"].as_str().unwrap()))
        .args(["-f", "falco-json"])
        .env_remove("BULWARK_CONFIG")
        .env_remove("BULWARK_RULES");
    for r in case["rules_files"].as_array().unwrap() {
        cmd.arg("--rules").arg(f.join(r.as_str().unwrap()));
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let s = summary(&stderr);
    let mut problems = Vec::new();
    let code = out.status.code();
    let Some(detected) = s.detected else {
        return Err(format!(
            "no `Events detected:` line (exit {code:?}); stderr:\n{stderr}"
        ));
    };
    // stdout holds one falco-json line per alert: as many as the summary counts.
    let alerts = stdout.lines().filter(|l| !l.trim().is_empty()).count() as u64;
    if alerts != detected {
        problems.push(format!(
            "{alerts} alert line(s) on stdout but `Events detected: {detected}`"
        ));
    }
    if code != Some(i32::from(detected > 0)) {
        problems.push(format!("exit status {code:?} with {detected} detection(s)"));
    }
    let detect = case["detect"].as_bool().unwrap();
    if detect && detected == 0 {
        problems.push("expected detections, got none".into());
    }
    if !detect && detected > 0 {
        problems.push(format!(
            "expected no detection, got {detected}: {:?}",
            s.rules
        ));
    }
    if detect
        && let Some(level) = case["detect_level"].as_str()
        && !s.levels.contains_key(&canonical_level(level))
    {
        problems.push(format!("no {level} line among {:?}", s.levels));
    }
    if let Some(counts) = case["detect_counts"].as_object() {
        for (rule, n) in counts {
            let got = s.rules.get(rule).copied().unwrap_or(0);
            if Some(got) != n.as_u64() {
                problems.push(format!("rule {rule:?} fired {got} time(s), expected {n}"));
            }
        }
    }
    if let Some(text) = case["stderr_contains"].as_str()
        && !stderr.contains(text)
    {
        problems.push(format!("stderr lacks {text:?}"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{}\nstderr:\n{stderr}", problems.join("\n")))
    }
}

#[test]
fn falco_k8s_audit_regression_suite() {
    let text = std::fs::read_to_string(fixtures().join("expectations.json")).unwrap();
    let cases: Vec<Value> = serde_json::from_str(&text).unwrap();
    // 66 cases (the README): 45 detect, 21 do not.
    assert_eq!(cases.len(), 66);
    assert_eq!(cases.iter().filter(|c| c["detect"] == true).count(), 45);
    let mut failures = Vec::new();
    let mut unexpected_passes = Vec::new();
    let mut passed = 0;
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let excepted = EXCEPTIONS.iter().find(|(n, _)| *n == name);
        match (run_case(case), excepted) {
            (Ok(()), None) => passed += 1,
            (Ok(()), Some(_)) => unexpected_passes.push(name.to_string()),
            (Err(e), None) => failures.push(format!("== {name}: {e}")),
            (Err(_), Some(_)) => {}
        }
    }
    assert!(
        failures.is_empty() && unexpected_passes.is_empty(),
        "{} of {} cases failed:\n{}\nlisted as exceptions but passing: {unexpected_passes:?}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert_eq!(passed + EXCEPTIONS.len(), cases.len());
}

#[test]
fn the_summary_parser_reads_falcos_layout() {
    // The layout of Falco's summary (and bulwark's), written here by hand.
    let s = summary(
        "Events detected: 3\nRule counts by severity:\n   WARNING: 2\n   INFO: 1\nTriggered rules by rule name:\n   \
         Create Privileged Pod: 2\n   K8s Secret Created: 1\nEvents read: 1\n",
    );
    assert_eq!(s.detected, Some(3));
    assert_eq!(s.levels.get("WARNING"), Some(&2));
    assert_eq!(s.levels.get("INFORMATIONAL"), Some(&1));
    assert_eq!(canonical_level("Informational"), canonical_level("INFO"));
    assert_eq!(s.rules.get("Create Privileged Pod"), Some(&2));
    assert_eq!(s.rules.get("K8s Secret Created"), Some(&1));
    assert_eq!(s.rules.len(), 2);
}
