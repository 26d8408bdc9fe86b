//! The run stage's inventory feeds inside a running `bulwark serve --store` (issue #15), on SQLite and on a real
//! PostgreSQL:
//! - the Kubernetes watch: the local API server of `tests/kube.rs` (`bulwark-kube/tests/support/apiserver.rs`,
//!   serving the recorded objects of `bulwark-kube/tests/fixtures`, see its README) lists pods in pages of two
//!   (with an expired continue token on the first list), then streams a BOOKMARK and a DELETED event, then an
//!   ERROR 410 that forces a re-list (which finds one pod gone and one rolled to a new digest); the store's
//!   placements follow each step, and so do the runtime container ids (`container_ids`: the listed pods' and a
//!   restarted container's new id from a MODIFIED event resolve to pod, namespace, digest and workload);
//! - admission: AdmissionReviews of those recorded pods (their images pinned by digest, as the mutating webhook
//!   pins them) posted to `/validate` become placements, attributed to the same workloads the watch finds;
//!   denied, dry-run and tag-only reviews do not;
//! - a flood of reviews while the store is locked (SQLite: another connection's `BEGIN EXCLUSIVE` through the
//!   `sqlite3` shell; PostgreSQL: `LOCK TABLE placements IN ACCESS EXCLUSIVE MODE`) is answered as fast as
//!   before and every review is allowed; the overflow is dropped and counted, and the queue is written once the
//!   lock goes.
//!
//! The expected placements come from the fixtures (namespace labels, owner references, imageIDs), not from the
//! code: e.g. the payments pod's ReplicaSet `payments-6d4cf56db6` belongs to Deployment `payments`, and namespace
//! `jx-acme-web-pr-7` has no label, so only the environments file makes it `preview`.

mod common;

#[path = "../../bulwark-kube/tests/support/apiserver.rs"]
mod apiserver;
#[path = "../../bulwark-store/tests/support/mod.rs"]
mod pg;

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use apiserver::{ApiServer, Cluster, End, Reply, bearer, bookmark, event, fixture, with_rv};
use common::inventory::{placement_lines, wait_for_placements};
use common::server::{Server, kubeconfig, review};
use serde_json::{Value, json};

fn digest(byte: &str) -> String {
    format!("sha256:{}", byte.repeat(32))
}

/// Previews by glob (their namespaces carry no label); staging and production by name, for admission, which
/// sees no namespace labels.
fn environments(dir: &Path) -> PathBuf {
    let p = dir.join("environments.yaml");
    std::fs::write(
        &p,
        "namespaces:\n  - match: \"jx-*-pr-*\"\n    environment: preview\n  - match: staging\n    environment: staging\n  - match: production\n    environment: production\n",
    )
    .unwrap();
    p
}

/// The store's live placements, each with its digest's first byte.
fn placements(store: &str) -> Vec<String> {
    placement_lines(store, digest_byte)
}

fn digest_byte(p: &bulwark_store::Placement) -> String {
    p.digest[7..9].to_owned()
}

fn wait_for(server: &Server, store: &str, want: &[&str], secs: u64) {
    wait_for_placements(server, store, digest_byte, want, secs);
}

// ------------------------------------------------------------------------------------------ the watch feed

