#![no_main]
//! Fuzzes the names a stored package is looked up under when a DB delta is applied (its name and its purl's
//! `upstream` source package, from a pushed SBOM): any input gives a bounded list, never a panic, and the
//! package's own name always comes first.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (name, purl) = text.split_once('\n').unwrap_or(("", &text));
    let names = bulwark_inventory::lookup_names(name, purl);
    assert_eq!(names[0], name);
    let per_upstream = bulwark_inventory::MAX_PREFIXES + 1;
    assert!(names.len() <= 1 + bulwark_inventory::MAX_UPSTREAMS * per_upstream);
    assert!(
        names[1..]
            .iter()
            .all(|n| n.len() <= bulwark_inventory::MAX_SOURCE_NAME)
    );
});
