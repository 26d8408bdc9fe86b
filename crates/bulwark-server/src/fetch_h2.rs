//! HTTP/2 for `bulwark dast`: a [`Fetch`] over hyper's client connections (`hyper::client::conn::http2` and
//! `http1`), tokio-rustls with aws-lc-rs and ALPN (`h2`, `http/1.1`), h2c with prior knowledge on plain http. A
//! current-thread tokio runtime lives inside the client, so the DAST crate stays synchronous.
//!
//! Same limits as the HTTP/1.1 client of bulwark-dast: one time budget per request (connect, TLS, headers and
//! body; the smaller of the timeout and the crawl's deadline), at most `max_body` bytes kept and nothing read
//! past them, no redirects followed, the cookie jar and scope rules of `bulwark_dast::http::CookieJar` and
//! `base_headers`, `--insecure` and `--ca-file` (added to the web PKI roots). No content coding is asked for
//! (`Accept-Encoding: identity`). One connection per request: a passive crawl is paced, and a fresh connection
//! keeps one request's failure from touching the next.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bulwark_dast::http::{
    self as dh, ClientConfig, CookieJar, Fetch, FetchError, HttpVersion, Request,
};
use bulwark_dast::{DastError, HttpMessage};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use tokio::io::{AsyncRead, AsyncWrite};

/// The transport for `--http`: ureq for `1`, hyper (h2 by ALPN, or prior knowledge) for `auto` and `2`.
pub fn client(config: ClientConfig) -> Result<Box<dyn Fetch>, DastError> {
    match config.http {
        HttpVersion::Http1 => Ok(Box::new(dh::Client::new(config)?)),
        HttpVersion::Auto => Ok(Box::new(AutoClient {
            h1: dh::Client::new(config.clone())?,
            h2: H2Client::new(config)?,
        })),
        HttpVersion::Http2PriorKnowledge => Ok(Box::new(H2Client::new(config)?)),
    }
}

/// `--http auto`: https through the hyper client, which offers h2 and HTTP/1.1 by ALPN; plain http through ureq
/// (HTTP/1.1 with pooled connections: without TLS there is no ALPN, and h2c needs prior knowledge).
struct AutoClient {
    h1: dh::Client,
    h2: H2Client,
}

impl Fetch for AutoClient {
    fn fetch(&self, req: &Request) -> Result<HttpMessage, FetchError> {
        if req
            .url
            .get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
        {
            self.h2.fetch(req)
        } else {
            self.h1.fetch(req)
        }
    }
}

/// The hyper-based client.
pub struct H2Client {
    config: ClientConfig,
    rt: tokio::runtime::Runtime,
    tls: Arc<rustls::ClientConfig>,
    jar: Mutex<CookieJar>,
}

/// `--insecure`: every certificate is accepted (signatures are still checked to be well-formed by rustls' own
/// handshake; the chain and name are not).
#[derive(Debug)]
struct AcceptAny(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

impl H2Client {
    pub fn new(config: ClientConfig) -> Result<Self, DastError> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| DastError::Other(format!("TLS configuration: {e}")))?;
        let mut tls = if config.insecure {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AcceptAny(provider)))
                .with_no_client_auth()
        } else {
            let mut roots = rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            };
            if let Some(ca) = &config.ca_file {
                let bad = |reason: String| DastError::Other(format!("{}: {reason}", ca.display()));
                let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(ca)
                    .map_err(|e| bad(e.to_string()))?
                    .collect::<Result<_, _>>()
                    .map_err(|e| bad(e.to_string()))?;
                if certs.is_empty() {
                    return Err(bad("no PEM certificate found".into()));
                }
                for c in certs {
                    roots.add(c).map_err(|e| bad(e.to_string()))?;
                }
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        };
        tls.alpn_protocols = match config.http {
            HttpVersion::Http2PriorKnowledge => vec![b"h2".to_vec()],
            HttpVersion::Auto => vec![b"h2".to_vec(), b"http/1.1".to_vec()],
            HttpVersion::Http1 => vec![b"http/1.1".to_vec()],
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| DastError::Other(format!("cannot start the HTTP/2 runtime: {e}")))?;
        let jar = Mutex::new(CookieJar::new(&config.cookies));
        Ok(Self {
            config,
            rt,
            tls: Arc::new(tls),
            jar,
        })
    }

    fn jar(&self) -> std::sync::MutexGuard<'_, CookieJar> {
        self.jar
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// What came back, before it becomes a message.
struct Got {
    status: u16,
    version: &'static str,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    truncated: bool,
    sent: Vec<(String, String)>,
}

