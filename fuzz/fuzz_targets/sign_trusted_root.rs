#![no_main]
//! Fuzzes `trusted_root.json` parsing: any bytes give a root or an error naming what was wrong, never a panic.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = bulwark_sign::keyless::TrustedRoot::from_json(data);
});
