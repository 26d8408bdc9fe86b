//! Lists and watches of the objects that give a workload its risk context (issue #16): Services, Ingresses,
//! NetworkPolicies, ServiceAccounts, RBAC, and the workload controllers. One [`ObjectWatch`] per kind, with the
//! same protocol as the pod inventory ([`crate::inventory`]): pages of `limit` items following
//! `metadata.continue` (a 410 on a continue token restarts the list), a watch from the list's resourceVersion
//! with bookmarks, a re-list on a 410 (ERROR event or status), and a stream that ends or breaks re-opened from
//! the last resourceVersion seen.
//!
//! A list is handed over a page at a time ([`ObjectChange::Page`] between [`ObjectChange::ListStart`] and
//! [`ObjectChange::ListDone`]), so memory holds one page, not the kind's whole set.

use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use crate::client::Client;
use crate::error::KubeError;
use crate::watch::{EventType, Next, ReadError};

/// One kind of object, and where the API serves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resource {
    pub kind: &'static str,
    /// `api/v1` for the core group, else `apis/<group>/<version>`.
    pub api: &'static str,
    /// The resource's plural name in URLs.
    pub plural: &'static str,
    pub namespaced: bool,
}

const fn r(
    kind: &'static str,
    api: &'static str,
    plural: &'static str,
    namespaced: bool,
) -> Resource {
    Resource {
        kind,
        api,
        plural,
        namespaced,
    }
}

/// The kinds the server keeps for risk context: exposure (Services, Ingresses), isolation (NetworkPolicies),
/// RBAC reach (ServiceAccounts, Roles, RoleBindings, ClusterRoles, ClusterRoleBindings), and the workload
/// controllers that placements name (a Deployment through its ReplicaSets, a CronJob through its Jobs). Never
/// Secrets or ConfigMaps. The Helm chart's ClusterRole grants get/list/watch on exactly these.
pub const CONTEXT_RESOURCES: &[Resource] = &[
    r("Service", "api/v1", "services", true),
    r("Ingress", "apis/networking.k8s.io/v1", "ingresses", true),
    r(
        "NetworkPolicy",
        "apis/networking.k8s.io/v1",
        "networkpolicies",
        true,
    ),
    r("ServiceAccount", "api/v1", "serviceaccounts", true),
    r("Role", "apis/rbac.authorization.k8s.io/v1", "roles", true),
    r(
        "RoleBinding",
        "apis/rbac.authorization.k8s.io/v1",
        "rolebindings",
        true,
    ),
    r(
        "ClusterRole",
        "apis/rbac.authorization.k8s.io/v1",
        "clusterroles",
        false,
    ),
    r(
        "ClusterRoleBinding",
        "apis/rbac.authorization.k8s.io/v1",
        "clusterrolebindings",
        false,
    ),
    r("Deployment", "apis/apps/v1", "deployments", true),
    r("ReplicaSet", "apis/apps/v1", "replicasets", true),
    r("StatefulSet", "apis/apps/v1", "statefulsets", true),
    r("DaemonSet", "apis/apps/v1", "daemonsets", true),
    r("Job", "apis/batch/v1", "jobs", true),
    r("CronJob", "apis/batch/v1", "cronjobs", true),
];

