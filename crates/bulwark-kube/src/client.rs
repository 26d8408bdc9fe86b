//! A small blocking client for the Kubernetes API: GET a JSON object, open a watch stream. TLS is rustls with
//! aws-lc-rs (as in bulwark-registry); credentials come from [`crate::config::Auth`].

use std::io::{BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use serde_json::Value;
use ureq::Agent;
use ureq::tls::{Certificate, ClientCert, PemItem, PrivateKey, RootCerts, TlsConfig, TlsProvider};

use crate::config::{Auth, ClusterConfig, ExecConfig, MAX_SECRET_BYTES};
use crate::error::{KubeError, read_bounded};
use crate::watch::{DEFAULT_MAX_LINE, EventReader};

/// Limits and timeouts of a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Overall time for one non-watch request (list page, owner GET), body included.
    pub request_timeout: Duration,
    /// Longest silence accepted on a watch stream before it is abandoned and re-opened. The server is asked to
    /// end the watch after `watch_timeout`; bookmarks arrive about once a minute.
    pub watch_idle_timeout: Duration,
    /// `timeoutSeconds` of each watch request.
    pub watch_timeout: Duration,
    /// Largest response body (one list page, one object).
    pub max_body: u64,
    /// Longest watch line.
    pub max_line: usize,
    /// How long an exec credential plugin may run.
    pub exec_timeout: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_mins(1),
            watch_idle_timeout: Duration::from_secs(330),
            watch_timeout: Duration::from_secs(290),
            max_body: 256 << 20,
            max_line: DEFAULT_MAX_LINE,
            exec_timeout: Duration::from_secs(30),
        }
    }
}

/// Largest ExecCredential output read from a plugin.
const MAX_EXEC_OUTPUT: u64 = 1 << 20;

pub struct Client {
    cfg: ClusterConfig,
    opts: ClientOptions,
    /// `scheme://host:port` requests go to (the tls-server-name when one is set; see [`Pinned`]).
    base: String,
    state: Mutex<State>,
}

struct State {
    agent: Agent,
    /// `Authorization` header value, if any.
    authorization: Option<String>,
    /// For a token file: its modification time and length when last read.
    token_stamp: Option<(SystemTime, u64)>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("server", &self.cfg.server)
            .finish_non_exhaustive()
    }
}

/// Resolves the tls-server-name to the server's real address, so that rustls verifies (and sends SNI for) the
/// name the kubeconfig gives while the connection goes to `server`. ureq has no server-name override; this is
/// the same effect. The request's Host header carries the tls-server-name, which the API server ignores.
#[derive(Debug)]
struct Pinned {
    name: String,
    real: ureq::http::Uri,
    inner: ureq::unversioned::resolver::DefaultResolver,
}

impl ureq::unversioned::resolver::Resolver for Pinned {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        if uri.host() == Some(self.name.as_str()) {
            self.inner.resolve(&self.real, config, timeout)
        } else {
            self.inner.resolve(uri, config, timeout)
        }
    }
}

fn host_port(server: &str) -> (&str, &str) {
    let (scheme, rest) = server.split_once("://").unwrap_or(("https", server));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    (scheme, authority)
}

fn is_loopback(authority: &str) -> bool {
    let host = authority
        .rsplit_once(':')
        .filter(|(h, p)| !p.contains(']') && !h.is_empty())
        .map_or(authority, |(h, _)| h);
    matches!(host, "localhost" | "127.0.0.1" | "[::1]") || host.starts_with("127.")
}

fn certs_of(pem: &[u8], what: &str) -> Result<Vec<Certificate<'static>>, KubeError> {
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(pem) {
        match item {
            Ok(PemItem::Certificate(c)) => certs.push(c),
            Ok(_) => {}
            Err(e) => return Err(KubeError::Config(format!("{what}: {e}"))),
        }
    }
    if certs.is_empty() {
        return Err(KubeError::Config(format!(
            "{what}: no PEM certificate found"
        )));
    }
    Ok(certs)
}

