//! The on-disk DB: one SQLite file with an index on (namespace, package), opened read-only.
//!
//! SQLite rather than a custom format: indexed lookups without loading the file, a page cache that makes a
//! 5,000-package scan a few thousand B-tree probes, and a file anyone can inspect with `sqlite3`.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::model::{AffectedRecord, Enrichment, Vuln};

/// Bumped whenever the tables or the JSON in them change incompatibly.
pub const SCHEMA_VERSION: u32 = 1;

/// Past this age a scan warns that the DB is stale (`--db-max-age` turns it into an error). A week: the public
/// feeds change daily, and a week-old DB misses roughly a week of fixes, which a user should hear about, while a
/// laptop that was off for a weekend should not nag.
pub const DEFAULT_WARN_AGE: Duration = Duration::from_hours(7 * 24);

const SCHEMA: &str = "
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE sources(seq INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE vulns(id TEXT NOT NULL, origin TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY(id, origin)) WITHOUT ROWID;
CREATE TABLE aliases(alias TEXT NOT NULL, id TEXT NOT NULL, origin TEXT NOT NULL);
CREATE TABLE affected(namespace TEXT NOT NULL, package TEXT NOT NULL, vuln_id TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE enrich(cve TEXT PRIMARY KEY, data TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE namespaces(namespace TEXT PRIMARY KEY, rows INTEGER NOT NULL) WITHOUT ROWID;
";

const INDEXES: &str = "
CREATE INDEX affected_by_package ON affected(namespace, package);
CREATE INDEX aliases_by_alias ON aliases(alias);
INSERT INTO namespaces SELECT namespace, count(*) FROM affected GROUP BY namespace;
";

/// One feed that went into the DB.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceInfo {
    /// `osv:PyPI-all.zip`, `debian-tracker`, `alpine-secdb:v3.14/main.json`, `nvd`, `epss`, `kev`.
    pub name: String,
    /// `osv`, `debian`, `secdb`, `nvd`, `epss`, `kev`.
    pub kind: String,
    /// Where it was read from (path or URL).
    pub location: String,
    /// The feed's own date, or the file's modification time when the feed has none.
    pub date: Option<String>,
    pub records: u64,
    pub skipped: u64,
    pub withdrawn: u64,
    pub unsupported: u64,
}

/// The DB's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DbMeta {
    pub schema_version: u32,
    /// Build time, seconds since the Unix epoch.
    pub built_at: u64,
    pub sources: Vec<SourceInfo>,
}

impl DbMeta {
    /// How old the DB is at `now`.
    #[must_use]
    pub fn age(&self, now: SystemTime) -> Duration {
        let now = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        Duration::from_secs(now.saturating_sub(self.built_at))
    }
}

/// An open, read-only vulnerability DB.
pub struct VulnDb {
    conn: Connection,
    /// Progress-handler calls of the running statement (see [`STEP_BUDGET`]).
    steps: Arc<AtomicU32>,
    path: PathBuf,
    meta: DbMeta,
}

impl std::fmt::Debug for VulnDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VulnDb")
            .field("path", &self.path)
            .field("meta", &self.meta)
            .finish_non_exhaustive()
    }
}

/// What the 100-byte SQLite file header says about the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SqliteHeader {
    pub(crate) page_size: u64,
    /// The in-header database size in pages (0 when the header does not vouch for it).
    pub(crate) pages: u64,
}

impl SqliteHeader {
    /// Parses the header (<https://www.sqlite.org/fileformat.html#the_database_header>).
    pub(crate) fn parse(header: &[u8]) -> Result<SqliteHeader, String> {
        if header.len() < 100 {
            return Err(format!(
                "{} bytes, shorter than a SQLite header",
                header.len()
            ));
        }
        if &header[..16] != b"SQLite format 3\0" {
            return Err("not a SQLite database".into());
        }
        let page_size = match u16::from_be_bytes([header[16], header[17]]) {
            1 => 65536,
            n => u64::from(n),
        };
        if page_size < 512 || !page_size.is_power_of_two() {
            return Err(format!("invalid page size {page_size}"));
        }
        let be32 = |at: usize| {
            u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
        };
        // The page count is only valid when "version-valid-for" matches the change counter.
        let pages = if be32(92) == be32(24) {
            u64::from(be32(28))
        } else {
            0
        };
        Ok(SqliteHeader { page_size, pages })
    }

