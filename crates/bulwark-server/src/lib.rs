//! `bulwark serve`: the admission webhook (issue #14). This is the only crate with async code: tokio and hyper
//! serve HTTPS, and every decision runs on tokio's blocking pool through [`Judge`], which the binary implements
//! with the same policy function the CLI uses. The scanning crates stay synchronous.
//!
//! - [`admission`]: the `AdmissionReview` wire format;
//! - [`tls`]: certificate loading, reloading when the files change, and `--generate-certs`;
//! - [`metrics`]: Prometheus counters and the latency histogram.
//!
//! Routes: `POST /validate` (validating admission), `POST /mutate` (mutating admission, when
//! [`Config::mutate`] is set), `GET /healthz`, `GET /readyz`, `GET /metrics`, `POST /k8s-audit` (the audit
//! webhook, [`audit`], with a store).
//!
//! Failure behaviour: a decision that takes longer than [`Config::deadline`] (below the API server's webhook
//! timeout) is answered by [`Config::on_timeout`] (deny by default: fail closed); requests for exempt namespaces
//! are allowed before anything else runs, so the server can never block its own recovery or `kube-system`'s. A
//! body larger than [`Config::max_body_bytes`] is HTTP 413; a body that is not an answerable review is HTTP 400.

pub mod admission;
pub mod alert_notify;
pub mod api;
pub mod audit;
pub mod dashboard;
pub mod enforce;
pub mod feeds;
pub mod fetch_h2;
pub mod loops;
pub mod metrics;
pub mod run;
pub mod selfcheck;
pub mod tls;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt as _, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request as HttpRequest, Response as HttpResponse, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use serde_json::json;

pub use admission::{Request, Response};
pub use metrics::{Metrics, Outcome};
pub use run::RunStage;
pub use tls::TlsFiles;

/// What the server does when no decision arrives within the deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureAction {
    Deny,
    Allow,
}

/// The server's settings.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub tls: TlsFiles,
    /// Time allowed for one decision; keep it below the webhook's `timeoutSeconds` (default 8 s of 10 s).
    pub deadline: Duration,
    pub on_timeout: FailureAction,
    /// Namespaces whose requests are allowed without judging.
    pub exempt_namespaces: Vec<String>,
    /// Largest accepted request body (an object of etcd's 1.5 MiB limit, twice for UPDATE, as JSON).
    pub max_body_bytes: usize,
    /// How often the certificate files (and, through [`Judge::reload`], the policy) are checked for changes.
    pub reload_every: Duration,
    /// How long a shutdown waits for requests in flight.
    pub drain: Duration,
    /// Serve `POST /mutate` (the mutating webhook); without it the route is 404.
    pub mutate: bool,
    /// The run stage (REST API and inventory loops), when the server has a store; without it `/api/v1` is 404.
    pub run: Option<RunStage>,
    /// The dashboard at `/` (with [`Config::run`]): trusted proxy authentication, sessions.
    pub dashboard: dashboard::DashboardConfig,
    /// `POST /k8s-audit` (with [`Config::run`]): the audit webhook and its runtime rules.
    pub audit: audit::AuditConfig,
}

impl Config {
    #[must_use]
    pub fn new(listen: SocketAddr, tls: TlsFiles) -> Self {
        Self {
            listen,
            tls,
            deadline: Duration::from_secs(8),
            on_timeout: FailureAction::Deny,
            exempt_namespaces: vec!["kube-system".into(), "kube-public".into()],
            max_body_bytes: 8 << 20,
            reload_every: Duration::from_secs(10),
            drain: Duration::from_secs(25),
            mutate: false,
            run: None,
            dashboard: dashboard::DashboardConfig::default(),
            audit: audit::AuditConfig::default(),
        }
    }
}

