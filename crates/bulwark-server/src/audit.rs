//! `POST /k8s-audit` (issue #17): the Kubernetes API server's audit webhook backend, at the path Falco's k8saudit
//! plugin serves, evaluated by Falco-compatible rules (`bulwark serve --runtime-rules FILE…`) into stored
//! runtime alerts.
//!
//! - The body is an `EventList` (what the webhook backend sends), or single `Event`s / JSON lines / an array, read
//!   by [`bulwark_runtime::k8saudit`] with a per-event size cap; over [`AuditConfig::max_body_bytes`] it is 413,
//!   and any line or item that is not an audit event is 400 naming it (nothing of that request is queued).
//! - Authentication is the REST API's: a bearer token of `--api-tokens` with role `push` or `admin` (the
//!   webhook's kubeconfig carries it as `user.token`); without tokens every request is 401 (fail closed).
//! - The answer (200) comes once the request's alerts are stored: nothing the API server was told is accepted can
//!   be lost to a `kill -9` or a store failure. A bounded queue of requests feeds one task that evaluates on the
//!   blocking pool. A full queue answers 429 with `Retry-After`, a store failure 500 and a request not finished in
//!   [`ACK_TIMEOUT`] 504: the webhook backend retries all three (k8s.io/apiserver's `DefaultShouldRetry`), so
//!   the events come again instead of being dropped (counted: `bulwark_k8s_audit_dropped_total{reason=
//!   "queue_full"}` counts refused events, as Falco counts its drops).
//! - Each alert is stored once (`Store::record_runtime_alert`, dedupe key = source + audit ID + rule), so a
//!   batch the API server sends again, or a replay after `kill -9`, stores nothing twice; a new alert is queued
//!   for the team that owns its namespace (`owners.yaml`, `--owners`) through the notification outbox.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use bulwark_runtime::k8saudit::{AuditEvent, DEFAULT_MAX_EVENT_SIZE, read_bytes};
use bulwark_runtime::rules::{Alert, Priority, Ruleset};
use bulwark_store::{RuntimeAlert, Store};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request as HttpRequest, Response as HttpResponse, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use tokio::sync::mpsc;

use crate::State;
use crate::api::Role;

/// One request's events and where to say whether their alerts are stored.
struct Job {
    events: Vec<AuditEvent>,
    reply: tokio::sync::oneshot::Sender<Result<(), String>>,
}

/// How long a request waits for its alerts to be stored before it answers 504 (the API server sends it again;
/// the alerts' dedupe keys make that harmless).
pub const ACK_TIMEOUT: Duration = Duration::from_secs(20);

/// The path, as Falco's k8saudit plugin serves it.
pub const PATH: &str = "/k8s-audit";
/// Events waiting for evaluation at most, by default.
pub const DEFAULT_QUEUE: usize = 4096;
/// Largest body by default: the API server's webhook batches hold at most 400 events
/// (`--audit-webhook-batch-max-size`), a few KiB each at the `Metadata` level and up to about 1 MiB with
/// `RequestResponse` objects.
pub const DEFAULT_MAX_BODY_BYTES: usize = 32 << 20;
/// Events evaluated per trip to the blocking pool.
const BATCH: usize = 256;
/// Time allowed for a body to arrive.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// The audit webhook's settings.
#[derive(Clone)]
pub struct AuditConfig {
    /// The compiled rules (`--runtime-rules`); without them events are read and counted, nothing is evaluated.
    pub ruleset: Option<Arc<Ruleset>>,
    /// Events waiting at most (as requests of up to 256 events each: `queue / 256` requests, at least 4); a request
    /// over it is refused with 429 and counted.
    pub queue: usize,
    /// Largest request body (413 above it).
    pub max_body_bytes: usize,
    /// Largest single event.
    pub max_event_bytes: usize,
    /// The cluster's name stored with each alert.
    pub cluster: String,
    /// Where alerts go for enforcement (`--enforce`), see [`crate::enforce`].
    pub enforce: Option<Arc<dyn crate::enforce::AlertSink>>,
    pub(crate) handle: AuditHandle,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            ruleset: None,
            queue: DEFAULT_QUEUE,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_event_bytes: DEFAULT_MAX_EVENT_SIZE,
            cluster: "in-cluster".into(),
            enforce: None,
            handle: AuditHandle::default(),
        }
    }
}

impl std::fmt::Debug for AuditConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditConfig")
            .field("rules", &self.ruleset.is_some())
            .field("queue", &self.queue)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_event_bytes", &self.max_event_bytes)
            .field("cluster", &self.cluster)
            .finish_non_exhaustive()
    }
}