    /// The file size the header promises, when it vouches for one.
    pub(crate) fn size(self) -> Option<u64> {
        (self.pages > 0).then(|| self.pages.saturating_mul(self.page_size))
    }
}

fn header_check(path: &Path) -> Result<(), Error> {
    let corrupt = |reason: String| Error::Corrupt {
        path: path.to_owned(),
        reason,
    };
    let mut f = crate::atomic::open_regular(path)?;
    let len = f.metadata().map_err(|e| Error::io(path, e))?.len();
    let mut header = [0u8; 100];
    if len < 100 {
        return Err(corrupt(format!(
            "{len} bytes, shorter than a SQLite header"
        )));
    }
    f.read_exact(&mut header).map_err(|e| Error::io(path, e))?;
    let h = SqliteHeader::parse(&header).map_err(corrupt)?;
    if len % h.page_size != 0 || h.size().is_some_and(|s| len < s) {
        return Err(corrupt(format!(
            "{len} bytes, but the header says {} pages of {} bytes",
            h.pages, h.page_size
        )));
    }
    Ok(())
}

/// Every `sqlite_schema` entry a Bulwark DB has: `(type, name, sql)` with the SQL as [`Writer`] wrote it.
fn expected_schema() -> Vec<(&'static str, String, String)> {
    let mut out = Vec::new();
    for stmt in SCHEMA.split(';').chain(INDEXES.split(';')) {
        let stmt = stmt.trim();
        let (kind, rest) = if let Some(r) = stmt.strip_prefix("CREATE TABLE ") {
            ("table", r)
        } else if let Some(r) = stmt.strip_prefix("CREATE INDEX ") {
            ("index", r)
        } else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        out.push((kind, name, squeeze(stmt)));
    }
    out
}

