//! The risk-context feed: one `bulwark_kube::ObjectWatch` per kind of `CONTEXT_RESOURCES` (Services,
//! Ingresses, NetworkPolicies, ServiceAccounts, RBAC, workload controllers), each on a blocking thread of its
//! own, written to the store's `objects` table.
//!
//! - A list (the first, a re-list after 410 Gone, a list after an error) is written a page at a time with
//!   `upsert_objects`; once complete, every live object of the kind that the list did not have is tombstoned
//!   (`delete_objects_not_listed`, by the keys the list had: the store's clock counts seconds, too coarse to
//!   tell an object written just before the list from one written by it).
//! - ADDED / MODIFIED: `upsert_objects` (a newer resourceVersion wins; a replayed older event is skipped);
//!   DELETED: `delete_object` with the deletion's resourceVersion.
//! - Objects the store refuses (over 256 KiB after trimming) are logged as warnings naming them.
//! - A 403 on a kind (the server's ClusterRole does not grant it) is a warning naming the kind; that kind is
//!   tried again after [`FORBIDDEN_RETRY`] while every other kind goes on. Any other error is logged and the
//!   kind's watch resumes after a backoff (1 s doubling to 60 s).

use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bulwark_kube::{Client, KubeError, ObjectChange, ObjectWatch, ObjectWatchOptions, Resource};
use bulwark_store::Store;
use serde_json::{Value, json};

use super::{FeedHandle, KubeWatch};
use crate::log;

/// How long one call of `ObjectWatch::watch` lasts at most.
const PASS: Duration = Duration::from_mins(5);
const MAX_BACKOFF: Duration = Duration::from_mins(1);
/// How long a kind the server may not list waits before it is tried again.
pub(crate) const FORBIDDEN_RETRY: Duration = Duration::from_mins(10);

