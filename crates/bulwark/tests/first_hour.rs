//! What a new user meets in the first hour (issue #10, items 4 and 5): inputs that used to pass silently now
//! fail or warn with a non-zero exit, and errors read well. Every assertion is on what the user sees: the exit
//! code and the text on stdout and stderr.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{bulwark, image};

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(args)
        .current_dir(dir)
        .env_remove("BULWARK_IGNOREFILE")
        .output()
        .expect("run bulwark")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn repo_file(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
        .display()
        .to_string()
}

const PRIVILEGED_POD: &str = "apiVersion: v1
kind: Pod
metadata: {name: p, namespace: web}
spec:
  containers:
  - name: c
    image: nginx:1.27
    securityContext: {privileged: true}
";

/// Restricted fails (runAsNonRoot, capabilities, seccomp…) but nothing is CRITICAL.
const PLAIN_POD: &str = "apiVersion: v1
kind: Pod
metadata: {name: q, namespace: web}
spec:
  containers:
  - name: c
    image: nginx:1.27
";

#[test]
fn missing_archive_says_no_such_file() {
    let out = bulwark(&["scan", "image", "--no-vulns", "/nonexistent.tar"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("/nonexistent.tar") && err.contains("No such file"),
        "{err}"
    );
    assert!(
        !err.contains("repository"),
        "taken for a registry reference: {err}"
    );
    assert_eq!(
        err.matches("No such file").count(),
        1,
        "cause repeated: {err}"
    );
}

#[test]
fn a_text_file_is_not_dumped() {
    let readme = repo_file("README.md");
    let out = bulwark(&["scan", "image", "--no-vulns", &readme]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("not an image archive"), "{err}");
    assert!(
        !err.contains("Continuous security"),
        "file contents in the error: {err}"
    );
    assert!(err.lines().count() <= 2, "{err}");
}

#[test]
fn a_plain_directory_is_not_an_empty_image() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "hello\n").unwrap();
    let d = dir.path().display().to_string();
    let out = bulwark(&["scan", "image", "--no-vulns", &d]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("neither an OCI image layout") && err.contains("bulwark scan fs"),
        "{err}"
    );
    // Forcing it is still possible.
    let forced = format!("dir:{d}");
    let out = bulwark(&["scan", "image", "--no-vulns", &forced]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn output_into_a_missing_directory_names_the_path_given() {
    let out = bulwark(&[
        "scan",
        "image",
        "--no-vulns",
        "-o",
        "/missing-dir/out.json",
        &image("alpine314-mini.docker.tar"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("/missing-dir/out.json"), "{err}");
    assert!(!err.contains("tmp"), "temporary name leaked: {err}");
}

#[test]
fn output_file_is_complete_and_no_temporary_is_left() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(
        dir.path(),
        &[
            "sbom",
            "-f",
            "json",
            "-o",
            "report.json",
            &image("alpine314-mini.docker.tar"),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["report.json"]);
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(v["packages"].as_array().unwrap().len(), 26);
}

#[test]
fn a_bad_vex_file_is_called_the_vex_file() {
    let readme = repo_file("README.md");
    let out = bulwark(&[
        "scan",
        "image",
        "--no-vulns",
        "--vex",
        &readme,
        &image("alpine314-mini.docker.tar"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("VEX") && err.contains("README.md"), "{err}");
}

#[test]
fn bulwarks_own_json_is_a_valid_sbom() {
    let dir = tempfile::tempdir().unwrap();
    let own = dir.path().join("own.json");
    let o = own.display().to_string();
    let out = bulwark(&[
        "sbom",
        "-f",
        "json",
        "-o",
        &o,
        &image("alpine314-mini.docker.tar"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = bulwark(&["scan", "sbom", "--no-vulns", "-f", "json", &o]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["packages"].as_array().unwrap().len(), 26);
    assert_eq!(v["os"]["id"], "alpine");
}

#[test]
fn helm_missing_points_at_helm_not_at_a_developer_path() {
    let chart = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["scan", "k8s", "--helm-chart"])
        .arg(chart.path())
        .env("PATH", "/nonexistent")
        .env("HOME", home.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("helm") && err.contains("PATH"), "{err}");
    assert!(
        !err.contains("shared/") && !err.contains("install-peers"),
        "{err}"
    );
}

#[test]
fn a_failed_pull_leaves_no_cache_directories() {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["scan", "image", "--no-vulns", "127.0.0.1:1/nothing:here"])
        .env("HOME", home.path())
        .env_remove("XDG_CACHE_HOME")
        .env_remove("BULWARK_CACHE_DIR")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let left: Vec<_> = std::fs::read_dir(home.path()).unwrap().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn manifests_without_objects_are_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("README.md"), "# nothing here\n").unwrap();
    std::fs::write(dir.path().join("values.yaml"), "replicas: 3\n").unwrap();
    let d = dir.path().display().to_string();
    let out = bulwark(&["scan", "k8s", "-f", "json", &d]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let msgs: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["message"].as_str())
        .collect();
    assert!(
        msgs.iter().any(|m| m.contains("no Kubernetes objects")),
        "{msgs:?}"
    );
}

#[test]
fn a_failing_compliance_framework_fails_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pod.yaml"), PLAIN_POD).unwrap();
    // Nothing is CRITICAL, so --fail-on critical alone passes...
    let out = run_in(
        dir.path(),
        &["scan", "k8s", "--fail-on", "critical", "pod.yaml"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // ...but restricted fails, and a gate with a framework gates on the framework.
    let out = run_in(
        dir.path(),
        &[
            "scan",
            "k8s",
            "--compliance",
            "pss-restricted",
            "--fail-on",
            "critical",
            "pod.yaml",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Baseline passes for this pod.
    let out = run_in(
        dir.path(),
        &[
            "scan",
            "k8s",
            "--compliance",
            "pss-baseline",
            "--fail-on",
            "critical",
            "pod.yaml",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

fn ids(out: &Output) -> Vec<String> {
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(out)));
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn one_ignore_file_format_for_manifests_and_images() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pod.yaml"), PRIVILEGED_POD).unwrap();
    let base = run_in(dir.path(), &["scan", "k8s", "-f", "json", "pod.yaml"]);
    assert!(ids(&base).iter().any(|i| i == "BW-K8S-0002"));

    // The line format, with a resource pattern, through either flag spelling.
    std::fs::write(
        dir.path().join("lines"),
        "# accepted\nBW-K8S-0002 Pod/web/* CNI\n",
    )
    .unwrap();
    for flag in ["--ignorefile", "--ignore-file"] {
        let out = run_in(
            dir.path(),
            &["scan", "k8s", "-f", "json", flag, "lines", "pod.yaml"],
        );
        assert!(!ids(&out).iter().any(|i| i == "BW-K8S-0002"), "{flag}");
    }
    // A resource that does not match suppresses nothing.
    std::fs::write(dir.path().join("other"), "BW-K8S-0002 Pod/prod/* x\n").unwrap();
    let out = run_in(
        dir.path(),
        &[
            "scan",
            "k8s",
            "-f",
            "json",
            "--ignorefile",
            "other",
            "pod.yaml",
        ],
    );
    assert!(ids(&out).iter().any(|i| i == "BW-K8S-0002"));

    // The YAML format, by rule name, picked up from the working directory like image scans do.
    std::fs::write(
        dir.path().join(".bulwarkignore.yaml"),
        "ignore:\n  - id: privileged-container\n    resource: Pod/web/p\n    reason: CNI\n",
    )
    .unwrap();
    let out = run_in(dir.path(), &["scan", "k8s", "-f", "json", "pod.yaml"]);
    assert!(!ids(&out).iter().any(|i| i == "BW-K8S-0002"));
}

#[test]
fn an_ignore_file_that_does_not_parse_is_an_error_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pod.yaml"), PRIVILEGED_POD).unwrap();
    std::fs::write(
        dir.path().join("typo.yaml"),
        "ignores:\n  - id: BW-K8S-0002\n",
    )
    .unwrap();
    let k8s = run_in(
        dir.path(),
        &["scan", "k8s", "--ignorefile", "typo.yaml", "pod.yaml"],
    );
    let img = run_in(
        dir.path(),
        &[
            "scan",
            "image",
            "--no-vulns",
            "--ignorefile",
            "typo.yaml",
            &image("alpine314-mini.docker.tar"),
        ],
    );
    for out in [k8s, img] {
        assert_eq!(out.status.code(), Some(2));
        let err = stderr(&out);
        assert!(
            err.contains("typo.yaml:1") && err.contains("ignores"),
            "{err}"
        );
    }
}

#[test]
fn k8s_severity_filter() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pod.yaml"), PRIVILEGED_POD).unwrap();
    let out = run_in(
        dir.path(),
        &[
            "scan",
            "k8s",
            "-f",
            "json",
            "--severity",
            "CRITICAL",
            "pod.yaml",
        ],
    );
    assert_eq!(ids(&out), ["BW-K8S-0002"]);
}

/// The demo's severities come from the data: with NVD's CVSS for the CVEs that Alpine's secdb lists without a
/// severity, nothing is UNKNOWN, and NVD's own ratings come through (CVE-2022-37434 is 9.8 CRITICAL at NVD,
/// the busybox CVE-2021-4237x are 7.2 HIGH).
#[test]
fn demo_severities_come_from_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").display().to_string();
    let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bulwark-vulndb/testdata");
    let secdb = testdata.join("alpine-secdb").display().to_string();
    let nvd = testdata.join("nvd/demo-cves.json").display().to_string();
    let out = bulwark(&[
        "db", "build", "-q", "-o", &db, "--secdb", &secdb, "--nvd", &nvd,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = bulwark(&[
        "scan",
        "image",
        "--db",
        &db,
        "-f",
        "json",
        &image("alpine314.docker.tar"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let vulns: Vec<(&str, &str)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "vulnerability")
        .map(|f| (f["id"].as_str().unwrap(), f["severity"].as_str().unwrap()))
        .collect();
    assert!(vulns.len() >= 15, "{vulns:?}");
    assert!(vulns.iter().all(|(_, s)| *s != "UNKNOWN"), "{vulns:?}");
    assert!(vulns.contains(&("CVE-2022-37434", "CRITICAL")), "{vulns:?}");
    assert!(vulns.contains(&("CVE-2021-42378", "HIGH")), "{vulns:?}");
}

/// The demo's first step builds a DB from the fixture feeds, some of whose records are malformed upstream
/// (Alpine secdb versions such as `4.10-1-r1`): one line says how many were skipped, not one line each.
#[test]
fn feed_data_problems_are_summarised_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db").display().to_string();
    let secdb = common::fixtures()
        .join("vulndata/alpine-secdb")
        .display()
        .to_string();
    let out = bulwark(&["db", "build", "-o", &db, "--secdb", &secdb]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains("warning")).collect();
    assert_eq!(warnings.len(), 1, "{err}");
    assert!(
        warnings[0].contains("skipped") && warnings[0].contains("--show-skipped"),
        "{err}"
    );
    let out = bulwark(&[
        "db",
        "build",
        "-o",
        &db,
        "--secdb",
        &secdb,
        "--show-skipped",
    ]);
    let listed = stderr(&out)
        .lines()
        .filter(|l| l.contains("warning: skipped"))
        .count();
    assert!(listed > 1, "{}", stderr(&out));
}
