//! A ConfigMap volume as the kubelet writes it, for the tests of policy reloading (bulwark-policy's `bundle`
//! tests and `bulwark serve`'s, which include this file with `#[path]`).
#![allow(unreachable_pub)]

use std::path::Path;

/// Projects `files` into `dir` as the kubelet's atomic writer projects a ConfigMap volume (kubernetes
/// `pkg/volume/util/atomic_writer.go`, `AtomicWriter.Write`, steps 5–11): the files go into a new hidden
/// `..<UTC yyyy_mm_dd_hh_mm_ss>.<random>` directory (mode 0755, files 0644); each new key's first path element
/// gets a link `<element>` → `..data/<element>`; a link `..data_tmp` → the new directory is renamed over
/// `..data` (the atomic swap); the links of keys no longer present are removed; the previous directory is
/// removed. `version` makes the directory name unique.
#[cfg(unix)]
pub fn kubelet_project(dir: &Path, files: &[(&str, &str)], version: u32) {
    use std::os::unix::fs::{PermissionsExt as _, symlink};
    std::fs::create_dir_all(dir).unwrap();
    let old = std::fs::read_link(dir.join("..data")).ok();
    let name = format!(
        "..2026_12_06_21_00_{version:02}.{}",
        2_718_281_000 + version
    );
    let ts = dir.join(&name);
    std::fs::create_dir(&ts).unwrap();
    std::fs::set_permissions(&ts, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut keys = std::collections::BTreeSet::new();
    for (path, text) in files {
        let p = ts.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        keys.insert(path.split('/').next().unwrap().to_owned());
    }
    for k in &keys {
        if std::fs::read_link(dir.join(k)).is_err() {
            symlink(Path::new("..data").join(k), dir.join(k)).unwrap();
        }
    }
    symlink(&name, dir.join("..data_tmp")).unwrap();
    std::fs::rename(dir.join("..data_tmp"), dir.join("..data")).unwrap();
    if let Some(old) = old {
        for e in std::fs::read_dir(dir.join(&old)).unwrap() {
            let k = e.unwrap().file_name().to_string_lossy().into_owned();
            if !keys.contains(&k) {
                std::fs::remove_file(dir.join(&k)).unwrap();
            }
        }
        std::fs::remove_dir_all(dir.join(old)).unwrap();
    }
}