/// SQL with runs of white space made one space, for comparing schema text.
fn squeeze(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Refuses a DB whose schema is anything but the tables and indexes Bulwark writes. Views, triggers, generated
/// or defaulted columns, extra tables: each could turn a lookup into arbitrary work chosen by whoever built the
/// file (an endless recursive CTE behind a view named `affected`), and none of them is in a DB we built.
fn schema_check(conn: &Connection) -> Result<(), String> {
    let mut expected = expected_schema();
    let mut stmt = conn
        .prepare("SELECT type, name, sql FROM sqlite_schema")
        .map_err(|e| e.to_string())?;
    let mut rows = stmt.query([]).map_err(|e| e.to_string())?;
    while let Some(row) = rows.next().map_err(|e| e.to_string())? {
        let kind: String = row.get(0).map_err(|e| e.to_string())?;
        let name: String = row.get(1).map_err(|e| e.to_string())?;
        let sql: Option<String> = row.get(2).map_err(|e| e.to_string())?;
        let sql = squeeze(sql.as_deref().unwrap_or(""));
        let Some(at) = expected
            .iter()
            .position(|(k, n, s)| *k == kind && *n == name && *s == sql)
        else {
            let shown: String = name.chars().take(80).collect();
            return Err(format!(
                "unexpected {kind} {shown:?} in the schema (a Bulwark DB has only its own tables and indexes)"
            ));
        };
        expected.swap_remove(at);
    }
    if let Some((kind, name, _)) = expected.first() {
        return Err(format!("the schema lacks the {kind} {name:?}"));
    }
    Ok(())
}

/// Installs the per-statement step budget on `conn`, counting in `steps`.
fn step_budget(conn: &Connection, steps: &Arc<AtomicU32>) -> rusqlite::Result<()> {
    let counter = Arc::clone(steps);
    conn.progress_handler(
        STEP_CHUNK,
        Some(move || counter.fetch_add(1, Ordering::Relaxed) >= STEP_BUDGET),
    )
}

/// SQLite VM instructions between two progress-handler calls.
const STEP_CHUNK: i32 = 1000;
/// Progress-handler calls one statement may take before it is interrupted: 200M VM instructions, a few
/// seconds of work. The largest real lookup (every rule of the Linux kernel in a distro namespace) needs a
/// few hundred thousand; only a hostile file needs more.
const STEP_BUDGET: u32 = 200_000;

impl VulnDb {
    /// Opens the DB read-only. Checks the SQLite header against the file size (a truncated download is caught
    /// here, before any query) and the schema version.
    pub fn open(path: &Path) -> Result<VulnDb, Error> {
        header_check(path)?;
        let corrupt = |e: rusqlite::Error| Error::Corrupt {
            path: path.to_owned(),
            reason: e.to_string(),
        };
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(corrupt)?;
        // The file never changes under an open handle (updates rename a new file into place), so: hold the
        // shared lock for the connection's life instead of taking it per statement (with the fcntl, fstat and
        // cache revalidation each costs), and read pages through mmap instead of pread.
        conn.execute_batch(
            "PRAGMA locking_mode = EXCLUSIVE; PRAGMA mmap_size = 1073741824; \
             PRAGMA trusted_schema = OFF; PRAGMA query_only = ON;",
        )
        .map_err(corrupt)?;
        // Every statement runs under a budget of VM steps ([`VulnDb::start`] resets it), so that no file can make
        // a lookup run forever, whatever the schema check below misses.
        let steps = Arc::new(AtomicU32::new(0));
        step_budget(&conn, &steps).map_err(corrupt)?;
        schema_check(&conn).map_err(|reason| Error::Foreign {
            path: path.to_owned(),
            reason,
        })?;
        steps.store(0, Ordering::Relaxed);
        let get = |key: &str| -> Result<Option<String>, Error> {
            conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()
                .map_err(corrupt)
        };
        let version = get("schema_version")?.unwrap_or_default();
        if version != SCHEMA_VERSION.to_string() {
            return Err(Error::Schema {
                path: path.to_owned(),
                found: if version.is_empty() {
                    "none".into()
                } else {
                    version
                },
                expected: SCHEMA_VERSION,
            });
        }
        let built_at = get("built_at")?
            .and_then(|v| v.parse().ok())
            .unwrap_or_default();
        let sources = {
            let mut stmt = conn
                .prepare("SELECT data FROM sources ORDER BY seq")
                .map_err(corrupt)?;
            let rows = stmt
                .query_map([], |r| r.get::<_, String>(0))
                .map_err(corrupt)?;
            let mut sources = Vec::new();
            for row in rows {
                let data = row.map_err(corrupt)?;
                sources.push(serde_json::from_str(&data).map_err(|e| Error::Corrupt {
                    path: path.to_owned(),
                    reason: format!("bad source record: {e}"),
                })?);
            }
            sources
        };
        Ok(VulnDb {
            conn,
            steps,
            path: path.to_owned(),
            meta: DbMeta {
                schema_version: SCHEMA_VERSION,
                built_at,
                sources,
            },
        })
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    #[must_use]
    pub fn meta(&self) -> &DbMeta {
        &self.meta
    }

    /// Errors with [`Error::Stale`] when the DB is older than `max_age`.
    pub fn check_age(&self, max_age: Duration, now: SystemTime) -> Result<(), Error> {
        let age = self.meta.age(now);
        if age > max_age {
            return Err(Error::Stale {
                path: self.path.clone(),
                age_days: age.as_secs() / 86400,
                max_days: max_age.as_secs() / 86400,
            });
        }
        Ok(())
    }

    fn corrupt(&self, e: impl std::fmt::Display) -> Error {
        let reason = if self.steps.load(Ordering::Relaxed) >= STEP_BUDGET {
            format!(
                "a query ran past its budget of {} million SQLite steps and was stopped",
                u64::from(STEP_BUDGET) * u64::try_from(STEP_CHUNK).unwrap_or(1) / 1_000_000
            )
        } else {
            e.to_string()
        };
        Error::Corrupt {
            path: self.path.clone(),
            reason,
        }
    }

    /// Starts a statement's step budget.
    fn start(&self) {
        self.steps.store(0, Ordering::Relaxed);
    }

    /// Every rule for `package` (already normalised) in `namespace`.
    pub fn affected(&self, namespace: &str, package: &str) -> Result<Vec<AffectedRecord>, Error> {
        self.start();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT vuln_id, data FROM affected WHERE namespace = ?1 AND package = ?2",
            )
            .map_err(|e| self.corrupt(e))?;
        let mut rows = stmt
            .query(params![namespace, package])
            .map_err(|e| self.corrupt(e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| self.corrupt(e))? {
            let id: String = row.get(0).map_err(|e| self.corrupt(e))?;
            let data: &str = row
                .get_ref(1)
                .and_then(|v| v.as_str().map_err(Into::into))
                .map_err(|e| self.corrupt(e))?;
            let mut rec: AffectedRecord =
                serde_json::from_str(data).map_err(|e| self.corrupt(e))?;
            namespace.clone_into(&mut rec.namespace);
            package.clone_into(&mut rec.package);
            rec.vuln_id = id;
            out.push(rec);
        }
        Ok(out)
    }

    /// The advisory `id` as the feed `origin` wrote it.
    pub fn vuln(&self, id: &str, origin: &str) -> Result<Option<Vuln>, Error> {
        self.start();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT data FROM vulns WHERE id = ?1 AND origin = ?2")
            .map_err(|e| self.corrupt(e))?;
        let data: Option<String> = stmt
            .query_row(params![id, origin], |r| r.get(0))
            .optional()
            .map_err(|e| self.corrupt(e))?;
        data.map(|d| serde_json::from_str(&d).map_err(|e| self.corrupt(e)))
            .transpose()
    }

    /// Advisories whose id or alias is `id`: `(id, origin)` pairs.
    pub fn lookup_id(&self, id: &str) -> Result<Vec<(String, String)>, Error> {
        self.start();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, origin FROM vulns WHERE id = ?1 UNION SELECT id, origin FROM aliases WHERE alias = ?1",
            )
            .map_err(|e| self.corrupt(e))?;
        let rows = stmt
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.corrupt(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.corrupt(e))
    }

    /// NVD, EPSS and KEV data for a CVE.
    pub fn enrichment(&self, cve: &str) -> Result<Option<Enrichment>, Error> {
        self.start();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT data FROM enrich WHERE cve = ?1")
            .map_err(|e| self.corrupt(e))?;
        let data: Option<String> = stmt
            .query_row([cve], |r| r.get(0))
            .optional()
            .map_err(|e| self.corrupt(e))?;
        data.map(|d| serde_json::from_str(&d).map_err(|e| self.corrupt(e)))
            .transpose()
    }

    /// Whether the DB has any advisory in `namespace` (`debian:12`).
    pub fn has_namespace(&self, namespace: &str) -> Result<bool, Error> {
        self.start();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT 1 FROM namespaces WHERE namespace = ?1")
            .map_err(|e| self.corrupt(e))?;
        stmt.exists([namespace]).map_err(|e| self.corrupt(e))
    }

    /// Every namespace with its number of rules.
    pub fn namespaces(&self) -> Result<Vec<(String, u64)>, Error> {
        self.start();
        let mut stmt = self
            .conn
            .prepare("SELECT namespace, rows FROM namespaces ORDER BY namespace")
            .map_err(|e| self.corrupt(e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))
            .map_err(|e| self.corrupt(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.corrupt(e))
    }

    /// Up to `limit` package names that have rules in `namespace`, sorted (for tools and benchmarks).
    pub fn packages(&self, namespace: &str, limit: usize) -> Result<Vec<String>, Error> {
        self.start();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT package FROM affected WHERE namespace = ?1 ORDER BY package LIMIT ?2",
            )
            .map_err(|e| self.corrupt(e))?;
        let rows = stmt
            .query_map(
                params![namespace, i64::try_from(limit).unwrap_or(i64::MAX)],
                |r| r.get(0),
            )
            .map_err(|e| self.corrupt(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.corrupt(e))
    }

    /// The digest of this DB's contents ([`crate::DbDigest`]), for the delta to another DB. Reads every row
    /// (the whole DB, as [`VulnDb::verify`] does), so the per-statement step budget is lifted while it runs.
    pub fn digest(&self) -> Result<crate::DbDigest, Error> {
        self.conn
            .progress_handler(0, None::<fn() -> bool>)
            .map_err(|e| self.corrupt(e))?;
        let result = crate::digest::DbDigest::of_connection(&self.conn);
        self.start();
        step_budget(&self.conn, &self.steps).map_err(|e| self.corrupt(e))?;
        result.map_err(|e| crate::digest::corrupt(&self.path, &e))
    }

    /// SQLite's full integrity check (reads every page; used after a download, not on every scan).
    pub fn verify(&self) -> Result<(), Error> {
        // The check visits every row of every table and index: on the full DB that is more work than one lookup's
        // budget, and it is bounded by the file's size anyway. The budget comes back for later statements.
        self.conn
            .progress_handler(0, None::<fn() -> bool>)
            .map_err(|e| self.corrupt(e))?;
        let result = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0));
        self.start();
        step_budget(&self.conn, &self.steps).map_err(|e| self.corrupt(e))?;
        let result = result.map_err(|e| self.corrupt(e))?;
        if result == "ok" {
            Ok(())
        } else {
            Err(self.corrupt(result))
        }
    }
}

