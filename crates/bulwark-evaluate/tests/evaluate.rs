//! End-to-end: a realistic report, the ignore file and OpenVEX document in `testdata/`, the filters and the
//! gate. Expectations follow the documented semantics (crate README; OpenVEX v0.2.0 statuses:
//! not_affected and fixed suppress, affected and under_investigation do not).

use std::collections::BTreeMap;
use std::path::PathBuf;

use bulwark_evaluate::{
    Date, EvalError, Filters, PkgClass, apply, gate, load_ignore, load_vex, parse_ignore,
};
use bulwark_report::{ImageMetadata, Report, Target, TargetKind};
use bulwark_types::{
    DiagnosticLevel, Finding, FindingKind, Location, Package, PackageType, Severity,
};
use serde_json::json;

const IMAGE_DIGEST: &str =
    "sha256:1111111111111111111111111111111111111111111111111111111111111111";

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(name)
}

fn pkg(ty: PackageType, name: &str, version: &str, purl: &str) -> Package {
    let mut p = Package::new(ty, name, version);
    p.purl = purl.into();
    p
}

fn vuln(id: &str, sev: Severity, p: &Package, props: serde_json::Value) -> Finding {
    let mut properties: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    properties.insert("purl".into(), p.purl.clone().into());
    properties.insert("packageName".into(), p.name.clone().into());
    properties.insert("packageType".into(), p.package_type.as_str().into());
    properties.insert("installedVersion".into(), p.version.clone().into());
    if let serde_json::Value::Object(m) = props {
        properties.extend(m);
    }
    Finding {
        kind: FindingKind::Vulnerability,
        id: id.to_owned().into(),
        name: None,
        severity: sev,
        title: format!("{id} in {}", p.name).into(),
        message: String::new().into(),
        location: Location::file(if p.package_type.is_os() {
            "/var/lib/dpkg/status"
        } else {
            "/app/package-lock.json"
        }),
        evidence: None,
        references: vec![],
        shared_properties: None,
        properties,
    }
}

fn secret(path: &str) -> Finding {
    Finding {
        kind: FindingKind::Secret,
        id: "BW-SECRET-0001".into(),
        name: Some("private-key".into()),
        severity: Severity::Critical,
        title: "Private key".into(),
        message: String::new().into(),
        location: Location::file(path).with_line(1, None),
        evidence: None,
        references: vec![],
        shared_properties: None,
        properties: BTreeMap::new(),
    }
}

fn report() -> Report {
    let mut r = Report::new(Target {
        kind: TargetKind::Image,
        name: "registry.example.com/team/app:1.0".into(),
        image: Some(ImageMetadata {
            manifest_digest: Some(IMAGE_DIGEST.into()),
            repo_tags: vec!["registry.example.com/team/app:1.0".into()],
            ..ImageMetadata::default()
        }),
    });
    let openssl = pkg(
        PackageType::Dpkg,
        "openssl",
        "3.0.11-1~deb12u2",
        "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12",
    );
    let zlib = pkg(
        PackageType::Dpkg,
        "zlib1g",
        "1:1.2.13.dfsg-1",
        "pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib",
    );
    let curl = pkg(
        PackageType::Dpkg,
        "libcurl4",
        "7.88.1-10+deb12u5",
        "pkg:deb/debian/libcurl4@7.88.1-10%2Bdeb12u5?arch=amd64&distro=debian-12&upstream=curl",
    );
    let lodash = pkg(
        PackageType::Npm,
        "lodash",
        "4.17.20",
        "pkg:npm/lodash@4.17.20",
    );
    r.findings = vec![
        // 0: VEX statement 1 (image product, openssl subcomponent).
        vuln(
            "CVE-2024-1000",
            Severity::High,
            &openssl,
            json!({"status": "fixed", "fixedVersion": "3.0.13-1~deb12u1"}),
        ),
        // 1: VEX statement 2, matched through the alias.
        vuln(
            "CVE-2021-23337",
            Severity::High,
            &lodash,
            json!({"aliases": ["GHSA-xxxx-yyyy-zzzz"], "fixedVersion": "4.17.21"}),
        ),
        // 2: VEX statement 3 says affected: stays.
        vuln(
            "CVE-2024-2000",
            Severity::High,
            &lodash,
            json!({"status": "affected"}),
        ),
        // 3: statements 5–7 name it, none covers lodash in this image.
        vuln(
            "CVE-2024-3000",
            Severity::Medium,
            &lodash,
            json!({"status": "fixed", "fixedVersion": "4.17.21"}),
        ),
        // 4: ignore entry 1 (id, not yet expired).
        vuln(
            "CVE-2023-0001",
            Severity::Low,
            &zlib,
            json!({"status": "will-not-fix"}),
        ),
        // 5: ignore entry 2 (purl without version).
        vuln(
            "CVE-2023-0002",
            Severity::Medium,
            &zlib,
            json!({"status": "fix-deferred"}),
        ),
        // 6: ignore entry 3 (name glob + id).
        vuln(
            "CVE-2023-0003",
            Severity::Medium,
            &curl,
            json!({"status": "fixed", "fixedVersion": "7.88.1-10+deb12u6"}),
        ),
        // 7: ignore entry 4 (path glob).
        secret("/app/tests/fixtures/key.pem"),
        // 8: same rule, other path: stays.
        secret("/app/config/key.pem"),
        // 9: ignore entry 5 has expired: stays.
        vuln(
            "CVE-2023-0005",
            Severity::Critical,
            &curl,
            json!({"status": "will-not-fix"}),
        ),
    ];
    r.packages = vec![openssl, zlib, curl, lodash];
    r
}

