//! Incremental re-matching against its truth, a full re-match: two stores hold the same two images (the
//! fixture image, with a pip layer, and one with only its Debian packages); one follows a series of DB updates
//! incrementally, the other is made to re-match in full at each (its kept DB digests dropped first). After each
//! update both must hold identical findings (every episode, with its times and versions), identical image
//! bookkeeping and identical queued notifications, on SQLite and on a real PostgreSQL. The updates, built with
//! `bulwark db build` from feeds written here:
//! - (a) an advisory for `requests` (only the pip layer of image A has it) is added;
//! - (b) it is withdrawn (A's finding is fixed);
//! - (a2) a CVE for the Debian source package `cyrus-sasl2` is added (both images hold its binaries);
//! - (c1) only the EPSS score of a CVE open in both images changes;
//! - (c2) only the Debian urgency (severity) of that CVE changes;
//! - (d) nothing changes (the same feeds built again);
//! - (e) every Debian rule is gone (more than half the package names changed: a full re-match).
//!
//! Which images the incremental cycle must match is known from the feeds: (a) and (b) touch A only, (a2), (c1)
//! and (c2) both, (d) none, and (e) is past the delta threshold.

mod common;

#[path = "../../bulwark-store/tests/support/mod.rs"]
mod pg;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use bulwark_store::Store;
use common::inventory::{DIGEST_A, DIGEST_B, build_db, owners_yaml, sboms};

/// The Debian tracker with CVE-2099-0001 open in `dash` (every image has it) at `urgency`, and with `sasl`,
/// CVE-2099-0002 open in the source package `cyrus-sasl2`, whose binary packages (`libsasl2-2`, …) every image
/// has: the stored packages name only the binaries, the source is in their purls' `upstream` qualifier.
fn tracker(dir: &Path, urgency: &str, sasl: bool) -> PathBuf {
    let base = common::vulndb_testdata("debian/bookworm-app-tracker.json");
    let mut t: serde_json::Value = serde_json::from_slice(&std::fs::read(base).unwrap()).unwrap();
    t["dash"] = serde_json::json!({
        "CVE-2099-0001": {
            "description": "test CVE in dash",
            "releases": {"bookworm": {"status": "open", "urgency": urgency, "repositories": {"bookworm": "0.5.12-2"}}},
            "scope": "local"
        }
    });
    if sasl {
        t["cyrus-sasl2"]["CVE-2099-0002"] = serde_json::json!({
            "description": "test CVE in cyrus-sasl2",
            "releases": {"bookworm": {"status": "open", "urgency": "medium", "repositories": {"bookworm": "2.1.28+dfsg-10"}}},
            "scope": "local"
        });
    }
    let p = dir.join(format!("tracker-{urgency}-{sasl}.json"));
    std::fs::write(&p, serde_json::to_vec(&t).unwrap()).unwrap();
    p
}

fn epss(dir: &Path, score: &str) -> PathBuf {
    let p = dir.join(format!("epss-{score}.csv"));
    std::fs::write(
        &p,
        format!(
            "#model_version:v2025.03.14,score_date:2026-11-20T00:00:00+0000\ncve,epss,percentile\nCVE-2099-0001,{score},0.5\n"
        ),
    )
    .unwrap();
    p
}

