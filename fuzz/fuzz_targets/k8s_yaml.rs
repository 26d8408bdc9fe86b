//! Fuzzes the Kubernetes manifest scanner end to end: YAML parsing (aliases, depth, node budgets), the resource
//! model and every rule. Any panic, or a run that escapes the budgets, is a bug.
//!
//! Needs `bulwark-k8s = { path = "../crates/bulwark-k8s" }` and `libfuzzer-sys` in fuzz/Cargo.toml.
//! Run: `cargo +nightly fuzz run k8s_yaml`.

#![no_main]

use bulwark_k8s::{ScanOptions, scan_bytes, yaml::Limits};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // Small budgets keep each execution fast while still exercising the limit paths.
    let opts = ScanOptions {
        limits: Limits {
            max_depth: 64,
            max_nodes: 50_000,
            max_expanded_nodes: 100_000,
        },
        max_file_size: 1 << 20,
        ..ScanOptions::default()
    };
    let r = scan_bytes("fuzz.yaml", data, &opts);
    for f in &r.findings {
        // Every finding points at a real line of the input.
        let line = f.location.line.unwrap_or(0) as usize;
        assert!(line >= 1 && line <= data.iter().filter(|&&b| b == b'\n').count() + 1);
    }
});
