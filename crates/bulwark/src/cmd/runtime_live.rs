//! `bulwark runtime watch` and `bulwark runtime baseline`: live process events on this node (the netlink process
//! connector, enriched from `/proc`) through Falco rules, the learned baselines and drift detection; and the
//! baselines the store shares between watchers.

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use bulwark_runtime::baseline::{
    Baseline, BaselineKey, BaselineState, Baselines, Deviation, Drift, EXEC, LearnPolicy,
    OwnedFiles, drift,
};
use bulwark_runtime::event::{Event, EventSource as _, Field, Schema as _, Value};
use bulwark_runtime::live::{
    ContainerResolver, LiveOptions, ProcConnector, StaticResolver, iso8601,
};
use bulwark_runtime::process::ContainerInfo;
use bulwark_runtime::rules::{Alert, LoadOptions, Priority, RulesFile, Ruleset, json_value};
use bulwark_runtime::syscall::SyscallSchema;
use bulwark_store::{BaselineDelta, Store};

use crate::Outcome;

/// The rule name of baseline deviation alerts.
pub(crate) const BASELINE_RULE: &str = "Baseline Deviation";
/// The rule name of drift alerts.
pub(crate) const DRIFT_RULE: &str = "Drift: Unowned Binary Executed";

/// How often learned baselines are merged into the store while watching.
const MERGE_EVERY: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum WatchFormat {
    /// One JSON object per alert, as Falco's `json_output` prints it.
    FalcoJson,
    /// One JSON object per alert with Bulwark's fields (time in ns, priority, output fields).
    Json,
    /// A line per alert: time, priority, rule, output.
    Table,
}

#[derive(Debug, clap::Args)]
pub(crate) struct WatchArgs {
    /// Falco rules files, loaded in order; without any, only baseline and drift alerts are raised.
    #[arg(long = "rules", short = 'r', value_name = "FILE")]
    pub(crate) rules: Vec<PathBuf>,
    /// The store that shares baselines, SBOMs (for drift) and container ids (for pods and digests): a SQLite
    /// file (`sqlite:PATH` or a path) or `postgres://…`. Without it, baselines live in memory only.
    #[arg(long, value_name = "URL", env = "BULWARK_STORE")]
    pub(crate) store: Option<String>,
    /// With --store: queue each new alert for the team owners.yaml names (as `bulwark serve --owners` does).
    #[arg(long, value_name = "FILE", env = "BULWARK_OWNERS", requires = "store")]
    pub(crate) owners: Option<PathBuf>,
    /// Learn each new baseline this long before locking it (`0`: no time condition).
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = crate::term::parse_duration)]
    pub(crate) learn_for: Duration,
    /// And from at least this many executions (`0`: no count condition).
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub(crate) learn_events: u64,
    /// Output format of alerts.
    #[arg(long, short = 'f', value_enum, default_value = "falco-json")]
    pub(crate) format: WatchFormat,
    /// Stop after this many events (of the watched processes).
    #[arg(long, value_name = "N")]
    pub(crate) max_events: Option<u64>,
    /// Stop after this long.
    #[arg(long, value_name = "DURATION", value_parser = crate::term::parse_duration)]
    pub(crate) duration: Option<Duration>,
    /// Watch only this process and its descendants.
    #[arg(long, value_name = "PID")]
    pub(crate) pid_tree: Option<i64>,
    /// Treat processes outside containers as running image DIGEST (a VM or node image), so that baselines and
    /// drift apply to them too.
    #[arg(long, value_name = "DIGEST")]
    pub(crate) host_image: Option<String>,
    /// The container name for `--host-image` baselines.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "host",
        requires = "host_image"
    )]
    pub(crate) host_container: String,
    /// The `/proc` to read.
    #[arg(long, value_name = "DIR", default_value = "/proc")]
    pub(crate) proc_root: PathBuf,
    #[command(flatten)]
    pub(crate) enforce: super::runtime_enforce::WatchEnforceFlags,
}

