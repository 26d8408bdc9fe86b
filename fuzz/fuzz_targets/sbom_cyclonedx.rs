#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = bulwark_sbom::parse_cyclonedx(data, "fuzz.cdx.json");
    let _ = bulwark_sbom::parse_sbom(data, "fuzz.json");
});
