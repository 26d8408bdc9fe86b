//! `bulwark scan fs`: a repository or any directory: lockfiles and installed packages, secrets, malware,
//! license texts and Dockerfiles.
//!
//! One directory walk (`bulwark_catalog::lang::walk::walk`) feeds every scanner, so all of them follow the
//! same `.gitignore`, `.git/info/exclude`, `--skip-dirs` and `--skip-files` rules, and each file's bytes
//! are read once and handed to each scanner that wants them. Secrets are not looked for under
//! `node_modules` (third-party code, as before); malware is (that is where a malicious package lands).

use anyhow::Context;
use bulwark_catalog::lang::walk::{self, FileEntry};
use bulwark_report::{Format, LicenseFile, Report, Target, TargetKind};
use bulwark_types::{Diagnostic, Finding, Location};

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

/// What the walk's visitor collects on one thread.
#[derive(Default)]
struct Found {
    dockerfile: Vec<Finding>,
    secrets: Vec<Finding>,
    malware: Vec<Finding>,
    diagnostics: Vec<Diagnostic>,
    license_files: Vec<LicenseFile>,
}

/// Whether a path lies inside installed third-party code, whose license files are its own.
fn in_dependency(rel: &str) -> bool {
    rel.split('/').any(|c| {
        matches!(
            c,
            "node_modules" | "site-packages" | "dist-packages" | "vendor" | ".venv"
        )
    })
}

/// The scanners run on each file, and the visitor that runs them.
struct Scanners {
    dockerfiles: Option<bulwark_imagecheck::DockerfileCheckOptions>,
    secrets: Option<bulwark_secrets::Scanner>,
    malware: Option<bulwark_malware::Scanner>,
}

impl Scanners {
    /// The most any of them reads into memory at once.
    fn max_read_bytes(&self) -> u64 {
        let mut n = bulwark_catalog::lang::MAX_TEXT_BYTES.max(super::licenses::MAX_LICENSE_FILE);
        if let Some(o) = &self.dockerfiles {
            n = n.max(o.max_bytes as u64);
        }
        if let Some(s) = &self.secrets {
            n = n.max(s.max_file_size());
        }
        if let Some(m) = &self.malware {
            n = n.max(m.options().max_file_bytes);
        }
        n
    }

    fn visit(&self, f: &FileEntry<'_>, out: &mut Found) {
        let rel = f.path();
        if let Some(opts) = &self.dockerfiles
            && bulwark_imagecheck::is_dockerfile(rel)
        {
            match f.bytes() {
                Ok(bytes) => {
                    let (found, diags) =
                        bulwark_imagecheck::check_dockerfile_bytes(rel, bytes, opts);
                    out.dockerfile.extend(found);
                    out.diagnostics.extend(diags);
                }
                Err(e) => out.diagnostics.push(Diagnostic::warning(
                    format!("cannot read Dockerfile: {e}"),
                    Location::file(rel),
                )),
            }
        }
        // The repository's own license files; dependencies' licenses come from their package metadata.
        if bulwark_license::detect::is_license_file(rel)
            && !in_dependency(rel)
            && f.size() <= super::licenses::MAX_LICENSE_FILE
            && let Ok(bytes) = f.bytes()
        {
            out.license_files
                .push(super::licenses::detect_bytes(rel, bytes));
        }
        if let Some(s) = &self.secrets
            && !rel.split('/').any(|c| c == "node_modules")
        {
            let r = s.scan_sized(rel, f.size(), || f.bytes());
            out.secrets.extend(r.findings);
            out.diagnostics.extend(r.diagnostics);
        }
        if let Some(m) = &self.malware {
            // Bytes another scanner has read are scanned as they are; otherwise the malware scanner reads
            // the file itself, and only what it needs (big files are only stream-hashed).
            let r = match f.loaded() {
                Some(bytes) => m.scan_bytes(rel, bytes),
                None => m.scan_file(f.fs_path(), rel),
            };
            out.malware.extend(r.findings);
            out.diagnostics.extend(r.diagnostics);
        }
    }
}

/// Sorts findings by file, line and rule, so output does not depend on thread timing.
fn sorted(mut v: Vec<Finding>) -> Vec<Finding> {
    v.sort_by(|a, b| {
        (&a.location.path, a.location.line, a.location.column, &a.id).cmp(&(
            &b.location.path,
            b.location.line,
            b.location.column,
            &b.id,
        ))
    });
    v
}

pub(crate) fn scan_fs(args: &FsArgs) -> anyhow::Result<Outcome> {
    let mut report = Report::new(Target {
        kind: TargetKind::Filesystem,
        name: args.dir.display().to_string(),
        image: None,
    });
    let malware = match args.malware.scanner()? {
        Some((scanner, diagnostics)) => {
            report.diagnostics.extend(diagnostics);
            Some(scanner)
        }
        None => None,
    };
    let scanners = Scanners {
        dockerfiles: (!args.skip_dockerfile_checks).then(|| {
            bulwark_imagecheck::DockerfileCheckOptions {
                build_args: args
                    .build_args
                    .iter()
                    .filter_map(|kv| {
                        kv.split_once('=')
                            .map(|(k, v)| (k.to_string(), v.to_string()))
                    })
                    .collect(),
                ..Default::default()
            }
        }),
        secrets: args.secrets.scanner()?,
        malware,
    };
    let opts = walk::DirOptions {
        skip_dirs: args.skip_dirs.clone(),
        skip_files: args.skip_files.clone(),
        no_gitignore: args.no_gitignore,
        max_read_bytes: scanners.max_read_bytes(),
    };
    let (found, per_thread) = walk::walk(&args.dir, &opts, |f, out| scanners.visit(f, out))
        .with_context(|| format!("failed to scan {}", args.dir.display()))?;
    report.packages = found.packages;
    report.packages.sort_by(|a, b| {
        (a.package_type, &a.name, &a.version, &a.found_in).cmp(&(
            b.package_type,
            &b.name,
            &b.version,
            &b.found_in,
        ))
    });
    report.diagnostics.extend(found.diagnostics);
    let mut all = Found::default();
    for mut t in per_thread {
        all.dockerfile.append(&mut t.dockerfile);
        all.secrets.append(&mut t.secrets);
        all.malware.append(&mut t.malware);
        all.diagnostics.append(&mut t.diagnostics);
        all.license_files.append(&mut t.license_files);
    }
    report.findings.extend(sorted(all.dockerfile));
    report.findings.extend(sorted(all.secrets));
    report.findings.extend(sorted(all.malware));
    all.diagnostics.sort_by(|a, b| {
        (&a.location.path, a.location.line, &a.message).cmp(&(
            &b.location.path,
            b.location.line,
            &b.message,
        ))
    });
    report.diagnostics.extend(all.diagnostics);
    all.license_files.sort_by(|a, b| a.path.cmp(&b.path));
    report.license_files = all.license_files;
    super::licenses::apply(&mut report, &args.licenses)?;
    super::vulns::match_report(&mut report, &args.vulns)?;
    let failed = super::evaluate::evaluate(&mut report, &args.eval, args.out.quiet)?;
    Ok(super::image::gated(
        super::image::finish(&report, &args.out, Format::Table)?,
        failed,
    ))
}
