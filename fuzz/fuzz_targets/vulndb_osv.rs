#![no_main]
//! Fuzzes the OSV record and JSON-lines parsers: any bytes give a record, a withdrawn count or an error, never
//! a panic; a parsed record's rules all carry a namespace and a scheme for their ecosystem.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = bulwark_vulndb::feeds::parse_osv(data) {
        for rule in &parsed.affected {
            assert!(!rule.namespace.is_empty());
            assert!(rule.ranges.is_some());
        }
        assert!(parsed.records + parsed.withdrawn <= 1);
    }
    let lines = bulwark_vulndb::feeds::parse_osv_lines(data);
    assert!(lines.problems.len() <= 20);
});
