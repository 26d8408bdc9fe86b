//! SBOMs written by the real syft 1.18.1 and trivy 0.59.1 (see `testdata/README.md`), read back and compared
//! with each tool's own package list (its native JSON output, flattened to `testdata/*.packages.tsv`) and with
//! the dpkg/apk truth files of the same images (`crates/bulwark/tests/truth/`, from dpkg-query and the apk DB).

use std::collections::BTreeMap;
use std::path::PathBuf;

use bulwark_sbom::{SbomFormat, read_sbom};
use bulwark_types::{Package, PackageType};

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(name)
}

fn tool_type(t: &str) -> PackageType {
    // syft `artifacts[].type` | trivy `Results[].Type`
    match t {
        "apk" | "alpine" => PackageType::Apk,
        "deb" | "debian" => PackageType::Dpkg,
        "python" | "python-pkg" => PackageType::Python,
        "npm" | "node-pkg" => PackageType::Npm,
        other => panic!("tool type {other} not in the fixtures"),
    }
}

/// `type\tname\tversion` lines from the tool's own JSON, as (PackageType, name, version), sorted.
fn tool_list(file: &str) -> Vec<(PackageType, String, String)> {
    let text = std::fs::read_to_string(testdata(file)).unwrap();
    let mut v: Vec<_> = text
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (tool_type(f[0]), f[1].to_string(), f[2].to_string())
        })
        .collect();
    v.sort();
    v
}

fn read_list(packages: &[Package]) -> Vec<(PackageType, String, String)> {
    let mut v: Vec<_> = packages
        .iter()
        .map(|p| (p.package_type, p.name.clone(), p.version.clone()))
        .collect();
    v.sort();
    v
}

/// name → (version, arch, source name, source version) from a truth TSV.
fn truth(file: &str) -> BTreeMap<String, (String, String, String, String)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../bulwark/tests/truth")
        .join(file);
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (
                f[0].to_string(),
                (f[1].into(), f[2].into(), f[3].into(), f[4].into()),
            )
        })
        .collect()
}

fn check_os_against_truth(packages: &[Package], truth_file: &str) {
    let truth = truth(truth_file);
    let os: Vec<&Package> = packages.iter().filter(|p| p.package_type.is_os()).collect();
    assert_eq!(os.len(), truth.len(), "{truth_file}");
    for p in os {
        let (version, arch, src, src_version) = &truth[&p.name];
        assert_eq!(&p.version, version, "{}", p.name);
        assert_eq!(p.arch.as_deref(), Some(arch.as_str()), "{}", p.name);
        assert_eq!(p.source_or_name(), src, "{}", p.name);
        assert_eq!(
            p.source_version.as_deref().unwrap_or(&p.version),
            src_version,
            "{}",
            p.name
        );
    }
}

#[test]
fn syft_cyclonedx_alpine() {
    let s = read_sbom(testdata("syft-alpine314.cdx.json")).unwrap();
    assert_eq!(s.format, SbomFormat::CycloneDx);
    assert_eq!(s.tool.as_deref(), Some("syft 1.18.1"));
    assert_eq!(
        read_list(&s.packages),
        tool_list("syft-alpine314.packages.tsv")
    );
    let d = s.distro.unwrap();
    assert_eq!(d.id, "alpine");
    assert_eq!(d.version_id.as_deref(), Some("3.14.0"));
    assert_eq!(d.pretty_name.as_deref(), Some("Alpine Linux v3.14"));
    check_os_against_truth(&s.packages, "alpine314.docker.tsv");
    assert!(
        s.packages
            .iter()
            .all(|p| p.found_in.as_deref() == Some("/lib/apk/db/installed"))
    );
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
}

#[test]
fn syft_spdx_alpine() {
    let s = read_sbom(testdata("syft-alpine314.spdx.json")).unwrap();
    assert_eq!(s.format, SbomFormat::Spdx);
    assert_eq!(s.tool.as_deref(), Some("syft 1.18.1"));
    assert_eq!(
        read_list(&s.packages),
        tool_list("syft-alpine314.packages.tsv")
    );
    // No OS package in syft's SPDX: the distro comes from the purls' `distro=alpine-3.14.0`.
    let d = s.distro.unwrap();
    assert_eq!(
        (d.id.as_str(), d.version_id.as_deref()),
        ("alpine", Some("3.14.0"))
    );
    check_os_against_truth(&s.packages, "alpine314.docker.tsv");
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
}

#[test]
fn trivy_cyclonedx_alpine() {
    let s = read_sbom(testdata("trivy-alpine314.cdx.json")).unwrap();
    assert_eq!(s.tool.as_deref(), Some("trivy 0.59.1"));
    assert_eq!(
        read_list(&s.packages),
        tool_list("trivy-alpine314.packages.tsv")
    );
    let d = s.distro.unwrap();
    assert_eq!(
        (d.id.as_str(), d.version_id.as_deref()),
        ("alpine", Some("3.14.0"))
    );
    check_os_against_truth(&s.packages, "alpine314.docker.tsv");
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
}

