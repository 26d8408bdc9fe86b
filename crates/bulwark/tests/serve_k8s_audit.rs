//! `POST /k8s-audit` of `bulwark serve --store` (issue #17): the Kubernetes audit webhook backend's body — an
//! `EventList` — built from Falco's real trace files (`../shared/fixtures/upstream/falco-k8saudit`), with the
//! bearer tokens of the REST API, a bounded body, errors naming the bad item, and counters in /metrics; with
//! `--runtime-rules`, the alerts Falco's regression suite expects are stored once, also when the same batch is
//! posted again and after the server is killed with SIGKILL and restarted.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::server::Server;
use serde_json::{Value, json};

const READ: &str = "read-token-4b2a76b9719d911017c5925d41402abc";
const PUSH: &str = "push-token-0760186574b0282f2f435e77d793037a";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/upstream/falco-k8saudit")
}

fn tokens_file(dir: &Path) -> PathBuf {
    let p = dir.join("tokens.yaml");
    std::fs::write(
        &p,
        format!(
            "tokens:\n  - name: dashboard\n    role: read\n    token: {READ}\n  - name: apiserver\n    role: push\n    token: {PUSH}\n"
        ),
    )
    .unwrap();
    p
}

/// Every event of the trace files but `fal_01_003.json` (`{"kind": 0}`), in file-name order.
fn trace_events() -> Vec<Value> {
    let dir = fixtures().join("trace_files/k8s_audit");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap() != "fal_01_003.json")
        .collect();
    names.sort();
    let mut out = Vec::new();
    for p in names {
        for line in std::fs::read_to_string(&p).unwrap().lines() {
            if !line.trim().is_empty() {
                out.push(serde_json::from_str(line).unwrap());
            }
        }
    }
    out
}