/// A decision with what the audit log records about it.
#[derive(Debug, Clone, Default)]
pub struct Judgement {
    pub response: Response,
    /// The bundle that decided (`name@version`), for the audit line.
    pub policy: String,
    /// The rules that decided, for the audit line.
    pub reasons: Vec<String>,
    /// Image verifications answered from the verifier's cache, and those that had to reach the registry
    /// (`/metrics` reports the hit rate).
    pub cache_hits: u64,
    pub cache_misses: u64,
}

/// Which webhook a request came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Webhook {
    /// `POST /validate`
    Validating,
    /// `POST /mutate`
    Mutating,
}

impl Webhook {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Validating => "validate",
            Self::Mutating => "mutate",
        }
    }
}

/// The policy decision for one request. Called on tokio's blocking pool: it may block, and it must not panic
/// (a panic is answered as a denial).
pub trait Judge: Send + Sync + 'static {
    /// The validating webhook's answer (`POST /validate`).
    fn judge(&self, request: &Request) -> Judgement;

    /// Whether the answer needs no I/O (every image it would verify is cached) and so can be given on the async
    /// worker, without the hand-off to the blocking pool; the server asks only for small reviews. The default
    /// is false: every answer runs on the blocking pool, under the deadline.
    fn answers_from_memory(&self, request: &Request) -> bool {
        let _ = request;
        false
    }

    /// Reloads the policy when its source changed: called every [`Config::reload_every`] on the blocking pool,
    /// after the certificate check. `Ok(Some(what))` after a reload (`what` names the new policy, for the log),
    /// `Ok(None)` when nothing changed, `Err(why)` when the changed source is refused: the policy in use stays,
    /// as a bad certificate pair leaves the old certificate, and the same refused content is not reported again.
    /// The default never reloads.
    fn reload(&self) -> Result<Option<String>, String> {
        Ok(None)
    }

    /// The mutating webhook's answer (`POST /mutate`): may carry a JSONPatch in `response.patch`. The default
    /// admits without a patch.
    fn mutate(&self, request: &Request) -> Judgement {
        let _ = request;
        Judgement {
            response: Response {
                allowed: true,
                ..Response::default()
            },
            ..Judgement::default()
        }
    }
}

/// A server that could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

struct State {
    config: Config,
    judge: Arc<dyn Judge>,
    metrics: Metrics,
    ready: AtomicBool,
}

/// Writes one JSON log line to stderr, through the log thread: a request never waits on stderr (a slow or
/// stalled log reader must not hold admission decisions), and lines written together leave in one system call.
pub fn log(mut fields: serde_json::Value) {
    if let Some(map) = fields.as_object_mut() {
        map.insert("time".into(), now_rfc3339().into());
    }
    let mut line = fields.to_string();
    line.push('\n');
    logger::send(&line);
}

fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    bulwark_types::time::rfc3339(i64::try_from(secs).unwrap_or(0))
}

/// A typed log line (the audit line of every decision): serialised in one pass, without the `Value` tree `log`
/// builds.
fn log_serialized<T: serde::Serialize>(fields: &T) {
    let mut line = serde_json::to_vec(fields).unwrap_or_default();
    line.push(b'\n');
    logger::send_bytes(&line);
}

/// The audit line of one admission decision (`"event": "admission"`).
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct AuditLine<'a> {
    level: &'static str,
    event: &'static str,
    webhook: &'static str,
    uid: &'a str,
    kind: &'a str,
    object: String,
    operation: &'a str,
    dry_run: bool,
    allowed: bool,
    outcome: &'static str,
    policy: &'a str,
    reasons: &'a [String],
    warnings: usize,
    patched: usize,
    latency_ms: f64,
    time: String,
}

/// The log thread: one writer to stderr behind a bounded buffer. A request appends its line under a mutex (no
/// system call); the thread writes what has gathered, then pauses 5 ms, so a busy server makes at most
/// about two hundred writes and wake-ups a second whatever its request rate (each wake-up is a thread that takes
/// a core from the request workers).
mod logger {
    use std::io::Write as _;
    use std::sync::{Condvar, Mutex, OnceLock, PoisonError};
    use std::time::{Duration, Instant};