fn today() -> Date {
    "2026-11-23".parse().unwrap()
}

fn ids(r: &Report) -> Vec<String> {
    r.findings
        .iter()
        .map(|f| format!("{}@{}", f.id, f.location.path.as_deref().unwrap_or("")))
        .collect()
}

#[test]
fn ignore_file_and_vex_together() {
    let mut r = report();
    let ignore = load_ignore(testdata("bulwarkignore.yaml")).unwrap();
    let vex = load_vex(testdata("openvex.json")).unwrap();
    let eval = apply(&mut r, &Filters::default(), Some(&ignore), &[vex], today());

    assert_eq!(
        ids(&r),
        [
            "CVE-2024-2000@/app/package-lock.json",
            "CVE-2024-3000@/app/package-lock.json",
            "BW-SECRET-0001@/app/config/key.pem",
            "CVE-2023-0005@/var/lib/dpkg/status",
        ]
    );
    let suppressed: Vec<(&str, &str)> = eval
        .suppressed
        .iter()
        .map(|s| (s.finding.id.as_ref(), s.reason.as_str()))
        .collect();
    let vex_src = testdata("openvex.json").display().to_string();
    let ig_src = testdata("bulwarkignore.yaml").display().to_string();
    assert_eq!(suppressed.len(), 6, "{suppressed:#?}");
    assert_eq!(
        suppressed[0],
        (
            "CVE-2024-1000",
            format!(
                "VEX not_affected (vulnerable_code_not_in_execute_path): {vex_src} statement 1"
            )
            .as_str()
        )
    );
    assert_eq!(
        suppressed[1],
        (
            "CVE-2021-23337",
            format!("VEX fixed: {vex_src} statement 2").as_str()
        )
    );
    assert_eq!(
        suppressed[2],
        (
            "CVE-2023-0001",
            format!("{ig_src}:4: not reachable from our entry points").as_str()
        )
    );
    assert_eq!(
        suppressed[3].1,
        format!("{ig_src}:9: zlib is only used by apt at build time")
    );
    assert_eq!(
        suppressed[4].1,
        format!("{ig_src}:13: curl never talks to untrusted servers here")
    );
    assert_eq!(
        suppressed[5].1,
        format!("{ig_src}:18: test fixtures, not real keys")
    );
    assert_eq!(eval.filtered, 0);

    let msgs: Vec<&str> = eval
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert!(
        eval.diagnostics
            .iter()
            .all(|d| d.level == DiagnosticLevel::Warning)
    );
    assert_eq!(msgs.len(), 6, "{msgs:#?}");
    assert_eq!(
        msgs[0],
        format!(
            "ignore entry {ig_src}:23 (id CVE-2023-0005) expired on 2025-01-31; it no longer suppresses findings; 1 matching finding(s) are reported again"
        )
    );
    assert_eq!(eval.diagnostics[0].location.line, Some(23));
    assert_eq!(
        msgs[1],
        "VEX statement 3 for CVE-2024-2000 (affected) applies to nothing: status affected does not suppress findings (1 matching finding(s) kept)"
    );
    assert_eq!(
        msgs[2],
        "VEX statement 4 for CVE-2099-9999 (not_affected) applies to nothing: no finding in the report has vulnerability CVE-2099-9999"
    );
    assert_eq!(
        msgs[3],
        "VEX statement 5 for CVE-2024-3000 (not_affected) applies to nothing: product purl(s) pkg:pypi/requests@2.31.0 match no package in the report"
    );
    assert!(
        msgs[4].starts_with("VEX statement 6 for CVE-2024-3000 (not_affected) applies to nothing: product pkg:oci/other@")
            && msgs[4].ends_with("is not the scanned image (registry.example.com/team/app:1.0)"),
        "{}",
        msgs[4]
    );
    assert_eq!(
        msgs[5],
        "VEX statement 7 for CVE-2024-3000 (not_affected) applies to nothing: product purl(s) pkg:deb/debian/openssl match packages, but none of them has CVE-2024-3000"
    );
    // Diagnostics also land in the report.
    assert_eq!(r.diagnostics.len(), 6);

    // Gate over what is left: a CRITICAL (the expired exception) and HIGH remain.
    assert!(gate(&r, Some(Severity::Critical)));
    assert!(!gate(&r, None));
}

