//! Runtime baselines shared by every watcher (replicas, nodes, clusters): per (image digest, container name),
//! a state (learning/locked), counts and the learned entries (kind, value); and the container ids the live
//! source meets on a node, mapped to pod, namespace, image digest and workload.
//!
//! Watchers merge what they learned: entries are a union, counts add up, and `locked` wins over `learning`.
//! A reset starts a new generation; a merge carrying an older generation is refused (the watcher reloads).

use std::fmt::Write as _;

use crate::db::{Exec, P, Raw, Row};
use crate::schema::Migration;
use crate::{Result, Store};

/// Migration 8: `baselines`, `baseline_entries`, `container_ids`.
pub(crate) const MIGRATION: Migration = Migration {
    version: 8,
    name: "baselines and baseline_entries: what each (image digest, container) executes, learned then locked; container_ids: the runtime's container ids mapped to pods and digests",
    sql: r"
CREATE TABLE baselines (
    image_digest TEXT NOT NULL,
    container TEXT NOT NULL,
    state TEXT NOT NULL,
    generation {int} NOT NULL DEFAULT 1,
    started_at {int} NOT NULL,
    locked_at {int},
    events {int} NOT NULL DEFAULT 0,
    updated_at {int} NOT NULL,
    PRIMARY KEY (image_digest, container)
);
CREATE TABLE baseline_entries (
    image_digest TEXT NOT NULL,
    container TEXT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    first_seen {int} NOT NULL,
    PRIMARY KEY (image_digest, container, kind, value),
    FOREIGN KEY (image_digest, container) REFERENCES baselines(image_digest, container) ON DELETE CASCADE
);
CREATE TABLE container_ids (
    container_id TEXT PRIMARY KEY,
    cluster TEXT NOT NULL,
    namespace TEXT NOT NULL,
    pod TEXT NOT NULL,
    pod_uid TEXT NOT NULL,
    container TEXT NOT NULL,
    image TEXT NOT NULL,
    digest TEXT NOT NULL,
    workload_kind TEXT NOT NULL,
    workload_name TEXT NOT NULL,
    first_seen {int} NOT NULL,
    last_seen {int} NOT NULL
);
CREATE INDEX container_ids_digest ON container_ids(digest);
",
    postgres_only: false,
};

/// A baseline as stored. Times are ns since the epoch.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BaselineRecord {
    /// `sha256:…`.
    pub image_digest: String,
    /// Container name.
    pub container: String,
    /// `learning` or `locked`.
    pub state: String,
    /// Bumped by each reset.
    pub generation: i64,
    /// Learning started.
    pub started_at: i64,
    /// Locked at.
    pub locked_at: Option<i64>,
    /// Observations while learning, summed over watchers.
    pub events: i64,
    /// Last merge.
    pub updated_at: i64,
    /// Learned (kind, value), sorted.
    pub entries: Vec<(String, String)>,
}

/// What one watcher adds to a baseline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaselineDelta {
    /// `sha256:…`.
    pub image_digest: String,
    /// Container name.
    pub container: String,
    /// The generation the watcher learned in (1 for a new baseline).
    pub generation: i64,
    /// The watcher's state.
    pub state: String,
    /// When the watcher started learning it.
    pub started_at: i64,
    /// When the watcher locked it.
    pub locked_at: Option<i64>,
    /// Observations since the last merge.
    pub events: i64,
    /// Entries learned since the last merge.
    pub entries: Vec<(String, String)>,
}

/// A container id the runtime reports, and what it runs.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct ContainerRecord {
    /// Full id as the cgroup shows it (64 hex digits, no `containerd://` prefix).
    pub container_id: String,
    /// Cluster name.
    pub cluster: String,
    /// Namespace.
    pub namespace: String,
    /// Pod name.
    pub pod: String,
    /// Pod uid.
    pub pod_uid: String,
    /// Container name in the pod spec.
    pub container: String,
    /// Image reference.
    pub image: String,
    /// Image digest (`sha256:…`).
    pub digest: String,
    /// Owning workload kind.
    pub workload_kind: String,
    /// Owning workload name.
    pub workload_name: String,
}

