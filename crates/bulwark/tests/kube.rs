//! `bulwark kube inventory` and `bulwark kube watch` as a user runs them, against a local API server serving the
//! recorded objects of crates/bulwark-kube/tests/fixtures (see its README).

#[path = "../../bulwark-kube/tests/support/apiserver.rs"]
mod apiserver;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use apiserver::{ApiServer, Auth, Cluster, End, Reply, bearer, event, fixture, with_rv};
use serde_json::{Value, json};

fn kubeconfig(dir: &Path, name: &str, server: &str) -> PathBuf {
    let text = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: test\nclusters:\n- name: recorded\n  cluster:\n    server: {server}\ncontexts:\n- name: test\n  context:\n    cluster: recorded\n    user: me\nusers:\n- name: me\n  user:\n    token: s3cret\n"
    );
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn environments(dir: &Path) -> PathBuf {
    let p = dir.join("environments.yaml");
    std::fs::write(
        &p,
        "namespaces:\n  - match: \"jx-*-pr-*\"\n    environment: preview\n",
    )
    .unwrap();
    p
}

fn bulwark(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_bulwark"));
    c.args(args).env_remove("KUBECONFIG");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run bulwark")
}

#[test]
fn inventory_lists_placements_as_json_and_table() {
    let server = ApiServer::start(None, bearer("s3cret"), Cluster::recorded().handler());
    let d = tempfile::tempdir().unwrap();
    let cfg = kubeconfig(d.path(), "config", &server.url);
    let envs = environments(d.path());
    // KUBECONFIG as kubectl reads it: a missing entry is skipped.
    let list = format!("{}:{}", d.path().join("absent").display(), cfg.display());
    let out = bulwark(
        &[
            "kube",
            "inventory",
            "--environments",
            envs.to_str().unwrap(),
            "-o",
            "json",
        ],
        &[("KUBECONFIG", &list)],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{} {} {}/{} {}",
                p["environment"].as_str().unwrap_or("-"),
                p["namespace"].as_str().unwrap(),
                p["workload_kind"].as_str().unwrap(),
                p["workload_name"].as_str().unwrap(),
                p["digest"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            format!(
                "preview jx-acme-web-pr-7 Pod/web-debug sha256:{}",
                "d4".repeat(32)
            ),
            format!(
                "production production CronJob/nightly sha256:{}",
                "c3".repeat(32)
            ),
            format!(
                "production production Deployment/search sha256:{}",
                "b2".repeat(32)
            ),
            format!(
                "staging staging Deployment/payments sha256:{}",
                "a1".repeat(32)
            ),
        ]
    );
    assert_eq!(
        v[3]["image_id"],
        json!(format!("ghcr.io/acme/payments@sha256:{}", "a1".repeat(32)))
    );
    assert_eq!(v[3]["cluster"], json!("recorded"));

    let out = bulwark(
        &[
            "kube",
            "inventory",
            "--kubeconfig",
            cfg.to_str().unwrap(),
            "--cluster",
            "prod-eu",
        ],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("ENVIRONMENT") && lines[0].contains("WORKLOAD"),
        "{text}"
    );
    assert!(
        text.contains("staging      staging") && text.contains("Deployment/payments"),
        "{text}"
    );
    // Without the environments file the preview namespace has no environment.
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("-  ") && l.contains("Pod/web-debug")),
        "{text}"
    );
    assert_eq!(*lines.last().unwrap(), "4 placements in cluster prod-eu");
}

#[test]
fn watch_prints_changes_as_json_lines() {
    let mut cluster = Cluster::recorded();
    cluster.watches.push(Box::new(|r| {
        assert_eq!(r.query("allowWatchBookmarks").as_deref(), Some("true"));
        assert_eq!(r.query("resourceVersion").as_deref(), Some("300"));
        let mut moved = fixture("pod-search.json");
        moved["status"]["containerStatuses"][0]["imageID"] =
            json!(format!("ghcr.io/acme/search@sha256:{}", "e5".repeat(32)));
        Reply::Stream(vec![event("MODIFIED", with_rv(moved, "301"))], End::Clean)
    }));
    let server = ApiServer::start(None, bearer("s3cret"), cluster.handler());
    let d = tempfile::tempdir().unwrap();
    let cfg = kubeconfig(d.path(), "config", &server.url);
    let out = bulwark(
        &[
            "kube",
            "watch",
            "--kubeconfig",
            cfg.to_str().unwrap(),
            "--max-events",
            "3",
            "--duration",
            "20s",
        ],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["type"], "resync");
    assert_eq!(lines[0]["placements"].as_array().unwrap().len(), 4);
    assert_eq!(lines[1]["type"], "upsert");
    assert_eq!(
        lines[1]["placement"]["digest"],
        json!(format!("sha256:{}", "e5".repeat(32)))
    );
    assert_eq!(lines[2]["type"], "remove");
    assert_eq!(lines[2]["key"]["workload_name"], "search");
}

#[test]
fn bad_configuration_is_a_clear_error() {
    let d = tempfile::tempdir().unwrap();
    let server = ApiServer::start(None, Auth::None, Cluster::recorded().handler());
    let cfg = kubeconfig(d.path(), "config", &server.url);
    let out = bulwark(
        &[
            "kube",
            "inventory",
            "--kubeconfig",
            cfg.to_str().unwrap(),
            "--context",
            "nope",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("context \"nope\" not found") && err.contains("defined: test"),
        "{err}"
    );

    let bad = d.path().join("bad");
    std::fs::write(
        &bad,
        "apiVersion: v1\nclusters:\n- name: x\n  cluster: {server: [}\n",
    )
    .unwrap();
    let out = bulwark(
        &["kube", "inventory", "--kubeconfig", bad.to_str().unwrap()],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{}:4:", bad.display())), "{err}");

    // The server refuses the token: 401, exit 2.
    let server = ApiServer::start(None, bearer("other"), Cluster::recorded().handler());
    let cfg = kubeconfig(d.path(), "config2", &server.url);
    let out = bulwark(
        &["kube", "inventory", "--kubeconfig", cfg.to_str().unwrap()],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("HTTP 401"), "{err}");
}
