//! End-to-end pulls from real `docker-registry` servers (CNCF distribution) on 127.0.0.1,
//! filled with `skopeo copy` from the shared fixture images. Expected digests come from the
//! source OCI layout / docker-archive files and from `gzip`, never from the code under test.
//!
//! Needs `apt-get install -y docker-registry skopeo apache2-utils openssl`; the tests fail
//! with that command when a tool is missing.

mod support;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};

use bulwark_registry::{
    BlobKind, Compression, DOCKER_MANIFEST, OCI_MANIFEST, ProgressState, PullOptions, PulledImage,
    Reference, RegistryError, pull,
};
use serde_json::Value;
use support::{TestRegistry, TokenServer, temp_dir};

const BOOKWORM_MANIFEST: &str = "d0af18bba6992245045b25f7efd08c597c506d9c604ecb460cc664ae555e00f6";
const ALPINE_MANIFEST: &str = "bbf52707596954c76910dbcd50033a9b8c359f9b45527df36cb61ae0c2111066";
const ALPINE_ARCHIVE_CONFIG: &str =
    "sha256:c73fc261a1cf030514193c006946afb1acaa91301d27198e28dda36b2450a4f7";

/// The plain registry every read-only test shares; it holds all pushed fixtures.
fn plain() -> &'static TestRegistry {
    static PLAIN: OnceLock<TestRegistry> = OnceLock::new();
    PLAIN.get_or_init(|| {
        let reg = TestRegistry::start("plain", &temp_dir("plain"), &[], None);
        reg.push_fixtures();
        reg
    })
}

fn oci_blob(hex: &str) -> Vec<u8> {
    std::fs::read(support::fixtures().join("oci-mini/blobs/sha256").join(hex)).unwrap()
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}

fn sha256_file(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    format!("sha256:{}", text.split_whitespace().next().unwrap())
}

fn opts(cache: &Path) -> PullOptions {
    PullOptions {
        cache_dir: cache.to_owned(),
        docker_config: Some(cache.join("no-docker-config.json")),
        ..PullOptions::default()
    }
}

fn reference(reg: &TestRegistry, name: &str) -> Reference {
    format!("{}/{name}", reg.host).parse().unwrap()
}

/// Every layer/config file in the cache hashes to its digest and has the descriptor's size.
fn assert_cached_and_verified(image: &PulledImage) {
    for layer in &image.layers {
        assert_eq!(sha256_file(&layer.path), layer.digest);
        assert_eq!(std::fs::metadata(&layer.path).unwrap().len(), layer.size);
        assert!(layer.path.ends_with(&layer.digest["sha256:".len()..]));
    }
}

