//! One verdict at the run stage (issue #15, "verdicts are re-evaluated with the same policy function as CI"):
//! the same SBOM, DB and bundle, with `BULWARK_NOW` fixed, give a byte-identical verdict (`Verdict::to_json()`
//! of each, parsed and written again as policy_conformance.rs compares them) from
//! (a) `bulwark scan sbom SBOM --db DB --policy B --stage runtime -f json`,
//! (b) `bulwark inventory rescan --policy B` on a SQLite store, and
//! (c) `bulwark serve --store` on a real PostgreSQL (started by the test), after its DB file is replaced,
//!     read back from the store, from `bulwark get images` and from `GET /api/v1/images/{digest}`.
//!
//! The expected decision comes from the fixture's known content, not from the code: the payments image of the
//! seed scenario holds `requests 2.19.0` and `idna 2.7` in its pip layer (`../shared/fixtures/README.md`; the
//! SBOM lists them); the v2 DB adds two CRITICAL PyPI advisories the test writes, one for each. The bundle fails
//! a CRITICAL vulnerability at runtime; a valid exception accepts the `idna` one, an expired one (before
//! `BULWARK_NOW`) would have accepted the `requests` one. So on v2 the decision is `fail`, with exactly the
//! `requests` advisory as the hit and the `idna` one excepted; on v1 (Debian's tracker: its urgencies go no
//! higher than "high") it is `pass`, and the change pass → fail is counted.

mod common;

#[path = "../../bulwark-store/tests/support/mod.rs"]
mod pg;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use bulwark_policy::Verdict;
use common::inventory::{DIGEST_A, build_db, sboms};
use common::server::Server;
use serde_json::Value;

const NOW: &str = "2026-12-01T00:00:00Z";
const READ_TOKEN: &str = "read-token-0123456789";

const RULES: &str = "apiVersion: policy.bulwark.dev/v1
kind: PolicySet
metadata: {name: run}
rules:
  - id: no-critical
    description: No CRITICAL vulnerability runs.
    stages: {build: fail, runtime: fail}
    vulnerabilities: {minSeverity: CRITICAL}
";

const EXCEPTIONS: &str = "apiVersion: policy.bulwark.dev/v1
kind: Exceptions
exceptions:
  - id: idna-not-reachable
    finding: PYSEC-2099-11
    purl: \"pkg:pypi/idna@*\"
    expires: 2099-01-01
    owner: team-payments
    ticket: SEC-201
    reason: the vulnerable code path is not used
  - id: requests-old-waiver
    finding: PYSEC-2099-10
    expires: 2026-06-01
    owner: team-payments
    ticket: SEC-200
    reason: expired before the evaluation time
";

fn bundle(dir: &Path) -> PathBuf {
    let b = dir.join("bundle");
    std::fs::create_dir_all(&b).unwrap();
    std::fs::write(
        b.join("bundle.yaml"),
        "name: run-verdicts\nversion: \"1\"\n",
    )
    .unwrap();
    std::fs::write(b.join("rules.yaml"), RULES).unwrap();
    std::fs::write(b.join("exceptions.yaml"), EXCEPTIONS).unwrap();
    b
}

fn osv(dir: &Path, id: &str, package: &str, fixed: &str) {
    std::fs::write(
        dir.join(format!("{id}.json")),
        serde_json::to_vec(&serde_json::json!({
            "id": id,
            "modified": "2099-01-01T00:00:00Z",
            "summary": format!("test advisory for {package}"),
            "affected": [{
                "package": {"ecosystem": "PyPI", "name": package},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]
            }],
            "database_specific": {"severity": "CRITICAL"}
        }))
        .unwrap(),
    )
    .unwrap();
}

/// v1: Debian's tracker data for the fixture; v2: the same plus two CRITICAL PyPI advisories.
fn dbs(dir: &Path) -> (PathBuf, PathBuf) {
    let tracker = common::vulndb_testdata("debian/bookworm-app-tracker.json");
    let osv_dir = dir.join("osv");
    std::fs::create_dir_all(&osv_dir).unwrap();
    osv(&osv_dir, "PYSEC-2099-10", "requests", "2.20.0");
    osv(&osv_dir, "PYSEC-2099-11", "idna", "2.8");
    let (v1, v2) = (dir.join("v1.db"), dir.join("v2.db"));
    build_db(&v1, &[("--debian", tracker.clone())]);
    build_db(&v2, &[("--debian", tracker), ("--osv", osv_dir)]);
    (v1, v2)
}

/// `bulwark ARGS` in `dir` (no `.bulwarkignore.yaml` there) with `BULWARK_NOW` fixed; stdout on success.
fn run(dir: &Path, args: &[&str], ok_codes: &[i32]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(args)
        .current_dir(dir)
        .env("BULWARK_NOW", NOW)
        .env_remove("BULWARK_POLICY")
        .env_remove("BULWARK_STORE")
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| ok_codes.contains(&c)),
        "bulwark {args:?} exited {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The canonical text of a verdict, whatever wrote it.
