//! The dashboard at `/` (issue #16): server-rendered HTML over the store, no front-end build, usable without
//! JavaScript (`/static/dashboard.js` only adds a filter box to long tables). Every page is answered by the
//! synchronous [`handle`] (the fuzz target `server_dashboard` drives it) on the blocking pool, with a store
//! from a small pool; each answer carries `Server-Timing: app;dur=MS` (the store queries and the rendering) and
//! a `Content-Security-Policy` of `default-src 'self'` with no inline script or style.
//!
//! Authentication ([`auth`]): the API's token file and roles (`Authorization: Bearer`, or `POST /login` with the
//! token for a session cookie: HttpOnly, Secure, SameSite=Strict), or a trusted proxy's user and groups
//! headers. Unauthenticated pages are 401 with the login form; a `push` token is 403. Admin actions are POSTs
//! with the identity's CSRF token: retrying a failed notification is the only one.
//!
//! Pages ([`pages`]): overview by cluster, environment and namespace; images and one image (findings by layer
//! and by owner); workloads ranked ([`pages::rank_workloads`], the one function the risk score replaces) and
//! one workload; one finding (package, layer, owner, where it runs, history); a layer; an owner; policy
//! verdicts; findings over time (an SVG chart drawn here); notification history.

pub mod auth;
mod html;
mod pages;

use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bulwark_store::Store;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request as HttpRequest, Response as HttpResponse, StatusCode};
use serde_json::json;

pub use auth::{Cidr, ProxyAuth};

use crate::State;
use crate::api::{Role, Tokens};
use auth::{Identity, Presented, Sessions};
use html::Html;

/// Largest form body (`POST /login`, the admin actions).
const MAX_FORM_BYTES: usize = 16 << 10;
const POOL_IDLE: usize = 4;

const CSS: &str = include_str!("dashboard.css");
const JS: &str = include_str!("dashboard.js");
const ICON: &str = include_str!("icon.svg");

/// The dashboard's settings.
#[derive(Debug, Clone, Default)]
pub struct DashboardConfig {
    /// Trusted proxy headers (OIDC in front); off unless a user header and trusted ranges are set.
    pub proxy: ProxyAuth,
    sessions: Arc<Sessions>,
    pool: Arc<Pool>,
    cache: Arc<Cache>,
}

impl DashboardConfig {
    /// The views' cache, shared by every request.
    pub(crate) fn cache_handle(&self) -> &Arc<Cache> {
        &self.cache
    }
}

/// How long cached counts are used at most, even when the store's findings fingerprint is unchanged.
const CACHE_TTL: Duration = Duration::from_secs(30);
/// Owner teams whose counts are kept at most.
const CACHE_OWNERS: usize = 1000;

type Fingerprint = (i64, i64, i64);
type Counts = std::collections::HashMap<String, bulwark_store::SeverityCounts>;

/// The open findings' counts per image and per owner team: the whole-store grouped passes, kept while
/// [`Store::findings_fingerprint`] (read from indexes on every page) is unchanged, and at most [`CACHE_TTL`].
#[derive(Default)]
pub(crate) struct Cache {
    inner: Mutex<CacheInner>,
    derived: Mutex<Derived>,
    /// The store's location, for the background recomputation's own connection.
    location: std::sync::OnceLock<String>,
}

/// Running workloads by (cluster, namespace, kind, name), each with its contextual risk.
pub(crate) type Ranking =
    std::collections::HashMap<(String, String, String, String), bulwark_inventory::RankedWorkload>;

/// What the heavier views are computed from: the findings' and the risk context's fingerprints, and the node
/// results' generation (the compliance view reads the stored node benchmark runs).
pub(crate) type Key = (Fingerprint, [i64; 6], i64);

/// The heavier views (every running workload's findings scored; the compliance evidence of the whole store),
/// each with the [`Key`] it was computed at. A request whose key matches gets the view; one whose key moved gets
/// the previous view at once while a background thread recomputes them all (stale while revalidating), so no
/// page waits for a recomputation except the very first, and the first sign-in page starts that one
/// ([`Cache::warm`]).
#[derive(Default)]
struct Derived {
    /// (key, generation, view): the generation is taken when a computation starts, and a view replaces
    /// another only when it was started later (a slow background computation must not overwrite a newer one).
    ranking: Option<(Key, u64, Arc<Ranking>)>,
    compliance:
        std::collections::HashMap<String, (Key, u64, Arc<bulwark_compliance::ComplianceReport>)>,
    refreshing: bool,
    generation: u64,
}

