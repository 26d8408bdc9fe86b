//! The dashboard at `/` (issue #16) against a server filled by the seed scenario (as serve_inventory.rs: SBOMs
//! pushed, the Deployments admitted through the webhook, their pods listed and watched from a local API server
//! replaying `tests/seed_cluster`, then a DB update), plus a third image carrying hostile strings pushed through
//! the REST API (its reference, its placement's namespace, workload, container and environment, its owner
//! team's name from owners.yaml, and an advisory id from the DB feeds).
//!
//! - `dashboard_in_chromium`: headless Debian chromium driven over W3C WebDriver (common/browser.rs) signs in
//!   with a token, loads every page, clicks overview → a workload → a finding → its layer and its owner,
//!   checks the numbers on the pages against `/api/v1`, fails on any SEVERE console message (CSP violations
//!   included) and writes screenshots to `target/test-artifacts/dashboard/`. Under `CI=true` a missing chromium
//!   is a failure.
//! - `dashboard_http`: raw requests (curl): 401 without credentials, the session cookie's attributes, 403 for a
//!   read token on the admin action, 403 without or with a wrong CSRF token, the retry itself, and every
//!   hostile string escaped on every page.
//!
//! Truth from outside the code: which layer holds dash and requests is the fixture image's history
//! (debootstrap base layer, pip app layer: `../shared/fixtures/README.md`); the CVEs are the ones the test
//! writes into the feeds; the API's answers are the REST API's (tested by api.rs), computed by other queries.

// Counts of a few rows.
#![allow(clippy::cast_possible_wrap)]

#[path = "../../bulwark-kube/tests/support/apiserver.rs"]
mod apiserver;
#[path = "common/browser.rs"]
mod browser;
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use apiserver::{ApiServer, End, Reply, bearer, bookmark, list};
use common::inventory::{
    CVE_BASE, DIGEST_A, DIGEST_B, PAYMENTS_REF, PAYMENTS_WORKLOAD, SEARCH_REF, Sink, build_db,
    feeds, ok, sboms,
};
use common::server::{Server, kubeconfig, review};
use serde_json::{Value, json};

const READ: &str = "read-token-0123456789abcdef";
const ADMIN: &str = "admin-token-0123456789abcdef";
const PUSH: &str = "push-token-0123456789abcdef";

const DIGEST_C: &str = "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";
/// Hostile strings, each with a marker that must never appear unescaped.
const EVIL_REF: &str = "registry.example/evil/x\"><script>alert('ref')</script>:1";
const EVIL_TEAM: &str = "evil<b/onmouseover=alert('team')>team</b>";
const EVIL_NS: &str = "ns<script>alert('ns')</script>\u{1b}[31mred";
const EVIL_WORKLOAD: &str = "w\"'><img src=x onerror=alert('wl')>";
const EVIL_CONTAINER: &str = "c<svg onload=alert('c')>";
const EVIL_ENV: &str = "env<iframe src=javascript:alert('env')>";
const EVIL_ADVISORY: &str = "PYSEC-<img src=x onerror=alert('vuln')>";
const RAW_MARKERS: &[&str] = &[
    "<script>alert(",
    "<b/onmouseover",
    "<img src=x",
    "<svg onload",
    "<iframe",
    "\u{1b}",
];

struct Seeded {
    _tmp: tempfile::TempDir,
    _api: ApiServer,
    _sink: Sink,
    server: Server,
    store: String,
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

fn cluster() -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/seed_cluster/cluster.json");
    serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap()
}

/// The recorded cluster served as serve_inventory.rs serves it: namespaces, pods (held until `go`), each
/// ReplicaSet by name, one watch that bookmarks and ends, then quiet watches.
fn api_server(cluster: &Value, go: Arc<AtomicBool>) -> ApiServer {
    let items = |k: &str| cluster[k].as_array().cloned().unwrap_or_default();
    let (namespaces, pods, replicasets) =
        (items("namespaces"), items("pods"), items("replicasets"));
    let mut watches = 0;
    let handler: apiserver::Handler = Box::new(move |r| {
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
                let found = p
                    .strip_prefix("/apis/apps/v1/namespaces/")
                    .and_then(|rest| {
                        let (ns, rest) = rest.split_once('/')?;
                        let name = rest.split_once('/')?.1;
                        replicasets.iter().find(|o| {
                            o["metadata"]["namespace"] == ns && o["metadata"]["name"] == name
                        })
                    });
                match found {
                    Some(o) => Reply::Json(200, o.clone()),
                    None => Reply::Json(404, apiserver::status(404, "NotFound", "not found")),
                }
            }
        }
    });
    ApiServer::start(None, bearer("s3cret"), handler)
}

