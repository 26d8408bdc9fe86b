//! Building, opening and updating DB files: malformed input is counted, damaged DBs are refused with a clear
//! message, and an update with the wrong digest leaves the old DB in place. The HTTP server is a std
//! `TcpListener` on 127.0.0.1 started by each test.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bulwark_vulndb::{
    BuildOptions, Error, FeedInput, FeedKind, FeedUrl, VulnDb, build, sha256_file,
    update_from_feeds, update_from_url,
};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

fn small_db(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    build(
        &[FeedInput::new(FeedKind::Osv, testdata().join("osv-npm"))],
        &path,
        &BuildOptions::default(),
    )
    .unwrap();
    path
}

#[test]
fn malformed_and_withdrawn_osv_records_are_counted_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("osv");
    std::fs::create_dir(&feed).unwrap();
    for (name, body) in [
        (
            "good-1.json",
            r#"{"id":"GOOD-1","affected":[{"package":{"ecosystem":"PyPI","name":"Foo_Bar"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.0"}]}]}]}"#,
        ),
        (
            "good-2.json",
            r#"{"id":"GOOD-2","aliases":["CVE-2000-0002"],"affected":[]}"#,
        ),
        ("bad-json.json", "{\"id\": \"BAD-1\", "),
        (
            "bad-type.json",
            r#"{"id":"BAD-2","affected":[{"ranges":{"not":"a list"}}]}"#,
        ),
        (
            "gone.json",
            r#"{"id":"GONE-1","withdrawn":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"x"},"ranges":[]}]}"#,
        ),
        (
            "odd.json",
            r#"{"id":"ODD-1","affected":[{"package":{"ecosystem":"NoSuchEcosystem","name":"x"}}]}"#,
        ),
    ] {
        std::fs::write(feed.join(name), body).unwrap();
    }
    std::fs::write(
        dir.path().join("lines.jsonl"),
        "{\"id\":\"L-1\"}\nnot json\n{\"id\":\"L-2\",\"withdrawn\":\"2020-01-01\"}\n",
    )
    .unwrap();
    let out = dir.path().join("x.db");
    let report = build(
        &[
            FeedInput::new(FeedKind::Osv, &feed),
            FeedInput::new(FeedKind::Osv, dir.path().join("lines.jsonl")),
        ],
        &out,
        &BuildOptions::default(),
    )
    .unwrap();
    let s = &report.sources[0];
    assert_eq!(
        (s.records, s.skipped, s.withdrawn, s.unsupported),
        (3, 2, 1, 1)
    );
    let l = &report.sources[1];
    assert_eq!((l.records, l.skipped, l.withdrawn), (1, 1, 1));
    assert_eq!(report.problems.len(), 3);
    let db = VulnDb::open(&out).unwrap();
    assert_eq!(db.meta().sources, report.sources);
    // PEP 503 name normalisation at build time.
    assert_eq!(db.affected("PyPI", "foo-bar").unwrap().len(), 1);
    assert!(db.lookup_id("GONE-1").unwrap().is_empty());
    assert_eq!(
        db.lookup_id("CVE-2000-0002").unwrap(),
        [("GOOD-2".to_owned(), "osv".to_owned())]
    );
}

