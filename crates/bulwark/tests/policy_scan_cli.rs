//! The seed scenario of issue #12 through `scan image --policy`: a security team's bundle in a real git
//! repository (made here with `git`), read by commit, says no container runs as root, no AWS credentials in the
//! image, no GPL-3.0 package, and only /web/html may be written. The image (a `docker save` archive built here
//! with `tar`) breaks all four, and the scan fails with exactly those reasons; an exception with an expiry lets
//! it pass until the clock (`--now` / `BULWARK_NOW`) is past it; every verdict names the commit.

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
  - id: no-aws-credentials
    description: No AWS credentials in the image.
    stages: {build: fail, release: fail}
    secrets:
      ids: [\"aws-*\"]
  - id: no-gpl3
    description: No GPL-3.0 package.
    stages: {build: fail, release: fail}
    licenses:
      deny: [GPL-3.0-or-later]
  - id: only-web-html-writable
    description: Only /web/html may be written by the application layers.
    stages: {build: fail, release: fail}
    files:
      allowedPaths: [/web/html]
      baseLayers: 1
";

const EXCEPTION: &str = "apiVersion: policy.bulwark.dev/v1
kind: Exceptions
exceptions:
  - id: SEC-7-legacy-root
    rules: [no-root-user, no-aws-credentials, no-gpl3, only-web-html-writable]
    image: \"sha256:*\"
    expires: 2027-01-31
    owner: team-shop
    ticket: SEC-7
    reason: the base image is replaced next sprint
";

/// A `docker save` archive: a base layer, then an application layer that writes /web/html (allowed), a
/// GPL-3.0 npm package and AWS credentials under /app (not allowed); the config sets no `User` (root).
fn seed_image(dir: &Path) -> String {
    use sha2::Digest;
    let tar = |root: &Path, out: &Path| {
        let ok = Command::new("tar")
            .arg("--sort=name")
            .arg("--owner=0")
            .arg("--group=0")
            .arg("--mtime=2026-01-01")
            .arg("-C")
            .arg(root)
            .arg("-cf")
            .arg(out)
            .arg(".")
            .status()
            .unwrap();
        assert!(ok.success());
    };
    let write = |p: &Path, text: &str| {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    let base = dir.join("l0");
    write(
        &base.join("etc/os-release"),
        "ID=alpine\nVERSION_ID=3.19.1\nNAME=\"Alpine Linux\"\n",
    );
    write(&base.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
    let app = dir.join("l1");
    write(&app.join("web/html/index.html"), "<h1>shop</h1>\n");
    write(
        &app.join("app/node_modules/gnu-readline-js/package.json"),
        r#"{"name": "gnu-readline-js", "version": "1.0.0", "license": "GPL-3.0-only"}"#,
    );
    write(
        &app.join("app/settings.env"),
        "AWS_ACCESS_KEY_ID=AKIAQYLPMN5HHHFPZAM2\nAWS_SECRET_ACCESS_KEY=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\n",
    );
    let stage = dir.join("image");
    std::fs::create_dir_all(&stage).unwrap();
    let mut diff_ids = Vec::new();
    let mut layers = Vec::new();
    for (i, l) in [&base, &app].iter().enumerate() {
        let name = format!("layer{i}.tar");
        tar(l, &stage.join(&name));
        let d = sha2::Sha256::digest(std::fs::read(stage.join(&name)).unwrap());
        diff_ids.push(format!("\"sha256:{}\"", hex(&d)));
        layers.push(format!("\"{name}\""));
    }
    let config = format!(
        r#"{{"architecture":"amd64","os":"linux","created":"2026-11-01T00:00:00Z","config":{{"Cmd":["/app/run"]}},"rootfs":{{"type":"layers","diff_ids":[{}]}}}}"#,
        diff_ids.join(",")
    );
    let cd = hex(&sha2::Sha256::digest(config.as_bytes()));
    std::fs::write(stage.join(format!("{cd}.json")), &config).unwrap();
    std::fs::write(
        stage.join("manifest.json"),
        format!(
            r#"[{{"Config":"{cd}.json","RepoTags":["shop/web:1.4"],"Layers":[{}]}}]"#,
            layers.join(",")
        ),
    )
    .unwrap();
    let out = dir.join("shop.tar");
    tar(&stage, &out);
    out.display().to_string()
}

fn hex(d: &[u8]) -> String {
    use std::fmt::Write;
    d.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn scan(image: &str, bundle: &str, now: &str, out: &Path) -> (Option<i32>, serde_json::Value) {
    let o = common::bulwark(&[
        "scan",
        "image",
        image,
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
fn a_git_bundle_fails_the_image_for_exactly_its_four_reasons_until_an_exception_and_again_after_it_expires()
 {
    let dir = tempfile::tempdir().unwrap();
    let image = seed_image(dir.path());
    let repo = dir.path().join("policies");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("rules.yaml"), RULES).unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "baseline"]);
    let first = git(&repo, &["rev-parse", "HEAD"]);
    let bundle = format!("git+file://{}@main", repo.display());
    let out = dir.path().join("report.json");

    let (code, v) = scan(&image, &bundle, "2026-12-06", &out);
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
    assert_eq!(
        failed,
        [
            "no-aws-credentials",
            "no-gpl3",
            "no-root-user",
            "only-web-html-writable"
        ],
        "{verdict}"
    );
    // Each reason points at what decided it.
    let hits = |rule: &str| -> Vec<String> {
        verdict["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rule"] == rule)
            .unwrap()["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                h["package"]
                    .as_str()
                    .or(h["path"].as_str())
                    .or(h["field"].as_str())
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    };
    assert_eq!(hits("no-root-user"), ["image.config.User"]);
    assert!(
        hits("no-aws-credentials")
            .iter()
            .all(|p| p == "/app/settings.env")
    );
    assert_eq!(hits("no-gpl3"), ["gnu-readline-js"]);
    assert_eq!(
        hits("only-web-html-writable"),
        [
            "/app/node_modules/gnu-readline-js/package.json",
            "/app/settings.env"
        ]
    );

    // The team commits an exception with an expiry: the same image passes, and the verdict names it.
    std::fs::write(repo.join("exceptions.yaml"), EXCEPTION).unwrap();
    git(&repo, &["add", "."]);
    git(
        &repo,
        &["commit", "-q", "-m", "accept root until the rewrite"],
    );
    let second = git(&repo, &["rev-parse", "HEAD"]);
    let (code, v) = scan(&image, &bundle, "2026-12-06", &out);
    assert_eq!(code, Some(0), "{}", v["verdict"]);
    assert_eq!(v["verdict"]["decision"], "pass");
    assert_eq!(v["verdict"]["bundle"]["commit"], second.as_str());
    assert_eq!(
        v["verdict"]["exceptions"]["applied"][0]["id"],
        "SEC-7-legacy-root"
    );

    // Past the expiry, it fails again, and the exception is reported as expired.
    let (code, v) = scan(&image, &bundle, "2027-02-01", &out);
    assert_eq!(code, Some(1));
    assert_eq!(v["verdict"]["decision"], "fail");
    assert_eq!(
        v["verdict"]["exceptions"]["expired"][0]["id"],
        "SEC-7-legacy-root"
    );

    // The table says it too.
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