impl Client {
    pub fn new(cfg: ClusterConfig, opts: ClientOptions) -> Result<Self, KubeError> {
        let (scheme, authority) = host_port(&cfg.server);
        let base = match &cfg.tls_server_name {
            Some(name) if scheme == "https" => {
                let port = authority
                    .rsplit_once(':')
                    .filter(|(_, p)| !p.contains(']'))
                    .map_or("443", |(_, p)| p);
                format!("https://{name}:{port}")
            }
            _ => cfg.server.clone(),
        };
        let mut client = Self {
            cfg,
            opts,
            base,
            state: Mutex::new(State {
                agent: Agent::new_with_defaults(),
                authorization: None,
                token_stamp: None,
            }),
        };
        let (authorization, cert) = client.credentials(false)?;
        let agent = client.agent(cert.as_ref())?;
        {
            let st = client
                .state
                .get_mut()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            st.agent = agent;
            st.authorization = authorization;
        }
        Ok(client)
    }

    /// The cluster this client talks to.
    #[must_use]
    pub fn config(&self) -> &ClusterConfig {
        &self.cfg
    }

    fn agent(&self, exec_cert: Option<&(Vec<u8>, Vec<u8>)>) -> Result<Agent, KubeError> {
        let mut tls = TlsConfig::builder()
            .provider(TlsProvider::Rustls)
            .unversioned_rustls_crypto_provider(Arc::new(
                rustls::crypto::aws_lc_rs::default_provider(),
            ));
        if let Some(ca) = &self.cfg.ca_pem {
            let certs = certs_of(ca, "certificate-authority")?;
            tls = tls.root_certs(RootCerts::new_with_certs(&certs));
        }
        if self.cfg.insecure_skip_tls_verify {
            tls = tls.disable_verification(true);
        }
        let pair = match (&self.cfg.auth, exec_cert) {
            (_, Some((c, k))) => Some((c.as_slice(), k.as_slice())),
            (Auth::ClientCert { cert_pem, key_pem }, None) => {
                Some((cert_pem.as_slice(), key_pem.as_slice()))
            }
            _ => None,
        };
        if let Some((cert, key)) = pair {
            let chain = certs_of(cert, "client-certificate")?;
            let key = PrivateKey::from_pem(key)
                .map_err(|e| KubeError::Config(format!("client-key: {e}")))?;
            tls = tls.client_cert(Some(ClientCert::new_with_certs(&chain, key)));
        }
        let (_, authority) = host_port(&self.cfg.server);
        let mut builder = Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(concat!("bulwark/", env!("CARGO_PKG_VERSION")))
            .tls_config(tls.build())
            .timeout_connect(Some(self.opts.connect_timeout))
            .max_response_header_size(256 << 10);
        if is_loopback(authority) {
            builder = builder.proxy(None);
        }
        let config = builder.build();
        Ok(match &self.cfg.tls_server_name {
            Some(name) if self.base != self.cfg.server => {
                let real: ureq::http::Uri =
                    self.cfg.server.parse().map_err(|e| {
                        KubeError::Config(format!("server {:?}: {e}", self.cfg.server))
                    })?;
                Agent::with_parts(
                    config,
                    ureq::unversioned::transport::DefaultConnector::default(),
                    Pinned {
                        name: name.clone(),
                        real,
                        inner: ureq::unversioned::resolver::DefaultResolver::default(),
                    },
                )
            }
            _ => config.new_agent(),
        })
    }