#[test]
fn missing_truncated_and_corrupt_dbs_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let good = small_db(dir.path(), "good.db");
    let bytes = std::fs::read(&good).unwrap();

    let missing = dir.path().join("nope.db");
    let e = VulnDb::open(&missing).unwrap_err().to_string();
    assert!(
        e.contains("nope.db") && e.contains("bulwark db update"),
        "{e}"
    );

    let truncated = dir.path().join("truncated.db");
    std::fs::write(&truncated, &bytes[..bytes.len() - 4096]).unwrap();
    let e = VulnDb::open(&truncated).unwrap_err();
    assert!(matches!(e, Error::Corrupt { .. }), "{e}");
    let e = e.to_string();
    assert!(
        e.contains("truncated.db") && e.contains("bulwark db update"),
        "{e}"
    );

    let half = dir.path().join("half.db");
    std::fs::write(&half, &bytes[..50]).unwrap();
    assert!(matches!(
        VulnDb::open(&half).unwrap_err(),
        Error::Corrupt { .. }
    ));

    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, vec![0x5a; 8192]).unwrap();
    let e = VulnDb::open(&garbage).unwrap_err().to_string();
    assert!(
        e.contains("garbage.db") && e.contains("not a SQLite database"),
        "{e}"
    );

    // Damaged pages past the header: caught on open or on the first query, with the same advice.
    let damaged = dir.path().join("damaged.db");
    let mut b = bytes.clone();
    for x in &mut b[4096..] {
        *x = 0xff;
    }
    std::fs::write(&damaged, &b).unwrap();
    let e = match VulnDb::open(&damaged) {
        Err(e) => e,
        Ok(db) => db.affected("npm", "lodash").unwrap_err(),
    }
    .to_string();
    assert!(
        e.contains("damaged.db") && e.contains("bulwark db update"),
        "{e}"
    );
}

/// A tiny HTTP/1.1 server: path → body. Serves until the test ends.
fn serve(routes: HashMap<String, Vec<u8>>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                    break;
                }
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
            seen.lock().unwrap().push(path.clone());
            let (status, body) = match routes.get(&path) {
                Some(b) => ("200 OK", b.clone()),
                None => ("404 Not Found", b"not found".to_vec()),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(&body);
        }
    });
    (base, log)
}

#[test]
fn update_from_url_checks_the_digest_and_replaces_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let served = small_db(dir.path(), "served.db");
    let digest = sha256_file(&served).unwrap();
    let body = std::fs::read(&served).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&body).unwrap();
    let gz = gz.finish().unwrap();
    let gz_digest = {
        let p = dir.path().join("x.gz");
        std::fs::write(&p, &gz).unwrap();
        sha256_file(&p).unwrap()
    };
    let mut routes = HashMap::new();
    routes.insert("/db/bulwark.db".to_owned(), body.clone());
    routes.insert(
        "/db/bulwark.db.sha256".to_owned(),
        format!("{digest}  bulwark.db\n").into_bytes(),
    );
    routes.insert("/bad/bulwark.db".to_owned(), body.clone());
    routes.insert(
        "/bad/bulwark.db.sha256".to_owned(),
        format!("sha256:{}\n", "0".repeat(64)).into_bytes(),
    );
    routes.insert("/nosidecar/bulwark.db".to_owned(), body.clone());
    routes.insert("/gz/bulwark.db.gz".to_owned(), gz);
    routes.insert(
        "/trunc/bulwark.db".to_owned(),
        body[..body.len() / 2].to_vec(),
    );
    let (base, _) = serve(routes);

    // The current DB: a different build, so a replacement is visible.
    let dest = dir.path().join("cache/bulwark.db");
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    build(
        &[FeedInput::new(
            FeedKind::Kev,
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/fixtures/vulndata/kev/known_exploited_vulnerabilities.json"),
        )],
        &dest,
        &BuildOptions::default(),
    )
    .unwrap();
    let old = std::fs::read(&dest).unwrap();

    // Wrong digest in the sidecar: refused, old DB untouched, no temp files left.
    let e = update_from_url(&format!("{base}/bad/bulwark.db"), None, &dest, None).unwrap_err();
    assert!(matches!(e, Error::Digest { .. }), "{e}");
    assert!(e.to_string().contains("previous database is kept"));
    assert_eq!(std::fs::read(&dest).unwrap(), old);
    // Wrong digest given on the command line: refused too.
    let e = update_from_url(
        &format!("{base}/db/bulwark.db"),
        Some(&"ab".repeat(32)),
        &dest,
        None,
    )
    .unwrap_err();
    assert!(matches!(e, Error::Digest { .. }), "{e}");
    assert_eq!(std::fs::read(&dest).unwrap(), old);
    // No digest at all: refused.
    let e = update_from_url(&format!("{base}/nosidecar/bulwark.db"), None, &dest, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("no digest"), "{e}");
    // Right digest but a truncated file: the digest of what was served matches, the DB check refuses it.
    let half = {
        let p = dir.path().join("half");
        std::fs::write(&p, &body[..body.len() / 2]).unwrap();
        sha256_file(&p).unwrap()
    };
    let e = update_from_url(
        &format!("{base}/trunc/bulwark.db"),
        Some(&half),
        &dest,
        None,
    )
    .unwrap_err();
    assert!(matches!(e, Error::Invalid { .. }), "{e}");
    assert!(!e.to_string().contains(".tmp-"), "{e}");
    assert_eq!(std::fs::read(&dest).unwrap(), old);

    // Sidecar digest right: replaced, progress reported.
    let calls = std::cell::Cell::new(0u32);
    let progress = |_: &str, _: u64, _: Option<u64>| calls.set(calls.get() + 1);
    let r = update_from_url(
        &format!("{base}/db/bulwark.db"),
        None,
        &dest,
        Some(&progress),
    )
    .unwrap();
    assert_eq!(r.sha256, digest);
    assert!(calls.get() > 0);
    assert_eq!(std::fs::read(&dest).unwrap(), body);
    // Gzipped DB with the digest given as a flag.
    std::fs::write(&dest, &old).unwrap();
    update_from_url(
        &format!("{base}/gz/bulwark.db.gz"),
        Some(&format!("sha256:{gz_digest}")),
        &dest,
        None,
    )
    .unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), body);
    let leftovers: Vec<_> = std::fs::read_dir(dest.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, ["bulwark.db"]);
}

