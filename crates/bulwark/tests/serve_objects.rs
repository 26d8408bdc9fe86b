//! The risk-context objects inside a running `bulwark serve --store` (issue #16), on SQLite and on a real
//! PostgreSQL. The local API server (`bulwark-kube/tests/support/apiserver.rs`) serves kubectl-made objects
//! (`bulwark-kube/tests/fixtures/context`, see its README) around the staging `payments` Deployment, which runs
//! as the service account `payments`:
//! 1. after the first lists, `GET /api/v1/workloads/…/context` returns exactly the objects that the
//!    definitions say reach it (Services, Ingress and NetworkPolicy of `staging`; its ServiceAccount; the
//!    RoleBinding and ClusterRoleBindings whose subjects hold it, by name or through
//!    `system:serviceaccounts:staging`; the Role and ClusterRole they reference), and none of the others
//!    (another service account's binding, another namespace's group, another namespace's Service);
//! 2. a Services watch: ADDED `cache`, MODIFIED `payments` (now ClusterIP), a replay of the older `payments`
//!    (skipped: the store does not go back), DELETED `ledger`;
//! 3. an ERROR 410 whose re-list has `cache` gone and `metrics` new;
//!
//! and DaemonSets answer 403: a warning names the kind and everything else goes on. An admitted Deployment is
//! stored trimmed (no env value, no status, no managedFields).

mod common;

#[path = "../../bulwark-kube/tests/support/apiserver.rs"]
mod apiserver;
#[path = "../../bulwark-store/tests/support/mod.rs"]
mod pg;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use apiserver::{ApiServer, Cluster, End, Reply, bearer, event, fixture, status, with_rv};
use common::server::{Server, kubeconfig, review};
use serde_json::{Value, json};

fn ctx(file: &str) -> Value {
    fixture(&format!("context/{file}"))
}

/// As a list item: the API server leaves out kind and apiVersion.
fn item(mut o: Value) -> Value {
    let m = o.as_object_mut().unwrap();
    m.remove("kind");
    m.remove("apiVersion");
    o
}

fn hold(go: &AtomicUsize, step: usize) {
    let until = Instant::now() + Duration::from_secs(30);
    while go.load(Ordering::SeqCst) < step && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
}

const TOKEN: &str = "read-token-0123456789";

type WatchReply = Box<dyn FnMut(&apiserver::Req) -> Reply + Send>;

/// `GET path` on the API with the read token: (HTTP status, body).
fn get(server: &Server, path: &str) -> (u16, Vec<u8>) {
    let out = std::process::Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "30",
            "-o",
            "-",
            "-w",
            "\n%{http_code}",
            "--cacert",
        ])
        .arg(server.certs.join("ca.crt"))
        .args(["-H", &format!("Authorization: Bearer {TOKEN}")])
        .arg(server.url(path))
        .output()
        .expect("curl is missing: run .ci/install-deps.sh");
    assert!(
        out.status.success(),
        "curl {path}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = out.stdout;
    let cut = text.iter().rposition(|&b| b == b'\n').unwrap();
    let code = std::str::from_utf8(&text[cut + 1..])
        .unwrap()
        .parse()
        .unwrap();
    (code, text[..cut].to_vec())
}

/// `kind/name` of each context object, with a Service's type.
fn context(server: &Server) -> Vec<String> {
    let (code, body) = get(
        server,
        "/api/v1/workloads/recorded/staging/Deployment/payments/context",
    );
    if code != 200 {
        return vec![format!("HTTP {code}")];
    }
    let v: Value = serde_json::from_slice(&body).unwrap();
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let mut s = format!(
                "{}/{}",
                o["kind"].as_str().unwrap(),
                o["metadata"]["name"].as_str().unwrap()
            );
            if let Some(t) = o.pointer("/spec/type").and_then(Value::as_str) {
                s.push(':');
                s.push_str(t);
            }
            s
        })
        .collect()
}

