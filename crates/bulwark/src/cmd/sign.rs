//! `bulwark sign`, `bulwark attest`, `bulwark verify`, and the release gate of `scan image --sign`: cosign's
//! formats through bulwark-sign, written in both layouts (cosign's `.sig`/`.att` tags and an OCI 1.1 Sigstore
//! bundle referrer), verified in both.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use bulwark_registry::{PushOptions, Reference};
use bulwark_report::Report;
use bulwark_sign::oci::{Store, Target};
use bulwark_sign::predicate::{self, PredicateKind};
use bulwark_sign::{bundle, dsse::Envelope, intoto::Statement, simplesigning::SimpleSigning};
use bulwark_signature::PrivateKey;

use crate::Outcome;

/// How to reach the image's registry.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct RegistryFlags {
    /// Use plain HTTP for the registry (loopback registries use it unless --ca-file is given).
    #[arg(long)]
    pub(crate) insecure: bool,
    /// PEM file of CA certificates to trust for the registry.
    #[arg(long, env = "BULWARK_CA_FILE")]
    pub(crate) ca_file: Option<PathBuf>,
    /// Registry user name (otherwise `~/.docker/config.json`, else anonymous).
    #[arg(long, env = "BULWARK_REGISTRY_USERNAME")]
    pub(crate) username: Option<String>,
    /// Registry password or token.
    #[arg(long, env = "BULWARK_REGISTRY_PASSWORD", hide_env_values = true)]
    pub(crate) password: Option<String>,
}

impl RegistryFlags {
    pub(crate) fn options(&self) -> PushOptions {
        PushOptions {
            insecure: self.insecure,
            ca_file: self.ca_file.clone(),
            username: self.username.clone(),
            password: self.password.clone(),
            ..PushOptions::default()
        }
    }
}

/// Where signatures and attestations are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Layout {
    /// cosign's tags (`sha256-<digest>.sig`, `.att`), which cosign v2, Kyverno, policy-controller and Ratify read.
    Tag,
    /// An OCI 1.1 referrer holding a Sigstore bundle (cosign v3's default), with the tag-schema fallback.
    Referrer,
    /// Both.
    Both,
}

impl Layout {
    fn tag(self) -> bool {
        matches!(self, Self::Tag | Self::Both)
    }
    fn referrer(self) -> bool {
        matches!(self, Self::Referrer | Self::Both)
    }
}

#[derive(Debug, clap::Args)]
pub(crate) struct SignArgs {
    /// The image in a registry: REGISTRY/REPO:TAG or REGISTRY/REPO@sha256:… (the tag is resolved once: the
    /// digest is what is signed).
    pub(crate) image: String,
    /// Private key: cosign's encrypted format (`bulwark keys generate`; password from BULWARK_PASSWORD) or an
    /// unencrypted PKCS#8/SEC1 PEM.
    #[arg(long, value_name = "FILE")]
    pub(crate) key: PathBuf,
    #[arg(long, value_enum, default_value_t = Layout::Both)]
    pub(crate) layout: Layout,
    /// An annotation in the signed payload (`optional` of the simple-signing payload), repeatable.
    #[arg(long = "annotation", short = 'a', value_name = "KEY=VALUE")]
    pub(crate) annotations: Vec<String>,
    #[command(flatten)]
    pub(crate) registry: RegistryFlags,
}

#[derive(Debug, clap::Args)]
pub(crate) struct AttestArgs {
    /// The image in a registry.
    pub(crate) image: String,
    /// Private key (as for `bulwark sign`).
    #[arg(long, value_name = "FILE")]
    pub(crate) key: PathBuf,
    /// vuln (cosign's vulnerability predicate), cyclonedx, spdx, or verdict (Bulwark's verdict predicate).
    #[arg(long = "type", value_name = "TYPE", value_parser = parse_kind)]
    pub(crate) kind: PredicateKind,
    /// The predicate's source: a Bulwark JSON report of the image (`scan image -f json`; for verdict it must
    /// hold a verdict, from `--policy`) for vuln and verdict; a CycloneDX or SPDX JSON SBOM for those types.
    #[arg(long, value_name = "FILE")]
    pub(crate) predicate: PathBuf,
    #[arg(long, value_enum, default_value_t = Layout::Both)]
    pub(crate) layout: Layout,
    #[command(flatten)]
    pub(crate) registry: RegistryFlags,
}

