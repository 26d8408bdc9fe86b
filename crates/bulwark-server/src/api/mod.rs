//! The REST API under `/api/v1` (issue #15): the inventory read back (`cves`, `images`, `workloads`,
//! `findings`), SBOMs pushed from CI (`reports`) and placements pushed by an operator (`placements`), with
//! bearer tokens and roles ([`tokens`]). The document is `openapi.json` beside this file, served at
//! `GET /api/v1/openapi.json`; [`ROUTES`] is the one table the router dispatches on, and a test checks that it
//! and the document list the same operations.
//!
//! The core is synchronous: [`handle`] takes a store, the tokens and a request already read and gives the
//! answer. The async [`route`] reads the head, refuses what needs no store (401, 403, 404, 405) before reading
//! the body, reads the body within [`ApiConfig::max_body_bytes`] (413) and calls [`handle`] on the blocking pool
//! with a store from a small pool of open connections. The fuzz target `server_api` drives [`handle`].
//!
//! Errors are JSON, `{"error": "…", "status": N}`, naming the parameter, the field or the SBOM's line and column.

mod nodes;
mod results;
pub mod tokens;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine as _;
use bulwark_store::{CveQuery, FindingKey, FindingQuery, Store, WorkloadKey, WorkloadQuery};
use bulwark_types::Severity;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request as HttpRequest, Response as HttpResponse, StatusCode};
use serde_json::{Value, json};

pub use tokens::{Role, TokenFileError, Tokens};

use crate::State;

/// The OpenAPI 3.1 document of this API.
pub const OPENAPI: &str = include_str!("openapi.json");

/// Largest request body by default (an SBOM of a large image is tens of MiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 << 20;
/// Items per page when `limit` is not given, and the most a page may hold.
pub const DEFAULT_LIMIT: usize = 500;
pub const MAX_LIMIT: usize = 5000;
/// Most placements in one `POST /api/v1/placements`, and most `ref` parameters of one report.
pub const MAX_PLACEMENTS: usize = 100_000;
pub const MAX_REFS: usize = 100;
/// Time allowed for a request body to arrive.
const BODY_TIMEOUT: Duration = Duration::from_mins(1);
/// Open store connections kept for the next requests.
const POOL_IDLE: usize = 8;

/// The API's settings.
#[derive(Clone)]
pub struct ApiConfig {
    /// The accepted tokens; `None`: every request but `GET /api/v1/openapi.json` is 401 (fail closed).
    pub tokens: Option<Arc<Tokens>>,
    /// Largest request body (HTTP 413 above it).
    pub max_body_bytes: usize,
    /// The teams of `bulwark serve`'s config (`teams:`): which token is whose, and the policy function that
    /// judges a push.
    pub teams: ApiTeams,
    pool: Arc<Pool>,
}

/// An SBOM pushed to `POST /api/v1/reports`, as the push judge sees it.
#[derive(Debug, Clone, Copy)]
pub struct Pushed<'a> {
    /// The name of the token that pushed it.
    pub token: &'a str,
    /// The token's team (`None`: a token of no team, judged by the global bundle).
    pub team: Option<&'a str>,
    pub digest: &'a str,
    /// The SBOM as sent.
    pub sbom: &'a [u8],
}

/// A push's verdict, from the binary's policy function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushVerdict {
    /// `pass`, `warn` or `fail`.
    pub decision: String,
    pub bundle_name: Option<String>,
    pub bundle_version: Option<String>,
    pub bundle_digest: Option<String>,
    /// The vulnerability DB's version the SBOM was matched against.
    pub db_version: Option<String>,
    /// The whole verdict (`Verdict::to_json`).
    pub verdict_json: String,
}

/// The binary's policy function over a pushed SBOM (the team's bundle, else the global one); an `Err` is a
/// verdict that could not be made (no vulnerability DB, a bundle that failed).
pub type PushJudge = Arc<dyn Fn(&Pushed<'_>) -> Result<PushVerdict, String> + Send + Sync>;

/// The API's view of the teams: token name → team name, and the push judge (`None`: pushes are not judged,
/// as without `teams:`).
#[derive(Clone, Default)]
pub struct ApiTeams {
    pub token_team: HashMap<String, String>,
    pub judge: Option<PushJudge>,
}

impl std::fmt::Debug for ApiTeams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiTeams")
            .field("token_team", &self.token_team)
            .field("judge", &self.judge.is_some())
            .finish()
    }
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            tokens: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            teams: ApiTeams::default(),
            pool: Arc::default(),
        }
    }
}

impl std::fmt::Debug for ApiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiConfig")
            .field("tokens", &self.tokens)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish_non_exhaustive()
    }
}

/// Open stores, so a request does not pay for a connection (and the schema check) each time.
#[derive(Default)]
struct Pool {
    idle: Mutex<Vec<Store>>,
}

impl Pool {
    fn take(&self, location: &str) -> Result<Store, bulwark_store::Error> {
        let pooled = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        match pooled {
            Some(s) => Ok(s),
            None => Store::open(location),
        }
    }

    fn give(&self, store: Store) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < POOL_IDLE {
            idle.push(store);
        }
    }
}

/// A request as [`handle`] takes it: the head's parts and the body already read.
#[derive(Debug, Clone, Copy)]
pub struct ApiRequest<'a> {
    pub method: &'a str,
    /// The path, percent-encoded as received (`/api/v1/images/sha256%3A…`).
    pub path: &'a str,
    /// The query string without `?` (empty when none).
    pub query: &'a str,
    /// The `Authorization` header's bytes.
    pub authorization: Option<&'a [u8]>,
    pub body: &'a [u8],
}

/// An answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiResponse {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    /// Further headers (`WWW-Authenticate`, `Allow`).
    pub headers: Vec<(&'static str, String)>,
    /// The name of the token that was accepted, for the request log.
    pub token: Option<String>,
}

