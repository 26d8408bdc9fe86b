//! The policy verdict in every report format: `bulwark scan fs DIR --policy BUNDLE -f sarif|junit|policyreport`,
//! each output checked by its official validator (`crates/bulwark-report/tests/validators/`): the OASIS SARIF
//! 2.1.0 schema, junitparser, and the `wgpolicyk8s.io/v1alpha2` schema check (plus `kubectl kustomize`, which
//! reads the PolicyReport stream as Kubernetes objects, as `kubectl apply -f` does). The verdict of the same scan
//! in JSON is the reference the other formats are compared with, and it reads back into bulwark-policy's
//! `Verdict` unchanged, as does the hand-written verdict bulwark-report's tests use.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const RULES: &str = "apiVersion: policy.bulwark.dev/v1
kind: PolicySet
metadata:
  name: baseline
rules:
  - id: no-aws-credentials
    description: No AWS credentials in the repository.
    stages: {build: fail, release: fail}
    secrets:
      ids: [\"aws-*\"]
  - id: dockerfile-hygiene
    description: Dockerfiles follow the house rules.
    stages: {build: warn}
    checks:
      ids: [\"BW-DF-*\"]
  - id: signed-by-ci
    description: Releases are signed by CI.
    stages: {release: fail}
    signatures:
      required:
        - kind: signature
          identity: ci@example.com
";

const MANIFEST: &str = "name: team-policies\nversion: 2.0.0\n";

/// A repository with an AWS key and a Dockerfile that runs as root, and the team's bundle.
fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    let bundle = tmp.path().join("bundle");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::create_dir_all(&bundle).unwrap();
    // A made-up key in the documented AWS format.
    std::fs::write(
        repo.join("settings.env"),
        "AWS_ACCESS_KEY_ID=AKIAZ3MSJV4WWNKWW5FG\n",
    )
    .unwrap();
    std::fs::write(
        repo.join("Dockerfile"),
        "FROM debian:12\nRUN apt-get update\nCMD [\"/bin/sh\"]\n",
    )
    .unwrap();
    std::fs::write(bundle.join("rules.yaml"), RULES).unwrap();
    std::fs::write(bundle.join("bundle.yaml"), MANIFEST).unwrap();
    (tmp, repo, bundle)
}

/// `scan fs` with the bundle in `format`, written to a file; exit code and the file's text.
fn scan(repo: &Path, bundle: &Path, format: &str, out: &Path) -> (Option<i32>, String) {
    let o = common::bulwark(&[
        "scan",
        "fs",
        "-q",
        "--no-vulns",
        repo.to_str().unwrap(),
        "--policy",
        bundle.to_str().unwrap(),
        "--now",
        "2026-12-01T10:00:00Z",
        "-f",
        format,
        "-o",
        out.to_str().unwrap(),
    ]);
    (
        o.status.code(),
        std::fs::read_to_string(out).unwrap_or_else(|e| {
            panic!(
                "no {format} report ({e}): {}",
                String::from_utf8_lossy(&o.stderr)
            )
        }),
    )
}

/// Runs a validator script; its stdout, or the test fails with its output.
fn validate(kind: &str, file: &Path) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!(
        "../bulwark-report/tests/validators/validate_{kind}.py"
    ));
    let python = std::env::var("BULWARK_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = Command::new(python)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .arg(&script)
        .arg(file)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{kind} validation of {} failed ({:?}):\n{}{}",
        file.display(),
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The verdict of the scan, from its JSON report: decision `fail`, and the shape of bulwark-policy's `Verdict`.
fn reference(repo: &Path, bundle: &Path, dir: &Path) -> Value {
    let (code, text) = scan(repo, bundle, "json", &dir.join("r.json"));
    assert_eq!(code, Some(1), "a failing verdict exits 1:\n{text}");
    let report: Value = serde_json::from_str(&text).unwrap();
    let v = report["verdict"].clone();
    let typed: bulwark_policy::Verdict = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(serde_json::to_value(&typed).unwrap(), v);
    assert_eq!(v["decision"], "fail");
    assert_eq!(v["bundle"]["name"], "team-policies");
    let outcome = |rule: &str| {
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rule"] == rule)
            .unwrap_or_else(|| panic!("no result for {rule}: {v:#}"))["outcome"]
            .clone()
    };
    assert_eq!(outcome("no-aws-credentials"), "fail");
    assert_eq!(outcome("dockerfile-hygiene"), "fail", "{v:#}");
    assert_eq!(outcome("signed-by-ci"), "skip");
    v
}

fn count(v: &Value, outcome: &str, action: Option<&str>) -> usize {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == outcome && action.is_none_or(|a| r["action"] == a))
        .count()
}

