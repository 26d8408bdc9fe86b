//! `bulwark sbom` against real registries (Debian's `docker-registry`, images pushed by skopeo): the same
//! inventory as the local layout, over plain HTTP and over TLS with basic auth.

mod common;

#[path = "../../bulwark-registry/tests/support/mod.rs"]
mod support;

use std::sync::OnceLock;

use common::{bulwark, diff, inventory, truth};
use support::{TestRegistry, temp_dir};

fn plain() -> &'static TestRegistry {
    static REG: OnceLock<TestRegistry> = OnceLock::new();
    REG.get_or_init(|| {
        let reg = TestRegistry::start("plain", &temp_dir("cli-plain"), &[], None);
        reg.push_fixtures();
        reg
    })
}

fn sbom(args: &[&str]) -> (serde_json::Value, std::process::Output) {
    let cache = temp_dir("cli-cache");
    let mut a = vec![
        "sbom",
        "-q",
        "-f",
        "json",
        "--cache-dir",
        cache.to_str().unwrap(),
    ];
    a.extend_from_slice(args);
    let out = bulwark(&a);
    let v = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (v, out)
}

fn assert_inventory(args: &[&str], truth_file: &str) -> serde_json::Value {
    let (r, out) = sbom(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = truth(truth_file);
    let actual = inventory(&r);
    assert!(expected == actual, "{args:?}: {}", diff(&expected, &actual));
    r
}

#[test]
fn oci_and_docker_v2s2_pushes_match_the_layout() {
    let reg = plain();
    let oci = assert_inventory(
        &[&format!("{}/bookworm:app", reg.host)],
        "oci-mini-bookworm-app.tsv",
    );
    let v2 = assert_inventory(
        &[&format!("{}/bookworm:app-v2s2", reg.host)],
        "oci-mini-bookworm-app.tsv",
    );
    // Layer attribution survives the registry round trip (diff ids are content, not transport).
    let layers = |r: &serde_json::Value| -> Vec<String> {
        r["packages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| format!("{} {}", p["name"], p["layer"]["diffId"]))
            .collect()
    };
    assert_eq!(layers(&oci), layers(&v2));
    let expected = truth("bookworm-app-layers.tsv");
    let mut actual: Vec<String> = oci["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["type"] == "dpkg")
        .map(|p| format!("{}\t{}", p["name"].as_str().unwrap(), p["layer"]["index"]))
        .collect();
    actual.sort();
    assert!(expected == actual, "{}", diff(&expected, &actual));
}

#[test]
fn docker_archive_and_zstd_pushes() {
    let reg = plain();
    assert_inventory(
        &[&format!("{}/alpine:3.14", reg.host)],
        "alpine314.docker.tsv",
    );
    assert_inventory(
        &[&format!("{}/alpine:zstd", reg.host)],
        "alpine314.docker.tsv",
    );
}

#[test]
fn multi_arch_index_honours_platform() {
    let reg = plain();
    let amd = assert_inventory(
        &[&format!("{}/multi:latest", reg.host)],
        "oci-mini-alpine-3.14.tsv",
    );
    let arm = assert_inventory(
        &[
            "--platform",
            "linux/arm64/v8",
            &format!("{}/multi:latest", reg.host),
        ],
        "oci-mini-alpine-3.14.tsv",
    );
    assert_eq!(amd["target"]["image"]["architecture"], "amd64");
    assert_eq!(arm["target"]["image"]["architecture"], "arm64");
    assert_ne!(
        amd["target"]["image"]["manifestDigest"],
        arm["target"]["image"]["manifestDigest"]
    );
    let (_, out) = sbom(&[
        "--platform",
        "linux/s390x",
        &format!("{}/multi:v2s2", reg.host),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("s390x") && err.contains("linux/arm64/v8"),
        "{err}"
    );
    // The same index read from the local layout the push came from.
    let local = assert_inventory(
        &[
            "--platform",
            "linux/arm64/v8",
            &format!("oci-dir:{}:multi", reg.workdir.join("multi").display()),
        ],
        "oci-mini-alpine-3.14.tsv",
    );
    assert_eq!(
        local["target"]["image"]["manifestDigest"],
        arm["target"]["image"]["manifestDigest"]
    );
}

#[test]
fn tls_registry_with_basic_auth() {
    let reg = TestRegistry::start("tls", &temp_dir("cli-tls"), &[], None);
    reg.push_fixtures();
    let ca = reg.ca.clone().unwrap();
    let image = format!("{}/bookworm:app", reg.host);
    let user = reg.username.clone().unwrap();
    let pass = reg.password.clone().unwrap();
    assert_inventory(
        &[
            "--ca-file",
            ca.to_str().unwrap(),
            "--username",
            &user,
            "--password",
            &pass,
            &image,
        ],
        "oci-mini-bookworm-app.tsv",
    );
    let (_, out) = sbom(&[
        "--ca-file",
        ca.to_str().unwrap(),
        "--username",
        &user,
        "--password",
        "wrong",
        &image,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("401")
            || err.to_lowercase().contains("unauthorized")
            || err.contains("credentials"),
        "{err}"
    );
}

#[test]
fn corrupted_blob_in_the_registry_is_refused() {
    let reg = TestRegistry::start("plain", &temp_dir("cli-corrupt"), &[], None);
    reg.push_fixtures();
    // The smallest bookworm-app layer (layer 3), as stored by the distribution server.
    let hex = "018c6df76b5dc1ff68cc3b6b00d7e167ea8b2697d289b32339d0078e06107992";
    let data = reg.storage().join(format!(
        "docker/registry/v2/blobs/sha256/{}/{hex}/data",
        &hex[..2]
    ));
    let mut bytes = std::fs::read(&data).unwrap();
    let n = bytes.len() / 2;
    bytes[n] ^= 0x55;
    std::fs::write(&data, bytes).unwrap();
    let (_, out) = sbom(&[&format!("{}/bookworm:app", reg.host)]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("digest mismatch") && err.contains(hex),
        "{err}"
    );
}
