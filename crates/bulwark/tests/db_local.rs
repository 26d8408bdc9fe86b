//! The DB from local files, seen from the command line: `db update --url file://…` and plain paths (with and
//! without a sha256, with a signature made by `openssl`), `db import`, `db build` refusing inputs that are not
//! feeds, `db info -f json`, and scans that may not download (`--skip-db-update`, `--offline`).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::bulwark;

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().expect("spawn");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// sha256 by coreutils, not by the code under test.
fn sha256_hex(path: &Path) -> String {
    String::from_utf8(run(Command::new("sha256sum").arg(path))).unwrap()[..64].to_owned()
}

fn err(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn ok(out: &Output) {
    assert!(out.status.success(), "{:?}: {}", out.status, err(out));
}

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../bulwark-vulndb/testdata")
        .join(rel)
}

/// A DB built from the hand-checked Alpine 3.14 secdb, plain and gzipped (by gzip).
fn built_db(dir: &Path) -> (PathBuf, PathBuf) {
    let db = dir.join("source.db");
    ok(&bulwark(&[
        "db",
        "build",
        "-q",
        "--secdb",
        testdata("alpine-secdb").to_str().unwrap(),
        "-o",
        db.to_str().unwrap(),
    ]));
    run(Command::new("gzip").args(["-k", "-n"]).arg(&db));
    (db.clone(), dir.join("source.db.gz"))
}

fn update(dest: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["db", "update", "-q", "--db", dest.to_str().unwrap()];
    args.extend_from_slice(extra);
    bulwark(&args)
}