/// What an [`ObjectWatch`] reports.
#[derive(Debug, Clone)]
pub enum ObjectChange {
    /// A complete list of the kind starts (the first one, a re-list after 410, a list restarted because its
    /// continue token expired): what the store holds of the kind and is not in the pages up to
    /// [`ObjectChange::ListDone`] is gone.
    ListStart { kind: &'static str },
    /// One page of the list.
    Page {
        kind: &'static str,
        objects: Vec<Value>,
    },
    /// The list is complete.
    ListDone { kind: &'static str },
    /// ADDED or MODIFIED.
    Upsert { object: Value },
    /// DELETED: the object as it was deleted (with the resourceVersion of the deletion).
    Delete { object: Value },
}

/// Counters, for tests and metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectStats {
    pub lists: u32,
    pub pages: u32,
    pub list_restarts: u32,
    pub relists_gone: u32,
    pub watches: u32,
    pub watch_breaks: u32,
    pub events: u32,
    pub bookmarks: u32,
}

#[derive(Debug, Clone)]
pub struct ObjectWatchOptions {
    /// One namespace, or all of them (`None`); ignored for cluster-scoped kinds.
    pub namespace: Option<String>,
    pub page_size: u32,
    pub max_list_restarts: u32,
    /// Consecutive failed watch attempts before giving up; `None`: never.
    pub max_watch_failures: Option<u32>,
    pub backoff: Duration,
}

impl Default for ObjectWatchOptions {
    fn default() -> Self {
        Self {
            namespace: None,
            page_size: 500,
            max_list_restarts: 3,
            max_watch_failures: Some(5),
            backoff: Duration::from_millis(200),
        }
    }
}

/// Everything but RFC 3986's unreserved characters, as Go's `url.QueryEscape` (client-go) escapes.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn enc(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}

/// The list and watch of one kind.
pub struct ObjectWatch {
    client: Client,
    resource: Resource,
    opts: ObjectWatchOptions,
    resource_version: Option<String>,
    stats: ObjectStats,
}

type Sink<'a> = dyn FnMut(ObjectChange) -> ControlFlow<()> + 'a;

impl ObjectWatch {
    #[must_use]
    pub fn new(client: Client, resource: Resource, opts: ObjectWatchOptions) -> Self {
        Self {
            client,
            resource,
            opts,
            resource_version: None,
            stats: ObjectStats::default(),
        }
    }

    #[must_use]
    pub fn resource(&self) -> Resource {
        self.resource
    }

    #[must_use]
    pub fn stats(&self) -> &ObjectStats {
        &self.stats
    }

    /// The resourceVersion the next watch starts from (`None` until a list completes).
    #[must_use]
    pub fn resource_version(&self) -> Option<&str> {
        self.resource_version.as_deref()
    }

    /// Makes the next [`ObjectWatch::watch`] list again (the caller lost what it wrote of the last list).
    pub fn forget_resource_version(&mut self) {
        self.resource_version = None;
    }

    fn path(&self) -> String {
        let r = self.resource;
        match (&self.opts.namespace, r.namespaced) {
            (Some(ns), true) => format!("/{}/namespaces/{}/{}", r.api, enc(ns), r.plural),
            _ => format!("/{}/{}", r.api, r.plural),
        }
    }

