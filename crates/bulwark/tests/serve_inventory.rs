//! The run stage's loops inside `bulwark serve --store` (issue #15), with real receivers on loopback:
//!
//! - the seed scenario through a running server, on SQLite and on a real PostgreSQL: SBOMs pushed with `bulwark
//!   inventory push` (no DB: the server matches their baseline), placements with `inventory place`; the
//!   server's DB file replaced by a rename with the v2 DB → "platform" gets exactly one message naming both
//!   images and their workloads, "payments" one, "search" none, on a CloudEvents webhook, Slack, Jira and
//!   SMTP (aiosmtpd, STARTTLS); a truncated DB file and one with a corrupt page are refused and leave the
//!   findings as they were; a third DB that changes nothing sends nothing;
//! - two replicas on one PostgreSQL re-match 200 SBOMs: every job done once (the jobs table: one attempt
//!   each), both replicas did some (their `rescan` log lines), each notification delivered once;
//! - `kill -9` of the server while it re-matches, and again while a receiver holds a delivery: after restarts
//!   every finding is recorded, the store is consistent, and each notification reached the receiver under its
//!   one dedupe key.
//!
//! Truth comes from outside the code: which layer holds which package is the fixture image's history
//! (`../shared/fixtures/README.md`), the CVEs are the ones the test writes into the DB feeds, and the payloads
//! are checked against the vendors' documented shapes (CloudEvents by its JSON schema).

mod common;
#[path = "common/receivers.rs"]
mod receivers;

#[path = "../../bulwark-store/tests/support/mod.rs"]
mod pg;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::inventory::{DIGEST_A, DIGEST_B, build_db, feeds, ok, owners_yaml, sboms};
use common::server::Server;
use receivers::{
    HttpSink, SmtpSink, check_cloudevents, check_jira_issue, check_slack, owners_all_channels,
    posts, tls_files,
};
use serde_json::Value;

const RULES: &str = "apiVersion: policy.bulwark.dev/v1
kind: PolicySet
metadata: {name: run}
rules:
  - id: no-privileged
    stages: {deploy: fail}
    kubernetes: {ids: [BW-K8S-0002]}
";

struct Dbs {
    v1: PathBuf,
    v2: PathBuf,
    v3: PathBuf,
    /// The file the server reads; versions are renamed onto it.
    current: PathBuf,
}

/// v1: the Debian tracker; v2 adds CVE-2099-0001 (dash, base layer) and PYSEC-2099-1 (requests, the payments
/// app layer); v3: v2's feeds built again a second later (a new version that changes nothing).
fn dbs(dir: &Path) -> Dbs {
    let (f1, f2) = feeds(dir);
    let d = Dbs {
        v1: dir.join("v1.db"),
        v2: dir.join("v2.db"),
        v3: dir.join("v3.db"),
        current: dir.join("current.db"),
    };
    build_db(&d.v1, &f1);
    build_db(&d.v2, &f2);
    std::thread::sleep(Duration::from_millis(1100));
    build_db(&d.v3, &f2);
    d
}

/// Puts `src` in place of `current` as `bulwark db update` does: a copy beside it, then a rename.
fn install(src: &Path, current: &Path) {
    let tmp = current.with_extension("tmp");
    std::fs::copy(src, &tmp).unwrap();
    std::fs::rename(&tmp, current).unwrap();
}

fn install_bytes(bytes: &[u8], current: &Path) {
    let tmp = current.with_extension("tmp");
    std::fs::write(&tmp, bytes).unwrap();
    std::fs::rename(&tmp, current).unwrap();
}

fn version_of(db: &Path) -> String {
    bulwark_inventory::db_version(&bulwark_vulndb::VulnDb::open(db).unwrap()).unwrap()
}

/// `bulwark serve --store` with the loops ticking every 200 ms.
fn serve(dir: &Path, worker: &str, store: &str, db: &Path, owners: &Path, lease: u32) -> Server {
    serve_with(dir, worker, store, db, owners, lease, &[])
}

