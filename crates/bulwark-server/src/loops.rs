//! The run stage's loops (issue #15), on every replica, sharing their work through the store:
//!
//! - **rescan** (every [`LoopsConfig::rescan_every`]): reads the DB file's version; when the version has not
//!   completed a cycle here, when it still has jobs to do (another replica's expired leases), or when stored
//!   SBOMs have no job for it (pushed without a DB: their baseline), runs `bulwark_inventory::rescan`, which
//!   shares the jobs through the store's leases and queues the cycle's notifications once every job is done. A
//!   DB file replaced by a rename is picked up on the next tick; a file that cannot be opened or fails SQLite's
//!   integrity check is logged (`rescan-failed`) and leaves the inventory as it is (the previous good DB stays in
//!   use for unfinished work). With [`LoopsConfig::judge`] (the binary's policy function) every re-matched image
//!   also gets a verdict, stored once per digest, DB version and bundle digest.
//! - **delivery** (every [`LoopsConfig::deliver_every`], and at once when a cycle queued something):
//!   `bulwark_inventory::deliver_due` under this replica's worker name.
//! - **db update** (optional, every [`LoopsConfig::db_update_every`]): the binary's [`DbUpdate`] fetches a new DB
//!   file the way `bulwark db update` does; the rescan loop then sees the new file.
//!
//! `owners.yaml` is read again when the file changes (a ConfigMap `..data` swap too); a bad new file keeps the
//! previous one and is logged once. The work runs on tokio's blocking pool with one `Store` per loop, opened
//! again after an error.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use bulwark_owners::Ownership;
use bulwark_store::Store;
use bulwark_vulndb::VulnDb;
use serde_json::json;
use tokio::sync::Notify;

use crate::{State, log};

/// Fetches a DB update into the DB file (atomically: a rename), as `bulwark db update` does. `Ok(Some(what))`
/// when a new file was installed (`what` describes it, for the log), `Ok(None)` when the DB was current,
/// `Err(why)` when the update failed (the DB file is left as it was). Called on the blocking pool.
pub type DbUpdate = Arc<dyn Fn() -> Result<Option<String>, String> + Send + Sync>;

/// The policy function of the binary (`Policy::judge`, the one the CLI and the webhook call), judging each
/// re-matched image; its verdict is stored with the job (see `bulwark_inventory::Judge`).
pub type RescanJudge = Arc<
    dyn Fn(bulwark_inventory::Rematched<'_>) -> Result<bulwark_inventory::Judgement, String>
        + Send
        + Sync,
>;

/// The loops' settings.
#[derive(Clone)]
pub struct LoopsConfig {
    /// The vulnerability DB file stored SBOMs are matched against.
    pub vuln_db: PathBuf,
    /// `owners.yaml`: routes findings to teams and holds their channels. Without it nothing is routed or sent.
    pub owners: Option<PathBuf>,
    pub rescan_every: Duration,
    pub deliver_every: Duration,
    /// How long a claimed job or notification stays this replica's before another may take it over.
    pub lease_secs: i64,
    /// Fetches DB updates inside the server, every [`LoopsConfig::db_update_every`].
    pub db_update: Option<DbUpdate>,
    pub db_update_every: Duration,
    /// Judges every re-matched image (a verdict per digest, DB version and bundle); `None`: no verdicts.
    pub judge: Option<RescanJudge>,
}

impl Default for LoopsConfig {
    fn default() -> Self {
        Self {
            vuln_db: bulwark_vulndb::default_db_path(),
            owners: None,
            rescan_every: Duration::from_secs(30),
            deliver_every: Duration::from_secs(5),
            lease_secs: 120,
            db_update: None,
            db_update_every: Duration::from_hours(1),
            judge: None,
        }
    }
}

impl std::fmt::Debug for LoopsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoopsConfig")
            .field("vuln_db", &self.vuln_db)
            .field("owners", &self.owners)
            .field("rescan_every", &self.rescan_every)
            .field("deliver_every", &self.deliver_every)
            .field("lease_secs", &self.lease_secs)
            .field("db_update", &self.db_update.is_some())
            .field("db_update_every", &self.db_update_every)
            .field("judge", &self.judge.is_some())
            .finish()
    }
}