impl ApiResponse {
    fn json(status: u16, value: &Value) -> Self {
        Self {
            status,
            content_type: "application/json",
            body: serde_json::to_vec(value).unwrap_or_default(),
            headers: Vec::new(),
            token: None,
        }
    }

    fn error(status: u16, message: impl Into<String>) -> Self {
        ApiError::new(status, message).into()
    }
}

/// An error answer: `{"error": message, "status": status, …extra}`.
#[derive(Debug)]
struct ApiError {
    status: u16,
    message: String,
    extra: serde_json::Map<String, Value>,
}

impl ApiError {
    fn new(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            extra: serde_json::Map::new(),
        }
    }

    fn bad(message: impl Into<String>) -> Self {
        Self::new(400, message)
    }

    fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(key.to_owned(), value.into());
        self
    }
}

impl From<ApiError> for ApiResponse {
    fn from(e: ApiError) -> Self {
        let mut v = json!({"error": e.message, "status": e.status});
        if let Some(m) = v.as_object_mut() {
            m.extend(e.extra);
        }
        ApiResponse::json(e.status, &v)
    }
}

fn store_error(e: &bulwark_store::Error) -> ApiError {
    match e {
        bulwark_store::Error::InvalidDigest(_) => ApiError::bad(e.to_string()),
        _ => ApiError::new(500, format!("the store failed: {e}")),
    }
}

/// What a route needs from the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// No token (the OpenAPI document).
    Public,
    /// `read` or `admin`.
    Read,
    /// `push` or `admin`.
    Push,
    /// `admin`.
    Admin,
}

impl Need {
    fn allows(self, role: Role) -> bool {
        match self {
            Self::Public => true,
            Self::Read => matches!(role, Role::Read | Role::Admin),
            Self::Push => matches!(role, Role::Push | Role::Admin),
            Self::Admin => role == Role::Admin,
        }
    }

    fn roles(self) -> &'static str {
        match self {
            Self::Public => "none",
            Self::Read => "read or admin",
            Self::Push => "push or admin",
            Self::Admin => "admin",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    OpenApi,
    Cves,
    Images,
    Image,
    Workloads,
    WorkloadContext,
    RiskWorkloads,
    Findings,
    Reports,
    Placements,
    RuntimeAlerts,
    RuntimeActions,
    DeniedDigests,
    DeniedDigestDelete,
    Nodes,
    Node,
    NodeResults,
    Results,
    ResultsPush,
}

/// One operation: method, path template (as the OpenAPI document writes it) and the role it needs.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub need: Need,
    op: Op,
}

/// Every operation the API answers; the router dispatches on this table only.
pub const ROUTES: &[Route] = &[
    Route {
        method: "GET",
        path: "/api/v1/openapi.json",
        need: Need::Public,
        op: Op::OpenApi,
    },
    Route {
        method: "GET",
        path: "/api/v1/cves",
        need: Need::Read,
        op: Op::Cves,
    },
    Route {
        method: "GET",
        path: "/api/v1/images",
        need: Need::Read,
        op: Op::Images,
    },
    Route {
        method: "GET",
        path: "/api/v1/images/{digest}",
        need: Need::Read,
        op: Op::Image,
    },
    Route {
        method: "GET",
        path: "/api/v1/workloads",
        need: Need::Read,
        op: Op::Workloads,
    },
    Route {
        method: "GET",
        path: "/api/v1/workloads/{cluster}/{namespace}/{kind}/{name}/context",
        need: Need::Read,
        op: Op::WorkloadContext,
    },
    Route {
        method: "GET",
        path: "/api/v1/risk/workloads",
        need: Need::Read,
        op: Op::RiskWorkloads,
    },
    Route {
        method: "GET",
        path: "/api/v1/findings",
        need: Need::Read,
        op: Op::Findings,
    },
    Route {
        method: "POST",
        path: "/api/v1/reports",
        need: Need::Push,
        op: Op::Reports,
    },
    Route {
        method: "POST",
        path: "/api/v1/placements",
        need: Need::Admin,
        op: Op::Placements,
    },
    Route {
        method: "GET",
        path: "/api/v1/runtime/alerts",
        need: Need::Read,
        op: Op::RuntimeAlerts,
    },
    Route {
        method: "GET",
        path: "/api/v1/runtime/actions",
        need: Need::Read,
        op: Op::RuntimeActions,
    },
    Route {
        method: "GET",
        path: "/api/v1/runtime/denied-digests",
        need: Need::Read,
        op: Op::DeniedDigests,
    },
    Route {
        method: "DELETE",
        path: "/api/v1/runtime/denied-digests/{digest}",
        need: Need::Admin,
        op: Op::DeniedDigestDelete,
    },
    Route {
        method: "GET",
        path: "/api/v1/nodes",
        need: Need::Read,
        op: Op::Nodes,
    },
    Route {
        method: "GET",
        path: "/api/v1/nodes/{node}",
        need: Need::Read,
        op: Op::Node,
    },
    Route {
        method: "POST",
        path: "/api/v1/nodes/{node}/results",
        need: Need::Push,
        op: Op::NodeResults,
    },
    Route {
        method: "GET",
        path: "/api/v1/results",
        need: Need::Read,
        op: Op::Results,
    },
    Route {
        method: "POST",
        path: "/api/v1/results",
        need: Need::Push,
        op: Op::ResultsPush,
    },
];

