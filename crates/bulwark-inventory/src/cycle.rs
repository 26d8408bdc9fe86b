//! Re-matching cycles and their notifications.

use std::collections::BTreeMap;
use std::sync::mpsc;

use bulwark_notify::{
    ChannelConfig, Event, EventKind, ImageRef, LayerInfo, Message, Notifier, Outcome,
};
use bulwark_owners::{FindingContext, ImageContext, LayerContext, Ownership, WorkloadContext};
use bulwark_store::{ChangeKind, Diff, FindingRow, Job, PlacementFilter, Store};
use bulwark_types::{Finding, LayerRef};
use serde::Serialize;

use crate::Error;
use crate::verdict::{Judge, Judgement, Rematched};

/// What one [`rescan`] pass did.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CycleReport {
    pub db_version: String,
    /// Jobs this worker did (others may have done the rest).
    pub jobs_done: usize,
    pub jobs_failed: usize,
    /// Findings this worker's jobs opened and fixed.
    pub new: usize,
    pub fixed: usize,
    /// Whether every job of the version is done (then the cycle's notifications are queued).
    pub complete: bool,
    /// Notifications queued by this pass (0 when another replica queued them first).
    pub queued: usize,
    /// Verdicts this worker's jobs recorded (with a policy), and how many of them changed the image's decision
    /// from its previous verdict (pass → fail, fail → pass…).
    pub verdicts: usize,
    pub decisions_changed: usize,
}

/// One re-matching pass over the store for DB `db_version`: makes a job per stored SBOM (once per version,
/// whoever comes first), does jobs until none is left to claim, and when every job of the version is done,
/// queues the version's notifications. Safe to run on several replicas at once: each job is done by one of
/// them (a crashed worker's lease expires and another takes the job over), and the notifications are
/// queued once (dedupe keys). With `judge` (the binary's policy function), every re-matched image also gets a
/// verdict, recorded once per digest, DB version and bundle.
#[allow(clippy::too_many_arguments)]
pub fn rescan(
    store: &Store,
    db: &bulwark_vulndb::VulnDb,
    db_version: &str,
    owners: Option<&Ownership>,
    worker: &str,
    lease_secs: i64,
    now: &dyn Fn() -> i64,
    judge: Option<&Judge<'_>>,
) -> Result<CycleReport, Error> {
    let mut report = CycleReport {
        db_version: db_version.to_owned(),
        ..CycleReport::default()
    };
    let digests = store.digests_with_sbom()?;
    store.create_jobs(db_version, &digests, now())?;
    // Matching is CPU work on this thread (the DB connection stays here); recording a result is store work
    // (round trips to PostgreSQL, page writes on SQLite). A second thread records job k while this one matches
    // job k + 1, so the two overlap instead of adding up.
    let (to_recorder, matched) = mpsc::sync_channel::<Matched>(4);
    let (claimed, recorded) = std::thread::scope(|s| {
        let recorder = s.spawn(move || record(store, worker, &matched));
        let claimed = match_jobs(
            store,
            db,
            owners,
            worker,
            lease_secs,
            now,
            &to_recorder,
            judge,
        );
        drop(to_recorder);
        let recorded = recorder
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (claimed, recorded)
    });
    // A store error on either side ends the pass; jobs left claimed are taken over when their lease expires.
    let tally = recorded?;
    claimed?;
    report.jobs_done = tally.done;
    report.jobs_failed = tally.failed;
    report.new = tally.new;
    report.fixed = tally.fixed;
    report.verdicts = tally.verdicts;
    report.decisions_changed = tally.decisions_changed;
    let counts = store.job_counts(db_version)?;
    if counts.pending == 0 && counts.running == 0 {
        report.complete = true;
        report.queued = notify_cycle(store, db_version, owners, now())?;
    }
    Ok(report)
}

/// A matched job on its way to the recorder: its findings and verdict, or why it could not be matched.
struct Matched {
    job: Job,
    rows: Result<(Vec<FindingRow>, Option<Judgement>), Error>,
    at: i64,
}

#[derive(Default)]
struct Tally {
    done: usize,
    failed: usize,
    new: usize,
    fixed: usize,
    verdicts: usize,
    decisions_changed: usize,
}

