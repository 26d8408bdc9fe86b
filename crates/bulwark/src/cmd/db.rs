//! `bulwark db build|update|info`, and the DB options every vulnerability scan shares ([`DbScanArgs`]).

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use bulwark_vulndb::{FeedInput, FeedKind, FeedUrl, VulnDb};

use crate::Outcome;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum DbCommand {
    /// Build a DB from feed files on disk (OSV JSON/zip/JSON lines, Debian tracker, Alpine secdb, NVD, EPSS, KEV).
    Build(BuildArgs),
    /// Replace the DB: download a prebuilt one (sha256-verified, optionally signature-checked) from a URL or an
    /// OCI registry artifact, or rebuild it from the upstream feeds.
    // The registry flags are shared with image pulls (cmd/image.rs); the two without help there get it here.
    #[command(
        mut_arg("username", |a| a.help("Registry user name (else ~/.docker/config.json or anonymous)")),
        mut_arg("password", |a| a.help("Registry password or token, with --username"))
    )]
    Update(Box<UpdateArgs>),
    /// Install a DB file from disk (plain or gzip), e.g. one copied to an air-gapped machine; the same as
    /// `db update --url FILE`.
    Import(ImportArgs),
    /// Show the vulnerability database's age and sources.
    Info(InfoArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct DbPath {
    /// The DB file [default: $BULWARK_DB, else $XDG_CACHE_HOME/bulwark/db/bulwark.db, else ~/.cache/bulwark/db/bulwark.db].
    #[arg(long = "db", value_name = "FILE")]
    pub(crate) db: Option<PathBuf>,
}

impl DbPath {
    pub(crate) fn path(&self) -> PathBuf {
        self.db
            .clone()
            .unwrap_or_else(bulwark_vulndb::default_db_path)
    }
}

#[derive(Debug, clap::Args)]
pub(crate) struct BuildArgs {
    /// Where to write the DB [default: the DB path].
    #[arg(long, short = 'o')]
    pub(crate) output: Option<PathBuf>,
    /// OSV data: a record, a directory, an osv.dev all.zip, or JSON lines. Repeatable.
    #[arg(long, value_name = "PATH")]
    pub(crate) osv: Vec<PathBuf>,
    /// Debian security tracker JSON. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub(crate) debian: Vec<PathBuf>,
    /// Alpine secdb JSON file or directory tree (v3.X/main.json). Repeatable.
    #[arg(long, value_name = "PATH")]
    pub(crate) secdb: Vec<PathBuf>,
    /// NVD JSON 2.0 feed file or directory (CVSS enrichment). Repeatable.
    #[arg(long, value_name = "PATH")]
    pub(crate) nvd: Vec<PathBuf>,
    /// EPSS CSV (.csv or .csv.gz).
    #[arg(long, value_name = "FILE")]
    pub(crate) epss: Vec<PathBuf>,
    /// CISA KEV JSON.
    #[arg(long, value_name = "FILE")]
    pub(crate) kev: Vec<PathBuf>,
    #[command(flatten)]
    pub(crate) db: DbPath,
    /// List every feed record that was skipped (by default one line counts them per source).
    #[arg(long)]
    pub(crate) show_skipped: bool,
    /// Print nothing but errors.
    #[arg(long, short = 'q')]
    pub(crate) quiet: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct UpdateArgs {
    #[command(flatten)]
    pub(crate) db: DbPath,
    /// A prebuilt DB (plain or .gz): an http(s) URL, a file:// URL or a path. A download's sha256 comes from
    /// --sha256 or the <URL>.sha256 sidecar (required); a local file is checked when either exists.
    #[arg(long, env = "BULWARK_DB_URL", conflicts_with_all = ["from_feeds", "oci"])]
    pub(crate) url: Option<String>,
    /// OCI artifact holding a prebuilt DB (`registry/repo:tag` or `@sha256:…`): one layer of media type
    /// `application/vnd.bulwark.db.layer.v1.sqlite` (or `+gzip`), signed (see --public-key). The registry
    /// verifies its digest. This is what plain `bulwark db update` pulls [default: ghcr.io/bulwark-security/bulwark-db:1].
    #[arg(
        long,
        visible_alias = "db-repository",
        value_name = "REFERENCE",
        env = "BULWARK_DB_REPOSITORY"
    )]
    pub(crate) oci: Option<String>,
    /// PEM public key (ECDSA P-256, as cosign makes, or Ed25519) the DB must be signed with. OCI artifacts are
    /// always checked, against Bulwark's built-in key unless this is given; URLs only when it is given.
    #[arg(
        long,
        visible_alias = "db-public-key",
        value_name = "FILE",
        env = "BULWARK_DB_PUBLIC_KEY"
    )]
    pub(crate) public_key: Option<PathBuf>,
    /// Install an OCI artifact that carries no signature (a mirror you trust by other means).
    #[arg(long)]
    pub(crate) allow_unsigned: bool,
    /// The TUF repository's root.json to trust when --db-repository is `tuf+https://HOST/PATH[#TARGET]`
    /// (metadata at PATH/metadata/, the DB target, default `bulwark.db.gz`, at PATH/targets/). Needed once:
    /// the trusted metadata is kept in <DB dir>/tuf/ and root rotations are followed from there.
    #[arg(long, value_name = "ROOT.json")]
    pub(crate) tuf_root: Option<PathBuf>,
    /// The signature (file or URL; raw or base64, as `cosign sign-blob` prints it) [default: <URL>.sig, or
    /// the artifact layer's `dev.bulwark.signature` annotation].
    #[arg(long, value_name = "FILE|URL")]
    pub(crate) signature: Option<String>,
    #[command(flatten)]
    pub(crate) registry: super::image::RegistryArgs,
    /// Expected sha256 of the download (hex, or sha256:hex).
    #[arg(long)]
    pub(crate) sha256: Option<String>,
    /// Rebuild from the upstream feeds instead of downloading a DB. Without any --*-url flag, the public
    /// feeds are used (OSV all.zip per ecosystem, Debian tracker, Alpine secdb, EPSS, KEV); with them, only
    /// the feeds named (a mirror).
    #[arg(long)]
    pub(crate) from_feeds: bool,
    /// OSV feed URL (an osv.dev all.zip, a record, or JSON lines). Repeatable.
    #[arg(long, value_name = "URL")]
    pub(crate) osv_url: Vec<String>,
    /// Debian security tracker JSON URL (https://security-tracker.debian.org/tracker/data/json). Repeatable.
    #[arg(long, value_name = "URL")]
    pub(crate) debian_url: Vec<String>,
    /// Alpine secdb URLs (…/v3.X/main.json). Repeatable.
    #[arg(long, value_name = "URL")]
    pub(crate) secdb_url: Vec<String>,
    /// NVD JSON 2.0 feed URL (CVSS enrichment). Repeatable.
    #[arg(long, value_name = "URL")]
    pub(crate) nvd_url: Vec<String>,
    /// EPSS CSV URL (.csv or .csv.gz). Repeatable.
    #[arg(long, value_name = "URL")]
    pub(crate) epss_url: Vec<String>,
    /// CISA KEV JSON URL. Repeatable.
    #[arg(long, value_name = "URL")]
    pub(crate) kev_url: Vec<String>,
    /// Print nothing but errors.
    #[arg(long, short = 'q')]
    pub(crate) quiet: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct ImportArgs {
    /// The DB file (plain SQLite or gzip), as `bulwark db build` writes it or `db update` installs it.
    #[arg(value_name = "FILE")]
    pub(crate) file: PathBuf,
    #[command(flatten)]
    pub(crate) db: DbPath,
    /// Expected sha256 of FILE (hex, or sha256:hex) [default: FILE.sha256 when it exists].
    #[arg(long)]
    pub(crate) sha256: Option<String>,
    /// PEM public key FILE must be signed with (signature from --signature or FILE.sig).
    #[arg(long, value_name = "KEY", env = "BULWARK_DB_PUBLIC_KEY")]
    pub(crate) public_key: Option<PathBuf>,
    /// The signature file (raw or base64) [default: FILE.sig].
    #[arg(long, value_name = "SIG", requires = "public_key")]
    pub(crate) signature: Option<String>,
    /// Print nothing but errors.
    #[arg(long, short = 'q')]
    pub(crate) quiet: bool,
}

