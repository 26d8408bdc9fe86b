//! Enforcement end to end (issue #17): `bulwark runtime watch --enforce` on this machine's kernel, a process in
//! a cgroup named as a container's (the store maps it to pod `shop/web-1` of Deployment `web`) executing a binary
//! no package of its image owns (the drift rule fires), and the local API server of bulwark-kube's tests, which
//! records every request.
//!
//! - Dry run by default: the isolation reaches the API server as a PATCH of the pod and a POST of the quarantine
//!   NetworkPolicy, both with `?dryRun=All` (Kubernetes API concepts, "Dry-run": the request is processed as the
//!   real one and nothing is persisted).
//! - The rate limit and the dedupe window show in `enforcement_actions` as `skipped` rows with their reason.
//! - kill -9 between recording the action (`pending`) and its answer: the next process carries it out, once.
//! - deny-digest (`dryRun: false`): the digest goes on the deny list and the next AdmissionReview of a pod
//!   running it is refused by `bulwark serve`, naming the rule and the alert; `bulwark policy eval --store` on
//!   the same review gives the same failing rules (one verdict).

#[path = "../../bulwark-kube/tests/support/apiserver.rs"]
mod apiserver;
mod common;

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use apiserver::{ApiServer, Auth, Reply, status};
use common::server::{Server, kubeconfig, review};
use serde_json::{Value, json};

const WEB: &str = "sha256:5555555555555555555555555555555555555555555555555555555555555555";
const DRIFT: &str = "Drift: Unowned Binary Executed";

fn bulwark() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bulwark"))
}

/// A cgroup v1 `pids` group named as Docker names a container's (`/docker/<64 hex>`), removed on drop.
struct DockerCgroup {
    dir: PathBuf,
    id: String,
}

impl DockerCgroup {
    fn new() -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let n = N.fetch_add(1, Ordering::SeqCst) as u128;
        let id = format!(
            "{:032x}{:032x}",
            nanos,
            (u128::from(std::process::id()) << 16) | n
        );
        let dir = Path::new("/sys/fs/cgroup/pids/docker").join(&id);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (the test needs root and the cgroup v1 pids hierarchy)",
                dir.display()
            )
        });
        DockerCgroup { dir, id }
    }
}

impl Drop for DockerCgroup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// A SQLite store with the coreutils/dash SBOM as image WEB and the cgroup's container as `shop/web-1`.
fn store_with_container(dir: &Path, cg: &DockerCgroup) -> String {
    let store = format!("sqlite:{}", dir.join("store.db").display());
    let sbom = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../bulwark-runtime/tests/fixtures/sbom-coreutils-dash.json"
    ))
    .unwrap();
    let s = bulwark_store::Store::open(&store).unwrap();
    s.put_image(WEB, &[], &sbom, &[], 1).unwrap();
    s.put_containers(
        &[bulwark_store::ContainerRecord {
            container_id: cg.id.clone(),
            cluster: "prod".into(),
            namespace: "shop".into(),
            pod: "web-1".into(),
            pod_uid: "0a1b2c3d-1111-2222-3333-444455556666".into(),
            container: "web".into(),
            image: format!("registry.example/web@{WEB}"),
            digest: WEB.into(),
            workload_kind: "Deployment".into(),
            workload_name: "web".into(),
        }],
        1,
    )
    .unwrap();
    store
}