/// Claims jobs until none is left and matches each, handing the results to the recorder. Stops at the first
/// store error, or when the recorder has stopped (its error is the pass's).
#[allow(clippy::too_many_arguments)]
fn match_jobs(
    store: &Store,
    db: &bulwark_vulndb::VulnDb,
    owners: Option<&Ownership>,
    worker: &str,
    lease_secs: i64,
    now: &dyn Fn() -> i64,
    to_recorder: &mpsc::SyncSender<Matched>,
    judge: Option<&Judge<'_>>,
) -> Result<(), Error> {
    loop {
        let jobs = store.claim_jobs(worker, now(), lease_secs, 8)?;
        if jobs.is_empty() {
            return Ok(());
        }
        for job in jobs {
            let rows = match finding_rows(store, db, owners, judge, &job.digest) {
                Err(Error::Store(e)) => return Err(Error::Store(e)),
                other => other,
            };
            let at = now();
            if to_recorder.send(Matched { job, rows, at }).is_err() {
                return Ok(());
            }
        }
    }
}

/// Records each matched job's findings and verdict (once: a re-run of the job writes no second one) and marks it
/// done, in one transaction; or marks it failed.
fn record(store: &Store, worker: &str, matched: &mpsc::Receiver<Matched>) -> Result<Tally, Error> {
    let mut tally = Tally::default();
    for m in matched {
        match m.rows {
            Ok((rows, judgement)) => {
                let diff = match judgement {
                    Some(j) => {
                        let decision = j.decision.clone();
                        let (diff, _, (written, previous)) = store
                            .apply_job_findings_with_verdict(
                                &m.job,
                                worker,
                                m.at,
                                &rows,
                                &verdict_record(&m.job, j, m.at),
                            )?;
                        if written {
                            tally.verdicts += 1;
                            if previous.is_some_and(|p| p != decision) {
                                tally.decisions_changed += 1;
                            }
                        }
                        diff
                    }
                    None => store.apply_job_findings(&m.job, worker, m.at, &rows)?.0,
                };
                tally.new += diff.new.len();
                tally.fixed += diff.fixed.len();
                tally.done += 1;
            }
            Err(e) => {
                store.fail_job(m.job.id, worker, m.at, &e.to_string())?;
                tally.failed += 1;
            }
        }
    }
    Ok(tally)
}

/// Matches the stored SBOM of `digest` against `db` and records the result (new, still open, fixed), each
/// finding routed to its owner. Idempotent for one DB version.
pub fn rematch_one(
    store: &Store,
    db: &bulwark_vulndb::VulnDb,
    owners: Option<&Ownership>,
    digest: &str,
    db_version: &str,
    now: i64,
) -> Result<Diff, Error> {
    let (rows, _) = finding_rows(store, db, owners, None, digest)?;
    Ok(store.apply_findings(digest, db_version, now, &rows)?)
}

fn verdict_record(job: &Job, j: Judgement, at: i64) -> bulwark_store::VerdictRecord {
    bulwark_store::VerdictRecord {
        digest: job.digest.clone(),
        workload: None,
        decision: j.decision,
        bundle_name: j.bundle_name,
        bundle_version: j.bundle_version,
        bundle_digest: j.bundle_digest,
        db_version: Some(job.db_version.clone()),
        verdict_json: j.verdict_json,
        created_at: at,
    }
}

