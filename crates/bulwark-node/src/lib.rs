//! Node and cluster checks (`bulwark bench node|host`, `bulwark probe`).
//!
//! Data flow: [`config`] reads kube-bench's `cfg/config.yaml` (component binaries, config files, variables,
//! version and target mappings) and [`controls`] its check files unmodified; [`eval`] runs each check's audits
//! through an [`audit::Auditor`] (native for the common forms, a shell only with `--allow-shell`) under a host
//! root and applies the tests, giving a [`State`] per check; [`output`] writes kube-bench's text and JSON shapes
//! and the checks as report findings. [`host`] is the compact Linux host benchmark and [`probe`] the read-only
//! exposure probe. Synchronous; nothing here writes to the host.
//!
//! The runner is [`run::run_node`]; [`detect`] finds the Kubernetes version under the root without running anything.

pub mod audit;
pub mod config;
pub mod controls;
pub mod detect;
pub mod eval;
pub mod host;
pub mod output;
pub mod probe;
mod procfs;
pub mod run;

/// The result of one check, as kube-bench names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum State {
    Pass,
    Fail,
    Warn,
    Info,
}

/// Errors that stop a run. Check results are data, not errors.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// A check or config file that does not parse, naming file and line.
    #[error("{path}:{line}: {reason}")]
    Parse {
        path: String,
        line: usize,
        reason: String,
    },
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A probe target or range that is refused (`/16` without `--force`), or anything else said in words.
    #[error("{0}")]
    Other(String),
}
