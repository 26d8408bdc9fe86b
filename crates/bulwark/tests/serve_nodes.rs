//! Node results through a real `bulwark serve --store` child over TLS on 127.0.0.1 (SQLite): `bulwark report push
//! --node` sends a node benchmark report with two FAIL checks (CIS 4.2.1 and 4.2.2), then
//! - `GET /api/v1/nodes` shows the node with 2 FAIL (counted from the findings' states) and
//!   `GET /api/v1/nodes/{node}` its findings;
//! - the dashboard's Nodes page lists the node (escaped, linked from the navigation) and the node page its checks;
//! - the compliance page marks CIS Kubernetes 4.2.1 and 4.2.2 failed (the framework's own evidence selectors,
//!   `BW-NODE-*-4.2.1`) and 4.2.3 passed (assessed by the node scanner, no finding);
//! - a bad kind, a node name that is not DNS-1123 and a report of another target kind are 400 naming what is
//!   wrong, a read token cannot push (403, and `report push` exits 2), and nothing of those is stored.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::server::Server;
use serde_json::{Value, json};

const READ: &str = "read-token-0d7f1c2a9b8e4f6a";
const PUSH: &str = "push-token-5e3b9a1c7d2f8e4b";

fn call(s: &Server, method: &str, target: &str, token: &str, body: Option<&[u8]>) -> (u16, String) {
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("curl");
    cmd.args([
        "-sS",
        "--max-time",
        "60",
        "-o",
        "-",
        "-w",
        "\n%{http_code}",
        "--cacert",
    ])
    .arg(s.certs.join("ca.crt"))
    .args([
        "-X",
        method,
        "-H",
        &format!("Authorization: Bearer {token}"),
    ]);
    if let Some(b) = body {
        let f = tmp.path().join("body");
        std::fs::write(&f, b).unwrap();
        cmd.args(["-H", "Content-Type: application/json", "--data-binary"])
            .arg(format!("@{}", f.display()));
    }
    let out = cmd
        .arg(s.url(target))
        .stdin(Stdio::null())
        .output()
        .expect("curl");
    assert!(
        out.status.success(),
        "curl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let (body, status) = text.rsplit_once('\n').unwrap();
    (status.parse().unwrap(), body.to_owned())
}

fn finding(check: &str, text: &str) -> Value {
    json!({
        "kind": "misconfiguration",
        "id": format!("BW-NODE-cis-1.20-{check}"),
        "severity": "MEDIUM",
        "title": text,
        "message": "expected false, found true <b>",
        "location": {"resource": "Node/worker-1"},
        "properties": {"benchmark": "cis-1.20", "checkId": check, "state": "FAIL",
                       "remediation": "Edit the kubelet config"},
    })
}

fn report(kind: &str) -> Value {
    json!({
        "schemaVersion": 1,
        "tool": {"name": "bulwark", "version": "0"},
        "createdAt": "2026-12-07T10:00:00Z",
        "target": {"kind": kind, "name": "worker-1"},
        "findings": [
            finding("4.2.1", "Ensure that the --anonymous-auth argument is set to false"),
            finding("4.2.2", "Ensure that the --authorization-mode argument is not set to AlwaysAllow"),
        ],
    })
}

fn push_cli(s: &Server, dir: &Path, token: &str, file: &Path) -> std::process::Output {
    let tok = dir.join(format!("{}.token", &token[..4]));
    std::fs::write(&tok, token).unwrap();
    Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["report", "push", "--server", &s.url(""), "--token-file"])
        .arg(&tok)
        .arg("--ca-file")
        .arg(s.certs.join("ca.crt"))
        .args(["--node", "worker-1", "--kind", "bench-node"])
        .arg(file)
        .output()
        .unwrap()
}

