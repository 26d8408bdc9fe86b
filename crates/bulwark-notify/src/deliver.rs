//! Delivery: one blocking attempt per call, its result an [`Outcome`]. Rate limits, `Retry-After`, backoff with
//! jitter, timeouts and bounded response bodies live here; the queue (and so the attempt count) is the store's.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use serde_json::{Value, json};
use ureq::tls::{RootCerts, TlsConfig, TlsProvider};
use ureq::{Agent, Body};

use crate::config::{self, ChannelConfig, ChannelKind, Env, JiraConfig, JiraSearch, ProcessEnv};
use crate::event::EventKind;
use crate::render::{JiraItem, Payload};

/// Response bodies are read up to this many bytes (error texts, Jira JSON); the rest is dropped.
pub const MAX_RESPONSE_BYTES: u64 = 256 * 1024;
/// A `Retry-After` longer than this is capped.
pub const MAX_RETRY_AFTER: Duration = Duration::from_hours(1);
/// First backoff step (attempt 0): 2 s, doubled per attempt up to [`MAX_BACKOFF`], with jitter.
pub const BASE_BACKOFF: Duration = Duration::from_secs(2);
/// The longest backoff.
pub const MAX_BACKOFF: Duration = Duration::from_mins(15);

/// The result of one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The receiver accepted it (2xx, SMTP 250, line written).
    Delivered,
    /// Try again after `after`: 429 (its `Retry-After`), 5xx, 408, timeouts, connection errors, SMTP 4xx, or
    /// the channel's minimum interval not yet passed.
    Retry { after: Duration, reason: String },
    /// Do not retry: 4xx other than 408/429, a bad URL or config, a missing secret, SMTP 5xx, a server
    /// without STARTTLS when it is required.
    Failed { error: String },
}

/// Delivers payloads. Holds the per-channel rate-limit clocks, the environment secrets come from, and where
/// Falco lines go (stdout by default). `Send + Sync`: one per process.
pub struct Notifier {
    env: Box<dyn Env + Send + Sync>,
    falco_out: Mutex<Box<dyn Write + Send>>,
    last_sent: Mutex<HashMap<String, Instant>>,
    base_backoff: Duration,
}

impl Default for Notifier {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier").finish_non_exhaustive()
    }
}

/// `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date; capped at [`MAX_RETRY_AFTER`]; a date in
/// the past is zero; anything else is `None`.
#[must_use]
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    let d = if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        Duration::from_secs(v.parse::<u64>().unwrap_or(u64::MAX))
    } else {
        let at = httpdate::parse_http_date(v).ok()?;
        at.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(d.min(MAX_RETRY_AFTER))
}

/// Exponential backoff with "equal jitter": half of `base * 2^attempt` (capped at [`MAX_BACKOFF`]) plus a
/// random part up to the other half.
#[must_use]
pub fn backoff(base: Duration, attempt: u32) -> Duration {
    let full = base
        .saturating_mul(1u32.checked_shl(attempt.min(30)).unwrap_or(u32::MAX))
        .min(MAX_BACKOFF);
    let half = full / 2;
    // RandomState is seeded randomly per instance: jitter without a dependency.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(attempt);
    let r = h.finish();
    let jitter_ms = if half.as_millis() == 0 {
        0
    } else {
        r % (half.as_millis() as u64 + 1)
    };
    half + Duration::from_millis(jitter_ms)
}

/// An HTTP answer with a bounded body.
struct Answer {
    status: u16,
    retry_after: Option<Duration>,
    body: String,
}

/// An HTTP request that did not get an answer.
enum Transport {
    /// Retry (timeouts, refused connections, resets, TLS handshakes that broke).
    Retry(String),
    /// Give up (a URL that cannot be used).
    Fail(String),
}

/// `scheme://host[:port]`: for messages; webhook URLs carry secrets in their path.
fn redact(url: &str) -> String {
    match url.parse::<ureq::http::Uri>() {
        Ok(u) => format!(
            "{}://{}",
            u.scheme_str().unwrap_or("?"),
            u.authority()
                .map_or("?", ureq::http::uri::Authority::as_str)
        ),
        Err(_) => "<invalid URL>".to_owned(),
    }
}

