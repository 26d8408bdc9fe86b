//! The conformance corpus (`testdata/conformance/`): each case names a bundle, an input, a stage and a time;
//! its `expected.json` verdict was written by hand from the rule semantics (see the corpus README). This is
//! the library entry point; the lead runs the same cases through `scan … --policy` and `policy eval`.

use std::path::{Path, PathBuf};

use bulwark_policy::{Bundle, Instant, LoadOptions, Stage, SubjectData};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/conformance")
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    bundle: String,
    input: String,
    stage: String,
    now: String,
    #[allow(dead_code)]
    why: String,
}

#[test]
fn every_case_gives_its_expected_verdict() {
    let root = corpus();
    let mut names: Vec<String> = std::fs::read_dir(root.join("cases"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // The list is pinned: a case that disappears fails the test.
    assert_eq!(
        names,
        [
            "image-config-release",
            "k8s-object-deploy",
            "k8s-object-unmapped",
            "packages-build",
            "vulns-build",
            "vulns-excepted-build",
            "vulns-runtime",
        ]
    );
    let tmp = tempfile::tempdir().unwrap();
    let opts = LoadOptions::new(tmp.path());
    let mut failures = Vec::new();
    for name in &names {
        let dir = root.join("cases").join(name);
        let case: Case =
            serde_json::from_str(&std::fs::read_to_string(dir.join("case.json")).unwrap()).unwrap();
        let bundle = Bundle::load(root.join(&case.bundle).to_str().unwrap(), &opts)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(bundle.warnings.is_empty(), "{name}: {:?}", bundle.warnings);
        let input: SubjectData =
            serde_json::from_str(&std::fs::read_to_string(root.join(&case.input)).unwrap())
                .unwrap_or_else(|e| panic!("{name}: input: {e}"));
        let stage: Stage = case.stage.parse().unwrap();
        let now = Instant::parse(&case.now).unwrap();
        let verdict = bulwark_policy::evaluate(&bundle, &input.subject(), stage, now);
        let got = serde_json::to_value(&verdict).unwrap();
        let expected: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap())
                .unwrap_or_else(|e| panic!("{name}: expected.json: {e}"));
        if got != expected {
            failures.push(format!(
                "{name}: got\n{}\nexpected\n{}",
                verdict.to_json(),
                serde_json::to_string_pretty(&expected).unwrap()
            ));
        }
        // The canonical text other entry points compare with: expected.json read back as a Verdict and
        // written out again is byte-identical to the evaluated verdict's.
        let expected_verdict: bulwark_policy::Verdict = serde_json::from_value(expected.clone())
            .unwrap_or_else(|e| panic!("{name}: expected.json is not a Verdict: {e}"));
        if got == expected {
            assert_eq!(expected_verdict.to_json(), verdict.to_json(), "{name}");
        }
        // Deterministic: a second evaluation is byte-identical.
        assert_eq!(
            bulwark_policy::evaluate(&bundle, &input.subject(), stage, now).to_json(),
            verdict.to_json(),
            "{name}"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
