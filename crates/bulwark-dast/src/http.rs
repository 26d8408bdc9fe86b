//! The blocking HTTP client the spider fetches through. HTTP/1.1 with ureq over rustls (aws-lc-rs); HTTP/2 comes
//! from a [`Fetch`] implementation outside this crate (bulwark-server owns the async stack). Redirects are never
//! followed here: the spider decides, so that off-scope redirects and loops are caught.
//!
//! STUB: built by the spider work (helper "crawl").

use std::path::PathBuf;
use std::time::Duration;

use crate::message::HttpMessage;

/// The User-Agent every request carries unless `--user-agent` says otherwise.
pub const USER_AGENT: &str = concat!(
    "Mozilla/5.0 (compatible; Bulwark-DAST/",
    env!("CARGO_PKG_VERSION"),
    "; passive; +https://example.invalid/bulwark)"
);

/// One request to make.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub method: String,
    pub url: String,
    /// Extra headers for this request (the client adds its configured ones).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub depth: u32,
}

/// Which HTTP versions to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpVersion {
    /// HTTP/1.1 only (ureq).
    #[default]
    Http1,
    /// Offer h2 and HTTP/1.1 by ALPN on TLS; HTTP/1.1 on plain http.
    Auto,
    /// HTTP/2 with prior knowledge (h2c on plain http).
    Http2PriorKnowledge,
}

/// Client settings (`bulwark dast` flags).
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub user_agent: String,
    /// Sent with every request (`-H 'Name: value'`).
    pub headers: Vec<(String, String)>,
    /// An auth header for logged-in scans, sent only to in-scope origins (`--auth-header 'Authorization: …'`).
    pub auth_header: Option<(String, String)>,
    /// Initial cookies (`--cookie 'name=value'`), kept in a jar with what the site sets.
    pub cookies: Vec<String>,
    /// Accept any certificate (`--insecure`); otherwise an invalid certificate is an error.
    pub insecure: bool,
    /// Extra CA certificates (PEM) to trust.
    pub ca_file: Option<PathBuf>,
    /// Per-request time limit (connect + headers + body).
    pub timeout: Duration,
    /// Bodies are cut at this many bytes, with `truncated` set and a warning.
    pub max_body: u64,
    pub http: HttpVersion,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            user_agent: USER_AGENT.to_string(),
            headers: Vec::new(),
            auth_header: None,
            cookies: Vec::new(),
            insecure: false,
            ca_file: None,
            timeout: Duration::from_secs(10),
            max_body: 10 * 1024 * 1024,
            http: HttpVersion::Http1,
        }
    }
}

/// Why one request failed. The spider records it as a diagnostic naming the URL and goes on; a seed that
/// fails is an error of the scan (exit 3).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum FetchError {
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("TLS: {0} (use --insecure to accept an invalid certificate)")]
    Tls(String),
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("{0}")]
    Protocol(String),
}

/// Something that makes one request and returns the message (never following redirects).
pub trait Fetch: Sync {
    fn fetch(&self, req: &Request) -> Result<HttpMessage, FetchError>;
}

/// The HTTP/1.1 client (ureq, rustls with aws-lc-rs), with a cookie jar.
pub struct Client {
    config: ClientConfig,
}

impl Client {
    pub fn new(config: ClientConfig) -> Result<Self, crate::DastError> {
        Ok(Self { config })
    }

    #[must_use]
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }
}

impl Fetch for Client {
    fn fetch(&self, req: &Request) -> Result<HttpMessage, FetchError> {
        Err(FetchError::Protocol(format!(
            "not built yet: {} {}",
            req.method, req.url
        )))
    }
}