fn osv_requests(dir: &Path) -> PathBuf {
    let osv = dir.join("osv");
    std::fs::create_dir_all(&osv).unwrap();
    std::fs::write(
        osv.join("PYSEC-2099-1.json"),
        serde_json::to_vec(&serde_json::json!({
            "id": "PYSEC-2099-1",
            "modified": "2099-01-01T00:00:00Z",
            "summary": "test advisory for requests",
            "affected": [{
                "package": {"ecosystem": "PyPI", "name": "requests"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.20.0"}]}]
            }]
        }))
        .unwrap(),
    )
    .unwrap();
    osv
}

/// Everything a re-match decides, in a comparable form: per image its version and match time, every finding
/// episode (ids left out: each store numbers its own), the changes, and the queued notifications.
fn snapshot(s: &Store, versions: &[String]) -> String {
    let mut out = String::new();
    for d in [DIGEST_A, DIGEST_B] {
        let i = s.image(d).unwrap().unwrap();
        let _ = writeln!(out, "image {d} {:?} {:?}", i.db_version, i.matched_at);
        let mut fs: Vec<String> = s
            .findings(d, false)
            .unwrap()
            .into_iter()
            .map(|mut f| {
                f.id = 0;
                format!("{f:?}")
            })
            .collect();
        fs.sort();
        for f in fs {
            let _ = writeln!(out, "  {f}");
        }
    }
    for v in versions {
        let mut cs: Vec<String> = s
            .changes(v)
            .unwrap()
            .into_iter()
            .map(|mut c| {
                c.finding.id = 0;
                format!("{:?} {} {:?}", c.kind, c.at, c.finding)
            })
            .collect();
        cs.sort();
        let _ = writeln!(out, "changes {v}: {cs:?}");
    }
    let mut ns: Vec<String> = s
        .notifications(None)
        .unwrap()
        .into_iter()
        .map(|n| format!("{} {} {} {}", n.team, n.channel, n.dedupe_key, n.payload))
        .collect();
    ns.sort();
    for n in ns {
        let _ = writeln!(out, "notification {n}");
    }
    out
}

fn scenario(inc_location: &str, full_location: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (high, low) = (tracker(dir, "high", false), tracker(dir, "low", true));
    let high_sasl = tracker(dir, "high", true);
    let (e1, e9) = (epss(dir, "0.10000"), epss(dir, "0.90000"));
    let osv = osv_requests(dir);
    let steps: Vec<(&str, Vec<(&str, PathBuf)>)> = vec![
        (
            "baseline",
            vec![("--debian", high.clone()), ("--epss", e1.clone())],
        ),
        (
            "a: add",
            vec![
                ("--debian", high.clone()),
                ("--epss", e1.clone()),
                ("--osv", osv),
            ],
        ),
        (
            "b: withdraw",
            vec![("--debian", high), ("--epss", e1.clone())],
        ),
        (
            "a2: source package",
            vec![("--debian", high_sasl.clone()), ("--epss", e1)],
        ),
        (
            "c1: epss",
            vec![("--debian", high_sasl), ("--epss", e9.clone())],
        ),
        (
            "c2: severity",
            vec![("--debian", low.clone()), ("--epss", e9.clone())],
        ),
        ("d: nothing", vec![("--debian", low), ("--epss", e9)]),
        // Every Debian rule gone, one PyPI advisory left: more than half the package names changed.
        ("e: most changed", vec![("--osv", osv_requests(dir))]),
    ];
    // (mode, images matched, images carried) the incremental store must report.
    let expected = [
        ("full", 2, 0),
        ("incremental", 1, 1),
        ("incremental", 1, 1),
        ("incremental", 2, 0),
        ("incremental", 2, 0),
        ("incremental", 2, 0),
        ("incremental", 0, 2),
        ("full", 2, 0),
    ];
    let mut dbs = Vec::new();
    for (i, (_, feeds)) in steps.iter().enumerate() {
        if i > 0 {
            // Versions are named by build time (seconds): one a second.
            std::thread::sleep(std::time::Duration::from_millis(1100));
        }
        let p = dir.join(format!("v{i}.db"));
        build_db(&p, feeds);
        dbs.push(p);
    }

    let owners = bulwark_owners::parse_bytes(owners_yaml(9).as_bytes(), "owners.yaml").unwrap();
    let (sbom_a, sbom_b) = sboms(dir);
    let inc = Store::open(inc_location).unwrap();
    let full = Store::open(full_location).unwrap();
    for s in [&inc, &full] {
        for (d, r, sbom) in [
            (DIGEST_A, "registry.example/payments/api:1", &sbom_a),
            (DIGEST_B, "registry.example/search/api:1", &sbom_b),
        ] {
            let bytes = std::fs::read(sbom).unwrap();
            bulwark_inventory::ingest_sbom(s, d, &[r.to_owned()], &bytes, "sbom", 1000).unwrap();
        }
    }
    let mut versions = Vec::new();
    for (i, db) in dbs.iter().enumerate() {
        let step = steps[i].0;
        let db = bulwark_vulndb::VulnDb::open(db).unwrap();
        let version = bulwark_inventory::db_version(&db).unwrap();
        versions.push(version.clone());
        let at = 2000 + 100 * i64::try_from(i).unwrap();
        let now = move || at;
        assert!(full.forget_db_digests().is_ok());
        let rf =
            bulwark_inventory::rescan(&full, &db, &version, Some(&owners), "w", 60, &now, None)
                .unwrap();
        let ri = bulwark_inventory::rescan(&inc, &db, &version, Some(&owners), "w", 60, &now, None)
            .unwrap();
        assert!(rf.complete && ri.complete, "{step}: {rf:?} {ri:?}");
        assert_eq!(
            (rf.mode.as_str(), rf.images_matched, rf.images_carried),
            ("full", 2, 0),
            "{step}: the store without digests re-matches in full"
        );
        let (mode, matched, carried) = expected[i];
        assert_eq!(
            (ri.mode.as_str(), ri.images_matched, ri.images_carried),
            (mode, matched, carried),
            "{step}: {ri:?}"
        );
        assert_eq!(ri.jobs_done, matched, "{step}");
        assert_eq!(
            (ri.new, ri.fixed, ri.queued),
            (rf.new, rf.fixed, rf.queued),
            "{step}"
        );
        let (si, sf) = (snapshot(&inc, &versions), snapshot(&full, &versions));
        assert_eq!(si, sf, "{step}: incremental and full re-matches differ");
        // The scenario's own truth, so that the comparison is not between two equally wrong stores.
        let open_a = |id: &str| {
            inc.findings(DIGEST_A, true)
                .unwrap()
                .into_iter()
                .find(|f| f.vuln_id == id)
        };
        match step {
            "a: add" => {
                assert!(open_a("PYSEC-2099-1").is_some(), "{step}");
                assert_eq!((ri.new, ri.fixed), (1, 0), "{step}");
                assert!(ri.queued > 0, "{step}: payments is told");
            }
            "b: withdraw" => {
                assert!(open_a("PYSEC-2099-1").is_none(), "{step}");
                assert_eq!((ri.new, ri.fixed), (0, 1), "{step}");
                assert!(ri.queued > 0, "{step}: the fix is notified");
            }
            "a2: source package" => {
                assert!(open_a("CVE-2099-0002").is_some(), "{step}");
                assert!(ri.new >= 2, "{step}: in both images");
            }
            "c2: severity" => {
                let f = open_a("CVE-2099-0001").expect("dash CVE open");
                assert_eq!(f.severity, bulwark_types::Severity::Low, "{step}");
                assert_eq!((ri.new, ri.fixed, ri.queued), (0, 0, 0), "{step}");
            }
            "e: most changed" => {
                assert!(open_a("CVE-2099-0001").is_none(), "{step}");
                assert!(ri.fixed > 1 && ri.queued > 0, "{step}");
            }
            "c1: epss" | "d: nothing" => {
                assert_eq!((ri.new, ri.fixed, ri.queued), (0, 0, 0), "{step}");
            }
            _ => {}
        }
    }
}

#[test]
fn incremental_equals_full_on_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    scenario(
        &format!("sqlite:{}", tmp.path().join("inc.db").display()),
        &format!("sqlite:{}", tmp.path().join("full.db").display()),
    );
}

