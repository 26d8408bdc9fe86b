//! `bulwark db update --oci`: a DB published as an OCI artifact (pushed by skopeo into Debian's
//! `docker-registry` on 127.0.0.1) is installed; signatures made by `openssl` (ECDSA P-256 over SHA-256, the
//! scheme of `cosign sign-blob`) are required and checked, against `--public-key` or else the built-in key
//! (`--allow-unsigned` waives them), and any refusal leaves the previous DB in place.

mod common;

#[path = "../../bulwark-registry/tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::bulwark;
use support::{TestRegistry, temp_dir};

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().expect("spawn");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn sha256_hex(path: &Path) -> String {
    let out = run(Command::new("sha256sum").arg(path));
    String::from_utf8(out).unwrap()[..64].to_owned()
}

/// Writes an OCI layout at `dir` holding one artifact (tag `tag`) whose single layer is `blob` with
/// `media_type` and `annotations`, and pushes it with skopeo to `reg` as `repo:tag`.
fn push_artifact(
    reg: &TestRegistry,
    dir: &Path,
    repo_tag: &str,
    blob: &Path,
    media_type: &str,
    annotations: &serde_json::Value,
) {
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let put = |bytes: &[u8]| -> (String, usize) {
        let p = dir.join("tmp-blob");
        std::fs::write(&p, bytes).unwrap();
        let d = sha256_hex(&p);
        std::fs::rename(&p, blobs.join(&d)).unwrap();
        (d, bytes.len())
    };
    let (config, config_size) = put(b"{}");
    let (layer, layer_size) = put(&std::fs::read(blob).unwrap());
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": "application/vnd.bulwark.db.v1",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": format!("sha256:{config}"), "size": config_size},
        "layers": [{"mediaType": media_type, "digest": format!("sha256:{layer}"), "size": layer_size, "annotations": annotations}],
    });
    let (m, m_size) = put(manifest.to_string().as_bytes());
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let index = serde_json::json!({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": format!("sha256:{m}"), "size": m_size,
        "annotations": {"org.opencontainers.image.ref.name": "x"}}]});
    std::fs::write(dir.join("index.json"), index.to_string()).unwrap();
    run(Command::new("skopeo")
        .args(["copy", "--quiet", "--dest-tls-verify=false"])
        .arg(format!("oci:{}:x", dir.display()))
        .arg(format!("docker://{}/{repo_tag}", reg.host)));
}