    /// The Authorization header and, for an exec plugin that returned one, a client certificate. `refresh`
    /// re-runs the plugin / re-reads the token file even if unchanged.
    #[allow(clippy::type_complexity)]
    fn credentials(
        &self,
        refresh: bool,
    ) -> Result<(Option<String>, Option<(Vec<u8>, Vec<u8>)>), KubeError> {
        Ok(match &self.cfg.auth {
            Auth::None | Auth::ClientCert { .. } => (None, None),
            Auth::Token(t) => (Some(format!("Bearer {t}")), None),
            Auth::TokenFile(p) => (Some(format!("Bearer {}", read_token(p)?)), None),
            Auth::Basic { username, password } => (
                Some(format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD
                        .encode(format!("{username}:{password}"))
                )),
                None,
            ),
            Auth::Exec(e) => {
                let _ = refresh;
                let cred = run_exec(e, &self.cfg.server, self.opts.exec_timeout)?;
                (cred.token.map(|t| format!("Bearer {t}")), cred.cert)
            }
        })
    }

    /// Re-reads a rotated token file (kubelet rewrites the projected token well before it expires).
    fn refresh_token_file(&self, st: &mut State) -> Result<(), KubeError> {
        if let Auth::TokenFile(p) = &self.cfg.auth {
            let stamp = std::fs::metadata(p)
                .ok()
                .and_then(|m| Some((m.modified().ok()?, m.len())));
            if stamp.is_none() || stamp != st.token_stamp {
                st.authorization = Some(format!("Bearer {}", read_token(p)?));
                st.token_stamp = stamp;
            }
        }
        Ok(())
    }

    /// After a 401: re-read the token file or re-run the exec plugin. `true` if a retry may help.
    fn reauthenticate(&self) -> Result<bool, KubeError> {
        match &self.cfg.auth {
            Auth::TokenFile(_) => {
                let mut st = self
                    .state
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                st.token_stamp = None;
                self.refresh_token_file(&mut st)?;
                Ok(true)
            }
            Auth::Exec(_) => {
                let (authorization, cert) = self.credentials(true)?;
                let agent = if cert.is_some() {
                    Some(self.agent(cert.as_ref())?)
                } else {
                    None
                };
                let mut st = self
                    .state
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                st.authorization = authorization;
                if let Some(a) = agent {
                    st.agent = a;
                }
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// The full URL of an API path (`/api/v1/pods?limit=500`).
    #[must_use]
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base)
    }

    fn send(
        &self,
        path_and_query: &str,
        watch: bool,
    ) -> Result<ureq::http::Response<ureq::Body>, KubeError> {
        let url = self.url(path_and_query);
        let mut retried = false;
        loop {
            let (agent, authorization) = {
                let mut st = self
                    .state
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                self.refresh_token_file(&mut st)?;
                (st.agent.clone(), st.authorization.clone())
            };
            let mut req = agent.get(&url).header("Accept", "application/json");
            if let Some(a) = &authorization {
                req = req.header("Authorization", a);
            }
            let req = if watch {
                req.config()
                    .timeout_recv_response(Some(self.opts.request_timeout))
                    .timeout_per_read(Some(self.opts.watch_idle_timeout))
                    .build()
            } else {
                req.config()
                    .timeout_global(Some(self.opts.request_timeout))
                    .build()
            };
            let resp = req.call().map_err(|e| KubeError::Transport {
                method: "GET",
                url: url.clone(),
                reason: describe(&e),
            })?;
            let status = resp.status().as_u16();
            if status == 401 && !retried && self.reauthenticate()? {
                retried = true;
                continue;
            }
            if !(200..300).contains(&status) {
                return Err(status_error(&url, status, resp));
            }
            return Ok(resp);
        }
    }

    /// GETs one JSON document (an object or a list page), bounded by `max_body`.
    pub fn get_json(&self, path_and_query: &str) -> Result<Value, KubeError> {
        let resp = self.send(path_and_query, false)?;
        let url = self.url(path_and_query);
        let body = resp
            .into_body()
            .into_with_config()
            .limit(self.opts.max_body)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(n) => KubeError::Protocol {
                    url: url.clone(),
                    reason: format!("response larger than {n} bytes"),
                },
                e => KubeError::Transport {
                    method: "GET",
                    url: url.clone(),
                    reason: describe(&e),
                },
            })?;
        serde_json::from_slice(&body).map_err(|e| KubeError::Protocol {
            url,
            reason: format!("response is not JSON: {e}"),
        })
    }

    /// Sends a write (`DELETE`, `PATCH`, `POST`, `PUT`) with an optional body of the given content type and
    /// reads the JSON answer, bounded by `max_body`. A non-2xx answer is a [`KubeError::Status`] carrying the
    /// Status object's reason (`NotFound`, `AlreadyExists`, `Conflict`).
    pub fn write_json(
        &self,
        method: &'static str,
        path_and_query: &str,
        body: Option<(&str, &[u8])>,
    ) -> Result<(u16, Value), KubeError> {
        let url = self.url(path_and_query);
        let mut retried = false;
        loop {
            let (agent, authorization) = {
                let mut st = self
                    .state
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                self.refresh_token_file(&mut st)?;
                (st.agent.clone(), st.authorization.clone())
            };
            let transport = |e: &ureq::Error| KubeError::Transport {
                method,
                url: url.clone(),
                reason: describe(e),
            };
            let result = match method {
                "DELETE" => {
                    let mut req = agent.delete(&url).header("Accept", "application/json");
                    if let Some(a) = &authorization {
                        req = req.header("Authorization", a);
                    }
                    req.config()
                        .timeout_global(Some(self.opts.request_timeout))
                        .build()
                        .call()
                }
                "PATCH" | "POST" | "PUT" => {
                    let mut req = match method {
                        "PATCH" => agent.patch(&url),
                        "POST" => agent.post(&url),
                        _ => agent.put(&url),
                    }
                    .header("Accept", "application/json");
                    if let Some(a) = &authorization {
                        req = req.header("Authorization", a);
                    }
                    let (ct, bytes) = body.unwrap_or(("application/json", b"{}"));
                    req.header("Content-Type", ct)
                        .config()
                        .timeout_global(Some(self.opts.request_timeout))
                        .build()
                        .send(bytes)
                }
                other => {
                    return Err(KubeError::Protocol {
                        url,
                        reason: format!("unsupported method {other}"),
                    });
                }
            };
            let resp = result.map_err(|e| transport(&e))?;
            let status = resp.status().as_u16();
            if status == 401 && !retried && self.reauthenticate()? {
                retried = true;
                continue;
            }
            if !(200..300).contains(&status) {
                let mut e = status_error(&url, status, resp);
                if let KubeError::Status { method: m, .. } = &mut e {
                    *m = method;
                }
                return Err(e);
            }
            let bytes = resp
                .into_body()
                .into_with_config()
                .limit(self.opts.max_body)
                .read_to_vec()
                .map_err(|e| transport(&e))?;
            let v = if bytes.is_empty() {
                Value::Null
            } else {
                serde_json::from_slice(&bytes).map_err(|e| KubeError::Protocol {
                    url: url.clone(),
                    reason: format!("response is not JSON: {e}"),
                })?
            };
            return Ok((status, v));
        }
    }

    /// Opens a watch stream; read its events with [`EventReader::next_event`].
    pub fn watch(
        &self,
        path_and_query: &str,
    ) -> Result<EventReader<BufReader<Box<dyn Read + Send>>>, KubeError> {
        let resp = self.send(path_and_query, true)?;
        let reader: Box<dyn Read + Send> =
            Box::new(resp.into_body().into_with_config().limit(u64::MAX).reader());
        Ok(EventReader::new(
            BufReader::with_capacity(64 << 10, reader),
            self.opts.max_line,
        ))
    }

    #[must_use]
    pub fn options(&self) -> &ClientOptions {
        &self.opts
    }
}

