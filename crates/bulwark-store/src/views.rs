//! The dashboard's read queries (`bulwark serve`'s pages at `/`), on both back ends: the overview by cluster,
//! environment and namespace, the latest verdict of every image, one finding with its history and where it
//! runs, new and fixed findings per day, and the notification history; plus the one write the dashboard's admin
//! makes, [`Store::retry_notification`]. Each page is one or a few queries over the whole store: the figures
//! in `bench/dashboard.sh` (1,000 images) keep each page under 200 ms.

use std::collections::{BTreeMap, HashMap, HashSet};

use bulwark_types::Severity;
use serde::{Deserialize, Serialize};

use crate::db::{Exec, P, Raw, Row};
use crate::ops::FINDING_COLS;
use crate::query::{SeverityCounts, WorkloadRow};
use crate::types::{Finding, Workload};
use crate::{Result, Store};

/// The runtime alerts page's counts: how many alerts per priority and per rule (issue #17).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RuntimeCounts {
    pub total: i64,
    /// (priority, alerts), most severe first, priorities without alerts left out.
    pub by_priority: Vec<(String, i64)>,
    /// (rule, its most severe priority, alerts), most alerts first, then by rule; at most 200 rules.
    pub by_rule: Vec<(String, String, i64)>,
    /// Distinct namespaces with alerts, sorted (for the page's filter).
    pub namespaces: Vec<String>,
}

/// One (cluster, environment, namespace) of the overview: what runs there now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverviewRow {
    pub cluster: String,
    pub environment: Option<String>,
    pub namespace: String,
    /// Distinct image digests running there.
    pub images: i64,
    /// Distinct workloads (kind/name) running there.
    pub workloads: i64,
    /// Open findings of those images, each image counted once.
    pub findings: SeverityCounts,
    /// Images among them whose latest verdict is `fail`.
    pub failing: i64,
}

/// The latest verdict of an image, with its references.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerdictRow {
    pub digest: String,
    pub references: Vec<String>,
    pub decision: String,
    pub bundle_name: Option<String>,
    pub bundle_version: Option<String>,
    pub db_version: Option<String>,
    pub created_at: i64,
}

/// One finding with what the dashboard shows around it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingDetail {
    pub finding: Finding,
    /// Its image's references.
    pub references: Vec<String>,
    /// Where its image runs now.
    pub workloads: Vec<Workload>,
    /// Every episode of the same vulnerability in the same package of the same image (this one included),
    /// oldest first: opened, fixed, reopened.
    pub episodes: Vec<Finding>,
}

/// New and fixed findings of one UTC day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCounts {
    /// Days since the Unix epoch.
    pub day: i64,
    pub new: i64,
    pub fixed: i64,
}

/// A notification without its payload, for the history page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationRow {
    pub id: i64,
    pub team: String,
    pub channel: String,
    pub state: String,
    pub attempts: i64,
    pub created_at: i64,
    pub next_attempt_at: i64,
    pub delivered_at: Option<i64>,
    pub last_error: Option<String>,
}

/// A stored finding read from a row of `SELECT {FINDING_COLS}`: the store's own reader.
fn finding(r: &Row) -> Result<Finding, Raw> {
    crate::ops::finding_from(r, 0)
}

fn add(c: &mut SeverityCounts, severity: Severity, n: i64) {
    match severity {
        Severity::Critical => c.critical += n,
        Severity::High => c.high += n,
        Severity::Medium => c.medium += n,
        Severity::Low => c.low += n,
        Severity::Info => c.info += n,
        Severity::Unknown => c.unknown += n,
    }
    c.total += n;
}

fn sum(a: &mut SeverityCounts, b: &SeverityCounts) {
    a.critical += b.critical;
    a.high += b.high;
    a.medium += b.medium;
    a.low += b.low;
    a.info += b.info;
    a.unknown += b.unknown;
    a.total += b.total;
}