/// Starts the workload (a shell that joins the cgroup, waits for a line, then runs `runs` times a copy of
/// `sleep` no package owns) and `runtime watch` over it; lets the workload go and waits for both. Returns the
/// watcher's stderr.
fn watch_drift(dir: &Path, cg: &DockerCgroup, store: &str, extra: &[&str], runs: usize) -> String {
    let copy = dir.join("dropped");
    std::fs::copy("/bin/sleep", &copy).unwrap();
    let script = format!(
        "echo $$ > \"$2/cgroup.procs\"; read go; {}",
        vec!["\"$1\" 0.15"; runs].join("; ")
    );
    let mut workload = Command::new("/bin/sh")
        .args(["-c", &script, "sh"])
        .arg(&copy)
        .arg(&cg.dir)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let root = workload.id().to_string();
    let mut w = bulwark()
        .args(["runtime", "watch", "--store", store, "--pid-tree", &root])
        .args(["--learn-for", "0", "--learn-events", "100"])
        .args(["--max-events", &runs.to_string(), "--duration", "60s"])
        .args(extra)
        .env_remove("KUBECONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(w.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    assert!(line.contains("watching"), "{line}");
    workload.stdin.take().unwrap().write_all(b"go\n").unwrap();
    assert!(workload.wait().unwrap().success());
    let status = w.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    assert!(status.success(), "{rest}");
    rest
}

/// The API server's answers to an isolation: the patched pod, the created policy.
fn isolation_reply(r: &apiserver::Req) -> Reply {
    match (r.method.as_str(), r.path()) {
        ("PATCH", "/api/v1/namespaces/shop/pods/web-1") => Reply::Json(
            200,
            json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "web-1", "namespace": "shop",
                    "labels": {"bulwark.dev/quarantine": "true"}}}),
        ),
        ("POST", "/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies") => {
            Reply::Json(201, serde_json::from_slice(&r.body).unwrap_or_default())
        }
        _ => Reply::Json(404, status(404, "NotFound", "not found")),
    }
}

fn actions(store: &str) -> Vec<bulwark_store::StoredAction> {
    let mut a = bulwark_store::Store::open(store)
        .unwrap()
        .enforcement_actions(None, None, 100)
        .unwrap();
    a.reverse();
    a
}

#[test]
fn watch_isolates_as_a_dry_run_and_records_rate_limited_and_duplicate_decisions() {
    let dir = tempfile::tempdir().unwrap();
    let cg = DockerCgroup::new();
    let store = store_with_container(dir.path(), &cg);
    let server = ApiServer::start(None, Auth::None, Box::new(isolation_reply));
    let kc = kubeconfig(dir.path(), &server.url, "prod", "t0ken");
    let file = dir.path().join("enforce.yaml");
    // One action per hour at most; the same target once per hour.
    std::fs::write(
        &file,
        "rateLimit: {max: 1, perSeconds: 3600}\ndedupeSeconds: 3600\nactions:\n- rule: 'Drift: *'\n  do: [isolate, kill-pod]\n",
    )
    .unwrap();
    let log = watch_drift(
        dir.path(),
        &cg,
        &store,
        &[
            "--enforce",
            file.to_str().unwrap(),
            "--kubeconfig",
            kc.to_str().unwrap(),
        ],
        2,
    );
    // The isolation, as a dry run: the pod's quarantine label, then the namespace's deny-all policy.
    let reqs = server.requests();
    let sent: Vec<(String, String)> = reqs
        .iter()
        .map(|r| (r.method.clone(), r.path().to_owned()))
        .collect();
    assert_eq!(
        sent,
        [
            (
                "PATCH".to_owned(),
                "/api/v1/namespaces/shop/pods/web-1".to_owned()
            ),
            (
                "POST".to_owned(),
                "/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies".to_owned()
            ),
        ],
        "{log}"
    );
    for r in &reqs {
        assert_eq!(r.query("dryRun").as_deref(), Some("All"), "{}", r.target);
    }
    let label: Value = serde_json::from_slice(&reqs[0].body).unwrap();
    assert_eq!(
        label["metadata"]["labels"]["bulwark.dev/quarantine"], "true",
        "{label}"
    );
    // Two drift alerts, two actions each: the first isolation is carried out (as a dry run); kill-pod is over
    // the rate limit both times; the second isolation of the same pod is a duplicate.
    let rows = actions(&store);
    let got: Vec<(String, String, String)> = rows
        .iter()
        .map(|a| (a.action.clone(), a.decision.clone(), a.state.clone()))
        .collect();
    let want = |a: &str, d: &str, s: &str| (a.to_owned(), d.to_owned(), s.to_owned());
    assert_eq!(
        got,
        [
            want("isolate", "dry-run", "done"),
            want("kill-pod", "rate-limited", "skipped"),
            want("isolate", "duplicate", "skipped"),
            want("kill-pod", "rate-limited", "skipped"),
        ],
        "{log}"
    );
    for a in &rows {
        assert_eq!(a.rule, DRIFT);
        assert_eq!(a.target, "shop/web-1");
        assert_eq!(
            (a.workload_kind.as_str(), a.workload_name.as_str()),
            ("Deployment", "web")
        );
        assert_eq!(a.image_digest, WEB);
    }
    assert_eq!(rows[0].attempts, 1);
    assert!(
        rows[0]
            .result
            .as_deref()
            .unwrap_or("")
            .contains("dryRun=All"),
        "{:?}",
        rows[0].result
    );
    // The two alerts are distinct events: distinct alert keys.
    assert_ne!(rows[0].alert_key, rows[2].alert_key);
}

