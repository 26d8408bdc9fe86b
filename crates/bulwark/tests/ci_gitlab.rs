//! The GitLab CI template (integrations/gitlab/bulwark.gitlab-ci.yml), run as GitLab would run its jobs: the YAML
//! is read with PyYAML, `extends:` and `variables:` are resolved (tests/ci/gitlab_job.py), and the job's
//! `before_script` and `script` lines run in bash with the `bulwark` cargo built on PATH, the download and the DB
//! update switched off by the variables the template documents (`BULWARK_CI_INSTALL`, `BULWARK_CI_DB_UPDATE`),
//! against the fixture image and a project directory. The exit codes are the CLI's (0 pass, 1 policy failed,
//! 2 error), and the report the job declares under `artifacts: reports:` validates against GitLab's security
//! report schemas 15.1.0 (from $BULWARK_GITLAB_SCHEMAS: tests/fixtures/gitlab-report-schemas/README.md) and matches the scan.

mod common;
#[path = "ci/support.rs"]
mod support;

use std::path::Path;

use serde_json::{Value, json};

const TEMPLATE: &str = "integrations/gitlab/bulwark.gitlab-ci.yml";

/// The job as GitLab would run it with the pipeline variables `vars`.
fn job(name: &str, vars: &Value) -> Value {
    let out = std::process::Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ci/gitlab_job.py"))
        .arg(support::repo().join(TEMPLATE))
        .arg(name)
        .arg(vars.to_string())
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "gitlab_job.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Runs the job's lines in bash (`set -eo pipefail`, as GitLab's runner does) in `project`; returns the exit
/// code, stderr and the job.
fn run(name: &str, project: &Path, vars: &[(&str, String)]) -> (i32, String, Value) {
    let mut v = json!({
        "CI_PROJECT_DIR": project.display().to_string(),
        "CI_COMMIT_REF_SLUG": "main",
        "BULWARK_CI_INSTALL": "false",
        "BULWARK_CI_DB_UPDATE": "false",
        "BULWARK_DB": support::db().display().to_string(),
    });
    for (k, val) in vars {
        v[*k] = json!(val);
    }
    let j = job(name, &v);
    let lines: Vec<&str> = j["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    let script = format!("set -eo pipefail\n{}\n", lines.join("\n"));
    let mut c = support::shell("bash", project);
    c.arg("-c").arg(script);
    for (k, val) in j["variables"].as_object().unwrap() {
        c.env(k, val.as_str().unwrap());
    }
    let out = common::output_within(c, std::time::Duration::from_mins(5));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        j,
    )
}

fn report_of(j: &Value, kind: &str, project: &Path) -> (std::path::PathBuf, Value) {
    assert_eq!(
        j["artifacts"]["when"], "always",
        "reports of failing jobs too"
    );
    let file = j["artifacts"]["reports"][kind].as_str().unwrap();
    let p = project.join(file);
    let v = serde_json::from_slice(
        &std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
    )
    .unwrap();
    (p, v)
}

#[test]
fn container_scanning_job_passes_then_fails_on_policy_and_reports_validate() {
    let t = tempfile::tempdir().unwrap();
    let pass = support::policy(t.path(), false);
    let fail = support::policy(t.path(), true);
    let project = t.path().join("project");
    std::fs::create_dir(&project).unwrap();
    let vars = |policy: &Path| {
        vec![
            ("BULWARK_CI_IMAGE", support::image()),
            ("BULWARK_POLICY", policy.display().to_string()),
        ]
    };

    let (code, err, j) = run("bulwark-container-scanning", &project, &vars(&pass));
    assert_eq!(code, 0, "passing policy: {err}");
    assert_eq!(j["image"], "alpine:3.20");
    assert_eq!(
        j["cache"]["paths"][0], ".bulwark/db/",
        "the DB dir is cached"
    );
    let (path, gl) = report_of(&j, "container_scanning", &project);
    support::validate_gitlab("container-scanning-report-format.json", &path);

    // The same scan as Bulwark's JSON report: the GitLab report holds the same findings.
    let out = common::bulwark(&[
        "scan",
        "image",
        "-q",
        "--db",
        support::db().to_str().unwrap(),
        "-f",
        "json",
        &support::image(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    support::check_against_scan(&gl, &json, "container_scanning");
    for v in gl["vulnerabilities"].as_array().unwrap() {
        assert_eq!(v["location"]["image"], support::image().as_str());
        assert!(
            v["location"]["operating_system"]
                .as_str()
                .unwrap()
                .starts_with("debian 12"),
            "{}",
            v["location"]["operating_system"]
        );
    }

    // Independent truth: the Debian changelog extract of the fixture lists the CVEs each package fixes; every one
    // is a GitLab vulnerability of that package, identified and linked as a CVE.
    let truth: Value = serde_json::from_slice(
        &std::fs::read(
            common::fixtures().join("vulndata/debian-bookworm-app-delta/expected-os-findings.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let mut checked = 0;
    for e in truth.as_array().unwrap() {
        for cve in e["cves"].as_array().into_iter().flatten() {
            let cve = cve.as_str().unwrap();
            let hit = gl["vulnerabilities"].as_array().unwrap().iter().find(|v| {
                v["location"]["dependency"]["package"]["name"] == e["package"]
                    && v["identifiers"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|i| i["value"] == cve && i["type"] == "cve")
            });
            let hit = hit.unwrap_or_else(|| panic!("{cve} in {} missing", e["package"]));
            // dpkg versions may carry an epoch the changelog extract leaves out.
            let (have, want) = (
                hit["location"]["dependency"]["version"].as_str().unwrap(),
                e["installed"].as_str().unwrap(),
            );
            assert!(
                have == want || have.ends_with(&format!(":{want}")),
                "{cve}: {have} vs {want}"
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "the truth file lists CVEs");

    // A policy that fails: exit 1, as the CLI, and the report is still written and valid.
    std::fs::remove_file(&path).unwrap();
    let (code, err, j) = run("bulwark-container-scanning", &project, &vars(&fail));
    assert_eq!(code, 1, "failing policy: {err}");
    let (path, gl2) = report_of(&j, "container_scanning", &project);
    support::validate_gitlab("container-scanning-report-format.json", &path);
    assert_eq!(
        gl2["vulnerabilities"].as_array().unwrap().len(),
        gl["vulnerabilities"].as_array().unwrap().len()
    );

    // An image that cannot be read: exit 2.
    let (code, _, _) = run(
        "bulwark-container-scanning",
        &project,
        &[(
            "BULWARK_CI_IMAGE",
            t.path().join("missing.tar").display().to_string(),
        )],
    );
    assert_eq!(code, 2);
}

#[test]
fn dependency_scanning_job_reports_the_lockfile_and_gates() {
    let t = tempfile::tempdir().unwrap();
    let pass = support::policy(t.path(), false);
    let fail = support::policy(t.path(), true);
    let project = t.path().join("project");
    std::fs::create_dir(&project).unwrap();
    // PyPA advisory PYSEC-2018-28 (CVE-2018-18074): requests before 2.20.0.
    std::fs::write(project.join("requirements.txt"), "requests==2.19.0\n").unwrap();

    let (code, err, j) = run(
        "bulwark-dependency-scanning",
        &project,
        &[("BULWARK_POLICY", pass.display().to_string())],
    );
    assert_eq!(code, 0, "{err}");
    let (path, gl) = report_of(&j, "dependency_scanning", &project);
    support::validate_gitlab("dependency-scanning-report-format.json", &path);
    // The project directory is the default path (CI_PROJECT_DIR).
    let out = common::bulwark(&[
        "scan",
        "fs",
        "-q",
        "--db",
        support::db().to_str().unwrap(),
        "-f",
        "json",
        project.to_str().unwrap(),
    ]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    support::check_against_scan(&gl, &json, "dependency_scanning");
    let v = gl["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["identifiers"][0]["value"] == "PYSEC-2018-28")
        .expect("PYSEC-2018-28");
    assert_eq!(v["location"]["file"], "requirements.txt");
    assert_eq!(v["location"]["dependency"]["package"]["name"], "requests");
    assert_eq!(v["location"]["dependency"]["version"], "2.19.0");
    assert_eq!(v["identifiers"][0]["type"], "pysec");
    assert!(
        v["identifiers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["value"] == "CVE-2018-18074"
                && i["url"] == "https://nvd.nist.gov/vuln/detail/CVE-2018-18074"),
        "{}",
        v["identifiers"]
    );
    assert_eq!(v["solution"], "Upgrade requests to 2.20.0");

    let (code, err, j) = run(
        "bulwark-dependency-scanning",
        &project,
        &[("BULWARK_POLICY", fail.display().to_string())],
    );
    assert_eq!(code, 1, "{err}");
    let (path, _) = report_of(&j, "dependency_scanning", &project);
    support::validate_gitlab("dependency-scanning-report-format.json", &path);
}

#[test]
fn install_step_refuses_a_binary_with_the_wrong_checksum() {
    let t = tempfile::tempdir().unwrap();
    let (code, err, _) = run(
        "bulwark-dependency-scanning",
        t.path(),
        &[
            ("BULWARK_CI_INSTALL", "true".into()),
            (
                "BULWARK_CI_DOWNLOAD_URL",
                format!("file://{}", env!("CARGO_BIN_EXE_bulwark")),
            ),
            ("BULWARK_CI_SHA256", "0".repeat(64)),
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("checksum mismatch"), "{err}");
    // Without the pair, the job says what to set.
    let (code, err, _) = run(
        "bulwark-dependency-scanning",
        t.path(),
        &[("BULWARK_CI_INSTALL", "true".into())],
    );
    assert_eq!(code, 2);
    assert!(err.contains("BULWARK_CI_SHA256"), "{err}");
}

#[test]
fn a_job_can_be_switched_off() {
    let j = job("bulwark-container-scanning", &json!({}));
    assert_eq!(
        j["rules"][0],
        json!({"if": "$BULWARK_CI_CONTAINER_SCANNING_DISABLED == \"true\"", "when": "never"})
    );
}
