//! Bulwark's inventory store: the SBOM of each image digest and its packages, the history of its findings
//! (first seen, last seen, fixed at), where each digest runs, verdicts, the notification queue and the
//! re-matching jobs that server replicas share. SQLite (a file, the default) or PostgreSQL (several replicas),
//! behind one synchronous [`Store`].
//!
//! ```
//! use bulwark_store::{FindingRow, PackageRow, Store};
//! use bulwark_types::Severity;
//!
//! let dir = tempfile::tempdir()?;
//! let store = Store::open(&format!("sqlite:{}", dir.path().join("bulwark.db").display()))?;
//! let digest = format!("sha256:{}", "a".repeat(64));
//! store.put_image(&digest, &["example.com/app:1".into()], b"{}", &[], 100)?;
//! let row = FindingRow {
//!     vuln_id: "CVE-2026-0001".into(),
//!     purl: "pkg:deb/debian/openssl@3.0.1".into(),
//!     package_name: "openssl".into(),
//!     package_version: "3.0.1".into(),
//!     severity: Severity::High,
//!     fixed_version: Some("3.0.2".into()),
//!     layer_index: Some(0),
//!     layer_digest: None,
//!     layer_created_by: None,
//!     owner_team: None,
//!     owner_rule: None,
//!     details: None,
//! };
//! let diff = store.apply_findings(&digest, "db-1", 200, &[row.clone()])?;
//! assert_eq!(diff.new.len(), 1);
//! let again = store.apply_findings(&digest, "db-1", 300, &[row])?;
//! assert!(again.new.is_empty() && again.still_open == 1);
//! let gone = store.apply_findings(&digest, "db-2", 400, &[])?;
//! assert_eq!(gone.fixed.len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// Row counts, sizes and indexes stored as SQL BIGINT are far below i64::MAX.
#![allow(clippy::cast_possible_wrap)]

mod baseline;
mod db;
mod enforcement;
mod nodes;
mod objects;
mod ops;
mod query;
mod results;
mod runtime;
mod schema;
mod types;
mod views;

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};

use db::{Exec, PgTx, Raw, SqliteTx};

pub use baseline::{BaselineDelta, BaselineRecord, ContainerRecord};
pub use enforcement::{ActionRow, DeniedDigest, MAX_ENFORCEMENT_TEXT, StoredAction};
pub use nodes::{
    MAX_NODE_FINDINGS_BYTES, MAX_NODE_NAME, NODE_RESULT_KINDS, NodeResult, NodeSummary, NodeTotals,
    valid_node_name,
};
pub use objects::{
    MAX_OBJECT_BYTES, ObjectsWritten, REFUSED_KINDS, Refused, StoredObject, trim_object,
};
pub use ops::{MAX_PAYLOAD_BYTES, MAX_SBOM_BYTES, valid_digest, version_built_at};
pub use query::{
    FindingKey, FindingQuery, ImageDetail, ImageSummary, SeverityCounts, VerdictSummary,
    WorkloadKey, WorkloadQuery, WorkloadRow,
};
pub use results::{
    MAX_RESULT_FINDINGS_BYTES, MAX_SOURCE_NAME, ResultSummary, StoredResult, ToolCounts,
    finding_tool, tool_counts, valid_label,
};
pub use runtime::{
    MAX_ALERT_BYTES, PRIORITIES, RuntimeAlert, RuntimeAlertQuery, StoredRuntimeAlert, priority_rank,
};
pub use schema::SCHEMA_VERSION;
pub use types::{
    Change, ChangeKind, CveQuery, CveRow, Cycle, CyclePlan, Diff, Finding, FindingRow, Image, Job,
    JobCounts, Notification, NotificationState, PackageRow, Placement, PlacementFilter,
    PlacementRecord, VerdictRecord, Workload,
};
pub use views::{
    DayCounts, FindingDetail, NotificationRow, OverviewRow, RuntimeCounts, VerdictRow,
};