/// `%XX` decoding (and `+` as a space in query strings); `None` for a bad escape or bytes that are not UTF-8.
fn percent_decode(s: &str, plus_is_space: bool) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = b.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// The routes whose path template matches `path`, with the decoded values of its `{…}` segments, in order.
fn match_path(path: &str) -> Result<(Vec<&'static Route>, Vec<String>), ApiError> {
    let got: Vec<&str> = path.split('/').collect();
    let mut found = Vec::new();
    let mut params = Vec::new();
    for r in ROUTES {
        let want: Vec<&str> = r.path.split('/').collect();
        if want.len() != got.len() {
            continue;
        }
        let mut values = Vec::new();
        let ok = want.iter().zip(&got).all(|(w, g)| {
            if w.starts_with('{') {
                values.push(*g);
                !g.is_empty()
            } else {
                w == g
            }
        });
        if ok {
            params = values
                .iter()
                .map(|v| {
                    percent_decode(v, false)
                        .ok_or_else(|| ApiError::bad("the path is not valid percent-encoded UTF-8"))
                })
                .collect::<Result<_, _>>()?;
            found.push(r);
        }
    }
    Ok((found, params))
}

fn bearer_challenge(error: Option<&str>) -> String {
    match error {
        Some(e) => format!("Bearer realm=\"bulwark\", error=\"{e}\""),
        None => "Bearer realm=\"bulwark\"".to_owned(),
    }
}

fn unauthorized(message: &str, error: Option<&str>) -> ApiResponse {
    let mut r = ApiResponse::error(401, message);
    r.headers
        .push(("www-authenticate", bearer_challenge(error)));
    r
}

/// What the head alone decides.
enum Gate {
    /// Answered without the store (the document, 401, 403, 404, 405).
    Answer(ApiResponse),
    /// Let through: the route, its path parameters, and the token's name.
    Go(&'static Route, Vec<String>, String),
}

/// Authentication first (so an unauthenticated client learns nothing about routes), then the route and the
/// role.
fn gate(tokens: Option<&Tokens>, method: &str, path: &str, authorization: Option<&[u8]>) -> Gate {
    let (routes, param) = match match_path(path) {
        Ok(m) => m,
        Err(e) => return Gate::Answer(e.into()),
    };
    if let Some(r) = routes.iter().find(|r| r.need == Need::Public) {
        if r.method == method {
            let mut resp = ApiResponse {
                status: 200,
                content_type: "application/json",
                body: OPENAPI.as_bytes().to_vec(),
                headers: Vec::new(),
                token: None,
            };
            debug_assert_eq!(r.op, Op::OpenApi);
            resp.headers.push(("cache-control", "max-age=300".into()));
            return Gate::Answer(resp);
        }
        let mut resp = ApiResponse::error(405, format!("{path} answers GET only"));
        resp.headers.push(("allow", r.method.to_owned()));
        return Gate::Answer(resp);
    }
    let Some(tokens) = tokens else {
        return Gate::Answer(unauthorized(
            "the API has no tokens (start bulwark serve with --api-tokens FILE): every request is refused",
            None,
        ));
    };
    let Some(header) = authorization else {
        return Gate::Answer(unauthorized(
            "missing Authorization header: send `Authorization: Bearer <token>`",
            None,
        ));
    };
    let presented = std::str::from_utf8(header).ok().and_then(|h| {
        let (scheme, rest) = h.split_once(' ')?;
        let token = rest.trim_matches(' ');
        (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
    });
    let Some(presented) = presented else {
        return Gate::Answer(unauthorized(
            "the Authorization header is not `Bearer <token>`",
            Some("invalid_request"),
        ));
    };
    let Some((name, role)) = tokens.check(presented) else {
        return Gate::Answer(unauthorized(
            "the bearer token is not valid",
            Some("invalid_token"),
        ));
    };
    let name = name.to_owned();
    let answer = |mut r: ApiResponse| {
        r.token = Some(name.clone());
        Gate::Answer(r)
    };
    let shown = bulwark_types::escape_control(path)
        .chars()
        .take(300)
        .collect::<String>();
    if routes.is_empty() {
        return answer(ApiResponse::error(404, format!("no API route {shown}")));
    }
    let Some(route) = routes.iter().find(|r| r.method == method) else {
        let allow = routes
            .iter()
            .map(|r| r.method)
            .collect::<Vec<_>>()
            .join(", ");
        let mut resp = ApiResponse::error(
            405,
            format!(
                "{shown} answers {allow}, not {}",
                bulwark_types::escape_control(method)
            ),
        );
        resp.headers.push(("allow", allow));
        return answer(resp);
    };
    if !route.need.allows(role) {
        let mut resp = ApiResponse::error(
            403,
            format!(
                "token \"{name}\" has role {}; {} {} needs {}",
                role.as_str(),
                route.method,
                route.path,
                route.need.roles()
            ),
        );
        resp.headers.push((
            "www-authenticate",
            bearer_challenge(Some("insufficient_scope")),
        ));
        return answer(resp);
    }
    Gate::Go(route, param, name)
}

/// Answers one API request. `now` (seconds since the Unix epoch) stamps what is stored and decides what is
/// "new". Never panics on any input; every refusal is a JSON error with its status.
#[must_use]
pub fn handle(
    store: &Store,
    tokens: Option<&Tokens>,
    req: &ApiRequest<'_>,
    now: i64,
) -> ApiResponse {
    handle_with(store, tokens, &ApiTeams::default(), req, now)
}

/// [`handle`] with the teams of `bulwark serve`'s config: a push is judged by its token's team's bundle, and a
/// result is kept under the token's team.
#[must_use]
pub fn handle_with(
    store: &Store,
    tokens: Option<&Tokens>,
    teams: &ApiTeams,
    req: &ApiRequest<'_>,
    now: i64,
) -> ApiResponse {
    match gate(tokens, req.method, req.path, req.authorization) {
        Gate::Answer(r) => r,
        Gate::Go(route, param, name) => {
            let who = Who {
                token: &name,
                team: teams.token_team.get(&name).map(String::as_str),
                judge: teams.judge.as_ref(),
            };
            let mut r = match dispatch(store, route.op, &param, req, &who, now) {
                Ok(r) => r,
                Err(e) => e.into(),
            };
            r.token = Some(name);
            r
        }
    }
}

// ------------------------------------------------------------------------------------------------- parameters

/// The query string's parameters, decoded.
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(query: &str, allowed: &[&str]) -> Result<Self, ApiError> {
        let mut out = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            if out.len() >= 1000 {
                return Err(ApiError::bad("more than 1000 query parameters"));
            }
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let k = percent_decode(k, true).ok_or_else(|| {
                ApiError::bad("the query string is not valid percent-encoded UTF-8")
            })?;
            let v = percent_decode(v, true).ok_or_else(|| {
                let shown: String = bulwark_types::escape_control(&k)
                    .chars()
                    .take(100)
                    .collect();
                ApiError::bad(format!(
                    "query parameter `{shown}` is not valid percent-encoded UTF-8"
                ))
                .with("parameter", shown)
            })?;
            if !allowed.contains(&k.as_str()) {
                let shown: String = bulwark_types::escape_control(&k)
                    .chars()
                    .take(100)
                    .collect();
                let known = if allowed.is_empty() {
                    "none".to_owned()
                } else {
                    allowed.join(", ")
                };
                return Err(ApiError::bad(format!(
                    "unknown query parameter `{shown}` (this route takes: {known})"
                ))
                .with("parameter", shown));
            }
            out.push((k, v));
        }
        Ok(Self(out))
    }