#[test]
fn an_action_pending_at_kill_9_is_carried_out_once_by_the_next_process() {
    let dir = tempfile::tempdir().unwrap();
    let cg = DockerCgroup::new();
    let store = store_with_container(dir.path(), &cg);
    // The first PATCH is held until the test lets it go (after the watcher is killed); the others are answered.
    let release = Arc::new(AtomicBool::new(false));
    let held = Arc::new(AtomicBool::new(false));
    let (r2, h2) = (release.clone(), held.clone());
    let server = ApiServer::start(
        None,
        Auth::None,
        Box::new(move |r| {
            if r.method == "PATCH" && !h2.swap(true, Ordering::SeqCst) {
                let r3 = r2.clone();
                return Reply::Later(Box::new(move || {
                    while !r3.load(Ordering::SeqCst) {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    Reply::Json(503, status(503, "ServiceUnavailable", "gone"))
                }));
            }
            isolation_reply(r)
        }),
    );
    let kc = kubeconfig(dir.path(), &server.url, "prod", "t0ken");
    let file = dir.path().join("enforce.yaml");
    std::fs::write(&file, "actions:\n- rule: 'Drift: *'\n  do: [isolate]\n").unwrap();
    let copy = dir.path().join("dropped");
    std::fs::copy("/bin/sleep", &copy).unwrap();
    let mut workload = Command::new("/bin/sh")
        .args([
            "-c",
            "echo $$ > \"$2/cgroup.procs\"; read go; \"$1\" 0.15",
            "sh",
        ])
        .arg(&copy)
        .arg(&cg.dir)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let root = workload.id().to_string();
    let enforce_args = [
        "--enforce",
        file.to_str().unwrap(),
        "--kubeconfig",
        kc.to_str().unwrap(),
    ];
    let mut w: Child = bulwark()
        .args(["runtime", "watch", "--store", &store, "--pid-tree", &root])
        .args([
            "--learn-for",
            "0",
            "--learn-events",
            "100",
            "--duration",
            "60s",
        ])
        .args(enforce_args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(w.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    assert!(line.contains("watching"), "{line}");
    workload.stdin.take().unwrap().write_all(b"go\n").unwrap();
    assert!(workload.wait().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.requests().is_empty() {
        assert!(
            Instant::now() < deadline,
            "no request reached the API server"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // The request is in flight: the action is recorded, pending.
    w.kill().unwrap(); // SIGKILL
    w.wait().unwrap();
    let rows = actions(&store);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].action.as_str(), rows[0].state.as_str()),
        ("isolate", "pending")
    );
    release.store(true, Ordering::SeqCst);

    // The next watcher (watching nothing in particular for a second) carries the pending action out.
    let idle = Command::new("/bin/sleep").arg("30").spawn().unwrap();
    let out = bulwark()
        .args(["runtime", "watch", "--store", &store])
        .args(["--pid-tree", &idle.id().to_string(), "--duration", "1s"])
        .args(enforce_args)
        .output()
        .unwrap();
    let mut idle = idle;
    let _ = idle.kill();
    let _ = idle.wait();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = actions(&store);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].state, "done", "{rows:?}");
    assert_eq!(rows[0].attempts, 1);
    // First PATCH (lost with the process), then the resumed isolation: PATCH and POST, each a dry run.
    let sent: Vec<String> = server.requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(sent, ["PATCH", "PATCH", "POST"]);
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.query("dryRun").as_deref() == Some("All"))
    );
    // A third process finds nothing pending and sends nothing.
    let idle2 = Command::new("/bin/sleep").arg("30").spawn().unwrap();
    let out = bulwark()
        .args(["runtime", "watch", "--store", &store])
        .args(["--pid-tree", &idle2.id().to_string(), "--duration", "1s"])
        .args(enforce_args)
        .output()
        .unwrap();
    let mut idle2 = idle2;
    let _ = idle2.kill();
    let _ = idle2.wait();
    assert!(out.status.success());
    assert_eq!(server.requests().len(), 3);
}