/// Errors name the store (its path, or its URL without password) and what failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "unknown store location '{0}': expected a file path, sqlite:PATH, postgres://…, postgresql://… or \
         PostgreSQL key=value settings (host=… dbname=…)"
    )]
    UnknownScheme(String),
    #[error("failed to open SQLite store {path}: {message}")]
    SqliteOpen { path: String, message: String },
    #[error("failed to connect to PostgreSQL store {url}: {message}")]
    PgConnect { url: String, message: String },
    #[error("store {location}: {message}")]
    Database { location: String, message: String },
    #[error(
        "store {location} has schema version {found}, newer than this bulwark supports ({supported}): \
         upgrade bulwark or use another store"
    )]
    SchemaTooNew {
        location: String,
        found: i64,
        supported: i64,
    },
    #[error(
        "{location} is not a bulwark store: it has tables ({tables}) but no schema_migrations; \
         use an empty database or file"
    )]
    NotAStore { location: String, tables: String },
    #[error("image {digest} is not in store {location}")]
    UnknownImage { location: String, digest: String },
    #[error("invalid image digest '{0}': expected sha256:<64 hex digits> (or sha384/sha512)")]
    InvalidDigest(String),
    #[error("store {location}: {message}")]
    Invalid { location: String, message: String },
}

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Which database a store location names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file (created if missing).
    Sqlite(PathBuf),
    /// A PostgreSQL connection string, URL or key=value form, as the `postgres` crate parses it.
    Postgres(String),
}

impl Location {
    /// `PATH`, `sqlite:PATH`, `sqlite://PATH`, `postgres://…`, `postgresql://…`, or key=value settings
    /// starting with `host=`, `dbname=` or `user=`. Any other `scheme://` is refused.
    pub fn parse(s: &str) -> Result<Self> {
        let s = s.trim();
        if s.is_empty() {
            return Err(Error::UnknownScheme(s.to_owned()));
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(Self::Postgres(s.to_owned()));
        }
        if ["host=", "dbname=", "user=", "port="]
            .iter()
            .any(|p| s.starts_with(p))
        {
            return Ok(Self::Postgres(s.to_owned()));
        }
        if let Some(rest) = s.strip_prefix("sqlite:") {
            let rest = rest.strip_prefix("//").unwrap_or(rest);
            if rest.is_empty() {
                return Err(Error::UnknownScheme(s.to_owned()));
            }
            return Ok(Self::Sqlite(PathBuf::from(rest)));
        }
        if let Some((scheme, _)) = s.split_once("://")
            && !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
        {
            return Err(Error::UnknownScheme(redact(s)));
        }
        Ok(Self::Sqlite(PathBuf::from(s)))
    }
}

/// The URL with any password replaced by `***`.
fn redact(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((auth, host)) = rest.split_once('@')
        && let Some((user, _)) = auth.split_once(':')
    {
        return format!("{scheme}://{user}:***@{host}");
    }
    // key=value form: hide password=….
    url.split_whitespace()
        .map(|kv| {
            if kv.starts_with("password=") {
                "password=***"
            } else {
                kv
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The back end of a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// What a transaction may do, which decides how SQLite begins it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Behavior {
    /// Reads only: SQLite `BEGIN DEFERRED` (a snapshot, no lock taken); PostgreSQL statements without
    /// `BEGIN` (autocommit).
    Read,
    /// Writes: SQLite `BEGIN IMMEDIATE` (the write lock up front).
    Write,
}

enum Conn {
    Sqlite(rusqlite::Connection),
    Pg(postgres::Client, db::PgCache),
}

/// One connection to a store. Every method is one transaction. `Store` is `Send + Sync` (the connection sits
/// behind a mutex), but one `Store` serialises its callers: open one per worker thread for parallel work.
///
/// A struct over an enum of the two connections rather than a trait object: there are exactly two back ends, the
/// operations are written once against a small internal `Exec` interface, and callers get one concrete type.
pub struct Store {
    conn: Mutex<Conn>,
    location: String,
    backend: Backend,
}

// The connection has nothing worth showing.
#[allow(clippy::missing_fields_in_debug)]
impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("location", &self.location)
            .field("backend", &self.backend)
            .finish()
    }
}

const PG_MIGRATION_LOCK: i64 = 0x0062_756c_7761_726b; // "bulwark"

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn pg_message(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut m = format!("{}: {}", db.severity(), db.message());
        if let Some(d) = db.detail() {
            m.push_str(" (");
            m.push_str(d);
            m.push(')');
        }
        return m;
    }
    let mut m = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        m.push_str(": ");
        m.push_str(&s.to_string());
        src = s.source();
    }
    m
}

impl Store {
    /// Opens (creating if needed) the store at `location` (see [`Location::parse`]) and brings its schema up to
    /// date. Two processes opening the same new store at once do not both migrate (SQLite `BEGIN IMMEDIATE`,
    /// PostgreSQL advisory lock). A store whose schema is newer than [`SCHEMA_VERSION`] is refused.
    pub fn open(location: &str) -> Result<Self> {
        match Location::parse(location)? {
            Location::Sqlite(path) => Self::open_sqlite(&path),
            Location::Postgres(url) => Self::open_postgres(&url),
        }
    }

