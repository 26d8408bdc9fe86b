//! The policy glue every entry point shares: loading a bundle, its engines, and the verdict over a report, an
//! object or a manifest set, all through `bulwark_policy::evaluate_with` / `evaluate_objects`; and `bulwark
//! policy eval BUNDLE INPUT…`, which judges stored inputs with the same functions.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use bulwark_policy::{Bundle, Decision, Instant, Stage, Subject, SubjectData, Verdict};
use bulwark_report::{RenderOptions, Report, Target, TargetKind};

use crate::Outcome;

/// `--policy`, `--stage` and `--now`, on every scan command.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct PolicyFlags {
    /// Policy bundle: a directory, a `.tar.gz`, a git repository (`git+file:///path@REF`,
    /// `git+https://host/repo@REF`), an OCI artifact (`oci://REGISTRY/REPO:TAG` or `@sha256:…`, as `bulwark
    /// policy push` writes it), or an archive URL pinned by its sha256 (`https://host/b.tar.gz#sha256=HEX`).
    /// Its verdict goes into the report, and a `fail` exits 1.
    #[arg(long, value_name = "BUNDLE", env = "BULWARK_POLICY")]
    pub(crate) policy: Option<String>,
    #[command(flatten)]
    pub(crate) trust: TrustFlags,
    /// The lifecycle stage the policy is evaluated at: build, release, deploy, runtime.
    #[arg(long, value_name = "STAGE", default_value = "build")]
    pub(crate) stage: Stage,
    /// The time exceptions expire against (RFC 3339 or YYYY-MM-DD) [default: $BULWARK_NOW, else now].
    #[arg(long, value_name = "TIME")]
    pub(crate) now: Option<String>,
}

/// How a remote bundle is trusted: `--policy-public-key`, `--policy-offline-ok`.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct TrustFlags {
    /// PEM public key (ECDSA P-256 or Ed25519) an OCI or HTTPS bundle must be signed with: a cosign-style
    /// signature tag (`sha256-<digest>.sig`) for OCI, `<URL>.sig` for HTTPS. A bundle that fails is refused.
    #[arg(long, value_name = "FILE", env = "BULWARK_POLICY_PUBLIC_KEY")]
    pub(crate) policy_public_key: Option<PathBuf>,
    /// When the registry or URL of the bundle cannot be reached, use the last good cached copy of that bundle
    /// (verified again); the verdict says so (`bundle.offline`). A bundle that fails verification is still
    /// refused.
    #[arg(long)]
    pub(crate) policy_offline_ok: bool,
}

/// A loaded bundle with its engines (every CEL and Rego document compiled once), ready to judge many subjects.
pub(crate) struct Policy {
    pub(crate) bundle: Bundle,
    pub(crate) engines: bulwark_policy_engines::Engines,
    pub(crate) stage: Stage,
    pub(crate) now: Instant,
    /// Without `--now` or `$BULWARK_NOW`, every judgement reads the clock: a server that runs for weeks sees an
    /// exception stop applying at the moment it expires, as a CI job started then would.
    pub(crate) live_clock: bool,
    /// `scan k8s`'s options and compiled secret rules, prepared at the first judgement of an object and kept.
    pub(crate) k8s: std::sync::OnceLock<super::k8s::Prepared<'static>>,
    pub(crate) k8s_init: std::sync::Mutex<()>,
}

impl Policy {
    /// Loads the bundle named by `--policy` (None without one); its warnings go to stderr.
    pub(crate) fn from_flags(flags: &PolicyFlags) -> Result<Option<Self>> {
        let Some(source) = &flags.policy else {
            return Ok(None);
        };
        Self::load(source, flags.stage, flags.now.as_deref(), &flags.trust).map(Some)
    }

