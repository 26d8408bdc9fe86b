#![no_main]
//! Fuzzes `bulwark serve --self-check`: reading webhook configurations (YAML/JSON streams, `List`s, with the
//! size, document and depth bounds) and checking them (selectors, rules, URLs, caBundle base64 and PEM). Errors
//! name the file and line; panics, hangs and unbounded memory are not acceptable.

use std::time::Duration;

use bulwark_server::selfcheck::{Expect, Report, check, parse};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(docs) = parse("fuzz.yaml", data) {
        let mut expect = Expect::new(Duration::from_secs(8));
        expect.namespace = Some("bulwark".into());
        let mut report = Report::default();
        check("fuzz.yaml", &docs, &expect, &mut report);
        for p in &report.problems {
            assert!(p.to_string().starts_with("fuzz.yaml: "));
        }
    }
});
