//! Hostile or broken registries, played by a tiny HTTP/1.1 server on 127.0.0.1: every case
//! must end in a clear error, never a panic, and leave no unverified file in the cache.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write as _};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bulwark_registry::{Digest, PullOptions, Reference, RegistryError, pull};

struct Canned {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Serves canned responses by path; counts requests per path.
struct FakeRegistry {
    host: String,
    routes: Arc<Mutex<HashMap<String, Canned>>>,
    hits: Arc<Mutex<HashMap<String, usize>>>,
}

impl FakeRegistry {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let host = listener.local_addr().unwrap().to_string();
        let routes: Arc<Mutex<HashMap<String, Canned>>> = Arc::default();
        let hits: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let (r, h) = (Arc::clone(&routes), Arc::clone(&hits));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                let _ = reader.read_line(&mut line);
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
                        break;
                    }
                }
                let target = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let path = target.split('?').next().unwrap_or("").to_owned();
                *h.lock().unwrap().entry(path.clone()).or_default() += 1;
                let routes = r.lock().unwrap();
                let not_found = Canned {
                    status: 404,
                    headers: vec![],
                    body: br#"{"errors":[{"code":"NOT_FOUND"}]}"#.to_vec(),
                };
                let c = routes.get(&path).unwrap_or(&not_found);
                let mut head = format!(
                    "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                    c.status,
                    c.body.len()
                );
                for (k, v) in &c.headers {
                    let _ = write!(head, "{k}: {v}\r\n");
                }
                head.push_str("\r\n");
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&c.body);
            }
        });
        Self { host, routes, hits }
    }

    fn route(&self, path: &str, status: u16, headers: &[(&str, &str)], body: impl Into<Vec<u8>>) {
        self.routes.lock().unwrap().insert(
            path.to_owned(),
            Canned {
                status,
                headers: headers
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
                body: body.into(),
            },
        );
    }

    fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }

    /// Serves `body` as a blob under its own digest; returns the digest.
    fn blob(&self, repo: &str, body: &[u8]) -> String {
        let d = Digest::of(body).to_string();
        self.route(&format!("/v2/{repo}/blobs/{d}"), 200, &[], body);
        d
    }

    fn manifest(&self, repo: &str, body: &str) {
        self.route(
            &format!("/v2/{repo}/manifests/latest"),
            200,
            &[("Content-Type", "application/vnd.oci.image.manifest.v1+json")],
            body,
        );
    }

    fn pull(&self, repo: &str, cache: &Path) -> RegistryError {
        let r: Reference = format!("{}/{repo}", self.host).parse().unwrap();
        let opts = PullOptions {
            cache_dir: cache.to_owned(),
            docker_config: Some(cache.join("none.json")),
            ..PullOptions::default()
        };
        match pull(&r, &opts) {
            Ok(image) => panic!("{repo}: pulled {image:?}"),
            Err(e) => e,
        }
    }
}