    /// Bytes waiting at most; past it lines are dropped and counted (a log line says how many), so memory stays
    /// bounded when stderr is not read.
    const CAP: usize = 8 << 20;

    #[derive(Default)]
    struct Buf {
        data: Vec<u8>,
        dropped: u64,
        /// The thread holds a batch it has not finished writing.
        writing: bool,
    }

    struct Shared {
        buf: Mutex<Buf>,
        wake: Condvar,
    }

    fn shared() -> &'static Shared {
        static S: OnceLock<&'static Shared> = OnceLock::new();
        S.get_or_init(|| {
            let s: &'static Shared = Box::leak(Box::new(Shared {
                buf: Mutex::new(Buf::default()),
                wake: Condvar::new(),
            }));
            // Without the thread (spawn failed), lines wait in the buffer until `flush` writes them.
            let _ = std::thread::Builder::new()
                .name("bulwark-log".into())
                .spawn(move || write_loop(s));
            s
        })
    }

    pub(super) fn send(line: &str) {
        send_bytes(line.as_bytes());
    }

    pub(super) fn send_bytes(line: &[u8]) {
        let s = shared();
        let mut b = s.buf.lock().unwrap_or_else(PoisonError::into_inner);
        if b.data.len() + line.len() > CAP {
            b.dropped += 1;
            return;
        }
        let was_empty = b.data.is_empty();
        b.data.extend_from_slice(line);
        drop(b);
        if was_empty {
            s.wake.notify_one();
        }
    }

    /// Waits (at most `timeout`) until every line sent before the call is written.
    pub(super) fn flush(timeout: Duration) {
        let s = shared();
        let end = Instant::now() + timeout;
        loop {
            let b = s.buf.lock().unwrap_or_else(PoisonError::into_inner);
            if b.data.is_empty() && !b.writing {
                return;
            }
            drop(b);
            s.wake.notify_one();
            if Instant::now() >= end {
                // The thread is gone or stuck: write what is left from here.
                let mut b = s.buf.lock().unwrap_or_else(PoisonError::into_inner);
                let data = std::mem::take(&mut b.data);
                drop(b);
                let _ = std::io::stderr().lock().write_all(&data);
                return;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    fn write_loop(s: &Shared) {
        let mut spare = Vec::new();
        loop {
            let mut b = s.buf.lock().unwrap_or_else(PoisonError::into_inner);
            while b.data.is_empty() && b.dropped == 0 {
                b = s.wake.wait(b).unwrap_or_else(PoisonError::into_inner);
            }
            std::mem::swap(&mut b.data, &mut spare);
            let dropped = std::mem::take(&mut b.dropped);
            b.writing = true;
            drop(b);
            if dropped > 0 {
                spare.extend_from_slice(
                    format!(
                        "{}\n",
                        serde_json::json!({"level": "warn", "event": "log_lines_dropped", "count": dropped,
                            "reason": "stderr was not read fast enough"})
                    )
                    .as_bytes(),
                );
            }
            let _ = std::io::stderr().lock().write_all(&spare);
            spare.clear();
            s.buf.lock().unwrap_or_else(PoisonError::into_inner).writing = false;
            // Let lines gather: one write (and one wake-up of this thread) per 5 ms at most.
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// Writes every log line sent so far (waits at most a second): call before the process exits.
pub fn flush_logs() {
    logger::flush(Duration::from_secs(1));
}

/// Runs the server until SIGTERM or SIGINT, then drains: the blocking entry point for the binary.
pub fn run(config: Config, judge: Arc<dyn Judge>) -> Result<(), ServerError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ServerError::Runtime)?;
    let result = rt.block_on(serve(config, judge, shutdown_signal()));
    // A decision still blocked on a stalled registry after the drain has been answered (by the deadline) and
    // must not hold the exit: blocking threads are left behind after a second.
    rt.shutdown_timeout(Duration::from_secs(1));
    flush_logs();
    result
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            std::future::pending::<()>().await;
            return;
        };
        tokio::select! {
            _ = term.recv() => {},
            _ = int.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Serves until `shutdown` completes, then stops accepting and waits up to [`Config::drain`] for requests in
/// flight. Logs `{"event":"listening","address":…}` once bound (port 0 picks a free port).
pub async fn serve(
    config: Config,
    judge: Arc<dyn Judge>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServerError> {
    let resolver = Arc::new(tls::Reloading::new(config.tls.clone())?);
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls::server_config(resolver.clone())));
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServerError::Listen {
            addr: config.listen,
            source,
        })?;
    let local = listener.local_addr().unwrap_or(config.listen);
    let state = Arc::new(State {
        config,
        judge,
        metrics: Metrics::default(),
        ready: AtomicBool::new(true),
    });
    log(json!({"level": "info", "event": "listening", "address": local.to_string()}));
    // The dashboard's heavier views (risk ranking, compliance) start computing now, not at the first page.
    if let Some(run) = &state.config.run {
        state
            .config
            .dashboard
            .cache_handle()
            .warm(&run.store, dashboard::now());
    }

    let reload = {
        let state = state.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(state.config.reload_every);
            tick.tick().await;
            loop {
                tick.tick().await;
                let r = resolver.clone();
                match tokio::task::spawn_blocking(move || r.reload_if_changed()).await {
                    Ok(Ok(true)) => {
                        state.metrics.tls_reload(true);
                        log(json!({"level": "info", "event": "tls-reloaded"}));
                    }
                    Ok(Err(e)) => {
                        state.metrics.tls_reload(false);
                        log(
                            json!({"level": "error", "event": "tls-reload-failed", "error": e.to_string()}),
                        );
                    }
                    _ => {}
                }
                let st = state.clone();
                match tokio::task::spawn_blocking(move || st.judge.reload()).await {
                    Ok(Ok(Some(policy))) => {
                        state.metrics.policy_reload(true);
                        log(json!({"level": "info", "event": "policy-reloaded", "policy": policy}));
                    }
                    Ok(Err(e)) => {
                        state.metrics.policy_reload(false);
                        log(json!({"level": "error", "event": "policy-reload-failed", "error": e}));
                    }
                    _ => {}
                }
            }
        })
    };

    let mut loops = loops::spawn(&state);
    loops.extend(feeds::spawn(&state));
    loops.extend(audit::spawn(&state));

    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    // Header limits (a request head past them is answered 431 before any routing): see [`H1_MAX_HEAD_BYTES`]
    // and [`H2_MAX_HEADER_LIST_BYTES`].
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(10))
        .max_buf_size(H1_MAX_HEAD_BYTES);
    builder
        .http2()
        .max_header_list_size(H2_MAX_HEADER_LIST_BYTES);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((tcp, peer)) = accepted else { continue };
                let acceptor = acceptor.clone();
                let state = state.clone();
                let builder = builder.clone();
                let watcher = graceful.watcher();
                tokio::spawn(async move {
                    let tls = match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await {
                        Ok(Ok(tls)) => tls,
                        Ok(Err(e)) => {
                            log(json!({"level": "debug", "event": "tls-handshake-failed", "peer": peer.to_string(), "error": e.to_string()}));
                            return;
                        }
                        Err(_) => return,
                    };
                    let service = hyper::service::service_fn(move |mut req: HttpRequest<Incoming>| {
                        req.extensions_mut().insert(dashboard::Peer(peer.ip()));
                        let state = state.clone();
                        async move { Ok::<_, Infallible>(route(&state, req).await) }
                    });
                    let conn = builder.serve_connection(TokioIo::new(tls), service);
                    let _ = watcher.watch(conn.into_owned()).await;
                });
            }
            () = &mut shutdown => break,
        }
    }
    state.ready.store(false, Ordering::SeqCst);
    drop(listener);
    log(json!({"level": "info", "event": "draining"}));
    let drained = tokio::time::timeout(state.config.drain, graceful.shutdown())
        .await
        .is_ok();
    reload.abort();
    for l in loops {
        l.abort();
    }
    log(json!({"level": "info", "event": "stopped", "drained": drained}));
    Ok(())
}

