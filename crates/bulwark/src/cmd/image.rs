//! `bulwark sbom`, `bulwark scan image` and `bulwark scan rootfs`: open the target, catalog it, render the
//! report.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use bulwark_report::{Format, ImageMetadata, RenderOptions, Report, Target, TargetKind};
use bulwark_source::{Image, ImageFs, PlatformSpec, ReadOptions, SourceSpec};

use crate::Outcome;

/// Options shared by every command that writes a report.
#[derive(Debug, clap::Args)]
pub(crate) struct OutputArgs {
    /// Output format: table, json, cyclonedx, spdx-json, sarif, junit, policyreport (Kubernetes
    /// `wgpolicyk8s.io/v1alpha2` PolicyReport and ClusterPolicyReport YAML), html (one printable page), csv
    /// (one row per finding), gitlab-cs and gitlab-ds (GitLab container- and dependency-scanning security
    /// reports). The table fits `COLUMNS`, else the
    /// terminal, else 160 columns; it is coloured as `--color` says (auto: only
    /// on a terminal without `NO_COLOR`).
    #[arg(long, short = 'f', value_name = "FORMAT")]
    pub(crate) format: Option<Format>,
    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o')]
    pub(crate) output: Option<PathBuf>,
    /// Print no warnings or progress on stderr.
    #[arg(long, short = 'q')]
    pub(crate) quiet: bool,
}

/// How to reach an image.
#[derive(Debug, clap::Args)]
pub(crate) struct ImageArgs {
    /// The image: a registry reference (`nginx:1.27`, `127.0.0.1:5000/app@sha256:…`), a docker-archive or
    /// oci-archive tar, an OCI layout directory (`DIR` or `DIR:TAG`). Prefixes `docker-archive:`,
    /// `oci-archive:`, `oci-dir:`, `dir:` and `registry:` force the kind.
    pub(crate) image: String,
    /// Platform to pick from a multi-arch image (`os/arch[/variant]`); the default is the host's.
    #[arg(long, default_value_t = crate::conventions::host_platform())]
    pub(crate) platform: String,
    #[command(flatten)]
    pub(crate) registry: RegistryArgs,
    /// Do not re-hash layer blobs while reading them (manifests and configs are still checked, and registry
    /// downloads are always verified as they arrive). Saves reading every byte of uncompressed layers.
    #[arg(long)]
    pub(crate) skip_layer_verify: bool,
}

/// How to reach a registry: image pulls and `db update --oci`.
#[derive(Debug, clap::Args)]
pub(crate) struct RegistryArgs {
    /// Where pulled blobs are cached.
    #[arg(long, env = "BULWARK_CACHE_DIR")]
    pub(crate) cache_dir: Option<PathBuf>,
    /// Cap the blob cache at this many MiB (least recently used blobs are evicted after a pull).
    #[arg(long)]
    pub(crate) cache_max_mib: Option<u64>,
    /// Use plain HTTP for the registry.
    #[arg(long)]
    pub(crate) insecure: bool,
    /// PEM file of CA certificates to trust for the registry.
    #[arg(long, env = "BULWARK_CA_FILE")]
    pub(crate) ca_file: Option<PathBuf>,
    /// Registry user name (otherwise `~/.docker/config.json`, else anonymous).
    #[arg(long, env = "BULWARK_REGISTRY_USERNAME")]
    pub(crate) username: Option<String>,
    /// Registry password or token (prefer --password-stdin: a value on the command line is visible to other
    /// users in the process list).
    #[arg(long, env = "BULWARK_REGISTRY_PASSWORD", hide_env_values = true)]
    pub(crate) password: Option<String>,
    /// Read the registry password from stdin (`echo "$TOKEN" | bulwark … --username u --password-stdin`), as
    /// `docker login --password-stdin` does; one trailing newline is removed.
    #[arg(long, conflicts_with = "password", requires = "username")]
    pub(crate) password_stdin: bool,
}