fn parse_kind(s: &str) -> Result<PredicateKind, String> {
    PredicateKind::parse(s).ok_or_else(|| format!("'{s}' is not vuln, cyclonedx, spdx or verdict"))
}

#[derive(Debug, clap::Args)]
pub(crate) struct VerifyArgs {
    /// The image in a registry.
    pub(crate) image: String,
    /// Public key (PEM, `cosign.pub`).
    #[arg(long, value_name = "FILE", required_unless_present = "trusted_root")]
    pub(crate) key: Option<PathBuf>,
    /// Keyless: a Sigstore `trusted_root.json` (Fulcio CAs, Rekor and CT log keys, timestamp authorities); the
    /// signature must be a Sigstore bundle referrer whose certificate matches the identity flags. Offline.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "key",
        requires = "issuer_flag"
    )]
    pub(crate) trusted_root: Option<PathBuf>,
    /// Keyless: the certificate's identity (an email or a URI such as a workflow), exactly.
    #[arg(
        long,
        value_name = "SAN",
        group = "identity_flag",
        requires = "trusted_root"
    )]
    pub(crate) certificate_identity: Option<String>,
    /// Keyless: the certificate's identity, by a regular expression (unanchored, as cosign's).
    #[arg(
        long,
        value_name = "REGEX",
        group = "identity_flag",
        requires = "trusted_root"
    )]
    pub(crate) certificate_identity_regexp: Option<String>,
    /// Keyless: the OIDC issuer in the certificate, exactly.
    #[arg(
        long,
        value_name = "URL",
        group = "issuer_flag",
        requires = "trusted_root"
    )]
    pub(crate) certificate_oidc_issuer: Option<String>,
    /// Keyless: the OIDC issuer, by a regular expression.
    #[arg(
        long,
        value_name = "REGEX",
        group = "issuer_flag",
        requires = "trusted_root"
    )]
    pub(crate) certificate_oidc_issuer_regexp: Option<String>,
    /// Also require a verified attestation of this type: vuln, cyclonedx, spdx or verdict. A verdict
    /// attestation must not say fail.
    #[arg(long = "type", value_name = "TYPE", value_parser = parse_kind)]
    pub(crate) kind: Option<PredicateKind>,
    /// The attestation must be at most this old (`36h`, `7d`).
    #[arg(long, value_name = "AGE", value_parser = super::db::parse_age, requires = "kind")]
    pub(crate) max_age: Option<Duration>,
    /// The verdict's vulnerability DB must have been built at most this long before the scan.
    #[arg(long, value_name = "AGE", value_parser = super::db::parse_age, requires = "kind")]
    pub(crate) max_db_age: Option<Duration>,
    /// The verdict must come from this policy bundle (directory, archive, git or OCI source): its name, and a
    /// version at least this bundle's.
    #[arg(long, value_name = "BUNDLE", requires = "kind")]
    pub(crate) policy: Option<String>,
    /// The verdict's bundle version must be at least this.
    #[arg(long, value_name = "VERSION", requires = "kind")]
    pub(crate) min_bundle_version: Option<String>,
    /// Print what verified as JSON.
    #[arg(long, short = 'f', value_name = "FORMAT", default_value = "text")]
    pub(crate) format: String,
    #[command(flatten)]
    pub(crate) registry: RegistryFlags,
}

fn connect(image: &str, registry: &RegistryFlags) -> Result<(Store, Target)> {
    let reference: Reference = image
        .parse()
        .with_context(|| format!("invalid image reference {image}"))?;
    let mut store = Store::connect(&reference, &registry.options())
        .with_context(|| format!("cannot reach the registry of {image}"))?;
    let target = store
        .resolve(&reference)
        .with_context(|| format!("cannot resolve {image}"))?;
    Ok((store, target))
}