/// HTTP/1.1: the largest request head (request line and header fields) accepted, in bytes, as the size of
/// hyper's read buffer per connection (`max_buf_size`; hyper's default is about 400 KiB). A head still
/// incomplete when the buffer is full is answered `431 Request Header Fields Too Large` and the connection
/// closed: one 1 MiB header is refused after 256 KiB have been read. The API server sends well under 1 KiB.
/// (hyper's own `max_header_size` would be a tighter bound on a complete head, but hyper-util 0.1.21's
/// `auto` builder, which serves HTTP/1.1 and HTTP/2 on one port, does not expose it.)
///
/// More than 100 header fields is a 431 as soon as the 101st is parsed: hyper's default `max_headers`, left as
/// it is, because setting it moves the parser's header array from the stack to the heap (an allocation per
/// request). A head that arrives too slowly is cut after 10 s (`header_read_timeout`).
pub const H1_MAX_HEAD_BYTES: usize = 256 << 10;

/// HTTP/2: `SETTINGS_MAX_HEADER_LIST_SIZE`, 64 KiB. A larger header list (RFC 9113 §6.5.2 counts each field as
/// name + value + 32 bytes, so 10,000 small fields are over it too) is answered 431 and its stream reset
/// (`REFUSED_STREAM`) by h2; a header block that keeps growing past it in CONTINUATION frames ends the
/// connection (`GOAWAY COMPRESSION_ERROR`), so the HPACK decoder is bounded as well.
pub const H2_MAX_HEADER_LIST_BYTES: u32 = 64 << 10;

