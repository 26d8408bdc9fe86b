#![no_main]
//! Fuzzes the Alpine secdb parser: any bytes give rules or an error, never a panic; every rule's fixed version
//! parses as an apk version and is never the "0" (not affected) marker.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = bulwark_vulndb::feeds::parse_secdb(data, Some("v3.14")) {
        for rule in &parsed.affected {
            assert!(rule.namespace.starts_with("alpine:"));
            let fixed = rule.fixed.as_deref().expect("secdb rules are fixes");
            assert_ne!(fixed, "0");
            assert!(bulwark_version::is_valid(bulwark_version::Scheme::Apk, fixed));
        }
    }
});