fn io_error(url: &str, e: &std::io::Error) -> FetchError {
    if let Some(r) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        return FetchError::Tls(dh::describe_tls(url, &r.to_string()));
    }
    match e.kind() {
        std::io::ErrorKind::TimedOut => FetchError::Timeout(Duration::ZERO),
        std::io::ErrorKind::InvalidData => FetchError::Tls(dh::describe_tls(url, &e.to_string())),
        _ => FetchError::Connect(format!("{url}: {e}")),
    }
}

impl H2Client {
    async fn exchange(
        &self,
        url: &url::Url,
        method: &str,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> Result<Got, FetchError> {
        let host = url
            .host_str()
            .ok_or_else(|| FetchError::Protocol(format!("{url}: no host")))?;
        let port = url.port_or_known_default().unwrap_or(80);
        let tcp = tokio::net::TcpStream::connect(format!("{host}:{port}"))
            .await
            .map_err(|e| io_error(url.as_str(), &e))?;
        let _ = tcp.set_nodelay(true);
        if url.scheme() == "https" {
            let name = ServerName::try_from(host.trim_matches(['[', ']']).to_string())
                .map_err(|e| FetchError::Protocol(format!("{url}: {e}")))?;
            let tls = tokio_rustls::TlsConnector::from(Arc::clone(&self.tls))
                .connect(name, tcp)
                .await
                .map_err(|e| io_error(url.as_str(), &e))?;
            let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
            self.send(tls, h2, url, method, headers, body).await
        } else {
            let h2 = self.config.http == HttpVersion::Http2PriorKnowledge;
            self.send(tcp, h2, url, method, headers, body).await
        }
    }

    async fn send<S>(
        &self,
        io: S,
        h2: bool,
        url: &url::Url,
        method: &str,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> Result<Got, FetchError>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let proto = |e: &dyn std::fmt::Display| FetchError::Protocol(format!("{url}: {e}"));
        let authority = match url.port() {
            Some(p) => format!("{}:{p}", url.host_str().unwrap_or("")),
            None => url.host_str().unwrap_or("").to_string(),
        };
        let mut sent = Vec::with_capacity(headers.len() + 1);
        let mut builder = hyper::Request::builder().method(method);
        if h2 {
            // The :authority pseudo-header comes from the absolute URI.
            builder = builder.uri(url.as_str());
            sent.push((":authority".to_string(), authority));
        } else {
            let path = &url[url::Position::BeforePath..url::Position::AfterQuery];
            builder = builder.uri(path).header("Host", authority.as_str());
            sent.push(("Host".to_string(), authority));
        }
        for (k, v) in &headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        sent.extend(headers);
        let request = builder
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| proto(&e))?;
        let io = TokioIo::new(io);
        let response = if h2 {
            let (mut sender, conn) =
                hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
                    .await
                    .map_err(|e| proto(&e))?;
            tokio::spawn(conn);
            sender.send_request(request).await.map_err(|e| proto(&e))?
        } else {
            let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
                .await
                .map_err(|e| proto(&e))?;
            tokio::spawn(conn);
            sender.send_request(request).await.map_err(|e| proto(&e))?
        };
        let (parts, mut incoming) = response.into_parts();
        let version = match parts.version {
            hyper::Version::HTTP_2 => "HTTP/2",
            hyper::Version::HTTP_10 => "HTTP/1.0",
            _ => "HTTP/1.1",
        };
        let headers = parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let cap = usize::try_from(self.config.max_body).unwrap_or(usize::MAX);
        let mut body = Vec::new();
        let mut truncated = false;
        while let Some(frame) = incoming.frame().await {
            let frame = frame.map_err(|e| proto(&e))?;
            if let Ok(data) = frame.into_data() {
                if body.len() + data.len() > cap {
                    body.extend_from_slice(&data[..cap - body.len()]);
                    truncated = true;
                    break;
                }
                body.extend_from_slice(&data);
            }
        }
        Ok(Got {
            status: parts.status.as_u16(),
            version,
            headers,
            body,
            truncated,
            sent,
        })
    }
}

