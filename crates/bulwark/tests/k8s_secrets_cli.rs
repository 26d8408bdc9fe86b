//! Secrets in Kubernetes manifests (`bulwark scan k8s`): Secret `data` (base64) and `stringData`, ConfigMap
//! `data` and `binaryData`, container env values, annotations and the last-applied-configuration copy.
//! Fixtures and the expected lines: `tests/k8s_secrets/README.md`.

mod common;

use std::path::PathBuf;

use common::{bulwark, validate};

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/k8s_secrets")
        .join(name)
        .display()
        .to_string()
}

fn report(args: &[&str]) -> serde_json::Value {
    let o = bulwark(args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("JSON report")
}

/// `(rule, line, resource, key)` of each secret finding, sorted.
fn secrets(r: &serde_json::Value) -> Vec<(String, u64, String, String)> {
    let mut v: Vec<_> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "secret")
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["location"]["line"].as_u64().unwrap(),
                f["location"]["resource"].as_str().unwrap().to_string(),
                f["properties"]["key"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

fn t(rule: &str, line: u64, resource: &str, key: &str) -> (String, u64, String, String) {
    (rule.into(), line, resource.into(), key.into())
}

#[test]
fn every_value_kind_is_scanned_at_its_key_line() {
    let m = fixture("manifests.yaml");
    let r = report(&["scan", "k8s", "-q", "-f", "json", &m]);
    let mut want = vec![
        t("github-pat", 9, "Secret/prod/registry", "GITHUB_TOKEN"),
        t(
            "aws-access-key-id",
            12,
            "Secret/prod/registry",
            "AWS_ACCESS_KEY_ID",
        ),
        t(
            "stripe-secret-key",
            13,
            "Secret/prod/registry",
            "config.env",
        ),
        t(
            "slack-webhook-url",
            23,
            "ConfigMap/prod/app-config",
            "SLACK_WEBHOOK_URL",
        ),
        t(
            "npm-access-token",
            26,
            "ConfigMap/prod/app-config",
            "token.bin",
        ),
        t("gitlab-pat", 34, "Deployment/prod/web", "OLD_TOKEN"),
        t(
            "slack-bot-token",
            36,
            "Deployment/prod/web",
            "ci.example.com/notify-token",
        ),
        t(
            "postgres-url-password",
            49,
            "Deployment/prod/web",
            "DATABASE_URL",
        ),
        t(
            "sendgrid-api-key",
            55,
            "Deployment/prod/web",
            "SENDGRID_API_KEY",
        ),
    ];
    want.sort();
    assert_eq!(secrets(&r), want);
    let all = r["findings"].as_array().unwrap();
    // Manifest rules still run beside the secret scan.
    assert!(all.iter().any(|f| f["kind"] == "misconfiguration"));
    let by_rule = |id: &str| all.iter().find(|f| f["id"] == id).unwrap();
    let gh = by_rule("github-pat");
    assert_eq!(gh["location"]["path"], m.as_str());
    assert_eq!(gh["evidence"], "ghp_*****");
    assert_eq!(gh["properties"]["field"], "data.GITHUB_TOKEN");
    assert_eq!(gh["properties"]["inSecretObject"], true);
    assert!(
        gh["message"]
            .as_str()
            .unwrap()
            .contains("base64 is an encoding")
    );
    // The multi-line stringData value: the key's line, and the line inside the value.
    let stripe = by_rule("stripe-secret-key");
    assert_eq!(stripe["properties"]["valueLine"], 2);
    let pg = by_rule("postgres-url-password");
    assert_eq!(pg["properties"]["container"], "migrate");
    assert_eq!(pg["properties"]["inSecretObject"], false);
    let old = by_rule("gitlab-pat");
    assert!(
        old["properties"]["field"]
            .as_str()
            .unwrap()
            .contains("last-applied-configuration")
    );
    // No secret reaches the report unredacted.
    let text = serde_json::to_string(&r).unwrap();
    for s in [
        "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",
        "sk_live_gJTeKdNnFRIBXuDL7DxtpYlS",
    ] {
        assert!(!text.contains(s), "{s} leaked");
    }
}

#[test]
fn show_secrets_and_skip_secrets() {
    let m = fixture("manifests.yaml");
    let r = report(&["scan", "k8s", "-q", "-f", "json", "--show-secrets", &m]);
    let gh = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "github-pat")
        .unwrap();
    // Decoded from `data`: the token itself, not its base64.
    assert_eq!(gh["evidence"], "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");

    let r = report(&["scan", "k8s", "-q", "-f", "json", "--skip-secrets", &m]);
    assert!(secrets(&r).is_empty());
    assert!(!r["findings"].as_array().unwrap().is_empty());

    // `--rules` without `secrets` runs only the listed manifest rules; `secrets` alone only the secret scan.
    let r = report(&[
        "scan",
        "k8s",
        "-q",
        "-f",
        "json",
        "--rules",
        "privileged-container",
        &m,
    ]);
    assert!(secrets(&r).is_empty());
    let r = report(&["scan", "k8s", "-q", "-f", "json", "--rules", "secrets", &m]);
    assert_eq!(secrets(&r).len(), 9);
    assert!(
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["kind"] == "secret")
    );
}

