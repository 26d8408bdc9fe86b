//! The run stage's seed scenario, end to end through the CLI, on SQLite and on a real PostgreSQL:
//! 1. two images share the Debian base layer (owned by "platform"); their app layers are owned by "payments"
//!    and "search" (by registry path);
//! 2. both are pushed with their SBOMs (matched at once: their baseline) and run in `staging` and `production`;
//! 3. a DB update adds a CVE for a package of the base layer (`dash`) and a PyPI advisory for `requests`, which
//!    only the payments image's `pip install` layer holds;
//! 4. after the re-match, `bulwark get cve --environment staging` shows both as new;
//! 5. "platform" gets ONE message naming both images and their workloads, "payments" one, "search" none — the
//!    receiver is a real HTTP server on loopback, and every body is checked against the CloudEvents 1.0
//!    structured-mode JSON format;
//! 6. a second DB update that changes nothing sends nothing, and a second delivery pass sends nothing again.
//!
//! Truth comes from outside the code: which layer holds which package is the fixture image's own history
//! (`../shared/fixtures/README.md`: layer 1 is debootstrap, layer 2 the apt/pip/npm installs), and the CVEs
//! are the ones the test writes into the DB feeds.

mod common;

#[path = "../../bulwark-store/tests/support/mod.rs"]
mod pg;

