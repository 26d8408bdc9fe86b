//! `rpmdb.sqlite`: table `Packages(hnum INTEGER PRIMARY KEY, blob BLOB)`, one header per row.
//!
//! SQLite can only apply a write-ahead log that sits next to the database file, so both are
//! written into a private temporary directory and that copy is opened read-write (SQLite
//! replays the WAL into its wal-index there). The caller's files are never touched; the
//! directory is deleted when the function returns. A `-shm` file is not needed: SQLite
//! rebuilds the wal-index from the WAL itself.

use std::fs;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::{DbFormat, RpmDbError, RpmPackage, parse_records};

/// Reads every package from an `rpmdb.sqlite` database, honouring its `-wal` file.
///
/// Packages come in `hnum` order, which is the order `rpm -qa` prints them in. Pass the
/// sibling `rpmdb.sqlite-wal` as `wal` when the image has one: rpm commits into the WAL and
/// a database copied from a live system may hold its latest transactions only there.
///
/// # Errors
/// [`RpmDbError::TempCopy`] when the temporary copy cannot be written,
/// [`RpmDbError::Sqlite`] when SQLite rejects the file (corrupt, or more work than its size
/// justifies), [`RpmDbError::NoPackagesTable`] when `Packages` is missing or not a plain table, and
/// [`RpmDbError::Record`] when a row holds an unparsable header.
pub fn read_sqlite(db: &[u8], wal: Option<&[u8]>) -> Result<Vec<RpmPackage>, RpmDbError> {
    let dir = tempfile::Builder::new()
        .prefix("bulwark-rpmdb-")
        .tempdir()
        .map_err(RpmDbError::TempCopy)?;
    let path = dir.path().join("rpmdb.sqlite");
    fs::write(&path, db).map_err(RpmDbError::TempCopy)?;
    if let Some(wal) = wal.filter(|w| !w.is_empty()) {
        fs::write(dir.path().join("rpmdb.sqlite-wal"), wal).map_err(RpmDbError::TempCopy)?;
    }
    let rows = {
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(RpmDbError::Sqlite)?;
        // We only read; `query_only` makes SQLite refuse any write a hostile schema might cause.
        conn.pragma_update(None, "query_only", true)
            .map_err(RpmDbError::Sqlite)?;
        conn.pragma_update(None, "trusted_schema", false)
            .map_err(RpmDbError::Sqlite)?;
        // A view named Packages could compute rows forever (a recursive CTE); a real table's
        // rows are bounded by the file. Only a plain table is accepted.
        let sql: Option<String> = conn
            .query_row(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'Packages'",
                [],
                |row| row.get(0),
            )
            .optional()
            .map_err(RpmDbError::Sqlite)?;
        match sql {
            Some(sql)
                if !sql
                    .trim_start()
                    .to_ascii_uppercase()
                    .starts_with("CREATE VIRTUAL") => {}
            _ => return Err(RpmDbError::NoPackagesTable),
        }
        // rpm's table holds stored columns only. A generated column (`blob GENERATED ALWAYS AS
        // (zeroblob(900000000)) VIRTUAL`) costs nothing on disk and gigabytes per row read: refused.
        // `table_xinfo`'s `hidden` is 2 or 3 for generated columns.
        let mut columns = conn
            .prepare("SELECT name, hidden FROM pragma_table_xinfo('Packages')")
            .map_err(RpmDbError::Sqlite)?;
        let columns: Vec<(String, i64)> = columns
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(RpmDbError::Sqlite)?
            .collect::<Result<_, _>>()
            .map_err(RpmDbError::Sqlite)?;
        if let Some((name, _)) = columns.iter().find(|(_, hidden)| *hidden != 0) {
            return Err(RpmDbError::Schema(format!(
                "column Packages.{name} is generated or hidden, which rpm never writes; refused"
            )));
        }
        for want in ["hnum", "blob"] {
            if !columns.iter().any(|(n, _)| n.eq_ignore_ascii_case(want)) {
                return Err(RpmDbError::Schema(format!("Packages has no {want} column")));
            }
        }
        // Belt and braces: abort after a VM budget proportional to the input. A well-formed
        // database needs a few instructions per row; this allows far more.
        let budget = 10_000 + (db.len() + wal.map_or(0, <[u8]>::len)) / 64;
        let mut steps = 0usize;
        conn.progress_handler(
            1000,
            Some(move || {
                steps += 1;
                steps > budget
            }),
        )
        .map_err(RpmDbError::Sqlite)?;
        let mut stmt = conn
            .prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")
            .map_err(RpmDbError::Sqlite)?;
        // Stored blobs cannot hold more than the files do; more means something computed them.
        let limit = db.len() + wal.map_or(0, <[u8]>::len);
        let mut total = 0usize;
        let mut rows = Vec::new();
        let mut q = stmt.query([]).map_err(RpmDbError::Sqlite)?;
        while let Some(row) = q.next().map_err(RpmDbError::Sqlite)? {
            let blob = row.get_ref(1).map_err(RpmDbError::Sqlite)?;
            let len = blob
                .as_bytes_or_null()
                .ok()
                .flatten()
                .map_or(0, <[u8]>::len);
            total = total.saturating_add(len);
            if total > limit {
                return Err(RpmDbError::Schema(format!(
                    "the Packages blobs add up to more than the {limit} bytes of the database; refused"
                )));
            }
            rows.push((
                row.get::<_, i64>(0).map_err(RpmDbError::Sqlite)?,
                row.get::<_, Vec<u8>>(1).map_err(RpmDbError::Sqlite)?,
            ));
        }
        rows
    };
    // Removing the directory explicitly surfaces nothing useful on failure; drop does it.
    drop(dir);
    parse_records(
        DbFormat::Sqlite,
        rows.iter()
            .map(|(hnum, blob)| (u64::try_from(*hnum).unwrap_or(0), blob.as_slice())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::tests::minimal;

    fn new_db(path: &std::path::Path) -> Connection {
        let conn = Connection::open(path).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;
             CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);",
        )
        .unwrap();
        conn
    }

    #[test]
    fn wal_content_is_honoured() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rpmdb.sqlite");
        let conn = new_db(&path);
        conn.execute(
            "INSERT INTO Packages (blob) VALUES (?1)",
            [minimal("in-main")],
        )
        .unwrap();
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .unwrap();
        conn.execute(
            "INSERT INTO Packages (blob) VALUES (?1)",
            [minimal("in-wal")],
        )
        .unwrap();
        conn.execute("DELETE FROM Packages WHERE hnum = 1", [])
            .unwrap();
        // Copy while the connection is open so the WAL is neither checkpointed nor deleted.
        let db = fs::read(&path).unwrap();
        let wal = fs::read(dir.path().join("rpmdb.sqlite-wal")).unwrap();
        assert!(!wal.is_empty());

        let names = |p: Vec<RpmPackage>| p.into_iter().map(|p| p.name).collect::<Vec<_>>();
        assert_eq!(names(read_sqlite(&db, Some(&wal)).unwrap()), ["in-wal"]);
        assert_eq!(names(read_sqlite(&db, None).unwrap()), ["in-main"]);
        assert_eq!(names(read_sqlite(&db, Some(&[])).unwrap()), ["in-main"]);
        drop(conn);
    }

    #[test]
    fn generated_columns_are_refused_before_any_row_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.sqlite");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, x INTEGER, \
             blob BLOB GENERATED ALWAYS AS (zeroblob(900000000)) VIRTUAL);
             INSERT INTO Packages (hnum, x) VALUES (1, 1), (2, 2);",
        )
        .unwrap();
        drop(conn);
        let bytes = fs::read(&path).unwrap();
        let e = read_sqlite(&bytes, None).unwrap_err().to_string();
        assert!(e.contains("generated"), "{e}");
    }

    #[test]
    fn bad_sqlite_is_an_error() {
        assert!(matches!(
            read_sqlite(b"SQLite format 3\0garbage", None),
            Err(RpmDbError::Sqlite(_))
        ));
        // A valid SQLite file without the Packages table.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.sqlite");
        Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE t (x);")
            .unwrap();
        let bytes = fs::read(&path).unwrap();
        assert!(matches!(
            read_sqlite(&bytes, None),
            Err(RpmDbError::NoPackagesTable)
        ));
        // A view that would produce rows forever is refused before it runs.
        let path = dir.path().join("v.sqlite");
        Connection::open(&path)
            .unwrap()
            .execute_batch(
                "CREATE VIEW Packages AS WITH RECURSIVE c(x) AS \
                 (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x AS hnum, x'00' AS blob FROM c;",
            )
            .unwrap();
        let bytes = fs::read(&path).unwrap();
        assert!(matches!(
            read_sqlite(&bytes, None),
            Err(RpmDbError::NoPackagesTable)
        ));
        // A Packages row with a garbage blob names the record.
        let conn = new_db(&dir.path().join("y.sqlite"));
        conn.execute("INSERT INTO Packages (blob) VALUES (x'00000001ff')", [])
            .unwrap();
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .unwrap();
        let bytes = fs::read(dir.path().join("y.sqlite")).unwrap();
        let e = read_sqlite(&bytes, None).unwrap_err();
        assert!(matches!(e, RpmDbError::Record { record: 1, .. }), "{e}");
    }
}
