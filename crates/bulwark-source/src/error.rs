use std::path::PathBuf;

/// Why an image or a directory could not be read. Each variant says what was attempted on what.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("failed to read {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Format { path: String, message: String },
    #[error("{image}: manifest references blob {digest}, which is missing")]
    MissingBlob { image: String, digest: String },
    #[error("{what} {name}: digest mismatch: expected {expected}, got {actual}")]
    DigestMismatch {
        what: &'static str,
        name: String,
        expected: String,
        actual: String,
    },
    #[error("layer {index} ({digest}): {message}")]
    Layer {
        index: usize,
        digest: String,
        message: String,
        #[source]
        source: Option<std::io::Error>,
    },
    #[error("{0}")]
    Select(String),
    #[error("unsupported digest algorithm in '{0}' (only sha256 is supported)")]
    UnsupportedDigest(String),
}

impl SourceError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn format(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Format {
            path: path.into(),
            message: message.into(),
        }
    }
}