/// The webhook's full answer to a review.
fn answer(s: &Server, review: &Value) -> Value {
    let (status, body) = s.curl("POST", "/validate", Some(review.to_string().as_bytes()));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

#[test]
fn a_denied_digest_is_refused_at_admission_and_by_policy_eval_with_the_same_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let cg = DockerCgroup::new();
    let store = store_with_container(dir.path(), &cg);
    let server = Server::with_store(dir.path(), "certs", &store, &[]);
    let pod = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web-2", "namespace": "shop"},
        "spec": {"containers": [{"name": "web", "image": format!("registry.example/web@{WEB}")}]}
    });
    let rv = review("u-1", &pod, false);
    assert!(server.allowed(&rv), "allowed before the denial");

    let file = dir.path().join("enforce.yaml");
    std::fs::write(
        &file,
        "dryRun: false\nactions:\n- rule: 'Drift: *'\n  do: [deny-digest]\n",
    )
    .unwrap();
    let log = watch_drift(
        dir.path(),
        &cg,
        &store,
        &["--enforce", file.to_str().unwrap()],
        1,
    );
    let denied = bulwark_store::Store::open(&store)
        .unwrap()
        .denied_digests()
        .unwrap();
    assert_eq!(denied.len(), 1, "{log}");
    assert_eq!(denied[0].digest, WEB);
    assert_eq!(denied[0].rule, DRIFT);
    let alert_key = denied[0].alert_key.clone().unwrap();
    assert!(alert_key.starts_with("syscall:"), "{alert_key}");

    // The webhook reads the list again within a second or so.
    let deadline = Instant::now() + Duration::from_secs(10);
    let a = loop {
        let a = answer(&server, &review("u-2", &pod, false));
        if a["response"]["allowed"] == false || Instant::now() > deadline {
            break a;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(a["response"]["allowed"], false, "{a}");
    let message = a["response"]["status"]["message"].as_str().unwrap();
    assert!(message.contains("[deny-digest]"), "{message}");
    assert!(message.contains(DRIFT), "{message}");
    assert!(message.contains(&alert_key), "{message}");
    let annotation: Value = serde_json::from_str(
        a["response"]["auditAnnotations"]["bulwark.dev/verdict"]
            .as_str()
            .unwrap(),
    )
    .unwrap();

    // policy eval with the store, on the review the webhook judged: the same failing rules and hits.
    let rv2 = review("u-2", &pod, false);
    let path = dir.path().join("review.json");
    std::fs::write(&path, rv2.to_string()).unwrap();
    let out = bulwark()
        .args(["policy", "eval"])
        .arg(dir.path().join("bundle"))
        .arg(&path)
        .args(["--stage", "deploy", "-f", "json", "--store", &store])
        .env_remove("BULWARK_NOW")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let cli = &v[0];
    assert_eq!(cli["decision"], "fail");
    assert_eq!(annotation["decision"], "fail", "{annotation}");
    let failing = |results: &Value| -> Vec<(String, Vec<String>)> {
        results
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["outcome"] == "fail")
            .map(|r| {
                (
                    r["rule"].as_str().unwrap().to_owned(),
                    r["hits"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|h| h["message"].as_str().unwrap_or_default().to_owned())
                        .collect(),
                )
            })
            .collect()
    };
    let from_cli = failing(&cli["results"]);
    assert_eq!(from_cli, failing(&annotation["results"]), "{annotation}");
    assert!(from_cli.iter().any(|(r, _)| r == "deny-digest"));

    // Without the store, policy eval does not know the list: the pod passes.
    let out = bulwark()
        .args(["policy", "eval"])
        .arg(dir.path().join("bundle"))
        .arg(&path)
        .args(["--stage", "deploy", "-f", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

const PUSH: &str = "push-token-0760186574b0282f2f435e77d793037a";

/// An audit event (audit.k8s.io/v1) of `kubectl exec` into `shop/web-1`, as the API server's webhook backend sends
/// it (https://kubernetes.io/docs/reference/config-api/apiserver-audit.v1/#audit-k8s-io-v1-Event).
fn exec_event(audit_id: &str) -> Value {
    json!({"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "metadata": {}, "items": [{
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Request", "auditID": audit_id,
        "stage": "ResponseComplete",
        "requestURI": "/api/v1/namespaces/shop/pods/web-1/exec?command=sh&container=web&stdin=true&tty=true",
        "verb": "create", "user": {"username": "bob", "groups": ["system:authenticated"]},
        "sourceIPs": ["10.0.0.7"], "userAgent": "kubectl/v1.31.0",
        "objectRef": {"resource": "pods", "namespace": "shop", "name": "web-1", "apiVersion": "v1",
            "subresource": "exec"},
        "responseStatus": {"metadata": {}, "code": 101},
        "requestReceivedTimestamp": "2026-12-07T10:00:00.000000Z",
        "stageTimestamp": "2026-12-07T10:00:00.100000Z"
    }]})
}

fn post_audit(s: &Server, body: &Value) {
    let out = Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "60",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
        ])
        .arg("--cacert")
        .arg(s.certs.join("ca.crt"))
        .args(["-X", "POST", "-H", &format!("Authorization: Bearer {PUSH}")])
        .args(["-H", "Content-Type: application/json", "--data-binary"])
        .arg(body.to_string())
        .arg(s.url("/k8s-audit"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "200");
}

