#![no_main]
//! Fuzzes the store location parser (`--store`, `BULWARK_STORE`): any string gives a location or a clear error,
//! never a panic; a PostgreSQL location keeps the string as given (trimmed); a SQLite path is never empty.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    match bulwark_store::Location::parse(s) {
        Ok(bulwark_store::Location::Sqlite(path)) => assert!(!path.as_os_str().is_empty()),
        Ok(bulwark_store::Location::Postgres(url)) => assert_eq!(url, s.trim()),
        Err(e) => assert!(e.to_string().starts_with("unknown store location"), "{e}"),
    }
    let _ = bulwark_store::valid_digest(s);
});
