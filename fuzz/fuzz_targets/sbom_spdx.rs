#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = bulwark_sbom::parse_spdx(data, "fuzz.spdx.json");
});
