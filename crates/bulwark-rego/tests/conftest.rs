//! Conftest-style policies, written after the conftest documentation (conftest.dev: "Usage", "Exceptions",
//! the Dockerfile example), over manifests, a Dockerfile and a Bulwark report.

use bulwark_rego::conftest::{Policies, dockerfile_input, inputs};
use bulwark_rego::{Limits, RegoVersion};
use serde_json::json;
use std::path::PathBuf;

/// A policy directory written to a fresh folder under the test target dir.
fn policy_dir(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("conftest-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    for (f, text) in files {
        let p = dir.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

const DEPLOYMENT_V1: &str = r#"package main

deny contains msg if {
  input.kind == "Deployment"
  not input.spec.template.spec.securityContext.runAsNonRoot

  msg := "Containers must not run as root"
}

deny contains msg if {
  input.kind == "Deployment"
  not input.spec.selector.matchLabels.app

  msg := "Containers must provide app label for pod selectors"
}
"#;

// The same age of policy in v0 syntax, with a suffixed rule, an exception and a warning, in another file of
// the same package.
const EXCEPTIONS_V0: &str = r#"package main

deny_run_as_root[msg] {
  input.kind == "Deployment"
  not input.spec.template.spec.securityContext.runAsNonRoot
  msg := "deny_run_as_root: containers must not run as root"
}

exception[rules] {
  input.kind == "Deployment"
  input.metadata.name == "can-run-as-root"
  rules := ["run_as_root"]
}

warn[msg] {
  input.kind == "Deployment"
  not input.metadata.labels.team
  msg := sprintf("%s has no team label", [input.metadata.name])
}
"#;

// `violation` rules return structured data.
const VIOLATION: &str = r#"package kubernetes.images

import rego.v1

violation contains {"msg": msg, "details": {"image": c.image}} if {
  some c in input.spec.template.spec.containers
  endswith(c.image, ":latest")
  msg := sprintf("container %s uses a latest tag", [c.name])
}
"#;

fn deployment(name: &str, non_root: bool) -> serde_json::Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": {"team": "shop"}},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {"spec": {
                "securityContext": {"runAsNonRoot": non_root},
                "containers": [{"name": "web", "image": "nginx:latest"}, {"name": "side", "image": "envoy:1.30"}]
            }}
        }
    })
}

#[test]
fn a_policy_directory_of_both_rego_versions() {
    let dir = policy_dir(
        "dir",
        &[
            ("deployment.rego", DEPLOYMENT_V1),
            ("exceptions.rego", EXCEPTIONS_V0),
            ("images/violation.rego", VIOLATION),
            ("README.md", "not Rego, not loaded"),
        ],
    );
    let p = Policies::load_dir(&dir, Limits::default()).unwrap();
    assert_eq!(p.namespaces(), ["kubernetes.images", "main"]);

    // Root, no app label, no team label: two `deny` messages, one `deny_run_as_root`, one warning.
    let mut root = deployment("web", false);
    root["spec"]["selector"]["matchLabels"] = json!({});
    root["metadata"]["labels"] = json!({});
    let out = p.evaluate(&root, "main").unwrap();
    let mut fails: Vec<(&str, &str)> = out
        .failures
        .iter()
        .map(|m| (m.rule.as_str(), m.msg.as_str()))
        .collect();
    fails.sort_unstable();
    assert_eq!(
        fails,
        [
            ("deny", "Containers must not run as root"),
            (
                "deny",
                "Containers must provide app label for pod selectors"
            ),
            (
                "deny_run_as_root",
                "deny_run_as_root: containers must not run as root"
            ),
        ]
    );
    assert_eq!(out.warnings.len(), 1);
    assert_eq!(out.warnings[0].msg, "web has no team label");
    assert!(!out.passed());

    // The exception exempts `deny_run_as_root` only; plain `deny` still fails.
    let out = p
        .evaluate(&deployment("can-run-as-root", false), "main")
        .unwrap();
    assert_eq!(out.exceptions.len(), 1, "{out:?}");
    assert_eq!(out.exceptions[0].rule, "deny_run_as_root");
    assert_eq!(out.failures.len(), 1);
    assert_eq!(out.failures[0].rule, "deny");

    // Compliant: passes.
    let out = p.evaluate(&deployment("ok", true), "main").unwrap();
    assert!(out.passed() && out.warnings.is_empty(), "{out:?}");

    // Another namespace, structured results.
    let out = p
        .evaluate(&deployment("ok", true), "kubernetes.images")
        .unwrap();
    assert_eq!(out.failures.len(), 1);
    assert_eq!(out.failures[0].rule, "violation");
    assert_eq!(out.failures[0].msg, "container web uses a latest tag");
    assert_eq!(out.failures[0].metadata["details"]["image"], "nginx:latest");

    // A namespace no policy defines: nothing to fail.
    assert!(p.evaluate(&root, "nothing.here").unwrap().passed());
}