/// A non-2xx answer as an error, with the Status object's reason and message when the body is one.
fn status_error(url: &str, status: u16, resp: ureq::http::Response<ureq::Body>) -> KubeError {
    let body = resp
        .into_body()
        .into_with_config()
        .limit(64 << 10)
        .read_to_vec()
        .unwrap_or_default();
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let message = if v.is_null() {
        String::from_utf8_lossy(&body[..body.len().min(300)])
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect::<String>()
            .trim()
            .to_owned()
    } else {
        s("message")
    };
    KubeError::Status {
        method: "GET",
        url: url.to_owned(),
        status,
        reason: s("reason"),
        message,
    }
}

/// An I/O error from a body read in words (ureq's error inside it, described once).
pub(crate) fn describe_io(io: &std::io::Error) -> String {
    if let Some(inner) = io.get_ref().and_then(|i| i.downcast_ref::<ureq::Error>()) {
        return describe(inner);
    }
    io.to_string()
}

/// ureq's error in words.
pub(crate) fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(t) => format!("timed out ({t})"),
        ureq::Error::Io(io) => {
            if let Some(inner) = io.get_ref().and_then(|i| i.downcast_ref::<ureq::Error>()) {
                return describe(inner);
            }
            if let Some(tls) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                return format!("TLS: {tls}");
            }
            io.to_string()
        }
        other => other.to_string(),
    }
}