fn serve_with(
    dir: &Path,
    worker: &str,
    store: &str,
    db: &Path,
    owners: &Path,
    lease: u32,
    extra: &[&str],
) -> Server {
    let bundle = dir.join("bundle");
    std::fs::create_dir_all(&bundle).unwrap();
    std::fs::write(bundle.join("rules.yaml"), RULES).unwrap();
    let certs = dir.join(format!("certs-{worker}"));
    let args: Vec<std::ffi::OsString> = vec![
        "serve".into(),
        "--policy".into(),
        bundle.into(),
        "--generate-certs".into(),
        certs.clone().into(),
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--store".into(),
        store.into(),
        "--worker".into(),
        worker.into(),
        "--vuln-db".into(),
        db.into(),
        "--owners".into(),
        owners.into(),
        "--rescan-every".into(),
        "200ms".into(),
        "--deliver-every".into(),
        "200ms".into(),
        "--lease".into(),
        lease.to_string().into(),
    ];
    let mut args = args;
    args.extend(extra.iter().map(Into::into));
    Server::spawn(Server::command(&args, dir), certs)
}

fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?}: {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The server's log lines of one event.
fn events(server: &Server, event: &str) -> Vec<Value> {
    server
        .lines()
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["event"] == event)
        .collect()
}

fn completed(server: &Server, version: &str) -> bool {
    events(server, "rescan")
        .iter()
        .any(|v| v["dbVersion"] == version && v["complete"] == true)
}

/// Images whose last apply was against `version`.
fn matched(store: &bulwark_store::Store, version: &str) -> usize {
    store
        .images()
        .unwrap()
        .iter()
        .filter(|i| i.db_version.as_deref() == Some(version))
        .count()
}

/// Every finding the store holds (open and fixed), as `get cve --include-fixed` lists it.
fn findings(store: &str) -> Vec<String> {
    let rows = ok(&[
        "get",
        "cve",
        "--store",
        store,
        "--include-fixed",
        "-o",
        "json",
    ]);
    let mut v: Vec<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {} {} fixed={} owner={}",
                r["digest"], r["vuln_id"], r["purl"], r["fixed_at"], r["owner_team"]
            )
        })
        .collect();
    v.sort();
    v
}

fn placements(dir: &Path) -> PathBuf {
    let place = |env: &str, ns: &str, name: &str, digest: &str, image: &str| {
        serde_json::json!({
            "cluster": "kind-test", "environment": env, "namespace": ns, "workload_kind": "Deployment",
            "workload_name": name, "container": "app", "container_type": "app", "image": image,
            "image_id": format!("{}@{digest}", image.split(':').next().unwrap()), "digest": digest,
            "labels": {}, "annotations": {}
        })
    };
    let (pa, sa) = (
        "registry.example/payments/api:1",
        "registry.example/search/api:1",
    );
    let list = serde_json::json!([
        place("staging", "shop-staging", "payments-api", DIGEST_A, pa),
        place("production", "shop", "payments-api", DIGEST_A, pa),
        place("staging", "search-staging", "search-api", DIGEST_B, sa),
        place("production", "search", "search-api", DIGEST_B, sa),
    ]);
    let p = dir.join("placements.json");
    std::fs::write(&p, serde_json::to_vec(&list).unwrap()).unwrap();
    p
}

/// How many requests and mails the receivers hold: (webhook, slack, jira, smtp).
fn received(http: &HttpSink, smtp: &SmtpSink) -> (usize, usize, usize, usize) {
    (
        posts(http, "/hook/").len(),
        posts(http, "/services/").len(),
        http.requests()
            .iter()
            .filter(|r| r.path().starts_with("/jira/"))
            .count(),
        smtp.messages().len(),
    )
}