#[derive(Debug, clap::Args)]
pub(crate) struct BaselineFilter {
    /// Only the baselines of this image digest.
    #[arg(long, value_name = "DIGEST")]
    pub(crate) image: Option<String>,
    /// Only the baselines of this container name.
    #[arg(long, value_name = "NAME")]
    pub(crate) container: Option<String>,
    /// The store: a SQLite file (`sqlite:PATH` or a path) or `postgres://…`.
    #[arg(long, value_name = "URL", env = "BULWARK_STORE")]
    pub(crate) store: String,
}

#[derive(Debug, clap::Subcommand)]
pub(crate) enum BaselineCommand {
    /// Show the learned baselines: state, counts and entries.
    Show {
        #[command(flatten)]
        filter: BaselineFilter,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Lock the matching baselines now: from here on, what they did not learn is a deviation.
    Lock {
        #[command(flatten)]
        filter: BaselineFilter,
    },
    /// Forget what the matching baselines learned and learn again (watchers reload them).
    Reset {
        #[command(flatten)]
        filter: BaselineFilter,
        /// Required to reset every baseline when neither --image nor --container is given.
        #[arg(long)]
        all: bool,
    },
}

fn open_store(url: &str) -> Result<Store> {
    Store::open(url).with_context(|| format!("cannot open the store {url}"))
}

pub(crate) fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// Maps container ids to pods and digests through the store's `container_ids`.
struct StoreResolver(Arc<Store>);

impl ContainerResolver for StoreResolver {
    fn resolve(&self, full_id: &str) -> Option<ContainerInfo> {
        let c = self.0.container(full_id).ok()??;
        let (repo, tag) = split_image(&c.image);
        Some(ContainerInfo {
            name: c.container,
            image: c.image.clone(),
            image_repository: repo,
            image_tag: tag,
            image_digest: c.digest,
            pod_name: c.pod,
            namespace: c.namespace,
            pod_uid: c.pod_uid,
            workload_kind: c.workload_kind,
            workload_name: c.workload_name,
            ..ContainerInfo::default()
        })
    }
}

/// `registry:5000/app:1.2@sha256:…` → (`registry:5000/app`, `1.2`).
fn split_image(image: &str) -> (String, String) {
    let no_digest = image.split_once('@').map_or(image, |(a, _)| a);
    let slash = no_digest.rfind('/').map_or(0, |i| i + 1);
    match no_digest[slash..].rfind(':') {
        Some(i) => (
            no_digest[..slash + i].to_owned(),
            no_digest[slash + i + 1..].to_owned(),
        ),
        None => (no_digest.to_owned(), String::new()),
    }
}

/// The fields every baseline and drift alert prints.
const ALERT_FIELDS: &[&str] = &[
    "proc.exepath",
    "proc.cmdline",
    "proc.pid",
    "proc.pname",
    "user.uid",
    "user.name",
    "proc.cwd",
    "container.id",
    "container.name",
    "container.image.digest",
    "k8s.ns.name",
    "k8s.pod.name",
];

/// Tracks what a watcher learned since its last merge into the store.
#[derive(Default)]
struct Pending {
    generation: HashMap<BaselineKey, i64>,
    events: HashMap<BaselineKey, i64>,
    entries: HashMap<BaselineKey, Vec<(String, String)>>,
}

pub(crate) fn to_baseline(r: &bulwark_store::BaselineRecord) -> Baseline {
    Baseline {
        key: BaselineKey {
            image_digest: r.image_digest.clone(),
            container: r.container.clone(),
        },
        state: BaselineState::parse(&r.state).unwrap_or(BaselineState::Learning),
        started_ns: r.started_at,
        locked_ns: r.locked_at,
        events: u64::try_from(r.events).unwrap_or(0),
        entries: r.entries.iter().cloned().collect(),
    }
}

struct Watcher {
    args_format: WatchFormat,
    hostname: String,
    store: Option<Arc<Store>>,
    baselines: Baselines,
    pending: Pending,
    owned: HashMap<String, Option<OwnedFiles>>,
    fields: Vec<Field>,
    apid: Field,
    pid: Field,
    ruleset: Option<Ruleset>,
    host_key: Option<BaselineKey>,
    pid_tree: Option<i64>,
    last_merge: Instant,
    alerts: u64,
    out: std::io::Stdout,
    sink: Option<super::runtime_sink::Sink>,
    enforce: Option<super::runtime_enforce::WatchEnforce>,
}

impl Watcher {
    fn load_baselines(&mut self) -> Result<()> {
        let Some(store) = &self.store else {
            return Ok(());
        };
        for r in store.baselines(None, None)? {
            let b = to_baseline(&r);
            self.pending.generation.insert(b.key.clone(), r.generation);
            self.baselines.insert(b);
        }
        Ok(())
    }

