//! `bulwark scan fs`: a repository or any directory: lockfiles and installed packages.

use crate::Outcome;

#[derive(Debug, clap::Args)]
pub(crate) struct FsArgs {
    /// The directory to scan.
    pub(crate) dir: std::path::PathBuf,
    #[command(flatten)]
    pub(crate) out: super::image::OutputArgs,
}

pub(crate) fn scan_fs(_args: &FsArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("scan fs is not implemented yet")
}
