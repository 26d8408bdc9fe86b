//! Every automated check of kube-bench's CIS benchmarks, judged on roots generated from its own definition: PASS
//! on the compliant root, FAIL (scored) or WARN (unscored) on the violating one. The roots are written by
//! `definition_support` from the check files alone (see its docs); the exclusions are asserted exactly, so a
//! change of coverage fails here. Skipped when kube-bench's cfg directory is absent.

mod definition_support;

use definition_support::{Report, cfg_dir, run};

fn check(bench: &str, expected_excluded: &[(&str, &str)]) -> Option<Report> {
    if !cfg_dir().join(bench).is_dir() {
        eprintln!("skipped: {} absent", cfg_dir().join(bench).display());
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let r = run(&cfg_dir(), bench, dir.path());
    println!(
        "{bench}: {} automated, {} covered, {} excluded",
        r.automated,
        r.covered.len(),
        r.excluded.len()
    );
    for (id, why) in &r.excluded {
        println!("  excluded {id}: {why}");
    }
    assert!(
        r.mismatches.is_empty(),
        "{bench}:\n{}",
        r.mismatches.join("\n")
    );
    let got: Vec<(&str, &str)> = r
        .excluded
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert_eq!(got, expected_excluded, "{bench}: exclusions changed");
    assert_eq!(
        r.covered.len() + r.excluded.len(),
        r.automated,
        "{bench}: every automated check is covered or excluded"
    );
    Some(r)
}

/// The automated checks whose audits need the shell (built from shell variables, `sed`, `awk`): the CNI
/// directory pair, the etcd data directory pair, the encryption provider, the kubelet client CA pair.
const NEEDS_SHELL: &[(&str, &str)] = &[
    ("1.1.9", "needs shell"),
    ("1.1.10", "needs shell"),
    ("1.1.11", "needs shell"),
    ("1.1.12", "needs shell"),
    ("1.2.28", "needs shell"),
    ("4.1.7", "needs shell"),
    ("4.1.8", "needs shell"),
];

/// cis-1.20 numbers the encryption provider check 1.2.33.
const NEEDS_SHELL_1_20: &[(&str, &str)] = &[
    ("1.1.9", "needs shell"),
    ("1.1.10", "needs shell"),
    ("1.1.11", "needs shell"),
    ("1.1.12", "needs shell"),
    ("1.2.33", "needs shell"),
    ("4.1.7", "needs shell"),
    ("4.1.8", "needs shell"),
];

#[test]
fn cis_1_12_definitions() {
    check("cis-1.12", NEEDS_SHELL);
}

#[test]
fn cis_1_20_definitions() {
    check("cis-1.20", NEEDS_SHELL_1_20);
}

#[test]
fn cis_1_11_definitions() {
    check("cis-1.11", NEEDS_SHELL);
}

#[test]
fn cis_1_10_definitions() {
    check("cis-1.10", NEEDS_SHELL);
}

#[test]
fn cis_1_9_definitions() {
    check("cis-1.9", NEEDS_SHELL);
}
