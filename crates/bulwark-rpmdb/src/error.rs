use std::io;

/// Everything that can go wrong while reading an rpm database.
///
/// Each variant says which layer failed (header blob, BerkeleyDB, NDB, SQLite) so a scan
/// warning can name it: "invalid BerkeleyDB Packages file: overflow page chain revisits page 7".
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RpmDbError {
    /// A header blob is truncated or internally inconsistent.
    #[error("invalid rpm header: {0}")]
    Header(String),
    /// A header blob parsed, but lacks a tag every installed package has.
    #[error("rpm header has no {0} tag")]
    MissingTag(&'static str),
    /// The BerkeleyDB hash file is truncated or inconsistent.
    #[error("invalid BerkeleyDB Packages file: {0}")]
    Bdb(String),
    /// The NDB `Packages.db` file is truncated or inconsistent.
    #[error("invalid NDB Packages.db file: {0}")]
    Ndb(String),
    /// SQLite refused the database (corrupt file, or more work than its size justifies).
    #[error("failed to read rpmdb.sqlite")]
    Sqlite(#[source] rusqlite::Error),
    /// The SQLite database has no plain `Packages` table (missing, a view, or a virtual table).
    #[error("rpmdb.sqlite has no Packages table")]
    NoPackagesTable,
    /// The `Packages` table is not what rpm writes: a generated column (computed on every read, so a few
    /// KiB could stand for gigabytes) or blobs larger than the file holds.
    #[error("rpmdb.sqlite: {0}")]
    Schema(String),
    /// The private temporary copy of the SQLite database could not be written.
    #[error("failed to stage rpmdb.sqlite in a temporary directory")]
    TempCopy(#[source] io::Error),
    /// One record of a database held a header that could not be parsed.
    #[error("failed to parse the header of {format} record {record}")]
    Record {
        /// Which database the record came from.
        format: crate::DbFormat,
        /// The record's key in that database (SQLite `hnum`, BDB key, NDB package index).
        record: u64,
        /// What was wrong with the header.
        #[source]
        source: Box<RpmDbError>,
    },
    /// The bytes start with none of the three database signatures.
    #[error("not an rpm database: no SQLite, BerkeleyDB hash or NDB signature")]
    UnknownFormat,
}