/// Holds a watch request until the test has looked at the store and let step `step` go (at most 30 s).
fn hold(go: &AtomicUsize, step: usize) {
    let until = Instant::now() + Duration::from_secs(30);
    while go.load(Ordering::SeqCst) < step && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn watch_feed(store: &str) {
    let d = tempfile::tempdir().unwrap();
    let relisted = Arc::new(AtomicBool::new(false));
    let go = Arc::new(AtomicUsize::new(0));
    let mut cluster = Cluster::recorded();
    // The first list's continue token has expired: the list starts again from its first page.
    cluster.gone_on_continue = 1;
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    {
        let seen = seen.clone();
        let go = go.clone();
        cluster.watches.push(Box::new(move |r| {
            seen.lock().unwrap().push(r.target.clone());
            hold(&go, 1);
            // From the list's resourceVersion: the payments container restarted (a new containerID, the
            // same image: no placement changes), a bookmark, then the bare preview pod is deleted.
            assert_eq!(r.query("resourceVersion").as_deref(), Some("300"));
            let mut restarted = fixture("pod-payments.json");
            restarted["status"]["containerStatuses"][0]["containerID"] =
                json!(format!("docker://{}", "f1".repeat(32)));
            restarted["status"]["containerStatuses"][0]["restartCount"] = json!(1);
            Reply::Stream(
                vec![
                    event("MODIFIED", with_rv(restarted, "305")),
                    bookmark("310"),
                    event("DELETED", with_rv(fixture("pod-web-debug.json"), "311")),
                ],
                End::Clean,
            )
        }));
    }
    {
        let (seen, go, relisted) = (seen.clone(), go.clone(), relisted.clone());
        cluster.watches.push(Box::new(move |r| {
            seen.lock().unwrap().push(r.target.clone());
            hold(&go, 2);
            relisted.store(true, Ordering::SeqCst);
            Reply::Stream(
                vec![
                    json!({"type": "ERROR", "object": apiserver::status(410, "Expired",
                    "too old resource version: 311 (400)")}),
                ],
                End::Clean,
            )
        }));
    }
    cluster
        .watches
        .push(Box::new(|_| Reply::Stall(Duration::from_mins(1))));
    // After the 410, the re-list sees the cluster as it is now: the preview pod gone (already), and search
    // rolled to a new digest (seen by nobody's watch: only the re-list can bring it).
    let mut inner = cluster.handler();
    let flag = relisted.clone();
    let handler: apiserver::Handler = Box::new(move |r| {
        let reply = inner(r);
        let is_list = r.path() == "/api/v1/pods" && r.query("watch").is_none();
        match reply {
            Reply::Json(200, mut v) if is_list && flag.load(Ordering::SeqCst) => {
                let items = v["items"].as_array_mut().unwrap();
                // The nightly job's pod finished and was deleted while no watch was open: only the re-list
                // can tell.
                items.retain(|p| {
                    p["metadata"]["name"] != "web-debug"
                        && p["metadata"]["name"] != "nightly-29430180-4jx9m"
                });
                for p in items.iter_mut() {
                    if p["metadata"]["name"] == "search-7b9c5d8f44-q8wzt" {
                        p["status"]["containerStatuses"][0]["imageID"] =
                            json!(format!("ghcr.io/acme/search@{}", digest("e5")));
                    }
                }
                Reply::Json(200, v)
            }
            other => other,
        }
    });
    let api = ApiServer::start(None, bearer("s3cret"), handler);
    let cfg = kubeconfig(d.path(), &api.url, "recorded", "s3cret");
    let envs = environments(d.path());
    let server = Server::with_store(
        d.path(),
        "certs",
        store,
        &[
            "--kubeconfig",
            cfg.to_str().unwrap(),
            "--environments",
            envs.to_str().unwrap(),
            "--page-size",
            "2",
        ],
    );

    // The first list: every pod's workload, in its environment (namespace labels; the preview by glob), in
    // the cluster the kubeconfig names.
    wait_for(
        &server,
        store,
        &[
            "recorded preview jx-acme-web-pr-7 Pod/web-debug web d4",
            "recorded production production CronJob/nightly nightly-29430180 c3",
            "recorded production production Deployment/search search b2",
            "recorded staging staging Deployment/payments payments a1",
        ],
        60,
    );
    // The runtime's container ids of the listed pods (the fixtures' `containerID`s, `<type>://<id>`) resolve to
    // their pods, namespaces, digests and workloads.
    let pay = wait_for_container(store, &"e1".repeat(32), 30);
    assert_eq!(
        (
            pay.cluster.as_str(),
            pay.namespace.as_str(),
            pay.pod.as_str(),
            pay.pod_uid.as_str(),
            pay.container.as_str(),
            pay.image.as_str(),
            pay.digest.as_str(),
            pay.workload_kind.as_str(),
            pay.workload_name.as_str()
        ),
        (
            "recorded",
            "staging",
            "payments-6d4cf56db6-x7k2p",
            "pod-payments-6d4cf56db6-x7k2p",
            "payments",
            "ghcr.io/acme/payments:1.4",
            digest("a1").as_str(),
            "Deployment",
            "payments"
        )
    );
    let nightly = wait_for_container(store, &format!("containerd://{}", "e3".repeat(32)), 5);
    assert_eq!(
        (
            nightly.pod.as_str(),
            nightly.digest.as_str(),
            nightly.workload_kind.as_str(),
            nightly.workload_name.as_str()
        ),
        (
            "nightly-29430180-4jx9m",
            digest("c3").as_str(),
            "CronJob",
            "nightly"
        )
    );
    let search = wait_for_container(store, &"e2".repeat(32), 5);
    assert_eq!(
        (search.namespace.as_str(), search.workload_name.as_str()),
        ("production", "search")
    );
    let web = wait_for_container(store, &"e4".repeat(32), 5);
    assert_eq!(
        (web.pod.as_str(), web.workload_kind.as_str()),
        ("web-debug", "Pod")
    );
    go.store(1, Ordering::SeqCst);
    // The DELETED event removes the bare pod.
    wait_for(
        &server,
        store,
        &[
            "recorded production production CronJob/nightly nightly-29430180 c3",
            "recorded production production Deployment/search search b2",
            "recorded staging staging Deployment/payments payments a1",
        ],
        30,
    );
    // The restarted container's new id, from the watch alone (no placement changed); the deleted pod's id
    // still resolves (rows carry last_seen and are not removed).
    let again = wait_for_container(store, &"f1".repeat(32), 30);
    assert_eq!(
        (
            again.pod.as_str(),
            again.digest.as_str(),
            again.workload_name.as_str()
        ),
        (
            "payments-6d4cf56db6-x7k2p",
            digest("a1").as_str(),
            "payments"
        )
    );
    assert_eq!(
        wait_for_container(store, &"e4".repeat(32), 1).pod,
        "web-debug"
    );
    go.store(2, Ordering::SeqCst);
    // The 410 re-list replaces the cluster's placements: search now runs e5, the nightly job is gone.
    wait_for(
        &server,
        store,
        &[
            "recorded production production Deployment/search search e5",
            "recorded staging staging Deployment/payments payments a1",
        ],
        30,
    );
    // The second watch resumed from the DELETED event's resourceVersion (after the bookmark's).
    let targets = seen.lock().unwrap().clone();
    assert!(
        targets[1].contains("resourceVersion=311")
            && targets[1].contains("allowWatchBookmarks=true"),
        "{targets:?}"
    );
    // Requests to the API server: paging with a continue token, the restart after the expired one, two lists
    // before the first watch is gone, and a third after the 410.
    let lists: Vec<String> = api
        .targets()
        .into_iter()
        .filter(|t| t.starts_with("/api/v1/pods?") && !t.contains("watch=true"))
        .collect();
    assert!(
        lists.iter().any(|t| t.contains("continue=page-1")),
        "{lists:?}"
    );
    assert!(
        lists
            .iter()
            .filter(|t| *t == "/api/v1/pods?limit=2")
            .count()
            >= 3,
        "{lists:?}"
    );
    let resyncs: Vec<Value> = server
        .lines()
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["event"] == "kube-watch-resync")
        .collect();
    assert_eq!(resyncs.len(), 2, "{resyncs:?}");
    assert_eq!(resyncs[1]["relist"], true);
    assert_eq!(resyncs[1]["removed"], 1, "{resyncs:?}");
    assert_eq!(server.metric("bulwark_feed_kube_resyncs_total"), 2);
    assert_eq!(server.metric("bulwark_feed_kube_removes_total"), 1);
    assert_eq!(server.metric("bulwark_feed_kube_placements"), 2);
}

