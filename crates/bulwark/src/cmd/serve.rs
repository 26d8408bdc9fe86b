//! `bulwark serve`: the admission webhook. The server (bulwark-server) handles HTTPS, deadlines, exemptions,
//! metrics and the audit log; the decision is [`PolicyJudge`], which judges each request's object through
//! `k8s::judge_review`, the function `bulwark policy eval` uses on an AdmissionReview, so the webhook and CI give the same verdict.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use bulwark_policy::{Action, Decision, Outcome as RuleOutcome, Stage, Verdict};
use bulwark_server::{Judge, Judgement, Request, Response};

use crate::Outcome;

/// What a failing verdict does to the request. The modes are ordered from strict to lenient; when two apply
/// (the global `--mode` and a requirement's own, or a rule's stage action), the more lenient one wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub(crate) enum Mode {
    /// Deny the request (the API server refuses the object).
    Enforce,
    /// Admit it, with the violations as warnings (`kubectl` prints them).
    Warn,
    /// Admit it silently; the violations are in the audit log only.
    Audit,
}

/// A subresource reached with CONNECT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Connect {
    /// `kubectl exec` (pods/exec, PodExecOptions).
    Exec,
    /// `kubectl attach` (pods/attach, PodAttachOptions).
    Attach,
    /// `kubectl port-forward` (pods/portforward, PodPortForwardOptions).
    Portforward,
}

