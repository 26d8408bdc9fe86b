//! `bulwark scan fs` and `scan rootfs` end to end: packages from lockfiles and installed metadata, matched
//! against the vulnerability DB, gated.

mod common;

use common::bulwark;

#[test]
fn requirements_file_is_matched_and_gated() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(
        t.path().join("requirements.txt"),
        "requests==2.19.0\nurllib3==1.23\n",
    )
    .unwrap();
    std::fs::write(t.path().join(".gitignore"), "ignored/\n").unwrap();
    std::fs::create_dir(t.path().join("ignored")).unwrap();
    std::fs::write(t.path().join("ignored/requirements.txt"), "django==1.2\n").unwrap();
    // A DB with only the PyPA advisories is enough here.
    let db = t.path().join("db");
    let pypi = common::fixtures().join("vulndata/osv/PyPI-all.zip");
    let o = bulwark(&[
        "db",
        "build",
        "-q",
        "-o",
        db.to_str().unwrap(),
        "--osv",
        pypi.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let dir = t.path().to_str().unwrap();
    let o = bulwark(&[
        "scan",
        "fs",
        "-q",
        "--db",
        db.to_str().unwrap(),
        "-f",
        "json",
        "--fail-on",
        "high",
        dir,
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let names: Vec<&str> = r["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec!["requests", "urllib3"],
        ".gitignore'd django is left out"
    );
    // PYSEC-2018-28 (CVE-2018-18074): requests < 2.20.0, in the PyPA data.
    assert!(
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == "PYSEC-2018-28")
    );
    assert_eq!(r["findings"][0]["location"]["path"], "requirements.txt");
    let o = bulwark(&[
        "scan",
        "fs",
        "-q",
        "--no-gitignore",
        "--no-vulns",
        "-f",
        "json",
        dir,
    ]);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        r["packages"].as_array().unwrap().len(),
        3,
        "with --no-gitignore django is read"
    );
}

#[test]
fn dockerfiles_are_checked_with_lines() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(
        t.path().join("Dockerfile"),
        "FROM ubuntu\nRUN apt-get update && \\\n    curl -fsSL https://example.com/install.sh | sh\nCMD [\"app\"]\n",
    )
    .unwrap();
    let o = bulwark(&[
        "scan",
        "fs",
        "-q",
        "--no-vulns",
        "-f",
        "json",
        t.path().to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let at = |name: &str| -> Vec<u64> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["name"] == name)
            .map(|f| f["location"]["line"].as_u64().unwrap())
            .collect()
    };
    // Written by hand from the Dockerfile: the pipe to sh sits on line 3 (a continuation of line 2).
    assert_eq!(at("curl-pipe-shell"), vec![3]);
    assert_eq!(at("latest-base-tag"), vec![1]);
    assert_eq!(at("final-stage-root-user").len(), 1);
    let o = bulwark(&[
        "scan",
        "fs",
        "-q",
        "--no-vulns",
        "--skip-dockerfile-checks",
        "-f",
        "json",
        t.path().to_str().unwrap(),
    ]);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(r["findings"].as_array().unwrap().is_empty());
}