/// The store's row for a runtime container id, waiting up to `secs` for the feed to write it.
fn wait_for_container(store: &str, id: &str, secs: u64) -> bulwark_store::ContainerRecord {
    let s = bulwark_store::Store::open(store).unwrap();
    let until = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(c) = s.container(id).unwrap() {
            return c;
        }
        assert!(
            Instant::now() < until,
            "container {id} not in the store after {secs} s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn watch_feed_on_sqlite() {
    let db = pg::TestDb::sqlite();
    watch_feed(&db.location);
}

#[test]
fn watch_feed_on_postgresql() {
    let db = pg::TestDb::postgres();
    watch_feed(&db.location);
}

// -------------------------------------------------------------------------------------- the admission feed

/// A recorded pod as its controller creates it: no name yet, no status, the image pinned to `digest`.
fn created_pod(file: &str, digest: &str) -> Value {
    let mut p = fixture(file);
    let name = p["metadata"]["name"].as_str().unwrap().to_owned();
    let meta = p["metadata"].as_object_mut().unwrap();
    meta.remove("name");
    meta.remove("resourceVersion");
    meta.remove("uid");
    meta.insert(
        "generateName".into(),
        json!(format!("{}-", &name[..name.rfind('-').unwrap()])),
    );
    p.as_object_mut().unwrap().remove("status");
    let image = p["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap()
        .to_owned();
    let repo = image.rsplit_once(':').unwrap().0;
    p["spec"]["containers"][0]["image"] = json!(format!("{repo}@{digest}"));
    p
}

fn admission_feed(store: &str) {
    let d = tempfile::tempdir().unwrap();
    let envs = environments(d.path());
    let server = Server::with_store(
        d.path(),
        "certs",
        store,
        &[
            "--cluster",
            "kind-test",
            "--environments",
            envs.to_str().unwrap(),
        ],
    );
    // Not placements: a privileged pod (denied), a dry run, a pod whose image has only a tag.
    let mut privileged = created_pod("pod-payments.json", &digest("f6"));
    privileged["spec"]["containers"][0]["securityContext"] = json!({"privileged": true});
    assert!(!server.allowed(&review("u-1", &privileged, false)));
    let dry = created_pod("pod-search.json", &digest("f7"));
    assert!(server.allowed(&review("u-2", &dry, true)));
    let mut tagged = created_pod("pod-search.json", &digest("f8"));
    tagged["spec"]["containers"][0]["image"] = json!("ghcr.io/acme/search:2.0");
    assert!(server.allowed(&review("u-3", &tagged, false)));
    // Placements: the payments pod in staging, the search Deployment in production (both as the watch names
    // their workloads), and the pod of a Job no CronJob made. Not a placement: the pod of the nightly
    // CronJob's Job, which only the Job's own review and the watch can name (`CronJob/nightly`).
    let payments = created_pod("pod-payments.json", &digest("a1"));
    assert!(server.allowed(&review("u-4", &payments, false)));
    let mut search = fixture("deploy-search.json");
    search["spec"]["template"]["spec"]["containers"][0]["image"] =
        json!(format!("ghcr.io/acme/search@{}", digest("b2")));
    assert!(server.allowed(&review("u-5", &search, false)));
    let nightly = created_pod("pod-nightly.json", &digest("c3"));
    assert!(server.allowed(&review("u-6", &nightly, false)));
    let mut migrate = created_pod("pod-nightly.json", &digest("d4"));
    migrate["metadata"]["generateName"] = json!("migrate-schema-");
    migrate["metadata"]["ownerReferences"][0]["name"] = json!("migrate-schema");
    assert!(server.allowed(&review("u-7", &migrate, false)));
    wait_for(
        &server,
        store,
        &[
            "kind-test production production Deployment/search search b2",
            "kind-test production production Job/migrate-schema nightly-29430180 d4",
            "kind-test staging staging Deployment/payments payments a1",
        ],
        30,
    );
    assert_eq!(
        server.metric("bulwark_feed_admission_placements_written_total"),
        3
    );
    assert_eq!(
        server.metric("bulwark_feed_admission_containers_without_digest_total"),
        1
    );
    assert_eq!(server.metric("bulwark_feed_admission_dropped_total"), 0);
}

#[test]
fn admission_feed_on_sqlite() {
    let db = pg::TestDb::sqlite();
    admission_feed(&db.location);
}

#[test]
fn admission_feed_on_postgresql() {
    let db = pg::TestDb::postgres();
    admission_feed(&db.location);
}

// ------------------------------------------------------------------------ a flood with the store locked

/// A Rust HTTPS client (ureq over rustls, keep-alive) that trusts only the server's generated CA.
fn client(ca: &Path) -> ureq::Agent {
    use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig, TlsProvider};
    let pem = std::fs::read(ca).unwrap();
    let certs: Vec<Certificate<'static>> = ureq::tls::parse_pem(&pem)
        .filter_map(|item| match item.unwrap() {
            PemItem::Certificate(c) => Some(c),
            _ => None,
        })
        .collect();
    let tls = TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .root_certs(RootCerts::new_with_certs(&certs))
        .build();
    ureq::Agent::config_builder()
        .tls_config(tls)
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(Duration::from_mins(1)))
        .build()
        .into()
}