#[test]
fn sarif_carries_the_verdict_and_passes_the_oasis_schema() {
    let (tmp, repo, bundle) = setup();
    let v = reference(&repo, &bundle, tmp.path());
    let path = tmp.path().join("r.sarif");
    let (code, text) = scan(&repo, &bundle, "sarif", &path);
    assert_eq!(code, Some(1));
    validate("sarif", &path);
    let log: Value = serde_json::from_str(&text).unwrap();
    let run = &log["runs"][0];
    let p = &run["properties"]["bulwark:policy"];
    assert_eq!(p["decision"], "fail");
    assert_eq!(p["bundle"], v["bundle"]);
    assert_eq!(p["stage"], "build");
    let results = run["results"].as_array().unwrap();
    let aws = results
        .iter()
        .find(|r| r["ruleId"] == "no-aws-credentials")
        .expect("a result for the failed rule");
    assert_eq!(aws["level"], "error");
    let loc = &aws["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "settings.env");
    assert_eq!(loc["region"]["startLine"], 1);
    let hygiene = results
        .iter()
        .find(|r| r["ruleId"] == "dockerfile-hygiene")
        .unwrap();
    assert_eq!(hygiene["level"], "warning");
    assert!(results.iter().all(|r| r["ruleId"] != "signed-by-ci"));
    // The secret's own result names the rule it violated.
    let secret = results
        .iter()
        .find(|r| {
            r["properties"]["bulwark:policyRules"] == serde_json::json!(["no-aws-credentials"])
        })
        .expect("the secret finding names its rule");
    assert_ne!(secret["ruleId"], "no-aws-credentials");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().any(|r| r["id"] == "no-aws-credentials"));
    assert_eq!(
        results.len(),
        // Every finding, then every rule that failed or erred.
        results
            .iter()
            .filter(|r| r
                .get("partialFingerprints")
                .is_some_and(|f| f.get("bulwarkFinding/v1").is_some()))
            .count()
            + count(&v, "fail", None)
            + count(&v, "error", None)
    );
}

#[test]
fn junit_has_one_case_per_rule_and_passes_junitparser() {
    let (tmp, repo, bundle) = setup();
    let v = reference(&repo, &bundle, tmp.path());
    let path = tmp.path().join("r.junit.xml");
    let (code, text) = scan(&repo, &bundle, "junit", &path);
    assert_eq!(code, Some(1));
    let out = validate("junit", &path);
    let counts: Value = serde_json::from_str(out.trim()).unwrap();
    let policy = &counts["suites"]["policy"];
    assert_eq!(policy["tests"], v["results"].as_array().unwrap().len());
    assert_eq!(policy["failures"], count(&v, "fail", Some("fail")));
    assert_eq!(policy["errors"], count(&v, "error", Some("fail")));
    assert_eq!(policy["skipped"], count(&v, "skip", None));
    assert!(
        text.contains("<system-out>WARN: Dockerfiles follow the house rules."),
        "{text}"
    );
    assert!(text.contains("<property name=\"policy.bundle.version\" value=\"2.0.0\"/>"));
}

