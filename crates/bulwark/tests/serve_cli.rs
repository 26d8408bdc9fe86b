//! `bulwark serve` (issue #14), started as a process on 127.0.0.1 with certificates it generates, and spoken to
//! over TLS by `curl` (an independent HTTP client) with AdmissionReviews around real objects. There is no
//! kube-apiserver on this machine: these tests stand in for it, posting what it posts
//! (`admission.k8s.io/v1` reviews) and reading what it reads (`response.allowed`, `status.message`,
//! `warnings`, `auditAnnotations`).
//!
//! The same-verdict test judges each object with `bulwark policy eval` too and compares the decision and every
//! failing rule with its hits to the webhook's `bulwark.dev/verdict` audit annotation.

mod common;

#[path = "../../bulwark-registry/tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const RULES: &str = "apiVersion: policy.bulwark.dev/v1
kind: PolicySet
metadata: {name: manifests}
rules:
  - id: no-privileged
    stages: {deploy: fail}
    kubernetes: {ids: [BW-K8S-0002]}
  - id: pss-restricted
    stages: {deploy: warn}
    kubernetes: {controls: ['pss:restricted']}
";

/// A ValidatingAdmissionPolicy (CEL): Deployments need an `owner` label.
const VAP: &str = "apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: owner-label}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}
  validations:
  - expression: has(object.metadata.labels) && 'owner' in object.metadata.labels
    message: deployments need an owner label
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: owner-label}
spec: {policyName: owner-label, validationActions: [Deny]}
";

fn bundle(dir: &Path) -> PathBuf {
    let b = dir.join("bundle");
    std::fs::create_dir_all(&b).unwrap();
    std::fs::write(b.join("rules.yaml"), RULES).unwrap();
    std::fs::write(b.join("vap.yaml"), VAP).unwrap();
    b
}

struct Server {
    child: Child,
    port: u16,
    certs: PathBuf,
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    fn start(dir: &Path, extra: &[&str]) -> Self {
        let certs = dir.join("certs");
        let mut child = Command::new(env!("CARGO_BIN_EXE_bulwark"))
            .arg("serve")
            .arg("--policy")
            .arg(bundle(dir))
            .arg("--generate-certs")
            .arg(&certs)
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .env_remove("POD_NAMESPACE")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start bulwark serve");
        let stderr = child.stderr.take().unwrap();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<Value>(&line)
                    && v["event"] == "listening"
                {
                    let addr = v["address"].as_str().unwrap_or_default().to_owned();
                    let _ = tx.send(addr);
                }
                sink.lock().unwrap().push(line);
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_mins(1))
            .unwrap_or_else(|_| panic!("the server did not start: {:?}", log.lock().unwrap()));
        let port = addr.rsplit(':').next().unwrap().parse().unwrap();
        Self {
            child,
            port,
            certs,
            log,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.port)
    }

    /// `curl` with the generated CA: (HTTP status, body).
    fn curl(&self, method: &str, path: &str, body: Option<&[u8]>) -> (u16, Vec<u8>) {
        let mut cmd = Command::new("curl");
        cmd.args(["-sS", "--max-time", "30", "-o", "-", "-w", "\n%{http_code}"])
            .arg("--cacert")
            .arg(self.certs.join("ca.crt"))
            .args(["-X", method, "-H", "Content-Type: application/json"]);
        if body.is_some() {
            cmd.args(["--data-binary", "@-"]);
        }
        let mut child = cmd
            .arg(self.url(path))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("curl");
        {
            use std::io::Write as _;
            let mut stdin = child.stdin.take().unwrap();
            if let Some(b) = body {
                // The server may answer (413) before reading everything: a broken pipe is fine.
                let _ = stdin.write_all(b);
            }
        }
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "curl {path}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = out.stdout;
        let cut = text.iter().rposition(|&b| b == b'\n').unwrap();
        let status = std::str::from_utf8(&text[cut + 1..])
            .unwrap()
            .parse()
            .unwrap();
        (status, text[..cut].to_vec())
    }

    fn review(&self, review: &Value) -> Value {
        let (status, body) = self.curl("POST", "/validate", Some(review.to_string().as_bytes()));
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["kind"], "AdmissionReview");
        assert_eq!(v["response"]["uid"], review["request"]["uid"]);
        v["response"].clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn review(uid: &str, object: &Value, operation: &str) -> Value {
    let kind = object["kind"].as_str().unwrap_or_default();
    let api = object["apiVersion"].as_str().unwrap_or("v1");
    let (group, version) = api.split_once('/').unwrap_or(("", api));
    json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": group, "version": version, "kind": kind},
            "resource": {"group": group, "version": version, "resource": format!("{}s", kind.to_lowercase())},
            "name": object["metadata"]["name"],
            "namespace": object["metadata"]["namespace"],
            "operation": operation,
            "userInfo": {"username": "kubernetes-admin", "groups": ["system:masters"]},
            "object": object,
            "oldObject": null,
            "dryRun": false,
        }
    })
}

