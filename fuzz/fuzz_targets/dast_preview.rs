//! Fuzzes preview discovery (bulwark-dast): Kubernetes objects as JSON (an array, as manifests or API lists give
//! them) turned into targets, and alert URLs mapped back to them. Every target must have an http(s) URL and a
//! path starting with `/`. Seeds: the fixtures of crates/bulwark/tests/fixtures/dast-preview/api/ (their
//! `items` arrays). Run: `cargo +nightly fuzz run dast_preview`.

#![no_main]

use bulwark_dast::preview::{DiscoverOptions, discover, target_for};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(serde_json::Value::Array(objects)) = serde_json::from_slice(data) else {
        return;
    };
    for service_url in [None, Some("{scheme}://{service}.{namespace}:{port}{port_name}".to_owned())] {
        let d = discover(&objects, "preview-pr-1", &DiscoverOptions { service_url });
        for t in &d.targets {
            assert!(t.url.starts_with("http://") || t.url.starts_with("https://"), "{}", t.url);
            assert!(t.path.starts_with('/'), "{}", t.path);
            let _ = target_for(&t.url, &d.targets);
            let _ = target_for(&format!("{}/x?y#z", t.url), &d.targets);
        }
    }
});