/// Open findings by severity of every image (one grouped scan of the open findings).
fn all_counts(tx: &mut dyn Exec) -> Result<HashMap<String, SeverityCounts>, Raw> {
    let mut out: HashMap<String, SeverityCounts> = HashMap::new();
    for r in tx.query(
        "SELECT digest, severity, COUNT(*) FROM findings WHERE fixed_at IS NULL GROUP BY digest, severity",
        &[],
    )? {
        let sev = r.t(1)?.parse().unwrap_or(Severity::Unknown);
        add(out.entry(r.t(0)?).or_default(), sev, r.i(2)?);
    }
    Ok(out)
}

/// The latest image verdict (not a workload's) of every digest.
fn latest_verdicts(tx: &mut dyn Exec) -> Result<Vec<VerdictRow>, Raw> {
    let mut v = Vec::new();
    for r in tx.query(
        "SELECT digest, decision, bundle_name, bundle_version, db_version, created_at FROM \
         (SELECT digest, decision, bundle_name, bundle_version, db_version, created_at, \
         ROW_NUMBER() OVER (PARTITION BY digest ORDER BY created_at DESC, id DESC) AS n FROM verdicts \
         WHERE workload IS NULL) latest WHERE n = 1",
        &[],
    )? {
        v.push(VerdictRow {
            digest: r.t(0)?,
            references: Vec::new(),
            decision: r.t(1)?,
            bundle_name: r.ot(2)?,
            bundle_version: r.ot(3)?,
            db_version: r.ot(4)?,
            created_at: r.i(5)?,
        });
    }
    Ok(v)
}

fn refs_of(tx: &mut dyn Exec, digest: &str) -> Result<Vec<String>, Raw> {
    tx.query(
        "SELECT reference FROM image_refs WHERE digest = $1 ORDER BY reference",
        &[digest.into()],
    )?
    .iter()
    .map(|r| r.t(0))
    .collect()
}

/// (cluster, environment, namespace)
type GroupKey = (String, Option<String>, String);
/// The digests and the workloads (kind, name) of a group.
type Group = (HashSet<String>, HashSet<(String, String)>);

/// The sort rank of a decision: failing first.
fn decision_rank(d: &str) -> u8 {
    match d {
        "fail" => 0,
        "warn" => 1,
        "pass" => 3,
        _ => 2,
    }
}

impl Store {
    /// What runs now, per cluster, environment and namespace, sorted by those.
    pub fn overview(&self) -> Result<Vec<OverviewRow>> {
        Ok(self.overview_and_workloads()?.0)
    }

    /// [`Store::overview`] and every live placement with its image's open findings (as
    /// [`Store::workload_rows`] lists them, sorted the same way), from one pass over the open findings.
    pub fn overview_and_workloads(&self) -> Result<(Vec<OverviewRow>, Vec<WorkloadRow>)> {
        self.overview_with(None)
    }

