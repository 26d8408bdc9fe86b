//! `bulwark runtime rules validate` and `runtime replay` end to end: exit codes, the diagnostic line format and
//! JSON, on the official Falco rules (`../shared/fixtures/upstream/falco-rules`) and on broken files.

mod common;

use std::path::PathBuf;

use common::bulwark;

fn falco(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/upstream/falco-rules")
        .join(name)
        .display()
        .to_string()
}

fn temp(name: &str, text: &str) -> (tempfile::TempDir, String) {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join(name);
    std::fs::write(&p, text).unwrap();
    let s = p.display().to_string();
    (d, s)
}

#[test]
fn validate_accepts_the_official_rules() {
    let out = bulwark(&[
        "runtime",
        "rules",
        "validate",
        &falco("falco_rules.yaml"),
        &falco("falco-incubating_rules.yaml"),
        &falco("falco-sandbox_rules.yaml"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("0 error(s)"), "{err}");
    // 25 + 31 + 37 rules, 12 disabled (README.md of the fixture).
    assert!(err.contains("81 rule(s) enabled"), "{err}");
}

#[test]
fn validate_reports_errors_with_position_and_exits_2() {
    let (_d, p) = temp(
        "bad.yaml",
        "- list: l\n  items: [a]\n- rule: R\n  desc: d\n  condition: evt.type = open and proc.nme = a\n  output: o\n  priority: INFO\n",
    );
    let out = bulwark(&["runtime", "rules", "validate", &p]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with(&format!("{p}:5:"))
            && first.contains(": error: rule 'R': ")
            && first.ends_with("[LOAD_ERR_COMPILE_CONDITION]"),
        "{first}"
    );
    let out = bulwark(&["runtime", "rules", "validate", "-f", "json", &p]);
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"LOAD_ERR_COMPILE_CONDITION"), "{codes:?}");
    assert_eq!(v[0]["item_name"], "R");
}

#[test]
fn validate_warnings_keep_exit_0() {
    let (_d, p) = temp(
        "warn.yaml",
        "- rule: R\n  desc: d\n  condition: proc.name = a\n  output: o\n  priority: INFO\n",
    );
    let out = bulwark(&["runtime", "rules", "validate", &p]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(": warning: rule 'R': ") && text.contains("[LOAD_NO_EVTTYPE]"),
        "{text}"
    );
}

#[test]
fn replay_with_broken_rules_or_missing_input_exits_2() {
    let (_d, p) = temp("bad.yaml", "- rule: R\n  append: true\n  condition: x\n");
    let out = bulwark(&["runtime", "replay", "/nonexistent-input", "-r", &p]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("[LOAD_ERR_VALIDATE]"));
    let out = bulwark(&[
        "runtime",
        "replay",
        "/nonexistent-input",
        "-r",
        &falco("falco_rules.yaml"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent-input"));
    let out = bulwark(&[
        "runtime",
        "replay",
        "x",
        "-r",
        &falco("falco_rules.yaml"),
        "--min-priority",
        "loud",
    ]);
    assert_eq!(out.status.code(), Some(2));
}
