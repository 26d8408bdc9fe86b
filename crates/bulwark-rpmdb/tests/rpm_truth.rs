//! Differential tests: our reader against the real `rpm` tool's output, recorded in
//! `testdata/` (see `testdata/README.md` for the commands), over the shared real fixtures.

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use bulwark_rpmdb::{DbFormat, RpmPackage, read_bdb, read_ndb, read_packages, read_sqlite};

fn fixture(rel: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/rpmdb")
        .join(rel);
    fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn testdata(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(name);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn lines(name: &str) -> Vec<String> {
    testdata(name).lines().map(str::to_owned).collect()
}

/// rpm prints `(none)` for an absent tag.
fn none(v: Option<&str>) -> String {
    v.unwrap_or("(none)").to_owned()
}

/// One `rpm -qa --qf` line: NAME EPOCHNUM VERSION RELEASE ARCH SOURCERPM LICENSE VENDOR
/// MODULARITYLABEL SIZE, tab-separated.
fn ours(p: &RpmPackage) -> Vec<String> {
    vec![
        p.name.clone(),
        p.epoch.unwrap_or(0).to_string(),
        p.version.clone(),
        p.release.clone(),
        none(p.arch.as_deref()),
        none(p.source_rpm.as_deref()),
        none(p.license.as_deref()),
        none(p.vendor.as_deref()),
        none(p.modularity_label.as_deref()),
        p.size.map_or("(none)".into(), |s| s.to_string()),
    ]
}

const FIELDS: [&str; 10] = [
    "NAME",
    "EPOCHNUM",
    "VERSION",
    "RELEASE",
    "ARCH",
    "SOURCERPM",
    "LICENSE",
    "VENDOR",
    "MODULARITYLABEL",
    "SIZE",
];

/// Compares field by field, in rpm's order, and reports every difference at once.
fn assert_matches_truth(packages: &[RpmPackage], truth_file: &str) {
    let truth: Vec<Vec<String>> = testdata(truth_file)
        .lines()
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect();
    assert_eq!(packages.len(), truth.len(), "package count vs {truth_file}");
    let mut diffs = Vec::new();
    for (i, (p, want)) in packages.iter().zip(&truth).enumerate() {
        let got = ours(p);
        assert_eq!(want.len(), FIELDS.len(), "{truth_file} line {}", i + 1);
        for ((field, g), w) in FIELDS.iter().zip(&got).zip(want) {
            if g != w {
                diffs.push(format!("#{i} {}: {field} ours={g:?} rpm={w:?}", want[0]));
            }
        }
    }
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

#[test]
fn sqlite_cbl_mariner_matches_rpm_qa() {
    let db = fixture("cbl-mariner-2.0/rpmdb.sqlite");
    // The fixture's WAL is empty (a cleanly closed database); pass it anyway, as a scanner would.
    let wal = fixture("cbl-mariner-2.0/rpmdb.sqlite-wal");
    let packages = read_sqlite(&db, Some(&wal)).unwrap();
    assert_eq!(packages.len(), 129);
    assert_matches_truth(&packages, "cbl-mariner-2.0.qa.tsv");
    assert_eq!(read_packages(&db, Some(&wal)).unwrap().0, DbFormat::Sqlite);
}

/// Installed file count of every package against rpm's `%{FILENAMES}`, and one package's
/// full list, path by path, against `rpm -ql`.
fn assert_files_match_truth(
    packages: &[RpmPackage],
    counts_file: &str,
    sample: &str,
    ql_file: &str,
) {
    assert_file_counts_match_truth(packages, counts_file);
    let pkg = packages.iter().find(|p| p.name == sample).unwrap();
    assert_eq!(pkg.files, lines(ql_file), "files of {sample} vs {ql_file}");
}

fn assert_file_counts_match_truth(packages: &[RpmPackage], counts_file: &str) {
    let want: BTreeMap<(String, String), usize> = testdata(counts_file)
        .lines()
        .map(|l| {
            let f: Vec<_> = l.split('\t').collect();
            ((f[0].into(), f[1].into()), f[2].parse().unwrap())
        })
        .collect();
    let got: BTreeMap<(String, String), usize> = packages
        .iter()
        .map(|p| ((p.name.clone(), none(p.arch.as_deref())), p.files.len()))
        .collect();
    assert_eq!(got, want, "file counts vs {counts_file}");
}

#[test]
fn sqlite_cbl_mariner_file_lists_match_rpm() {
    let packages = read_sqlite(&fixture("cbl-mariner-2.0/rpmdb.sqlite"), None).unwrap();
    assert_files_match_truth(
        &packages,
        "cbl-mariner-2.0.filecount.tsv",
        "bash",
        "cbl-mariner-2.0.bash.ql",
    );
    let bash = packages.iter().find(|p| p.name == "bash").unwrap();
    assert!(bash.provides.iter().any(|p| p == "/bin/sh"));
}

#[test]
fn ndb_sle15_matches_rpm_qa() {
    let db = fixture("sle15-bci/Packages.db");
    let packages = read_ndb(&db).unwrap();
    assert_eq!(packages.len(), 35);
    assert_matches_truth(&packages, "sle15-bci.qa.tsv");
    assert_eq!(read_packages(&db, None).unwrap().0, DbFormat::Ndb);
}

#[test]
fn ndb_sle15_file_lists_match_rpm() {
    let packages = read_ndb(&fixture("sle15-bci/Packages.db")).unwrap();
    assert_files_match_truth(
        &packages,
        "sle15-bci.filecount.tsv",
        "bash",
        "sle15-bci.bash.ql",
    );
}

#[test]
fn bdb_libuuid_matches_rpm_qa() {
    let db = fixture("libuuid/Packages");
    let packages = read_bdb(&db).unwrap();
    assert_eq!(packages.len(), 1);
    assert_matches_truth(&packages, "libuuid.qa.tsv");
    let ql: Vec<String> = lines("libuuid.ql");
    assert_eq!(packages[0].files, ql);
    assert_eq!(
        packages[0].source_name_version(),
        Some(("util-linux".into(), "2.32.1".into()))
    );
    assert_eq!(read_packages(&db, None).unwrap().0, DbFormat::BerkeleyDb);
}

/// Multi-package BerkeleyDB files made by Berkeley DB's own `db5.3_load`, one per byte
/// order (see testdata/README.md); rpm's `bdb_ro` backend read them for the truth.
#[test]
fn bdb_both_byte_orders_match_rpm_qa() {
    for name in ["bdb-le-4096", "bdb-be-512"] {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("testdata")
            .join(format!("{name}.Packages"));
        let db = fs::read(&path).unwrap();
        let packages = read_bdb(&db).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(packages.len(), 16, "{name}");
        assert_matches_truth(&packages, &format!("{name}.qa.tsv"));
        assert_file_counts_match_truth(&packages, &format!("{name}.filecount.tsv"));
    }
}

#[test]
fn truncated_real_files_are_errors() {
    let bdb = fixture("libuuid/Packages");
    for len in [0, 100, 4096, bdb.len() / 2, bdb.len() - 1] {
        assert!(read_bdb(&bdb[..len]).is_err(), "bdb truncated to {len}");
    }
    let ndb = fixture("sle15-bci/Packages.db");
    for len in [0, 100, 4096, ndb.len() / 2, ndb.len() - 1] {
        assert!(read_ndb(&ndb[..len]).is_err(), "ndb truncated to {len}");
    }
    let sqlite = fixture("cbl-mariner-2.0/rpmdb.sqlite");
    for len in [0, 100, 4096, sqlite.len() / 2] {
        assert!(
            read_sqlite(&sqlite[..len], None).is_err(),
            "sqlite truncated to {len}"
        );
    }
}