/// Starts the loops of the run stage, when the server has one.
pub(crate) fn spawn(state: &Arc<State>) -> Vec<tokio::task::JoinHandle<()>> {
    let Some(run) = &state.config.run else {
        return Vec::new();
    };
    ENABLED.store(true, Ordering::Relaxed);
    let cfg = run.loops.clone();
    let owners = cfg
        .owners
        .clone()
        .map(|p| Arc::new(Mutex::new(OwnersFile::new(p))));
    let wake_delivery = Arc::new(Notify::new());
    let wake_rescan = Arc::new(Notify::new());
    let mut handles = Vec::new();

    let rescanner = Arc::new(Mutex::new(Rescanner {
        path: cfg.vuln_db.clone(),
        worker: run.worker.clone(),
        location: run.store.clone(),
        lease_secs: cfg.lease_secs,
        store: None,
        owners: owners.clone(),
        db: None,
        refused: None,
        done: None,
        last_error: None,
        wake_delivery: wake_delivery.clone(),
        judge: cfg.judge.clone(),
        routed_with: None,
    }));
    handles.push(tokio::spawn(every(
        cfg.rescan_every,
        Some(wake_rescan.clone()),
        "rescan",
        move || lock(&rescanner).tick(),
    )));

    if let Some(owners) = owners {
        let deliverer = Arc::new(Mutex::new(Deliverer {
            worker: run.worker.clone(),
            location: run.store.clone(),
            lease_secs: cfg.lease_secs,
            store: None,
            owners,
            notifier: bulwark_notify::Notifier::new(),
            last_error: None,
        }));
        handles.push(tokio::spawn(every(
            cfg.deliver_every,
            Some(wake_delivery),
            "delivery",
            move || lock(&deliverer).tick(),
        )));
    }

    if let Some(update) = cfg.db_update.clone() {
        let path = cfg.vuln_db.clone();
        handles.push(tokio::spawn(every(
            cfg.db_update_every,
            None,
            "db-update",
            move || match update() {
                Ok(Some(what)) => {
                    C.db_updates.fetch_add(1, Ordering::Relaxed);
                    log(json!({"level": "info", "event": "db-updated", "dbFile": path.display().to_string(), "update": what}));
                    wake_rescan.notify_one();
                }
                Ok(None) => {}
                Err(e) => {
                    C.db_update_failures.fetch_add(1, Ordering::Relaxed);
                    log(json!({"level": "error", "event": "db-update-failed", "dbFile": path.display().to_string(), "error": e}));
                }
            },
        )));
    }
    handles
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `work` on the blocking pool at once, then every `period` (or when `wake` is notified), one run at a
/// time: a run longer than the period delays the next tick instead of piling runs up.
async fn every(
    period: Duration,
    wake: Option<Arc<Notify>>,
    name: &'static str,
    work: impl Fn() + Send + Sync + 'static,
) {
    let work = Arc::new(work);
    let mut tick = tokio::time::interval(period.max(Duration::from_millis(10)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        match &wake {
            Some(w) => {
                tokio::select! {
                    _ = tick.tick() => {}
                    () = w.notified() => {}
                }
            }
            None => {
                tick.tick().await;
            }
        }
        let w = work.clone();
        if tokio::task::spawn_blocking(move || w()).await.is_err() {
            log(
                json!({"level": "error", "event": "loop-panicked", "loop": name, "reason": "a bug: the loop goes on at the next tick"}),
            );
        }
    }
}

// ------------------------------------------------------------------------------------------------ files

/// What tells one version of a file from the next: a rename gives a new inode, an edit a new size or time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileKey {
    ino: u64,
    len: u64,
    modified: Option<SystemTime>,
}

fn file_key(path: &Path) -> std::io::Result<FileKey> {
    let m = std::fs::metadata(path)?;
    #[cfg(unix)]
    let ino = std::os::unix::fs::MetadataExt::ino(&m);
    #[cfg(not(unix))]
    let ino = 0;
    Ok(FileKey {
        ino,
        len: m.len(),
        modified: m.modified().ok(),
    })
}

/// `owners.yaml`, read again when it changes; a file that does not load keeps the previous one.
struct OwnersFile {
    path: PathBuf,
    /// The file version last read (loaded or refused).
    key: Option<FileKey>,
    current: Option<Arc<Ownership>>,
}

impl OwnersFile {
    fn new(path: PathBuf) -> Self {
        Self {
            path,
            key: None,
            current: None,
        }
    }

    fn current(&mut self) -> Option<Arc<Ownership>> {
        let key = file_key(&self.path).ok();
        if key.is_some() && key != self.key {
            self.key = key;
            let file = self.path.display().to_string();
            match bulwark_owners::load(&self.path) {
                Ok(o) => {
                    if self.current.is_some() {
                        log(json!({"level": "info", "event": "owners-reloaded", "file": file}));
                    }
                    self.current = Some(Arc::new(o));
                }
                Err(e) => {
                    C.owners_failures.fetch_add(1, Ordering::Relaxed);
                    let keeping = if self.current.is_some() {
                        "the previous owners.yaml"
                    } else {
                        "nothing: no owners.yaml has loaded yet"
                    };
                    log(
                        json!({"level": "error", "event": "owners-reload-failed", "file": file,
                        "error": e.to_string(), "keeping": keeping}),
                    );
                }
            }
        } else if key.is_none() && self.key.is_some() {
            // Gone (a ConfigMap swap in progress): keep what was loaded; read it again when it is back.
            self.key = None;
        }
        self.current.clone()
    }
}

/// Logs `line` unless the same error was the last one logged (a broken store or DB logs once, not every tick).
fn log_once(last: &mut Option<String>, event: &str, error: String, extra: serde_json::Value) {
    if last.as_deref() == Some(error.as_str()) {
        return;
    }
    let mut line = json!({"level": "error", "event": event, "error": error});
    if let (Some(map), serde_json::Value::Object(more)) = (line.as_object_mut(), extra) {
        map.extend(more);
    }
    log(line);
    *last = Some(error);
}

fn open_store<'a>(
    slot: &'a mut Option<Store>,
    location: &str,
) -> Result<&'a Store, bulwark_store::Error> {
    if slot.is_none() {
        *slot = Some(Store::open(location)?);
    }
    Ok(slot.as_ref().expect("just opened"))
}

