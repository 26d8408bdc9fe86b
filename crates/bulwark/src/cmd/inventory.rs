//! The run stage from the command line, one pass each, on the store the server uses: `bulwark inventory push`
//! (an image's SBOM, as CI sends it), `place` (where images run, as `bulwark kube inventory -o json` lists it),
//! `rescan` (re-match every stored SBOM against the DB and queue the cycle's notifications), `notify` (deliver
//! what is due), and `bulwark get cve|images|workloads|findings` (the `jx get cve` analogue).

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use bulwark_store::{CveQuery, Placement, Store};
use bulwark_types::Severity;

use crate::Outcome;

/// Largest SBOM or placement list read.
const MAX_INPUT: u64 = 256 << 20;

#[derive(Debug, clap::Args)]
pub(crate) struct StoreArg {
    /// The store: a SQLite file (`sqlite:PATH` or a path) or `postgres://…`.
    #[arg(long, value_name = "URL", env = "BULWARK_STORE")]
    pub(crate) store: String,
}

impl StoreArg {
    fn open(&self) -> Result<Store> {
        Store::open(&self.store).with_context(|| format!("cannot open the store {}", self.store))
    }
}

#[derive(Debug, clap::Subcommand)]
pub(crate) enum InventoryCommand {
    /// Store an image's SBOM (CycloneDX or SPDX JSON, or a Bulwark JSON report) for its digest; with --db, match
    /// it at once (its baseline: the findings it was shipped with are not notified later).
    Push(PushArgs),
    /// Record where images run: the JSON `bulwark kube inventory -o json` prints (a list of placements).
    Place(PlaceArgs),
    /// Re-match every stored SBOM against the DB (jobs shared with other replicas through the store), record
    /// new and fixed findings routed to their owners, and queue the cycle's notifications once every job is
    /// done. Prints a JSON summary.
    Rescan(RescanArgs),
    /// Deliver the notifications that are due, and record each outcome (delivered, retry at, failed).
    Notify(NotifyArgs),
    /// Store images' SBOMs from their registry attestations (CycloneDX, else SPDX; cosign's `.att` tag or a
    /// Sigstore bundle referrer), each verified first: an attestation that does not verify with --verify-key
    /// (or the keyless identity), or that names another digest, stores nothing (exit 1, with every reason).
    /// Prints a JSON line per stored SBOM.
    Pull(PullArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct PullArgs {
    #[command(flatten)]
    pub(crate) store: StoreArg,
    /// The images in a registry (REGISTRY/REPO:TAG or REGISTRY/REPO@sha256:…; a tag is resolved once).
    #[arg(value_name = "IMAGE", required = true)]
    pub(crate) images: Vec<String>,
    /// A public key (PEM, `cosign.pub`) the attestation may be signed with; repeatable.
    #[arg(
        long = "verify-key",
        value_name = "FILE",
        required_unless_present = "trusted_root"
    )]
    pub(crate) verify_keys: Vec<PathBuf>,
    /// Keyless: a Sigstore `trusted_root.json`; the attestation must be a Sigstore bundle referrer whose
    /// certificate matches the identity flags (as `bulwark verify --trusted-root`).
    #[arg(long, value_name = "FILE", conflicts_with = "verify_keys")]
    pub(crate) trusted_root: Option<PathBuf>,
    /// Keyless: the certificate's identity, exactly.
    #[arg(long, value_name = "SAN", requires = "trusted_root")]
    pub(crate) certificate_identity: Option<String>,
    /// Keyless: the certificate's identity, by a regular expression.
    #[arg(
        long,
        value_name = "REGEX",
        requires = "trusted_root",
        conflicts_with = "certificate_identity"
    )]
    pub(crate) certificate_identity_regexp: Option<String>,
    /// Keyless: the OIDC issuer in the certificate, exactly.
    #[arg(long, value_name = "URL", requires = "trusted_root")]
    pub(crate) certificate_oidc_issuer: Option<String>,
    /// Keyless: the OIDC issuer, by a regular expression.
    #[arg(
        long,
        value_name = "REGEX",
        requires = "trusted_root",
        conflicts_with = "certificate_oidc_issuer"
    )]
    pub(crate) certificate_oidc_issuer_regexp: Option<String>,
    /// The attestation types to read, in order of preference (cyclonedx, spdx) [default: both].
    #[arg(long = "type", value_name = "TYPE", value_parser = parse_sbom_kind)]
    pub(crate) kinds: Vec<bulwark_sign::predicate::PredicateKind>,
    #[command(flatten)]
    pub(crate) registry: super::sign::RegistryFlags,
}