use std::io::{BufRead as _, BufReader, Read as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::{bulwark, fixtures};

const DIGEST_A: &str = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const DIGEST_B: &str = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

/// An HTTP server on 127.0.0.1 that answers 200 to every POST and writes each body to `<dir>/<path>-<n>.json`.
struct Sink {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Sink {
    fn start(dir: &Path) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        let script = r#"
import http.server, os, sys, itertools
out = sys.argv[1]
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
        self.send_response(200); self.send_header('Content-Length', '0'); self.end_headers()
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"#;
        let mut child = Command::new("python3")
            .args(["-c", script, &dir.display().to_string()])
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
    fn bodies(&self, path: &str) -> Vec<serde_json::Value> {
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

fn ok(args: &[&str]) -> serde_json::Value {
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
type Feeds = Vec<(&'static str, PathBuf)>;

fn feeds(dir: &Path) -> (Feeds, Feeds) {
    let tracker = common::vulndb_testdata("debian/bookworm-app-tracker.json");
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

fn build_db(path: &Path, feeds: &[(&str, PathBuf)]) {
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

fn scenario(store: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let sink = Sink::start(&dir.join("sink"));
    let (v1, v2) = feeds(dir);
    let (db1, db2, db3) = (dir.join("v1.db"), dir.join("v2.db"), dir.join("v3.db"));
    build_db(&db1, &v1);
    build_db(&db2, &v2);
    // The second update: the same advisories, built again (a new DB version that changes nothing).
    std::thread::sleep(std::time::Duration::from_millis(1100));
    build_db(&db3, &v2);

    // The SBOMs: the payments image is the fixture; the search image shares its layers but its app layer holds
    // no pip or npm packages.
    let out = bulwark(&["sbom", &common::image("oci-mini:bookworm-app")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sbom_a = dir.join("a.cdx.json");
    std::fs::write(&sbom_a, &out.stdout).unwrap();
    let mut b: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    b["components"].as_array_mut().unwrap().retain(|c| {
        c["purl"]
            .as_str()
            .is_some_and(|p| p.starts_with("pkg:deb/"))
    });
    let sbom_b = dir.join("b.cdx.json");
    std::fs::write(&sbom_b, serde_json::to_vec(&b).unwrap()).unwrap();

    let hook = |team: &str| format!("http://127.0.0.1:{}/{team}", sink.port);
    let owners = dir.join("owners.yaml");
    std::fs::write(
        &owners,
        format!(
            "teams:\n  platform:\n    channels:\n      - {{type: webhook, url: \"{}\"}}\n  payments:\n    channels:\n      - {{type: webhook, url: \"{}\"}}\n  search:\n    channels:\n      - {{type: webhook, url: \"{}\"}}\nrules:\n  - team: platform\n    createdBy: \"debootstrap *\"\n  - team: payments\n    registry: registry.example/payments/**\n  - team: search\n    registry: registry.example/search/**\n",
            hook("platform"),
            hook("payments"),
            hook("search")
        ),
    )
    .unwrap();
    let o = owners.display().to_string();
    let (d1, d2, d3) = (
        db1.display().to_string(),
        db2.display().to_string(),
        db3.display().to_string(),
    );

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
            "--db",
            &d1,
            "--owners",
            &o,
            &sbom.display().to_string(),
        ]);
        assert!(got["packages"].as_u64().unwrap() > 80, "{got}");
    }
    // Where they run, as `bulwark kube inventory -o json` lists it.
    let place = |env: &str, ns: &str, name: &str, digest: &str, image: &str| {
        serde_json::json!({
            "cluster": "kind-test", "environment": env, "namespace": ns, "workload_kind": "Deployment",
            "workload_name": name, "container": "app", "container_type": "app", "image": image,
            "image_id": format!("{}@{digest}", image.split(':').next().unwrap()), "digest": digest,
            "labels": {}, "annotations": {}
        })
    };
    let placements = serde_json::json!([
        place(
            "staging",
            "shop-staging",
            "payments-api",
            DIGEST_A,
            "registry.example/payments/api:1"
        ),
        place(
            "production",
            "shop",
            "payments-api",
            DIGEST_A,
            "registry.example/payments/api:1"
        ),
        place(
            "staging",
            "search-staging",
            "search-api",
            DIGEST_B,
            "registry.example/search/api:1"
        ),
        place(
            "production",
            "search",
            "search-api",
            DIGEST_B,
            "registry.example/search/api:1"
        ),
    ]);
    let pfile = dir.join("placements.json");
    std::fs::write(&pfile, serde_json::to_vec(&placements).unwrap()).unwrap();
    let got = ok(&[
        "inventory",
        "place",
        "--store",
        store,
        &pfile.display().to_string(),
    ]);
    assert_eq!(got["stored"], 4);

    // The baseline (v1) notifies nothing.
    let r = ok(&[
        "inventory",
        "rescan",
        "--store",
        store,
        "--db",
        &d1,
        "--owners",
        &o,
    ]);
    assert_eq!(
        (r["complete"].as_bool(), r["queued"].as_u64()),
        (Some(true), Some(0)),
        "{r}"
    );

    // The DB update.
    let r = ok(&[
        "inventory",
        "rescan",
        "--store",
        store,
        "--db",
        &d2,
        "--owners",
        &o,
    ]);
    assert_eq!(r["complete"], true, "{r}");
    assert_eq!(r["jobsDone"], 2, "{r}");
    // dash in both images, requests in the payments image.
    assert_eq!(r["new"], 3, "{r}");
    assert_eq!(r["fixed"], 0, "{r}");
    assert_eq!(
        r["queued"], 2,
        "one message each for platform and payments: {r}"
    );

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
    let new: Vec<(String, String)> = rows
        .iter()
        .filter(|r| r["is_new"] == true)
        .map(|r| {
            (
                r["vuln_id"].as_str().unwrap().to_owned(),
                r["digest"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for want in [
        ("CVE-2099-0001", DIGEST_A),
        ("CVE-2099-0001", DIGEST_B),
        ("PYSEC-2099-1", DIGEST_A),
    ] {
        assert!(
            new.contains(&(want.0.to_owned(), want.1.to_owned())),
            "{want:?} not new in {new:?}"
        );
    }
    // Only the update's findings are new; the baseline's (v1, the images' first match) are listed unmarked.
    assert_eq!(new.len(), 3, "{new:?}");
    assert!(rows.len() > 3, "the baseline's findings are listed too");
    let staging_workloads: Vec<&str> = rows
        .iter()
        .flat_map(|r| r["workloads"].as_array().unwrap())
        .map(|w| w["namespace"].as_str().unwrap())
        .collect();
    assert!(
        staging_workloads.iter().all(|ns| ns.ends_with("staging")),
        "only staging workloads: {staging_workloads:?}"
    );

    let d = ok(&["inventory", "notify", "--store", store, "--owners", &o]);
    assert_eq!(
        (d["delivered"].as_u64(), d["failed"].as_u64()),
        (Some(2), Some(0)),
        "{d}"
    );
    let platform = sink.bodies("platform");
    let payments = sink.bodies("payments");
    assert_eq!(platform.len(), 1, "platform gets one message");
    assert_eq!(payments.len(), 1, "payments gets one message");
    assert!(sink.bodies("search").is_empty(), "search gets none");
    for ev in platform.iter().chain(&payments) {
        for k in ["specversion", "id", "source", "type", "time", "data"] {
            assert!(ev.get(k).is_some(), "CloudEvent without {k}: {ev}");
        }
        assert_eq!(ev["specversion"], "1.0");
    }
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

    // Delivered once: another pass sends nothing.
    let d = ok(&["inventory", "notify", "--store", store, "--owners", &o]);
    assert_eq!(d["delivered"], 0, "{d}");

    // The second update changes nothing and sends nothing.
    let r = ok(&[
        "inventory",
        "rescan",
        "--store",
        store,
        "--db",
        &d3,
        "--owners",
        &o,
    ]);
    assert_eq!(
        (r["new"].as_u64(), r["fixed"].as_u64(), r["queued"].as_u64()),
        (Some(0), Some(0), Some(0)),
        "{r}"
    );
    let d = ok(&["inventory", "notify", "--store", store, "--owners", &o]);
    assert_eq!(d["delivered"], 0, "{d}");
    assert_eq!(
        sink.bodies("platform").len() + sink.bodies("payments").len(),
        2
    );
    let _ = fixtures();
}

#[test]
fn seed_scenario_on_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    scenario(&format!("sqlite:{}", tmp.path().join("store.db").display()));
}

#[test]
fn seed_scenario_on_postgresql() {
    let db = pg::TestDb::postgres();
    scenario(&db.location);
}