// ------------------------------------------------------------------------------------------------ rescan

struct OpenDb {
    key: FileKey,
    db: VulnDb,
    version: String,
}

struct Rescanner {
    path: PathBuf,
    worker: String,
    location: String,
    lease_secs: i64,
    store: Option<Store>,
    owners: Option<Arc<Mutex<OwnersFile>>>,
    /// The last DB file that opened and passed the integrity check.
    db: Option<OpenDb>,
    /// A DB file version that was refused (logged once).
    refused: Option<FileKey>,
    /// The DB version whose cycle completed here (its notifications are queued).
    done: Option<String>,
    last_error: Option<String>,
    wake_delivery: Arc<Notify>,
    judge: Option<RescanJudge>,
    /// The `owners.yaml` every open finding was last routed with (see [`bulwark_inventory::reroute`]).
    routed_with: Option<Arc<Ownership>>,
}

/// Opens a DB file and checks every page (a half-written or corrupt file is refused before any job exists for
/// it), then reads its version.
fn open_checked(path: &Path) -> Result<(VulnDb, String), String> {
    let db = VulnDb::open(path).map_err(|e| e.to_string())?;
    db.verify().map_err(|e| e.to_string())?;
    let version = bulwark_inventory::db_version(&db).map_err(|e| e.to_string())?;
    Ok((db, version))
}

