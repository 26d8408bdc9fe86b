//! Red-team regressions for the vulnerability DB, named files and registry pulls (`../shared/redteam/README.md`
//! cases #10, #14, #20 and #21): each input is small and made here, each run has a deadline (a hang fails the
//! test instead of stalling CI), and the whole file passes under `prlimit --as=1G`. Servers are std
//! `TcpListener`s on 127.0.0.1 (and python3's `ssl` for the TLS case); DBs are built by `bulwark db build` and
//! altered with python3's `sqlite3`, as the red team's generator did.

mod common;

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Runs bulwark with a deadline and extra environment; a run still going then is killed and fails the test.
fn run_env(args: &[&str], dir: &Path, env: &[(&str, &str)], deadline: Duration) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bulwark"));
    cmd.args(args)
        .current_dir(dir)
        // No Docker credentials, DB or cache from the machine running the tests.
        .env("HOME", dir)
        .env_remove("DOCKER_CONFIG")
        .env_remove("BULWARK_DB")
        .env_remove("XDG_CACHE_HOME")
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .stdin(Stdio::null());
    common::output_within(cmd, deadline)
}

fn run(args: &[&str], dir: &Path, deadline: Duration) -> Output {
    run_env(args, dir, &[], deadline)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap().success();
    assert!(ok, "mkfifo {}", path.display());
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn vulndb_testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../bulwark-vulndb/testdata")
}

/// A small real DB (the npm OSV test feed), built by the binary under test.
fn small_db(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let feed = vulndb_testdata().join("osv-npm");
    let out = run(
        &[
            "db",
            "build",
            "-q",
            "-o",
            path.to_str().unwrap(),
            "--osv",
            feed.to_str().unwrap(),
        ],
        dir,
        Duration::from_mins(1),
    );
    assert!(out.status.success(), "db build: {}", stderr(&out));
    path
}

