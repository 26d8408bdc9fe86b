//! The team switch and consolidated results (issue #20) on a real `bulwark serve --store` (SQLite) on 127.0.0.1,
//! configured by a config file's `teams:` key:
//!
//! - an SBOM pushed with the payments team's token is judged by the team's strict bundle at release (`bulwark
//!   report push` exits 1, the verdict fails on the CRITICAL `requests` advisory), the same SBOM pushed with a
//!   token of no team by the global lenient bundle (exit 0, pass); the team's verdict is byte-identical to
//!   `bulwark scan sbom --policy TEAM --stage release`'s, and it is stored with the report;
//! - admission: the same Pod (a hostPath volume) in a team namespace (`payments-pr-7`, matched by `payments-*`) is
//!   refused with the team's verdict, in another namespace admitted with the global one, and each audit
//!   annotation is `bulwark policy eval`'s verdict with that bundle;
//! - results: `bulwark report push --results ci-payments` → `GET /api/v1/results` lists it under the team with
//!   counts per tool and severity counted here from the pushed file → the dashboard's Results page shows it,
//!   escaping a hostile title; a read token cannot push (403); after `kill -9` and a restart it is still there;
//! - overlapping team namespaces stop the server at start with both teams named (exit 2).
//!
//! The expected decisions come from the fixture's known content (see verdict_conformance_rescan.rs): the
//! payments image holds `requests 2.19.0` and `idna 2.7`; the DB built here adds a CRITICAL PyPI advisory for each.

mod common;

#[path = "../../bulwark-store/tests/support/mod.rs"]
mod pg;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use bulwark_policy::Verdict;
use common::inventory::{DIGEST_A, build_db, sboms};
use common::server::{Server, review};
use serde_json::{Value, json};

const NOW: &str = "2026-12-01T00:00:00Z";
const TEAM_TOKEN: &str = "payments-token-0123456789";
const OTHER_TOKEN: &str = "other-push-token-0123456789";
const READ_TOKEN: &str = "read-token-0123456789";

/// The global bundle: lenient (privileged pods only, at deploy).
const GLOBAL: &str = "apiVersion: policy.bulwark.dev/v1
kind: PolicySet
metadata: {name: global}
rules:
  - id: no-privileged
    stages: {deploy: fail}
    kubernetes: {ids: [BW-K8S-0002]}
";

/// The payments team's bundle: strict (no CRITICAL vulnerability from build on, no hostPath volume).
const TEAM: &str = "apiVersion: policy.bulwark.dev/v1
kind: PolicySet
metadata: {name: payments}
rules:
  - id: no-critical
    description: No CRITICAL vulnerability ships.
    stages: {build: fail, release: fail, runtime: fail}
    vulnerabilities: {minSeverity: CRITICAL}
  - id: no-host-path
    stages: {deploy: fail}
    kubernetes: {ids: [BW-K8S-0004]}
";

fn write_bundle(dir: &Path, name: &str, rules: &str) -> PathBuf {
    let b = dir.join(name);
    std::fs::create_dir_all(&b).unwrap();
    std::fs::write(
        b.join("bundle.yaml"),
        format!("name: {name}\nversion: \"1\"\n"),
    )
    .unwrap();
    std::fs::write(b.join("rules.yaml"), rules).unwrap();
    b
}

fn osv(dir: &Path, id: &str, package: &str, fixed: &str) {
    std::fs::write(
        dir.join(format!("{id}.json")),
        serde_json::to_vec(&json!({
            "id": id,
            "modified": "2099-01-01T00:00:00Z",
            "summary": format!("test advisory for {package}"),
            "affected": [{
                "package": {"ecosystem": "PyPI", "name": package},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]
            }],
            "database_specific": {"severity": "CRITICAL"}
        }))
        .unwrap(),
    )
    .unwrap();
}

fn db(dir: &Path) -> PathBuf {
    let osv_dir = dir.join("osv");
    std::fs::create_dir_all(&osv_dir).unwrap();
    osv(&osv_dir, "PYSEC-2099-10", "requests", "2.20.0");
    osv(&osv_dir, "PYSEC-2099-11", "idna", "2.8");
    let path = dir.join("vuln.db");
    build_db(&path, &[("--osv", osv_dir)]);
    path
}

