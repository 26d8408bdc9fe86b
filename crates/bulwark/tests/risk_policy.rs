//! Policy rules that read contextual risk (`riskAtLeast`, `ssvc`), through the one policy function every entry
//! point calls. Expectations from the definitions (docs/risk.md, issue #16), never from a first run:
//! - the same report judged with a privileged, internet-exposed workload object scores at least as high as with
//!   no object (Kubernetes' defaults), which scores at least as high as with a hardened, isolated one — so for
//!   every threshold, a `riskAtLeast` rule selects at least as many findings, and strictly more somewhere;
//! - `scan sbom --policy` and `policy eval` of the same report give the same verdict (one verdict);
//! - without a rule that reads risk, nothing is scored (the report's findings carry no `risk`).

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::{bulwark, fixtures};
use serde_json::{Value, json};

const NOW: &str = "2026-12-01T00:00:00Z";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn db() -> &'static Path {
    static DB: OnceLock<PathBuf> = OnceLock::new();
    DB.get_or_init(|| {
        let v = |rel: &str| fixtures().join("vulndata").join(rel);
        common::build_db(
            "risk-policy.db",
            &[
                ("--osv", v("osv/PyPI-all.zip")),
                ("--kev", v("kev/known_exploited_vulnerabilities.json")),
            ],
        )
    })
}

/// Thresholds 0.5, 1.0, … 10.0: one rule each, named by its threshold in tenths.
fn bundle(dir: &Path) -> PathBuf {
    let b = dir.join("bundle");
    std::fs::create_dir_all(&b).unwrap();
    let mut rules = String::from(
        "apiVersion: policy.bulwark.dev/v1\nkind: PolicySet\nmetadata: {name: risk}\nrules:\n",
    );
    for t in (5..=100).step_by(5) {
        let _ = write!(
            rules,
            "  - id: risk-{t:03}\n    description: contextual risk at least {}\n    stages: {{build: fail, deploy: fail}}\n    vulnerabilities: {{riskAtLeast: {}}}\n",
            f64::from(t) / 10.0,
            f64::from(t) / 10.0
        );
    }
    rules.push_str(
        "  - id: ssvc-act\n    description: SSVC says act\n    stages: {build: fail, deploy: fail}\n    vulnerabilities: {ssvc: [act]}\n",
    );
    std::fs::write(b.join("rules.yaml"), rules).unwrap();
    b
}

fn salt_report(dir: &Path, extra: &[&str]) -> (Option<i32>, Value) {
    let sbom = repo().join("crates/bulwark-compliance/testdata/salt-3000.1.cdx.json");
    let out = dir.join(format!("report{}.json", extra.len()));
    let d = db().display().to_string();
    let o = out.display().to_string();
    let mut args = vec![
        "scan",
        "sbom",
        "--db",
        &d,
        sbom.to_str().unwrap(),
        "-q",
        "-f",
        "json",
        "-o",
        &o,
    ];
    args.extend_from_slice(extra);
    let run = bulwark(&args);
    assert!(out.is_file(), "{}", String::from_utf8_lossy(&run.stderr));
    (
        run.status.code(),
        serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap(),
    )
}

fn eval(dir: &Path, bundle: &Path, subject: &Value, name: &str) -> Value {
    let input = dir.join(format!("{name}.json"));
    std::fs::write(&input, serde_json::to_vec(subject).unwrap()).unwrap();
    let out = bulwark(&[
        "policy",
        "eval",
        bundle.to_str().unwrap(),
        input.to_str().unwrap(),
        "--stage",
        "deploy",
        "--now",
        NOW,
        "-f",
        "json",
    ]);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array().map_or(v.clone(), |a| a[0].clone())
}

/// Findings each `risk-NNN` rule selected, by threshold.
fn hits(verdict: &Value) -> Vec<usize> {
    (5..=100)
        .step_by(5)
        .map(|t| {
            verdict["results"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["rule"] == format!("risk-{t:03}"))
                .map_or(0, |r| r["hits"].as_array().map_or(0, Vec::len))
        })
        .collect()
}

#[allow(clippy::needless_pass_by_value)] // json!() built at the call
fn deployment(pod_spec: Value) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "salt", "namespace": "ops"},
        "spec": {"selector": {"matchLabels": {"app": "salt"}},
                 "template": {"metadata": {"labels": {"app": "salt"}}, "spec": pod_spec}}
    })
}

#[test]
fn the_subject_object_is_the_context_and_orders_the_scores() {
    let dir = tempfile::tempdir().unwrap();
    let b = bundle(dir.path());
    let (_, report) = salt_report(dir.path(), &[]);
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["properties"]["kev"] == true),
        "the fixture DB marks CVE-2020-11651 (salt 3000.1) as known exploited"
    );
    let exposed = deployment(
        json!({"hostNetwork": true, "containers": [{"name": "salt", "image": "salt:3000.1",
        "securityContext": {"privileged": true}, "ports": [{"containerPort": 4505, "hostPort": 4505}]}]}),
    );
    let hardened = deployment(json!({
        "securityContext": {"runAsNonRoot": true, "runAsUser": 10001},
        "automountServiceAccountToken": false,
        "containers": [{"name": "salt", "image": "salt:3000.1", "securityContext": {
            "readOnlyRootFilesystem": true, "allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}}]}));
    let h_exposed = hits(&eval(
        dir.path(),
        &b,
        &json!({"report": report, "object": exposed}),
        "exposed",
    ));
    let h_default = hits(&eval(dir.path(), &b, &json!({"report": report}), "default"));
    let h_hardened = hits(&eval(
        dir.path(),
        &b,
        &json!({"report": report, "object": hardened}),
        "hardened",
    ));
    for i in 0..h_exposed.len() {
        assert!(
            h_exposed[i] >= h_default[i] && h_default[i] >= h_hardened[i],
            "threshold {}: exposed {h_exposed:?} ≥ default {h_default:?} ≥ hardened {h_hardened:?}",
            (i + 1) * 5
        );
    }
    assert_ne!(
        h_exposed, h_hardened,
        "the context must change some score across a threshold"
    );
    assert!(
        h_exposed[0] > 0,
        "every vulnerability scores above 0.5 when privileged and exposed"
    );
}

#[test]
fn scan_and_eval_give_one_verdict_and_no_rule_no_scoring() {
    let dir = tempfile::tempdir().unwrap();
    let b = bundle(dir.path());
    let bs = b.display().to_string();
    let (code, with_policy) = salt_report(
        dir.path(),
        &["--policy", &bs, "--stage", "deploy", "--now", NOW],
    );
    assert_eq!(code, Some(1), "the 0.5 threshold selects the salt findings");
    let (_, plain) = salt_report(dir.path(), &[]);
    assert!(
        plain["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["properties"].get("risk").is_none()),
        "a scan without a risk rule scores nothing"
    );
    let evaluated = eval(dir.path(), &b, &json!({"report": plain}), "plain");
    let strip = |v: &Value| {
        let mut v = v.clone();
        v.as_object_mut().unwrap().remove("subject");
        v
    };
    assert_eq!(strip(&with_policy["verdict"]), strip(&evaluated));
}
