//! Why an update was refused. Every message names the role, its version and the reason.

/// A refused or failed TUF update.
#[derive(Debug, thiserror::Error)]
pub enum TufError {
    /// A role's metadata is past its `expires` (freeze protection).
    #[error("{role} v{version} expired at {expires}")]
    Expired {
        role: String,
        version: u64,
        expires: String,
    },
    /// A version went down (rollback protection).
    #[error("{role} version {version} is older than the trusted version {trusted}{context}")]
    Rollback {
        role: String,
        version: u64,
        trusted: u64,
        /// Where the lower version was read, e.g. " (listed in timestamp v4)".
        context: String,
    },
    /// Not enough valid signatures from the keys that must sign.
    #[error("{role} v{version} is signed by {valid} of {threshold} required keys of {signer}")]
    Threshold {
        role: String,
        version: u64,
        valid: usize,
        threshold: u64,
        /// Whose keys: "root v1", "root v2 (its own)", "targets v3 (delegation of …)".
        signer: String,
    },
    /// Metadata that cannot be read or does not agree with what vouches for it.
    #[error("{what}: {reason}")]
    Metadata { what: String, reason: String },
    /// A target file that does not match its signed length or hashes, or is not listed.
    #[error("target {name}: {reason}")]
    Target { name: String, reason: String },
    /// The repository could not be reached (connection, timeout, HTTP 5xx).
    #[error("{url}: {reason}")]
    Unreachable { url: String, reason: String },
    /// The repository answered with an unexpected HTTP status.
    #[error("{url}: {reason}")]
    Http { url: String, reason: String },
    /// No root to start from.
    #[error(
        "no trusted root for {repository}: pass the repository's root.json (--tuf-root ROOT.json) once; it is kept in {cache}"
    )]
    NoTrustedRoot { repository: String, cache: String },
    /// A bad repository URL.
    #[error("{url}: {reason}")]
    Url { url: String, reason: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl TufError {
    /// True when the repository could not be reached; everything else is a refusal.
    #[must_use]
    pub fn is_unreachable(&self) -> bool {
        matches!(self, Self::Unreachable { .. })
    }

    pub(crate) fn meta(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Metadata {
            what: what.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.display().to_string(),
            source,
        }
    }
}
