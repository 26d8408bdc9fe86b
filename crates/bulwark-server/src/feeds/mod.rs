//! The inventory feeds of the run stage (issue #15): where images run, from admission events and from the
//! Kubernetes watch, written to the store as placements.
//!
//! - [`admission`]: an allowed CREATE/UPDATE of a Pod, or of a workload with a pod template, is reduced on the
//!   request path to its digest-pinned containers (a few strings) and offered to a bounded queue with
//!   `try_send`: a full queue drops it and counts it (`bulwark_feed_admission_dropped_total`), it never waits.
//!   A task drains the queue in batches and writes them through the blocking pool; a store that is down or
//!   locked stalls only that task.
//! - [`kube`]: on a thread of its own, `bulwark_kube::Inventory` lists and watches the cluster's pods (paged
//!   lists, bookmarks, 410 re-lists, reconnects with backoff); each re-list replaces the cluster's placements in
//!   the store, each upsert and removal is written as it comes.
//! - [`objects`]: one blocking thread per kind of `bulwark_kube::CONTEXT_RESOURCES` lists and watches the
//!   objects that give a workload its risk context (Services, Ingresses, NetworkPolicies, ServiceAccounts, RBAC,
//!   workload controllers) into the store's `objects` table; a 403 on one kind is a warning naming it. The
//!   admission feed also stores each admitted Pod / pod controller, trimmed on the request path.
//! - [`attest`] (with `--sbom-from-registry`): every digest either feed writes that has no stored SBOM gets its
//!   SBOM attestation fetched from the registry, verified and ingested, off the request path, with retries.
//!
//! Every replica runs both feeds and writes what it sees: upserts are idempotent (same key, same digest, the
//! newer `last_seen`), a re-list's replacement only marks removed what no longer runs, and every replica
//! applies the same watch stream in order, so concurrent writers converge on the cluster's state. No leader
//! election: it would add a lease for work that costs one row write per pod change.

pub mod admission;
pub mod attest;
pub mod kube;
pub mod objects;

use std::collections::HashSet;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use bulwark_kube::{ClientOptions, ClusterConfig, Environments};
use tokio::sync::mpsc;

use crate::{Request, State, Webhook};

/// The feeds' settings.
#[derive(Debug, Clone)]
pub struct FeedsConfig {
    /// The cluster's name in placements [default: the kubeconfig's cluster name when watching, else
    /// `in-cluster`]: admission and watch must agree, so that a re-list replaces what admission wrote.
    pub cluster: Option<String>,
    /// Namespace → environment (the environments file; the watch also reads namespace labels).
    pub environments: Environments,
    /// The Kubernetes watch, when the server is given a cluster to read.
    pub kube: Option<KubeWatch>,
    /// Admission events waiting to be written at most; more are dropped and counted.
    pub queue: usize,
    /// SBOM attestations from the registry for what the feeds write (`--sbom-from-registry`).
    pub sbom: Option<attest::SbomFeed>,
    /// The running feeds' queue and counters (shared by clones of the config).
    pub(crate) handle: FeedHandle,
}

impl Default for FeedsConfig {
    fn default() -> Self {
        Self {
            cluster: None,
            environments: Environments::default(),
            kube: None,
            queue: DEFAULT_QUEUE,
            sbom: None,
            handle: FeedHandle::default(),
        }
    }
}

/// Admission events waiting at most by default. An event is a few hundred bytes (at most
/// [`admission::MAX_CONTAINERS`] containers of bounded strings), so a full queue is well under 100 MB even for
/// hostile objects, and about 1 MB for ordinary pods.
pub const DEFAULT_QUEUE: usize = 1024;

impl FeedsConfig {
    /// The cluster name written in placements.
    #[must_use]
    pub fn cluster_name(&self) -> String {
        self.cluster
            .clone()
            .filter(|c| !c.is_empty())
            .or_else(|| self.kube.as_ref().map(|k| k.cluster.cluster_name.clone()))
            .unwrap_or_else(|| "in-cluster".to_owned())
    }
}

/// How to reach the cluster whose pods are watched.
#[derive(Debug, Clone)]
pub struct KubeWatch {
    pub cluster: ClusterConfig,
    pub client: ClientOptions,
    /// `limit` of each list page.
    pub page_size: u32,
}

/// The admission queue's sending side and the feeds' counters.
#[derive(Debug, Clone, Default)]
pub(crate) struct FeedHandle(Arc<Shared>);

#[derive(Default)]
struct Shared {
    tx: RwLock<Option<mpsc::Sender<admission::Admitted>>>,
    sbom_tx: RwLock<Option<mpsc::Sender<attest::Wanted>>>,
    /// Digests queued, waiting for a retry, or done by the SBOM feed (at most [`attest::MAX_KNOWN`]).
    sbom_known: Mutex<HashSet<String>>,
    counters: Counters,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeedHandle").finish_non_exhaustive()
    }
}