fn repo(target: &Target) -> String {
    format!(
        "{}/{}",
        target.reference.registry, target.reference.repository
    )
}

/// Writes the image signature in the chosen layouts; returns lines saying what was written.
fn write_signature(
    store: &mut Store,
    target: &Target,
    key: &PrivateKey,
    layout: Layout,
    annotations: &BTreeMap<String, serde_json::Value>,
) -> Result<Vec<String>> {
    let digest = target.digest.to_string();
    let public = key.public_key();
    let mut lines = Vec::new();
    if layout.tag() {
        let payload = SimpleSigning::build(&repo(target), &digest, annotations)?;
        let sig = key.sign_base64(&payload)?;
        let dupe = |p: &[u8], s: &[u8]| public.verify(p, s, "signature").is_ok();
        let w = store.write_signature(target, &payload, &sig, &BTreeMap::new(), Some(&dupe))?;
        lines.push(if w.appended {
            format!("signature written to {} ({} layers)", w.reference, w.layers)
        } else {
            format!("{} already holds this key's signature", w.reference)
        });
    }
    if layout.referrer() {
        let hint = bundle::key_hint(&public.to_pem())?;
        let b = bundle::image_signature(&digest, key, Some(&hint))?;
        let w = store.write_bundle_referrer(
            target,
            &b.to_json(),
            bundle::COSIGN_SIGN_PREDICATE_TYPE,
        )?;
        lines.push(format!(
            "signature bundle written as referrer {}",
            w.reference
        ));
    }
    Ok(lines)
}

/// Writes an attestation (an in-toto statement in DSSE) in the chosen layouts.
fn write_attestation(
    store: &mut Store,
    target: &Target,
    key: &PrivateKey,
    layout: Layout,
    kind: PredicateKind,
    predicate: serde_json::Value,
) -> Result<Vec<String>> {
    let digest = target.digest.to_string();
    let statement = Statement::new(&repo(target), &digest, kind.predicate_type(), predicate)?;
    let mut lines = Vec::new();
    if layout.tag() {
        let env = Envelope::sign_statement(&statement, key, "")?;
        let w = store.write_attestation(target, &env.to_json(), kind.predicate_type())?;
        lines.push(format!(
            "{} attestation written to {}",
            kind.name(),
            w.reference
        ));
    }
    if layout.referrer() {
        let hint = bundle::key_hint(&key.public_key().to_pem())?;
        let b = bundle::dsse(
            bulwark_sign::dsse::INTOTO_PAYLOAD_TYPE,
            &statement.to_json(),
            key,
            Some(&hint),
        )?;
        let w = store.write_bundle_referrer(target, &b.to_json(), kind.predicate_type())?;
        lines.push(format!(
            "{} attestation bundle written as referrer {}",
            kind.name(),
            w.reference
        ));
    }
    Ok(lines)
}

fn annotations(pairs: &[String]) -> Result<BTreeMap<String, serde_json::Value>> {
    pairs
        .iter()
        .map(|p| match p.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), serde_json::Value::from(v))),
            _ => bail!("annotation '{p}' is not KEY=VALUE"),
        })
        .collect()
}

pub(crate) fn sign(a: &SignArgs) -> Result<Outcome> {
    let key = super::keys::load_private(&a.key)?;
    let annotations = annotations(&a.annotations)?;
    let (mut store, target) = connect(&a.image, &a.registry)?;
    for line in write_signature(&mut store, &target, &key, a.layout, &annotations)? {
        eprintln!("bulwark: {line}");
    }
    println!("{}@{}", repo(&target), target.digest);
    Ok(Outcome::Clean)
}