impl Rescanner {
    fn failed(&mut self, error: String) {
        if self.last_error.as_deref() != Some(error.as_str()) {
            C.rescan_failures.fetch_add(1, Ordering::Relaxed);
        }
        let extra = json!({
            "dbFile": self.path.display().to_string(),
            "keeping": self.db.as_ref().map(|d| d.version.clone()),
        });
        log_once(&mut self.last_error, "rescan-failed", error, extra);
    }

    /// Picks up a new DB file: opened and checked, its version read, and the file still the same one afterwards
    /// (a rename half-way is seen at the next tick).
    fn refresh_db(&mut self) {
        let key = match file_key(&self.path) {
            Ok(k) => k,
            Err(e) => {
                let msg = format!(
                    "cannot read the vulnerability DB {}: {e}",
                    self.path.display()
                );
                self.failed(msg);
                return;
            }
        };
        if self.db.as_ref().is_some_and(|d| d.key == key) || self.refused == Some(key) {
            return;
        }
        match open_checked(&self.path) {
            Ok((db, version)) => {
                if file_key(&self.path).ok() != Some(key) {
                    return;
                }
                log(
                    json!({"level": "info", "event": "vuln-db-loaded", "dbFile": self.path.display().to_string(),
                    "dbVersion": version, "builtAt": db.meta().built_at}),
                );
                self.db = Some(OpenDb { key, db, version });
                self.refused = None;
            }
            Err(e) => {
                self.refused = Some(key);
                self.failed(e);
            }
        }
    }

