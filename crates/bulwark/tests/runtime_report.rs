//! `bulwark runtime replay -f sarif|junit|policyreport|html|csv|report-json`: a trace of Falco's k8saudit suite
//! (`create_nginx_pod_privileged.json`, where expectations.json says `Create Privileged Pod` fires once, WARNING)
//! replayed into each report format, each checked by bulwark-report's independent validators
//! (crates/bulwark-report/tests/validators: the OASIS SARIF 2.1.0 schema, the wgpolicyk8s.io v1alpha2 CRD schema,
//! JUnit's XSD, an HTML parser, Python's csv module).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn k8saudit() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/upstream/falco-k8saudit")
}

fn validators() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../bulwark-report/tests/validators")
}

fn replay(format: &str, out: &Path) -> std::process::Output {
    let f = k8saudit();
    Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["runtime", "replay"])
        .arg(f.join("trace_files/k8s_audit/create_nginx_pod_privileged.json"))
        .arg("--rules")
        .arg(f.join("falcosecurity-rules-1.0.1/falco_rules.yaml"))
        .arg("--rules")
        .arg(f.join("k8saudit-rules-0.6.0/k8s_audit_rules.yaml"))
        .args(["-f", format, "-o"])
        .arg(out)
        .env_remove("BULWARK_CONFIG")
        .output()
        .unwrap()
}

fn validate(script: &str, file: &Path) -> String {
    let out = Command::new(std::env::var("BULWARK_PYTHON").unwrap_or_else(|_| "python3".into()))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .arg(validators().join(script))
        .arg(file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{script} rejected {}:\n{stdout}\n{}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn replayed_alerts_render_in_every_report_format_and_pass_the_validators() {
    let dir = tempfile::tempdir().unwrap();
    let rule = "Create Privileged Pod";
    for (format, script) in [
        ("sarif", Some("validate_sarif.py")),
        ("policyreport", Some("validate_policyreport.py")),
        ("junit", Some("validate_junit.py")),
        ("html", Some("validate_html.py")),
        ("csv", Some("read_csv.py")),
        ("report-json", None),
    ] {
        let path = dir.path().join(format);
        let out = replay(format, &path);
        // A rule fired: exit 1, as for the other formats.
        assert_eq!(
            out.status.code(),
            Some(1),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(rule), "{format}: {text}");
        let checked = script.map(|s| validate(s, &path));
        match format {
            "sarif" => {
                let v: Value = serde_json::from_str(&text).unwrap();
                let results = v["runs"][0]["results"].as_array().unwrap();
                assert_eq!(results.len(), 1);
                assert_eq!(results[0]["ruleId"], rule);
                // WARNING is a medium finding (falcosidekick's mapping), SARIF level "warning".
                assert_eq!(results[0]["level"], "warning");
            }
            "policyreport" => {
                let docs: Value = serde_json::from_str(checked.unwrap().trim()).unwrap();
                let docs = docs.as_array().unwrap();
                // The alert names the namespace (`ka.target.namespace` default) and no pod (the rule's output
                // has no `ka.target.name`): its resource is the Namespace, which is cluster-scoped, so the result
                // is in the ClusterPolicyReport.
                assert_eq!(docs.len(), 1, "{docs:?}");
                assert_eq!(docs[0]["kind"], "ClusterPolicyReport");
                let r = &docs[0]["results"][0];
                assert_eq!(r["policy"], rule);
                assert_eq!(r["result"], "fail");
                assert_eq!(
                    r["resources"][0],
                    serde_json::json!({"kind": "Namespace", "name": "default"})
                );
            }
            "report-json" => {
                let v: Value = serde_json::from_str(&text).unwrap();
                let f = &v["findings"].as_array().unwrap();
                assert_eq!(f.len(), 1);
                assert_eq!(f[0]["kind"], "runtime");
                assert_eq!(f[0]["id"], rule);
                assert_eq!(f[0]["severity"], "MEDIUM");
            }
            _ => {}
        }
    }
}
