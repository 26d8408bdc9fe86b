#![no_main]
//! Fuzzes the stored DB digest reader (a blob read back from the store): any bytes give a digest or `None`,
//! never a panic or an allocation beyond the input's size; a digest read back writes the same bytes.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Some(d) = bulwark_vulndb::DbDigest::from_bytes(data) {
        assert!(16 * (d.packages.len() + d.vulns.len()) <= data.len());
        let again = bulwark_vulndb::DbDigest::from_bytes(&d.to_bytes());
        assert_eq!(again.as_ref(), Some(&d));
        assert!(d.delta(&d).is_empty());
    }
});
