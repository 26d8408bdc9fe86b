//! The run stage's test setting: a webhook sink on loopback, the DB feeds before and after an update, helpers
//! to run `bulwark inventory` (used by inventory_cycle.rs and inventory_crash.rs), and the seed scenario's
//! expectations in one place ([`check_routing`], [`check_new_in_staging`]), checked by inventory_cycle.rs (CLI
//! passes) and serve_inventory.rs (a running server, admission and the Kubernetes watch).

use std::io::{BufRead as _, BufReader, Read as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use super::bulwark;

pub const DIGEST_A: &str =
    "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
pub const DIGEST_B: &str =
    "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

/// The images' references: the registry path routes each app layer to its team.
pub const PAYMENTS_REF: &str = "registry.example/payments/api:1";
pub const SEARCH_REF: &str = "registry.example/search/api:1";
/// The workloads that run them (in `staging` and `production` namespaces).
pub const PAYMENTS_WORKLOAD: &str = "payments-api";
pub const SEARCH_WORKLOAD: &str = "search-api";
/// What the DB update adds (see [`feeds`]): a CVE for `dash` in the shared base layer, and a PyPI advisory for
/// `requests`, which only the payments image's `pip install` layer holds.
pub const CVE_BASE: &str = "CVE-2099-0001";
pub const ADVISORY_APP: &str = "PYSEC-2099-1";

/// Who gets what after the DB update, on one channel: `messages(team)` is the text of each message `team` got
/// there. "platform" gets exactly one, naming both images (digests), both workloads and the base layer's CVE
/// but not the app layer's advisory; "payments" one, with the advisory and its image and not the CVE; "search"
/// none (its app layer has nothing new, and the base layer is not its).
pub fn check_routing(channel: &str, messages: impl Fn(&str) -> Vec<String>) {
    let platform = messages("platform");
    assert_eq!(
        platform.len(),
        1,
        "{channel}: platform gets one message: {platform:#?}"
    );
    for want in [
        DIGEST_A,
        DIGEST_B,
        PAYMENTS_WORKLOAD,
        SEARCH_WORKLOAD,
        CVE_BASE,
    ] {
        assert!(
            platform[0].contains(want),
            "{channel}: platform's message names {want}: {}",
            platform[0]
        );
    }
    assert!(
        !platform[0].contains(ADVISORY_APP),
        "{channel}: the app layer's advisory is not platform's: {}",
        platform[0]
    );
    let payments = messages("payments");
    assert_eq!(
        payments.len(),
        1,
        "{channel}: payments gets one message: {payments:#?}"
    );
    for want in [ADVISORY_APP, DIGEST_A, PAYMENTS_WORKLOAD] {
        assert!(
            payments[0].contains(want),
            "{channel}: payments' message names {want}: {}",
            payments[0]
        );
    }
    assert!(
        !payments[0].contains(CVE_BASE) && !payments[0].contains(DIGEST_B),
        "{channel}: payments' message is about its own layer and image only: {}",
        payments[0]
    );
    assert_eq!(
        messages("search"),
        Vec::<String>::new(),
        "{channel}: search gets none"
    );
}

/// `bulwark get cve --store STORE --environment staging -o json`: the update's three findings (the CVE in both
/// images, the advisory in payments) are marked new and nothing else is; the baseline's findings are listed
/// unmarked; every workload listed runs in a staging namespace.
pub fn check_new_in_staging(store: &str) {
    let cves = ok(&[
        "get",
        "cve",
        "--store",
        store,
        "--environment",
        "staging",
        "-o",
        "json",
    ]);
    let rows = cves.as_array().unwrap();
    let mut new: Vec<(String, String)> = rows
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
            (CVE_BASE.to_owned(), DIGEST_A.to_owned()),
            (CVE_BASE.to_owned(), DIGEST_B.to_owned()),
            (ADVISORY_APP.to_owned(), DIGEST_A.to_owned()),
        ],
        "the update's findings, and only those, are new"
    );
    assert!(rows.len() > 3, "the baseline's findings are listed too");
    let namespaces: Vec<&str> = rows
        .iter()
        .flat_map(|r| r["workloads"].as_array().unwrap())
        .map(|w| w["namespace"].as_str().unwrap())
        .collect();
    assert!(
        !namespaces.is_empty() && namespaces.iter().all(|ns| ns.ends_with("staging")),
        "only staging workloads: {namespaces:?}"
    );
}