    pub(crate) fn load(
        source: &str,
        stage: Stage,
        now: Option<&str>,
        trust: &TrustFlags,
    ) -> Result<Self> {
        let live_clock =
            now.is_none() && std::env::var("BULWARK_NOW").map_or(true, |v| v.trim().is_empty());
        let now = Instant::resolve(now, "BULWARK_NOW")
            .map_err(|e| anyhow::anyhow!("invalid --now: {e}"))?;
        let mut opts =
            bulwark_policy::LoadOptions::new(bulwark_registry::default_cache_dir().join("policy"));
        opts.public_key = super::policy::load_public_key(trust.policy_public_key.as_deref())?;
        opts.offline_ok = trust.policy_offline_ok;
        let bundle = Bundle::load(source, &opts)
            .with_context(|| format!("cannot load the policy bundle {source}"))?;
        for w in &bundle.warnings {
            eprintln!("bulwark: policy {source}: {w}");
        }
        if let Some(off) = &bundle.info.offline {
            eprintln!(
                "bulwark: policy {source}: unreachable ({}); using the cached bundle fetched at {} (--policy-offline-ok)",
                off.reason, off.fetched_at
            );
        }
        let engines = bulwark_policy_engines::Engines::new(&bundle)
            .with_context(|| format!("cannot compile the policy bundle {source}"))?;
        for w in engines.warnings() {
            eprintln!("bulwark: policy {source}: {w}");
        }
        Ok(Self {
            bundle,
            engines,
            stage,
            now,
            live_clock,
            k8s: std::sync::OnceLock::new(),
            k8s_init: std::sync::Mutex::new(()),
        })
    }

    /// The time exceptions expire against.
    pub(crate) fn now(&self) -> Instant {
        if self.live_clock {
            Instant::now()
        } else {
            self.now
        }
    }

    /// The verdict on one subject: a report, an object, or both. When a rule reads contextual risk
    /// (`riskAtLeast`, `ssvc`), the report's vulnerability findings that carry no `risk` yet are scored first
    /// (`super::risk::annotate_report`: in the context of the subject's workload object when it has one, else
    /// on Kubernetes' defaults), here, so that every entry point judges the same scores.
    pub(crate) fn judge(&self, subject: &Subject<'_>) -> Verdict {
        if let Some(report) = subject.report
            && self.bundle.rules().any(bulwark_policy::Rule::reads_risk)
            && super::risk::needs_scoring(report)
        {
            let mut scored = report.clone();
            super::risk::annotate_report(&mut scored, subject.object, self.now().0);
            let subject = Subject {
                report: Some(&scored),
                ..*subject
            };
            return bulwark_policy::evaluate_with(
                &self.bundle,
                &subject,
                self.stage,
                self.now(),
                &self.engines.as_dyn(),
            );
        }
        bulwark_policy::evaluate_with(
            &self.bundle,
            subject,
            self.stage,
            self.now(),
            &self.engines.as_dyn(),
        )
    }

    /// The verdict on a manifest set: the lifecycle rules over the report, the engines over each object.
    pub(crate) fn judge_objects<I, V>(
        &self,
        report: &Report,
        objects: I,
        signatures: Option<&[bulwark_policy::Signature]>,
    ) -> Verdict
    where
        I: IntoIterator<Item = V>,
        V: std::borrow::Borrow<serde_json::Value>,
    {
        bulwark_policy::evaluate_objects_with(
            &self.bundle,
            report,
            objects,
            signatures,
            self.stage,
            self.now(),
            &self.engines.as_dyn(),
        )
    }
}

/// Stores the verdict in the report; true when it fails.
pub(crate) fn attach(report: &mut Report, verdict: &Verdict) -> Result<bool> {
    report.verdict = Some(serde_json::to_value(verdict)?);
    Ok(verdict.decision == Decision::Fail)
}