    /// Lists the kind, page by page, into `sink`. A 403 (the server's RBAC does not grant the list) is
    /// returned as the error it is; the caller names the kind in its warning.
    pub fn list(&mut self, sink: &mut Sink<'_>) -> Result<ControlFlow<()>, KubeError> {
        let kind = self.resource.kind;
        let path = self.path();
        self.resource_version = None;
        let mut restarts = 0;
        'restart: loop {
            if sink(ObjectChange::ListStart { kind }).is_break() {
                return Ok(ControlFlow::Break(()));
            }
            let mut cont: Option<String> = None;
            loop {
                let q = match &cont {
                    Some(c) => format!("{path}?continue={}&limit={}", enc(c), self.opts.page_size),
                    None => format!("{path}?limit={}", self.opts.page_size),
                };
                let mut page = match self.client.get_json(&q) {
                    Ok(p) => p,
                    Err(e) if e.is_gone() && cont.is_some() => {
                        restarts += 1;
                        self.stats.list_restarts += 1;
                        if restarts > self.opts.max_list_restarts {
                            return Err(e);
                        }
                        continue 'restart;
                    }
                    Err(e) => return Err(e),
                };
                self.stats.pages += 1;
                let url = self.client.url(&q);
                let objects = match page.get_mut("items").map(Value::take) {
                    Some(Value::Array(items)) => items,
                    Some(Value::Null) => Vec::new(),
                    _ => {
                        return Err(KubeError::Protocol {
                            url,
                            reason: "list has no \"items\" array".to_owned(),
                        });
                    }
                };
                // Items of a list carry no kind or apiVersion (the list's kind says them): set them, as
                // `kubectl get -o json` does, so that each object stands alone in the store.
                let objects = objects.into_iter().map(|o| self.with_kind(o)).collect();
                if sink(ObjectChange::Page { kind, objects }).is_break() {
                    return Ok(ControlFlow::Break(()));
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
                    None => {
                        self.stats.lists += 1;
                        self.resource_version = page
                            .pointer("/metadata/resourceVersion")
                            .and_then(Value::as_str)
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned);
                        return Ok(sink(ObjectChange::ListDone { kind }));
                    }
                }
            }
        }
    }

    fn with_kind(&self, mut o: Value) -> Value {
        if let Value::Object(m) = &mut o {
            let api_version = self.resource.api.strip_prefix("apis/").unwrap_or("v1");
            m.entry("kind")
                .or_insert_with(|| Value::String(self.resource.kind.to_owned()));
            m.entry("apiVersion")
                .or_insert_with(|| Value::String(api_version.to_owned()));
        }
        o
    }

    /// Lists (unless a list already completed), then watches, reporting each change to `sink` until it breaks,
    /// `deadline` passes, or an error that a re-list cannot cure.
    pub fn watch(
        &mut self,
        deadline: Option<Instant>,
        sink: &mut Sink<'_>,
    ) -> Result<(), KubeError> {
        if self.resource_version.is_none() && self.list(sink)?.is_break() {
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
                    url: self.client.url(&self.path()),
                    reason: format!(
                        "the {} list has no metadata.resourceVersion to watch from",
                        self.resource.kind
                    ),
                });
            };
            let q = format!(
                "{}?allowWatchBookmarks=true&resourceVersion={}&timeoutSeconds={secs}&watch=true",
                self.path(),
                enc(&rv)
            );
            self.stats.watches += 1;
            let mut stream = match self.client.watch(&q) {
                Ok(s) => s,
                Err(e) if e.is_gone() => {
                    self.stats.relists_gone += 1;
                    if self.list(sink)?.is_break() {
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
                let ev = match stream.next_event() {
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
                    Ok(Next::Event(ev)) => ev,
                };
                failures = 0;
                self.stats.events += 1;
                let rv = ev.resource_version().map(str::to_owned);
                let change = match ev.kind {
                    EventType::Error => {
                        let code = ev.status_code();
                        let reason = ev
                            .object
                            .get("reason")
                            .and_then(Value::as_str)
                            .unwrap_or("");
                        if code == Some(410) || reason == "Expired" || reason == "Gone" {
                            self.stats.relists_gone += 1;
                            if self.list(sink)?.is_break() {
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
                            status: code.map_or(500, |c| u16::try_from(c).unwrap_or(500)),
                            reason: reason.to_owned(),
                            message: format!("watch ERROR event: {msg}"),
                        });
                    }
                    EventType::Bookmark => {
                        self.stats.bookmarks += 1;
                        None
                    }
                    EventType::Added | EventType::Modified => Some(ObjectChange::Upsert {
                        object: self.with_kind(ev.object),
                    }),
                    EventType::Deleted => Some(ObjectChange::Delete {
                        object: self.with_kind(ev.object),
                    }),
                };
                if let Some(rv) = rv {
                    self.resource_version = Some(rv);
                }
                if let Some(c) = change
                    && sink(c).is_break()
                {
                    return Ok(());
                }
            }
        }
    }

    fn backoff(&self, failures: u32) -> Duration {
        (self.opts.backoff * 2u32.saturating_pow(failures.saturating_sub(1).min(16)))
            .min(Duration::from_secs(10))
    }
}
