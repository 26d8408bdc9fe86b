//! Fuzzes contextual risk end to end: the input is a manifest, a line `=====`, and a vulnerability finding as
//! JSON. The manifest goes through `bulwark-k8s` (posture included), every workload becomes a context, and the
//! finding (its CVSS vector, EPSS, KEV, dates, titles from the input) is scored in each. Scores must stay within
//! 0.0..=10.0 and nothing may panic. The RBAC classifier and the date parser get the raw text too.
//!
//! Run: `cargo +nightly fuzz run risk_score`.

#![no_main]

use bulwark_k8s::{ScanOptions, scan_bytes, yaml::Limits};
use bulwark_risk::{ContextOptions, Date, classify_rbac, contexts, score, score_workload};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (manifest, finding) = text.split_once("\n=====\n").unwrap_or((text, "{}"));
    let _ = Date::parse(finding);
    let _ = classify_rbac(&finding.lines().map(str::to_string).collect::<Vec<_>>());
    let opts = ScanOptions {
        limits: Limits {
            max_depth: 64,
            max_nodes: 50_000,
            max_expanded_nodes: 100_000,
        },
        max_file_size: 1 << 20,
        collect_posture: true,
        ..ScanOptions::default()
    };
    let k8s = scan_bytes("fuzz.yaml", manifest.as_bytes(), &opts);
    let Ok(f) = serde_json::from_str::<bulwark_types::Finding>(finding) else {
        return;
    };
    let now = Date::parse("2026-12-07").unwrap();
    let ctxs = contexts(&k8s, &ContextOptions::default()).expect("posture was collected");
    for ctx in ctxs {
        let r = score(&f, &ctx, now);
        assert!((0.0..=10.0).contains(&r.score), "{}", r.score);
        let w = score_workload(std::slice::from_ref(&f), &ctx, now);
        assert!((0.0..=10.0).contains(&w.score), "{}", w.score);
    }
});