/// The running webhook's queue and counters (shared by clones of the config).
#[derive(Clone, Default)]
pub(crate) struct AuditHandle(Arc<Inner>);

#[derive(Default)]
struct Inner {
    tx: RwLock<Option<mpsc::Sender<Job>>>,
    c: Counters,
}

#[derive(Default)]
struct Counters {
    requests_ok: AtomicU64,
    requests_refused: AtomicU64,
    events: AtomicU64,
    dropped_full: AtomicU64,
    dropped_invalid: AtomicU64,
    evaluated: AtomicU64,
    alerts_new: AtomicU64,
    alerts_repeated: AtomicU64,
    store_errors: AtomicU64,
    notifications: AtomicU64,
}

fn add(a: &AtomicU64, n: u64) {
    a.fetch_add(n, Ordering::Relaxed);
}

/// Reads a webhook body: every event, or the first problem (naming the line and, in an `EventList` or array,
/// the item). The fuzz target `server_k8s_audit` drives it.
///
/// # Errors
/// The first line or item that is not an audit event (invalid JSON, over `max_event_bytes`, not an `Event`,
/// no `stageTimestamp`), with how many problems there were.
pub fn parse_body(body: &[u8], max_event_bytes: usize) -> Result<Vec<AuditEvent>, String> {
    let mut events = Vec::new();
    let mut first = None;
    let mut problems = 0u64;
    let _drops = read_bytes(
        "request body",
        body,
        max_event_bytes,
        &mut |e| events.push(e),
        &mut |issue| {
            problems += 1;
            if first.is_none() {
                first = Some(issue.to_string());
            }
        },
    );
    match first {
        None => Ok(events),
        Some(f) if problems == 1 => Err(f),
        Some(f) => Err(format!("{f} (and {} more problem(s))", problems - 1)),
    }
}

fn respond(status: StatusCode, body: &Value) -> HttpResponse<Full<Bytes>> {
    let mut r = HttpResponse::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    r
}

fn error(status: StatusCode, message: &str) -> HttpResponse<Full<Bytes>> {
    respond(
        status,
        &json!({"error": message, "status": status.as_u16()}),
    )
}

