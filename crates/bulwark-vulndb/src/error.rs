use std::path::PathBuf;

/// What went wrong while building, opening, querying or updating the DB.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "vulnerability database {} not found; run `bulwark db update` (or `bulwark db build`) to get one",
        path.display()
    )]
    NotFound { path: PathBuf },
    #[error(
        "vulnerability database {} is corrupt or truncated ({reason}); run `bulwark db update` to replace it",
        path.display()
    )]
    Corrupt { path: PathBuf, reason: String },
    #[error(
        "vulnerability database {} is not a database Bulwark built ({reason}); run `bulwark db update` to replace it",
        path.display()
    )]
    Foreign { path: PathBuf, reason: String },
    #[error(
        "vulnerability database {} is not a regular file (a FIFO, a device or a directory cannot be a database)",
        path.display()
    )]
    NotRegular { path: PathBuf },
    #[error(
        "vulnerability database {} has schema version {found}, this Bulwark reads version {expected}; run `bulwark db update`",
        path.display()
    )]
    Schema {
        path: PathBuf,
        found: String,
        expected: u32,
    },
    #[error(
        "vulnerability database {} was built {age_days} days ago, more than the allowed {max_days}; run `bulwark db update`",
        path.display()
    )]
    Stale {
        path: PathBuf,
        age_days: u64,
        max_days: u64,
    },
    #[error("failed to access {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to write vulnerability database {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("failed to read feed {}: {reason}", path.display())]
    Feed { path: PathBuf, reason: String },
    #[error("signature check failed for {what}: {reason}")]
    Signature { what: String, reason: String },
    #[error(
        "the database from {what} is not a usable Bulwark database: {reason}; refusing it, the previous database is kept"
    )]
    Invalid { what: String, reason: String },
    #[error("failed to download {url}: {reason}")]
    Download { url: String, reason: String },
    #[error(
        "update from the TUF repository {repository} failed: {reason}; the previous database is kept"
    )]
    Tuf { repository: String, reason: String },
    #[error(
        "digest mismatch for {url}: expected sha256:{expected}, got sha256:{actual}; refusing it, the previous database is kept"
    )]
    Digest {
        url: String,
        expected: String,
        actual: String,
    },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