#[derive(Default)]
struct CacheInner {
    fp: Option<Fingerprint>,
    at: Option<Instant>,
    counts: Option<Arc<Counts>>,
    owners: std::collections::HashMap<String, (bulwark_store::SeverityCounts, i64)>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache").finish_non_exhaustive()
    }
}

impl Cache {
    /// The fingerprint now, the cache emptied when it changed or aged.
    fn check(&self, store: &Store) -> Result<Fingerprint, bulwark_store::Error> {
        let fp = store.findings_fingerprint()?;
        let mut g = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if g.fp != Some(fp) || g.at.is_none_or(|t| t.elapsed() > CACHE_TTL) {
            *g = CacheInner {
                fp: Some(fp),
                at: Some(Instant::now()),
                ..CacheInner::default()
            };
        }
        Ok(fp)
    }

    pub(crate) fn counts(&self, store: &Store) -> Result<Arc<Counts>, bulwark_store::Error> {
        let fp = self.check(store)?;
        if let Some(c) = &self
            .inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .counts
        {
            return Ok(c.clone());
        }
        let c = Arc::new(store.open_counts()?);
        let mut g = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        // Kept only if nothing changed meanwhile.
        if g.fp == Some(fp) {
            g.counts = Some(c.clone());
        }
        Ok(c)
    }

    /// The key of the heavier views now (two index reads): read once per request.
    pub(crate) fn key(store: &Store) -> Result<Key, bulwark_store::Error> {
        Ok((
            store.findings_fingerprint()?,
            store.context_fingerprint()?,
            store.node_results_generation()?,
        ))
    }

    /// Every running workload's contextual risk (`bulwark_inventory::rank_workloads`) at `key`, or the previous
    /// one while it is recomputed.
    pub(crate) fn ranking(
        self: &Arc<Self>,
        store: &Store,
        key: Key,
        now: i64,
    ) -> Result<Arc<Ranking>, pages::PageError> {
        let stale = {
            let g = self.derived.lock().unwrap_or_else(PoisonError::into_inner);
            match &g.ranking {
                Some((k, _, r)) if *k == key => return Ok(r.clone()),
                other => other.as_ref().map(|(_, _, r)| r.clone()),
            }
        };
        if let Some(r) = stale {
            self.refresh(now);
            return Ok(r);
        }
        let generation = self.next_generation();
        let r = Arc::new(rank(store, now)?);
        let mut g = self.derived.lock().unwrap_or_else(PoisonError::into_inner);
        if g.ranking.as_ref().is_none_or(|(_, n, _)| *n < generation) {
            g.ranking = Some((key, generation, r.clone()));
        }
        Ok(r)
    }

    /// The compliance report of `framework` over what the store holds at `key` (`stored_evidence`), or the
    /// previous one while it is recomputed.
    pub(crate) fn compliance(
        self: &Arc<Self>,
        store: &Store,
        key: Key,
        framework: &bulwark_compliance::Framework,
        now: i64,
    ) -> Result<Arc<bulwark_compliance::ComplianceReport>, pages::PageError> {
        let stale = {
            let g = self.derived.lock().unwrap_or_else(PoisonError::into_inner);
            match g.compliance.get(&framework.id) {
                Some((k, _, r)) if *k == key => return Ok(r.clone()),
                other => other.map(|(_, _, r)| r.clone()),
            }
        };
        if let Some(r) = stale {
            self.refresh(now);
            return Ok(r);
        }
        let generation = self.next_generation();
        let all = compliance_all(store)?;
        let mut g = self.derived.lock().unwrap_or_else(PoisonError::into_inner);
        let mut mine = None;
        for r in all {
            if r.framework == framework.id {
                mine = Some(r.clone());
            }
            put_report(&mut g, key, generation, r);
        }
        drop(g);
        mine.ok_or_else(|| pages::PageError::NotFound(format!("no framework {}", framework.id)))
    }

    /// A generation number for a computation starting now.
    fn next_generation(&self) -> u64 {
        let mut g = self.derived.lock().unwrap_or_else(PoisonError::into_inner);
        g.generation += 1;
        g.generation
    }

    /// Starts computing the heavier views in the background when nothing has computed them yet (the sign-in
    /// page calls it, so the first dashboard page finds them ready).
    pub(crate) fn warm(self: &Arc<Self>, location: &str, now: i64) {
        let _ = self.location.set(location.to_owned());
        let empty = {
            let g = self.derived.lock().unwrap_or_else(PoisonError::into_inner);
            g.ranking.is_none()
        };
        if empty {
            self.refresh(now);
        }
    }