/// Advisory ids of the JSON report's vulnerability findings.
fn vuln_ids(report: &serde_json::Value) -> Vec<String> {
    let mut ids: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "vulnerability")
        .filter_map(|f| f["id"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

#[test]
fn file_urls_and_plain_paths_install_with_and_without_a_digest() {
    let dir = tempfile::tempdir().unwrap();
    let (db, gz) = built_db(dir.path());
    let expected = sha256_hex(&db);
    let dest = dir.path().join("cache/bulwark.db");

    // file:// URL of the plain DB, no digest anywhere: installed byte for byte.
    ok(&update(
        &dest,
        &["--url", &format!("file://{}", db.display())],
    ));
    assert_eq!(sha256_hex(&dest), expected);
    std::fs::remove_file(&dest).unwrap();

    // A plain path to the gzip (sniffed, not named .gz-specific), with the right --sha256 of the gzip.
    let gz_sum = sha256_hex(&gz);
    ok(&update(
        &dest,
        &["--url", gz.to_str().unwrap(), "--sha256", &gz_sum],
    ));
    assert_eq!(sha256_hex(&dest), expected);

    // A wrong --sha256 is refused and the installed DB stays.
    let out = update(&dest, &["--url", db.to_str().unwrap(), "--sha256", &gz_sum]);
    assert_eq!(out.status.code(), Some(2), "{}", err(&out));
    assert!(err(&out).contains("digest mismatch"), "{}", err(&out));
    assert_eq!(sha256_hex(&dest), expected);

    // A `.sha256` sidecar written by sha256sum is honoured: a wrong one refuses, a right one installs.
    let sidecar = dir.path().join("source.db.sha256");
    std::fs::write(&sidecar, format!("{gz_sum}  source.db\n")).unwrap();
    let out = update(&dest, &["--url", &format!("file://{}", db.display())]);
    assert_eq!(out.status.code(), Some(2), "{}", err(&out));
    assert!(err(&out).contains("digest mismatch"), "{}", err(&out));
    std::fs::write(
        &sidecar,
        run(Command::new("sha256sum").arg(&db).current_dir(dir.path())),
    )
    .unwrap();
    std::fs::remove_file(&dest).unwrap();
    ok(&update(&dest, &["--url", db.to_str().unwrap()]));
    assert_eq!(sha256_hex(&dest), expected);

    // `db import FILE` does the same.
    let imported = dir.path().join("imported/bulwark.db");
    ok(&bulwark(&[
        "db",
        "import",
        "-q",
        gz.to_str().unwrap(),
        "--db",
        imported.to_str().unwrap(),
    ]));
    assert_eq!(sha256_hex(&imported), expected);

    // Not a DB: refused, nothing installed.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, "not sqlite").unwrap();
    let other = dir.path().join("other/bulwark.db");
    let out = update(&other, &["--url", junk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", err(&out));
    assert!(!other.exists());
    // A missing file names it.
    let out = update(&other, &["--url", "file:///nonexistent/bulwark.db"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err(&out).contains("/nonexistent/bulwark.db"),
        "{}",
        err(&out)
    );
}

#[test]
fn local_files_with_a_key_need_a_valid_signature() {
    let dir = tempfile::tempdir().unwrap();
    let (_, gz) = built_db(dir.path());
    let key = dir.path().join("k.pem");
    let public = dir.path().join("k.pub");
    let other = dir.path().join("o.pem");
    let other_public = dir.path().join("o.pub");
    for (k, p) in [(&key, &public), (&other, &other_public)] {
        run(Command::new("openssl")
            .args([
                "ecparam",
                "-name",
                "prime256v1",
                "-genkey",
                "-noout",
                "-out",
            ])
            .arg(k));
        run(Command::new("openssl")
            .args(["pkey", "-pubout", "-in"])
            .arg(k)
            .arg("-out")
            .arg(p));
    }
    let dest = dir.path().join("cache/bulwark.db");
    let pk = public.to_str().unwrap();
    // A key but no signature: refused.
    let out = update(&dest, &["--url", gz.to_str().unwrap(), "--public-key", pk]);
    assert_eq!(out.status.code(), Some(2), "{}", err(&out));
    assert!(err(&out).contains("signature"), "{}", err(&out));
    assert!(!dest.exists());
    // `FILE.sig` signed by openssl with the other key: refused.
    let sig = dir.path().join("source.db.gz.sig");
    run(Command::new("openssl")
        .args(["dgst", "-sha256", "-sign"])
        .arg(&other)
        .arg("-out")
        .arg(&sig)
        .arg(&gz));
    let out = update(&dest, &["--url", gz.to_str().unwrap(), "--public-key", pk]);
    assert_eq!(out.status.code(), Some(2), "{}", err(&out));
    assert!(
        err(&out).contains("signature does not verify"),
        "{}",
        err(&out)
    );
    assert!(!dest.exists());
    // Signed with the right key: installed.
    run(Command::new("openssl")
        .args(["dgst", "-sha256", "-sign"])
        .arg(&key)
        .arg("-out")
        .arg(&sig)
        .arg(&gz));
    ok(&update(
        &dest,
        &["--url", gz.to_str().unwrap(), "--public-key", pk],
    ));
    assert!(dest.exists());
}

#[test]
fn db_build_refuses_files_that_are_not_feeds() {
    let dir = tempfile::tempdir().unwrap();
    let out_db = dir.path().join("x.db");
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let not_kev = dir.path().join("kev.json");
    std::fs::write(&not_kev, "{\"vulnerabilities\": []}").unwrap();
    for (flag, input, needle) in [
        ("--osv", readme.to_str().unwrap(), "not an OSV record"),
        ("--osv", "nothere", "No such file"),
        ("--osv", empty.to_str().unwrap(), "no OSV records"),
        ("--kev", not_kev.to_str().unwrap(), "no CISA KEV records"),
        ("--debian", "nothere.json", "No such file"),
    ] {
        let out = bulwark(&["db", "build", flag, input, "-o", out_db.to_str().unwrap()]);
        let e = err(&out);
        assert_eq!(out.status.code(), Some(2), "{flag} {input}: {e}");
        let name = Path::new(input).file_name().unwrap().to_str().unwrap();
        assert!(
            e.contains(name) && e.contains(needle),
            "{flag} {input}: {e}"
        );
        assert!(!out_db.exists(), "{flag} {input} wrote a DB");
    }
    // A real feed still builds.
    ok(&bulwark(&[
        "db",
        "build",
        "-q",
        "--osv",
        testdata("osv-npm/npm-368.json").to_str().unwrap(),
        "-o",
        out_db.to_str().unwrap(),
    ]));
}

#[test]
fn db_info_formats() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = built_db(dir.path());
    let p = db.to_str().unwrap();
    for args in [
        vec!["db", "info", "--db", p, "-f", "json"],
        vec!["db", "info", "--db", p, "--json"],
    ] {
        let out = bulwark(&args);
        ok(&out);
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(doc["schemaVersion"], 1, "{args:?}");
        assert!(
            doc["namespaces"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["namespace"] == "alpine:3.14"),
            "{doc}"
        );
    }
    let out = bulwark(&["db", "info", "--db", p, "-f", "table"]);
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("path:"));
}

#[test]
fn scans_that_may_not_download_and_have_no_db_exit_2_naming_the_ways_forward() {
    let dir = tempfile::tempdir().unwrap();
    let image = common::image("alpine314.docker.tar");
    for flag in ["--skip-db-update", "--offline"] {
        // A repository that would refuse connections: nothing may be asked of it anyway.
        let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
            .args(["scan", "image", "-f", "json", flag, &image])
            .env("HOME", dir.path())
            .env_remove("XDG_CACHE_HOME")
            .env_remove("BULWARK_DB")
            .env("BULWARK_DB_REPOSITORY", "127.0.0.1:9/none/db:1")
            .output()
            .unwrap();
        let e = err(&out);
        assert_eq!(out.status.code(), Some(2), "{flag}: {e}");
        assert!(e.contains("no vulnerability database"), "{flag}: {e}");
        assert!(e.contains(flag), "{flag}: {e}");
        assert!(!e.contains("downloading"), "{flag}: {e}");
        for way in ["db import", "--db-repository", "--from-feeds"] {
            assert!(e.contains(way), "{flag}: no {way} in {e}");
        }
        // The report is still written (inventory only) and says why.
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
        assert!(vuln_ids(&report).is_empty());
        assert!(!report["packages"].as_array().unwrap().is_empty());
    }
    assert!(!dir.path().join(".cache/bulwark/db").exists());
}