const BASELINE_COLS: &str =
    "image_digest, container, state, generation, started_at, locked_at, events, updated_at";

fn baseline_from(r: &Row) -> std::result::Result<BaselineRecord, Raw> {
    Ok(BaselineRecord {
        image_digest: r.t(0)?,
        container: r.t(1)?,
        state: r.t(2)?,
        generation: r.i(3)?,
        started_at: r.i(4)?,
        locked_at: r.oi(5)?,
        events: r.i(6)?,
        updated_at: r.i(7)?,
        entries: Vec::new(),
    })
}

fn entries_of(
    tx: &mut dyn Exec,
    digest: &str,
    container: &str,
) -> std::result::Result<Vec<(String, String)>, Raw> {
    tx.query(
        "SELECT kind, value FROM baseline_entries WHERE image_digest = $1 AND container = $2 ORDER BY kind, value",
        &[digest.into(), container.into()],
    )?
    .iter()
    .map(|r| Ok((r.t(0)?, r.t(1)?)))
    .collect()
}

/// Filter of `baselines` and `lock`/`reset`: `None` matches all.
fn filter_sql(digest: Option<&str>, container: Option<&str>, first: usize) -> (String, Vec<P>) {
    let mut sql = String::from(" WHERE 1 = 1");
    let mut params = Vec::new();
    if let Some(d) = digest {
        params.push(P::from(d));
        let _ = write!(sql, " AND image_digest = ${}", first + params.len() - 1);
    }
    if let Some(c) = container {
        params.push(P::from(c));
        let _ = write!(sql, " AND container = ${}", first + params.len() - 1);
    }
    (sql, params)
}

impl Store {
    /// Merges a watcher's delta into the shared baseline: entries are added, events summed, `locked` wins and
    /// the earliest start is kept. Returns `false` (and changes nothing) when the stored generation differs:
    /// the baseline was reset since the watcher loaded it.
    pub fn merge_baseline(&self, d: &BaselineDelta, now: i64) -> Result<bool> {
        self.write(|tx| {
            let cur = tx.query(
                "SELECT generation FROM baselines WHERE image_digest = $1 AND container = $2",
                &[(&d.image_digest).into(), (&d.container).into()],
            )?;
            match cur.first().map(|r| r.i(0)).transpose()? {
                Some(g) if g != d.generation => return Ok(false),
                Some(_) => {
                    tx.exec(
                        "UPDATE baselines SET \
                         state = CASE WHEN state = 'locked' OR $3 = 'locked' THEN 'locked' ELSE 'learning' END, \
                         locked_at = CASE WHEN locked_at IS NULL THEN $4 ELSE locked_at END, \
                         started_at = CASE WHEN $5 < started_at THEN $5 ELSE started_at END, \
                         events = events + $6, updated_at = $7 \
                         WHERE image_digest = $1 AND container = $2",
                        &[
                            (&d.image_digest).into(),
                            (&d.container).into(),
                            (&d.state).into(),
                            d.locked_at.into(),
                            d.started_at.into(),
                            d.events.into(),
                            now.into(),
                        ],
                    )?;
                }
                None => {
                    tx.exec(
                        &format!(
                            "INSERT INTO baselines ({BASELINE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                        ),
                        &[
                            (&d.image_digest).into(),
                            (&d.container).into(),
                            (&d.state).into(),
                            d.generation.into(),
                            d.started_at.into(),
                            d.locked_at.into(),
                            d.events.into(),
                            now.into(),
                        ],
                    )?;
                }
            }
            for (kind, value) in &d.entries {
                tx.exec(
                    "INSERT INTO baseline_entries (image_digest, container, kind, value, first_seen) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (image_digest, container, kind, value) DO NOTHING",
                    &[
                        (&d.image_digest).into(),
                        (&d.container).into(),
                        kind.into(),
                        value.into(),
                        now.into(),
                    ],
                )?;
            }
            Ok(true)
        })
    }

    /// The baselines matching the filters, with their entries, by digest and container.
    pub fn baselines(
        &self,
        digest: Option<&str>,
        container: Option<&str>,
    ) -> Result<Vec<BaselineRecord>> {
        self.read(|tx| {
            let (w, params) = filter_sql(digest, container, 1);
            let rows = tx.query(
                &format!(
                    "SELECT {BASELINE_COLS} FROM baselines{w} ORDER BY image_digest, container"
                ),
                &params,
            )?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let mut b = baseline_from(r)?;
                b.entries = entries_of(tx, &b.image_digest, &b.container)?;
                out.push(b);
            }
            Ok(out)
        })
    }