/// The isolation requests the API server saw (the inventory watch's lists and watches left out).
fn isolations(server: &ApiServer) -> Vec<apiserver::Req> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH" || r.method == "POST")
        .collect()
}

#[test]
fn serve_enforces_audit_alerts_and_completes_an_action_pending_at_kill_9_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite:{}", dir.path().join("store.db").display());
    let release = Arc::new(AtomicBool::new(false));
    let held = Arc::new(AtomicBool::new(false));
    let (r2, h2) = (release.clone(), held.clone());
    let mut cluster = apiserver::Cluster::recorded().handler();
    let server = ApiServer::start(
        None,
        Auth::None,
        Box::new(move |r| {
            if r.method == "PATCH" && !h2.swap(true, Ordering::SeqCst) {
                let r3 = r2.clone();
                return Reply::Later(Box::new(move || {
                    while !r3.load(Ordering::SeqCst) {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    Reply::Json(503, status(503, "ServiceUnavailable", "gone"))
                }));
            }
            if r.method == "PATCH" || r.method == "POST" {
                return isolation_reply(r);
            }
            cluster(r)
        }),
    );
    let kc = kubeconfig(dir.path(), &server.url, "prod", "t0ken");
    // The pod's container as the inventory knows it: the audit alert names only the pod.
    bulwark_store::Store::open(&store)
        .unwrap()
        .put_containers(
            &[bulwark_store::ContainerRecord {
                container_id: "c".repeat(64),
                cluster: "prod".into(),
                namespace: "shop".into(),
                pod: "web-1".into(),
                pod_uid: "0a1b2c3d-1111-2222-3333-444455556666".into(),
                container: "web".into(),
                image: format!("registry.example/web@{WEB}"),
                digest: WEB.into(),
                workload_kind: "Deployment".into(),
                workload_name: "web".into(),
            }],
            1,
        )
        .unwrap();
    let tokens = dir.path().join("tokens.yaml");
    std::fs::write(
        &tokens,
        format!("tokens:\n  - name: apiserver\n    role: push\n    token: {PUSH}\n"),
    )
    .unwrap();
    let rules = dir.path().join("rules.yaml");
    std::fs::write(
        &rules,
        "- rule: Exec into pod\n  desc: an exec into a pod\n  condition: ka.verb=create and ka.target.subresource=exec\n  \
         output: exec into %ka.target.namespace/%ka.target.name (resource=%ka.target.resource user=%ka.user.name)\n  \
         priority: WARNING\n  source: k8s_audit\n",
    )
    .unwrap();
    let file = dir.path().join("enforce.yaml");
    std::fs::write(&file, "actions:\n- rule: Exec into pod\n  do: [isolate]\n").unwrap();
    let args = [
        "--api-tokens",
        tokens.to_str().unwrap(),
        "--runtime-rules",
        rules.to_str().unwrap(),
        "--enforce",
        file.to_str().unwrap(),
        "--kubeconfig",
        kc.to_str().unwrap(),
    ];
    let mut s = Server::with_store(dir.path(), "certs", &store, &args);
    post_audit(&s, &exec_event("audit-1"));
    let deadline = Instant::now() + Duration::from_secs(30);
    while isolations(&server).is_empty() {
        assert!(
            Instant::now() < deadline,
            "no isolation reached the API server"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // The PATCH is in flight: recorded, pending. SIGKILL.
    s.child.kill().unwrap();
    s.child.wait().unwrap();
    let rows = actions(&store);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].state, "pending");
    assert_eq!(rows[0].target, "shop/web-1");
    assert_eq!(rows[0].alert_key, "k8s_audit:audit-1:Exec into pod");
    assert_eq!(
        (
            rows[0].workload_kind.as_str(),
            rows[0].workload_name.as_str()
        ),
        ("Deployment", "web")
    );
    assert_eq!(rows[0].image_digest, WEB);
    release.store(true, Ordering::SeqCst);

    // The restarted server carries it out, once; the same batch posted again repeats nothing.
    let s2 = Server::with_store(dir.path(), "certs2", &store, &args);
    let deadline = Instant::now() + Duration::from_secs(30);
    while actions(&store)[0].state == "pending" {
        assert!(
            Instant::now() < deadline,
            "the pending action was not resumed"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    post_audit(&s2, &exec_event("audit-1"));
    std::thread::sleep(Duration::from_secs(1));
    let rows = actions(&store);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!((rows[0].state.as_str(), rows[0].attempts), ("done", 1));
    let sent: Vec<(String, Option<String>)> = isolations(&server)
        .iter()
        .map(|r| (r.method.clone(), r.query("dryRun")))
        .collect();
    let all = Some("All".to_owned());
    assert_eq!(
        sent,
        [
            ("PATCH".to_owned(), all.clone()),
            ("PATCH".to_owned(), all.clone()),
            ("POST".to_owned(), all)
        ]
    );
}