impl RegistryArgs {
    /// Pull options for these flags (the default platform; callers set their own where it matters).
    pub(crate) fn pull_options(&self, quiet: bool) -> bulwark_registry::PullOptions {
        bulwark_registry::PullOptions {
            cache_dir: self
                .cache_dir
                .clone()
                .unwrap_or_else(bulwark_registry::default_cache_dir),
            insecure: self.insecure,
            ca_file: self.ca_file.clone(),
            username: self.username.clone(),
            password: if self.password_stdin {
                crate::conventions::stdin_password()
            } else {
                self.password.clone()
            },
            max_cache_bytes: self.cache_max_mib.map(|m| m << 20),
            progress: crate::progress::bar(quiet),
            ..bulwark_registry::PullOptions::default()
        }
    }
}

#[derive(Debug, clap::Args)]
pub(crate) struct SbomArgs {
    #[command(flatten)]
    pub(crate) image: ImageArgs,
    #[command(flatten)]
    pub(crate) out: OutputArgs,
}

/// Image configuration checks and the file-access policy.
#[derive(Debug, clap::Args)]
pub(crate) struct ImageCheckArgs {
    /// Do not run the image configuration checks (user, healthcheck, setuid files, caches, base image…).
    #[arg(long)]
    pub(crate) skip_image_checks: bool,
    /// Flag images older than this many days.
    #[arg(long, value_name = "DAYS", default_value_t = 365)]
    pub(crate) max_image_age: u32,
    /// Paths the image's own layers may write (`/web/html,/app`); any other file they write is a finding.
    #[arg(long, value_delimiter = ',', value_name = "PATHS")]
    pub(crate) allowed_paths: Vec<String>,
    /// With --allowed-paths: how many bottom layers belong to the base image (exempt).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) base_layers: usize,
}

#[derive(Debug, clap::Args)]
pub(crate) struct ScanImageArgs {
    #[command(flatten)]
    pub(crate) image: ImageArgs,
    #[command(flatten)]
    pub(crate) checks: ImageCheckArgs,
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
    pub(crate) release: super::sign::ReleaseFlags,
    #[command(flatten)]
    pub(crate) out: OutputArgs,
}

#[derive(Debug, clap::Args)]
pub(crate) struct ScanSbomArgs {
    /// A CycloneDX (1.2–1.6) or SPDX (2.2/2.3) JSON SBOM.
    pub(crate) sbom: PathBuf,
    #[command(flatten)]
    pub(crate) licenses: super::licenses::LicenseArgs,
    #[command(flatten)]
    pub(crate) vulns: super::db::DbScanArgs,
    #[command(flatten)]
    pub(crate) eval: super::evaluate::EvalArgs,
    #[command(flatten)]
    pub(crate) out: OutputArgs,
}

#[derive(Debug, clap::Args)]
pub(crate) struct RootfsArgs {
    /// The root directory. On a host's `/`, `/proc`, `/sys`, `/dev` and `/run` are not walked, nor is any
    /// mount point of a kernel or memory file system (proc, sysfs, devtmpfs, tmpfs, cgroup…) under the root.
    pub(crate) dir: PathBuf,
    /// Root-relative directories to leave out.
    #[arg(long, value_delimiter = ',')]
    pub(crate) skip_dirs: Vec<String>,
    #[command(flatten)]
    pub(crate) licenses: super::licenses::LicenseArgs,
    #[command(flatten)]
    pub(crate) vulns: super::db::DbScanArgs,
    #[command(flatten)]
    pub(crate) eval: super::evaluate::EvalArgs,
    #[command(flatten)]
    pub(crate) out: OutputArgs,
}

/// `bulwark sbom`: the inventory as CycloneDX (default), SPDX or Bulwark JSON.
pub(crate) fn sbom(args: &SbomArgs) -> Result<Outcome> {
    let (mut report, _) = scan_image(&args.image, args.out.quiet, None)?;
    bulwark_license::annotate(&mut report.packages);
    // `-f table` lists the packages: an SBOM has no findings to show.
    render_report(&report, &args.out, Format::CycloneDx, true)
}

