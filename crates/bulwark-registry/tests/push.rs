//! Pushes to real `docker-registry` servers (CNCF distribution) on 127.0.0.1: plain HTTP, HTTPS with basic
//! auth, and bearer tokens. What was pushed is read back with `skopeo` (an independent client) and with our
//! own pull; digests come from `sha256sum`.
//!
//! Needs `apt-get install -y docker-registry skopeo apache2-utils openssl`.

mod support;

use std::path::Path;
use std::process::Command;
use std::sync::atomic::Ordering;

use bulwark_registry::{PullOptions, PushOptions, Pusher, Reference, RegistryError, pull};
use support::{TestRegistry, TokenServer, temp_dir};

fn sha256sum(bytes: &[u8], dir: &Path) -> String {
    let p = dir.join("sum-input");
    std::fs::write(&p, bytes).unwrap();
    let out = Command::new("sha256sum").arg(&p).output().unwrap();
    format!(
        "sha256:{}",
        String::from_utf8(out.stdout)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
    )
}

/// `skopeo inspect --raw` of a manifest.
fn skopeo_raw(reg: &TestRegistry, repo_tag: &str, creds: Option<&str>) -> Vec<u8> {
    let mut cmd = Command::new("skopeo");
    cmd.args(["inspect", "--raw"]);
    match &reg.ca {
        Some(_) => {
            cmd.arg("--cert-dir").arg(reg.workdir.join("certs.d"));
        }
        None => {
            cmd.arg("--tls-verify=false");
        }
    }
    if let Some(c) = creds {
        cmd.args(["--creds", c]);
    }
    let out = cmd
        .arg(format!("docker://{}/{repo_tag}", reg.host))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "skopeo: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn artifact_manifest(config: &str, layer: &str, layer_size: usize) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": "application/vnd.bulwark.test.v1",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": config, "size": 2},
        "layers": [{"mediaType": "application/vnd.bulwark.test.layer.v1+gzip", "digest": layer, "size": layer_size}],
    }))
    .unwrap()
}

/// Pushes config + layer + manifest; returns the manifest bytes and its digest as the pusher reports it.
fn push_artifact(p: &mut Pusher, tag: &str, layer: &[u8]) -> (Vec<u8>, String) {
    let config = p.push_blob(b"{}").unwrap();
    let l = p.push_blob(layer).unwrap();
    assert_eq!(l.size, layer.len() as u64);
    let m = artifact_manifest(
        &config.digest.to_string(),
        &l.digest.to_string(),
        layer.len(),
    );
    let d = p
        .push_manifest(tag, "application/vnd.oci.image.manifest.v1+json", &m)
        .unwrap();
    (m, d.to_string())
}

#[test]
fn plain_push_reads_back_with_skopeo_and_pull_and_skips_existing_blobs() {
    let work = temp_dir("push-plain");
    let reg = TestRegistry::start("plain", &work.join("reg"), &[], None);
    let reference: Reference = format!("{}/team/art:v1", reg.host).parse().unwrap();
    let opts = PushOptions {
        docker_config: Some(work.join("none.json")),
        ..PushOptions::default()
    };
    let mut p = Pusher::new(&reference, &opts).unwrap();
    let layer = b"\x1f\x8b not really gzip, bytes are bytes".to_vec();
    let (manifest, digest) = push_artifact(&mut p, "v1", &layer);
    assert_eq!(digest, sha256sum(&manifest, &work));

    // skopeo sees exactly the bytes we pushed.
    assert_eq!(skopeo_raw(&reg, "team/art:v1", None), manifest);

    // Our pull (artifact mode) gets the layer back byte for byte.
    let image = pull(
        &reference,
        &PullOptions {
            cache_dir: work.join("cache"),
            docker_config: Some(work.join("none.json")),
            artifact: true,
            ..PullOptions::default()
        },
    )
    .unwrap();
    assert_eq!(image.manifest_digest, digest);
    assert_eq!(std::fs::read(&image.layers[0].path).unwrap(), layer);

    // A second push of the same blob is a HEAD, not an upload.
    let again = p.push_blob(&layer).unwrap();
    assert!(!again.uploaded);
    let log = std::fs::read_to_string(reg.workdir.join("registry.log")).unwrap();
    let uploads = log
        .lines()
        .filter(|l| l.contains("\"PUT /v2/team/art/blobs/uploads/"))
        .count();
    assert_eq!(uploads, 2, "config and layer uploaded once each:\n{log}");
    assert!(log.contains("\"HEAD /v2/team/art/blobs/sha256:"));

    // A manifest pointing at a blob the registry does not have is refused by the registry, and we say so.
    let missing = artifact_manifest(
        &format!("sha256:{}", "0".repeat(64)),
        &format!("sha256:{}", "1".repeat(64)),
        1,
    );
    let e = p
        .push_manifest(
            "broken",
            "application/vnd.oci.image.manifest.v1+json",
            &missing,
        )
        .unwrap_err();
    assert!(
        matches!(
            e,
            RegistryError::Status {
                method: "PUT",
                status: 400,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn tls_push_with_basic_auth_and_without_credentials() {
    let work = temp_dir("push-tls");
    let reg = TestRegistry::start("tls", &work.join("reg"), &[], None);
    let reference: Reference = format!("{}/secure/art:v2", reg.host).parse().unwrap();
    let base = PushOptions {
        ca_file: reg.ca.clone(),
        docker_config: Some(work.join("none.json")),
        ..PushOptions::default()
    };
    let e = Pusher::new(&reference, &base)
        .unwrap()
        .push_blob(b"x")
        .unwrap_err();
    assert!(matches!(e, RegistryError::Unauthorized { .. }), "{e}");
    assert!(e.to_string().contains("requires credentials"), "{e}");

    let opts = PushOptions {
        username: reg.username.clone(),
        password: reg.password.clone(),
        ..base
    };
    let mut p = Pusher::new(&reference, &opts).unwrap();
    let (manifest, _) = push_artifact(&mut p, "v2", b"layer over tls");
    let creds = format!(
        "{}:{}",
        reg.username.as_deref().unwrap(),
        reg.password.as_deref().unwrap()
    );
    assert_eq!(skopeo_raw(&reg, "secure/art:v2", Some(&creds)), manifest);
}

#[test]
fn token_push_asks_for_push_scope() {
    let work = temp_dir("push-token");
    let server = TokenServer::start(&work, Some(("tok-user", "tok-pass")));
    let reg = TestRegistry::start("token", &work, &[&server.url], None);
    let reference: Reference = format!("{}/tok/art:v3", reg.host).parse().unwrap();
    let opts = PushOptions {
        username: Some("tok-user".into()),
        password: Some("tok-pass".into()),
        docker_config: Some(work.join("none.json")),
        ..PushOptions::default()
    };
    let mut p = Pusher::new(&reference, &opts).unwrap();
    let (_, digest) = push_artifact(&mut p, "v3", b"layer behind tokens");
    assert!(server.requests.load(Ordering::Relaxed) > 0);
    // Read back anonymously-with-token through our own pull.
    let image = pull(
        &reference,
        &PullOptions {
            cache_dir: work.join("cache"),
            username: Some("tok-user".into()),
            password: Some("tok-pass".into()),
            artifact: true,
            ..PullOptions::default()
        },
    )
    .unwrap();
    assert_eq!(image.manifest_digest, digest);
    let log = std::fs::read_to_string(work.join("registry.log")).unwrap();
    assert!(
        log.lines()
            .any(|l| l.contains("\"PUT /v2/tok/art/manifests/v3") && l.contains("\" 201 ")),
        "{log}"
    );
}
