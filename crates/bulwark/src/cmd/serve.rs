//! `bulwark serve`: the admission webhook. The server (bulwark-server) handles HTTPS, deadlines, exemptions,
//! metrics and the audit log; the decision is [`PolicyJudge`], which judges each request's object through
//! `k8s::judge_bytes`, the function `bulwark policy eval` uses, so the webhook and CI give the same verdict.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use bulwark_policy::{Action, Decision, Outcome as RuleOutcome, Stage, Verdict};
use bulwark_server::{Judge, Judgement, Request, Response};

use crate::Outcome;

/// What a failing verdict does to the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Mode {
    /// Deny the request (the API server refuses the object).
    Enforce,
    /// Admit it, with the violations as warnings (`kubectl` prints them).
    Warn,
    /// Admit it silently; the violations are in the audit log only.
    Audit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum OnTimeout {
    Deny,
    Allow,
}

#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// The policy bundle every request is judged by (the sources `--policy` takes on scans).
    #[arg(
        long,
        value_name = "BUNDLE",
        env = "BULWARK_POLICY",
        required = false,
        required_unless_present = "self_check",
        default_value_if("self_check", clap::builder::ArgPredicate::IsPresent, "")
    )]
    pub(crate) policy: String,
    #[command(flatten)]
    pub(crate) trust: super::verdict::TrustFlags,
    /// The lifecycle stage the rules are evaluated at.
    #[arg(long, value_name = "STAGE", default_value = "deploy")]
    pub(crate) stage: Stage,
    /// Address to listen on (port 0 picks a free port; the address is logged as `{"event":"listening"}`).
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:8443")]
    pub(crate) listen: SocketAddr,
    /// PEM certificate chain to serve (read again when the file changes).
    #[arg(
        long,
        value_name = "FILE",
        requires = "tls_key",
        conflicts_with = "generate_certs"
    )]
    pub(crate) tls_cert: Option<PathBuf>,
    /// PEM private key of the certificate.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub(crate) tls_key: Option<PathBuf>,
    /// Write a self-signed CA and a serving certificate into DIR (`ca.crt` is the webhook's caBundle) and serve
    /// them; existing files in DIR are used as they are.
    #[arg(long, value_name = "DIR")]
    pub(crate) generate_certs: Option<PathBuf>,
    /// Names (DNS or IP) of the generated certificate (repeatable) [default: bulwark, bulwark.<ns>.svc,
    /// bulwark.<ns>.svc.cluster.local, localhost, 127.0.0.1, with <ns> from $POD_NAMESPACE, else bulwark].
    #[arg(long = "cert-host", value_name = "NAME")]
    pub(crate) cert_hosts: Vec<String>,
    /// What a failing verdict does: enforce (deny), warn (admit with warnings) or audit (admit, log only).
    #[arg(long, value_enum, default_value_t = Mode::Enforce)]
    pub(crate) mode: Mode,
    /// Time allowed for one decision; keep it below the webhook's timeoutSeconds (10 s by default).
    #[arg(long, value_name = "DURATION", default_value = "8s", value_parser = parse_duration)]
    pub(crate) deadline: Duration,
    /// The answer when no decision arrives within the deadline (fail closed by default).
    #[arg(long, value_enum, default_value_t = OnTimeout::Deny)]
    pub(crate) on_timeout: OnTimeout,
    /// Namespaces allowed without judging (repeatable) [default: kube-system, kube-public, and $POD_NAMESPACE,
    /// the server's own].
    #[arg(long = "exempt-namespace", value_name = "NAMESPACE")]
    pub(crate) exempt_namespaces: Vec<String>,
    /// How often the certificate files are checked for changes (cert-manager renewals are picked up).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub(crate) tls_reload: Duration,
    /// Largest request body accepted, in MiB (larger ones are HTTP 413).
    #[arg(long, value_name = "MIB", default_value_t = 8)]
    pub(crate) max_body_mib: usize,
    #[command(flatten)]
    pub(crate) images: ImageFlags,
    #[command(flatten)]
    pub(crate) self_check: super::selfcheck::SelfCheckArgs,
}

