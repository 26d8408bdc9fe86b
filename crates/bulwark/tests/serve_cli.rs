//! `bulwark serve` (issue #14), started as a process on 127.0.0.1 with certificates it generates, and spoken to
//! over TLS by `curl` (an independent HTTP client) with AdmissionReviews around real objects. There is no
//! kube-apiserver on this machine: these tests stand in for it, posting what it posts
//! (`admission.k8s.io/v1` reviews) and reading what it reads (`response.allowed`, `status.message`,
//! `warnings`, `auditAnnotations`).
//!
//! The same-verdict test judges each object with `bulwark policy eval` too and compares the decision and every
//! failing rule with its hits to the webhook's `bulwark.dev/verdict` audit annotation. The mutation test applies
//! the webhook's JSONPatch with `kubectl patch --local` and compares the pinned digest with what `skopeo
//! inspect` reports; CONNECT reviews have the shape the API server sends for `kubectl exec|attach|port-forward`.

mod common;

use common::server::Server;

#[path = "../../bulwark-registry/tests/support/mod.rs"]
mod support;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
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

impl Server {
    fn start(dir: &Path, extra: &[&str]) -> Self {
        let certs = dir.join("certs");
        let mut args: Vec<std::ffi::OsString> = vec![
            "serve".into(),
            "--policy".into(),
            bundle(dir).into(),
            "--generate-certs".into(),
            certs.clone().into(),
            "--listen".into(),
            "127.0.0.1:0".into(),
        ];
        args.extend(extra.iter().map(Into::into));
        Self::with_args(&args, certs, dir)
    }

    /// `bulwark ARGS` run in `cwd`, serving the certificates in `certs`.
    fn with_args(args: &[std::ffi::OsString], certs: PathBuf, cwd: &Path) -> Self {
        Self::spawn(Self::command(args, cwd), certs)
    }

    fn review(&self, review: &Value) -> Value {
        self.post("/validate", review)
    }