    fn all(&self, name: &str) -> impl Iterator<Item = &str> {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A parameter given at most once; an empty value counts as not given.
    fn one(&self, name: &str) -> Result<Option<&str>, ApiError> {
        let mut it = self.all(name);
        let first = it.next();
        if it.next().is_some() {
            return Err(
                ApiError::bad(format!("query parameter `{name}` is given more than once"))
                    .with("parameter", name),
            );
        }
        Ok(first.filter(|v| !v.is_empty()))
    }

    fn string(&self, name: &str) -> Result<Option<String>, ApiError> {
        Ok(self.one(name)?.map(str::to_owned))
    }

    fn flag(&self, name: &str) -> Result<bool, ApiError> {
        match self.one(name)? {
            None | Some("false" | "0") => Ok(false),
            Some("true" | "1") => Ok(true),
            Some(other) => Err(ApiError::bad(format!(
                "query parameter `{name}` must be true or false, not \"{}\"",
                bulwark_types::escape_control(other)
            ))
            .with("parameter", name)),
        }
    }

    /// The floor of `severity` (comma-separated, repeatable: the lowest one given).
    fn severity(&self) -> Result<Option<Severity>, ApiError> {
        let mut min: Option<Severity> = None;
        for v in self.all("severity") {
            for s in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let sev: Severity = s.parse().map_err(|e: String| {
                    ApiError::bad(format!(
                        "query parameter `severity`: {}",
                        bulwark_types::escape_control(&e)
                    ))
                    .with("parameter", "severity")
                })?;
                min = Some(min.map_or(sev, |m| m.min(sev)));
            }
        }
        Ok(min)
    }

    fn limit(&self) -> Result<usize, ApiError> {
        match self.one("limit")? {
            None => Ok(DEFAULT_LIMIT),
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
                _ => Err(ApiError::bad(format!(
                    "query parameter `limit` must be a whole number from 1 to {MAX_LIMIT}"
                ))
                .with("parameter", "limit")),
            },
        }
    }

    /// The `continue` token of `kind`, decoded.
    fn cont<T: serde::de::DeserializeOwned>(&self, kind: &str) -> Result<Option<T>, ApiError> {
        let Some(tok) = self.one("continue")? else {
            return Ok(None);
        };
        let bad = || {
            ApiError::bad("query parameter `continue` is not a token this list gave")
                .with("parameter", "continue")
        };
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(tok)
            .map_err(|_| bad())?;
        let mut v: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        let inner = v.get_mut(kind).map(Value::take).ok_or_else(bad)?;
        serde_json::from_value(inner).map(Some).map_err(|_| bad())
    }
}

fn continue_token(kind: &str, key: &impl serde::Serialize) -> String {
    let v = json!({ kind: key });
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

/// `36h`, `7d`, `90m`, `2w`, `3600s`; a bare number is days (as `bulwark get cve --new-since`).
fn parse_age(s: &str) -> Option<i64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: i64 = n.parse().ok()?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "" | "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return None,
    };
    n.checked_mul(mult)
}

/// `{"items": […], "continue": "…"}`: `rows` holds one row more than the page when there is a next page.
fn page<T: serde::Serialize, K: serde::Serialize>(
    mut rows: Vec<T>,
    limit: usize,
    kind: &str,
    key: impl Fn(&T) -> K,
) -> ApiResponse {
    let more = rows.len() > limit;
    rows.truncate(limit);
    let mut v = json!({"items": rows});
    if more && let Some(last) = rows.last() {
        v["continue"] = continue_token(kind, &key(last)).into();
    }
    ApiResponse::json(200, &v)
}

// --------------------------------------------------------------------------------------------------- handlers

/// Who made a request that passed the gate.
struct Who<'a> {
    token: &'a str,
    team: Option<&'a str>,
    judge: Option<&'a PushJudge>,
}

