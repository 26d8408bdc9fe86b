//! The blocking HTTP client the spider fetches through. HTTP/1.1 with ureq over rustls (aws-lc-rs); HTTP/2 comes
//! from a [`Fetch`] implementation outside this crate (bulwark-server owns the async stack). Redirects are never
//! followed here: the spider decides, so that off-scope redirects and loops are caught.
//!
//! Limits: one time budget per request, `min(timeout, the request's deadline)`, covering connect, headers and body
//! (ureq's `timeout_global`, so a body dripping one byte a second is cut off); at most `max_body` bytes of the
//! (decoded) body are read and kept, the rest is never read (`truncated`); gzip is decoded by ureq, other
//! encodings are not asked for (`Accept-Encoding: gzip`). Configured headers, the auth header and `--cookie`s
//! go only to in-scope requests ([`Request::off_scope`] false).

use std::io::Read;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig, TlsProvider};
use ureq::{Agent, Body};

use crate::message::HttpMessage;

/// The User-Agent every request carries unless `--user-agent` says otherwise.
pub const USER_AGENT: &str = concat!(
    "Mozilla/5.0 (compatible; Bulwark-DAST/",
    env!("CARGO_PKG_VERSION"),
    "; passive; +https://example.invalid/bulwark)"
);

/// The Accept header sent (a browser's, so that sites answer with their HTML).
pub const ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// One request to make.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub method: String,
    pub url: String,
    /// Extra headers for this request (the client adds its configured ones).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub depth: u32,
    /// The URL is outside the scan's scope: the configured headers, the auth header and the initial cookies are
    /// not sent (cookies the site itself set still are, by the jar's rules). Additive; default in scope.
    pub off_scope: bool,
    /// A point in time the request must end by (the crawl's `max_duration`); the client's budget is the smaller
    /// of its timeout and the time left. Additive; default none.
    pub deadline: Option<Instant>,
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

/// The headers every transport sends, in order, before the cookies: User-Agent, Accept, Accept-Encoding, the
/// configured headers and the auth header (in scope only), then the request's own.
#[must_use]
pub fn base_headers(
    config: &ClientConfig,
    req: &Request,
    accept_encoding: &str,
) -> Vec<(String, String)> {
    let mut h = vec![
        ("User-Agent".to_string(), config.user_agent.clone()),
        ("Accept".to_string(), ACCEPT.to_string()),
        ("Accept-Encoding".to_string(), accept_encoding.to_string()),
    ];
    if !req.off_scope {
        h.extend(config.headers.iter().cloned());
        h.extend(config.auth_header.iter().cloned());
    }
    h.extend(req.headers.iter().cloned());
    h
}

/// The time budget of a request: the smaller of the timeout and what is left before the deadline.
#[must_use]
pub fn budget(timeout: Duration, deadline: Option<Instant>) -> Duration {
    match deadline {
        Some(d) => timeout.min(d.saturating_duration_since(Instant::now())),
        None => timeout,
    }
}

/// Reads at most `max` bytes from `r`; the second value says whether there was more (one byte past the cap is
/// probed, never more).
pub fn read_capped(r: &mut impl Read, max: u64) -> std::io::Result<(Vec<u8>, bool)> {
    let mut body = Vec::new();
    r.by_ref().take(max).read_to_end(&mut body)?;
    let mut probe = [0u8; 1];
    let more = loop {
        match r.read(&mut probe) {
            Ok(n) => break n > 0,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    };
    Ok((body, more))
}

/// Loads the PEM certificates of a CA file.
fn load_roots(path: &std::path::Path) -> Result<Vec<Certificate<'static>>, crate::DastError> {
    let bad = |reason: String| crate::DastError::Other(format!("{}: {reason}", path.display()));
    let pem = std::fs::read(path).map_err(|e| crate::DastError::Io {
        path: path.display().to_string(),
        source: e,
    })?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        if let PemItem::Certificate(c) = item.map_err(|e| bad(e.to_string()))? {
            certs.push(c);
        }
    }
    if certs.is_empty() {
        return Err(bad("no PEM certificate found".into()));
    }
    Ok(certs)
}