/// The findings of the stored SBOM of `digest` against `db`, each routed to its owner; and with `judge`, the
/// policy's verdict on the image (the report the binary builds from the same SBOM and match result).
fn finding_rows(
    store: &Store,
    db: &bulwark_vulndb::VulnDb,
    owners: Option<&Ownership>,
    judge: Option<&Judge<'_>>,
    digest: &str,
) -> Result<(Vec<FindingRow>, Option<Judgement>), Error> {
    let sbom = store.sbom(digest)?.ok_or_else(|| Error::NoSbom {
        digest: digest.to_owned(),
    })?;
    let parsed = bulwark_sbom::parse_sbom(&sbom, digest)?;
    let result = bulwark_match::match_packages(
        db,
        &parsed.packages,
        parsed.distro.as_ref(),
        &bulwark_match::MatchOptions::default(),
    )
    .map_err(|source| Error::Match {
        digest: digest.to_owned(),
        source,
    })?;
    let image = store.image(digest)?;
    let reference = image.as_ref().and_then(|i| i.references.first().cloned());
    // Where it runs decides a route only when every placement agrees (one namespace).
    let placements = store.placements(&PlacementFilter {
        digest: Some(digest.to_owned()),
        ..PlacementFilter::default()
    })?;
    let mut namespaces: Vec<&str> = placements
        .iter()
        .map(|p| p.placement.namespace.as_str())
        .collect();
    namespaces.sort_unstable();
    namespaces.dedup();
    let namespace = match namespaces.as_slice() {
        [one] => Some(*one),
        _ => None,
    };
    let rows: Vec<FindingRow> = result
        .findings
        .iter()
        .map(|f| {
            let mut row = finding_row(f);
            if let Some(o) = owners {
                let layer = f.location.layer.as_deref();
                let cx = FindingContext {
                    purl: Some(row.purl.as_str()),
                    layer: layer.map(|l: &LayerRef| LayerContext::of(l, None)),
                    image: ImageContext {
                        reference: reference.as_deref(),
                        digest: Some(digest),
                        base_name: None,
                        base_digest: None,
                    },
                    workload: WorkloadContext {
                        namespace,
                        labels: None,
                        annotations: None,
                    },
                };
                if let Some(route) = bulwark_owners::route(o, &cx) {
                    row.owner_team = Some(route.team);
                    row.owner_rule = Some(route.rule.to_string());
                }
            }
            row
        })
        .collect();
    // The SBOM and the match result go to the policy function whole (no copy of thousands of packages).
    let judgement = judge
        .map(|j| {
            j(Rematched {
                digest,
                sbom: parsed,
                matched: result,
                db,
            })
            .map_err(|message| Error::Judge {
                digest: digest.to_owned(),
                message,
            })
        })
        .transpose()?;
    Ok((rows, judgement))
}

fn prop<'a>(f: &'a Finding, key: &str) -> Option<&'a str> {
    f.properties.get(key).and_then(serde_json::Value::as_str)
}

fn finding_row(f: &Finding) -> FindingRow {
    let layer = f.location.layer.as_deref();
    FindingRow {
        vuln_id: f.id.to_string(),
        purl: prop(f, "purl").unwrap_or_default().to_owned(),
        package_name: prop(f, "packageName").unwrap_or_default().to_owned(),
        package_version: prop(f, "installedVersion").unwrap_or_default().to_owned(),
        severity: f.severity,
        fixed_version: prop(f, "fixedVersion").map(str::to_owned),
        layer_index: layer.map(|l| i64::try_from(l.index).unwrap_or(i64::MAX)),
        layer_digest: layer.and_then(|l| l.digest.as_deref().map(str::to_owned)),
        layer_created_by: layer.and_then(|l| l.created_by.as_deref().map(str::to_owned)),
        owner_team: None,
        owner_rule: None,
    }
}

/// Queues the notifications of DB `db_version`: its changes (baselines left out) as events, one message per
/// team, once per channel of the team (`owners.yaml`), keyed `<message dedupe key>:<channel>` so a second call
/// queues nothing. Findings no rule routed go nowhere (give `owners.yaml` a `defaultTeam`). Returns how many were
/// queued.
pub fn notify_cycle(
    store: &Store,
    db_version: &str,
    owners: Option<&Ownership>,
    now: i64,
) -> Result<usize, Error> {
    let Some(owners) = owners else { return Ok(0) };
    let changes = store.changes(db_version)?;
    if changes.is_empty() {
        return Ok(0);
    }
    let mut placements_of: BTreeMap<String, Vec<bulwark_notify::Placement>> = BTreeMap::new();
    let mut refs_of: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut events = Vec::new();
    for c in changes {
        let f = c.finding;
        let Some(team) = f.owner_team.clone() else {
            continue;
        };
        if !placements_of.contains_key(&f.digest) {
            let list = store
                .placements(&PlacementFilter {
                    digest: Some(f.digest.clone()),
                    ..PlacementFilter::default()
                })?
                .into_iter()
                .map(|p| bulwark_notify::Placement {
                    cluster: Some(p.placement.cluster),
                    environment: p.placement.environment,
                    namespace: Some(p.placement.namespace),
                    workload_kind: Some(p.placement.workload_kind),
                    workload_name: Some(p.placement.workload_name),
                    container: Some(p.placement.container),
                })
                .collect();
            placements_of.insert(f.digest.clone(), list);
            let reference = store
                .image(&f.digest)?
                .and_then(|i| i.references.first().cloned());
            refs_of.insert(f.digest.clone(), reference);
        }
        events.push(Event {
            kind: match c.kind {
                ChangeKind::New => EventKind::New,
                ChangeKind::Fixed => EventKind::Fixed,
            },
            vulnerability: f.vuln_id.clone(),
            severity: f.severity,
            package: bulwark_notify::PackageRef {
                name: f.package_name.clone(),
                version: f.package_version.clone(),
                purl: f.purl.clone(),
            },
            fixed_version: f.fixed_version.clone(),
            image: ImageRef {
                reference: refs_of[&f.digest].clone().unwrap_or_default(),
                digest: f.digest.clone(),
            },
            layer: f.layer_index.map(|i| LayerInfo {
                index: u32::try_from(i).unwrap_or(0),
                digest: f.layer_digest.clone().unwrap_or_default(),
                created_by: f.layer_created_by.clone(),
            }),
            placements: placements_of[&f.digest].clone(),
            team,
            rule: f.owner_rule.clone().unwrap_or_default(),
            time: c.at,
        });
    }
    let mut queued = 0;
    for message in bulwark_notify::batch(events) {
        let Some(team) = owners.team(&message.team) else {
            continue;
        };
        let payload = serde_json::to_string(&message).unwrap_or_default();
        for channel in channels(&team.name, &team.channels)? {
            let label = channel.label();
            let key = format!("{}:{label}", message.dedupe_key);
            if store.enqueue(&team.name, &label, &key, &payload, now)? {
                queued += 1;
            }
        }
    }
    Ok(queued)
}