fn wait_context(server: &Server, want: &[String], what: &str) {
    let until = Instant::now() + Duration::from_mins(1);
    loop {
        let got = context(server);
        if got == want {
            return;
        }
        assert!(
            Instant::now() < until,
            "{what}: context is\n{got:#?}\nwant\n{want:#?}\nlog:\n{}",
            server.lines().join("\n")
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

const RBAC: [&str; 5] = [
    "RoleBinding/payments-read",
    "ClusterRoleBinding/payments-secrets",
    "ClusterRoleBinding/staging-view",
    "Role/pod-reader",
    "ClusterRole/secret-reader",
];

fn expect(services: &[&str]) -> Vec<String> {
    let mut v = vec!["Deployment/payments".to_owned()];
    v.extend(services.iter().map(|s| (*s).to_owned()));
    v.extend(
        [
            "Ingress/payments",
            "NetworkPolicy/default-deny",
            "ServiceAccount/payments",
        ]
        .map(str::to_owned),
    );
    v.extend(RBAC.map(str::to_owned));
    v
}

fn objects_feed(store: &str) {
    let d = tempfile::tempdir().unwrap();
    let go = Arc::new(AtomicUsize::new(0));
    let mut cluster = Cluster::recorded();
    {
        let mut objects = cluster.objects.lock().unwrap();
        let mut put = |path: &str, files: &[&str]| {
            objects.insert(
                path.to_owned(),
                files.iter().map(|f| item(ctx(f))).collect(),
            );
        };
        put("/apis/apps/v1/deployments", &["deploy-payments.json"]);
        put(
            "/api/v1/services",
            &[
                "svc-payments.json",
                "svc-ledger.json",
                "svc-search-production.json",
            ],
        );
        put(
            "/apis/networking.k8s.io/v1/ingresses",
            &["ing-payments.json"],
        );
        put(
            "/apis/networking.k8s.io/v1/networkpolicies",
            &["np-default-deny.json"],
        );
        put(
            "/api/v1/serviceaccounts",
            &["sa-payments.json", "sa-default.json"],
        );
        put(
            "/apis/rbac.authorization.k8s.io/v1/roles",
            &["role-pod-reader.json"],
        );
        put(
            "/apis/rbac.authorization.k8s.io/v1/rolebindings",
            &["rb-payments-read.json", "rb-ledger-read.json"],
        );
        put(
            "/apis/rbac.authorization.k8s.io/v1/clusterroles",
            &["cr-secret-reader.json", "cr-edit.json"],
        );
        put(
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
            &[
                "crb-payments-secrets.json",
                "crb-staging-view.json",
                "crb-production-edit.json",
            ],
        );
    }
    cluster
        .forbidden
        .push("/apis/apps/v1/daemonsets".to_owned());
    let mut cache = ctx("svc-ledger.json");
    cache["metadata"]["name"] = json!("cache");
    cache["metadata"]["uid"] = json!("svc-cache");
    let cache = with_rv(cache, "501");
    let mut internal = with_rv(ctx("svc-payments.json"), "502");
    internal["spec"]["type"] = json!("ClusterIP");
    let mut metrics = ctx("svc-ledger.json");
    metrics["metadata"]["name"] = json!("metrics");
    metrics["metadata"]["uid"] = json!("svc-metrics");
    metrics["spec"]["type"] = json!("NodePort");
    let metrics = with_rv(metrics, "601");
    let mut watches: Vec<WatchReply> = Vec::new();
    {
        let go = go.clone();
        let (cache, internal) = (cache.clone(), internal.clone());
        watches.push(Box::new(move |r| {
            assert_eq!(r.query("resourceVersion").as_deref(), Some("500"));
            let (go, cache, internal) = (go.clone(), cache.clone(), internal.clone());
            Reply::Later(Box::new(move || {
                hold(&go, 1);
                Reply::Stream(
                    vec![
                        event("ADDED", cache),
                        event("MODIFIED", internal),
                        // A replay of the list's version of payments: older, skipped.
                        event("MODIFIED", ctx("svc-payments.json")),
                        event("DELETED", with_rv(ctx("svc-ledger.json"), "503")),
                    ],
                    End::Clean,
                )
            }))
        }));
    }
    {
        let (go, objects) = (go.clone(), cluster.objects.clone());
        let (internal, metrics) = (internal.clone(), metrics.clone());
        watches.push(Box::new(move |_| {
            hold(&go, 2);
            objects.lock().unwrap().insert(
                "/api/v1/services".to_owned(),
                vec![
                    item(internal.clone()),
                    item(ctx("svc-search-production.json")),
                    item(metrics.clone()),
                ],
            );
            Reply::Stream(
                vec![event(
                    "ERROR",
                    status(410, "Expired", "too old resource version: 503 (600)"),
                )],
                End::Clean,
            )
        }));
    }
    watches.push(Box::new(|_| {
        Reply::Stream(vec![], End::Wait(Duration::from_secs(1)))
    }));
    cluster
        .object_watches
        .insert("/api/v1/services".to_owned(), watches);
    let api = ApiServer::start(None, bearer("s3cret"), cluster.handler());
    let cfg = kubeconfig(d.path(), &api.url, "recorded", "s3cret");
    let tokens = d.path().join("tokens.yaml");
    std::fs::write(
        &tokens,
        format!("tokens:\n  - {{name: r, role: read, token: {TOKEN}}}\n"),
    )
    .unwrap();
    let server = Server::with_store(
        d.path(),
        "certs",
        store,
        &[
            "--kubeconfig",
            cfg.to_str().unwrap(),
            "--api-tokens",
            tokens.to_str().unwrap(),
        ],
    );
    wait_context(
        &server,
        &expect(&["Service/ledger:ClusterIP", "Service/payments:LoadBalancer"]),
        "after the first lists",
    );
    go.store(1, Ordering::SeqCst);
    wait_context(
        &server,
        &expect(&["Service/cache:ClusterIP", "Service/payments:ClusterIP"]),
        "after ADDED cache, MODIFIED payments, its replay and DELETED ledger",
    );
    go.store(2, Ordering::SeqCst);
    wait_context(
        &server,
        &expect(&["Service/metrics:NodePort", "Service/payments:ClusterIP"]),
        "after the 410 re-list",
    );
    // The 403 on DaemonSets is a warning naming the kind.
    let forbidden = server.events("kube-objects-forbidden");
    assert!(
        forbidden.iter().any(|e| e["kind"] == "DaemonSet"
            && e["warning"]
                .as_str()
                .unwrap()
                .contains("no permission to list or watch DaemonSets")),
        "{forbidden:?}"
    );
    assert!(
        forbidden.iter().all(|e| e["kind"] == "DaemonSet"),
        "{forbidden:?}"
    );

    // Admission of a Deployment: stored trimmed.
    let mut checkout = ctx("deploy-payments.json");
    checkout["metadata"]["name"] = json!("checkout");
    checkout["metadata"]["uid"] = json!("deploy-checkout");
    checkout["spec"]["template"]["spec"]["containers"][0]["image"] =
        json!(format!("ghcr.io/acme/checkout@sha256:{}", "f9".repeat(32)));
    assert!(server.allowed(&review("u-1", &checkout, false)));
    let until = Instant::now() + Duration::from_secs(30);
    let stored = loop {
        let (code, body) = get(
            &server,
            "/api/v1/workloads/recorded/staging/Deployment/checkout/context",
        );
        // The placement and the object are written one after the other: 200 with no items in between.
        if code == 200 {
            let first = serde_json::from_slice::<Value>(&body).unwrap()["items"][0].clone();
            if !first.is_null() {
                break first;
            }
        }
        assert!(
            Instant::now() < until,
            "the admitted Deployment was not stored"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(stored["metadata"]["uid"], "deploy-checkout");
    assert!(stored.get("status").is_none());
    assert!(stored.pointer("/metadata/managedFields").is_none());
    assert_eq!(
        stored.pointer("/spec/template/spec/containers/0/env/0"),
        Some(&json!({"name": "DB_PASSWORD"}))
    );
    assert!(!stored.to_string().contains("hunter2"));
}

#[test]
fn objects_feed_on_sqlite() {
    let db = pg::TestDb::sqlite();
    objects_feed(&db.location);
}

#[test]
fn objects_feed_on_postgresql() {
    let db = pg::TestDb::postgres();
    objects_feed(&db.location);
}