/// A DB built by `bulwark db build` from a fixture feed, and its gzip.
fn build_db(dir: &Path) -> (PathBuf, PathBuf) {
    let db = dir.join("published.db");
    let feed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bulwark-vulndb/testdata/osv-npm");
    let out = bulwark(&[
        "db",
        "build",
        "-q",
        "--osv",
        feed.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    run(Command::new("gzip").args(["-k", "-1"]).arg(&db));
    (db.clone(), db.with_extension("db.gz"))
}

/// An ECDSA P-256 key pair made by openssl: `(DIR/NAME.pem, DIR/NAME.pub)`.
fn p256_key_pair(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let key = dir.join(format!("{name}.pem"));
    let public = dir.join(format!("{name}.pub"));
    run(Command::new("openssl")
        .args([
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
        ])
        .arg(&key));
    run(Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(&key)
        .arg("-out")
        .arg(&public));
    (key, public)
}

fn update(dest: &Path, cache: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "db",
        "update",
        "-q",
        "--db",
        dest.to_str().unwrap(),
        "--cache-dir",
        cache.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    bulwark(&args)
}

#[test]
fn oci_artifacts_install_and_signatures_are_enforced() {
    let work = temp_dir("db-oci");
    let reg = TestRegistry::start("plain", &work.join("reg"), &[], None);
    let (db, gz) = build_db(&work);

    // An ECDSA P-256 key pair and a signature over the gzip blob, made by openssl; a second key that did not
    // sign anything.
    let (key, public) = p256_key_pair(&work, "key");
    let (_, other_public) = p256_key_pair(&work, "other");
    let sig = work.join("db.sig");
    run(Command::new("openssl")
        .args(["dgst", "-sha256", "-sign"])
        .arg(&key)
        .arg("-out")
        .arg(&sig)
        .arg(&gz));
    let sig_b64 = String::from_utf8(run(Command::new("base64").arg("-w0").arg(&sig))).unwrap();

    let gz_type = "application/vnd.bulwark.db.layer.v1.sqlite+gzip";
    push_artifact(
        &reg,
        &work.join("a1"),
        "bulwark/db:signed",
        &gz,
        gz_type,
        &serde_json::json!({"dev.bulwark.signature": sig_b64}),
    );
    push_artifact(
        &reg,
        &work.join("a2"),
        "bulwark/db:unsigned",
        &gz,
        gz_type,
        &serde_json::json!({}),
    );
    push_artifact(
        &reg,
        &work.join("a3"),
        "bulwark/db:plain",
        &db,
        "application/vnd.bulwark.db.layer.v1.sqlite",
        &serde_json::json!({}),
    );
    push_artifact(
        &reg,
        &work.join("a4"),
        "bulwark/db:wrong-type",
        &gz,
        "application/octet-stream",
        &serde_json::json!({}),
    );

    let cache = work.join("cache");
    let dest = work.join("dest/bulwark.db");
    let expected = sha256_hex(&db);

    // Unsigned, no key configured: the built-in key applies, so it is refused.
    let out = update(
        &dest,
        &cache,
        &["--oci", &format!("{}/bulwark/db:unsigned", reg.host)],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("the built-in Bulwark DB key"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dest.exists());
    // Signed with a key that is not the built-in one: refused as well.
    let out = update(
        &dest,
        &cache,
        &["--oci", &format!("{}/bulwark/db:signed", reg.host)],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(!dest.exists());
    // Unsigned with --allow-unsigned: installed; the file is byte for byte the published DB.
    let out = update(
        &dest,
        &cache,
        &[
            "--oci",
            &format!("{}/bulwark/db:unsigned", reg.host),
            "--allow-unsigned",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(sha256_hex(&dest), expected);
    // An uncompressed layer works too.
    std::fs::remove_file(&dest).unwrap();
    let out = update(
        &dest,
        &cache,
        &[
            "--oci",
            &format!("{}/bulwark/db:plain", reg.host),
            "--allow-unsigned",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(sha256_hex(&dest), expected);

    // The previous DB, to check that refusals keep it: a different build.
    let kev = common::fixtures().join("vulndata/kev/known_exploited_vulnerabilities.json");
    let out = bulwark(&[
        "db",
        "build",
        "-q",
        "--kev",
        kev.to_str().unwrap(),
        "--db",
        dest.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let previous = sha256_hex(&dest);

    let refused = |extra: &[&str], needle: &str| {
        let out = update(&dest, &cache, extra);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains(needle), "{extra:?}: {err}");
        assert_eq!(sha256_hex(&dest), previous, "{extra:?} replaced the DB");
    };
    let pk = public.to_str().unwrap();
    // A key is configured and the artifact carries no signature.
    refused(
        &[
            "--oci",
            &format!("{}/bulwark/db:unsigned", reg.host),
            "--public-key",
            pk,
        ],
        "no dev.bulwark.signature annotation",
    );
    // Signed, but checked against another key.
    refused(
        &[
            "--oci",
            &format!("{}/bulwark/db:signed", reg.host),
            "--public-key",
            other_public.to_str().unwrap(),
        ],
        "signature does not verify",
    );
    // A layer of another type.
    refused(
        &["--oci", &format!("{}/bulwark/db:wrong-type", reg.host)],
        "has no layer of type",
    );
    // A tag that does not exist.
    refused(
        &["--oci", &format!("{}/bulwark/db:missing", reg.host)],
        "failed to pull",
    );

    // Signed and checked with the right key: installed.
    let out = update(
        &dest,
        &cache,
        &[
            "--oci",
            &format!("{}/bulwark/db:signed", reg.host),
            "--public-key",
            pk,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(sha256_hex(&dest), expected);
    let info = bulwark(&["db", "info", "--db", dest.to_str().unwrap()]);
    assert!(info.status.success());
}
