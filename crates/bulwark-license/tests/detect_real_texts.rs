//! License text detection on real texts on this machine: Debian's `/usr/share/common-licenses` (the file name
//! is the truth) and the license files of the crates in the cargo registry (their `Cargo.toml` `license` field
//! is the truth: every id a crate's license files are detected as must appear in its declared expression).

mod common;

use std::path::Path;

use bulwark_license::detect::{detect, is_license_file};

fn family(id: &str) -> &str {
    id.trim_end_matches("-only")
        .trim_end_matches("-or-later")
        .trim_end_matches('+')
}

#[test]
fn debian_common_licenses() {
    let dir = Path::new("/usr/share/common-licenses");
    if !dir.exists() {
        common::missing("/usr/share/common-licenses (package base-files)");
        return;
    }
    // Debian file name → the SPDX id of the text (a bare GNU text is reported -only).
    let expected = [
        ("Apache-2.0", "Apache-2.0"),
        ("Artistic", "Artistic-1.0-Perl"),
        ("BSD", "BSD-3-Clause"),
        ("CC0-1.0", "CC0-1.0"),
        ("GFDL-1.2", "GFDL-1.2-only"),
        ("GFDL-1.3", "GFDL-1.3-only"),
        ("GPL-1", "GPL-1.0-only"),
        ("GPL-2", "GPL-2.0-only"),
        ("GPL-3", "GPL-3.0-only"),
        ("LGPL-2", "LGPL-2.0-only"),
        ("LGPL-2.1", "LGPL-2.1-only"),
        ("LGPL-3", "LGPL-3.0-only"),
        ("MPL-1.1", "MPL-1.1"),
        ("MPL-2.0", "MPL-2.0"),
    ];
    let mut checked = 0;
    for (file, id) in expected {
        let Ok(text) = std::fs::read_to_string(dir.join(file)) else {
            continue;
        };
        let found: Vec<&str> = detect(&text).iter().map(|d| d.id).collect();
        // The LGPL-3 text is an addendum to the GPL-3 and names it; otherwise each text is one license.
        assert_eq!(found.first().copied(), Some(id), "{file}: {found:?}");
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} texts found");
}

#[test]
fn cargo_registry_license_files_agree_with_cargo_toml() {
    let home = std::env::var_os("CARGO_HOME").map_or_else(
        || Path::new(&std::env::var("HOME").unwrap()).join(".cargo"),
        Into::into,
    );
    let Ok(regs) = std::fs::read_dir(home.join("registry/src")) else {
        common::missing("a cargo registry source cache");
        return;
    };
    let (mut files, mut detected, mut wrong) = (0, 0, Vec::new());
    for reg in regs.flatten() {
        for krate in std::fs::read_dir(reg.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let Ok(toml) = std::fs::read_to_string(krate.path().join("Cargo.toml")) else {
                continue;
            };
            let Some(declared) = toml
                .lines()
                .find_map(|l| l.strip_prefix("license = \""))
                .map(|l| l.trim_end_matches('"'))
            else {
                continue;
            };
            let declared = bulwark_license::normalize(declared);
            let ids: Vec<String> = declared
                .requirements()
                .iter()
                .map(|r| family(r.license.as_str()).to_string())
                .collect();
            for f in std::fs::read_dir(krate.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                let name = f.file_name().to_string_lossy().into_owned();
                if !is_license_file(&name) || name.to_ascii_lowercase().starts_with("notice") {
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(f.path()) else {
                    continue;
                };
                files += 1;
                let found = detect(&text);
                if !found.is_empty() {
                    detected += 1;
                }
                for d in found {
                    if !ids.iter().any(|i| i == family(d.id)) {
                        wrong.push(format!(
                            "{}/{name}: detected {} but Cargo.toml says {declared}",
                            krate.file_name().to_string_lossy(),
                            d.id
                        ));
                    }
                }
            }
        }
    }
    eprintln!(
        "{files} license files, {detected} with a detection, {} disagreements",
        wrong.len()
    );
    if files < 20 {
        common::missing("at least 20 crate license files in the cargo registry");
        return;
    }
    // Crates bundle third-party texts (e.g. a vendored C library's license) that their own field does not name;
    // allow a few, and show them.
    assert!(wrong.len() * 50 <= files, "{wrong:#?}");
    assert!(
        detected * 10 >= files * 8,
        "only {detected} of {files} license files detected"
    );
}
