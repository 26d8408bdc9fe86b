//! Differential check against the admission controller's own fixtures.
//!
//! `k8s.io/pod-security-admission` generates, for every policy level and version, pods that must pass and pods
//! that must fail (`test/testdata/{baseline,restricted}/v1.N/{pass,fail}/*.yaml`, written by `TestFixtures`).
//! Those files are not vendored here. Point `BULWARK_PSA_TESTDATA` at a checkout's `test/testdata` folder to run
//! this test; without it the test only reports that it was skipped.
//!
//! A `fail` fixture (named after the upstream check it exercises, `sysctls0.yaml`) must produce a finding of the
//! Bulwark rule(s) implementing that check, at a PSS level at or below the folder's level; a `pass` fixture must
//! produce no PSS finding at or below the folder's level. Findings of Bulwark's non-PSS rules are ignored.

use std::path::{Path, PathBuf};

use bulwark_k8s::pss::{Level, Version};
use bulwark_k8s::{ScanOptions, scan_bytes};

/// Upstream check id (lowercased, as in fixture file names) to the Bulwark rules that implement it. Where a
/// Restricted check overrides a Baseline one (`OverrideCheckIDs`), either rule may report the violation.
fn rules_for(check: &str) -> &'static [&'static str] {
    match check {
        "allowprivilegeescalation" => &["BW-K8S-0014"],
        "apparmorprofile" => &["BW-K8S-0006"],
        "capabilities_baseline" | "capabilities_restricted" => &["BW-K8S-0003", "BW-K8S-0018"],
        "hostnamespaces" => &["BW-K8S-0001"],
        "hostpathvolumes" => &["BW-K8S-0004"],
        "hostports" => &["BW-K8S-0005"],
        "hostprobesandhostlifecycle" => &["BW-K8S-0012"],
        "privileged" => &["BW-K8S-0002"],
        "procmount" | "procmount_restricted" => &["BW-K8S-0008"],
        "restrictedvolumes" => &["BW-K8S-0013", "BW-K8S-0004"],
        "runasnonroot" => &["BW-K8S-0015"],
        "runasuser" => &["BW-K8S-0016"],
        "seccompprofile_baseline" | "seccompprofile_restricted" => &["BW-K8S-0009", "BW-K8S-0017"],
        "selinuxoptions" => &["BW-K8S-0007"],
        "sysctls" => &["BW-K8S-0010"],
        "windowshostprocess" => &["BW-K8S-0011"],
        _ => &[],
    }
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    v.sort();
    v
}

#[test]
fn upstream_fixtures() {
    let Some(root) = std::env::var_os("BULWARK_PSA_TESTDATA") else {
        eprintln!("BULWARK_PSA_TESTDATA not set: upstream PodSecurity fixtures skipped");
        return;
    };
    let root = PathBuf::from(root);
    let mut failures = Vec::new();
    let mut count = 0;
    for level in [Level::Baseline, Level::Restricted] {
        let Ok(rd) = std::fs::read_dir(root.join(level.as_str())) else {
            panic!("{}: no {} folder", root.display(), level.as_str());
        };
        let mut versions: Vec<(Version, PathBuf)> = rd
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                Some((Version::parse(&name)?, e.path()))
            })
            .collect();
        versions.sort();
        for (version, dir) in versions {
            let opts = ScanOptions {
                pss_version: version,
                ..ScanOptions::default()
            };
            for (expect_fail, sub) in [(true, "fail"), (false, "pass")] {
                for f in yaml_files(&dir.join(sub)) {
                    count += 1;
                    let data = std::fs::read(&f).unwrap();
                    let r = scan_bytes(&f.to_string_lossy(), &data, &opts);
                    let stem = f.file_stem().unwrap().to_string_lossy().into_owned();
                    let check = stem.trim_end_matches(|c: char| c.is_ascii_digit());
                    let wanted = rules_for(check);
                    let in_level: Vec<_> = r
                        .findings
                        .iter()
                        .filter(|x| {
                            x.property("pss")
                                .and_then(|p| p["level"].as_str())
                                .and_then(Level::parse)
                                .is_some_and(|l| l <= level)
                        })
                        .collect();
                    let hits: Vec<String> = in_level
                        .iter()
                        .map(|x| format!("{}:{} {}", x.id, x.location.line.unwrap_or(0), x.message))
                        .collect();
                    let ok = if expect_fail {
                        assert!(
                            !wanted.is_empty(),
                            "unknown upstream check {check} ({stem})"
                        );
                        in_level.iter().any(|x| wanted.contains(&x.id.as_ref()))
                    } else {
                        in_level.is_empty()
                    };
                    if !ok {
                        failures.push(format!(
                            "{} {version} {sub}/{}: {hits:?}",
                            level.as_str(),
                            f.file_name().unwrap().to_string_lossy()
                        ));
                    }
                }
            }
        }
    }
    assert!(count > 0, "no fixtures under {}", root.display());
    assert!(
        failures.is_empty(),
        "{} of {count} upstream fixtures disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{count} upstream PodSecurity fixtures agree");
}
