//! What enters the inventory: SBOMs per digest, and the DB version that matches them.

use std::fmt::Write as _;
use std::io::Read as _;

use bulwark_store::{PackageRow, Store};
use sha2::{Digest as _, Sha256};

use crate::Error;

/// What an ingest stored.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Ingested {
    pub digest: String,
    pub packages: usize,
    /// Problems the SBOM reader reported (skipped components…).
    pub warnings: Vec<String>,
}

/// Stores `sbom` (CycloneDX or SPDX JSON, or a Bulwark JSON report) as the SBOM of `digest`, with its packages
/// (and the layer that brought each in, when the document records it). The bytes are checked by parsing them
/// first: a malformed SBOM stores nothing.
pub fn ingest_sbom(
    store: &Store,
    digest: &str,
    refs: &[String],
    sbom: &[u8],
    source: &str,
    now: i64,
) -> Result<Ingested, Error> {
    let parsed = bulwark_sbom::parse_sbom(sbom, source)?;
    let rows: Vec<PackageRow> = parsed.packages.iter().map(PackageRow::from).collect();
    store.put_image(digest, refs, sbom, &rows, now)?;
    Ok(Ingested {
        digest: digest.to_owned(),
        packages: rows.len(),
        warnings: parsed.diagnostics.iter().map(ToString::to_string).collect(),
    })
}

/// The version of a DB file: its build time and the start of its SHA-256, so that two DBs built in the same
/// second are still two versions (`db-1733500000-3f2a9c1b0d4e`).
pub fn db_version(db: &bulwark_vulndb::VulnDb) -> Result<String, Error> {
    let path = db.path();
    let err = |source| Error::DbFile {
        path: path.display().to_string(),
        source,
    };
    let mut f = std::fs::File::open(path).map_err(err)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(err)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    let hex = h.finalize()[..6].iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    });
    Ok(format!("db-{}-{hex}", db.meta().built_at))
}