fn seed_scenario(store: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let http = HttpSink::start();
    let (ca, cert, key) = tls_files(dir);
    let smtp = SmtpSink::start(Some((&cert, &key)));
    let owners = dir.join("owners.yaml");
    std::fs::write(&owners, owners_all_channels(&http, smtp.port, &ca)).unwrap();
    let dbf = dbs(dir);
    let (v1, v2, v3) = (
        version_of(&dbf.v1),
        version_of(&dbf.v2),
        version_of(&dbf.v3),
    );
    install(&dbf.v1, &dbf.current);

    // Pushed without a DB (as through the API): the server matches them, as their baseline.
    let (sbom_a, sbom_b) = sboms(dir);
    for (digest, r, sbom) in [
        (DIGEST_A, "registry.example/payments/api:1", &sbom_a),
        (DIGEST_B, "registry.example/search/api:1", &sbom_b),
    ] {
        let got = ok(&[
            "inventory",
            "push",
            "--store",
            store,
            "--digest",
            digest,
            "--ref",
            r,
            &sbom.display().to_string(),
        ]);
        assert!(got["packages"].as_u64().unwrap() > 80, "{got}");
    }
    let got = ok(&[
        "inventory",
        "place",
        "--store",
        store,
        &placements(dir).display().to_string(),
    ]);
    assert_eq!(got["stored"], 4);

    let server = serve(dir, "r1", store, &dbf.current, &owners, 120);
    let s = bulwark_store::Store::open(store).unwrap();
    wait_until("the baseline on v1", Duration::from_mins(2), || {
        matched(&s, &v1) == 2 && completed(&server, &v1)
    });
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(
        received(&http, &smtp),
        (0, 0, 0, 0),
        "a baseline notifies nothing"
    );

    // The DB update.
    install(&dbf.v2, &dbf.current);
    wait_until(
        "both teams' messages on every channel",
        Duration::from_mins(2),
        || {
            let (hook, slack, _, mail) = received(&http, &smtp);
            hook >= 2 && slack >= 2 && mail >= 2 && posts(&http, "/jira/").len() >= 3
        },
    );
    // Further ticks send nothing more.
    std::thread::sleep(Duration::from_millis(1500));
    let v2_lines: Vec<Value> = events(&server, "rescan")
        .into_iter()
        .filter(|v| v["dbVersion"] == v2.as_str())
        .collect();
    assert_eq!(
        v2_lines.len(),
        1,
        "one rescan line for the cycle: {v2_lines:?}"
    );
    let l = &v2_lines[0];
    assert_eq!(
        (
            l["jobsDone"].as_u64(),
            l["new"].as_u64(),
            l["fixed"].as_u64(),
            l["queued"].as_u64()
        ),
        (Some(2), Some(3), Some(0), Some(8)),
        "dash in both images, requests in payments; 2 teams × 4 channels: {l}"
    );

    // CloudEvents: one per team with a change, valid against the spec's schema.
    let hooks = posts(&http, "/hook/");
    assert_eq!(hooks.len(), 2, "one message per team");
    check_cloudevents(&hooks);
    let by_team = |prefix: &str, team: &str| -> Vec<Value> {
        posts(&http, &format!("{prefix}{team}"))
            .iter()
            .map(receivers::Recorded::json)
            .collect()
    };
    let platform = by_team("/hook/", "platform");
    let payments = by_team("/hook/", "payments");
    assert_eq!((platform.len(), payments.len()), (1, 1));
    assert!(by_team("/hook/", "search").is_empty(), "search gets none");
    let text = platform[0].to_string();
    for want in [
        DIGEST_A,
        DIGEST_B,
        "payments-api",
        "search-api",
        "CVE-2099-0001",
    ] {
        assert!(
            text.contains(want),
            "platform's message names {want}: {text}"
        );
    }
    assert!(!text.contains("PYSEC-2099-1"), "{text}");
    let text = payments[0].to_string();
    assert!(
        text.contains("PYSEC-2099-1") && !text.contains("CVE-2099-0001"),
        "{text}"
    );

    // Slack: one message per team, Block Kit's documented shape.
    let slack_p = by_team("/services/", "platform");
    let slack_pay = by_team("/services/", "payments");
    assert_eq!((slack_p.len(), slack_pay.len()), (1, 1));
    assert!(by_team("/services/", "search").is_empty());
    for b in slack_p.iter().chain(&slack_pay) {
        check_slack(b);
    }
    let slack_text = slack_p[0].to_string();
    assert!(
        slack_text.contains("CVE-2099-0001")
            && slack_text.contains("payments-api")
            && slack_text.contains("search-api"),
        "{slack_text}"
    );

    // Jira: an issue per finding (dash in both images for platform, requests for payments), each looked up
    // by its fingerprint label first.
    let issues = |team: &str| posts(&http, &format!("/jira/{team}/rest/api/2/issue"));
    let (ip, ipay) = (issues("platform"), issues("payments"));
    assert_eq!((ip.len(), ipay.len()), (2, 1));
    for r in &ip {
        check_jira_issue(&r.json(), "PLAT");
        assert!(r.json().to_string().contains("CVE-2099-0001"));
    }
    check_jira_issue(&ipay[0].json(), "PAY");
    assert!(ipay[0].json().to_string().contains("PYSEC-2099-1"));
    let searches = http
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path().ends_with("/rest/api/2/search/jql"))
        .count();
    assert_eq!(searches, 3);

    // E-mail: one per team, over STARTTLS.
    let mails = smtp.messages();
    assert_eq!(mails.len(), 2, "{mails:?}");
    let mut to: Vec<String> = mails
        .iter()
        .map(|m| m["rcpt_tos"][0].as_str().unwrap().to_owned())
        .collect();
    to.sort();
    assert_eq!(to, ["payments@example.com", "platform@example.com"]);
    for m in &mails {
        assert_eq!(m["tls"], true, "STARTTLS");
        let body = m["data"].as_str().unwrap().replace("=\r\n", "");
        let want = if m["rcpt_tos"][0] == "platform@example.com" {
            "CVE-2099-0001"
        } else {
            "PYSEC-2099-1"
        };
        assert!(body.contains(want), "{body}");
    }

    // `bulwark get cve --environment staging`: both new findings, marked new.
    let rows = ok(&[
        "get",
        "cve",
        "--store",
        store,
        "--environment",
        "staging",
        "-o",
        "json",
    ]);
    let mut new: Vec<(String, String)> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["is_new"] == true)
        .map(|r| {
            (
                r["vuln_id"].as_str().unwrap().to_owned(),
                r["digest"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    new.sort();
    assert_eq!(
        new,
        [
            ("CVE-2099-0001".to_owned(), DIGEST_A.to_owned()),
            ("CVE-2099-0001".to_owned(), DIGEST_B.to_owned()),
            ("PYSEC-2099-1".to_owned(), DIGEST_A.to_owned()),
        ]
    );
    let counts = received(&http, &smtp);

    // A half-written DB file, then one with a corrupt page: refused and logged; nothing changes.
    let before = findings(store);
    let good = std::fs::read(&dbf.v3).unwrap();
    let refused = || events(&server, "rescan-failed").len();
    let r0 = refused();
    install_bytes(&good[..good.len() / 2], &dbf.current);
    wait_until("the truncated DB refused", Duration::from_secs(30), || {
        refused() > r0
    });
    let mut bad = good.clone();
    let mid = (bad.len() / 2) & !4095;
    bad[mid..mid + 4096].fill(0xA5);
    install_bytes(&bad, &dbf.current);
    wait_until("the corrupt DB refused", Duration::from_secs(30), || {
        refused() > r0 + 1
    });
    std::thread::sleep(Duration::from_secs(1));
    for e in &events(&server, "rescan-failed")[r0..] {
        assert_eq!(e["keeping"], v2.as_str(), "{e}");
    }
    assert_eq!(findings(store), before, "the inventory is untouched");
    assert_eq!(received(&http, &smtp), counts);

    // The third DB: a new version that changes nothing sends nothing.
    install(&dbf.v3, &dbf.current);
    wait_until("the cycle on v3", Duration::from_mins(2), || {
        completed(&server, &v3)
    });
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(received(&http, &smtp), counts, "nothing sent for v3");
    assert_eq!(findings(store), before);
    let v3_line = events(&server, "rescan")
        .into_iter()
        .find(|v| v["dbVersion"] == v3.as_str())
        .unwrap();
    assert_eq!(
        (v3_line["new"].as_u64(), v3_line["fixed"].as_u64()),
        (Some(0), Some(0))
    );

    // The counters.
    let (status, body) = server.curl("GET", "/metrics", None);
    assert_eq!(status, 200);
    let m = String::from_utf8(body).unwrap();
    for line in [
        "bulwark_notifications_total{outcome=\"delivered\"} 8\n",
        "bulwark_rescan_failures_total 2\n",
    ] {
        assert!(m.contains(line), "{line}\n{m}");
    }
    assert!(
        s.notifications(None)
            .unwrap()
            .iter()
            .all(|n| n.state == bulwark_store::NotificationState::Delivered),
        "every notification delivered"
    );
}

#[test]
fn seed_scenario_through_the_server_on_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    seed_scenario(&format!("sqlite:{}", tmp.path().join("store.db").display()));
}

#[test]
fn seed_scenario_through_the_server_on_postgresql() {
    let db = pg::TestDb::postgres();
    seed_scenario(&db.location);
}

// ---------------------------------------------------------------------------------------------- many SBOMs

fn digest(i: usize) -> String {
    format!("sha256:{i:064x}")
}

/// Stores `n` images (payments and search alternately, the fixture's two SBOMs) without matching them.
fn fill(store: &str, dir: &Path, count: usize) {
    let (pay, search) = sboms(dir);
    let pay = std::fs::read(pay).unwrap();
    let search = std::fs::read(search).unwrap();
    let st = bulwark_store::Store::open(store).unwrap();
    for i in 0..count {
        let (reference, sbom) = if i % 2 == 0 {
            (format!("registry.example/payments/api{i}:1"), &pay)
        } else {
            (format!("registry.example/search/api{i}:1"), &search)
        };
        bulwark_inventory::ingest_sbom(
            &st,
            &digest(i),
            &[reference],
            sbom,
            "sbom.json",
            1_700_000_000,
        )
        .unwrap();
    }
}

/// What every CloudEvent the sink got was: its id (the message's dedupe key) and how often it came.
fn ids(http: &HttpSink) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for r in posts(http, "/") {
        *seen
            .entry(r.json()["id"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    seen
}

fn sink_port(http: &HttpSink) -> u16 {
    http.url("").rsplit(':').next().unwrap().parse().unwrap()
}

#[test]
fn two_replicas_on_one_postgresql_share_the_rematching_and_send_once() {
    const N: usize = 200;
    let db = pg::TestDb::postgres();
    let store = db.location.as_str();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let http = HttpSink::start();
    let owners = dir.join("owners.yaml");
    std::fs::write(&owners, owners_yaml(sink_port(&http))).unwrap();
    let d = dbs(dir);
    let (v1, v2) = (version_of(&d.v1), version_of(&d.v2));
    install(&d.v1, &d.current);
    fill(store, dir, N);

    let r1 = serve(dir, "r1", store, &d.current, &owners, 60);
    let r2 = serve(dir, "r2", store, &d.current, &owners, 60);
    let s = bulwark_store::Store::open(store).unwrap();
    wait_until("the baseline", Duration::from_mins(5), || {
        matched(&s, &v1) == N
    });
    std::thread::sleep(Duration::from_millis(600));
    assert!(http.requests().is_empty(), "a baseline notifies nothing");

    install(&d.v2, &d.current);
    wait_until(
        "the cycle and its two messages",
        Duration::from_mins(5),
        || matched(&s, &v2) == N && posts(&http, "/").len() >= 2,
    );
    std::thread::sleep(Duration::from_millis(1500));

    // The jobs table: one job per image for v2, each done, each claimed once.
    let mut pgc = postgres::Client::connect(store, postgres::NoTls).unwrap();
    let rows = pgc
        .query(
            "SELECT state, attempts, COUNT(*) FROM jobs WHERE db_version = $1 GROUP BY state, attempts",
            &[&v2],
        )
        .unwrap();
    let got: Vec<(String, i64, i64)> = rows
        .iter()
        .map(|r| (r.get(0), r.get::<_, i64>(1), r.get(2)))
        .collect();
    assert_eq!(
        got,
        [("done".to_owned(), 1, i64::try_from(N).unwrap())],
        "every job done once"
    );
    // Who did them: each replica's rescan lines.
    let done_by = |server: &Server| -> u64 {
        events(server, "rescan")
            .iter()
            .filter(|v| v["dbVersion"] == v2.as_str())
            .map(|v| v["jobsDone"].as_u64().unwrap())
            .sum()
    };
    let (a, b) = (done_by(&r1), done_by(&r2));
    eprintln!("r1 re-matched {a}, r2 {b}");
    assert_eq!(a + b, N as u64, "none lost, none twice");
    assert!(a > 0 && b > 0, "both replicas did some: {a} + {b}");

    // The findings: dash in every image, requests in every payments image, each recorded once as new.
    let changes = s.changes(&v2).unwrap();
    assert_eq!(changes.len(), N + N / 2);
    // Each message delivered once: two notifications, two CloudEvents, two ids.
    let all = s.notifications(None).unwrap();
    assert_eq!(all.len(), 2);
    assert!(
        all.iter()
            .all(|n| n.state == bulwark_store::NotificationState::Delivered)
    );
    check_cloudevents(&posts(&http, "/"));
    let seen = ids(&http);
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen.values().all(|&n| n == 1), "{seen:?}");
    let delivered: usize = [&r1, &r2]
        .iter()
        .flat_map(|r| events(r, "delivery"))
        .map(|v| v["delivered"].as_u64().unwrap() as usize)
        .sum();
    assert_eq!(delivered, 2);
}

// ---------------------------------------------------------------------------------------------- kill -9

#[test]
fn kill_9_while_rematching_and_while_delivering_loses_nothing_and_sends_each_key_once() {
    const N: usize = 200;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let store_path = dir.join("store.db");
    let store = format!("sqlite:{}", store_path.display());
    let http = HttpSink::start();
    // The first message to platform is held by the receiver (it has the body; the sender never gets an
    // answer): the second kill lands there.
    http.script("POST", "/platform", vec![receivers::notify::Reply::stall()]);
    let owners = dir.join("owners.yaml");
    std::fs::write(&owners, owners_yaml(sink_port(&http))).unwrap();
    let d = dbs(dir);
    let (v1, v2) = (version_of(&d.v1), version_of(&d.v2));
    install(&d.v1, &d.current);
    fill(&store, dir, N);

    let mut first = serve(dir, "doomed-1", &store, &d.current, &owners, 2);
    let s = bulwark_store::Store::open(&store).unwrap();
    wait_until("the baseline", Duration::from_mins(5), || {
        matched(&s, &v1) == N && completed(&first, &v1)
    });
    let baseline = findings(&store);

    // 1. Killed while re-matching.
    install(&d.v2, &d.current);
    wait_until("re-matching under way", Duration::from_mins(2), || {
        matched(&s, &v2) > 0
    });
    let at = matched(&s, &v2);
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    assert!(at < N, "the kill landed after the cycle ({at} of {N})");
    let done_at_kill = matched(&s, &v2);
    eprintln!("killed with {done_at_kill} of {N} re-matched");
    assert!(done_at_kill < N, "the kill landed mid-cycle");
    assert!(s.check().unwrap().is_empty(), "consistent after the kill");
    assert!(
        s.notifications(None).unwrap().is_empty(),
        "nothing queued mid-cycle"
    );

    // 2. Restarted: it takes the dead worker's jobs over once their leases expire, queues the two messages;
    //    the receiver holds platform's, and the server is killed again.
    let mut second = serve(dir, "doomed-2", &store, &d.current, &owners, 2);
    wait_until("the held delivery", Duration::from_mins(5), || {
        !posts(&http, "/platform").is_empty()
    });
    second.child.kill().unwrap();
    second.child.wait().unwrap();
    assert!(
        s.check().unwrap().is_empty(),
        "consistent after the second kill"
    );
    assert_eq!(matched(&s, &v2), N, "every image re-matched");

    // 3. Restarted again: the held notification's lease expires and it is sent again.
    let third = serve(dir, "r3", &store, &d.current, &owners, 2);
    wait_until(
        "every notification delivered",
        Duration::from_mins(2),
        || {
            let all = s.notifications(None).unwrap();
            all.len() == 2
                && all
                    .iter()
                    .all(|n| n.state == bulwark_store::NotificationState::Delivered)
        },
    );
    std::thread::sleep(Duration::from_millis(1500));

    // Every finding recorded: the baseline's, plus dash in every image and requests in every payments image.
    let after = findings(&store);
    assert_eq!(after.len(), baseline.len() + N + N / 2);
    for f in &baseline {
        assert!(after.contains(f), "{f} lost");
    }
    let changes = s.changes(&v2).unwrap();
    assert_eq!(changes.len(), N + N / 2, "each new finding recorded once");
    assert!(s.check().unwrap().is_empty());

    // What the receiver saw: two messages (platform, payments), each under its one id; platform's twice (the
    // held copy and the resend: the same id, so the receiver drops it), payments' once.
    let seen = ids(&http);
    let keys: Vec<String> = s
        .notifications(None)
        .unwrap()
        .iter()
        .map(|n| n.dedupe_key.split(':').next().unwrap().to_owned())
        .collect();
    assert_eq!(seen.len(), 2, "{seen:?}");
    for k in &keys {
        assert!(seen.contains_key(k), "{k} never arrived: {seen:?}");
    }
    assert_eq!(
        posts(&http, "/platform").len(),
        2,
        "the held one, then the resend"
    );
    assert_eq!(posts(&http, "/payments").len(), 1);
    assert!(posts(&http, "/search").is_empty());
    check_cloudevents(&posts(&http, "/"));
    assert!(!events(&third, "delivery").is_empty());
}

// ---------------------------------------------------------------------------------------------- db update

#[test]
fn the_server_fetches_db_updates_itself_and_a_failed_update_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let store = format!("sqlite:{}", dir.join("store.db").display());
    let http = HttpSink::start();
    let owners = dir.join("owners.yaml");
    std::fs::write(&owners, owners_yaml(sink_port(&http))).unwrap();
    let dbf = dbs(dir);
    let v2 = version_of(&dbf.v2);
    install(&dbf.v1, &dbf.current);
    // The baseline is taken at push time, on v1.
    let (sbom_a, sbom_b) = sboms(dir);
    for (digest, r, sbom) in [
        (DIGEST_A, "registry.example/payments/api:1", &sbom_a),
        (DIGEST_B, "registry.example/search/api:1", &sbom_b),
    ] {
        ok(&[
            "inventory",
            "push",
            "--store",
            &store,
            "--digest",
            digest,
            "--ref",
            r,
            "--db",
            &dbf.v1.display().to_string(),
            "--owners",
            &owners.display().to_string(),
            &sbom.display().to_string(),
        ]);
    }

    // A source that does not exist: logged, the DB file left as it was, nothing matched or sent.
    let missing = format!("file://{}", dir.join("missing.db").display());
    let failing = serve_with(
        dir,
        "f1",
        &store,
        &dbf.current,
        &owners,
        60,
        &["--db-repository", &missing, "--db-update-every", "300ms"],
    );
    wait_until("the failed update logged", Duration::from_secs(30), || {
        !events(&failing, "db-update-failed").is_empty()
    });
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        std::fs::read(&dbf.current).unwrap(),
        std::fs::read(&dbf.v1).unwrap(),
        "the DB file is untouched"
    );
    assert!(http.requests().is_empty());
    drop(failing);

    // The v2 DB as the source (a path goes to `db update --url`): installed, re-matched, sent.
    let server = serve_with(
        dir,
        "u1",
        &store,
        &dbf.current,
        &owners,
        60,
        &[
            "--db-repository",
            &dbf.v2.display().to_string(),
            "--db-update-every",
            "300ms",
        ],
    );
    wait_until("the update's messages", Duration::from_mins(2), || {
        posts(&http, "/platform").len() == 1 && posts(&http, "/payments").len() == 1
    });
    assert_eq!(
        std::fs::read(&dbf.current).unwrap(),
        std::fs::read(&dbf.v2).unwrap()
    );
    assert!(completed(&server, &v2));
    // The same source again and again: no new update, nothing more sent.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(events(&server, "db-updated").len(), 1);
    assert_eq!(posts(&http, "/").len(), 2);
    assert!(posts(&http, "/search").is_empty());

    // A broken owners.yaml replacing the good one: refused with its line, the previous one kept.
    let tmp_owners = dir.join("owners.tmp");
    std::fs::write(&tmp_owners, "teams:\n  platform: [\n").unwrap();
    std::fs::rename(&tmp_owners, &owners).unwrap();
    wait_until(
        "the bad owners.yaml refused",
        Duration::from_secs(30),
        || !events(&server, "owners-reload-failed").is_empty(),
    );
    let e = &events(&server, "owners-reload-failed")[0];
    assert_eq!(e["keeping"], "the previous owners.yaml", "{e}");
    assert!(e["error"].as_str().unwrap().contains("owners.yaml"), "{e}");
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        events(&server, "owners-reload-failed").len(),
        1,
        "logged once"
    );
    assert!(events(&server, "rescan-failed").is_empty());
}