#[test]
fn expiry_is_inclusive() {
    let ignore = load_ignore(testdata("bulwarkignore.yaml")).unwrap();
    let mut r = report();
    let eval = apply(
        &mut r,
        &Filters::default(),
        Some(&ignore),
        &[],
        "2025-01-31".parse().unwrap(),
    );
    // On its expiry day entry 5 still suppresses, and nothing has expired yet.
    assert!(
        eval.suppressed
            .iter()
            .any(|s| s.finding.id == "CVE-2023-0005")
    );
    assert!(eval.diagnostics.is_empty(), "{:?}", eval.diagnostics);

    // After entry 1's date it stops suppressing CVE-2023-0001, and says so.
    let mut r = report();
    let eval = apply(
        &mut r,
        &Filters::default(),
        Some(&ignore),
        &[],
        "2027-01-01".parse().unwrap(),
    );
    // CVE-2023-0001 is on zlib1g, which entry 2 (no expiry) still covers.
    let s = eval
        .suppressed
        .iter()
        .find(|s| s.finding.id == "CVE-2023-0001")
        .unwrap();
    assert!(
        s.reason
            .ends_with(":9: zlib is only used by apt at build time"),
        "{}",
        s.reason
    );
    assert!(
        eval.diagnostics[0].message.ends_with(
            ":4 (id CVE-2023-0001) expired on 2026-12-31; it no longer suppresses findings"
        ),
        "{}",
        eval.diagnostics[0].message
    );
}

#[test]
fn filters() {
    let base = || {
        let mut r = report();
        // No exceptions: the filters see all ten findings.
        apply(&mut r, &Filters::default(), None, &[], today());
        r
    };

    let mut r = base();
    let f = Filters {
        ignore_unfixed: true,
        ..Filters::default()
    };
    let e = apply(&mut r, &f, None, &[], today());
    // Unfixed: status affected / will-not-fix / fix-deferred. Secrets are not vulnerabilities: kept.
    assert_eq!(
        r.findings.iter().map(|f| f.id.as_ref()).collect::<Vec<_>>(),
        [
            "CVE-2024-1000",
            "CVE-2021-23337",
            "CVE-2024-3000",
            "CVE-2023-0003",
            "BW-SECRET-0001",
            "BW-SECRET-0001"
        ]
    );
    assert_eq!(e.filtered, 4);

    let mut r = base();
    let f = Filters {
        pkg_types: Filters::parse_pkg_types("os").unwrap(),
        ..Filters::default()
    };
    apply(&mut r, &f, None, &[], today());
    assert!(
        r.findings
            .iter()
            .all(|f| f.location.path.as_deref() != Some("/app/package-lock.json"))
    );
    assert_eq!(r.findings.len(), 7);

    let mut r = base();
    let f = Filters {
        severities: Filters::parse_severities("critical, LOW").unwrap(),
        ..Filters::default()
    };
    apply(&mut r, &f, None, &[], today());
    assert_eq!(
        r.findings.iter().map(|f| f.id.as_ref()).collect::<Vec<_>>(),
        [
            "CVE-2023-0001",
            "BW-SECRET-0001",
            "BW-SECRET-0001",
            "CVE-2023-0005"
        ]
    );
    assert!(gate(&r, Some(Severity::High)));

    let mut r = base();
    let f = Filters {
        severities: vec![Severity::Medium],
        pkg_types: vec![PkgClass::Library],
        ..Filters::default()
    };
    apply(&mut r, &f, None, &[], today());
    // MEDIUM and a library: only CVE-2024-3000 on lodash (the secrets are CRITICAL).
    assert_eq!(
        r.findings.iter().map(|f| f.id.as_ref()).collect::<Vec<_>>(),
        ["CVE-2024-3000"]
    );
    assert!(!gate(&r, Some(Severity::High)));
    assert!(gate(&r, Some(Severity::Medium)));

    assert!(Filters::parse_severities("LOW,SEVERE").is_err());
    assert!(Filters::parse_pkg_types("os,kernel").is_err());
}

