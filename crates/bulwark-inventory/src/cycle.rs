//! Re-matching cycles and their notifications.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::mpsc;

use bulwark_notify::{
    ChannelConfig, Event, EventKind, ImageRef, LayerInfo, Message, Notifier, Outcome,
};
use bulwark_owners::{FindingContext, ImageContext, LayerContext, Ownership, WorkloadContext};
use bulwark_store::{ChangeKind, CyclePlan, Diff, FindingRow, Job, PlacementFilter, Store};
use bulwark_types::{Finding, LayerRef};
use bulwark_vulndb::{DbDigest, Delta};
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
    /// How the version's cycle was planned (by whichever replica planned it): `incremental` (only images the
    /// DB delta touches are matched, the others carried) or `full`.
    pub mode: String,
    /// Images the cycle's plan matched (jobs) and carried forward unchanged.
    pub images_matched: usize,
    pub images_carried: usize,
    /// A newer DB version superseded this one before it completed: its jobs are gone and it is not notified.
    pub superseded_by: Option<String>,
    /// Verdicts this worker's jobs recorded (with a policy), and how many of them changed the image's decision
    /// from its previous verdict (pass → fail, fail → pass…).
    pub verdicts: usize,
    pub decisions_changed: usize,
}

/// Above this share of the new DB's package names changed, a delta is not worth it: the cycle matches in full.
const DELTA_MAX_SHARE: (usize, usize) = (1, 2);