fn privileged_pod(ns: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": ns},
        "spec": {"containers": [{"name": "web", "image": "nginx:1.25", "securityContext": {"privileged": true}}]}})
}

fn deployment(labels: &Value) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "api", "namespace": "shop", "labels": labels},
        "spec": {"selector": {"matchLabels": {"app": "api"}}, "template": {"metadata": {"labels": {"app": "api"}},
            "spec": {"containers": [{"name": "api", "image": "registry.example.com/api:2.0"}]}}}})
}

fn restricted_pod() -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "ok", "namespace": "shop"},
        "spec": {"securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "app", "image": "registry.example.com/app:1.0",
                "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}}]}})
}

/// The projection of a full verdict (`policy eval -f json`) that the webhook's audit annotation carries.
fn projection(verdict: &Value) -> Value {
    let results: Vec<Value> = verdict["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == "fail" || r["outcome"] == "error")
        .map(|r| {
            let hits: Vec<Value> = r["hits"]
                .as_array()
                .map(|h| {
                    h.iter()
                        .map(|h| json!({"resource": h["resource"], "field": h["field"], "message": h["message"]}))
                        .collect()
                })
                .unwrap_or_default();
            json!({"rule": r["rule"], "engine": r["engine"], "action": r["action"], "outcome": r["outcome"], "hits": hits})
        })
        .collect();
    json!({
        "decision": verdict["decision"],
        "stage": verdict["stage"],
        "bundle": {"name": verdict["bundle"]["name"], "version": verdict["bundle"]["version"], "digest": verdict["bundle"]["digest"]},
        "results": results,
    })
}

#[test]
fn the_webhook_gives_policy_evals_verdict_on_every_object() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let (status, body) = server.curl("GET", "/healthz", None);
    assert_eq!((status, body.as_slice()), (200, b"ok\n".as_slice()));
    assert_eq!(server.curl("GET", "/readyz", None).0, 200);

    let cases = [
        ("privileged-pod", privileged_pod("shop"), false),
        (
            "deployment-no-owner",
            deployment(&json!({"app": "api"})),
            false,
        ),
        (
            "deployment-owner",
            deployment(&json!({"app": "api", "owner": "team-a"})),
            true,
        ),
        ("restricted-pod", restricted_pod(), true),
    ];
    for (i, (name, object, allowed)) in cases.iter().enumerate() {
        let response = server.review(&review(&format!("uid-{i}"), object, "CREATE"));
        assert_eq!(response["allowed"], *allowed, "{name}: {response}");
        let annotated: Value = serde_json::from_str(
            response["auditAnnotations"]["bulwark.dev/verdict"]
                .as_str()
                .unwrap_or_else(|| panic!("{name}: {response}")),
        )
        .unwrap();

        let file = dir.path().join(format!("{name}.json"));
        std::fs::write(&file, object.to_string()).unwrap();
        let out = common::bulwark(&[
            "policy",
            "eval",
            dir.path().join("bundle").to_str().unwrap(),
            file.to_str().unwrap(),
            "--stage",
            "deploy",
            "-f",
            "json",
        ]);
        assert_eq!(
            out.status.code(),
            Some(i32::from(!*allowed)),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let eval: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(projection(&eval[0]), annotated, "{name}");

        if !*allowed {
            let message = response["status"]["message"].as_str().unwrap();
            assert_eq!(response["status"]["code"], 403);
            // The message names each failing rule and what violated it.
            for r in annotated["results"].as_array().unwrap() {
                if r["action"] == "fail" {
                    assert!(
                        message.contains(&format!("[{}]", r["rule"].as_str().unwrap())),
                        "{message}"
                    );
                }
            }
        }
    }
    // The restricted-profile rule warns about the privileged Pod: the warning reaches kubectl.
    let response = server.review(&review("uid-w", &privileged_pod("shop"), "CREATE"));
    let warnings = response["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().starts_with("[pss-restricted]")),
        "{response}"
    );
    let message = response["status"]["message"].as_str().unwrap();
    assert!(
        message.contains("[no-privileged] container \"web\" runs privileged"),
        "{message}"
    );

    let (_, metrics) = server.curl("GET", "/metrics", None);
    let metrics = String::from_utf8(metrics).unwrap();
    assert!(
        metrics.contains("bulwark_admission_requests_total{outcome=\"denied\"} 3"),
        "{metrics}"
    );
    assert!(
        metrics.contains("bulwark_admission_requests_total{outcome=\"allowed\"} 2"),
        "{metrics}"
    );
    // One audit line per decision.
    let decisions = server
        .log
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains("\"event\":\"admission\""))
        .count();
    assert_eq!(decisions, 5);
}

