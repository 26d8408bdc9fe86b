#![no_main]
//! Fuzzes the Composer version parser and PHP `version_compare` port (bulwark-version): any
//! UTF-8 input parses or is an error and compares without panicking (input split at the
//! first newline); a version equals itself. Antisymmetry is not asserted: PHP's
//! `version_compare`, which this follows, is not antisymmetric for every pair of odd strings.

use std::cmp::Ordering;

use bulwark_version::{Scheme, Version};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (a, b) = text.split_once('\n').unwrap_or((text, text));
    let a = Version::parse(Scheme::Composer, a);
    let b = Version::parse(Scheme::Composer, b);
    if let (Ok(a), Ok(b)) = (a, b) {
        let _ = a.try_cmp(&b).expect("same scheme");
        assert_eq!(a.try_cmp(&a).expect("same scheme"), Ordering::Equal);
    }
});