/// Signature (and attestation) requirements on every image a workload runs.
#[derive(Debug, clap::Args)]
pub(crate) struct ImageFlags {
    /// Every container image must be signed with this key (a PEM public key, `cosign.pub`), in cosign's tag
    /// layout or as a Sigstore bundle referrer. Unsigned images are refused (in enforce mode).
    #[arg(long, value_name = "FILE")]
    pub(crate) verify_key: Option<PathBuf>,
    /// Also require a verified attestation of this type (vuln, cyclonedx, spdx, verdict; a verdict must not be
    /// fail).
    #[arg(long, value_name = "TYPE", requires = "verify_key", value_parser = parse_kind)]
    pub(crate) require_attestation: Option<bulwark_sign::predicate::PredicateKind>,
    /// The attestation must be at most this old (`36h`, `7d`).
    #[arg(long, value_name = "AGE", requires = "require_attestation", value_parser = super::db::parse_age)]
    pub(crate) attestation_max_age: Option<Duration>,
    /// How long a verified image reference is trusted before it is checked again (refusals: a tenth of it).
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub(crate) verify_cache_ttl: Duration,
    #[command(flatten)]
    pub(crate) registry: super::sign::RegistryFlags,
}

fn parse_kind(s: &str) -> Result<bulwark_sign::predicate::PredicateKind, String> {
    bulwark_sign::predicate::PredicateKind::parse(s)
        .ok_or_else(|| format!("'{s}' is not vuln, cyclonedx, spdx or verdict"))
}

/// Verifies the images of admitted workloads through `bulwark_sign::verify`, with a per-reference cache: a
/// verified or refused reference is answered from memory until its entry expires; a registry error is not cached
/// (the next request tries again), and fails closed.
pub(crate) struct ImageVerifier {
    key: bulwark_signature::PublicKey,
    requirements: bulwark_sign::verify::Requirements,
    options: bulwark_registry::PushOptions,
    cache: bulwark_sign::cache::VerdictCache<Arc<bulwark_sign::verify::Verified>>,
}

impl ImageVerifier {
    fn new(flags: &ImageFlags) -> Result<Option<Self>> {
        let Some(key) = &flags.verify_key else {
            return Ok(None);
        };
        Ok(Some(Self {
            key: super::keys::load_public(key)?,
            requirements: bulwark_sign::verify::Requirements {
                predicate_type: flags
                    .require_attestation
                    .map(|k| k.predicate_type().to_owned()),
                max_age: flags.attestation_max_age,
                ..bulwark_sign::verify::Requirements::default()
            },
            options: flags.registry.options(),
            cache: bulwark_sign::cache::VerdictCache::new(bulwark_sign::cache::CacheConfig {
                ttl: flags.verify_cache_ttl,
                negative_ttl: flags.verify_cache_ttl / 10,
                capacity: 10_000,
            }),
        }))
    }

    /// `Ok` when `image` verifies, else the reason.
    fn check(&self, image: &str) -> Result<(), String> {
        use bulwark_sign::cache::Cached;
        match self.cache.get(image) {
            Cached::Verified(_) => return Ok(()),
            Cached::Refused(r) => return Err(r),
            Cached::Miss => {}
        }
        let reference: bulwark_registry::Reference = image
            .parse()
            .map_err(|e| format!("not an image reference: {e}"))?;
        let result = (|| {
            let mut store = bulwark_sign::oci::Store::connect(&reference, &self.options)?;
            let target = store.resolve(&reference)?;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
            Ok::<_, bulwark_sign::verify::VerifyError>(bulwark_sign::verify::verify(
                &mut store,
                &target,
                &self.key,
                &self.requirements,
                now,
            ))
        })();
        match result {
            Ok(Ok(v)) => {
                self.cache.put(image, Ok(Arc::new(v)));
                Ok(())
            }
            Ok(Err(bulwark_sign::verify::VerifyError::Failed { reasons, .. })) => {
                let why = reasons
                    .into_iter()
                    .filter(|r| !r.starts_with("(set aside)"))
                    .collect::<Vec<_>>()
                    .join("; ");
                self.cache.put(image, Err(why.clone()));
                Err(why)
            }
            Ok(Err(e)) | Err(e) => Err(format!("cannot verify: {e}")),
        }
    }
}

/// The container images of a Pod or of any object with a pod template (controllers, CronJobs, custom
/// workloads), with the field each is at.
fn images(object: &serde_json::Value) -> Vec<(String, String)> {
    let spec_paths: [(&str, &[&str]); 3] = [
        ("spec", &["spec"]),
        ("spec.template.spec", &["spec", "template", "spec"]),
        (
            "spec.jobTemplate.spec.template.spec",
            &["spec", "jobTemplate", "spec", "template", "spec"],
        ),
    ];
    let mut out = Vec::new();
    for (prefix, path) in spec_paths {
        let Some(spec) = path.iter().try_fold(object, |v, k| v.get(k)) else {
            continue;
        };
        for list in ["initContainers", "containers", "ephemeralContainers"] {
            for (i, c) in spec
                .get(list)
                .and_then(serde_json::Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                if let Some(image) = c.get("image").and_then(serde_json::Value::as_str) {
                    out.push((format!("{prefix}.{list}[{i}].image"), image.to_owned()));
                }
            }
        }
    }
    out
}

