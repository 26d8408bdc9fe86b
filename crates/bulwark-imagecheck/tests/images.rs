//! Image checks on the real fixture images (/work/shared/fixtures/images, read as ../shared/fixtures from the
//! repository) and on an OCI layout built here.

use std::path::{Path, PathBuf};

use bulwark_imagecheck::{ImageCheckOptions, base_layer_count, check_file_access, check_image};
use bulwark_source::{Image, PlatformSpec, ReadOptions};

fn fixture(name: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/images")
        .join(name);
    p.exists().then_some(p)
}

fn run(name: &str) -> Option<Vec<(String, String)>> {
    let path = fixture(name)?;
    let image = Image::open_archive(&path, None, &PlatformSpec::default()).unwrap();
    let fs = image
        .read_fs(&ReadOptions {
            wanted: &|_| false,
            ..ReadOptions::default()
        })
        .unwrap();
    let layers: Vec<_> = image.layers.iter().map(|l| l.info.clone()).collect();
    let opts = ImageCheckOptions {
        today: Some("2026-11-23".into()),
        ..ImageCheckOptions::default()
    };
    let f = check_image(&image.config, &fs, &layers, &opts);
    Some(
        f.into_iter()
            .map(|f| {
                (
                    f.id.into_owned(),
                    f.location
                        .path
                        .or(f.location.resource)
                        .map(|s| s.to_string())
                        .unwrap_or_default(),
                )
            })
            .collect(),
    )
}

/// bookworm-app: no User and no Healthcheck in its config (see the fixture's config JSON); created 2026-11-22, so
/// not stale; the mini image keeps no apt lists, sudo or setuid binaries.
#[test]
fn bookworm_app_mini() {
    let Some(mut got) = run("bookworm-app-mini.docker.tar") else {
        eprintln!("fixture missing; skipped");
        return;
    };
    got.sort();
    assert_eq!(
        got,
        [
            ("BW-IMG-0001".to_string(), "config.User".to_string()),
            ("BW-IMG-0006".to_string(), "config.Healthcheck".to_string()),
        ]
    );
}

/// The full Alpine 3.14 image: root, no healthcheck, and the two APKINDEX files left in /var/cache/apk
/// (`tar tvf` of its layer lists them).
#[test]
fn alpine314_full() {
    let Some(mut got) = run("alpine314.docker.tar") else {
        return;
    };
    got.sort();
    assert_eq!(
        got,
        [
            ("BW-IMG-0001".to_string(), "config.User".to_string()),
            ("BW-IMG-0006".to_string(), "config.Healthcheck".to_string()),
            ("BW-IMG-0009".to_string(), "/var/cache/apk".to_string()),
        ]
    );
}

/// File access on bookworm-app with the Debian layer as base: layer 1 writes /app and /usr/lib/python3… files,
/// layer 2 rewrites the dpkg status; with /app allowed, the rest are findings.
#[test]
fn bookworm_file_access() {
    let Some(path) = fixture("bookworm-app-mini.docker.tar") else {
        return;
    };
    let image = Image::open_archive(&path, None, &PlatformSpec::default()).unwrap();
    let fs = image.read_fs(&ReadOptions::default()).unwrap();
    let layers: Vec<_> = image.layers.iter().map(|l| l.info.clone()).collect();
    let diff_ids = &image.config.rootfs.diff_ids;
    assert_eq!(base_layer_count(diff_ids, &diff_ids[..1]), Some(1));
    assert_eq!(base_layer_count(&diff_ids[..1], diff_ids), None);
    let f = check_file_access(&fs, &layers, &["/app".to_string()], 1);
    assert!(!f.is_empty());
    assert!(
        f.iter()
            .all(|f| f.id == "BW-IMG-0012" && f.location.layer.as_ref().unwrap().index >= 1)
    );
    assert!(
        f.iter()
            .all(|f| !f.location.path.as_deref().unwrap().starts_with("/app/"))
    );
    // /usr holds many layer-1 files: grouped into one finding for (layer 1, /usr).
    assert!(
        f.iter()
            .any(|f| f.location.path.as_deref() == Some("/usr")
                && f.properties.contains_key("count"))
    );
    let all = check_file_access(&fs, &layers, &["/".to_string()], 0);
    assert!(all.is_empty());
}
