//! Matching against a DB built from every fixture feed, checked against expectations written outside the code:
//! the shared fixtures' expected findings (Debian changelogs, Python `packaging` over the OSV data) and the
//! hand-checked Alpine 3.14 secdb (see `bulwark-vulndb/testdata/README.md`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use bulwark_match::{MatchOptions, match_packages};
use bulwark_source::{Image, PlatformSpec, ReadOptions};
use bulwark_types::{Distro, Finding, Package, PackageType, Severity};
use bulwark_vulndb::{BuildOptions, BuildReport, FeedInput, FeedKind, VulnDb};
use serde_json::Value;

fn fixtures() -> PathBuf {
    std::env::var_os("BULWARK_FIXTURES").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"),
        PathBuf::from,
    )
}

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../bulwark-vulndb/testdata")
}

/// Every feed of the fixtures plus the crate's hand-made ones.
fn all_inputs() -> Vec<FeedInput> {
    let v = fixtures().join("vulndata");
    let mut inputs: Vec<FeedInput> = ["PyPI", "Go", "crates.io", "AlmaLinux"]
        .iter()
        .map(|e| FeedInput::new(FeedKind::Osv, v.join(format!("osv/{e}-all.zip"))))
        .collect();
    inputs.push(FeedInput::new(FeedKind::Osv, testdata().join("osv-npm")));
    inputs.push(FeedInput::new(FeedKind::Secdb, v.join("alpine-secdb")));
    inputs.push(FeedInput::new(
        FeedKind::Secdb,
        testdata().join("alpine-secdb"),
    ));
    inputs.push(FeedInput::new(
        FeedKind::Debian,
        testdata().join("debian/bookworm-app-tracker.json"),
    ));
    inputs.push(FeedInput::new(
        FeedKind::Kev,
        v.join("kev/known_exploited_vulnerabilities.json"),
    ));
    inputs.push(FeedInput::new(FeedKind::Nvd, testdata().join("nvd")));
    inputs.push(FeedInput::new(
        FeedKind::Epss,
        testdata().join("epss/epss_scores-sample.csv.gz"),
    ));
    inputs
}

struct Built {
    _dir: tempfile::TempDir,
    path: PathBuf,
    report: BuildReport,
}

fn built() -> &'static Built {
    static DB: OnceLock<Built> = OnceLock::new();
    DB.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bulwark.db");
        let report = bulwark_vulndb::build(&all_inputs(), &path, &BuildOptions::default())
            .expect("build from fixtures");
        Built {
            _dir: dir,
            path,
            report,
        }
    })
}

fn db() -> VulnDb {
    VulnDb::open(&built().path).unwrap()
}

fn catalog_image(open: impl FnOnce(&PlatformSpec) -> Image) -> bulwark_catalog::Catalog {
    let image = open(&PlatformSpec::default());
    let wanted = bulwark_catalog::wanted;
    let fs = image
        .read_fs(&ReadOptions {
            wanted: &wanted,
            ..ReadOptions::default()
        })
        .unwrap();
    bulwark_catalog::catalog(&fs)
}

fn by_package(findings: &[Finding]) -> BTreeMap<(String, String), &Finding> {
    findings
        .iter()
        .map(|f| {
            (
                (
                    f.properties["packageName"].as_str().unwrap().to_owned(),
                    f.id.to_string(),
                ),
                f,
            )
        })
        .collect()
}

#[test]
fn build_records_every_source() {
    let b = built();
    let names: Vec<&str> = b.report.sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "osv:PyPI-all.zip",
            "osv:Go-all.zip",
            "osv:crates.io-all.zip",
            "osv:AlmaLinux-all.zip",
            "osv:osv-npm",
            "secdb:alpine-secdb",
            "secdb:alpine-secdb#2",
            "debian:bookworm-app-tracker.json",
            "kev:known_exploited_vulnerabilities.json",
            "nvd:nvd",
            "epss:epss_scores-sample.csv.gz"
        ]
    );
    // Counts from the fixtures README: 2,661 PyPI, 4,291 Go, 1,206 RustSec, 5,680 AlmaLinux, 1,404 KEV.
    let count = |n: &str| {
        let s = b.report.sources.iter().find(|s| s.name == n).unwrap();
        s.records + s.withdrawn + s.skipped
    };
    assert_eq!(count("osv:PyPI-all.zip"), 2661);
    assert_eq!(count("osv:Go-all.zip"), 4291);
    assert_eq!(count("osv:crates.io-all.zip"), 1206);
    assert_eq!(count("osv:AlmaLinux-all.zip"), 5680);
    assert_eq!(count("kev:known_exploited_vulnerabilities.json"), 1404);
    let db = db();
    assert_eq!(db.meta().sources, b.report.sources);
    assert!(db.has_namespace("debian:12").unwrap());
    assert!(db.has_namespace("alpine:3.14").unwrap());
    assert!(db.has_namespace("alpine:3.2").unwrap() || db.has_namespace("alpine:3.3").unwrap());
    assert!(db.has_namespace("almalinux:9").unwrap());
    assert!(db.has_namespace("PyPI").unwrap());
    // Aliases are kept and searchable.
    let hits = db.lookup_id("CVE-2018-18074").unwrap();
    assert!(
        hits.contains(&("PYSEC-2018-28".into(), "osv".into())),
        "{hits:?}"
    );
}

