//! Fuzzes `bulwark report compliance`'s input path: a Bulwark JSON report read back
//! (`bulwark_report::read_report`), evaluated against every framework and rendered as HTML, CSV and SARIF. Any
//! panic is a bug; the HTML must never carry a raw `<script` from the input.
//!
//! Needs `bulwark-report` and `bulwark-compliance` in fuzz/Cargo.toml (`bash fuzz/register.sh`).
//! Run: `cargo +nightly fuzz run compliance_report`.

#![no_main]

use bulwark_compliance::{Scanner, Source, evaluate, frameworks, render};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(report) = bulwark_report::read_report(data, "fuzz.json") else {
        return;
    };
    let all = [
        Scanner::Kubernetes,
        Scanner::ImageConfig,
        Scanner::Dockerfile,
        Scanner::Secrets,
        Scanner::Malware,
        Scanner::Vulnerabilities,
    ];
    let sources = [Source {
        label: &report.target.name,
        scanners: &all,
        findings: &report.findings,
    }];
    for fw in frameworks().expect("the embedded frameworks parse") {
        let r = evaluate(&fw, &sources);
        let html = render::html(&r);
        assert!(!html.contains("<script"), "raw script in the HTML");
        let _ = render::csv(&r);
        let _ = render::sarif(&r, "fuzz");
    }
});