/// `bulwark scan image`: inventory, vulnerabilities, evaluation, gate.
pub(crate) fn scan_image_cmd(args: &ScanImageArgs) -> Result<Outcome> {
    let (mut report, files) = scan_image(
        &args.image,
        args.out.quiet,
        Some(Extra {
            checks: &args.checks,
            secrets: &args.secrets,
            malware: &args.malware,
            files_for_policy: args.eval.policy.policy.is_some(),
        }),
    )?;
    crate::term::lap("read, catalog and check the image");
    super::licenses::apply(&mut report, &args.licenses)?;
    crate::term::lap("licenses");
    super::vulns::match_report(&mut report, &args.vulns)?;
    crate::term::lap("match vulnerabilities");
    let facts = files.map(|files| bulwark_policy::ImageFacts {
        files: Some(files),
        ..bulwark_policy::ImageFacts::default()
    });
    let failed =
        super::evaluate::evaluate_image(&mut report, &args.eval, args.out.quiet, facts.as_ref())?;
    crate::term::lap("evaluate");
    let outcome = gated(finish(&report, &args.out, Format::Table)?, failed);
    // The release gate: only an image whose verdict passes (and whose report is trustworthy) is signed.
    if args.release.sign {
        if outcome == Outcome::Clean {
            let r = &args.image.registry;
            let flags = super::sign::RegistryFlags {
                insecure: r.insecure,
                ca_file: r.ca_file.clone(),
                username: r.username.clone(),
                password: r.password.clone(),
            };
            let image = args
                .image
                .image
                .strip_prefix("registry:")
                .unwrap_or(&args.image.image);
            super::sign::release(&args.release, &flags, image, &report)?;
        } else if !args.out.quiet {
            eprintln!(
                "bulwark: the verdict did not pass: the image is not signed and nothing was pushed"
            );
        }
    }
    std::mem::forget(report); // see scan_sbom
    Ok(outcome)
}

/// `bulwark scan sbom`: re-match a stored SBOM without the image.
pub(crate) fn scan_sbom(args: &ScanSbomArgs) -> Result<Outcome> {
    // The error names the file and says it was the SBOM.
    let sbom = bulwark_sbom::read_sbom(&args.sbom)?;
    let mut report = sbom_report(sbom, || args.sbom.display().to_string());
    super::licenses::apply(&mut report, &args.licenses)?;
    super::vulns::match_report(&mut report, &args.vulns)?;
    let failed = super::evaluate::evaluate(&mut report, &args.eval, args.out.quiet)?;
    let outcome = gated(finish(&report, &args.out, Format::Table)?, failed);
    // Freeing thousands of findings just before the process exits costs a tenth of the scan.
    std::mem::forget(report);
    Ok(outcome)
}

/// The report of an SBOM before matching: named by what the SBOM describes (else `fallback`), with its packages,
/// distro and diagnostics. `scan sbom` and the re-match's verdicts (`inventory rescan`, `serve --store`) build it
/// here.
pub(crate) fn sbom_report(sbom: bulwark_sbom::Sbom, fallback: impl FnOnce() -> String) -> Report {
    let mut report = Report::new(Target {
        kind: TargetKind::Sbom,
        name: sbom.target_name.unwrap_or_else(fallback),
        image: None,
    });
    report.os = sbom.distro;
    report.packages = sbom.packages;
    report.diagnostics.extend(sbom.diagnostics);
    report
}

/// An untrustworthy result (2) wins over a failed gate (1).
pub(crate) fn gated(outcome: Outcome, failed: bool) -> Outcome {
    if outcome == Outcome::Clean && failed {
        Outcome::PolicyFailed
    } else {
        outcome
    }
}

