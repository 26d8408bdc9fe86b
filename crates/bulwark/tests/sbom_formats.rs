//! SBOMs of the real fixture images pass the official validators (CycloneDX 1.6 JSON schema via
//! cyclonedx-python-lib, SPDX 2.3 via spdx-tools), and carry the inventory and layer properties.

mod common;

use common::{bulwark, image, validate};

fn render(target: &str, format: &str, dir: &std::path::Path) -> std::path::PathBuf {
    let out = dir.join(format!("sbom.{format}.json"));
    let o = bulwark(&[
        "sbom",
        "-q",
        "-f",
        format,
        "-o",
        out.to_str().unwrap(),
        target,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

#[test]
fn cyclonedx_and_spdx_validate_for_every_fixture() {
    let t = tempfile::tempdir().unwrap();
    for (i, target) in [
        format!("{}:bookworm-app", image("oci-mini")),
        format!("{}:alpine-3.14", image("oci-mini")),
        image("bookworm-app-mini.docker.tar"),
        image("alpine314.docker.tar"),
    ]
    .iter()
    .enumerate()
    {
        let d = t.path().join(i.to_string());
        std::fs::create_dir_all(&d).unwrap();
        validate("cyclonedx", &render(target, "cyclonedx", &d));
        validate("spdx", &render(target, "spdx-json", &d));
    }
}

#[test]
fn cyclonedx_carries_purls_and_layers() {
    let t = tempfile::tempdir().unwrap();
    let f = render(
        &image("bookworm-app-mini.docker.tar"),
        "cyclonedx",
        t.path(),
    );
    let bom: serde_json::Value = serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap();
    assert_eq!(bom["specVersion"], "1.6");
    let comps = bom["components"].as_array().unwrap();
    let curl = comps
        .iter()
        .find(|c| c["name"] == "curl")
        .expect("curl component");
    assert!(
        curl["purl"]
            .as_str()
            .unwrap()
            .starts_with("pkg:deb/debian/curl@"),
        "{curl}"
    );
    let prop = |k: &str| {
        curl["properties"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == k)
            .map(|p| p["value"].clone())
    };
    assert_eq!(prop("bulwark:layer:index"), Some(serde_json::json!("1")));
    assert!(
        prop("bulwark:layer:diffID")
            .unwrap()
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    assert_eq!(
        comps
            .iter()
            .filter(|c| c["purl"]
                .as_str()
                .is_some_and(|p| p.starts_with("pkg:deb/")))
            .count(),
        137
    );
}
