//! The one error type of this crate. Each variant says what was attempted on what.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

/// Everything that can go wrong while resolving, authenticating or pulling an image.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The image reference does not follow Docker's grammar.
    #[error("invalid image reference {input:?}: {reason}")]
    InvalidReference { input: String, reason: String },

    /// The platform string is not `os/arch[/variant]`.
    #[error(
        "invalid platform {input:?}: {reason} (expected os/arch[/variant], e.g. linux/arm64/v8)"
    )]
    InvalidPlatform { input: String, reason: String },

    /// A digest is not `algorithm:hex`, or its hex part has the wrong shape.
    #[error("invalid digest {digest:?}: {reason}")]
    InvalidDigest { digest: String, reason: String },

    /// A digest uses an algorithm other than sha256.
    #[error("unsupported digest algorithm in {digest:?}: only sha256 is supported")]
    UnsupportedDigest { digest: String },

    /// The connection or the TLS handshake failed, or the body could not be read. The message says the
    /// cause once, in words ([`describe`]); the `ureq` error is kept for callers that match on it, but is not
    /// a `source()`, so that a printed chain does not repeat it.
    #[error("{method} {url}: {}", describe(error))]
    Transport {
        method: &'static str,
        url: String,
        error: Box<ureq::Error>,
    },

    /// The connection broke while a body was being read.
    #[error("GET {url}: reading the body: {}", describe_io(error))]
    Download { url: String, error: io::Error },

    /// The pull ran past its overall deadline ([`crate::PullOptions::deadline`]).
    #[error(
        "GET {url}: the pull did not finish within its deadline of {}s (set BULWARK_PULL_TIMEOUT to allow longer)",
        after.as_secs()
    )]
    Deadline { url: String, after: Duration },

    /// A layer's descriptor declares more bytes than [`crate::PullOptions::max_layer_bytes`] allows.
    #[error(
        "layer {digest} declares {declared} bytes, more than the {limit}-byte limit; nothing was downloaded"
    )]
    LayerTooLarge {
        reference: String,
        digest: String,
        declared: u64,
        limit: u64,
    },

    /// The registry answered with an unexpected HTTP status.
    #[error("{method} {url}: HTTP {status}{detail}")]
    Status {
        method: &'static str,
        url: String,
        status: u16,
        /// The start of the registry's error body, prefixed with ": ", or empty.
        detail: String,
    },

    /// The manifest or blob does not exist in the repository.
    #[error("GET {url}: {what} not found in repository {repository}")]
    NotFound {
        url: String,
        what: String,
        repository: String,
    },

    /// The registry refused our credentials, or wants credentials we do not have.
    #[error("{method} {url}: authentication failed: {reason}")]
    Unauthorized {
        method: &'static str,
        url: String,
        reason: String,
    },

    /// The token endpoint named in a `WWW-Authenticate: Bearer` challenge failed.
    #[error("GET {url} (token for {scope}): {reason}")]
    Token {
        url: String,
        scope: String,
        reason: String,
    },

    /// Downloaded bytes do not hash to the digest they were requested by.
    #[error(
        "GET {url}: digest mismatch in repository {repository}: expected {expected}, got {actual}"
    )]
    DigestMismatch {
        url: String,
        repository: String,
        expected: String,
        actual: String,
    },

    /// A blob is longer or shorter than its descriptor says.
    #[error(
        "GET {url}: size mismatch in repository {repository}: expected {expected} bytes, got {actual}"
    )]
    SizeMismatch {
        url: String,
        repository: String,
        expected: u64,
        actual: u64,
    },

    /// A manifest (or config) exceeds the size we are willing to hold in memory.
    #[error("GET {url}: {what} larger than the {limit}-byte limit")]
    TooLarge {
        url: String,
        what: &'static str,
        limit: u64,
    },

    /// A listing (tags, referrers, an index's entries) has more entries than we are willing to hold.
    #[error("{url}: {what} has more than {limit} entries; refusing it")]
    TooManyEntries {
        url: String,
        what: String,
        limit: usize,
    },

    /// A manifest or index is not valid JSON of the expected shape.
    #[error("{url}: invalid manifest: {reason}")]
    InvalidManifest { url: String, reason: String },

    /// The manifest's media type is not one of the four we accept.
    #[error("{url}: unsupported manifest media type {media_type:?}")]
    UnsupportedManifest { url: String, media_type: String },

    /// A layer's media type is not a (gzip, zstd or uncompressed) tar layer.
    #[error("{reference}: layer {digest} has unsupported media type {media_type:?}")]
    UnsupportedLayer {
        reference: String,
        digest: String,
        media_type: String,
    },

    /// An image index has no manifest for the requested platform.
    #[error("{reference}: no manifest for platform {wanted}; available: {available}")]
    PlatformNotFound {
        reference: String,
        wanted: String,
        available: String,
    },

    /// A file-system operation on the cache or a config file failed.
    #[error("{action} {}: {error}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        error: io::Error,
    },

    /// The CA bundle could not be read or holds no certificate.
    #[error("CA bundle {}: {reason}", path.display())]
    CaFile { path: PathBuf, reason: String },

    /// `~/.docker/config.json` (or `$DOCKER_CONFIG/config.json`) is malformed.
    #[error("Docker config {}: {reason}", path.display())]
    DockerConfig { path: PathBuf, reason: String },
}

impl RegistryError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io {
            action,
            path: path.into(),
            error: source,
        }
    }
}

/// A transport error in words, each cause once. ureq's own texts are terse (`timeout: per read`), and the TLS
/// error for the most common self-signed certificate (`CaUsedAsEndEntity`) says nothing a person can act on.
pub(crate) fn describe(e: &ureq::Error) -> String {
    use ureq::Timeout;
    match e {
        ureq::Error::Timeout(Timeout::Global) => {
            "the pull ran past its overall deadline (BULWARK_PULL_TIMEOUT)".to_owned()
        }
        ureq::Error::Timeout(Timeout::PerRead | Timeout::RecvBody) => {
            "timed out: the registry sent no data for 2 minutes".to_owned()
        }
        ureq::Error::Timeout(Timeout::RecvResponse) => {
            "timed out: the registry did not answer within 2 minutes".to_owned()
        }
        ureq::Error::Timeout(Timeout::Connect) => {
            "timed out: could not connect within 30 seconds".to_owned()
        }
        ureq::Error::Timeout(t) => format!("timed out ({t})"),
        ureq::Error::TooManyRedirects => "too many redirects".to_owned(),
        ureq::Error::Io(io) => describe_io(io),
        other => plain_tls(other.to_string()),
    }
}

/// rustls' certificate errors in words a person can act on; other texts unchanged.
fn plain_tls(text: String) -> String {
    if text.contains("CaUsedAsEndEntity") {
        "TLS: the server's certificate is a CA certificate (basicConstraints CA:TRUE), which TLS does not \
         accept as a server certificate, even when it is the --ca-file (`openssl req -x509` makes such \
         certificates unless told otherwise). Give the server a certificate signed by that CA, or make the \
         self-signed one with `-addext basicConstraints=critical,CA:FALSE`"
            .to_owned()
    } else if text.contains("UnknownIssuer") {
        "TLS: the server's certificate is not signed by a trusted CA (pass the CA's certificate with --ca-file)"
            .to_owned()
    } else {
        text
    }
}

/// An I/O error in words: a ureq error carried inside it (body reads) is described once, not twice.
pub(crate) fn describe_io(e: &io::Error) -> String {
    if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<ureq::Error>()) {
        return describe(inner);
    }
    plain_tls(e.to_string())
}