#[test]
fn incremental_equals_full_on_postgresql() {
    let (a, b) = (pg::TestDb::postgres(), pg::TestDb::postgres());
    scenario(&a.location, &b.location);
}

/// The two images (A, B) stored in `location`, and `count` DB versions built in `dir`, a second apart so that
/// they order by build time: the first from the Debian tracker alone, each later one adding the PyPI advisory
/// (which only A's pip packages meet).
fn two_images_and_versions(
    dir: &Path,
    location: &str,
    count: usize,
) -> (Store, Vec<(bulwark_vulndb::VulnDb, String)>) {
    let high = tracker(dir, "high", false);
    let osv = osv_requests(dir);
    let mut dbs = Vec::new();
    for i in 1..=count {
        if i > 1 {
            std::thread::sleep(std::time::Duration::from_millis(1100));
        }
        let path = dir.join(format!("v{i}.db"));
        if i == 1 {
            build_db(&path, &[("--debian", high.clone())]);
        } else {
            build_db(&path, &[("--debian", high.clone()), ("--osv", osv.clone())]);
        }
        dbs.push(open_version(&path));
    }
    let (sbom_a, sbom_b) = sboms(dir);
    let s = Store::open(location).unwrap();
    for (d, r, sbom) in [
        (DIGEST_A, "registry.example/payments/api:1", &sbom_a),
        (DIGEST_B, "registry.example/search/api:1", &sbom_b),
    ] {
        let bytes = std::fs::read(sbom).unwrap();
        bulwark_inventory::ingest_sbom(&s, d, &[r.to_owned()], &bytes, "sbom", 1000).unwrap();
    }
    (s, dbs)
}

fn open_version(p: &Path) -> (bulwark_vulndb::VulnDb, String) {
    let db = bulwark_vulndb::VulnDb::open(p).unwrap();
    let v = bulwark_inventory::db_version(&db).unwrap();
    (db, v)
}