    fn owned_files(&mut self, digest: &str) -> Option<&OwnedFiles> {
        if !self.owned.contains_key(digest) {
            let files = self.store.as_ref().and_then(|s| {
                let bytes = s.sbom(digest).ok()??;
                let sbom = bulwark_sbom::parse_sbom(&bytes, digest).ok()?;
                Some(OwnedFiles::new(
                    sbom.packages
                        .iter()
                        .flat_map(|p| p.files.iter().map(String::as_str)),
                ))
            });
            self.owned.insert(digest.to_owned(), files);
        }
        self.owned.get(digest).and_then(Option::as_ref)
    }

    fn in_tree(&self, e: &dyn Event) -> bool {
        let Some(root) = self.pid_tree else {
            return true;
        };
        e.extract(&self.pid) == Value::Int(root)
            || matches!(e.extract(&self.apid), Value::List(l) if l.contains(&Value::Int(root)))
    }

    fn key_of(&self, container: Option<&ContainerInfo>) -> Option<BaselineKey> {
        match container {
            Some(c) if !c.image_digest.is_empty() && !c.name.is_empty() => Some(BaselineKey {
                image_digest: c.image_digest.clone(),
                container: c.name.clone(),
            }),
            Some(_) => None,
            None => self.host_key.clone(),
        }
    }

    fn alert(
        &mut self,
        e: &dyn Event,
        rule: &str,
        priority: Priority,
        output: String,
        tags: &[&str],
    ) {
        let mut output_fields = BTreeMap::new();
        for f in &self.fields {
            output_fields.insert(f.name.clone(), json_value(&e.extract(f)));
        }
        let a = Alert {
            rule: rule.to_owned(),
            priority,
            source: "syscall".into(),
            time_ns: e.time_ns(),
            output,
            output_fields,
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        };
        self.emit(&a);
    }

    fn emit(&mut self, a: &Alert) {
        self.alerts += 1;
        if let Some(s) = &mut self.sink {
            s.record(a);
        }
        if let Some(en) = &self.enforce {
            en.alert(a);
        }
        let line = match self.args_format {
            WatchFormat::FalcoJson => a.to_falco_json(&self.hostname).to_string(),
            WatchFormat::Json => serde_json::to_string(a).unwrap_or_default(),
            WatchFormat::Table => format!(
                "{}  {:<9} {}: {}",
                iso8601(a.time_ns),
                a.priority.as_falco(),
                a.rule,
                a.output
            ),
        };
        let mut out = self.out.lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }

    fn on_event(
        &mut self,
        e: &dyn Event,
        container: Option<&ContainerInfo>,
        exepath: &str,
        upper: bool,
        memfd: bool,
    ) {
        if let Some(en) = &mut self.enforce {
            en.event(e);
        }
        if let Some(rs) = &self.ruleset {
            let mut alerts = Vec::new();
            rs.process(e, &mut alerts);
            for a in &alerts {
                self.emit(a);
            }
        }
        let Some(key) = self.key_of(container) else {
            return;
        };
        let cmdline = match e.extract(&self.fields[1]) {
            Value::Str(s) => s.into_owned(),
            _ => String::new(),
        };
        let digest = key.image_digest.clone();
        // Loads (once per digest) the files the image's SBOM packages own.
        let _ = self.owned_files(&digest);
        if let Some(d) = drift(
            exepath,
            self.owned.get(&digest).and_then(Option::as_ref),
            upper,
            memfd,
        ) {
            let why = d.reason();
            let out = format!(
                "Executed binary is not part of the image: {why} (proc.exepath={exepath} proc.cmdline={cmdline} image={digest} container={})",
                key.container
            );
            let tags: &[&str] = match d {
                Drift::Unowned => &["container", "drift", "process", "mitre_execution", "T1059"],
                _ => &[
                    "container",
                    "drift",
                    "process",
                    "mitre_persistence",
                    "TA0003",
                ],
            };
            self.alert(e, DRIFT_RULE, Priority::Critical, out, tags);
        }
        if exepath.is_empty() {
            return; // the process was gone before /proc was read: nothing to learn or compare
        }
        let (obs, dev) = self.baselines.observe(&key, EXEC, exepath, e.time_ns());
        if matches!(obs, bulwark_runtime::baseline::Observation::Learned { .. }) {
            *self.pending.events.entry(key.clone()).or_default() += 1;
            if matches!(
                obs,
                bulwark_runtime::baseline::Observation::Learned { new: true }
            ) {
                self.pending
                    .entries
                    .entry(key.clone())
                    .or_default()
                    .push((EXEC.to_owned(), exepath.to_owned()));
            }
        }
        if let Some(Deviation { key, value, .. }) = dev {
            let out = format!(
                "Executed binary not in the locked baseline (proc.exepath={value} proc.cmdline={cmdline} image={} container={})",
                key.image_digest, key.container
            );
            self.alert(
                e,
                BASELINE_RULE,
                Priority::Warning,
                out,
                &["baseline", "process", "mitre_execution"],
            );
        }
        if self.last_merge.elapsed() >= MERGE_EVERY {
            self.merge();
        }
    }