fn canonical(text: &str) -> String {
    let verdict: Verdict = serde_json::from_str(text).expect("a verdict");
    verdict.to_json()
}

/// The fixture's known content, judged by hand (see the module's comment).
fn check_expected(verdict_json: &str) {
    let v: Value = serde_json::from_str(verdict_json).unwrap();
    assert_eq!(v["decision"], "fail", "{verdict_json}");
    assert_eq!(v["stage"], "runtime");
    assert_eq!(v["evaluatedAt"], NOW);
    assert_eq!(v["bundle"]["name"], "run-verdicts");
    let results = v["results"].as_array().unwrap();
    let rule = results
        .iter()
        .find(|r| r["rule"] == "no-critical")
        .unwrap_or_else(|| panic!("no-critical in {verdict_json}"));
    assert_eq!(rule["outcome"], "fail");
    let hits = rule["hits"].to_string();
    assert!(hits.contains("PYSEC-2099-10"), "{hits}");
    assert!(!hits.contains("PYSEC-2099-11"), "excepted: {hits}");
    assert_eq!(
        rule["hits"].as_array().unwrap().len(),
        1,
        "only the requests advisory is CRITICAL and not excepted: {hits}"
    );
    let excepted = rule["excepted"].to_string();
    assert!(
        excepted.contains("PYSEC-2099-11") && excepted.contains("idna-not-reachable"),
        "{excepted}"
    );
    let applied = v["exceptions"]["applied"].to_string();
    assert!(applied.contains("idna-not-reachable"), "{applied}");
    let expired = v["exceptions"]["expired"].to_string();
    assert!(expired.contains("requests-old-waiver"), "{expired}");
}

fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?}: {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn version_of(db: &Path) -> String {
    bulwark_inventory::db_version(&bulwark_vulndb::VulnDb::open(db).unwrap()).unwrap()
}

fn install(src: &Path, current: &Path) {
    let tmp = current.with_extension("tmp");
    std::fs::copy(src, &tmp).unwrap();
    std::fs::rename(&tmp, current).unwrap();
}

fn push(dir: &Path, store: &str, sbom: &Path) {
    run(
        dir,
        &[
            "inventory",
            "push",
            "--store",
            store,
            "--digest",
            DIGEST_A,
            "--ref",
            "registry.example/payments/api:1",
            &sbom.display().to_string(),
        ],
        &[0],
    );
}

#[test]
fn scan_sbom_inventory_rescan_and_the_server_give_one_verdict() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let b = bundle(dir);
    let b = b.to_str().unwrap();
    let (v1, v2) = dbs(dir);
    let (sbom, _) = sboms(dir);
    let sbom_s = sbom.display().to_string();

    // (a) scan sbom --policy.
    let out = run(
        dir,
        &[
            "scan",
            "sbom",
            &sbom_s,
            "--db",
            v2.to_str().unwrap(),
            "--skip-db-update",
            "--policy",
            b,
            "--stage",
            "runtime",
            "-f",
            "json",
        ],
        &[1],
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    let from_scan = canonical(&report["verdict"].to_string());
    check_expected(&from_scan);

    // (b) inventory rescan --policy on SQLite: v1 (pass), then v2 (fail: a changed decision).
    let sqlite = pg::TestDb::sqlite();
    let store = sqlite.location.as_str();
    push(dir, store, &sbom);
    let rescan = |db: &Path| -> Value {
        let out = run(
            dir,
            &[
                "inventory",
                "rescan",
                "--store",
                store,
                "--db",
                db.to_str().unwrap(),
                "--policy",
                b,
            ],
            &[0],
        );
        serde_json::from_str(&out).unwrap()
    };
    let r1 = rescan(&v1);
    assert_eq!(
        (&r1["verdicts"], &r1["decisionsChanged"]),
        (&Value::from(1), &Value::from(0)),
        "{r1}"
    );
    let s = sqlite.open();
    let first = s.latest_verdict(DIGEST_A, None).unwrap().unwrap();
    assert_eq!(
        first.decision, "pass",
        "no CRITICAL in v1: {}",
        first.verdict_json
    );
    assert_eq!(first.db_version.as_deref(), Some(version_of(&v1).as_str()));
    let r2 = rescan(&v2);
    assert_eq!(
        (&r2["verdicts"], &r2["decisionsChanged"]),
        (&Value::from(1), &Value::from(1)),
        "pass → fail: {r2}"
    );
    let stored = s.latest_verdict(DIGEST_A, None).unwrap().unwrap();
    assert_eq!(stored.decision, "fail");
    assert_eq!(stored.bundle_name.as_deref(), Some("run-verdicts"));
    assert_eq!(stored.bundle_version.as_deref(), Some("1"));
    assert!(
        stored
            .bundle_digest
            .as_deref()
            .is_some_and(|d| d.starts_with("sha256:"))
    );
    assert_eq!(stored.db_version.as_deref(), Some(version_of(&v2).as_str()));
    let from_rescan = canonical(&stored.verdict_json);
    assert_eq!(from_rescan, from_scan, "inventory rescan vs scan sbom");
    // The same job again (a new pass over a done version) writes no second verdict.
    let r3 = rescan(&v2);
    assert_eq!(r3["verdicts"], 0, "{r3}");
    let images = run(
        dir,
        &["get", "images", "--store", store, "-o", "json"],
        &[0],
    );
    let images: Value = serde_json::from_str(&images).unwrap();
    assert_eq!(images[0]["verdict"]["decision"], "fail", "{images}");
    let table = run(dir, &["get", "images", "--store", store], &[0]);
    assert!(table.lines().next().unwrap().contains("VERDICT"), "{table}");
    assert!(table.contains(" fail "), "{table}");

    // (c) bulwark serve --store on PostgreSQL: the baseline on v1, then the DB file replaced by v2.
    let pgdb = pg::TestDb::postgres();
    let store = pgdb.location.as_str();
    push(dir, store, &sbom);
    let current = dir.join("current.db");
    install(&v1, &current);
    let tokens = dir.join("tokens.yaml");
    std::fs::write(
        &tokens,
        format!("tokens:\n  - name: dashboard\n    role: read\n    token: {READ_TOKEN}\n"),
    )
    .unwrap();
    let certs = dir.join("certs");
    let args: Vec<std::ffi::OsString> = vec![
        "serve".into(),
        "--policy".into(),
        b.into(),
        "--generate-certs".into(),
        certs.clone().into(),
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--store".into(),
        store.into(),
        "--worker".into(),
        "r1".into(),
        "--vuln-db".into(),
        current.clone().into(),
        "--api-tokens".into(),
        tokens.into(),
        "--rescan-every".into(),
        "200ms".into(),
    ];
    let mut cmd = Server::command(&args, dir);
    cmd.env("BULWARK_NOW", NOW);
    let server = Server::spawn(cmd, certs);
    let s = pgdb.open();
    let verdict_on = |version: &str| {
        s.latest_verdict(DIGEST_A, None)
            .unwrap()
            .filter(|v| v.db_version.as_deref() == Some(version))
    };
    let v1_version = version_of(&v1);
    wait_until("the verdict on v1", Duration::from_mins(2), || {
        verdict_on(&v1_version).is_some()
    });
    assert_eq!(verdict_on(&v1_version).unwrap().decision, "pass");
    install(&v2, &current);
    let v2_version = version_of(&v2);
    wait_until("the verdict on v2", Duration::from_mins(2), || {
        verdict_on(&v2_version).is_some()
    });
    let served = verdict_on(&v2_version).unwrap();
    let from_server = canonical(&served.verdict_json);
    assert_eq!(from_server, from_scan, "serve --store vs scan sbom");
    check_expected(&from_server);

    // The API shows the latest verdict's decision.
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "30", "--cacert"])
        .arg(server.certs.join("ca.crt"))
        .args(["-H", &format!("Authorization: Bearer {READ_TOKEN}")])
        .arg(server.url(&format!("/api/v1/images/{DIGEST_A}")))
        .output()
        .expect("curl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let detail: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(detail["verdict"]["decision"], "fail", "{detail}");
    assert_eq!(detail["verdict"]["db_version"], v2_version.as_str());
    assert_eq!(detail["verdict"]["bundle_name"], "run-verdicts");
}

/// A bundle that does not load stops `inventory rescan --policy` before any job exists: exit 2, the bundle named,
/// nothing re-matched and no verdict written.
#[test]
fn a_bad_bundle_stops_the_rescan_before_it_starts() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (v1, _) = dbs(dir);
    let (sbom, _) = sboms(dir);
    let sqlite = pg::TestDb::sqlite();
    let store = sqlite.location.as_str();
    push(dir, store, &sbom);
    let bad = dir.join("bad-bundle");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(
        bad.join("rules.yaml"),
        "kind: PolicySet\nrules: [ {id: x, stages: ",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args([
            "inventory",
            "rescan",
            "--store",
            store,
            "--db",
            v1.to_str().unwrap(),
            "--policy",
            bad.to_str().unwrap(),
        ])
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad-bundle"), "{err}");
    let s = sqlite.open();
    assert_eq!(s.job_counts(&version_of(&v1)).unwrap().done, 0);
    assert_eq!(s.latest_verdict(DIGEST_A, None).unwrap(), None);
    assert_eq!(
        s.image(DIGEST_A).unwrap().unwrap().db_version,
        None,
        "not matched"
    );
}