fn is_loopback(url: &str) -> bool {
    url.parse::<ureq::http::Uri>()
        .ok()
        .and_then(|u| u.host().map(str::to_owned))
        .is_some_and(|h| {
            h == "localhost"
                || h.parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
                || h == "[::1]"
        })
}

impl Notifier {
    /// Secrets from the process environment, Falco lines to stdout.
    #[must_use]
    pub fn new() -> Self {
        Self {
            env: Box::new(ProcessEnv),
            falco_out: Mutex::new(Box::new(std::io::stdout())),
            last_sent: Mutex::new(HashMap::new()),
            base_backoff: BASE_BACKOFF,
        }
    }

    /// Reads secrets from `env` instead of the process environment.
    #[must_use]
    pub fn with_env(mut self, env: impl Env + Send + Sync + 'static) -> Self {
        self.env = Box::new(env);
        self
    }

    /// Writes Falco lines to `out` instead of stdout.
    #[must_use]
    pub fn with_falco_output(mut self, out: impl Write + Send + 'static) -> Self {
        self.falco_out = Mutex::new(Box::new(out));
        self
    }

    /// Sets the first backoff step (default [`BASE_BACKOFF`]).
    #[must_use]
    pub fn with_base_backoff(mut self, base: Duration) -> Self {
        self.base_backoff = base;
        self
    }

    /// One attempt to deliver `payload` (rendered for `channel` by [`crate::render`]). `attempt` counts the
    /// earlier attempts of this payload (0 on the first), for the backoff.
    pub fn deliver(&self, channel: &ChannelConfig, payload: &Payload, attempt: u32) -> Outcome {
        let label = channel.label();
        if let Some(wait) = self.rate_limited(channel, &label) {
            return Outcome::Retry {
                after: wait,
                reason: format!("channel {label:?}: minimum interval between deliveries"),
            };
        }
        let r = match (&channel.kind, payload) {
            (ChannelKind::Webhook(w), Payload::Json { content_type, body }) => {
                let url = config::secret(
                    w.url.as_ref(),
                    w.url_env.as_deref(),
                    &label,
                    "url",
                    &*self.env,
                );
                let headers: Result<Vec<(String, String)>, _> = w
                    .headers
                    .iter()
                    .map(|(k, v)| {
                        config::expand(&v.0, &label, &format!("headers.{k}"), &*self.env)
                            .map(|v| (k.clone(), v))
                    })
                    .collect();
                match (url, headers) {
                    (Ok(url), Ok(h)) => {
                        self.post_json(channel, &url, content_type, body, &h, attempt)
                    }
                    (Err(e), _) | (_, Err(e)) => Outcome::Failed {
                        error: e.to_string(),
                    },
                }
            }
            (ChannelKind::Slack(s), Payload::Json { content_type, body }) => {
                match config::secret(
                    s.webhook_url.as_ref(),
                    s.webhook_url_env.as_deref(),
                    &label,
                    "webhook_url",
                    &*self.env,
                ) {
                    Ok(url) => self.post_json(channel, &url, content_type, body, &[], attempt),
                    Err(e) => Outcome::Failed {
                        error: e.to_string(),
                    },
                }
            }
            (ChannelKind::Teams(t), Payload::Json { content_type, body }) => {
                match config::secret(
                    t.webhook_url.as_ref(),
                    t.webhook_url_env.as_deref(),
                    &label,
                    "webhook_url",
                    &*self.env,
                ) {
                    Ok(url) => self.post_json(channel, &url, content_type, body, &[], attempt),
                    Err(e) => Outcome::Failed {
                        error: e.to_string(),
                    },
                }
            }
            (ChannelKind::Jira(j), Payload::Jira { items }) => {
                self.jira(channel, j, items, attempt)
            }
            (
                ChannelKind::Email(e),
                Payload::Email {
                    subject,
                    text,
                    html,
                    dedupe_key,
                },
            ) => crate::smtp::send(
                channel,
                e,
                &*self.env,
                &crate::smtp::Mail {
                    subject,
                    text,
                    html: html.as_deref(),
                    dedupe_key,
                },
                self.base_backoff,
                attempt,
            ),
            (ChannelKind::Falco(_), Payload::Falco { lines }) => self.falco(&label, lines),
            (kind, p) => Outcome::Failed {
                error: format!(
                    "channel {label:?}: a {} payload cannot go to a {} channel (render it for this channel)",
                    match p {
                        Payload::Json { .. } => "JSON",
                        Payload::Jira { .. } => "Jira",
                        Payload::Email { .. } => "e-mail",
                        Payload::Falco { .. } => "Falco",
                    },
                    kind.type_name()
                ),
            },
        };
        if let Outcome::Failed { error } = &r
            && !error.contains(&format!("{label:?}"))
        {
            return Outcome::Failed {
                error: format!("channel {label:?}: {error}"),
            };
        }
        r
    }