fn cache_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "bulwark-registry-hostile-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// Files in the cache's blob folder (including any temporary file).
fn cached(cache: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(cache.join("blobs/sha256"))
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn manifest_json(config: &str, config_size: usize, layers: &[(&str, &str, usize)]) -> String {
    let layers: Vec<String> = layers
        .iter()
        .map(|(mt, d, s)| format!(r#"{{"mediaType":"{mt}","digest":"{d}","size":{s}}}"#))
        .collect();
    format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config}","size":{config_size}}},"layers":[{}]}}"#,
        layers.join(",")
    )
}

const GZ: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

#[test]
fn hostile_manifests() {
    let fake = FakeRegistry::start();
    let cache = cache_dir("manifests");

    let huge = format!("{{\"schemaVersion\":2,\"x\":\"{}\"}}", "a".repeat(5 << 20));
    fake.manifest("huge", &huge);
    let e = fake.pull("huge", &cache);
    assert!(matches!(e, RegistryError::TooLarge { .. }), "{e}");
    assert!(
        e.to_string().contains("larger than the 4194304-byte limit"),
        "{e}"
    );

    fake.manifest("badjson", "{\"schemaVersion\":2,");
    let e = fake.pull("badjson", &cache);
    assert!(matches!(e, RegistryError::InvalidManifest { .. }), "{e}");
    assert!(
        e.to_string().starts_with(&format!(
            "http://{}/v2/badjson/manifests/latest: invalid manifest",
            fake.host
        )),
        "{e}"
    );

    fake.manifest("schema1", r#"{"schemaVersion":1,"fsLayers":[]}"#);
    let e = fake.pull("schema1", &cache);
    assert!(e.to_string().contains("schema 1 is not"), "{e}");

    let cfg = fake.blob("lying", b"{}");
    let body = manifest_json(&cfg, 2, &[]);
    fake.route(
        "/v2/lying/manifests/latest",
        200,
        &[(
            "Docker-Content-Digest",
            &format!("sha256:{}", "0".repeat(64)),
        )],
        body.as_str(),
    );
    let e = fake.pull("lying", &cache);
    assert!(matches!(e, RegistryError::DigestMismatch { .. }), "{e}");

    fake.route("/v2/broken/manifests/latest", 500, &[], "internal\nerror");
    let e = fake.pull("broken", &cache);
    assert_eq!(
        e.to_string(),
        format!(
            "GET http://{}/v2/broken/manifests/latest: HTTP 500: internal error",
            fake.host
        )
    );

    fake.route("/v2/noauth/manifests/latest", 401, &[], "");
    let e = fake.pull("noauth", &cache);
    assert!(matches!(e, RegistryError::Unauthorized { .. }), "{e}");

    let realm = format!("http://{}/token", fake.host);
    fake.route(
        "/v2/badtoken/manifests/latest",
        401,
        &[(
            "WWW-Authenticate",
            &format!(r#"Bearer realm="{realm}",service="fake""#),
        )],
        "",
    );
    fake.route("/token", 200, &[], "<html>");
    let e = fake.pull("badtoken", &cache);
    assert!(matches!(e, RegistryError::Token { .. }), "{e}");
    assert!(
        e.to_string().contains("repository:badtoken:pull")
            && e.to_string().contains("invalid JSON"),
        "{e}"
    );

    // Nothing above was verified, so nothing may be cached.
    assert_eq!(cached(&cache), Vec::<String>::new());
    let _ = std::fs::remove_dir_all(&cache);
}

#[test]
fn hostile_descriptors_and_blobs() {
    let fake = FakeRegistry::start();
    let cache = cache_dir("blobs");
    let cfg_body = br#"{"architecture":"amd64","os":"linux"}"#;
    let cfg = fake.blob("r", cfg_body);
    let cfg_len = cfg_body.len();

    // Path traversal through a digest.
    fake.manifest(
        "traversal",
        &manifest_json("sha256:../../../../../../etc/passwd", 5, &[]),
    );
    let e = fake.pull("traversal", &cache);
    assert!(matches!(e, RegistryError::InvalidDigest { .. }), "{e}");

    // sha512 layers are refused clearly.
    let sha512 = format!("sha512:{}", "ab".repeat(64));
    fake.manifest("r", &manifest_json(&cfg, cfg_len, &[(GZ, &sha512, 10)]));
    let e = fake.pull("r", &cache);
    assert!(matches!(e, RegistryError::UnsupportedDigest { .. }), "{e}");
    assert!(e.to_string().contains("only sha256 is supported"), "{e}");
    assert_eq!(
        fake.hits(&format!("/v2/r/blobs/{cfg}")),
        0,
        "checked before any download"
    );

    // Unknown layer types are refused before any blob is fetched.
    let helm = fake.blob("helm", b"chart");
    fake.manifest(
        "helm",
        &manifest_json(
            &helm,
            5,
            &[(
                "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
                &helm,
                5,
            )],
        ),
    );
    let e = fake.pull("helm", &cache);
    assert!(matches!(e, RegistryError::UnsupportedLayer { .. }), "{e}");
    assert_eq!(fake.hits(&format!("/v2/helm/blobs/{helm}")), 0);

    // A layer served with other bytes than its digest.
    let wanted = Digest::of(b"the real layer").to_string();
    fake.route(
        &format!("/v2/swap/blobs/{wanted}"),
        200,
        &[],
        "the fake layer",
    );
    let cfg2 = fake.blob("swap", b"{}");
    fake.manifest("swap", &manifest_json(&cfg2, 2, &[(GZ, &wanted, 14)]));
    let e = fake.pull("swap", &cache);
    assert_eq!(
        e.to_string(),
        format!(
            "GET http://{}/v2/swap/blobs/{wanted}: digest mismatch in repository swap: expected {wanted}, got {}",
            fake.host,
            Digest::of(b"the fake layer")
        )
    );

    // Longer and shorter than the descriptor says.
    let long = Digest::of(b"0123456789").to_string();
    fake.route(
        &format!("/v2/long/blobs/{long}"),
        200,
        &[],
        "0123456789 and more",
    );
    let cfg3 = fake.blob("long", b"{}");
    fake.manifest("long", &manifest_json(&cfg3, 2, &[(GZ, &long, 10)]));
    let e = fake.pull("long", &cache);
    assert!(
        matches!(
            e,
            RegistryError::SizeMismatch {
                expected: 10,
                actual: 11,
                ..
            }
        ),
        "{e}"
    );
    let cfg4 = fake.blob("short", b"{}");
    let short = fake.blob("short", b"abc");
    fake.manifest("short", &manifest_json(&cfg4, 2, &[(GZ, &short, 30)]));
    let e = fake.pull("short", &cache);
    assert!(
        matches!(
            e,
            RegistryError::SizeMismatch {
                expected: 30,
                actual: 3,
                ..
            }
        ),
        "{e}"
    );

    // A blob the registry does not have.
    let missing = Digest::of(b"missing").to_string();
    let cfg5 = fake.blob("gone", b"{}");
    fake.manifest("gone", &manifest_json(&cfg5, 2, &[(GZ, &missing, 7)]));
    let e = fake.pull("gone", &cache);
    assert!(matches!(e, RegistryError::NotFound { .. }), "{e}");
    assert!(
        e.to_string()
            .contains(&format!("blob {missing} not found in repository gone")),
        "{e}"
    );

    // Only verified blobs (the manifests and the `{}` config) are in the cache.
    let files = cached(&cache);
    assert!(files.iter().all(|f| !f.starts_with(".tmp")), "{files:?}");
    for bad in [&wanted, &long, &short, &missing] {
        assert!(
            !files.contains(&bad["sha256:".len()..].to_owned()),
            "{bad} cached"
        );
    }
    let _ = std::fs::remove_dir_all(&cache);
}

#[test]
fn nested_indexes_are_bounded() {
    let fake = FakeRegistry::start();
    let cache = cache_dir("nested");
    // index -> index -> index -> …: every level points at the next.
    let mut child = String::from(
        r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#,
    );
    for _ in 0..4 {
        let d = Digest::of(child.as_bytes()).to_string();
        fake.route(
            &format!("/v2/nest/manifests/{d}"),
            200,
            &[("Content-Type", "application/vnd.oci.image.index.v1+json")],
            child.as_str(),
        );
        child = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"{d}","size":{},"platform":{{"os":"linux","architecture":"amd64"}}}}]}}"#,
            child.len()
        );
    }
    fake.route(
        "/v2/nest/manifests/latest",
        200,
        &[("Content-Type", "application/vnd.oci.image.index.v1+json")],
        child.as_str(),
    );
    let e = fake.pull("nest", &cache);
    assert!(e.to_string().contains("nested deeper"), "{e}");
    let _ = std::fs::remove_dir_all(&cache);
}

