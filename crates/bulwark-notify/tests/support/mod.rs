//! Real local receivers for the delivery tests: an HTTP sink (std `TcpListener` on 127.0.0.1:0) that records
//! every request and answers scripted replies, and an SMTP server (PyPI `aiosmtpd`, a subprocess) that writes
//! every message it accepts to a directory. Both stop on Drop, also when a test panics.

#![allow(dead_code, unreachable_pub)]

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bulwark_notify::{Event, EventKind, ImageRef, LayerInfo, PackageRef, Placement};
use bulwark_types::Severity;

/// One scripted answer.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Never answer: hold the connection open until the sink stops.
    pub stall: bool,
}

impl Reply {
    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: vec![],
            body: String::new(),
            stall: false,
        }
    }
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string(),
            stall: false,
        }
    }
    pub fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.into(), v.into()));
        self
    }
    pub fn body(mut self, b: &str) -> Self {
        self.body = b.into();
        self
    }
    pub fn stall() -> Self {
        Self {
            status: 0,
            headers: vec![],
            body: String::new(),
            stall: true,
        }
    }
}

/// One recorded request.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    /// Names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
    /// A query parameter, percent-decoded.
    pub fn query(&self, key: &str) -> Option<String> {
        let q = self.target.split_once('?')?.1;
        q.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == key).then(|| percent_decode(v))
        })
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let h = u8::from_str_radix(&s[i + 1..i + 3], 16).expect("hex escape");
            out.push(h);
            i += 3;
        } else if b[i] == b'+' {
            out.push(b' ');
            i += 1;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("utf-8 query")
}

struct Route {
    method: String,
    prefix: String,
    replies: VecDeque<Reply>,
}

#[derive(Default)]
struct State {
    requests: Vec<Recorded>,
    routes: Vec<Route>,
}

/// An HTTP/1.1 server on 127.0.0.1:0. Unscripted requests get `200 {}`.
pub struct HttpSink {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl HttpSink {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (state.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let mut workers = Vec::new();
            while !sp.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((conn, _)) => {
                        let (st, sp) = (st.clone(), sp.clone());
                        workers.push(std::thread::spawn(move || serve(conn, &st, &sp)));
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(_) => break,
                }
            }
            for w in workers {
                let _ = w.join();
            }
        });
        Self {
            addr,
            state,
            stop,
            thread: Some(thread),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Answers requests of `method` whose path starts with `prefix` with `replies`, in order; once they are
    /// used up, `200 {}`.
    pub fn script(&self, method: &str, prefix: &str, replies: Vec<Reply>) {
        self.state.lock().unwrap().routes.push(Route {
            method: method.into(),
            prefix: prefix.into(),
            replies: replies.into(),
        });
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().requests.clone()
    }
}

impl Drop for HttpSink {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 16 * 1024 * 1024;

fn serve(conn: TcpStream, state: &Mutex<State>, stop: &AtomicBool) {
    conn.set_nonblocking(false).ok();
    conn.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let mut reader = BufReader::new(conn.try_clone().expect("clone"));
    let mut head = Vec::new();
    loop {
        let mut line = Vec::new();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        head.extend_from_slice(&line);
        assert!(head.len() <= MAX_HEAD, "request head too large");
        if line == b"\r\n" {
            break;
        }
    }
    let head = String::from_utf8(head).expect("utf-8 head");
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap().split(' ');
    let method = first.next().unwrap().to_owned();
    let target = first.next().unwrap().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .map_or(0, |(_, v)| v.parse().expect("content-length"));
    assert!(len <= MAX_BODY);
    assert!(
        !headers.iter().any(|(k, _)| k == "transfer-encoding"),
        "the sink reads Content-Length bodies only"
    );
    let mut body = vec![0; len];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let reply = {
        let mut st = state.lock().unwrap();
        st.requests.push(Recorded {
            method: method.clone(),
            target: target.clone(),
            headers,
            body,
        });
        st.routes
            .iter_mut()
            .find(|r| r.method == method && target.starts_with(&r.prefix) && !r.replies.is_empty())
            .and_then(|r| r.replies.pop_front())
            .unwrap_or_else(|| Reply::json(200, &serde_json::json!({})))
    };
    let mut conn = conn;
    if reply.stall {
        let until = Instant::now() + Duration::from_mins(1);
        while !stop.load(Ordering::SeqCst) && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20));
        }
        return;
    }
    let mut out = format!(
        "HTTP/1.1 {} X\r\ncontent-length: {}\r\nconnection: close\r\n",
        reply.status,
        reply.body.len()
    );
    for (k, v) in &reply.headers {
        let _ = write!(out, "{k}: {v}\r\n");
    }
    out.push_str("\r\n");
    out.push_str(&reply.body);
    let _ = conn.write_all(out.as_bytes());
    let _ = conn.flush();
}