fn channels(team: &str, raw: &[serde_json::Value]) -> Result<Vec<ChannelConfig>, Error> {
    raw.iter()
        .map(|v| {
            serde_json::from_value::<ChannelConfig>(v.clone()).map_err(|e| Error::Channel {
                team: team.to_owned(),
                message: e.to_string(),
            })
        })
        .collect()
}

/// What one [`deliver_due`] pass did.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryReport {
    pub delivered: usize,
    pub retried: usize,
    pub failed: usize,
    /// Failures and retry reasons, one line each (`team/channel: reason`).
    pub problems: Vec<String>,
}

/// Delivers the notifications that are due (claimed with a lease, so two replicas never send the same one at
/// once, and one left by a crashed worker is taken over when its lease expires), each rendered for its channel
/// from the team's current configuration, and records the outcome: delivered, retry at a time (429
/// `Retry-After`, backoff), or failed.
pub fn deliver_due(
    store: &Store,
    notifier: &Notifier,
    owners: &Ownership,
    worker: &str,
    lease_secs: i64,
    now: &dyn Fn() -> i64,
) -> Result<DeliveryReport, Error> {
    let mut report = DeliveryReport::default();
    loop {
        let due = store.claim_notifications(worker, now(), lease_secs, 16)?;
        if due.is_empty() {
            break;
        }
        for n in due {
            let place = format!("{}/{}", n.team, n.channel);
            let channel = owners
                .team(&n.team)
                .map(|t| channels(&t.name, &t.channels))
                .transpose()?
                .and_then(|list| list.into_iter().find(|c| c.label() == n.channel));
            let Some(channel) = channel else {
                let e = "the channel is no longer in owners.yaml";
                store.fail(n.id, worker, e)?;
                report.failed += 1;
                report.problems.push(format!("{place}: {e}"));
                continue;
            };
            let message: Message = match serde_json::from_str(&n.payload) {
                Ok(m) => m,
                Err(e) => {
                    store.fail(n.id, worker, &format!("unreadable payload: {e}"))?;
                    report.failed += 1;
                    continue;
                }
            };
            let outcome = match bulwark_notify::render(&channel, &message) {
                Ok(payload) => {
                    notifier.deliver(&channel, &payload, u32::try_from(n.attempts).unwrap_or(1))
                }
                Err(e) => Outcome::Failed {
                    error: e.to_string(),
                },
            };
            match outcome {
                Outcome::Delivered => {
                    store.mark_delivered(n.id, worker, now())?;
                    report.delivered += 1;
                }
                Outcome::Retry { after, reason } => {
                    let at = now()
                        + i64::try_from(after.as_secs())
                            .unwrap_or(i64::MAX / 2)
                            .max(1);
                    store.retry_at(n.id, worker, at, &reason)?;
                    report.retried += 1;
                    report.problems.push(format!("{place}: retry: {reason}"));
                }
                Outcome::Failed { error } => {
                    store.fail(n.id, worker, &error)?;
                    report.failed += 1;
                    report.problems.push(format!("{place}: {error}"));
                }
            }
        }
        // Retries are due later: one pass sends what is due now.
        if report.retried > 0 {
            break;
        }
    }
    Ok(report)
}
