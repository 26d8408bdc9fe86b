#![no_main]
//! Fuzzes the Debian security tracker parser: any bytes give rules or an error, never a panic; every rule is
//! in a `debian:N` namespace, and only `fixed` rules carry a fixed version.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = bulwark_vulndb::feeds::parse_debian(data) {
        for rule in &parsed.affected {
            assert!(rule.namespace.starts_with("debian:"));
            assert_eq!(
                rule.fixed.is_some(),
                rule.status == bulwark_vulndb::Status::Fixed
            );
        }
    }
});
