//! The Kubernetes watch feed: `bulwark_kube::Inventory` on a blocking thread, its changes written to the store.
//!
//! - **Resync** (the first list, a re-list after 410 Gone, a list after an error): every placement is upserted
//!   at `now`, then every placement of the cluster not seen since is marked removed
//!   (`remove_placements_not_seen_since`), and so is every key this feed wrote before that the list no
//!   longer has (the store counts seconds: a re-list within the second of the previous write would miss those).
//! - **Upsert** / **Remove**: one row each. The store keeps one digest per container of a workload; during a
//!   rollout two digests run in the same container, so the feed keeps what runs per key and moves the row to
//!   the remaining digest when the written one goes away (the row is removed only when nothing runs there).
//! - **Containers** (after every resync, then a pod's set whenever its container ids change): the runtime's
//!   container ids with their pod, namespace, image, digest and workload, written to the store's
//!   `container_ids` (`put_containers`), which `bulwark runtime watch --store` and enforcement read to put a
//!   runtime event's container in its pod. Rows are never removed here: they carry `last_seen`.
//! - Errors: an API error is logged and the watch resumes after a backoff (1 s doubling to 60 s) from the
//!   last resourceVersion, listing again when there is none or when it is too old; a store error is logged,
//!   the connection dropped, and the next pass writes the whole list again.
//!
//! `Inventory::watch` is called again every [`PASS`] (the thread looks at its stop flag between passes and at
//! every change); such a call repeats the set it holds as a resync, which is written only when it differs from
//! what the feed last wrote.

use std::collections::{BTreeMap, HashMap};
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bulwark_kube::{Change, Client, Environments, Inventory, InventoryOptions, PlacementKey};
use bulwark_store::{ContainerRecord, Placement, Store};
use serde_json::json;

use super::{FeedHandle, KubeWatch};
use crate::log;

/// How long one call of `Inventory::watch` lasts at most.
const PASS: Duration = Duration::from_mins(5);
const MAX_BACKOFF: Duration = Duration::from_mins(1);

/// Where and as what the feed records placements.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) location: String,
    pub(crate) cluster: String,
    pub(crate) environments: Environments,
}

/// Sets the stop flag when the supervising task ends (it is aborted at shutdown).
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Runs the watch on the blocking pool until the task is aborted; restarts it if it ever panics.
pub(crate) async fn supervise(watch: KubeWatch, target: Target, handle: FeedHandle) {
    let stop = Arc::new(AtomicBool::new(false));
    let _guard = StopOnDrop(stop.clone());
    loop {
        let (w, t, h, s) = (watch.clone(), target.clone(), handle.clone(), stop.clone());
        let ended = tokio::task::spawn_blocking(move || run(&w, &t, &h, &s)).await;
        if stop.load(Ordering::SeqCst) {
            return;
        }
        if ended.is_err() {
            log(
                json!({"level": "error", "event": "kube-watch-failed", "error": "panic in the watch; restarting"}),
            );
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
}

/// Sleeps `d`, a tenth of a second at a time; false when told to stop.
fn pause(d: Duration, stop: &AtomicBool) -> bool {
    let end = Instant::now() + d;
    while Instant::now() < end {
        if stop.load(Ordering::SeqCst) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100).min(end - Instant::now()));
    }
    !stop.load(Ordering::SeqCst)
}

fn next_backoff(b: Duration) -> Duration {
    (b * 2).min(MAX_BACKOFF)
}

