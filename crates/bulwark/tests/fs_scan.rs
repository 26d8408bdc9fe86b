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