fn dispatch(
    store: &Store,
    op: Op,
    params: &[String],
    req: &ApiRequest<'_>,
    who: &Who<'_>,
    now: i64,
) -> Result<ApiResponse, ApiError> {
    match op {
        Op::OpenApi => Ok(ApiResponse {
            status: 200,
            content_type: "application/json",
            body: OPENAPI.as_bytes().to_vec(),
            headers: Vec::new(),
            token: None,
        }),
        Op::Cves => cves(store, req.query, now),
        Op::RuntimeAlerts => runtime_alerts(store, req.query, now),
        Op::RuntimeActions => runtime_actions(store, req.query),
        Op::DeniedDigests => {
            Params::parse(req.query, &[])?;
            let rows = store.denied_digests().map_err(|e| store_error(&e))?;
            let items: Vec<Value> = rows
                .iter()
                .map(|d| {
                    let mut v = json!(d);
                    v["active"] = d.active(now).into();
                    v
                })
                .collect();
            Ok(ApiResponse::json(200, &json!({"items": items})))
        }
        Op::DeniedDigestDelete => {
            Params::parse(req.query, &[])?;
            let digest = params.first().map_or("", String::as_str);
            if !bulwark_store::valid_digest(digest) {
                return Err(ApiError::bad(format!(
                    "\"{}\" is not an image digest (sha256:<64 hex digits>)",
                    bulwark_types::escape_control(digest)
                )));
            }
            // Idempotent: deleting a digest that is not (or no longer) on the list is no error.
            let deleted = store.undeny_digest(digest).map_err(|e| store_error(&e))?;
            Ok(ApiResponse::json(
                200,
                &json!({"digest": digest, "deleted": deleted}),
            ))
        }
        Op::Images => {
            let p = Params::parse(req.query, &["limit", "continue"])?;
            let limit = p.limit()?;
            let after: Option<String> = p.cont("images")?;
            let rows = store
                .image_summaries(after.as_deref(), Some(limit + 1))
                .map_err(|e| store_error(&e))?;
            Ok(page(rows, limit, "images", |r| r.digest.clone()))
        }
        Op::Image => {
            Params::parse(req.query, &[])?;
            let digest = params.first().map_or("", String::as_str);
            if !bulwark_store::valid_digest(digest) {
                let shown: String = bulwark_types::escape_control(digest)
                    .chars()
                    .take(200)
                    .collect();
                return Err(ApiError::bad(format!(
                    "invalid image digest \"{shown}\": expected sha256:<64 lowercase hex digits> (or sha384/sha512)"
                )));
            }
            match store.image_detail(digest).map_err(|e| store_error(&e))? {
                Some(d) => Ok(ApiResponse::json(200, &json!(d))),
                None => Err(ApiError::new(
                    404,
                    format!("image {digest} is not in the inventory"),
                )),
            }
        }
        Op::Workloads => {
            let p = Params::parse(
                req.query,
                &["cluster", "environment", "namespace", "limit", "continue"],
            )?;
            let q = WorkloadQuery {
                cluster: p.string("cluster")?,
                environment: p.string("environment")?,
                namespace: p.string("namespace")?,
            };
            let limit = p.limit()?;
            let after: Option<WorkloadKey> = p.cont("workloads")?;
            let rows = store
                .workload_rows(&q, after.as_ref(), Some(limit + 1))
                .map_err(|e| store_error(&e))?;
            Ok(page(
                rows,
                limit,
                "workloads",
                bulwark_store::WorkloadRow::key,
            ))
        }
        Op::WorkloadContext => workload_context(store, params, req.query),
        Op::RiskWorkloads => {
            let p = Params::parse(req.query, &["cluster", "environment", "namespace", "limit"])?;
            let (cluster, environment, namespace) = (
                p.string("cluster")?,
                p.string("environment")?,
                p.string("namespace")?,
            );
            let limit = p.limit()?;
            let mut rows = bulwark_inventory::rank_workloads(store, cluster.as_deref(), now)
                .map_err(|e| match e {
                    bulwark_inventory::Error::Store(e) => store_error(&e),
                    e => ApiError::new(500, format!("ranking failed: {e}")),
                })?;
            rows.retain(|w| environment.is_none() || w.environment == environment);
            rows.retain(|w| namespace.as_ref().is_none_or(|n| *n == w.namespace));
            let total = rows.len();
            rows.truncate(limit);
            Ok(ApiResponse::json(
                200,
                &json!({"items": rows, "total": total}),
            ))
        }
        Op::Findings => {
            let p = Params::parse(
                req.query,
                &[
                    "owner",
                    "digest",
                    "severity",
                    "includeFixed",
                    "limit",
                    "continue",
                ],
            )?;
            let q = FindingQuery {
                owner_team: p.string("owner")?,
                digest: p.string("digest")?,
                min_severity: p.severity()?,
                include_fixed: p.flag("includeFixed")?,
            };
            let limit = p.limit()?;
            let after: Option<FindingKey> = p.cont("findings")?;
            let rows = store
                .finding_rows(&q, after.as_ref(), Some(limit + 1))
                .map_err(|e| store_error(&e))?;
            Ok(page(rows, limit, "findings", FindingKey::of))
        }
        Op::Reports => reports(store, req, who, now),
        Op::Results => results::list(store, req.query),
        Op::ResultsPush => results::push(store, who.token, who.team, req, now),
        Op::Placements => placements(store, req, now),
        Op::Nodes => {
            Params::parse(req.query, &[])?;
            nodes::list(store)
        }
        Op::Node => {
            Params::parse(req.query, &[])?;
            nodes::one(store, params.first().map_or("", String::as_str))
        }
        Op::NodeResults => nodes::push(store, params.first().map_or("", String::as_str), req, now),
    }
}

/// The `CveQuery` of `GET /api/v1/cves`, as `bulwark get cve` builds it from its flags.
fn cve_query(p: &Params, now: i64) -> Result<CveQuery, ApiError> {
    let since = match p.one("newSince")? {
        None => None,
        Some(v) => Some(now.saturating_sub(parse_age(v).ok_or_else(|| {
            ApiError::bad(format!(
                "query parameter `newSince` must be an age like 36h or 7d (units s, m, h, d, w), not \"{}\"",
                bulwark_types::escape_control(v)
            ))
            .with("parameter", "newSince")
        })?)),
    };
    Ok(CveQuery {
        environment: p.string("environment")?,
        namespace: p.string("namespace")?,
        cluster: p.string("cluster")?,
        image: p.string("image")?,
        min_severity: p.severity()?,
        new_since: since,
        owner_team: p.string("owner")?,
        include_fixed: p.flag("includeFixed")?,
        // Without newSince, "new" means first seen in the last day (as the CLI).
        mark_new_since: Some(since.unwrap_or(now - 86_400)),
    })
}