#[test]
fn image_configuration_checks() {
    let o = bulwark(&[
        "scan",
        "image",
        "-q",
        "--no-vulns",
        "-f",
        "json",
        &common::image("bookworm-app-mini.docker.tar"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut names: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    // The fixture's config has no User and no Healthcheck (see its config JSON); it is younger than a year.
    assert_eq!(names, vec!["image-root-user", "image-without-healthcheck"]);
}

/// A GitHub token the built-in `github-pat` rule reports (the secrets crate's own doc example).
const TOKEN: &str = "GITHUB_TOKEN=ghp_a8Kd93jfLq0Zx7Yb2Nc4Vm6Pw1Rt5Su9Eh3G\n";

/// The EICAR test file, built from two halves so that this source file itself is not the test file.
fn eicar() -> String {
    format!(
        "{}{}",
        r"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STAN", "DARD-ANTIVIRUS-TEST-FILE!$H+H*"
    )
}

fn write_tree(root: &std::path::Path, files: &[(&str, &str)]) {
    for (p, body) in files {
        let f = root.join(p);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, body).unwrap();
    }
}

/// `scan fs -f json` (no DB), asserting the exit code; returns the report and stderr.
fn scan_fs_json(dir: &std::path::Path, extra: &[&str], code: i32) -> (serde_json::Value, String) {
    let mut args = vec!["scan", "fs", "--no-vulns", "-f", "json"];
    args.extend_from_slice(extra);
    args.push(dir.to_str().unwrap());
    let o = bulwark(&args);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(code), "{args:?}: {stderr}");
    (serde_json::from_slice(&o.stdout).unwrap(), stderr)
}

/// Sorted paths of the findings of one kind.
fn paths(report: &serde_json::Value, kind: &str) -> Vec<String> {
    let mut v: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == kind)
        .map(|f| f["location"]["path"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Issue #10: `scan fs .` on this repository exited 2 with about 1,170 "cannot parse Dockerfile" errors
/// (`dockerfile.rs` and friends taken for Dockerfiles) and read the gitignored `target/`.
#[test]
fn scanning_this_repository_is_not_an_error() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let o = bulwark(&[
        "scan",
        "fs",
        "-q",
        "--no-vulns",
        "-f",
        "json",
        repo.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "exit {:?}: {stderr}",
        o.status
    );
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let diags = r["diagnostics"].as_array().unwrap();
    let errors: Vec<_> = diags.iter().filter(|d| d["level"] == "error").collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let findings = r["findings"].as_array().unwrap();
    let path = |v: &serde_json::Value| {
        v["location"]["path"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    for p in diags.iter().chain(findings).map(path) {
        assert!(
            !p.starts_with("target/"),
            "gitignored target/ was read: {p}"
        );
    }
    // Diagnostics and Dockerfile findings on source files mean a source file was taken for a Dockerfile.
    let misconf = findings.iter().filter(|f| f["kind"] == "misconfiguration");
    for p in diags.iter().chain(misconf).map(path) {
        assert!(
            !std::path::Path::new(&p)
                .extension()
                .is_some_and(|e| e == "rs" || e == "go" || e == "md"),
            "a source file was taken for a Dockerfile: {p}"
        );
    }
    // The workspace's own Cargo.lock is cataloged.
    assert!(
        r["packages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "serde" && p["foundIn"] == "Cargo.lock"),
        "Cargo.lock not cataloged"
    );
}

/// Issue #10: `.gitignore`, `.git/info/exclude`, `--skip-dirs` and `--skip-files` hold for the secret and
/// malware scans too; `--no-gitignore` lifts the ignore files but not the skip flags.
#[test]
fn ignore_rules_hold_for_secrets_and_malware() {
    let t = tempfile::tempdir().unwrap();
    let eicar = eicar();
    write_tree(
        t.path(),
        &[
            (".gitignore", "/.env.local\nbuild/\n"),
            (".git/info/exclude", "/private.txt\n"),
            ("app/settings.txt", TOKEN),
            (".env.local", TOKEN),
            ("private.txt", TOKEN),
            ("build/eicar.com", &eicar),
            ("build/settings.txt", TOKEN),
            ("third_party/lib/settings.txt", TOKEN),
            ("third_party/eicar.com", &eicar),
            ("conf/deploy.txt", TOKEN),
            ("dist/eicar.com", &eicar),
            // Secrets are not looked for in installed packages; malware is.
            ("node_modules/pkg/settings.txt", TOKEN),
            ("node_modules/pkg/eicar.com", &eicar),
        ],
    );
    let skips = [
        "--skip-dirs",
        "third_party",
        "--skip-files",
        "conf/deploy.txt",
    ];
    let (r, _) = scan_fs_json(t.path(), &skips, 0);
    assert_eq!(paths(&r, "secret"), ["app/settings.txt"]);
    assert_eq!(
        paths(&r, "malware"),
        ["dist/eicar.com", "node_modules/pkg/eicar.com"]
    );

    let mut no_ignore = skips.to_vec();
    no_ignore.push("--no-gitignore");
    let (r, _) = scan_fs_json(t.path(), &no_ignore, 0);
    assert_eq!(
        paths(&r, "secret"),
        [
            ".env.local",
            "app/settings.txt",
            "build/settings.txt",
            "private.txt"
        ]
    );
    assert_eq!(
        paths(&r, "malware"),
        [
            "build/eicar.com",
            "dist/eicar.com",
            "node_modules/pkg/eicar.com"
        ]
    );
}

/// Issue #10: Dockerfiles by the names Docker and BuildKit use; source files named after Dockerfiles are not
/// Dockerfiles.
#[test]
fn dockerfiles_by_name() {
    let t = tempfile::tempdir().unwrap();
    let df = "FROM ubuntu\nCMD [\"app\"]\n";
    let rust = "use std::fmt;\n\npub fn parse(text: &str) -> usize {\n    text.len()\n}\n";
    write_tree(
        t.path(),
        &[
            ("Dockerfile", df),
            ("deploy/Dockerfile.prod", df),
            ("services/api.Dockerfile", df),
            ("Containerfile", df),
            ("src/dockerfile.rs", rust),
            (
                "pkg/dockerfile.go",
                "package dockerfile\n\nfunc Parse() {}\n",
            ),
            (
                "docs/Dockerfile.md",
                "# Writing a Dockerfile\n\nStart with FROM.\n",
            ),
        ],
    );
    let (r, stderr) = scan_fs_json(t.path(), &["--skip-secrets", "--skip-malware"], 0);
    assert_eq!(
        paths(&r, "misconfiguration"),
        [
            "Containerfile",
            "Dockerfile",
            "deploy/Dockerfile.prod",
            "services/api.Dockerfile"
        ]
    );
    assert!(r["diagnostics"].as_array().unwrap().is_empty(), "{stderr}");
}

/// Issue #10: a Dockerfile that does not parse is a warning for that file (with its line); the scan's
/// result stays trustworthy (exit 0, not 2) and the rest of the file is still checked.
#[test]
fn unparsable_dockerfile_is_a_warning() {
    let t = tempfile::tempdir().unwrap();
    write_tree(
        t.path(),
        &[(
            "app/Dockerfile",
            "FROM ubuntu\nFROBNICATE x\nCMD [\"app\"]\n",
        )],
    );
    let (r, stderr) = scan_fs_json(t.path(), &["--skip-secrets", "--skip-malware"], 0);
    let d = r["diagnostics"].as_array().unwrap();
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0]["level"], "warning");
    assert_eq!(d[0]["location"]["path"], "app/Dockerfile");
    assert_eq!(d[0]["location"]["line"], 2);
    assert!(d[0]["message"].as_str().unwrap().contains("FROBNICATE"));
    assert!(stderr.contains("app/Dockerfile"), "{stderr}");
    assert_eq!(paths(&r, "misconfiguration"), ["app/Dockerfile"]);
}
