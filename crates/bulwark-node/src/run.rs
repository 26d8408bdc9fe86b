//! A whole `bulwark bench node` run, as kube-bench's `run` and its default command:
//!
//! - **config**: `<cfg>/config.yaml`, with `<cfg>/<benchmark>/config.yaml` merged over it when present
//!   ([`Config::merge`]);
//! - **benchmark**: given (`--benchmark`); else from the Kubernetes version (given with `--version`, else
//!   [`detect::kubernetes_version`](crate::detect::kubernetes_version), else kube-bench's default `1.18`) through
//!   `version_mapping`, the minor version decremented until a key matches (`1.36` → `1.34` → `cis-1.12`), as
//!   kube-bench's `mapToBenchmarkVersion`; the benchmark must have a `target_mapping` entry and a directory;
//! - **targets**: given (`worker` reads as `node`), each in the benchmark's `target_mapping`; else the mapped
//!   targets narrowed to the node: `master` (and `controlplane` with it) when every non-optional `master` component
//!   with `bins` has a running binary (kube-bench's `isMaster`: the API server, scheduler and controller manager),
//!   `etcd` when etcd runs, `node` when a kubelet runs (kube-bench runs `node` always; here a root without a kubelet
//!   has no node section), `policies` and `managedservices` always. Sections come out ordered by their numeric id
//!   (master 1, etcd 2, controlplane 3, node 4, policies 5), as kube-bench writes them;
//! - **variables**: per target, [`Config::variables`] with `running(bin)` as kube-bench's `verifyBin` (a process
//!   under `<root>/proc` whose command name is the candidate's first word, or its first 15 bytes, and whose command
//!   line starts with the candidate after an optional directory) and `exists(path)` resolved under the root
//!   ([`resolve`], symlinks never leave it);
//! - **filters**: `--check` keeps the checks whose id or group id is listed; `--skip` turns the listed checks or
//!   groups into `type: skip` (INFO, as kube-bench); groups left without checks are dropped;
//! - every check is judged by [`eval::run`](crate::eval::run) through a [`RootAuditor`]. An audit that is not a
//!   native form fails without `--allow-shell` (kube-bench's failed-audit rule) and the check says `needs_shell`.
//!
//! kube-bench fills a missing `audit_env` with a shell pipeline over `/proc/<pid>/environ`; Bulwark does not (the
//! `env` items read only an explicit `audit_env`), so an etcd flag set only through the environment is not seen.

use std::cell::Cell;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::NodeError;
use crate::State;
use crate::audit::{AuditOutput, Auditor, RootAuditor, recognise, resolve};
use crate::config::{Config, Variables, substitute};
use crate::controls::{Check, CheckType, Controls};
use crate::detect::kubernetes_version;
use crate::eval::Outcome;
use crate::procfs::{Process, processes};

/// What to run.
#[derive(Debug, Clone)]
pub struct NodeOptions {
    /// The host's root (`/`, or a read-only hostPath such as `/host`).
    pub root: PathBuf,
    /// kube-bench's `cfg` directory (holding `config.yaml` and one directory per benchmark).
    pub config_dir: PathBuf,
    /// The node's name for the report: `None` reads `<root>/etc/hostname`, else `localhost`.
    pub node_name: Option<String>,
    /// `cis-1.10`, …; `None` (or `auto`) detects it from the Kubernetes version.
    pub benchmark: Option<String>,
    /// The Kubernetes version to map to a benchmark (kube-bench's `--version`), instead of detecting it.
    pub version: Option<String>,
    /// `master`, `node`, `etcd`, `controlplane`, `policies`; empty: the benchmark's targets present on the node.
    pub targets: Vec<String>,
    /// Only these check or group ids (kube-bench's `--check`), empty for all.
    pub checks: Vec<String>,
    /// Skip these check or group ids (kube-bench's `--skip`).
    pub skip: Vec<String>,
    /// Run audits that are not a native form through `/bin/sh`.
    pub allow_shell: bool,
    /// Time limit of one shell audit.
    pub timeout: Duration,
    /// Bytes of one audit's output kept.
    pub max_output: usize,
}

impl NodeOptions {
    /// Defaults for a root and a cfg directory: auto benchmark, every target present, no shell, 10 s, 1 MiB.
    #[must_use]
    pub fn new(root: impl Into<PathBuf>, config_dir: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            config_dir: config_dir.into(),
            node_name: None,
            benchmark: None,
            version: None,
            targets: Vec::new(),
            checks: Vec::new(),
            skip: Vec::new(),
            allow_shell: false,
            timeout: Duration::from_secs(10),
            max_output: 1 << 20,
        }
    }
}

