//! The inventory loop: list pods (paged), then watch them from the list's resourceVersion, keeping the set of
//! placements and reporting each change.
//!
//! What the API documents and this follows (API concepts: "Retrieving large results sets in chunks",
//! "Efficient detection of changes", "Watch bookmarks", "Resource versions"):
//! - a list is read in pages of `limit` items, following `metadata.continue`; a continue token that has
//!   expired gives 410 Gone, and the list starts again from the first page;
//! - the watch starts at the list's `metadata.resourceVersion` with `allowWatchBookmarks=true` and a
//!   `timeoutSeconds`; every event and BOOKMARK carries the resourceVersion to resume from;
//! - an ERROR event with code 410 (or a 410 answer to the watch request) means that version is too old:
//!   list again, and report the whole set ([`Change::Resync`]);
//! - a stream that ends or breaks is re-opened from the last resourceVersion seen.

use std::collections::{BTreeMap, HashMap};
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use crate::client::Client;
use crate::env::Environments;
use crate::error::KubeError;
use crate::model::{
    Change, Placement, PlacementKey, RunningContainer, is_live, placements_of_pod,
    running_containers_of_pod,
};
use crate::watch::{EventType, Next, ReadError};

#[derive(Debug, Clone)]
pub struct InventoryOptions {
    /// The cluster's name in placements (default: the kubeconfig's cluster name, or `in-cluster`).
    pub cluster: Option<String>,
    /// One namespace, or all of them (`None`).
    pub namespace: Option<String>,
    pub environments: Environments,
    /// `limit` of each list page (kubectl's default is 500).
    pub page_size: u32,
    /// How many times a list is restarted after a 410 on its continue token before giving up.
    pub max_list_restarts: u32,
    /// Consecutive failed watch attempts (connection refused, dropped before any event) before giving up;
    /// `None`: never give up (a server loop).
    pub max_watch_failures: Option<u32>,
    /// First pause after a failed watch attempt; doubled each time, at most 10 s.
    pub backoff: Duration,
    /// Also report the containers the runtime created ([`Change::Containers`]), for mapping runtime container
    /// ids to pods (off by default: `bulwark kube watch` prints placements only).
    pub containers: bool,
}

impl Default for InventoryOptions {
    fn default() -> Self {
        Self {
            cluster: None,
            namespace: None,
            environments: Environments::default(),
            page_size: 500,
            max_list_restarts: 3,
            max_watch_failures: Some(5),
            backoff: Duration::from_millis(200),
            containers: false,
        }
    }
}

/// Counters, for tests and metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Complete lists of pods (the first one included).
    pub lists: u32,
    /// List pages fetched.
    pub pages: u32,
    /// Lists restarted because a continue token expired (410).
    pub list_restarts: u32,
    /// Re-lists forced by a watch answering 410 (ERROR event or status).
    pub relists_gone: u32,
    /// Watch requests opened.
    pub watches: u32,
    /// Watch streams that broke (I/O error) and were re-opened.
    pub watch_breaks: u32,
    pub events: u32,
    pub bookmarks: u32,
    /// Owner objects fetched (ReplicaSets, Jobs); cached afterwards.
    pub owner_gets: u32,
}

pub struct Inventory {
    client: Client,
    opts: InventoryOptions,
    cluster: String,
    namespaces: BTreeMap<String, Option<String>>,
    owners: HashMap<(String, String, String), (String, String)>,
    pods: HashMap<String, Vec<Placement>>,
    /// Per pod (`namespace/name`), its created containers (with [`InventoryOptions::containers`]).
    containers: HashMap<String, Vec<RunningContainer>>,
    placements: BTreeMap<PlacementKey, (usize, Placement)>,
    resource_version: Option<String>,
    stats: Stats,
    /// Things that did not stop the inventory but that a user should know (no permission to list namespaces…).
    pub warnings: Vec<String>,
}

const MAX_OWNER_CACHE: usize = 100_000;

/// What [`Inventory::list_each`] hands each item to (`None`: the list restarted; drop what you had).
type ListItem<'a> = dyn FnMut(&mut Inventory, Option<&Value>) -> Result<(), KubeError> + 'a;

/// Everything but RFC 3986's unreserved characters, as Go's `url.QueryEscape` (client-go) escapes.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn enc(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}