impl Connect {
    fn as_str(self) -> &'static str {
        match self {
            Self::Exec => "exec",
            Self::Attach => "attach",
            Self::Portforward => "portforward",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum OnTimeout {
    Deny,
    Allow,
}

#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// The policy bundle every request is judged by (the sources `--policy` takes on scans); required, here or
    /// as `policy:` in the config file.
    #[arg(long, value_name = "BUNDLE", env = "BULWARK_POLICY")]
    pub(crate) policy: Option<String>,
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
    /// How often the certificate files, and a policy bundle directory (a ConfigMap volume), are checked for
    /// changes (cert-manager renewals and ConfigMap updates are picked up; a bad new one keeps the old).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub(crate) tls_reload: Duration,
    /// Largest request body accepted, in MiB (larger ones are HTTP 413).
    #[arg(long, value_name = "MIB", default_value_t = 8)]
    pub(crate) max_body_mib: usize,
    #[command(flatten)]
    pub(crate) images: ImageFlags,
    #[command(flatten)]
    pub(crate) self_check: super::selfcheck::SelfCheckArgs,
    #[command(flatten)]
    pub(crate) connect: ConnectFlags,
    /// The run stage: keep an inventory in this store (a SQLite file, `sqlite:PATH` or a path, or
    /// `postgres://…` for several replicas), serve the REST API under /api/v1 and run the inventory loops.
    #[arg(long, value_name = "URL", env = "BULWARK_STORE")]
    pub(crate) store: Option<String>,
    /// This replica's name in job and notification leases [default: host name and process id].
    #[arg(long, value_name = "NAME", requires = "store")]
    pub(crate) worker: Option<String>,
    #[command(flatten)]
    pub(crate) api: super::serve_api::ApiFlags,
    #[command(flatten)]
    pub(crate) loops: super::serve_loops::LoopFlags,
    #[command(flatten)]
    pub(crate) feeds: super::serve_feeds::FeedFlags,
    #[command(flatten)]
    pub(crate) dashboard: DashboardFlags,
    /// Falco rules files that judge the Kubernetes audit events posted to /k8s-audit (the API server's audit
    /// webhook), loaded in order as Falco loads them; alerts are stored and notified. Without them the events
    /// are read and counted only.
    #[arg(long = "runtime-rules", value_name = "FILE", num_args = 1.., requires = "store")]
    pub(crate) runtime_rules: Vec<PathBuf>,
    /// Enforcement file for the audit webhook's alerts (the format of `runtime watch --enforce`): kill the pod,
    /// scale to zero, isolate (through --kubeconfig/--in-cluster), deny the image digest at admission. Dry run
    /// unless the file says `dryRun: false`; every decision is recorded (GET /api/v1/runtime/actions).
    #[arg(long = "enforce", value_name = "FILE", requires = "runtime_rules")]
    pub(crate) enforce: Option<PathBuf>,
}

/// Loads `--runtime-rules`: every file, in order, against the k8s audit (and syscall) fields. Warnings go to
/// stderr; an error names the file, the item and the line.
fn runtime_rules(paths: &[PathBuf]) -> Result<Option<Arc<bulwark_runtime::rules::Ruleset>>> {
    use bulwark_runtime::rules::{DiagnosticSeverity, LoadOptions, RulesFile, Ruleset};
    if paths.is_empty() {
        return Ok(None);
    }
    let files = paths
        .iter()
        .map(|p| {
            Ok(RulesFile {
                path: p.display().to_string(),
                text: std::fs::read_to_string(p)
                    .with_context(|| format!("--runtime-rules {}", p.display()))?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let schemas: [&dyn bulwark_runtime::event::Schema; 2] = [
        &bulwark_runtime::k8saudit::K8sAuditSchema,
        &bulwark_runtime::syscall::SyscallSchema,
    ];
    let show = |d: &bulwark_runtime::rules::Diagnostic| {
        format!(
            "{}:{}:{}: {} {}: {} ({})",
            d.file, d.line, d.column, d.item_kind, d.item_name, d.message, d.code
        )
    };
    match Ruleset::load(&files, &schemas, &LoadOptions::default()) {
        Ok((rules, diagnostics)) => {
            for d in &diagnostics {
                eprintln!("warning: {}", show(d));
            }
            Ok(Some(Arc::new(rules)))
        }
        Err(e) => {
            let errors: Vec<String> = e
                .diagnostics
                .iter()
                .filter(|d| d.severity == DiagnosticSeverity::Error)
                .map(show)
                .collect();
            if errors.is_empty() {
                anyhow::bail!("--runtime-rules: {e}");
            }
            anyhow::bail!("--runtime-rules: {e}:\n  {}", errors.join("\n  "));
        }
    }
}

/// The dashboard at `/` (with --store): sign-in is by the --api-tokens file (a token, or a session made by
/// `POST /login` with one), or by a trusted proxy's headers (OIDC in front).
#[derive(Debug, Default, clap::Args)]
pub(crate) struct DashboardFlags {
    /// The header a trusted proxy names the signed-in user in (X-Forwarded-User, X-Auth-Request-User); believed
    /// only from --dashboard-trusted-proxy addresses.
    #[arg(long = "dashboard-proxy-user-header", value_name = "HEADER", requires_all = ["store", "trusted_proxy"])]
    pub(crate) proxy_user_header: Option<String>,
    /// The header a trusted proxy lists the user's groups in, comma-separated (X-Forwarded-Groups).
    #[arg(
        long = "dashboard-proxy-groups-header",
        value_name = "HEADER",
        requires = "proxy_user_header"
    )]
    pub(crate) proxy_groups_header: Option<String>,
    /// Members of this group (in --dashboard-proxy-groups-header) are dashboard admins; other proxied users read.
    #[arg(
        long = "dashboard-admin-group",
        value_name = "GROUP",
        requires = "proxy_groups_header"
    )]
    pub(crate) admin_group: Option<String>,
    /// Addresses (10.0.0.5) or ranges (10.0.0.0/8, fd00::/8) of the proxies whose user headers are believed;
    /// repeatable. From any other address those headers are ignored.
    #[arg(
        long = "dashboard-trusted-proxy",
        value_name = "CIDR",
        requires = "proxy_user_header"
    )]
    pub(crate) trusted_proxy: Vec<bulwark_server::dashboard::Cidr>,
}