/// The result of a run.
#[derive(Debug, Clone)]
pub struct NodeRun {
    /// The node's name (given, or `<root>/etc/hostname`, else `localhost`).
    pub node: String,
    /// The benchmark run (`cis-1.10`).
    pub benchmark: String,
    /// The Kubernetes version detected (or given), `None` when it could not be found.
    pub detected_version: Option<String>,
    /// How the benchmark was chosen, for the report: `given`, `version 1.31 → cis-1.10`, `default`.
    pub chosen_by: String,
    /// One per target run, in kube-bench's order (master, etcd, controlplane, node, policies).
    pub sections: Vec<SectionResult>,
}

/// One target's check file and its results.
#[derive(Debug, Clone)]
pub struct SectionResult {
    /// The file's metadata; its `groups` keep their checks for the texts, the results are in `groups` here.
    pub controls: Controls,
    pub groups: Vec<GroupResult>,
}

#[derive(Debug, Clone)]
pub struct GroupResult {
    pub id: String,
    pub text: String,
    pub checks: Vec<CheckResult>,
}

#[derive(Debug, Clone)]
pub struct CheckResult {
    pub check: Check,
    pub outcome: Outcome,
    /// The audits with `$vars` substituted, as run.
    pub audit: String,
    pub audit_config: String,
    pub audit_env: String,
    /// An audit ran through the shell (`--allow-shell`).
    pub used_shell: bool,
    /// An audit was not a native form and the shell was not allowed: the state is kube-bench's failed-audit rule
    /// and the report lists the check as needing `--allow-shell`.
    pub needs_shell: bool,
}

/// Counts of states.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Totals {
    pub pass: usize,
    pub fail: usize,
    pub warn: usize,
    pub info: usize,
}

impl Totals {
    pub fn add(&mut self, s: State) {
        match s {
            State::Pass => self.pass += 1,
            State::Fail => self.fail += 1,
            State::Warn => self.warn += 1,
            State::Info => self.info += 1,
        }
    }
}

impl NodeRun {
    /// Totals over every section.
    #[must_use]
    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for s in &self.sections {
            for g in &s.groups {
                for c in &g.checks {
                    t.add(c.outcome.state);
                }
            }
        }
        t
    }
}

/// kube-bench's `defaultKubeVersion`: the version assumed when none is detected.
pub const DEFAULT_KUBE_VERSION: &str = "1.18";

/// Targets in the order kube-bench's default command runs them.
const TARGET_ORDER: &[&str] = &[
    "master",
    "controlplane",
    "etcd",
    "node",
    "policies",
    "managedservices",
];