/// The predicate of `kind` from a Bulwark report of the image.
pub(crate) fn predicate_from_report(
    kind: PredicateKind,
    report: &Report,
    image: &str,
    digest: &str,
) -> Result<serde_json::Value> {
    match kind {
        PredicateKind::Verdict => Ok(verdict_predicate(report, image, digest)?.to_value()),
        PredicateKind::Vuln => Ok(vuln_predicate(report).to_value()),
        PredicateKind::CycloneDx | PredicateKind::Spdx => {
            let mut out = Vec::new();
            if kind == PredicateKind::Spdx {
                bulwark_report::render_spdx_json(report, &mut out)?;
            } else {
                bulwark_report::render_cyclonedx(report, &mut out)?;
            }
            let doc: serde_json::Value = serde_json::from_slice(&out)?;
            Ok(predicate::sbom_predicate(kind, doc)?)
        }
    }
}

fn now_rfc3339() -> String {
    bulwark_report::rfc3339_now()
}

fn vuln_predicate(report: &Report) -> predicate::VulnPredicate {
    let db = report.vulnerability_db.as_ref();
    predicate::VulnPredicate {
        invocation: predicate::Invocation {
            parameters: serde_json::Value::Null,
            uri: String::new(),
            event_id: String::new(),
            builder_id: String::new(),
        },
        scanner: predicate::VulnScanner {
            uri: "https://bulwark.dev".into(),
            version: report.tool.version.clone(),
            db: predicate::VulnDb {
                uri: db.map(|d| d.path.clone()).unwrap_or_default(),
                version: db.map(|d| d.built_at.clone()).unwrap_or_default(),
            },
            // The scan's vulnerability findings with what identifies the target and the DB: the packages
            // belong in the SBOM attestations, and a full report would make every verification download it.
            result: serde_json::json!({
                "schemaVersion": report.schema_version,
                "target": report.target.name,
                "os": report.os,
                "vulnerabilityDb": report.vulnerability_db,
                "findings": report
                    .findings
                    .iter()
                    .filter(|f| f.kind == bulwark_types::FindingKind::Vulnerability)
                    .collect::<Vec<_>>(),
            }),
        },
        metadata: predicate::VulnMetadata {
            scan_started_on: report.created_at.clone(),
            scan_finished_on: now_rfc3339(),
        },
    }
}

fn verdict_predicate(
    report: &Report,
    image: &str,
    digest: &str,
) -> Result<predicate::VerdictPredicate> {
    let Some(v) = &report.verdict else {
        bail!("the report has no verdict: scan with --policy to attest a verdict");
    };
    let verdict: bulwark_policy::Verdict = serde_json::from_value(v.clone())
        .context("the report's verdict is not a Bulwark verdict")?;
    let mut severities = BTreeMap::new();
    for f in &report.findings {
        *severities.entry(f.severity.to_string()).or_insert(0u64) += 1;
    }
    let rules = verdict
        .results
        .iter()
        .filter(|r| {
            matches!(
                r.outcome,
                bulwark_policy::Outcome::Fail | bulwark_policy::Outcome::Error
            )
        })
        .map(|r| predicate::RuleInfo {
            rule: r.rule.clone(),
            engine: r.engine.clone(),
            policy_set: r.policy_set.clone(),
            action: r.action.to_string(),
            outcome: r.outcome.to_string(),
            finding_ids: r
                .hits
                .iter()
                .filter_map(|h| h.finding_id.as_deref().map(str::to_owned))
                .collect(),
            message: r.message.clone(),
        })
        .collect();
    let exceptions = verdict
        .exceptions
        .applied
        .iter()
        .map(|e| predicate::ExceptionInfo {
            id: e.id.clone(),
            expires: e.expires.clone(),
            owner: e.owner.clone(),
            ticket: e.ticket.clone(),
            reason: e.reason.clone(),
            matched: e.matched as u64,
        })
        .collect();
    let decision = match verdict.decision {
        bulwark_policy::Decision::Pass => predicate::Decision::Pass,
        bulwark_policy::Decision::Warn => predicate::Decision::Warn,
        bulwark_policy::Decision::Fail => predicate::Decision::Fail,
    };
    Ok(predicate::VerdictPredicate {
        scanner: predicate::ScannerInfo {
            name: report.tool.name.clone(),
            version: report.tool.version.clone(),
        },
        subject: predicate::SubjectInfo {
            kind: "image".into(),
            name: image.to_owned(),
            digest: digest.to_owned(),
        },
        scan: predicate::ScanSummary {
            created_at: report.created_at.clone(),
            packages: report.packages.len() as u64,
            findings: report.findings.len() as u64,
            severities,
        },
        db: report.vulnerability_db.as_ref().map(|d| predicate::DbInfo {
            built_at: d.built_at.clone(),
            schema_version: None,
            sources: d.sources.clone(),
        }),
        bundle: predicate::BundleInfo {
            name: verdict.bundle.name.clone(),
            version: verdict.bundle.version.clone(),
            digest: verdict.bundle.digest.clone(),
            commit: verdict.bundle.commit.clone(),
            artifact: verdict.bundle.artifact.clone(),
        },
        verdict: predicate::VerdictInfo {
            decision,
            stage: verdict.stage.to_string(),
            evaluated_at: verdict.evaluated_at.clone(),
            rules,
            exceptions,
        },
        time: now_rfc3339(),
    })
}