// ---------------------------------------------------------------------------------------------------------------
// Cookies

/// Cookies kept at most (RFC 6265 §6.1 asks for at least 3000); the oldest goes first.
pub const MAX_COOKIES: usize = 3000;
/// A `Set-Cookie` longer than this is ignored (RFC 6265 §6.1: at least 4096 bytes per cookie).
pub const MAX_COOKIE_LEN: usize = 4096;

#[derive(Debug, Clone)]
struct Cookie {
    name: String,
    value: String,
    /// Lower-case host (host-only) or domain.
    domain: String,
    host_only: bool,
    path: String,
    secure: bool,
}

/// A cookie jar after RFC 6265 §5.3 (storage) and §5.4 (the Cookie header): domain and path matching, host-only
/// cookies, `Secure`, deletion by `Max-Age<=0` or an `Expires` in an earlier year. Not modelled: the public
/// suffix list (a `Domain` without a dot other than the host itself is refused instead), `SameSite` (every
/// request is a top-level one), expiry during the crawl of a cookie that had a future date. The `--cookie`s are
/// sent to in-scope requests only.
#[derive(Debug, Clone, Default)]
pub struct CookieJar {
    initial: Vec<(String, String)>,
    cookies: Vec<Cookie>,
}

impl CookieJar {
    /// A jar with the initial `name=value` cookies.
    #[must_use]
    pub fn new(initial: &[String]) -> Self {
        let initial = initial
            .iter()
            .filter_map(|c| {
                let (n, v) = c.split_once('=')?;
                let n = n.trim();
                (!n.is_empty()).then(|| (n.to_string(), v.trim().to_string()))
            })
            .collect();
        Self {
            initial,
            cookies: Vec::new(),
        }
    }

    /// Stores one `Set-Cookie` value received from `url`.
    pub fn store(&mut self, url: &url::Url, set_cookie: &str) {
        if set_cookie.len() > MAX_COOKIE_LEN {
            return;
        }
        let Some(host) = url.host_str().map(str::to_ascii_lowercase) else {
            return;
        };
        let mut parts = set_cookie.split(';');
        let Some((name, value)) = parts.next().and_then(|nv| nv.split_once('=')) else {
            return;
        };
        let name = name.trim();
        if name.is_empty() {
            return;
        }
        let mut cookie = Cookie {
            name: name.to_string(),
            value: value.trim().to_string(),
            domain: host.clone(),
            host_only: true,
            path: default_path(url.path()),
            secure: false,
        };
        let mut delete = false;
        for attr in parts {
            let (k, v) = attr.split_once('=').unwrap_or((attr, ""));
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
            match k.as_str() {
                "domain" if !v.is_empty() => {
                    let d = v.trim_start_matches('.').to_ascii_lowercase();
                    if !domain_match(&host, &d) || (!d.contains('.') && d != host) {
                        return; // §5.3 step 6: not the request's domain: ignored.
                    }
                    cookie.domain = d;
                    cookie.host_only = false;
                }
                "path" if v.starts_with('/') => cookie.path = v.to_string(),
                "secure" => cookie.secure = true,
                "max-age" if v.parse::<i64>().is_ok_and(|s| s <= 0) => delete = true,
                "expires" if expires_year(v).is_some_and(|y| y < current_year()) => delete = true,
                _ => {}
            }
        }
        self.cookies.retain(|c| {
            !(c.name == cookie.name && c.domain == cookie.domain && c.path == cookie.path)
        });
        if delete {
            return;
        }
        if self.cookies.len() >= MAX_COOKIES {
            self.cookies.remove(0);
        }
        self.cookies.push(cookie);
    }

