//! Nothing is lost when a worker is killed (`kill -9`) in the middle of re-matching or of delivering, and
//! nothing is sent twice:
//! - a `bulwark inventory rescan` killed mid-cycle, then run again (its leases expired), ends with exactly the
//!   findings, changes and queued notifications of a cycle that was never interrupted (a second store);
//! - a `bulwark inventory notify` killed while a (slow) receiver holds a request, then run again, leaves every
//!   notification delivered, one row per dedupe key, and the receiver got each message at least once with the
//!   same CloudEvents `id` (= the dedupe key) every time, so it can drop the copy of the one in flight: that is
//!   the delivery contract (at least once, deduplicated by key).

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::inventory::{Sink, build_db, feeds, ok, owners_yaml, sboms};

const IMAGES: usize = 48;

fn digest(i: usize) -> String {
    format!("sha256:{i:064x}")
}

/// Pushes IMAGES images (payments and search alternately), places them, and takes the baseline on `db1`.
fn fill(store: &str, dir: &Path, db1: &str, owners: &str) {
    let (a, b) = sboms(dir);
    for i in 0..IMAGES {
        let (r, sbom) = if i % 2 == 0 {
            (format!("registry.example/payments/api{i}:1"), &a)
        } else {
            (format!("registry.example/search/api{i}:1"), &b)
        };
        ok(&[
            "inventory",
            "push",
            "--store",
            store,
            "--digest",
            &digest(i),
            "--ref",
            &r,
            "--db",
            db1,
            "--owners",
            owners,
            &sbom.display().to_string(),
        ]);
    }
    ok(&[
        "inventory",
        "rescan",
        "--store",
        store,
        "--db",
        db1,
        "--owners",
        owners,
    ]);
}

/// The store's state as data: every finding (open or fixed) and every queued notification key.
fn state(store: &str) -> (Vec<String>, Vec<String>) {
    let rows = ok(&[
        "get",
        "cve",
        "--store",
        store,
        "--include-fixed",
        "-o",
        "json",
    ]);
    let mut findings: Vec<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {} {} new={} owner={}",
                r["digest"], r["vuln_id"], r["purl"], r["is_new"], r["owner_team"]
            )
        })
        .collect();
    findings.sort();
    let s = bulwark_store::Store::open(store).unwrap();
    let mut keys: Vec<String> = s
        .notifications(None)
        .unwrap()
        .into_iter()
        .map(|n| format!("{} {} {}", n.team, n.channel, n.dedupe_key))
        .collect();
    keys.sort();
    (findings, keys)
}

fn kill_after(args: &[&str], after: Duration) -> bool {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while start.elapsed() < after {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    // SIGKILL: no destructor, no flush.
    child.kill().unwrap();
    child.wait().unwrap();
    true
}

#[test]
fn a_rescan_killed_mid_cycle_finishes_on_restart_with_nothing_lost_or_doubled() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let sink = Sink::start(&dir.join("sink"));
    let (v1, v2) = feeds(dir);
    let (db1, db2) = (dir.join("v1.db"), dir.join("v2.db"));
    build_db(&db1, &v1);
    build_db(&db2, &v2);
    let owners = dir.join("owners.yaml");
    std::fs::write(&owners, owners_yaml(sink.port)).unwrap();
    let (o, d1, d2) = (
        owners.display().to_string(),
        db1.display().to_string(),
        db2.display().to_string(),
    );
    let killed = format!("sqlite:{}", dir.join("killed.db").display());
    let clean = format!("sqlite:{}", dir.join("clean.db").display());
    fill(&killed, dir, &d1, &o);
    fill(&clean, dir, &d1, &o);

    let start = Instant::now();
    let uninterrupted = ok(&[
        "inventory",
        "rescan",
        "--store",
        &clean,
        "--db",
        &d2,
        "--owners",
        &o,
    ]);
    let took = start.elapsed();
    assert_eq!(uninterrupted["complete"], true);
    // Kill the same re-match part-way through (the uninterrupted one took `took`).
    let mut landed = false;
    for fraction in [0.7, 0.5, 0.35] {
        if kill_after(
            &[
                "inventory",
                "rescan",
                "--store",
                &killed,
                "--db",
                &d2,
                "--owners",
                &o,
                "--lease",
                "1",
                "--worker",
                "doomed",
            ],
            took.mul_f64(fraction),
        ) {
            landed = true;
            break;
        }
    }
    assert!(
        landed,
        "the rescan always finished before the kill ({took:?})"
    );
    let store = bulwark_store::Store::open(&killed).unwrap();
    assert!(
        store.check().unwrap().is_empty(),
        "consistent after the kill"
    );
    let v2 = uninterrupted["dbVersion"].as_str().unwrap();
    let done = store
        .images()
        .unwrap()
        .iter()
        .filter(|i| i.db_version.as_deref() == Some(v2))
        .count();
    eprintln!("killed with {done} of {IMAGES} images re-matched");
    drop(store);
    // The killed worker's leases expire after a second; another worker takes its jobs over.
    std::thread::sleep(Duration::from_millis(1100));
    let r = ok(&[
        "inventory",
        "rescan",
        "--store",
        &killed,
        "--db",
        &d2,
        "--owners",
        &o,
        "--lease",
        "1",
    ]);
    assert_eq!(r["complete"], true, "{r}");
    let (fa, ka) = state(&killed);
    let (fb, kb) = state(&clean);
    assert_eq!(fa, fb, "the same findings as an uninterrupted cycle");
    assert_eq!(ka, kb, "the same notifications, each queued once");
    assert_eq!(ka.len(), 2, "platform and payments: {ka:?}");
}