/// Runs the benchmark. Errors: the cfg directory or a check file that cannot be read or parsed (file:line), an
/// unknown benchmark or target (naming those that exist); check results are data.
pub fn run_node(opts: &NodeOptions) -> Result<NodeRun, NodeError> {
    let mut config = Config::load(&opts.config_dir.join("config.yaml"))?;
    let benchmarks = benchmarks(&opts.config_dir, &config);
    let procs = processes(&opts.root).unwrap_or_default();

    let given = opts
        .benchmark
        .as_deref()
        .map(str::trim)
        .filter(|b| !b.is_empty() && *b != "auto");
    let version_given = opts
        .version
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty());
    if given.is_some() && version_given.is_some() {
        return Err(NodeError::Other(
            "give either a benchmark or a Kubernetes version, not both (as kube-bench)".into(),
        ));
    }
    let (benchmark, detected_version, chosen_by) = if let Some(b) = given {
        (b.to_string(), None, "given".to_string())
    } else {
        let (version, how) = match version_given {
            Some(v) => (v.to_string(), "version given".to_string()),
            None => match kubernetes_version(&opts.root) {
                Some((v, from)) => (v, format!("version from the {from}")),
                None => (
                    DEFAULT_KUBE_VERSION.to_string(),
                    "version not detected, kube-bench's default".to_string(),
                ),
            },
        };
        let Some(b) = map_version(&config, &version) else {
            return Err(NodeError::Other(format!(
                "no benchmark maps Kubernetes {version} ({how}) in {}; known benchmarks: {}; give --benchmark",
                opts.config_dir.join("config.yaml").display(),
                benchmarks.join(", ")
            )));
        };
        let chosen = format!("{how}: {version} → {b}");
        (b, Some(version), chosen)
    };
    if !benchmarks.contains(&benchmark) {
        return Err(NodeError::Other(format!(
            "unknown benchmark {benchmark:?} ({chosen_by}) in {}; known benchmarks: {}",
            opts.config_dir.display(),
            benchmarks.join(", ")
        )));
    }
    let bench_dir = opts.config_dir.join(&benchmark);
    let own = bench_dir.join("config.yaml");
    if own.is_file() {
        config.merge(Config::load(&own)?);
    }

    let mapped: Vec<String> = config
        .targets_for(&benchmark)
        .iter()
        .map(|t| t.to_ascii_lowercase())
        .collect();
    let targets: Vec<String> = if opts.targets.is_empty() {
        let running = |bin: &str| bin_running(&procs, bin);
        let present = |t: &str| target_running(&config, t, &running);
        mapped
            .iter()
            .filter(|t| match t.as_str() {
                "master" | "controlplane" => present("master"),
                "etcd" => present("etcd"),
                "node" => present("node"),
                _ => true,
            })
            .cloned()
            .collect()
    } else {
        let mut v: Vec<String> = Vec::new();
        for t in &opts.targets {
            let t = t.trim().to_ascii_lowercase().replace("worker", "node");
            if !mapped.contains(&t) {
                return Err(NodeError::Other(format!(
                    "target {t:?} is not one of {benchmark}'s targets: {}",
                    mapped.join(", ")
                )));
            }
            if !v.contains(&t) {
                v.push(t);
            }
        }
        v
    };

    let auditor = RootAuditor {
        root: opts.root.clone(),
        allow_shell: opts.allow_shell,
        timeout: opts.timeout,
        max_output: opts.max_output,
    };
    let exists =
        |p: &str| resolve(&opts.root, p, true).is_ok_and(|real| std::fs::metadata(real).is_ok());
    let running = |bin: &str| bin_running(&procs, bin);
    let mut sections = Vec::new();
    for target in order(&targets) {
        let file = bench_dir.join(format!("{target}.yaml"));
        if !file.is_file() {
            return Err(NodeError::Other(format!(
                "{}: no {target} check file for {benchmark}",
                file.display()
            )));
        }
        let controls = crate::controls::load(&file)?;
        if !controls.target.is_empty() && controls.target != target {
            return Err(NodeError::Other(format!(
                "{}: a {} check file where the {target} file was expected",
                file.display(),
                controls.target
            )));
        }
        let vars = config.variables(&target, &running, &exists);
        sections.push(run_section(controls, &vars, &auditor, opts));
    }
    sections.sort_by_key(|s| s.controls.id.parse::<u64>().unwrap_or(u64::MAX));

    Ok(NodeRun {
        node: node_name(opts),
        benchmark,
        detected_version,
        chosen_by,
        sections,
    })
}

/// The benchmarks that `config.yaml` maps to targets and that have a directory, sorted.
fn benchmarks(cfg: &Path, config: &Config) -> Vec<String> {
    let mut v: Vec<String> = config
        .target_mapping
        .keys()
        .filter(|b| !b.contains('/') && !b.starts_with('.') && cfg.join(b).is_dir())
        .cloned()
        .collect();
    v.sort();
    v
}

/// kube-bench's `mapToBenchmarkVersion`: the version as written, then `major.minor`, then the minor decremented
/// down to 1.
fn map_version(config: &Config, version: &str) -> Option<String> {
    if let Some(b) = config.benchmark_for(version) {
        return Some(b.to_string());
    }
    let v = version.trim().trim_start_matches('v');
    let mut parts = v.split('.');
    let major = parts.next()?;
    let minor: u32 = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()?;
    let mut m = minor;
    while m > 1 {
        m -= 1;
        let k = format!("{major}.{m}");
        if let Some((_, b)) = config.version_mapping.iter().find(|(key, _)| *key == k) {
            return Some(b.clone());
        }
    }
    None
}

/// kube-bench's `verifyBin`: a process named by the candidate's first word (the command name is cut to 15 bytes
/// by the kernel) whose command line starts with the candidate, after an optional directory.
fn bin_running(procs: &[Process], bin: &str) -> bool {
    let bin = bin.trim_matches(['\'', '"']);
    let Some(first) = bin.split_whitespace().next() else {
        return false;
    };
    let short: String = first.chars().take(15).collect();
    procs.iter().any(|p| {
        if p.comm != first && p.comm != short {
            return false;
        }
        let cmd = p.args.join(" ");
        // `^(\S*/)*BIN`: skip a leading directory made of non-space characters.
        let head = cmd.split(' ').next().unwrap_or("");
        let rest = match head.rfind('/') {
            Some(i) => &cmd[i + 1..],
            None => cmd.as_str(),
        };
        rest.starts_with(bin) || cmd.starts_with(bin)
    })
}

