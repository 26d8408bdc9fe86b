//! Test support shared by bulwark-tuf's tests and the CLI tests (`crates/bulwark/tests/tuf_cli.rs` includes
//! this file): a TUF repository published by python-tuf (`tuf_repo.py`), served over HTTP on 127.0.0.1 by a
//! small static file server.
#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The publisher script.
pub fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../bulwark-tuf/tests/support/tuf_repo.py")
}

/// Fails (never skips) when python-tuf is missing.
pub fn require_python_tuf() {
    let ok = Command::new("python3")
        .args([
            "-c",
            "import tuf, securesystemslib; assert tuf.__version__ == '7.0.1', tuf.__version__",
        ])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "python3 with tuf==7.0.1 and securesystemslib[crypto]==1.6.0 is required: run .ci/install-deps.sh"
    );
}

/// A python-tuf repository in a temporary directory.
pub struct Repo {
    pub dir: tempfile::TempDir,
}

impl Repo {
    /// `tuf_repo.py init` with `name=content` targets (written to files first) and `role=pattern` delegations.
    pub fn init(targets: &[(&str, &[u8])], delegate: &[&str]) -> Self {
        require_python_tuf();
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = Self { dir };
        let mut args = vec!["init".to_owned(), repo.state().display().to_string()];
        for (name, content) in targets {
            args.push("--target".into());
            args.push(format!(
                "{name}={}",
                repo.content_file(name, content).display()
            ));
        }
        for d in delegate {
            args.push("--delegate".into());
            args.push((*d).to_owned());
        }
        repo.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        repo
    }

    pub fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// The directory served: `metadata/` and `targets/`.
    pub fn served(&self) -> PathBuf {
        self.state().join("repo")
    }

    pub fn metadata(&self, name: &str) -> PathBuf {
        self.served().join("metadata").join(name)
    }

    /// The root.json to bootstrap from (version 1).
    pub fn root(&self) -> PathBuf {
        self.state().join("root.json")
    }

    fn content_file(&self, name: &str, content: &[u8]) -> PathBuf {
        let p = self.dir.path().join("content").join(format!(
            "{}-{}",
            name.replace('/', "_"),
            content.len()
        ));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
        p
    }

    /// Runs a `tuf_repo.py` command (the state directory is added after the command name).
    pub fn cmd(&self, command: &str, args: &[&str]) {
        let state = self.state().display().to_string();
        let mut all = vec![command, state.as_str()];
        all.extend_from_slice(args);
        self.run(&all);
    }

    /// `publish` with new contents for targets.
    pub fn publish(&self, targets: &[(&str, &[u8])]) {
        let specs: Vec<String> = targets
            .iter()
            .map(|(n, c)| format!("--target={n}={}", self.content_file(n, c).display()))
            .collect();
        self.cmd(
            "publish",
            &specs.iter().map(String::as_str).collect::<Vec<_>>(),
        );
    }

    #[allow(clippy::unused_self)] // Keeps the repository alive while its script runs.
    fn run(&self, args: &[&str]) {
        let out = Command::new("python3")
            .arg(script())
            .args(args)
            .output()
            .expect("run python3");
        assert!(
            out.status.success(),
            "tuf_repo.py {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The path of the published target file `name` as the latest metadata lists it (`HASH.NAME`).
    pub fn target_file(&self, name: &str) -> PathBuf {
        for e in std::fs::read_dir(self.state().join("current")).unwrap() {
            let bytes = std::fs::read(e.unwrap().path()).unwrap();
            let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            if let Some(h) = v["signed"]["targets"][name]["hashes"]["sha256"].as_str() {
                let (dir, base) = name.rsplit_once('/').unwrap_or(("", name));
                return self
                    .served()
                    .join("targets")
                    .join(dir)
                    .join(format!("{h}.{base}"));
            }
        }
        panic!("no target {name} in the current metadata")
    }
}

/// A static file server on 127.0.0.1 for a directory (GET only; 404 for anything missing).
pub struct Server {
    pub port: u16,
}

impl Server {
    pub fn start(root: &Path) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().unwrap().port();
        let root = root.to_owned();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let root = root.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut line = String::new();
                    if reader.read_line(&mut line).is_err() {
                        return;
                    }
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
                            break;
                        }
                    }
                    let path = line.split_whitespace().nth(1).unwrap_or("/");
                    let rel = path.trim_start_matches('/');
                    let file = (!rel.split('/').any(|c| c == "..")).then(|| root.join(rel));
                    let resp = match file.and_then(|f| std::fs::read(f).ok()) {
                        Some(body) => {
                            let mut r = format!(
                                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                                body.len()
                            )
                            .into_bytes();
                            r.extend_from_slice(&body);
                            r
                        }
                        None => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
                    };
                    let _ = stream.write_all(&resp);
                });
            }
        });
        Self { port }
    }

    /// `tuf+http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("tuf+http://127.0.0.1:{}", self.port)
    }
}

/// python-tuf's own client (`ngclient.py`) on the same repository: the downloaded target, or python-tuf's
/// error (`ExceptionClass: message`). Its trusted metadata lives in `cache`.
pub fn python_client(
    server: &Server,
    root: &Path,
    cache: &Path,
    target: &str,
) -> Result<Vec<u8>, String> {
    let out = cache.join("python-target.out");
    let _ = std::fs::remove_file(&out);
    let base = format!("http://127.0.0.1:{}", server.port);
    let o = Command::new("python3")
        .arg(script().with_file_name("ngclient.py"))
        .arg(format!("{base}/metadata"))
        .arg(format!("{base}/targets"))
        .arg(root)
        .arg(cache)
        .arg(target)
        .arg(&out)
        .output()
        .expect("run python3");
    match o.status.code() {
        Some(0) => Ok(std::fs::read(&out).expect("python-tuf's download")),
        Some(1) => Err(String::from_utf8_lossy(&o.stdout).trim().to_owned()),
        _ => panic!("ngclient.py: {}", String::from_utf8_lossy(&o.stderr)),
    }
}