#[test]
fn dockerfiles_as_conftest_parses_them() {
    // The docs' Dockerfile example: deny an openjdk base image; plus the ADD and latest-tag checks such
    // policies commonly carry.
    let policy = r#"package main

denylist := ["openjdk"]

deny contains msg if {
  some i
  input[i].Cmd == "from"
  val := input[i].Value
  contains(val[i], denylist[_])
  msg := sprintf("unallowed image found %s", [val])
}

deny contains msg if {
  some instr in input
  instr.Cmd == "add"
  msg := sprintf("Use COPY instead of ADD: %s", [concat(" ", instr.Value)])
}

warn contains msg if {
  some instr in input
  instr.Cmd == "from"
  endswith(instr.Value[0], ":latest")
  msg := sprintf("latest tag in stage %d", [instr.Stage])
}
"#;
    let dockerfile = "FROM openjdk:8-jdk-alpine AS build\n\
                      COPY --from=src /src /app\n\
                      ADD app.tar.gz \\\n    /opt/\n\
                      FROM alpine:latest\n\
                      ENV SECRET=abc OTHER=\"x y\"\n\
                      RUN apk add curl\n\
                      CMD [\"java\", \"-jar\", \"/app.jar\"]\n";
    let input = dockerfile_input("Dockerfile", dockerfile).unwrap();
    let ins = input.as_array().unwrap();
    assert_eq!(ins.len(), 7);
    assert_eq!(ins[0]["Cmd"], "from");
    assert_eq!(
        ins[0]["Value"],
        json!(["openjdk:8-jdk-alpine", "AS", "build"])
    );
    assert_eq!(ins[1]["Flags"], json!(["--from=src"]));
    assert_eq!(ins[1]["Value"], json!(["/src", "/app"]));
    assert_eq!(ins[2]["Value"], json!(["app.tar.gz", "/opt/"]));
    assert_eq!(ins[3]["Stage"], 1);
    assert_eq!(
        ins[4]["Value"],
        json!(["SECRET", "abc", "OTHER", "\"x y\""])
    );
    assert_eq!(ins[5]["Value"], json!(["apk add curl"]));
    assert_eq!(ins[5]["JSON"], false);
    assert_eq!(ins[6]["Value"], json!(["java", "-jar", "/app.jar"]));
    assert_eq!(ins[6]["JSON"], true);

    let p = Policies::from_sources(
        "policy",
        &[("policy/docker.rego".into(), policy.into())],
        RegoVersion::Auto,
        Limits::default(),
    )
    .unwrap();
    let out = p.evaluate(&input, "main").unwrap();
    let msgs: Vec<&str> = out.failures.iter().map(|m| m.msg.as_str()).collect();
    assert!(
        msgs.contains(&"Use COPY instead of ADD: app.tar.gz /opt/"),
        "{msgs:?}"
    );
    assert!(
        msgs.iter().any(|m| m.starts_with("unallowed image found")),
        "{msgs:?}"
    );
    assert_eq!(out.warnings[0].msg, "latest tag in stage 1");
}

#[test]
fn a_bulwark_report_as_input() {
    use bulwark_types::{Finding, FindingKind, Location, Severity};
    use std::borrow::Cow;
    // A finding serialized by Bulwark's own types, so the policy reads the field names the report has.
    let finding = |id: &'static str, sev: Severity| Finding {
        kind: FindingKind::Vulnerability,
        id: Cow::Borrowed(id),
        name: None,
        severity: sev,
        title: Cow::Borrowed("t"),
        message: "m".into(),
        location: Location::default(),
        evidence: None,
        references: Vec::new(),
        properties: std::collections::BTreeMap::new(),
        shared_properties: None,
    };
    let findings = vec![
        finding("CVE-2024-0001", Severity::Critical),
        finding("CVE-2024-0002", Severity::Low),
    ];
    let report = json!({"findings": serde_json::to_value(&findings).unwrap()});
    let sev = report["findings"][0]["severity"]
        .as_str()
        .unwrap()
        .to_string();
    let policy = format!(
        r#"package main
deny contains msg if {{
  some f in input.findings
  f.severity == "{sev}"
  msg := sprintf("%s is {sev}", [f.id])
}}
"#
    );
    let p = Policies::from_sources(
        "report",
        &[("report.rego".into(), policy)],
        RegoVersion::Auto,
        Limits::default(),
    )
    .unwrap();
    let out = p.evaluate(&report, "main").unwrap();
    assert_eq!(out.failures.len(), 1);
    assert_eq!(out.failures[0].msg, format!("CVE-2024-0001 is {sev}"));
}

#[test]
fn input_files_split_as_conftest_splits_them() {
    let yaml = inputs("deploy.yaml", "kind: A\n---\nkind: B\n").unwrap();
    assert_eq!(yaml.len(), 2);
    assert_eq!(yaml[1]["kind"], "B");
    assert_eq!(
        inputs("report.json", "{\"findings\": []}").unwrap().len(),
        1
    );
    let e = inputs("report.json", "{\n\"a\": }")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("report.json:2:"), "{e}");
    let df = inputs("build/Dockerfile", "FROM alpine\nRUN true\n").unwrap();
    assert_eq!(df.len(), 1);
    assert_eq!(df[0][1]["Cmd"], "run");
}