#[test]
fn a_delivery_killed_mid_request_is_completed_once_per_key_on_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // Each POST is held 1.5 s after the body is stored: the kill lands while the receiver has the message and
    // before the sender recorded it.
    let sink = Sink::start_slow(&dir.join("sink"), 1500);
    let (v1, v2) = feeds(dir);
    let (db1, db2) = (dir.join("v1.db"), dir.join("v2.db"));
    build_db(&db1, &v1);
    build_db(&db2, &v2);
    let owners = dir.join("owners.yaml");
    std::fs::write(&owners, owners_yaml(sink.port)).unwrap();
    let (o, d1, d2) = (
        owners.display().to_string(),
        db1.display().to_string(),
        db2.display().to_string(),
    );
    let store = format!("sqlite:{}", dir.join("store.db").display());
    fill(&store, dir, &d1, &o);
    let r = ok(&[
        "inventory",
        "rescan",
        "--store",
        &store,
        "--db",
        &d2,
        "--owners",
        &o,
    ]);
    assert_eq!(r["queued"], 2, "{r}");

    assert!(kill_after(
        &[
            "inventory",
            "notify",
            "--store",
            &store,
            "--owners",
            &o,
            "--lease",
            "1"
        ],
        Duration::from_millis(700),
    ));
    std::thread::sleep(Duration::from_millis(1100));
    let d = ok(&[
        "inventory",
        "notify",
        "--store",
        &store,
        "--owners",
        &o,
        "--lease",
        "1",
    ]);
    assert_eq!(d["failed"], 0, "{d}");

    let s = bulwark_store::Store::open(&store).unwrap();
    let all = s.notifications(None).unwrap();
    assert_eq!(all.len(), 2);
    assert!(
        all.iter()
            .all(|n| n.state == bulwark_store::NotificationState::Delivered),
        "{all:?}"
    );
    // What the receiver saw: every message, each CloudEvent id the notification's dedupe key, the copy of the
    // interrupted one (if any) carrying the same id.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for team in ["platform", "payments"] {
        for ev in sink.bodies(team) {
            *seen
                .entry(ev["id"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
    }
    // The queue's key is `<message key>:<channel>`; the CloudEvent id is the message key.
    let keys: Vec<String> = all
        .iter()
        .map(|n| n.dedupe_key.split(':').next().unwrap().to_owned())
        .collect();
    for k in &keys {
        assert!(
            seen.contains_key(k),
            "{k} never reached the receiver: {seen:?}"
        );
    }
    assert_eq!(seen.len(), keys.len(), "no other message: {seen:?}");
    assert!(
        seen.values().all(|&n| n <= 2),
        "at most one resend: {seen:?}"
    );
    assert!(sink.bodies("search").is_empty());
}
