//! `scan image --policy`: a security team's bundle in a real git repository (made here with `git`), read by
//! commit; the verdict is in the report and decides the exit code; an exception with an expiry lets the image
//! pass until the clock (`--now` / `BULWARK_NOW`) is past it. The image is a shared fixture whose config sets no
//! `User`, so it runs as root.

mod common;

use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "sec")
        .env("GIT_AUTHOR_EMAIL", "sec@example.invalid")
        .env("GIT_COMMITTER_NAME", "sec")
        .env("GIT_COMMITTER_EMAIL", "sec@example.invalid")
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

const RULES: &str = "apiVersion: policy.bulwark.dev/v1
kind: PolicySet
metadata:
  name: baseline
rules:
  - id: no-root-user
    description: No container runs as root.
    stages: {build: fail, release: fail}
    image:
      nonRootUser: true
";

const EXCEPTION: &str = "apiVersion: policy.bulwark.dev/v1
kind: Exceptions
exceptions:
  - id: SEC-7-legacy-root
    rules: [no-root-user]
    image: \"sha256:*\"
    expires: 2027-01-31
    owner: team-shop
    ticket: SEC-7
    reason: the base image is replaced next sprint
";

fn scan(bundle: &str, now: &str, out: &Path) -> (Option<i32>, serde_json::Value) {
    let image = common::image("alpine314.docker.tar");
    let o = common::bulwark(&[
        "scan",
        "image",
        &image,
        "--no-vulns",
        "--policy",
        bundle,
        "--now",
        now,
        "-f",
        "json",
        "-o",
        out.to_str().unwrap(),
    ]);
    let code = o.status.code();
    assert!(code != Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    (code, v)
}

#[test]
fn a_git_bundle_fails_the_root_image_until_an_exception_and_again_after_it_expires() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("policies");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("rules.yaml"), RULES).unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "baseline"]);
    let first = git(&repo, &["rev-parse", "HEAD"]);
    let bundle = format!("git+file://{}@main", repo.display());
    let out = dir.path().join("report.json");

    let (code, v) = scan(&bundle, "2026-12-06", &out);
    assert_eq!(code, Some(1));
    let verdict = &v["verdict"];
    assert_eq!(verdict["decision"], "fail");
    assert_eq!(verdict["stage"], "build");
    assert_eq!(verdict["bundle"]["commit"], first.as_str());
    let failed: Vec<&str> = verdict["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == "fail")
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["no-root-user"]);

    // The team commits an exception with an expiry: the same image passes, and the verdict names it.
    std::fs::write(repo.join("exceptions.yaml"), EXCEPTION).unwrap();
    git(&repo, &["add", "."]);
    git(
        &repo,
        &["commit", "-q", "-m", "accept root until the rewrite"],
    );
    let second = git(&repo, &["rev-parse", "HEAD"]);
    let (code, v) = scan(&bundle, "2026-12-06", &out);
    assert_eq!(code, Some(0), "{}", v["verdict"]);
    assert_eq!(v["verdict"]["decision"], "pass");
    assert_eq!(v["verdict"]["bundle"]["commit"], second.as_str());
    assert_eq!(
        v["verdict"]["exceptions"]["applied"][0]["id"],
        "SEC-7-legacy-root"
    );

    // Past the expiry, it fails again, and the exception is reported as expired.
    let (code, v) = scan(&bundle, "2027-02-01", &out);
    assert_eq!(code, Some(1));
    assert_eq!(v["verdict"]["decision"], "fail");
    assert_eq!(
        v["verdict"]["exceptions"]["expired"][0]["id"],
        "SEC-7-legacy-root"
    );

    // The table says it too.
    let image = common::image("alpine314.docker.tar");
    let o = common::bulwark(&[
        "scan",
        "image",
        &image,
        "--no-vulns",
        "--policy",
        &bundle,
        "--now",
        "2027-02-01",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("Policy: FAIL at stage build"), "{table}");
    assert!(table.contains("no-root-user"), "{table}");
    assert!(
        table.contains("expired exception SEC-7-legacy-root"),
        "{table}"
    );
}

#[test]
fn a_bundle_that_does_not_load_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.yaml"), "apiVersion: policy.bulwark.dev/v1\nkind: PolicySet\nmetadata: {name: x}\nrules:\n  - id: r\n    stages: {build: explode}\n").unwrap();
    let image = common::image("alpine314.docker.tar");
    let o = common::bulwark(&[
        "scan",
        "image",
        &image,
        "--no-vulns",
        "--policy",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.yaml:6"), "{err}");
}
