//! `bulwark scan fs`: a repository or any directory: lockfiles and installed packages.

use anyhow::Context;
use bulwark_report::{Format, Report, Target, TargetKind};

use crate::Outcome;

#[derive(Debug, clap::Args)]
pub(crate) struct FsArgs {
    /// The directory to scan.
    pub(crate) dir: std::path::PathBuf,
    /// Directories to leave out: globs relative to DIR (`**/testdata`, `vendor`).
    #[arg(long, value_delimiter = ',')]
    pub(crate) skip_dirs: Vec<String>,
    /// Files to leave out: globs relative to DIR (`**/package-lock.json`).
    #[arg(long, value_delimiter = ',')]
    pub(crate) skip_files: Vec<String>,
    /// Read files that `.gitignore` rules exclude too.
    #[arg(long)]
    pub(crate) no_gitignore: bool,
    #[command(flatten)]
    pub(crate) vulns: super::db::DbScanArgs,
    #[command(flatten)]
    pub(crate) eval: super::evaluate::EvalArgs,
    #[command(flatten)]
    pub(crate) out: super::image::OutputArgs,
}

pub(crate) fn scan_fs(args: &FsArgs) -> anyhow::Result<Outcome> {
    let opts = bulwark_catalog::lang::walk::DirOptions {
        skip_dirs: args.skip_dirs.clone(),
        skip_files: args.skip_files.clone(),
        no_gitignore: args.no_gitignore,
    };
    let found = bulwark_catalog::lang::walk::scan_dir(&args.dir, &opts)
        .with_context(|| format!("failed to scan {}", args.dir.display()))?;
    let mut report = Report::new(Target {
        kind: TargetKind::Filesystem,
        name: args.dir.display().to_string(),
        image: None,
    });
    report.packages = found.packages;
    report.packages.sort_by(|a, b| {
        (a.package_type, &a.name, &a.version, &a.found_in).cmp(&(
            b.package_type,
            &b.name,
            &b.version,
            &b.found_in,
        ))
    });
    report.diagnostics = found.diagnostics;
    super::vulns::match_report(&mut report, &args.vulns)?;
    let failed = super::evaluate::evaluate(&mut report, &args.eval, args.out.quiet)?;
    Ok(super::image::gated(
        super::image::finish(&report, &args.out, Format::Table)?,
        failed,
    ))
}