    /// `Some(wait)` when the channel sent less than `min_interval_secs` ago; else records now as the send time.
    fn rate_limited(&self, channel: &ChannelConfig, label: &str) -> Option<Duration> {
        let min = Duration::from_secs_f64(
            channel
                .min_interval_secs
                .filter(|s| *s > 0.0)?
                .min(86_400.0),
        );
        let mut last = self
            .last_sent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        if let Some(prev) = last.get(label) {
            let since = now.duration_since(*prev);
            if since < min {
                return Some(min.saturating_sub(since));
            }
        }
        last.insert(label.to_owned(), now);
        None
    }

    fn agent(channel: &ChannelConfig, url: &str) -> Agent {
        let tls = TlsConfig::builder()
            .provider(TlsProvider::Rustls)
            .root_certs(RootCerts::WebPki)
            .unversioned_rustls_crypto_provider(Arc::new(
                rustls::crypto::aws_lc_rs::default_provider(),
            ))
            .build();
        let t = channel.timeout();
        let mut b = Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(concat!("bulwark/", env!("CARGO_PKG_VERSION")))
            .tls_config(tls)
            .max_redirects(0)
            .timeout_global(Some(t))
            .timeout_connect(Some(t.min(Duration::from_secs(10))));
        if is_loopback(url) {
            b = b.proxy(None);
        }
        b.build().new_agent()
    }

    fn request(
        channel: &ChannelConfig,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Option<(&str, Vec<u8>)>,
    ) -> Result<Answer, Transport> {
        let agent = Self::agent(channel, url);
        let mut req = ureq::http::Request::builder().method(method).uri(url);
        for (k, v) in headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let result = if let Some((ct, bytes)) = body {
            let req = req
                .header("content-type", ct)
                .body(bytes)
                .map_err(|e| Transport::Fail(format!("bad request to {}: {e}", redact(url))))?;
            agent.run(req)
        } else {
            let req = req
                .body(())
                .map_err(|e| Transport::Fail(format!("bad request to {}: {e}", redact(url))))?;
            agent.run(req)
        };
        let mut resp = result.map_err(|e| classify_transport(method, url, &e))?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        let body = read_bounded(resp.body_mut());
        Ok(Answer {
            status,
            retry_after,
            body,
        })
    }

    /// 2xx → `Ok(answer)`; anything else → the outcome to return.
    fn check(
        &self,
        method: &str,
        url: &str,
        r: Result<Answer, Transport>,
        attempt: u32,
    ) -> Result<Answer, Outcome> {
        let a = match r {
            Ok(a) => a,
            Err(Transport::Retry(reason)) => {
                return Err(Outcome::Retry {
                    after: backoff(self.base_backoff, attempt),
                    reason,
                });
            }
            Err(Transport::Fail(error)) => return Err(Outcome::Failed { error }),
        };
        let what = format!("{method} {}", redact(url));
        match a.status {
            200..=299 => Ok(a),
            429 => Err(Outcome::Retry {
                after: a
                    .retry_after
                    .unwrap_or_else(|| backoff(self.base_backoff, attempt)),
                reason: format!("{what}: HTTP 429 Too Many Requests"),
            }),
            408 | 500..=599 => Err(Outcome::Retry {
                after: a
                    .retry_after
                    .unwrap_or_else(|| backoff(self.base_backoff, attempt)),
                reason: format!("{what}: HTTP {}{}", a.status, excerpt(&a.body)),
            }),
            s => Err(Outcome::Failed {
                error: format!("{what}: HTTP {s}{}", excerpt(&a.body)),
            }),
        }
    }

