//! `bulwark db build` + `bulwark scan image` / `scan sbom` end to end on the fixtures: every expected finding
//! (from Debian's changelogs and the PyPA/npm advisories, `../shared/fixtures/vulndata`) is reported, the gate
//! exits 1, the outputs pass their validators, and a missing DB is an error, not a silent pass.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::{bulwark, fixtures, image, validate};

fn db() -> &'static Path {
    static DB: OnceLock<PathBuf> = OnceLock::new();
    DB.get_or_init(|| {
        // Rebuilt on every run, in cargo's scratch space for integration tests.
        let v = |rel: &str| fixtures().join("vulndata").join(rel);
        common::build_db(
            "fixtures.db",
            &[
                ("--osv", v("osv/PyPI-all.zip")),
                ("--osv", v("osv/Go-all.zip")),
                ("--osv", v("osv/crates.io-all.zip")),
                ("--osv", v("osv/AlmaLinux-all.zip")),
                ("--osv", common::vulndb_testdata("osv-npm")),
                (
                    "--debian",
                    common::vulndb_testdata("debian/bookworm-app-tracker.json"),
                ),
                ("--secdb", v("alpine-secdb")),
                ("--secdb", common::vulndb_testdata("alpine-secdb")),
                ("--kev", v("kev/known_exploited_vulnerabilities.json")),
            ],
        )
    })
}

fn scan(extra: &[&str], target: &str) -> (serde_json::Value, std::process::Output) {
    let d = db().display().to_string();
    let mut a = vec!["scan", "image", "-q", "--db", &d];
    a.extend_from_slice(extra);
    a.push(target);
    let out = bulwark(&a);
    (serde_json::from_slice(&out.stdout).unwrap_or_default(), out)
}

fn ids(r: &serde_json::Value) -> Vec<(String, String)> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "vulnerability")
        .map(|f| {
            (
                f["properties"]["packageName"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                f["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn expected_findings_on_bookworm_app() {
    let (r, out) = scan(&["-f", "json"], &image("bookworm-app-mini.docker.tar"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let found = ids(&r);
    let has = |pkg: &str, id: &str| found.iter().any(|(p, i)| p == pkg && i == id);
    let os: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            fixtures().join("vulndata/debian-bookworm-app-delta/expected-os-findings.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let mut missing = Vec::new();
    let mut n = 0;
    for e in os.as_array().unwrap() {
        for cve in e["cves"].as_array().unwrap() {
            n += 1;
            if !has(e["package"].as_str().unwrap(), cve.as_str().unwrap()) {
                missing.push(format!("{} {}", e["package"], cve));
            }
        }
    }
    let lang: serde_json::Value = serde_json::from_slice(
        &std::fs::read(fixtures().join("vulndata/expected-lang-findings-bookworm-app.json"))
            .unwrap(),
    )
    .unwrap();
    for eco in ["pypi", "npm"] {
        for p in lang[eco].as_array().unwrap() {
            for a in p["advisories"].as_array().unwrap() {
                n += 1;
                if !has(p["name"].as_str().unwrap(), a["id"].as_str().unwrap()) {
                    missing.push(format!("{} {}", p["name"], a["id"]));
                }
            }
        }
    }
    assert!(n > 150, "the expectations are not empty");
    // Every matched report says which DB it used and how old it is.
    assert!(
        r["vulnerabilityDb"]["builtAt"]
            .as_str()
            .is_some_and(|b| b.starts_with("20")),
        "{}",
        r["vulnerabilityDb"]
    );
    assert_eq!(r["vulnerabilityDb"]["ageDays"], 0);
    assert!(
        missing.is_empty(),
        "missing {} of {n}: {missing:#?}",
        missing.len()
    );
    // No cross-ecosystem match: OS findings come from the Debian feed, library ones from OSV.
    for f in r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "vulnerability")
    {
        let t = f["properties"]["packageType"].as_str().unwrap();
        let src = f["properties"]["dataSource"].as_str().unwrap_or("");
        assert_eq!(
            t == "dpkg",
            src.starts_with("debian"),
            "{t} matched from {src}: {f}"
        );
    }
}

#[test]
fn gate_outputs_and_sbom_rematch() {
    let t = tempfile::tempdir().unwrap();
    let target = image("bookworm-app-mini.docker.tar");
    let (_, out) = scan(&["--fail-on", "high", "-f", "json"], &target);
    assert_eq!(out.status.code(), Some(1), "HIGH findings fail the gate");
    let (_, out) = scan(&["--fail-on", "critical", "-f", "json"], &target);
    assert_eq!(
        out.status.code(),
        Some(0),
        "no CRITICAL finding in the fixture data"
    );
    for (fmt, kind) in [
        ("sarif", "sarif"),
        ("junit", "junit"),
        ("cyclonedx", "cyclonedx"),
    ] {
        let f = t.path().join(format!("r.{fmt}"));
        let (_, out) = scan(&["-f", fmt, "-o", f.to_str().unwrap()], &target);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        validate(kind, &f);
    }
    // The SBOM re-matched without the image gives the same findings.
    let sbom = t.path().join("r.cyclonedx");
    let d = db().display().to_string();
    let out = bulwark(&[
        "scan",
        "sbom",
        "-q",
        "--db",
        &d,
        "-f",
        "json",
        sbom.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let from_sbom: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let (direct, _) = scan(&["-f", "json"], &target);
    let mut a = ids(&from_sbom);
    let mut b = ids(&direct);
    a.sort();
    b.sort();
    assert_eq!(a, b);
}

#[test]
fn explain_and_missing_db() {
    let d = db().display().to_string();
    let out = bulwark(&[
        "scan",
        "image",
        "-q",
        "--db",
        &d,
        "--explain",
        "CVE-2018-18074",
        "-f",
        "json",
        &image("bookworm-app-mini.docker.tar"),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("requests") && err.contains("2.19.0") && err.contains("AFFECTED"),
        "{err}"
    );
    let out = bulwark(&[
        "scan",
        "image",
        "-q",
        "--db",
        "/nonexistent/bulwark.db",
        "-f",
        "json",
        &image("alpine314.docker.tar"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("no vulnerability database"));
}

#[test]
fn alpine_secdb_fixes() {
    let (r, out) = scan(&["-f", "json"], &image("alpine314.docker.tar"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let found = ids(&r);
    assert!(
        !found.is_empty(),
        "the hand-checked 3.14 secdb fixture has fixes that apply"
    );
    for f in r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "vulnerability")
    {
        assert_eq!(f["properties"]["packageType"], "apk");
        assert!(
            f["properties"]["dataSource"]
                .as_str()
                .unwrap()
                .contains("secdb"),
            "{f}"
        );
    }
}