impl DashboardFlags {
    fn config(&self) -> Result<bulwark_server::dashboard::DashboardConfig> {
        // A config file can set these without clap's `requires` checks.
        if self.proxy_user_header.is_some() == self.trusted_proxy.is_empty() {
            anyhow::bail!(
                "--dashboard-proxy-user-header and --dashboard-trusted-proxy go together: proxy headers are \
                 believed only from trusted addresses"
            );
        }
        if self.admin_group.is_some() && self.proxy_groups_header.is_none() {
            anyhow::bail!("--dashboard-admin-group needs --dashboard-proxy-groups-header");
        }
        let mut c = bulwark_server::dashboard::DashboardConfig::default();
        c.proxy = bulwark_server::dashboard::ProxyAuth {
            user_header: self.proxy_user_header.clone(),
            groups_header: self.proxy_groups_header.clone(),
            admin_group: self.admin_group.clone(),
            trusted: self.trusted_proxy.clone(),
        };
        Ok(c)
    }
}

/// CONNECT requests (`kubectl exec`, `attach`, `port-forward`): opt-in refusals. The webhook configuration must
/// send them (`operations: [CONNECT]` on `pods/exec`, `pods/attach`, `pods/portforward`).
#[derive(Debug, clap::Args)]
pub(crate) struct ConnectFlags {
    /// Refuse this CONNECT subresource of pods (repeatable: exec, attach, portforward); the denial names the
    /// rule `deny-pods-<subresource>`. The global --mode applies (warn admits with a warning).
    #[arg(long = "deny-connect", value_enum, value_name = "SUBRESOURCE")]
    pub(crate) deny: Vec<Connect>,
    /// Refuse them only in these namespaces (repeatable) [default: every namespace not exempt].
    #[arg(
        long = "connect-namespace",
        value_name = "NAMESPACE",
        requires = "deny"
    )]
    pub(crate) namespaces: Vec<String>,
    /// Users in this group may still exec, attach and port-forward (repeatable; a break-glass group).
    #[arg(long = "connect-allow-group", value_name = "GROUP", requires = "deny")]
    pub(crate) allow_groups: Vec<String>,
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
    /// Within it, a tag is answered (and pinned by --mutate) from the digest that was verified.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub(crate) verify_cache_ttl: Duration,
    /// What an image that fails verification does, under the global --mode (the more lenient wins): enforce,
    /// warn or audit; lets signatures be rolled out in warn mode while the bundle's rules are enforced.
    #[arg(long, value_enum, value_name = "MODE", default_value_t = Mode::Enforce, requires = "verify_key")]
    pub(crate) verify_mode: Mode,
    /// Serve the mutating webhook `POST /mutate`: pins each verified image tag to the digest that was verified
    /// (`repo:tag` → `repo:tag@sha256:…`) with a JSONPatch; an image that fails verification gets no patch and
    /// is refused in enforce mode.
    #[arg(long, requires = "verify_key")]
    pub(crate) mutate: bool,
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

    /// What verified `image` (its `digest` is the one the tag resolved to, once), else the reason; and whether
    /// the answer came from the cache. The tag is resolved once and that digest is verified, so what is pinned
    /// is what was verified. A dry run reads the cache but never writes it: it changes no later answer.
    fn check(
        &self,
        image: &str,
        dry_run: bool,
    ) -> (Result<Arc<bulwark_sign::verify::Verified>, String>, bool) {
        use bulwark_sign::cache::Cached;
        match self.cache.get(image) {
            Cached::Verified(v) => return (Ok(v), true),
            Cached::Refused(r) => return (Err(r), true),
            Cached::Miss => {}
        }
        (self.verify(image, dry_run), false)
    }

    fn verify(
        &self,
        image: &str,
        dry_run: bool,
    ) -> Result<Arc<bulwark_sign::verify::Verified>, String> {
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
                let v = Arc::new(v);
                if !dry_run {
                    self.cache.put(image, Ok(v.clone()));
                }
                Ok(v)
            }
            Ok(Err(bulwark_sign::verify::VerifyError::Failed { reasons, .. })) => {
                let why = reasons
                    .into_iter()
                    .filter(|r| !r.starts_with("(set aside)"))
                    .collect::<Vec<_>>()
                    .join("; ");
                if !dry_run {
                    self.cache.put(image, Err(why.clone()));
                }
                Err(why)
            }
            Ok(Err(e)) | Err(e) => Err(format!("cannot verify: {e}")),
        }
    }
}