fn parse_sbom_kind(s: &str) -> Result<bulwark_sign::predicate::PredicateKind, String> {
    use bulwark_sign::predicate::PredicateKind;
    match PredicateKind::parse(s) {
        Some(k @ (PredicateKind::CycloneDx | PredicateKind::Spdx)) => Ok(k),
        _ => Err(format!("'{s}' is not cyclonedx or spdx")),
    }
}

#[derive(Debug, clap::Args)]
pub(crate) struct PushArgs {
    #[command(flatten)]
    pub(crate) store: StoreArg,
    /// The image's manifest digest (`sha256:…`).
    #[arg(long, value_name = "DIGEST")]
    pub(crate) digest: String,
    /// A reference it is known by (`registry.example/app:1.2`); repeatable.
    #[arg(long = "ref", value_name = "REF")]
    pub(crate) refs: Vec<String>,
    /// Match it now against this DB (its baseline).
    #[arg(long, value_name = "FILE")]
    pub(crate) db: Option<PathBuf>,
    /// owners.yaml, to route the baseline's findings.
    #[arg(long, value_name = "FILE")]
    pub(crate) owners: Option<PathBuf>,
    /// The SBOM file.
    #[arg(value_name = "SBOM")]
    pub(crate) sbom: PathBuf,
}

#[derive(Debug, clap::Args)]
pub(crate) struct PlaceArgs {
    #[command(flatten)]
    pub(crate) store: StoreArg,
    /// The placements file (`bulwark kube inventory -o json`).
    #[arg(value_name = "PLACEMENTS_JSON")]
    pub(crate) file: PathBuf,
}

#[derive(Debug, clap::Args)]
pub(crate) struct RescanArgs {
    #[command(flatten)]
    pub(crate) store: StoreArg,
    #[command(flatten)]
    pub(crate) db: super::db::DbPath,
    /// owners.yaml: routes findings to teams, and holds the teams' channels.
    #[arg(long, value_name = "FILE")]
    pub(crate) owners: Option<PathBuf>,
    /// This worker's name in job leases [default: host name and process id].
    #[arg(long, value_name = "NAME")]
    pub(crate) worker: Option<String>,
    /// How long a claimed job stays this worker's before another may take it over.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub(crate) lease: i64,
    /// Judge every re-matched image with this policy bundle (the sources `--policy` takes on scans) and store
    /// its verdict: the one `bulwark scan sbom SBOM --db DB --policy BUNDLE` gives on the stored SBOM.
    #[arg(long, value_name = "BUNDLE")]
    pub(crate) policy: Option<String>,
    #[command(flatten)]
    pub(crate) trust: super::verdict::TrustFlags,
    /// The lifecycle stage the re-match's verdicts are evaluated at.
    #[arg(
        long,
        value_name = "STAGE",
        default_value = "runtime",
        requires = "policy"
    )]
    pub(crate) stage: bulwark_policy::Stage,
    /// The time exceptions expire against (RFC 3339 or YYYY-MM-DD) [default: $BULWARK_NOW, else now].
    #[arg(long, value_name = "TIME", requires = "policy")]
    pub(crate) now: Option<String>,
}

