#![no_main]

// Version detection's two readers: a static pod manifest's `image:` tag (the bytes before the first 0xff, as
// text) and a binary's linked-in version string (the rest). Nothing may panic, and a version found is
// `major.minor` digits.
use bulwark_node::detect::{version_from_binary, version_from_manifest};

fn well_formed(v: &str) -> bool {
    let mut it = v.split('.');
    let ok = |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    ok(it.next()) && ok(it.next()) && it.next().is_none()
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let cut = data.iter().position(|&b| b == 0xff).unwrap_or(data.len());
    if let Some(v) = version_from_manifest(&String::from_utf8_lossy(&data[..cut])) {
        assert!(well_formed(&v), "{v:?}");
    }
    let rest = data.get(cut + 1..).unwrap_or_default();
    if let Some(v) = version_from_binary(rest) {
        assert!(well_formed(&v), "{v:?}");
        assert!(v.starts_with("1."));
    }
});
