//! `bulwark runtime watch --store`: each alert is recorded in the store's `runtime_alerts` (dedupe key =
//! source + host + pid + exec time + rule, so a watcher restarted over the same events records nothing twice)
//! and, when new and `--owners` is given, queued for the team that owns what it is about exactly as the
//! server queues audit alerts ([`bulwark_server::alert_notify`]: the file in the image's SBOM → package →
//! layer → owners rule; else image, namespace). The watcher only calls [`Sink::event`] per event and
//! [`Sink::record`] per alert; problems are reported on stderr and never stop the watch.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use anyhow::{Context as _, Result};
use bulwark_owners::Ownership;
use bulwark_runtime::event::{Event, Field, Schema as _, Value};
use bulwark_runtime::rules::{Alert, Priority};
use bulwark_runtime::syscall::SyscallSchema;
use bulwark_store::{RuntimeAlert, Store};

/// What the event being processed says about where it happened.
#[derive(Default)]
struct Current {
    pid: i64,
    time_ns: i64,
    namespace: Option<String>,
    pod: Option<String>,
    image: Option<String>,
    digest: Option<String>,
}

struct Fields {
    pid: Field,
    container_id: Field,
    namespace: Field,
    pod: Field,
    image: Field,
    digest: Field,
}

/// Records a watcher's alerts and queues their notifications.
pub(crate) struct Sink {
    store: Arc<Store>,
    owners_path: Option<PathBuf>,
    owners: Option<(Option<SystemTime>, Arc<Ownership>)>,
    hostname: String,
    /// `--host-image`: the image of processes outside containers.
    host_image: Option<String>,
    fields: Fields,
    current: Current,
    /// Alerts stored (new), repeated, failed; notifications queued.
    pub(crate) stored: u64,
    pub(crate) repeated: u64,
    pub(crate) failed: u64,
    pub(crate) queued: u64,
}

fn text(v: Value<'_>) -> Option<String> {
    match v {
        Value::Str(s) if !s.is_empty() => Some(s.into_owned()),
        _ => None,
    }
}

/// Falco's uppercase priority names, as the store keeps them.
fn priority_upper(p: Priority) -> &'static str {
    match p {
        Priority::Emergency => "EMERGENCY",
        Priority::Alert => "ALERT",
        Priority::Critical => "CRITICAL",
        Priority::Error => "ERROR",
        Priority::Warning => "WARNING",
        Priority::Notice => "NOTICE",
        Priority::Informational => "INFORMATIONAL",
        Priority::Debug => "DEBUG",
    }
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
}

impl Sink {
    /// A sink for `store` (none without one); `owners` is read now, so a bad file stops the watch before it
    /// starts, and again whenever it changes.
    pub(crate) fn open(
        store: Option<&Arc<Store>>,
        owners: Option<&Path>,
        hostname: &str,
        host_image: Option<&str>,
    ) -> Result<Option<Self>> {
        let Some(store) = store else {
            return Ok(None);
        };
        let s = SyscallSchema;
        let resolve = |n: &str| s.resolve(n, None).map_err(|e| anyhow::anyhow!("{n}: {e}"));
        let mut sink = Self {
            store: Arc::clone(store),
            owners_path: owners.map(Path::to_path_buf),
            owners: None,
            hostname: hostname.to_owned(),
            host_image: host_image.map(str::to_owned),
            fields: Fields {
                pid: resolve("proc.pid")?,
                container_id: resolve("container.id")?,
                namespace: resolve("k8s.ns.name")?,
                pod: resolve("k8s.pod.name")?,
                image: resolve("container.image")?,
                digest: resolve("container.image.digest")?,
            },
            current: Current::default(),
            stored: 0,
            repeated: 0,
            failed: 0,
            queued: 0,
        };
        if let Some(p) = owners {
            let o = bulwark_owners::load(p)
                .with_context(|| format!("cannot load the owners file {}", p.display()))?;
            let mtime = std::fs::metadata(p).and_then(|m| m.modified()).ok();
            sink.owners = Some((mtime, Arc::new(o)));
        }
        Ok(Some(sink))
    }