/// The re-match's policy function: for each re-matched image, the report `bulwark scan sbom SBOM --db DB
/// --policy BUNDLE` builds (the same target — named by the SBOM's subject, else by the digest where the CLI
/// names the file —, packages, distro, the DB's identity, the matcher's findings and diagnostics, the same
/// evaluate step with no filters, ignore file or VEX), judged by `Policy::judge`, the function every entry point
/// calls.
pub(crate) fn rescan_judge(
    policy: super::verdict::Policy,
    db_path: PathBuf,
    deny: Option<std::sync::Arc<super::runtime_enforce::DenyList>>,
) -> impl Fn(bulwark_inventory::Rematched<'_>) -> Result<bulwark_inventory::Judgement, String>
+ Send
+ Sync
+ 'static {
    let licenses = super::licenses::LicenseArgs::default();
    move |m| {
        let digest = m.digest;
        let mut report = super::image::sbom_report(m.sbom, || digest.to_owned());
        super::licenses::apply(&mut report, &licenses).map_err(|e| format!("{e:#}"))?;
        report.vulnerability_db = Some(super::vulns::db_info(m.db, &db_path));
        report.findings.extend(m.matched.findings);
        report.diagnostics.extend(m.matched.diagnostics);
        bulwark_evaluate::apply(
            &mut report,
            &bulwark_evaluate::Filters::default(),
            None,
            &[],
            bulwark_evaluate::Date::today_utc(),
        );
        let mut verdict = policy.judge(&bulwark_policy::Subject::report(&report));
        // A digest runtime enforcement denied fails here as at admission.
        if let Some(deny) = &deny {
            super::runtime_enforce::apply_denials(
                &mut verdict,
                &[(String::new(), digest.to_owned())],
                deny,
            );
        }
        let info = &verdict.bundle;
        Ok(bulwark_inventory::Judgement {
            decision: verdict.decision.to_string(),
            bundle_name: Some(info.name.clone()),
            bundle_version: info.version.clone(),
            bundle_digest: Some(info.digest.clone()),
            verdict_json: verdict.to_json(),
        })
    }
}

#[derive(Debug, clap::Args)]
pub(crate) struct NotifyArgs {
    #[command(flatten)]
    pub(crate) store: StoreArg,
    /// owners.yaml with the teams' channels.
    #[arg(long, value_name = "FILE")]
    pub(crate) owners: PathBuf,
    /// This worker's name in leases [default: host name and process id].
    #[arg(long, value_name = "NAME")]
    pub(crate) worker: Option<String>,
    /// How long a claimed notification stays this worker's before another may send it.
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    pub(crate) lease: i64,
}

pub(crate) fn worker(name: Option<&String>) -> String {
    name.cloned().unwrap_or_else(|| {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map_or_else(|_| "host".into(), |h| h.trim().to_owned());
        format!("{host}:{}", std::process::id())
    })
}

fn read_bounded(path: &PathBuf) -> Result<Vec<u8>> {
    let f = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut data = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(f, MAX_INPUT + 1), &mut data)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if data.len() as u64 > MAX_INPUT {
        bail!("{} is larger than {MAX_INPUT} bytes", path.display());
    }
    Ok(data)
}

fn owners(path: Option<&PathBuf>) -> Result<Option<bulwark_owners::Ownership>> {
    path.map(|p| bulwark_owners::load(p).map_err(anyhow::Error::from))
        .transpose()
}

fn open_db(path: &std::path::Path) -> Result<bulwark_vulndb::VulnDb> {
    bulwark_vulndb::VulnDb::open(path)
        .with_context(|| format!("cannot open the vulnerability DB {}", path.display()))
}

pub(crate) fn run(cmd: &InventoryCommand) -> Result<Outcome> {
    match cmd {
        InventoryCommand::Push(a) => push(a),
        InventoryCommand::Place(a) => place(a),
        InventoryCommand::Rescan(a) => rescan(a),
        InventoryCommand::Notify(a) => notify(a),
        InventoryCommand::Pull(a) => pull(a),
    }
}

