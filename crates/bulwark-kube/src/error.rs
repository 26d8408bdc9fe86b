//! The crate's one error type. Every variant names what it was reading (a file, a URL, a request).

#[derive(Debug, thiserror::Error)]
pub enum KubeError {
    /// A kubeconfig, token, certificate or environments file that cannot be read or parsed; `at` is
    /// `path` or `path:line:column`.
    #[error("{at}: {reason}")]
    File { at: String, reason: String },
    /// The configuration is readable but does not say how to reach a cluster (unknown context, no server…).
    #[error("{0}")]
    Config(String),
    /// An `exec` credential plugin failed, timed out or printed something that is not an ExecCredential.
    #[error("exec credential plugin {command:?}: {reason}")]
    Exec { command: String, reason: String },
    /// The request could not be sent or its answer not read (connection refused, TLS, timeout, dropped).
    #[error("{method} {url}: {reason}")]
    Transport {
        method: &'static str,
        url: String,
        reason: String,
    },
    /// The API server answered with an error status; `message` is the Status object's message when it sent one.
    #[error("{method} {url}: HTTP {status}{}", if message.is_empty() { String::new() } else { format!(": {message}") })]
    Status {
        method: &'static str,
        url: String,
        status: u16,
        reason: String,
        message: String,
    },
    /// An answer that is not what the API documents (invalid JSON, a missing field, a line over the bound).
    #[error("{url}: {reason}")]
    Protocol { url: String, reason: String },
}

impl KubeError {
    pub(crate) fn file(path: &std::path::Path, reason: impl Into<String>) -> Self {
        Self::File {
            at: path.display().to_string(),
            reason: reason.into(),
        }
    }

    /// HTTP 410 Gone or a Status with reason `Expired`/`Gone`: the resource version or continue token is too old.
    #[must_use]
    pub fn is_gone(&self) -> bool {
        matches!(self, Self::Status { status: 410, .. })
            || matches!(self, Self::Status { reason, .. } if reason == "Expired" || reason == "Gone")
    }

    /// HTTP 401: the credentials were refused (an expired exec token, a rotated service-account token).
    #[must_use]
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, Self::Status { status: 401, .. })
    }
}

/// Reads a whole file of at most `max` bytes.
pub(crate) fn read_bounded(path: &std::path::Path, max: u64) -> Result<Vec<u8>, KubeError> {
    use std::io::Read as _;
    let f = std::fs::File::open(path).map_err(|e| KubeError::file(path, e.to_string()))?;
    let mut buf = Vec::new();
    f.take(max + 1)
        .read_to_end(&mut buf)
        .map_err(|e| KubeError::file(path, e.to_string()))?;
    if buf.len() as u64 > max {
        return Err(KubeError::file(path, format!("larger than {max} bytes")));
    }
    Ok(buf)
}
