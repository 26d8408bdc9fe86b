//! Shared by the CI-integration tests (ci_gitlab.rs, ci_jenkins.rs): the fixture DB and image, policy bundles that
//! pass and fail, running shell lines with the built `bulwark` first on PATH, and schema validation.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::common;

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The fixture DB: Debian's security tracker extract for the bookworm image and the PyPA advisories (OSV).
pub fn db() -> &'static Path {
    static DB: OnceLock<PathBuf> = OnceLock::new();
    DB.get_or_init(|| {
        // One DB per test binary: ci_gitlab and ci_jenkins may run at the same time.
        common::build_db(
            &format!("ci-{}.db", env!("CARGO_CRATE_NAME")),
            &[
                (
                    "--debian",
                    common::vulndb_testdata("debian/bookworm-app-tracker.json"),
                ),
                (
                    "--osv",
                    common::fixtures().join("vulndata/osv/PyPI-all.zip"),
                ),
            ],
        )
    })
}

/// The bookworm image fixture (`docker save` archive) whose expected OS findings are in
/// `vulndata/debian-bookworm-app-delta/expected-os-findings.json`.
pub fn image() -> String {
    common::image("bookworm-app-mini.docker.tar")
}

/// Writes a policy bundle directory with one rule: `fails` selects every vulnerability of LOW or above (the
/// fixtures have many), otherwise only ids that cannot exist (`CVE-1900-*`), so the verdict passes.
pub fn policy(dir: &Path, fails: bool) -> PathBuf {
    let b = dir.join(if fails { "policy-fail" } else { "policy-pass" });
    std::fs::create_dir_all(&b).unwrap();
    let select = if fails {
        "{ids: [\"*\"]}"
    } else {
        "{ids: [\"CVE-1900-*\"]}"
    };
    std::fs::write(
        b.join("rules.yaml"),
        format!(
            "apiVersion: policy.bulwark.dev/v1\nkind: PolicySet\nmetadata:\n  name: ci\nrules:\n  - id: no-vulns\n    \
             description: test rule\n    stages: {{build: fail, release: fail, deploy: fail}}\n    vulnerabilities: {select}\n"
        ),
    )
    .unwrap();
    b
}

/// A `Command` for `program` in `cwd` whose PATH starts with the directory of the `bulwark` cargo built, whose
/// HOME is `cwd` (no cache of the machine is read or written) and with no inherited `BULWARK_*` variable.
pub fn shell(program: &str, cwd: &Path) -> Command {
    let bin = Path::new(env!("CARGO_BIN_EXE_bulwark")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut c = Command::new(program);
    c.current_dir(cwd).env("PATH", path).env("HOME", cwd);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("BULWARK_") {
            c.env_remove(k);
        }
    }
    c
}

/// GitLab's report schema `file` (15.1.0) from the directory `$BULWARK_GITLAB_SCHEMAS/15.1.0`, or `None` (with
/// the reason printed) when the variable is not set: the schemas are published only in GitLab's repository and
/// as a Ruby gem, neither of which this project's machines reach, and data fetched from elsewhere is not
/// committed (see fixtures/gitlab-report-schemas/README.md for where to get them).
pub fn gitlab_schema(file: &str) -> Option<std::path::PathBuf> {
    let Some(dir) = std::env::var_os("BULWARK_GITLAB_SCHEMAS") else {
        eprintln!(
            "SKIPPED: validation against GitLab's {file}: set BULWARK_GITLAB_SCHEMAS to a directory holding \
             15.1.0/{file} (tests/fixtures/gitlab-report-schemas/README.md says where to get it)"
        );
        return None;
    };
    Some(Path::new(&dir).join("15.1.0").join(file))
}

/// Validates `doc` against GitLab's report schema `file` (15.1.0, see [`gitlab_schema`]) with python-jsonschema;
/// fails the test with every error.
pub fn validate_gitlab(file: &str, doc: &Path) {
    let Some(schema) = gitlab_schema(file) else {
        return;
    };
    let out = Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ci/validate_jsonschema.py"))
        .arg(&schema)
        .arg(doc)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{} does not validate against {file}:\n{}{}",
        doc.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The schema's `yyyy-mm-ddThh:mm:ss`.
pub fn is_schema_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 19
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        })
}

/// Checks a GitLab report against the JSON report of the same scan, finding by finding: every vulnerability
/// finding is there once with its id as the primary identifier (CVE ids linked to NVD), its package, installed
/// version, severity in GitLab's names, and its fixed version in the solution; and the scan block is Bulwark's.
pub fn check_against_scan(gl: &serde_json::Value, json: &serde_json::Value, scan_type: &str) {
    assert_eq!(gl["version"], "15.1.0");
    let scan = &gl["scan"];
    assert_eq!(scan["type"], scan_type);
    assert_eq!(scan["status"], "success");
    for who in ["analyzer", "scanner"] {
        assert_eq!(scan[who]["id"], "bulwark");
        assert_eq!(scan[who]["vendor"]["name"], "Bulwark");
        assert_eq!(scan[who]["version"], json["tool"]["version"]);
    }
    for t in ["start_time", "end_time"] {
        assert!(
            is_schema_time(scan[t].as_str().unwrap()),
            "{t}: {}",
            scan[t]
        );
    }
    assert!(scan["start_time"].as_str() <= scan["end_time"].as_str());
    let title = |s: &str| {
        let mut c = s.chars();
        c.next()
            .map(|f| f.to_string() + &c.as_str().to_ascii_lowercase())
            .unwrap_or_default()
    };
    let expected: Vec<&serde_json::Value> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "vulnerability")
        .collect();
    let vulns = gl["vulnerabilities"].as_array().unwrap();
    assert_eq!(
        vulns.len(),
        expected.len(),
        "one GitLab vulnerability per finding"
    );
    assert!(!vulns.is_empty(), "the fixture has vulnerabilities");
    let mut ids = std::collections::HashSet::new();
    for (v, f) in vulns.iter().zip(&expected) {
        assert!(
            ids.insert(v["id"].as_str().unwrap().to_string()),
            "unique ids"
        );
        let id = f["id"].as_str().unwrap();
        assert_eq!(v["identifiers"][0]["value"], id);
        assert_eq!(v["identifiers"][0]["name"], id);
        if id.starts_with("CVE-") {
            assert_eq!(v["identifiers"][0]["type"], "cve");
            assert_eq!(
                v["identifiers"][0]["url"],
                format!("https://nvd.nist.gov/vuln/detail/{id}")
            );
        }
        let p = &f["properties"];
        let dep = &v["location"]["dependency"];
        assert_eq!(dep["package"]["name"], p["packageName"], "{id}");
        assert_eq!(dep["version"], p["installedVersion"], "{id}");
        assert_eq!(
            v["severity"].as_str().unwrap(),
            title(f["severity"].as_str().unwrap()),
            "{id}"
        );
        match p["fixedVersion"].as_str() {
            Some(fixed) => assert!(
                v["solution"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!(" to {fixed}")),
                "{id}: {}",
                v["solution"]
            ),
            None => assert!(v.get("solution").is_none()),
        }
    }
}