/// Red team #10: a layer declaring a terabyte was streamed into the cache until the disk filled. A declared
/// size above `max_layer_bytes` is refused before any layer is requested.
#[test]
fn declared_layer_size_is_capped_before_the_download() {
    let fake = FakeRegistry::start();
    let cache = cache_dir("declared");
    let cfg_body = br#"{"architecture":"amd64","os":"linux"}"#;
    let cfg = fake.blob("big", cfg_body);
    let layer = fake.blob("big", b"small");
    fake.manifest(
        "big",
        &manifest_json(&cfg, cfg_body.len(), &[(GZ, &layer, 1 << 40)]),
    );
    let e = fake.pull("big", &cache);
    assert!(matches!(e, RegistryError::LayerTooLarge { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("declares 1099511627776 bytes, more than the"),
        "{e}"
    );
    assert_eq!(fake.hits(&format!("/v2/big/blobs/{layer}")), 0);

    // The limit is an option: 4 bytes refuses a 5-byte layer too.
    fake.manifest(
        "big",
        &manifest_json(&cfg, cfg_body.len(), &[(GZ, &layer, 5)]),
    );
    let r: Reference = format!("{}/big", fake.host).parse().unwrap();
    let opts = PullOptions {
        cache_dir: cache.clone(),
        docker_config: Some(cache.join("none.json")),
        max_layer_bytes: 4,
        ..PullOptions::default()
    };
    let e = pull(&r, &opts).unwrap_err();
    assert!(matches!(e, RegistryError::LayerTooLarge { .. }), "{e}");
    let _ = std::fs::remove_dir_all(&cache);
}

/// Red team #10: a registry sending one byte every few seconds never trips the per-read timeout; the pull's
/// overall deadline stops it, and the temporary file goes.
#[test]
fn a_dripping_registry_is_stopped_by_the_pull_deadline() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let host = listener.local_addr().unwrap().to_string();
    let cfg_body: &[u8] = br#"{"architecture":"amd64","os":"linux"}"#;
    let cfg = Digest::of(cfg_body).to_string();
    let layer = Digest::of(b"never all sent").to_string();
    let manifest = manifest_json(&cfg, cfg_body.len(), &[(GZ, &layer, 1 << 20)]);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let (cfg, layer, manifest) = (cfg.clone(), layer.clone(), manifest.clone());
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                let _ = reader.read_line(&mut line);
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                        break;
                    }
                }
                let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let (ctype, body): (&str, Vec<u8>) = if path.ends_with("/manifests/latest") {
                    (
                        "application/vnd.oci.image.manifest.v1+json",
                        manifest.into_bytes(),
                    )
                } else if path.ends_with(&cfg) {
                    ("application/octet-stream", cfg_body.to_vec())
                } else if path.ends_with(&layer) {
                    let _ = write!(
                        stream,
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        1 << 20
                    );
                    while stream.write_all(b"x").is_ok() {
                        std::thread::sleep(std::time::Duration::from_millis(200));
                    }
                    return;
                } else {
                    let _ = stream.write_all(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                    return;
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(&body);
            });
        }
    });
    let cache = cache_dir("drip");
    let r: Reference = format!("{host}/drip").parse().unwrap();
    let opts = PullOptions {
        cache_dir: cache.clone(),
        docker_config: Some(cache.join("none.json")),
        deadline: Some(std::time::Duration::from_secs(2)),
        ..PullOptions::default()
    };
    let t = std::time::Instant::now();
    let e = pull(&r, &opts).unwrap_err();
    assert!(
        t.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        t.elapsed()
    );
    assert!(matches!(e, RegistryError::Deadline { .. }), "{e}");
    assert!(e.to_string().contains("deadline of 2s"), "{e}");
    assert!(
        cached(&cache).iter().all(|f| !f.starts_with(".tmp-")),
        "{:?}",
        cached(&cache)
    );
    let _ = std::fs::remove_dir_all(&cache);
}

/// Red team #21: `too many redirects: too many redirects` — the transport error said its cause in its message
/// and again as its `source()`. The cause is now said once, and there is no source to repeat it.
#[test]
fn transport_errors_say_their_cause_once() {
    let fake = FakeRegistry::start();
    let cache = cache_dir("redirects");
    let url = format!("http://{}/v2/loop/manifests/latest", fake.host);
    fake.route("/v2/loop/manifests/latest", 307, &[("Location", &url)], "");
    let e = fake.pull("loop", &cache);
    assert!(matches!(e, RegistryError::Transport { .. }), "{e}");
    let msg = e.to_string();
    assert_eq!(msg.matches("redirect").count(), 1, "{msg}");
    assert!(std::error::Error::source(&e).is_none(), "{msg}");
    let _ = std::fs::remove_dir_all(&cache);
}
