//! The run stage's loops inside `bulwark serve --store` (issue #15), with real receivers on loopback:
//!
//! - the seed scenario through a running server, on SQLite and on a real PostgreSQL: SBOMs pushed with `bulwark
//!   inventory push` (no DB: the server matches their baseline); the images' Deployments admitted through the
//!   server's validating webhook (AdmissionReviews over TLS) into `staging` and `production` namespaces, then
//!   their pods listed and watched by the server (`--kubeconfig`) from a local API server replaying the
//!   recorded cluster of `tests/seed_cluster` (pods → ReplicaSets → Deployments; the namespaces' labels give
//!   the environments): admission and watch name the same four placements; the server's DB file replaced by a
//!   rename with the v2 DB → `get cve --environment staging` marks both new, and "platform" gets exactly one
//!   message naming both images and their workloads, "payments" one, "search" none, on a CloudEvents webhook,
//!   Slack, Jira and SMTP (aiosmtpd, STARTTLS), checked by the scenario's one checker
//!   (`common/inventory.rs`, shared with inventory_cycle.rs); a truncated DB file and one with a corrupt page
//!   are refused and leave the findings as they were; a third DB that changes nothing sends nothing;
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

#[path = "../../bulwark-kube/tests/support/apiserver.rs"]
mod apiserver;
#[path = "../../bulwark-store/tests/support/mod.rs"]
mod pg;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use apiserver::{ApiServer, End, Reply, bearer, bookmark, list};
use common::inventory::{
    DIGEST_A, DIGEST_B, PAYMENTS_REF, PAYMENTS_WORKLOAD, SEARCH_REF, SEARCH_WORKLOAD, build_db,
    check_new_in_staging, check_routing, feeds, ok, owners_yaml, placement_lines, sboms,
    wait_for_placements,
};
use common::server::{Server, kubeconfig, review};
use receivers::{
    HttpSink, SmtpSink, check_cloudevents, check_jira_issue, check_slack, owners_all_channels,
    posts, tls_files,
};
use serde_json::Value;

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
    let (db, owners, lease) = (
        db.display().to_string(),
        owners.display().to_string(),
        lease.to_string(),
    );
    let mut args = vec![
        "--worker",
        worker,
        "--vuln-db",
        &db,
        "--owners",
        &owners,
        "--rescan-every",
        "200ms",
        "--deliver-every",
        "200ms",
        "--lease",
        &lease,
    ];
    args.extend(extra);
    Server::with_store(dir, &format!("certs-{worker}"), store, &args)
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
    server.events(event)
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

/// The recorded cluster (`tests/seed_cluster/cluster.json`, see its README): namespaces, the Deployments, their
/// ReplicaSets and pods.
fn cluster() -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/seed_cluster/cluster.json");
    serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap()
}