    /// The `Cookie` header for a request to `url` (§5.4: longer paths first), or `None`.
    #[must_use]
    pub fn header(&self, url: &url::Url, off_scope: bool) -> Option<String> {
        let host = url.host_str()?.to_ascii_lowercase();
        let https = url.scheme() == "https";
        let mut matched: Vec<&Cookie> = self
            .cookies
            .iter()
            .filter(|c| {
                (if c.host_only {
                    c.domain == host
                } else {
                    domain_match(&host, &c.domain)
                }) && path_match(url.path(), &c.path)
                    && (!c.secure || https)
            })
            .collect();
        matched.sort_by_key(|c| std::cmp::Reverse(c.path.len()));
        let mut pairs: Vec<String> = Vec::new();
        if !off_scope {
            for (n, v) in &self.initial {
                if !matched.iter().any(|c| c.name == *n) {
                    pairs.push(format!("{n}={v}"));
                }
            }
        }
        pairs.extend(matched.iter().map(|c| format!("{}={}", c.name, c.value)));
        (!pairs.is_empty()).then(|| pairs.join("; "))
    }
}

/// RFC 6265 §5.1.3.
fn domain_match(host: &str, domain: &str) -> bool {
    host == domain
        || (host.len() > domain.len()
            && host.ends_with(domain)
            && host.as_bytes()[host.len() - domain.len() - 1] == b'.'
            && host.parse::<std::net::IpAddr>().is_err())
}

/// RFC 6265 §5.1.4.
fn default_path(path: &str) -> String {
    match path.rfind('/') {
        Some(0) | None => "/".to_string(),
        Some(i) => path[..i].to_string(),
    }
}

/// RFC 6265 §5.1.4.
fn path_match(req: &str, cookie: &str) -> bool {
    req == cookie
        || (req.starts_with(cookie)
            && (cookie.ends_with('/') || req.as_bytes().get(cookie.len()) == Some(&b'/')))
}

/// The first four-digit number of an `Expires` date (`Thu, 01 Jan 1970 00:00:00 GMT`).
fn expires_year(v: &str) -> Option<i64> {
    v.split(|c: char| !c.is_ascii_digit())
        .find(|t| t.len() == 4)
        .and_then(|t| t.parse().ok())
}

fn current_year() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // Good to a day, which is all a year comparison needs.
    1970 + i64::try_from(secs / 31_556_952).unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------------------------
// The HTTP/1.1 client

/// The HTTP/1.1 client (ureq, rustls with aws-lc-rs), with a cookie jar.
pub struct Client {
    config: ClientConfig,
    agent: Agent,
    jar: Mutex<CookieJar>,
}

impl Client {
    /// Builds the agent: no redirects, HTTP statuses as responses, no proxy, aws-lc-rs. `ca_file` gives ureq the
    /// CA's certificates as its roots (ureq takes one root set: with `--ca-file` the web PKI roots are not used
    /// on HTTP/1.1; the HTTP/2 transport adds the file to them).
    pub fn new(config: ClientConfig) -> Result<Self, crate::DastError> {
        let mut tls = TlsConfig::builder()
            .provider(TlsProvider::Rustls)
            .unversioned_rustls_crypto_provider(Arc::new(
                rustls::crypto::aws_lc_rs::default_provider(),
            ))
            .disable_verification(config.insecure);
        if let Some(ca) = &config.ca_file {
            tls = tls.root_certs(RootCerts::new_with_certs(&load_roots(ca)?));
        }
        let agent = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .user_agent(ureq::config::AutoHeaderValue::None)
            .accept(ureq::config::AutoHeaderValue::None)
            .accept_encoding(ureq::config::AutoHeaderValue::None)
            .tls_config(tls.build())
            .build()
            .new_agent();
        let jar = Mutex::new(CookieJar::new(&config.cookies));
        Ok(Self { config, agent, jar })
    }