/// `GET /api/v1/runtime/actions`: enforcement decisions, newest first, filtered by `rule` and `state`
/// (pending, done, failed, skipped).
fn runtime_actions(store: &Store, query: &str) -> Result<ApiResponse, ApiError> {
    let p = Params::parse(query, &["rule", "state", "limit"])?;
    let state = p.string("state")?;
    if let Some(s) = &state
        && !matches!(s.as_str(), "pending" | "done" | "failed" | "skipped")
    {
        return Err(ApiError::bad(format!(
            "query parameter `state` must be one of pending, done, failed, skipped, not \"{}\"",
            bulwark_types::escape_control(s)
        ))
        .with("parameter", "state"));
    }
    let rule = p.string("rule")?;
    let rows = store
        .enforcement_actions(rule.as_deref(), state.as_deref(), p.limit()?)
        .map_err(|e| store_error(&e))?;
    Ok(ApiResponse::json(200, &json!({"items": rows})))
}

/// `GET /api/v1/runtime/alerts`: stored runtime alerts, newest event first, filtered by `namespace`, `rule`,
/// `priority` (that priority and the more severe ones), `since` (an age: events of the last 36h) and `cluster`.
fn runtime_alerts(store: &Store, query: &str, now: i64) -> Result<ApiResponse, ApiError> {
    let p = Params::parse(
        query,
        &["namespace", "rule", "priority", "since", "cluster", "limit"],
    )?;
    let since_ns = match p.one("since")? {
        None => None,
        Some(v) => {
            let age = parse_age(v).ok_or_else(|| {
                ApiError::bad(format!(
                    "query parameter `since` must be an age like 36h or 7d (units s, m, h, d, w), not \"{}\"",
                    bulwark_types::escape_control(v)
                ))
                .with("parameter", "since")
            })?;
            Some(now.saturating_sub(age).saturating_mul(1_000_000_000))
        }
    };
    let priority = p.string("priority")?;
    if let Some(pr) = &priority
        && bulwark_store::priority_rank(pr).is_none()
    {
        return Err(ApiError::bad(format!(
            "query parameter `priority` must be one of {} (or INFO), not \"{}\"",
            bulwark_store::PRIORITIES.join(", "),
            bulwark_types::escape_control(pr)
        ))
        .with("parameter", "priority"));
    }
    let q = bulwark_store::RuntimeAlertQuery {
        cluster: p.string("cluster")?,
        namespace: p.string("namespace")?,
        rule: p.string("rule")?,
        priority,
        since_ns,
        limit: Some(p.limit()?),
    };
    let rows = store.runtime_alerts(&q).map_err(|e| store_error(&e))?;
    Ok(ApiResponse::json(200, &json!({"items": rows})))
}

/// `GET /api/v1/workloads/{cluster}/{namespace}/{kind}/{name}/context`: the stored objects that give the
/// workload its risk context (`Store::context_objects`), the workload first; no items for a workload that runs
/// (a placement) without stored objects; 404 when it is neither stored nor running.
fn workload_context(
    store: &Store,
    params: &[String],
    query: &str,
) -> Result<ApiResponse, ApiError> {
    Params::parse(query, &[])?;
    let [cluster, namespace, kind, name] = params else {
        return Err(ApiError::bad(
            "expected /api/v1/workloads/{cluster}/{namespace}/{kind}/{name}/context",
        ));
    };
    for (what, v) in [
        ("cluster", cluster),
        ("namespace", namespace),
        ("kind", kind),
        ("name", name),
    ] {
        if v.len() > 253 || v.chars().any(char::is_control) {
            let shown: String = bulwark_types::escape_control(v).chars().take(80).collect();
            return Err(ApiError::bad(format!(
                "path segment `{what}` \"{shown}\" is not a Kubernetes name (at most 253 characters, no control characters)"
            ))
            .with("parameter", what));
        }
    }
    let items = store
        .context_objects(cluster, namespace, kind, name)
        .map_err(|e| store_error(&e))?;
    if items.is_empty() {
        // A workload that runs (a placement) but whose objects no feed has stored: known, without context.
        let f = bulwark_store::PlacementFilter {
            cluster: Some(cluster.clone()),
            namespace: Some(namespace.clone()),
            ..bulwark_store::PlacementFilter::default()
        };
        let runs = store
            .placements(&f)
            .map_err(|e| store_error(&e))?
            .iter()
            .any(|r| r.placement.workload_kind == *kind && r.placement.workload_name == *name);
        if !runs {
            return Err(ApiError::new(
                404,
                format!(
                    "{kind} {namespace}/{name} of cluster {cluster} is neither stored nor running"
                ),
            ));
        }
    }
    Ok(ApiResponse::json(
        200,
        &json!({"cluster": cluster, "namespace": namespace, "kind": kind, "name": name, "items": items}),
    ))
}