pub(crate) fn attest(a: &AttestArgs) -> Result<Outcome> {
    let key = super::keys::load_private(&a.key)?;
    let bytes = std::fs::read(&a.predicate)
        .with_context(|| format!("cannot read {}", a.predicate.display()))?;
    let (mut store, target) = connect(&a.image, &a.registry)?;
    let digest = target.digest.to_string();
    let predicate = match a.kind {
        PredicateKind::CycloneDx | PredicateKind::Spdx => {
            let doc: serde_json::Value = serde_json::from_slice(&bytes)
                .with_context(|| format!("{}: not JSON", a.predicate.display()))?;
            predicate::sbom_predicate(a.kind, doc)
                .with_context(|| format!("{}", a.predicate.display()))?
        }
        PredicateKind::Vuln | PredicateKind::Verdict => {
            let report: Report = serde_json::from_slice(&bytes)
                .with_context(|| format!("{}: not a Bulwark JSON report", a.predicate.display()))?;
            predicate_from_report(a.kind, &report, &a.image, &digest)?
        }
    };
    for line in write_attestation(&mut store, &target, &key, a.layout, a.kind, predicate)? {
        eprintln!("bulwark: {line}");
    }
    println!("{}@{}", repo(&target), digest);
    Ok(Outcome::Clean)
}

fn identity(a: &VerifyArgs) -> Result<bulwark_sign::keyless::Identity> {
    use bulwark_sign::keyless::Matcher;
    let m = |exact: &Option<String>, re: &Option<String>, what: &str| -> Result<Matcher> {
        match (exact, re) {
            (Some(e), _) => Ok(Matcher::exact(e)),
            (None, Some(r)) => Ok(Matcher::regex(r)?),
            (None, None) => bail!(
                "keyless verification needs --certificate-{what} or --certificate-{what}-regexp"
            ),
        }
    };
    Ok(bulwark_sign::keyless::Identity {
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
    })
}