/// What the API server's webhook backend sends.
fn event_list(items: &[Value]) -> Vec<u8> {
    json!({"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "metadata": {}, "items": items})
        .to_string()
        .into_bytes()
}

/// `curl` with an optional bearer token and body: (status, body).
fn call(
    s: &Server,
    method: &str,
    target: &str,
    token: Option<&str>,
    body: Option<&[u8]>,
) -> (u16, Value) {
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
    .args(["-X", method]);
    if let Some(t) = token {
        cmd.args(["-H", &format!("Authorization: Bearer {t}")]);
    }
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
        "curl {target}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cut = out.stdout.iter().rposition(|&b| b == b'\n').unwrap();
    let status = std::str::from_utf8(&out.stdout[cut + 1..])
        .unwrap()
        .parse()
        .unwrap();
    let body = serde_json::from_slice(&out.stdout[..cut]).unwrap_or(Value::Null);
    (status, body)
}

/// A sample of /metrics, labels included in `series` (`name{labels}`).
fn metric(s: &Server, series: &str) -> u64 {
    let (status, body) = s.curl("GET", "/metrics", None);
    assert_eq!(status, 200);
    let text = String::from_utf8(body).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{series} ")))
        .unwrap_or_else(|| panic!("{series} not in /metrics:\n{text}"))
        .parse()
        .unwrap()
}

fn wait_metric(s: &Server, series: &str, want: u64) -> u64 {
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let v = metric(s, series);
        if v >= want || Instant::now() > until {
            return v;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_webhook_reads_counts_and_refuses() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let store = format!("sqlite:{}", dir.join("store.db").display());
    let tokens = tokens_file(dir);
    let s = Server::with_store(
        dir,
        "certs",
        &store,
        &["--api-tokens", tokens.to_str().unwrap()],
    );

    let events = trace_events();
    // 45 one-event files + the 6 events of create_configmap_sensitive_values.json (the fixtures' README).
    assert_eq!(events.len(), 51);
    let body = event_list(&events);

    // Authentication as the REST API's: no token 401, a read token 403, a push token 200.
    assert_eq!(call(&s, "POST", "/k8s-audit", None, Some(&body)).0, 401);
    assert_eq!(
        call(&s, "POST", "/k8s-audit", Some("wrong"), Some(&body)).0,
        401
    );
    let (st, answer) = call(&s, "POST", "/k8s-audit", Some(READ), Some(&body));
    assert_eq!(st, 403, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("push or admin"),
        "{answer}"
    );
    assert_eq!(call(&s, "GET", "/k8s-audit", Some(PUSH), None).0, 405);

    let (st, answer) = call(&s, "POST", "/k8s-audit", Some(PUSH), Some(&body));
    assert_eq!(st, 200, "{answer}");
    assert_eq!(answer, json!({"accepted": 51, "dropped": 0}));
    assert_eq!(metric(&s, "bulwark_k8s_audit_events_total"), 51);
    // The answer comes once the events are evaluated and their alerts stored, not before.
    assert_eq!(metric(&s, "bulwark_k8s_audit_evaluated_total"), 51);

    // JSON lines of single events are accepted too.
    let lines = format!("{}\n{}\n", events[0], events[1]);
    let (st, answer) = call(&s, "POST", "/k8s-audit", Some(PUSH), Some(lines.as_bytes()));
    assert_eq!((st, answer), (200, json!({"accepted": 2, "dropped": 0})));

    // Bad items: 400 naming the line and the item; nothing of the request is queued.
    let mut bad = events[..3].to_vec();
    bad.push(json!({"kind": 0}));
    let (st, answer) = call(
        &s,
        "POST",
        "/k8s-audit",
        Some(PUSH),
        Some(&event_list(&bad)),
    );
    assert_eq!(st, 400, "{answer}");
    assert_eq!(
        answer["error"], "request body:1: item 3: can't read stageTimestamp",
        "{answer}"
    );
    let (st, answer) = call(
        &s,
        "POST",
        "/k8s-audit",
        Some(PUSH),
        Some(b"{\"kind\": 0}\n"),
    );
    assert_eq!(
        (st, answer["error"].as_str()),
        (
            400,
            Some("request body:1: data not recognized as a k8s audit event")
        )
    );
    let (st, answer) = call(
        &s,
        "POST",
        "/k8s-audit",
        Some(PUSH),
        Some(b"{\"kind\":\"EventList\",\"items\":[{\"a\":\xff}]}"),
    );
    assert_eq!(st, 400);
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .starts_with("request body:1: item 0: invalid JSON"),
        "{answer}"
    );
    assert_eq!(metric(&s, "bulwark_k8s_audit_events_total"), 53);

    // Over the 32 MiB body limit: 413.
    let pad = "x".repeat(33 << 20);
    let huge = format!("{{\"kind\":\"EventList\",\"items\":[],\"pad\":\"{pad}\"}}");
    let (st, answer) = call(&s, "POST", "/k8s-audit", Some(PUSH), Some(huge.as_bytes()));
    assert_eq!(st, 413, "{answer}");
    assert_eq!(
        metric(&s, "bulwark_k8s_audit_requests_total{result=\"accepted\"}"),
        2
    );
    assert_eq!(
        metric(&s, "bulwark_k8s_audit_requests_total{result=\"refused\"}"),
        // 401, 401, 403, three 400s, 413 (the 405 is not an audit request).
        7
    );

    // Without --runtime-rules nothing is evaluated into alerts; the alerts API answers an empty list.
    let (st, answer) = call(&s, "GET", "/api/v1/runtime/alerts", Some(READ), None);
    assert_eq!((st, answer), (200, json!({"items": []})));
    let (st, answer) = call(
        &s,
        "GET",
        "/api/v1/runtime/alerts?priority=LOUD",
        Some(READ),
        None,
    );
    assert_eq!(st, 400);
    assert!(
        answer["error"].as_str().unwrap().contains("`priority`"),
        "{answer}"
    );
    assert_eq!(call(&s, "GET", "/api/v1/runtime/alerts", None, None).0, 401);
}

/// The rules files of the `create_privileged_pod` case of Falco's suite (expectations.json).
fn case_rules() -> Vec<String> {
    let f = fixtures();
    vec![
        f.join("falcosecurity-rules-1.0.1/falco_rules.yaml")
            .display()
            .to_string(),
        f.join("k8saudit-rules-0.6.0/k8s_audit_rules.yaml")
            .display()
            .to_string(),
    ]
}

/// Team `web` owns namespace `default`; its channel is a webhook nobody listens to (the notification is queued,
/// its delivery fails and is retried: the queue is what is checked).
fn owners_file(dir: &Path) -> PathBuf {
    let p = dir.join("owners.yaml");
    std::fs::write(
        &p,
        "teams:\n  web:\n    channels:\n      - {type: webhook, name: web-hook, url: \"http://127.0.0.1:9/hook\"}\n\
         rules:\n  - team: web\n    namespace: default\n",
    )
    .unwrap();
    p
}

fn alert_server(dir: &Path, store: &str, tokens: &Path) -> Server {
    let owners = owners_file(dir);
    let mut extra = vec![
        "--api-tokens".to_string(),
        tokens.display().to_string(),
        "--owners".to_string(),
        owners.display().to_string(),
        "--runtime-rules".to_string(),
    ];
    extra.extend(case_rules());
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    Server::with_store(dir, "certs", store, &extra)
}

fn alerts(s: &Server, query: &str) -> Vec<Value> {
    let (st, answer) = call(
        s,
        "GET",
        &format!("/api/v1/runtime/alerts{query}"),
        Some(READ),
        None,
    );
    assert_eq!(st, 200, "{answer}");
    answer["items"].as_array().unwrap().clone()
}

#[test]
fn bad_runtime_rules_stop_the_server_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let store = format!("sqlite:{}", dir.join("store.db").display());
    let tokens = tokens_file(dir);
    let mut extra = vec![
        "--api-tokens".to_string(),
        tokens.display().to_string(),
        "--runtime-rules".to_string(),
    ];
    extra.push(dir.join("missing.yaml").display().to_string());
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let (mut cmd, _) = Server::store_command(dir, "certs", &store, &extra);
    let out = cmd.output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--runtime-rules") && err.contains("missing.yaml"),
        "{err}"
    );
}

