//! Fuzzes the kubeconfig reader (bulwark-kube): YAML with the nesting bound, the merge, context resolution and
//! base64 `-data` fields. Any panic is a bug; errors must name the file.
//!
//! Inputs naming files by path (certificate-authority, client-certificate, client-key) are parsed but not
//! resolved, so that a run never reads the machine's files.
//! Run: `cargo +nightly fuzz run kube_kubeconfig`.

#![no_main]

use std::path::Path;

use bulwark_kube::Kubeconfig;

fn names_a_file(data: &[u8]) -> bool {
    [&b"certificate-authority"[..], b"client-certificate", b"client-key"]
        .iter()
        .any(|k| {
            data.windows(k.len())
                .enumerate()
                .any(|(i, w)| w == *k && !data[i + k.len()..].starts_with(b"-data"))
        })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.kubeconfig");
    match Kubeconfig::parse(data, path) {
        Err(e) => assert!(e.to_string().starts_with("fuzz.kubeconfig")),
        Ok(k) => {
            if names_a_file(data) {
                return;
            }
            let _ = k.resolve(None);
            for c in k.contexts() {
                let _ = k.resolve(Some(c));
            }
        }
    }
});