    #[must_use]
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    fn jar(&self) -> std::sync::MutexGuard<'_, CookieJar> {
        self.jar
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A TLS failure in words a person can act on: rustls' names for the common certificate errors explained, the
/// rest as rustls says them.
#[must_use]
pub fn describe_tls(url: &str, text: &str) -> String {
    let hint = if text.contains("UnknownIssuer") {
        " (the certificate is not signed by a trusted CA: self-signed or a private CA; trust it with --ca-file)"
    } else if text.contains("CaUsedAsEndEntity") {
        " (the server's certificate is a CA certificate, basicConstraints CA:TRUE, which TLS refuses as a \
         server certificate)"
    } else if text.contains("NotValidForName") {
        " (the certificate does not name this host)"
    } else if text.contains("Expired") {
        " (the certificate has expired)"
    } else {
        ""
    };
    format!("{url}: {text}{hint}")
}

/// A ureq error as a [`FetchError`] naming the URL.
fn classify(url: &str, e: &ureq::Error, budget: Duration) -> FetchError {
    match e {
        ureq::Error::Timeout(_) => FetchError::Timeout(budget),
        ureq::Error::Rustls(r) => FetchError::Tls(describe_tls(url, &r.to_string())),
        ureq::Error::Tls(t) => FetchError::Tls(describe_tls(url, t)),
        ureq::Error::HostNotFound => FetchError::Connect(format!("{url}: host not found")),
        ureq::Error::ConnectionFailed => FetchError::Connect(format!("{url}: connection failed")),
        ureq::Error::Io(io) => classify_io(url, io, budget),
        other => FetchError::Protocol(format!("{url}: {other}")),
    }
}

fn classify_io(url: &str, io: &std::io::Error, budget: Duration) -> FetchError {
    if let Some(inner) = io.get_ref().and_then(|i| i.downcast_ref::<ureq::Error>()) {
        return classify(url, inner, budget);
    }
    if let Some(r) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        return FetchError::Tls(describe_tls(url, &r.to_string()));
    }
    match io.kind() {
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
            FetchError::Timeout(budget)
        }
        std::io::ErrorKind::ConnectionRefused
        | std::io::ErrorKind::ConnectionReset
        | std::io::ErrorKind::NotConnected
        | std::io::ErrorKind::AddrNotAvailable => FetchError::Connect(format!("{url}: {io}")),
        std::io::ErrorKind::InvalidData if io.to_string().contains("certificate") => {
            FetchError::Tls(describe_tls(url, &io.to_string()))
        }
        _ => FetchError::Protocol(format!("{url}: {io}")),
    }
}

