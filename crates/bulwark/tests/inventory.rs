//! The inventory of every fixture image equals what the real package managers report for its merged rootfs
//! (truth files in `tests/truth`, made by `tests/truth/generate.sh` with skopeo, umoci and dpkg-query).

mod common;

use common::{diff, image, inventory, json, truth};

fn check(target: &str, truth_file: &str) -> serde_json::Value {
    let report = json(&["sbom", "-q", "-f", "json", target]);
    let expected = truth(truth_file);
    let actual = inventory(&report);
    assert_eq!(
        expected.len(),
        actual.len(),
        "{target}: {}",
        diff(&expected, &actual)
    );
    assert!(expected == actual, "{target}: {}", diff(&expected, &actual));
    report
}

#[test]
fn oci_layout_bookworm_app() {
    let r = check(
        &format!("{}:bookworm-app", image("oci-mini")),
        "oci-mini-bookworm-app.tsv",
    );
    assert_eq!(r["os"]["id"], "debian");
    assert_eq!(r["os"]["versionId"], "12");
}

#[test]
fn oci_layout_alpine() {
    let r = check(
        &format!("{}:alpine-3.14", image("oci-mini")),
        "oci-mini-alpine-3.14.tsv",
    );
    assert_eq!(r["os"]["id"], "alpine");
    assert_eq!(r["os"]["versionId"], "3.14.0");
}

#[test]
fn docker_archives() {
    check(
        &image("bookworm-app-mini.docker.tar"),
        "bookworm-app-mini.docker.tsv",
    );
    check(&image("alpine314.docker.tar"), "alpine314.docker.tsv");
    check(
        &image("alpine314-mini.docker.tar"),
        "alpine314-mini.docker.tsv",
    );
}

/// Layer 3 purges tzdata: it is gone, and every package keeps the layer that installed it (truth from
/// dpkg-query over each layer's own status file).
#[test]
fn whiteouts_and_layer_attribution() {
    for target in [
        format!("{}:bookworm-app", image("oci-mini")),
        image("bookworm-app-mini.docker.tar"),
    ] {
        let r = json(&["sbom", "-q", "-f", "json", &target]);
        let pkgs = r["packages"].as_array().unwrap();
        assert!(
            !pkgs.iter().any(|p| p["name"] == "tzdata"),
            "{target}: tzdata was purged in layer 3"
        );
        let mut actual: Vec<String> = pkgs
            .iter()
            .filter(|p| p["type"] == "dpkg")
            .map(|p| format!("{}\t{}", p["name"].as_str().unwrap(), p["layer"]["index"]))
            .collect();
        actual.sort();
        let expected = truth("bookworm-app-layers.tsv");
        assert!(expected == actual, "{target}: {}", diff(&expected, &actual));
        let curl = pkgs.iter().find(|p| p["name"] == "curl").unwrap();
        assert_eq!(
            curl["layer"]["createdBy"]
                .as_str()
                .unwrap()
                .split(';')
                .next(),
            Some("apt-get install openssl curl ca-certificates python3 python3-pip nodejs")
        );
        assert!(
            curl["layer"]["diffId"]
                .as_str()
                .unwrap()
                .starts_with("sha256:")
        );
    }
}

/// The same image read from the OCI layout and from the docker-archive gives the same packages and layers.
#[test]
fn layouts_agree() {
    let a = json(&[
        "sbom",
        "-q",
        "-f",
        "json",
        &format!("{}:bookworm-app", image("oci-mini")),
    ]);
    let b = json(&[
        "sbom",
        "-q",
        "-f",
        "json",
        &image("bookworm-app-mini.docker.tar"),
    ]);
    let key = |r: &serde_json::Value| -> Vec<(String, String)> {
        r["packages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["purl"].as_str().unwrap().to_string(),
                    p["layer"]["diffId"].to_string(),
                )
            })
            .collect()
    };
    assert_eq!(key(&a), key(&b));
}