/// kube-bench's `isThisNodeRunning`: the target has components with `bins`, and every non-optional one runs.
fn target_running(config: &Config, target: &str, running: &dyn Fn(&str) -> bool) -> bool {
    let Some(t) = config.targets.get(target) else {
        return false;
    };
    let mut any = false;
    for name in &t.components {
        let Some(c) = t.settings.get(name) else {
            continue;
        };
        let bins = c.candidates.get("bins").map_or(&[][..], |v| v.as_slice());
        if bins.is_empty() {
            continue;
        }
        any = true;
        if !c.optional && !bins.iter().any(|b| running(b)) {
            return false;
        }
    }
    any
}

fn order(targets: &[String]) -> Vec<String> {
    let mut v: Vec<String> = TARGET_ORDER
        .iter()
        .filter(|t| targets.iter().any(|x| x == *t))
        .map(|t| (*t).to_string())
        .collect();
    v.extend(
        targets
            .iter()
            .filter(|t| !TARGET_ORDER.contains(&t.as_str()))
            .cloned(),
    );
    v
}

/// Whether an id list (`--check`, `--skip`) names the check or its group.
fn listed(list: &[String], group: &str, check: &str) -> bool {
    list.iter().any(|x| {
        let x = x.trim();
        x == group || x == check
    })
}

fn run_section(
    controls: Controls,
    vars: &Variables,
    auditor: &RootAuditor,
    opts: &NodeOptions,
) -> SectionResult {
    let mut groups = Vec::new();
    for g in &controls.groups {
        let mut checks = Vec::new();
        for c in &g.checks {
            if !opts.checks.is_empty() && !listed(&opts.checks, &g.id, &c.id) {
                continue;
            }
            let mut check = c.clone();
            if listed(&opts.skip, &g.id, &c.id) {
                check.check_type = CheckType::Skip;
            }
            checks.push(run_check(check, vars, auditor));
        }
        if !checks.is_empty() {
            groups.push(GroupResult {
                id: g.id.clone(),
                text: substitute(&g.text, vars),
                checks,
            });
        }
    }
    SectionResult { controls, groups }
}

/// Records what the audits of one check needed.
struct Recording<'a> {
    inner: &'a RootAuditor,
    used_shell: Cell<bool>,
    needs_shell: Cell<bool>,
}

impl Auditor for Recording<'_> {
    fn run(&self, command: &str) -> AuditOutput {
        let out = self.inner.run(command);
        if out.used_shell {
            self.used_shell.set(true);
        }
        if !self.inner.allow_shell && recognise(command).is_none() {
            self.needs_shell.set(true);
        }
        out
    }
}

fn run_check(check: Check, vars: &Variables, auditor: &RootAuditor) -> CheckResult {
    let rec = Recording {
        inner: auditor,
        used_shell: Cell::new(false),
        needs_shell: Cell::new(false),
    };
    let outcome = crate::eval::run(&check, vars, &rec);
    let sub = |s: &str| substitute(s, vars);
    // kube-bench substitutes the whole check file before parsing, so texts and remediations name the paths found.
    let mut check = check;
    check.text = sub(&check.text);
    check.remediation = sub(&check.remediation);
    CheckResult {
        audit: sub(&check.audit),
        audit_config: sub(&check.audit_config),
        audit_env: sub(&check.audit_env),
        used_shell: rec.used_shell.get(),
        needs_shell: rec.needs_shell.get(),
        outcome,
        check,
    }
}

/// At most this many bytes of `/etc/hostname` read.
const MAX_HOSTNAME: u64 = 256;

/// `NodeOptions.node_name`, else the first line of `<root>/etc/hostname`, else `localhost`.
fn node_name(opts: &NodeOptions) -> String {
    if let Some(n) = opts
        .node_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        return n.to_string();
    }
    let read = || -> Option<String> {
        let real = resolve(&opts.root, "/etc/hostname", true).ok()?;
        let mut buf = Vec::new();
        std::fs::File::open(real)
            .ok()?
            .take(MAX_HOSTNAME)
            .read_to_end(&mut buf)
            .ok()?;
        let text = String::from_utf8(buf).ok()?;
        let name = text.lines().next()?.trim();
        let ok = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
        ok.then(|| name.to_string())
    };
    read().unwrap_or_else(|| "localhost".to_string())
}
