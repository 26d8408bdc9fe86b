//! HTTP transport for one repository: TLS set-up, auth challenges, status mapping.

use std::fmt::Write as _;
use std::io::Read as _;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use ureq::http::Response;
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig, TlsProvider};
use ureq::{Agent, Body};

use crate::auth::{Challenge, Credentials, parse_challenges};
use crate::{Reference, RegistryError};

/// Query-string encoding: everything but RFC 3986 unreserved characters.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

const TOKEN_BODY_LIMIT: u64 = 1024 * 1024;

/// Transport settings, taken from [`crate::PullOptions`].
pub(crate) struct ClientConfig<'a> {
    pub(crate) insecure: bool,
    pub(crate) ca_file: Option<&'a Path>,
    pub(crate) credentials: Option<Credentials>,
    /// When the whole pull must be done, and how long it was given.
    pub(crate) deadline: Option<(Instant, Duration)>,
}

pub(crate) struct Client {
    deadline: Option<(Instant, Duration)>,
    agent: Agent,
    base: String,
    repository: String,
    credentials: Option<Credentials>,
    authorization: Option<String>,
}

/// `localhost`, `127.0.0.1` and `[::1]` (with or without a port) are spoken to over HTTP
/// unless a CA bundle is given.
pub(crate) fn is_loopback(host_port: &str) -> bool {
    let host = if host_port.starts_with('[') {
        host_port.split_inclusive(']').next().unwrap_or(host_port)
    } else {
        host_port.split(':').next().unwrap_or(host_port)
    };
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

/// Plain HTTP when asked to (`insecure`), or for a loopback host unless a CA bundle is given
/// (a CA bundle says the registry speaks TLS, even on this machine). HTTPS otherwise.
fn scheme(host: &str, insecure: bool, has_ca_file: bool) -> &'static str {
    if insecure || (is_loopback(host) && !has_ca_file) {
        "http"
    } else {
        "https"
    }
}

fn host_of_url(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    authority.rsplit_once('@').map_or(authority, |(_, h)| h)
}

fn load_roots(path: &Path) -> Result<RootCerts, RegistryError> {
    let bad = |reason: String| RegistryError::CaFile {
        path: path.to_owned(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let mut certs: Vec<Certificate<'static>> = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        if let PemItem::Certificate(c) = item.map_err(|e| bad(e.to_string()))? {
            certs.push(c);
        }
    }
    if certs.is_empty() {
        return Err(bad("no PEM certificate found".to_owned()));
    }
    Ok(RootCerts::new_with_certs(&certs))
}

/// The body's first bytes, as printable text, for error messages.
fn error_detail(resp: Response<Body>) -> String {
    let mut buf = Vec::new();
    let _ = resp
        .into_body()
        .into_with_config()
        .limit(4096)
        .reader()
        .take(300)
        .read_to_end(&mut buf);
    let text: String = String::from_utf8_lossy(&buf)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let text = text.trim();
    if text.is_empty() {
        String::new()
    } else {
        format!(": {text}")
    }
}

pub(crate) fn transport(method: &'static str, url: &str, e: ureq::Error) -> RegistryError {
    RegistryError::Transport {
        method,
        url: url.to_owned(),
        error: Box::new(e),
    }
}

/// A body reader that fails once the pull's deadline has passed, so that a registry dripping a byte every few
/// seconds (which never trips a per-read timeout) is cut off.
pub(crate) struct DeadlineReader<R> {
    inner: R,
    deadline: Option<Instant>,
}

impl<R: std::io::Read> std::io::Read for DeadlineReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the pull ran past its overall deadline",
            ));
        }
        self.inner.read(buf)
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
}

impl Client {
    pub(crate) fn new(
        reference: &Reference,
        config: ClientConfig<'_>,
    ) -> Result<Self, RegistryError> {
        let host = reference.api_host();
        let scheme = scheme(host, config.insecure, config.ca_file.is_some());
        let mut tls = TlsConfig::builder()
            .provider(TlsProvider::Rustls)
            .unversioned_rustls_crypto_provider(Arc::new(
                rustls::crypto::aws_lc_rs::default_provider(),
            ));
        let env_bundle = std::env::var_os("SSL_CERT_FILE").filter(|v| !v.is_empty());
        // Roots are only read when TLS is spoken, so a stale SSL_CERT_FILE cannot break
        // plain-HTTP pulls.
        if scheme == "https" {
            if let Some(ca) = config.ca_file {
                tls = tls.root_certs(load_roots(ca)?);
            } else if let Some(bundle) = env_bundle {
                tls = tls.root_certs(load_roots(Path::new(&bundle))?);
            }
        }
        let mut builder = Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(concat!("bulwark/", env!("CARGO_PKG_VERSION")))
            .tls_config(tls.build())
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_recv_response(Some(Duration::from_mins(2)))
            .timeout_per_read(Some(Duration::from_mins(2)));
        if is_loopback(host) {
            builder = builder.proxy(None);
        }
        Ok(Self {
            deadline: config.deadline,
            agent: builder.build().new_agent(),
            base: format!("{scheme}://{host}"),
            repository: reference.repository.clone(),
            credentials: config.credentials,
            authorization: None,
        })
    }