/// The watch loop (blocking): returns only when `stop` is set.
pub(crate) fn run(watch: &KubeWatch, target: &Target, handle: &FeedHandle, stop: &AtomicBool) {
    let mut backoff = Duration::from_secs(1);
    let client = loop {
        match Client::new(watch.cluster.clone(), watch.client.clone()) {
            Ok(c) => break c,
            Err(e) => {
                handle
                    .counters()
                    .kube_errors
                    .fetch_add(1, Ordering::Relaxed);
                log(
                    json!({"level": "error", "event": "kube-watch-error", "cluster": target.cluster,
                    "error": e.to_string(), "retryInSeconds": backoff.as_secs()}),
                );
                if !pause(backoff, stop) {
                    return;
                }
                backoff = next_backoff(backoff);
            }
        }
    };
    log(
        json!({"level": "info", "event": "kube-watch-started", "cluster": target.cluster,
        "server": watch.cluster.server, "context": watch.cluster.context_name}),
    );
    let mut inv = Inventory::new(
        client,
        InventoryOptions {
            cluster: Some(target.cluster.clone()),
            namespace: None,
            environments: target.environments.clone(),
            page_size: watch.page_size,
            // A server never gives up: every failure is logged and retried here, with its own backoff.
            max_watch_failures: None,
            containers: true,
            ..InventoryOptions::default()
        },
    );
    let mut mirror = Mirror::new(target.cluster.clone());
    let mut store: Option<Store> = None;
    let mut warned = 0;
    let mut backoff = Duration::from_secs(1);
    while !stop.load(Ordering::SeqCst) {
        if store.is_none() {
            match Store::open(&target.location) {
                Ok(s) => store = Some(s),
                Err(e) => {
                    handle
                        .counters()
                        .kube_store_errors
                        .fetch_add(1, Ordering::Relaxed);
                    log(
                        json!({"level": "error", "event": "kube-watch-store-error", "error": e.to_string(),
                        "retryInSeconds": backoff.as_secs()}),
                    );
                    if !pause(backoff, stop) {
                        return;
                    }
                    backoff = next_backoff(backoff);
                    continue;
                }
            }
        }
        let Some(s) = store.as_ref() else { continue };
        // With a resourceVersion the call starts by repeating the set it holds: not a new list.
        mirror.repeat = inv.resource_version().is_some();
        let mut store_failed = false;
        let result = inv.watch(Some(Instant::now() + PASS), &mut |change| {
            if stop.load(Ordering::SeqCst) {
                return ControlFlow::Break(());
            }
            match mirror.apply(s, change, handle) {
                Ok(()) => ControlFlow::Continue(()),
                Err(e) => {
                    handle
                        .counters()
                        .kube_store_errors
                        .fetch_add(1, Ordering::Relaxed);
                    log(json!({"level": "error", "event": "kube-watch-store-error", "error": e.to_string(),
                        "retryInSeconds": backoff.as_secs()}));
                    store_failed = true;
                    ControlFlow::Break(())
                }
            }
        });
        for w in inv.warnings.iter().skip(warned) {
            log(
                json!({"level": "warn", "event": "kube-watch-warning", "cluster": target.cluster, "warning": w}),
            );
        }
        warned = inv.warnings.len();
        let failed = match result {
            Ok(()) => store_failed,
            Err(e) => {
                handle
                    .counters()
                    .kube_errors
                    .fetch_add(1, Ordering::Relaxed);
                log(
                    json!({"level": "error", "event": "kube-watch-error", "cluster": target.cluster,
                    "error": e.to_string(), "retryInSeconds": backoff.as_secs()}),
                );
                true
            }
        };
        if store_failed {
            // What the store holds is unknown now: a new connection, and the whole set written again.
            store = None;
            mirror.dirty = true;
        }
        if failed {
            if !pause(backoff, stop) {
                return;
            }
            backoff = next_backoff(backoff);
        } else {
            backoff = Duration::from_secs(1);
        }
    }
}

/// The store's key of a placement within one cluster: namespace, workload kind and name, container.
type Key = (String, String, String, String);

fn key_of(p: &Placement) -> Key {
    (
        p.namespace.clone(),
        p.workload_kind.clone(),
        p.workload_name.clone(),
        p.container.clone(),
    )
}

fn store_key(k: &PlacementKey) -> Key {
    (
        k.namespace.clone(),
        k.workload_kind.clone(),
        k.workload_name.clone(),
        k.container.clone(),
    )
}

/// A placement as the store keeps it; none for a container not started yet (no digest to match by).
fn to_store(p: bulwark_kube::Placement) -> Option<Placement> {
    Some(Placement {
        digest: p.digest?,
        cluster: p.cluster,
        environment: p.environment,
        namespace: p.namespace,
        workload_kind: p.workload_kind,
        workload_name: p.workload_name,
        container: p.container,
        image_ref: Some(p.image),
    })
}

/// A created container as the store's `container_ids` keeps it (no digest yet: empty, as the readers expect).
fn container_record(c: bulwark_kube::RunningContainer) -> ContainerRecord {
    ContainerRecord {
        container_id: c.container_id,
        cluster: c.cluster,
        namespace: c.namespace,
        pod: c.pod,
        pod_uid: c.pod_uid,
        container: c.container,
        image: c.image,
        digest: c.digest.unwrap_or_default(),
        workload_kind: c.workload_kind,
        workload_name: c.workload_name,
    }
}