/// Checks an image pulled from `oci-mini:<tag>` against the source layout's manifest.
fn assert_matches_layout(image: &PulledImage, source_manifest_hex: &str) {
    let source = json(&oci_blob(source_manifest_hex));
    assert_eq!(image.config_digest, source["config"]["digest"]);
    let config_hex = &image.config_digest["sha256:".len()..];
    assert_eq!(image.config, oci_blob(config_hex));
    let want: Vec<&str> = source["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["digest"].as_str().unwrap())
        .collect();
    let got: Vec<&str> = image.layers.iter().map(|l| l.digest.as_str()).collect();
    assert_eq!(got, want);
    assert_cached_and_verified(image);
}

#[test]
fn pulls_oci_manifest_matching_the_source_layout() {
    let reg = plain();
    let cache = temp_dir("oci");
    let image = pull(&reference(reg, "bookworm:app"), &opts(&cache)).unwrap();
    // skopeo pushes the OCI manifest byte for byte, so even the manifest digest matches.
    assert_eq!(image.manifest_digest, format!("sha256:{BOOKWORM_MANIFEST}"));
    assert_eq!(image.manifest, oci_blob(BOOKWORM_MANIFEST));
    assert_eq!(image.manifest_media_type, OCI_MANIFEST);
    assert_eq!(image.index_digest, None);
    assert_matches_layout(&image, BOOKWORM_MANIFEST);
    for layer in &image.layers {
        assert_eq!(
            layer.media_type,
            "application/vnd.oci.image.layer.v1.tar+gzip"
        );
        assert_eq!(layer.compression, Compression::Gzip);
    }
    assert!(cache.join("blobs/sha256").join(BOOKWORM_MANIFEST).exists());
}

#[test]
fn pulls_docker_v2_schema2_manifest() {
    let reg = plain();
    let cache = temp_dir("v2s2");
    let image = pull(&reference(reg, "bookworm:app-v2s2"), &opts(&cache)).unwrap();
    assert_eq!(image.manifest_media_type, DOCKER_MANIFEST);
    assert_ne!(image.manifest_digest, format!("sha256:{BOOKWORM_MANIFEST}"));
    assert_matches_layout(&image, BOOKWORM_MANIFEST);
    for layer in &image.layers {
        assert_eq!(
            layer.media_type,
            "application/vnd.docker.image.rootfs.diff.tar.gzip"
        );
    }
}

#[test]
fn pulls_docker_archive_push_and_layers_match_diff_ids() {
    let reg = plain();
    let cache = temp_dir("archive");
    let image = pull(&reference(reg, "alpine:3.14"), &opts(&cache)).unwrap();
    // The docker-archive names its config file by the config's digest.
    assert_eq!(image.config_digest, ALPINE_ARCHIVE_CONFIG);
    assert_cached_and_verified(&image);
    // skopeo gzipped the layer on push; gunzipped, it must be the diff_id of the config.
    let config = json(&image.config);
    let diff_ids = config["rootfs"]["diff_ids"].as_array().unwrap();
    assert_eq!(image.layers.len(), diff_ids.len());
    for (layer, diff_id) in image.layers.iter().zip(diff_ids) {
        let out = Command::new("bash")
            .arg("-c")
            .arg("gzip -dc \"$1\" | sha256sum")
            .arg("-")
            .arg(&layer.path)
            .output()
            .unwrap();
        let hex = String::from_utf8(out.stdout).unwrap();
        assert_eq!(format!("sha256:{}", &hex[..64]), diff_id.as_str().unwrap());
    }
}

#[test]
fn pulls_zstd_layers_without_decompressing() {
    let reg = plain();
    let cache = temp_dir("zstd");
    let image = pull(&reference(reg, "alpine:zstd"), &opts(&cache)).unwrap();
    let source = json(&oci_blob(ALPINE_MANIFEST));
    assert_eq!(image.config_digest, source["config"]["digest"]);
    assert_eq!(image.layers.len(), 1);
    let layer = &image.layers[0];
    assert_eq!(
        layer.media_type,
        "application/vnd.oci.image.layer.v1.tar+zstd"
    );
    assert_eq!(layer.compression, Compression::Zstd);
    // zstd frame magic: the blob is stored as served.
    let bytes = std::fs::read(&layer.path).unwrap();
    assert_eq!(&bytes[..4], &[0x28, 0xb5, 0x2f, 0xfd]);
    assert_cached_and_verified(&image);
}

/// The multi-arch layout `registry.sh push` built: platform → (manifest hex, config JSON).
fn multi_layout(reg: &TestRegistry) -> Vec<(String, String)> {
    let dir = reg.workdir.join("multi");
    let top = json(&std::fs::read(dir.join("index.json")).unwrap());
    let index_hex = &top["manifests"][0]["digest"].as_str().unwrap()["sha256:".len()..];
    let index = json(&std::fs::read(dir.join("blobs/sha256").join(index_hex)).unwrap());
    index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let p = &m["platform"];
            let mut platform = format!(
                "{}/{}",
                p["os"].as_str().unwrap(),
                p["architecture"].as_str().unwrap()
            );
            if let Some(v) = p["variant"].as_str() {
                platform = format!("{platform}/{v}");
            }
            (platform, m["digest"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[test]
fn multi_arch_index_selects_the_platform() {
    let reg = plain();
    let layout = multi_layout(reg);
    let digest_for = |p: &str| layout.iter().find(|(q, _)| q == p).unwrap().1.clone();
    let cache = temp_dir("multi");
    let r = reference(reg, "multi:latest");

    let amd = pull(&r, &opts(&cache)).unwrap();
    assert_eq!(amd.manifest_digest, digest_for("linux/amd64"));
    assert_eq!(amd.manifest_digest, format!("sha256:{ALPINE_MANIFEST}"));
    assert_eq!(amd.platform.unwrap().to_string(), "linux/amd64");
    assert!(amd.index_digest.is_some());
    assert_eq!(json(&amd.config)["architecture"], "amd64");

    for wanted in ["linux/arm64", "linux/arm64/v8", "linux/aarch64"] {
        let mut o = opts(&cache);
        o.platform = wanted.parse().unwrap();
        let arm = pull(&r, &o).unwrap();
        assert_eq!(
            arm.manifest_digest,
            digest_for("linux/arm64/v8"),
            "{wanted}"
        );
        assert_eq!(json(&arm.config)["architecture"], "arm64");
        assert_eq!(
            arm.layers[0].media_type,
            "application/vnd.oci.image.layer.v1.tar"
        );
        assert_eq!(arm.layers[0].compression, Compression::None);
        assert_cached_and_verified(&arm);
    }

    let mut o = opts(&cache);
    o.platform = "linux/s390x".parse().unwrap();
    let err = pull(&r, &o).unwrap_err();
    assert!(
        matches!(err, RegistryError::PlatformNotFound { .. }),
        "{err}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("linux/s390x") && msg.contains("available: linux/amd64, linux/arm64/v8"),
        "{msg}"
    );
}

#[test]
fn docker_manifest_list_selects_the_platform() {
    let reg = plain();
    let dir = reg.workdir.join("multi/blobs/sha256");
    let config_of = |manifest_digest: &str| {
        json(&std::fs::read(dir.join(&manifest_digest["sha256:".len()..])).unwrap())["config"]["digest"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let layout = multi_layout(reg);
    let cache = temp_dir("list");
    let r = reference(reg, "multi:v2s2");
    for (platform, manifest) in &layout {
        let mut o = opts(&cache);
        o.platform = platform.parse().unwrap();
        let image = pull(&r, &o).unwrap();
        assert_eq!(image.manifest_media_type, DOCKER_MANIFEST);
        assert_eq!(image.platform.as_ref().unwrap().to_string(), *platform);
        // skopeo rewrote the manifests for the list, but the configs are the layout's.
        assert_eq!(image.config_digest, config_of(manifest), "{platform}");
        for layer in &image.layers {
            assert!(
                layer
                    .media_type
                    .starts_with("application/vnd.docker.image.rootfs.diff.tar")
            );
            let want = if layer.media_type == "application/vnd.docker.image.rootfs.diff.tar.gzip" {
                Compression::Gzip
            } else {
                Compression::None
            };
            assert_eq!(layer.compression, want);
        }
        assert_cached_and_verified(&image);
    }
}

#[test]
fn pull_by_digest_and_missing_tag() {
    let reg = plain();
    let cache = temp_dir("digest");
    let r = reference(reg, &format!("bookworm@sha256:{BOOKWORM_MANIFEST}"));
    let image = pull(&r, &opts(&cache)).unwrap();
    assert_matches_layout(&image, BOOKWORM_MANIFEST);

    let err = pull(&reference(reg, "bookworm:no-such-tag"), &opts(&cache)).unwrap_err();
    assert!(matches!(err, RegistryError::NotFound { .. }), "{err}");
    assert!(err.to_string().contains("manifest no-such-tag"), "{err}");
    let err = pull(&reference(reg, "no/such-repo"), &opts(&cache)).unwrap_err();
    assert!(matches!(err, RegistryError::NotFound { .. }), "{err}");
}

#[test]
fn repull_hits_the_cache_and_eviction_keeps_the_cap() {
    // A registry of its own over the shared storage, so its access log is ours alone.
    let shared = plain();
    let reg = TestRegistry::start("plain", &temp_dir("repull"), &[], Some(&shared.storage()));
    let cache = temp_dir("repull-cache");
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    let mut o = opts(&cache);
    o.progress = Some(Box::new(move |e| sink.lock().unwrap().push(e)));

    let alpine = reference(&reg, "alpine:3.14");
    let first = pull(&alpine, &o).unwrap();
    assert_eq!(reg.gets("/blobs/"), 2, "config + 1 layer");
    let downloaded: Vec<_> = events.lock().unwrap().drain(..).collect();
    assert!(downloaded.iter().any(|e| e.kind == BlobKind::Layer
        && e.state == ProgressState::Finished
        && e.done == first.layers[0].size));

    let second = pull(&alpine, &o).unwrap();
    assert_eq!(
        reg.gets("/blobs/"),
        2,
        "a re-pull must not fetch blobs again"
    );
    assert_eq!(reg.gets("/manifests/"), 2, "tags are resolved every time");
    assert_eq!(second.layers, first.layers);
    let again = events.lock().unwrap().clone();
    assert!(
        again
            .iter()
            .filter(|e| e.kind != BlobKind::Manifest)
            .all(|e| e.state == ProgressState::Cached)
    );

    // By digest with the manifest cached: no request at all.
    let by_digest: Reference = format!("{}/alpine@{}", reg.host, first.manifest_digest)
        .parse()
        .unwrap();
    pull(&by_digest, &o).unwrap();
    assert_eq!(reg.gets("/manifests/"), 2);

    // Eviction: pulling bookworm with a cap below both images drops alpine (older), never
    // bookworm's own blobs.
    let mut capped = opts(&cache);
    capped.max_cache_bytes = Some(900 * 1024);
    let bookworm = pull(&reference(&reg, "bookworm:app"), &capped).unwrap();
    let keep: HashSet<PathBuf> = bookworm.layers.iter().map(|l| l.path.clone()).collect();
    assert!(keep.iter().all(|p| p.exists()));
    assert!(
        !first.layers[0].path.exists(),
        "the alpine layer should be evicted"
    );
    let total: u64 = std::fs::read_dir(cache.join("blobs/sha256"))
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    assert!(total <= 900 * 1024, "{total}");
}

#[test]
fn corrupted_blob_is_refused_and_leaves_nothing_in_the_cache() {
    let reg = TestRegistry::start("plain", &temp_dir("corrupt"), &[], None);
    reg.push_fixtures();
    let source = json(&oci_blob(BOOKWORM_MANIFEST));
    let bad = source["layers"][2]["digest"].as_str().unwrap().to_owned();
    let hex = &bad["sha256:".len()..];
    let data = reg
        .storage()
        .join("docker/registry/v2/blobs/sha256")
        .join(&hex[..2])
        .join(hex)
        .join("data");
    let mut bytes = std::fs::read(&data).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&data, &bytes).unwrap();

    let cache = temp_dir("corrupt-cache");
    assert!(!cache.join("blobs/sha256").join(hex).exists());
    let err = pull(&reference(&reg, "bookworm:app"), &opts(&cache)).unwrap_err();
    assert!(matches!(err, RegistryError::DigestMismatch { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!(
            "GET {}/v2/bookworm/blobs/{bad}: digest mismatch in repository bookworm",
            reg.url
        )),
        "{msg}"
    );
    assert!(msg.contains("got sha256:"), "{msg}");
    let left: Vec<String> = std::fs::read_dir(cache.join("blobs/sha256"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!left.iter().any(|f| f.contains(hex)), "{left:?}");

    // A blob missing from storage is an error naming it.
    let gone = source["layers"][1]["digest"].as_str().unwrap().to_owned();
    let gone_hex = &gone["sha256:".len()..];
    std::fs::remove_dir_all(
        reg.storage()
            .join("docker/registry/v2/blobs/sha256")
            .join(&gone_hex[..2])
            .join(gone_hex),
    )
    .unwrap();
    let cache = temp_dir("missing-cache");
    let err = pull(&reference(&reg, "bookworm:app"), &opts(&cache)).unwrap_err();
    assert!(err.to_string().contains(&gone), "{err}");
}

/// The TLS registry (test CA, htpasswd basic auth); pushed once.
fn tls() -> &'static TestRegistry {
    static TLS: OnceLock<TestRegistry> = OnceLock::new();
    TLS.get_or_init(|| {
        let reg = TestRegistry::start("tls", &temp_dir("tls"), &[], None);
        reg.push_fixtures();
        reg
    })
}

#[test]
fn tls_registry_with_basic_auth() {
    let reg = tls();
    let r = reference(reg, "bookworm:app");
    let cache = temp_dir("tls-cache");
    let mut o = opts(&cache);
    o.ca_file.clone_from(&reg.ca);
    o.username.clone_from(&reg.username);
    o.password.clone_from(&reg.password);
    let image = pull(&r, &o).unwrap();
    assert!(reg.url.starts_with("https://"));
    assert_matches_layout(&image, BOOKWORM_MANIFEST);

    // No credentials: the basic challenge cannot be answered.
    let mut anon = opts(&temp_dir("tls-anon"));
    anon.ca_file.clone_from(&reg.ca);
    let err = pull(&r, &anon).unwrap_err();
    assert!(matches!(err, RegistryError::Unauthorized { .. }), "{err}");
    assert!(err.to_string().contains("requires credentials"), "{err}");

    // Wrong password.
    let mut wrong = opts(&temp_dir("tls-wrong"));
    wrong.ca_file.clone_from(&reg.ca);
    wrong.username = Some("bulwark".into());
    wrong.password = Some("nope".into());
    let err = pull(&r, &wrong).unwrap_err();
    assert!(
        err.to_string().contains("rejected the credentials"),
        "{err}"
    );

    // With another CA the server's certificate is not trusted.
    let dir = temp_dir("tls-untrusted");
    let other_ca = dir.join("other-ca.pem");
    let status = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "1", "-subj", "/CN=other CA", "-keyout"])
        .arg(dir.join("other-ca.key"))
        .arg("-out")
        .arg(&other_ca)
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let mut untrusted = opts(&dir);
    untrusted.ca_file = Some(other_ca);
    untrusted.username.clone_from(&reg.username);
    untrusted.password.clone_from(&reg.password);
    let err = pull(&r, &untrusted).unwrap_err();
    assert!(matches!(err, RegistryError::Transport { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with(&format!("GET {}/v2/bookworm/manifests/app", reg.url)),
        "{err}"
    );
}

#[test]
fn tls_registry_with_docker_config_credentials() {
    let reg = tls();
    let dir = temp_dir("docker-config");
    let auth = support::base64(b"bulwark:bulwark-pass");
    assert_eq!(auth, "YnVsd2FyazpidWx3YXJrLXBhc3M="); // `printf bulwark:bulwark-pass | base64`
    std::fs::write(
        dir.join("config.json"),
        format!(r#"{{"auths":{{"{}":{{"auth":"{auth}"}}}}}}"#, reg.host),
    )
    .unwrap();
    let mut o = opts(&dir.join("cache"));
    o.ca_file.clone_from(&reg.ca);
    o.docker_config = Some(dir.join("config.json"));
    let image = pull(&reference(reg, "alpine:zstd"), &o).unwrap();
    assert_eq!(image.layers[0].compression, Compression::Zstd);
}

#[test]
fn bearer_token_flow_against_a_token_registry() {
    let shared = plain();
    let workdir = temp_dir("token");
    let server = TokenServer::start(&workdir, Some(("tok-user", "tok-pass")));
    let reg = TestRegistry::start("token", &workdir, &[&server.url], Some(&shared.storage()));
    let r = reference(&reg, "alpine:3.14");

    let mut o = opts(&temp_dir("token-cache"));
    o.username = Some("tok-user".into());
    o.password = Some("tok-pass".into());
    let image = pull(&r, &o).unwrap();
    assert_eq!(image.config_digest, ALPINE_ARCHIVE_CONFIG);
    assert_cached_and_verified(&image);
    assert_eq!(
        server.requests.load(std::sync::atomic::Ordering::Relaxed),
        1,
        "one token, reused for manifest and blobs"
    );

    // The token server refuses anonymous requests: the error names the realm and scope.
    let err = pull(&r, &opts(&temp_dir("token-anon"))).unwrap_err();
    assert!(matches!(err, RegistryError::Token { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains(&server.url) && msg.contains("repository:alpine:pull") && msg.contains("401"),
        "{msg}"
    );
}
