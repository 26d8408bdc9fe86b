#![no_main]
// Fuzzes the `gomod` language parser (crates/bulwark-catalog/src/lang): any bytes give packages and
// warnings, never a panic, a hang or unbounded memory.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut out = bulwark_catalog::lang::Output::default();
    bulwark_catalog::lang::parse_bytes("/src/go.mod", data, &mut out);
});
