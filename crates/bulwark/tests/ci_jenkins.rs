//! The Jenkins shared-library step (integrations/jenkins/vars/bulwarkScan.groovy) by its shell commands: the
//! lines between its `# >>> bulwark-step-shell` and `# <<< bulwark-step-shell` markers are exactly what the step
//! hands to `sh`; they run here in `sh` with the step's BULWARK_STEP_* variables, the `bulwark` cargo built on
//! PATH and the fixture DB. Exit codes are the CLI's (0, 1 policy failed, 2 error); the archived report and
//! the JUnit file the step records pass their validators.

mod common;
#[path = "ci/support.rs"]
mod support;

use std::path::Path;

const STEP: &str = "integrations/jenkins/vars/bulwarkScan.groovy";

fn groovy() -> String {
    std::fs::read_to_string(support::repo().join(STEP)).unwrap()
}

/// The shell between the markers, checked to be the whole of the `SCRIPT` string the step passes to `sh`.
fn step_shell() -> String {
    let g = groovy();
    let start = g.find("# >>> bulwark-step-shell\n").expect("start marker");
    let end = g.find("# <<< bulwark-step-shell\n").expect("end marker");
    let body = &g[start..end];
    assert!(
        g[..start].ends_with("static final String SCRIPT = '''#!/bin/sh\n"),
        "the shell is the SCRIPT string"
    );
    assert!(g[end..].starts_with("# <<< bulwark-step-shell\n'''\n"));
    assert!(g.contains("sh(script: SCRIPT, returnStatus: true)"));
    assert!(
        !body.contains('\\') && !body.contains("'''"),
        "nothing Groovy would unescape or end the string on"
    );
    body.to_string()
}

fn run(dir: &Path, vars: &[(&str, String)]) -> (i32, String) {
    let mut c = support::shell("sh", dir);
    c.arg("-c")
        .arg(step_shell())
        .env("BULWARK_DB", support::db());
    for (k, v) in vars {
        c.env(k, v);
    }
    let out = common::output_within(c, std::time::Duration::from_mins(5));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_step_takes_the_documented_parameters() {
    let g = groovy();
    for p in ["args.image", "args.policy", "args.format", "failOnPolicy"] {
        assert!(g.contains(p), "{p}");
    }
    assert!(g.contains("junit(testResults: 'bulwark-junit.xml'"));
    assert!(g.contains("archiveArtifacts("));
}

#[test]
fn image_scan_passes_and_fails_with_the_cli_exit_codes() {
    let t = tempfile::tempdir().unwrap();
    let pass = support::policy(t.path(), false);
    let fail = support::policy(t.path(), true);
    let ws = t.path().join("workspace");
    std::fs::create_dir(&ws).unwrap();
    let vars = |policy: &Path, format: &str, output: &str| {
        vec![
            ("BULWARK_STEP_IMAGE", support::image()),
            ("BULWARK_STEP_POLICY", policy.display().to_string()),
            ("BULWARK_STEP_FORMAT", format.to_string()),
            ("BULWARK_STEP_OUTPUT", output.to_string()),
        ]
    };

    let (code, err) = run(&ws, &vars(&pass, "gitlab-cs", "gl.json"));
    assert_eq!(code, 0, "{err}");
    support::validate_gitlab("container-scanning-report-format.json", &ws.join("gl.json"));
    common::validate("junit", &ws.join("bulwark-junit.xml"));
    let gl: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ws.join("gl.json")).unwrap()).unwrap();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ws.join("bulwark-report.json")).unwrap()).unwrap();
    support::check_against_scan(&gl, &json, "container_scanning");

    let (code, err) = run(&ws, &vars(&fail, "sarif", "bulwark.sarif"));
    assert_eq!(code, 1, "{err}");
    common::validate("sarif", &ws.join("bulwark.sarif"));
    common::validate("junit", &ws.join("bulwark-junit.xml"));
    let junit = std::fs::read_to_string(ws.join("bulwark-junit.xml")).unwrap();
    assert!(
        junit.contains("<failure"),
        "the failing verdict shows in JUnit"
    );

    let (code, err) = run(
        &ws,
        &[(
            "BULWARK_STEP_IMAGE",
            t.path().join("missing.tar").display().to_string(),
        )],
    );
    assert_eq!(code, 2, "{err}");
}

#[test]
fn directory_scan_without_an_image() {
    let t = tempfile::tempdir().unwrap();
    let fail = support::policy(t.path(), true);
    let ws = t.path().join("workspace");
    std::fs::create_dir(&ws).unwrap();
    std::fs::write(ws.join("requirements.txt"), "requests==2.19.0\n").unwrap();
    let (code, err) = run(
        &ws,
        &[
            ("BULWARK_STEP_POLICY", fail.display().to_string()),
            ("BULWARK_STEP_FORMAT", "gitlab-ds".into()),
            ("BULWARK_STEP_OUTPUT", "gl-ds.json".into()),
        ],
    );
    assert_eq!(code, 1, "{err}");
    support::validate_gitlab(
        "dependency-scanning-report-format.json",
        &ws.join("gl-ds.json"),
    );
}