#[test]
fn invalid_base64_is_a_warning_with_its_line_and_ignores_apply() {
    let b = fixture("bad-base64.yaml");
    let r = report(&["scan", "k8s", "-q", "-f", "json", "--rules", "secrets", &b]);
    let d = r["diagnostics"].as_array().unwrap();
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0]["level"], "warning");
    assert_eq!(d[0]["location"]["path"], b.as_str());
    assert_eq!(d[0]["location"]["line"], 7);
    assert!(
        d[0]["message"]
            .as_str()
            .unwrap()
            .contains("'password' is not valid base64")
    );
    // The valid key of the same Secret is still scanned; the Secret marked `bulwark.dev/ignore: secrets`
    // is not reported.
    assert_eq!(
        secrets(&r),
        vec![t("github-pat", 8, "Secret/dev/broken", "GITHUB_TOKEN")]
    );

    // An ignore-file entry for every secret rule on that object.
    let dir = tempfile::tempdir().unwrap();
    let ignore = dir.path().join("ignore");
    std::fs::write(&ignore, "secrets Secret/dev/broken  rotated by CI\n").unwrap();
    let r = report(&[
        "scan",
        "k8s",
        "-q",
        "-f",
        "json",
        "--ignore-file",
        ignore.to_str().unwrap(),
        &b,
    ]);
    assert!(secrets(&r).is_empty());
}

#[test]
fn sarif_carries_secret_results_with_lines() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("k8s.sarif");
    let o = bulwark(&[
        "scan",
        "k8s",
        "-q",
        "-f",
        "sarif",
        "-o",
        out.to_str().unwrap(),
        &fixture("manifests.yaml"),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    validate("sarif", &out);
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let results = s["runs"][0]["results"].as_array().unwrap();
    let gh = results
        .iter()
        .find(|r| r["ruleId"] == "github-pat")
        .expect("github-pat result");
    assert_eq!(
        gh["locations"][0]["physicalLocation"]["region"]["startLine"],
        9
    );
}

#[test]
fn kustomize_output_gets_the_same_treatment() {
    if bulwark_k8s::find_tool("kubectl").is_none() && bulwark_k8s::find_tool("kustomize").is_none()
    {
        eprintln!("skipped: neither kubectl nor kustomize is installed");
        return;
    }
    let r = report(&[
        "scan",
        "k8s",
        "-q",
        "-f",
        "json",
        "--rules",
        "secrets",
        "--kustomize",
        &fixture("kustomize"),
    ]);
    let s = secrets(&r);
    assert_eq!(s.len(), 1, "{s:?}");
    assert_eq!(s[0].0, "github-pat");
    assert_eq!(s[0].2, "Secret/ci/ci-token");
    assert_eq!(s[0].3, "GITHUB_TOKEN");
}
