//! Enforcement: every action decided on a runtime alert (carried out, dry-run, or skipped and why), and the image
//! digests denied at admission.
//!
//! An action is keyed by the alert's dedupe key + the action + its target, so that a replay of the same alerts
//! (after kill -9) neither repeats an action nor loses its record: the caller records it `pending` before
//! carrying it out, then marks it `done` or `failed`; on start, the pending ones are carried out again (each
//! action is idempotent). Decisions that are not carried out are stored `skipped`.
//!
//! The deny list has a generation (in `meta`), bumped on every change, so that the admission webhook keeps the
//! list in memory and reloads it only when it changed.

use crate::db::{Exec, P, Raw, Row};
use crate::schema::Migration;
use crate::{Error, Result, Store};

/// Migration 9: `enforcement_actions`, `denied_digests`.
pub(crate) const MIGRATION: Migration = Migration {
    version: 9,
    name: "enforcement_actions: each action decided on a runtime alert, once per alert + action + target; denied_digests: image digests refused at admission",
    sql: r"
CREATE TABLE enforcement_actions (
    id {id},
    action_key TEXT NOT NULL UNIQUE,
    alert_key TEXT NOT NULL,
    rule TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    namespace TEXT NOT NULL,
    pod TEXT NOT NULL,
    workload_kind TEXT NOT NULL,
    workload_name TEXT NOT NULL,
    image_digest TEXT NOT NULL,
    decision TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed', 'skipped')),
    result TEXT,
    attempts {int} NOT NULL DEFAULT 0,
    decided_at {int} NOT NULL,
    created_at {int} NOT NULL,
    updated_at {int} NOT NULL
);
CREATE INDEX enforcement_actions_state ON enforcement_actions(state, id);
CREATE TABLE denied_digests (
    digest TEXT PRIMARY KEY,
    rule TEXT NOT NULL,
    reason TEXT NOT NULL,
    alert_key TEXT,
    created_at {int} NOT NULL,
    expires_at {int},
    created_by TEXT NOT NULL
);
",
    postgres_only: false,
};

/// Longest text kept in an action's result or a denial's reason, in bytes.
pub const MAX_ENFORCEMENT_TEXT: usize = 16 << 10;

const GENERATION_KEY: &str = "denied_digests_generation";

/// One action decision to record.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ActionRow {
    /// The alert's dedupe key (source + event key + rule).
    pub alert_key: String,
    /// The rule that fired.
    pub rule: String,
    /// `kill-pod`, `scale-to-zero`, `isolate`, `deny-digest`.
    pub action: String,
    /// `namespace/pod`, `namespace/Kind/name` or the digest; empty when the alert names none.
    pub target: String,
    pub namespace: String,
    pub pod: String,
    pub workload_kind: String,
    pub workload_name: String,
    pub image_digest: String,
    /// `execute`, `dry-run`, `rate-limited`, `duplicate`, `excluded`, `no-target`.
    pub decision: String,
    /// When it was decided, ns since the epoch.
    pub decided_at: i64,
}

impl ActionRow {
    /// The unique key: alert + action + target.
    #[must_use]
    pub fn key(&self) -> String {
        format!(
            "{}\u{1f}{}\u{1f}{}",
            self.alert_key, self.action, self.target
        )
    }

    /// Whether the decision is carried out (for real or as a dry run).
    #[must_use]
    pub fn carried_out(&self) -> bool {
        matches!(self.decision.as_str(), "execute" | "dry-run")
    }
}

/// A stored action.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredAction {
    pub id: i64,
    pub alert_key: String,
    pub rule: String,
    pub action: String,
    pub target: String,
    pub namespace: String,
    pub pod: String,
    pub workload_kind: String,
    pub workload_name: String,
    pub image_digest: String,
    pub decision: String,
    /// `pending`, `done`, `failed`, `skipped`.
    pub state: String,
    pub result: Option<String>,
    pub attempts: i64,
    /// ns since the epoch.
    pub decided_at: i64,
    /// s since the epoch.
    pub created_at: i64,
    pub updated_at: i64,
}

impl StoredAction {
    /// The row as recorded.
    #[must_use]
    pub fn row(&self) -> ActionRow {
        ActionRow {
            alert_key: self.alert_key.clone(),
            rule: self.rule.clone(),
            action: self.action.clone(),
            target: self.target.clone(),
            namespace: self.namespace.clone(),
            pod: self.pod.clone(),
            workload_kind: self.workload_kind.clone(),
            workload_name: self.workload_name.clone(),
            image_digest: self.image_digest.clone(),
            decision: self.decision.clone(),
            decided_at: self.decided_at,
        }
    }
}

