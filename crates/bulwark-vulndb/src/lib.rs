//! Bulwark's vulnerability database: build it from the public feeds, store it as one indexed file, query it by
//! (namespace, package), and update it safely.
//!
//! ```no_run
//! use bulwark_vulndb::{FeedInput, FeedKind, BuildOptions, VulnDb, build};
//! let out = std::path::Path::new("/tmp/bulwark.db");
//! let report = build(
//!     &[
//!         FeedInput::new(FeedKind::Osv, "PyPI-all.zip"),
//!         FeedInput::new(FeedKind::Secdb, "alpine-secdb/"),
//!         FeedInput::new(FeedKind::Kev, "known_exploited_vulnerabilities.json"),
//!     ],
//!     out,
//!     &BuildOptions::default(),
//! )?;
//! println!("{} advisories, {} bytes", report.vulns, report.bytes);
//! let db = VulnDb::open(out)?;
//! for rule in db.affected("PyPI", "requests")? {
//!     println!("{} fixed in {:?}", rule.vuln_id, rule.fixed);
//! }
//! # Ok::<(), bulwark_vulndb::Error>(())
//! ```
//!
//! Namespaces: OS advisories are stored under `<distro>:<release>` (`debian:12`, `alpine:3.14`,
//! `almalinux:9`) by source package; language advisories under their OSV ecosystem (`PyPI`, `npm`).

mod atomic;
mod builder;
pub mod digest;
mod error;
pub mod feeds;
pub mod model;
pub mod namespace;
pub mod signature;
mod store;
pub mod time;
pub mod update;

use std::path::PathBuf;

pub use builder::{BuildOptions, BuildReport, FeedInput, FeedKind, build, read_feed};
pub use digest::{DbDigest, Delta};
pub use error::Error;
pub use model::{AffectedRecord, Cvss, Enrichment, Kev, RatedSeverity, Status, Vuln};
pub use namespace::{distro_namespace, normalize_name, osv_namespace};
pub use signature::{BUILTIN_PUBLIC_KEY_PEM, PublicKey};
pub use store::{DEFAULT_WARN_AGE, DbMeta, SCHEMA_VERSION, SourceInfo, VulnDb};
pub use update::{
    DEFAULT_DB_REPOSITORY, DEFAULT_TUF_TARGET, FeedUrl, Freshness, Install, Progress,
    RECHECK_INTERVAL, UPDATE_INTERVAL, UpdateReport, Verification, default_feeds, freshness,
    install_file, local_path, parse_digest, sha256_file, update_from_feeds, update_from_tuf,
    update_from_url, update_from_url_with,
};

/// The DB path when none is given: `$BULWARK_DB`, else `$XDG_CACHE_HOME/bulwark/db/bulwark.db`, else
/// `~/.cache/bulwark/db/bulwark.db`.
#[must_use]
pub fn default_db_path() -> PathBuf {
    if let Some(p) = std::env::var_os("BULWARK_DB").filter(|v| !v.is_empty()) {
        return PathBuf::from(p);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        })
        .unwrap_or_else(std::env::temp_dir);
    cache.join("bulwark").join("db").join("bulwark.db")
}