impl Inventory {
    #[must_use]
    pub fn new(client: Client, opts: InventoryOptions) -> Self {
        let cluster = opts
            .cluster
            .clone()
            .unwrap_or_else(|| client.config().cluster_name.clone());
        Self {
            client,
            opts,
            cluster,
            namespaces: BTreeMap::new(),
            owners: HashMap::new(),
            pods: HashMap::new(),
            containers: HashMap::new(),
            placements: BTreeMap::new(),
            resource_version: None,
            stats: Stats::default(),
            warnings: Vec::new(),
        }
    }

    #[must_use]
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The resourceVersion the next watch starts from.
    #[must_use]
    pub fn resource_version(&self) -> Option<&str> {
        self.resource_version.as_deref()
    }

    /// The current placements, sorted.
    #[must_use]
    pub fn placements(&self) -> Vec<Placement> {
        self.placements.values().map(|(_, p)| p.clone()).collect()
    }

    /// The containers the runtime created in the pods listed or watched (with
    /// [`InventoryOptions::containers`]), sorted by id.
    #[must_use]
    pub fn containers(&self) -> Vec<RunningContainer> {
        let mut all: Vec<RunningContainer> = self.containers.values().flatten().cloned().collect();
        all.sort_by(|a, b| a.container_id.cmp(&b.container_id));
        all
    }

    /// The containers as a change, if any are asked for and known.
    fn containers_change(&self) -> Option<Change> {
        (self.opts.containers && !self.containers.is_empty()).then(|| Change::Containers {
            cluster: self.cluster.clone(),
            containers: self.containers(),
        })
    }

    fn pods_path(&self) -> String {
        match &self.opts.namespace {
            Some(ns) => format!("/api/v1/namespaces/{}/pods", enc(ns)),
            None => "/api/v1/pods".to_owned(),
        }
    }