    /// Merges what was learned since the last merge; a refused merge (the baseline was reset) reloads it.
    fn merge(&mut self) {
        self.last_merge = Instant::now();
        let Some(store) = self.store.clone() else {
            return;
        };
        let keys: Vec<BaselineKey> = self.baselines.iter().map(|b| b.key.clone()).collect();
        let now = now_ns();
        for key in keys {
            let Some(b) = self.baselines.get(&key) else {
                continue;
            };
            let events = self.pending.events.remove(&key).unwrap_or(0);
            let entries = self.pending.entries.remove(&key).unwrap_or_default();
            let generation = *self.pending.generation.get(&key).unwrap_or(&1);
            let delta = BaselineDelta {
                image_digest: key.image_digest.clone(),
                container: key.container.clone(),
                generation,
                state: b.state.as_str().to_owned(),
                started_at: b.started_ns,
                locked_at: b.locked_ns,
                events,
                entries,
            };
            match store.merge_baseline(&delta, now) {
                Ok(true) => {}
                Ok(false) => {
                    if let Ok(rs) = store.baselines(Some(&key.image_digest), Some(&key.container)) {
                        for r in rs {
                            self.pending.generation.insert(key.clone(), r.generation);
                            self.baselines.insert(to_baseline(&r));
                        }
                    }
                }
                Err(e) => eprintln!(
                    "bulwark runtime watch: cannot merge the baseline of {} {}: {e}",
                    key.image_digest, key.container
                ),
            }
        }
        // Take in what other watchers learned and locked.
        if let Ok(rs) = store.baselines(None, None) {
            for r in rs {
                let k = BaselineKey {
                    image_digest: r.image_digest.clone(),
                    container: r.container.clone(),
                };
                if self.pending.events.contains_key(&k) || self.pending.entries.contains_key(&k) {
                    continue;
                }
                self.pending.generation.insert(k, r.generation);
                self.baselines.insert(to_baseline(&r));
            }
        }
    }
}

pub(crate) fn watch(args: &WatchArgs) -> Result<Outcome> {
    if let Some(d) = &args.host_image
        && !bulwark_store::valid_digest(d)
    {
        bail!("--host-image {d}: not an image digest (sha256:<64 hex digits>)");
    }
    let store = args
        .store
        .as_deref()
        .map(open_store)
        .transpose()?
        .map(Arc::new);
    let ruleset = if args.rules.is_empty() {
        None
    } else {
        let mut files = Vec::new();
        for p in &args.rules {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read the rules file {}", p.display()))?;
            files.push(RulesFile {
                path: p.display().to_string(),
                text,
            });
        }
        match Ruleset::load(&files, &[&SyscallSchema], &LoadOptions::default()) {
            Ok((rs, diags)) => {
                for d in diags {
                    eprintln!(
                        "{}:{}:{}: warning: {} {}: {}",
                        d.file, d.line, d.column, d.item_kind, d.item_name, d.message
                    );
                }
                Some(rs)
            }
            Err(e) => {
                for d in &e.diagnostics {
                    eprintln!(
                        "{}:{}:{}: {:?}: {} {}: {}",
                        d.file, d.line, d.column, d.severity, d.item_kind, d.item_name, d.message
                    );
                }
                bail!("{e}");
            }
        }
    };
    let resolver: Arc<dyn ContainerResolver> = match &store {
        Some(s) => Arc::new(StoreResolver(Arc::clone(s))),
        None => Arc::new(StaticResolver::default()),
    };
    let opts = LiveOptions {
        proc_root: args.proc_root.clone(),
        duration: args.duration,
        ..LiveOptions::default()
    };
    let mut source = ProcConnector::open(opts, resolver).context(
        "cannot watch process events (the netlink process connector needs root or CAP_NET_ADMIN)",
    )?;
    let s = SyscallSchema;
    let resolve = |n: &str| s.resolve(n, None).map_err(|e| anyhow::anyhow!("{n}: {e}"));
    let fields = ALERT_FIELDS
        .iter()
        .map(|n| resolve(n))
        .collect::<Result<Vec<_>>>()?;
    let policy = LearnPolicy {
        window_ns: (!args.learn_for.is_zero())
            .then(|| i64::try_from(args.learn_for.as_nanos()).unwrap_or(i64::MAX)),
        min_events: (args.learn_events > 0).then_some(args.learn_events),
    };
    let enforce = super::runtime_enforce::for_watch(&args.enforce, store.as_ref())?;
    let mut w = Watcher {
        args_format: args.format,
        hostname: std::fs::read_to_string(args.proc_root.join("sys/kernel/hostname"))
            .map(|h| h.trim().to_owned())
            .unwrap_or_default(),
        store,
        baselines: Baselines::new(policy),
        pending: Pending::default(),
        owned: HashMap::new(),
        fields,
        apid: resolve("proc.apid")?,
        pid: resolve("proc.pid")?,
        ruleset,
        host_key: args.host_image.as_ref().map(|d| BaselineKey {
            image_digest: d.clone(),
            container: args.host_container.clone(),
        }),
        pid_tree: args.pid_tree,
        last_merge: Instant::now(),
        alerts: 0,
        out: std::io::stdout(),
        sink: None,
        enforce,
    };
    w.sink = super::runtime_sink::Sink::open(
        w.store.as_ref(),
        args.owners.as_deref(),
        &w.hostname,
        args.host_image.as_deref(),
    )?;
    w.load_baselines()?;
    let stop = source.stop_handle();
    let exepath_f = resolve("proc.exepath")?;
    let upper_f = resolve("proc.is_exe_upper_layer")?;
    let memfd_f = resolve("proc.is_exe_from_memfd")?;
    let cfields = ContainerFields::new()?;
    let mut seen = 0u64;
    eprintln!("bulwark runtime watch: watching process events");
    let drops = source.run(&mut |e: &dyn Event| {
        if !w.in_tree(e) {
            return;
        }
        seen += 1;
        if let Some(s) = &mut w.sink {
            s.event(e);
        }
        let exepath = match e.extract(&exepath_f) {
            Value::Str(s) => s.into_owned(),
            _ => String::new(),
        };
        let upper = e.extract(&upper_f) == Value::Bool(true);
        let memfd = e.extract(&memfd_f) == Value::Bool(true);
        let container = cfields.of(e);
        w.on_event(e, container.as_ref(), &exepath, upper, memfd);
        if args.max_events.is_some_and(|m| seen >= m) {
            stop.store(true, Ordering::Relaxed);
        }
    })?;
    w.merge();
    let stats = source.stats();
    eprintln!(
        "{}",
        serde_json::json!({
            "events": seen,
            "alerts": w.alerts,
            "store": w.sink.as_ref().map(super::runtime_sink::Sink::summary),
            "syscall_event_drops": drops,
            "live": stats,
        })
    );
    Ok(Outcome::Clean)
}

/// The container fields baselines are keyed by, resolved once.
struct ContainerFields {
    full_id: Field,
    name: Field,
    digest: Field,
}

impl ContainerFields {
    fn new() -> Result<Self> {
        let s = SyscallSchema;
        let r = |n: &str| s.resolve(n, None).map_err(|e| anyhow::anyhow!("{n}: {e}"));
        Ok(ContainerFields {
            full_id: r("container.full_id")?,
            name: r("container.name")?,
            digest: r("container.image.digest")?,
        })
    }

