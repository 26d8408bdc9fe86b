//! `scan k8s --k8s-version` (API versions removed or deprecated in the target release) and `--include
//! best-practices` (the optional group), end to end: exit codes, JSON findings, environment and config file.
//! Expectations come from the Kubernetes Deprecated API Migration Guide (batch/v1beta1 CronJob: deprecated in
//! v1.21, no longer served as of v1.25) and the Deployment API reference (`replicas` defaults to 1).

mod common;

use std::process::{Command, Output};

use common::bulwark;

const CRONJOB_V1BETA1: &str = "apiVersion: batch/v1beta1
kind: CronJob
metadata:
  name: hello
spec:
  schedule: \"* * * * *\"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: hello
            image: busybox:1.28
";

const ONE_REPLICA: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: nginx:1.27
";

/// `(rule name, severity, line)` of every finding.
fn findings(o: &Output) -> Vec<(String, String, u64)> {
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: stdout {} stderr {}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["location"]["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn api_rules(file: &str, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut args = vec![
        "scan",
        "k8s",
        "-q",
        "-f",
        "json",
        "--rules",
        "removed-api-version,deprecated-api-version",
        "--fail-on",
        "high",
    ];
    args.extend_from_slice(extra);
    args.push(file);
    let mut c = Command::new(env!("CARGO_BIN_EXE_bulwark"));
    c.args(&args).env_remove("BULWARK_K8S_VERSION");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run bulwark")
}

#[test]
fn k8s_version_decides_removed_or_deprecated() {
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("cronjob.yaml");
    std::fs::write(&f, CRONJOB_V1BETA1).unwrap();
    let f = f.to_str().unwrap();

    // v1.24 still serves batch/v1beta1 CronJob, deprecated since v1.21: LOW, the HIGH gate passes.
    let o = api_rules(f, &["--k8s-version", "v1.24"], &[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        findings(&o),
        vec![("deprecated-api-version".into(), "LOW".into(), 1)]
    );

    // v1.25 (a patch release names its minor) no longer serves it: HIGH, the gate fails.
    let o = api_rules(f, &["--k8s-version", "v1.25.3"], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        findings(&o),
        vec![("removed-api-version".into(), "HIGH".into(), 1)]
    );
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let msg = r["findings"][0]["message"].as_str().unwrap();
    assert!(msg.contains("batch/v1 CronJob"), "{msg}");

    // The default target is the latest release.
    let o = api_rules(f, &[], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(findings(&o)[0].0, "removed-api-version");

    // Before v1.21 it was not deprecated yet.
    let o = api_rules(f, &["--k8s-version", "1.20"], &[]);
    assert_eq!(o.status.code(), Some(0));
    assert!(findings(&o).is_empty());

    // The environment variable and the config file key set it too; the command line wins.
    let o = api_rules(f, &[], &[("BULWARK_K8S_VERSION", "v1.24")]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(findings(&o)[0].0, "deprecated-api-version");
    let o = api_rules(
        f,
        &["--k8s-version", "v1.30"],
        &[("BULWARK_K8S_VERSION", "v1.24")],
    );
    assert_eq!(o.status.code(), Some(1));
    let cfg = t.path().join("bulwark.yaml");
    std::fs::write(&cfg, "scan:\n  k8s:\n    k8s-version: v1.22\n").unwrap();
    let o = api_rules(f, &["--config", cfg.to_str().unwrap()], &[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(findings(&o)[0].0, "deprecated-api-version");

    // A version that is not one is an error (exit 2) naming the flag.
    let o = api_rules(f, &["--k8s-version", "2.0"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--k8s-version"));
}

#[test]
fn include_best_practices_adds_the_optional_group() {
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("deploy.yaml");
    std::fs::write(&f, ONE_REPLICA).unwrap();
    let f = f.to_str().unwrap();
    let optional = ["low-replica-count", "missing-priority-class"];

    // Off by default.
    let o = bulwark(&["scan", "k8s", "-q", "-f", "json", f]);
    assert_eq!(o.status.code(), Some(0));
    let n = findings(&o);
    assert!(!n.is_empty(), "the default rules still report");
    assert!(
        n.iter().all(|(r, ..)| !optional.contains(&r.as_str())),
        "{n:?}"
    );

    // Included: replicas: 1 at line 6, no priorityClassName at the pod spec (line 12); LOW.
    let o = bulwark(&[
        "scan",
        "k8s",
        "-q",
        "-f",
        "json",
        "--include",
        "best-practices",
        f,
    ]);
    assert_eq!(o.status.code(), Some(0));
    let n = findings(&o);
    assert!(
        n.contains(&("low-replica-count".into(), "LOW".into(), 6)),
        "{n:?}"
    );
    assert!(
        n.contains(&("missing-priority-class".into(), "LOW".into(), 12)),
        "{n:?}"
    );

    // A LOW gate fails on them; the table names them too.
    let o = bulwark(&[
        "scan",
        "k8s",
        "-q",
        "--include",
        "best-practices",
        "--fail-on",
        "low",
        "--rules",
        "low-replica-count",
        f,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("low-replica-count"));

    // An unknown group is an error naming the known ones.
    let o = bulwark(&["scan", "k8s", "-q", "--include", "best-practise", f]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("best-practices"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