/// What runs (per store key, by digest) and what this feed last wrote.
pub(crate) struct Mirror {
    cluster: String,
    live: HashMap<Key, BTreeMap<String, Placement>>,
    written: HashMap<Key, Placement>,
    /// The next resync repeats the set the inventory holds (not a new list): skip it when unchanged.
    pub(crate) repeat: bool,
    /// The store may differ from `written` (a write failed): the next resync is written in full.
    pub(crate) dirty: bool,
}

impl Mirror {
    pub(crate) fn new(cluster: String) -> Self {
        Self {
            cluster,
            live: HashMap::new(),
            written: HashMap::new(),
            repeat: false,
            dirty: false,
        }
    }

    /// The digest to write for `key`: the written one while it still runs, else the last by digest.
    fn choose(&self, key: &Key) -> Option<Placement> {
        let live = self.live.get(key)?;
        self.written
            .get(key)
            .and_then(|w| live.get(&w.digest))
            .or_else(|| live.values().next_back())
            .cloned()
    }

    pub(crate) fn apply(
        &mut self,
        store: &Store,
        change: Change,
        handle: &FeedHandle,
    ) -> Result<(), bulwark_store::Error> {
        let c = handle.counters();
        let now = super::now();
        match change {
            Change::Resync { placements, .. } => {
                let repeat = std::mem::take(&mut self.repeat);
                self.live.clear();
                for p in placements.into_iter().filter_map(to_store) {
                    self.live
                        .entry(key_of(&p))
                        .or_default()
                        .insert(p.digest.clone(), p);
                }
                let chosen: HashMap<Key, Placement> = self
                    .live
                    .keys()
                    .filter_map(|k| Some((k.clone(), self.choose(k)?)))
                    .collect();
                if repeat && !self.dirty && chosen == self.written {
                    return Ok(());
                }
                let list: Vec<Placement> = chosen.values().cloned().collect();
                store.upsert_placements(&list, now)?;
                for p in &list {
                    handle.want_sbom(&p.digest, p.image_ref.as_deref());
                }
                let mut removed =
                    store.remove_placements_not_seen_since(&self.cluster, now, now)?;
                for (ns, kind, name, container) in
                    self.written.keys().filter(|k| !chosen.contains_key(*k))
                {
                    if store.remove_placement(&self.cluster, ns, kind, name, container, now)? {
                        removed += 1;
                    }
                }
                log(
                    json!({"level": "info", "event": "kube-watch-resync", "cluster": self.cluster,
                    "placements": chosen.len(), "removed": removed, "relist": !repeat}),
                );
                self.written = chosen;
                self.dirty = false;
                c.kube_resyncs.fetch_add(1, Ordering::Relaxed);
            }
            Change::Upsert { placement } => {
                let Some(p) = to_store(placement) else {
                    return Ok(());
                };
                let key = key_of(&p);
                self.live
                    .entry(key.clone())
                    .or_default()
                    .insert(p.digest.clone(), p);
                self.write(store, &key, now, handle)?;
            }
            Change::Containers { containers, .. } => {
                let rows: Vec<ContainerRecord> =
                    containers.into_iter().map(container_record).collect();
                store.put_containers(&rows, now)?;
                return Ok(());
            }
            Change::Remove { key } => {
                let k = store_key(&key);
                let Some(live) = self.live.get_mut(&k) else {
                    return Ok(());
                };
                if live.remove(&key.image).is_none() {
                    return Ok(());
                }
                if live.is_empty() {
                    self.live.remove(&k);
                }
                self.write(store, &k, now, handle)?;
            }
        }
        c.kube_placements
            .store(self.written.len() as u64, Ordering::Relaxed);
        Ok(())
    }