/// `bulwark scan rootfs`.
pub(crate) fn scan_rootfs(args: &RootfsArgs) -> Result<Outcome> {
    let bar = crate::progress::WalkBar::new(args.out.quiet, &args.dir);
    let progress = |seen: u64, wanted: u64| {
        if let Some(b) = &bar {
            b.report(seen, wanted);
        }
    };
    // Language files (binaries, archives, metadata) stay on disk until the catalogers read them one by one:
    // a host holds gigabytes of them.
    let fs = bulwark_source::read_rootfs(
        &args.dir,
        &ReadOptions {
            wanted: &bulwark_catalog::wanted,
            deferred: &bulwark_catalog::deferrable,
            walk_progress: bar
                .as_ref()
                .map(|_| &progress as &bulwark_source::WalkProgress<'_>),
            ..ReadOptions::default()
        },
        &args.skip_dirs,
    );
    let fs = match fs {
        Ok(fs) => fs,
        Err(e) => {
            if let Some(b) = &bar {
                b.finish();
            }
            return Err(e)
                .with_context(|| format!("failed to read root filesystem {}", args.dir.display()));
        }
    };
    if let Some(b) = &bar {
        b.phase("reading package databases, metadata and binaries");
    }
    let mut report = Report::new(Target {
        kind: TargetKind::Rootfs,
        name: args.dir.display().to_string(),
        image: None,
    });
    fill(&mut report, fs);
    if let Some(b) = &bar {
        b.finish();
    }
    super::licenses::apply(&mut report, &args.licenses)?;
    super::vulns::match_report(&mut report, &args.vulns)?;
    let failed = super::evaluate::evaluate(&mut report, &args.eval, args.out.quiet)?;
    let outcome = gated(finish(&report, &args.out, Format::Table)?, failed);
    std::mem::forget(report); // see scan_sbom
    Ok(outcome)
}

/// What `scan image` runs besides the inventory (`bulwark sbom` runs none of it).
#[derive(Clone, Copy)]
pub(crate) struct Extra<'a> {
    checks: &'a ImageCheckArgs,
    secrets: &'a super::secrets::SecretArgs,
    malware: &'a super::malware::MalwareArgs,
    /// Keep the merged file system's file list for the policy's file-path rules (`--policy`).
    files_for_policy: bool,
}