/// `8s`, `500ms`, `2m`.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    if let Some(ms) = t.strip_suffix("ms") {
        return ms
            .parse::<u64>()
            .map(Duration::from_millis)
            .map_err(|_| format!("'{s}' is not a duration like 500ms, 8s or 1m"));
    }
    super::db::parse_age(t).and_then(|d| {
        if t.ends_with(|c: char| c.is_ascii_digit()) {
            Err(format!("'{s}' needs a unit: 500ms, 8s or 1m"))
        } else {
            Ok(d)
        }
    })
}

/// The judge: the bundle's verdict on the request's object, turned into an answer by the mode.
pub(crate) struct PolicyJudge {
    pub(crate) policy: super::verdict::Policy,
    pub(crate) mode: Mode,
    label: String,
    images: Option<ImageVerifier>,
}

impl PolicyJudge {
    pub(crate) fn new(
        policy: super::verdict::Policy,
        mode: Mode,
        images: Option<ImageVerifier>,
    ) -> Self {
        let info = &policy.bundle.info;
        let label = match &info.version {
            Some(v) => format!("{}@{v}", info.name),
            None => info.name.clone(),
        };
        Self {
            policy,
            mode,
            label,
            images,
        }
    }

    /// The verdict on one admission request's object (None when there is no object: DELETE).
    pub(crate) fn verdict(&self, request: &Request) -> Result<Option<Verdict>> {
        if request.object.is_null() {
            return Ok(None);
        }
        let data = serde_json::to_vec(&request.object)?;
        let name = format!("admission:{}", request.display_name());
        super::k8s::judge_bytes(&self.policy, &name, data).map(Some)
    }
}