#[test]
fn exempt_namespaces_deletes_and_modes() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--exempt-namespace", "ops"]);
    // `ops` is exempt (and only it: the flag replaces the default list).
    let r = server.review(&review("a", &privileged_pod("ops"), "CREATE"));
    assert_eq!(r["allowed"], true, "{r}");
    let r = server.review(&review("b", &privileged_pod("kube-system"), "CREATE"));
    assert_eq!(r["allowed"], false, "{r}");
    // DELETE carries no object.
    let mut del = review("c", &privileged_pod("shop"), "DELETE");
    del["request"]["object"] = Value::Null;
    assert_eq!(server.review(&del)["allowed"], true);
    drop(server);

    let dir = tempfile::tempdir().unwrap();
    let warn = Server::start(dir.path(), &["--mode", "warn"]);
    let r = warn.review(&review("d", &privileged_pod("shop"), "CREATE"));
    assert_eq!(r["allowed"], true, "{r}");
    assert!(
        r["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().starts_with("[no-privileged]")),
        "{r}"
    );
    // Defaults: kube-system is exempt.
    let r = warn.review(&review("e", &privileged_pod("kube-system"), "CREATE"));
    assert_eq!(r["allowed"], true, "{r}");
    assert!(r.get("warnings").is_none(), "{r}");
}

#[test]
fn hostile_requests_get_an_http_error_or_a_valid_review_never_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--max-body-mib", "4"]);
    let bad = |body: &[u8], expected: u16, what: &str| {
        let started = Instant::now();
        let (status, text) = server.curl("POST", "/validate", Some(body));
        assert_eq!(
            status,
            expected,
            "{what}: {}",
            String::from_utf8_lossy(&text)
        );
        assert!(started.elapsed() < Duration::from_secs(10), "{what}");
    };
    bad(b"{\"apiVersion\":", 400, "truncated JSON");
    bad(b"not json at all", 400, "not JSON");
    bad(
        br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"kind":{"kind":"Pod"},"object":{}}}"#,
        400,
        "no uid",
    );
    let deep = format!(
        r#"{{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{{"uid":"x","object":{}{}}}}}"#,
        "{\"a\":".repeat(50_000),
        "}".repeat(50_000)
    );
    bad(deep.as_bytes(), 400, "deeply nested");
    let huge = vec![b' '; 5 << 20];
    bad(&huge, 413, "a body above --max-body-mib");
    assert_eq!(server.curl("GET", "/validate", None).0, 405);
    assert_eq!(server.curl("GET", "/nope", None).0, 404);

    // A 3 MB object (etcd's limit is 1.5 MiB per object; a review can carry two) is judged.
    let mut pod = restricted_pod();
    pod["metadata"]["annotations"] = json!({"big": "x".repeat(3_000_000)});
    let r = server.review(&review("big", &pod, "CREATE"));
    assert_eq!(
        r["allowed"],
        true,
        "{}",
        &r.to_string()[..200.min(r.to_string().len())]
    );
    // An object of a kind no policy knows is judged (and admitted: nothing matches it).
    let odd = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "shop"}, "spec": {"x": 1}});
    assert_eq!(
        server.review(&review("odd", &odd, "CREATE"))["allowed"],
        true
    );
    // The server is still healthy.
    assert_eq!(server.curl("GET", "/healthz", None).0, 200);
}

#[test]
fn a_replaced_certificate_is_served_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--tls-reload", "200ms"]);
    assert_eq!(server.curl("GET", "/healthz", None).0, 200);
    // A new CA and certificate, written the way a Secret update lands: the old CA no longer verifies.
    let other = dir.path().join("rotated");
    let out = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "2",
        ])
        .args([
            "-subj",
            "/CN=rotated",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ])
        .arg("-keyout")
        .arg(dir.path().join("new.key"))
        .arg("-out")
        .arg(dir.path().join("new.crt"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::create_dir_all(&other).unwrap();
    std::fs::copy(dir.path().join("new.crt"), server.certs.join("tls.crt.new")).unwrap();
    std::fs::copy(dir.path().join("new.key"), server.certs.join("tls.key.new")).unwrap();
    std::fs::rename(
        server.certs.join("tls.key.new"),
        server.certs.join("tls.key"),
    )
    .unwrap();
    std::fs::rename(
        server.certs.join("tls.crt.new"),
        server.certs.join("tls.crt"),
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let out = Command::new("curl")
            .args(["-sS", "--max-time", "5", "--cacert"])
            .arg(dir.path().join("new.crt"))
            .arg(server.url("/healthz"))
            .output()
            .unwrap();
        if out.status.success() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the new certificate was not served"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        server
            .log
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("tls-reloaded"))
    );
}

