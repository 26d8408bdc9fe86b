#![no_main]

// Every reader of bulwark-consolidate: the input's type is sniffed from its content (SARIF, Trivy, Grype,
// kube-bench, Bulwark JSON; gzip/tar for Sonobuoy tarballs), so one target reaches them all. Small limits keep
// a run quick; a panic, hang or unbounded allocation is the bug.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let limits = bulwark_consolidate::Limits {
        max_file_bytes: 1 << 20,
        max_tar_entries: 64,
        max_tar_entry_bytes: 1 << 20,
        max_tar_total_bytes: 4 << 20,
        max_findings: 10_000,
        ..bulwark_consolidate::Limits::default()
    };
    let mut m = bulwark_consolidate::Merger::new(limits);
    let _ = m.read_bytes(data, "fuzz.input");
    let _ = m.read_bytes(data, "fuzz.again");
    let _ = m.finish();
});