/// `8s`, `500ms`, `2m`.
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
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

/// Who may exec, attach and port-forward (from [`ConnectFlags`]).
#[derive(Debug, Default, Clone)]
pub(crate) struct ConnectRules {
    deny: Vec<Connect>,
    namespaces: Vec<String>,
    allow_groups: Vec<String>,
}

impl ConnectRules {
    fn new(flags: &ConnectFlags) -> Self {
        Self {
            deny: flags.deny.clone(),
            namespaces: flags.namespaces.clone(),
            allow_groups: flags.allow_groups.clone(),
        }
    }

    /// The violation (`[rule] why — fix`) when `request` is a CONNECT these rules refuse.
    fn violation(&self, request: &Request) -> Option<(String, String)> {
        if request.operation != "CONNECT" || request.resource.resource != "pods" {
            return None;
        }
        let sub = request.sub_resource.as_deref()?;
        let what = *self.deny.iter().find(|c| c.as_str() == sub)?;
        let ns = request.namespace.as_deref().unwrap_or_default();
        if !self.namespaces.is_empty() && !self.namespaces.iter().any(|n| n == ns) {
            return None;
        }
        let groups = request
            .user_info
            .get("groups")
            .and_then(serde_json::Value::as_array);
        if groups.into_iter().flatten().any(|g| {
            g.as_str()
                .is_some_and(|g| self.allow_groups.iter().any(|a| a == g))
        }) {
            return None;
        }
        let rule = format!("deny-pods-{}", what.as_str());
        let user = request
            .user_info
            .get("username")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("the user");
        let fix = if self.allow_groups.is_empty() {
            "debug with logs, metrics or an ephemeral debug container instead".to_owned()
        } else {
            format!(
                "ask for membership of {} (break-glass), or debug with logs instead",
                self.allow_groups.join(", ")
            )
        };
        let name = request.name.as_deref().unwrap_or_default();
        Some((
            rule.clone(),
            format!(
                "[{rule}] {user} may not {} pod {ns}/{name} (pods/{sub}) — {fix}",
                match what {
                    Connect::Exec => "exec into",
                    Connect::Attach => "attach to",
                    Connect::Portforward => "port-forward to",
                }
            ),
        ))
    }
}

/// The judge: the bundle's verdict on the request's object, turned into an answer by the mode.
///
/// Modes: each rule of the bundle carries its action for the stage (`stages: {deploy: fail|warn|info}`): fail
/// denies (enforce), warn admits with a warning, info admits and is recorded in the audit line only (audit).
/// The image-signature requirement has `--verify-mode`. The global `--mode` is an override towards leniency:
/// warn turns every denial into warnings, audit into audit-log reasons only.
pub(crate) struct PolicyJudge {
    pub(crate) policy: super::verdict::Policy,
    pub(crate) mode: Mode,
    label: String,
    images: Option<Arc<ImageVerifier>>,
    verify_mode: Mode,
    connect: ConnectRules,
    /// The deny list of runtime enforcement (with --store): a denied digest fails the verdict.
    deny: Option<Arc<super::runtime_enforce::DenyList>>,
}