    /// Recomputes every heavier view on a thread of its own with its own store connection, unless one is
    /// already at it; the views are replaced when it is done, failures are logged and the old views kept.
    fn refresh(self: &Arc<Self>, now: i64) {
        let Some(location) = self.location.get().cloned() else {
            return;
        };
        {
            let mut g = self.derived.lock().unwrap_or_else(PoisonError::into_inner);
            if g.refreshing {
                return;
            }
            g.refreshing = true;
        }
        let cache = Arc::clone(self);
        let spawned = std::thread::Builder::new()
            .name("dashboard-refresh".into())
            .spawn(move || {
                let generation = cache.next_generation();
                let done = (|| -> Result<_, String> {
                    let store = Store::open(&location).map_err(|e| e.to_string())?;
                    let key = Self::key(&store).map_err(|e| e.to_string())?;
                    let ranking = rank(&store, now).map_err(|e| e.to_string())?;
                    let all = compliance_all(&store).map_err(pages::PageError::describe)?;
                    Ok((key, ranking, all))
                })();
                let mut g = cache.derived.lock().unwrap_or_else(PoisonError::into_inner);
                g.refreshing = false;
                match done {
                    Ok((key, ranking, all)) => {
                        if g.ranking.as_ref().is_none_or(|(_, n, _)| *n < generation) {
                            g.ranking = Some((key, generation, Arc::new(ranking)));
                        }
                        for r in all {
                            put_report(&mut g, key, generation, r);
                        }
                    }
                    Err(e) => crate::log(
                        json!({"level": "warn", "event": "dashboard-refresh", "error": e}),
                    ),
                }
            });
        if spawned.is_err() {
            self.derived
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .refreshing = false;
        }
    }

    pub(crate) fn owner(
        &self,
        store: &Store,
        team: &str,
    ) -> Result<(bulwark_store::SeverityCounts, i64), bulwark_store::Error> {
        let fp = self.check(store)?;
        if let Some(c) = self
            .inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .owners
            .get(team)
        {
            return Ok(*c);
        }
        let c = store.owner_summary(team)?;
        let mut g = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if g.fp == Some(fp) && g.owners.len() < CACHE_OWNERS {
            g.owners.insert(team.to_owned(), c);
        }
        Ok(c)
    }
}

/// Keeps `r` unless a report of its framework from a later-started computation is there.
fn put_report(
    g: &mut Derived,
    key: Key,
    generation: u64,
    r: Arc<bulwark_compliance::ComplianceReport>,
) {
    if g.compliance
        .get(&r.framework)
        .is_none_or(|(_, n, _)| *n < generation)
    {
        g.compliance
            .insert(r.framework.clone(), (key, generation, r));
    }
}

/// The ranking of every running workload, by key.
fn rank(store: &Store, now: i64) -> Result<Ranking, bulwark_inventory::Error> {
    Ok(bulwark_inventory::rank_workloads(store, None, now)?
        .into_iter()
        .map(|w| {
            (
                (
                    w.cluster.clone(),
                    w.namespace.clone(),
                    w.kind.clone(),
                    w.name.clone(),
                ),
                w,
            )
        })
        .collect())
}

/// Every framework's compliance report over what the store holds: the Kubernetes checks of each cluster's
/// stored objects (scanner `kubernetes`), the open findings of the running images (`vulnerabilities`) and each
/// node's stored benchmark and probe runs (`node`: CIS Kubernetes sections 1-4); the other scanners did not run
/// here, so the controls only they assess are "not assessed".
pub(crate) fn compliance_all(
    store: &Store,
) -> Result<Vec<Arc<bulwark_compliance::ComplianceReport>>, pages::PageError> {
    let evidence = bulwark_inventory::stored_evidence(store)?;
    let node_results = store.node_results(None)?;
    let node_labels: Vec<String> = node_results
        .iter()
        .map(|r| format!("node {}: {}", r.node, r.kind))
        .collect();
    let labels: Vec<String> = evidence
        .clusters
        .iter()
        .map(|(c, _)| format!("cluster {c}: stored objects"))
        .collect();
    let images_label = format!("{} running images", evidence.image_count);
    let mut sources: Vec<bulwark_compliance::Source<'_>> = evidence
        .clusters
        .iter()
        .zip(&labels)
        .map(|((_, findings), label)| bulwark_compliance::Source {
            label,
            scanners: &[bulwark_compliance::Scanner::Kubernetes],
            findings,
        })
        .collect();
    if evidence.image_count > 0 {
        sources.push(bulwark_compliance::Source {
            label: &images_label,
            scanners: &[bulwark_compliance::Scanner::Vulnerabilities],
            findings: &evidence.images,
        });
    }
    for (r, label) in node_results.iter().zip(&node_labels) {
        sources.push(bulwark_compliance::Source {
            label,
            scanners: &[bulwark_compliance::Scanner::Node],
            findings: &r.findings,
        });
    }
    let frameworks =
        bulwark_compliance::frameworks().map_err(|e| pages::PageError::Internal(e.to_string()))?;
    Ok(frameworks
        .iter()
        .map(|f| Arc::new(bulwark_compliance::evaluate(f, &sources)))
        .collect())
}

