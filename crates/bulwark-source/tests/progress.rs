//! The layer progress hook reports every layer, ending at the layer's stored size. Sizes come from outside our
//! code: Python's `tarfile` for the members of a docker-archive, the file system for OCI layout blobs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use bulwark_source::{Image, PlatformSpec, ReadOptions};

fn fixture(name: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/images")
        .join(name);
    if !p.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "fixture {} missing under CI",
            p.display()
        );
        return None;
    }
    Some(p)
}

/// Last `(done, total)` reported per layer index.
fn progress_of(image: &Image, verify: bool) -> BTreeMap<usize, (u64, u64)> {
    let seen = Mutex::new(BTreeMap::new());
    let report = |i: usize, done: u64, total: u64| {
        seen.lock().unwrap().insert(i, (done, total));
    };
    image
        .read_fs(&ReadOptions {
            verify_digests: verify,
            progress: Some(&report),
            ..ReadOptions::default()
        })
        .unwrap();
    seen.into_inner().unwrap()
}

#[test]
fn docker_archive_layers_report_their_tar_member_size() {
    let Some(path) = fixture("bookworm-app-mini.docker.tar") else {
        return;
    };
    // The layer members' sizes, in manifest order, as Python's tarfile reads them.
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import json,sys,tarfile\n\
             t=tarfile.open(sys.argv[1])\n\
             m=json.load(t.extractfile('manifest.json'))[0]\n\
             for l in m['Layers']:\n\
             \x20   i=t.getmember(l)\n\
             \x20   while i.issym() or i.islnk():\n\
             \x20       import posixpath\n\
             \x20       i=t.getmember(posixpath.normpath(posixpath.join(posixpath.dirname(i.name), i.linkname)) if i.issym() else i.linkname)\n\
             \x20   print(i.size)",
        )
        .arg(&path)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sizes: Vec<u64> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    let image = Image::open_archive(&path, None, &PlatformSpec::default()).unwrap();
    let seen = progress_of(&image, true);
    let expected: BTreeMap<usize, (u64, u64)> = sizes
        .iter()
        .enumerate()
        .map(|(i, &s)| (i, (s, s)))
        .collect();
    assert_eq!(seen, expected);
}

#[test]
fn oci_layout_layers_report_their_blob_size() {
    let Some(dir) = fixture("oci-mini") else {
        return;
    };
    let image = Image::open_oci_dir(&dir, Some("bookworm-app"), &PlatformSpec::default()).unwrap();
    let seen = progress_of(&image, true);
    assert_eq!(seen.len(), image.layers.len());
    for l in &image.layers {
        let digest = l.info.digest.as_deref().unwrap();
        let blob = dir
            .join("blobs/sha256")
            .join(digest.trim_start_matches("sha256:"));
        let size = std::fs::metadata(&blob).unwrap().len();
        assert_eq!(seen[&l.info.index], (size, size), "layer {}", l.info.index);
    }
}
