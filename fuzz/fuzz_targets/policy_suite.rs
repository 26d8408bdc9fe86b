#![no_main]
//! Fuzzes Bulwark policy test suites (`bulwark-test.yaml`): parsing, then checking every case against an empty
//! verdict. Errors are fine; panics, hangs and unbounded memory are not.

use bulwark_policy::suite::Suite;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(suite) = Suite::from_text(text, std::path::Path::new("/suites/bulwark-test.yaml")) {
        let verdict: bulwark_policy::Verdict = serde_json::from_str(
            r#"{"decision":"pass","stage":"build","evaluatedAt":"2026-12-01T00:00:00Z",
                "bundle":{"name":"b","digest":"sha256:0"},"subject":{"kind":"image","name":"x"},
                "policySets":[],"results":[],"exceptions":{"applied":[],"expired":[]}}"#,
        )
        .expect("a verdict");
        for case in &suite.cases {
            let _ = case.check(&verdict);
        }
    }
});