#[test]
fn node_results_feed_the_api_the_dashboard_and_compliance() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let tokens = dir.join("tokens.yaml");
    std::fs::write(
        &tokens,
        format!(
            "tokens:\n  - {{name: dash, role: read, token: {READ}}}\n  - {{name: ci, role: push, token: {PUSH}}}\n"
        ),
    )
    .unwrap();
    let store = format!("sqlite:{}", dir.join("store.db").display());
    let s = Server::with_store(
        dir,
        "certs",
        &store,
        &["--api-tokens", &tokens.display().to_string()],
    );
    let file = dir.join("node.json");
    std::fs::write(&file, report("node").to_string()).unwrap();

    // Refusals first: nothing of them may be stored.
    let out = push_cli(&s, dir, READ, &file);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("403") && err.contains("push or admin"),
        "{err}"
    );
    let body = report("node").to_string();
    let (st, b) = call(
        &s,
        "POST",
        "/api/v1/nodes/worker-1/results?kind=kube-hunter",
        PUSH,
        Some(body.as_bytes()),
    );
    assert_eq!(st, 400, "{b}");
    assert!(b.contains("unknown kind \\\"kube-hunter\\\""), "{b}");
    let (st, b) = call(
        &s,
        "POST",
        "/api/v1/nodes/Worker_1/results?kind=probe",
        PUSH,
        Some(body.as_bytes()),
    );
    assert_eq!(st, 400, "{b}");
    assert!(b.contains("not a DNS-1123 subdomain"), "{b}");
    let (st, b) = call(
        &s,
        "POST",
        "/api/v1/nodes/worker-1/results?kind=bench-node",
        PUSH,
        Some(report("image").to_string().as_bytes()),
    );
    assert_eq!(st, 400, "{b}");
    assert!(b.contains("target kind `image`, not `node`"), "{b}");
    let (st, b) = call(
        &s,
        "POST",
        "/api/v1/nodes/worker-1/results?kind=bench-node",
        PUSH,
        Some(b"{\"schemaVersion\":"),
    );
    assert_eq!(st, 400, "{b}");
    assert!(b.contains("not a Bulwark JSON report"), "{b}");
    let (st, b) = call(&s, "GET", "/api/v1/nodes", READ, None);
    assert_eq!(
        (st, serde_json::from_str::<Value>(&b).unwrap()),
        (200, json!({"items": []}))
    );

    // The push.
    let out = push_cli(&s, dir, PUSH, &file);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (st, b) = call(&s, "GET", "/api/v1/nodes", READ, None);
    assert_eq!(st, 200, "{b}");
    let v: Value = serde_json::from_str(&b).unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    assert_eq!(v["items"][0]["node"], "worker-1");
    let r = &v["items"][0]["results"][0];
    assert_eq!(r["kind"], "bench-node");
    assert_eq!(r["benchmark"], "cis-1.20");
    assert_eq!(
        r["totals"],
        json!({"pass": null, "fail": 2, "warn": 0, "info": 0})
    );
    // 2026-12-07T10:00:00Z (`date -u -d … +%s`).
    assert_eq!(r["ranAt"], 1_796_637_600);
    let (st, b) = call(&s, "GET", "/api/v1/nodes/worker-1", READ, None);
    assert_eq!(st, 200, "{b}");
    let v: Value = serde_json::from_str(&b).unwrap();
    let ids: Vec<&str> = v["results"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["BW-NODE-cis-1.20-4.2.1", "BW-NODE-cis-1.20-4.2.2"]);
    let (st, b) = call(&s, "GET", "/api/v1/nodes/worker-2", READ, None);
    assert_eq!(
        (st, b.as_str()),
        (200, r#"{"node":"worker-2","results":[]}"#)
    );

    // The dashboard.
    let (st, html) = call(&s, "GET", "/nodes", READ, None);
    assert_eq!(st, 200, "{html}");
    assert!(
        html.contains("<a aria-current=\"page\" href=\"/nodes\">Nodes</a>"),
        "{html}"
    );
    let table = &html[html.find("id=\"nodes\"").unwrap()..];
    assert!(
        table.contains("<a href=\"/nodes/worker-1\">worker-1</a>"),
        "{table}"
    );
    assert!(
        table.contains("data-k=\"fail\">2<") && table.contains("data-k=\"warn\">0<"),
        "{table}"
    );
    assert!(
        table.contains("<a href=\"/nodes/worker-1#bench-node\">2 failing, 0 warning</a>"),
        "{table}"
    );
    let (st, page) = call(&s, "GET", "/nodes/worker-1", READ, None);
    assert_eq!(st, 200, "{page}");
    assert!(
        page.contains(">4.2.1<")
            && page.contains("found true &lt;b&gt;")
            && !page.contains("true <b>"),
        "{page}"
    );

    // Compliance: the framework's own selectors decide.
    let status = |control: &str| -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (st, page) = call(
                &s,
                "GET",
                &format!("/compliance?framework=cis-kubernetes&control={control}"),
                READ,
                None,
            );
            assert_eq!(st, 200, "{page}");
            let at = page
                .find("data-k=\"status\" class=\"status-")
                .expect("a status")
                + 30;
            let got: String = page[at..].chars().take_while(|c| *c != '"').collect();
            if got != "not-assessed" || Instant::now() > deadline {
                return got;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    };
    assert_eq!(status("4.2.1"), "fail");
    assert_eq!(status("4.2.2"), "fail");
    assert_eq!(status("4.2.3"), "pass");
}
