#![no_main]
//! Fuzzes the semver (npm) version parser (bulwark-version): any UTF-8 input parses or is an
//! error, never a panic; two parsed versions (input split at the first newline) compare
//! reflexively and antisymmetrically.

use std::cmp::Ordering;

use bulwark_version::{Scheme, Version};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (a, b) = text.split_once('\n').unwrap_or((text, text));
    let a = Version::parse(Scheme::Semver, a);
    let b = Version::parse(Scheme::Semver, b);
    if let (Ok(a), Ok(b)) = (a, b) {
        let ab = a.try_cmp(&b).expect("same scheme");
        assert_eq!(b.try_cmp(&a).expect("same scheme"), ab.reverse());
        assert_eq!(a.try_cmp(&a).expect("same scheme"), Ordering::Equal);
    }
});