fn cves(store: &Store, query: &str, now: i64) -> Result<ApiResponse, ApiError> {
    let p = Params::parse(
        query,
        &[
            "environment",
            "namespace",
            "cluster",
            "image",
            "severity",
            "newSince",
            "owner",
            "includeFixed",
            "limit",
            "continue",
        ],
    )?;
    let q = cve_query(&p, now)?;
    let limit = p.limit()?;
    let after: Option<i64> = p.cont("cves")?;
    let rows = store.cves(&q).map_err(|e| store_error(&e))?;
    // The rows come sorted by the store (the order `bulwark get cve` prints); a page starts after the finding
    // the previous one ended with.
    let start = match after {
        None => 0,
        Some(id) => {
            rows.iter()
                .position(|r| r.finding.id == id)
                .ok_or_else(|| {
                    ApiError::new(
                        410,
                        "the `continue` token names a finding no longer listed (fixed or re-matched since): list \
                         again without it",
                    )
                })?
                + 1
        }
    };
    let rows: Vec<_> = rows.into_iter().skip(start).take(limit + 1).collect();
    Ok(page(rows, limit, "cves", |r| r.finding.id))
}

fn reports(
    store: &Store,
    req: &ApiRequest<'_>,
    who: &Who<'_>,
    now: i64,
) -> Result<ApiResponse, ApiError> {
    let p = Params::parse(req.query, &["digest", "ref"])?;
    let Some(digest) = p.one("digest")? else {
        return Err(ApiError::bad(
            "query parameter `digest` is required: the image's manifest digest (sha256:…)",
        )
        .with("parameter", "digest"));
    };
    if !bulwark_store::valid_digest(digest) {
        let shown: String = bulwark_types::escape_control(digest)
            .chars()
            .take(200)
            .collect();
        return Err(ApiError::bad(format!(
            "query parameter `digest`: \"{shown}\" is not sha256:<64 lowercase hex digits> (or sha384/sha512)"
        ))
        .with("parameter", "digest"));
    }
    let mut refs: Vec<String> = Vec::new();
    for r in p.all("ref").filter(|r| !r.is_empty()) {
        if r.len() > 1024 || r.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(ApiError::bad(
                "query parameter `ref`: an image reference of at most 1024 characters, without spaces or \
                 control characters",
            )
            .with("parameter", "ref"));
        }
        if !refs.iter().any(|x| x == r) {
            refs.push(r.to_owned());
        }
    }
    if refs.len() > MAX_REFS {
        return Err(ApiError::bad(format!(
            "more than {MAX_REFS} `ref` parameters"
        )));
    }
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad(
            "the request body is empty: send a CycloneDX or SPDX JSON SBOM, or a Bulwark JSON report",
        ));
    }
    let replaced = store
        .image(digest)
        .map_err(|e| store_error(&e))?
        .is_some_and(|i| i.has_sbom);
    match bulwark_inventory::ingest_sbom(store, digest, &refs, req.body, "request body", now) {
        Ok(got) => {
            let mut answer = json!({
                "digest": got.digest,
                "references": refs,
                "packages": got.packages,
                "warnings": got.warnings,
                "replaced": replaced,
            });
            if let Some(judge) = who.judge {
                answer["verdict"] = push_verdict(store, judge, who, digest, req.body, now)?;
            }
            Ok(ApiResponse::json(if replaced { 200 } else { 201 }, &answer))
        }
        Err(bulwark_inventory::Error::Sbom(e)) => {
            let mut err = ApiError::bad(format!("not a usable SBOM: {e}"));
            if let bulwark_sbom::SbomError::Json { line, column, .. } = &e {
                err = err.with("line", *line).with("column", *column);
            }
            Err(err)
        }
        Err(bulwark_inventory::Error::Store(e)) => match &e {
            bulwark_store::Error::Invalid { .. } => Err(ApiError::new(413, e.to_string())),
            _ => Err(store_error(&e)),
        },
        Err(e) => Err(ApiError::new(500, e.to_string())),
    }
}

/// The verdict on a pushed SBOM (the token's team's bundle, else the global one), stored with the report as
/// the image's verdict for `push:TEAM` (`push` for a token of no team); `{"error": …}` when none could be made.
fn push_verdict(
    store: &Store,
    judge: &PushJudge,
    who: &Who<'_>,
    digest: &str,
    sbom: &[u8],
    now: i64,
) -> Result<Value, ApiError> {
    let pushed = Pushed {
        token: who.token,
        team: who.team,
        digest,
        sbom,
    };
    let v = match judge(&pushed) {
        Ok(v) => v,
        Err(e) => return Ok(json!({"team": who.team, "error": e})),
    };
    let record = bulwark_store::VerdictRecord {
        digest: digest.to_owned(),
        workload: Some(
            who.team
                .map_or_else(|| "push".to_owned(), |t| format!("push:{t}")),
        ),
        decision: v.decision.clone(),
        bundle_name: v.bundle_name.clone(),
        bundle_version: v.bundle_version.clone(),
        bundle_digest: v.bundle_digest.clone(),
        db_version: v.db_version.clone(),
        verdict_json: v.verdict_json.clone(),
        created_at: now,
    };
    store.put_verdict(&record).map_err(|e| store_error(&e))?;
    let full: Value = serde_json::from_str(&v.verdict_json).unwrap_or(Value::Null);
    Ok(json!({
        "team": who.team,
        "decision": v.decision,
        "stage": full["stage"],
        "bundle": {"name": v.bundle_name, "version": v.bundle_version, "digest": v.bundle_digest},
        "dbVersion": v.db_version,
        "verdict": full,
    }))
}