/// The verdict as the audit annotation `bulwark.dev/verdict` carries it: the decision, the bundle, and every
/// rule that failed or erred with its hits. `bulwark policy eval` on the same object gives the same text
/// ([`summary`] of its verdict); the conformance test compares them.
pub(crate) fn summary(verdict: &Verdict) -> serde_json::Value {
    let results: Vec<serde_json::Value> = verdict
        .results
        .iter()
        .filter(|r| matches!(r.outcome, RuleOutcome::Fail | RuleOutcome::Error))
        .map(|r| {
            serde_json::json!({
                "rule": r.rule,
                "engine": r.engine,
                "action": r.action,
                "outcome": r.outcome,
                "hits": r.hits.iter().map(|h| serde_json::json!({
                    "resource": h.resource,
                    "field": h.field,
                    "message": h.message,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::json!({
        "decision": verdict.decision,
        "stage": verdict.stage,
        "bundle": {"name": verdict.bundle.name, "version": verdict.bundle.version, "digest": verdict.bundle.digest},
        "results": results,
    })
}

/// `[rule] message (field) — description` lines for the violations at `action`.
fn violations(verdict: &Verdict, action: Action) -> Vec<String> {
    let mut out = Vec::new();
    for r in &verdict.results {
        if r.action != action || !matches!(r.outcome, RuleOutcome::Fail | RuleOutcome::Error) {
            continue;
        }
        let fix = if r.description.is_empty() {
            String::new()
        } else {
            format!(" — {}", r.description)
        };
        if r.hits.is_empty() {
            let why = r.message.as_deref().unwrap_or("violated");
            out.push(format!("[{}] {why}{fix}", r.rule));
        }
        for h in &r.hits {
            let field = h
                .field
                .as_deref()
                .map(|f| format!(" ({f})"))
                .unwrap_or_default();
            out.push(format!("[{}] {}{field}{fix}", r.rule, h.message));
        }
    }
    out
}

impl Judge for PolicyJudge {
    fn judge(&self, request: &Request) -> Judgement {
        let verdict = match self.verdict(request) {
            Ok(Some(v)) => v,
            Ok(None) => {
                return Judgement {
                    response: Response {
                        allowed: true,
                        ..Response::default()
                    },
                    policy: self.label.clone(),
                    reasons: vec!["no object".into()],
                };
            }
            Err(e) => {
                // Fail closed: an object the policy cannot judge is not admitted.
                return Judgement {
                    response: Response {
                        allowed: false,
                        message: Some(format!("bulwark: cannot judge the object: {e:#}")),
                        ..Response::default()
                    },
                    policy: self.label.clone(),
                    reasons: vec!["error".into()],
                };
            }
        };
        let mut failures = violations(&verdict, Action::Fail);
        let warnings = violations(&verdict, Action::Warn);
        let mut reasons: Vec<String> = verdict
            .results
            .iter()
            .filter(|r| matches!(r.outcome, RuleOutcome::Fail | RuleOutcome::Error))
            .map(|r| r.rule.clone())
            .collect();
        // Signatures: every image the workload runs, through the per-reference cache.
        let mut unsigned = false;
        if let Some(verifier) = &self.images {
            for (field, image) in images(&request.object) {
                if let Err(why) = verifier.check(&image) {
                    unsigned = true;
                    failures.push(format!("[image-signature] {image} ({field}): {why}"));
                    reasons.push(format!("image-signature:{image}"));
                }
            }
        }
        let denied = (verdict.decision == Decision::Fail || unsigned) && self.mode == Mode::Enforce;
        let annotations = std::collections::BTreeMap::from([
            (
                "bulwark.dev/decision".to_owned(),
                verdict.decision.to_string(),
            ),
            (
                "bulwark.dev/verdict".to_owned(),
                summary(&verdict).to_string(),
            ),
        ]);
        let response = if denied {
            Response {
                allowed: false,
                message: Some(format!(
                    "{} {} was refused by policy {} (stage {}):\n{}",
                    request.kind.kind,
                    request.display_name(),
                    self.label,
                    verdict.stage,
                    failures.join("\n")
                )),
                warnings,
                patch: None,
                audit_annotations: annotations,
            }
        } else {
            let mut all = Vec::new();
            if self.mode == Mode::Warn {
                all.extend(failures);
            }
            if self.mode != Mode::Audit {
                all.extend(warnings);
            }
            Response {
                allowed: true,
                message: None,
                warnings: all,
                patch: None,
                audit_annotations: annotations,
            }
        };
        Judgement {
            response,
            policy: self.label.clone(),
            reasons,
        }
    }
}

fn default_hosts(ns: &str) -> Vec<String> {
    vec![
        "bulwark".into(),
        format!("bulwark.{ns}.svc"),
        format!("bulwark.{ns}.svc.cluster.local"),
        "localhost".into(),
        "127.0.0.1".into(),
    ]
}

pub(crate) fn serve(a: &ServeArgs) -> Result<Outcome> {
    if a.self_check.self_check {
        return super::selfcheck::run(a);
    }
    let own_ns = std::env::var("POD_NAMESPACE")
        .ok()
        .filter(|s| !s.is_empty());
    let tls = match (&a.tls_cert, &a.tls_key, &a.generate_certs) {
        (Some(cert), Some(key), _) => bulwark_server::TlsFiles {
            cert: cert.clone(),
            key: key.clone(),
        },
        (_, _, Some(dir)) => {
            let (cert, key) = (dir.join("tls.crt"), dir.join("tls.key"));
            if !(cert.is_file() && key.is_file()) {
                let hosts = if a.cert_hosts.is_empty() {
                    default_hosts(own_ns.as_deref().unwrap_or("bulwark"))
                } else {
                    a.cert_hosts.clone()
                };
                let g = bulwark_server::tls::generate(dir, &hosts, 365)?;
                eprintln!(
                    "bulwark: wrote {} (the webhook's caBundle), {} and {}",
                    g.ca.display(),
                    g.cert.display(),
                    g.key.display()
                );
            }
            bulwark_server::TlsFiles { cert, key }
        }
        _ => anyhow::bail!("give --tls-cert and --tls-key, or --generate-certs DIR"),
    };
    let policy = super::verdict::Policy::load(&a.policy, a.stage, None, &a.trust)?;
    super::k8s::prepared(&policy)?;
    let images = ImageVerifier::new(&a.images)?;
    let judge = PolicyJudge::new(policy, a.mode, images);
    let mut config = bulwark_server::Config::new(a.listen, tls);
    config.deadline = a.deadline;
    config.on_timeout = match a.on_timeout {
        OnTimeout::Deny => bulwark_server::FailureAction::Deny,
        OnTimeout::Allow => bulwark_server::FailureAction::Allow,
    };
    if !a.exempt_namespaces.is_empty() {
        config.exempt_namespaces.clone_from(&a.exempt_namespaces);
    }
    if let Some(ns) = own_ns
        && !config.exempt_namespaces.contains(&ns)
    {
        config.exempt_namespaces.push(ns);
    }
    config.max_body_bytes = a.max_body_mib.saturating_mul(1 << 20);
    config.reload_every = a.tls_reload.max(Duration::from_millis(100));
    bulwark_server::run(config, Arc::new(judge)).context("bulwark serve")?;
    Ok(Outcome::Clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("8s"), Ok(Duration::from_secs(8)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_mins(1)));
        assert!(parse_duration("8").is_err());
        assert!(parse_duration("fast").is_err());
    }
}
