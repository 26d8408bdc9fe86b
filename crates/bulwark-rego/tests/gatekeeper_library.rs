//! Every gatekeeper-library `suite.yaml` (../shared/fixtures/upstream/gatekeeper-library, read in place) runs
//! with the Rego engine, and every assertion passes, except the exact set listed in `KNOWN_FAILURES` (see the
//! crate README for the reason of each).

use bulwark_rego::gator::{AssertionResult, Runner, find_suites};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn library() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/upstream/gatekeeper-library/library")
}

/// `suite/test/case[index]#assertion` of assertions that fail, with the reason in the crate README.
const KNOWN_FAILURES: &[&str] = &[];

fn key(r: &AssertionResult) -> String {
    format!(
        "{}/{}/{}[{}]#{}",
        r.suite_name, r.test, r.case, r.case_index, r.assertion
    )
}

#[test]
fn every_gatekeeper_library_suite_passes_with_rego() {
    let lib = library();
    assert!(lib.is_dir(), "fixtures missing at {}", lib.display());
    let suites = find_suites(std::slice::from_ref(&lib)).unwrap();
    assert_eq!(suites.len(), 49, "suites found");
    let results = Runner::default().run(&[lib]).unwrap();

    // The counts the fixture README gives: 75 tests, 270 cases, 299 assertions.
    let tests: BTreeSet<_> = results
        .iter()
        .map(|r| (r.suite.clone(), r.test.clone()))
        .collect();
    let cases: BTreeSet<_> = results
        .iter()
        .map(|r| (r.suite.clone(), r.test.clone(), r.case_index))
        .collect();
    assert_eq!(tests.len(), 75);
    assert_eq!(cases.len(), 270);
    assert_eq!(results.len(), 299);
    // Every case ran on the Rego engine or was out of scope; none was skipped.
    assert!(results.iter().all(|r| !r.skipped));

    // Evaluation time per object (review, match, Rego), one figure per case: printed for BENCHMARKS.md
    // (`cargo test --release -p bulwark-rego --test gatekeeper_library -- --nocapture`).
    let mut per_case: Vec<_> = cases
        .iter()
        .map(|(s, t, c)| {
            results
                .iter()
                .find(|r| &r.suite == s && &r.test == t && r.case_index == *c)
                .unwrap()
                .elapsed
        })
        .collect();
    per_case.sort();
    let total: std::time::Duration = per_case.iter().sum();
    eprintln!(
        "gatekeeper-library, Rego engine: {} objects, total {:?}, mean {:?}, median {:?}, p95 {:?}, max {:?}",
        per_case.len(),
        total,
        total / per_case.len() as u32,
        per_case[per_case.len() / 2],
        per_case[per_case.len() * 95 / 100],
        per_case[per_case.len() - 1]
    );

    let mut slowest: Vec<&AssertionResult> = results.iter().filter(|r| r.assertion == 0).collect();
    slowest.sort_by_key(|r| std::cmp::Reverse(r.elapsed));
    for r in slowest.iter().take(3) {
        eprintln!("  slowest: {} {:?}", key(r), r.elapsed);
    }

    let failed: BTreeMap<String, &AssertionResult> = results
        .iter()
        .filter(|r| !r.passed)
        .map(|r| (key(r), r))
        .collect();
    let report: Vec<String> = failed
        .values()
        .map(|r| {
            format!(
                "{}: expected {} (message {:?}), got {} of {:?}; error {:?}",
                key(r),
                r.expected,
                r.message,
                r.actual,
                r.messages,
                r.error
            )
        })
        .collect();
    let expected: BTreeSet<String> = KNOWN_FAILURES.iter().map(|s| (*s).to_string()).collect();
    let actual: BTreeSet<String> = failed.keys().cloned().collect();
    assert_eq!(actual, expected, "failures:\n{}", report.join("\n"));
}

#[test]
fn the_assertions_see_real_violations() {
    // A runner that passed everything by never finding a violation would satisfy the `no` rows: check that
    // `yes` rows saw messages, and one message exactly as the template words it.
    let results = Runner::default()
        .run(&[library().join("general/allowedrepos")])
        .unwrap();
    let both = results
        .iter()
        .find(|r| r.case == "both-disallowed" && r.assertion == 0)
        .unwrap();
    assert_eq!(both.actual, 2, "{both:?}");
    assert!(
        both.messages
            .iter()
            .any(|m| m.starts_with("initContainer <") && m.contains("has an invalid image repo")),
        "{:?}",
        both.messages
    );
    assert_eq!(both.engine, "Rego");
}

#[test]
fn library_templates_and_constraints_load_without_warnings() {
    // The unknown-field warnings must stay quiet on Gatekeeper's own files.
    use bulwark_rego::Limits;
    use bulwark_rego::gatekeeper::{load_constraints, load_templates};
    let mut templates = 0;
    let mut constraints = 0;
    let mut stack = vec![library()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            let text = std::fs::read_to_string(&p).unwrap();
            let file = p.display().to_string();
            if name == "template.yaml" {
                for t in load_templates(&file, &text, Limits::default()).unwrap() {
                    assert!(t.warnings.is_empty(), "{file}: {:?}", t.warnings);
                    templates += 1;
                }
            } else if name.starts_with("constraint") && p.extension().is_some_and(|x| x == "yaml") {
                for c in load_constraints(&file, &text).unwrap() {
                    assert!(c.warnings.is_empty(), "{file}: {:?}", c.warnings);
                    constraints += 1;
                }
            }
        }
    }
    // 49 templates; 69 constraint.yaml samples plus 6 constraint2…5.yaml (`find -name 'constraint*.yaml'`
    // counts 75; the fixture README's "plus 4" undercounts forbidden-sysctls' constraint4/5).
    assert_eq!(templates, 49);
    assert_eq!(constraints, 75);
}

/// The same suites with the CEL engine first: the 16 templates that carry `K8sNativeValidation` code (the
/// fixture README lists them) are evaluated in CEL, the others in Rego, and every assertion still passes.
#[test]
fn every_gatekeeper_library_suite_passes_with_cel_where_templates_have_it() {
    use bulwark_rego::cel::CelEngine;
    use bulwark_rego::gatekeeper::RegoEngine;
    use std::sync::Arc;
    let runner = Runner::new(vec![Arc::new(CelEngine::default()), Arc::new(RegoEngine)]);
    let results = runner.run(&[library()]).unwrap();
    assert_eq!(results.len(), 299);
    let failed: Vec<String> = results
        .iter()
        .filter(|r| !r.passed)
        .map(|r| format!("{} {:?} {:?} {:?}", key(r), r.messages, r.error, r.engine))
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
    let with_cel: BTreeSet<String> = results
        .iter()
        .filter(|r| r.engine == "K8sNativeValidation")
        .map(|r| {
            r.suite
                .parent()
                .unwrap()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let expected: BTreeSet<String> = [
        "requiredlabels",
        "allow-privilege-escalation",
        "apparmor",
        "capabilities",
        "forbidden-sysctls",
        "fsgroup",
        "host-filesystem",
        "host-namespaces",
        "host-network-ports",
        "host-probes-lifecycle",
        "host-process",
        "privileged-containers",
        "proc-mount",
        "read-only-root-filesystem",
        "seccomp",
        "seccompv2",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(with_cel, expected);
}