/// owners.yaml for the seed scenario: the base layer (debootstrap) is platform's, app layers are payments' or
/// search's by registry path; each team has a webhook channel on the sink.
pub fn owners_yaml(port: u16) -> String {
    let hook = |team: &str| format!("http://127.0.0.1:{port}/{team}");
    format!(
        "teams:\n  platform:\n    channels:\n      - {{type: webhook, url: \"{}\"}}\n  payments:\n    channels:\n      - {{type: webhook, url: \"{}\"}}\n  search:\n    channels:\n      - {{type: webhook, url: \"{}\"}}\nrules:\n  - team: platform\n    createdBy: \"debootstrap *\"\n  - team: payments\n    registry: registry.example/payments/**\n  - team: search\n    registry: registry.example/search/**\n",
        hook("platform"),
        hook("payments"),
        hook("search")
    )
}

/// The SBOMs of the two images: the payments image is the fixture; the search image shares its layers but its
/// app layer holds no pip or npm packages.
pub fn sboms(dir: &Path) -> (PathBuf, PathBuf) {
    let out = bulwark(&["sbom", &super::image("oci-mini:bookworm-app")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let a = dir.join("a.cdx.json");
    std::fs::write(&a, &out.stdout).unwrap();
    let mut b: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    b["components"].as_array_mut().unwrap().retain(|c| {
        c["purl"]
            .as_str()
            .is_some_and(|p| p.starts_with("pkg:deb/"))
    });
    let bp = dir.join("b.cdx.json");
    std::fs::write(&bp, serde_json::to_vec(&b).unwrap()).unwrap();
    (a, bp)
}

/// An HTTP server on 127.0.0.1 that answers 200 to every POST and writes each body to `<dir>/<path>-<n>.json`.
pub struct Sink {
    child: Child,
    pub port: u16,
    dir: PathBuf,
}

impl Sink {
    pub fn start(dir: &Path) -> Self {
        Self::start_slow(dir, 0)
    }

    /// A sink that waits `delay_ms` before answering each POST (after it has stored the body).
    pub fn start_slow(dir: &Path, delay_ms: u64) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        let script = r#"
import http.server, os, sys, itertools, time
out = sys.argv[1]
delay = int(sys.argv[2]) / 1000
n = itertools.count()
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        name = self.path.strip('/').replace('/', '_') or 'root'
        i = next(n)
        with open(os.path.join(out, f"{name}-{i}.json"), 'wb') as f:
            f.write(body)
        with open(os.path.join(out, f"{name}-{i}.ctype"), 'w') as f:
            f.write(self.headers.get('Content-Type', ''))
        time.sleep(delay)
        self.send_response(200); self.send_header('Content-Length', '0'); self.end_headers()
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"#;
        let mut child = Command::new("python3")
            .args([
                "-c",
                script,
                &dir.display().to_string(),
                &delay_ms.to_string(),
            ])
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 (run .ci/install-deps.sh)");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().expect("sink port");
        Self {
            child,
            port,
            dir: dir.to_path_buf(),
        }
    }

    /// The bodies received on `/path`, in arrival order.
    pub fn bodies(&self, path: &str) -> Vec<serde_json::Value> {
        let mut files: Vec<(usize, PathBuf)> = std::fs::read_dir(&self.dir)
            .unwrap()
            .filter_map(|e| {
                let p = e.unwrap().path();
                let name = p.file_name()?.to_str()?.to_owned();
                let rest = name
                    .strip_prefix(&format!("{path}-"))?
                    .strip_suffix(".json")?;
                Some((rest.parse().ok()?, p))
            })
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|(_, p)| {
                let mut s = String::new();
                std::fs::File::open(&p)
                    .unwrap()
                    .read_to_string(&mut s)
                    .unwrap();
                let ctype = std::fs::read_to_string(p.with_extension("ctype")).unwrap();
                assert!(
                    ctype.starts_with("application/cloudevents+json"),
                    "structured-mode content type, got {ctype}"
                );
                serde_json::from_str(&s).unwrap()
            })
            .collect()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn ok(args: &[&str]) -> serde_json::Value {
    let out = bulwark(args);
    assert!(
        out.status.success(),
        "bulwark {args:?} exited {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "bulwark {args:?}: not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// The feeds: v1 is Debian's tracker data for the fixture; v2 adds a CVE for `dash` (in the base layer, both
/// images) and a PyPI advisory for `requests` (only in the payments image's app layer).
pub type Feeds = Vec<(&'static str, PathBuf)>;

pub fn feeds(dir: &Path) -> (Feeds, Feeds) {
    let tracker = super::vulndb_testdata("debian/bookworm-app-tracker.json");
    let mut t: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&tracker).unwrap()).unwrap();
    t["dash"] = serde_json::json!({
        "CVE-2099-0001": {
            "description": "test CVE in dash",
            "releases": {"bookworm": {"status": "open", "urgency": "high", "repositories": {"bookworm": "0.5.12-2"}}},
            "scope": "local"
        }
    });
    let tracker2 = dir.join("tracker-v2.json");
    std::fs::write(&tracker2, serde_json::to_vec(&t).unwrap()).unwrap();
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
    (
        vec![("--debian", tracker)],
        vec![("--debian", tracker2), ("--osv", osv)],
    )
}

pub fn build_db(path: &Path, feeds: &[(&str, PathBuf)]) {
    let mut args = vec![
        "db".to_string(),
        "build".into(),
        "-q".into(),
        "-o".into(),
        path.display().to_string(),
    ];
    for (flag, p) in feeds {
        args.push((*flag).to_string());
        args.push(p.display().to_string());
    }
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = bulwark(&a);
    assert!(
        out.status.success(),
        "db build: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The store's live placements as `cluster environment namespace kind/name container TAIL` (`-` for no
/// environment), TAIL being `tail` of the placement (its digest, its image), sorted.
pub fn placement_lines(store: &str, tail: fn(&bulwark_store::Placement) -> String) -> Vec<String> {
    let s = bulwark_store::Store::open(store).unwrap();
    let mut v: Vec<String> = s
        .placements(&bulwark_store::PlacementFilter::default())
        .unwrap()
        .into_iter()
        .map(|r| {
            let p = r.placement;
            format!(
                "{} {} {} {}/{} {} {}",
                p.cluster,
                p.environment.as_deref().unwrap_or("-"),
                p.namespace,
                p.workload_kind,
                p.workload_name,
                p.container,
                tail(&p)
            )
        })
        .collect();
    v.sort();
    v
}

/// Waits (at most `secs`) until [`placement_lines`] are `want`; fails with what they are and the server's log.
pub fn wait_for_placements<W: AsRef<str> + std::fmt::Debug>(
    server: &super::server::Server,
    store: &str,
    tail: fn(&bulwark_store::Placement) -> String,
    want: &[W],
    secs: u64,
) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        let got = placement_lines(store, tail);
        if got
            .iter()
            .map(String::as_str)
            .eq(want.iter().map(AsRef::as_ref))
        {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "placements after {secs}s:\n{got:#?}\nexpected:\n{want:#?}\nserver log:\n{}",
            server.lines().join("\n")
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