    /// Notes the event being processed (its pid, time and container), for the alerts it raises.
    pub(crate) fn event(&mut self, e: &dyn Event) {
        let f = &self.fields;
        self.current = Current {
            pid: match e.extract(&f.pid) {
                Value::Int(i) => i,
                _ => 0,
            },
            time_ns: e.time_ns(),
            namespace: text(e.extract(&f.namespace)),
            pod: text(e.extract(&f.pod)),
            image: text(e.extract(&f.image)),
            // A process outside containers (`container.id` empty or `host`) runs the --host-image.
            digest: text(e.extract(&f.digest)).or_else(|| {
                matches!(
                    text(e.extract(&f.container_id)).as_deref(),
                    None | Some("host")
                )
                .then(|| self.host_image.clone())
                .flatten()
            }),
        };
    }

    /// The row of `a`, raised by the current event.
    pub(crate) fn row(&self, a: &Alert) -> RuntimeAlert {
        let c = &self.current;
        // The reference as the runtime reports it, pinned to the digest when both are known.
        let image = match (&c.image, &c.digest) {
            (Some(i), Some(d)) if !i.contains('@') => Some(format!("{i}@{d}")),
            (i, _) => i.clone(),
        };
        let mut fields: serde_json::Map<String, serde_json::Value> = a
            .output_fields
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        // The digest routing reads (the host image's, for processes outside containers).
        if let Some(d) = &c.digest {
            let f = fields
                .entry("container.image.digest")
                .or_insert(serde_json::Value::Null);
            if f.is_null() {
                *f = d.clone().into();
            }
        }
        RuntimeAlert {
            cluster: String::new(),
            rule: a.rule.clone(),
            priority: priority_upper(a.priority).to_owned(),
            source: a.source.clone(),
            time_ns: a.time_ns,
            output: a.output.clone(),
            output_fields: serde_json::Value::Object(fields),
            tags: a.tags.clone(),
            namespace: c.namespace.clone(),
            pod: c.pod.clone(),
            image,
            dedupe_key: format!(
                "{}:{}:{}:{}:{}",
                a.source, self.hostname, c.pid, c.time_ns, a.rule
            ),
        }
    }

    fn owners(&mut self) -> Option<Arc<Ownership>> {
        let path = self.owners_path.as_ref()?;
        let mtime = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        if let Some((t, o)) = &self.owners
            && *t == mtime
        {
            return Some(Arc::clone(o));
        }
        match bulwark_owners::load(path) {
            Ok(o) => {
                let o = Arc::new(o);
                self.owners = Some((mtime, Arc::clone(&o)));
                Some(o)
            }
            Err(e) => {
                eprintln!("bulwark runtime watch: {e} (keeping the owners file last read)");
                self.owners.as_ref().map(|(_, o)| Arc::clone(o))
            }
        }
    }

    /// Stores `a` once and, when new, queues its notifications.
    pub(crate) fn record(&mut self, a: &Alert) {
        let row = self.row(a);
        let now = now_secs();
        match self.store.record_runtime_alert(&row, now) {
            Ok(true) => self.stored += 1,
            Ok(false) => {
                self.repeated += 1;
                return;
            }
            Err(e) => {
                self.failed += 1;
                eprintln!(
                    "bulwark runtime watch: cannot store alert {}: {e}",
                    row.rule
                );
                return;
            }
        }
        let Some(owners) = self.owners() else { return };
        let host = (!self.hostname.is_empty()).then_some(self.hostname.as_str());
        match bulwark_server::alert_notify::enqueue_alert(&self.store, &owners, &row, host, now) {
            Ok(q) => self.queued += q.queued,
            Err(e) => eprintln!(
                "bulwark runtime watch: cannot queue the notification of {}: {e}",
                row.rule
            ),
        }
    }

    /// The counters for the watcher's summary line.
    pub(crate) fn summary(&self) -> serde_json::Value {
        serde_json::json!({"stored": self.stored, "repeated": self.repeated, "failed": self.failed,
            "notifications": self.queued})
    }
}
