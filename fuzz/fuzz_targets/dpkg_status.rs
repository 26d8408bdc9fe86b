#![no_main]
//! Fuzzes the dpkg status parser: any text gives packages and warnings, never a panic.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut diags = Vec::new();
    let _ = bulwark_catalog::os::dpkg::parse_status(&text, "var/lib/dpkg/status", &mut diags);
});