/// Checks the bearer token: `Ok(token name)` for a `push` or `admin` token.
fn authorize(
    tokens: Option<&crate::api::Tokens>,
    header: Option<&[u8]>,
) -> Result<String, (StatusCode, String)> {
    let unauthorized = |m: &str| (StatusCode::UNAUTHORIZED, m.to_string());
    let Some(tokens) = tokens else {
        return Err(unauthorized(
            "no tokens (start bulwark serve with --api-tokens FILE): every request is refused",
        ));
    };
    let Some(header) = header else {
        return Err(unauthorized(
            "missing Authorization header: send `Authorization: Bearer <token>` (the webhook kubeconfig's user.token)",
        ));
    };
    let presented = std::str::from_utf8(header).ok().and_then(|h| {
        let (scheme, rest) = h.split_once(' ')?;
        let token = rest.trim_matches(' ');
        (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
    });
    let Some(presented) = presented else {
        return Err(unauthorized(
            "the Authorization header is not `Bearer <token>`",
        ));
    };
    let Some((name, role)) = tokens.check(presented) else {
        return Err(unauthorized("the bearer token is not valid"));
    };
    if matches!(role, Role::Push | Role::Admin) {
        Ok(name.to_owned())
    } else {
        Err((
            StatusCode::FORBIDDEN,
            format!(
                "token \"{name}\" has role {}; POST {PATH} needs push or admin",
                role.as_str()
            ),
        ))
    }
}

/// Answers `POST /k8s-audit` (any method on the path comes here).
pub(crate) async fn route(
    state: &Arc<State>,
    req: HttpRequest<Incoming>,
) -> HttpResponse<Full<Bytes>> {
    let cfg = &state.config.audit;
    let c = &cfg.handle.0.c;
    let Some(run) = &state.config.run else {
        crate::discard_body(state, req).await;
        return crate::text(StatusCode::NOT_FOUND, "not found\n");
    };
    if req.method() != Method::POST {
        crate::discard_body(state, req).await;
        let mut r = error(
            StatusCode::METHOD_NOT_ALLOWED,
            &format!("{PATH} answers POST only"),
        );
        r.headers_mut().insert(
            hyper::header::ALLOW,
            hyper::header::HeaderValue::from_static("POST"),
        );
        return r;
    }
    let header = req
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .map(|v| v.as_bytes().to_vec());
    let token = match authorize(run.api.tokens.as_deref(), header.as_deref()) {
        Ok(name) => name,
        Err((status, message)) => {
            crate::discard_body(state, req).await;
            add(&c.requests_refused, 1);
            let mut r = error(status, &message);
            if status == StatusCode::UNAUTHORIZED {
                r.headers_mut().insert(
                    hyper::header::WWW_AUTHENTICATE,
                    hyper::header::HeaderValue::from_static("Bearer realm=\"bulwark\""),
                );
            }
            return r;
        }
    };
    let limit = cfg.max_body_bytes;
    let body =
        match tokio::time::timeout(BODY_TIMEOUT, crate::read_body(req.into_body(), limit)).await {
            Ok(Ok(b)) => b,
            Ok(Err(crate::BodyError::TooLarge)) => {
                add(&c.requests_refused, 1);
                return error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    &format!("request body larger than {limit} bytes"),
                );
            }
            Ok(Err(crate::BodyError::Read(e))) => {
                add(&c.requests_refused, 1);
                return error(
                    StatusCode::BAD_REQUEST,
                    &format!("cannot read the request body: {e}"),
                );
            }
            Err(_) => {
                add(&c.requests_refused, 1);
                return error(
                    StatusCode::REQUEST_TIMEOUT,
                    &format!(
                        "the request body did not arrive within {} s",
                        BODY_TIMEOUT.as_secs()
                    ),
                );
            }
        };
    let max_event = cfg.max_event_bytes;
    let parsed = tokio::task::spawn_blocking(move || parse_body(&body, max_event)).await;
    let events = match parsed {
        Ok(Ok(events)) => events,
        Ok(Err(message)) => {
            add(&c.requests_refused, 1);
            add(&c.dropped_invalid, 1);
            crate::log(
                json!({"level": "warn", "event": "k8s-audit-refused", "token": token, "error": message}),
            );
            return error(StatusCode::BAD_REQUEST, &message);
        }
        Err(_) => {
            add(&c.requests_refused, 1);
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error while reading the events",
            );
        }
    };
    let tx = cfg
        .handle
        .0
        .tx
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let n = events.len() as u64;
    add(&c.events, n);
    if events.is_empty() {
        add(&c.requests_ok, 1);
        return respond(StatusCode::OK, &json!({"accepted": 0, "dropped": 0}));
    }
    let (reply, answer) = tokio::sync::oneshot::channel();
    let sent = tx.as_ref().map(|tx| tx.try_send(Job { events, reply }));
    if !matches!(sent, Some(Ok(()))) {
        add(&c.dropped_full, n);
        add(&c.requests_refused, 1);
        crate::log(
            json!({"level": "warn", "event": "k8s-audit-refused", "events": n,
            "reason": "the evaluation queue is full; the API server sends them again"}),
        );
        let mut r = error(
            StatusCode::TOO_MANY_REQUESTS,
            "the evaluation queue is full: send again",
        );
        r.headers_mut().insert(
            hyper::header::RETRY_AFTER,
            hyper::header::HeaderValue::from_static("1"),
        );
        return r;
    }
    match tokio::time::timeout(ACK_TIMEOUT, answer).await {
        Ok(Ok(Ok(()))) => {
            add(&c.requests_ok, 1);
            respond(StatusCode::OK, &json!({"accepted": n, "dropped": 0}))
        }
        Ok(Ok(Err(message))) => {
            add(&c.requests_refused, 1);
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("alerts not stored ({message}): send again"),
            )
        }
        Ok(Err(_)) => {
            add(&c.requests_refused, 1);
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error while evaluating the events: send again",
            )
        }
        Err(_) => {
            add(&c.requests_refused, 1);
            error(
                StatusCode::GATEWAY_TIMEOUT,
                "the events were not evaluated in time: send again",
            )
        }
    }
}

/// Starts the evaluation task (with a run stage).
pub(crate) fn spawn(state: &Arc<State>) -> Vec<tokio::task::JoinHandle<()>> {
    if state.config.run.is_none() {
        return Vec::new();
    }
    let cfg = &state.config.audit;
    let (tx, rx) = mpsc::channel((cfg.queue / BATCH).max(4));
    *cfg.handle
        .0
        .tx
        .write()
        .unwrap_or_else(PoisonError::into_inner) = Some(tx);
    vec![tokio::spawn(worker(state.clone(), rx))]
}

