//! Runtime alerts (Falco-compatible rules over Kubernetes audit events and the other runtime sources): stored once
//! per dedupe key, queried by namespace, rule, priority and time.

use crate::db::{P, Raw, Row};
use crate::{Error, Result, Store};

/// Falco's priorities, most severe first; an alert's `severity` is its index here.
pub const PRIORITIES: [&str; 8] = [
    "EMERGENCY",
    "ALERT",
    "CRITICAL",
    "ERROR",
    "WARNING",
    "NOTICE",
    "INFORMATIONAL",
    "DEBUG",
];

/// Largest alert stored, in bytes of output + output fields + tags (Falco's outputs are a line or two).
pub const MAX_ALERT_BYTES: usize = 256 << 10;

/// The rank of a priority name (case-insensitive; `INFO` is `INFORMATIONAL`), `None` if it is not one.
#[must_use]
pub fn priority_rank(name: &str) -> Option<usize> {
    let up = name.to_ascii_uppercase();
    let up = if up == "INFO" {
        "INFORMATIONAL".to_string()
    } else {
        up
    };
    PRIORITIES.iter().position(|p| *p == up)
}

/// One alert to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeAlert {
    /// The cluster the event came from (`--cluster` of the server).
    pub cluster: String,
    pub rule: String,
    /// A name of [`PRIORITIES`] (or `INFO`), any case.
    pub priority: String,
    /// `k8s_audit`, `syscall`.
    pub source: String,
    /// The event's time, ns since the epoch.
    pub time_ns: i64,
    pub output: String,
    /// The output's fields as a JSON object (`{"ka.user.name": "bob"}`).
    pub output_fields: serde_json::Value,
    pub tags: Vec<String>,
    pub namespace: Option<String>,
    pub pod: Option<String>,
    pub image: Option<String>,
    /// Unique per alert: source + the event's key (a k8s audit ID) + rule. A second alert with the same key is
    /// not stored.
    pub dedupe_key: String,
}

/// A stored alert.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredRuntimeAlert {
    pub id: i64,
    pub cluster: String,
    pub rule: String,
    pub priority: String,
    pub source: String,
    /// ns since the epoch.
    pub time_ns: i64,
    pub output: String,
    pub output_fields: serde_json::Value,
    pub tags: Vec<String>,
    pub namespace: Option<String>,
    pub pod: Option<String>,
    pub image: Option<String>,
    pub dedupe_key: String,
    /// When it was stored, s since the epoch.
    pub created_at: i64,
}

/// Which alerts to list; every filter is optional. Newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuntimeAlertQuery {
    pub cluster: Option<String>,
    pub namespace: Option<String>,
    pub rule: Option<String>,
    /// This priority and the more severe ones.
    pub priority: Option<String>,
    /// Events at or after this time, ns since the epoch.
    pub since_ns: Option<i64>,
    /// At most this many (default 500, at most 5000).
    pub limit: Option<usize>,
}

const COLS: &str = "id, cluster, rule, priority, source, event_time, output, output_fields, tags, namespace, pod, \
                    image, dedupe_key, created_at";

fn from_row(r: &Row) -> std::result::Result<StoredRuntimeAlert, Raw> {
    let fields: String = r.t(7)?;
    let tags: String = r.t(8)?;
    Ok(StoredRuntimeAlert {
        id: r.i(0)?,
        cluster: r.t(1)?,
        rule: r.t(2)?,
        priority: r.t(3)?,
        source: r.t(4)?,
        time_ns: r.i(5)?,
        output: r.t(6)?,
        output_fields: serde_json::from_str(&fields)
            .map_err(|e| Raw::Other(format!("runtime alert output_fields: {e}")))?,
        tags: serde_json::from_str(&tags)
            .map_err(|e| Raw::Other(format!("runtime alert tags: {e}")))?,
        namespace: r.ot(9)?,
        pod: r.ot(10)?,
        image: r.ot(11)?,
        dedupe_key: r.t(12)?,
        created_at: r.i(13)?,
    })
}

impl Store {
    /// Stores `alert` at `now` (s) unless an alert with its dedupe key is stored: returns whether it is new.
    /// A replay of the same events stores nothing twice.
    ///
    /// # Errors
    /// An unknown priority, an alert over [`MAX_ALERT_BYTES`], or the database.
    pub fn record_runtime_alert(&self, alert: &RuntimeAlert, now: i64) -> Result<bool> {
        let invalid = |message: String| Error::Invalid {
            location: self.location().to_string(),
            message,
        };
        let Some(rank) = priority_rank(&alert.priority) else {
            return Err(invalid(format!(
                "runtime alert {}: unknown priority '{}'",
                alert.dedupe_key, alert.priority
            )));
        };
        let fields = alert.output_fields.to_string();
        let tags = serde_json::to_string(&alert.tags).unwrap_or_else(|_| "[]".into());
        let size = alert.output.len() + fields.len() + tags.len() + alert.dedupe_key.len();
        if size > MAX_ALERT_BYTES {
            return Err(invalid(format!(
                "runtime alert {}: {size} bytes, over the {MAX_ALERT_BYTES}-byte limit",
                alert.dedupe_key
            )));
        }
        self.write(|tx| {
            Ok(tx.exec(
                "INSERT INTO runtime_alerts (cluster, rule, priority, severity, source, event_time, output, \
                 output_fields, tags, namespace, pod, image, dedupe_key, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
                 ON CONFLICT (dedupe_key) DO NOTHING",
                &[
                    P::from(&alert.cluster),
                    P::from(&alert.rule),
                    PRIORITIES[rank].into(),
                    (rank as i64).into(),
                    P::from(&alert.source),
                    alert.time_ns.into(),
                    P::from(&alert.output),
                    fields.into(),
                    tags.into(),
                    P::from(&alert.namespace),
                    P::from(&alert.pod),
                    P::from(&alert.image),
                    P::from(&alert.dedupe_key),
                    now.into(),
                ],
            )? == 1)
        })
    }

    /// Stored alerts matching `q`, newest event first (then newest id).
    ///
    /// # Errors
    /// An unknown priority in `q`, or the database.
    pub fn runtime_alerts(&self, q: &RuntimeAlertQuery) -> Result<Vec<StoredRuntimeAlert>> {
        let mut conds = Vec::new();
        let mut params: Vec<P> = Vec::new();
        let mut add = |cond: &str, p: P| {
            params.push(p);
            conds.push(cond.replace('?', &format!("${}", params.len())));
        };
        if let Some(c) = &q.cluster {
            add("cluster = ?", c.into());
        }
        if let Some(ns) = &q.namespace {
            add("namespace = ?", ns.into());
        }
        if let Some(r) = &q.rule {
            add("rule = ?", r.into());
        }
        if let Some(p) = &q.priority {
            let Some(rank) = priority_rank(p) else {
                return Err(Error::Invalid {
                    location: self.location().to_string(),
                    message: format!("unknown priority '{p}' (one of {})", PRIORITIES.join(", ")),
                });
            };
            add("severity <= ?", (rank as i64).into());
        }
        if let Some(t) = q.since_ns {
            add("event_time >= ?", t.into());
        }
        let where_ = if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        };
        let limit = q.limit.unwrap_or(500).clamp(1, 5000);
        let sql = format!(
            "SELECT {COLS} FROM runtime_alerts{where_} ORDER BY event_time DESC, id DESC LIMIT {limit}"
        );
        self.read(|tx| tx.query(&sql, &params)?.iter().map(from_row).collect())
    }
}