impl Fetch for Client {
    fn fetch(&self, req: &Request) -> Result<HttpMessage, FetchError> {
        let start = Instant::now();
        let url = url::Url::parse(&req.url)
            .map_err(|e| FetchError::Protocol(format!("{}: invalid URL: {e}", req.url)))?;
        let budget = budget(self.config.timeout, req.deadline);
        if budget.is_zero() {
            return Err(FetchError::Timeout(budget));
        }
        let method = if req.method.is_empty() {
            "GET"
        } else {
            req.method.as_str()
        };
        let mut headers = base_headers(&self.config, req, "gzip");
        if let Some(c) = self.jar().header(&url, req.off_scope) {
            headers.push(("Cookie".to_string(), c));
        }
        let mut builder = ureq::http::Request::builder()
            .method(method)
            .uri(url.as_str());
        for (k, v) in &headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let built = |e: ureq::http::Error| FetchError::Protocol(format!("{url}: {e}"));
        let result = if req.body.is_empty() {
            let r = builder.body(()).map_err(built)?;
            let r = self
                .agent
                .configure_request(r)
                .timeout_global(Some(budget))
                .build();
            self.agent.run(r)
        } else {
            let r = builder.body(req.body.clone()).map_err(built)?;
            let r = self
                .agent
                .configure_request(r)
                .timeout_global(Some(budget))
                .build();
            self.agent.run(r)
        };
        let resp = result.map_err(|e| classify(url.as_str(), &e, budget))?;
        let status = resp.status().as_u16();
        let http_version = match resp.version() {
            ureq::http::Version::HTTP_10 => "HTTP/1.0",
            ureq::http::Version::HTTP_2 => "HTTP/2",
            _ => "HTTP/1.1",
        }
        .to_string();
        let response_headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        {
            let mut jar = self.jar();
            for (k, v) in &response_headers {
                if k.eq_ignore_ascii_case("set-cookie") {
                    jar.store(&url, v);
                }
            }
        }
        let body: Body = resp.into_body();
        let mut reader = body.into_with_config().limit(u64::MAX).reader();
        let (body, truncated) = read_capped(&mut reader, self.config.max_body)
            .map_err(|e| classify_io(url.as_str(), &e, budget))?;
        // Host is added by ureq from the URL; recorded first, as it goes on the wire.
        let host = match url.port() {
            Some(p) => format!("{}:{p}", url.host_str().unwrap_or("")),
            None => url.host_str().unwrap_or("").to_string(),
        };
        let mut request_headers = vec![("Host".to_string(), host)];
        request_headers.extend(headers);
        Ok(HttpMessage {
            method: method.to_string(),
            url: req.url.clone(),
            request_headers,
            request_body: req.body.clone(),
            status,
            http_version,
            response_headers,
            body,
            truncated,
            elapsed: start.elapsed(),
            depth: req.depth,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> url::Url {
        url::Url::parse(s).unwrap()
    }

    #[test]
    fn cookie_jar_follows_rfc6265() {
        let mut jar = CookieJar::new(&["init=1".to_string()]);
        // §5.3: a host-only cookie with the default path (§5.1.4: the directory of the request path).
        jar.store(&u("http://a.example/dir/page"), "sid=abc; HttpOnly");
        assert_eq!(
            jar.header(&u("http://a.example/dir/x"), false).as_deref(),
            Some("init=1; sid=abc")
        );
        assert_eq!(
            jar.header(&u("http://a.example/other"), false).as_deref(),
            Some("init=1")
        );
        // Host-only: not sent to a subdomain; initial cookies not sent off scope.
        assert_eq!(jar.header(&u("http://b.a.example/dir/x"), true), None);
        // Domain cookies go to subdomains; a foreign Domain is ignored (§5.3 step 6).
        jar.store(&u("http://a.example/"), "d=1; Domain=.a.example; Path=/");
        jar.store(&u("http://a.example/"), "evil=1; Domain=other.example");
        assert_eq!(
            jar.header(&u("http://b.a.example/"), true).as_deref(),
            Some("d=1")
        );
        // Secure only over https.
        jar.store(&u("https://s.example/"), "sec=1; Secure; Path=/");
        assert_eq!(jar.header(&u("http://s.example/"), true), None);
        assert_eq!(
            jar.header(&u("https://s.example/"), true).as_deref(),
            Some("sec=1")
        );
        // Max-Age=0 and a past Expires delete.
        jar.store(&u("https://s.example/"), "sec=; Max-Age=0; Path=/");
        assert_eq!(jar.header(&u("https://s.example/"), true), None);
        jar.store(
            &u("http://a.example/"),
            "d=; Domain=a.example; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
        );
        assert_eq!(jar.header(&u("http://b.a.example/"), true), None);
        // Path matching: /dir matches /dir and /dir/x, not /dirx.
        assert!(
            path_match("/dir", "/dir")
                && path_match("/dir/x", "/dir")
                && !path_match("/dirx", "/dir")
        );
    }

    #[test]
    fn scope_decides_the_configured_headers() {
        let config = ClientConfig {
            headers: vec![("X-A".into(), "1".into())],
            auth_header: Some(("Authorization".into(), "Bearer t".into())),
            ..ClientConfig::default()
        };
        let mut req = Request::default();
        let h = base_headers(&config, &req, "gzip");
        assert!(h.iter().any(|(k, _)| k == "Authorization"));
        req.off_scope = true;
        let h = base_headers(&config, &req, "gzip");
        assert!(!h.iter().any(|(k, _)| k == "Authorization" || k == "X-A"));
        assert!(
            h.iter()
                .any(|(k, v)| k == "User-Agent" && v.contains("Bulwark"))
        );
    }

    #[test]
    fn read_capped_stops_at_the_cap() {
        let data = vec![7u8; 1000];
        let (b, more) = read_capped(&mut &data[..], 100).unwrap();
        assert_eq!((b.len(), more), (100, true));
        let (b, more) = read_capped(&mut &data[..], 1000).unwrap();
        assert_eq!((b.len(), more), (1000, false));
    }
}