/// Sets the stop flag when the supervising task ends (it is aborted at shutdown).
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Runs one kind's watch on the blocking pool until the task is aborted; restarts it if it ever panics.
pub(crate) async fn supervise(
    watch: KubeWatch,
    location: String,
    cluster: String,
    resource: Resource,
    handle: FeedHandle,
) {
    let stop = Arc::new(AtomicBool::new(false));
    let _guard = StopOnDrop(stop.clone());
    loop {
        let (kw, loc, name, fh, flag) = (
            watch.clone(),
            location.clone(),
            cluster.clone(),
            handle.clone(),
            stop.clone(),
        );
        let ended =
            tokio::task::spawn_blocking(move || run(&kw, &loc, &name, resource, &fh, &flag)).await;
        if stop.load(Ordering::SeqCst) {
            return;
        }
        if ended.is_err() {
            log(
                json!({"level": "error", "event": "kube-objects-failed", "kind": resource.kind,
                "error": "panic in the watch; restarting"}),
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

/// Writes one kind's changes to the store.
pub(crate) struct Writer<'a> {
    pub(crate) cluster: &'a str,
    pub(crate) handle: &'a FeedHandle,
    /// The (namespace, name) of every object of the list being written (its end tombstones the rest).
    listed: std::collections::HashSet<(String, String)>,
}

impl<'a> Writer<'a> {
    pub(crate) fn new(cluster: &'a str, handle: &'a FeedHandle) -> Self {
        Self {
            cluster,
            handle,
            listed: std::collections::HashSet::new(),
        }
    }

    fn upsert(
        &self,
        store: &Store,
        objects: &[Value],
        now: i64,
    ) -> Result<(), bulwark_store::Error> {
        let w = store.upsert_objects(self.cluster, objects, now)?;
        let c = self.handle.counters();
        c.kube_objects_written
            .fetch_add(w.written, Ordering::Relaxed);
        for r in &w.refused {
            c.kube_objects_refused.fetch_add(1, Ordering::Relaxed);
            log(
                json!({"level": "warn", "event": "kube-object-refused", "cluster": self.cluster, "warning": r}),
            );
        }
        Ok(())
    }

    pub(crate) fn apply(
        &mut self,
        store: &Store,
        change: ObjectChange,
    ) -> Result<(), bulwark_store::Error> {
        let now = super::now();
        match change {
            ObjectChange::ListStart { .. } => self.listed.clear(),
            ObjectChange::Page { objects, .. } => {
                for o in &objects {
                    let text = |p: &str| {
                        o.pointer(p)
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_owned()
                    };
                    self.listed
                        .insert((text("/metadata/namespace"), text("/metadata/name")));
                }
                self.upsert(store, &objects, now)?;
            }
            ObjectChange::ListDone { kind } => {
                let listed = std::mem::take(&mut self.listed);
                let gone = store.delete_objects_not_listed(self.cluster, kind, &listed, now)?;
                self.handle
                    .counters()
                    .kube_objects_deleted
                    .fetch_add(gone, Ordering::Relaxed);
                log(
                    json!({"level": "info", "event": "kube-objects-listed", "cluster": self.cluster,
                    "kind": kind, "deleted": gone}),
                );
            }
            ObjectChange::Upsert { object } => {
                self.upsert(store, std::slice::from_ref(&object), now)?;
            }
            ObjectChange::Delete { object } => {
                let text = |p: &str| object.pointer(p).and_then(Value::as_str).unwrap_or("");
                if store.delete_object(
                    self.cluster,
                    text("/kind"),
                    text("/metadata/namespace"),
                    text("/metadata/name"),
                    Some(text("/metadata/resourceVersion")),
                    now,
                )? {
                    self.handle
                        .counters()
                        .kube_objects_deleted
                        .fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        Ok(())
    }
}

/// One kind's watch loop (blocking): returns only when `stop` is set.
fn run(
    watch: &KubeWatch,
    location: &str,
    cluster: &str,
    resource: Resource,
    handle: &FeedHandle,
    stop: &AtomicBool,
) {
    let kind = resource.kind;
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
                    json!({"level": "error", "event": "kube-objects-error", "cluster": cluster, "kind": kind,
                    "error": e.to_string(), "retryInSeconds": backoff.as_secs()}),
                );
                if !pause(backoff, stop) {
                    return;
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    };
    let mut ow = ObjectWatch::new(
        client,
        resource,
        ObjectWatchOptions {
            page_size: watch.page_size,
            max_watch_failures: None,
            ..ObjectWatchOptions::default()
        },
    );
    let mut writer = Writer::new(cluster, handle);
    let mut store: Option<Store> = None;
    let mut backoff = Duration::from_secs(1);
    while !stop.load(Ordering::SeqCst) {
        if store.is_none() {
            match Store::open(location) {
                Ok(s) => store = Some(s),
                Err(e) => {
                    handle
                        .counters()
                        .kube_store_errors
                        .fetch_add(1, Ordering::Relaxed);
                    log(
                        json!({"level": "error", "event": "kube-objects-store-error", "kind": kind,
                        "error": e.to_string(), "retryInSeconds": backoff.as_secs()}),
                    );
                    if !pause(backoff, stop) {
                        return;
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    continue;
                }
            }
        }
        let Some(s) = store.as_ref() else { continue };
        let mut store_failed = false;
        let result = ow.watch(Some(Instant::now() + PASS), &mut |change| {
            if stop.load(Ordering::SeqCst) {
                return ControlFlow::Break(());
            }
            match writer.apply(s, change) {
                Ok(()) => ControlFlow::Continue(()),
                Err(e) => {
                    handle
                        .counters()
                        .kube_store_errors
                        .fetch_add(1, Ordering::Relaxed);
                    log(
                        json!({"level": "error", "event": "kube-objects-store-error", "kind": kind,
                        "error": e.to_string()}),
                    );
                    store_failed = true;
                    ControlFlow::Break(())
                }
            }
        });
        let wait = match result {
            Ok(()) if !store_failed => {
                backoff = Duration::from_secs(1);
                continue;
            }
            Ok(()) => backoff,
            Err(KubeError::Status {
                status: 403,
                message,
                ..
            }) => {
                log(
                    json!({"level": "warn", "event": "kube-objects-forbidden", "cluster": cluster, "kind": kind,
                    "warning": format!("no permission to list or watch {kind}s ({message}); workloads have no {kind} \
                    context until the server's ClusterRole grants get/list/watch on them"),
                    "retryInSeconds": FORBIDDEN_RETRY.as_secs()}),
                );
                FORBIDDEN_RETRY
            }
            Err(e) => {
                handle
                    .counters()
                    .kube_errors
                    .fetch_add(1, Ordering::Relaxed);
                log(
                    json!({"level": "error", "event": "kube-objects-error", "cluster": cluster, "kind": kind,
                    "error": e.to_string(), "retryInSeconds": backoff.as_secs()}),
                );
                backoff
            }
        };
        if store_failed {
            // What the store holds is unknown now: a new connection, and a new list.
            store = None;
            ow.forget_resource_version();
        }
        if !pause(wait, stop) {
            return;
        }
        if wait != FORBIDDEN_RETRY {
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_tombstones_what_it_lacks_and_refuses_what_is_too_big() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&format!("sqlite:{}", dir.path().join("s.db").display())).unwrap();
        let h = FeedHandle::default();
        let mut w = Writer::new("c", &h);
        let svc = |name: &str, rv: &str| {
            json!({"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": name, "namespace": "ns", "resourceVersion": rv}, "spec": {"type": "ClusterIP"}})
        };
        let big = json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "big", "namespace": "ns"},
            "spec": {"x": "x".repeat(bulwark_store::MAX_OBJECT_BYTES)}});
        let kind = "Service";
        w.apply(&s, ObjectChange::ListStart { kind }).unwrap();
        w.apply(
            &s,
            ObjectChange::Page {
                kind,
                objects: vec![svc("a", "1"), svc("b", "2"), big],
            },
        )
        .unwrap();
        w.apply(&s, ObjectChange::ListDone { kind }).unwrap();
        let c = h.counters();
        assert_eq!(c.kube_objects_written.load(Ordering::Relaxed), 2);
        assert_eq!(c.kube_objects_refused.load(Ordering::Relaxed), 1);
        assert!(s.object("c", "Service", "ns", "big").unwrap().is_none());
        // A re-list without `a`, in the same second: `a` goes all the same.
        w.apply(&s, ObjectChange::ListStart { kind }).unwrap();
        w.apply(
            &s,
            ObjectChange::Page {
                kind,
                objects: vec![svc("b", "3")],
            },
        )
        .unwrap();
        w.apply(&s, ObjectChange::ListDone { kind }).unwrap();
        assert!(s.object("c", "Service", "ns", "a").unwrap().is_none());
        assert!(s.object("c", "Service", "ns", "b").unwrap().is_some());
        // DELETED with the deletion's resourceVersion.
        w.apply(
            &s,
            ObjectChange::Delete {
                object: svc("b", "4"),
            },
        )
        .unwrap();
        assert!(s.object("c", "Service", "ns", "b").unwrap().is_none());
        assert_eq!(c.kube_objects_deleted.load(Ordering::Relaxed), 2);
    }
}