#[test]
fn policyreport_passes_the_v1alpha2_schema_and_kubectl_reads_it() {
    let (tmp, repo, bundle) = setup();
    let v = reference(&repo, &bundle, tmp.path());
    let path = tmp.path().join("report.yaml");
    let (code, text) = scan(&repo, &bundle, "policyreport", &path);
    assert_eq!(code, Some(1));
    let out = validate("policyreport", &path);
    let docs: Value = serde_json::from_str(out.trim()).unwrap();
    let docs = docs.as_array().unwrap();
    // No rule here names a Kubernetes object: one cluster report, a result per rule result.
    assert_eq!(docs.len(), 1, "{out}");
    assert_eq!(docs[0]["kind"], "ClusterPolicyReport");
    let results = docs[0]["results"].as_array().unwrap();
    assert_eq!(results.len(), v["results"].as_array().unwrap().len());
    let aws = results
        .iter()
        .find(|r| r["rule"] == "no-aws-credentials")
        .unwrap();
    assert_eq!(aws["policy"], "baseline");
    assert_eq!(aws["result"], "fail");
    assert_eq!(aws["source"], "bulwark");
    assert_eq!(aws["properties"]["bundle"], "team-policies");
    let hygiene = results
        .iter()
        .find(|r| r["rule"] == "dockerfile-hygiene")
        .unwrap();
    assert_eq!(hygiene["result"], "warn");
    assert_eq!(
        results
            .iter()
            .find(|r| r["rule"] == "signed-by-ci")
            .unwrap()["result"],
        "skip"
    );

    // kubectl's own reader takes the stream as objects (kustomize reads every document of a resource file).
    let kubectl = bulwark_k8s::find_tool("kubectl")
        .expect("kubectl (installed by ../shared/tools/install-peers.sh, see .ci/install-deps.sh)");
    let k = tmp.path().join("kustomize");
    std::fs::create_dir_all(&k).unwrap();
    std::fs::write(k.join("report.yaml"), &text).unwrap();
    std::fs::write(
        k.join("kustomization.yaml"),
        "resources:\n  - report.yaml\n",
    )
    .unwrap();
    let o = Command::new(kubectl)
        .arg("kustomize")
        .arg(&k)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "kubectl kustomize: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let rendered = String::from_utf8_lossy(&o.stdout);
    assert!(rendered.contains("kind: ClusterPolicyReport"), "{rendered}");
    assert!(rendered.contains("rule: no-aws-credentials"), "{rendered}");
}

/// The verdict bulwark-report's tests render is in the shape bulwark-policy writes.
#[test]
fn the_hand_written_test_verdict_is_a_verdict() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../bulwark-report/testdata/verdict.json"),
    )
    .unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let typed: bulwark_policy::Verdict = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(serde_json::to_value(&typed).unwrap(), v);
}