pub(crate) fn verify(a: &VerifyArgs) -> Result<Outcome> {
    let key = a.key.as_deref().map(super::keys::load_public).transpose()?;
    let keyless = match &a.trusted_root {
        Some(path) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            let root = bulwark_sign::keyless::TrustedRoot::from_json(&bytes)
                .with_context(|| format!("{}", path.display()))?;
            Some((root, identity(a)?))
        }
        None => None,
    };
    let trust = match (&key, &keyless) {
        (Some(k), _) => bulwark_sign::verify::Trust::Key(k),
        (None, Some((root, identity))) => bulwark_sign::verify::Trust::Keyless { root, identity },
        (None, None) => {
            bail!("give --key, or --trusted-root with the certificate identity and issuer")
        }
    };
    let mut req = bulwark_sign::verify::Requirements {
        predicate_type: a.kind.map(|k| k.predicate_type().to_owned()),
        max_age: a.max_age,
        max_db_age: a.max_db_age,
        bundle_name: None,
        min_bundle_version: a.min_bundle_version.clone(),
        exhaustive: true,
    };
    if let Some(source) = &a.policy {
        let policy = super::verdict::Policy::load(
            source,
            bulwark_policy::Stage::Deploy,
            None,
            &super::verdict::TrustFlags::default(),
        )?;
        let info = &policy.bundle.info;
        req.bundle_name = Some(info.name.clone());
        if req.min_bundle_version.is_none() {
            req.min_bundle_version.clone_from(&info.version);
        }
    }
    let (mut store, target) = connect(&a.image, &a.registry)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    match bulwark_sign::verify::verify_with(&mut store, &target, &trust, &req, now) {
        Ok(v) => {
            if a.format == "json" {
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                println!("Verified {}@{} with {}", v.image, v.digest, v.key);
                for s in &v.signatures {
                    println!("  signature: {} {}", s.layout, s.location);
                }
                for s in &v.attestations {
                    println!(
                        "  attestation: {} {} {}{}",
                        s.predicate_type.as_deref().unwrap_or(""),
                        s.layout,
                        s.location,
                        s.time
                            .as_deref()
                            .map(|t| format!(" made {t}"))
                            .unwrap_or_default()
                    );
                }
                if let Some(p) = &v.verdict {
                    println!(
                        "  verdict: {} at stage {} by {}{} (DB built {})",
                        p.verdict.decision.as_str(),
                        p.verdict.stage,
                        p.bundle.name,
                        p.bundle
                            .version
                            .as_deref()
                            .map(|v| format!("@{v}"))
                            .unwrap_or_default(),
                        p.db.as_ref().map_or("-", |d| d.built_at.as_str())
                    );
                }
            }
            Ok(Outcome::Clean)
        }
        Err(bulwark_sign::verify::VerifyError::Failed {
            image,
            digest,
            reasons,
        }) => {
            eprintln!("bulwark: verification failed for {image}@{digest}:");
            for r in reasons {
                eprintln!("  {r}");
            }
            Ok(Outcome::PolicyFailed)
        }
        Err(e) => Err(e.into()),
    }
}

/// `scan image --sign`: after a passing verdict, sign the image and, with `--attest`, attest the verdict (and
/// the vulnerability result). Nothing is pushed when the verdict fails.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct ReleaseFlags {
    /// When the verdict passes, sign the image with --key (both layouts). Needs --policy.
    #[arg(long, requires_all = ["key", "policy"])]
    pub(crate) sign: bool,
    /// With --sign, also attest the verdict (Bulwark's verdict predicate) and the vulnerability scan (cosign's
    /// vuln predicate).
    #[arg(long, requires = "sign")]
    pub(crate) attest: bool,
    /// The private key for --sign.
    #[arg(long, value_name = "FILE")]
    pub(crate) key: Option<PathBuf>,
}

pub(crate) fn release(
    flags: &ReleaseFlags,
    registry: &RegistryFlags,
    image: &str,
    report: &Report,
) -> Result<()> {
    let Some(key_path) = &flags.key else {
        bail!("--sign needs --key");
    };
    let key = super::keys::load_private(key_path)?;
    let (mut store, target) = connect(image, registry)?;
    let digest = target.digest.to_string();
    if let Some(scanned) = report
        .target
        .image
        .as_ref()
        .and_then(|i| i.manifest_digest.as_deref())
        && scanned != digest
    {
        bail!(
            "{image} now resolves to {digest}, but the scan read {scanned}: not signing an image that was not scanned"
        );
    }
    let mut lines = write_signature(&mut store, &target, &key, Layout::Both, &BTreeMap::new())?;
    if flags.attest {
        for kind in [PredicateKind::Verdict, PredicateKind::Vuln] {
            let p = predicate_from_report(kind, report, image, &digest)?;
            lines.extend(write_attestation(
                &mut store,
                &target,
                &key,
                Layout::Both,
                kind,
                p,
            )?);
        }
    }
    for line in lines {
        eprintln!("bulwark: {line}");
    }
    Ok(())
}