    fn post_json(
        &self,
        channel: &ChannelConfig,
        url: &str,
        content_type: &str,
        body: &Value,
        headers: &[(String, String)],
        attempt: u32,
    ) -> Outcome {
        let bytes = match serde_json::to_vec(body) {
            Ok(b) => b,
            Err(e) => {
                return Outcome::Failed {
                    error: format!("payload does not serialize: {e}"),
                };
            }
        };
        let r = Self::request(channel, "POST", url, headers, Some((content_type, bytes)));
        match self.check("POST", url, r, attempt) {
            Ok(_) => Outcome::Delivered,
            Err(o) => o,
        }
    }

    fn falco(&self, label: &str, lines: &[Value]) -> Outcome {
        let mut out = self
            .falco_out
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut buf = Vec::new();
        for l in lines {
            if serde_json::to_writer(&mut buf, l).is_err() {
                return Outcome::Failed {
                    error: format!("channel {label:?}: a Falco line does not serialize"),
                };
            }
            buf.push(b'\n');
        }
        // One write per message, so lines of two messages do not interleave.
        match out.write_all(&buf).and_then(|()| out.flush()) {
            Ok(()) => Outcome::Delivered,
            // A closed stdout (broken pipe) will not heal by itself; anything else might.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Outcome::Failed {
                error: format!("channel {label:?}: writing Falco lines: {e}"),
            },
            Err(e) => Outcome::Retry {
                after: backoff(self.base_backoff, 0),
                reason: format!("channel {label:?}: writing Falco lines: {e}"),
            },
        }
    }

    /// Jira REST API v2. For each item: search the fingerprint; a new finding without an issue gets one; a fixed
    /// finding with an issue gets a comment (once: the comment carries a marker) and, if configured, the
    /// transition. Every step is idempotent, so a retry after a partial run repeats nothing.
    fn jira(
        &self,
        channel: &ChannelConfig,
        j: &JiraConfig,
        items: &[JiraItem],
        attempt: u32,
    ) -> Outcome {
        let label = channel.label();
        let token = match config::secret(
            j.token.as_ref(),
            j.token_env.as_deref(),
            &label,
            "token",
            &*self.env,
        ) {
            Ok(t) => t,
            Err(e) => {
                return Outcome::Failed {
                    error: e.to_string(),
                };
            }
        };
        let auth = match &j.email {
            Some(email) => format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{email}:{token}"))
            ),
            None => format!("Bearer {token}"),
        };
        let headers = vec![
            ("authorization".to_owned(), auth),
            ("accept".to_owned(), "application/json".to_owned()),
        ];
        let base = j.url.trim_end_matches('/');
        let run = || -> Result<(), Outcome> {
            for item in items {
                let key = self.jira_find(channel, j, base, &headers, item, attempt)?;
                match (item.kind, key) {
                    (EventKind::New, None) => {
                        self.jira_create(channel, j, base, &headers, item, attempt)?;
                    }
                    (EventKind::Fixed, Some(key)) => {
                        self.jira_fixed(channel, j, base, &headers, item, &key, attempt)?;
                    }
                    // Already open, or fixed before an issue was ever opened: nothing to do.
                    (EventKind::New, Some(_)) | (EventKind::Fixed, None) => {}
                }
            }
            Ok(())
        };
        match run() {
            Ok(()) => Outcome::Delivered,
            Err(o) => o,
        }
    }

    fn jira_json(
        &self,
        channel: &ChannelConfig,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Option<&Value>,
        attempt: u32,
    ) -> Result<Value, Outcome> {
        let body = body.map(|b| {
            (
                "application/json",
                serde_json::to_vec(b).unwrap_or_default(),
            )
        });
        let r = Self::request(channel, method, url, headers, body);
        let a = self.check(method, url, r, attempt)?;
        if a.body.trim().is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&a.body).map_err(|e| Outcome::Failed {
            error: format!("{method} {}: the answer is not JSON: {e}", redact(url)),
        })
    }

    fn jira_find(
        &self,
        channel: &ChannelConfig,
        j: &JiraConfig,
        base: &str,
        headers: &[(String, String)],
        item: &JiraItem,
        attempt: u32,
    ) -> Result<Option<String>, Outcome> {
        let jql = jira_jql(j, item);
        let path = match j.search {
            JiraSearch::Cloud => "/rest/api/2/search/jql",
            JiraSearch::Legacy => "/rest/api/2/search",
        };
        let url = format!(
            "{base}{path}?jql={}&fields=status&maxResults=1",
            query_escape(&jql)
        );
        let v = self.jira_json(channel, "GET", &url, headers, None, attempt)?;
        Ok(v.get("issues")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .and_then(|i| i.get("key"))
            .and_then(Value::as_str)
            .map(str::to_owned))
    }

    fn jira_create(
        &self,
        channel: &ChannelConfig,
        j: &JiraConfig,
        base: &str,
        headers: &[(String, String)],
        item: &JiraItem,
        attempt: u32,
    ) -> Result<(), Outcome> {
        let mut labels = vec!["bulwark".to_owned()];
        labels.extend(j.labels.iter().cloned());
        let mut fields = serde_json::Map::new();
        fields.insert("project".into(), json!({"key": j.project}));
        fields.insert("issuetype".into(), json!({"name": j.issue_type}));
        fields.insert("summary".into(), json!(item.summary));
        fields.insert("description".into(), json!(item.text));
        match &j.fingerprint_field {
            Some(f) => {
                fields.insert(f.clone(), json!(item.fingerprint));
            }
            None => labels.push(item.label()),
        }
        fields.insert("labels".into(), json!(labels));
        let url = format!("{base}/rest/api/2/issue");
        self.jira_json(
            channel,
            "POST",
            &url,
            headers,
            Some(&json!({"fields": fields})),
            attempt,
        )
        .map(|_| ())
    }

    #[allow(clippy::too_many_arguments)]
    fn jira_fixed(
        &self,
        channel: &ChannelConfig,
        j: &JiraConfig,
        base: &str,
        headers: &[(String, String)],
        item: &JiraItem,
        key: &str,
        attempt: u32,
    ) -> Result<(), Outcome> {
        let key_enc = query_escape(key);
        let marker = format!(
            "bulwark-fixed-{}",
            &item.fingerprint[..item.fingerprint.len().min(32)]
        );
        let comments_url = format!("{base}/rest/api/2/issue/{key_enc}/comment");
        let existing = self.jira_json(
            channel,
            "GET",
            &format!("{comments_url}?maxResults=1000&orderBy=-created"),
            headers,
            None,
            attempt,
        )?;
        let already = existing
            .get("comments")
            .and_then(Value::as_array)
            .is_some_and(|cs| {
                cs.iter().any(|c| {
                    c.get("body")
                        .and_then(Value::as_str)
                        .is_some_and(|b| b.contains(&marker))
                })
            });
        if !already {
            let body = json!({"body": format!("{}\n\n{marker}", item.text.trim_end())});
            self.jira_json(
                channel,
                "POST",
                &comments_url,
                headers,
                Some(&body),
                attempt,
            )?;
        }
        let Some(name) = &j.fixed_transition else {
            return Ok(());
        };
        let tr_url = format!("{base}/rest/api/2/issue/{key_enc}/transitions");
        let v = self.jira_json(channel, "GET", &tr_url, headers, None, attempt)?;
        let id = v
            .get("transitions")
            .and_then(Value::as_array)
            .and_then(|ts| {
                ts.iter()
                    .find(|t| {
                        t.get("name")
                            .and_then(Value::as_str)
                            .is_some_and(|n| n.eq_ignore_ascii_case(name))
                            || t.pointer("/to/name")
                                .and_then(Value::as_str)
                                .is_some_and(|n| n.eq_ignore_ascii_case(name))
                    })
                    .and_then(|t| t.get("id"))
                    .and_then(|id| {
                        id.as_str()
                            .map(str::to_owned)
                            .or_else(|| id.as_u64().map(|n| n.to_string()))
                    })
            });
        // Not offered: the issue is already there (a retry, or someone closed it by hand).
        let Some(id) = id else { return Ok(()) };
        self.jira_json(
            channel,
            "POST",
            &tr_url,
            headers,
            Some(&json!({"transition": {"id": id}})),
            attempt,
        )
        .map(|_| ())
    }
}