async fn worker(state: Arc<State>, mut rx: mpsc::Receiver<Job>) {
    let mut ctx = Some(Evaluator::default());
    while let Some(job) = rx.recv().await {
        let mut ev = ctx.take().unwrap_or_default();
        let st = state.clone();
        let Job { events, reply } = job;
        let done = tokio::task::spawn_blocking(move || {
            let r = ev.run(&st, &events);
            (ev, r)
        })
        .await;
        let (ev, r) = match done {
            Ok((ev, r)) => (ev, r),
            Err(_) => (
                Evaluator::default(),
                Err("the evaluation panicked".to_owned()),
            ),
        };
        ctx = Some(ev);
        // The request may have given up waiting (504): the alerts are stored all the same.
        let _ = reply.send(r);
    }
}

/// The blocking side: one open store and the current owners.yaml, kept between batches.
#[derive(Default)]
struct Evaluator {
    store: Option<Store>,
    owners: Option<(PathBuf, Option<SystemTime>, Arc<bulwark_owners::Ownership>)>,
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
}

/// The key of an event for deduplication: its `auditID`, else a digest of its JSON.
fn event_key(ev: &AuditEvent) -> String {
    if let Some(id) = ev.audit_id() {
        return id.to_owned();
    }
    let h = Sha256::digest(ev.json().to_string().as_bytes());
    h.iter().take(16).fold(String::from("sha256:"), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The alert's row: namespace, pod and image read from the event (`objectRef`, the request's pod spec).
#[must_use]
pub fn alert_row(cluster: &str, ev: &AuditEvent, a: &Alert) -> RuntimeAlert {
    let j = ev.json();
    let text = |p: &str| j.pointer(p).and_then(Value::as_str).map(str::to_owned);
    let pod = (text("/objectRef/resource").as_deref() == Some("pods"))
        .then(|| text("/objectRef/name").or_else(|| text("/responseObject/metadata/name")))
        .flatten();
    RuntimeAlert {
        cluster: cluster.to_owned(),
        rule: a.rule.clone(),
        priority: a.priority.as_falco().to_ascii_uppercase(),
        source: a.source.clone(),
        time_ns: a.time_ns,
        output: a.output.clone(),
        output_fields: Value::Object(a.output_fields.clone().into_iter().collect()),
        tags: a.tags.clone(),
        namespace: text("/objectRef/namespace"),
        pod,
        image: text("/requestObject/spec/containers/0/image"),
        dedupe_key: format!("{}:{}:{}", a.source, event_key(ev), a.rule),
    }
}

impl Evaluator {
    /// Evaluates one request's events and stores their alerts; an error means some were not stored (the
    /// request is answered with an error, the API server sends it again).
    fn run(&mut self, state: &State, batch: &[AuditEvent]) -> Result<(), String> {
        let cfg = &state.config.audit;
        let c = &cfg.handle.0.c;
        let Some(run) = &state.config.run else {
            return Ok(());
        };
        add(&c.evaluated, batch.len() as u64);
        let Some(rules) = &cfg.ruleset else {
            return Ok(());
        };
        let mut alerts = Vec::new();
        let mut rows = Vec::new();
        for ev in batch {
            alerts.clear();
            rules.process(ev, &mut alerts);
            crate::enforce::alerts(cfg, ev, &alerts);
            rows.extend(
                alerts
                    .iter()
                    .map(|a| (alert_row(&cfg.cluster, ev, a), a.priority)),
            );
        }
        if rows.is_empty() {
            return Ok(());
        }
        if self.store.is_none() {
            match Store::open(&run.store) {
                Ok(s) => self.store = Some(s),
                Err(e) => {
                    add(&c.store_errors, rows.len() as u64);
                    crate::log(json!({"level": "error", "event": "k8s-audit-store-failed",
                        "error": e.to_string(), "alerts_not_stored": rows.len()}));
                    return Err(format!("cannot open the store: {e}"));
                }
            }
        }
        let owners = self.owners(run.loops.owners.as_ref());
        let Some(store) = &self.store else {
            return Ok(());
        };
        let now = now_secs();
        let mut failed = false;
        for (row, priority) in &rows {
            match store.record_runtime_alert(row, now) {
                Ok(true) => {
                    add(&c.alerts_new, 1);
                    crate::log(
                        json!({"level": "info", "event": "runtime-alert", "rule": row.rule,
                        "priority": row.priority, "namespace": row.namespace, "output": row.output}),
                    );
                    if let Some(o) = &owners {
                        match notify(store, o, row, *priority, now) {
                            Ok(n) => add(&c.notifications, n),
                            Err(e) => crate::log(json!({"level": "error",
                                "event": "k8s-audit-notify-failed", "error": e})),
                        }
                    }
                }
                Ok(false) => add(&c.alerts_repeated, 1),
                Err(e) => {
                    add(&c.store_errors, 1);
                    crate::log(json!({"level": "error", "event": "k8s-audit-store-failed",
                        "error": e.to_string(), "rule": row.rule}));
                    failed = true;
                }
            }
        }
        // A store that failed may have lost its connection: open a new one next time.
        if failed {
            self.store = None;
            return Err("the store refused an alert".to_owned());
        }
        Ok(())
    }

    /// owners.yaml, read again when its modification time changes; a file that does not load keeps the last.
    fn owners(&mut self, path: Option<&PathBuf>) -> Option<Arc<bulwark_owners::Ownership>> {
        let path = path?;
        let mtime = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        if let Some((p, t, o)) = &self.owners
            && p == path
            && *t == mtime
        {
            return Some(o.clone());
        }
        match bulwark_owners::load(path) {
            Ok(o) => {
                let o = Arc::new(o);
                self.owners = Some((path.clone(), mtime, o.clone()));
                Some(o)
            }
            Err(e) => {
                crate::log(
                    json!({"level": "error", "event": "k8s-audit-owners-failed", "error": e.to_string()}),
                );
                self.owners.as_ref().map(|(_, _, o)| o.clone())
            }
        }
    }
}

/// Queues the alert for the team that owns what it is about ([`crate::alert_notify`]: the file it names in the
/// image's SBOM → package → layer → owners rule; else image, workload, namespace), one notification per channel
/// keyed by the alert's dedupe key and the channel.
fn notify(
    store: &Store,
    owners: &bulwark_owners::Ownership,
    row: &RuntimeAlert,
    _priority: Priority,
    now: i64,
) -> Result<u64, String> {
    let q = crate::alert_notify::enqueue_alert(store, owners, row, None, now)?;
    if q.team.is_none() {
        crate::log(
            json!({"level": "info", "event": "runtime-alert-unrouted", "rule": row.rule,
            "namespace": row.namespace, "reason": "no owners.yaml rule matches and there is no defaultTeam"}),
        );
    }
    Ok(q.queued)
}

/// The webhook's counters in the Prometheus text format (empty without a run stage).
pub(crate) fn metrics(state: &State) -> String {
    if state.config.run.is_none() {
        return String::new();
    }
    let c = &state.config.audit.handle.0.c;
    let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
    let mut out = String::new();
    let mut put = |name: &str, help: &str, series: &[(&str, u64)]| {
        let _ = write!(out, "# HELP {name} {help}\n# TYPE {name} counter\n");
        for (labels, v) in series {
            let _ = writeln!(out, "{name}{labels} {v}");
        }
    };
    put(
        "bulwark_k8s_audit_requests_total",
        "Audit webhook requests, answered (200) or refused (4xx/5xx).",
        &[
            ("{result=\"accepted\"}", get(&c.requests_ok)),
            ("{result=\"refused\"}", get(&c.requests_refused)),
        ],
    );
    put(
        "bulwark_k8s_audit_events_total",
        "Audit events received in accepted requests.",
        &[("", get(&c.events))],
    );
    put(
        "bulwark_k8s_audit_dropped_total",
        "Audit events not evaluated: the queue was full, or a refused request's body was not audit events.",
        &[
            ("{reason=\"queue_full\"}", get(&c.dropped_full)),
            ("{reason=\"invalid\"}", get(&c.dropped_invalid)),
        ],
    );
    put(
        "bulwark_k8s_audit_evaluated_total",
        "Audit events taken from the queue for evaluation.",
        &[("", get(&c.evaluated))],
    );
    put(
        "bulwark_runtime_alerts_total",
        "Runtime alerts from audit events: new (stored) or repeated (already stored under the same key).",
        &[
            ("{result=\"new\"}", get(&c.alerts_new)),
            ("{result=\"repeated\"}", get(&c.alerts_repeated)),
        ],
    );
    put(
        "bulwark_runtime_alert_store_errors_total",
        "Runtime alerts lost because the store failed.",
        &[("", get(&c.store_errors))],
    );
    put(
        "bulwark_runtime_alert_notifications_total",
        "Notifications queued for new runtime alerts (one per channel of the owning team).",
        &[("", get(&c.notifications))],
    );
    out
}
