#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = bulwark_evaluate::parse_vex(data, "fuzz.json");
});