/// Posts `per_thread` reviews from each of 4 threads (pods `NAME-T-I` in staging): the latency of each, all
/// answered 200 and allowed.
fn burst(server: &Server, name: &str, per_thread: usize) -> Vec<Duration> {
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let agent = client(&server.certs.join("ca.crt"));
            let (port, name) = (server.port, name.to_owned());
            std::thread::spawn(move || {
                let mut times = Vec::new();
                for i in 0..per_thread {
                    let pod = json!({"apiVersion": "v1", "kind": "Pod",
                        "metadata": {"name": format!("{name}-{t}-{i}"), "namespace": "staging"},
                        "spec": {"containers": [{"name": "app",
                            "image": format!("ghcr.io/acme/payments@{}", digest("a1"))}]}});
                    let body = review(&format!("{name}-{t}-{i}"), &pod, false).to_string();
                    let start = Instant::now();
                    let mut resp = agent
                        .post(format!("https://127.0.0.1:{port}/validate"))
                        .header("Content-Type", "application/json")
                        .send(body.as_bytes())
                        .unwrap();
                    let status = resp.status().as_u16();
                    let v: Value =
                        serde_json::from_slice(&resp.body_mut().read_to_vec().unwrap()).unwrap();
                    times.push(start.elapsed());
                    assert_eq!(status, 200);
                    assert_eq!(v["response"]["allowed"], true, "{v}");
                }
                times
            })
        })
        .collect();
    let mut all: Vec<Duration> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    all.sort();
    all
}