#[derive(Default)]
struct Pool {
    idle: Mutex<Vec<Store>>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool").finish_non_exhaustive()
    }
}

/// The peer address of a connection, put in each request's extensions by the accept loop.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub IpAddr);

/// A request as [`handle`] takes it.
#[derive(Debug, Clone, Copy)]
pub struct DashRequest<'a> {
    pub method: &'a str,
    /// As received (percent-encoded).
    pub path: &'a str,
    pub query: &'a str,
    /// Header fields, names in lower case.
    pub headers: &'a [(String, Vec<u8>)],
    pub peer: Option<IpAddr>,
    pub body: &'a [u8],
}

/// An answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashResponse {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    pub headers: Vec<(&'static str, String)>,
}

impl DashResponse {
    fn html(status: u16, page: Html) -> Self {
        Self {
            status,
            content_type: "text/html; charset=utf-8",
            body: page.0.into_bytes(),
            headers: Vec::new(),
        }
    }

    fn asset(content_type: &'static str, body: &str) -> Self {
        Self {
            status: 200,
            content_type,
            body: body.as_bytes().to_vec(),
            headers: vec![("cache-control", "max-age=300".into())],
        }
    }

    fn redirect(to: &str) -> Self {
        Self {
            status: 303,
            content_type: "text/plain; charset=utf-8",
            body: format!("see {to}\n").into_bytes(),
            headers: vec![("location", to.to_owned())],
        }
    }
}

/// The context of one request, shared by the pages.
pub(crate) struct Ctx<'a> {
    pub(crate) store: &'a Store,
    pub(crate) cache: &'a Arc<Cache>,
    pub(crate) who: &'a Identity,
    pub(crate) csrf: String,
    pub(crate) now: i64,
}

fn header<'a>(req: &'a DashRequest<'_>, name: &str) -> Option<&'a [u8]> {
    req.headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_slice())
}

/// Answers one dashboard request. Never panics on any input.
#[must_use]
pub fn handle(
    store: &Store,
    config: &DashboardConfig,
    tokens: Option<&Tokens>,
    req: &DashRequest<'_>,
    now: i64,
) -> DashResponse {
    let started = Instant::now();
    let mut r = answer(store, config, tokens, req, now);
    let h = &mut r.headers;
    h.push((
        "content-security-policy",
        "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'".into(),
    ));
    h.push(("x-content-type-options", "nosniff".into()));
    h.push(("referrer-policy", "no-referrer".into()));
    h.push(("x-frame-options", "DENY".into()));
    if !h.iter().any(|(k, _)| *k == "cache-control") {
        h.push(("cache-control", "no-store".into()));
    }
    h.push((
        "server-timing",
        format!("app;dur={:.2}", started.elapsed().as_secs_f64() * 1000.0),
    ));
    r
}