#[test]
fn malformed_files_name_file_and_line() {
    let dir = std::env::temp_dir().join(format!("bulwark-evaluate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let y = dir.join("bad.yaml");
    std::fs::write(&y, "ignore:\n  - id: CVE-1\n    expires: [2026\n").unwrap();
    let e = load_ignore(&y).unwrap_err();
    assert!(matches!(e, EvalError::Yaml { line: Some(_), .. }), "{e:?}");
    assert!(
        e.to_string().starts_with(&format!("{}:", y.display())),
        "{e}"
    );

    let j = dir.join("bad.json");
    std::fs::write(
        &j,
        "{\"@context\": \"https://openvex.dev/ns/v0.2.0\",\n \"statements\": [,]}",
    )
    .unwrap();
    let e = load_vex(&j).unwrap_err().to_string();
    assert!(e.starts_with(&format!("{}:2:", j.display())), "{e}");

    let e = load_vex(dir.join("missing.json")).unwrap_err().to_string();
    assert!(e.contains("missing.json"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn ignore_without_expiry_and_purl_with_version() {
    let ig = parse_ignore(
        "ignore:\n  - package: pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1\n  - package: pkg:deb/debian/libcurl4@0.0\n",
        "inline",
    )
    .unwrap();
    let mut r = report();
    let e = apply(&mut r, &Filters::default(), Some(&ig), &[], today());
    // The first entry's version equals zlib1g's (percent-decoded); the second names another version.
    assert_eq!(
        e.suppressed
            .iter()
            .map(|s| s.finding.id.as_ref())
            .collect::<Vec<_>>(),
        ["CVE-2023-0001", "CVE-2023-0002"]
    );
    assert_eq!(e.suppressed[0].reason, "inline:2: ignored");
}

/// OpenVEX statements form a sequence: the latest one covering a finding decides, by timestamp (statement, else
/// document), whatever the order the files were given in.
#[test]
fn latest_vex_statement_wins() {
    let base = load_vex(testdata("openvex.json")).unwrap(); // document timestamp 2026-11-01T12:00:00Z
    let later = bulwark_evaluate::parse_vex(
        br#"{"@context":"https://openvex.dev/ns/v0.2.0","timestamp":"2026-11-20T08:00:00+01:00","statements":[
            {"vulnerability":{"name":"CVE-2024-1000"},
             "products":[{"@id":"pkg:deb/debian/openssl"}],
             "status":"affected","action_statement":"upgrade to 3.0.13"}]}"#,
        "later.json",
    )
    .unwrap();
    let earlier = bulwark_evaluate::parse_vex(
        br#"{"@context":"https://openvex.dev/ns/v0.2.0","timestamp":"2026-10-01T00:00:00Z","statements":[
            {"vulnerability":{"name":"CVE-2024-1000"},
             "products":[{"@id":"pkg:deb/debian/openssl"}],
             "status":"under_investigation"}]}"#,
        "earlier.json",
    )
    .unwrap();

    for docs in [
        vec![base.clone(), later.clone()],
        vec![later.clone(), base.clone()],
    ] {
        let mut r = report();
        let e = apply(&mut r, &Filters::default(), None, &docs, today());
        assert!(r.findings.iter().any(|f| f.id == "CVE-2024-1000"));
        assert!(e.suppressed.iter().all(|s| s.finding.id != "CVE-2024-1000"));
        let superseded = "VEX statement 1 for CVE-2024-1000 (not_affected) applies to nothing: a later statement (later.json statement 1) decides the same finding(s)";
        assert!(
            e.diagnostics.iter().any(|d| d.message == superseded),
            "{:#?}",
            e.diagnostics
        );
        assert!(e.diagnostics.iter().any(|d| d.message
            == "VEX statement 1 for CVE-2024-1000 (affected) applies to nothing: status affected does not suppress findings (1 matching finding(s) kept)"));
    }

    // An older document given last does not override a newer statement.
    let mut r = report();
    let e = apply(&mut r, &Filters::default(), None, &[base, earlier], today());
    assert!(e.suppressed.iter().any(|s| s.finding.id == "CVE-2024-1000"));
}