/// A version superseded half-way is never notified alone, and what its done jobs recorded goes out with the
/// version that superseded it: without that, a finding it opened would stay open in the newer version (no change
/// there) and nobody would ever hear of it.
fn superseded(location: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let (s, mut dbs) = two_images_and_versions(tmp.path(), location, 3);
    let owners = bulwark_owners::parse_bytes(owners_yaml(9).as_bytes(), "owners.yaml").unwrap();
    let (db3, ver3) = dbs.pop().unwrap();
    let (db2, ver2) = dbs.pop().unwrap();
    let (db1, ver1) = dbs.pop().unwrap();
    let r =
        bulwark_inventory::rescan(&s, &db1, &ver1, Some(&owners), "w", 60, &|| 2000, None).unwrap();
    assert!(r.complete && r.queued == 0, "{r:?}");
    // v2's cycle is planned and one of its two jobs done (A: PYSEC-2099-1 opens) when v3 arrives.
    let plan = bulwark_store::CyclePlan {
        db_version: ver2.clone(),
        built_at: i64::try_from(db2.meta().built_at).unwrap(),
        mode: "full".into(),
        jobs: vec![DIGEST_A.into(), DIGEST_B.into()],
        ..bulwark_store::CyclePlan::default()
    };
    assert!(s.plan_cycle(&plan, 2100).unwrap());
    let job = s.claim_jobs("w2", &ver2, 2100, 60, 1).unwrap().remove(0);
    assert_eq!(job.digest, DIGEST_A);
    let diff =
        bulwark_inventory::rematch_one(&s, &db2, Some(&owners), DIGEST_A, &ver2, 2110).unwrap();
    assert_eq!(diff.new.len(), 1);
    assert!(s.complete_job(job.id, "w2", 2110).unwrap());

    let r3 =
        bulwark_inventory::rescan(&s, &db3, &ver3, Some(&owners), "w", 60, &|| 2200, None).unwrap();
    assert!(r3.complete, "{r3:?}");
    assert_eq!(
        s.cycle(&ver2).unwrap().unwrap().superseded_by.as_deref(),
        Some(ver3.as_str())
    );
    assert_eq!(
        (r3.new, r3.fixed),
        (0, 0),
        "A's finding is already open: no change in v3 itself"
    );
    assert_eq!(
        r3.queued, 1,
        "v2's change goes out with v3: one message to payments: {r3:?}"
    );
    let queued = s.notifications(None).unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].team, "payments");
    assert!(
        queued[0].payload.contains("PYSEC-2099-1"),
        "{}",
        queued[0].payload
    );
    // A late v2 worker finds its cycle superseded: nothing claimed, nothing queued.
    let r2 = bulwark_inventory::rescan(&s, &db2, &ver2, Some(&owners), "w2", 60, &|| 2300, None)
        .unwrap();
    assert_eq!(r2.superseded_by.as_deref(), Some(ver3.as_str()));
    assert!(
        !r2.complete && r2.jobs_done == 0 && r2.queued == 0,
        "{r2:?}"
    );
    assert_eq!(s.notifications(None).unwrap().len(), 1);
}

/// A version whose jobs all finished but whose notifications were never queued (the process died between its
/// last job and `notify_cycle`) is notified when the next version arrives, once: the next plan supersedes only
/// versions with open jobs, so without the catch-up its changes would never be sent.
fn unnotified(location: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let (s, mut dbs) = two_images_and_versions(tmp.path(), location, 4);
    let owners = bulwark_owners::parse_bytes(owners_yaml(9).as_bytes(), "owners.yaml").unwrap();
    let (db4, ver4) = dbs.pop().unwrap();
    let (db3, ver3) = dbs.pop().unwrap();
    let (db2, ver2) = dbs.pop().unwrap();
    let (db1, ver1) = dbs.pop().unwrap();
    let r =
        bulwark_inventory::rescan(&s, &db1, &ver1, Some(&owners), "w", 60, &|| 2000, None).unwrap();
    assert!(r.complete && r.queued == 0, "{r:?}");
    // v2's two jobs are done (A: PYSEC-2099-1 opens), and the process dies before notify_cycle.
    let plan = bulwark_store::CyclePlan {
        db_version: ver2.clone(),
        built_at: i64::try_from(db2.meta().built_at).unwrap(),
        mode: "full".into(),
        jobs: vec![DIGEST_A.into(), DIGEST_B.into()],
        ..bulwark_store::CyclePlan::default()
    };
    assert!(s.plan_cycle(&plan, 2100).unwrap());
    for job in s.claim_jobs("w2", &ver2, 2100, 60, 8).unwrap() {
        bulwark_inventory::rematch_one(&s, &db2, Some(&owners), &job.digest, &ver2, 2110).unwrap();
        assert!(s.complete_job(job.id, "w2", 2110).unwrap());
    }
    assert!(s.notifications(None).unwrap().is_empty());

    let r3 =
        bulwark_inventory::rescan(&s, &db3, &ver3, Some(&owners), "w", 60, &|| 2200, None).unwrap();
    assert!(r3.complete, "{r3:?}");
    assert_eq!(s.cycle(&ver2).unwrap().unwrap().superseded_by, None);
    assert_eq!(
        r3.queued, 1,
        "v2's change is queued before v3 is planned: {r3:?}"
    );
    let queued = s.notifications(None).unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].team, "payments");
    assert!(
        queued[0].payload.contains("PYSEC-2099-1"),
        "{}",
        queued[0].payload
    );
    // A version already notified queues nothing when the next one catches up on it.
    let r4 =
        bulwark_inventory::rescan(&s, &db4, &ver4, Some(&owners), "w", 60, &|| 2300, None).unwrap();
    assert_eq!(r4.queued, 0, "{r4:?}");
    assert_eq!(s.notifications(None).unwrap().len(), 1);
}