    /// The container of the event's process; `None` on the host.
    fn of(&self, e: &dyn Event) -> Option<ContainerInfo> {
        let Value::Str(full) = e.extract(&self.full_id) else {
            return None;
        };
        if full == "host" {
            return None;
        }
        let get = |f: &Field| match e.extract(f) {
            Value::Str(v) => v.into_owned(),
            _ => String::new(),
        };
        Some(ContainerInfo {
            full_id: full.into_owned(),
            name: get(&self.name),
            image_digest: get(&self.digest),
            ..ContainerInfo::default()
        })
    }
}

pub(crate) fn baseline(cmd: &BaselineCommand) -> Result<Outcome> {
    match cmd {
        BaselineCommand::Show { filter, json } => {
            let store = open_store(&filter.store)?;
            let bs = store.baselines(filter.image.as_deref(), filter.container.as_deref())?;
            let mut out = std::io::stdout().lock();
            if *json {
                writeln!(out, "{}", serde_json::to_string_pretty(&bs)?)?;
            } else if bs.is_empty() {
                writeln!(out, "no baselines")?;
            } else {
                for b in &bs {
                    writeln!(
                        out,
                        "{} {}  {}  {} events  {} entries  started {}{}",
                        b.image_digest,
                        b.container,
                        b.state,
                        b.events,
                        b.entries.len(),
                        iso8601(b.started_at),
                        b.locked_at
                            .map(|t| format!("  locked {}", iso8601(t)))
                            .unwrap_or_default()
                    )?;
                    for (kind, value) in &b.entries {
                        writeln!(out, "  {kind}  {value}")?;
                    }
                }
            }
        }
        BaselineCommand::Lock { filter } => {
            let store = open_store(&filter.store)?;
            let n = store.lock_baselines(
                filter.image.as_deref(),
                filter.container.as_deref(),
                now_ns(),
            )?;
            println!("locked {n} baseline(s)");
        }
        BaselineCommand::Reset { filter, all } => {
            if filter.image.is_none() && filter.container.is_none() && !all {
                bail!(
                    "runtime baseline reset: give --image and/or --container, or --all to reset every baseline"
                );
            }
            let store = open_store(&filter.store)?;
            let n = store.reset_baselines(
                filter.image.as_deref(),
                filter.container.as_deref(),
                now_ns(),
            )?;
            println!("reset {n} baseline(s)");
        }
    }
    Ok(Outcome::Clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references_split_into_repository_and_tag() {
        assert_eq!(
            split_image("registry:5000/team/app:1.2@sha256:abc"),
            ("registry:5000/team/app".into(), "1.2".into())
        );
        assert_eq!(
            split_image("registry:5000/app"),
            ("registry:5000/app".into(), String::new())
        );
        assert_eq!(split_image("nginx:1.25"), ("nginx".into(), "1.25".into()));
    }
}