/// Writes a new DB file. Rows go in unindexed inside one transaction; indexes are built at the end.
pub(crate) struct Writer {
    conn: Connection,
    path: PathBuf,
    enrich: HashMap<String, Enrichment>,
    pub(crate) vulns: u64,
    pub(crate) affected: u64,
}

impl Writer {
    pub(crate) fn create(path: &Path) -> Result<Writer, Error> {
        let w = |e| Error::Write {
            path: path.to_owned(),
            source: e,
        };
        // `path` is an empty file made by the caller (and locked by it); SQLite starts a new DB in it.
        let conn = Connection::open(path).map_err(w)?;
        conn.execute_batch(
            "PRAGMA page_size = 4096; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; BEGIN;",
        )
        .map_err(w)?;
        conn.execute_batch(SCHEMA).map_err(w)?;
        Ok(Writer {
            conn,
            path: path.to_owned(),
            enrich: HashMap::new(),
            vulns: 0,
            affected: 0,
        })
    }

    fn err(&self, e: rusqlite::Error) -> Error {
        Error::Write {
            path: self.path.clone(),
            source: e,
        }
    }

    pub(crate) fn add_vuln(&mut self, v: &Vuln) -> Result<(), Error> {
        let data = serde_json::to_string(v).expect("serialisable");
        self.conn
            .prepare_cached("INSERT OR REPLACE INTO vulns(id, origin, data) VALUES (?1, ?2, ?3)")
            .and_then(|mut s| s.execute(params![v.id, v.origin, data]))
            .map_err(|e| self.err(e))?;
        for alias in &v.aliases {
            self.conn
                .prepare_cached("INSERT INTO aliases(alias, id, origin) VALUES (?1, ?2, ?3)")
                .and_then(|mut s| s.execute(params![alias, v.id, v.origin]))
                .map_err(|e| self.err(e))?;
        }
        self.vulns += 1;
        Ok(())
    }