#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) admission_queued: AtomicU64,
    pub(crate) admission_dropped: AtomicU64,
    pub(crate) admission_without_digest: AtomicU64,
    pub(crate) admission_written: AtomicU64,
    pub(crate) admission_lost: AtomicU64,
    pub(crate) admission_write_errors: AtomicU64,
    pub(crate) kube_resyncs: AtomicU64,
    pub(crate) kube_upserts: AtomicU64,
    pub(crate) kube_removes: AtomicU64,
    pub(crate) kube_errors: AtomicU64,
    pub(crate) kube_store_errors: AtomicU64,
    pub(crate) kube_placements: AtomicU64,
    pub(crate) kube_objects_written: AtomicU64,
    pub(crate) kube_objects_deleted: AtomicU64,
    pub(crate) kube_objects_refused: AtomicU64,
    pub(crate) sbom_queued: AtomicU64,
    pub(crate) sbom_dropped: AtomicU64,
    pub(crate) sbom_already: AtomicU64,
    pub(crate) sbom_ingested: AtomicU64,
    pub(crate) sbom_failures: AtomicU64,
    pub(crate) sbom_given_up: AtomicU64,
}

impl FeedHandle {
    pub(crate) fn counters(&self) -> &Counters {
        &self.0.counters
    }

    /// Offers a digest the feeds wrote to the SBOM feed (when it runs): once per digest until it is given up;
    /// never waits (a full queue drops it, and a later sighting offers it again).
    pub(crate) fn want_sbom(&self, digest: &str, image: Option<&str>) {
        let guard = self
            .0
            .sbom_tx
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let Some(tx) = guard.as_ref() else { return };
        let Some(image) = image.filter(|i| !i.is_empty()) else {
            return;
        };
        {
            let mut known = self
                .0
                .sbom_known
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if known.contains(digest) {
                return;
            }
            if known.len() >= attest::MAX_KNOWN {
                known.clear();
            }
            known.insert(digest.to_owned());
        }
        let c = &self.0.counters;
        let wanted = attest::Wanted {
            digest: digest.to_owned(),
            image: image.to_owned(),
        };
        if tx.try_send(wanted).is_ok() {
            c.sbom_queued.fetch_add(1, Ordering::Relaxed);
        } else {
            c.sbom_dropped.fetch_add(1, Ordering::Relaxed);
            self.forget_sbom(digest);
        }
    }

    /// Lets a later sighting of `digest` offer it again.
    pub(crate) fn forget_sbom(&self, digest: &str) {
        self.0
            .sbom_known
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(digest);
    }

    /// Offers an answered review to the admission feed: only atomics, a few string copies and `try_send`.
    fn offer(&self, webhook: Webhook, request: &Request, allowed: bool) {
        // Only the validating webhook's answer is final (a mutated object is judged again by it, with the
        // digests the mutation pinned); a dry run is never persisted by the API server.
        if !allowed || webhook != Webhook::Validating || request.dry_run == Some(true) {
            return;
        }
        let guard = self.0.tx.read().unwrap_or_else(PoisonError::into_inner);
        let Some(tx) = guard.as_ref() else { return };
        let c = &self.0.counters;
        let Some(item) = admission::admitted(request, &c.admission_without_digest) else {
            return;
        };
        match tx.try_send(item) {
            Ok(()) => c.admission_queued.fetch_add(1, Ordering::Relaxed),
            Err(mpsc::error::TrySendError::Full(_)) => {
                c.admission_dropped.fetch_add(1, Ordering::Relaxed)
            }
            Err(mpsc::error::TrySendError::Closed(_)) => 0,
        };
    }
}

/// The admission path's hand-off: called once per answered review, after the decision.
pub(crate) fn admitted(state: &State, webhook: Webhook, request: &Request, allowed: bool) {
    if let Some(run) = &state.config.run {
        run.feeds.handle.offer(webhook, request, allowed);
    }
}

/// Starts the feeds of the run stage, when the server has one.
pub(crate) fn spawn(state: &Arc<State>) -> Vec<tokio::task::JoinHandle<()>> {
    let Some(run) = &state.config.run else {
        return Vec::new();
    };
    let f = &run.feeds;
    let cluster = f.cluster_name();
    let (tx, rx) = mpsc::channel(f.queue.max(1));
    *f.handle
        .0
        .tx
        .write()
        .unwrap_or_else(PoisonError::into_inner) = Some(tx);
    let mut tasks = Vec::new();
    if let Some(sbom) = &f.sbom {
        let (stx, srx) = mpsc::channel(sbom.queue.max(1));
        *f.handle
            .0
            .sbom_tx
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(stx);
        tasks.push(tokio::spawn(attest::worker(
            srx,
            sbom.clone(),
            run.store.clone(),
            f.handle.clone(),
        )));
    }
    tasks.push(tokio::spawn(admission::writer(
        rx,
        admission::Target {
            location: run.store.clone(),
            cluster: cluster.clone(),
            environments: f.environments.clone(),
        },
        f.handle.clone(),
    )));
    if let Some(k) = &f.kube {
        for resource in bulwark_kube::CONTEXT_RESOURCES {
            tasks.push(tokio::spawn(objects::supervise(
                k.clone(),
                run.store.clone(),
                cluster.clone(),
                *resource,
                f.handle.clone(),
            )));
        }
        tasks.push(tokio::spawn(kube::supervise(
            k.clone(),
            kube::Target {
                location: run.store.clone(),
                cluster,
                environments: f.environments.clone(),
            },
            f.handle.clone(),
        )));
    }
    tasks
}