    /// Locks the matching baselines that are learning; returns how many.
    pub fn lock_baselines(
        &self,
        digest: Option<&str>,
        container: Option<&str>,
        now: i64,
    ) -> Result<u64> {
        self.write(|tx| {
            let (w, mut params) = filter_sql(digest, container, 2);
            let mut all = vec![P::from(now)];
            all.append(&mut params);
            tx.exec(
                &format!(
                    "UPDATE baselines SET state = 'locked', locked_at = $1, updated_at = $1{w} AND state = 'learning'"
                ),
                &all,
            )
        })
    }

    /// Resets the matching baselines: entries deleted, learning again from `now`, a new generation (watchers
    /// holding the old one have their next merge refused and reload). Returns how many.
    pub fn reset_baselines(
        &self,
        digest: Option<&str>,
        container: Option<&str>,
        now: i64,
    ) -> Result<u64> {
        self.write(|tx| {
            let (w, params) = filter_sql(digest, container, 1);
            tx.exec(&format!("DELETE FROM baseline_entries{w}"), &params)?;
            let (w2, mut params2) = filter_sql(digest, container, 2);
            let mut all = vec![P::from(now)];
            all.append(&mut params2);
            tx.exec(
                &format!(
                    "UPDATE baselines SET state = 'learning', locked_at = NULL, events = 0, started_at = $1, \
                     updated_at = $1, generation = generation + 1{w2}"
                ),
                &all,
            )
        })
    }

    /// Records container ids (from the pods' `status.containerStatuses[].containerID`), seen at `now`.
    pub fn put_containers(&self, rows: &[ContainerRecord], now: i64) -> Result<()> {
        self.write(|tx| {
            for c in rows {
                tx.exec(
                    "INSERT INTO container_ids (container_id, cluster, namespace, pod, pod_uid, container, image, \
                     digest, workload_kind, workload_name, first_seen, last_seen) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) \
                     ON CONFLICT (container_id) DO UPDATE SET cluster = excluded.cluster, \
                     namespace = excluded.namespace, pod = excluded.pod, pod_uid = excluded.pod_uid, \
                     container = excluded.container, image = excluded.image, digest = excluded.digest, \
                     workload_kind = excluded.workload_kind, workload_name = excluded.workload_name, \
                     last_seen = excluded.last_seen",
                    &[
                        (&c.container_id).into(),
                        (&c.cluster).into(),
                        (&c.namespace).into(),
                        (&c.pod).into(),
                        (&c.pod_uid).into(),
                        (&c.container).into(),
                        (&c.image).into(),
                        (&c.digest).into(),
                        (&c.workload_kind).into(),
                        (&c.workload_name).into(),
                        now.into(),
                    ],
                )?;
            }
            Ok(())
        })
    }

    /// The container with this full id (a `containerd://`, `docker://` or `cri-o://` prefix is ignored).
    pub fn container(&self, id: &str) -> Result<Option<ContainerRecord>> {
        let id = id.split_once("://").map_or(id, |(_, rest)| rest);
        self.read(|tx| {
            let rows = tx.query(
                "SELECT container_id, cluster, namespace, pod, pod_uid, container, image, digest, workload_kind, \
                 workload_name FROM container_ids WHERE container_id = $1",
                &[id.into()],
            )?;
            rows.first()
                .map(|r| {
                    Ok(ContainerRecord {
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
}