#[test]
fn update_from_feeds_builds_and_refuses_a_bad_feed_digest() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/vulndata");
    let secdb = std::fs::read(testdata().join("alpine-secdb/v3.14/main.json")).unwrap();
    let kev = std::fs::read(fixtures.join("kev/known_exploited_vulnerabilities.json")).unwrap();
    let npm = std::fs::read(testdata().join("osv-npm/npm-368.json")).unwrap();
    let tracker = std::fs::read(testdata().join("debian/bookworm-app-tracker.json")).unwrap();
    let mut routes = HashMap::new();
    routes.insert("/v3.14/main.json".to_owned(), secdb);
    routes.insert("/kev.json".to_owned(), kev);
    routes.insert("/kev.json.sha256".to_owned(), "0".repeat(64).into_bytes());
    routes.insert("/good-kev.json".to_owned(), routes["/kev.json"].clone());
    routes.insert("/npm/npm-368.json".to_owned(), npm);
    routes.insert("/tracker/data/json".to_owned(), tracker);
    let (base, log) = serve(routes);
    let dir = tempfile::tempdir().unwrap();
    let dest = small_db(dir.path(), "bulwark.db");
    let old = std::fs::read(&dest).unwrap();
    let feed = |kind, path: &str| FeedUrl {
        kind,
        url: format!("{base}{path}"),
        sha256: None,
    };

    let e = update_from_feeds(
        &[
            feed(FeedKind::Secdb, "/v3.14/main.json"),
            feed(FeedKind::Kev, "/kev.json"),
        ],
        &dest,
        None,
    )
    .unwrap_err();
    assert!(matches!(e, Error::Digest { .. }), "{e}");
    assert_eq!(std::fs::read(&dest).unwrap(), old);

    let r = update_from_feeds(
        &[
            feed(FeedKind::Secdb, "/v3.14/main.json"),
            feed(FeedKind::Kev, "/good-kev.json"),
            feed(FeedKind::Osv, "/npm/npm-368.json"),
            feed(FeedKind::Debian, "/tracker/data/json"),
        ],
        &dest,
        None,
    )
    .unwrap();
    let build = r.build.unwrap();
    assert_eq!(build.sources.len(), 4);
    assert_eq!(build.sources[0].location, format!("{base}/v3.14/main.json"));
    let db = VulnDb::open(&dest).unwrap();
    assert!(db.has_namespace("alpine:3.14").unwrap());
    assert!(db.has_namespace("debian:12").unwrap());
    assert_eq!(db.affected("npm", "lodash").unwrap().len(), 1);
    assert!(
        db.enrichment("CVE-2021-44228")
            .unwrap()
            .unwrap()
            .kev
            .is_some()
    );
    assert!(
        log.lock()
            .unwrap()
            .contains(&"/good-kev.json.sha256".to_owned())
    );
    // No temp feed directory left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["bulwark.db"]);
}