/// `db info` output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum InfoFormat {
    Table,
    Json,
}

#[derive(Debug, clap::Args)]
pub(crate) struct InfoArgs {
    #[command(flatten)]
    pub(crate) db: DbPath,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = InfoFormat::Table)]
    pub(crate) format: InfoFormat,
    /// Same as `-f json` (kept for scripts written before `-f`).
    #[arg(long, hide = true)]
    pub(crate) json: bool,
    /// Fail (exit 2) when the DB is older than this (e.g. 36h, 7d).
    #[arg(long, value_parser = parse_age)]
    pub(crate) db_max_age: Option<Duration>,
}

/// DB options for scans that match vulnerabilities; `#[command(flatten)]` them into the scan's arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct DbScanArgs {
    #[command(flatten)]
    pub(crate) db: DbPath,
    /// Fail (exit 2) when the DB is older than this (e.g. 36h, 7d). Without it an old DB only warns.
    #[arg(long, value_parser = parse_age, env = "BULWARK_DB_MAX_AGE")]
    pub(crate) db_max_age: Option<Duration>,
    /// Warn when the DB is older than this.
    #[arg(long, value_parser = parse_age, default_value = "7d", env = "BULWARK_DB_WARN_AGE")]
    pub(crate) db_warn_age: Duration,
    /// Explain why packages match (or not) this advisory id or alias. Repeatable.
    #[arg(long, value_name = "ID")]
    pub(crate) explain: Vec<String>,
    /// Skip vulnerability matching (inventory only).
    #[arg(long)]
    pub(crate) no_vulns: bool,
    /// Where a missing or stale DB is fetched from: an OCI artifact as `db update --oci` takes.
    #[arg(
        long,
        value_name = "REFERENCE",
        env = "BULWARK_DB_REPOSITORY",
        default_value = bulwark_vulndb::DEFAULT_DB_REPOSITORY
    )]
    pub(crate) db_repository: String,
    /// PEM public key the fetched DB must be signed with [default: Bulwark's built-in key].
    #[arg(long, value_name = "FILE", env = "BULWARK_DB_PUBLIC_KEY")]
    pub(crate) db_public_key: Option<PathBuf>,
    /// Speak plain HTTP to the DB repository's registry (loopback registries always are).
    #[arg(long, env = "BULWARK_DB_REPOSITORY_INSECURE")]
    pub(crate) db_repository_insecure: bool,
    /// Do not fetch the DB: use the cached one, and fail (exit 2) when there is none.
    #[arg(long, env = "BULWARK_SKIP_DB_UPDATE")]
    pub(crate) skip_db_update: bool,
    /// Make no network request for the DB (air-gapped use): implies --skip-db-update.
    #[arg(long, env = "BULWARK_OFFLINE")]
    pub(crate) offline: bool,
}

