//! rpm databases placed into small test images give exactly what `rpm -qa` reports (truth files made by the
//! real rpm in `crates/bulwark-rpmdb/testdata`), distroless `status.d` is read, and the OCI-in-tar and
//! oci-archive layouts read like the OCI layout they were made from.

mod common;

use std::path::Path;

use common::oci::{entry, file, gzip, layout, tar};
use common::{bulwark, diff, fixtures, inventory, json, truth};

/// `rpm -qa --qf '%{NAME}\t%{EPOCHNUM}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t%{SOURCERPM}…'` rows, turned into the
/// inventory columns: name, [epoch:]version-release, arch, source name, source [epoch:]version-release.
fn rpm_truth(name: &str) -> Vec<String> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../bulwark-rpmdb/testdata")
        .join(name);
    let mut v: Vec<String> = std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let epoch = if f[1] == "0" {
                String::new()
            } else {
                format!("{}:", f[1])
            };
            let evr = format!("{epoch}{}-{}", f[2], f[3]);
            let arch = if f[4] == "(none)" { "" } else { f[4] };
            // SOURCERPM is name-version-release.src.rpm.
            let (src, src_evr) = match f[5].strip_suffix(".src.rpm") {
                Some(nvr) => {
                    let (nv, rel) = nvr.rsplit_once('-').unwrap();
                    let (n, ver) = nv.rsplit_once('-').unwrap();
                    (n.to_string(), format!("{epoch}{ver}-{rel}"))
                }
                None => (String::new(), String::new()),
            };
            format!("{}\t{evr}\t{arch}\t{src}\t{src_evr}", f[0])
        })
        .collect();
    v.sort();
    v
}

fn rpm_image(dir: &Path, os_release: &str, files: &[(&str, &str)]) {
    let mut entries = vec![file("etc/os-release", os_release)];
    for (at, from) in files {
        let bytes = std::fs::read(fixtures().join("rpmdb").join(from)).unwrap();
        entries.push(entry(at, b'0', "", &bytes));
    }
    layout(dir, &[gzip(&tar(&entries))], &[], &[]);
}

#[test]
fn rpm_sqlite_ndb_and_berkeleydb_in_images() {
    let t = tempfile::tempdir().unwrap();
    let cases = [
        (
            "mariner",
            "ID=mariner\nVERSION_ID=\"2.0\"\n",
            vec![
                ("var/lib/rpm/rpmdb.sqlite", "cbl-mariner-2.0/rpmdb.sqlite"),
                (
                    "var/lib/rpm/rpmdb.sqlite-wal",
                    "cbl-mariner-2.0/rpmdb.sqlite-wal",
                ),
            ],
            "cbl-mariner-2.0.qa.tsv",
        ),
        (
            "sles",
            "ID=\"sles\"\nVERSION_ID=\"15.5\"\n",
            vec![("usr/lib/sysimage/rpm/Packages.db", "sle15-bci/Packages.db")],
            "sle15-bci.qa.tsv",
        ),
        (
            "rhel",
            "ID=\"rhel\"\nVERSION_ID=\"8.8\"\n",
            vec![("var/lib/rpm/Packages", "libuuid/Packages")],
            "libuuid.qa.tsv",
        ),
    ];
    for (name, os, files, truth_file) in cases {
        let dir = t.path().join(name);
        rpm_image(&dir, os, &files);
        let r = json(&["sbom", "-q", "-f", "json", dir.to_str().unwrap()]);
        let expected = rpm_truth(truth_file);
        let actual = inventory(&r);
        assert!(!expected.is_empty());
        assert!(expected == actual, "{name}: {}", diff(&expected, &actual));
        let p = &r["packages"][0];
        assert!(p["purl"].as_str().unwrap().starts_with("pkg:rpm/"), "{p}");
        assert!(p["purl"].as_str().unwrap().contains("distro="), "{p}");
        assert!(p["layer"]["index"] == 0);
    }
}