/// Runs a command, failing the test on a non-zero exit; returns stdout.
fn run(cmd: &mut std::process::Command) -> Vec<u8> {
    let out = cmd.output().expect("spawn");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Ed25519 keys and signatures made by `openssl` (`genpkey`, `pkeyutl -sign -rawin`): with a key configured,
/// the `<url>.sig` sidecar (raw or base64) must verify, and a missing or wrong signature keeps the old DB.
#[test]
fn signed_url_downloads_need_a_valid_signature() {
    use bulwark_vulndb::{PublicKey, Verification, update_from_url_with};
    use std::process::Command;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let served = small_db(d, "served.db");
    let body = std::fs::read(&served).unwrap();
    let digest = sha256_file(&served).unwrap();
    let key = d.join("ed.pem");
    run(Command::new("openssl")
        .args(["genpkey", "-algorithm", "ed25519", "-out"])
        .arg(&key));
    let public = run(Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(&key));
    let sign = |path: &Path| {
        run(Command::new("openssl")
            .args(["pkeyutl", "-sign", "-rawin", "-inkey"])
            .arg(&key)
            .arg("-in")
            .arg(path))
    };
    let sig = sign(&served);
    let other = d.join("other");
    std::fs::write(&other, b"something else").unwrap();
    let wrong_sig = sign(&other);
    let sig_file = d.join("sig.bin");
    std::fs::write(&sig_file, &sig).unwrap();
    let sig_b64 = run(Command::new("base64").arg("-w0").arg(&sig_file));

    let mut routes = HashMap::new();
    for dir in ["raw", "b64", "wrong", "nosig"] {
        routes.insert(format!("/{dir}/bulwark.db"), body.clone());
        routes.insert(
            format!("/{dir}/bulwark.db.sha256"),
            digest.clone().into_bytes(),
        );
    }
    routes.insert("/raw/bulwark.db.sig".to_owned(), sig.clone());
    routes.insert("/b64/bulwark.db.sig".to_owned(), sig_b64);
    routes.insert("/wrong/bulwark.db.sig".to_owned(), wrong_sig);
    let (base, _) = serve(routes);

    let pk = PublicKey::from_pem(std::str::from_utf8(&public).unwrap(), "ed.pub").unwrap();
    let verify = Verification {
        key: Some(&pk),
        ..Verification::default()
    };
    let dest = d.join("cache/bulwark.db");
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    std::fs::write(&dest, b"previous").unwrap();
    for bad in ["wrong", "nosig"] {
        let e = update_from_url_with(&format!("{base}/{bad}/bulwark.db"), &verify, &dest, None)
            .unwrap_err();
        assert!(matches!(e, Error::Signature { .. }), "{bad}: {e}");
        assert_eq!(std::fs::read(&dest).unwrap(), b"previous", "{bad}");
    }
    for good in ["raw", "b64"] {
        std::fs::write(&dest, b"previous").unwrap();
        update_from_url_with(&format!("{base}/{good}/bulwark.db"), &verify, &dest, None)
            .unwrap_or_else(|e| panic!("{good}: {e}"));
        assert_eq!(std::fs::read(&dest).unwrap(), body, "{good}");
    }
}

/// Installs `src` over `dest` the way `db update` does after a download (digest of the file as given).
fn install(src: &Path, dest: &Path, gzip: bool) -> Result<(), Error> {
    let digest = sha256_file(src).unwrap();
    bulwark_vulndb::install_file(
        src,
        &bulwark_vulndb::Install {
            name: "https://mirror.example/bulwark.db",
            sha256: &digest,
            gzip,
            signature: None,
        },
        dest,
    )
    .map(|_| ())
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// Red team #14: a DB that passes the digest and `PRAGMA integrity_check` but whose `affected` table is a view
/// over an endless recursive CTE made every later scan hang. A DB is now refused unless its schema is exactly
/// the one Bulwark writes; views, triggers, generated columns and extra tables are named in the error.
#[test]
fn dbs_with_another_schema_are_refused_on_install_and_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let good = small_db(dir.path(), "good.db");
    let dest = dir.path().join("cache/bulwark.db");
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    std::fs::copy(&good, &dest).unwrap();
    let old = std::fs::read(&dest).unwrap();
    let cases = [
        (
            "view",
            "DROP INDEX affected_by_package; ALTER TABLE affected RENAME TO affected_real;
             CREATE VIEW affected(namespace, package, vuln_id, data) AS
               SELECT namespace, package, vuln_id, data FROM affected_real
               WHERE (WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT max(n) FROM r) > 0;",
            "affected_real",
        ),
        (
            "trigger",
            "CREATE TABLE log(x); CREATE TRIGGER t AFTER INSERT ON log BEGIN SELECT 1; END;",
            "log",
        ),
        (
            "generated column",
            "DROP INDEX affected_by_package; DROP TABLE affected;
             CREATE TABLE affected(namespace TEXT NOT NULL, package TEXT NOT NULL, vuln_id TEXT NOT NULL,
               data TEXT GENERATED ALWAYS AS (zeroblob(900000000)) VIRTUAL);
             CREATE INDEX affected_by_package ON affected(namespace, package);",
            "affected",
        ),
        ("missing index", "DROP INDEX aliases_by_alias;", "aliases_by_alias"),
    ];
    for (what, sql, named) in cases {
        let path = dir.path().join(format!("{}.db", what.replace(' ', "-")));
        std::fs::copy(&good, &path).unwrap();
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(sql).unwrap();
        c.execute_batch("VACUUM;").unwrap();
        drop(c);
        let e = VulnDb::open(&path).unwrap_err();
        assert!(matches!(e, Error::Foreign { .. }), "{what}: {e}");
        let msg = e.to_string();
        assert!(
            msg.contains(named) && msg.contains("bulwark db update"),
            "{what}: {msg}"
        );
        let e = install(&path, &dest, false).unwrap_err();
        assert!(matches!(e, Error::Invalid { .. }), "{what}: {e}");
        let msg = e.to_string();
        assert!(
            msg.contains("mirror.example") && msg.contains("previous database is kept"),
            "{what}: {msg}"
        );
        assert!(!msg.contains(".tmp-"), "{what}: {msg}");
        assert_eq!(std::fs::read(&dest).unwrap(), old, "{what}");
    }
    // The good DB itself installs, and lookups work.
    install(&good, &dest, false).unwrap();
    assert!(
        !VulnDb::open(&dest)
            .unwrap()
            .affected("npm", "lodash")
            .unwrap()
            .is_empty()
    );
}

/// Red team #14: a gzip of zeros was inflated next to the DB (10 GiB) before the file was found not to be a
/// DB. The SQLite header is now read first, and what is inflated is bounded by the size the header declares.
#[test]
fn gzip_bombs_are_refused_before_anything_large_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("bulwark.db");
    let good = small_db(dir.path(), "good.db");
    std::fs::copy(&good, &dest).unwrap();
    let old = std::fs::read(&dest).unwrap();

    // 256 MiB of zeros, 250 KiB compressed: not a DB, refused on its first 100 bytes.
    let zeros = dir.path().join("zeros.db.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&zeros).unwrap(),
        flate2::Compression::fast(),
    );
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..256 {
        gz.write_all(&chunk).unwrap();
    }
    gz.finish().unwrap();
    let t = std::time::Instant::now();
    let e = install(&zeros, &dest, true).unwrap_err();
    assert!(
        t.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        t.elapsed()
    );
    assert!(
        matches!(e, Error::Invalid { .. }) && e.to_string().contains("not a SQLite database"),
        "{e}"
    );

    // A real DB followed by 64 MiB of zeros: inflation stops at the size the header declares.
    let mut padded = std::fs::read(&good).unwrap();
    padded.resize(padded.len() + (64 << 20), 0);
    let padded_gz = dir.path().join("padded.db.gz");
    std::fs::write(&padded_gz, gzip(&padded)).unwrap();
    let e = install(&padded_gz, &dest, true).unwrap_err();
    assert!(e.to_string().contains("inflates past"), "{e}");
    assert_eq!(std::fs::read(&dest).unwrap(), old);
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");

    // The same DB without the padding installs from gzip.
    let ok_gz = dir.path().join("ok.db.gz");
    std::fs::write(&ok_gz, gzip(&std::fs::read(&good).unwrap())).unwrap();
    install(&ok_gz, &dest, true).unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), std::fs::read(&good).unwrap());
}

