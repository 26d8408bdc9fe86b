//! `bulwark kube`: what runs in a cluster, read from the Kubernetes API (bulwark-kube).
//!
//! `inventory` lists once and prints the placements; `watch` lists, then watches, printing each change as a
//! JSON line (`{"type":"resync"|"upsert"|"remove",…}`).

use std::fmt::Write as _;
use std::io::Write as _;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use bulwark_kube::{
    Client, ClientOptions, ClusterConfig, Environments, Inventory, InventoryOptions, Kubeconfig,
};

use crate::Outcome;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum KubeCommand {
    /// List the pods of a cluster once and print where each image runs: cluster, environment, namespace,
    /// workload (Deployment, StatefulSet, DaemonSet, CronJob, Job, bare Pod…), container, image and digest.
    Inventory(InventoryArgs),
    /// List, then watch the pods, printing each change of the inventory as a JSON line: a `resync` with every
    /// placement after each (re-)list, then `upsert` and `remove`.
    Watch(WatchArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum KubeFormat {
    Table,
    Json,
}

/// How to reach a cluster and how to name what runs there: the flags `bulwark kube` and `bulwark serve` share.
#[derive(Debug, clap::Args)]
pub(crate) struct KubeFlags {
    /// The kubeconfig file [default: $KUBECONFIG (`:`-separated, merged as kubectl merges it), else
    /// ~/.kube/config]. `bulwark serve` watches a cluster only when given this or --in-cluster.
    #[arg(long, value_name = "FILE")]
    pub(crate) kubeconfig: Option<PathBuf>,
    /// The kubeconfig context [default: its current-context].
    #[arg(long, value_name = "NAME")]
    context: Option<String>,
    /// Use the pod's service account (KUBERNETES_SERVICE_HOST/PORT and
    /// /var/run/secrets/kubernetes.io/serviceaccount) instead of a kubeconfig.
    #[arg(long, conflicts_with_all = ["kubeconfig", "context"])]
    pub(crate) in_cluster: bool,
    /// The service account directory read with --in-cluster.
    #[arg(long, value_name = "DIR", hide = true, default_value = bulwark_kube::config::SERVICE_ACCOUNT_DIR)]
    service_account_dir: PathBuf,
    /// The cluster name written in placements [default: the kubeconfig's cluster name, or `in-cluster`].
    #[arg(long, value_name = "NAME")]
    pub(crate) cluster: Option<String>,
    /// Namespace globs to environments (YAML: `label:` and `namespaces: [{match: "jx-*-pr-*", environment:
    /// preview}]`); a namespace's label comes first.
    #[arg(long, value_name = "FILE")]
    environments: Option<PathBuf>,
    /// The namespace label that names its environment [default: the environments file's `label`, else
    /// bulwark.dev/environment].
    #[arg(long, value_name = "KEY")]
    environment_label: Option<String>,
    /// Time allowed for each API request (not a watch), e.g. 30s.
    #[arg(long, value_name = "DURATION", default_value = "1m", value_parser = crate::term::parse_duration)]
    pub(crate) request_timeout: Duration,
    /// Items per list page (`limit`).
    #[arg(long, value_name = "N", default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) page_size: u32,
}

impl KubeFlags {
    /// The cluster to reach: the in-cluster service account, or a kubeconfig context.
    pub(crate) fn cluster_config(&self) -> Result<ClusterConfig> {
        Ok(if self.in_cluster {
            bulwark_kube::config::in_cluster(
                std::env::var("KUBERNETES_SERVICE_HOST").ok().as_deref(),
                std::env::var("KUBERNETES_SERVICE_PORT").ok().as_deref(),
                &self.service_account_dir,
            )?
        } else {
            let home = std::env::var_os("HOME").map(PathBuf::from);
            Kubeconfig::load(
                self.kubeconfig.as_deref(),
                std::env::var("KUBECONFIG").ok().as_deref(),
                home.as_deref(),
            )?
            .resolve(self.context.as_deref())?
        })
    }

    /// The environments file (if any) with --environment-label applied.
    pub(crate) fn environments(&self) -> Result<Environments> {
        let mut environments = match &self.environments {
            Some(p) => Environments::load(p)?,
            None => Environments::default(),
        };
        if let Some(l) = &self.environment_label {
            environments.label.clone_from(l);
        }
        Ok(environments)
    }
}

#[derive(Debug, clap::Args)]
pub(crate) struct ConnectArgs {
    #[command(flatten)]
    kube: KubeFlags,
    /// Only this namespace [default: all namespaces].
    #[arg(long, short = 'n', value_name = "NAME")]
    namespace: Option<String>,
}

#[derive(Debug, clap::Args)]
pub(crate) struct InventoryArgs {
    #[command(flatten)]
    connect: ConnectArgs,
    /// Output format.
    #[arg(long, short = 'o', value_enum, default_value_t = KubeFormat::Table)]
    output: KubeFormat,
}

#[derive(Debug, clap::Args)]
pub(crate) struct WatchArgs {
    #[command(flatten)]
    connect: ConnectArgs,
    /// Stop after printing N changes (the first resync counts as one).
    #[arg(long, value_name = "N")]
    max_events: Option<u64>,
    /// Stop after this long, e.g. 30s or 10m [default: run until interrupted].
    #[arg(long, value_name = "DURATION", value_parser = crate::term::parse_duration)]
    duration: Option<Duration>,
    /// `timeoutSeconds` of each watch request; the watch is re-opened from the last resourceVersion.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = crate::term::parse_duration)]
    watch_timeout: Duration,
}

pub(crate) fn run(cmd: &KubeCommand) -> Result<Outcome> {
    match cmd {
        KubeCommand::Inventory(a) => inventory(a),
        KubeCommand::Watch(a) => watch(a),
    }
}

fn connect(a: &ConnectArgs, opts: ClientOptions, watch: bool) -> Result<Inventory> {
    let cfg = a.kube.cluster_config()?;
    let environments = a.kube.environments()?;
    let client = Client::new(cfg, opts).context("cannot set up the Kubernetes client")?;
    Ok(Inventory::new(
        client,
        InventoryOptions {
            cluster: a.kube.cluster.clone(),
            namespace: a.namespace.clone(),
            environments,
            page_size: a.kube.page_size,
            max_watch_failures: if watch { Some(10) } else { Some(1) },
            ..InventoryOptions::default()
        },
    ))
}

fn inventory(a: &InventoryArgs) -> Result<Outcome> {
    let opts = ClientOptions {
        request_timeout: a.connect.kube.request_timeout,
        ..ClientOptions::default()
    };
    let mut inv = connect(&a.connect, opts, false)?;
    let placements = inv.list()?;
    for w in &inv.warnings {
        eprintln!("bulwark: warning: {w}");
    }
    let mut out = std::io::stdout().lock();
    match a.output {
        KubeFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &placements)?;
            writeln!(out)?;
        }
        KubeFormat::Table => {
            let esc = |s: &str| bulwark_types::escape_control(s).into_owned();
            let rows: Vec<[String; 6]> = placements
                .iter()
                .map(|p| {
                    [
                        esc(p.environment.as_deref().unwrap_or("-")),
                        esc(&p.namespace),
                        esc(&format!("{}/{}", p.workload_kind, p.workload_name)),
                        esc(&p.container),
                        esc(&p.image),
                        esc(p.digest.as_deref().unwrap_or("-")),
                    ]
                })
                .collect();
            let head = [
                "ENVIRONMENT",
                "NAMESPACE",
                "WORKLOAD",
                "CONTAINER",
                "IMAGE",
                "DIGEST",
            ];
            let mut widths = head.map(str::len);
            for r in &rows {
                for (w, c) in widths.iter_mut().zip(r) {
                    *w = (*w).max(c.chars().count());
                }
            }
            let line = |cells: &[String]| {
                let mut s = String::new();
                for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
                    if i + 1 == cells.len() {
                        s.push_str(c);
                    } else {
                        let _ = write!(s, "{c:<w$}  ");
                    }
                }
                s
            };
            writeln!(out, "{}", line(&head.map(str::to_owned)))?;
            for r in &rows {
                writeln!(out, "{}", line(r))?;
            }
            writeln!(
                out,
                "{} placements in cluster {}",
                placements.len(),
                esc(placements.first().map_or("-", |p| p.cluster.as_str()))
            )?;
        }
    }
    Ok(Outcome::Clean)
}

fn watch(a: &WatchArgs) -> Result<Outcome> {
    let opts = ClientOptions {
        request_timeout: a.connect.kube.request_timeout,
        watch_timeout: a.watch_timeout.max(Duration::from_secs(1)),
        watch_idle_timeout: a.watch_timeout.max(Duration::from_secs(1)) + Duration::from_secs(30),
        ..ClientOptions::default()
    };
    let mut inv = connect(&a.connect, opts, true)?;
    let deadline = a.duration.map(|d| Instant::now() + d);
    let mut printed = 0u64;
    let mut out = std::io::stdout().lock();
    let mut failed: Option<std::io::Error> = None;
    inv.watch(deadline, &mut |change| {
        let line = serde_json::to_string(&change).unwrap_or_default();
        if let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush()) {
            failed = Some(e);
            return ControlFlow::Break(());
        }
        printed += 1;
        if a.max_events.is_some_and(|m| printed >= m) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    for w in &inv.warnings {
        eprintln!("bulwark: warning: {w}");
    }
    Ok(Outcome::Clean)
}
