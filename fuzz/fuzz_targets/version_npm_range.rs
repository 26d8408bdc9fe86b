#![no_main]
//! Fuzzes the npm range parser (bulwark-version `semver::Range`): the first line is a range,
//! the rest a version; parsing and `satisfies` never panic.

use bulwark_version::semver::Range;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (range, version) = text.split_once('\n').unwrap_or((text, "1.2.3"));
    if let Ok(range) = Range::parse(range) {
        let _ = range.satisfies_str(version);
    }
});