fn install(src: &Path, current: &Path) {
    let tmp = current.with_extension("tmp");
    std::fs::copy(src, &tmp).unwrap();
    std::fs::rename(&tmp, current).unwrap();
}

/// The seed scenario's server and store, with the hostile image added.
fn seed() -> Seeded {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let store = format!("sqlite:{}", dir.join("store.db").display());
    let (f1, f2) = feeds(&dir);
    // The DB update also brings an advisory whose id is hostile, for the payments layer's requests.
    let osv = f2.iter().find(|(k, _)| *k == "--osv").unwrap().1.clone();
    std::fs::write(
        osv.join("EVIL-1.json"),
        serde_json::to_vec(&json!({
            "id": EVIL_ADVISORY,
            "modified": "2099-01-01T00:00:00Z",
            "summary": "<script>alert('summary')</script>",
            "affected": [{
                "package": {"ecosystem": "PyPI", "name": "requests"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.20.0"}]}]
            }]
        }))
        .unwrap(),
    )
    .unwrap();
    let (v1, v2, current) = (dir.join("v1.db"), dir.join("v2.db"), dir.join("current.db"));
    build_db(&v1, &f1);
    build_db(&v2, &f2);
    install(&v1, &current);
    let sink = Sink::start(&dir);
    let hook = |path: &str| format!("http://127.0.0.1:{}/{path}", sink.port);
    let owners = dir.join("owners.yaml");
    std::fs::write(
        &owners,
        format!(
            "teams:\n  platform:\n    channels:\n      - {{type: webhook, url: \"{}\"}}\n  payments:\n    channels:\n      - {{type: webhook, url: \"{}\"}}\n  search:\n    channels:\n      - {{type: webhook, url: \"{}\"}}\n  \"{EVIL_TEAM}\":\n    channels:\n      - {{type: webhook, url: \"{}\"}}\nrules:\n  - team: platform\n    createdBy: \"debootstrap *\"\n  - team: payments\n    registry: registry.example/payments/**\n  - team: search\n    registry: registry.example/search/**\n  - team: \"{EVIL_TEAM}\"\n    registry: registry.example/evil/**\n",
            hook("platform"),
            hook("payments"),
            hook("search"),
            hook("evil")
        ),
    )
    .unwrap();
    let tokens = dir.join("tokens.yaml");
    std::fs::write(
        &tokens,
        format!(
            "tokens:\n  - name: reader\n    role: read\n    token: {READ}\n  - name: admin\n    role: admin\n    token: {ADMIN}\n  - name: ci\n    role: push\n    token: {PUSH}\n"
        ),
    )
    .unwrap();
    let (sbom_a, sbom_b) = sboms(&dir);
    for (digest, r, sbom) in [
        (DIGEST_A, PAYMENTS_REF, &sbom_a),
        (DIGEST_B, SEARCH_REF, &sbom_b),
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
            &sbom.display().to_string(),
        ]);
    }
    let go = Arc::new(AtomicBool::new(false));
    let api = api_server(&cluster(), go.clone());
    let kcfg = kubeconfig(&dir, &api.url, "seed", "s3cret");
    let server = Server::with_store(
        &dir,
        "certs",
        &store,
        &[
            "--worker",
            "r1",
            "--vuln-db",
            current.to_str().unwrap(),
            "--owners",
            owners.to_str().unwrap(),
            "--rescan-every",
            "200ms",
            "--deliver-every",
            "200ms",
            "--api-tokens",
            tokens.to_str().unwrap(),
            "--kubeconfig",
            kcfg.to_str().unwrap(),
        ],
    );
    for (i, d) in cluster()["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        assert!(server.allowed(&review(&format!("deploy-{i}"), d, false)));
    }
    go.store(true, Ordering::SeqCst);
    // The hostile image through the REST API: its SBOM (the payments image's), then where it runs.
    let (status, body) = http(
        &server,
        "POST",
        &format!("/api/v1/reports?digest={DIGEST_C}&ref={}", enc(EVIL_REF)),
        &[&format!("Authorization: Bearer {PUSH}")],
        Some(&std::fs::read(&sbom_a).unwrap()),
    );
    assert!(
        matches!(status.code, 200 | 201),
        "{}: {}",
        status.code,
        String::from_utf8_lossy(&body)
    );
    let placement = json!([{
        "cluster": "edge", "environment": EVIL_ENV, "namespace": EVIL_NS, "workload_kind": "Deployment",
        "workload_name": EVIL_WORKLOAD, "container": EVIL_CONTAINER, "container_type": "app",
        "image": EVIL_REF, "digest": DIGEST_C, "labels": {}, "annotations": {}
    }]);
    let (status, body) = http(
        &server,
        "POST",
        "/api/v1/placements",
        &[&format!("Authorization: Bearer {ADMIN}")],
        Some(placement.to_string().as_bytes()),
    );
    assert!(
        matches!(status.code, 200 | 201),
        "{}: {}",
        status.code,
        String::from_utf8_lossy(&body)
    );
    let s = bulwark_store::Store::open(&store).unwrap();
    let matched = |version: &str| {
        s.images()
            .unwrap()
            .iter()
            .filter(|i| i.db_version.as_deref() == Some(version))
            .count()
    };
    let version = |db: &Path| {
        bulwark_inventory::db_version(&bulwark_vulndb::VulnDb::open(db).unwrap()).unwrap()
    };
    let (ver1, ver2) = (version(&v1), version(&v2));
    let start = Instant::now();
    while matched(&ver1) != 3 {
        assert!(
            start.elapsed() < Duration::from_mins(2),
            "the baseline on v1 ({ver1}): {:?}\n{:#?}",
            s.image_versions().unwrap(),
            server.lines()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    wait_until(
        "five placements with environments",
        Duration::from_mins(1),
        || {
            s.workload_rows(&bulwark_store::WorkloadQuery::default(), None, None)
                .unwrap()
                .iter()
                .filter(|r| r.environment.is_some())
                .count()
                == 5
        },
    );
    install(&v2, &current);
    wait_until("the re-match on v2", Duration::from_mins(2), || {
        matched(&ver2) == 3
            && server
                .events("rescan")
                .iter()
                .any(|v| v["dbVersion"] == ver2.as_str() && v["complete"] == true)
    });
    // A runtime alert for the Runtime page, its output and pod hostile.
    assert!(
        s.record_runtime_alert(
            &bulwark_store::RuntimeAlert {
                cluster: "seed".into(),
                rule: "Create Privileged Pod".into(),
                priority: "WARNING".into(),
                source: "k8s_audit".into(),
                time_ns: 1_796_000_000_000_000_000,
                output: RUNTIME_OUTPUT.into(),
                output_fields: json!({"ka.target.namespace": "shop"}),
                tags: vec!["k8s".into()],
                namespace: Some("shop".into()),
                pod: Some("<b>pod</b>".into()),
                image: Some("nginx".into()),
                dedupe_key: "k8s_audit:seed-1:Create Privileged Pod".into(),
            },
            1,
        )
        .unwrap()
    );
    Seeded {
        _tmp: tmp,
        _api: api,
        _sink: sink,
        server,
        store,
    }
}

/// The stored runtime alert's output: markup that must show as text.
const RUNTIME_OUTPUT: &str =
    "Pod started with privileged container <img src=x onerror=alert('rt')> (ns=shop)";

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

struct Status {
    code: u16,
    headers: Vec<(String, String)>,
}

impl Status {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One request with curl (trusting the server's CA): status line's code, headers, body.
fn http(
    server: &Server,
    method: &str,
    path: &str,
    headers: &[&str],
    body: Option<&[u8]>,
) -> (Status, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let head = dir.path().join("head");
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "--max-time", "30", "-o", "-", "-D"])
        .arg(&head)
        .arg("--cacert")
        .arg(server.certs.join("ca.crt"))
        .args(["-X", method]);
    for h in headers {
        cmd.args(["-H", h]);
    }
    if body.is_some() {
        cmd.args(["--data-binary", "@-"]);
    }
    let mut child = cmd
        .arg(server.url(path))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("curl");
    {
        let mut stdin = child.stdin.take().unwrap();
        if let Some(b) = body {
            let _ = stdin.write_all(b);
        }
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "curl {path}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let head = std::fs::read_to_string(&head).unwrap();
    let mut lines = head.lines();
    let code = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    (Status { code, headers }, out.stdout)
}

fn api(server: &Server, path: &str) -> Value {
    let (s, body) = http(
        server,
        "GET",
        path,
        &[&format!("Authorization: Bearer {READ}")],
        None,
    );
    assert_eq!(s.code, 200, "{path}: {}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

fn page(server: &Server, path: &str, auth: &str) -> (u16, String) {
    let (s, body) = http(server, "GET", path, &[auth], None);
    (s.code, String::from_utf8(body).unwrap())
}

/// The CSRF token a page gives its forms.
fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    html[at..at + 64].to_owned()
}

fn artifacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        PathBuf::from,
    );
    target.join("test-artifacts/dashboard")
}

/// A failed notification for the retry: queued due far in the future (so the server's loop does not take it),
/// claimed and failed here.
fn failed_notification(store: &str, key: &str) -> i64 {
    let s = bulwark_store::Store::open(store).unwrap();
    let due = 4_000_000_000;
    assert!(s.enqueue("platform", "webhook", key, "{}", due).unwrap());
    let claimed = s.claim_notifications("test", due, 60, 100).unwrap();
    let n = claimed.iter().find(|n| n.dedupe_key == key).unwrap();
    assert!(
        s.fail(n.id, "test", "HTTP 500 <script>alert('err')</script>")
            .unwrap()
    );
    n.id
}

#[test]
fn dashboard_http() {
    let seeded = seed();
    let server = &seeded.server;
    let read = format!("Authorization: Bearer {READ}");
    let admin = format!("Authorization: Bearer {ADMIN}");

    // 401 without credentials (with the login form), and with a wrong token; 403 for a push token.
    for (path, auth) in [
        ("/", "X-None: 1"),
        ("/images", "Authorization: Bearer wrong"),
        ("/no-such-page", "X-None: 1"),
    ] {
        let (s, body) = http(server, "GET", path, &[auth], None);
        assert_eq!(s.code, 401, "{path}");
        assert!(String::from_utf8_lossy(&body).contains("action=\"/login\""));
        assert!(s.header("www-authenticate").is_some());
    }
    assert_eq!(
        http(
            server,
            "GET",
            "/",
            &[&format!("Authorization: Bearer {PUSH}")],
            None
        )
        .0
        .code,
        403
    );
    // Static assets need no credentials (the login page uses them).
    assert_eq!(
        http(server, "GET", "/static/dashboard.css", &[], None)
            .0
            .code,
        200
    );

    // A page's headers: CSP without inline script, Server-Timing, no caching.
    let (s, _) = http(server, "GET", "/", &[&read], None);
    assert_eq!(s.code, 200);
    let csp = s.header("content-security-policy").unwrap();
    assert!(
        csp.contains("default-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(s.header("server-timing").unwrap().starts_with("app;dur="));
    assert_eq!(s.header("cache-control"), Some("no-store"));

    // Sign-in: a wrong token is 401; the right one a session cookie with its attributes, then pages by cookie.
    let (s, _) = http(
        server,
        "POST",
        "/login",
        &["Content-Type: application/x-www-form-urlencoded"],
        Some(b"token=nope"),
    );
    assert_eq!(s.code, 401);
    let (s, _) = http(
        server,
        "POST",
        "/login",
        &["Content-Type: application/x-www-form-urlencoded"],
        Some(format!("token={READ}").as_bytes()),
    );
    assert_eq!((s.code, s.header("location")), (303, Some("/")));
    let cookie = s.header("set-cookie").unwrap().to_owned();
    for attr in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    let session = format!("Cookie: {}", cookie.split(';').next().unwrap());
    let (code, html) = page(server, "/notifications", &session);
    assert_eq!(code, 200);
    let session_csrf = csrf_of(&html);

    // The admin action: a read user is 403 even with its CSRF token; an admin without or with a wrong token 403;
    // with it the failed notification is pending again.
    let id = failed_notification(&seeded.store, "dashboard-retry-test");
    let form = "Content-Type: application/x-www-form-urlencoded";
    let (s, _) = http(
        server,
        "POST",
        "/notifications/retry",
        &[&session, form],
        Some(format!("id={id}&csrf={session_csrf}").as_bytes()),
    );
    assert_eq!(s.code, 403, "read-only session");
    let (_, read_html) = page(server, "/notifications", &read);
    let (s, _) = http(
        server,
        "POST",
        "/notifications/retry",
        &[&read, form],
        Some(format!("id={id}&csrf={}", csrf_of(&read_html)).as_bytes()),
    );
    assert_eq!(s.code, 403, "read-only token");
    let (_, admin_html) = page(server, "/notifications", &admin);
    assert!(admin_html.contains("action=\"/notifications/retry\""));
    let admin_csrf = csrf_of(&admin_html);
    for body in [format!("id={id}"), format!("id={id}&csrf={session_csrf}")] {
        let (s, _) = http(
            server,
            "POST",
            "/notifications/retry",
            &[&admin, form],
            Some(body.as_bytes()),
        );
        assert_eq!(s.code, 403, "{body}");
    }
    let notification = |id: i64| {
        bulwark_store::Store::open(&seeded.store)
            .unwrap()
            .notifications(None)
            .unwrap()
            .into_iter()
            .find(|n| n.id == id)
            .unwrap()
    };
    assert_eq!(
        (notification(id).state, notification(id).attempts),
        (bulwark_store::NotificationState::Failed, 1),
        "the refused retries changed nothing"
    );
    let (s, _) = http(
        server,
        "POST",
        "/notifications/retry",
        &[&admin, form],
        Some(format!("id={id}&csrf={admin_csrf}").as_bytes()),
    );
    assert_eq!(
        (s.code, s.header("location")),
        (303, Some(format!("/notifications?retried={id}").as_str()))
    );
    // Pending again: the server's delivery loop claims it once more.
    wait_until(
        "the retried notification claimed again",
        Duration::from_secs(30),
        || notification(id).attempts == 2,
    );
    // A notification that is not failed (one the seed's update delivered) cannot be retried: 409.
    let delivered = bulwark_store::Store::open(&seeded.store)
        .unwrap()
        .notifications(Some(bulwark_store::NotificationState::Delivered))
        .unwrap();
    assert!(!delivered.is_empty(), "the DB update notified the teams");
    let (s, _) = http(
        server,
        "POST",
        "/notifications/retry",
        &[&admin, form],
        Some(format!("id={}&csrf={admin_csrf}", delivered[0].id).as_bytes()),
    );
    assert_eq!(s.code, 409);

    // Hostile strings: every page that shows them has them escaped, none raw.
    let evil_finding = bulwark_store::Store::open(&seeded.store)
        .unwrap()
        .findings(DIGEST_C, true)
        .unwrap();
    assert!(
        evil_finding.iter().any(|f| f.vuln_id == EVIL_ADVISORY),
        "the hostile advisory matched: {evil_finding:?}"
    );
    let evil_id = evil_finding
        .iter()
        .find(|f| f.vuln_id == EVIL_ADVISORY)
        .unwrap()
        .id;
    failed_notification(&seeded.store, "dashboard-error-shown");
    let pages = [
        "/".to_owned(),
        "/images".into(),
        format!("/images/{DIGEST_C}"),
        "/workloads".into(),
        format!(
            "/workload?cluster=edge&namespace={}&kind=Deployment&name={}",
            enc(EVIL_NS),
            enc(EVIL_WORKLOAD)
        ),
        format!("/findings/{evil_id}"),
        format!("/owner?team={}", enc(EVIL_TEAM)),
        "/verdicts".into(),
        "/notifications".into(),
        "/compliance".into(),
        "/compliance?framework=pci-dss-4.0".into(),
        "/compliance?framework=pci-dss-4.0&control=6.3.3".into(),
    ];
    let mut seen = BTreeSet::new();
    for p in &pages {
        let (code, html) = page(server, p, &admin);
        assert_eq!(code, 200, "{p}: {html}");
        for m in RAW_MARKERS {
            assert!(!html.contains(m), "{p} shows {m:?} raw");
        }
        for (what, escaped) in [
            ("ref", "&lt;script&gt;alert(&#39;ref&#39;)&lt;/script&gt;"),
            (
                "team",
                "evil&lt;b/onmouseover=alert(&#39;team&#39;)&gt;team&lt;/b&gt;",
            ),
            (
                "ns",
                "ns&lt;script&gt;alert(&#39;ns&#39;)&lt;/script&gt;\\e[31mred",
            ),
            (
                "workload",
                "w&quot;&#39;&gt;&lt;img src=x onerror=alert(&#39;wl&#39;)&gt;",
            ),
            ("container", "c&lt;svg onload=alert(&#39;c&#39;)&gt;"),
            (
                "environment",
                "env&lt;iframe src=javascript:alert(&#39;env&#39;)&gt;",
            ),
            (
                "advisory",
                "PYSEC-&lt;img src=x onerror=alert(&#39;vuln&#39;)&gt;",
            ),
            (
                "error",
                "HTTP 500 &lt;script&gt;alert(&#39;err&#39;)&lt;/script&gt;",
            ),
        ] {
            if html.contains(escaped) {
                seen.insert(what);
            }
        }
    }
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        vec![
            "advisory",
            "container",
            "environment",
            "error",
            "ns",
            "ref",
            "team",
            "workload"
        ],
        "each hostile string is shown (escaped) somewhere"
    );

    // CSV exports: the ranking has one row per workload of the API's ranking, in its order, and the hostile
    // workload name is one RFC 4180 cell (quotes doubled), with no raw control character anywhere.
    let (code, csv) = page(server, "/export/workloads.csv", &read);
    assert_eq!(code, 200);
    let ranked = api(server, "/api/v1/risk/workloads?limit=1000");
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "rank,risk,ssvc,cluster,environment,namespace,kind,name,findings,top_finding,context"
    );
    assert_eq!(lines.len() as u64 - 1, ranked["total"].as_u64().unwrap());
    let first = &ranked["items"][0];
    assert!(
        lines[1].starts_with(&format!(
            "1,{:.1},",
            first["risk"]["score"].as_f64().unwrap()
        )),
        "{} vs {first}",
        lines[1]
    );
    assert!(
        csv.contains("\"w\"\"'><img src=x onerror=alert('wl')>\""),
        "{csv}"
    );
    assert!(!csv.contains('\u{1b}'), "{csv}");
    let (code, csv) = page(
        server,
        "/export/compliance.csv?framework=cis-kubernetes",
        &read,
    );
    assert_eq!(code, 200);
    assert!(
        csv.lines().any(|l| l.starts_with("cis-kubernetes,5.2.6,")
            && l.contains(",fail,")
            && l.contains("payments-api")),
        "{csv}"
    );
}

/// The numbers of an overview row: namespace → (images, open findings), from the API: the distinct images
/// running in each namespace and their open findings.
fn api_namespaces(server: &Server) -> BTreeMap<String, (i64, i64)> {
    let images: BTreeMap<String, i64> = api(server, "/api/v1/images")["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["digest"].as_str().unwrap().to_owned(),
                i["findings"]["total"].as_i64().unwrap(),
            )
        })
        .collect();
    let mut by: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for w in api(server, "/api/v1/workloads")["items"]
        .as_array()
        .unwrap()
    {
        by.entry(w["namespace"].as_str().unwrap().to_owned())
            .or_default()
            .insert(w["digest"].as_str().unwrap().to_owned());
    }
    by.into_iter()
        .map(|(ns, ds)| {
            let total = ds.iter().map(|d| images[d]).sum();
            // The page shows ESC as `\e` (control characters are made visible).
            (ns.replace('\u{1b}', "\\e"), (ds.len() as i64, total))
        })
        .collect()
}