    pub(crate) fn add_affected(&mut self, a: &AffectedRecord) -> Result<(), Error> {
        let data = serde_json::to_string(a).expect("serialisable");
        self.conn
            .prepare_cached(
                "INSERT INTO affected(namespace, package, vuln_id, data) VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut s| s.execute(params![a.namespace, a.package, a.vuln_id, data]))
            .map_err(|e| self.err(e))?;
        self.affected += 1;
        Ok(())
    }

    /// Merges enrichment from several feeds (NVD, EPSS and KEV each fill their own fields).
    pub(crate) fn add_enrichment(&mut self, e: Enrichment) {
        let slot = self
            .enrich
            .entry(e.cve.clone())
            .or_insert_with(|| Enrichment {
                cve: e.cve.clone(),
                ..Enrichment::default()
            });
        if e.nvd.is_some() {
            slot.nvd = e.nvd;
            slot.nvd_severity = e.nvd_severity;
        }
        if e.epss.is_some() {
            slot.epss = e.epss;
            slot.epss_percentile = e.epss_percentile;
        }
        if e.kev.is_some() {
            slot.kev = e.kev;
        }
    }

    pub(crate) fn finish(
        mut self,
        sources: &[SourceInfo],
        built_at: SystemTime,
    ) -> Result<(), Error> {
        let enrich = std::mem::take(&mut self.enrich);
        for (cve, e) in &enrich {
            let data = serde_json::to_string(e).expect("serialisable");
            self.conn
                .prepare_cached("INSERT INTO enrich(cve, data) VALUES (?1, ?2)")
                .and_then(|mut s| s.execute(params![cve, data]))
                .map_err(|e| self.err(e))?;
        }
        for s in sources {
            let data = serde_json::to_string(s).expect("serialisable");
            self.conn
                .execute("INSERT INTO sources(data) VALUES (?1)", params![data])
                .map_err(|e| self.err(e))?;
        }
        let secs = built_at
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        for (k, v) in [
            ("schema_version", SCHEMA_VERSION.to_string()),
            ("built_at", secs.to_string()),
            ("built_at_rfc3339", crate::time::rfc3339(secs)),
        ] {
            self.conn
                .execute(
                    "INSERT INTO meta(key, value) VALUES (?1, ?2)",
                    params![k, v],
                )
                .map_err(|e| self.err(e))?;
        }
        self.conn.execute_batch(INDEXES).map_err(|e| self.err(e))?;
        self.conn
            .execute_batch("COMMIT;")
            .map_err(|e| self.err(e))?;
        let path = self.path.clone();
        self.conn.close().map_err(|(_, e)| Error::Write {
            path: path.clone(),
            source: e,
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_stops_at_its_step_budget() {
        let dir = std::env::temp_dir().join(format!("bulwark-vulndb-steps-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("steps.db");
        crate::build(
            &[crate::FeedInput::new(
                crate::FeedKind::Osv,
                Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/osv-npm"),
            )],
            &path,
            &crate::BuildOptions::default(),
        )
        .unwrap();
        let db = VulnDb::open(&path).unwrap();
        // The integrity check runs without the budget, which is back for the statements after it.
        db.verify().unwrap();
        db.start();
        let t = std::time::Instant::now();
        let e = db
            .conn
            .query_row(
                "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT max(n) FROM r",
                [],
                |r| r.get::<_, i64>(0),
            )
            .unwrap_err();
        assert!(t.elapsed() < Duration::from_mins(1), "{:?}", t.elapsed());
        assert!(db.corrupt(e).to_string().contains("budget"));
        // The next statement starts with a fresh budget.
        assert!(!db.affected("npm", "lodash").unwrap().is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn header_parse() {
        let mut h = [0u8; 100];
        h[..16].copy_from_slice(b"SQLite format 3\0");
        h[16..18].copy_from_slice(&4096u16.to_be_bytes());
        h[24..28].copy_from_slice(&7u32.to_be_bytes());
        h[28..32].copy_from_slice(&3u32.to_be_bytes());
        h[92..96].copy_from_slice(&7u32.to_be_bytes());
        assert_eq!(SqliteHeader::parse(&h).unwrap().size(), Some(3 * 4096));
        // "version-valid-for" stale: the page count is not vouched for.
        h[92..96].copy_from_slice(&6u32.to_be_bytes());
        assert_eq!(SqliteHeader::parse(&h).unwrap().size(), None);
        h[16..18].copy_from_slice(&1000u16.to_be_bytes());
        assert!(SqliteHeader::parse(&h).is_err());
        assert!(SqliteHeader::parse(&h[..50]).is_err());
        assert!(SqliteHeader::parse(&[0u8; 100]).is_err());
    }
}
