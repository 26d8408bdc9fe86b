//! A whole `bulwark bench node` run: the benchmark chosen (given, or from the detected Kubernetes version through
//! `config.yaml`'s `version_mapping`), its targets (given, or `target_mapping` narrowed to the components present
//! under the root, as kube-bench does), each target's check file loaded, the variables filled from the root, and
//! every check judged through a [`RootAuditor`](crate::audit::RootAuditor).
//!
//! STUB (session 15 skeleton): the types are the contract between the runner, the outputs and the CLI.

use std::path::PathBuf;
use std::time::Duration;

use crate::State;
use crate::controls::{Check, Controls};
use crate::eval::Outcome;

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

/// Runs the benchmark. Errors: the cfg directory or a check file that cannot be read or parsed (file:line), an
/// unknown benchmark or target; check results are data.
pub fn run_node(opts: &NodeOptions) -> Result<NodeRun, crate::NodeError> {
    let _ = opts;
    Err(crate::NodeError::Other("bench node: not built yet".into()))
}