/// Holds the store's placements locked until dropped.
enum Lock {
    Sqlite(std::process::Child),
    Pg(Box<postgres::Client>),
}

impl Lock {
    fn take(store: &str) -> Self {
        if let Some(path) = store.strip_prefix("sqlite:") {
            // The sqlite3 shell's own connection holds the write lock until its input ends.
            let mut child = Command::new("sqlite3")
                .arg(path)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .expect("sqlite3 (run .ci/install-deps.sh)");
            let stdin = child.stdin.as_mut().unwrap();
            stdin
                .write_all(b".timeout 20000\nBEGIN EXCLUSIVE;\nSELECT 'locked';\n")
                .unwrap();
            stdin.flush().unwrap();
            let mut line = String::new();
            BufReader::new(child.stdout.as_mut().unwrap())
                .read_line(&mut line)
                .unwrap();
            assert_eq!(line.trim(), "locked");
            Self::Sqlite(child)
        } else {
            let mut c = postgres::Client::connect(store, postgres::NoTls).unwrap();
            c.batch_execute("BEGIN; LOCK TABLE placements IN ACCESS EXCLUSIVE MODE")
                .unwrap();
            Self::Pg(Box::new(c))
        }
    }

    fn release(self) {
        match self {
            Self::Sqlite(mut child) => {
                drop(child.stdin.take());
                child.wait().unwrap();
            }
            Self::Pg(mut c) => c.batch_execute("COMMIT").unwrap(),
        }
    }
}