/// Red team #21: a `kill -9` mid-update left a fixed-name `.bulwark.db.download`; temporary files are now per
/// process, locked while in use, and every unlocked one is removed when the next update starts.
#[test]
fn stale_temporary_files_are_removed_but_live_ones_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("bulwark.db");
    let good = small_db(dir.path(), "good.db");
    for stale in [
        ".bulwark.db.download",
        ".bulwark.db.download-4000000",
        ".bulwark.db.tmp-4000001",
    ] {
        std::fs::write(dir.path().join(stale), b"left by a killed update").unwrap();
    }
    std::fs::create_dir(dir.path().join(".bulwark.db.feeds-4000002")).unwrap();
    // Another update, still running: its file is locked.
    let live = dir.path().join(".bulwark.db.download-4000003");
    let held = std::fs::File::create(&live).unwrap();
    held.lock().unwrap();
    // Not ours: another DB's temporary file and an unrelated dot file.
    std::fs::write(dir.path().join(".other.db.tmp-5"), b"x").unwrap();
    std::fs::write(dir.path().join(".bulwarkignore"), b"x").unwrap();

    install(&good, &dest, false).unwrap();
    let mut left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            ".bulwark.db.download-4000003",
            ".bulwarkignore",
            ".other.db.tmp-5"
        ]
    );
    drop(held);
}