fn answer(
    store: &Store,
    config: &DashboardConfig,
    tokens: Option<&Tokens>,
    req: &DashRequest<'_>,
    now: i64,
) -> DashResponse {
    let (method, path) = (req.method, req.path);
    match (method, path) {
        ("GET", "/static/dashboard.css") => return DashResponse::asset("text/css", CSS),
        ("GET", "/static/dashboard.js") => return DashResponse::asset("text/javascript", JS),
        ("GET", "/favicon.ico" | "/static/icon.svg") => {
            return DashResponse::asset("image/svg+xml", ICON);
        }
        ("GET", "/login") => return login_page(200, None),
        ("POST", "/login") => return login(config, tokens, req),
        _ => {}
    }
    let lookup =
        |name: &str| header(req, name).and_then(|v| std::str::from_utf8(v).ok().map(str::to_owned));
    let presented = Presented {
        peer: req.peer,
        authorization: header(req, "authorization"),
        cookie: header(req, "cookie"),
        header: &lookup,
    };
    let Some(who) = auth::identify(&presented, tokens, &config.proxy, &config.sessions) else {
        let mut r = login_page(
            401,
            Some(if tokens.is_none() && config.proxy.user_header.is_none() {
                "The dashboard has no tokens (start bulwark serve with --api-tokens FILE): sign-in is refused."
            } else {
                "Sign in to see the dashboard."
            }),
        );
        r.headers
            .push(("www-authenticate", "Bearer realm=\"bulwark\"".into()));
        return r;
    };
    if who.role == Role::Push {
        return error_page(
            403,
            &who,
            "",
            &format!(
                "{} has role push (CI uploads): the dashboard needs read or admin",
                who.name
            ),
        );
    }
    let csrf = config.sessions.csrf(&who.bind);
    let ctx = Ctx {
        store,
        cache: &config.cache,
        who: &who,
        csrf,
        now,
    };
    if method == "POST" {
        let form = std::str::from_utf8(req.body)
            .ok()
            .and_then(html::pairs)
            .unwrap_or_default();
        let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        if !field("csrf").is_some_and(|t| config.sessions.csrf_ok(&who.bind, t)) {
            return error_page(
                403,
                &who,
                &ctx.csrf,
                "the form's CSRF token is missing or not this session's: reload the page and try again",
            );
        }
        return match path {
            "/logout" => {
                if let Some(id) = &who.session {
                    config.sessions.remove(id);
                }
                let mut r = DashResponse::redirect("/login");
                r.headers.push((
                    "set-cookie",
                    format!(
                        "{}=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict",
                        auth::COOKIE
                    ),
                ));
                r
            }
            "/notifications/retry" => {
                if who.role != Role::Admin {
                    return error_page(
                        403,
                        &who,
                        &ctx.csrf,
                        &format!(
                            "{} has role {}: retrying a notification needs admin",
                            who.name,
                            who.role.as_str()
                        ),
                    );
                }
                let Some(id) = field("id").and_then(|v| v.parse::<i64>().ok()) else {
                    return error_page(
                        400,
                        &who,
                        &ctx.csrf,
                        "the form needs id: a notification number",
                    );
                };
                match store.retry_notification(id, now) {
                    Ok(true) => {
                        crate::log(
                            json!({"level": "info", "event": "dashboard-retry", "notification": id,
                            "by": who.name}),
                        );
                        DashResponse::redirect(&format!("/notifications?retried={id}"))
                    }
                    Ok(false) => error_page(
                        409,
                        &who,
                        &ctx.csrf,
                        &format!("notification {id} is not in state failed: nothing to retry"),
                    ),
                    Err(e) => error_page(503, &who, &ctx.csrf, &format!("the store failed: {e}")),
                }
            }
            _ => error_page(
                404,
                &who,
                &ctx.csrf,
                "no such action (the dashboard's only admin action is retrying a notification)",
            ),
        };
    }
    if method != "GET" && method != "HEAD" {
        let mut r = error_page(405, &who, &ctx.csrf, "the dashboard answers GET and POST");
        r.headers.push(("allow", "GET, HEAD, POST".into()));
        return r;
    }
    let Some(query) = html::pairs(req.query) else {
        return error_page(400, &who, &ctx.csrf, "the query string has a bad %-escape");
    };
    let rendered = if let Some(name) = path.strip_prefix("/export/") {
        pages::export(&ctx, name, &query).map(|(file, body)| DashResponse {
            status: 200,
            content_type: "text/csv; charset=utf-8",
            body: body.into_bytes(),
            headers: vec![(
                "content-disposition",
                format!("attachment; filename=\"{file}\""),
            )],
        })
    } else {
        pages::render(&ctx, path, &query).map(|page| DashResponse::html(200, page))
    };
    match rendered {
        Ok(r) => r,
        Err(pages::PageError::NotFound(m)) => error_page(404, &who, &ctx.csrf, &m),
        Err(pages::PageError::Bad(m)) => error_page(400, &who, &ctx.csrf, &m),
        Err(pages::PageError::Store(e)) => {
            error_page(503, &who, &ctx.csrf, &format!("the store failed: {e}"))
        }
        Err(pages::PageError::Internal(m)) => error_page(500, &who, &ctx.csrf, &m),
    }
}

fn error_page(status: u16, who: &Identity, csrf: &str, message: &str) -> DashResponse {
    let mut h = Html::default();
    let title = match status {
        400 => "Bad request",
        403 => "Forbidden",
        404 => "Not found",
        409 => "Conflict",
        _ => "Error",
    };
    pages::layout(&mut h, title, Some((who, csrf)), "", |h| {
        h.raw("<p class=\"error\" role=\"alert\">")
            .text(message)
            .raw("</p>");
    });
    DashResponse::html(status, h)
}