struct Setup {
    global: PathBuf,
    team: PathBuf,
    config: PathBuf,
    tokens: PathBuf,
    vuln_db: PathBuf,
}

fn setup(dir: &Path) -> Setup {
    let global = write_bundle(dir, "global", GLOBAL);
    let team = write_bundle(dir, "payments", TEAM);
    let tokens = dir.join("tokens.yaml");
    std::fs::write(
        &tokens,
        format!(
            "tokens:\n  - name: payments-ci\n    role: push\n    token: {TEAM_TOKEN}\n  - name: other-ci\n    role: push\n    \
             token: {OTHER_TOKEN}\n  - name: reader\n    role: read\n    token: {READ_TOKEN}\n"
        ),
    )
    .unwrap();
    let config = dir.join("bulwark.yaml");
    std::fs::write(
        &config,
        format!(
            "teams:\n  - name: payments\n    namespaces: [payments, \"payments-*\"]\n    policy: {}\n    tokens: [payments-ci]\n    owners: [team-payments]\n",
            team.display()
        ),
    )
    .unwrap();
    Setup {
        global,
        team,
        config,
        tokens,
        vuln_db: db(dir),
    }
}

fn start(dir: &Path, s: &Setup, store: &str, certs: &str) -> Server {
    let certs = dir.join(certs);
    let args: Vec<std::ffi::OsString> = vec![
        "serve".into(),
        "--config".into(),
        s.config.clone().into(),
        "--policy".into(),
        s.global.clone().into(),
        "--generate-certs".into(),
        certs.clone().into(),
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--store".into(),
        store.into(),
        "--vuln-db".into(),
        s.vuln_db.clone().into(),
        "--api-tokens".into(),
        s.tokens.clone().into(),
    ];
    let mut cmd = Server::command(&args, dir);
    cmd.env("BULWARK_NOW", NOW)
        .env_remove("BULWARK_STORE")
        .env_remove("BULWARK_POLICY")
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST");
    Server::spawn(cmd, certs)
}

fn bulwark(dir: &Path, args: &[&str], token: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bulwark"));
    cmd.args(args)
        .current_dir(dir)
        .env("BULWARK_NOW", NOW)
        .env_remove("BULWARK_CONFIG")
        .env_remove("BULWARK_POLICY")
        .env_remove("BULWARK_STORE");
    match token {
        Some(t) => cmd.env("BULWARK_TOKEN", t),
        None => cmd.env_remove("BULWARK_TOKEN"),
    };
    cmd.output().unwrap()
}

fn get(server: &Server, token: &str, path: &str) -> (u16, String) {
    let out = Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "30",
            "-w",
            "\n%{http_code}",
            "--cacert",
        ])
        .arg(server.certs.join("ca.crt"))
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .arg(server.url(path))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let (body, status) = text.rsplit_once('\n').unwrap();
    (status.parse().unwrap(), body.to_owned())
}

fn canonical(v: &Value) -> String {
    let verdict: Verdict = serde_json::from_value(v.clone()).expect("a verdict");
    verdict.to_json()
}

fn host_path_pod(namespace: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "debug", "namespace": namespace},
        "spec": {
            "containers": [{"name": "app", "image": "registry.example/payments/api@sha256:".to_owned() + &"a".repeat(64)}],
            "volumes": [{"name": "host", "hostPath": {"path": "/var/run"}}]
        }
    })
}