    fn open_sqlite(path: &std::path::Path) -> Result<Self> {
        let shown = path.display().to_string();
        let fail = |e: rusqlite::Error| Error::SqliteOpen {
            path: shown.clone(),
            message: e.to_string(),
        };
        let conn = rusqlite::Connection::open(path).map_err(fail)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(fail)?;
        // WAL: readers do not block the writer; NORMAL sync in WAL survives a process crash (kill -9).
        // Switching a new file to WAL needs its exclusive lock, and SQLite answers SQLITE_BUSY at once (without the
        // busy handler) while another opener holds a lock on it, e.g. migrating: retry within the busy timeout.
        let started = std::time::Instant::now();
        let mode: String = loop {
            match conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)) {
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if matches!(
                        e.code,
                        rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                    ) && started.elapsed() < std::time::Duration::from_secs(30) =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                r => break r.map_err(fail)?,
            }
        };
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::SqliteOpen {
                path: shown,
                message: format!("cannot use WAL (journal mode {mode})"),
            });
        }
        conn.execute_batch(
            "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY;",
        )
        .map_err(fail)?;
        let store = Self {
            conn: Mutex::new(Conn::Sqlite(conn)),
            location: shown,
            backend: Backend::Sqlite,
        };
        store.migrate()?;
        Ok(store)
    }

    fn open_postgres(url: &str) -> Result<Self> {
        let shown = redact(url);
        let fail = |m: String| Error::PgConnect {
            url: shown.clone(),
            message: m,
        };
        let mut config: postgres::Config = url
            .parse()
            .map_err(|e: postgres::Error| fail(pg_message(&e)))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(std::time::Duration::from_secs(10));
        }
        let client = config
            .connect(postgres::NoTls)
            .map_err(|e| fail(pg_message(&e)))?;
        let store = Self {
            conn: Mutex::new(Conn::Pg(client, db::PgCache::new())),
            location: shown,
            backend: Backend::Postgres,
        };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&self) -> Result<()> {
        loop {
            let step = self.write(|tx| {
                if tx.is_pg() {
                    tx.batch(&format!(
                        "SELECT pg_advisory_xact_lock({PG_MIGRATION_LOCK})"
                    ))?;
                }
                schema::step(tx, now_secs())
            })?;
            match step {
                schema::Step::Applied => {}
                schema::Step::UpToDate => return Ok(()),
                schema::Step::Foreign(tables) => {
                    let mut shown = tables
                        .iter()
                        .take(5)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ");
                    if tables.len() > 5 {
                        shown.push_str(", …");
                    }
                    return Err(Error::NotAStore {
                        location: self.location.clone(),
                        tables: shown,
                    });
                }
                schema::Step::TooNew(found) => {
                    return Err(Error::SchemaTooNew {
                        location: self.location.clone(),
                        found,
                        supported: SCHEMA_VERSION,
                    });
                }
            }
        }
    }

    /// The location as shown in messages (a PostgreSQL password is masked).
    #[must_use]
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Which back end this store uses.
    #[must_use]
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The schema version recorded in the store.
    pub fn schema_version(&self) -> Result<i64> {
        self.read(|tx| {
            let rows = tx.query("SELECT MAX(version) FROM schema_migrations", &[])?;
            Ok(rows
                .first()
                .map(|r| r.oi(0))
                .transpose()?
                .flatten()
                .unwrap_or(0))
        })
    }

    fn lock(&self) -> MutexGuard<'_, Conn> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wrap(&self, e: Raw) -> Error {
        match e {
            Raw::Sqlite(e) => Error::Database {
                location: self.location.clone(),
                message: e.to_string(),
            },
            Raw::Pg(e) => Error::Database {
                location: self.location.clone(),
                message: pg_message(&e),
            },
            Raw::Other(message) => Error::Invalid {
                location: self.location.clone(),
                message,
            },
            Raw::Err(e) => *e,
        }
    }

    /// Runs `f` in one write transaction (SQLite `BEGIN IMMEDIATE`: writers queue up front, never deadlock
    /// half-way). Rolled back if `f` fails.
    pub(crate) fn write<R>(&self, f: impl FnOnce(&mut dyn Exec) -> Result<R, Raw>) -> Result<R> {
        self.transaction(Behavior::Write, f)
    }

    /// Runs `f` as a read: one transaction on SQLite (a consistent snapshot); on PostgreSQL each statement by
    /// itself, which under `READ COMMITTED` sees what a transaction's statement would (a snapshot per
    /// statement), and is enough for the single queries reads serve.
    pub(crate) fn read<R>(&self, f: impl FnOnce(&mut dyn Exec) -> Result<R, Raw>) -> Result<R> {
        self.transaction(Behavior::Read, f)
    }

    /// Runs `f` in one transaction of the given kind, committed if `f` succeeds and rolled back (dropped)
    /// otherwise.
    fn transaction<R>(
        &self,
        behavior: Behavior,
        f: impl FnOnce(&mut dyn Exec) -> Result<R, Raw>,
    ) -> Result<R> {
        let mut guard = self.lock();
        let r: Result<R, Raw> = match &mut *guard {
            Conn::Sqlite(c) => (|| {
                let tx = c.transaction_with_behavior(match behavior {
                    Behavior::Read => rusqlite::TransactionBehavior::Deferred,
                    Behavior::Write => rusqlite::TransactionBehavior::Immediate,
                })?;
                let mut tx = SqliteTx(tx);
                let r = f(&mut tx)?;
                tx.0.commit()?;
                Ok(r)
            })(),
            Conn::Pg(c, cache) => (|| {
                if behavior == Behavior::Read {
                    // Under READ COMMITTED each statement sees its own snapshot, in a transaction or not: a read
                    // runs without BEGIN and COMMIT, two round trips fewer.
                    return f(&mut PgTx { client: c, cache });
                }
                let mut tx = c.transaction()?;
                let r = f(&mut PgTx {
                    client: &mut tx,
                    cache,
                })?;
                tx.commit()?;
                Ok(r)
            })(),
        };
        r.map_err(|e| self.wrap(e))
    }

    /// SQLite `PRAGMA integrity_check` (and `foreign_key_check`); on PostgreSQL, checks that the invariants the
    /// store relies on hold (at most one open finding per key is enforced by a unique index). Returns the
    /// problems found, empty when consistent.
    pub fn check(&self) -> Result<Vec<String>> {
        self.read(|tx| {
            let mut problems = Vec::new();
            if !tx.is_pg() {
                for r in tx.query("PRAGMA integrity_check", &[])? {
                    let m = r.t(0)?;
                    if m != "ok" {
                        problems.push(m);
                    }
                }
                for r in tx.query("PRAGMA foreign_key_check", &[])? {
                    problems.push(format!("foreign key violation in {}", r.t(0)?));
                }
            }
            for r in tx.query(
                "SELECT digest, vuln_id, purl, COUNT(*) FROM findings WHERE fixed_at IS NULL \
                 GROUP BY digest, vuln_id, purl HAVING COUNT(*) > 1",
                &[],
            )? {
                problems.push(format!("{} open findings for {} {} {}", r.i(3)?, r.t(0)?, r.t(1)?, r.t(2)?));
            }
            for r in tx.query(
                "SELECT i.digest, i.package_count, COUNT(p.idx) FROM images i LEFT JOIN packages p \
                 ON p.digest = i.digest GROUP BY i.digest, i.package_count HAVING i.package_count <> COUNT(p.idx)",
                &[],
            )? {
                problems.push(format!("image {} records {} packages but has {}", r.t(0)?, r.i(1)?, r.i(2)?));
            }
            Ok(problems)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations() {
        assert_eq!(
            Location::parse("a/b.db").unwrap(),
            Location::Sqlite("a/b.db".into())
        );
        assert_eq!(
            Location::parse("sqlite:/x/y.db").unwrap(),
            Location::Sqlite("/x/y.db".into())
        );
        assert_eq!(
            Location::parse("sqlite:///x/y.db").unwrap(),
            Location::Sqlite("/x/y.db".into())
        );
        assert!(matches!(
            Location::parse("postgres://u@h/db").unwrap(),
            Location::Postgres(_)
        ));
        assert!(matches!(
            Location::parse("postgresql://u@h/db").unwrap(),
            Location::Postgres(_)
        ));
        assert!(matches!(
            Location::parse("host=/tmp/s dbname=x").unwrap(),
            Location::Postgres(_)
        ));
        let e = Location::parse("mysql://root:secret@h/db")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("unknown store location 'mysql://root:***@h/db'"),
            "{e}"
        );
        assert!(Location::parse("").is_err());
        assert!(Location::parse("sqlite:").is_err());
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact("postgres://u:pw@h:5/db"), "postgres://u:***@h:5/db");
        assert_eq!(
            redact("host=/s password=pw dbname=x"),
            "host=/s password=*** dbname=x"
        );
    }
}