#[derive(Debug, clap::Args)]
pub(crate) struct EvalArgs {
    /// The policy bundle (a directory, a `.tar.gz`, or `git+file://…@REF` / `git+https://…@REF`).
    pub(crate) bundle: String,
    /// What to judge, each on its own: Kubernetes manifests (YAML or JSON files, or directories of them: judged as
    /// `bulwark scan k8s` judges them, built-in checks included), a Bulwark JSON report (`scan … -f json`), a
    /// CycloneDX or SPDX JSON SBOM (its packages; no vulnerability matching: scan the SBOM for that), a Dockerfile
    /// (`Dockerfile`, `Containerfile`, `*.dockerfile`: for conftest-style Rego, as conftest parses it), or a
    /// subject document (`{"report": …, "object": …, "image": …, "signatures": […]}`).
    #[arg(required = true)]
    pub(crate) inputs: Vec<PathBuf>,
    /// The lifecycle stage: build, release, deploy, runtime.
    #[arg(long, value_name = "STAGE", default_value = "build")]
    pub(crate) stage: Stage,
    /// The time exceptions expire against (RFC 3339 or YYYY-MM-DD) [default: $BULWARK_NOW, else now].
    #[arg(long, value_name = "TIME")]
    pub(crate) now: Option<String>,
    #[command(flatten)]
    pub(crate) trust: TrustFlags,
    /// Output format: `table`, or `json` (an array with one verdict per input, in order).
    #[arg(short, long, value_enum, default_value_t = EvalFormat::Table)]
    pub(crate) format: EvalFormat,
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// The store whose deny list (runtime enforcement) fails an input running a denied image digest, as the
    /// admission webhook does.
    #[arg(long, value_name = "URL")]
    pub(crate) store: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum EvalFormat {
    Table,
    Json,
}

/// The largest JSON input `policy eval` reads (manifests are bounded by the Kubernetes loader's own limit).
const MAX_JSON_INPUT: u64 = 512 << 20;

/// `bulwark policy eval`: exit 1 when any verdict is `fail`.
pub(crate) fn eval(a: &EvalArgs) -> Result<Outcome> {
    let policy = Policy::load(&a.bundle, a.stage, a.now.as_deref(), &a.trust)?;
    let mut verdicts = Vec::with_capacity(a.inputs.len());
    let deny = super::runtime_enforce::deny_list(a.store.as_deref())?;
    for input in &a.inputs {
        let mut v = judge_input(&policy, input)
            .with_context(|| format!("cannot judge {}", input.display()))?;
        if let Some(deny) = &deny {
            let images = super::runtime_enforce::input_images(input, &v);
            super::runtime_enforce::apply_denials(&mut v, &images, deny);
        }
        verdicts.push(v);
    }
    super::image::write_output(a.output.as_deref(), |out| {
        match a.format {
            EvalFormat::Json => {
                serde_json::to_writer_pretty(&mut *out, &verdicts)?;
                writeln!(out)?;
            }
            EvalFormat::Table => {
                let options = RenderOptions {
                    color: crate::term::color(a.output.is_none()),
                    ..RenderOptions::for_output(a.output.is_none())
                };
                for (input, v) in a.inputs.iter().zip(&verdicts) {
                    writeln!(out, "{}", input.display())?;
                    let text = bulwark_report::render_verdict(&serde_json::to_value(v)?, &options);
                    out.write_all(text.as_bytes())?;
                }
            }
        }
        Ok(())
    })?;
    Ok(if verdicts.iter().any(|v| v.decision == Decision::Fail) {
        Outcome::PolicyFailed
    } else {
        Outcome::Clean
    })
}

fn is_yaml(p: &Path) -> bool {
    p.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

/// A Dockerfile by its name, as conftest recognises one.
fn is_dockerfile(p: &Path) -> bool {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name == "dockerfile"
        || name == "containerfile"
        || name.starts_with("dockerfile.")
        || name.ends_with(".dockerfile")
}

/// Judges one input, by what it is.
pub(crate) fn judge_input(policy: &Policy, input: &Path) -> Result<Verdict> {
    if input.is_dir() || is_yaml(input) {
        return super::k8s::judge_manifests(policy, input);
    }
    if is_dockerfile(input) {
        // The instruction list conftest hands its Rego (`input[i].Cmd`, `.Value`…): conftest-style policies judge
        // it; Kubernetes policies do not match it.
        let name = input.display().to_string();
        let text = read_bounded_text(input)?;
        let instructions = bulwark_rego::conftest::dockerfile_input(&name, &text)?;
        let mut verdict = policy.judge(&Subject::object(&instructions));
        verdict.subject = bulwark_policy::SubjectInfo {
            kind: "dockerfile".into(),
            name,
            digest: None,
        };
        return Ok(verdict);
    }
    let bytes = read_bounded(input)?;
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).context("not JSON (manifests must be .yaml or .yml)")?;
    let Some(map) = value.as_object() else {
        anyhow::bail!("a JSON object was expected");
    };
    if map.contains_key("bomFormat") || map.contains_key("spdxVersion") {
        let sbom = bulwark_sbom::parse_sbom(&bytes, &input.display().to_string())?;
        let mut report = Report::new(Target {
            kind: TargetKind::Sbom,
            name: sbom
                .target_name
                .clone()
                .unwrap_or_else(|| input.display().to_string()),
            image: None,
        });
        report.os = sbom.distro;
        report.packages = sbom.packages;
        report.diagnostics.extend(sbom.diagnostics);
        return Ok(policy.judge(&Subject::report(&report)));
    }
    if map.contains_key("schemaVersion") && map.contains_key("target") {
        let report: Report =
            serde_json::from_value(value).context("not a valid Bulwark JSON report")?;
        return Ok(policy.judge(&Subject::report(&report)));
    }
    if map.get("kind").and_then(serde_json::Value::as_str) == Some("AdmissionReview") {
        // The webhook's reader: a review it would refuse (HTTP 400) is refused here with the same message.
        bulwark_server::admission::parse(&bytes).map_err(anyhow::Error::msg)?;
    }
    if super::k8s::is_review(&value) {
        return super::k8s::judge_review(policy, &input.display().to_string(), &value, None);
    }
    if map.contains_key("apiVersion") && map.contains_key("kind") {
        return super::k8s::judge_manifests(policy, input);
    }
    if !map.is_empty()
        && map
            .keys()
            .all(|k| matches!(k.as_str(), "report" | "object" | "image" | "signatures"))
    {
        let subject: SubjectData =
            serde_json::from_value(value).context("not a valid subject document")?;
        return Ok(policy.judge(&subject.subject()));
    }
    anyhow::bail!(
        "not a Kubernetes manifest, a Bulwark JSON report, a CycloneDX or SPDX SBOM, or a subject document"
    )
}

#[derive(Debug, clap::Args)]
pub(crate) struct VexArgs {
    /// The policy bundle whose exceptions are exported.
    pub(crate) bundle: String,
    /// What the exceptions were applied to: a Bulwark JSON report, an SBOM or a subject document (as `policy
    /// eval` reads them).
    pub(crate) input: PathBuf,
    /// The lifecycle stage: build, release, deploy, runtime.
    #[arg(long, value_name = "STAGE", default_value = "build")]
    pub(crate) stage: Stage,
    /// The time exceptions expire against (RFC 3339 or YYYY-MM-DD) [default: $BULWARK_NOW, else now]. Expired
    /// exceptions are not exported.
    #[arg(long, value_name = "TIME")]
    pub(crate) now: Option<String>,
    #[command(flatten)]
    pub(crate) trust: TrustFlags,
    /// The document's `author`.
    #[arg(long, default_value = "Bulwark policy exceptions")]
    pub(crate) author: String,
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

/// `bulwark policy vex`: the vulnerabilities the bundle's valid exceptions accept in the input, as an OpenVEX
/// document (`not_affected`, with the exception's justification or reason), for `--vex` and other scanners.
pub(crate) fn vex(a: &VexArgs) -> Result<Outcome> {
    let policy = Policy::load(&a.bundle, a.stage, a.now.as_deref(), &a.trust)?;
    let verdict = judge_input(&policy, &a.input)
        .with_context(|| format!("cannot judge {}", a.input.display()))?;
    let Some(doc) = bulwark_policy::vex::export(&policy.bundle, &verdict, &a.author) else {
        eprintln!(
            "bulwark: no valid exception of {} accepts a vulnerability in {}: no VEX document written",
            a.bundle,
            a.input.display()
        );
        return Ok(Outcome::Clean);
    };
    super::image::write_output(a.output.as_deref(), |out| {
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)?;
        Ok(())
    })?;
    Ok(Outcome::Clean)
}

fn read_bounded(input: &Path) -> Result<Vec<u8>> {
    let file = std::fs::File::open(input)?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(file, MAX_JSON_INPUT + 1),
        &mut bytes,
    )?;
    anyhow::ensure!(
        bytes.len() as u64 <= MAX_JSON_INPUT,
        "larger than {} MiB",
        MAX_JSON_INPUT >> 20
    );
    Ok(bytes)
}

fn read_bounded_text(input: &Path) -> Result<String> {
    String::from_utf8(read_bounded(input)?).context("not UTF-8 text")
}