#[test]
fn bookworm_app_os_findings_are_all_found() {
    let oci = fixtures().join("images/oci-mini");
    let catalog = catalog_image(|p| Image::open_oci_dir(&oci, Some("bookworm-app"), p).unwrap());
    let distro = catalog.distro.clone().expect("os-release");
    assert_eq!(distro.id, "debian");
    let result = match_packages(
        &db(),
        &catalog.packages,
        Some(&distro),
        &MatchOptions::default(),
    )
    .unwrap();
    let found = by_package(&result.findings);
    let expected: Value = serde_json::from_slice(
        &std::fs::read(
            fixtures().join("vulndata/debian-bookworm-app-delta/expected-os-findings.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let mut checked = 0;
    for e in expected.as_array().unwrap() {
        let package = e["package"].as_str().unwrap();
        for cve in e["cves"].as_array().unwrap() {
            let cve = cve.as_str().unwrap();
            let f = found
                .get(&(package.to_owned(), cve.to_owned()))
                .unwrap_or_else(|| panic!("{package} {cve} not found"));
            assert_eq!(f.properties["installedVersion"], e["installed"]);
            assert_eq!(f.properties["fixedVersion"], e["fixed"]);
            assert_eq!(f.properties["status"], "fixed");
            assert_eq!(f.properties["severitySource"], "debian");
            assert_eq!(f.properties["dataSource"], "debian-security-tracker");
            assert!(
                f.properties["purl"]
                    .as_str()
                    .unwrap()
                    .starts_with("pkg:deb/debian/")
            );
            assert!(matches!(f.severity, Severity::Medium | Severity::High));
            assert!(f.location.layer.is_some(), "layer attribution kept");
            assert_eq!(f.location.path.as_deref(), Some("/var/lib/dpkg/status"));
            checked += 1;
        }
    }
    assert_eq!(checked, 154, "CVE × binary package pairs in the fixture");
    // OS packages only ever match their distro feed.
    assert!(
        result
            .findings
            .iter()
            .all(|f| f.properties["namespace"] == "debian:12"
                || f.properties["packageType"] != "dpkg")
    );
}

/// Language packages: the pip/npm catalogers are being written concurrently; until they land the packages are
/// built from the names and versions in expected-lang-findings-bookworm-app.json. When the catalog already
/// finds them in the image, those catalogued packages are used instead.
#[test]
fn bookworm_app_lang_findings_are_all_found() {
    let expected: Value = serde_json::from_slice(
        &std::fs::read(fixtures().join("vulndata/expected-lang-findings-bookworm-app.json"))
            .unwrap(),
    )
    .unwrap();
    let oci = fixtures().join("images/oci-mini");
    let catalog = catalog_image(|p| Image::open_oci_dir(&oci, Some("bookworm-app"), p).unwrap());
    let mut packages = Vec::new();
    for (eco, ty) in [("pypi", PackageType::Python), ("npm", PackageType::Npm)] {
        for p in expected[eco].as_array().unwrap() {
            let name = p["name"].as_str().unwrap();
            let version = p["version"].as_str().unwrap();
            let catalogued = catalog.packages.iter().find(|c| {
                c.package_type == ty && c.name.eq_ignore_ascii_case(name) && c.version == version
            });
            packages.push(catalogued.cloned().unwrap_or_else(|| {
                let mut pkg = Package::new(ty, name, version);
                pkg.purl = format!("pkg:{}/{name}@{version}", ty.purl_type());
                pkg
            }));
        }
    }
    let result = match_packages(&db(), &packages, None, &MatchOptions::default()).unwrap();
    for eco in ["pypi", "npm"] {
        for p in expected[eco].as_array().unwrap() {
            let name = p["name"].as_str().unwrap();
            let want: BTreeSet<&str> = p["advisories"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["id"].as_str().unwrap())
                .collect();
            let got: BTreeSet<&str> = result
                .findings
                .iter()
                .filter(|f| {
                    f.properties["packageName"]
                        .as_str()
                        .unwrap()
                        .eq_ignore_ascii_case(name)
                })
                .map(|f| f.id.as_ref())
                .collect();
            assert_eq!(got, want, "{eco} {name}");
            for a in p["advisories"].as_array().unwrap() {
                let f = result.findings.iter().find(|f| a["id"] == *f.id).unwrap();
                assert_eq!(f.properties["aliases"], a["aliases"], "{}", f.id);
            }
        }
    }
    let requests = result
        .findings
        .iter()
        .find(|f| f.id == "PYSEC-2018-28")
        .unwrap();
    assert_eq!(requests.properties["fixedVersion"], "2.20.0");
    assert_eq!(requests.properties["status"], "fixed");
    assert_eq!(requests.properties["dataSource"], "osv:PyPI");
    // PYSEC records carry no severity: NVD (the hand-made NVD sample) is the fallback, and says so.
    assert_eq!(requests.properties["severitySource"], "nvd");
    assert_eq!(requests.severity, Severity::High);
    assert_eq!(requests.properties["cvssScore"], 7.5);
    assert_eq!(
        requests.properties["cvssVector"],
        "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"
    );
    assert_eq!(requests.properties["epss"], 0.01234);
    assert_eq!(requests.properties["kev"], false);
    let lodash = result.findings.iter().find(|f| f.id == "npm-493").unwrap();
    assert_eq!(lodash.properties["fixedVersion"], "4.17.11");
}

#[test]
fn alpine314_secdb_fixes_are_found() {
    let tar = fixtures().join("images/alpine314.docker.tar");
    let catalog = catalog_image(|p| Image::open_archive(&tar, None, p).unwrap());
    let distro = catalog.distro.clone().unwrap();
    assert_eq!(distro.version_id.as_deref(), Some("3.14.0"));
    assert_eq!(catalog.packages.len(), 26);
    let result = match_packages(
        &db(),
        &catalog.packages,
        Some(&distro),
        &MatchOptions::default(),
    )
    .unwrap();
    let got: BTreeSet<(String, String, String)> = result
        .findings
        .iter()
        .map(|f| {
            (
                f.properties["packageName"].as_str().unwrap().to_owned(),
                f.id.to_string(),
                f.properties["fixedVersion"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // Hand-checked in testdata/README.md: installed < fixed by apk rules.
    let mut want = BTreeSet::new();
    for pkg in ["busybox", "ssl_client"] {
        for n in 42378..=42386 {
            want.insert((pkg.into(), format!("CVE-2021-{n}"), "1.33.1-r6".into()));
        }
        want.insert((pkg.into(), "CVE-2022-28391".into(), "1.33.1-r7".into()));
    }
    for pkg in ["libcrypto1.1", "libssl1.1"] {
        want.insert((pkg.into(), "CVE-2021-3711".into(), "1.1.1l-r0".into()));
        want.insert((pkg.into(), "CVE-2021-3712".into(), "1.1.1l-r0".into()));
        want.insert((pkg.into(), "CVE-2022-0778".into(), "1.1.1n-r0".into()));
    }
    want.insert(("zlib".into(), "CVE-2018-25032".into(), "1.2.12-r0".into()));
    want.insert(("zlib".into(), "CVE-2022-37434".into(), "1.2.12-r2".into()));
    assert_eq!(got, want);
    for f in &result.findings {
        assert_eq!(f.properties["namespace"], "alpine:3.14");
        assert_eq!(f.properties["status"], "fixed");
    }
    assert!(result.diagnostics.is_empty(), "{:?}", result.diagnostics);
}

#[test]
fn no_cross_ecosystem_matches() {
    let db = db();
    let debian = Distro {
        id: "debian".into(),
        version_id: Some("12".into()),
        ..Distro::default()
    };
    let alpine = Distro {
        id: "alpine".into(),
        version_id: Some("3.14.0".into()),
        ..Distro::default()
    };
    // OS packages named like vulnerable PyPI / npm / Go / crates.io packages, at vulnerable versions.
    let os: Vec<Package> = [
        ("requests", "2.19.0"),
        ("urllib3", "1.23"),
        ("lodash", "4.17.4"),
        ("smallvec", "0.6.0"),
        ("firefox", "1.0-1"),
    ]
    .iter()
    .flat_map(|(n, v)| {
        [PackageType::Dpkg, PackageType::Apk, PackageType::Rpm].map(|t| Package::new(t, *n, *v))
    })
    .collect();
    for distro in [&debian, &alpine] {
        let r = match_packages(&db, &os, Some(distro), &MatchOptions::default()).unwrap();
        assert!(r.findings.is_empty(), "{:?}", r.findings);
    }
    // Language packages named like distro source packages, at versions below every distro fix.
    let lang: Vec<Package> = [
        "expat",
        "openssl",
        "busybox",
        "zlib",
        "python3.11",
        "firefox",
        "libwebp",
    ]
    .iter()
    .flat_map(|n| {
        [
            PackageType::Python,
            PackageType::Npm,
            PackageType::Go,
            PackageType::Cargo,
            PackageType::Gem,
        ]
        .map(|t| Package::new(t, *n, "0.0.1"))
    })
    .collect();
    for distro in [Some(&debian), Some(&alpine), None] {
        let r = match_packages(&db, &lang, distro, &MatchOptions::default()).unwrap();
        for f in &r.findings {
            let ns = f.properties["namespace"].as_str().unwrap();
            assert!(
                ["PyPI", "npm", "Go", "crates.io", "RubyGems"].contains(&ns),
                "{} matched {} from {ns}",
                f.properties["packageName"],
                f.id
            );
            assert_ne!(f.properties["dataSource"], "debian-security-tracker");
        }
    }
}

#[test]
fn almalinux_rpm_with_kev_and_vendor_severity() {
    let alma = Distro {
        id: "almalinux".into(),
        version_id: Some("9.2".into()),
        ..Distro::default()
    };
    let mut pkg = Package::new(PackageType::Rpm, "libwebp", "1.2.0-6.el9");
    pkg.source_name = Some("libwebp".into());
    let r = match_packages(&db(), &[pkg], Some(&alma), &MatchOptions::default()).unwrap();
    let f = r
        .findings
        .iter()
        .find(|f| f.id == "ALSA-2023:5214")
        .expect("ALSA-2023:5214");
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.properties["severitySource"], "almalinux");
    assert_eq!(f.properties["kev"], true);
    assert_eq!(f.properties["kevDateAdded"], "2023-09-13");
    assert_eq!(f.properties["fixedVersion"], "1.2.0-7.el9_2");
    assert!(
        r.findings
            .iter()
            .all(|f| f.properties["namespace"] == "almalinux:9")
    );
    // Not on AlmaLinux 8's errata: the same package on 8 matches only almalinux:8 rules.
    let eight = Distro {
        version_id: Some("8.9".into()),
        ..alma
    };
    let mut pkg = Package::new(PackageType::Rpm, "libwebp", "1.2.0-6.el9");
    pkg.source_name = Some("libwebp".into());
    let r = match_packages(&db(), &[pkg], Some(&eight), &MatchOptions::default()).unwrap();
    assert!(
        r.findings
            .iter()
            .all(|f| f.properties["namespace"] == "almalinux:8")
    );
}

#[test]
fn unknown_release_is_said_once() {
    let trixie = Distro {
        id: "debian".into(),
        version_id: Some("13".into()),
        ..Distro::default()
    };
    let pkgs: Vec<Package> = (0..5)
        .map(|i| Package::new(PackageType::Dpkg, format!("p{i}"), "1.0"))
        .collect();
    let r = match_packages(&db(), &pkgs, Some(&trixie), &MatchOptions::default()).unwrap();
    assert!(r.findings.is_empty());
    assert_eq!(r.diagnostics.len(), 1, "{:?}", r.diagnostics);
    assert!(r.diagnostics[0].message.contains("debian:13"));
    assert!(r.diagnostics[0].message.contains("5 OS packages"));
    let r = match_packages(&db(), &pkgs, None, &MatchOptions::default()).unwrap();
    assert_eq!(r.diagnostics.len(), 1);
    assert!(r.diagnostics[0].message.contains("distro is unknown"));
}

#[test]
fn explain_says_why() {
    let mut requests = Package::new(PackageType::Python, "requests", "2.19.0");
    requests.purl = "pkg:pypi/requests@2.19.0".into();
    let fixed = Package::new(PackageType::Python, "requests", "2.20.0");
    let opts = MatchOptions {
        explain: vec!["CVE-2018-18074".into(), "CVE-1999-0001".into()],
        ..MatchOptions::default()
    };
    let r = match_packages(&db(), &[requests, fixed], None, &opts).unwrap();
    assert_eq!(r.explanations.len(), 2, "{:?}", r.explanations);
    let yes = &r.explanations[0];
    assert!(yes.affected);
    assert_eq!(yes.advisory, "PYSEC-2018-28");
    assert!(
        yes.reason.contains("2.19.0 (pep440) is affected"),
        "{}",
        yes.reason
    );
    let no = &r.explanations[1];
    assert!(!no.affected);
    assert!(no.reason.contains("not affected"), "{}", no.reason);
    assert!(no.reason.contains("fixed 2.20.0"), "{}", no.reason);
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.message.contains("CVE-1999-0001") && d.message.contains("no advisory"))
    );
}

#[test]
fn stale_db_warns_and_max_age_fails() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let month_ago = SystemTime::now() - Duration::from_hours(30 * 24);
    bulwark_vulndb::build(
        &[FeedInput::new(FeedKind::Osv, testdata().join("osv-npm"))],
        &path,
        &BuildOptions {
            built_at: month_ago,
        },
    )
    .unwrap();
    let db = VulnDb::open(&path).unwrap();
    let r = match_packages(&db, &[], None, &MatchOptions::default()).unwrap();
    assert_eq!(r.diagnostics.len(), 1);
    assert!(r.diagnostics[0].message.contains("30 days old"));
    let err = db
        .check_age(Duration::from_hours(7 * 24), SystemTime::now())
        .unwrap_err()
        .to_string();
    assert!(err.contains("bulwark db update"), "{err}");
    db.check_age(Duration::from_hours(60 * 24), SystemTime::now())
        .unwrap();
}

/// Debian tracker statuses reach the findings: open → affected, nodsa → will-not-fix, postponed →
/// fix-deferred, end-of-life; undetermined and `fixed_version: 0` are not reported.
#[test]
fn debian_statuses_become_finding_statuses() {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("tracker.json");
    std::fs::write(
        &feed,
        r#"{"openssl":{
          "CVE-2099-0001":{"releases":{"bookworm":{"status":"open","urgency":"low"}}},
          "CVE-2099-0002":{"releases":{"bookworm":{"status":"open","nodsa":"Minor issue","urgency":"low"}}},
          "CVE-2099-0003":{"releases":{"bookworm":{"status":"open","nodsa":"x","nodsa_reason":"postponed","urgency":"medium"}}},
          "CVE-2099-0004":{"releases":{"bookworm":{"status":"open","urgency":"end-of-life"}}},
          "CVE-2099-0005":{"releases":{"bookworm":{"status":"undetermined"}}},
          "CVE-2099-0006":{"releases":{"bookworm":{"status":"resolved","fixed_version":"0"}}},
          "CVE-2099-0007":{"releases":{"bookworm":{"status":"resolved","fixed_version":"3.0.1-1","urgency":"high"}}}
        }}"#,
    )
    .unwrap();
    let path = dir.path().join("t.db");
    bulwark_vulndb::build(
        &[FeedInput::new(FeedKind::Debian, &feed)],
        &path,
        &BuildOptions::default(),
    )
    .unwrap();
    let db = VulnDb::open(&path).unwrap();
    let mut pkg = Package::new(PackageType::Dpkg, "libssl3", "3.0.20-1~deb12u2");
    pkg.source_name = Some("openssl".into());
    let debian = Distro {
        id: "debian".into(),
        version_id: Some("12".into()),
        ..Distro::default()
    };
    let r = match_packages(&db, &[pkg], Some(&debian), &MatchOptions::default()).unwrap();
    let got: BTreeMap<&str, (&str, Severity, bool)> = r
        .findings
        .iter()
        .map(|f| {
            (
                f.id.as_ref(),
                (
                    f.properties["status"].as_str().unwrap(),
                    f.severity,
                    f.properties.contains_key("fixedVersion"),
                ),
            )
        })
        .collect();
    let want: BTreeMap<&str, (&str, Severity, bool)> = [
        ("CVE-2099-0001", ("affected", Severity::Low, false)),
        ("CVE-2099-0002", ("will-not-fix", Severity::Low, false)),
        ("CVE-2099-0003", ("fix-deferred", Severity::Medium, false)),
        ("CVE-2099-0004", ("end-of-life", Severity::Unknown, false)),
    ]
    .into_iter()
    .collect();
    assert_eq!(
        got, want,
        "3.0.20 is above the 3.0.1-1 fix, so CVE-2099-0007 is not reported"
    );
}