/// The feeds' counters in the Prometheus text format (empty without a run stage).
pub(crate) fn metrics(state: &State) -> String {
    let Some(run) = &state.config.run else {
        return String::new();
    };
    let c = run.feeds.handle.counters();
    let mut out = String::new();
    let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
    for (name, kind, help, value) in [
        (
            "bulwark_feed_admission_queued_total",
            "counter",
            "Admitted objects with digest-pinned containers queued for the store.",
            get(&c.admission_queued),
        ),
        (
            "bulwark_feed_admission_dropped_total",
            "counter",
            "Admitted objects dropped because the admission feed's queue was full (admission never waits).",
            get(&c.admission_dropped),
        ),
        (
            "bulwark_feed_admission_containers_without_digest_total",
            "counter",
            "Admitted containers whose image has no digest (image@sha256:...): not placed.",
            get(&c.admission_without_digest),
        ),
        (
            "bulwark_feed_admission_placements_written_total",
            "counter",
            "Placements written to the store from admission events.",
            get(&c.admission_written),
        ),
        (
            "bulwark_feed_admission_write_errors_total",
            "counter",
            "Failed attempts to write a batch of admission placements.",
            get(&c.admission_write_errors),
        ),
        (
            "bulwark_feed_admission_lost_total",
            "counter",
            "Admitted objects given up after repeated store errors.",
            get(&c.admission_lost),
        ),
        (
            "bulwark_feed_kube_resyncs_total",
            "counter",
            "Complete pod lists written (the first, 410 re-lists, after errors).",
            get(&c.kube_resyncs),
        ),
        (
            "bulwark_feed_kube_upserts_total",
            "counter",
            "Placements written from watch events.",
            get(&c.kube_upserts),
        ),
        (
            "bulwark_feed_kube_removes_total",
            "counter",
            "Placements marked removed from watch events.",
            get(&c.kube_removes),
        ),
        (
            "bulwark_feed_kube_errors_total",
            "counter",
            "Kubernetes API errors after which the watch reconnected.",
            get(&c.kube_errors),
        ),
        (
            "bulwark_feed_kube_store_errors_total",
            "counter",
            "Store errors of the watch feed (its next list is written in full).",
            get(&c.kube_store_errors),
        ),
        (
            "bulwark_feed_kube_placements",
            "gauge",
            "Placements of the watched cluster, as last written.",
            get(&c.kube_placements),
        ),
        (
            "bulwark_feed_kube_objects_written_total",
            "counter",
            "Kubernetes objects (risk context: Services, Ingresses, NetworkPolicies, RBAC, workloads) written.",
            get(&c.kube_objects_written),
        ),
        (
            "bulwark_feed_kube_objects_deleted_total",
            "counter",
            "Kubernetes objects marked deleted (DELETED events, or missing from a re-list).",
            get(&c.kube_objects_deleted),
        ),
        (
            "bulwark_feed_kube_objects_refused_total",
            "counter",
            "Kubernetes objects not stored (over the size bound after trimming).",
            get(&c.kube_objects_refused),
        ),
        (
            "bulwark_feed_sbom_queued_total",
            "counter",
            "Digests queued for their SBOM attestation (--sbom-from-registry).",
            get(&c.sbom_queued),
        ),
        (
            "bulwark_feed_sbom_dropped_total",
            "counter",
            "Digests dropped because the SBOM feed's queue was full (offered again when next seen).",
            get(&c.sbom_dropped),
        ),
        (
            "bulwark_feed_sbom_already_stored_total",
            "counter",
            "Queued digests that already had an SBOM in the store.",
            get(&c.sbom_already),
        ),
        (
            "bulwark_feed_sbom_ingested_total",
            "counter",
            "SBOMs read from verified registry attestations and stored.",
            get(&c.sbom_ingested),
        ),
        (
            "bulwark_feed_sbom_failures_total",
            "counter",
            "Attempts that stored no SBOM: no attestation, one that does not verify, a registry or store error.",
            get(&c.sbom_failures),
        ),
        (
            "bulwark_feed_sbom_given_up_total",
            "counter",
            "Digests given up after their last retry.",
            get(&c.sbom_given_up),
        ),
    ] {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
        );
    }
    out
}

/// UTC seconds since the epoch (the store's clock).
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
