//! The DB a new user gets without asking: `scripts/publish-db.sh` builds it from the fixture feeds served by
//! `python3 -m http.server` on 127.0.0.1, signs it with a key made by openssl and pushes it with skopeo into
//! Debian's `docker-registry` on 127.0.0.1; then a scan with an empty cache fetches it (signature checked),
//! finds a known CVE, and later scans reuse it. Also: `db update --from-feeds` against the HTTP mirror, a DB
//! signed by another key, a stale DB whose update fails, and an unreachable repository.

mod common;

#[path = "../../bulwark-registry/tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use support::{TestRegistry, temp_dir};

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().expect("spawn");
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn sha256_hex(path: &Path) -> String {
    String::from_utf8(run(Command::new("sha256sum").arg(path))).unwrap()[..64].to_owned()
}

fn err(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `python3 -m http.server` on 127.0.0.1 (a free port), serving `dir`; killed on drop.
struct HttpServer {
    child: Child,
    url: String,
}

impl HttpServer {
    fn start(dir: &Path) -> Self {
        let mut child = Command::new("python3")
            .args(["-u", "-m", "http.server", "0", "--bind", "127.0.0.1"])
            .arg("--directory")
            .arg(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m http.server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        // "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
        let port: u16 = line
            .split_whitespace()
            .skip_while(|w| *w != "port")
            .nth(1)
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {line:?}"));
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The fixture feeds laid out as a mirror: Alpine 3.14 secdb (hand-checked, see the vulndb testdata README),
/// two npm OSV records, the Debian tracker fixture and CISA KEV. Returns the served dir.
fn feed_mirror(work: &Path) -> PathBuf {
    let dir = work.join("feeds");
    let t = repo_root().join("crates/bulwark-vulndb/testdata");
    let v = common::fixtures().join("vulndata");
    for (rel, src) in [
        (
            "alpine/v3.14/main.json",
            t.join("alpine-secdb/v3.14/main.json"),
        ),
        ("osv/npm-368.json", t.join("osv-npm/npm-368.json")),
        ("osv/npm-493.json", t.join("osv-npm/npm-493.json")),
        (
            "debian/tracker.json",
            t.join("debian/bookworm-app-tracker.json"),
        ),
        (
            "kev/kev.json",
            v.join("kev/known_exploited_vulnerabilities.json"),
        ),
    ] {
        let to = dir.join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(src.canonicalize().unwrap(), &to).unwrap();
    }
    dir
}

fn feed_flags(url: &str) -> Vec<String> {
    [
        ("--secdb-url", "alpine/v3.14/main.json"),
        ("--osv-url", "osv/npm-368.json"),
        ("--osv-url", "osv/npm-493.json"),
        ("--debian-url", "debian/tracker.json"),
        ("--kev-url", "kev/kev.json"),
    ]
    .iter()
    .flat_map(|(f, p)| [(*f).to_owned(), format!("{url}/{p}")])
    .collect()
}

/// An ECDSA P-256 key pair made by openssl: `(DIR/NAME.pem, DIR/NAME.pub)`.
fn p256_key_pair(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let key = dir.join(format!("{name}.pem"));
    let public = dir.join(format!("{name}.pub"));
    run(Command::new("openssl")
        .args([
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
        ])
        .arg(&key));
    run(Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(&key)
        .arg("-out")
        .arg(&public));
    (key, public)
}

/// Runs `scripts/publish-db.sh` with the debug binary, pushing to `repository`.
fn publish(work: &Path, key: &Path, public: Option<&Path>, repository: &str, feeds_url: &str) {
    let mut cmd = Command::new("bash");
    cmd.arg(repo_root().join("scripts/publish-db.sh"))
        .arg("--key")
        .arg(key)
        .args(["--repository", repository, "--dest-tls-verify=false"])
        .arg("--bulwark")
        .arg(env!("CARGO_BIN_EXE_bulwark"))
        .arg("--work")
        .arg(work)
        .args(feed_flags(feeds_url));
    if let Some(p) = public {
        cmd.arg("--public-key").arg(p);
    }
    run(&mut cmd);
}

/// A scan (or any command) as a new user runs it: an empty HOME whose cache holds the DB, the repository and
/// key from the environment.
fn user(home: &Path, repository: &str, public: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(args)
        .env("HOME", home)
        .env_remove("XDG_CACHE_HOME")
        .env_remove("BULWARK_DB")
        .env("BULWARK_CACHE_DIR", home.join("blobs"))
        .env("BULWARK_DB_REPOSITORY", repository)
        .env("BULWARK_DB_PUBLIC_KEY", public)
        .output()
        .expect("run bulwark")
}

fn cached_db(home: &Path) -> PathBuf {
    home.join(".cache/bulwark/db/bulwark.db")
}

/// (package, advisory id) of the JSON report's vulnerability findings.
fn vulns(out: &Output) -> Vec<(String, String)> {
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not clean JSON ({e}): {}", err(out)));
    let mut v: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "vulnerability")
        .map(|f| {
            (
                f["properties"]["packageName"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
                f["id"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

/// From the vulndb testdata README: busybox 1.33.1-r3 in alpine314 is affected by CVE-2021-42378 (fixed in
/// 1.33.1-r6, checked against public Trivy reports), zlib 1.2.11-r3 by CVE-2018-25032.
fn assert_known_cves(out: &Output) {
    let found = vulns(out);
    for want in [("busybox", "CVE-2021-42378"), ("zlib", "CVE-2018-25032")] {
        assert!(
            found.iter().any(|(p, id)| p == want.0 && id == want.1),
            "{want:?} not in {found:?}"
        );
    }
}

#[test]
fn published_db_is_fetched_by_the_first_scan_and_reused() {
    let work = temp_dir("db-fetch");
    let mirror = HttpServer::start(&feed_mirror(&work));
    let reg = TestRegistry::start("plain", &work.join("reg"), &[], None);
    let (key, public) = p256_key_pair(&work, "publisher");
    let repository = format!("{}/bulwark/db:1", reg.host);
    publish(
        &work.join("publish"),
        &key,
        Some(&public),
        &repository,
        &mirror.url,
    );

    let home = work.join("home");
    let image = common::image("alpine314.docker.tar");
    let scan = ["scan", "image", "-f", "json", image.as_str()];
    let out = user(&home, &repository, &public, &scan);
    assert_eq!(out.status.code(), Some(0), "{}", err(&out));
    assert!(err(&out).contains("downloading the vulnerability DB from"));
    // No progress bar when stderr is not a terminal, and nothing but the report on stdout (vulns() parses it).
    assert!(!err(&out).contains('\x1b'), "{}", err(&out));
    assert_known_cves(&out);
    assert!(cached_db(&home).exists());
    let manifests = reg.gets("/manifests/");
    assert!(manifests >= 1);
    // The scratch pull cache is gone; only the DB is left.
    let left: Vec<_> = std::fs::read_dir(cached_db(&home).parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("bulwark.db")]);

    // On a terminal (a pty from util-linux `script`), the download shows a progress line on stderr; the report
    // written with -o is the same clean JSON.
    let tty_home = work.join("tty-home");
    let report = work.join("tty-report.json");
    let command = format!(
        "'{}' scan image -f json -o '{}' '{image}'",
        env!("CARGO_BIN_EXE_bulwark"),
        report.display()
    );
    let out = Command::new("script")
        .args(["-q", "-e", "-c", &command, "/dev/null"])
        .env("HOME", &tty_home)
        .env_remove("XDG_CACHE_HOME")
        .env_remove("BULWARK_DB")
        .env("BULWARK_CACHE_DIR", tty_home.join("blobs"))
        .env("BULWARK_DB_REPOSITORY", &repository)
        .env("BULWARK_DB_PUBLIC_KEY", &public)
        .stdin(Stdio::null())
        .output()
        .expect("script(1) from util-linux");
    let terminal = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{terminal}");
    assert!(
        terminal.contains("\x1b[2Klayer ") && terminal.contains(": done"),
        "no progress line on the terminal: {terminal:?}"
    );
    let tty_out = Output {
        status: out.status,
        stdout: std::fs::read(&report).unwrap(),
        stderr: Vec::new(),
    };
    assert_known_cves(&tty_out);
    let manifests = reg.gets("/manifests/");

    // A second scan does not ask the registry again, even once it is gone.
    let out = user(&home, &repository, &public, &scan);
    assert_eq!(out.status.code(), Some(0), "{}", err(&out));
    assert!(!err(&out).contains("downloading"), "{}", err(&out));
    assert_eq!(reg.gets("/manifests/"), manifests);
    drop(reg);
    let out = user(&home, &repository, &public, &scan);
    assert_eq!(out.status.code(), Some(0), "{}", err(&out));
    assert_known_cves(&out);
}

#[test]
fn from_feeds_mirror_builds_a_db_that_finds_the_known_cves() {
    let work = temp_dir("db-feeds");
    let mirror = HttpServer::start(&feed_mirror(&work));
    let db = work.join("out/bulwark.db");
    let mut args: Vec<String> = ["db", "update", "-q", "--from-feeds", "--db"]
        .map(str::to_owned)
        .to_vec();
    args.push(db.display().to_string());
    args.extend(feed_flags(&mirror.url));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = common::bulwark(&args);
    assert!(out.status.success(), "{}", err(&out));
    let out = common::bulwark(&[
        "scan",
        "image",
        "-f",
        "json",
        "--db",
        db.to_str().unwrap(),
        &common::image("alpine314.docker.tar"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", err(&out));
    assert_known_cves(&out);
    // Every mirrored feed is in the DB, under its URL.
    let info = common::json(&["db", "info", "-f", "json", "--db", db.to_str().unwrap()]);
    let locations: Vec<&str> = info["sources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["location"].as_str())
        .collect();
    assert_eq!(locations.len(), 5, "{locations:?}");
    assert!(locations.iter().all(|l| l.starts_with(&mirror.url)));
    // A mirror that lacks a feed fails the update and leaves the DB as it was.
    let before = sha256_hex(&db);
    let out = common::bulwark(&[
        "db",
        "update",
        "-q",
        "--db",
        db.to_str().unwrap(),
        "--osv-url",
        &format!("{}/osv/missing.json", mirror.url),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", err(&out));
    assert!(err(&out).contains("missing.json"), "{}", err(&out));
    assert_eq!(sha256_hex(&db), before);
}

/// Sets the DB's recorded build time and the file's modification time two days back (python's sqlite3 and
/// touch, not Bulwark), making it stale.
fn age_db(db: &Path) {
    let old = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 2 * 86_400;
    run(Command::new("python3").args([
        "-c",
        "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE meta SET value=? WHERE key='built_at'\", (sys.argv[2],)); c.commit()",
        db.to_str().unwrap(),
        &old.to_string(),
    ]));
    run(Command::new("touch").args(["-d", "2 days ago"]).arg(db));
}

#[test]
fn other_keys_stale_dbs_and_unreachable_repositories() {
    let work = temp_dir("db-keys");
    let mirror = HttpServer::start(&feed_mirror(&work));
    let reg = TestRegistry::start("plain", &work.join("reg"), &[], None);
    let (_, trusted) = p256_key_pair(&work, "trusted");
    let (other_key, _) = p256_key_pair(&work, "other");
    let repository = format!("{}/bulwark/db:other", reg.host);
    publish(
        &work.join("publish"),
        &other_key,
        None,
        &repository,
        &mirror.url,
    );
    let image = common::image("alpine314.docker.tar");
    let scan = ["scan", "image", "-f", "json", image.as_str()];

    // Empty cache, a DB signed by another key: refused, nothing installed, exit 2 with the reason.
    let home = work.join("home");
    let out = user(&home, &repository, &trusted, &scan);
    assert_eq!(out.status.code(), Some(2), "{}", err(&out));
    assert!(
        err(&out).contains("signature does not verify"),
        "{}",
        err(&out)
    );
    assert!(err(&out).contains("no vulnerability database"));
    assert!(!cached_db(&home).exists());

    // A stale cached DB and a refused update: a warning, and the scan goes on with the old DB, which is kept.
    let db = cached_db(&home);
    let out = common::bulwark(&[
        "db",
        "build",
        "-q",
        "--secdb",
        repo_root()
            .join("crates/bulwark-vulndb/testdata/alpine-secdb")
            .to_str()
            .unwrap(),
        "-o",
        db.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", err(&out));
    age_db(&db);
    let before = sha256_hex(&db);
    let out = user(&home, &repository, &trusted, &scan);
    assert_eq!(out.status.code(), Some(0), "{}", err(&out));
    assert!(err(&out).contains("downloading"), "{}", err(&out));
    assert!(
        err(&out).contains("scanning with the cached vulnerability DB"),
        "{}",
        err(&out)
    );
    assert_known_cves(&out);
    assert_eq!(sha256_hex(&db), before);
    // `db update` with the same key refuses it too, and keeps the DB.
    let out = user(&home, &repository, &trusted, &["db", "update", "-q"]);
    assert_eq!(out.status.code(), Some(2), "{}", err(&out));
    assert_eq!(sha256_hex(&db), before);

    // Nothing listens on 127.0.0.1:9: `db update` names the repository and the other sources.
    let nowhere = "127.0.0.1:9/bulwark/db:1";
    let out = user(&home, nowhere, &trusted, &["db", "update", "-q"]);
    let e = err(&out);
    assert_eq!(out.status.code(), Some(2), "{e}");
    assert!(
        e.contains(nowhere) && e.contains("--url") && e.contains("--from-feeds"),
        "{e}"
    );
    assert_eq!(sha256_hex(&db), before);
    // A scan with no DB and an unreachable repository: exit 2, the reason and the ways forward.
    let empty = work.join("empty-home");
    let out = user(&empty, nowhere, &trusted, &scan);
    let e = err(&out);
    assert_eq!(out.status.code(), Some(2), "{e}");
    assert!(
        e.contains("no vulnerability database") && e.contains(nowhere) && e.contains("db import"),
        "{e}"
    );
}
