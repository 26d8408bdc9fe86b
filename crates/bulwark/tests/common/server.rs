//! One harness for the tests that run `bulwark serve` as a process (serve_cli.rs, admission_conformance.rs,
//! chart.rs, api.rs, serve_feeds.rs, serve_inventory.rs): start it on 127.0.0.1:0, read the listening address
//! from its JSON log, speak to it over TLS (`curl`, or a rustls client for raw bytes), and stop it when the test
//! ends, even on panic (Drop: [`stop`], SIGTERM, then SIGKILL after 10 s; dast_sites.rs stops its servers with
//! it too). [`Server::with_store`] is the run stage's start-up (`serve --store`), [`review`] an AdmissionReview as
//! the API server sends it.

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The policy bundle of the run-stage tests: privileged pods are denied at deploy, everything else allowed.
pub const DENY_PRIVILEGED: &str = "apiVersion: policy.bulwark.dev/v1
kind: PolicySet
metadata: {name: run}
rules:
  - id: no-privileged
    stages: {deploy: fail}
    kubernetes: {ids: [BW-K8S-0002]}
";

/// One `bulwark serve` process.
pub struct Server {
    pub child: Child,
    pub port: u16,
    /// The directory of the served certificates; `curl` trusts its `ca.crt`.
    pub certs: PathBuf,
    /// Every line the server wrote to stderr so far (read by another thread).
    pub log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// `bulwark ARGS` in `cwd` with `POD_NAMESPACE`, `BULWARK_CONFIG` and `BULWARK_NOW` removed from the
    /// environment: the command [`Server::spawn`] takes, to which a test adds its own environment.
    pub fn command(args: &[std::ffi::OsString], cwd: &Path) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bulwark"));
        cmd.args(args)
            .current_dir(cwd)
            .env_remove("POD_NAMESPACE")
            .env_remove("BULWARK_CONFIG")
            .env_remove("BULWARK_NOW");
        cmd
    }

    /// Starts a prepared `bulwark serve` command (stdout discarded, stderr read as the JSON log) and waits up to
    /// a minute for its `{"event":"listening"}` line; a server that exits first fails the test with its log.
    pub fn spawn(mut cmd: Command, certs: PathBuf) -> Self {
        let what = format!("{cmd:?}");
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start bulwark serve");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<Value>(&line)
                    && v["event"] == "listening"
                {
                    let _ = tx.send(Some(v["address"].as_str().unwrap_or_default().to_owned()));
                }
                sink.lock().unwrap().push(line);
            }
            let _ = tx.send(None);
        });
        let addr = match rx.recv_timeout(Duration::from_mins(1)) {
            Ok(Some(addr)) => addr,
            Ok(None) => {
                let _ = child.wait();
                panic!(
                    "the server exited before listening ({what}):\n{}",
                    log.lock().unwrap().join("\n")
                )
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "the server did not start within a minute ({what}): {:?}",
                    log.lock().unwrap()
                )
            }
        };
        let port = addr.rsplit(':').next().unwrap().parse().unwrap();
        Self {
            child,
            port,
            certs,
            log,
        }
    }

    /// `bulwark serve --policy DIR/bundle --generate-certs DIR/CERTS --listen 127.0.0.1:0 --store STORE EXTRA…`
    /// run in `dir`, the bundle being [`DENY_PRIVILEGED`], with no Kubernetes or store settings taken from the
    /// test's environment (`KUBECONFIG`, `KUBERNETES_SERVICE_*`, `BULWARK_STORE`): the command, and the
    /// certificate directory [`Server::spawn`] takes with it.
    pub fn store_command(
        dir: &Path,
        certs: &str,
        store: &str,
        extra: &[&str],
    ) -> (Command, PathBuf) {
        let bundle = dir.join("bundle");
        std::fs::create_dir_all(&bundle).unwrap();
        std::fs::write(bundle.join("rules.yaml"), DENY_PRIVILEGED).unwrap();
        let certs = dir.join(certs);
        let mut args: Vec<std::ffi::OsString> = vec![
            "serve".into(),
            "--policy".into(),
            bundle.into(),
            "--generate-certs".into(),
            certs.clone().into(),
            "--listen".into(),
            "127.0.0.1:0".into(),
            "--store".into(),
            store.into(),
        ];
        args.extend(extra.iter().map(Into::into));
        let mut cmd = Self::command(&args, dir);
        cmd.env_remove("KUBECONFIG")
            .env_remove("KUBERNETES_SERVICE_HOST")
            .env_remove("KUBERNETES_SERVICE_PORT")
            .env_remove("BULWARK_STORE");
        (cmd, certs)
    }

    /// [`Server::store_command`], started and listening.
    pub fn with_store(dir: &Path, certs: &str, store: &str, extra: &[&str]) -> Self {
        let (cmd, certs) = Self::store_command(dir, certs, store, extra);
        Self::spawn(cmd, certs)
    }

    /// The log lines of one event (`{"event": EVENT, …}`) so far, parsed.
    pub fn events(&self, event: &str) -> Vec<Value> {
        self.lines()
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["event"] == event)
            .collect()
    }

    /// The value of an unlabelled sample in the server's `/metrics`.
    pub fn metric(&self, name: &str) -> u64 {
        let (status, body) = self.curl("GET", "/metrics", None);
        assert_eq!(status, 200);
        let text = String::from_utf8(body).unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name} not in /metrics:\n{text}"))
            .parse()
            .unwrap()
    }

    /// Posts an AdmissionReview to the validating webhook: whether it was allowed (the answer is a 200
    /// AdmissionReview for the same uid, or the test fails).
    pub fn allowed(&self, review: &Value) -> bool {
        let (status, body) = self.curl("POST", "/validate", Some(review.to_string().as_bytes()));
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["response"]["uid"], review["request"]["uid"]);
        v["response"]["allowed"].as_bool().unwrap()
    }

    /// Whether the process is still running (not exited, not killed).
    pub fn child_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    pub fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.port)
    }

    /// A copy of the log lines so far.
    pub fn lines(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// The number of audit lines (`{"event":"admission"}`) logged, once it reaches `expected` or after 10 s.
    pub fn audited(&self, expected: usize) -> usize {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let n = self
                .log
                .lock()
                .unwrap()
                .iter()
                .filter(|l| l.contains("\"event\":\"admission\""))
                .count();
            if n >= expected || Instant::now() > deadline {
                return n;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `curl -X METHOD` with the generated CA (`certs/ca.crt`): (HTTP status, body). A curl failure (no
    /// answer) fails the test.
    pub fn curl(&self, method: &str, path: &str, body: Option<&[u8]>) -> (u16, Vec<u8>) {
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
            .expect("curl is missing: run .ci/install-deps.sh");
        {
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

    /// A TLS connection to the server from a rustls client that trusts only `certs/ca.crt`, with `timeout` on
    /// every read and write: for requests no HTTP client library would send.
    pub fn tls(
        &self,
        timeout: Duration,
    ) -> rustls::StreamOwned<rustls::ClientConnection, TcpStream> {
        let pem = std::fs::read(self.certs.join("ca.crt")).unwrap();
        let mut roots = rustls::RootCertStore::empty();
        for item in rustls::pki_types::pem::PemObject::pem_slice_iter(&pem) {
            let cert: rustls::pki_types::CertificateDer<'static> = item.unwrap();
            roots.add(cert).unwrap();
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
        let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
        let tcp = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        tcp.set_read_timeout(Some(timeout)).unwrap();
        tcp.set_write_timeout(Some(timeout)).unwrap();
        rustls::StreamOwned::new(conn, tcp)
    }
}

/// An AdmissionReview (admission.k8s.io/v1) for a CREATE of `object` as the API server sends it on behalf of
/// a controller: kind and resource from the object's apiVersion and kind, its name (none for a pod made from
/// generateName) and namespace.
pub fn review(uid: &str, object: &Value, dry_run: bool) -> Value {
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
            "operation": "CREATE",
            "userInfo": {"username": "system:serviceaccount:kube-system:replicaset-controller"},
            "object": object,
            "oldObject": null,
            "dryRun": dry_run,
        }
    })
}

/// A kubeconfig at `DIR/kubeconfig` whose current context reaches `server` (a local API server) as cluster
/// `cluster`, with a bearer token.
pub fn kubeconfig(dir: &Path, server: &str, cluster: &str, token: &str) -> PathBuf {
    let text = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: test\nclusters:\n- name: {cluster}\n  cluster:\n    server: {server}\ncontexts:\n- name: test\n  context:\n    cluster: {cluster}\n    user: me\nusers:\n- name: me\n  user:\n    token: {token}\n"
    );
    let p = dir.join("kubeconfig");
    std::fs::write(&p, text).unwrap();
    p
}

impl Drop for Server {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// Stops a child process of a test, as every guard here does on drop: SIGTERM (a server takes its workers and
/// children along), then SIGKILL after 10 s. A child already reaped (a test killed it) is left alone: its pid
/// may belong to another process now.
pub fn stop(child: &mut Child) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[path = "../../../bulwark-policy/tests/support/kubelet.rs"]
mod kubelet;
#[cfg(unix)]
#[allow(unused_imports)] // not every test binary that includes `common` projects a volume
pub use kubelet::kubelet_project;

/// `bulwark policy eval`'s verdict as the webhook's `bulwark.dev/verdict` annotation projects it.
pub fn verdict_projection(verdict: &Value) -> Value {
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
