//! Fuzzes the environments file (bulwark-kube): YAML, globs, and matching namespaces against them.
//! Run: `cargo +nightly fuzz run kube_environments`.

#![no_main]

use std::collections::BTreeMap;
use std::path::Path;

use bulwark_kube::Environments;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(e) = Environments::parse(data, Path::new("environments.yaml")) {
        let labels = BTreeMap::new();
        for ns in ["default", "jx-acme-web-pr-7", "", "staging"] {
            let _ = e.of(ns, &labels);
        }
    }
});