impl DbScanArgs {
    /// Opens the DB for a scan, enforcing `--db-max-age`.
    pub(crate) fn open(&self) -> Result<VulnDb> {
        let db = VulnDb::open(&self.db.path())?;
        if let Some(max) = self.db_max_age {
            db.check_age(max, SystemTime::now())?;
        }
        Ok(db)
    }

    /// Fetches the DB before a scan when it is missing, unusable or stale (Trivy's behaviour), unless the
    /// user named the file (`--db`), asked for no update (`--skip-db-update`, `--offline`) or no matching
    /// (`--no-vulns`). `Ok(None)`: nothing fetched; `Ok(Some(report))`: installed; `Err`: the fetch failed
    /// (the cached DB, if any, is untouched).
    pub(crate) fn auto_update(&self) -> Result<Option<bulwark_vulndb::UpdateReport>> {
        if self.no_vulns || self.skip_db_update || self.offline || self.db.db.is_some() {
            return Ok(None);
        }
        let dest = self.db.path();
        let why = match bulwark_vulndb::freshness(&dest, SystemTime::now()) {
            bulwark_vulndb::Freshness::Fresh => return Ok(None),
            bulwark_vulndb::Freshness::Missing => "there is none yet".to_owned(),
            bulwark_vulndb::Freshness::Unusable(e) => format!("the cached one is unusable: {e}"),
            bulwark_vulndb::Freshness::Stale { age } => {
                format!("the cached one is {} old", human_age(age))
            }
        };
        eprintln!(
            "bulwark: downloading the vulnerability DB from {} ({why})",
            self.db_repository
        );
        if self.db_repository.starts_with("tuf+") {
            // The trusted root was given once to `db update --tuf-root`; it is kept beside the DB.
            let report = bulwark_vulndb::update_from_tuf(&self.db_repository, None, &dest, None)
                .with_context(|| {
                    format!(
                        "failed to fetch the vulnerability DB from {}",
                        self.db_repository
                    )
                })?;
            eprintln!(
                "bulwark: installed the vulnerability DB at {} ({:.1} MiB)",
                report.path.display(),
                mib(report.bytes)
            );
            return Ok(Some(report));
        }
        let key = match load_key(self.db_public_key.as_deref())? {
            Some(k) => k,
            None => bulwark_vulndb::PublicKey::builtin(),
        };
        let scratch = scratch_cache(&dest);
        let opts = bulwark_registry::PullOptions {
            cache_dir: scratch.clone(),
            insecure: self.db_repository_insecure,
            progress: crate::progress::bar(false),
            ..bulwark_registry::PullOptions::default()
        };
        let result = pull_db(&self.db_repository, opts, Some(&key), None, &dest);
        let _ = std::fs::remove_dir_all(&scratch);
        let report = result.with_context(|| {
            format!(
                "failed to fetch the vulnerability DB from {}",
                self.db_repository
            )
        })?;
        eprintln!(
            "bulwark: installed the vulnerability DB at {} ({:.1} MiB)",
            report.path.display(),
            mib(report.bytes)
        );
        Ok(Some(report))
    }