    /// [`Store::overview_and_workloads`] with the open findings' counts given ([`Store::open_counts`], kept by
    /// the caller while [`Store::findings_fingerprint`] is unchanged), or counted here.
    pub fn overview_with(
        &self,
        counts: Option<&HashMap<String, SeverityCounts>>,
    ) -> Result<(Vec<OverviewRow>, Vec<WorkloadRow>)> {
        self.read(|tx| {
            let counted;
            let counts = if let Some(c) = counts {
                c
            } else {
                counted = all_counts(tx)?;
                &counted
            };
            let failing: HashSet<String> = latest_verdicts(tx)?
                .into_iter()
                .filter(|v| v.decision == "fail")
                .map(|v| v.digest)
                .collect();
            let mut groups: BTreeMap<GroupKey, Group> = BTreeMap::new();
            let mut rows = Vec::new();
            for r in tx.query(
                "SELECT cluster, environment, namespace, workload_kind, workload_name, container, digest, image_ref, \
                 first_seen, last_seen FROM placements WHERE removed_at IS NULL \
                 ORDER BY cluster, namespace, workload_kind, workload_name, container",
                &[],
            )? {
                let row = WorkloadRow {
                    cluster: r.t(0)?,
                    environment: r.ot(1)?,
                    namespace: r.t(2)?,
                    kind: r.t(3)?,
                    name: r.t(4)?,
                    container: r.t(5)?,
                    digest: r.t(6)?,
                    image_ref: r.ot(7)?,
                    first_seen: r.i(8)?,
                    last_seen: r.i(9)?,
                    findings: counts.get(&r.t(6)?).copied().unwrap_or_default(),
                };
                let g = groups
                    .entry((row.cluster.clone(), row.environment.clone(), row.namespace.clone()))
                    .or_default();
                g.1.insert((row.kind.clone(), row.name.clone()));
                g.0.insert(row.digest.clone());
                rows.push(row);
            }
            let overview = groups
                .into_iter()
                .map(|((cluster, environment, namespace), (digests, workloads))| {
                    let mut findings = SeverityCounts::default();
                    for d in &digests {
                        if let Some(c) = counts.get(d) {
                            sum(&mut findings, c);
                        }
                    }
                    OverviewRow {
                        cluster,
                        environment,
                        namespace,
                        images: digests.len() as i64,
                        workloads: workloads.len() as i64,
                        findings,
                        failing: digests.iter().filter(|d| failing.contains(*d)).count() as i64,
                    }
                })
                .collect();
            Ok((overview, rows))
        })
    }

    /// Open findings by severity of every image: the one grouped pass over the open findings (about 150 ms for
    /// 250,000 of them on SQLite), which callers keep while [`Store::findings_fingerprint`] stays the same.
    pub fn open_counts(&self) -> Result<HashMap<String, SeverityCounts>> {
        self.read(all_counts)
    }

    /// What changes whenever the open findings change, read from indexes only: the newest finding id (a new or
    /// reopened finding), the number of open findings (a fix), and the latest `matched_at` of an image (every
    /// apply sets it, so a changed severity shows too).
    pub fn findings_fingerprint(&self) -> Result<(i64, i64, i64)> {
        self.read(|tx| {
            let rows = tx.query(
                "SELECT (SELECT COALESCE(MAX(id), 0) FROM findings), \
                 (SELECT COUNT(*) FROM findings WHERE fixed_at IS NULL), \
                 (SELECT COALESCE(MAX(matched_at), 0) FROM images)",
                &[],
            )?;
            let r = rows
                .first()
                .ok_or_else(|| Raw::Other("no row from the fingerprint query".into()))?;
            Ok((r.i(0)?, r.i(1)?, r.i(2)?))
        })
    }

    /// What changes whenever a workload's risk context changes: stored objects (count, newest write, newest
    /// tombstone) and placements (newest id, live count, newest start), read from the tables' keys. With
    /// [`Store::findings_fingerprint`], the key of a cached risk ranking.
    pub fn context_fingerprint(&self) -> Result<[i64; 6]> {
        self.read(|tx| {
            let rows = tx.query(
                "SELECT (SELECT COUNT(*) FROM objects), (SELECT COALESCE(MAX(last_seen), 0) FROM objects), \
                 (SELECT COALESCE(MAX(deleted_at), 0) FROM objects), (SELECT COALESCE(MAX(id), 0) FROM placements), \
                 (SELECT COUNT(*) FROM placements WHERE removed_at IS NULL), \
                 (SELECT COALESCE(MAX(first_seen), 0) FROM placements)",
                &[],
            )?;
            let r = rows
                .first()
                .ok_or_else(|| Raw::Other("no row from the fingerprint query".into()))?;
            Ok([r.i(0)?, r.i(1)?, r.i(2)?, r.i(3)?, r.i(4)?, r.i(5)?])
        })
    }