fn login_page(status: u16, message: Option<&str>) -> DashResponse {
    let mut h = Html::default();
    pages::layout(&mut h, "Sign in", None, "", |h| {
        if let Some(m) = message {
            h.raw("<p class=\"notice\" role=\"alert\">")
                .text(m)
                .raw("</p>");
        }
        h.raw(
            "<form method=\"post\" action=\"/login\" class=\"login\">\
             <label for=\"token\">API token</label> \
             <input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"current-password\" required> \
             <button type=\"submit\">Sign in</button></form>\
             <p class=\"hint\">A token of the server's <code>--api-tokens</code> file with role read or admin.</p>",
        );
    });
    DashResponse::html(status, h)
}

fn login(config: &DashboardConfig, tokens: Option<&Tokens>, req: &DashRequest<'_>) -> DashResponse {
    let form = std::str::from_utf8(req.body)
        .ok()
        .and_then(html::pairs)
        .unwrap_or_default();
    let token = form
        .iter()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.trim())
        .unwrap_or_default();
    let Some((name, role)) = tokens.and_then(|t| t.check(token)) else {
        let mut r = login_page(401, Some("That token is not valid."));
        r.headers
            .push(("www-authenticate", "Bearer realm=\"bulwark\"".into()));
        return r;
    };
    if role == Role::Push {
        return login_page(
            403,
            Some("That token has role push (CI uploads): the dashboard needs read or admin."),
        );
    }
    let id = config.sessions.create(name, role);
    crate::log(json!({"level": "info", "event": "dashboard-login", "token": name}));
    let mut r = DashResponse::redirect("/");
    r.headers.push((
        "set-cookie",
        format!(
            "{}={id}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={}",
            auth::COOKIE,
            auth::SESSION_TTL.as_secs()
        ),
    ));
    r
}

/// Seconds since the Unix epoch, now.
pub(crate) fn now() -> i64 {
    now_secs()
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn to_http(r: DashResponse, head_only: bool) -> HttpResponse<Full<Bytes>> {
    let body = if head_only { Vec::new() } else { r.body };
    let mut out = HttpResponse::new(Full::new(Bytes::from(body)));
    *out.status_mut() = StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = out.headers_mut();
    h.insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static(r.content_type),
    );
    for (k, v) in r.headers {
        if let Ok(v) = hyper::header::HeaderValue::from_str(&v) {
            h.append(k, v);
        }
    }
    out
}

