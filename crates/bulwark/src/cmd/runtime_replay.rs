//! `bulwark runtime replay` and `bulwark runtime rules validate`.

use std::path::PathBuf;

use anyhow::{Result, bail};

use crate::Outcome;

#[derive(Debug, clap::Args)]
pub(crate) struct ReplayArgs {
    /// The capture file or audit events file (`-` for stdin).
    pub(crate) input: PathBuf,
    /// A Falco rules file; repeat to load several in order (a later file overrides or appends).
    #[arg(long = "rules", short = 'r', value_name = "FILE", required = true)]
    pub(crate) rules: Vec<PathBuf>,
}

#[derive(Debug, clap::Subcommand)]
pub(crate) enum RulesCommand {
    /// Load rules files and report errors and warnings naming the item and position. Exit 0 when they load.
    Validate {
        /// The rules files, loaded in order.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

pub(crate) fn replay(_args: &ReplayArgs) -> Result<Outcome> {
    bail!("runtime replay is not built yet")
}

pub(crate) fn rules(_cmd: &RulesCommand) -> Result<Outcome> {
    bail!("runtime rules validate is not built yet")
}