/// An image digest refused at admission.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeniedDigest {
    /// `sha256:…`.
    pub digest: String,
    /// The rule whose alert denied it.
    pub rule: String,
    /// Why (the alert's output).
    pub reason: String,
    /// The alert's dedupe key.
    pub alert_key: Option<String>,
    /// s since the epoch.
    pub created_at: i64,
    /// s since the epoch; none: until deleted.
    pub expires_at: Option<i64>,
    /// Who denied it (`enforcement`, a user).
    pub created_by: String,
}

const ACOLS: &str = "id, alert_key, rule, action, target, namespace, pod, workload_kind, workload_name, \
                     image_digest, decision, state, result, attempts, decided_at, created_at, updated_at";

fn action_from(r: &Row) -> std::result::Result<StoredAction, Raw> {
    Ok(StoredAction {
        id: r.i(0)?,
        alert_key: r.t(1)?,
        rule: r.t(2)?,
        action: r.t(3)?,
        target: r.t(4)?,
        namespace: r.t(5)?,
        pod: r.t(6)?,
        workload_kind: r.t(7)?,
        workload_name: r.t(8)?,
        image_digest: r.t(9)?,
        decision: r.t(10)?,
        state: r.t(11)?,
        result: r.ot(12)?,
        attempts: r.i(13)?,
        decided_at: r.i(14)?,
        created_at: r.i(15)?,
        updated_at: r.i(16)?,
    })
}

const DCOLS: &str = "digest, rule, reason, alert_key, created_at, expires_at, created_by";

fn denied_from(r: &Row) -> std::result::Result<DeniedDigest, Raw> {
    Ok(DeniedDigest {
        digest: r.t(0)?,
        rule: r.t(1)?,
        reason: r.t(2)?,
        alert_key: r.ot(3)?,
        created_at: r.i(4)?,
        expires_at: r.oi(5)?,
        created_by: r.t(6)?,
    })
}

