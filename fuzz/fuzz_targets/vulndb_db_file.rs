#![no_main]
//! Fuzzes opening a vulnerability DB file and querying it (red team #14): any bytes give a DB that answers or
//! an error, never a panic or a hang. The SQLite header check, the schema check (only Bulwark's own tables and
//! indexes) and the per-statement step budget are what stand between a hostile file and the scan. Seed the
//! corpus with a real DB (`bulwark db build -o corpus/vulndb_db_file/small.db --osv
//! crates/bulwark-vulndb/testdata/osv-npm`) so that mutations reach past the header.

use std::io::Write as _;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("bulwark-fuzz-vulndb-{}.db", std::process::id()));
    let Ok(mut f) = std::fs::File::create(&path) else {
        return;
    };
    if f.write_all(data).is_err() {
        return;
    }
    drop(f);
    if let Ok(db) = bulwark_vulndb::VulnDb::open(&path) {
        let _ = db.affected("npm", "lodash");
        let _ = db.namespaces();
        let _ = db.lookup_id("CVE-2021-23337");
        let _ = db.enrichment("CVE-2021-23337");
        let _ = db.packages("npm", 10);
        let _ = db.has_namespace("debian:12");
    }
    let _ = std::fs::remove_file(&path);
});
