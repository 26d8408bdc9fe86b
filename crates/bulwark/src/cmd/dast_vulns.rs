//! The vulnerable-JavaScript-library rule's lookups (`bulwark_dast::rules::VulnLookup`) over the vulnerability
//! DB's npm (OSV) advisories, matched as `bulwark scan` matches an npm package: `bulwark_match::match_packages`
//! with one `npm` package, so version ranges, withdrawn advisories and aliases are judged the same way.

use std::path::Path;
use std::sync::Mutex;

use bulwark_dast::rules::{KnownVuln, VulnLookup};
use bulwark_types::{Package, PackageType};
use bulwark_vulndb::VulnDb;

/// The DB behind a lock (a SQLite connection is used by one thread at a time; rules run on any).
pub(crate) struct DbVulns {
    db: Mutex<VulnDb>,
}

impl DbVulns {
    /// Opens `--db` (or the default DB). A missing or unusable DB is `None` with a note on stderr: the rule
    /// then judges nothing, the scan goes on.
    pub(crate) fn open(path: Option<&Path>) -> Option<Self> {
        let path = path.map_or_else(bulwark_vulndb::default_db_path, Path::to_path_buf);
        if !path.exists() {
            eprintln!(
                "bulwark: note: no vulnerability DB at {} (run `bulwark db update` or give --db): JavaScript libraries are not looked up",
                path.display()
            );
            return None;
        }
        match VulnDb::open(&path) {
            Ok(db) => Some(Self { db: Mutex::new(db) }),
            Err(e) => {
                eprintln!(
                    "bulwark: note: cannot open the vulnerability DB {}: {e}; JavaScript libraries are not looked up",
                    path.display()
                );
                None
            }
        }
    }
}

impl VulnLookup for DbVulns {
    fn npm(&self, package: &str, version: &str) -> Vec<KnownVuln> {
        let pkg = Package::new(PackageType::Npm, package, version);
        let Ok(db) = self.db.lock() else {
            return Vec::new();
        };
        let opts = bulwark_match::MatchOptions::default();
        let Ok(result) = bulwark_match::match_packages(&db, &[pkg], None, &opts) else {
            return Vec::new();
        };
        result
            .findings
            .into_iter()
            .map(|f| {
                let prop = |k: &str| f.property(k).and_then(|v| v.as_str()).map(str::to_string);
                KnownVuln {
                    id: f.id.to_string(),
                    aliases: f
                        .property("aliases")
                        .and_then(|v| v.as_array())
                        .map(|a| {
                            a.iter()
                                .filter_map(|s| s.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default(),
                    severity: Some(f.severity.as_str().to_string()),
                    summary: f.title.to_string(),
                    fixed: prop("fixedVersion"),
                }
            })
            .collect()
    }
}