/// Runs `python3 <script> <args>`; fails (never skips) when python3 or the module is missing.
pub fn python3() -> Command {
    let ok = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(ok, "python3 is missing: run .ci/install-deps.sh");
    Command::new("python3")
}

/// This directory, also when another crate's tests include this module (`#[path]`; crates are siblings).
fn support_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../bulwark-notify/tests/support")
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../bulwark-notify/tests/fixtures")
        .join(name)
}

/// Validates each of `instances` against the JSON Schema at `schema` with python's `jsonschema` (one process
/// for all); per instance, `Err(messages)` when invalid.
pub fn jsonschema_validate(
    schema: &Path,
    instances: &[serde_json::Value],
) -> Vec<Result<(), String>> {
    let mut child = python3()
        .arg(support_dir().join("validate.py"))
        .arg(schema)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn python3");
    let input = serde_json::Value::Array(instances.to_vec()).to_string();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("ModuleNotFoundError"),
        "python3 jsonschema is missing: run .ci/install-deps.sh ({stderr})"
    );
    assert!(out.status.success(), "validate.py failed: {stderr}");
    let results: Vec<Vec<String>> =
        serde_json::from_slice(&out.stdout).expect("validate.py output");
    assert_eq!(results.len(), instances.len());
    results
        .into_iter()
        .map(|errs| {
            if errs.is_empty() {
                Ok(())
            } else {
                Err(errs.join("; "))
            }
        })
        .collect()
}

/// An aiosmtpd server on 127.0.0.1 (a port the OS picked), STARTTLS offered and required when `tls` holds a
/// certificate and key; every accepted message becomes `<dir>/msg-<n>.json`.
pub struct SmtpSink {
    child: Child,
    /// Held open: the server stops at EOF, so it cannot outlive a test process that was killed.
    _stdin: std::process::ChildStdin,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl SmtpSink {
    pub fn start(tls: Option<(&Path, &Path)>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = python3();
        cmd.arg(support_dir().join("smtp_sink.py"))
            .arg("--dir")
            .arg(dir.path());
        if let Some((cert, key)) = tls {
            cmd.arg("--tls-cert").arg(cert).arg("--tls-key").arg(key);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn python3");
        let stdin = child.stdin.take().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let Some(port) = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
        else {
            let _ = child.kill();
            let mut err = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            assert!(
                !err.contains("ModuleNotFoundError"),
                "PyPI aiosmtpd is missing: run .ci/install-deps.sh ({err})"
            );
            panic!("smtp_sink.py did not start: {line:?} {err}");
        };
        Self {
            child,
            _stdin: stdin,
            port,
            dir,
        }
    }

    /// The messages received so far, in arrival order.
    pub fn messages(&self) -> Vec<serde_json::Value> {
        let mut files: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap())
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A CA and a serving certificate for `localhost` and 127.0.0.1, as PEM files in `dir`: (ca, cert, key).
pub fn tls_files(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.distinguished_name
        .push(DnType::CommonName, "bulwark-notify test CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let leaf =
        CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    let cert = leaf
        .signed_by(&key, &Issuer::from_params(&ca, &ca_key))
        .unwrap();
    let paths = (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    );
    std::fs::write(&paths.0, ca_cert.pem()).unwrap();
    std::fs::write(&paths.1, cert.pem()).unwrap();
    std::fs::write(&paths.2, key.serialize_pem()).unwrap();
    paths
}

/// A realistic event: a Debian openssl CVE in the base layer of the payments image.
pub fn event(team: &str, kind: EventKind, vuln: &str, severity: Severity, digest: &str) -> Event {
    Event {
        kind,
        vulnerability: vuln.into(),
        severity,
        package: PackageRef {
            name: "openssl".into(),
            version: "3.0.11-1~deb12u2".into(),
            purl: "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12".into(),
        },
        fixed_version: Some("3.0.13-1~deb12u1".into()),
        image: ImageRef {
            reference: "registry.example/shop/payments:1.4".into(),
            digest: digest.into(),
        },
        layer: Some(LayerInfo {
            index: 0,
            digest: "sha256:5d0aeceef7eeb8f4a6e4b7b9c3e2a1d0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4"
                .into(),
            created_by: Some("/bin/sh -c #(nop) ADD file:6f2b… in / ".into()),
        }),
        placements: vec![
            Placement {
                cluster: Some("eu1".into()),
                environment: Some("production".into()),
                namespace: Some("payments".into()),
                workload_kind: Some("Deployment".into()),
                workload_name: Some("api".into()),
                container: Some("app".into()),
            },
            Placement {
                cluster: Some("eu1".into()),
                environment: Some("staging".into()),
                namespace: Some("payments-staging".into()),
                workload_kind: Some("Deployment".into()),
                workload_name: Some("api".into()),
                container: Some("app".into()),
            },
        ],
        team: team.into(),
        rule: "base image debian:12 by layer digest (owners.yaml:7)".into(),
        time: 1_796_000_000,
    }
}