/// Image verification of one request: the violations and the patch to the verified digests.
/// A verified image's signatures and attestations as the policy's `signatures:` rules read them (identity: the
/// key that verified them).
fn verified_signatures(v: &bulwark_sign::verify::Verified) -> Vec<bulwark_policy::Signature> {
    let mut out: Vec<bulwark_policy::Signature> = Vec::new();
    let found = v.signatures.iter().map(|_| ("signature", None)).chain(
        v.attestations
            .iter()
            .map(|a| ("attestation", a.predicate_type.clone())),
    );
    for (kind, predicate_type) in found {
        let s = bulwark_policy::Signature {
            kind: kind.to_owned(),
            predicate_type,
            identity: Some(v.key.clone()),
            issuer: None,
            verified: true,
        };
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

#[derive(Default)]
struct ImageCheck {
    /// What every image of the object carries, verified (the intersection over its images), for the bundle's
    /// `signatures:` rules; None when nothing was looked up (no `--verify-key`, or no image).
    signatures: Option<Vec<bulwark_policy::Signature>>,
    failures: Vec<String>,
    reasons: Vec<String>,
    patch: Vec<serde_json::Value>,
    hits: u64,
    misses: u64,
}

impl PolicyJudge {
    pub(crate) fn new(
        policy: super::verdict::Policy,
        mode: Mode,
        images: Option<Arc<ImageVerifier>>,
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
            verify_mode: Mode::Enforce,
            connect: ConnectRules::default(),
            deny: None,
        }
    }

    /// Every image of the request's object through the verifier (each distinct reference once); the patch
    /// pins each verified tag to the digest that was verified. Already-pinned references are verified as they
    /// are and left alone.
    fn check_images(&self, request: &Request) -> ImageCheck {
        let mut out = ImageCheck::default();
        let Some(verifier) = &self.images else {
            return out;
        };
        let dry_run = request.dry_run.unwrap_or(false);
        let mut seen: std::collections::HashMap<
            String,
            Result<Arc<bulwark_sign::verify::Verified>, String>,
        > = std::collections::HashMap::new();
        for at in bulwark_server::admission::container_images(&request.object) {
            let result = if let Some(r) = seen.get(&at.image) {
                r.clone()
            } else {
                let (r, hit) = verifier.check(&at.image, dry_run);
                if hit {
                    out.hits += 1;
                } else {
                    out.misses += 1;
                }
                seen.insert(at.image.clone(), r.clone());
                r
            };
            let carried: Vec<bulwark_policy::Signature> = match &result {
                Ok(v) => verified_signatures(v),
                Err(_) => Vec::new(),
            };
            out.signatures = Some(match out.signatures.take() {
                None => carried,
                Some(mut common) => {
                    common.retain(|s| carried.contains(s));
                    common
                }
            });
            match result {
                Ok(v) => {
                    if !at.image.contains('@') {
                        out.patch.push(serde_json::json!({
                            "op": "replace",
                            "path": at.pointer,
                            "value": format!("{}@{}", at.image, v.digest),
                        }));
                    }
                }
                Err(why) => {
                    out.failures.push(format!(
                        "[image-signature] {} ({}): {why}",
                        at.image, at.field
                    ));
                    out.reasons.push(format!("image-signature:{}", at.image));
                }
            }
        }
        out
    }

    /// The verdict on one admission request's object (None when there is no object: DELETE).
    /// `k8s::judge_review`, the function `bulwark policy eval` calls on an AdmissionReview file, on the review
    /// the API server sent (None when it carries no object at all).
    pub(crate) fn verdict(
        &self,
        request: &Request,
        signatures: Option<&[bulwark_policy::Signature]>,
    ) -> Result<Option<Verdict>> {
        if request.object.is_null() && request.old_object.is_null() {
            return Ok(None);
        }
        let name = format!("admission:{}", request.display_name());
        let mut verdict =
            super::k8s::judge_review(&self.policy, &name, &review_of(request), signatures)?;
        if let Some(deny) = &self.deny {
            let images = super::runtime_enforce::object_images(&request.object);
            super::runtime_enforce::apply_denials(&mut verdict, &images, deny);
        }
        Ok(Some(verdict))
    }
}

/// The `AdmissionReview` around a request, as the engines read it (`request.operation`, `oldObject`…).
fn review_of(r: &Request) -> serde_json::Value {
    let mut request = serde_json::json!({
        "uid": r.uid,
        "kind": {"group": r.kind.group, "version": r.kind.version, "kind": r.kind.kind},
        "resource": {"group": r.resource.group, "version": r.resource.version, "resource": r.resource.resource},
        "operation": r.operation,
        "userInfo": r.user_info,
        "object": r.object,
        "oldObject": r.old_object,
    });
    for (key, value) in [
        ("subResource", r.sub_resource.as_deref()),
        ("name", r.name.as_deref()),
        ("namespace", r.namespace.as_deref()),
    ] {
        if let Some(v) = value {
            request[key] = v.into();
        }
    }
    if let Some(d) = r.dry_run {
        request["dryRun"] = d.into();
    }
    serde_json::json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request})
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

