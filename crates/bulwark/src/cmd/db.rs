//! `bulwark db build|update|info`.

use crate::Outcome;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum DbCommand {
    /// Show the vulnerability database's age and sources.
    Info,
}

pub(crate) fn run(_cmd: &DbCommand) -> anyhow::Result<Outcome> {
    anyhow::bail!("the vulnerability database is not implemented yet")
}