    pub(crate) fn match_options(&self) -> bulwark_match::MatchOptions {
        bulwark_match::MatchOptions {
            explain: self.explain.clone(),
            warn_age: self.db_warn_age,
            now: SystemTime::now(),
        }
    }
}

/// `90s`, `36h`, `7d`, `2w`; a bare number is days.
pub(crate) fn parse_age(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: u64 = n
        .parse()
        .map_err(|_| format!("'{s}' is not an age like 36h or 7d"))?;
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "" | "d" => 86400,
        "w" => 7 * 86400,
        _ => return Err(format!("unknown unit in '{s}' (use s, m, h, d or w)")),
    };
    Ok(Duration::from_secs(n * secs))
}

pub(crate) fn run(cmd: &DbCommand) -> Result<Outcome> {
    match cmd {
        DbCommand::Build(a) => build(a),
        DbCommand::Update(a) => update(a),
        DbCommand::Import(a) => import(a),
        DbCommand::Info(a) => info(a),
    }
}

fn build(a: &BuildArgs) -> Result<Outcome> {
    let mut inputs = Vec::new();
    for (kind, paths) in [
        (FeedKind::Osv, &a.osv),
        (FeedKind::Debian, &a.debian),
        (FeedKind::Secdb, &a.secdb),
        (FeedKind::Nvd, &a.nvd),
        (FeedKind::Epss, &a.epss),
        (FeedKind::Kev, &a.kev),
    ] {
        inputs.extend(paths.iter().map(|p| FeedInput::new(kind, p)));
    }
    if inputs.is_empty() {
        anyhow::bail!("no feeds given: pass --osv, --debian, --secdb, --nvd, --epss or --kev");
    }
    let out = a.output.clone().unwrap_or_else(|| a.db.path());
    let started = std::time::Instant::now();
    let report = bulwark_vulndb::build(&inputs, &out, &bulwark_vulndb::BuildOptions::default())
        .with_context(|| format!("failed to build {}", out.display()))?;
    if !a.quiet {
        if a.show_skipped {
            for p in &report.problems {
                eprintln!("bulwark: warning: skipped {p}");
            }
        } else if let Some(line) = skipped_summary(&report.problems) {
            eprintln!("bulwark: warning: {line}");
        }
        print_sources(&report.sources);
        eprintln!(
            "wrote {} ({} advisories, {} package rules, {:.1} MiB) in {:.1}s",
            out.display(),
            report.vulns,
            report.affected,
            report.bytes as f64 / 1_048_576.0,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(Outcome::Clean)
}

fn progress_printer(quiet: bool) -> Option<impl Fn(&str, u64, Option<u64>)> {
    use std::cell::Cell;
    let last = Cell::new((String::new(), 0u64));
    let print = move |url: &str, done: u64, total: Option<u64>| {
        let (prev_url, prev) = last.take();
        // One line per MiB per download is enough.
        let step = done >> 20;
        if prev_url == url && prev == step && total != Some(done) {
            last.set((prev_url, prev));
            return;
        }
        match total {
            Some(t) => eprintln!("  {url}: {:.1}/{:.1} MiB", mib(done), mib(t)),
            None => eprintln!("  {url}: {:.1} MiB", mib(done)),
        }
        last.set((url.to_owned(), step));
    };
    (!quiet).then_some(print)
}

fn mib(b: u64) -> f64 {
    b as f64 / 1_048_576.0
}

fn update(a: &UpdateArgs) -> Result<Outcome> {
    let dest = a.db.path();
    let printer = progress_printer(a.quiet);
    let progress: Option<bulwark_vulndb::Progress<'_>> =
        printer.as_ref().map(|p| p as bulwark_vulndb::Progress<'_>);
    let custom: Vec<FeedUrl> = [
        (FeedKind::Osv, &a.osv_url),
        (FeedKind::Debian, &a.debian_url),
        (FeedKind::Secdb, &a.secdb_url),
        (FeedKind::Nvd, &a.nvd_url),
        (FeedKind::Epss, &a.epss_url),
        (FeedKind::Kev, &a.kev_url),
    ]
    .into_iter()
    .flat_map(|(kind, urls)| {
        urls.iter().map(move |u| FeedUrl {
            kind,
            url: u.clone(),
            sha256: None,
        })
    })
    .collect();
    let report = if let Some(url) = &a.url {
        let key = load_key(a.public_key.as_deref())?;
        if !a.quiet {
            eprintln!("installing {url} → {}", dest.display());
        }
        let verify = bulwark_vulndb::Verification {
            sha256: a.sha256.as_deref(),
            key: key.as_ref(),
            signature: a.signature.as_deref(),
        };
        bulwark_vulndb::update_from_url_with(url, &verify, &dest, progress)
            .with_context(|| format!("failed to update {}", dest.display()))?
    } else if a.from_feeds || !custom.is_empty() {
        let feeds = if custom.is_empty() {
            bulwark_vulndb::default_feeds()
                .into_iter()
                .map(|(kind, url)| FeedUrl {
                    kind,
                    url,
                    sha256: None,
                })
                .collect()
        } else {
            custom
        };
        if !a.quiet {
            eprintln!("rebuilding {} from {} feeds", dest.display(), feeds.len());
        }
        bulwark_vulndb::update_from_feeds(&feeds, &dest, progress)
            .with_context(|| format!("failed to update {}", dest.display()))?
    } else if let Some(url) = a.oci.as_deref().filter(|r| r.starts_with("tuf+")) {
        anyhow::ensure!(
            a.public_key.is_none()
                && a.signature.is_none()
                && a.sha256.is_none()
                && !a.allow_unsigned,
            "--public-key, --signature, --sha256 and --allow-unsigned do not apply to a TUF repository: its root.json \
             (--tuf-root) is the trust anchor"
        );
        if !a.quiet {
            eprintln!("updating from {url} → {}", dest.display());
        }
        bulwark_vulndb::update_from_tuf(url, a.tuf_root.as_deref(), &dest, progress)
            .with_context(|| format!("failed to update {}", dest.display()))?
    } else {
        anyhow::ensure!(
            a.tuf_root.is_none(),
            "--tuf-root needs a TUF repository: --db-repository tuf+https://HOST/PATH[#TARGET]"
        );
        // Plain `db update`: the OCI repository (the project's by default), always signed unless the user
        // explicitly trusts an unsigned mirror.
        let reference = a
            .oci
            .as_deref()
            .unwrap_or(bulwark_vulndb::DEFAULT_DB_REPOSITORY);
        let key = match load_key(a.public_key.as_deref())? {
            Some(k) => Some(k),
            None if a.allow_unsigned => None,
            None => Some(bulwark_vulndb::PublicKey::builtin()),
        };
        if !a.quiet {
            eprintln!("pulling {reference} → {}", dest.display());
        }
        let mut opts = a.registry.pull_options(a.quiet);
        let scratch = a.registry.cache_dir.is_none().then(|| scratch_cache(&dest));
        if let Some(dir) = &scratch {
            opts.cache_dir.clone_from(dir);
        }
        let result = pull_db(reference, opts, key.as_ref(), a.signature.as_deref(), &dest);
        if let Some(dir) = &scratch {
            let _ = std::fs::remove_dir_all(dir);
        }
        result.map_err(|e| {
            anyhow::anyhow!(
                "failed to update {} from {reference}: {e:#}\nother sources: --url FILE|URL (a DB file, e.g. \
                 copied from a connected machine), --db-repository MIRROR/REPO:TAG, or --from-feeds (with \
                 --osv-url etc. for feed mirrors)",
                dest.display()
            )
        })?
    };
    if !a.quiet {
        if let Some(b) = &report.build {
            print_sources(&b.sources);
        }
        eprintln!(
            "updated {} ({:.1} MiB{})",
            report.path.display(),
            mib(report.bytes),
            if report.sha256.is_empty() {
                String::new()
            } else {
                format!(", sha256:{}", report.sha256)
            }
        );
    }
    Ok(Outcome::Clean)
}

/// Layer media type of a DB artifact; `+gzip` when compressed.
pub(crate) const DB_LAYER_MEDIA_TYPE: &str = "application/vnd.bulwark.db.layer.v1.sqlite";
/// Layer annotation holding the base64 signature over the layer blob.
pub(crate) const SIGNATURE_ANNOTATION: &str = "dev.bulwark.signature";

/// `<db dir>/.oci-cache-<pid>`: where a DB artifact is pulled when no --cache-dir is given, removed once the
/// DB is installed (the DB is large; keeping a second copy in the image blob cache would double it).
fn scratch_cache(dest: &Path) -> PathBuf {
    dest.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join(format!(".oci-cache-{}", std::process::id()))
}

/// Reads a PEM public key file.
fn load_key(path: Option<&Path>) -> Result<Option<bulwark_vulndb::PublicKey>> {
    path.map(|p| -> Result<bulwark_vulndb::PublicKey> {
        let pem = std::fs::read_to_string(p)
            .with_context(|| format!("failed to read public key {}", p.display()))?;
        Ok(bulwark_vulndb::PublicKey::from_pem(
            &pem,
            &p.display().to_string(),
        )?)
    })
    .transpose()
}

/// Pulls a DB artifact into `opts.cache_dir` (digests verified on download), then checks and installs its DB
/// layer like a URL download: with `key`, the layer must be signed (the `dev.bulwark.signature` annotation,
/// or the `signature` file).
fn pull_db(
    reference: &str,
    opts: bulwark_registry::PullOptions,
    key: Option<&bulwark_vulndb::PublicKey>,
    signature: Option<&str>,
    dest: &Path,
) -> Result<bulwark_vulndb::UpdateReport> {
    let r: bulwark_registry::Reference = reference
        .parse()
        .with_context(|| format!("'{reference}' is not an OCI reference"))?;
    let opts = bulwark_registry::PullOptions {
        artifact: true,
        ..opts
    };
    let pulled =
        bulwark_registry::pull(&r, &opts).with_context(|| format!("failed to pull {r}"))?;
    let layer = pulled
        .layers
        .iter()
        .find(|l| {
            l.media_type == DB_LAYER_MEDIA_TYPE
                || l.media_type.strip_prefix(DB_LAYER_MEDIA_TYPE) == Some("+gzip")
        })
        .with_context(|| {
            format!(
                "{r} has no layer of type {DB_LAYER_MEDIA_TYPE}[+gzip] (layers: {})",
                pulled
                    .layers
                    .iter()
                    .map(|l| l.media_type.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
    let signature: Option<Vec<u8>> = match (key, signature) {
        (None, _) => None,
        (Some(_), Some(given)) => Some(
            std::fs::read(given).with_context(|| format!("failed to read signature {given}"))?,
        ),
        (Some(k), None) => Some(
            layer
                .annotations
                .get(SIGNATURE_ANNOTATION)
                .with_context(|| {
                    format!(
                        "a public key ({}) is configured but layer {} of {r} has no {SIGNATURE_ANNOTATION} annotation \
                         (db update --allow-unsigned installs it anyway)",
                        k.source, layer.digest
                    )
                })?
                .as_bytes()
                .to_vec(),
        ),
    };
    let name = format!("{r} (layer {})", layer.digest);
    Ok(bulwark_vulndb::install_file(
        &layer.path,
        &bulwark_vulndb::Install {
            name: &name,
            sha256: &layer.digest,
            gzip: layer.media_type.ends_with("+gzip"),
            signature: key.zip(signature.as_deref()),
        },
        dest,
    )?)
}

/// `db import FILE`.
fn import(a: &ImportArgs) -> Result<Outcome> {
    let dest = a.db.path();
    let key = load_key(a.public_key.as_deref())?;
    let file = a.file.display().to_string();
    let verify = bulwark_vulndb::Verification {
        sha256: a.sha256.as_deref(),
        key: key.as_ref(),
        signature: a.signature.as_deref(),
    };
    // `update_from_url_with` treats anything without a scheme as a path; a path with `://` in it would not be.
    let url = if file.contains("://") {
        format!("file://{}", std::path::absolute(&a.file)?.display())
    } else {
        file
    };
    let report =
        bulwark_vulndb::update_from_url_with(&url, &verify, &dest, None).with_context(|| {
            format!(
                "failed to import {} into {}",
                a.file.display(),
                dest.display()
            )
        })?;
    if !a.quiet {
        eprintln!(
            "imported {} ({:.1} MiB, sha256:{})",
            report.path.display(),
            mib(report.bytes),
            report.sha256
        );
    }
    Ok(Outcome::Clean)
}

/// One line for the data problems of the feeds (`secdb:alpine-secdb: xen: invalid fixed version …` each), so
/// that a build's output is not a wall of warnings: how many records each source lost.
fn skipped_summary(problems: &[String]) -> Option<String> {
    if problems.is_empty() {
        return None;
    }
    let mut by_source: Vec<(&str, usize)> = Vec::new();
    for p in problems {
        let source = p.split_once(": ").map_or(p.as_str(), |(s, _)| s);
        match by_source.iter_mut().find(|(s, _)| *s == source) {
            Some((_, n)) => *n += 1,
            None => by_source.push((source, 1)),
        }
    }
    let per: Vec<String> = by_source.iter().map(|(s, n)| format!("{s}: {n}")).collect();
    Some(format!(
        "{} feed record(s) skipped as malformed ({}); --show-skipped lists them",
        problems.len(),
        per.join(", ")
    ))
}

/// Why a scan has no DB, and every way to get one.
pub(crate) fn ways_forward(path: &Path) -> String {
    format!(
        "get one with: `bulwark db import FILE` or `bulwark db update --url file:///…/bulwark.db` (a DB file \
         copied from a connected machine); `--db-repository REGISTRY/REPO:TAG` or `bulwark db update --oci \
         REGISTRY/REPO:TAG` (a mirror of {default}); `bulwark db update --from-feeds --osv-url URL …` (build from \
         the feeds or their mirrors) or `bulwark db build --osv FILE …` (from feed files); then scan again \
         (the DB is read from {path}), or pass --no-vulns for an inventory only",
        default = bulwark_vulndb::DEFAULT_DB_REPOSITORY,
        path = path.display()
    )
}

fn print_sources(sources: &[bulwark_vulndb::SourceInfo]) {
    eprintln!(
        "{:<44} {:>8} {:>8} {:>9} {:>11}  date",
        "source", "records", "skipped", "withdrawn", "unsupported"
    );
    for s in sources {
        eprintln!(
            "{:<44} {:>8} {:>8} {:>9} {:>11}  {}",
            s.name,
            s.records,
            s.skipped,
            s.withdrawn,
            s.unsupported,
            s.date.as_deref().unwrap_or("-")
        );
    }
}

fn human_age(d: Duration) -> String {
    let s = d.as_secs();
    if s < 3600 {
        format!("{} minutes", s / 60)
    } else if s < 2 * 86400 {
        format!("{} hours", s / 3600)
    } else {
        format!("{} days", s / 86400)
    }
}

fn info(a: &InfoArgs) -> Result<Outcome> {
    let path = a.db.path();
    let db = VulnDb::open(&path)?;
    let meta = db.meta();
    let now = SystemTime::now();
    let age = meta.age(now);
    if a.json || a.format == InfoFormat::Json {
        let doc = serde_json::json!({
            "path": path,
            "schemaVersion": meta.schema_version,
            "builtAt": bulwark_vulndb::time::rfc3339(meta.built_at),
            "ageSeconds": age.as_secs(),
            "sources": meta.sources,
            "namespaces": db.namespaces()?.into_iter().map(|(n, c)| serde_json::json!({"namespace": n, "rules": c})).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        println!("path:     {}", path.display());
        println!("schema:   {}", meta.schema_version);
        println!(
            "built:    {} ({} ago)",
            bulwark_vulndb::time::rfc3339(meta.built_at),
            human_age(age)
        );
        println!("size:     {:.1} MiB", mib(file_len(&path)));
        println!();
        println!(
            "{:<44} {:>8} {:>8} {:>9}  date",
            "source", "records", "skipped", "withdrawn"
        );
        for s in &meta.sources {
            println!(
                "{:<44} {:>8} {:>8} {:>9}  {}",
                s.name,
                s.records,
                s.skipped,
                s.withdrawn,
                s.date.as_deref().unwrap_or("-")
            );
        }
        let ns = db.namespaces()?;
        println!();
        println!(
            "namespaces: {}",
            ns.iter()
                .map(|(n, c)| format!("{n} ({c})"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if age > bulwark_vulndb::DEFAULT_WARN_AGE {
        eprintln!(
            "bulwark: warning: the vulnerability database is {} old; run `bulwark db update`",
            human_age(age)
        );
    }
    if let Some(max) = a.db_max_age {
        db.check_age(max, now)?;
    }
    Ok(Outcome::Clean)
}

fn file_len(p: &Path) -> u64 {
    std::fs::metadata(p).map_or(0, |m| m.len())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    /// Conventions: every visible flag of every `db` subcommand says what it does.
    #[test]
    fn every_db_flag_has_help() {
        let cli = crate::Cli::command();
        let db = cli.find_subcommand("db").expect("db subcommand");
        let mut missing = Vec::new();
        let mut seen = 0;
        for sub in db.get_subcommands() {
            for arg in sub.get_arguments() {
                seen += 1;
                if arg.is_hide_set() || arg.get_id() == "help" {
                    continue;
                }
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("db {} {}", sub.get_name(), arg.get_id()));
                }
            }
        }
        assert!(seen > 30, "only {seen} arguments found");
        assert!(missing.is_empty(), "flags without help: {missing:?}");
    }

    #[test]
    fn ages() {
        assert_eq!(
            super::parse_age("36h"),
            Ok(std::time::Duration::from_hours(36))
        );
        assert_eq!(
            super::parse_age("2"),
            Ok(std::time::Duration::from_hours(48))
        );
        assert!(super::parse_age("3y").is_err());
    }
}