    /// The open findings routed to `team`, by severity, and the number of images they are in.
    pub fn owner_summary(&self, team: &str) -> Result<(SeverityCounts, i64)> {
        self.read(|tx| {
            let mut c = SeverityCounts::default();
            for r in tx.query(
                "SELECT severity, COUNT(*) FROM findings WHERE fixed_at IS NULL AND owner_team = $1 GROUP BY severity",
                &[team.into()],
            )? {
                add(&mut c, r.t(0)?.parse().unwrap_or(Severity::Unknown), r.i(1)?);
            }
            let images = tx
                .query(
                    "SELECT COUNT(DISTINCT digest) FROM findings WHERE fixed_at IS NULL AND owner_team = $1",
                    &[team.into()],
                )?
                .first()
                .map(|r| r.i(0))
                .transpose()?
                .unwrap_or(0);
            Ok((c, images))
        })
    }

    /// The latest verdict of every judged image: failing first, then warn, then pass; newest first within.
    pub fn verdict_rows(&self) -> Result<Vec<VerdictRow>> {
        self.read(|tx| {
            let mut v = latest_verdicts(tx)?;
            let mut refs: HashMap<String, Vec<String>> = HashMap::new();
            for r in tx.query(
                "SELECT digest, reference FROM image_refs ORDER BY digest, reference",
                &[],
            )? {
                refs.entry(r.t(0)?).or_default().push(r.t(1)?);
            }
            for row in &mut v {
                row.references = refs.remove(&row.digest).unwrap_or_default();
            }
            v.sort_by(|a, b| {
                decision_rank(&a.decision)
                    .cmp(&decision_rank(&b.decision))
                    .then(b.created_at.cmp(&a.created_at))
                    .then(a.digest.cmp(&b.digest))
            });
            Ok(v)
        })
    }

    /// The latest image verdict of each digest as its stored JSON document (`Verdict::to_json`), by digest:
    /// what the dashboard reads the applied and expired exceptions from.
    pub fn latest_verdict_documents(&self) -> Result<Vec<(String, String)>> {
        self.read(|tx| {
            tx.query(
                "SELECT digest, verdict_json FROM (SELECT digest, verdict_json, ROW_NUMBER() OVER \
                 (PARTITION BY digest ORDER BY created_at DESC, id DESC) AS n FROM verdicts WHERE workload IS NULL) \
                 latest WHERE n = 1 ORDER BY digest",
                &[],
            )?
            .iter()
            .map(|r| Ok((r.t(0)?, r.t(1)?)))
            .collect()
        })
    }

    /// One finding by id, with its image's references, where the image runs and the finding's episodes.
    pub fn finding_detail(&self, id: i64) -> Result<Option<FindingDetail>> {
        self.read(|tx| {
            let Some(f) = tx
                .query(
                    &format!("SELECT {FINDING_COLS} FROM findings WHERE id = $1"),
                    &[id.into()],
                )?
                .first()
                .map(finding)
                .transpose()?
            else {
                return Ok(None);
            };
            let references = refs_of(tx, &f.digest)?;
            let mut workloads = Vec::new();
            for r in tx.query(
                "SELECT cluster, environment, namespace, workload_kind, workload_name, container FROM placements \
                 WHERE removed_at IS NULL AND digest = $1 \
                 ORDER BY cluster, namespace, workload_kind, workload_name, container",
                &[f.digest.as_str().into()],
            )? {
                workloads.push(Workload {
                    cluster: r.t(0)?,
                    environment: r.ot(1)?,
                    namespace: r.t(2)?,
                    kind: r.t(3)?,
                    name: r.t(4)?,
                    container: r.t(5)?,
                });
            }
            let episodes = tx
                .query(
                    &format!(
                        "SELECT {FINDING_COLS} FROM findings WHERE digest = $1 AND vuln_id = $2 AND purl = $3 \
                         ORDER BY first_seen, id"
                    ),
                    &[
                        f.digest.as_str().into(),
                        f.vuln_id.as_str().into(),
                        f.purl.as_str().into(),
                    ],
                )?
                .iter()
                .map(finding)
                .collect::<Result<Vec<_>, Raw>>()?;
            Ok(Some(FindingDetail {
                finding: f,
                references,
                workloads,
                episodes,
            }))
        })
    }

