//! Test support: real registries started by `registry.sh`, and a loopback token server.
//!
//! Reuse from another crate's tests with
//! `#[path = "../../bulwark-registry/tests/support/mod.rs"] mod support;`
//! (paths are resolved from this file's crate folder, so they work from any `crates/*`).
#![allow(dead_code, unreachable_pub)] // each test binary uses a different part

pub mod fake;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The apt-get line CI needs for these tests.
pub const APT_INSTALL: &str =
    "apt-get update && apt-get install -y docker-registry skopeo apache2-utils openssl";

/// `crates/bulwark-registry/tests/support/registry.sh`, found from any workspace crate.
pub fn script() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let own = here.join("tests/support/registry.sh");
    if here.ends_with("bulwark-registry") && own.exists() {
        return own;
    }
    here.join("../bulwark-registry/tests/support/registry.sh")
}

/// `shared/fixtures/images` beside the repository (or `$BULWARK_FIXTURES`).
pub fn fixtures() -> PathBuf {
    std::env::var_os("BULWARK_FIXTURES").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/images"),
        PathBuf::from,
    )
}

/// Fails (never skips) when the registry tools are missing.
pub fn require_tools() {
    let out = Command::new("bash")
        .arg(script())
        .arg("check")
        .output()
        .expect("run registry.sh check");
    assert!(
        out.status.success(),
        "registry tests need docker-registry, skopeo, htpasswd and openssl ({}); install with: {APT_INSTALL}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
}

/// This test process's scratch root; the registries' watchers delete it once we exit.
pub fn scratch_root() -> PathBuf {
    std::env::temp_dir().join(format!("bulwark-registry-test-{}", std::process::id()))
}

/// A fresh, empty directory under [`scratch_root`].
pub fn temp_dir(name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = scratch_root().join(format!("{n}-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A running `docker-registry`. It is stopped on drop, and in any case when this test
/// process exits (the script watches our pid), so registries kept in statics do not leak.
#[derive(Debug)]
pub struct TestRegistry {
    pub workdir: PathBuf,
    pub port: u16,
    /// `127.0.0.1:PORT`
    pub host: String,
    /// `http://…` or `https://…`
    pub url: String,
    pub ca: Option<PathBuf>,
    pub username: Option<String>,
    pub password: Option<String>,
}

impl TestRegistry {
    /// `mode` is `plain`, `tls` or `token` (then `args` = `[realm_url]`). `storage` makes the
    /// registry serve another registry's storage root.
    pub fn start(mode: &str, workdir: &Path, args: &[&str], storage: Option<&Path>) -> Self {
        require_tools();
        let mut cmd = Command::new("bash");
        cmd.arg(script())
            .args(["start", mode])
            .arg(workdir)
            .args(args)
            .env("WATCH_PID", std::process::id().to_string())
            .env("WATCH_CLEANUP", scratch_root());
        if let Some(s) = storage {
            cmd.env("BULWARK_REGISTRY_STORAGE", s);
        }
        let out = cmd.output().expect("run registry.sh start");
        assert!(
            out.status.success(),
            "registry.sh start {mode} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let get = |key: &str| {
            stdout
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{key}=")))
                .map(str::to_owned)
        };
        let port: u16 = get("port").expect("port line").parse().unwrap();
        Self {
            workdir: workdir.to_owned(),
            port,
            host: format!("127.0.0.1:{port}"),
            url: get("url").expect("url line"),
            ca: get("ca").map(PathBuf::from),
            username: get("username"),
            password: get("password"),
        }
    }

    /// The storage root (`<workdir>/storage` unless it was shared).
    pub fn storage(&self) -> PathBuf {
        self.workdir.join("storage")
    }

    /// Pushes every fixture image (see registry.sh) with skopeo.
    pub fn push_fixtures(&self) {
        let mut cmd = Command::new("bash");
        cmd.arg(script())
            .arg("push")
            .arg(&self.workdir)
            .arg(&self.host)
            .env("BULWARK_FIXTURES", fixtures());
        if let (Some(u), Some(p)) = (&self.username, &self.password) {
            cmd.arg(format!("{u}:{p}"));
        }
        let out = cmd.output().expect("run registry.sh push");
        assert!(
            out.status.success(),
            "registry.sh push failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Access-log lines of successful GETs whose path contains `needle`, e.g. `/blobs/`.
    pub fn gets(&self, needle: &str) -> usize {
        let log = std::fs::read_to_string(self.workdir.join("registry.log")).unwrap_or_default();
        log.lines()
            .filter(|l| l.contains("\"GET /v2/") && l.contains(needle) && l.contains("\" 200 "))
            .count()
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(script())
            .arg("stop")
            .arg(&self.workdir)
            .status();
    }
}

/// A loopback token endpoint for a `token` registry: it answers
/// `GET /token?service=…&scope=…` with a JWT made by `registry.sh token`, after checking the
/// basic credentials when some are required.
pub struct TokenServer {
    pub url: String,
    pub requests: Arc<AtomicUsize>,
}

impl TokenServer {
    /// Binds now (so the URL can go into the registry config); tokens are signed with the key
    /// that `registry.sh start token <workdir>` writes.
    pub fn start(workdir: &Path, basic: Option<(&str, &str)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/token", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&requests);
        let workdir = workdir.to_owned();
        let expected_auth =
            basic.map(|(u, p)| format!("Basic {}", base64(format!("{u}:{p}").as_bytes())));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                counter.fetch_add(1, Ordering::Relaxed);
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                let _ = reader.read_line(&mut request_line);
                let mut authorization = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                        break;
                    }
                    if let Some((k, v)) = line.split_once(':')
                        && k.eq_ignore_ascii_case("authorization")
                    {
                        authorization = Some(v.trim().to_owned());
                    }
                }
                let target = request_line.split_whitespace().nth(1).unwrap_or("");
                let scope = target
                    .split_once('?')
                    .map_or("", |(_, q)| q)
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("scope="))
                    .map(percent_decode)
                    .unwrap_or_default();
                let (status, body) = if expected_auth.is_some() && authorization != expected_auth {
                    (
                        "401 Unauthorized",
                        r#"{"details":"bad credentials"}"#.to_owned(),
                    )
                } else {
                    let out = Command::new("bash")
                        .arg(script())
                        .arg("token")
                        .arg(&workdir)
                        .arg(&scope)
                        .output()
                        .unwrap();
                    let token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
                    (
                        "200 OK",
                        format!(r#"{{"token":"{token}","expires_in":300}}"#),
                    )
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Self { url, requests }
    }
}

/// Standard base64 with padding (kept here so the support code needs only std).
pub fn base64(input: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(h) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(h);
            i += 3;
        } else {
            out.push(if b[i] == b'+' { b' ' } else { b[i] });
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