fn pull_trust(a: &PullArgs) -> Result<bulwark_inventory::SbomTrust> {
    use bulwark_sign::keyless::{Identity, Matcher, TrustedRoot};
    let Some(path) = &a.trusted_root else {
        let keys = a
            .verify_keys
            .iter()
            .map(|p| super::keys::load_public(p))
            .collect::<Result<Vec<_>>>()?;
        return Ok(bulwark_inventory::SbomTrust::Keys(keys));
    };
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let root = TrustedRoot::from_json(&bytes).with_context(|| format!("{}", path.display()))?;
    let m = |exact: &Option<String>, re: &Option<String>, what: &str| -> Result<Matcher> {
        match (exact, re) {
            (Some(e), _) => Ok(Matcher::exact(e)),
            (None, Some(r)) => Ok(Matcher::regex(r)?),
            (None, None) => bail!(
                "keyless verification needs --certificate-{what} or --certificate-{what}-regexp"
            ),
        }
    };
    Ok(bulwark_inventory::SbomTrust::Keyless {
        root: std::sync::Arc::new(root),
        identity: Identity {
            subject: m(
                &a.certificate_identity,
                &a.certificate_identity_regexp,
                "identity",
            )?,
            issuer: m(
                &a.certificate_oidc_issuer,
                &a.certificate_oidc_issuer_regexp,
                "oidc-issuer",
            )?,
        },
    })
}

fn pull(a: &PullArgs) -> Result<Outcome> {
    let trust = pull_trust(a)?;
    let kinds = if a.kinds.is_empty() {
        bulwark_inventory::attest::SBOM_KINDS.to_vec()
    } else {
        a.kinds.clone()
    };
    let store = a.store.open()?;
    let options = a.registry.options();
    let (mut refused, mut failed) = (0usize, 0usize);
    for image in &a.images {
        let result = bulwark_inventory::attest::reference(image, None).and_then(|r| {
            bulwark_inventory::pull_sbom(
                &store,
                &r,
                &options,
                &trust,
                &kinds,
                bulwark_inventory::now(),
            )
        });
        match result {
            Ok(p) => {
                for s in &p.set_aside {
                    eprintln!("bulwark: {image}: set aside: {s}");
                }
                println!("{}", serde_json::to_string(&p)?);
            }
            Err(e) if e.is_refusal() => {
                refused += 1;
                eprintln!("bulwark: {e}");
            }
            Err(e) => {
                failed += 1;
                eprintln!("bulwark: error: {:#}", anyhow::Error::from(e));
            }
        }
    }
    if failed > 0 {
        bail!("{failed} of {} images could not be read", a.images.len());
    }
    Ok(if refused > 0 {
        Outcome::PolicyFailed
    } else {
        Outcome::Clean
    })
}

fn push(a: &PushArgs) -> Result<Outcome> {
    let store = a.store.open()?;
    let data = read_bounded(&a.sbom)?;
    let now = bulwark_inventory::now();
    let name = a.sbom.display().to_string();
    let got = bulwark_inventory::ingest_sbom(&store, &a.digest, &a.refs, &data, &name, now)?;
    let mut summary = serde_json::to_value(&got)?;
    if let Some(db_path) = &a.db {
        let db = open_db(db_path)?;
        let version = bulwark_inventory::db_version(&db)?;
        let owners = owners(a.owners.as_ref())?;
        let diff =
            bulwark_inventory::rematch_one(&store, &db, owners.as_ref(), &a.digest, &version, now)?;
        summary["dbVersion"] = version.into();
        summary["findings"] = (diff.new.len() + diff.still_open).into();
    }
    println!("{summary}");
    Ok(Outcome::Clean)
}

fn place(a: &PlaceArgs) -> Result<Outcome> {
    let store = a.store.open()?;
    let data = read_bounded(&a.file)?;
    let list: Vec<bulwark_kube::Placement> = serde_json::from_slice(&data).with_context(|| {
        format!(
            "{}: not a placement list (`bulwark kube inventory -o json`)",
            a.file.display()
        )
    })?;
    let now = bulwark_inventory::now();
    let (mut stored, mut skipped) = (0, 0);
    for p in list {
        // A container not started yet has no digest: nothing to match it by.
        let Some(digest) = p.digest.clone() else {
            skipped += 1;
            continue;
        };
        store.upsert_placement(
            &Placement {
                cluster: p.cluster,
                environment: p.environment,
                namespace: p.namespace,
                workload_kind: p.workload_kind,
                workload_name: p.workload_name,
                container: p.container,
                digest,
                image_ref: Some(p.image),
            },
            now,
        )?;
        stored += 1;
    }
    println!(
        "{}",
        serde_json::json!({"stored": stored, "skippedWithoutDigest": skipped})
    );
    Ok(Outcome::Clean)
}