    fn tick(&mut self) {
        let owners = match &self.owners {
            Some(o) => {
                let current = lock(o).current();
                if current.is_none() {
                    // Matching without owners would record unrouted findings and queue nothing for the cycle.
                    self.failed("owners.yaml has not loaded: re-matching waits for it".into());
                    return;
                }
                current
            }
            None => None,
        };
        self.refresh_db();
        let Some(db) = &self.db else { return };
        let version = db.version.clone();
        let store = match open_store(&mut self.store, &self.location) {
            Ok(s) => s,
            Err(e) => {
                let msg = format!("cannot open the store: {e}");
                self.failed(msg);
                return;
            }
        };
        // An owners.yaml that changed (or the first one this process loaded) routes the open findings again:
        // images an incremental cycle carries forward are not matched, and would keep the old routing.
        if let Some(o) = &owners
            && !self.routed_with.as_ref().is_some_and(|r| Arc::ptr_eq(r, o))
        {
            match bulwark_inventory::reroute(store, o) {
                Ok(n) => {
                    if n > 0 {
                        log(json!({"level": "info", "event": "rerouted", "findings": n}));
                    }
                    self.routed_with = Some(o.clone());
                }
                Err(e) => {
                    self.store = None;
                    self.failed(format!("re-routing the open findings: {e}"));
                    return;
                }
            }
        }
        let needed = (|| -> Result<bool, bulwark_store::Error> {
            if self.done.as_deref() != Some(version.as_str()) {
                return Ok(true);
            }
            let c = store.job_counts(&version)?;
            if c.pending + c.running > 0 {
                return Ok(true);
            }
            let with_sbom = i64::try_from(store.digests_with_sbom()?.len()).unwrap_or(i64::MAX);
            Ok(with_sbom
                > c.pending
                    + c.running
                    + c.done
                    + c.failed
                    + store.cycle(&version)?.map_or(0, |c| c.carried))
        })();
        match needed {
            Ok(false) => return,
            Ok(true) => {}
            Err(e) => {
                self.store = None;
                self.failed(format!("store: {e}"));
                return;
            }
        }
        let started = Instant::now();
        let result = bulwark_inventory::rescan(
            store,
            &db.db,
            &version,
            owners.as_deref(),
            &self.worker,
            self.lease_secs,
            &bulwark_inventory::now,
            self.judge
                .as_deref()
                .map(|j| j as &bulwark_inventory::Judge<'_>),
        );
        let seconds = started.elapsed().as_secs_f64();
        match result {
            Ok(r) => {
                self.last_error = None;
                let first_completion = r.complete && self.done.as_deref() != Some(version.as_str());
                if r.jobs_done + r.jobs_failed + r.queued > 0 || first_completion {
                    C.cycles.fetch_add(1, Ordering::Relaxed);
                    C.jobs_done.fetch_add(r.jobs_done as u64, Ordering::Relaxed);
                    C.jobs_failed
                        .fetch_add(r.jobs_failed as u64, Ordering::Relaxed);
                    C.new.fetch_add(r.new as u64, Ordering::Relaxed);
                    C.fixed.fetch_add(r.fixed as u64, Ordering::Relaxed);
                    C.queued.fetch_add(r.queued as u64, Ordering::Relaxed);
                    C.rescan_us.fetch_add(
                        u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
                        Ordering::Relaxed,
                    );
                    log(
                        json!({"level": "info", "event": "rescan", "dbVersion": version,
                        "worker": self.worker, "jobsDone": r.jobs_done, "jobsFailed": r.jobs_failed,
                        "new": r.new, "fixed": r.fixed, "complete": r.complete, "queued": r.queued,
                        "verdicts": r.verdicts, "decisionsChanged": r.decisions_changed,
                        "seconds": seconds}),
                    );
                }
                if r.complete {
                    self.done = Some(version);
                }
                if r.queued > 0 {
                    self.wake_delivery.notify_one();
                }
            }
            Err(e) => {
                if matches!(e, bulwark_inventory::Error::Store(_)) {
                    self.store = None;
                }
                self.failed(format!("re-matching {version}: {e}"));
            }
        }
    }
}

// ------------------------------------------------------------------------------------------------ delivery

struct Deliverer {
    worker: String,
    location: String,
    lease_secs: i64,
    store: Option<Store>,
    owners: Arc<Mutex<OwnersFile>>,
    notifier: bulwark_notify::Notifier,
    last_error: Option<String>,
}

impl Deliverer {
    fn tick(&mut self) {
        let Some(owners) = lock(&self.owners).current() else {
            return;
        };
        let store = match open_store(&mut self.store, &self.location) {
            Ok(s) => s,
            Err(e) => {
                log_once(
                    &mut self.last_error,
                    "delivery-failed",
                    format!("cannot open the store: {e}"),
                    json!({}),
                );
                return;
            }
        };
        match bulwark_inventory::deliver_due(
            store,
            &self.notifier,
            &owners,
            &self.worker,
            self.lease_secs,
            &bulwark_inventory::now,
        ) {
            Ok(r) => {
                self.last_error = None;
                if r.delivered + r.retried + r.failed > 0 {
                    C.delivered.fetch_add(r.delivered as u64, Ordering::Relaxed);
                    C.retried.fetch_add(r.retried as u64, Ordering::Relaxed);
                    C.delivery_failed
                        .fetch_add(r.failed as u64, Ordering::Relaxed);
                    let level = if r.failed > 0 { "warn" } else { "info" };
                    log(
                        json!({"level": level, "event": "delivery", "worker": self.worker,
                        "delivered": r.delivered, "retried": r.retried, "failed": r.failed,
                        "problems": r.problems}),
                    );
                }
            }
            Err(e) => {
                if matches!(e, bulwark_inventory::Error::Store(_)) {
                    self.store = None;
                }
                log_once(
                    &mut self.last_error,
                    "delivery-failed",
                    e.to_string(),
                    json!({}),
                );
            }
        }
    }
}

// ------------------------------------------------------------------------------------------------ metrics

static ENABLED: AtomicBool = AtomicBool::new(false);

struct Counters {
    cycles: AtomicU64,
    rescan_failures: AtomicU64,
    jobs_done: AtomicU64,
    jobs_failed: AtomicU64,
    new: AtomicU64,
    fixed: AtomicU64,
    queued: AtomicU64,
    rescan_us: AtomicU64,
    delivered: AtomicU64,
    retried: AtomicU64,
    delivery_failed: AtomicU64,
    owners_failures: AtomicU64,
    db_updates: AtomicU64,
    db_update_failures: AtomicU64,
}

/// Process-wide, like the server they belong to (one per process).
static C: Counters = Counters {
    cycles: AtomicU64::new(0),
    rescan_failures: AtomicU64::new(0),
    jobs_done: AtomicU64::new(0),
    jobs_failed: AtomicU64::new(0),
    new: AtomicU64::new(0),
    fixed: AtomicU64::new(0),
    queued: AtomicU64::new(0),
    rescan_us: AtomicU64::new(0),
    delivered: AtomicU64::new(0),
    retried: AtomicU64::new(0),
    delivery_failed: AtomicU64::new(0),
    owners_failures: AtomicU64::new(0),
    db_updates: AtomicU64::new(0),
    db_update_failures: AtomicU64::new(0),
};

/// Appends the loops' counters to the `/metrics` exposition (only when the server runs the loops).
pub(crate) fn render_metrics(s: &mut String) {
    use std::fmt::Write as _;
    if !ENABLED.load(Ordering::Relaxed) {
        return;
    }
    let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
    let counter = |s: &mut String, name: &str, help: &str, rows: &[(&str, u64)]| {
        let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} counter");
        for (labels, v) in rows {
            let _ = writeln!(s, "{name}{labels} {v}");
        }
    };
    counter(
        s,
        "bulwark_rescan_cycles_total",
        "Re-matching passes that did work (one rescan log line each).",
        &[("", load(&C.cycles))],
    );
    counter(
        s,
        "bulwark_rescan_failures_total",
        "Re-matching passes that could not run (DB file refused, store unreachable, owners.yaml not loaded).",
        &[("", load(&C.rescan_failures))],
    );
    counter(
        s,
        "bulwark_rescan_jobs_total",
        "Re-matching jobs this replica finished, by outcome.",
        &[
            ("{outcome=\"done\"}", load(&C.jobs_done)),
            ("{outcome=\"failed\"}", load(&C.jobs_failed)),
        ],
    );
    counter(
        s,
        "bulwark_rescan_findings_total",
        "Findings this replica's jobs opened and fixed.",
        &[
            ("{change=\"new\"}", load(&C.new)),
            ("{change=\"fixed\"}", load(&C.fixed)),
        ],
    );
    counter(
        s,
        "bulwark_notifications_queued_total",
        "Notifications this replica queued.",
        &[("", load(&C.queued))],
    );
    #[allow(clippy::cast_precision_loss)] // microseconds: exact up to 2^53
    let secs = load(&C.rescan_us) as f64 / 1e6;
    let _ = writeln!(
        s,
        "# HELP bulwark_rescan_seconds_total Time spent re-matching.\n# TYPE bulwark_rescan_seconds_total counter\nbulwark_rescan_seconds_total {secs}"
    );
    counter(
        s,
        "bulwark_notifications_total",
        "Delivery attempts by outcome.",
        &[
            ("{outcome=\"delivered\"}", load(&C.delivered)),
            ("{outcome=\"retry\"}", load(&C.retried)),
            ("{outcome=\"failed\"}", load(&C.delivery_failed)),
        ],
    );
    counter(
        s,
        "bulwark_owners_reload_failures_total",
        "owners.yaml versions refused (the previous one stays).",
        &[("", load(&C.owners_failures))],
    );
    counter(
        s,
        "bulwark_db_updates_total",
        "DB updates fetched by the server, by outcome.",
        &[
            ("{outcome=\"installed\"}", load(&C.db_updates)),
            ("{outcome=\"failed\"}", load(&C.db_update_failures)),
        ],
    );
}