fn read_token(p: &Path) -> Result<String, KubeError> {
    let bytes = read_bounded(p, MAX_SECRET_BYTES)?;
    let t = String::from_utf8(bytes)
        .map_err(|_| KubeError::file(p, "token is not UTF-8"))?
        .trim()
        .to_owned();
    if t.is_empty() || t.contains(['\n', '\r']) {
        return Err(KubeError::file(
            p,
            "token file is empty or has several lines",
        ));
    }
    Ok(t)
}

struct ExecResult {
    token: Option<String>,
    cert: Option<(Vec<u8>, Vec<u8>)>,
}

/// Runs an exec credential plugin (client.authentication.k8s.io v1/v1beta1) with `KUBERNETES_EXEC_INFO`, at
/// most `timeout`, reading at most 1 MiB of output, and returns its token or client certificate.
fn run_exec(e: &ExecConfig, server: &str, timeout: Duration) -> Result<ExecResult, KubeError> {
    let command = e.command.display().to_string();
    let fail = |reason: String| KubeError::Exec {
        command: command.clone(),
        reason,
    };
    let info = serde_json::json!({
        "apiVersion": e.api_version,
        "kind": "ExecCredential",
        "spec": {"interactive": false, "cluster": {"server": server}},
    });
    let mut child = Command::new(&e.command)
        .args(&e.args)
        .envs(e.env.iter().map(|(k, v)| (k, v)))
        .env("KUBERNETES_EXEC_INFO", info.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| fail(format!("cannot run: {err}")))?;
    // Readers on threads, answering through channels: a background process of the plugin that keeps the
    // pipe open cannot make us wait past the timeout.
    let pipe = |r: Option<Box<dyn Read + Send>>, max: u64| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(r) = r {
                let _ = r.take(max + 1).read_to_end(&mut buf);
            }
            let _ = tx.send(buf);
        });
        rx
    };
    let out = pipe(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
        MAX_EXEC_OUTPUT,
    );
    let err = pipe(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
        4096,
    );
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if start.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(fail(format!(
                    "did not finish within {}s; killed",
                    timeout.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(err) => return Err(fail(err.to_string())),
        }
    };
    let left = timeout
        .saturating_sub(start.elapsed())
        .max(Duration::from_millis(100));
    let stdout = out.recv_timeout(left).map_err(|_| {
        fail("exited, but its output stayed open (a background process holds it)".to_owned())
    })?;
    let stderr = err
        .recv_timeout(Duration::from_millis(100))
        .unwrap_or_default();
    if !status.success() {
        let msg = String::from_utf8_lossy(&stderr[..stderr.len().min(300)])
            .trim()
            .to_owned();
        return Err(fail(format!("exited with {status}: {msg}")));
    }
    if stdout.len() as u64 > MAX_EXEC_OUTPUT {
        return Err(fail(format!("printed more than {MAX_EXEC_OUTPUT} bytes")));
    }
    let v: Value = serde_json::from_slice(&stdout).map_err(|err| {
        fail(format!(
            "output is not an ExecCredential JSON object: {err}"
        ))
    })?;
    if v.get("kind").and_then(Value::as_str) != Some("ExecCredential") {
        return Err(fail("output is not an ExecCredential (kind)".to_owned()));
    }
    let st = |k: &str| {
        v.pointer(&format!("/status/{k}"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let token = st("token");
    let cert = match (st("clientCertificateData"), st("clientKeyData")) {
        (Some(c), Some(k)) => Some((c.into_bytes(), k.into_bytes())),
        _ => None,
    };
    if token.is_none() && cert.is_none() {
        return Err(fail(
            "ExecCredential has neither status.token nor status.clientCertificateData/clientKeyData"
                .to_owned(),
        ));
    }
    Ok(ExecResult { token, cert })
}