impl Fetch for H2Client {
    fn fetch(&self, req: &Request) -> Result<HttpMessage, FetchError> {
        let start = Instant::now();
        let url = url::Url::parse(&req.url)
            .map_err(|e| FetchError::Protocol(format!("{}: invalid URL: {e}", req.url)))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::Protocol(format!("{url}: not http(s)")));
        }
        let budget = dh::budget(self.config.timeout, req.deadline);
        if budget.is_zero() {
            return Err(FetchError::Timeout(budget));
        }
        let method = if req.method.is_empty() {
            "GET"
        } else {
            req.method.as_str()
        };
        let mut headers = dh::base_headers(&self.config, req, "identity");
        if let Some(c) = self.jar().header(&url, req.off_scope) {
            headers.push(("Cookie".to_string(), c));
        }
        let got = self
            .rt
            .block_on(async {
                tokio::time::timeout(
                    budget,
                    self.exchange(&url, method, headers, req.body.clone()),
                )
                .await
            })
            .map_err(|_| FetchError::Timeout(budget))?
            .map_err(|e| match e {
                FetchError::Timeout(_) => FetchError::Timeout(budget),
                other => other,
            })?;
        {
            let mut jar = self.jar();
            for (k, v) in &got.headers {
                if k.eq_ignore_ascii_case("set-cookie") {
                    jar.store(&url, v);
                }
            }
        }
        Ok(HttpMessage {
            method: method.to_string(),
            url: req.url.clone(),
            request_headers: got.sent,
            request_body: req.body.clone(),
            status: got.status,
            http_version: got.version.to_string(),
            response_headers: got.headers,
            body: got.body,
            truncated: got.truncated,
            elapsed: start.elapsed(),
            depth: req.depth,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls;
    use std::convert::Infallible;

    /// The server crate's own TLS (a generated CA and serving certificate for 127.0.0.1, `tls::server_config`
    /// offering h2 and http/1.1 by ALPN) under hyper-util's auto server, as `serve` runs it; plus the same
    /// server on plain TCP (h2c by prior knowledge or HTTP/1.1). Each answer's body is the version hyper
    /// negotiated.
    struct Servers {
        https: String,
        http: String,
        ca: std::path::PathBuf,
        _dir: tempfile::TempDir,
    }

    async fn answer(
        req: hyper::Request<hyper::body::Incoming>,
    ) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
        let body = match req.uri().path() {
            "/big" => vec![b'x'; 1 << 20],
            "/slow" => {
                tokio::time::sleep(Duration::from_secs(5)).await;
                b"late".to_vec()
            }
            "/page" => b"<a href=/leaf>leaf</a>".to_vec(),
            _ => format!("{:?}", req.version()).into_bytes(),
        };
        let ctype = if req.uri().path() == "/page" {
            "text/html"
        } else {
            "text/plain"
        };
        let cookie = req
            .headers()
            .get("cookie")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .unwrap_or_default();
        Ok(hyper::Response::builder()
            .header("content-type", ctype)
            .header("set-cookie", "sid=h2; Path=/")
            .header("x-cookie-seen", cookie)
            .body(Full::new(Bytes::from(body)))
            .expect("response"))
    }

    fn start() -> Servers {
        let dir = tempfile::tempdir().unwrap();
        let generated = tls::generate(dir.path(), &["127.0.0.1".to_string()], 1).unwrap();
        let resolver = tls::Reloading::new(tls::TlsFiles {
            cert: generated.cert.clone(),
            key: generated.key.clone(),
        })
        .unwrap();
        let acceptor =
            tokio_rustls::TlsAcceptor::from(Arc::new(tls::server_config(Arc::new(resolver))));
        let tls_l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let plain_l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let https = format!("https://{}", tls_l.local_addr().unwrap());
        let http = format!("http://{}", plain_l.local_addr().unwrap());
        tls_l.set_nonblocking(true).unwrap();
        plain_l.set_nonblocking(true).unwrap();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let tls_l = tokio::net::TcpListener::from_std(tls_l).unwrap();
                let plain_l = tokio::net::TcpListener::from_std(plain_l).unwrap();
                let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                let b2 = builder.clone();
                tokio::spawn(async move {
                    loop {
                        let Ok((tcp, _)) = plain_l.accept().await else {
                            continue;
                        };
                        let b = b2.clone();
                        tokio::spawn(async move {
                            let _ = b
                                .serve_connection(
                                    TokioIo::new(tcp),
                                    hyper::service::service_fn(answer),
                                )
                                .await;
                        });
                    }
                });
                loop {
                    let Ok((tcp, _)) = tls_l.accept().await else {
                        continue;
                    };
                    let acceptor = acceptor.clone();
                    let b = builder.clone();
                    tokio::spawn(async move {
                        if let Ok(tls) = acceptor.accept(tcp).await {
                            let _ = b
                                .serve_connection(
                                    TokioIo::new(tls),
                                    hyper::service::service_fn(answer),
                                )
                                .await;
                        }
                    });
                }
            });
        });
        Servers {
            https,
            http,
            ca: generated.ca,
            _dir: dir,
        }
    }

    fn get(c: &dyn Fetch, url: &str) -> Result<HttpMessage, FetchError> {
        c.fetch(&Request {
            method: "GET".into(),
            url: url.to_string(),
            ..Request::default()
        })
    }

    #[test]
    fn h2_by_alpn_over_tls() {
        let s = start();
        let c = client(ClientConfig {
            http: HttpVersion::Auto,
            ca_file: Some(s.ca.clone()),
            ..ClientConfig::default()
        })
        .unwrap();
        let m = get(&*c, &format!("{}/", s.https)).unwrap();
        assert_eq!(m.status, 200);
        assert_eq!(m.http_version, "HTTP/2");
        // The server saw HTTP/2 too (hyper's Debug of Version::HTTP_2).
        assert_eq!(m.body, b"HTTP/2.0");
        assert_eq!(m.request_headers[0].0, ":authority");
        // The cookie set by the first answer comes back (the shared jar).
        let m = get(&*c, &format!("{}/again", s.https)).unwrap();
        assert_eq!(m.header("x-cookie-seen"), Some("sid=h2"));
    }

    #[test]
    fn h2c_prior_knowledge_and_http1_on_plain_http() {
        let s = start();
        let c = client(ClientConfig {
            http: HttpVersion::Http2PriorKnowledge,
            ..ClientConfig::default()
        })
        .unwrap();
        let m = get(&*c, &format!("{}/", s.http)).unwrap();
        assert_eq!(
            (m.http_version.as_str(), &m.body[..]),
            ("HTTP/2", &b"HTTP/2.0"[..])
        );
        // Auto on plain http is HTTP/1.1 (no ALPN without TLS).
        let c = client(ClientConfig {
            http: HttpVersion::Auto,
            ..ClientConfig::default()
        })
        .unwrap();
        let m = get(&*c, &format!("{}/", s.http)).unwrap();
        assert_eq!(
            (m.http_version.as_str(), &m.body[..]),
            ("HTTP/1.1", &b"HTTP/1.1"[..])
        );
        assert_eq!(m.request_headers[0].0, "Host");
    }

    #[test]
    fn invalid_tls_is_an_error_unless_insecure() {
        let s = start();
        let url = format!("{}/", s.https);
        // The generated CA is not trusted: the web PKI roots alone reject it.
        let c = client(ClientConfig {
            http: HttpVersion::Auto,
            ..ClientConfig::default()
        })
        .unwrap();
        let e = get(&*c, &url).unwrap_err();
        assert!(matches!(&e, FetchError::Tls(t) if t.contains(&url)), "{e}");
        let c = client(ClientConfig {
            http: HttpVersion::Auto,
            insecure: true,
            ..ClientConfig::default()
        })
        .unwrap();
        assert_eq!(get(&*c, &url).unwrap().http_version, "HTTP/2");
    }

    #[test]
    fn the_spider_crawls_over_http2() {
        let s = start();
        let c = client(ClientConfig {
            http: HttpVersion::Auto,
            ca_file: Some(s.ca.clone()),
            ..ClientConfig::default()
        })
        .unwrap();
        let config = bulwark_dast::spider::SpiderConfig {
            seeds: vec![format!("{}/page", s.https)],
            ..Default::default()
        };
        let mut seen = Vec::new();
        bulwark_dast::spider::crawl(&config, &*c, &mut |m, _| {
            seen.push((m.url.clone(), m.http_version.clone()));
        })
        .unwrap();
        // The page, robots.txt, sitemap.xml and the linked leaf, every one over HTTP/2.
        assert_eq!(seen.len(), 4, "{seen:?}");
        assert!(seen.iter().all(|(_, v)| v == "HTTP/2"), "{seen:?}");
        assert!(seen.iter().any(|(u, _)| u.ends_with("/leaf")));
    }

    #[test]
    fn body_cap_and_timeout() {
        let s = start();
        let c = client(ClientConfig {
            http: HttpVersion::Auto,
            insecure: true,
            max_body: 1000,
            timeout: Duration::from_millis(800),
            ..ClientConfig::default()
        })
        .unwrap();
        let m = get(&*c, &format!("{}/big", s.https)).unwrap();
        assert_eq!((m.body.len(), m.truncated), (1000, true));
        let started = Instant::now();
        let err = get(&*c, &format!("{}/slow", s.https)).unwrap_err();
        assert!(matches!(err, FetchError::Timeout(_)), "{err}");
        assert!(started.elapsed() < Duration::from_secs(3));
    }
}
