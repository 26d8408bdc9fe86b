//! `--deny-license` end to end on bookworm-app: exactly the dpkg packages whose copyright file declares a
//! `GPL-3` (GPL-3.0-only) license paragraph are flagged. Truth: python-debian's DEP-5 parser over the
//! umoci-unpacked image (crates/bulwark-license/testdata/generate.sh), never Bulwark's own output.

mod common;

use std::collections::BTreeSet;

use common::{bulwark, image};

fn truth() -> serde_json::Value {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../bulwark-license/testdata/bookworm-app-copyright.json");
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

fn scan(extra: &[&str]) -> (serde_json::Value, i32) {
    let target = image("oci-mini:bookworm-app");
    let mut args = vec![
        "scan",
        "image",
        target.as_str(),
        "--no-vulns",
        "--skip-secrets",
        "--skip-image-checks",
        "-q",
        "-f",
        "json",
    ];
    args.extend_from_slice(extra);
    let out = bulwark(&args);
    let code = out.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (serde_json::from_slice(&out.stdout).unwrap(), code)
}

fn flagged(report: &serde_json::Value) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "license")
        .map(|f| f["properties"]["packageName"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn deny_gpl3_only_flags_exactly_the_packages_whose_copyright_declares_it() {
    let truth = truth();
    let expected: BTreeSet<String> = truth
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, v)| {
            v["licenses"].as_array().is_some_and(|l| {
                l.iter().any(|s| {
                    matches!(
                        s.as_str().unwrap().trim().to_ascii_lowercase().as_str(),
                        "gpl-3" | "gpl-3.0" | "gpl-3.0-only"
                    )
                })
            })
        })
        .map(|(k, _)| k.clone())
        .collect();
    assert!(expected.len() >= 5, "{expected:?}");
    let (report, code) = scan(&["--deny-license", "GPL-3.0-only"]);
    assert_eq!(flagged(&report), expected);
    assert_eq!(code, 0, "no --fail-on: findings alone do not fail the scan");
    // The gate: denied strong copyleft is HIGH.
    let (_, code) = scan(&["--deny-license", "GPL-3.0-only", "--fail-on", "high"]);
    assert_eq!(code, 1);
    // Every dpkg package with a machine-readable copyright has an expression made of SPDX ids or LicenseRefs.
    for p in report["packages"].as_array().unwrap() {
        if p["type"] != "dpkg" {
            continue;
        }
        let name = p["name"].as_str().unwrap();
        if truth[name]["machineReadable"] == true {
            let e = p["licenseExpression"]
                .as_str()
                .unwrap_or_else(|| panic!("{name}"));
            assert!(!e.is_empty(), "{name}");
        }
    }
    // Without a policy there are no license findings.
    let (report, _) = scan(&[]);
    assert!(flagged(&report).is_empty());
}

#[test]
fn a_policy_file_with_an_exception_exempts_a_package() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("licenses.yaml");
    std::fs::write(
        &policy,
        "deny: [GPL-3.0-only]\nexceptions:\n  - package: libicu72\n    reason: accepted by legal\n",
    )
    .unwrap();
    let (report, _) = scan(&["--license-policy", policy.to_str().unwrap()]);
    let f = flagged(&report);
    assert!(!f.contains("libicu72"), "{f:?}");
    assert!(f.contains("python3-wheel"), "{f:?}");
    std::fs::write(&policy, "deny: [GPL-3.0-only]\nbogus: 1\n").unwrap();
    let out = bulwark(&[
        "scan",
        "image",
        &image("oci-mini:bookworm-app"),
        "--no-vulns",
        "-q",
        "--license-policy",
        policy.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("licenses.yaml"));
}

/// License files of a repository: Debian's `/usr/share/common-licenses` texts (the file name says which license
/// each is) are recognised, dependency directories are left to package metadata, and a denied text is a finding.
#[test]
fn scan_fs_reports_license_files_and_applies_the_policy() {
    let common = std::path::Path::new("/usr/share/common-licenses");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("lib/node_modules/dep")).unwrap();
    std::fs::copy(common.join("GPL-3"), d.join("COPYING")).unwrap();
    std::fs::copy(common.join("Apache-2.0"), d.join("lib/LICENSE.txt")).unwrap();
    std::fs::copy(common.join("GPL-2"), d.join("lib/node_modules/dep/LICENSE")).unwrap();
    let out = bulwark(&[
        "scan",
        "fs",
        d.to_str().unwrap(),
        "--no-vulns",
        "-q",
        "-f",
        "json",
        "--deny-license",
        "GPL-3.0-only",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files: Vec<(String, Vec<String>)> = r["licenseFiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["licenses"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|l| l.as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        files,
        [
            ("COPYING".to_owned(), vec!["GPL-3.0-only".to_owned()]),
            ("lib/LICENSE.txt".to_owned(), vec!["Apache-2.0".to_owned()]),
        ]
    );
    let denied: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "license")
        .map(|f| f["location"]["path"].as_str().unwrap())
        .collect();
    assert_eq!(denied, ["COPYING"]);
}
