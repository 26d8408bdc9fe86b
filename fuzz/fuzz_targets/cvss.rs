#![no_main]

// Any string: parse must not panic, and a parsed vector must score within 0.0..=10.0.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data)
        && let Ok(v) = bulwark_cvss::parse(s)
    {
        let score = v.score();
        assert!((0.0..=10.0).contains(&score), "{s}: {score}");
        let _ = v.severity();
    }
});