/// Distroless images keep one stanza per package under `status.d/` (no Status field).
#[test]
fn distroless_status_d() {
    let t = tempfile::tempdir().unwrap();
    let entries = vec![
        file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
        file(
            "var/lib/dpkg/status.d/base-files",
            "Package: base-files\nVersion: 12.4+deb12u5\nArchitecture: amd64\n",
        ),
        file(
            "var/lib/dpkg/status.d/base-files.md5sums",
            "d41d8cd98f00b204e9800998ecf8427e  etc/issue\n",
        ),
        file(
            "var/lib/dpkg/status.d/libssl3",
            "Package: libssl3\nSource: openssl (3.0.11-1~deb12u2)\nVersion: 3.0.11-1~deb12u2\nArchitecture: amd64\n",
        ),
    ];
    let l2 = tar(&[file(
        "var/lib/dpkg/status.d/tzdata",
        "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n",
    )]);
    layout(
        &t.path().join("img"),
        &[gzip(&tar(&entries)), gzip(&l2)],
        &[],
        &[],
    );
    let r = json(&[
        "sbom",
        "-q",
        "-f",
        "json",
        t.path().join("img").to_str().unwrap(),
    ]);
    let expected = vec![
        "base-files\t12.4+deb12u5\tamd64\tbase-files\t12.4+deb12u5".to_string(),
        "libssl3\t3.0.11-1~deb12u2\tamd64\topenssl\t3.0.11-1~deb12u2".to_string(),
        "tzdata\t2024a-0+deb12u1\tall\ttzdata\t2024a-0+deb12u1".to_string(),
    ];
    assert_eq!(inventory(&r), expected);
    let tz = r["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "tzdata")
        .unwrap();
    assert_eq!(tz["layer"]["index"], 1);
    assert_eq!(tz["foundIn"], "/var/lib/dpkg/status.d/tzdata");
}

/// Newer Docker writes an OCI layout plus `manifest.json` into the tar; skopeo/buildah write oci-archives.
#[test]
fn oci_in_tar_and_oci_archive() {
    let t = tempfile::tempdir().unwrap();
    let src = fixtures().join("images/oci-mini");
    let blobs = |d: &str| format!("blobs/sha256/{d}");
    // The bookworm-app manifest of oci-mini: config and layer blobs, by digest.
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(src.join(blobs(
            "d0af18bba6992245045b25f7efd08c597c506d9c604ecb460cc664ae555e00f6",
        )))
        .unwrap(),
    )
    .unwrap();
    let hex = |v: &serde_json::Value| v["digest"].as_str().unwrap()[7..].to_string();
    let layers: Vec<String> = manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| format!("\"{}\"", blobs(&hex(l))))
        .collect();
    let dm = format!(
        r#"[{{"Config":"{}","RepoTags":["vulnscan/bookworm:app"],"Layers":[{}]}}]"#,
        blobs(&hex(&manifest["config"])),
        layers.join(",")
    );
    let stage = t.path().join("stage");
    let copy = std::process::Command::new("cp")
        .arg("-r")
        .arg(&src)
        .arg(&stage)
        .status()
        .unwrap();
    assert!(copy.success());
    let oci_archive = t.path().join("oci.tar");
    let ok = std::process::Command::new("tar")
        .arg("-C")
        .arg(&stage)
        .arg("-cf")
        .arg(&oci_archive)
        .arg(".")
        .status()
        .unwrap();
    assert!(ok.success());
    std::fs::write(stage.join("manifest.json"), dm).unwrap();
    let oci_in_tar = t.path().join("docker-oci.tar");
    let ok = std::process::Command::new("tar")
        .arg("-C")
        .arg(&stage)
        .arg("-cf")
        .arg(&oci_in_tar)
        .arg(".")
        .status()
        .unwrap();
    assert!(ok.success());

    let expected = truth("oci-mini-bookworm-app.tsv");
    for target in [
        format!("{}:bookworm-app", oci_archive.display()),
        format!("oci-archive:{}:bookworm-app", oci_archive.display()),
        oci_in_tar.display().to_string(),
    ] {
        let r = json(&["sbom", "-q", "-f", "json", &target]);
        let actual = inventory(&r);
        assert!(expected == actual, "{target}: {}", diff(&expected, &actual));
    }
    // Without a tag, a two-image oci-archive asks for one.
    let out = bulwark(&["sbom", "-q", oci_archive.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bookworm-app, alpine-3.14"));
}