/// A pod running `image` in namespace `shop`, restricted enough that only signatures decide.
fn pod_running(image: &str) -> Value {
    let mut pod = restricted_pod();
    pod["spec"]["containers"][0]["image"] = image.into();
    pod
}

#[test]
fn unsigned_images_are_refused_and_signed_ones_admitted() {
    let dir = tempfile::tempdir().unwrap();
    let registry = support::TestRegistry::start("plain", &dir.path().join("registry"), &[], None);
    let policy = dir.path().join("policy.json");
    std::fs::write(
        &policy,
        r#"{"default":[{"type":"insecureAcceptAnything"}]}"#,
    )
    .unwrap();
    let push = |repo: &str| {
        let reference = format!("{}/{repo}:1", registry.host);
        let out = Command::new("skopeo")
            .arg("--policy")
            .arg(&policy)
            .args(["copy", "-q", "--dest-tls-verify=false"])
            .arg(format!(
                "docker-archive:{}",
                support::fixtures()
                    .join("alpine314-mini.docker.tar")
                    .display()
            ))
            .arg(format!("docker://{reference}"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        reference
    };
    let signed = push("signed");
    let unsigned = push("unsigned");
    let keys = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
            .args(args)
            .current_dir(dir.path())
            .env("BULWARK_PASSWORD", "pw")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    keys(&["keys", "generate"]);
    keys(&["sign", &signed, "--key", "cosign.key"]);
    let public = dir.path().join("cosign.pub");

    let server = Server::start(dir.path(), &["--verify-key", public.to_str().unwrap()]);
    let r = server.review(&review("s", &pod_running(&signed), "CREATE"));
    assert_eq!(r["allowed"], true, "{r}");
    let r = server.review(&review("u", &pod_running(&unsigned), "CREATE"));
    assert_eq!(r["allowed"], false, "{r}");
    let message = r["status"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!(
            "[image-signature] {unsigned} (spec.containers[0].image): no signature"
        )),
        "{message}"
    );
    // A Deployment's pod template is checked before any pod exists.
    let mut deploy = deployment(&json!({"app": "api", "owner": "team-a"}));
    deploy["spec"]["template"]["spec"]["containers"][0]["image"] = unsigned.clone().into();
    let r = server.review(&review("d", &deploy, "CREATE"));
    assert_eq!(r["allowed"], false, "{r}");
    assert!(
        r["status"]["message"]
            .as_str()
            .unwrap()
            .contains("spec.template.spec.containers[0].image"),
        "{r}"
    );
    drop(server);

    // A registry that accepts connections and never answers: the answer comes at the deadline, fail closed.
    let stalled = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = stalled.local_addr().unwrap().port();
    let dir2 = tempfile::tempdir().unwrap();
    std::fs::copy(&public, dir2.path().join("cosign.pub")).unwrap();
    let server = Server::start(
        dir2.path(),
        &[
            "--verify-key",
            dir2.path().join("cosign.pub").to_str().unwrap(),
            "--deadline",
            "1s",
        ],
    );
    let started = Instant::now();
    let r = server.review(&review(
        "t",
        &pod_running(&format!("127.0.0.1:{port}/app:1")),
        "CREATE",
    ));
    let took = started.elapsed();
    assert_eq!(r["allowed"], false, "{r}");
    assert!(
        r["status"]["message"]
            .as_str()
            .unwrap()
            .contains("no decision within 1000 ms"),
        "{r}"
    );
    assert!(took < Duration::from_secs(5), "{took:?}");
    // Exempt namespaces are answered whatever the registry does.
    let mut pod = pod_running(&format!("127.0.0.1:{port}/app:1"));
    pod["metadata"]["namespace"] = "kube-system".into();
    let started = Instant::now();
    assert_eq!(server.review(&review("k", &pod, "CREATE"))["allowed"], true);
    assert!(started.elapsed() < Duration::from_secs(1));
    drop(stalled);
}