/// One re-matching pass over the store for DB `db_version`: plans the version's cycle (once per version,
/// whoever comes first; [`plan`]): a job per stored SBOM the DB delta touches, or per stored SBOM when the
/// delta is unknown or too large, the other images' findings carried forward; does jobs of this version until
/// none is left to claim, and when every job of the version is done, queues the version's notifications. Safe to run on several replicas at once: each job is done by one of
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
    if store.cycle(db_version)?.is_none() {
        report.queued += catch_up(store, db, owners, now())?;
        let plan = plan(store, db, db_version)?;
        store.plan_cycle(&plan, now())?;
    } else {
        // Images stored since the plan, never matched: their first match (a baseline).
        let unmatched: Vec<String> = store
            .image_versions()?
            .into_iter()
            .filter(|(_, v)| v.is_none())
            .map(|(d, _)| d)
            .collect();
        if !unmatched.is_empty() {
            store.create_jobs(db_version, &unmatched, now())?;
        }
    }
    let cycle = store.cycle(db_version)?.unwrap_or_default();
    report.mode.clone_from(&cycle.mode);
    report.images_matched = usize::try_from(cycle.matched).unwrap_or(0);
    report.images_carried = usize::try_from(cycle.carried).unwrap_or(0);
    report.superseded_by.clone_from(&cycle.superseded_by);
    if report.superseded_by.is_some() {
        return Ok(report);
    }
    // Matching is CPU work on this thread (the DB connection stays here); recording a result is store work
    // (round trips to PostgreSQL, page writes on SQLite). A second thread records job k while this one matches
    // job k + 1, so the two overlap instead of adding up.
    let (to_recorder, matched) = mpsc::sync_channel::<Matched>(4);
    let (claimed, recorded) = std::thread::scope(|s| {
        let recorder = s.spawn(move || record(store, worker, &matched));
        let claimed = match_jobs(
            store,
            db,
            db_version,
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
    // Superseded while this pass ran: the newer version's cycle notifies this one's changes.
    let superseded = store
        .cycle(db_version)?
        .is_some_and(|c| c.superseded_by.is_some());
    if counts.pending == 0 && counts.running == 0 && !superseded {
        report.complete = true;
        report.queued += notify_cycle(store, db_version, owners, now())?;
    }
    Ok(report)
}

/// The plan of DB `db_version`'s cycle. Each image's findings reflect the DB it was last matched against (its
/// base); the delta from that DB to this one is computed from the digest kept of each DB in the store
/// ([`DbDigest`]). An image is matched when its base is unknown (never matched, or no digest kept), when the
/// delta from its base is too large (more than half of the package names), or when one of its packages or open findings' vulnerabilities is in the delta; otherwise it is
/// carried forward. The mode is `incremental` when any image could be judged by a delta.
fn plan(store: &Store, db: &bulwark_vulndb::VulnDb, db_version: &str) -> Result<CyclePlan, Error> {
    let images = store.image_versions()?;
    // A DB that cannot be read whole cannot be diffed: every image is matched (and a broken DB fails there).
    let digest = db.digest().ok();
    let mut deltas: HashMap<String, Option<Delta>> = HashMap::new();
    for (_, base) in &images {
        let Some(base) = base.as_deref().filter(|b| *b != db_version) else {
            continue;
        };
        if deltas.contains_key(base) {
            continue;
        }
        let delta = match &digest {
            Some(new) => store
                .db_digest(base)?
                .and_then(|b| DbDigest::from_bytes(&b))
                .map(|old| old.delta(new))
                // A namespace added or dropped needs no full re-match: which namespaces exist only decides
                // whether a package is looked up at all, and every rule of such a namespace is in the delta.
                .filter(|d| {
                    d.packages.len() * DELTA_MAX_SHARE.1 <= d.package_total * DELTA_MAX_SHARE.0
                }),
            None => None,
        };
        deltas.insert(base.to_owned(), delta);
    }
    let base_of: HashMap<&str, &Delta> = images
        .iter()
        .filter_map(|(d, b)| Some((d.as_str(), deltas.get(b.as_deref()?)?.as_ref()?)))
        .collect();
    let mut touched: HashSet<String> = HashSet::new();
    if !base_of.is_empty() {
        for (d, name, purl) in store.package_names()? {
            if let Some(delta) = base_of.get(d.as_str())
                && !touched.contains(&d)
                && lookup_names(&name, &purl)
                    .iter()
                    .any(|n| delta.touches_package(n))
            {
                touched.insert(d);
            }
        }
        for (d, vuln) in store.open_vuln_ids()? {
            if let Some(delta) = base_of.get(d.as_str())
                && delta.touches_vuln(&vuln)
            {
                touched.insert(d);
            }
        }
    }
    // An image with another version's job running may be rewritten by it: matched, not carried.
    touched.extend(store.running_job_digests(db_version)?);
    let judged: HashSet<String> = base_of.keys().map(|d| (*d).to_owned()).collect();
    let mut plan = CyclePlan {
        db_version: db_version.to_owned(),
        built_at: i64::try_from(db.meta().built_at).unwrap_or(i64::MAX),
        mode: if judged.is_empty() {
            "full"
        } else {
            "incremental"
        }
        .to_owned(),
        digest: digest.map(|d| d.to_bytes()),
        ..CyclePlan::default()
    };
    for (d, base) in images {
        match base {
            // Already matched against this very DB (pushed with it): nothing to redo, only the bookkeeping a
            // job would do.
            Some(b) if b == db_version && !touched.contains(&d) => plan.carried.push((d, b)),
            Some(b) if judged.contains(&d) && !touched.contains(&d) => {
                plan.carried.push((d, b));
            }
            _ => plan.jobs.push(d),
        }
    }
    Ok(plan)
}

/// Every name the matcher may look a stored package up under, loosely (more is harmless): its name, and its
/// source package from the purl's `upstream` qualifier (percent-decoded; `name`, `name@version`, or a source
/// RPM file name, of which each `-`-separated prefix is taken).
///
/// Bounded whatever the purl (it comes from a pushed SBOM): at most [`MAX_UPSTREAMS`] qualifiers are read, a
/// source name longer than [`MAX_SOURCE_NAME`] bytes is no package name and is skipped, and at most
/// [`MAX_PREFIXES`] prefixes are taken from each, so the output is linear in the input (a name of 100,000
/// dashes would otherwise give 100,000 prefixes of up to 100,000 bytes each).
#[must_use]
pub fn lookup_names(name: &str, purl: &str) -> Vec<String> {
    let mut out = vec![name.to_owned()];
    let query = purl
        .split_once('?')
        .map_or("", |(_, q)| q.split('#').next().unwrap_or(""));
    for v in query
        .split('&')
        .filter_map(|kv| kv.strip_prefix("upstream="))
        .take(MAX_UPSTREAMS)
    {
        if v.len() > 3 * MAX_SOURCE_NAME {
            continue;
        }
        let v = percent_decode(v);
        let v = v.split('@').next().unwrap_or("");
        if v.is_empty() || v.len() > MAX_SOURCE_NAME {
            continue;
        }
        out.extend(
            v.match_indices('-')
                .take(MAX_PREFIXES)
                .map(|(i, _)| v[..i].to_owned()),
        );
        out.push(v.to_owned());
    }
    out
}

/// `upstream` qualifiers read from one purl.
pub const MAX_UPSTREAMS: usize = 4;
/// The longest source package name (decoded) looked up; no distribution's names come near it.
pub const MAX_SOURCE_NAME: usize = 256;
/// `-`-separated prefixes taken from one source name.
pub const MAX_PREFIXES: usize = 16;

/// `%XX` escapes decoded (a malformed one is kept as written; bytes that are not UTF-8 become U+FFFD).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| char::from(c).to_digit(16);
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Before a new version is planned: the previous version, if all its jobs are done, is notified. A process that
/// died between that version's last job and its `notify_cycle` left its changes unqueued, and the new plan does
/// not supersede a version with no open job, so nothing else would ever send them. Queuing is idempotent (the
/// dedupe key is the team and the findings' fingerprints, and queued rows are kept), so a version notified
/// already queues nothing. A previous version with jobs still open is superseded by the plan instead, and its
/// changes go out with the new version's.
fn catch_up(
    store: &Store,
    db: &bulwark_vulndb::VulnDb,
    owners: Option<&Ownership>,
    now: i64,
) -> Result<usize, Error> {
    let built_at = i64::try_from(db.meta().built_at).unwrap_or(i64::MAX);
    let Some(previous) = store.previous_cycle(built_at)? else {
        return Ok(0);
    };
    let counts = store.job_counts(&previous)?;
    if counts.pending > 0 || counts.running > 0 {
        return Ok(0);
    }
    notify_cycle(store, &previous, owners, now)
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
    db_version: &str,
    owners: Option<&Ownership>,
    worker: &str,
    lease_secs: i64,
    now: &dyn Fn() -> i64,
    to_recorder: &mpsc::SyncSender<Matched>,
    judge: Option<&Judge<'_>>,
) -> Result<(), Error> {
    loop {
        let jobs = store.claim_jobs(worker, db_version, now(), lease_secs, 8)?;
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
    let (reference, namespace) = routing_context(store, digest)?;
    let rows: Vec<FindingRow> = result
        .findings
        .iter()
        .map(|f| {
            let mut row = finding_row(f);
            if let Some(o) = owners
                && let Some(route) = route_of(
                    o,
                    &row.purl,
                    f.location.layer.as_deref(),
                    reference.as_deref(),
                    digest,
                    namespace.as_deref(),
                )
            {
                row.owner_team = Some(route.0);
                row.owner_rule = Some(route.1);
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

/// What routes an image's findings besides the finding itself: the image's first reference, and the namespace
/// it runs in when every placement agrees (one namespace).
fn routing_context(store: &Store, digest: &str) -> Result<(Option<String>, Option<String>), Error> {
    let image = store.image(digest)?;
    let reference = image.and_then(|i| i.references.into_iter().next());
    let placements = store.placements(&PlacementFilter {
        digest: Some(digest.to_owned()),
        ..PlacementFilter::default()
    })?;
    let mut namespaces: Vec<String> = placements
        .into_iter()
        .map(|p| p.placement.namespace)
        .collect();
    namespaces.sort_unstable();
    namespaces.dedup();
    let namespace = match namespaces.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    };
    Ok((reference, namespace))
}

/// The team and the rule (`file:line`) that own a finding, by `owners.yaml`.
fn route_of(
    owners: &Ownership,
    purl: &str,
    layer: Option<&LayerRef>,
    reference: Option<&str>,
    digest: &str,
    namespace: Option<&str>,
) -> Option<(String, String)> {
    let cx = FindingContext {
        purl: Some(purl),
        layer: layer.map(|l| LayerContext::of(l, None)),
        image: ImageContext {
            reference,
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
    bulwark_owners::route(owners, &cx).map(|r| (r.team, r.rule.to_string()))
}

/// Routes every open finding again with `owners` (an `owners.yaml` that changed, placements that moved) without
/// matching anything, and records the new owner where it differs. Findings are routed when an image is
/// matched; an image an incremental cycle carries forward is not matched, so without this its findings would
/// keep the routing of the `owners.yaml` of their last match. Returns how many findings changed owner.
pub fn reroute(store: &Store, owners: &Ownership) -> Result<usize, Error> {
    let mut changed = 0;
    for (digest, _) in store.image_versions()? {
        let open = store.findings(&digest, true)?;
        if open.is_empty() {
            continue;
        }
        let (reference, namespace) = routing_context(store, &digest)?;
        for f in open {
            let layer = f.layer_index.map(|i| LayerRef {
                index: usize::try_from(i).unwrap_or(usize::MAX),
                digest: f.layer_digest.as_deref().map(std::sync::Arc::from),
                diff_id: None,
                created_by: f.layer_created_by.as_deref().map(std::sync::Arc::from),
            });
            let route = route_of(
                owners,
                &f.purl,
                layer.as_ref(),
                reference.as_deref(),
                &digest,
                namespace.as_deref(),
            );
            let (team, rule) = route.map_or((None, None), |(t, r)| (Some(t), Some(r)));
            if team != f.owner_team || rule != f.owner_rule {
                store.set_owner(f.id, team.as_deref(), rule.as_deref())?;
                changed += 1;
            }
        }
    }
    Ok(changed)
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
        details: finding_details(f),
    }
}

/// The properties of a match that risk in context reads (`bulwark-risk`), and the title, as one JSON object:
/// what the store keeps of a finding beyond its row. Bounded: the title is cut at 512 characters, CWEs at 16.
fn finding_details(f: &Finding) -> Option<String> {
    const KEYS: [&str; 9] = [
        "cvssScore",
        "cvssVector",
        "epss",
        "epssPercentile",
        "kev",
        "kevDateAdded",
        "fixedDate",
        "published",
        "status",
    ];
    let mut m = serde_json::Map::new();
    let title: String = f.title.chars().take(512).collect();
    if !title.is_empty() {
        m.insert("title".into(), serde_json::Value::String(title));
    }
    for k in KEYS {
        if let Some(v) = f.property(k) {
            m.insert(k.into(), v.clone());
        }
    }
    if let Some(serde_json::Value::Array(cwes)) = f.property("cwes") {
        m.insert(
            "cwes".into(),
            serde_json::Value::Array(cwes.iter().take(16).cloned().collect()),
        );
    }
    serde_json::to_string(&m).ok()
}

/// Queues the notifications of DB `db_version`: its changes and those of the versions it superseded
/// (baselines left out) as events, one message per
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
    // The changes of versions this one superseded were never notified: they go out with this version's.
    let mut changes = Vec::new();
    for v in store.superseded_versions(db_version)? {
        changes.extend(store.changes(&v)?);
    }
    changes.extend(store.changes(db_version)?);
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

#[cfg(test)]
mod tests {
    use super::lookup_names;

    fn names(name: &str, purl: &str) -> Vec<String> {
        lookup_names(name, purl)
    }

    #[test]
    fn lookup_names_include_the_source_package() {
        // purl spec: qualifier values are percent-encoded; `upstream` is the source package, with a version
        // (`@`) for deb as bulwark-sbom writes it.
        let deb = names(
            "libsasl2-2",
            "pkg:deb/debian/libsasl2-2@2.1.28%2Bdfsg-10?arch=amd64&upstream=cyrus-sasl2%402.1.28%2Bdfsg-10&distro=debian-12",
        );
        assert!(deb.contains(&"libsasl2-2".to_owned()));
        assert!(deb.contains(&"cyrus-sasl2".to_owned()), "{deb:?}");
        let rpm = names(
            "openssl-libs",
            "pkg:rpm/almalinux/openssl-libs@3.0.7-27.el9?arch=x86_64&upstream=openssl-3.0.7-27.el9.src.rpm",
        );
        assert!(rpm.contains(&"openssl".to_owned()), "{rpm:?}");
        assert_eq!(
            names("requests", "pkg:pypi/requests@2.19.0"),
            vec!["requests"]
        );
        assert_eq!(names("x", "pkg:deb/debian/x@1?upstream="), vec!["x"]);
        let plus = names(
            "libxml++2.6-2v5",
            "pkg:deb/debian/libxml++2.6-2v5@2.40?upstream=libxml%2B%2B2.6%402.40",
        );
        assert!(plus.contains(&"libxml++2.6".to_owned()), "{plus:?}");
        // Hostile purls stay linear: 100,000 dashes give 16 prefixes; an over-long name is skipped.
        let dashes = format!("pkg:rpm/x/y@1?upstream=a{}", "-b".repeat(100_000));
        assert_eq!(names("y", &dashes), vec!["y"]);
        let many = format!("pkg:rpm/x/y@1?upstream={}", "a-".repeat(100));
        let got = names("y", &many);
        assert_eq!(got.len(), 1 + super::MAX_PREFIXES + 1, "{got:?}");
        let repeated = format!("pkg:rpm/x/y@1?{}", "upstream=a-b&".repeat(1000));
        assert_eq!(names("y", &repeated).len(), 1 + 2 * super::MAX_UPSTREAMS);
        assert_eq!(super::percent_decode("a%2"), "a%2");
        assert_eq!(super::percent_decode("%zz%41"), "%zzA");
    }
}