#[test]
fn trivy_spdx_alpine() {
    let s = read_sbom(testdata("trivy-alpine314.spdx.json")).unwrap();
    assert_eq!(s.format, SbomFormat::Spdx);
    assert_eq!(s.tool.as_deref(), Some("trivy 0.59.1"));
    assert_eq!(
        read_list(&s.packages),
        tool_list("trivy-alpine314.packages.tsv")
    );
    let d = s.distro.unwrap();
    assert_eq!(
        (d.id.as_str(), d.version_id.as_deref()),
        ("alpine", Some("3.14.0"))
    );
    check_os_against_truth(&s.packages, "alpine314.docker.tsv");
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
}

#[test]
fn syft_cyclonedx_debian_with_language_packages() {
    let s = read_sbom(testdata("syft-bookworm-app-mini.cdx.json")).unwrap();
    assert_eq!(
        read_list(&s.packages),
        tool_list("syft-bookworm-app-mini.packages.tsv")
    );
    let d = s.distro.unwrap();
    assert_eq!(
        (d.id.as_str(), d.version_id.as_deref()),
        ("debian", Some("12"))
    );
    // Source packages from syft's `upstream=name@version` qualifiers.
    check_os_against_truth(&s.packages, "bookworm-app-mini.docker.tsv");
    // Found-in: the dpkg database among syft's evidence locations; the manifest for language packages.
    let found = |name: &str| {
        s.packages
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.found_in.clone())
    };
    assert_eq!(found("bash").as_deref(), Some("/var/lib/dpkg/status"));
    assert_eq!(
        found("lodash").as_deref(),
        Some("/app/node_modules/lodash/package.json")
    );
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
}

#[test]
fn trivy_spdx_debian_with_language_packages() {
    let s = read_sbom(testdata("trivy-bookworm-app-mini.spdx.json")).unwrap();
    assert_eq!(
        read_list(&s.packages),
        tool_list("trivy-bookworm-app-mini.packages.tsv")
    );
    let d = s.distro.unwrap();
    // trivy reads /etc/debian_version (12.15) where syft reads os-release VERSION_ID (12).
    assert_eq!(
        (d.id.as_str(), d.version_id.as_deref()),
        ("debian", Some("12.15"))
    );
    // Epochs come from trivy's `epoch=` purl qualifier and versionInfo; source packages from "built package from".
    check_os_against_truth(&s.packages, "bookworm-app-mini.docker.tsv");
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
}

#[test]
fn malformed_input_names_file_and_line() {
    let dir = std::env::temp_dir().join(format!("bulwark-sbom-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("broken.cdx.json");
    std::fs::write(
        &f,
        "{\n  \"bomFormat\": \"CycloneDX\",\n  \"components\": [\n    {\"name\": }\n  ]\n}\n",
    )
    .unwrap();
    let e = read_sbom(&f).unwrap_err().to_string();
    assert!(e.starts_with(&format!("{}:4:", f.display())), "{e}");

    let f = dir.join("other.json");
    std::fs::write(&f, "{\"hello\": 1}").unwrap();
    let e = read_sbom(&f).unwrap_err().to_string();
    assert!(
        e.contains("neither a CycloneDX BOM") && e.contains("other.json"),
        "{e}"
    );

    let f = dir.join("wrongtype.json");
    std::fs::write(&f, "{\"bomFormat\": \"CycloneDX\", \"components\": {}}").unwrap();
    let e = read_sbom(&f).unwrap_err().to_string();
    assert!(e.contains("wrongtype.json:1:"), "{e}");

    let e = read_sbom(dir.join("missing.json")).unwrap_err().to_string();
    assert!(e.contains("missing.json"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn skipped_components_are_reported() {
    let json = br#"{"bomFormat":"CycloneDX","specVersion":"1.4","components":[
        {"type":"library","name":"a","version":"1","purl":"pkg:generic/a@1"},
        {"type":"library","name":"b","version":"1"},
        {"type":"library","name":"c","version":"2","purl":"pkg:npm/c@2","components":[
            {"type":"library","name":"d","version":"3","purl":"pkg:cargo/d@3"}]}],
        "metadata":{"component":{"type":"application","name":"app","components":[
            {"type":"library","name":"e","version":"4","purl":"pkg:gem/e@4"}]}}}"#;
    let s = bulwark_sbom::parse_sbom(json, "x.json").unwrap();
    assert_eq!(
        read_list(&s.packages),
        [
            (PackageType::Npm, "c".to_string(), "2".to_string()),
            (PackageType::Cargo, "d".to_string(), "3".to_string()),
            (PackageType::Gem, "e".to_string(), "4".to_string()),
        ]
    );
    let msgs: Vec<&str> = s.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert!(msgs[0].contains("1 component(s) without a package URL") && msgs[0].contains('b'));
    assert!(msgs[1].contains("generic (1)"));
}
