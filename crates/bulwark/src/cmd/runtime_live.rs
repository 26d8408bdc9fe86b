//! `bulwark runtime watch` and `bulwark runtime baseline`.

use anyhow::{Result, bail};

use crate::Outcome;

#[derive(Debug, clap::Args)]
pub(crate) struct WatchArgs {}

#[derive(Debug, clap::Subcommand)]
pub(crate) enum BaselineCommand {
    /// Show the learned baselines.
    Show,
}

pub(crate) fn watch(_args: &WatchArgs) -> Result<Outcome> {
    bail!("runtime watch is not built yet")
}

pub(crate) fn baseline(_cmd: &BaselineCommand) -> Result<Outcome> {
    bail!("runtime baseline is not built yet")
}