    /// `<base>/v2/<repository>/<kind>/<target>`
    pub(crate) fn url(&self, kind: &str, target: &str) -> String {
        format!("{}/v2/{}/{kind}/{target}", self.base, self.repository)
    }

    pub(crate) fn repository(&self) -> &str {
        &self.repository
    }

    /// Wraps a body reader so that it stops at the pull's deadline.
    pub(crate) fn deadline_reader<R: std::io::Read>(&self, inner: R) -> DeadlineReader<R> {
        DeadlineReader {
            inner,
            deadline: self.deadline.map(|(at, _)| at),
        }
    }

    /// The deadline the pull was given, if it has passed.
    pub(crate) fn deadline_passed(&self) -> Option<Duration> {
        self.deadline
            .filter(|(at, _)| Instant::now() >= *at)
            .map(|(_, d)| d)
    }

    /// A request with the time left before the deadline as its overall timeout (body included).
    fn request(
        &self,
        url: &str,
    ) -> Result<ureq::RequestBuilder<ureq::typestate::WithoutBody>, RegistryError> {
        self.request_with(false, url)
    }

    /// A GET (or with `head`, a HEAD) request with the deadline as its overall timeout.
    fn request_with(
        &self,
        head: bool,
        url: &str,
    ) -> Result<ureq::RequestBuilder<ureq::typestate::WithoutBody>, RegistryError> {
        let req = if head {
            self.agent.head(url)
        } else {
            self.agent.get(url)
        };
        let Some((at, after)) = self.deadline else {
            return Ok(req);
        };
        let left = at.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(RegistryError::Deadline {
                url: url.to_owned(),
                after,
            });
        }
        Ok(req.config().timeout_global(Some(left)).build())
    }

    /// Maps a transport error, naming the deadline when that is what stopped it.
    pub(crate) fn transport_err(&self, url: &str, e: ureq::Error) -> RegistryError {
        match (self.deadline, &e) {
            (Some((_, after)), ureq::Error::Timeout(ureq::Timeout::Global)) => {
                RegistryError::Deadline {
                    url: url.to_owned(),
                    after,
                }
            }
            _ => transport("GET", url, e),
        }
    }

    /// GETs `url`, answering one 401 challenge (basic or bearer) and retrying. Statuses other
    /// than 401/403 are returned for the caller to map.
    pub(crate) fn get(&mut self, url: &str, accept: &str) -> Result<Response<Body>, RegistryError> {
        self.send("GET", url, Some(accept), None)
    }

    /// Sends one request (`GET`, `HEAD`, `POST`, `PUT`), with `body` as `(bytes, content type)`, answering one
    /// 401 challenge (basic or bearer; a push's challenge asks for `pull,push` scope) and retrying. Statuses
    /// other than 401/403 are returned for the caller to map.
    pub(crate) fn send(
        &mut self,
        method: &'static str,
        url: &str,
        accept: Option<&str>,
        body: Option<(&[u8], &str)>,
    ) -> Result<Response<Body>, RegistryError> {
        self.send_with_headers(method, url, accept, body, &[])
    }

    /// [`Client::send`] with extra request headers (`Content-Range` of a chunk upload).
    pub(crate) fn send_with_headers(
        &mut self,
        method: &'static str,
        url: &str,
        accept: Option<&str>,
        body: Option<(&[u8], &str)>,
        headers: &[(&str, &str)],
    ) -> Result<Response<Body>, RegistryError> {
        let mut answered = false;
        loop {
            let resp = if method == "GET" || method == "HEAD" {
                let mut req = self.request_with(method == "HEAD", url)?;
                if let Some(a) = accept {
                    req = req.header("Accept", a);
                }
                if let Some(a) = &self.authorization {
                    req = req.header("Authorization", a);
                }
                req.call().map_err(|e| match self.transport_err(url, e) {
                    RegistryError::Transport { url, error, .. } => {
                        RegistryError::Transport { method, url, error }
                    }
                    other => other,
                })?
            } else {
                self.run(method, url, accept, body, headers)?
            };
            match resp.status().as_u16() {
                401 if !answered => {
                    answered = true;
                    let challenges: Vec<Challenge> = resp
                        .headers()
                        .get_all("www-authenticate")
                        .iter()
                        .filter_map(|v| v.to_str().ok())
                        .flat_map(parse_challenges)
                        .collect();
                    self.answer(method, url, &challenges)?;
                }
                401 => {
                    let reason = if self.credentials.is_some() {
                        "the registry rejected the credentials"
                    } else {
                        "the registry requires credentials (use --username/--password or `docker login`)"
                    };
                    return Err(RegistryError::Unauthorized {
                        method,
                        url: url.to_owned(),
                        reason: format!("{reason}{}", error_detail(resp)),
                    });
                }
                403 => {
                    return Err(RegistryError::Unauthorized {
                        method,
                        url: url.to_owned(),
                        reason: format!("access denied{}", error_detail(resp)),
                    });
                }
                _ => return Ok(resp),
            }
        }
    }

    /// A non-GET request through the `http` crate's builder, with the deadline as its overall timeout.
    fn run(
        &self,
        method: &'static str,
        url: &str,
        accept: Option<&str>,
        body: Option<(&[u8], &str)>,
        headers: &[(&str, &str)],
    ) -> Result<Response<Body>, RegistryError> {
        let mut builder = ureq::http::Request::builder().method(method).uri(url);
        if let Some(a) = accept {
            builder = builder.header("Accept", a);
        }
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        if let Some(a) = &self.authorization {
            builder = builder.header("Authorization", a);
        }
        let (bytes, content_type): (&[u8], &str) = body.unwrap_or((&[], ""));
        if !content_type.is_empty() {
            builder = builder.header("Content-Type", content_type);
        }
        let req = builder
            .body(bytes.to_vec())
            .map_err(|e| RegistryError::InvalidReference {
                input: url.to_owned(),
                reason: e.to_string(),
            })?;
        let mut config = self.agent.configure_request(req);
        if let Some((at, after)) = self.deadline {
            let left = at.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(RegistryError::Deadline {
                    url: url.to_owned(),
                    after,
                });
            }
            config = config.timeout_global(Some(left));
        }
        self.agent
            .run(config.build())
            .map_err(|e| match (self.deadline, &e) {
                (Some((_, after)), ureq::Error::Timeout(ureq::Timeout::Global)) => {
                    RegistryError::Deadline {
                        url: url.to_owned(),
                        after,
                    }
                }
                _ => transport(method, url, e),
            })
    }

    /// `<base>/v2/<repository>/<rest>` (`tags/list?n=…`, `referrers/<digest>`).
    pub(crate) fn api_url(&self, rest: &str) -> String {
        format!("{}/v2/{}/{rest}", self.base, self.repository)
    }

    /// `scheme://host` of the registry.
    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// `<base>` joined with a `Location` header (absolute, or a path on the registry).
    pub(crate) fn resolve_location(&self, location: &str) -> String {
        if location.starts_with("http://") || location.starts_with("https://") {
            location.to_owned()
        } else if location.starts_with('/') {
            format!("{}{location}", self.base)
        } else {
            format!("{}/{location}", self.base)
        }
    }

    fn answer(
        &mut self,
        method: &'static str,
        url: &str,
        challenges: &[Challenge],
    ) -> Result<(), RegistryError> {
        if let Some(bearer) = challenges.iter().find(|c| c.scheme == "bearer") {
            let token = self.fetch_token(method, url, bearer)?;
            self.authorization = Some(format!("Bearer {token}"));
            return Ok(());
        }
        if challenges.iter().any(|c| c.scheme == "basic") {
            let creds = self.credentials.as_ref().ok_or_else(|| RegistryError::Unauthorized {
                method,
                url: url.to_owned(),
                reason: "the registry requires credentials (basic auth; use --username/--password or `docker login`)".to_owned(),
            })?;
            self.authorization = Some(creds.basic_header());
            return Ok(());
        }
        Err(RegistryError::Unauthorized {
            method,
            url: url.to_owned(),
            reason: format!(
                "HTTP 401 without a Basic or Bearer challenge (got {:?})",
                challenges
                    .iter()
                    .map(|c| c.scheme.as_str())
                    .collect::<Vec<_>>()
            ),
        })
    }

    /// The token flow of the distribution spec: GET `realm?service=…&scope=…`, with basic
    /// credentials when we have them, and read `token` (or `access_token`).
    fn fetch_token(
        &self,
        method: &'static str,
        url: &str,
        challenge: &Challenge,
    ) -> Result<String, RegistryError> {
        let actions = if matches!(method, "GET" | "HEAD") {
            "pull"
        } else {
            "pull,push"
        };
        let scope = challenge
            .params
            .get("scope")
            .cloned()
            .unwrap_or_else(|| format!("repository:{}:{actions}", self.repository));
        let token_err = |token_url: &str, reason: String| RegistryError::Token {
            url: token_url.to_owned(),
            scope: scope.clone(),
            reason,
        };
        let realm = challenge
            .params
            .get("realm")
            .filter(|r| r.starts_with("https://") || r.starts_with("http://"))
            .ok_or_else(|| RegistryError::Unauthorized {
                method,
                url: url.to_owned(),
                reason: "Bearer challenge without an http(s) realm".to_owned(),
            })?;
        let mut token_url = realm.clone();
        token_url.push(if realm.contains('?') { '&' } else { '?' });
        if let Some(service) = challenge.params.get("service") {
            let _ = write!(
                token_url,
                "service={}&",
                utf8_percent_encode(service, QUERY)
            );
        }
        let _ = write!(token_url, "scope={}", utf8_percent_encode(&scope, QUERY));

        let mut req = self.request(&token_url)?;
        // Credentials go to the realm only over TLS or on this machine.
        let realm_safe = realm.starts_with("https://") || is_loopback(host_of_url(realm));
        if let Some(creds) = self.credentials.as_ref().filter(|_| realm_safe) {
            req = req.header("Authorization", creds.basic_header());
        }
        let resp = req.call().map_err(|e| self.transport_err(&token_url, e))?;
        let status = resp.status().as_u16();
        if status != 200 {
            return Err(token_err(
                &token_url,
                format!("HTTP {status}{}", error_detail(resp)),
            ));
        }
        let body = resp
            .into_body()
            .into_with_config()
            .limit(TOKEN_BODY_LIMIT)
            .read_to_vec()
            .map_err(|e| token_err(&token_url, e.to_string()))?;
        let parsed: TokenResponse = serde_json::from_slice(&body)
            .map_err(|e| token_err(&token_url, format!("invalid JSON: {e}")))?;
        parsed
            .token
            .or(parsed.access_token)
            .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or_else(|| token_err(&token_url, "no usable token in the response".to_owned()))
    }

    /// Maps a non-200 response to an error. 404 names what was missing.
    pub(crate) fn check_status(
        &self,
        url: &str,
        what: &str,
        resp: Response<Body>,
    ) -> Result<Response<Body>, RegistryError> {
        match resp.status().as_u16() {
            200 => Ok(resp),
            404 => Err(RegistryError::NotFound {
                url: url.to_owned(),
                what: what.to_owned(),
                repository: self.repository.clone(),
            }),
            status => Err(RegistryError::Status {
                method: "GET",
                url: url.to_owned(),
                status,
                detail: error_detail(resp),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for h in [
            "localhost",
            "localhost:5000",
            "127.0.0.1:5000",
            "[::1]:5000",
            "[::1]",
        ] {
            assert!(is_loopback(h), "{h}");
        }
        for h in [
            "registry-1.docker.io",
            "127.0.0.2:5000",
            "localhost.example.com",
            "[::2]:5",
        ] {
            assert!(!is_loopback(h), "{h}");
        }
        assert_eq!(host_of_url("http://u@127.0.0.1:9/token?x=y"), "127.0.0.1:9");
    }

    #[test]
    fn scheme_choice() {
        assert_eq!(scheme("registry-1.docker.io", false, false), "https");
        assert_eq!(scheme("registry.example.com:5000", true, false), "http");
        assert_eq!(scheme("registry.example.com:5000", false, true), "https");
        assert_eq!(scheme("127.0.0.1:5000", false, false), "http");
        assert_eq!(scheme("localhost", false, false), "http");
        assert_eq!(scheme("[::1]:5000", false, true), "https");
        assert_eq!(scheme("[::1]:5000", true, true), "http");
    }
}