    /// Findings opened (first seen) and fixed per UTC day, from `since` (seconds), oldest day first; days with
    /// neither are left out.
    pub fn daily_changes(&self, since: i64) -> Result<Vec<DayCounts>> {
        self.read(|tx| {
            let mut days: BTreeMap<i64, DayCounts> = BTreeMap::new();
            for (col, fixed) in [("first_seen", false), ("fixed_at", true)] {
                for r in tx.query(
                    &format!(
                        "SELECT {col} / 86400, COUNT(*) FROM findings WHERE {col} IS NOT NULL AND {col} >= $1 \
                         GROUP BY {col} / 86400"
                    ),
                    &[since.into()],
                )? {
                    let day = r.i(0)?;
                    let e = days.entry(day).or_insert(DayCounts {
                        day,
                        new: 0,
                        fixed: 0,
                    });
                    if fixed {
                        e.fixed += r.i(1)?;
                    } else {
                        e.new += r.i(1)?;
                    }
                }
            }
            Ok(days.into_values().collect())
        })
    }

    /// Counts of all stored runtime alerts by priority and by rule, and the namespaces they name.
    pub fn runtime_counts(&self) -> Result<RuntimeCounts> {
        let name = |rank: i64| {
            usize::try_from(rank)
                .ok()
                .and_then(|r| crate::runtime::PRIORITIES.get(r))
                .map_or_else(|| format!("#{rank}"), |p| (*p).to_owned())
        };
        self.read(|tx| {
            let mut out = RuntimeCounts::default();
            for r in tx.query(
                "SELECT severity, COUNT(*) FROM runtime_alerts GROUP BY severity ORDER BY severity",
                &[],
            )? {
                let n = r.i(1)?;
                out.total += n;
                out.by_priority.push((name(r.i(0)?), n));
            }
            for r in tx.query(
                "SELECT rule, MIN(severity), COUNT(*) FROM runtime_alerts GROUP BY rule \
                 ORDER BY COUNT(*) DESC, rule LIMIT 200",
                &[],
            )? {
                out.by_rule.push((r.t(0)?, name(r.i(1)?), r.i(2)?));
            }
            for r in tx.query(
                "SELECT DISTINCT namespace FROM runtime_alerts WHERE namespace IS NOT NULL ORDER BY namespace \
                 LIMIT 1000",
                &[],
            )? {
                out.namespaces.push(r.t(0)?);
            }
            Ok(out)
        })
    }

    /// Notifications, newest first, at most `limit`, without their payloads.
    pub fn notification_rows(&self, limit: usize) -> Result<Vec<NotificationRow>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(|tx| {
            tx.query(
                "SELECT id, team, channel, state, attempts, created_at, next_attempt_at, delivered_at, last_error \
                 FROM notifications ORDER BY id DESC LIMIT $1",
                &[P::from(limit)],
            )?
            .iter()
            .map(|r| {
                Ok(NotificationRow {
                    id: r.i(0)?,
                    team: r.t(1)?,
                    channel: r.t(2)?,
                    state: r.t(3)?,
                    attempts: r.i(4)?,
                    created_at: r.i(5)?,
                    next_attempt_at: r.i(6)?,
                    delivered_at: r.oi(7)?,
                    last_error: r.ot(8)?,
                })
            })
            .collect()
        })
    }

    /// Sets a failed notification pending again, due at `now`, for the delivery loop to send. Returns `false`
    /// (and changes nothing) when it is not in state `failed` (unknown, pending, being delivered, delivered).
    /// The attempt count and the last error stay, as history.
    pub fn retry_notification(&self, id: i64, now: i64) -> Result<bool> {
        self.write(|tx| {
            Ok(tx.exec(
                "UPDATE notifications SET state = 'pending', next_attempt_at = $1, lease_owner = NULL, \
                 lease_until = NULL WHERE id = $2 AND state = 'failed'",
                &[now.into(), id.into()],
            )? == 1)
        })
    }
}