    /// Brings the store's row for `key` to what runs there.
    fn write(
        &mut self,
        store: &Store,
        key: &Key,
        now: i64,
        handle: &FeedHandle,
    ) -> Result<(), bulwark_store::Error> {
        let c = handle.counters();
        match self.choose(key) {
            Some(p) if self.written.get(key) != Some(&p) => {
                store.upsert_placement(&p, now)?;
                handle.want_sbom(&p.digest, p.image_ref.as_deref());
                self.written.insert(key.clone(), p);
                c.kube_upserts.fetch_add(1, Ordering::Relaxed);
            }
            Some(_) => {}
            None => {
                let (ns, kind, name, container) = key;
                store.remove_placement(&self.cluster, ns, kind, name, container, now)?;
                self.written.remove(key);
                c.kube_removes.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placement(name: &str, digest_byte: &str) -> bulwark_kube::Placement {
        bulwark_kube::Placement {
            cluster: "c".into(),
            environment: Some("staging".into()),
            namespace: "staging".into(),
            workload_kind: "Deployment".into(),
            workload_name: name.into(),
            container: "app".into(),
            container_type: "app".into(),
            image: format!("r/{name}:1"),
            image_id: None,
            digest: Some(format!("sha256:{}", digest_byte.repeat(32))),
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
        }
    }

    fn rows(s: &Store) -> Vec<String> {
        s.placements(&bulwark_store::PlacementFilter::default())
            .unwrap()
            .into_iter()
            .map(|r| {
                format!(
                    "{}/{} {}",
                    r.placement.workload_kind,
                    r.placement.workload_name,
                    &r.placement.digest[7..9]
                )
            })
            .collect()
    }

    #[test]
    fn a_rollout_keeps_the_row_until_the_last_digest_goes() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&format!("sqlite:{}", dir.path().join("s.db").display())).unwrap();
        let h = FeedHandle::default();
        let mut m = Mirror::new("c".into());
        let (old, new) = (placement("web", "a1"), placement("web", "b2"));
        m.apply(
            &s,
            Change::Resync {
                cluster: "c".into(),
                placements: vec![old.clone(), placement("api", "c3")],
            },
            &h,
        )
        .unwrap();
        assert_eq!(rows(&s), ["Deployment/api c3", "Deployment/web a1"]);
        // The new ReplicaSet's pod starts: the old digest still runs, the row keeps it.
        m.apply(&s, Change::Upsert { placement: new }, &h).unwrap();
        assert_eq!(rows(&s), ["Deployment/api c3", "Deployment/web a1"]);
        // The old pod goes: the row moves to the new digest instead of disappearing.
        m.apply(&s, Change::Remove { key: old.key() }, &h).unwrap();
        assert_eq!(rows(&s), ["Deployment/api c3", "Deployment/web b2"]);
        // A re-list within the same second that no longer has `api`: removed all the same.
        m.apply(
            &s,
            Change::Resync {
                cluster: "c".into(),
                placements: vec![placement("web", "b2")],
            },
            &h,
        )
        .unwrap();
        assert_eq!(rows(&s), ["Deployment/web b2"]);
        // A repeated set that did not change writes nothing; a pod without a digest is not a row.
        m.repeat = true;
        let mut pending = placement("queue", "d4");
        pending.digest = None;
        m.apply(
            &s,
            Change::Resync {
                cluster: "c".into(),
                placements: vec![placement("web", "b2"), pending],
            },
            &h,
        )
        .unwrap();
        assert_eq!(h.counters().kube_resyncs.load(Ordering::Relaxed), 2);
        assert_eq!(rows(&s), ["Deployment/web b2"]);
    }

    #[test]
    fn every_digest_written_is_offered_once_to_the_sbom_feed() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&format!("sqlite:{}", dir.path().join("s.db").display())).unwrap();
        let h = FeedHandle::default();
        let (tx, mut rx) = tokio::sync::mpsc::channel(16);
        *h.0.sbom_tx.write().unwrap() = Some(tx);
        let mut m = Mirror::new("c".into());
        m.apply(
            &s,
            Change::Resync {
                cluster: "c".into(),
                placements: vec![placement("web", "a1"), placement("api", "c3")],
            },
            &h,
        )
        .unwrap();
        m.apply(
            &s,
            Change::Upsert {
                placement: placement("web", "b2"),
            },
            &h,
        )
        .unwrap();
        let old = placement("web", "a1");
        m.apply(&s, Change::Remove { key: old.key() }, &h).unwrap();
        // The same digests again (a second replica's re-list, a restart of the watch): not offered twice.
        m.apply(
            &s,
            Change::Resync {
                cluster: "c".into(),
                placements: vec![placement("web", "b2"), placement("api", "c3")],
            },
            &h,
        )
        .unwrap();
        let mut got = Vec::new();
        while let Ok(w) = rx.try_recv() {
            got.push(format!("{} {}", w.image, &w.digest[7..9]));
        }
        got.sort();
        assert_eq!(got, ["r/api:1 c3", "r/web:1 a1", "r/web:1 b2"]);
        assert_eq!(h.counters().sbom_queued.load(Ordering::Relaxed), 3);
    }
}