/// The JQL that finds a finding's issue.
#[must_use]
pub fn jira_jql(j: &JiraConfig, item: &JiraItem) -> String {
    let project = jql_string(&j.project);
    match &j.fingerprint_field {
        Some(f) => {
            let n = f.trim_start_matches("customfield_");
            format!(
                "project = {project} AND cf[{n}] ~ {}",
                jql_string(&item.fingerprint)
            )
        }
        None => format!(
            "project = {project} AND labels = {}",
            jql_string(&item.label())
        ),
    }
}

fn jql_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// RFC 3986 unreserved characters stay as they are; everything else is percent-encoded.
const COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn query_escape(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, COMPONENT).to_string()
}

fn excerpt(body: &str) -> String {
    let t = body.trim();
    if t.is_empty() {
        return String::new();
    }
    let mut s: String = t.chars().take(300).collect();
    if s.len() < t.len() {
        s.push('…');
    }
    format!(": {s}")
}

fn read_bounded(body: &mut Body) -> String {
    let mut buf = Vec::new();
    // An error mid-body leaves what was read: the status already decided the outcome.
    let _ = body
        .as_reader()
        .take(MAX_RESPONSE_BYTES)
        .read_to_end(&mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

/// Whether `e` (or an error it wraps) is a certificate or TLS-compatibility refusal: the configuration must
/// change (trust, name, versions), so trying again later does not help.
pub(crate) fn is_tls_refusal(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        let rustls_err = err.downcast_ref::<rustls::Error>().or_else(|| {
            err.downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        });
        if let Some(r) = rustls_err
            && matches!(
                r,
                rustls::Error::InvalidCertificate(_)
                    | rustls::Error::NoCertificatesPresented
                    | rustls::Error::PeerIncompatible(_)
                    | rustls::Error::UnsupportedNameType
            )
        {
            return true;
        }
        cur = err.source();
    }
    false
}

fn classify_transport(method: &str, url: &str, e: &ureq::Error) -> Transport {
    let what = format!("{method} {}", redact(url));
    if is_tls_refusal(e) || matches!(e, ureq::Error::Rustls(r) if is_tls_refusal(r)) {
        return Transport::Fail(format!("{what}: {e}"));
    }
    match e {
        ureq::Error::BadUri(_)
        | ureq::Error::Http(_)
        | ureq::Error::InvalidProxyUrl
        | ureq::Error::RequireHttpsOnly(_) => Transport::Fail(format!("{what}: {e}")),
        ureq::Error::Timeout(t) => Transport::Retry(format!("{what}: timed out ({t})")),
        _ => Transport::Retry(format!("{what}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_mins(24_090_208);
        assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_mins(2))
        );
        // RFC 9110's example date is 2015-10-21 07:28:00 GMT = 1445412480.
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after("99999999999999999999", now),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn backoff_grows_with_jitter_and_is_bounded() {
        let base = Duration::from_secs(2);
        for attempt in 0..40 {
            let full = base.saturating_mul(1 << attempt.min(30)).min(MAX_BACKOFF);
            let d = backoff(base, attempt);
            assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?}");
        }
        let samples: std::collections::BTreeSet<_> = (0..20).map(|_| backoff(base, 5)).collect();
        assert!(samples.len() > 1, "jitter varies");
    }

    #[test]
    fn urls_are_redacted_in_messages() {
        assert_eq!(
            redact("https://hooks.slack.com/services/T0/B0/secret"),
            "https://hooks.slack.com"
        );
        assert!(is_loopback("http://127.0.0.1:8080/x"));
        assert!(is_loopback("http://localhost/x"));
        assert!(!is_loopback("https://example.com/"));
    }
}
