//! The shared real-world corpus (../shared/fixtures/k8s-corpus, 895 files) scans without a crash; every file
//! that fails to parse is reported with its path and line.

use std::path::PathBuf;

use bulwark_k8s::{Input, ScanOptions, scan};
use bulwark_types::DiagnosticLevel;

#[test]
fn whole_corpus_scans() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/k8s-corpus");
    assert!(dir.is_dir(), "corpus missing at {}", dir.display());
    let r = scan(&[Input::Path(dir)], &ScanOptions::default()).unwrap();
    assert!(r.files >= 895, "{} files", r.files);
    assert!(r.documents >= 3_900, "{} documents", r.documents);
    assert!(r.objects > 3_000, "{} objects", r.objects);
    assert!(r.findings.len() > 1_000);
    for d in &r.diagnostics {
        assert!(d.location.path.is_some(), "{d}");
        if d.level == DiagnosticLevel::Error && d.message.starts_with("invalid YAML") {
            assert!(d.location.line.is_some(), "{d}");
        }
    }
    // Every finding points at a line inside its file.
    for f in &r.findings {
        assert!(f.location.line.is_some_and(|l| l > 0), "{f:?}");
    }
    // BishopFox badPods: the everything-allowed pod is flagged privileged.
    assert!(r.findings.iter().any(|f| {
        f.location
            .path
            .as_deref()
            .is_some_and(|p| p.contains("badPods"))
            && f.id == "BW-K8S-0002"
    }));
}
