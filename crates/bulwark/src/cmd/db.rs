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
    Update(Box<UpdateArgs>),
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
    /// Print nothing but errors.
    #[arg(long, short = 'q')]
    pub(crate) quiet: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct UpdateArgs {
    #[command(flatten)]
    pub(crate) db: DbPath,
    /// URL of a prebuilt DB (plain or .gz). Its sha256 comes from --sha256 or the <URL>.sha256 sidecar.
    #[arg(long, env = "BULWARK_DB_URL", conflicts_with_all = ["from_feeds", "oci"])]
    pub(crate) url: Option<String>,
    /// OCI artifact holding a prebuilt DB (`registry/repo:tag` or `@sha256:…`): one layer of media type
    /// `application/vnd.bulwark.db.layer.v1.sqlite` (or `+gzip`). The registry verifies its digest.
    #[arg(
        long,
        value_name = "REFERENCE",
        env = "BULWARK_DB_REPOSITORY",
        conflicts_with = "from_feeds"
    )]
    pub(crate) oci: Option<String>,
    /// PEM public key (ECDSA P-256, as cosign makes, or Ed25519): the download must carry a valid signature.
    #[arg(long, value_name = "FILE", env = "BULWARK_DB_PUBLIC_KEY")]
    pub(crate) public_key: Option<PathBuf>,
    /// The signature (file or URL; raw or base64, as `cosign sign-blob` prints it) [default: <URL>.sig, or
    /// the artifact layer's `dev.bulwark.signature` annotation].
    #[arg(long, value_name = "FILE|URL", requires = "public_key")]
    pub(crate) signature: Option<String>,
    #[command(flatten)]
    pub(crate) registry: super::image::RegistryArgs,
    /// Expected sha256 of the download (hex, or sha256:hex).
    #[arg(long)]
    pub(crate) sha256: Option<String>,
    /// Rebuild from the upstream feeds instead of downloading a DB. Without any --*-url flag, the public
    /// feeds are used (OSV all.zip per ecosystem, Debian tracker, Alpine secdb, EPSS, KEV).
    #[arg(long)]
    pub(crate) from_feeds: bool,
    /// OSV feed URLs (all.zip or JSON). Repeatable.
    #[arg(long, value_name = "URL")]
    pub(crate) osv_url: Vec<String>,
    /// Debian security tracker JSON URLs. Repeatable.
    #[arg(long, value_name = "URL")]
    pub(crate) debian_url: Vec<String>,
    /// Alpine secdb URLs (…/v3.X/main.json). Repeatable.
    #[arg(long, value_name = "URL")]
    pub(crate) secdb_url: Vec<String>,
    /// NVD JSON 2.0 feed URLs (CVSS enrichment). Repeatable.
    #[arg(long, value_name = "URL")]
    pub(crate) nvd_url: Vec<String>,
    /// EPSS CSV URLs (.csv or .csv.gz).
    #[arg(long, value_name = "URL")]
    pub(crate) epss_url: Vec<String>,
    /// CISA KEV JSON URLs.
    #[arg(long, value_name = "URL")]
    pub(crate) kev_url: Vec<String>,
    /// Print nothing but errors.
    #[arg(long, short = 'q')]
    pub(crate) quiet: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct InfoArgs {
    #[command(flatten)]
    pub(crate) db: DbPath,
    /// Print JSON.
    #[arg(long)]
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
        for p in &report.problems {
            eprintln!("bulwark: warning: skipped {p}");
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
    let key = a
        .public_key
        .as_ref()
        .map(|p| -> Result<bulwark_vulndb::PublicKey> {
            let pem = std::fs::read_to_string(p)
                .with_context(|| format!("failed to read public key {}", p.display()))?;
            Ok(bulwark_vulndb::PublicKey::from_pem(
                &pem,
                &p.display().to_string(),
            )?)
        })
        .transpose()?;
    let report = if let Some(url) = &a.url {
        if !a.quiet {
            eprintln!("downloading {url} → {}", dest.display());
        }
        let verify = bulwark_vulndb::Verification {
            sha256: a.sha256.as_deref(),
            key: key.as_ref(),
            signature: a.signature.as_deref(),
        };
        bulwark_vulndb::update_from_url_with(url, &verify, &dest, progress)
            .with_context(|| format!("failed to update {}", dest.display()))?
    } else if let Some(reference) = &a.oci {
        if !a.quiet {
            eprintln!("pulling {reference} → {}", dest.display());
        }
        update_from_oci(reference, a, key.as_ref(), &dest)
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
    } else {
        anyhow::bail!(
            "nothing to update from: give --url (BULWARK_DB_URL) or --oci (BULWARK_DB_REPOSITORY) for a prebuilt DB, or --from-feeds"
        );
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

/// `db update --oci`: pull the artifact into the blob cache (digests verified on download), then check and
/// install its DB layer like a URL download.
fn update_from_oci(
    reference: &str,
    a: &UpdateArgs,
    key: Option<&bulwark_vulndb::PublicKey>,
    dest: &Path,
) -> Result<bulwark_vulndb::UpdateReport> {
    let r: bulwark_registry::Reference = reference
        .parse()
        .with_context(|| format!("'{reference}' is not an OCI reference"))?;
    let opts = bulwark_registry::PullOptions {
        artifact: true,
        ..a.registry.pull_options(a.quiet)
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
    let signature: Option<Vec<u8>> = match (key, &a.signature) {
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
                        "a public key ({}) is configured but layer {} of {r} has no {SIGNATURE_ANNOTATION} annotation",
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
    if a.json {
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