fn placements(store: &Store, req: &ApiRequest<'_>, now: i64) -> Result<ApiResponse, ApiError> {
    Params::parse(req.query, &[])?;
    let list: Vec<bulwark_kube::Placement> = serde_json::from_slice(req.body).map_err(|e| {
        ApiError::bad(format!(
            "request body:{}:{}: not a placement list (the JSON `bulwark kube inventory -o json` prints): {e}",
            e.line(),
            e.column()
        ))
        .with("line", e.line())
        .with("column", e.column())
    })?;
    if list.len() > MAX_PLACEMENTS {
        return Err(ApiError::bad(format!(
            "{} placements; at most {MAX_PLACEMENTS} in one request",
            list.len()
        )));
    }
    // Every entry is checked before anything is written.
    let mut rows = Vec::with_capacity(list.len());
    let mut skipped = 0usize;
    for (i, p) in list.into_iter().enumerate() {
        // A container not started yet has no digest: nothing to match it by.
        let Some(digest) = p.digest else {
            skipped += 1;
            continue;
        };
        if !bulwark_store::valid_digest(&digest) {
            let shown: String = bulwark_types::escape_control(&digest)
                .chars()
                .take(200)
                .collect();
            return Err(ApiError::bad(format!(
                "/{i}/digest: \"{shown}\" is not sha256:<64 lowercase hex digits>"
            ))
            .with("pointer", format!("/{i}/digest")));
        }
        for (field, v) in [
            ("cluster", &p.cluster),
            ("namespace", &p.namespace),
            ("workload_kind", &p.workload_kind),
            ("workload_name", &p.workload_name),
            ("container", &p.container),
        ] {
            if v.is_empty() || v.len() > 1024 {
                return Err(
                    ApiError::bad(format!("/{i}/{field}: must be 1 to 1024 characters"))
                        .with("pointer", format!("/{i}/{field}")),
                );
            }
        }
        rows.push(bulwark_store::Placement {
            cluster: p.cluster,
            environment: p.environment,
            namespace: p.namespace,
            workload_kind: p.workload_kind,
            workload_name: p.workload_name,
            container: p.container,
            digest,
            image_ref: Some(p.image),
        });
    }
    // One transaction: the whole list is recorded, or nothing.
    store
        .upsert_placements(&rows, now)
        .map_err(|e| store_error(&e))?;
    Ok(ApiResponse::json(
        200,
        &json!({"stored": rows.len(), "skippedWithoutDigest": skipped}),
    ))
}

// ---------------------------------------------------------------------------------------------- the HTTP side

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn to_http(r: ApiResponse) -> HttpResponse<Full<Bytes>> {
    let mut out = HttpResponse::new(Full::new(Bytes::from(r.body)));
    *out.status_mut() = StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = out.headers_mut();
    h.insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static(r.content_type),
    );
    if !r.headers.iter().any(|(k, _)| *k == "cache-control") {
        h.insert(
            hyper::header::CACHE_CONTROL,
            hyper::header::HeaderValue::from_static("no-store"),
        );
    }
    for (k, v) in r.headers {
        if let Ok(v) = hyper::header::HeaderValue::from_str(&v) {
            h.append(k, v);
        }
    }
    out
}

/// Answers a request under `/api/v1`.
pub(crate) async fn route(
    state: &Arc<State>,
    req: HttpRequest<Incoming>,
) -> HttpResponse<Full<Bytes>> {
    let Some(run) = &state.config.run else {
        crate::discard_body(state, req).await;
        return crate::text(StatusCode::NOT_FOUND, "not found\n");
    };
    let started = Instant::now();
    let api = &run.api;
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or_default().to_owned();
    let authorization = req
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .map(|v| v.as_bytes().to_vec());
    let (log_method, log_path) = (method.clone(), path.clone());
    let resp = match gate(
        api.tokens.as_deref(),
        &method,
        &path,
        authorization.as_deref(),
    ) {
        Gate::Answer(r) => {
            crate::discard_body(state, req).await;
            r
        }
        Gate::Go(..) => {
            let limit = api.max_body_bytes;
            match tokio::time::timeout(BODY_TIMEOUT, crate::read_body(req.into_body(), limit)).await
            {
                Ok(Ok(body)) => {
                    let (pool, tokens, teams, location) = (
                        api.pool.clone(),
                        api.tokens.clone(),
                        api.teams.clone(),
                        run.store.clone(),
                    );
                    let work = tokio::task::spawn_blocking(move || {
                        let store = match pool.take(&location) {
                            Ok(s) => s,
                            Err(e) => {
                                return ApiResponse::error(
                                    503,
                                    format!("cannot open the store: {e}"),
                                );
                            }
                        };
                        let r = handle_with(
                            &store,
                            tokens.as_deref(),
                            &teams,
                            &ApiRequest {
                                method: &method,
                                path: &path,
                                query: &query,
                                authorization: authorization.as_deref(),
                                body: &body,
                            },
                            now_secs(),
                        );
                        // A store that failed may have lost its connection: it is not kept.
                        if r.status < 500 {
                            pool.give(store);
                        }
                        r
                    });
                    work.await.unwrap_or_else(|_| {
                        ApiResponse::error(500, "internal error while answering the request")
                    })
                }
                Ok(Err(crate::BodyError::TooLarge)) => ApiResponse::error(
                    413,
                    format!("request body larger than {limit} bytes (--api-max-body-mib)"),
                ),
                Ok(Err(crate::BodyError::Read(e))) => {
                    ApiResponse::error(400, format!("cannot read the request body: {e}"))
                }
                Err(_) => ApiResponse::error(
                    408,
                    format!(
                        "the request body did not arrive within {} s",
                        BODY_TIMEOUT.as_secs()
                    ),
                ),
            }
        }
    };
    let mut line = json!({
        "level": if resp.status >= 500 { "error" } else { "info" },
        "event": "api",
        "method": log_method,
        "path": bulwark_types::escape_control(&log_path).chars().take(300).collect::<String>(),
        "status": resp.status,
        "latencyMs": started.elapsed().as_secs_f64() * 1000.0,
    });
    if let Some(t) = &resp.token {
        line["token"] = t.clone().into();
    }
    if resp.status >= 500 {
        line["error"] = serde_json::from_slice::<Value>(&resp.body)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_owned))
            .unwrap_or_default()
            .into();
    }
    crate::log(line);
    to_http(resp)
}

#[cfg(test)]
mod tests;