pub(crate) fn scan_image(
    args: &ImageArgs,
    quiet: bool,
    extra: Option<Extra<'_>>,
) -> Result<(Report, Option<Vec<bulwark_policy::ImageFile>>)> {
    let checks = extra.map(|e| e.checks);
    let scanner = match extra {
        Some(e) => e.secrets.scanner()?,
        None => None,
    };
    let (malware, malware_diagnostics) = match extra {
        Some(e) => e.malware.scanner()?.unzip(),
        None => (None, None),
    };
    let collector = scanner.as_ref().map(super::secrets::LayerSecrets::new);
    let malware_collector = malware.as_ref().map(bulwark_malware::LayerCollector::new);
    let visit = |l: &bulwark_types::LayerRef, p: &str, c: &[u8]| {
        if let Some(col) = &collector {
            col.visit(l, p, c);
        }
        if let Some(col) = &malware_collector {
            col.visit(l, p, c);
        }
    };
    let platform: PlatformSpec = args.platform.parse().map_err(anyhow::Error::msg)?;
    let spec = bulwark_source::detect(&args.image);
    let image = match &spec {
        SourceSpec::Archive { path, tag } => Image::open_archive(path, tag.as_deref(), &platform)?,
        SourceSpec::OciDir { path, tag } => Image::open_oci_dir(path, tag.as_deref(), &platform)?,
        SourceSpec::Registry(r) => pull(r, args, quiet)?,
        SourceSpec::Rootfs(dir) => {
            let forced = args.image.starts_with("dir:") || args.image.starts_with("rootfs:");
            if !forced && !looks_like_rootfs(dir) {
                anyhow::bail!(
                    "{} is neither an OCI image layout (no oci-layout or index.json) nor a root filesystem \
                     (no etc/, usr/ or bin/); for a repository or any other directory use `bulwark scan fs {}`, \
                     or write `dir:{}` to scan it as a root filesystem anyway",
                    dir.display(),
                    dir.display(),
                    dir.display()
                );
            }
            let wanted = bulwark_catalog::wanted;
            let fs = bulwark_source::read_rootfs(
                dir,
                &ReadOptions {
                    wanted: &wanted,
                    ..ReadOptions::default()
                },
                &[],
            )?;
            let mut report = Report::new(Target {
                kind: TargetKind::Rootfs,
                name: args.image.clone(),
                image: None,
            });
            fill(&mut report, fs);
            return Ok((report, None));
        }
    };
    let wanted = bulwark_catalog::wanted;
    let bar = crate::progress::LayerBar::new(quiet);
    let progress = |i: usize, done: u64, total: u64| {
        if let Some(b) = &bar {
            b.report(i, done, total);
        }
    };
    let fs = image.read_fs(&ReadOptions {
        wanted: &wanted,
        verify_digests: !args.skip_layer_verify,
        visit: (collector.is_some() || malware_collector.is_some())
            .then_some(&visit as &bulwark_source::FileVisitor<'_>),
        progress: bar
            .as_ref()
            .map(|_| &progress as &bulwark_source::LayerProgress<'_>),
        ..ReadOptions::default()
    });
    if let Some(b) = &bar {
        b.finish();
    }
    let fs = fs.with_context(|| format!("failed to read image {}", image.name))?;
    let metadata = ImageMetadata {
        manifest_digest: image.manifest_digest.clone(),
        config_digest: image.config_digest.clone(),
        repo_tags: image.repo_tags.clone(),
        architecture: image.config.architecture.clone(),
        os: image.config.os.clone(),
        created: image.config.created.clone(),
        layers: image.layers.iter().map(|l| l.info.clone()).collect(),
        config: image.config.config.clone(),
    };
    let mut report = Report::new(Target {
        kind: TargetKind::Image,
        name: args.image.clone(),
        image: Some(metadata),
    });
    if let Some(col) = malware_collector {
        let (f, d) = col.finish();
        report.findings.extend(f);
        report.diagnostics.extend(d);
    }
    report
        .diagnostics
        .extend(malware_diagnostics.into_iter().flatten());
    if let (Some(col), Some(sc)) = (collector, scanner.as_ref()) {
        report.findings.extend(col.finish(&fs));
        report
            .findings
            .extend(super::secrets::scan_config(sc, &image));
    }
    if let Some(c) = checks {
        let layers: Vec<bulwark_types::LayerRef> =
            image.layers.iter().map(|l| l.info.clone()).collect();
        if !c.skip_image_checks {
            let opts = bulwark_imagecheck::ImageCheckOptions {
                max_age_days: c.max_image_age,
                today: None,
            };
            report.findings.extend(bulwark_imagecheck::check_image(
                &image.config,
                &fs,
                &layers,
                &opts,
            ));
        }
        if !c.allowed_paths.is_empty() {
            report
                .findings
                .extend(bulwark_imagecheck::check_file_access(
                    &fs,
                    &layers,
                    &c.allowed_paths,
                    c.base_layers,
                ));
        }
    }
    // Every file (not directory) of the merged tree with the layer that last wrote it: what a policy's
    // `files.allowedPaths` rule judges.
    let files = extra.filter(|e| e.files_for_policy).map(|_| {
        fs.nodes()
            .filter(|(_, n)| !matches!(n.kind, bulwark_source::NodeKind::Dir))
            .map(|(path, n)| bulwark_policy::ImageFile {
                path: format!("/{path}"),
                layer: n.layer,
            })
            .collect()
    });
    fill(&mut report, fs);
    Ok((report, files))
}

/// A root filesystem has at least one of the top-level directories every Linux image has (distroless and
/// busybox images included).
fn looks_like_rootfs(dir: &Path) -> bool {
    ["etc", "usr", "bin", "lib", "var/lib"]
        .iter()
        .any(|d| dir.join(d).is_dir())
}

fn pull(reference: &str, args: &ImageArgs, quiet: bool) -> Result<Image> {
    let r: bulwark_registry::Reference = reference.parse().with_context(|| {
        format!("'{reference}' is neither a file, a directory nor an image reference")
    })?;
    let opts = bulwark_registry::PullOptions {
        platform: args.platform.parse().map_err(|e| anyhow::anyhow!("{e}"))?,
        ..args.registry.pull_options(quiet)
    };
    let pulled =
        bulwark_registry::pull(&r, &opts).with_context(|| format!("failed to pull {r}"))?;
    let layers = pulled
        .layers
        .iter()
        .map(|l| (l.digest.clone(), l.path.clone()))
        .collect();
    let mut image = Image::from_pulled(
        r.to_string(),
        pulled.manifest_digest,
        pulled.config_digest,
        pulled.config,
        layers,
    )?;
    image.repo_tags = r
        .tag
        .iter()
        .map(|t| format!("{}/{}:{t}", r.registry, r.repository))
        .collect();
    Ok(image)
}

fn fill(report: &mut Report, mut fs: ImageFs) {
    let catalog = bulwark_catalog::catalog(&fs);
    report.os = catalog.distro;
    report.packages = catalog.packages;
    report.diagnostics.append(&mut fs.diagnostics);
    report.diagnostics.extend(catalog.diagnostics);
}

/// Prints diagnostics, renders the report, and maps errors in the input to exit 2.
pub(crate) fn finish(report: &Report, out: &OutputArgs, default: Format) -> Result<Outcome> {
    render_report(report, out, default, false)
}

/// [`finish`], with the table listing packages (`inventory`) rather than findings.
fn render_report(
    report: &Report,
    out: &OutputArgs,
    default: Format,
    inventory: bool,
) -> Result<Outcome> {
    if !out.quiet {
        for d in &report.diagnostics {
            eprintln!("bulwark: {d}");
        }
    }
    let format = out.format.unwrap_or(default);
    let options = RenderOptions {
        inventory,
        color: crate::term::color(out.output.is_none()),
        ..RenderOptions::for_output(out.output.is_none())
    };
    crate::term::lap("up to the report");
    write_output(out.output.as_deref(), |w| {
        bulwark_report::render(format, report, &options, w).map_err(anyhow::Error::from)
    })?;
    crate::term::lap("render");
    Ok(if report.has_errors() {
        Outcome::Untrusted
    } else {
        Outcome::Clean
    })
}

/// Writes to the file (through a temporary sibling renamed into place, so a failed run leaves no half
/// report) or to stdout.
pub(crate) fn write_output(
    path: Option<&Path>,
    render: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    match path {
        None => {
            let stdout = std::io::stdout();
            let mut lock = std::io::BufWriter::with_capacity(256 << 10, stdout.lock());
            render(&mut lock)?;
            lock.flush()?;
        }
        // Devices, pipes and other special files (`-o /dev/stdout`, `-o /dev/null`) are written in place:
        // renaming over them would replace the device with a regular file.
        Some(p) if std::fs::metadata(p).is_ok_and(|m| !m.is_file()) => {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(p)
                .with_context(|| format!("cannot open {}", p.display()))?;
            let mut w = std::io::BufWriter::with_capacity(256 << 10, file);
            render(&mut w)?;
            w.flush()?;
        }
        Some(p) => {
            // A uniquely named temporary file created with O_EXCL (no symlink is followed, no other run's file
            // is reused) in the target's own directory, renamed into place when complete.
            let dir = match p.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => Path::new("."),
            };
            if !dir.is_dir() {
                anyhow::bail!(
                    "cannot write {}: directory {} does not exist",
                    p.display(),
                    dir.display()
                );
            }
            let name = p.file_name().map_or_else(
                || std::ffi::OsString::from("report"),
                std::ffi::OsStr::to_os_string,
            );
            let mut prefix = std::ffi::OsString::from(".");
            prefix.push(&name);
            prefix.push(".");
            let tmp = tempfile::Builder::new()
                .prefix(&prefix)
                .suffix(".bulwark-tmp")
                .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644))
                .tempfile_in(dir)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", p.display()))?;
            let mut w = std::io::BufWriter::with_capacity(256 << 10, tmp);
            render(&mut w)?;
            let tmp = w
                .into_inner()
                .map_err(|e| anyhow::anyhow!("cannot write {}: {}", p.display(), e.error()))?;
            tmp.persist(p)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {}", p.display(), e.error))?;
        }
    }
    Ok(())
}