#[test]
fn team_tokens_and_namespaces_are_judged_by_the_team_bundle_and_results_are_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let s = setup(dir);
    let sqlite = pg::TestDb::sqlite();
    let store = sqlite.location.as_str();
    let server = start(dir, &s, store, "certs");
    let (sbom, _) = sboms(dir);
    let sbom_s = sbom.display().to_string();
    let url = server.url("");
    let ca = server.certs.join("ca.crt").display().to_string();
    let push = |token: &str, digest: &str| {
        bulwark(
            dir,
            &[
                "report",
                "push",
                "--server",
                &url,
                "--ca-file",
                &ca,
                "--digest",
                digest,
                &sbom_s,
            ],
            Some(token),
        )
    };

    // ---- A push with the team's token: the team's strict bundle at release, exit 1.
    let out = push(TEAM_TOKEN, DIGEST_A);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    let verdict = &answer["verdict"];
    assert_eq!(verdict["team"], "payments", "{answer}");
    assert_eq!(verdict["decision"], "fail");
    assert_eq!(verdict["stage"], "release");
    assert_eq!(verdict["bundle"]["name"], "payments");
    let rule = verdict["verdict"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "no-critical")
        .unwrap();
    let hits = rule["hits"].to_string();
    assert!(
        hits.contains("PYSEC-2099-10") && hits.contains("PYSEC-2099-11"),
        "both fixture packages have a CRITICAL advisory: {hits}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("team payments") && stderr.contains("no-critical"),
        "{stderr}"
    );

    // The same function as CI: scan sbom with the team's bundle at release gives the identical verdict.
    let scan = bulwark(
        dir,
        &[
            "scan",
            "sbom",
            &sbom_s,
            "--db",
            s.vuln_db.to_str().unwrap(),
            "--skip-db-update",
            "--policy",
            s.team.to_str().unwrap(),
            "--stage",
            "release",
            "-f",
            "json",
        ],
        None,
    );
    assert_eq!(scan.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&scan.stdout).unwrap();
    assert_eq!(
        canonical(&verdict["verdict"]),
        canonical(&report["verdict"]),
        "push verdict vs scan sbom --policy TEAM --stage release"
    );
    // Stored with the report.
    let st = sqlite.open();
    let stored = st
        .latest_verdict(DIGEST_A, Some("push:payments"))
        .unwrap()
        .expect("the push verdict is stored");
    assert_eq!(stored.decision, "fail");
    assert_eq!(stored.bundle_name.as_deref(), Some("payments"));

    // ---- The same SBOM with a token of no team: the global lenient bundle, exit 0.
    let digest_b = format!("sha256:{}", "b".repeat(64));
    let out = push(OTHER_TOKEN, &digest_b);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["verdict"]["team"], Value::Null, "{answer}");
    assert_eq!(answer["verdict"]["decision"], "pass");
    assert_eq!(answer["verdict"]["bundle"]["name"], "global");

    // ---- Admission: the team's namespaces get the team's bundle, the others the global one.
    for (ns, bundle, allowed) in [
        ("payments-pr-7", &s.team, false),
        ("payments", &s.team, false),
        ("search", &s.global, true),
    ] {
        let pod = host_path_pod(ns);
        let rv = review(&format!("uid-{ns}"), &pod, false);
        let (status, body) = server.curl("POST", "/validate", Some(rv.to_string().as_bytes()));
        assert_eq!(status, 200);
        let response = serde_json::from_slice::<Value>(&body).unwrap()["response"].clone();
        assert_eq!(response["allowed"], allowed, "{ns}: {response}");
        let file = dir.join(format!("pod-{ns}.json"));
        std::fs::write(&file, pod.to_string()).unwrap();
        let eval = bulwark(
            dir,
            &[
                "policy",
                "eval",
                bundle.to_str().unwrap(),
                file.to_str().unwrap(),
                "--stage",
                "deploy",
                "--now",
                NOW,
                "-f",
                "json",
            ],
            None,
        );
        assert_eq!(eval.status.code(), Some(i32::from(!allowed)));
        let eval: Vec<Value> = serde_json::from_slice(&eval.stdout).unwrap();
        let annotated: Value = serde_json::from_str(
            response["auditAnnotations"]["bulwark.dev/verdict"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            annotated,
            common::server::verdict_projection(&eval[0]),
            "{ns}: webhook vs policy eval"
        );
    }

    // ---- Consolidated results: a report with two tools' findings and a hostile title.
    let scanned = bulwark(
        dir,
        &[
            "scan",
            "sbom",
            &sbom_s,
            "--db",
            s.vuln_db.to_str().unwrap(),
            "--skip-db-update",
            "-f",
            "json",
        ],
        None,
    );
    let mut merged: Value = serde_json::from_slice(&scanned.stdout).unwrap();
    {
        let findings = merged["findings"].as_array_mut().unwrap();
        assert!(findings.len() >= 2, "{findings:?}");
        findings[0]["title"] = "<script>alert(1)</script> & more".into();
        findings[1]["properties"]["tool"] = "trivy".into();
    }
    let merged_path = dir.join("merged.json");
    std::fs::write(&merged_path, serde_json::to_vec(&merged).unwrap()).unwrap();
    // The counts, from the file itself.
    let mut expected: std::collections::BTreeMap<String, std::collections::BTreeMap<String, i64>> =
        std::collections::BTreeMap::new();
    for f in merged["findings"].as_array().unwrap() {
        let tool = f["properties"]["tool"]
            .as_str()
            .unwrap_or("bulwark")
            .to_owned();
        *expected
            .entry(tool)
            .or_default()
            .entry(f["severity"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(expected["trivy"].values().sum::<i64>(), 1);
    let push_results = |token: &str| {
        bulwark(
            dir,
            &[
                "report",
                "push",
                "--server",
                &url,
                "--ca-file",
                &ca,
                "--results",
                "ci-payments",
                merged_path.to_str().unwrap(),
            ],
            Some(token),
        )
    };
    let out = push_results(READ_TOKEN);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("403") && err.contains("role read"), "{err}");
    let out = push_results(TEAM_TOKEN);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = |server: &Server| -> Value {
        let (status, body) = get(server, READ_TOKEN, "/api/v1/results");
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    };
    let check_listed = |v: &Value| {
        let items = v["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{v}");
        assert_eq!(items[0]["team"], "payments");
        assert_eq!(items[0]["source"], "ci-payments");
        assert_eq!(items[0]["token"], "payments-ci");
        assert_eq!(
            items[0]["findingCount"],
            merged["findings"].as_array().unwrap().len()
        );
        assert_eq!(items[0]["counts"], json!(expected), "{v}");
    };
    check_listed(&listed(&server));
    let (status, body) = get(&server, READ_TOKEN, "/api/v1/results?team=search");
    assert_eq!((status, body.as_str()), (200, "{\"items\":[]}"));
    let (status, _) = get(&server, READ_TOKEN, "/api/v1/results?team=Not_A_Label");
    assert_eq!(status, 400);

    // The dashboard's Results page (bearer sign-in with the read token).
    let (status, page) = get(&server, READ_TOKEN, "/results?team=payments");
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("ci-payments") && page.contains("trivy"),
        "{page}"
    );
    assert!(page.contains("PYSEC-2099-10"), "the findings table");
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"),
        "the hostile title is escaped"
    );
    assert!(!page.contains("<script>alert"), "raw script in the page");

    // ---- kill -9 and restart on the same store: the result is still there.
    let mut server = server;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    drop(server);
    let server = start(dir, &s, store, "certs");
    check_listed(&listed(&server));
}

#[test]
fn overlapping_team_namespaces_stop_the_server_with_both_teams_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let global = write_bundle(dir, "global", GLOBAL);
    let team = write_bundle(dir, "payments", TEAM);
    let config = dir.join("bulwark.yaml");
    std::fs::write(
        &config,
        format!(
            "teams:\n  - name: payments\n    namespaces: [\"payments-*\"]\n    policy: {p}\n  - name: previews\n    namespaces: [\"*-pr-*\"]\n    policy: {p}\n",
            p = team.display()
        ),
    )
    .unwrap();
    let sqlite = pg::TestDb::sqlite();
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["serve", "--config"])
        .arg(&config)
        .arg("--policy")
        .arg(&global)
        .arg("--generate-certs")
        .arg(dir.join("certs"))
        .args(["--listen", "127.0.0.1:0", "--store", &sqlite.location])
        .current_dir(dir)
        .env_remove("BULWARK_CONFIG")
        .env_remove("BULWARK_STORE")
        .env_remove("BULWARK_POLICY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("previews") && err.contains("team payments") && err.contains("overlaps"),
        "{err}"
    );
    assert!(
        err.contains("bulwark.yaml:5"),
        "the line of the second team: {err}"
    );
}