#[test]
fn dashboard_in_chromium() {
    if !browser::available() {
        return;
    }
    let seeded = seed();
    let server = &seeded.server;
    failed_notification(&seeded.store, "dashboard-retry-test");
    let out = artifacts();
    let _ = std::fs::remove_dir_all(&out);
    let b = browser::Browser::start();
    let base = server.url("");
    let base = base.trim_end_matches('/');
    let mut severe: Vec<String> = Vec::new();
    let mut check_console = |b: &browser::Browser, at: &str| {
        for (level, msg) in b.console() {
            if level == "SEVERE" {
                severe.push(format!("{at}: {msg}"));
            }
        }
    };

    // Sign in with the admin token.
    b.goto(&format!("{base}/login"));
    b.screenshot(&out.join("01-login.png"));
    b.find("#token").send_keys(ADMIN);
    b.find("form.login button").click();
    assert_eq!(b.url(), format!("{base}/"));
    assert_eq!(b.title(), "Overview · Bulwark");
    check_console(&b, "login");
    b.screenshot(&out.join("02-overview.png"));

    // The overview's numbers are the API's.
    let want = api_namespaces(server);
    let mut got = BTreeMap::new();
    let rows = b.all("#overview tbody tr th a");
    let images = b.all("#overview tbody [data-k=images]");
    let totals = b.all("#overview tbody [data-k=total]");
    assert_eq!(rows.len(), want.len());
    for ((ns, i), t) in rows.iter().zip(&images).zip(&totals) {
        got.insert(ns.text(), (i.number(), t.number()));
    }
    assert_eq!(got, want, "overview per namespace vs /api/v1");

    // Overview → the payments workload in namespace shop.
    let link = b
        .all("#workloads tbody th a")
        .into_iter()
        .find(|a| {
            a.text() == format!("Deployment/{PAYMENTS_WORKLOAD}")
                && a.attr("href").unwrap().contains("namespace=shop&")
        })
        .expect("the payments workload on the overview");
    link.click();
    assert!(
        b.url().contains("/workload?cluster=seed&namespace=shop&"),
        "{}",
        b.url()
    );
    check_console(&b, "workload");
    b.screenshot(&out.join("03-workload.png"));
    // Its contextual risk is the API's ranking's (GET /api/v1/risk/workloads, computed by the same function
    // but read through the REST API), and the admitted Deployment's stored object is its context.
    let ranked = api(server, "/api/v1/risk/workloads?namespace=shop");
    let item = ranked["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == PAYMENTS_WORKLOAD)
        .expect("payments-api in the ranking");
    assert_eq!(
        b.find("#risk [data-k=risk]").text(),
        format!("{:.1} / 10", item["risk"]["score"].as_f64().unwrap())
    );
    assert_eq!(
        b.find("#risk [data-k=ssvc]").text(),
        item["risk"]["decision"].as_str().unwrap_or("-")
    );
    assert_eq!(
        item["contextKnown"], true,
        "the admitted Deployment is stored"
    );
    assert!(!b.all("#factors tbody tr").is_empty());
    let img = api(server, &format!("/api/v1/images/{DIGEST_A}"));
    assert_eq!(
        b.find("#counts [data-k=total]").number(),
        img["findings"]["total"].as_i64().unwrap()
    );
    assert_eq!(
        b.find("#counts [data-k=critical]").number(),
        img["findings"]["critical"].as_i64().unwrap()
    );

    // → the base layer's CVE.
    b.all("table tbody th a")
        .into_iter()
        .find(|a| a.text() == CVE_BASE)
        .expect("the DB update's CVE on the workload page")
        .click();
    assert!(b.url().contains("/findings/"), "{}", b.url());
    let finding_url = b.url();
    check_console(&b, "finding");
    b.screenshot(&out.join("04-finding.png"));
    assert!(b.find("#finding").text().contains("dash"));
    assert!(b.find("#runs").text().contains(PAYMENTS_WORKLOAD));
    // → its layer: the base layer, made by debootstrap (the fixture's history).
    b.find("#layer a").click();
    assert!(b.url().contains("/layer?"), "{}", b.url());
    check_console(&b, "layer");
    b.screenshot(&out.join("05-layer.png"));
    assert!(b.find("#layerfacts").text().contains("debootstrap"));
    // → its owner: platform (owners.yaml: createdBy "debootstrap *"), with the API's count.
    b.goto(&finding_url);
    b.find("#owner a").click();
    assert_eq!(b.title(), "Owner platform · Bulwark");
    check_console(&b, "owner");
    b.screenshot(&out.join("06-owner.png"));
    let owned = api(server, "/api/v1/findings?owner=platform&limit=5000")["items"]
        .as_array()
        .unwrap()
        .len() as i64;
    assert_eq!(b.find("#counts [data-k=total]").number(), owned);

    // Compliance, drilled down to evidence. `kubectl create deployment` writes no securityContext, so every
    // admitted Deployment allows privilege escalation (the Kubernetes default): CIS 5.2.6 fails, with the
    // payments Deployment among its evidence.
    b.goto(&format!("{base}/compliance"));
    check_console(&b, "compliance");
    b.all("#frameworks tbody th a")
        .into_iter()
        .find(|a| a.text().starts_with("CIS Kubernetes"))
        .expect("CIS on the compliance page")
        .click();
    b.all("#controls tbody th a")
        .into_iter()
        .find(|a| a.text() == "5.2.6")
        .expect("CIS 5.2.6 listed")
        .click();
    check_console(&b, "compliance control");
    b.screenshot(&out.join("13b-compliance-control.png"));
    assert_eq!(b.find("#control [data-k=status]").text(), "fail");
    assert!(
        b.find("#evidence")
            .text()
            .contains(&format!("Deployment/shop/{PAYMENTS_WORKLOAD}")),
        "{}",
        b.find("#evidence").text()
    );

    // Every page loads without console errors.
    let n_images = api(server, "/api/v1/images")["items"]
        .as_array()
        .unwrap()
        .len();
    for (name, path) in [
        ("07-images", "/images".to_owned()),
        ("08-image", format!("/images/{DIGEST_A}")),
        ("09-workloads", "/workloads".into()),
        ("10-verdicts", "/verdicts".into()),
        ("11-trends", "/trends".into()),
        ("12-notifications", "/notifications".into()),
        ("13-compliance", "/compliance".into()),
        ("14-runtime", "/runtime".into()),
        ("15-hostile-image", format!("/images/{DIGEST_C}")),
    ] {
        b.goto(&format!("{base}{path}"));
        assert!(!b.title().starts_with("Not found"), "{path}");
        check_console(&b, name);
        b.screenshot(&out.join(format!("{name}.png")));
        if name == "07-images" {
            assert_eq!(b.all("#images tbody tr").len(), n_images);
        }
        // No hostile string ran: nothing added an element the page does not make.
        assert!(b.all("script:not([src])").is_empty(), "{path}");
        assert!(
            b.all("img").is_empty() && b.all("iframe").is_empty(),
            "{path}"
        );
    }
    // The Runtime page lists the stored alert (its markup shown as text), counts it, and its filters work.
    b.goto(&format!("{base}/runtime"));
    let rows = b.all("#runtime-alerts tbody tr");
    assert_eq!(rows.len(), 1);
    let row = rows[0].text();
    assert!(
        row.contains("Create Privileged Pod")
            && row.contains(RUNTIME_OUTPUT)
            && row.contains("<b>pod</b>"),
        "{row}"
    );
    assert!(
        b.find("#runtime-by-rule")
            .text()
            .contains("Create Privileged Pod")
    );
    b.goto(&format!("{base}/runtime?namespace=shop&priority=WARNING"));
    assert_eq!(b.all("#runtime-alerts tbody tr").len(), 1);
    b.goto(&format!("{base}/runtime?priority=CRITICAL"));
    assert!(b.all("#runtime-alerts tbody tr").is_empty());
    check_console(&b, "runtime filters");
    // The chart is there, with a bar for the DB update's new findings.
    b.goto(&format!("{base}/trends"));
    assert!(!b.all("svg.chart rect.bar-new").is_empty());
    // The retry button is there for the admin, and works without JavaScript.
    b.goto(&format!("{base}/notifications"));
    b.find("form[action='/notifications/retry'] button").click();
    assert!(b.url().contains("/notifications?retried="), "{}", b.url());
    check_console(&b, "retry");
    assert!(severe.is_empty(), "console errors: {severe:#?}");
}