#[test]
fn alerts_are_stored_once_across_resends_and_a_kill() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let store = format!("sqlite:{}", dir.join("store.db").display());
    let tokens = tokens_file(dir);
    let trace = fixtures().join("trace_files/k8s_audit/create_nginx_pod_privileged.json");
    let event: Value =
        serde_json::from_str(std::fs::read_to_string(&trace).unwrap().trim()).unwrap();
    let body = event_list(std::slice::from_ref(&event));

    let mut s = alert_server(dir, &store, &tokens);
    assert_eq!(
        call(&s, "POST", "/k8s-audit", Some(PUSH), Some(&body)).0,
        200
    );
    // expectations.json, case create_privileged_pod: `Create Privileged Pod` fires once (WARNING). The 200 came
    // after the alert was stored: no waiting (a kill -9 right after the answer loses nothing).
    let got = alerts(&s, "?rule=Create%20Privileged%20Pod");
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["priority"], "WARNING");
    // from create_nginx_pod_privileged.json: objectRef.namespace default, containers[0].image nginx.
    assert_eq!(got[0]["namespace"], "default");
    assert_eq!(got[0]["image"], "nginx");
    assert_eq!(got[0]["source"], "k8s_audit");
    let id = event["auditID"].as_str().unwrap();
    assert_eq!(
        got[0]["dedupeKey"],
        format!("k8s_audit:{id}:Create Privileged Pod")
    );
    let total = alerts(&s, "").len();
    // One notification for the owning team's channel, keyed by the alert.
    let queued = || -> Vec<String> {
        bulwark_store::Store::open(&store)
            .unwrap()
            .notifications(None)
            .unwrap()
            .into_iter()
            .filter(|n| n.dedupe_key.contains("Create Privileged Pod"))
            .map(|n| format!("{}/{}/{}", n.team, n.channel, n.dedupe_key))
            .collect()
    };
    // Queued right after the alert is stored: wait for it.
    let until = Instant::now() + Duration::from_secs(30);
    while queued().is_empty() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        queued(),
        [format!(
            "web/web-hook/k8s_audit:{id}:Create Privileged Pod:web-hook"
        )],
        "{:#?}",
        s.lines()
    );

    // The payload is a runtime-alert message (not a findings one), routed by the namespace rule at
    // owners.yaml:6 (the `- team: web` line of owners_file).
    let payload = bulwark_store::Store::open(&store)
        .unwrap()
        .notifications(None)
        .unwrap()
        .into_iter()
        .find(|n| n.dedupe_key.contains("Create Privileged Pod"))
        .unwrap()
        .payload;
    let m: bulwark_notify::Message = serde_json::from_str(&payload).unwrap();
    assert!(m.events.is_empty());
    assert_eq!(m.alerts.len(), 1);
    assert_eq!(m.alerts[0].rule, "Create Privileged Pod");
    assert_eq!(m.alerts[0].team, "web");
    assert_eq!(m.alerts[0].namespace.as_deref(), Some("default"));
    assert!(
        m.alerts[0].why.contains("owners.yaml:6"),
        "{}",
        m.alerts[0].why
    );

    // The API server sends the batch again: nothing new.
    assert_eq!(
        call(&s, "POST", "/k8s-audit", Some(PUSH), Some(&body)).0,
        200
    );
    wait_metric(&s, "bulwark_k8s_audit_evaluated_total", 2);
    assert!(wait_metric(&s, "bulwark_runtime_alerts_total{result=\"repeated\"}", 1) >= 1);
    assert_eq!(alerts(&s, "").len(), total);

    // SIGKILL, restart on the same store, replay: still nothing twice.
    s.child.kill().unwrap();
    let _ = s.child.wait();
    let s = alert_server(dir, &store, &tokens);
    assert_eq!(
        call(&s, "POST", "/k8s-audit", Some(PUSH), Some(&body)).0,
        200
    );
    wait_metric(&s, "bulwark_k8s_audit_evaluated_total", 1);
    assert!(wait_metric(&s, "bulwark_runtime_alerts_total{result=\"repeated\"}", 1) >= 1);
    assert_eq!(alerts(&s, "").len(), total);
    assert_eq!(queued().len(), 1);
    // Filters: WARNING and worse holds it; namespace kube-system does not.
    assert!(
        alerts(&s, "?priority=warning")
            .iter()
            .any(|a| a["rule"] == "Create Privileged Pod")
    );
    assert!(alerts(&s, "?namespace=kube-system").is_empty());
}