    /// Every item of a list, page by page, handed to `each` as it arrives (a page at a time in memory);
    /// restarts from the first page when a continue token has expired, calling `each(None)` first so that the
    /// caller drops what it had. Returns the list's resourceVersion.
    fn list_each(
        &mut self,
        path: &str,
        each: &mut ListItem<'_>,
    ) -> Result<Option<String>, KubeError> {
        let mut restarts = 0;
        'restart: loop {
            let mut cont: Option<String> = None;
            loop {
                // As kubectl sends them (tests/fixtures/kubectl-requests.txt): parameters in Go's sorted order.
                let q = match &cont {
                    Some(c) => format!("{path}?continue={}&limit={}", enc(c), self.opts.page_size),
                    None => format!("{path}?limit={}", self.opts.page_size),
                };
                let page = match self.client.get_json(&q) {
                    Ok(p) => p,
                    Err(e) if e.is_gone() && cont.is_some() => {
                        restarts += 1;
                        self.stats.list_restarts += 1;
                        if restarts > self.opts.max_list_restarts {
                            return Err(e);
                        }
                        each(self, None)?;
                        continue 'restart;
                    }
                    Err(e) => return Err(e),
                };
                self.stats.pages += 1;
                let url = self.client.url(&q);
                match page.get("items") {
                    Some(Value::Array(items)) => {
                        for item in items {
                            each(self, Some(item))?;
                        }
                    }
                    // Go encodes an empty slice as null in some versions.
                    Some(Value::Null) => {}
                    _ => {
                        return Err(KubeError::Protocol {
                            url,
                            reason: "list has no \"items\" array".to_owned(),
                        });
                    }
                }
                let next = page
                    .pointer("/metadata/continue")
                    .and_then(Value::as_str)
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned);
                match next {
                    Some(n) if Some(&n) == cont.as_ref() => {
                        return Err(KubeError::Protocol {
                            url,
                            reason: "the server returned the same continue token twice".to_owned(),
                        });
                    }
                    Some(n) => cont = Some(n),
                    None => return Ok(rv_of(&page)),
                }
            }
        }
    }

    /// Reads namespaces and their environments; returns the namespaces whose environment changed.
    fn refresh_namespaces(&mut self) -> Result<Vec<String>, KubeError> {
        let objects = if let Some(ns) = self.opts.namespace.clone() {
            match self
                .client
                .get_json(&format!("/api/v1/namespaces/{}", enc(&ns)))
            {
                Ok(o) => vec![o],
                Err(KubeError::Status {
                    status: 403 | 404, ..
                }) => {
                    self.warn(format!(
                        "cannot read namespace {ns}; its labels give no environment"
                    ));
                    vec![serde_json::json!({"metadata": {"name": ns}})]
                }
                Err(e) => return Err(e),
            }
        } else {
            {
                let mut items = Vec::new();
                match self.list_each("/api/v1/namespaces", &mut |_, item| {
                    match item {
                        None => items.clear(),
                        Some(ns) => items.push(ns.clone()),
                    }
                    Ok(())
                }) {
                    Ok(_) => items,
                    Err(KubeError::Status { status: 403, .. }) => {
                        self.warn(
                        "no permission to list namespaces; environments come from the environments file only"
                            .to_owned(),
                    );
                        Vec::new()
                    }
                    Err(e) => return Err(e),
                }
            }
        };
        let mut fresh = BTreeMap::new();
        for o in &objects {
            let Some(name) = o.pointer("/metadata/name").and_then(Value::as_str) else {
                continue;
            };
            let labels: BTreeMap<String, String> = o
                .pointer("/metadata/labels")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                        .collect()
                })
                .unwrap_or_default();
            fresh.insert(name.to_owned(), self.opts.environments.of(name, &labels));
        }
        let changed = fresh
            .iter()
            .filter(|(k, v)| self.namespaces.get(*k) != Some(v))
            .map(|(k, _)| k.clone())
            .collect();
        self.namespaces = fresh;
        Ok(changed)
    }

    fn warn(&mut self, w: String) {
        if !self.warnings.contains(&w) {
            self.warnings.push(w);
        }
    }

    fn environment(&self, namespace: &str) -> Option<String> {
        match self.namespaces.get(namespace) {
            Some(e) => e.clone(),
            // A namespace created after the last refresh: the file's globs still apply.
            None => self.opts.environments.of(namespace, &BTreeMap::new()),
        }
    }

    /// Lists namespaces and pods and replaces the whole state; returns the placements.
    pub fn list(&mut self) -> Result<Vec<Placement>, KubeError> {
        self.refresh_namespaces()?;
        let path = self.pods_path();
        self.pods.clear();
        self.placements.clear();
        self.containers.clear();
        // Until this list completes, the state is partial: a failed list leaves no resourceVersion, so that
        // the next `watch` lists again instead of reporting half a cluster.
        self.resource_version = None;
        let rv = self.list_each(&path, &mut |inv, item| {
            if let Some(pod) = item {
                inv.apply_pod(pod, false)?;
            } else {
                inv.pods.clear();
                inv.placements.clear();
                inv.containers.clear();
            }
            Ok(())
        })?;
        self.stats.lists += 1;
        self.resource_version = rv;
        Ok(self.placements())
    }

    /// The workload that owns a pod: its controller, followed from ReplicaSet to Deployment and from Job to
    /// CronJob (owner objects are fetched once and cached).
    fn workload_of(&mut self, pod: &Value) -> Result<(String, String), KubeError> {
        let ns = pod
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("default");
        let name = pod
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        let Some(owner) = controller_of(pod) else {
            return Ok(("Pod".to_owned(), name.to_owned()));
        };
        let (kind, oname) = owner;
        let resource = match kind.as_str() {
            "ReplicaSet" => "apis/apps/v1/namespaces/{ns}/replicasets",
            "Job" => "apis/batch/v1/namespaces/{ns}/jobs",
            _ => return Ok((kind, oname)),
        };
        let key = (ns.to_owned(), kind.clone(), oname.clone());
        if let Some(w) = self.owners.get(&key) {
            return Ok(w.clone());
        }
        let path = format!("/{}/{}", resource.replace("{ns}", &enc(ns)), enc(&oname));
        self.stats.owner_gets += 1;
        let workload = match self.client.get_json(&path) {
            // The owner's own controller (a Deployment, a CronJob, an Argo Rollout…), else the owner.
            Ok(obj) => controller_of(&obj).unwrap_or_else(|| (kind.clone(), oname.clone())),
            // Deleted meanwhile, or no permission: the owner reference itself names the workload.
            Err(KubeError::Status { status: 404, .. }) => (kind.clone(), oname.clone()),
            Err(KubeError::Status { status: 403, .. }) => {
                self.warn(format!(
                    "no permission to read {kind}s in {ns}; pods are attributed to the {kind}, not its owner"
                ));
                (kind.clone(), oname.clone())
            }
            Err(e) => return Err(e),
        };
        if self.owners.len() >= MAX_OWNER_CACHE {
            self.owners.clear();
        }
        self.owners.insert(key, workload.clone());
        Ok(workload)
    }

    /// Replaces one pod's placements (none if it is gone or finished) and returns the changes.
    fn apply_pod(&mut self, pod: &Value, deleted: bool) -> Result<Vec<Change>, KubeError> {
        let ns = pod
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("default");
        let name = pod
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        let id = format!("{ns}/{name}");
        let mut started = Vec::new();
        let new = if deleted || !is_live(pod) {
            Vec::new()
        } else {
            let workload = self.workload_of(pod)?;
            let env = self.environment(ns);
            if self.opts.containers {
                started = running_containers_of_pod(pod, &self.cluster, (&workload.0, &workload.1));
            }
            placements_of_pod(
                pod,
                &self.cluster,
                env.as_deref(),
                (&workload.0, &workload.1),
            )
        };
        // A pod's container ids are reported when they change (started, restarted); a gone pod's are forgotten.
        let mut report = None;
        if started.is_empty() {
            self.containers.remove(&id);
        } else if self.containers.get(&id) != Some(&started) {
            self.containers.insert(id.clone(), started.clone());
            report = Some(Change::Containers {
                cluster: self.cluster.clone(),
                containers: started,
            });
        }
        let old = if new.is_empty() {
            self.pods.remove(&id).unwrap_or_default()
        } else {
            self.pods.insert(id, new.clone()).unwrap_or_default()
        };
        let mut changes = self.swap(&old, &new);
        // Before the placements' changes: a pod's ids are known when its workload shows up.
        if let Some(c) = report {
            changes.insert(0, c);
        }
        Ok(changes)
    }

    /// Moves the counts from `old` placements to `new` ones and says what changed.
    fn swap(&mut self, old: &[Placement], new: &[Placement]) -> Vec<Change> {
        let mut keys: Vec<PlacementKey> = old.iter().chain(new).map(Placement::key).collect();
        keys.sort();
        keys.dedup();
        let before: Vec<Option<Placement>> = keys
            .iter()
            .map(|k| self.placements.get(k).map(|(_, p)| p.clone()))
            .collect();
        for p in old {
            let k = p.key();
            if let Some((n, _)) = self.placements.get_mut(&k) {
                *n -= 1;
                if *n == 0 {
                    self.placements.remove(&k);
                }
            }
        }
        for p in new {
            let e = self.placements.entry(p.key()).or_insert((0, p.clone()));
            e.0 += 1;
            e.1 = p.clone();
        }
        // Upserts first, then removals: a reader of the store never sees a workload with nothing running.
        let mut changes = Vec::new();
        let mut removed = Vec::new();
        for (k, b) in keys.into_iter().zip(before) {
            match (b, self.placements.get(&k)) {
                (Some(_), None) => removed.push(Change::Remove { key: k }),
                (None, Some((_, p))) => changes.push(Change::Upsert {
                    placement: p.clone(),
                }),
                (Some(a), Some((_, p))) if a != *p => {
                    changes.push(Change::Upsert {
                        placement: p.clone(),
                    });
                }
                _ => {}
            }
        }
        changes.extend(removed);
        changes
    }

    fn resync(
        &mut self,
        sink: &mut dyn FnMut(Change) -> ControlFlow<()>,
    ) -> Result<ControlFlow<()>, KubeError> {
        let placements = self.list()?;
        if sink(Change::Resync {
            cluster: self.cluster.clone(),
            placements,
        })
        .is_break()
        {
            return Ok(ControlFlow::Break(()));
        }
        Ok(self
            .containers_change()
            .map_or(ControlFlow::Continue(()), sink))
    }

    /// Lists (unless already listed), reports the set as a [`Change::Resync`], then watches, reporting each
    /// change to `sink` until it breaks, `deadline` passes, or an error that a re-list cannot cure.
    pub fn watch(
        &mut self,
        deadline: Option<Instant>,
        sink: &mut dyn FnMut(Change) -> ControlFlow<()>,
    ) -> Result<(), KubeError> {
        if self.resource_version.is_none() {
            if self.resync(sink)?.is_break() {
                return Ok(());
            }
        } else if sink(Change::Resync {
            cluster: self.cluster.clone(),
            placements: self.placements(),
        })
        .is_break()
            || self.containers_change().is_some_and(|c| sink(c).is_break())
        {
            return Ok(());
        }
        let mut failures = 0u32;
        loop {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if left.is_some_and(|l| l.is_zero()) {
                return Ok(());
            }
            let timeout = left.map_or(self.client.options().watch_timeout, |l| {
                l.min(self.client.options().watch_timeout)
            });
            let secs = timeout.as_secs_f64().ceil().max(1.0) as u64;
            let Some(rv) = self.resource_version.clone() else {
                return Err(KubeError::Protocol {
                    url: self.client.url(&self.pods_path()),
                    reason: "the pod list has no metadata.resourceVersion to watch from".to_owned(),
                });
            };
            let q = format!(
                "{}?allowWatchBookmarks=true&resourceVersion={}&timeoutSeconds={secs}&watch=true",
                self.pods_path(),
                enc(&rv)
            );
            self.stats.watches += 1;
            let mut stream = match self.client.watch(&q) {
                Ok(s) => s,
                Err(e) if e.is_gone() => {
                    self.stats.relists_gone += 1;
                    if self.resync(sink)?.is_break() {
                        return Ok(());
                    }
                    continue;
                }
                Err(e @ KubeError::Transport { .. }) => {
                    failures += 1;
                    if self.opts.max_watch_failures.is_some_and(|m| failures >= m) {
                        return Err(e);
                    }
                    std::thread::sleep(self.backoff(failures));
                    continue;
                }
                Err(e) => return Err(e),
            };
            let url = self.client.url(&q);
            loop {
                match stream.next_event() {
                    Ok(Next::End) => break,
                    Err(ReadError::Io(e)) => {
                        self.stats.watch_breaks += 1;
                        failures += 1;
                        if self.opts.max_watch_failures.is_some_and(|m| failures >= m) {
                            return Err(KubeError::Transport {
                                method: "GET",
                                url,
                                reason: format!(
                                    "watch stream broke: {}",
                                    crate::client::describe_io(&e)
                                ),
                            });
                        }
                        std::thread::sleep(self.backoff(failures));
                        break;
                    }
                    Err(ReadError::Bad(reason)) => return Err(KubeError::Protocol { url, reason }),
                    Ok(Next::Event(ev)) => {
                        failures = 0;
                        self.stats.events += 1;
                        match ev.kind {
                            EventType::Error => {
                                let code = ev.status_code();
                                let reason = ev
                                    .object
                                    .get("reason")
                                    .and_then(Value::as_str)
                                    .unwrap_or("");
                                if code == Some(410) || reason == "Expired" || reason == "Gone" {
                                    self.stats.relists_gone += 1;
                                    if self.resync(sink)?.is_break() {
                                        return Ok(());
                                    }
                                    break;
                                }
                                let msg = ev
                                    .object
                                    .get("message")
                                    .and_then(Value::as_str)
                                    .unwrap_or("");
                                return Err(KubeError::Status {
                                    method: "GET",
                                    url,
                                    status: code.unwrap_or(500) as u16,
                                    reason: reason.to_owned(),
                                    message: format!("watch ERROR event: {msg}"),
                                });
                            }
                            EventType::Bookmark => self.stats.bookmarks += 1,
                            EventType::Added | EventType::Modified | EventType::Deleted => {
                                let changes =
                                    self.apply_pod(&ev.object, ev.kind == EventType::Deleted)?;
                                if let Some(rv) = ev.resource_version() {
                                    self.resource_version = Some(rv.to_owned());
                                }
                                for c in changes {
                                    if sink(c).is_break() {
                                        return Ok(());
                                    }
                                }
                                continue;
                            }
                        }
                        if let Some(rv) = ev.resource_version() {
                            self.resource_version = Some(rv.to_owned());
                        }
                    }
                }
            }
            // Between two watches: pick up namespace label changes.
            let changed = self.refresh_namespaces()?;
            for ns in changed {
                let env = self.environment(&ns);
                let ids: Vec<String> = self
                    .pods
                    .keys()
                    .filter(|id| id.split_once('/').is_some_and(|(n, _)| n == ns))
                    .cloned()
                    .collect();
                for id in ids {
                    let old = self.pods.get(&id).cloned().unwrap_or_default();
                    let new: Vec<Placement> = old
                        .iter()
                        .cloned()
                        .map(|mut p| {
                            p.environment.clone_from(&env);
                            p
                        })
                        .collect();
                    self.pods.insert(id, new.clone());
                    for c in self.swap(&old, &new) {
                        if sink(c).is_break() {
                            return Ok(());
                        }
                    }
                }
            }
        }
    }

    fn backoff(&self, failures: u32) -> Duration {
        (self.opts.backoff * 2u32.saturating_pow(failures.saturating_sub(1).min(16)))
            .min(Duration::from_secs(10))
    }
}

fn rv_of(list: &Value) -> Option<String> {
    list.pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The controller owner reference (`controller: true`), else the first owner reference.
fn controller_of(obj: &Value) -> Option<(String, String)> {
    let refs = obj.pointer("/metadata/ownerReferences")?.as_array()?;
    let r = refs
        .iter()
        .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
        .or_else(|| refs.first())?;
    Some((
        r.get("kind")?.as_str()?.to_owned(),
        r.get("name")?.as_str()?.to_owned(),
    ))
}