/// `scan k8s -f policyreport` without a policy: the built-in findings, a report per namespace of the objects they
/// name, cluster-scoped objects in the cluster report; as many results as the JSON report has findings.
#[test]
fn scan_k8s_findings_go_to_the_report_of_their_namespace() {
    let tmp = tempfile::tempdir().unwrap();
    let manifests = tmp.path().join("app.yaml");
    std::fs::write(
        &manifests,
        "apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  containers:
    - name: web
      image: nginx:1.27
      securityContext:
        privileged: true
---
apiVersion: v1
kind: Pod
metadata:
  name: loose
spec:
  hostNetwork: true
  containers:
    - name: app
      image: busybox:1.36
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: everything
rules:
  - apiGroups: [\"*\"]
    resources: [\"*\"]
    verbs: [\"*\"]
",
    )
    .unwrap();
    let m = manifests.to_str().unwrap();
    let json = common::json(&["scan", "k8s", "-q", "-f", "json", m]);
    let findings = json["findings"].as_array().unwrap();
    let path = tmp.path().join("k8s.yaml");
    let o = common::bulwark(&[
        "scan",
        "k8s",
        "-q",
        "-f",
        "policyreport",
        "-o",
        path.to_str().unwrap(),
        m,
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = validate("policyreport", &path);
    let docs: Value = serde_json::from_str(out.trim()).unwrap();
    let docs = docs.as_array().unwrap();
    let total: usize = docs
        .iter()
        .map(|d| d["results"].as_array().unwrap().len())
        .sum();
    assert_eq!(total, findings.len(), "{out}");
    let doc = |kind: &str, ns: Option<&str>| {
        docs.iter()
            .find(|d| d["kind"] == kind && d["namespace"].as_str() == ns)
            .unwrap_or_else(|| panic!("no {kind} {ns:?} in {out}"))
    };
    let shop = doc("PolicyReport", Some("shop"));
    for r in shop["results"].as_array().unwrap() {
        assert_eq!(
            r["resources"],
            serde_json::json!([{"kind": "Pod", "namespace": "shop", "name": "web"}])
        );
        assert_eq!(r["result"], "fail");
    }
    let privileged = findings
        .iter()
        .find(|f| {
            f["location"]["resource"] == "Pod/shop/web" && f["name"] == "privileged-container"
        })
        .expect("the privileged finding");
    assert!(
        shop["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["policy"] == privileged["id"] && r["rule"] == "privileged-container")
    );
    // The Pod without a namespace: a PolicyReport without one (kubectl apply puts both in the current namespace).
    assert!(
        !doc("PolicyReport", None)["results"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // rbac-wildcard: the ClusterRole's findings are in the cluster report.
    assert!(
        findings
            .iter()
            .any(|f| f["location"]["resource"] == "ClusterRole/everything")
    );
    let cluster = doc("ClusterPolicyReport", None);
    assert!(cluster["results"].as_array().unwrap().iter().any(|r| {
        r["resources"] == serde_json::json!([{"kind": "ClusterRole", "name": "everything"}])
    }));
}

/// The Kubernetes corpus (real charts and manifests, several namespaces): every finding of the JSON report is a
/// result, and the stream passes the schema check.
#[test]
fn the_k8s_corpus_as_policy_reports_validates() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = common::fixtures().join("k8s-corpus/rendered");
    let c = corpus.to_str().unwrap();
    let json = common::json(&["scan", "k8s", "-q", "-f", "json", c]);
    let path = tmp.path().join("corpus.yaml");
    let o = common::bulwark(&[
        "scan",
        "k8s",
        "-q",
        "-f",
        "policyreport",
        "-o",
        path.to_str().unwrap(),
        c,
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = validate("policyreport", &path);
    let docs: Value = serde_json::from_str(out.trim()).unwrap();
    let docs = docs.as_array().unwrap();
    let total: usize = docs
        .iter()
        .map(|d| d["results"].as_array().unwrap().len())
        .sum();
    assert_eq!(total, json["findings"].as_array().unwrap().len());
    let namespaced = docs.iter().filter(|d| d["namespace"].is_string()).count();
    assert!(namespaced >= 2, "{namespaced} namespaces");
}

/// `scan k8s --policy` with a ValidatingAdmissionPolicy: the policy's violations go to the PolicyReport of each
/// violating object's namespace (the Pod with an owner label is not among them), and the stream validates.
#[test]
fn scan_k8s_policy_violations_go_to_the_report_of_their_namespace() {
    let tmp = tempfile::tempdir().unwrap();
    let manifests = tmp.path().join("app.yaml");
    std::fs::write(
        &manifests,
        "apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  containers: [{name: web, image: nginx:1.27}]
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: pay, labels: {owner: pay-team}}
spec:
  containers: [{name: api, image: nginx:1.27}]
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: pay}
spec:
  containers: [{name: db, image: postgres:16}]
",
    )
    .unwrap();
    let bundle = tmp.path().join("bundle");
    std::fs::create_dir(&bundle).unwrap();
    std::fs::write(
        bundle.join("vap.yaml"),
        "apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: owner-label}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [\"\"], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [pods]}
  validations:
  - expression: has(object.metadata.labels) && 'owner' in object.metadata.labels
    message: pods need an owner label
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: owner-label}
spec: {policyName: owner-label, validationActions: [Deny]}
",
    )
    .unwrap();
    let path = tmp.path().join("reports.yaml");
    let o = common::bulwark(&[
        "scan",
        "k8s",
        "-q",
        "--policy",
        bundle.to_str().unwrap(),
        "--stage",
        "deploy",
        "-f",
        "policyreport",
        "-o",
        path.to_str().unwrap(),
        manifests.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = validate("policyreport", &path);
    let docs: Value = serde_json::from_str(out.trim()).unwrap();
    let mut violating: Vec<(String, String)> = Vec::new();
    for d in docs.as_array().unwrap() {
        let ns = d["namespace"].as_str().unwrap_or("").to_string();
        for r in d["results"].as_array().into_iter().flatten() {
            if r["rule"] == "owner-label" && r["result"] == "fail" {
                for res in r["resources"].as_array().unwrap() {
                    assert_eq!(res["namespace"].as_str().unwrap_or(""), ns, "{d}");
                    violating.push((ns.clone(), res["name"].as_str().unwrap().to_string()));
                }
            }
        }
    }
    violating.sort();
    assert_eq!(
        violating,
        [
            ("pay".to_string(), "db".to_string()),
            ("shop".into(), "web".into())
        ]
    );
}