/// Answers a dashboard request (every GET and POST path that is not the API's or a webhook's).
pub(crate) async fn route(
    state: &Arc<State>,
    req: HttpRequest<Incoming>,
) -> HttpResponse<Full<Bytes>> {
    let Some(run) = &state.config.run else {
        crate::discard_body(state, req).await;
        return crate::text(
            StatusCode::NOT_FOUND,
            "not found (the dashboard needs --store)\n",
        );
    };
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or_default().to_owned();
    let peer = req.extensions().get::<Peer>().map(|p| p.0);
    let headers: Vec<(String, Vec<u8>)> = req
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.as_bytes().to_vec()))
        .collect();
    let body = if method == "POST" {
        match tokio::time::timeout(
            Duration::from_secs(10),
            crate::read_body(req.into_body(), MAX_FORM_BYTES),
        )
        .await
        {
            Ok(Ok(b)) => b,
            Ok(Err(crate::BodyError::TooLarge)) => {
                return crate::text(StatusCode::PAYLOAD_TOO_LARGE, "form larger than 16 KiB\n");
            }
            Ok(Err(crate::BodyError::Read(_))) | Err(_) => {
                return crate::text(StatusCode::BAD_REQUEST, "cannot read the form\n");
            }
        }
    } else {
        crate::discard_body(state, req).await;
        Bytes::new()
    };
    let config = state.config.dashboard.clone();
    let (tokens, location) = (run.api.tokens.clone(), run.store.clone());
    // The first request of any kind (the sign-in page, usually) starts computing the heavier views.
    config.cache.warm(&location, now_secs());
    let head_only = method == "HEAD";
    let (log_method, log_path) = (method.clone(), path.clone());
    let work = tokio::task::spawn_blocking(move || {
        let pooled = config
            .pool
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let store = match pooled.map_or_else(|| Store::open(&location), Ok) {
            Ok(s) => s,
            Err(e) => {
                return DashResponse {
                    status: 503,
                    content_type: "text/plain; charset=utf-8",
                    body: format!("cannot open the store: {e}\n").into_bytes(),
                    headers: Vec::new(),
                };
            }
        };
        let method = if method == "HEAD" { "GET" } else { &method };
        let r = handle(
            &store,
            &config,
            tokens.as_deref(),
            &DashRequest {
                method,
                path: &path,
                query: &query,
                headers: &headers,
                peer,
                body: &body,
            },
            now_secs(),
        );
        if r.status < 500 {
            let mut idle = config
                .pool
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if idle.len() < POOL_IDLE {
                idle.push(store);
            }
        }
        r
    });
    let r = work.await.unwrap_or_else(|_| DashResponse {
        status: 500,
        content_type: "text/plain; charset=utf-8",
        body: b"internal error while rendering the page\n".to_vec(),
        headers: Vec::new(),
    });
    if r.status >= 500 || !log_path.starts_with("/static/") {
        crate::log(json!({
            "level": if r.status >= 500 { "error" } else { "debug" },
            "event": "dashboard",
            "method": log_method,
            "path": bulwark_types::escape_control(&log_path).chars().take(300).collect::<String>(),
            "status": r.status,
        }));
    }
    to_http(r, head_only)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&format!("sqlite:{}", dir.path().join("s.db").display())).unwrap();
        (dir, s)
    }

    fn proxied() -> DashboardConfig {
        DashboardConfig {
            proxy: ProxyAuth {
                user_header: Some("X-Forwarded-User".into()),
                groups_header: Some("X-Forwarded-Groups".into()),
                admin_group: Some("sec-admins".into()),
                trusted: vec!["10.0.0.0/8".parse().unwrap()],
            },
            ..DashboardConfig::default()
        }
    }

    fn get(
        s: &Store,
        c: &DashboardConfig,
        method: &str,
        path: &str,
        peer: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> DashResponse {
        let headers: Vec<(String, Vec<u8>)> = headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.as_bytes().to_vec()))
            .collect();
        handle(
            s,
            c,
            None,
            &DashRequest {
                method,
                path,
                query: "",
                headers: &headers,
                peer: peer.parse().ok(),
                body: body.as_bytes(),
            },
            1_800_000_000,
        )
    }

    #[test]
    fn proxy_headers_only_from_trusted_peers() {
        let (_d, s) = store();
        let c = proxied();
        let user = [("x-forwarded-user", "alice<i>")];
        let r = get(&s, &c, "GET", "/", "10.2.3.4", &user, "");
        assert_eq!(r.status, 200);
        let html = String::from_utf8(r.body).unwrap();
        assert!(html.contains("alice&lt;i&gt; (read)"), "{html}");
        // The same headers from anywhere else are ignored.
        assert_eq!(get(&s, &c, "GET", "/", "192.0.2.9", &user, "").status, 401);
        assert_eq!(get(&s, &c, "GET", "/", "10.2.3.4", &[], "").status, 401);
        // Groups make an admin; the admin action still needs the CSRF token.
        let admin = [
            ("x-forwarded-user", "bob"),
            ("x-forwarded-groups", "dev, sec-admins"),
        ];
        let r = get(&s, &c, "GET", "/notifications", "10.2.3.4", &admin, "");
        let html = String::from_utf8(r.body).unwrap();
        assert!(html.contains("bob (admin)"), "{html}");
        let csrf = c.sessions.csrf("proxy:bob");
        assert!(html.contains(&csrf));
        let retry = |h: &[(&str, &str)], body: &str| {
            get(&s, &c, "POST", "/notifications/retry", "10.2.3.4", h, body).status
        };
        assert_eq!(retry(&admin, "id=1"), 403, "no CSRF token");
        assert_eq!(
            retry(&admin, &format!("id=1&csrf={csrf}")),
            409,
            "nothing failed"
        );
        s.enqueue("t", "webhook", "k", "{}", 1).unwrap();
        let n = s.claim_notifications("w", 1, 60, 1).unwrap();
        assert!(s.fail(n[0].id, "w", "boom").unwrap());
        let alice_csrf = c.sessions.csrf("proxy:alice<i>");
        assert_eq!(
            retry(&user, &format!("id={}&csrf={alice_csrf}", n[0].id)),
            403,
            "a reader"
        );
        assert_eq!(retry(&admin, &format!("id={}&csrf={csrf}", n[0].id)), 303);
        assert_eq!(
            s.notifications(None).unwrap()[0].state,
            bulwark_store::NotificationState::Pending
        );
    }

    /// The verdicts page lists the exceptions of the latest verdicts that expire within 30 days (at the
    /// handler's clock, 2027-01-15), and those already expired, escaped; a later one is not "expiring soon".
    #[test]
    fn exceptions_expiring_soon_and_expired_from_the_latest_verdicts() {
        let (_d, s) = store();
        let c = proxied();
        let exc = |id: &str, expires: &str, reason: &str| {
            json!({"id": id, "expires": expires, "owner": "team-pay", "ticket": "SEC-1", "reason": reason,
                   "source": "exceptions.yaml:3", "matched": 1})
        };
        for (n, applied, expired) in [
            (
                1,
                vec![
                    exc("soon", "2027-01-25", "<script>alert(1)</script>"),
                    exc("later", "2027-06-01", "fine"),
                ],
                vec![exc("gone", "2026-12-01", "old waiver")],
            ),
            (
                2,
                vec![exc("soon", "2027-01-25", "<script>alert(1)</script>")],
                vec![],
            ),
        ] {
            let doc =
                json!({"decision": "pass", "exceptions": {"applied": applied, "expired": expired}});
            s.put_verdict(&bulwark_store::VerdictRecord {
                digest: format!("sha256:{n:064x}"),
                workload: None,
                decision: "pass".into(),
                bundle_name: Some("b".into()),
                bundle_version: None,
                bundle_digest: None,
                db_version: None,
                verdict_json: doc.to_string(),
                created_at: 1_799_990_000,
            })
            .unwrap();
        }
        let admin = [
            ("x-forwarded-user", "bob"),
            ("x-forwarded-groups", "sec-admins"),
        ];
        let r = get(&s, &c, "GET", "/verdicts", "10.2.3.4", &admin, "");
        assert_eq!(r.status, 200);
        let html = String::from_utf8(r.body).unwrap();
        let expiring = &html[html.find("id=\"expiring\"").expect("the expiring table")..];
        let expiring = &expiring[..expiring.find("</table>").unwrap()];
        assert!(
            expiring.contains(">soon<") && expiring.contains("in 10 days"),
            "{expiring}"
        );
        assert!(!expiring.contains(">later<"), "{expiring}");
        // In both images' verdicts: counted once per image.
        assert!(expiring.contains("<td class=\"num\">2</td>"), "{expiring}");
        assert!(expiring.contains("&lt;script&gt;") && !expiring.contains("<script>"));
        let expired = &html[html.find("id=\"expired\"").expect("the expired table")..];
        assert!(expired.contains(">gone<"), "{expired}");
    }

    /// A moved key gets the previous ranking at once, and the background recomputation replaces it.
    #[test]
    fn stale_while_revalidating() {
        let dir = tempfile::tempdir().unwrap();
        let location = format!("sqlite:{}", dir.path().join("s.db").display());
        let s = Store::open(&location).unwrap();
        let place = |name: &str, n: u32| bulwark_store::Placement {
            cluster: "c".into(),
            environment: None,
            namespace: "ns".into(),
            workload_kind: "Deployment".into(),
            workload_name: name.into(),
            container: "app".into(),
            digest: format!("sha256:{n:064x}"),
            image_ref: Some(format!("r/{name}:1")),
        };
        s.upsert_placements(&[place("one", 1)], 10).unwrap();
        let cache = Arc::new(Cache::default());
        let _ = cache.location.set(location.clone());
        let k1 = Cache::key(&s).unwrap();
        let Ok(r1) = cache.ranking(&s, k1, 100) else {
            panic!("ranking")
        };
        assert_eq!(r1.len(), 1);
        s.upsert_placements(&[place("two", 2)], 20).unwrap();
        let k2 = Cache::key(&s).unwrap();
        assert_ne!(k1, k2, "a new placement moves the key");
        let Ok(stale) = cache.ranking(&s, k2, 100) else {
            panic!("ranking")
        };
        assert!(Arc::ptr_eq(&stale, &r1), "the previous ranking, at once");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let Ok(r) = cache.ranking(&s, k2, 100) else {
                panic!("ranking")
            };
            if r.len() == 2 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the background recomputation never replaced it"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    fn headers_on_every_answer_and_no_tokens_fails_closed() {
        let (_d, s) = store();
        let c = DashboardConfig::default();
        for path in ["/", "/login", "/static/dashboard.css", "/nope"] {
            let r = get(&s, &c, "GET", path, "127.0.0.1", &[], "");
            for h in [
                "content-security-policy",
                "server-timing",
                "x-content-type-options",
            ] {
                assert!(r.headers.iter().any(|(k, _)| *k == h), "{path}: {h}");
            }
        }
        let r = get(
            &s,
            &c,
            "GET",
            "/",
            "127.0.0.1",
            &[("authorization", "Bearer x")],
            "",
        );
        assert_eq!(r.status, 401);
        let r = get(&s, &c, "POST", "/login", "127.0.0.1", &[], "token=x");
        assert_eq!(r.status, 401);
    }
}