fn flood_with_the_store_locked(store: &str) {
    let d = tempfile::tempdir().unwrap();
    let server = Server::with_store(
        d.path(),
        "certs",
        store,
        &["--cluster", "kind-test", "--admission-queue", "8"],
    );
    // The writer is connected and writing.
    let warm = burst(&server, "warm", 1);
    assert_eq!(warm.len(), 4);
    let deadline = Instant::now() + Duration::from_secs(30);
    while placements(store).len() < 4 {
        assert!(Instant::now() < deadline, "{:?}", server.lines());
        std::thread::sleep(Duration::from_millis(100));
    }
    let before = burst(&server, "before", 50);
    // The writer has caught up (the queue of 8 may have overflowed during that burst too).
    caught_up(&server);
    let dropped_before = server.metric("bulwark_feed_admission_dropped_total");

    let lock = Lock::take(store);
    let during = burst(&server, "during", 100);
    let dropped = server.metric("bulwark_feed_admission_dropped_total") - dropped_before;
    let written_during = server.metric("bulwark_feed_admission_placements_written_total");
    lock.release();

    let p50 = |v: &[Duration]| v[v.len() / 2];
    let max = |v: &[Duration]| *v.last().unwrap();
    eprintln!(
        "store available: p50 {:?} max {:?}; locked: p50 {:?} max {:?}; dropped {dropped}",
        p50(&before),
        max(&before),
        p50(&during),
        max(&during)
    );
    // Not slower: a write on the request path would wait for the lock (SQLite: its 30 s busy timeout;
    // PostgreSQL: until the lock goes), so one review waiting a second would show it.
    assert!(max(&during) < Duration::from_secs(1), "{during:?}");
    assert!(
        p50(&during) <= p50(&before) * 4 + Duration::from_millis(20),
        "{before:?} {during:?}"
    );
    // The queue (8) and one batch in the writer's hands hold at most 8 + 256 of the 400: the rest was dropped.
    assert!(dropped >= 400 - 8 - 256, "dropped {dropped}");
    // Once the lock goes, what waited is written.
    caught_up(&server);
    assert!(server.metric("bulwark_feed_admission_placements_written_total") > written_during);
    assert_eq!(server.metric("bulwark_feed_admission_lost_total"), 0);
    assert_eq!(
        placements(store)
            .iter()
            .filter(|p| p.contains("Pod/during-"))
            .count() as u64,
        400 - dropped
    );
}

/// Waits (at most a minute) until every queued admission event is written.
fn caught_up(server: &Server) {
    let deadline = Instant::now() + Duration::from_mins(1);
    loop {
        let written = server.metric("bulwark_feed_admission_placements_written_total");
        let queued = server.metric("bulwark_feed_admission_queued_total");
        if written == queued {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "written {written} of {queued}: {:?}",
            server.lines()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_flood_with_the_store_locked_on_sqlite() {
    let db = pg::TestDb::sqlite();
    // The store exists before the server starts (the lock needs the file).
    drop(db.open());
    flood_with_the_store_locked(&db.location);
}

#[test]
fn a_flood_with_the_store_locked_on_postgresql() {
    let db = pg::TestDb::postgres();
    drop(db.open());
    flood_with_the_store_locked(&db.location);
}

/// `--kubeconfig` only feeds the inventory: without `--store` the server refuses to start (exit 2, naming the
/// flags) instead of serving with the watch silently off.
#[test]
fn a_watch_without_a_store_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let bundle = dir.join("bundle");
    std::fs::create_dir_all(&bundle).unwrap();
    std::fs::write(bundle.join("rules.yaml"), common::server::DENY_PRIVILEGED).unwrap();
    let config = kubeconfig(dir, "https://127.0.0.1:9", "kind-test", "t");
    let mut child = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["serve", "--listen", "127.0.0.1:0", "--policy"])
        .arg(&bundle)
        .arg("--generate-certs")
        .arg(dir.join("certs"))
        .arg("--kubeconfig")
        .arg(&config)
        .env_remove("BULWARK_STORE")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("bulwark serve --kubeconfig without --store kept running");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--kubeconfig") && stderr.contains("--store"),
        "{stderr}"
    );
}