#[test]
fn an_unnotified_finished_version_is_notified_by_the_next_on_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    unnotified(&format!("sqlite:{}", tmp.path().join("s.db").display()));
}

#[test]
fn an_unnotified_finished_version_is_notified_by_the_next_on_postgresql() {
    let db = pg::TestDb::postgres();
    unnotified(&db.location);
}

/// An image an incremental cycle carries forward is not matched, so its findings keep the routing of their last
/// match; `reroute` (run by the server when owners.yaml changes) routes every open finding with the new file.
fn rerouted(location: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let (s, mut dbs) = two_images_and_versions(tmp.path(), location, 2);
    let (db2, ver2) = dbs.pop().unwrap();
    let (db1, ver1) = dbs.pop().unwrap();
    let before = owners_yaml(9);
    // The base layer moves from platform to payments.
    let after = before.replace(
        "  - team: platform\n    createdBy",
        "  - team: payments\n    createdBy",
    );
    assert_ne!(before, after);
    let owners1 = bulwark_owners::parse_bytes(before.as_bytes(), "owners.yaml").unwrap();
    let owners2 = bulwark_owners::parse_bytes(after.as_bytes(), "owners.yaml").unwrap();
    bulwark_inventory::rescan(&s, &db1, &ver1, Some(&owners1), "w", 60, &|| 2000, None).unwrap();
    let teams = |s: &Store| -> BTreeSet<String> {
        s.findings(DIGEST_B, true)
            .unwrap()
            .into_iter()
            .map(|f| f.owner_team.unwrap_or_default())
            .collect()
    };
    let set = |t: &[&str]| {
        t.iter()
            .map(|t| (*t).to_owned())
            .collect::<BTreeSet<String>>()
    };
    assert_eq!(teams(&s), set(&["platform", "search"]));
    // v2 adds a PyPI advisory: only A (which has pip packages) is matched; B is carried, still routed by v1's file.
    let r2 = bulwark_inventory::rescan(&s, &db2, &ver2, Some(&owners2), "w", 60, &|| 2100, None)
        .unwrap();
    assert_eq!(
        (r2.mode.as_str(), r2.images_carried),
        ("incremental", 1),
        "{r2:?}"
    );
    assert_eq!(teams(&s), set(&["platform", "search"]));
    let n = bulwark_inventory::reroute(&s, &owners2).unwrap();
    assert!(n > 0);
    assert_eq!(teams(&s), set(&["payments", "search"]));
    assert!(s.findings(DIGEST_B, true).unwrap().iter().all(|f| {
        f.owner_rule
            .as_deref()
            .is_some_and(|r| r.starts_with("owners.yaml:"))
    }));
    assert_eq!(bulwark_inventory::reroute(&s, &owners2).unwrap(), 0);
}

#[test]
fn carried_findings_are_rerouted_with_a_new_owners_file_on_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    rerouted(&format!("sqlite:{}", tmp.path().join("s.db").display()));
}

#[test]
fn carried_findings_are_rerouted_with_a_new_owners_file_on_postgresql() {
    let db = pg::TestDb::postgres();
    rerouted(&db.location);
}

#[test]
fn superseded_version_is_notified_with_the_newer_on_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    superseded(&format!("sqlite:{}", tmp.path().join("s.db").display()));
}

#[test]
fn superseded_version_is_notified_with_the_newer_on_postgresql() {
    let db = pg::TestDb::postgres();
    superseded(&db.location);
}