fn clip(s: &str) -> String {
    if s.len() <= MAX_ENFORCEMENT_TEXT {
        return s.to_owned();
    }
    let mut end = MAX_ENFORCEMENT_TEXT;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

fn bump(tx: &mut dyn Exec) -> std::result::Result<(), Raw> {
    crate::db::bump_counter(tx, GENERATION_KEY)
}

impl Store {
    /// Records an action decision at `now` (s) unless one with its key is stored: returns the stored row and
    /// whether it is new. A carried-out decision starts `pending`, the others `skipped`.
    ///
    /// # Errors
    /// The database.
    pub fn record_action(&self, row: &ActionRow, now: i64) -> Result<(StoredAction, bool)> {
        let key = row.key();
        let state = if row.carried_out() {
            "pending"
        } else {
            "skipped"
        };
        self.write(|tx| {
            let new = tx.exec(
                "INSERT INTO enforcement_actions (action_key, alert_key, rule, action, target, namespace, pod, \
                 workload_kind, workload_name, image_digest, decision, state, decided_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) \
                 ON CONFLICT (action_key) DO NOTHING",
                &[
                    P::from(&key),
                    P::from(&row.alert_key),
                    P::from(&row.rule),
                    P::from(&row.action),
                    P::from(&row.target),
                    P::from(&row.namespace),
                    P::from(&row.pod),
                    P::from(&row.workload_kind),
                    P::from(&row.workload_name),
                    P::from(&row.image_digest),
                    P::from(&row.decision),
                    state.into(),
                    row.decided_at.into(),
                    now.into(),
                ],
            )? == 1;
            let rows = tx.query(
                &format!("SELECT {ACOLS} FROM enforcement_actions WHERE action_key = $1"),
                &[key.into()],
            )?;
            let stored = rows
                .first()
                .map(action_from)
                .transpose()?
                .ok_or_else(|| Raw::Other("enforcement action vanished".into()))?;
            Ok((stored, new))
        })
    }

    /// Marks a pending action carried out (`ok`: done, else failed) with what happened. Returns false when it
    /// was not pending (another replica finished it).
    ///
    /// # Errors
    /// The database.
    pub fn finish_action(&self, id: i64, ok: bool, result: &str, now: i64) -> Result<bool> {
        let state = if ok { "done" } else { "failed" };
        self.write(|tx| {
            Ok(tx.exec(
                "UPDATE enforcement_actions SET state = $1, result = $2, attempts = attempts + 1, updated_at = $3 \
                 WHERE id = $4 AND state = 'pending'",
                &[state.into(), clip(result).into(), now.into(), id.into()],
            )? == 1)
        })
    }

    /// The pending actions, oldest first (to carry out again on start).
    ///
    /// # Errors
    /// The database.
    pub fn pending_actions(&self) -> Result<Vec<StoredAction>> {
        self.read(|tx| {
            tx.query(
                &format!(
                    "SELECT {ACOLS} FROM enforcement_actions WHERE state = 'pending' ORDER BY id"
                ),
                &[],
            )?
            .iter()
            .map(action_from)
            .collect()
        })
    }

    /// Recorded actions, newest first, optionally of one rule or one state; at most `limit` (≤ 5000).
    ///
    /// # Errors
    /// An unknown state, or the database.
    pub fn enforcement_actions(
        &self,
        rule: Option<&str>,
        state: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StoredAction>> {
        if let Some(s) = state
            && !matches!(s, "pending" | "done" | "failed" | "skipped")
        {
            return Err(Error::Invalid {
                location: self.location().to_string(),
                message: format!("unknown action state '{s}' (pending, done, failed, skipped)"),
            });
        }
        let mut conds = Vec::new();
        let mut params: Vec<P> = Vec::new();
        if let Some(r) = rule {
            params.push(r.into());
            conds.push(format!("rule = ${}", params.len()));
        }
        if let Some(s) = state {
            params.push(s.into());
            conds.push(format!("state = ${}", params.len()));
        }
        let where_ = if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        };
        let limit = limit.clamp(1, 5000);
        let sql = format!(
            "SELECT {ACOLS} FROM enforcement_actions{where_} ORDER BY id DESC LIMIT {limit}"
        );
        self.read(|tx| tx.query(&sql, &params)?.iter().map(action_from).collect())
    }

    /// Adds `d` to the deny list unless its digest is on it: returns whether it is new.
    ///
    /// # Errors
    /// A malformed digest, or the database.
    pub fn deny_digest(&self, d: &DeniedDigest) -> Result<bool> {
        if !crate::valid_digest(&d.digest) {
            return Err(Error::Invalid {
                location: self.location().to_string(),
                message: format!("deny list: '{}' is not an image digest", d.digest),
            });
        }
        self.write(|tx| {
            let new = tx.exec(
                "INSERT INTO denied_digests (digest, rule, reason, alert_key, created_at, expires_at, created_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (digest) DO NOTHING",
                &[
                    P::from(&d.digest),
                    P::from(&d.rule),
                    clip(&d.reason).into(),
                    P::from(&d.alert_key),
                    d.created_at.into(),
                    d.expires_at.into(),
                    P::from(&d.created_by),
                ],
            )? == 1;
            if new {
                bump(tx)?;
            }
            Ok(new)
        })
    }

    /// Removes a digest from the deny list: returns whether it was on it.
    ///
    /// # Errors
    /// The database.
    pub fn undeny_digest(&self, digest: &str) -> Result<bool> {
        self.write(|tx| {
            let gone = tx.exec(
                "DELETE FROM denied_digests WHERE digest = $1",
                &[digest.into()],
            )? == 1;
            if gone {
                bump(tx)?;
            }
            Ok(gone)
        })
    }

    /// The deny list (expired entries included; [`DeniedDigest::expires_at`] says), by digest.
    ///
    /// # Errors
    /// The database.
    pub fn denied_digests(&self) -> Result<Vec<DeniedDigest>> {
        self.read(|tx| {
            tx.query(
                &format!("SELECT {DCOLS} FROM denied_digests ORDER BY digest"),
                &[],
            )?
            .iter()
            .map(denied_from)
            .collect()
        })
    }

    /// A container of pod `namespace/pod` from `container_ids` (the most recently seen), for alerts that name a
    /// pod but not its workload or image (the audit webhook's).
    ///
    /// # Errors
    /// The database.
    pub fn pod_container(
        &self,
        namespace: &str,
        pod: &str,
    ) -> Result<Option<crate::ContainerRecord>> {
        self.read(|tx| {
            let rows = tx.query(
                "SELECT container_id, cluster, namespace, pod, pod_uid, container, image, digest, workload_kind, \
                 workload_name FROM container_ids WHERE namespace = $1 AND pod = $2 \
                 ORDER BY last_seen DESC, container_id LIMIT 1",
                &[namespace.into(), pod.into()],
            )?;
            rows.first()
                .map(|r| {
                    Ok(crate::ContainerRecord {
                        container_id: r.t(0)?,
                        cluster: r.t(1)?,
                        namespace: r.t(2)?,
                        pod: r.t(3)?,
                        pod_uid: r.t(4)?,
                        container: r.t(5)?,
                        image: r.t(6)?,
                        digest: r.t(7)?,
                        workload_kind: r.t(8)?,
                        workload_name: r.t(9)?,
                    })
                })
                .transpose()
        })
    }

    /// The deny list's generation: changes whenever the list does (0 before the first change).
    ///
    /// # Errors
    /// The database.
    pub fn denied_generation(&self) -> Result<i64> {
        Ok(self
            .meta(GENERATION_KEY)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }
}

impl DeniedDigest {
    /// Whether the entry applies at `now` (s).
    #[must_use]
    pub fn active(&self, now: i64) -> bool {
        self.expires_at.is_none_or(|e| now < e)
    }
}