    /// The `response` of a review posted to `path` (`/validate` or `/mutate`).
    fn post(&self, path: &str, review: &Value) -> Value {
        let (status, body) = self.curl("POST", path, Some(review.to_string().as_bytes()));
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["kind"], "AdmissionReview");
        assert_eq!(v["response"]["uid"], review["request"]["uid"]);
        v["response"].clone()
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
        assert_eq!(
            common::server::verdict_projection(&eval[0]),
            annotated,
            "{name}"
        );

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
    for i in 0..4 {
        assert_eq!(audit_lines(&server, &format!("uid-{i}")).len(), 1);
    }
    assert_eq!(audit_lines(&server, "uid-w").len(), 1);
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

/// What a raw HTTP/1.1 client over TLS met after sending `head`: the status the server answered with (when an
/// answer arrived before the connection ended) and how the connection ended. The head is written 16 KiB at a
/// time with a read between writes, as a client that stops sending once it is answered; a connection that is
/// neither answered nor closed within `bound` fails the test (a hang).
fn send_head(server: &Server, head: &[u8], bound: Duration) -> (Option<u16>, String) {
    use std::io::{ErrorKind, Read as _, Write as _};
    let started = Instant::now();
    let mut tls = server.tls(Duration::from_millis(50));
    let (mut sent, mut got) = (0, Vec::new());
    let end = loop {
        assert!(
            started.elapsed() < bound,
            "neither answered nor closed within {bound:?}: sent {sent} of {} bytes, got {:?}",
            head.len(),
            String::from_utf8_lossy(&got)
        );
        if sent < head.len() {
            let n = (head.len() - sent).min(16 << 10);
            match tls.write(&head[sent..sent + n]) {
                Ok(w) => sent += w,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                // The server closed while the client was still sending: stop sending, read what it said.
                Err(_) => sent = head.len(),
            }
        }
        let mut buf = [0u8; 4096];
        match tls.read(&mut buf) {
            Ok(0) => break "closed".to_owned(),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => break format!("closed ({:?})", e.kind()),
        }
    };
    let status = got
        .strip_prefix(b"HTTP/1.1 ")
        .and_then(|r| std::str::from_utf8(r.get(..3)?).ok()?.parse().ok());
    (status, end)
}

/// Oversized request heads (issue #14, "Bad input"): one 1 MiB header, and 10,000 small headers, posted to
/// /validate by a raw rustls client (HTTP/1.1) are answered 431 within seconds, before any routing; a
/// megabyte of headers and 10,000 headers sent by curl (`-H @file`, HTTP/2 and HTTP/1.1) get a 431 or, over
/// HTTP/2 when the header block grows past the advertised list size, a refused connection, at once. The
/// server neither hangs nor crashes, and keeps answering. The limits are `bulwark_server::H1_MAX_HEAD_BYTES` (256 KiB), `H2_MAX_HEADER_LIST_BYTES` (64 KiB) and hyper's 100
/// header fields.
#[test]
fn oversized_headers_get_431_quickly_and_the_server_keeps_answering() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &[]);
    let body = review("h", &restricted_pod(), "CREATE").to_string();
    let head = |extra: &str| {
        format!(
            "POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{extra}\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    };
    let big = format!("X-Big: {}\r\n", "a".repeat(1 << 20));
    let many: String = (0..10_000).fold(String::new(), |mut s, i| {
        let _ = write!(s, "X-H{i}: v\r\n");
        s
    });
    // A hang is what this catches, not speed: generous for a loaded 2-core CI machine (alone it takes < 1 s).
    let bound = Duration::from_secs(20);
    for (what, extra) in [("one 1 MiB header", &big), ("10,000 headers", &many)] {
        let started = Instant::now();
        let (status, end) = send_head(&server, &head(extra), bound);
        let took = started.elapsed();
        eprintln!("rustls client, {what}: status {status:?}, connection {end}, {took:?}");
        // hyper answers 431 and closes; the answer is read before the close (Linux keeps received data
        // readable after a reset).
        assert_eq!(status, Some(431), "{what}: {end}");
        assert!(took < bound, "{what}: {took:?}");
    }
    // Control: the same head without the extra headers is answered by the webhook on the same client.
    let (status, _) = send_head(&server, &head("Connection: close\r\n"), bound);
    assert_eq!(status, Some(200));

    // curl, HTTP/2 (ALPN h2) and HTTP/1.1, reading the headers from a file as `-H @file` does. curl refuses to
    // send a single 1 MiB header line itself ("Out of memory", its own bound), so its megabyte is 16 headers
    // of 64,000 bytes.
    let wide: String = (0..16).fold(String::new(), |mut s, i| {
        let _ = write!(s, "X-Big{i}: {}\r\n", "a".repeat(64_000));
        s
    });
    for (what, lines) in [
        ("16 headers of 64,000 bytes", &wide),
        ("10,000 headers", &many),
    ] {
        let file = dir.path().join("headers.txt");
        std::fs::write(&file, lines.replace("\r\n", "\n")).unwrap();
        for proto in ["--http2", "--http1.1"] {
            let started = Instant::now();
            let out = common::output_within(
                {
                    let mut c = Command::new("curl");
                    c.args([
                        "-sS",
                        "--max-time",
                        "10",
                        proto,
                        "-o",
                        "/dev/null",
                        "-w",
                        "%{http_code}",
                    ])
                    .arg("--cacert")
                    .arg(server.certs.join("ca.crt"))
                    .arg("-H")
                    .arg(format!("@{}", file.display()))
                    .args(["-H", "Content-Type: application/json", "--data-binary"])
                    .arg(&body)
                    .arg(server.url("/validate"));
                    c
                },
                Duration::from_secs(20),
            );
            let took = started.elapsed();
            let code = String::from_utf8_lossy(&out.stdout).into_owned();
            let err = String::from_utf8_lossy(&out.stderr).into_owned();
            eprintln!(
                "curl {proto}, {what}: exit {:?}, HTTP {code}, {took:?} {}",
                out.status.code(),
                err.trim()
            );
            // Never a timeout (curl's exit 28) or a slow answer; when curl got an answer, it is 431 (or 400).
            assert_ne!(out.status.code(), Some(28), "{proto} {what}: {err}");
            assert!(took < bound, "{proto} {what}: {took:?}");
            assert!(
                matches!(code.as_str(), "431" | "400") || (code == "000" && !out.status.success()),
                "{proto} {what}: HTTP {code}, {err}"
            );
        }
    }

    // The server is still up and judging.
    assert!(server.child_running(), "the server exited");
    assert_eq!(server.curl("GET", "/healthz", None).0, 200);
    let r = server.review(&review("after", &privileged_pod("shop"), "CREATE"));
    assert_eq!(r["allowed"], false, "{r}");
}

/// Malformed AdmissionReview files (issue #14, "Bad input"), judged by `bulwark policy eval` and posted to the
/// webhook, byte for byte: the CLI exits 2 with an error naming the file and the field, never a panic; the
/// webhook answers 400 with the same reason (both read reviews with `bulwark_server::admission::parse`).
/// `admission.k8s.io/v1beta1` has the same shape as v1 and the API server still sends it to webhooks that list
/// it in `admissionReviewVersions`: both accept it, give the same verdict, and the webhook answers in v1beta1.
#[test]
fn malformed_review_files_are_refused_alike_by_policy_eval_and_the_webhook() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let pod = privileged_pod("shop");
    let with = |f: &dyn Fn(&mut Value)| {
        let mut r = review("m-1", &pod, "CREATE");
        f(&mut r);
        r.to_string()
    };
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "no-request",
            with(&|r| {
                r.as_object_mut().unwrap().remove("request");
            }),
            "the AdmissionReview has no request",
        ),
        (
            "request-string",
            with(&|r| r["request"] = json!("pod")),
            "request is a string, expected an object",
        ),
        (
            "object-string",
            with(&|r| r["request"]["object"] = json!("a pod")),
            "request.object is a string",
        ),
        (
            "object-array",
            with(&|r| r["request"]["object"] = json!([pod.clone()])),
            "request.object is an array",
        ),
        (
            "no-uid",
            with(&|r| {
                r["request"].as_object_mut().unwrap().remove("uid");
            }),
            "has no uid (request.uid)",
        ),
        (
            "uid-number",
            with(&|r| r["request"]["uid"] = json!(7)),
            "request.uid is a number",
        ),
        (
            "v2",
            with(&|r| r["apiVersion"] = json!("admission.k8s.io/v2")),
            "apiVersion is \"admission.k8s.io/v2\", expected admission.k8s.io/v1 or admission.k8s.io/v1beta1",
        ),
        (
            "core-v1",
            with(&|r| r["apiVersion"] = json!("v1")),
            "apiVersion is \"v1\"",
        ),
    ];
    let bundle = dir.path().join("bundle");
    let eval = |file: &Path| {
        common::output_within(
            {
                let mut c = Command::new(env!("CARGO_BIN_EXE_bulwark"));
                c.args(["policy", "eval"])
                    .arg(&bundle)
                    .arg(file)
                    .args(["--stage", "deploy", "-f", "json"]);
                c
            },
            Duration::from_mins(1),
        )
    };
    for (name, body, reason) in &cases {
        let file = dir.path().join(format!("{name}.json"));
        std::fs::write(&file, body).unwrap();
        let out = eval(&file);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        assert!(
            stderr.contains(&format!("{name}.json")) && stderr.contains(reason),
            "{name}: {stderr}"
        );
        let (status, text) = server.curl("POST", "/validate", Some(body.as_bytes()));
        let text = String::from_utf8_lossy(&text);
        assert_eq!(status, 400, "{name}: {text}");
        assert!(text.contains(reason), "{name}: {text}");
    }
    // Truncated JSON: a parse error with its position from both.
    let whole = with(&|_| {});
    let truncated = &whole[..whole.len() / 2];
    let file = dir.path().join("truncated.json");
    std::fs::write(&file, truncated).unwrap();
    let out = eval(&file);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("truncated.json") && stderr.contains("EOF while parsing"),
        "{stderr}"
    );
    let (status, text) = server.curl("POST", "/validate", Some(truncated.as_bytes()));
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&text));
    assert!(String::from_utf8_lossy(&text).contains("EOF while parsing"));

    // v1beta1: accepted by both, the same verdict (the privileged pod is refused by no-privileged).
    let beta = with(&|r| r["apiVersion"] = json!("admission.k8s.io/v1beta1"));
    let file = dir.path().join("v1beta1.json");
    std::fs::write(&file, &beta).unwrap();
    let out = eval(&file);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verdicts: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let (status, text) = server.curl("POST", "/validate", Some(beta.as_bytes()));
    assert_eq!(status, 200);
    let answer: Value = serde_json::from_slice(&text).unwrap();
    assert_eq!(answer["apiVersion"], "admission.k8s.io/v1beta1");
    assert_eq!(answer["response"]["uid"], "m-1");
    assert_eq!(answer["response"]["allowed"], false);
    let annotated: Value = serde_json::from_str(
        answer["response"]["auditAnnotations"]["bulwark.dev/verdict"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(annotated["decision"], "fail");
    assert_eq!(
        common::server::verdict_projection(&verdicts[0])["results"],
        annotated["results"],
        "policy eval and the webhook disagree on the v1beta1 review"
    );
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

/// A policy bundle mounted from a ConfigMap (issue #14, installation): `bulwark serve --policy DIR` on a
/// directory laid out exactly as the kubelet's atomic writer lays out a ConfigMap volume
/// (`common::server::kubelet_project`: `..data` → `..<timestamp>` with the files, one `<key>` → `..data/<key>`
/// link per key, updates by renaming a new `..data` over the old) serves the keys as the bundle, and picks up
/// each atomic swap without a restart: a changed rule is in force after the reload tick (`policy-reloaded` in
/// the log, `bulwark_policy_reloads_total`); a broken update is refused, once (`policy-reload-failed`,
/// `bulwark_policy_reload_failures_total`), and the previous bundle keeps answering, as a broken certificate
/// pair leaves the previous certificate; the next good update is picked up.
#[test]
fn a_bundle_mounted_from_a_configmap_is_reloaded_on_each_atomic_swap() {
    let dir = tempfile::tempdir().unwrap();
    let volume = dir.path().join("policy");
    let warn = RULES.replace("stages: {deploy: fail}", "stages: {deploy: warn}");
    common::server::kubelet_project(&volume, &[("rules.yaml", RULES), ("vap.yaml", VAP)], 1);
    let certs = dir.path().join("certs");
    let args: Vec<std::ffi::OsString> = vec![
        "serve".into(),
        "--policy".into(),
        volume.clone().into(),
        "--generate-certs".into(),
        certs.clone().into(),
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--tls-reload".into(),
        "200ms".into(),
    ];
    let server = Server::with_args(&args, certs, dir.path());
    let pod = privileged_pod("shop");
    let mut n = 0;
    let mut ask = || {
        n += 1;
        server.review(&review(&format!("cm-{n}"), &pod, "CREATE"))
    };
    let r = ask();
    assert_eq!(r["allowed"], false, "{r}");
    assert!(
        r["status"]["message"]
            .as_str()
            .unwrap()
            .contains("[no-privileged]"),
        "{r}"
    );
    let events = |event: &str| {
        server
            .lines()
            .iter()
            .filter(|l| l.contains(&format!("\"event\":\"{event}\"")))
            .count()
    };
    let wait_for = |event: &str, count: usize| {
        let deadline = Instant::now() + Duration::from_secs(15);
        while events(event) < count {
            assert!(
                Instant::now() < deadline,
                "no {event} #{count}: {:?}",
                server.lines()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let metrics = || String::from_utf8(server.curl("GET", "/metrics", None).1).unwrap();

    // The rule turns to warn; the VAP key is removed.
    common::server::kubelet_project(&volume, &[("rules.yaml", &warn)], 2);
    wait_for("policy-reloaded", 1);
    let r = ask();
    assert_eq!(r["allowed"], true, "{r}");
    assert!(
        r["warnings"][0]
            .as_str()
            .unwrap()
            .starts_with("[no-privileged]"),
        "{r}"
    );
    assert!(metrics().contains("\nbulwark_policy_reloads_total 1\n"));

    // A broken update: refused once, the previous bundle keeps answering.
    common::server::kubelet_project(
        &volume,
        &[(
            "rules.yaml",
            "apiVersion: policy.bulwark.dev/v1\nkind: PolicySet\nrules: [\n",
        )],
        3,
    );
    wait_for("policy-reload-failed", 1);
    let failed = server
        .lines()
        .into_iter()
        .find(|l| l.contains("policy-reload-failed"))
        .unwrap();
    assert!(failed.contains("rules.yaml"), "{failed}");
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(events("policy-reload-failed"), 1, "reported once");
    let r = ask();
    assert_eq!(r["allowed"], true, "{r}");
    let m = metrics();
    assert!(
        m.contains("\nbulwark_policy_reload_failures_total 1\n"),
        "{m}"
    );
    assert!(m.contains("\nbulwark_policy_reloads_total 1\n"), "{m}");

    // The next good update is picked up.
    common::server::kubelet_project(&volume, &[("rules.yaml", RULES), ("vap.yaml", VAP)], 4);
    wait_for("policy-reloaded", 2);
    assert_eq!(ask()["allowed"], false);
    // Every audit line names the bundle that decided (the mount's name).
    assert!(
        server
            .lines()
            .iter()
            .filter(|l| l.contains("\"event\":\"admission\""))
            .all(|l| l.contains("\"policy\":\"policy")),
        "{:?}",
        server.lines()
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

    // The bundle's own `signatures:` rule judges what the verifier found (the flag's gate only audits here):
    // the unsigned image fails the rule, the signed one passes it, an object without images is not judged by it.
    let dir3 = tempfile::tempdir().unwrap();
    let b3 = dir3.path().join("bundle");
    std::fs::create_dir_all(&b3).unwrap();
    std::fs::write(
        b3.join("rules.yaml"),
        "apiVersion: policy.bulwark.dev/v1\nkind: PolicySet\nmetadata: {name: supply-chain}\nrules:\n  \
         - id: signed-images\n    stages: {deploy: fail}\n    signatures:\n      required:\n        \
         - kind: signature\n",
    )
    .unwrap();
    let certs3 = dir3.path().join("certs");
    let args: Vec<std::ffi::OsString> = vec![
        "serve".into(),
        "--policy".into(),
        b3.into(),
        "--generate-certs".into(),
        certs3.clone().into(),
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--verify-key".into(),
        public.clone().into(),
        "--verify-mode".into(),
        "audit".into(),
    ];
    let server = Server::with_args(&args, certs3, dir3.path());
    let r = server.review(&review("rs", &pod_running(&signed), "CREATE"));
    assert_eq!(r["allowed"], true, "{r}");
    assert_eq!(r["auditAnnotations"]["bulwark.dev/decision"], "pass", "{r}");
    let r = server.review(&review("ru", &pod_running(&unsigned), "CREATE"));
    assert_eq!(r["allowed"], false, "{r}");
    let message = r["status"]["message"].as_str().unwrap();
    assert!(
        message.contains("[signed-images] no verified signature"),
        "{message}"
    );
    let config_map = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "c", "namespace": "shop"}, "data": {"k": "v"}});
    let r = server.review(&review("rc", &config_map, "CREATE"));
    assert_eq!(r["allowed"], true, "{r}");
    drop(server);

    // Verdict attestations (`--require-attestation verdict`): a signed image whose attested verdict passes is
    // admitted; a signed image whose attested verdict fails is refused, naming the verdict.
    let failing = push("failing");
    keys(&["sign", &failing, "--key", "cosign.key"]);
    let bundle_file = |name: &str, text: &str| {
        let b = dir.path().join(name);
        std::fs::create_dir_all(&b).unwrap();
        std::fs::write(b.join("rules.yaml"), text).unwrap();
        b.to_str().unwrap().to_owned()
    };
    let lenient = bundle_file(
        "lenient",
        "apiVersion: policy.bulwark.dev/v1\nkind: PolicySet\nmetadata: {name: lenient}\nrules:\n  \
         - id: no-aws-credentials\n    stages: {release: fail}\n    secrets: {ids: [\"aws-*\"]}\n",
    );
    let strict = bundle_file(
        "strict",
        "apiVersion: policy.bulwark.dev/v1\nkind: PolicySet\nmetadata: {name: strict}\nrules:\n  \
         - id: no-root-user\n    stages: {release: fail}\n    image: {nonRootUser: true}\n",
    );
    let scan = |image: &str, bundle: &str, out: &str| {
        Command::new(env!("CARGO_BIN_EXE_bulwark"))
            .args(["scan", "image", image, "--no-vulns", "--policy", bundle])
            .args(["--stage", "release", "-f", "json", "-o", out])
            .current_dir(dir.path())
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(scan(&signed, &lenient, "pass.json"), Some(0));
    assert_eq!(scan(&failing, &strict, "fail.json"), Some(1));
    keys(&[
        "attest",
        &signed,
        "--key",
        "cosign.key",
        "--type",
        "verdict",
        "--predicate",
        "pass.json",
    ]);
    keys(&[
        "attest",
        &failing,
        "--key",
        "cosign.key",
        "--type",
        "verdict",
        "--predicate",
        "fail.json",
    ]);
    let dir4 = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir4.path(),
        &[
            "--verify-key",
            public.to_str().unwrap(),
            "--require-attestation",
            "verdict",
        ],
    );
    let r = server.review(&review("vp", &pod_running(&signed), "CREATE"));
    assert_eq!(r["allowed"], true, "{r}");
    let r = server.review(&review("vf", &pod_running(&failing), "CREATE"));
    assert_eq!(r["allowed"], false, "{r}");
    let message = r["status"]["message"].as_str().unwrap();
    assert!(
        message.contains("the attested verdict is fail (policy strict, rules: no-root-user)"),
        "{message}"
    );
    // Signed without any verdict attestation: refused too.
    let bare = push("bare");
    keys(&["sign", &bare, "--key", "cosign.key"]);
    let r = server.review(&review("vb", &pod_running(&bare), "CREATE"));
    assert_eq!(r["allowed"], false, "{r}");
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

/// A local `docker-registry` with images pushed by skopeo, and a cosign key pair made by `bulwark keys
/// generate` in `dir` (its `cosign.pub` is the verify key).
struct Signing {
    registry: support::TestRegistry,
    dir: PathBuf,
    policy: PathBuf,
}

impl Signing {
    fn start(dir: &Path) -> Self {
        support::require_tools();
        let registry = support::TestRegistry::start("plain", &dir.join("registry"), &[], None);
        let policy = dir.join("policy.json");
        std::fs::write(
            &policy,
            r#"{"default":[{"type":"insecureAcceptAnything"}]}"#,
        )
        .unwrap();
        let s = Self {
            registry,
            dir: dir.to_owned(),
            policy,
        };
        s.bulwark(&["keys", "generate"]);
        s
    }

    fn bulwark(&self, args: &[&str]) {
        let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
            .args(args)
            .current_dir(&self.dir)
            .env("BULWARK_PASSWORD", "pw")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Pushes the fixture `archive` as `repo_tag`; returns the reference.
    fn push(&self, archive: &str, repo_tag: &str) -> String {
        let reference = format!("{}/{repo_tag}", self.registry.host);
        let out = Command::new("skopeo")
            .arg("--policy")
            .arg(&self.policy)
            .args(["copy", "-q", "--dest-tls-verify=false"])
            .arg(format!(
                "docker-archive:{}",
                support::fixtures().join(archive).display()
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
    }

    fn sign(&self, reference: &str) {
        self.bulwark(&["sign", reference, "--key", "cosign.key"]);
    }

    /// The manifest digest the registry serves for `reference`, as skopeo reports it (independent truth).
    fn digest(&self, reference: &str) -> String {
        assert!(reference.starts_with(&self.registry.host), "{reference}");
        let out = Command::new("skopeo")
            .args(["inspect", "--tls-verify=false", "--format", "{{.Digest}}"])
            .arg(format!("docker://{reference}"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let d = String::from_utf8(out.stdout).unwrap().trim().to_owned();
        assert!(d.starts_with("sha256:") && d.len() == 71, "{d}");
        d
    }

    fn public(&self) -> String {
        self.dir.join("cosign.pub").to_str().unwrap().to_owned()
    }
}

/// The JSONPatch of a mutating response, base64-decoded.
fn patch_of(response: &Value) -> Value {
    use base64::Engine as _;
    assert_eq!(response["patchType"], "JSONPatch", "{response}");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(response["patch"].as_str().unwrap())
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// `kubectl` from `.ci/install-deps.sh` (never skipped: the test fails without it).
fn kubectl() -> PathBuf {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let path = home.join(".cache/bulwark-peers/bin/kubectl");
    assert!(
        path.is_file(),
        "kubectl is missing at {}: run .ci/install-deps.sh",
        path.display()
    );
    path
}

/// `object` with `patch` applied by kubectl (`kubectl patch --local --type json`, the JSONPatch code the API
/// server uses), not by our own code.
fn kubectl_apply(dir: &Path, object: &Value, patch: &Value) -> Value {
    let file = dir.join("object.json");
    std::fs::write(&file, object.to_string()).unwrap();
    let out = Command::new(kubectl())
        .args(["patch", "--local", "--type", "json", "-o", "json", "-f"])
        .arg(&file)
        .arg("-p")
        .arg(patch.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kubectl patch: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The value of an unlabelled sample (or of the exact `name{labels}`) in a Prometheus exposition, as written.
fn metric<'a>(text: &'a str, name: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
}

/// The audit lines (`"event":"admission"`) of requests with `uid`. The line is written before the response, but
/// the thread that reads the server's stderr may not have seen it yet: wait (5 s at most) for one.
fn audit_lines(server: &Server, uid: &str) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let lines: Vec<Value> = server
            .log
            .lock()
            .unwrap()
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["event"] == "admission" && v["uid"] == uid)
            .collect();
        if !lines.is_empty() || Instant::now() > deadline {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn cronjob(image: &str) -> Value {
    json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "nightly", "namespace": "shop"},
        "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {"spec": {
            "restartPolicy": "OnFailure",
            "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "job", "image": image,
                "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}}]}}}}}})
}

#[test]
fn mutation_pins_each_verified_tag_to_the_digest_that_was_verified() {
    let dir = tempfile::tempdir().unwrap();
    let signing = Signing::start(dir.path());
    let app = signing.push("alpine314-mini.docker.tar", "app:1");
    let helper = signing.push("alpine314-mini.docker.tar", "helper:1");
    let unsigned = signing.push("alpine314-mini.docker.tar", "unsigned:1");
    signing.sign(&app);
    signing.sign(&helper);
    let digest = signing.digest(&app);
    assert_eq!(signing.digest(&helper), digest);
    let public = signing.public();

    let server = Server::start(dir.path(), &["--verify-key", &public, "--mutate"]);
    assert_eq!(server.curl("POST", "/mutate", Some(b"{")).0, 400);
    assert_eq!(server.curl("GET", "/mutate", None).0, 405);
    // A Pod with the image in a container, an init container and an ephemeral container.
    let mut pod = pod_running(&app);
    pod["spec"]["initContainers"] = json!([{"name": "init", "image": helper}]);
    pod["spec"]["ephemeralContainers"] = json!([{"name": "debug", "image": app}]);

    // Dry runs first: the same answer, and no cache write (every dry run reaches the registry again).
    for uid in ["dry-1", "dry-2"] {
        let mut dry = review(uid, &pod, "CREATE");
        dry["request"]["dryRun"] = true.into();
        let r = server.post("/mutate", &dry);
        assert_eq!(r["allowed"], true, "{r}");
        assert_eq!(patch_of(&r).as_array().unwrap().len(), 3, "{r}");
        let lines = audit_lines(&server, uid);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines[0]["dryRun"], true, "{lines:?}");
        assert_eq!(lines[0]["webhook"], "mutate", "{lines:?}");
        assert_eq!(lines[0]["patched"], 3, "{lines:?}");
    }
    let metrics = || String::from_utf8(server.curl("GET", "/metrics", None).1).unwrap();
    let m = metrics();
    assert_eq!(metric(&m, "bulwark_verification_cache_hits_total"), "0");
    assert_eq!(metric(&m, "bulwark_verification_cache_misses_total"), "4");
    assert_eq!(metric(&m, "bulwark_admission_dry_run_total"), "2");

    let r = server.post("/mutate", &review("pod", &pod, "CREATE"));
    assert_eq!(r["allowed"], true, "{r}");
    let patch = patch_of(&r);
    for op in patch.as_array().unwrap() {
        assert_eq!(op["op"], "replace", "{patch}");
    }
    let patched = kubectl_apply(dir.path(), &pod, &patch);
    assert_eq!(
        patched["spec"]["containers"][0]["image"],
        format!("{app}@{digest}"),
        "{patched}"
    );
    assert_eq!(
        patched["spec"]["initContainers"][0]["image"],
        format!("{helper}@{digest}")
    );
    assert_eq!(
        patched["spec"]["ephemeralContainers"][0]["image"],
        format!("{app}@{digest}")
    );
    // The second time both images are answered from the cache.
    server.post("/mutate", &review("pod-again", &pod, "CREATE"));
    // Server-side latency (the audit line's latencyMs), cold (two verifications against the local registry) and
    // warm (both from the cache); printed with --nocapture for the record, not asserted (shared machines).
    for uid in ["pod", "pod-again"] {
        let line = &audit_lines(&server, uid)[0];
        eprintln!("/mutate {uid}: {} ms", line["latencyMs"]);
    }
    let m = metrics();
    assert_eq!(metric(&m, "bulwark_verification_cache_hits_total"), "2");
    assert_eq!(metric(&m, "bulwark_verification_cache_misses_total"), "6");
    assert_eq!(metric(&m, "bulwark_verification_cache_hit_ratio"), "0.25");

    // Controllers: the pod template, and a CronJob's job template.
    let mut deploy = deployment(&json!({"app": "api", "owner": "team-a"}));
    deploy["spec"]["template"]["spec"]["containers"][0]["image"] = app.clone().into();
    let r = server.post("/mutate", &review("deploy", &deploy, "CREATE"));
    let patched = kubectl_apply(dir.path(), &deploy, &patch_of(&r));
    assert_eq!(
        patched["spec"]["template"]["spec"]["containers"][0]["image"],
        format!("{app}@{digest}")
    );
    let job = cronjob(&app);
    let r = server.post("/mutate", &review("cron", &job, "CREATE"));
    assert_eq!(
        patch_of(&r),
        json!([{"op": "replace", "path": "/spec/jobTemplate/spec/template/spec/containers/0/image",
            "value": format!("{app}@{digest}")}])
    );
    // The validating webhook admits the pinned object (signed, verified by its digest).
    let pinned = kubectl_apply(dir.path(), &job, &patch_of(&r));
    assert_eq!(
        server.review(&review("cron-pinned", &pinned, "CREATE"))["allowed"],
        true
    );

    // Already pinned references are verified as they are and left alone.
    let repo = app.trim_end_matches(":1");
    for image in [format!("{repo}@{digest}"), format!("{app}@{digest}")] {
        let r = server.post("/mutate", &review("pinned", &pod_running(&image), "CREATE"));
        assert_eq!(r["allowed"], true, "{r}");
        assert!(r.get("patch").is_none(), "{r}");
    }

    // An unsigned image: no patch, and the mutating webhook refuses it.
    let r = server.post(
        "/mutate",
        &review("unsigned", &pod_running(&unsigned), "CREATE"),
    );
    assert_eq!(r["allowed"], false, "{r}");
    assert!(r.get("patch").is_none(), "{r}");
    assert!(
        r["status"]["message"].as_str().unwrap().contains(&format!(
            "[image-signature] {unsigned} (spec.containers[0].image)"
        )),
        "{r}"
    );

    // The tag is re-pushed to another (unsigned) image: within --verify-cache-ttl the answer is the digest that
    // was verified, not what the tag names now.
    signing.push("bookworm-app-mini.docker.tar", "app:1");
    let moved = signing.digest(&app);
    assert_ne!(moved, digest);
    let r = server.post("/mutate", &review("moved", &pod_running(&app), "CREATE"));
    assert_eq!(r["allowed"], true, "{r}");
    assert_eq!(
        patch_of(&r)[0]["value"],
        format!("{app}@{digest}"),
        "the verified digest, not {moved}"
    );
    let m = metrics();
    assert!(m.contains("bulwark_admission_patched_total 7\n"), "{m}");
    assert!(
        m.contains("bulwark_admission_decisions_total{webhook=\"mutate\",policy=\"bundle\",outcome=\"denied\"} 1\n"),
        "{m}"
    );
    drop(server);

    // A server with a fresh cache resolves the tag again: the new digest is unsigned, refused.
    let dir2 = tempfile::tempdir().unwrap();
    let server = Server::start(dir2.path(), &["--verify-key", &public, "--mutate"]);
    let r = server.post("/mutate", &review("moved-2", &pod_running(&app), "CREATE"));
    assert_eq!(r["allowed"], false, "{r}");
    assert!(r.get("patch").is_none(), "{r}");
    drop(server);

    // --verify-mode warn: admitted with a warning and without a patch.
    let dir3 = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir3.path(),
        &["--verify-key", &public, "--mutate", "--verify-mode", "warn"],
    );
    for path in ["/mutate", "/validate"] {
        let r = server.post(path, &review("warned", &pod_running(&unsigned), "CREATE"));
        assert_eq!(r["allowed"], true, "{path}: {r}");
        assert!(r.get("patch").is_none(), "{path}: {r}");
        assert!(
            r["warnings"][0]
                .as_str()
                .unwrap()
                .starts_with(&format!("[image-signature] {unsigned}")),
            "{path}: {r}"
        );
    }
}

/// A CONNECT review as the API server sends it for `kubectl exec|attach|port-forward` (admission.k8s.io/v1:
/// `kind` is the options kind, `resource` is pods with `subResource`, `object` is the options object).
fn connect(uid: &str, sub: &str, ns: &str, groups: &[&str]) -> Value {
    let (kind, object) = match sub {
        "exec" => (
            "PodExecOptions",
            json!({"kind": "PodExecOptions", "apiVersion": "v1", "stdin": true, "stdout": true, "tty": true,
                "container": "web", "command": ["sh"]}),
        ),
        "attach" => (
            "PodAttachOptions",
            json!({"kind": "PodAttachOptions", "apiVersion": "v1", "stdin": true, "stdout": true, "tty": true,
                "container": "web"}),
        ),
        _ => (
            "PodPortForwardOptions",
            json!({"kind": "PodPortForwardOptions", "apiVersion": "v1", "ports": [8080]}),
        ),
    };
    let gvk = json!({"group": "", "version": "v1", "kind": kind});
    let gvr = json!({"group": "", "version": "v1", "resource": "pods"});
    json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": gvk, "requestKind": gvk,
            "resource": gvr, "requestResource": gvr,
            "subResource": sub, "requestSubResource": sub,
            "name": "web",
            "namespace": ns,
            "operation": "CONNECT",
            "userInfo": {"username": "alice", "groups": groups},
            "object": object,
            "oldObject": null,
            "dryRun": false,
            "options": null,
        }
    })
}

#[test]
fn exec_attach_and_port_forward_are_refused_when_asked() {
    // Without --deny-connect, CONNECT requests are admitted (and there is no /mutate).
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    for sub in ["exec", "attach", "portforward"] {
        let r = server.review(&connect(sub, sub, "shop", &["dev"]));
        assert_eq!(r["allowed"], true, "{sub}: {r}");
    }
    assert_eq!(server.curl("POST", "/mutate", Some(b"{}")).0, 404);
    drop(server);

    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        &[
            "--deny-connect",
            "exec",
            "--deny-connect",
            "portforward",
            "--connect-allow-group",
            "sre",
        ],
    );
    let r = server.review(&connect("e", "exec", "shop", &["dev"]));
    assert_eq!(r["allowed"], false, "{r}");
    assert_eq!(r["status"]["code"], 403);
    let message = r["status"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("PodExecOptions shop/web was refused by policy bundle"),
        "{message}"
    );
    assert!(
        message.contains("[deny-pods-exec] alice may not exec into pod shop/web (pods/exec)"),
        "{message}"
    );
    assert!(message.contains("sre"), "{message}");
    assert_eq!(
        audit_lines(&server, "e")[0]["reasons"],
        json!(["deny-pods-exec"])
    );
    let r = server.review(&connect("p", "portforward", "shop", &["dev"]));
    assert_eq!(r["allowed"], false, "{r}");
    assert!(
        r["status"]["message"]
            .as_str()
            .unwrap()
            .contains("[deny-pods-portforward]")
    );
    // attach was not asked for; the break-glass group may exec; kube-system is exempt.
    assert_eq!(
        server.review(&connect("a", "attach", "shop", &["dev"]))["allowed"],
        true
    );
    assert_eq!(
        server.review(&connect("g", "exec", "shop", &["dev", "sre"]))["allowed"],
        true
    );
    assert_eq!(
        server.review(&connect("k", "exec", "kube-system", &["dev"]))["allowed"],
        true
    );
    drop(server);

    // Scoped to namespaces; in warn mode a refusal becomes a warning.
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        &[
            "--deny-connect",
            "exec",
            "--connect-namespace",
            "prod",
            "--mode",
            "warn",
        ],
    );
    let r = server.review(&connect("s", "exec", "shop", &[]));
    assert_eq!(r["allowed"], true, "{r}");
    assert!(r.get("warnings").is_none(), "{r}");
    let r = server.review(&connect("w", "exec", "prod", &[]));
    assert_eq!(r["allowed"], true, "{r}");
    assert!(
        r["warnings"][0]
            .as_str()
            .unwrap()
            .starts_with("[deny-pods-exec]"),
        "{r}"
    );
}

#[test]
fn rules_at_info_are_audited_only() {
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("info-bundle");
    std::fs::create_dir_all(&b).unwrap();
    std::fs::write(
        b.join("rules.yaml"),
        RULES.replace("stages: {deploy: fail}", "stages: {deploy: info}"),
    )
    .unwrap();
    let certs = dir.path().join("certs");
    let args: Vec<std::ffi::OsString> = vec![
        "serve".into(),
        "--policy".into(),
        b.into(),
        "--generate-certs".into(),
        certs.clone().into(),
        "--listen".into(),
        "127.0.0.1:0".into(),
    ];
    let server = Server::with_args(&args, certs, dir.path());
    let r = server.review(&review("i", &privileged_pod("shop"), "CREATE"));
    assert_eq!(r["allowed"], true, "{r}");
    // The warn rule still warns; the info rule is not shown to the user…
    let warnings = r["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .all(|w| !w.as_str().unwrap().starts_with("[no-privileged]")),
        "{r}"
    );
    // …but it is in the audit line.
    let line = &audit_lines(&server, "i")[0];
    assert!(
        line["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("no-privileged")),
        "{line}"
    );
}

#[test]
fn a_config_file_alone_starts_the_same_server_as_the_flags() {
    let dir = tempfile::tempdir().unwrap();
    let flags = [
        "--mode",
        "warn",
        "--exempt-namespace",
        "ops",
        "--deny-connect",
        "exec",
        "--deadline",
        "3s",
    ];
    let by_flags = Server::start(dir.path(), &flags);
    let certs = dir.path().join("certs-config");
    let config = dir.path().join("serve.yaml");
    std::fs::write(
        &config,
        format!(
            "serve:\n  policy: {}\n  generate-certs: {}\n  listen: 127.0.0.1:0\n  mode: warn\n  \
             exempt-namespace: [ops]\n  deny-connect: [exec]\n  deadline: 3s\n",
            dir.path().join("bundle").display(),
            certs.display()
        ),
    )
    .unwrap();
    let by_file = Server::with_args(
        &["serve".into(), "--config".into(), config.clone().into()],
        certs,
        dir.path(),
    );
    let reviews = [
        review("1", &privileged_pod("shop"), "CREATE"),
        review("2", &privileged_pod("ops"), "CREATE"),
        review("3", &deployment(&json!({"app": "api"})), "CREATE"),
        connect("4", "exec", "shop", &[]),
    ];
    for r in &reviews {
        let a = by_flags.review(r);
        let b = by_file.review(r);
        assert_eq!(a, b);
        assert_eq!(a["allowed"], true, "{a}");
    }
    // Warn mode and the exec refusal came from the file.
    assert!(
        by_file.review(&reviews[3])["warnings"][0]
            .as_str()
            .unwrap()
            .starts_with("[deny-pods-exec]")
    );
    drop(by_file);

    // The command line wins over the file.
    let certs = dir.path().join("certs-enforce");
    let enforce = Server::with_args(
        &[
            "serve".into(),
            "--config".into(),
            config.clone().into(),
            "--mode".into(),
            "enforce".into(),
            "--generate-certs".into(),
            certs.clone().into(),
        ],
        certs,
        dir.path(),
    );
    assert_eq!(enforce.review(&reviews[0])["allowed"], false);
    drop(enforce);

    // An unknown key is an error naming the key and the file; nothing starts.
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "serve:\n  policy: x\n  deny-exec: true\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["serve", "--config"])
        .arg(&bad)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.yaml") && stderr.contains("deny-exec"),
        "{stderr}"
    );
    // `mutate` without a verify key is refused whether it comes from the file or the command line.
    let lone = dir.path().join("lone.yaml");
    std::fs::write(
        &lone,
        format!(
            "serve:\n  policy: {}\n  generate-certs: {}\n  mutate: true\n",
            dir.path().join("bundle").display(),
            dir.path().join("certs-lone").display()
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(&lone)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--verify-key"), "{stderr}");
    let out = common::bulwark(&["serve", "--policy", "x", "--mutate"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--verify-key"), "{stderr}");
}

#[test]
fn sigterm_drains_a_request_in_flight_and_exits_zero() {
    // A registry that accepts connections and never answers: the decision waits until the deadline.
    let stalled = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = stalled.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let signing_dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["keys", "generate"])
        .current_dir(signing_dir.path())
        .env("BULWARK_PASSWORD", "pw")
        .output()
        .unwrap();
    assert!(out.status.success());
    let public = signing_dir.path().join("cosign.pub");
    let mut server = Server::start(
        dir.path(),
        &["--verify-key", public.to_str().unwrap(), "--deadline", "3s"],
    );
    let pod = pod_running(&format!("127.0.0.1:{port}/app:1"));
    let started = Instant::now();
    // The registry connection is held open (never answered) until the end of the test.
    let (answer, _held) = std::thread::scope(|scope| {
        let pending = scope.spawn(|| server.review(&review("slow", &pod, "CREATE")));
        // The request is in flight (its connection reached the stalled registry) when SIGTERM arrives.
        let (conn, _) = stalled.accept().unwrap();
        let status = Command::new("kill")
            .args(["-TERM", &server.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        (pending.join().unwrap(), conn)
    });
    assert_eq!(answer["allowed"], false, "{answer}");
    assert!(
        answer["status"]["message"]
            .as_str()
            .unwrap()
            .contains("no decision within 3000 ms"),
        "{answer}"
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(s) = server.child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "the server did not exit");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
    assert!(started.elapsed() < Duration::from_secs(10));
    let log = server.log.lock().unwrap().clone();
    let events: Vec<String> = log
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| Some(format!("{}:{}", v["event"].as_str()?, v["drained"])))
        .collect();
    let draining = events.iter().position(|e| e.starts_with("draining:"));
    let decided = events.iter().position(|e| e.starts_with("admission:"));
    assert!(draining.is_some() && decided > draining, "{events:?}");
    assert!(events.contains(&"stopped:true".to_owned()), "{events:?}");
}