/// The red team's `gen_poison.py`: `affected` becomes a view over an endless recursive CTE.
fn poison(src: &Path, dst: &Path) {
    std::fs::copy(src, dst).unwrap();
    let script = "import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.executescript('''
DROP INDEX IF EXISTS affected_by_package;
ALTER TABLE affected RENAME TO affected_real;
CREATE VIEW affected(namespace, package, vuln_id, data) AS
  SELECT namespace, package, vuln_id, data FROM affected_real
  WHERE (WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT max(n) FROM r) > 0;
VACUUM;
''')
c.close()";
    let ok = Command::new("python3")
        .args(["-c", script, dst.to_str().unwrap()])
        .status()
        .expect("python3")
        .success();
    assert!(ok, "python3 sqlite3");
}

const SBOM: &str = r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[
  {"type":"library","name":"lodash","version":"4.17.20","purl":"pkg:npm/lodash@4.17.20"}]}"#;

/// A tiny HTTP/1.1 server on 127.0.0.1; `handle(path, stream)` answers each request on its own thread.
fn serve(handle: impl Fn(&str, &mut TcpStream) + Send + Sync + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let host = listener.local_addr().unwrap().to_string();
    let handle = Arc::new(handle);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let handle = Arc::clone(&handle);
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                let _ = reader.read_line(&mut line);
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                        break;
                    }
                }
                let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
                handle(&path, &mut stream);
            });
        }
    });
    host
}

fn respond(stream: &mut TcpStream, status: &str, headers: &[(&str, &str)], body: &[u8]) {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        let _ = write!(head, "{k}: {v}\r\n");
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
}

/// Serves files by path (`/name` → bytes), 404 otherwise.
fn serve_files(files: Vec<(String, Vec<u8>)>) -> String {
    serve(
        move |path, stream| match files.iter().find(|(p, _)| p == path) {
            Some((_, body)) => respond(stream, "200 OK", &[], body),
            None => respond(stream, "404 Not Found", &[], b""),
        },
    )
}

/// Files in `dir` whose names start with a dot (temporary files).
fn dot_files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    v.sort();
    v
}

/// #14: `db update --url` from a server that also serves the `.sha256` sidecar installed a DB whose `affected`
/// table was an endless view, and every later scan hung. Now the update is refused (old DB kept), and the same
/// file given as `--db` is refused at once.
#[test]
fn db_with_a_view_is_refused_by_update_and_by_scans() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = small_db(d, "good.db");
    let bad = d.join("poison.db");
    poison(&good, &bad);
    let body = std::fs::read(&bad).unwrap();
    let host = serve_files(vec![
        ("/bulwark.db.sha256".into(), sha256_hex(&body).into_bytes()),
        ("/bulwark.db".into(), body),
    ]);
    let dest = d.join("cache/bulwark.db");
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    std::fs::copy(&good, &dest).unwrap();
    let before = std::fs::read(&dest).unwrap();

    let url = format!("http://{host}/bulwark.db");
    let out = run(
        &[
            "db",
            "update",
            "-q",
            "--url",
            &url,
            "--db",
            dest.to_str().unwrap(),
        ],
        d,
        Duration::from_secs(30),
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("not a usable Bulwark database")
            && err.contains("affected_real")
            && err.contains("previous database is kept"),
        "{err}"
    );
    assert!(
        !err.contains(".tmp-") && !err.contains(".download"),
        "{err}"
    );
    assert_eq!(std::fs::read(&dest).unwrap(), before);
    assert!(dot_files(dest.parent().unwrap()).is_empty());

    std::fs::write(d.join("app.cdx.json"), SBOM).unwrap();
    let out = run(
        &[
            "scan",
            "sbom",
            "app.cdx.json",
            "--db",
            "poison.db",
            "-f",
            "json",
            "-q",
        ],
        d,
        Duration::from_secs(30),
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("not a database Bulwark built"), "{err}");
    // The good DB still scans (lodash 4.17.20 has advisories in the npm test feed).
    let out = run(
        &[
            "scan",
            "sbom",
            "app.cdx.json",
            "--db",
            dest.to_str().unwrap(),
            "-f",
            "json",
            "-q",
        ],
        d,
        Duration::from_secs(30),
    );
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("lodash"));
}

/// #14: a 10 MiB gzip of zeros was inflated to 10 GiB next to the DB before it was refused. Now its first
/// 100 inflated bytes are checked, and a real DB padded with zeros stops at the size its header declares.
#[test]
fn gzip_bombs_are_refused_on_the_header() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = small_db(d, "good.db");
    let dest = d.join("cache/bulwark.db");
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    std::fs::copy(&good, &dest).unwrap();

    let gz = |path: &Path, prefix: &[u8], zeros: usize| {
        let mut w = flate2::write::GzEncoder::new(
            std::fs::File::create(path).unwrap(),
            flate2::Compression::fast(),
        );
        w.write_all(prefix).unwrap();
        let chunk = vec![0u8; 1 << 20];
        for _ in 0..zeros {
            w.write_all(&chunk).unwrap();
        }
        w.finish().unwrap();
    };
    gz(&d.join("zeros.db.gz"), b"", 128);
    gz(&d.join("padded.db.gz"), &std::fs::read(&good).unwrap(), 128);
    for (file, says) in [
        ("zeros.db.gz", "not a SQLite database"),
        ("padded.db.gz", "inflates past"),
    ] {
        let out = run(
            &[
                "db",
                "update",
                "-q",
                "--url",
                file,
                "--db",
                dest.to_str().unwrap(),
            ],
            d,
            Duration::from_secs(30),
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{file}: {err}");
        assert!(err.contains(says), "{file}: {err}");
        assert_eq!(std::fs::read(&dest).unwrap(), std::fs::read(&good).unwrap());
        assert!(dot_files(dest.parent().unwrap()).is_empty(), "{file}");
    }
}

/// #21: a `kill -9` mid-update left a fixed-name `.bulwark.db.download` (2 GB in the red team's run). Temporary
/// files are now per process and locked while used; the next update removes every unlocked one.
#[test]
fn leftovers_of_a_killed_update_are_removed_by_the_next_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = small_db(d, "good.db");
    let dest = d.join("cache/bulwark.db");
    let cache = dest.parent().unwrap();
    std::fs::create_dir_all(cache).unwrap();
    for name in [
        ".bulwark.db.download",
        ".bulwark.db.download-4000000",
        ".bulwark.db.tmp-4000001",
    ] {
        std::fs::write(cache.join(name), vec![0u8; 4096]).unwrap();
    }
    let out = run(
        &[
            "db",
            "update",
            "-q",
            "--url",
            good.to_str().unwrap(),
            "--db",
            dest.to_str().unwrap(),
        ],
        d,
        Duration::from_secs(30),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(dot_files(cache).is_empty(), "{:?}", dot_files(cache));
}

/// #20: `--db`, `scan sbom` and an OCI layout's `index.json` or blob naming a FIFO hung; `/dev/zero` read up
/// to a cap. Only regular files are opened now.
#[test]
fn named_special_files_are_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    mkfifo(&d.join("fifo.db"));
    mkfifo(&d.join("fifo.json"));
    std::fs::write(d.join("app.cdx.json"), SBOM).unwrap();
    let layout = d.join("layout");
    std::fs::create_dir(&layout).unwrap();
    std::fs::write(
        layout.join("oci-layout"),
        r#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .unwrap();
    mkfifo(&layout.join("index.json"));
    let cases: [&[&str]; 5] = [
        &[
            "scan",
            "sbom",
            "app.cdx.json",
            "--db",
            "fifo.db",
            "-q",
            "-f",
            "json",
        ],
        &[
            "scan",
            "sbom",
            "app.cdx.json",
            "--db",
            "/dev/zero",
            "-q",
            "-f",
            "json",
        ],
        &[
            "scan",
            "sbom",
            "fifo.json",
            "--no-vulns",
            "-q",
            "-f",
            "json",
        ],
        &[
            "scan",
            "sbom",
            "/dev/zero",
            "--no-vulns",
            "-q",
            "-f",
            "json",
        ],
        &["sbom", "layout", "-q", "-f", "json"],
    ];
    for args in cases {
        let out = run(args, d, Duration::from_secs(20));
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("not a regular file"), "{args:?}: {err}");
    }
}

/// A registry for `app:v1`: a valid manifest and config, and a layer handled by `layer`.
fn registry(declared: u64, layer: impl Fn(&mut TcpStream) + Send + Sync + 'static) -> String {
    let config =
        br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#;
    let cfg = format!("sha256:{}", sha256_hex(config));
    let layer_digest = format!("sha256:{}", sha256_hex(b"the layer"));
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{cfg}","size":{}}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{layer_digest}","size":{declared}}}]}}"#,
        config.len()
    );
    serve(move |path, stream| {
        if path == "/v2/" {
            respond(stream, "200 OK", &[], b"{}");
        } else if path.ends_with("/manifests/v1") {
            respond(
                stream,
                "200 OK",
                &[("Content-Type", "application/vnd.oci.image.manifest.v1+json")],
                manifest.as_bytes(),
            );
        } else if path.ends_with(&cfg) {
            respond(stream, "200 OK", &[], config);
        } else if path.ends_with(&layer_digest) {
            layer(stream);
        } else {
            respond(stream, "404 Not Found", &[], b"");
        }
    })
}

/// #10: a layer declaring 1 TiB was streamed into the cache until the disk filled (5.9 GB in 15 s), and a
/// registry sending one byte every 5 s kept a pull going forever. The declared size is now capped before the
/// download, the pull has an overall deadline, and a killed pull's temporary file goes at the next pull.
#[test]
fn hostile_registries_are_bounded_in_size_and_time() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cache = d.join("cache");
    let cache_s = cache.to_str().unwrap();

    let host = registry(1 << 40, |s| {
        let _ = s.write_all(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        );
        let chunk = vec![0u8; 1 << 16];
        let frame = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
        while s.write_all(&frame).is_ok() {}
    });
    // A previous pull killed mid-layer left this behind.
    let blobs = cache.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    std::fs::write(blobs.join(".tmp-abc-4000000-0"), vec![0u8; 4096]).unwrap();
    let t = Instant::now();
    let image = format!("{host}/app:v1");
    let out = run(
        &["sbom", &image, "-q", "-f", "json", "--cache-dir", cache_s],
        d,
        Duration::from_secs(30),
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("declares 1099511627776 bytes") && err.contains("nothing was downloaded"),
        "{err}"
    );
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    let left: Vec<_> = std::fs::read_dir(&blobs)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".tmp-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");

    // 1 MiB declared, one byte every 200 ms: stopped by BULWARK_PULL_TIMEOUT.
    let host = registry(1 << 20, |s| {
        let _ =
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\nConnection: close\r\n\r\n");
        while s.write_all(b"x").is_ok() {
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    let image = format!("{host}/app:v1");
    let t = Instant::now();
    let out = run_env(
        &["sbom", &image, "-q", "-f", "json", "--cache-dir", cache_s],
        d,
        &[("BULWARK_PULL_TIMEOUT", "3")],
        Duration::from_secs(30),
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("deadline of 3s"), "{err}");
    assert!(t.elapsed() < Duration::from_secs(15), "{:?}", t.elapsed());
    assert!(std::fs::read_dir(&blobs).unwrap().all(|e| {
        !e.unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with(".tmp-")
    }));
}

/// #14 (drip) for `db update --url`: the download has the same overall deadline as a pull.
#[test]
fn a_dripping_db_download_is_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let host = serve(|path, s| {
        if path.ends_with(".sha256") {
            respond(s, "200 OK", &[], "ab".repeat(32).as_bytes());
            return;
        }
        let _ =
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\nConnection: close\r\n\r\n");
        while s.write_all(b"x").is_ok() {
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    let url = format!("http://{host}/bulwark.db");
    let t = Instant::now();
    let out = run_env(
        &[
            "db",
            "update",
            "-q",
            "--url",
            &url,
            "--db",
            "cache/bulwark.db",
        ],
        d,
        &[("BULWARK_PULL_TIMEOUT", "3")],
        Duration::from_secs(30),
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("timed out"), "{err}");
    assert!(t.elapsed() < Duration::from_secs(15), "{:?}", t.elapsed());
    assert!(dot_files(&d.join("cache")).is_empty());
}

/// #21: errors printed their cause twice (`too many redirects: too many redirects`).
#[test]
fn a_redirect_loop_is_reported_once() {
    let dir = tempfile::tempdir().unwrap();
    let host = Arc::new(std::sync::OnceLock::<String>::new());
    let h = Arc::clone(&host);
    let bound = serve(move |path, s| {
        let to = format!("http://{}{path}", h.get().unwrap());
        respond(s, "307 Temporary Redirect", &[("Location", &to)], b"");
    });
    host.set(bound.clone()).unwrap();
    let image = format!("{bound}/app:v1");
    let cache = dir.path().join("cache");
    let out = run(
        &[
            "sbom",
            &image,
            "-q",
            "-f",
            "json",
            "--cache-dir",
            cache.to_str().unwrap(),
        ],
        dir.path(),
        Duration::from_secs(30),
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.matches("redirect").count(), 1, "{err}");
}

/// #21: a typical self-signed server certificate (`openssl req -x509`, which sets CA:TRUE) given as
/// `--ca-file` failed as `invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))`. rustls refuses a CA
/// certificate as a server certificate; the message now says so and what to do.
#[test]
fn a_ca_certificate_as_server_certificate_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ok = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ])
        .current_dir(d)
        .stderr(Stdio::null())
        .status()
        .expect("openssl")
        .success();
    assert!(ok, "openssl req");
    // A TLS server that completes handshakes and answers nothing useful: the handshake is what is tested.
    let script = "import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain('cert.pem', 'key.pem')
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    try:
        t = ctx.wrap_socket(c, server_side=True); t.recv(65536)
        t.sendall(b'HTTP/1.1 404 Not Found\\r\\nContent-Length: 0\\r\\nConnection: close\\r\\n\\r\\n'); t.close()
    except Exception:
        c.close()";
    let mut server = Command::new("python3")
        .args(["-c", script])
        .current_dir(d)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3");
    let mut port = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut port)
        .unwrap();
    let image = format!("127.0.0.1:{}/app:v1", port.trim());
    let out = run(
        &[
            "sbom",
            &image,
            "--ca-file",
            "cert.pem",
            "-q",
            "-f",
            "json",
            "--cache-dir",
            "cache",
        ],
        d,
        Duration::from_secs(30),
    );
    let _ = server.kill();
    let _ = server.wait();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("is a CA certificate") && err.contains("CA:FALSE"),
        "{err}"
    );
    assert!(!err.contains("OtherError"), "{err}");
}
