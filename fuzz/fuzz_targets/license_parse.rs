#![no_main]
//! Fuzzes the license parsers: SPDX expressions (strict and lax), free-form normalization, DEP-5 copyright
//! files and text detection. Any input gives a value or an error, never a panic; a normalized expression
//! always prints as a valid SPDX expression that parses back to itself.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(e) = bulwark_license::Expression::parse(&text) {
        assert_eq!(bulwark_license::Expression::parse(&e.to_string()).as_ref(), Ok(&e));
    }
    let _ = bulwark_license::Expression::parse_lax(&text);
    let n = bulwark_license::normalize(&text);
    assert_eq!(bulwark_license::Expression::parse(&n.to_string()).as_ref(), Ok(&n));
    if let Some(d) = bulwark_license::normalize_dep5(&text) {
        assert_eq!(bulwark_license::Expression::parse(&d.to_string()).as_ref(), Ok(&d));
    }
    let _ = bulwark_license::dep5::package_licenses(&text);
    let _ = bulwark_license::detect::detect(&text);
    let _ = bulwark_license::classify(&n);
});