/// Red team #20: `--db` naming a FIFO hung in `open`; a device never ended. Only regular files are opened.
#[cfg(unix)]
#[test]
fn special_files_are_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.db");
    let ok = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success();
    assert!(ok, "mkfifo failed");
    for path in [fifo.as_path(), Path::new("/dev/zero"), dir.path()] {
        let e = VulnDb::open(path).unwrap_err();
        assert!(
            matches!(e, Error::NotRegular { .. }),
            "{}: {e}",
            path.display()
        );
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }
    // The same for `db update --url FILE` and its sidecars.
    let dest = dir.path().join("bulwark.db");
    let e = update_from_url(fifo.to_str().unwrap(), None, &dest, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("not a regular file"), "{e}");
    let good = small_db(dir.path(), "good.db");
    let side = dir.path().join("good.db.sha256");
    let ok = std::process::Command::new("mkfifo")
        .arg(&side)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let e = update_from_url(good.to_str().unwrap(), None, &dest, None).unwrap_err();
    let mut msg = e.to_string();
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        msg = format!("{msg}: {c}");
        cause = c.source();
    }
    assert!(
        msg.contains("good.db.sha256") && msg.contains("not a regular file"),
        "{msg}"
    );
}

/// What the `vulndb_db_file` fuzz target checks, in a few hundred deterministic mutations of a real DB: a
/// damaged file opens and answers, or errors, and never panics or hangs.
#[test]
fn damaged_db_files_never_panic_or_hang() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(small_db(dir.path(), "good.db")).unwrap();
    let path = dir.path().join("mutated.db");
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let start = std::time::Instant::now();
    for _ in 0..300 {
        let mut b = good.clone();
        for _ in 0..=(next() % 8) {
            let at = usize::try_from(next() % b.len() as u64).unwrap();
            b[at] = u8::try_from(next() & 0xff).unwrap();
        }
        std::fs::write(&path, &b).unwrap();
        if let Ok(db) = VulnDb::open(&path) {
            let _ = db.affected("npm", "lodash");
            let _ = db.namespaces();
            let _ = db.lookup_id("CVE-2021-23337");
            let _ = db.packages("npm", 10);
        }
    }
    assert!(
        start.elapsed() < std::time::Duration::from_mins(1),
        "{:?}",
        start.elapsed()
    );
}
