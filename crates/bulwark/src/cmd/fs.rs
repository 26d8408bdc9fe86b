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
    /// Do not check Dockerfiles.
    #[arg(long)]
    pub(crate) skip_dockerfile_checks: bool,
    /// `ARG` values for the Dockerfile checks (`--build-arg KEY=VALUE`, repeatable).
    #[arg(long = "build-arg", value_name = "KEY=VALUE")]
    pub(crate) build_args: Vec<String>,
    #[command(flatten)]
    pub(crate) secrets: super::secrets::SecretArgs,
    #[command(flatten)]
    pub(crate) malware: super::malware::MalwareArgs,
    #[command(flatten)]
    pub(crate) licenses: super::licenses::LicenseArgs,
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
        collect: Some(if args.skip_dockerfile_checks {
            bulwark_license::detect::is_license_file as fn(&str) -> bool
        } else {
            |p: &str| {
                bulwark_imagecheck::is_dockerfile(p) || bulwark_license::detect::is_license_file(p)
            }
        }),
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
    let df_opts = bulwark_imagecheck::DockerfileCheckOptions {
        build_args: args
            .build_args
            .iter()
            .filter_map(|kv| {
                kv.split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
            })
            .collect(),
        ..Default::default()
    };
    for rel in &found.collected {
        // The repository's own license files; dependencies' licenses come from their package metadata.
        let in_dependency = rel.split('/').any(|c| {
            matches!(
                c,
                "node_modules" | "site-packages" | "dist-packages" | "vendor" | ".venv"
            )
        });
        if bulwark_license::detect::is_license_file(rel) && !in_dependency {
            report
                .license_files
                .extend(super::licenses::detect_file(&args.dir, rel));
        }
        if args.skip_dockerfile_checks || !bulwark_imagecheck::is_dockerfile(rel) {
            continue;
        }
        match std::fs::read(args.dir.join(rel)) {
            Ok(bytes) => {
                let (f, d) = bulwark_imagecheck::check_dockerfile_bytes(rel, &bytes, &df_opts);
                report.findings.extend(f);
                report.diagnostics.extend(d);
            }
            Err(e) => report.diagnostics.push(bulwark_types::Diagnostic::warning(
                format!("cannot read: {e}"),
                bulwark_types::Location::file(rel.clone()),
            )),
        }
    }
    if let Some(scanner) = args.secrets.scanner()? {
        let mut skip = args.skip_dirs.clone();
        skip.push("node_modules".into());
        let (f, d) = scanner.scan_dir(&args.dir, &bulwark_secrets::DirOptions { skip_dirs: skip });
        report.findings.extend(f);
        report.diagnostics.extend(d);
    }
    if let Some((scanner, diagnostics)) = args.malware.scanner()? {
        report.diagnostics.extend(diagnostics);
        let (f, d) = scanner.scan_dir(
            &args.dir,
            &bulwark_malware::DirOptions {
                skip_dirs: args.skip_dirs.clone(),
            },
        );
        report.findings.extend(f);
        report.diagnostics.extend(d);
    }
    super::licenses::apply(&mut report, &args.licenses)?;
    super::vulns::match_report(&mut report, &args.vulns)?;
    let failed = super::evaluate::evaluate(&mut report, &args.eval, args.out.quiet)?;
    Ok(super::image::gated(
        super::image::finish(&report, &args.out, Format::Table)?,
        failed,
    ))
}
