//! `bulwark runtime`: Falco-compatible rules over audit events, capture files and live process events
//! (bulwark-runtime). Each subcommand family lives in its own module: `runtime_replay` (replay, rules validate),
//! `runtime_live` (watch, baseline).

use anyhow::Result;

use crate::Outcome;
use crate::cmd::{runtime_live, runtime_replay};

#[derive(Debug, clap::Subcommand)]
pub(crate) enum RuntimeCommand {
    /// Replay a capture file (`.scap`, gzip or plain) or Kubernetes audit events (JSON lines, a JSON array or an
    /// EventList) through Falco rules; the source is detected from the content. Exit 1 when a rule fired.
    Replay(runtime_replay::ReplayArgs),
    /// Falco rules files: `validate` loads them and reports errors and warnings, as `falco -V` does.
    Rules {
        #[command(subcommand)]
        command: runtime_replay::RulesCommand,
    },
    /// Watch live process events on this node (netlink process connector, enriched from /proc) through the rules
    /// and the learned baselines.
    Watch(runtime_live::WatchArgs),
    /// Baselines of executed binaries per image digest and container: show, lock, reset.
    Baseline {
        #[command(subcommand)]
        command: runtime_live::BaselineCommand,
    },
}

pub(crate) fn run(cmd: &RuntimeCommand) -> Result<Outcome> {
    match cmd {
        RuntimeCommand::Replay(args) => runtime_replay::replay(args),
        RuntimeCommand::Rules { command } => runtime_replay::rules(command),
        RuntimeCommand::Watch(args) => runtime_live::watch(args),
        RuntimeCommand::Baseline { command } => runtime_live::baseline(command),
    }
}
