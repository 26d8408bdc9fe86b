//! Every Kyverno CLI suite of `../shared/fixtures/upstream/kyverno-vpol` (kyverno/policies at
//! b9c4317): each expected row must come out as written.

use std::path::PathBuf;

use bulwark_cel::kyverno_test::{find_suites, run_suite};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/upstream/kyverno-vpol")
}

/// Rows we do not pass, as (suite, kind, resource), each explained in the crate README. Empty: all pass.
const KNOWN_EXCEPTIONS: &[(&str, &str, &str)] = &[];

#[test]
fn every_kyverno_vpol_suite_passes() {
    let root = fixtures();
    let suites = find_suites(&[root.as_path()]).unwrap();
    assert_eq!(suites.len(), 31, "{suites:#?}");
    let mut rows = 0;
    let mut objects = 0;
    let mut failures = Vec::new();
    for s in &suites {
        let result = run_suite(s).unwrap_or_else(|e| panic!("{}: {e}", s.display()));
        assert!(result.warnings.is_empty(), "{:?}", result.warnings);
        let mut seen_rows = std::collections::HashSet::new();
        for r in &result.rows {
            seen_rows.insert(r.row);
            objects += 1;
            if !r.passed {
                failures.push((
                    result.name.clone(),
                    r.kind.clone(),
                    r.resource.clone(),
                    r.expected.clone(),
                    r.actual.clone(),
                    r.message.clone(),
                ));
            }
        }
        rows += seen_rows.len();
    }
    let unexpected: Vec<_> = failures
        .iter()
        .filter(|f| !KNOWN_EXCEPTIONS.contains(&(f.0.as_str(), f.1.as_str(), f.2.as_str())))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{} rows failed:\n{:#?}",
        unexpected.len(),
        unexpected
    );
    let fixed: Vec<_> = KNOWN_EXCEPTIONS
        .iter()
        .filter(|k| {
            !failures
                .iter()
                .any(|f| (f.0.as_str(), f.1.as_str(), f.2.as_str()) == **k)
        })
        .collect();
    assert!(
        fixed.is_empty(),
        "known exceptions now pass, remove them: {fixed:?}"
    );
    assert_eq!(objects, 928);
    assert_eq!(rows, 147);
}
