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
