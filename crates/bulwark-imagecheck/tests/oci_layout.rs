//! Image checks on a small OCI image layout written by the test (oci-layout, index.json, manifest, config and
//! two uncompressed layer blobs), opened through bulwark-source like any image.

use bulwark_imagecheck::{ImageCheckOptions, check_file_access, check_image};
use bulwark_source::{Image, PlatformSpec, ReadOptions, sha256_digest};

fn layer(entries: &[(&str, u32, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, mode, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(*mode);
        h.set_uid(0);
        h.set_gid(0);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        b.append_data(&mut h, path, *data).unwrap();
    }
    b.into_inner().unwrap()
}

fn blob(dir: &std::path::Path, bytes: &[u8]) -> String {
    let d = sha256_digest(bytes);
    std::fs::write(
        dir.join("blobs/sha256")
            .join(d.trim_start_matches("sha256:")),
        bytes,
    )
    .unwrap();
    d
}

#[test]
fn hand_built_oci_layout() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let base = layer(&[
        ("etc/os-release", 0o644, b"ID=alpine\n"),
        ("usr/bin/passwd", 0o4755, b"x"),
    ]);
    let app = layer(&[
        ("usr/bin/sudo", 0o4755, b"sudo"),
        ("app/data.db", 0o666, b"d"),
        ("var/cache/apk/APKINDEX.1.tar.gz", 0o644, b"idx"),
        ("web/html/index.html", 0o644, b"<html>"),
    ]);
    let (l0, l1) = (blob(dir, &base), blob(dir, &app));
    let config = serde_json::json!({
        "created": "2020-01-01T00:00:00Z",
        "architecture": "amd64",
        "os": "linux",
        "config": {
            "Env": ["PATH=/usr/bin", "SERVICE_TOKEN=abc123"],
            "ExposedPorts": {"22/tcp": {}},
            "Labels": {"org.opencontainers.image.base.name": "docker.io/library/alpine:latest"},
            "Healthcheck": {"Test": ["CMD", "true"]}
        },
        "rootfs": {"type": "layers", "diff_ids": [l0, l1]},
        "history": [
            {"created_by": "ADD alpine-minirootfs.tar.gz / # buildkit"},
            {"created_by": "ADD https://example.com/app.tar /app # buildkit"}
        ]
    });
    let cfg = blob(dir, config.to_string().as_bytes());
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfg, "size": config.to_string().len()},
        "layers": [
            {"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": l0, "size": base.len()},
            {"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": l1, "size": app.len()}
        ]
    });
    let m = blob(dir, manifest.to_string().as_bytes());
    let index = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": m, "size": manifest.to_string().len(),
                       "annotations": {"org.opencontainers.image.ref.name": "test"}}]
    });
    std::fs::write(dir.join("index.json"), index.to_string()).unwrap();

    let image = Image::open_oci_dir(dir, Some("test"), &PlatformSpec::default()).unwrap();
    let fs = image.read_fs(&ReadOptions::default()).unwrap();
    let layers: Vec<_> = image.layers.iter().map(|l| l.info.clone()).collect();
    let opts = ImageCheckOptions {
        today: Some("2026-11-23".into()),
        ..ImageCheckOptions::default()
    };
    let mut got: Vec<(String, String, Option<usize>)> =
        check_image(&image.config, &fs, &layers, &opts)
            .into_iter()
            .map(|f| {
                (
                    f.id.into_owned(),
                    f.location
                        .path
                        .or(f.location.resource)
                        .map(|s| s.to_string())
                        .unwrap_or_default(),
                    f.location.layer.map(|l| l.index),
                )
            })
            .collect();
    got.sort();
    let want = [
        ("BW-IMG-0001", "config.User", None),         // no User
        ("BW-IMG-0002", "config.Env", None),          // SERVICE_TOKEN=abc123
        ("BW-IMG-0003", "history[1]", Some(1)),       // ADD https://… made layer 1
        ("BW-IMG-0004", "/usr/bin/sudo", Some(1)),    // sudo from layer 1
        ("BW-IMG-0005", "config.ExposedPorts", None), // 22/tcp
        ("BW-IMG-0007", "/usr/bin/passwd", Some(0)),  // 04755 in the base layer
        ("BW-IMG-0007", "/usr/bin/sudo", Some(1)),    // 04755
        ("BW-IMG-0008", "/app/data.db", Some(1)),     // 0666
        ("BW-IMG-0009", "/var/cache/apk", Some(1)),   // APKINDEX left behind
        ("BW-IMG-0010", "config.Labels", None),       // base alpine:latest
        ("BW-IMG-0011", "created", None),             // 2020-01-01 is > 365 days before 2026-11-23
    ];
    let want: Vec<(String, String, Option<usize>)> = want
        .iter()
        .map(|(a, b, c)| ((*a).to_string(), (*b).to_string(), *c))
        .collect();
    assert_eq!(got, want);

    let access = check_file_access(&fs, &layers, &["/web/html".into(), "/app".into()], 1);
    let mut paths: Vec<String> = access
        .into_iter()
        .map(|f| f.location.path.unwrap().to_string())
        .collect();
    paths.sort();
    assert_eq!(paths, ["/usr/bin/sudo", "/var/cache/apk/APKINDEX.1.tar.gz"]);
}