fn rescan(a: &RescanArgs) -> Result<Outcome> {
    let store = a.store.open()?;
    let db = open_db(&a.db.path())?;
    let version = bulwark_inventory::db_version(&db)?;
    let owners = owners(a.owners.as_ref())?;
    let judge = match &a.policy {
        Some(source) => Some(rescan_judge(
            super::verdict::Policy::load(source, a.stage, a.now.as_deref(), &a.trust)?,
            a.db.path(),
            super::runtime_enforce::deny_list(Some(&a.store.store))?,
        )),
        None => None,
    };
    let report = bulwark_inventory::rescan(
        &store,
        &db,
        &version,
        owners.as_ref(),
        &worker(a.worker.as_ref()),
        a.lease,
        &bulwark_inventory::now,
        judge.as_ref().map(|j| j as &bulwark_inventory::Judge<'_>),
    )?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(if report.jobs_failed > 0 {
        Outcome::Untrusted
    } else {
        Outcome::Clean
    })
}

fn notify(a: &NotifyArgs) -> Result<Outcome> {
    let store = a.store.open()?;
    let owners = bulwark_owners::load(&a.owners)?;
    let notifier = bulwark_notify::Notifier::new();
    let report = bulwark_inventory::deliver_due(
        &store,
        &notifier,
        &owners,
        &worker(a.worker.as_ref()),
        a.lease,
        &bulwark_inventory::now,
    )?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(if report.failed > 0 {
        Outcome::Untrusted
    } else {
        Outcome::Clean
    })
}

// ---------------------------------------------------------------------------------------------- bulwark get

#[derive(Debug, clap::Subcommand)]
pub(crate) enum GetCommand {
    /// Vulnerabilities in what runs (or was pushed), with the workloads running them and "new" markers.
    Cve(CveArgs),
    /// Stored images: references, package count, open findings by severity, the latest verdict, where each runs.
    Images(ImagesArgs),
    /// Containers of workloads running now, with the open findings of the image each runs.
    Workloads(WorkloadsArgs),
    /// Findings with their history (first seen, last seen, fixed at) and the team and rule that own them.
    Findings(FindingsArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct ImagesArgs {
    #[command(flatten)]
    pub(crate) store: StoreArg,
    /// Output format.
    #[arg(long = "format", short = 'o', value_enum, default_value_t = GetFormat::Table)]
    pub(crate) format: GetFormat,
}

#[derive(Debug, clap::Args)]
pub(crate) struct WorkloadsArgs {
    #[command(flatten)]
    pub(crate) store: StoreArg,
    /// Only this cluster (as the inventory names it).
    #[arg(long, value_name = "CLUSTER")]
    pub(crate) cluster: Option<String>,
    /// Only this environment.
    #[arg(long, value_name = "ENV")]
    pub(crate) environment: Option<String>,
    /// Only this namespace.
    #[arg(long, value_name = "NAMESPACE")]
    pub(crate) namespace: Option<String>,
    /// `name`: one row per container, by cluster, namespace and workload. `risk`: one row per workload, highest
    /// contextual risk first (docs/risk.md): its images' open findings scored in the context its stored objects
    /// give it, with the SSVC decision and the finding that drives it.
    #[arg(long, value_enum, default_value_t = WorkloadSort::Name)]
    pub(crate) sort: WorkloadSort,
    /// The date the risk's ages are counted to (RFC 3339 or YYYY-MM-DD) [default: $BULWARK_NOW, else now].
    #[arg(long, value_name = "TIME")]
    pub(crate) now: Option<String>,
    /// Output format.
    #[arg(long = "format", short = 'o', value_enum, default_value_t = GetFormat::Table)]
    pub(crate) format: GetFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum WorkloadSort {
    Name,
    Risk,
}

#[derive(Debug, clap::Args)]
pub(crate) struct FindingsArgs {
    #[command(flatten)]
    pub(crate) store: StoreArg,
    /// Only findings routed to this team.
    #[arg(long, value_name = "TEAM")]
    pub(crate) owner: Option<String>,
    /// Only findings of this image (a digest).
    #[arg(long, value_name = "DIGEST")]
    pub(crate) digest: Option<String>,
    /// Severities to list (comma-separated); the lowest one given is the floor.
    #[arg(long, value_delimiter = ',', value_name = "SEVERITY")]
    pub(crate) severity: Vec<Severity>,
    /// Also list fixed findings.
    #[arg(long)]
    pub(crate) include_fixed: bool,
    /// Output format.
    #[arg(long = "format", short = 'o', value_enum, default_value_t = GetFormat::Table)]
    pub(crate) format: GetFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum GetFormat {
    Table,
    Json,
    Yaml,
}

#[derive(Debug, clap::Args)]
pub(crate) struct CveArgs {
    #[command(flatten)]
    pub(crate) store: StoreArg,
    /// Only images running in this environment (`staging`, `production`, a preview).
    #[arg(long, value_name = "ENV")]
    pub(crate) environment: Option<String>,
    /// Only images running in this namespace.
    #[arg(long, value_name = "NAMESPACE")]
    pub(crate) namespace: Option<String>,
    /// Only images running in this cluster (as the inventory names it).
    #[arg(long, value_name = "CLUSTER")]
    pub(crate) cluster: Option<String>,
    /// An image reference as recorded, or a digest.
    #[arg(long, value_name = "REF")]
    pub(crate) image: Option<String>,
    /// Only findings owned by this team.
    #[arg(long, value_name = "TEAM")]
    pub(crate) owner: Option<String>,
    /// Severities to list (comma-separated); the lowest one given is the floor.
    #[arg(long, value_delimiter = ',', value_name = "SEVERITY")]
    pub(crate) severity: Vec<Severity>,
    /// Only findings first seen within this age (`24h`, `7d`); findings within it are marked new.
    #[arg(long, value_parser = super::db::parse_age, value_name = "AGE")]
    pub(crate) new_since: Option<std::time::Duration>,
    /// Also list fixed findings.
    #[arg(long)]
    pub(crate) include_fixed: bool,
    /// Output format.
    #[arg(long = "format", short = 'o', value_enum, default_value_t = GetFormat::Table)]
    pub(crate) format: GetFormat,
}

pub(crate) fn get(cmd: &GetCommand) -> Result<Outcome> {
    match cmd {
        GetCommand::Cve(a) => get_cve(a),
        GetCommand::Images(a) => get_images(a),
        GetCommand::Workloads(a) => get_workloads(a),
        GetCommand::Findings(a) => get_findings(a),
    }
}

/// Writes `rows` as JSON or YAML; `None` for a table (the caller prints it).
fn structured<T: serde::Serialize>(
    out: &mut impl std::io::Write,
    format: GetFormat,
    rows: &T,
) -> Result<bool> {
    match format {
        GetFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, rows)?;
            writeln!(out)?;
            Ok(true)
        }
        GetFormat::Yaml => {
            out.write_all(serde_yaml::to_string(rows)?.as_bytes())?;
            Ok(true)
        }
        GetFormat::Table => Ok(false),
    }
}

fn esc(s: &str) -> String {
    bulwark_types::escape_control(s).into_owned()
}

/// A stored decision as a table cell: one of the three words, anything else (a store written by hand) `?`.
fn esc_decision(d: &str) -> &str {
    match d {
        "pass" | "warn" | "fail" => d,
        _ => "?",
    }
}

/// `C/H/M/L` counts of open findings, as a table cell.
fn counts_cell(c: &bulwark_store::SeverityCounts) -> String {
    format!("{}/{}/{}/{}", c.critical, c.high, c.medium, c.low)
}

/// The same rows as `GET /api/v1/images`, every page.
fn get_images(a: &ImagesArgs) -> Result<Outcome> {
    let store = a.store.open()?;
    let rows = store.image_summaries(None, None)?;
    let mut out = std::io::stdout().lock();
    if structured(&mut out, a.format, &rows)? {
        return Ok(Outcome::Clean);
    }
    writeln!(
        out,
        "{:<71} {:>8} {:<15} {:<7} {:<40} WORKLOADS",
        "DIGEST", "PACKAGES", "C/H/M/L", "VERDICT", "REFERENCES"
    )?;
    for r in &rows {
        let workloads: Vec<String> = r
            .workloads
            .iter()
            .map(|w| format!("{}/{}/{}", w.namespace, w.kind, w.name))
            .collect();
        writeln!(
            out,
            "{:<71} {:>8} {:<15} {:<7} {:<40} {}",
            esc(&r.digest),
            r.package_count,
            counts_cell(&r.findings),
            r.verdict
                .as_ref()
                .map_or("-", |v| esc_decision(&v.decision)),
            esc(&r.references.join(", ")),
            esc(&workloads.join(", "))
        )?;
    }
    Ok(Outcome::Clean)
}

/// The same rows as `GET /api/v1/workloads`, every page.
fn get_workloads(a: &WorkloadsArgs) -> Result<Outcome> {
    let store = a.store.open()?;
    if a.sort == WorkloadSort::Risk {
        return get_workloads_by_risk(a, &store);
    }
    let q = bulwark_store::WorkloadQuery {
        cluster: a.cluster.clone(),
        environment: a.environment.clone(),
        namespace: a.namespace.clone(),
    };
    let rows = store.workload_rows(&q, None, None)?;
    let mut out = std::io::stdout().lock();
    if structured(&mut out, a.format, &rows)? {
        return Ok(Outcome::Clean);
    }
    writeln!(
        out,
        "{:<16} {:<12} {:<20} {:<40} {:<16} {:<15} IMAGE",
        "CLUSTER", "ENVIRONMENT", "NAMESPACE", "WORKLOAD", "CONTAINER", "C/H/M/L"
    )?;
    for r in &rows {
        writeln!(
            out,
            "{:<16} {:<12} {:<20} {:<40} {:<16} {:<15} {}",
            esc(&r.cluster),
            esc(r.environment.as_deref().unwrap_or("-")),
            esc(&r.namespace),
            esc(&format!("{}/{}", r.kind, r.name)),
            esc(&r.container),
            counts_cell(&r.findings),
            esc(r.image_ref.as_deref().unwrap_or(&r.digest))
        )?;
    }
    Ok(Outcome::Clean)
}

/// One row per running workload, highest contextual risk first (`bulwark_inventory::rank_workloads`).
fn get_workloads_by_risk(a: &WorkloadsArgs, store: &bulwark_store::Store) -> Result<Outcome> {
    let now = bulwark_policy::Instant::resolve(a.now.as_deref(), "BULWARK_NOW")
        .map_err(|e| anyhow::anyhow!("--now: {e}"))?;
    let rows: Vec<bulwark_inventory::RankedWorkload> =
        bulwark_inventory::rank_workloads(store, a.cluster.as_deref(), now.0)?
            .into_iter()
            .filter(|w| a.environment.is_none() || w.environment == a.environment)
            .filter(|w| a.namespace.as_ref().is_none_or(|n| *n == w.namespace))
            .collect();
    let mut out = std::io::stdout().lock();
    if structured(&mut out, a.format, &rows)? {
        return Ok(Outcome::Clean);
    }
    writeln!(
        out,
        "{:<5} {:<7} {:<16} {:<12} {:<20} {:<40} {:<8} {:<10} TOP FINDING",
        "RISK", "SSVC", "CLUSTER", "ENVIRONMENT", "NAMESPACE", "WORKLOAD", "FINDINGS", "CONTEXT"
    )?;
    for w in &rows {
        let top = w.risk.top.first().map_or_else(
            || "-".to_owned(),
            |t| {
                format!(
                    "{} {} ({:.1})",
                    t.id,
                    t.package.as_deref().unwrap_or(""),
                    t.score
                )
            },
        );
        writeln!(
            out,
            "{:<5.1} {:<7} {:<16} {:<12} {:<20} {:<40} {:<8} {:<10} {}",
            w.risk.score,
            w.risk.decision.map_or("-", bulwark_risk::Decision::as_str),
            esc(&w.cluster),
            esc(w.environment.as_deref().unwrap_or("-")),
            esc(&w.namespace),
            esc(&format!("{}/{}", w.kind, w.name)),
            w.risk.findings,
            if w.context_known {
                "objects"
            } else {
                "defaults"
            },
            esc(&top)
        )?;
    }
    Ok(Outcome::Clean)
}

/// The same rows as `GET /api/v1/findings`, every page.
fn get_findings(a: &FindingsArgs) -> Result<Outcome> {
    let store = a.store.open()?;
    let q = bulwark_store::FindingQuery {
        owner_team: a.owner.clone(),
        digest: a.digest.clone(),
        min_severity: a.severity.iter().min().copied(),
        include_fixed: a.include_fixed,
    };
    let rows = store.finding_rows(&q, None, None)?;
    let mut out = std::io::stdout().lock();
    if structured(&mut out, a.format, &rows)? {
        return Ok(Outcome::Clean);
    }
    writeln!(
        out,
        "{:<20} {:<9} {:<28} {:<16} {:<20} {:<20} {:<10} IMAGE",
        "VULNERABILITY", "SEVERITY", "PACKAGE", "OWNER", "FIRST SEEN", "FIXED AT", "LAYER"
    )?;
    for f in &rows {
        let time = |t: i64| bulwark_types::time::rfc3339(t);
        writeln!(
            out,
            "{:<20} {:<9} {:<28} {:<16} {:<20} {:<20} {:<10} {}",
            esc(&f.vuln_id),
            f.severity.as_str(),
            esc(&format!("{} {}", f.package_name, f.package_version)),
            esc(f.owner_team.as_deref().unwrap_or("-")),
            time(f.first_seen),
            f.fixed_at.map_or_else(|| "-".to_owned(), time),
            f.layer_index
                .map_or_else(|| "-".to_owned(), |i| i.to_string()),
            esc(&f.digest)
        )?;
    }
    Ok(Outcome::Clean)
}

fn get_cve(a: &CveArgs) -> Result<Outcome> {
    let store = a.store.open()?;
    let now = bulwark_inventory::now();
    let since = a
        .new_since
        .map(|d| now - i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2));
    let q = CveQuery {
        environment: a.environment.clone(),
        namespace: a.namespace.clone(),
        cluster: a.cluster.clone(),
        image: a.image.clone(),
        min_severity: a.severity.iter().min().copied(),
        new_since: since,
        owner_team: a.owner.clone(),
        include_fixed: a.include_fixed,
        // Without --new-since, "new" means first seen in the last day.
        mark_new_since: Some(since.unwrap_or(now - 86_400)),
    };
    let rows = store.cves(&q)?;
    let mut out = std::io::stdout().lock();
    match a.format {
        GetFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        GetFormat::Yaml => {
            out.write_all(serde_yaml::to_string(&rows)?.as_bytes())?;
        }
        GetFormat::Table => {
            let esc = |s: &str| bulwark_types::escape_control(s).into_owned();
            writeln!(
                out,
                "{:<5} {:<20} {:<9} {:<28} {:<20} {:<40} WORKLOADS",
                "NEW", "VULNERABILITY", "SEVERITY", "PACKAGE", "FIXED", "IMAGE"
            )?;
            for r in &rows {
                let f = &r.finding;
                let image = r
                    .image_refs
                    .first()
                    .cloned()
                    .unwrap_or_else(|| f.digest.clone());
                let workloads: Vec<String> = r
                    .workloads
                    .iter()
                    .map(|w| format!("{}/{}/{}", w.namespace, w.kind, w.name))
                    .collect();
                writeln!(
                    out,
                    "{:<5} {:<20} {:<9} {:<28} {:<20} {:<40} {}",
                    if r.is_new { "new" } else { "" },
                    esc(&f.vuln_id),
                    f.severity.as_str(),
                    esc(&format!("{} {}", f.package_name, f.package_version)),
                    esc(f.fixed_version.as_deref().unwrap_or("-")),
                    esc(&image),
                    esc(&workloads.join(", "))
                )?;
            }
        }
    }
    Ok(Outcome::Clean)
}