impl PolicyJudge {
    fn answer_without_object(&self) -> Judgement {
        Judgement {
            response: Response {
                allowed: true,
                ..Response::default()
            },
            policy: self.label.clone(),
            reasons: vec!["no object".into()],
            ..Judgement::default()
        }
    }

    fn refused(&self, request: &Request, stage: &str, failures: &[String]) -> String {
        format!(
            "{} {} was refused by policy {} (stage {stage}):\n{}",
            request.kind.kind,
            request.display_name(),
            self.label,
            failures.join("\n")
        )
    }
}

impl Judge for PolicyJudge {
    fn answers_from_memory(&self, request: &Request) -> bool {
        // The deny list's generation check reads the store: not on the async worker.
        if self.deny.as_ref().is_some_and(|d| d.refresh_due()) {
            return false;
        }
        let Some(verifier) = &self.images else {
            return true;
        };
        bulwark_server::admission::container_images(&request.object)
            .iter()
            .all(|at| {
                !matches!(
                    verifier.cache.get(&at.image),
                    bulwark_sign::cache::Cached::Miss
                )
            })
    }

    fn judge(&self, request: &Request) -> Judgement {
        // Signatures first: every image the workload runs, through the per-reference cache; what they carry is
        // part of the subject the bundle's `signatures:` rules judge.
        let checked = self.check_images(request);
        let verdict = match self.verdict(request, checked.signatures.as_deref()) {
            Ok(Some(v)) => v,
            Ok(None) => return self.answer_without_object(),
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
                    ..Judgement::default()
                };
            }
        };
        let mut failures = violations(&verdict, Action::Fail);
        let mut warnings = violations(&verdict, Action::Warn);
        let mut reasons: Vec<String> = verdict
            .results
            .iter()
            .filter(|r| matches!(r.outcome, RuleOutcome::Fail | RuleOutcome::Error))
            .map(|r| r.rule.clone())
            .collect();
        let mut deny = verdict.decision == Decision::Fail;
        // CONNECT (exec, attach, port-forward): the opt-in refusals.
        if let Some((rule, why)) = self.connect.violation(request) {
            failures.push(why);
            reasons.push(rule);
            deny = true;
        }
        reasons.extend(checked.reasons);
        match self.verify_mode {
            _ if checked.failures.is_empty() => {}
            Mode::Enforce => {
                failures.extend(checked.failures);
                deny = true;
            }
            Mode::Warn => warnings.extend(checked.failures),
            Mode::Audit => {}
        }
        let denied = deny && self.mode == Mode::Enforce;
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
                message: Some(self.refused(request, &verdict.stage.to_string(), &failures)),
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
            cache_hits: checked.hits,
            cache_misses: checked.misses,
        }
    }

    /// The mutating webhook: only image pinning. The API server runs mutating webhooks before validating
    /// ones, so `/validate` then judges the pinned object with the whole bundle.
    fn mutate(&self, request: &Request) -> Judgement {
        if request.object.is_null() || request.operation == "CONNECT" {
            return self.answer_without_object();
        }
        let checked = self.check_images(request);
        let mode = self.mode.max(self.verify_mode);
        let refused = !checked.failures.is_empty() && mode == Mode::Enforce;
        let response = if refused {
            Response {
                allowed: false,
                message: Some(self.refused(
                    request,
                    &self.policy.stage.to_string(),
                    &checked.failures,
                )),
                ..Response::default()
            }
        } else {
            Response {
                allowed: true,
                warnings: if mode == Mode::Warn {
                    checked.failures
                } else {
                    Vec::new()
                },
                patch: (!checked.patch.is_empty())
                    .then_some(serde_json::Value::Array(checked.patch)),
                ..Response::default()
            }
        };
        Judgement {
            response,
            policy: self.label.clone(),
            reasons: checked.reasons,
            cache_hits: checked.hits,
            cache_misses: checked.misses,
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
    let Some(source) = &a.policy else {
        anyhow::bail!("give the policy bundle: --policy BUNDLE, or `policy:` in the config file");
    };
    let policy = super::verdict::Policy::load(source, a.stage, None, &a.trust)?;
    super::k8s::prepared(&policy)?;
    let images = ImageVerifier::new(&a.images)?.map(Arc::new);
    // clap checks `requires` on the command line only; a config file can set `mutate` alone.
    if a.images.mutate && images.is_none() {
        anyhow::bail!("--mutate pins verified digests: it needs --verify-key");
    }
    // A bundle directory is reloaded when it changes (serve_reload.rs): every judge is made the same way.
    let (mode, verify_mode, connect) =
        (a.mode, a.images.verify_mode, ConnectRules::new(&a.connect));
    let deny = super::runtime_enforce::deny_list(a.store.as_deref())?;
    let deny_judge = deny.clone();
    let make = move |policy| {
        let mut judge = PolicyJudge::new(policy, mode, images.clone());
        judge.verify_mode = verify_mode;
        judge.connect = connect.clone();
        judge.deny.clone_from(&deny_judge);
        judge
    };
    let judge = make(policy);
    // The team switch (`teams:` in the config file): every team's bundle loaded and prepared now.
    let teams = super::serve_teams::from_config()?;
    let mut team_judges: Vec<(super::serve_teams::TeamSpec, Arc<dyn Judge>)> = Vec::new();
    for t in &teams {
        let policy = super::verdict::Policy::load(&t.policy, a.stage, None, &a.trust)
            .with_context(|| format!("team {}", t.name))?;
        super::k8s::prepared(&policy).with_context(|| format!("team {}", t.name))?;
        let j =
            super::serve_reload::judge(&t.policy, a.stage, &a.trust, make(policy), make.clone());
        team_judges.push((t.clone(), j));
    }
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
    config.mutate = a.images.mutate;
    if let Some(store) = &a.store {
        let mut api = a.api.config()?;
        let mut loops = a
            .loops
            .config(Some((source.as_str(), &a.trust)), deny.clone())?;
        if !teams.is_empty()
            && let (Some(global), Some(stage)) = (loops.judge.take(), a.loops.rescan_stage)
        {
            loops.judge = Some(super::serve_teams::rescan_judge(
                &teams,
                global,
                store,
                stage,
                &a.trust,
                &loops.vuln_db,
                deny.as_ref(),
            )?);
        }
        if !teams.is_empty() {
            super::serve_teams::check_tokens(&teams, api.tokens.as_deref())?;
            api.teams = bulwark_server::api::ApiTeams {
                token_team: teams
                    .iter()
                    .flat_map(|t| t.tokens.iter().map(|k| (k.clone(), t.name.clone())))
                    .collect(),
                judge: Some(super::serve_teams::push_judge(
                    &teams,
                    source,
                    &a.trust,
                    &loops.vuln_db,
                    deny.as_ref(),
                )?),
            };
        }
        config.run = Some(bulwark_server::RunStage {
            store: store.clone(),
            worker: super::inventory::worker(a.worker.as_ref()),
            api,
            loops,
            feeds: a.feeds.config(&a.images)?,
        });
        config.dashboard = a.dashboard.config()?;
        config.audit.ruleset = runtime_rules(&a.runtime_rules)?;
        if let Some(path) = &a.enforce {
            config.audit.enforce = Some(super::runtime_enforce::for_serve(
                path,
                store,
                &a.feeds.kube,
                deny.clone(),
            )?);
        }
        if let Some(run) = &config.run {
            config.audit.cluster = run.feeds.cluster_name();
        }
    } else if a.feeds.watches() {
        // The watch only feeds the inventory: without a store it would be ignored in silence.
        anyhow::bail!("--kubeconfig and --in-cluster feed the inventory: they need --store");
    }
    let judge = super::serve_reload::judge(source, a.stage, &a.trust, judge, make);
    let judge: Arc<dyn Judge> = if team_judges.is_empty() {
        judge
    } else {
        Arc::new(super::serve_teams::TeamsJudge {
            global: judge,
            teams: team_judges,
        })
    };
    bulwark_server::run(config, judge).context("bulwark serve")?;
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