enum BodyError {
    TooLarge,
    Read(hyper::Error),
}

/// Reads the body up to `limit` bytes. A larger body is read on and discarded up to 4 × `limit` before the
/// 413 is sent, so that HTTP/2 and HTTP/1.1 clients see the status rather than a reset stream; past that the
/// connection is dropped.
async fn read_body(mut body: Incoming, limit: usize) -> Result<Bytes, BodyError> {
    let mut buf: Vec<u8> = Vec::new();
    let mut seen: usize = 0;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(BodyError::Read)?;
        if let Ok(data) = frame.into_data() {
            seen = seen.saturating_add(data.len());
            if seen <= limit {
                buf.extend_from_slice(&data);
            } else if seen > limit.saturating_mul(4) {
                return Err(BodyError::TooLarge);
            }
        }
    }
    if seen > limit {
        return Err(BodyError::TooLarge);
    }
    Ok(Bytes::from(buf))
}

pub(crate) fn text(status: StatusCode, body: impl Into<Bytes>) -> HttpResponse<Full<Bytes>> {
    let mut r = HttpResponse::new(Full::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

async fn route(state: &Arc<State>, req: HttpRequest<Incoming>) -> HttpResponse<Full<Bytes>> {
    match (req.method(), req.uri().path()) {
        (&Method::GET, "/healthz") => text(StatusCode::OK, "ok\n"),
        (&Method::GET, "/readyz") => {
            if state.ready.load(Ordering::SeqCst) {
                text(StatusCode::OK, "ok\n")
            } else {
                text(StatusCode::SERVICE_UNAVAILABLE, "shutting down\n")
            }
        }
        (&Method::GET, "/metrics") => {
            let mut r = text(
                StatusCode::OK,
                state.metrics.render() + &feeds::metrics(state) + &audit::metrics(state),
            );
            r.headers_mut().insert(
                hyper::header::CONTENT_TYPE,
                hyper::header::HeaderValue::from_static("text/plain; version=0.0.4"),
            );
            r
        }
        (_, p) if p == "/api/v1" || p.starts_with("/api/v1/") => api::route(state, req).await,
        (_, audit::PATH) => audit::route(state, req).await,
        (&Method::POST, "/validate") => review(state, req, Webhook::Validating).await,
        (&Method::POST, "/mutate") if state.config.mutate => {
            review(state, req, Webhook::Mutating).await
        }
        (_, "/validate" | "/healthz" | "/readyz" | "/metrics") => {
            discard_body(state, req).await;
            text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n")
        }
        (_, "/mutate") if state.config.mutate => {
            discard_body(state, req).await;
            text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n")
        }
        (&Method::GET | &Method::HEAD | &Method::POST, _) => dashboard::route(state, req).await,
        _ => {
            discard_body(state, req).await;
            text(StatusCode::NOT_FOUND, "not found\n")
        }
    }
}

/// Reads and drops the body of a request answered without it (404, 405), within the body limit and the
/// deadline, so that an HTTP/2 client (the API server posting to a route that is not served) sees the status
/// rather than a reset stream.
pub(crate) async fn discard_body(state: &State, req: HttpRequest<Incoming>) {
    let limit = state.config.max_body_bytes;
    let _ = tokio::time::timeout(state.config.deadline, read_body(req.into_body(), limit)).await;
}

fn rejected(
    state: &State,
    started: Instant,
    status: StatusCode,
    reason: &str,
) -> HttpResponse<Full<Bytes>> {
    state
        .metrics
        .record(Outcome::Rejected, started.elapsed(), 0);
    log(
        json!({"level": "warn", "event": "admission-rejected", "status": status.as_u16(), "reason": reason}),
    );
    text(status, format!("{reason}\n"))
}

/// The answer when the judge panicked: fail closed.
fn internal_error_judgement() -> Judgement {
    Judgement {
        response: Response {
            allowed: false,
            message: Some("bulwark: internal error while judging the request".into()),
            ..Response::default()
        },
        policy: String::new(),
        reasons: vec!["internal error".into()],
        ..Judgement::default()
    }
}

/// Reviews up to this size are parsed (and, with every image cached, judged) on the async worker.
const INLINE_PARSE_BYTES: usize = 64 << 10;

async fn review(
    state: &Arc<State>,
    req: HttpRequest<Incoming>,
    webhook: Webhook,
) -> HttpResponse<Full<Bytes>> {
    let started = Instant::now();
    let limit = state.config.max_body_bytes;
    let body = match tokio::time::timeout(state.config.deadline, read_body(req.into_body(), limit))
        .await
    {
        Ok(Ok(b)) => b,
        Ok(Err(BodyError::TooLarge)) => {
            return rejected(
                state,
                started,
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("request body larger than {limit} bytes"),
            );
        }
        Ok(Err(BodyError::Read(e))) => {
            return rejected(
                state,
                started,
                StatusCode::BAD_REQUEST,
                &format!("cannot read the request body: {e}"),
            );
        }
        Err(_) => {
            return rejected(
                state,
                started,
                StatusCode::REQUEST_TIMEOUT,
                "the request body did not arrive within the deadline",
            );
        }
    };
    // Parsing a multi-megabyte object is CPU work: it runs on the blocking pool, as the decision does. A
    // typical review (a few KiB, tens of microseconds) is parsed here: the hand-off would cost more.
    let small = body.len() <= INLINE_PARSE_BYTES;
    let parsed = if small {
        Ok(admission::parse(&body))
    } else {
        tokio::task::spawn_blocking(move || admission::parse(&body)).await
    };
    let (api_version, request) = match parsed {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => return rejected(state, started, StatusCode::BAD_REQUEST, &e.to_string()),
        Err(_) => {
            return rejected(
                state,
                started,
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error while reading the review",
            );
        }
    };
    let request = Arc::new(request);
    let exempt = request
        .namespace
        .as_deref()
        .is_some_and(|ns| state.config.exempt_namespaces.iter().any(|e| e == ns));
    let (outcome, judgement) = if exempt {
        let j = Judgement {
            response: Response {
                allowed: true,
                ..Response::default()
            },
            policy: String::new(),
            reasons: vec!["exempt namespace".into()],
            ..Judgement::default()
        };
        (Outcome::Exempt, j)
    } else if small && state.judge.answers_from_memory(&request) {
        // A small review whose images are all cached: a hundred microseconds of CPU, answered here (two thread
        // hand-offs cost more, and under load they are what the tail latency is made of).
        let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match webhook {
            Webhook::Validating => state.judge.judge(&request),
            Webhook::Mutating => state.judge.mutate(&request),
        }));
        match answer {
            Ok(j) if j.response.allowed => (Outcome::Allowed, j),
            Ok(j) => (Outcome::Denied, j),
            Err(_) => (Outcome::Denied, internal_error_judgement()),
        }
    } else {
        let remaining = state.config.deadline.saturating_sub(started.elapsed());
        let (st, rq) = (state.clone(), request.clone());
        let work = tokio::task::spawn_blocking(move || match webhook {
            Webhook::Validating => st.judge.judge(&rq),
            Webhook::Mutating => st.judge.mutate(&rq),
        });
        match tokio::time::timeout(remaining, work).await {
            Ok(Ok(j)) => {
                let o = if j.response.allowed {
                    Outcome::Allowed
                } else {
                    Outcome::Denied
                };
                (o, j)
            }
            // A judge that panicked: fail closed.
            Ok(Err(_)) => (Outcome::Denied, internal_error_judgement()),
            Err(_) => (Outcome::Timeout, timeout_judgement(&state.config)),
        }
    };
    let elapsed = started.elapsed();
    let dry_run = request.dry_run.unwrap_or(false);
    state
        .metrics
        .record(outcome, elapsed, judgement.response.warnings.len());
    state.metrics.decision(
        webhook,
        &judgement.policy,
        outcome,
        dry_run,
        judgement.response.patch.is_some(),
    );
    state
        .metrics
        .cache_counts(judgement.cache_hits, judgement.cache_misses);
    feeds::admitted(state, webhook, &request, judgement.response.allowed);
    log_serialized(&AuditLine {
        level: "info",
        event: "admission",
        webhook: webhook.as_str(),
        uid: &request.uid,
        kind: &request.kind.kind,
        object: request.display_name(),
        operation: &request.operation,
        dry_run,
        allowed: judgement.response.allowed,
        outcome: outcome.as_str(),
        policy: &judgement.policy,
        reasons: &judgement.reasons,
        warnings: judgement.response.warnings.len(),
        patched: judgement
            .response
            .patch
            .as_ref()
            .and_then(serde_json::Value::as_array)
            .map_or(0, Vec::len),
        latency_ms: elapsed.as_secs_f64() * 1000.0,
        time: now_rfc3339(),
    });
    let doc = admission::respond(&api_version, &request.uid, &judgement.response);
    let mut r = HttpResponse::new(Full::new(Bytes::from(doc)));
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    r
}

/// The configured answer when no decision arrived within the deadline.
fn timeout_judgement(config: &Config) -> Judgement {
    let ms = config.deadline.as_millis();
    let (allowed, action) = match config.on_timeout {
        FailureAction::Deny => (false, "denied"),
        FailureAction::Allow => (true, "allowed"),
    };
    Judgement {
        response: Response {
            allowed,
            message: Some(format!(
                "bulwark: no decision within {ms} ms; {action} by the failure policy (--on-timeout)"
            )),
            warnings: if allowed {
                vec![format!(
                    "bulwark: no decision within {ms} ms; allowed by the failure policy"
                )]
            } else {
                Vec::new()
            },
            ..Response::default()
        },
        policy: String::new(),
        reasons: vec![format!("timeout after {ms} ms")],
        ..Judgement::default()
    }
}