/// The local API server replaying a recorded cluster (`cluster()`, or one a test adds to): the namespace list,
/// the pod list (held until `go` is set, at most a minute: the pods start after admission), each ReplicaSet
/// and Job by name, then a watch stream that sends a BOOKMARK and ends (the timeout the client asked for), and
/// watches that stay quiet after it.
fn api_server(cluster: &Value, go: Arc<AtomicBool>) -> ApiServer {
    let items = |k: &str| cluster[k].as_array().cloned().unwrap_or_default();
    let (namespaces, pods) = (items("namespaces"), items("pods"));
    let owners: Vec<(&str, Vec<Value>)> = vec![
        ("/apis/apps/v1/namespaces/", items("replicasets")),
        ("/apis/batch/v1/namespaces/", items("jobs")),
    ];
    // The risk-context lists (`seed_cluster/context.json`) and the Deployments; every other kind lists empty,
    // and their watches stay quiet.
    let context: Value = serde_json::from_slice(
        &std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/seed_cluster/context.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let object_lists: Vec<(&str, Vec<Value>)> = vec![
        (
            "/api/v1/services",
            context["services"].as_array().cloned().unwrap_or_default(),
        ),
        (
            "/apis/networking.k8s.io/v1/ingresses",
            context["ingresses"].as_array().cloned().unwrap_or_default(),
        ),
        (
            "/apis/networking.k8s.io/v1/networkpolicies",
            context["networkpolicies"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        ),
        ("/apis/apps/v1/deployments", items("deployments")),
    ];
    let mut watches = 0;
    let handler: apiserver::Handler = Box::new(move |r| {
        let segments = r.path().split('/').count();
        let object_list = r.path() != "/api/v1/pods"
            && r.path() != "/api/v1/namespaces"
            && ((r.path().starts_with("/api/v1/") && segments == 4)
                || (r.path().starts_with("/apis/") && segments == 5));
        if object_list {
            if r.query("watch").is_some() {
                return Reply::Stall(Duration::from_secs(30));
            }
            let objects = object_lists
                .iter()
                .find(|(p, _)| *p == r.path())
                .map(|(_, o)| o.clone());
            return Reply::Json(200, list("List", objects.unwrap_or_default(), "400", None));
        }
        if r.query("watch").is_some() {
            watches += 1;
            return if watches == 1 {
                Reply::Stream(vec![bookmark("310")], End::Clean)
            } else {
                Reply::Stall(Duration::from_secs(30))
            };
        }
        match r.path() {
            "/api/v1/namespaces" => {
                Reply::Json(200, list("NamespaceList", namespaces.clone(), "150", None))
            }
            "/api/v1/pods" => {
                let until = Instant::now() + Duration::from_mins(1);
                while !go.load(Ordering::SeqCst) && Instant::now() < until {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Reply::Json(200, list("PodList", pods.clone(), "300", None))
            }
            p => {
                // `/apis/GROUP/v1/namespaces/NS/RESOURCE/NAME`
                let found = owners.iter().find_map(|(prefix, objects)| {
                    let rest = p.strip_prefix(prefix)?;
                    let (ns, rest) = rest.split_once('/')?;
                    let name = rest.split_once('/')?.1;
                    objects
                        .iter()
                        .find(|o| o["metadata"]["namespace"] == ns && o["metadata"]["name"] == name)
                });
                match found {
                    Some(o) => Reply::Json(200, o.clone()),
                    None => Reply::Json(
                        404,
                        apiserver::status(404, "NotFound", &format!("{p} not found")),
                    ),
                }
            }
        }
    });
    ApiServer::start(None, bearer("s3cret"), handler)
}

/// The store's live placements, each with its image reference.
fn placements(store: &str) -> Vec<String> {
    placement_lines(store, image_ref)
}

fn image_ref(p: &bulwark_store::Placement) -> String {
    p.image_ref.clone().unwrap_or_default()
}

fn wait_for(server: &Server, store: &str, want: &[String], secs: u64) {
    wait_for_placements(server, store, image_ref, want, secs);
}

/// Where the images run, from the recording: (environment label, namespace, workload, image).
fn expected_placements(with_environment: bool) -> Vec<String> {
    let pa = format!("{PAYMENTS_REF}@{DIGEST_A}");
    let sa = format!("{SEARCH_REF}@{DIGEST_B}");
    let mut v: Vec<String> = [
        ("staging", "shop-staging", PAYMENTS_WORKLOAD, &pa),
        ("production", "shop", PAYMENTS_WORKLOAD, &pa),
        ("staging", "search-staging", SEARCH_WORKLOAD, &sa),
        ("production", "search", SEARCH_WORKLOAD, &sa),
    ]
    .iter()
    .map(|(env, ns, w, image)| {
        format!(
            "seed {} {ns} Deployment/{w} api {image}",
            if with_environment { env } else { "-" }
        )
    })
    .collect();
    v.sort();
    v
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

fn check_risk_ranking(store: &str) {
    let rows = common::inventory::ok(&[
        "get",
        "workloads",
        "--store",
        store,
        "--sort",
        "risk",
        "-o",
        "json",
    ]);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 4, "one row per workload: {rows:#?}");
    let at = |ns: &str| {
        rows.iter()
            .position(|r| r["namespace"] == ns && r["name"] == PAYMENTS_WORKLOAD)
            .unwrap_or_else(|| panic!("payments-api in {ns}: {rows:#?}"))
    };
    let (prod, staging) = (at("shop"), at("shop-staging"));
    let score = |i: usize| rows[i]["risk"]["score"].as_f64().unwrap();
    assert!(
        prod < staging && score(prod) > score(staging),
        "exposed production ({}) must rank above staging ({}): {rows:#?}",
        score(prod),
        score(staging)
    );
    assert!(rows[prod]["contextKnown"] == true && rows[staging]["contextKnown"] == true);
    assert_eq!(
        rows[prod]["risk"]["findings"],
        rows[staging]["risk"]["findings"]
    );
    let factors = rows[prod]["risk"]["factors"].to_string();
    assert!(
        factors.contains("LoadBalancer") && factors.contains("Ingress"),
        "{factors}"
    );
    assert!(
        !rows[staging]["risk"]["factors"]
            .to_string()
            .contains("LoadBalancer")
    );
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

    // 1. Two images sharing the base layer (platform's), their app layers payments' and search's: pushed
    //    without a DB (as through the API), the server matches them, as their baseline.
    let (sbom_a, sbom_b) = sboms(dir);
    for (digest, r, sbom) in [
        (DIGEST_A, PAYMENTS_REF, &sbom_a),
        (DIGEST_B, SEARCH_REF, &sbom_b),
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

    // 2. The server runs the webhook and watches the recorded cluster (no environments file: the environments
    //    are the namespaces' labels, which only the watch reads).
    let go = Arc::new(AtomicBool::new(false));
    let api = api_server(&cluster(), go.clone());
    let kcfg = kubeconfig(dir, &api.url, "seed", "s3cret");
    let server = serve_with(
        dir,
        "r1",
        store,
        &dbf.current,
        &owners,
        120,
        &["--kubeconfig", kcfg.to_str().unwrap()],
    );
    //    The Deployments are admitted: each is a placement of the kubeconfig's cluster, under the workload the
    //    watch will name, in no environment yet (a review carries no namespace labels).
    for (i, d) in cluster()["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        assert!(
            server.allowed(&review(&format!("deploy-{i}"), d, false)),
            "{d}"
        );
    }
    wait_for(&server, store, &expected_placements(false), 30);
    assert_eq!(
        server.metric("bulwark_feed_admission_placements_written_total"),
        4
    );
    //    Their pods start; the watch lists them, follows each pod to its ReplicaSet and Deployment, and the
    //    labels give the environments: the same four rows, now in staging and production.
    go.store(true, Ordering::SeqCst);
    wait_for(&server, store, &expected_placements(true), 60);
    assert_eq!(server.metric("bulwark_feed_kube_placements"), 4);
    let resync = &server.events("kube-watch-resync")[0];
    assert_eq!(
        (resync["placements"].as_u64(), resync["removed"].as_u64()),
        (Some(4), Some(0)),
        "{resync}"
    );
    let owners_read: Vec<String> = api
        .targets()
        .into_iter()
        .filter(|t| t.contains("/replicasets/"))
        .collect();
    assert_eq!(
        owners_read.len(),
        4,
        "each pod's ReplicaSet read once: {owners_read:?}"
    );
    // The watch went on from the list's resourceVersion, asking for bookmarks.
    wait_until("the watch", Duration::from_secs(30), || {
        api.targets().iter().any(|t| {
            t.starts_with("/api/v1/pods?")
                && t.contains("watch=true")
                && t.contains("resourceVersion=300")
                && t.contains("allowWatchBookmarks=true")
        })
    });

    let s = bulwark_store::Store::open(store).unwrap();
    //    The watch also keeps each workload's risk context (`seed_cluster/context.json`): payments-api in `shop`
    //    is exposed by a LoadBalancer Service and an Ingress; search-api in `search` is isolated by a default-deny
    //    NetworkPolicy; the staging namespaces have neither.
    let context = |ns: &str, name: &str| -> Vec<String> {
        s.context_objects("seed", ns, "Deployment", name)
            .unwrap()
            .iter()
            .map(|o| {
                format!(
                    "{}/{}",
                    o["kind"].as_str().unwrap(),
                    o["metadata"]["name"].as_str().unwrap()
                )
            })
            .collect()
    };
    wait_until("the risk context", Duration::from_secs(30), || {
        context("shop", PAYMENTS_WORKLOAD)
            == [
                format!("Deployment/{PAYMENTS_WORKLOAD}"),
                format!("Service/{PAYMENTS_WORKLOAD}"),
                format!("Ingress/{PAYMENTS_WORKLOAD}"),
            ]
            && context("search", SEARCH_WORKLOAD)
                == [
                    format!("Deployment/{SEARCH_WORKLOAD}"),
                    "NetworkPolicy/default-deny".to_owned(),
                ]
    });
    assert_eq!(
        context("shop-staging", PAYMENTS_WORKLOAD),
        [format!("Deployment/{PAYMENTS_WORKLOAD}")]
    );
    wait_until("the baseline on v1", Duration::from_mins(2), || {
        matched(&s, &v1) == 2 && completed(&server, &v1)
    });
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(
        received(&http, &smtp),
        (0, 0, 0, 0),
        "a baseline notifies nothing"
    );

    // 3. The DB update: a CVE in the base layer's dash, an advisory for the payments layer's requests.
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

    // 3b. Risk in context (`bulwark get workloads --sort risk`, docs/risk.md): production payments-api runs the
    //     same image, hence the same findings, as staging payments-api, but it is internet-exposed (a
    //     LoadBalancer Service and an Ingress), not isolated, and in an essential (production) environment; the
    //     staging one has no Service and is only supporting. Both contexts come from stored objects.
    check_risk_ranking(store);

    // 4. `bulwark get cve --environment staging`: both, with "new" markers.
    check_new_in_staging(store);

    // 5./6. Who gets what, through the real receivers: on the CloudEvents webhook (valid against the spec's
    //    schema), on Slack (Block Kit's documented shape) and by e-mail (over STARTTLS), the same expectations
    //    as the CLI's cycle.
    let text = |prefix: &str, team: &str| -> Vec<String> {
        posts(&http, &format!("{prefix}{team}"))
            .iter()
            .map(|r| r.json().to_string())
            .collect()
    };
    check_cloudevents(&posts(&http, "/hook/"));
    check_routing("webhook", |team| text("/hook/", team));
    for r in posts(&http, "/services/") {
        check_slack(&r.json());
    }
    check_routing("slack", |team| text("/services/", team));
    let mails = smtp.messages();
    for m in &mails {
        assert_eq!(m["tls"], true, "STARTTLS: {m}");
        assert_eq!(m["rcpt_tos"].as_array().map(Vec::len), Some(1), "{m}");
    }
    check_routing("email", |team| {
        mails
            .iter()
            .filter(|m| m["rcpt_tos"][0] == format!("{team}@example.com").as_str())
            // Quoted-printable soft line breaks undone.
            .map(|m| m["data"].as_str().unwrap().replace("=\r\n", ""))
            .collect()
    });

    //    Jira: an issue per finding (dash in both images for platform, requests for payments), each looked up
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

    // 7. The third DB: a new version that changes nothing sends nothing.
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

// ------------------------------------------------------------------------- admission and watch together

/// `bulwark serve --store STORE` on the recorded cluster (the pod list not held) and its webhook: the server
/// and the local API server.
fn watching(dir: &Path, store: &str, cluster: &Value) -> (Server, ApiServer) {
    let api = api_server(cluster, Arc::new(AtomicBool::new(true)));
    let kcfg = kubeconfig(dir, &api.url, "seed", "s3cret");
    let server = Server::with_store(
        dir,
        "certs",
        store,
        &["--kubeconfig", kcfg.to_str().unwrap()],
    );
    (server, api)
}

/// Waits (at most 30 s) until the admission feed has written `n` placements.
fn admission_written(server: &Server, n: u64) {
    wait_until(
        "the admission feed's write",
        Duration::from_secs(30),
        || server.metric("bulwark_feed_admission_placements_written_total") >= n,
    );
}

/// A Deployment admitted again after the watch has placed it (`kubectl rollout restart`: an UPDATE with the same
/// digest) keeps the environment its namespace's label gives. A review carries no namespace labels; before the
/// fix the admission feed wrote `environment: null` over the watch's `staging`, and the watch did not repair it
/// (the new pod's event matched the row it believed written), so `get cve --environment staging` and the
/// messages left the workload out until the next re-list.
fn readmission(store: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let (server, _api) = watching(tmp.path(), store, &cluster());
    wait_for(&server, store, &expected_placements(true), 60);
    let old = cluster()["deployments"][0].clone();
    let mut restarted = old.clone();
    restarted["spec"]["template"]["metadata"]["annotations"] =
        serde_json::json!({"kubectl.kubernetes.io/restartedAt": "2026-12-07T04:00:00Z"});
    let mut r = review("restart", &restarted, false);
    r["request"]["operation"] = "UPDATE".into();
    r["request"]["oldObject"] = old;
    assert!(server.allowed(&r));
    admission_written(&server, 1);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(placements(store), expected_placements(true));
}

#[test]
fn a_deployment_admitted_again_keeps_the_environment_of_its_namespace_label_on_sqlite() {
    let db = pg::TestDb::sqlite();
    readmission(&db.location);
}

#[test]
fn a_deployment_admitted_again_keeps_the_environment_of_its_namespace_label_on_postgresql() {
    let db = pg::TestDb::postgres();
    readmission(&db.location);
}

/// The pod of a CronJob's Job is one placement, `CronJob/nightly`, as the watch names it. The pod's review can
/// only name its owner, `Job/nightly-29430180`, so the admission feed leaves a Job's pods to the Job's own
/// review (which names the CronJob). Before, the pod's review added a `Job/…` row beside the watch's, and it
/// outlived the pod until the next re-list.
#[test]
fn a_cronjob_pod_admitted_and_watched_is_one_placement() {
    let tmp = tempfile::tempdir().unwrap();
    let store = format!("sqlite:{}", tmp.path().join("store.db").display());
    let image = format!("{PAYMENTS_REF}@{DIGEST_A}");
    // The CronJob controller's Job (`<cronjob>-<minutes>`, controller owner the CronJob) and the Job
    // controller's pod (controller owner the Job), in the shape of bulwark-kube's recorded job-nightly.json.
    let job = serde_json::json!({"apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": "nightly-29430180", "namespace": "shop", "uid": "job-nightly",
            "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob", "name": "nightly",
                "uid": "cj-nightly", "controller": true, "blockOwnerDeletion": true}]},
        "spec": {"template": {"spec": {"containers": [{"name": "report", "image": image}],
            "restartPolicy": "OnFailure"}}}});
    let pod = |named: bool| {
        let mut p = serde_json::json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"namespace": "shop", "generateName": "nightly-29430180-",
                "labels": {"batch.kubernetes.io/job-name": "nightly-29430180", "job-name": "nightly-29430180"},
                "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": "nightly-29430180",
                    "uid": "job-nightly", "controller": true, "blockOwnerDeletion": true}]},
            "spec": {"containers": [{"name": "report", "image": image}], "restartPolicy": "OnFailure"}});
        if named {
            p["metadata"]["name"] = "nightly-29430180-4jx9m".into();
            p["metadata"]["resourceVersion"] = "250".into();
            p["status"] = serde_json::json!({"phase": "Running", "containerStatuses": [{"name": "report",
                "image": image, "imageID": format!("registry.example/payments/api@{DIGEST_A}"),
                "ready": true, "restartCount": 0, "started": true,
                "state": {"running": {"startedAt": "2026-12-07T03:00:00Z"}}}]});
        }
        p
    };
    let mut c = cluster();
    c["jobs"] = serde_json::json!([job]);
    c["pods"].as_array_mut().unwrap().push(pod(true));
    let (server, _api) = watching(tmp.path(), &store, &c);
    let mut want = expected_placements(true);
    want.push(format!(
        "seed production shop CronJob/nightly report {image}"
    ));
    want.sort();
    wait_for(&server, &store, &want, 60);
    // The Job's review records the CronJob (the row the watch wrote); its pod's review records nothing.
    assert!(server.allowed(&review("nightly-29430180", &job, false)));
    admission_written(&server, 1);
    assert!(server.allowed(&review("nightly", &pod(false), false)));
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        server.metric("bulwark_feed_admission_placements_written_total"),
        1
    );
    assert_eq!(placements(&store), want);
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
