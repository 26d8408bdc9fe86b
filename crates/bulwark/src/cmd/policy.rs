//! `bulwark policy`: policy as code. `policy test` runs policy test suites: the Kyverno CLI's `kyverno-test.yaml`
//! (CEL ValidatingPolicies, through bulwark-cel), Gatekeeper's `suite.yaml` (the `gator verify` format, through
//! bulwark-rego) and Bulwark's `bulwark-test.yaml` (lifecycle bundles); `policy pull|push` move bundles through
//! registries and caches. `policy eval` and `policy vex` are in `verdict.rs`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::Outcome;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum PolicyCommand {
    /// Run every policy test suite under the directories: Kyverno CLI suites (`kyverno-test.yaml`), Gatekeeper
    /// suites (`suite.yaml`, as `gator verify` runs them) and Bulwark suites (`bulwark-test.yaml`). Exit 0 when
    /// every expected result holds, 1 otherwise.
    Test(TestArgs),
    /// Judge manifests, Bulwark JSON reports, SBOMs or subject documents against a bundle, with the same
    /// evaluation as `scan … --policy`. Exit 1 when a verdict is `fail`.
    Eval(super::verdict::EvalArgs),
    /// Export the vulnerabilities a bundle's valid exceptions accept in an input as an OpenVEX document.
    Vex(super::verdict::VexArgs),
    /// Fetch a bundle into the local cache and print its digests and cache path: `oci://REGISTRY/REPO:TAG` (or
    /// `@sha256:…`), `https://…/b.tar.gz#sha256=HEX`, a TUF target `tuf+https://HOST/PATH#TARGET` (with --tuf-root the first
    /// time), or `git+file://…@REF` / `git+https://…@REF`. With
    /// --public-key, an OCI or HTTPS bundle must carry a valid signature. `-o DIR` also writes its files there.
    Pull(PullArgs),
    /// Push a bundle (a directory or a `.tar.gz`) to a registry as an OCI artifact
    /// (`application/vnd.bulwark.policy.bundle.v1`), and with --key sign it the way `cosign sign --key` does
    /// (a `sha256-<digest>.sig` tag holding a simple-signing payload and its signature).
    Push(PushArgs),
    /// Write the CEL-expressible parts of a bundle at a stage as Kubernetes ValidatingAdmissionPolicy +
    /// ValidatingAdmissionPolicyBinding objects (admissionregistration.k8s.io/v1): a backstop the API server
    /// enforces while the webhook is down. Exported: the bundle's own ValidatingAdmissionPolicies, Kyverno
    /// ValidatingPolicies (as Kyverno converts them), and lifecycle rules selecting Pod Security Standards checks.
    /// Everything else is listed on stderr and in the output's comment header. Exit 0 when something was
    /// exported, 2 otherwise. See docs/export-vap.md.
    ExportVap(ExportVapArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct ExportVapArgs {
    /// The policy bundle (a directory, a `.tar.gz`, `git+…@REF`, `oci://…`, or a pinned HTTPS archive).
    pub(crate) bundle: String,
    /// Write the YAML to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// The stage whose actions are exported (fail -> Deny, warn -> Warn, info -> Audit).
    #[arg(long, value_name = "STAGE", default_value = "deploy")]
    pub(crate) stage: bulwark_policy::Stage,
    /// The time exceptions expire against (RFC 3339 or YYYY-MM-DD) [default: $BULWARK_NOW, else now].
    #[arg(long, value_name = "TIME")]
    pub(crate) now: Option<String>,
    /// Namespaces the generated policies never judge (as `bulwark serve` exempts them), repeatable; `--exempt-namespace ''` for none.
    #[arg(long = "exempt-namespace", value_name = "NS", default_values_t = ["kube-system".to_string(), "kube-public".to_string()])]
    pub(crate) exempt_namespaces: Vec<String>,
    #[command(flatten)]
    pub(crate) trust: super::verdict::TrustFlags,
}

#[derive(Debug, clap::Args)]
pub(crate) struct PullArgs {
    /// The bundle source.
    pub(crate) source: String,
    /// Write the bundle's files into this directory (created; it must be empty if it exists).
    #[arg(short, long, value_name = "DIR")]
    pub(crate) output: Option<PathBuf>,
    /// PEM public key the bundle must be signed with (ECDSA P-256 or Ed25519).
    #[arg(long, value_name = "FILE", env = "BULWARK_POLICY_PUBLIC_KEY")]
    pub(crate) public_key: Option<PathBuf>,
    /// For `tuf+https://HOST/PATH#TARGET`: the TUF repository's root.json to trust. Needed once: the trusted
    /// metadata is kept in the cache (<cache>/tuf/), where later pulls and `--policy` find it.
    #[arg(long, value_name = "ROOT.json")]
    pub(crate) tuf_root: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) registry: PolicyRegistryArgs,
}

#[derive(Debug, clap::Args)]
pub(crate) struct PushArgs {
    /// The bundle: a directory or a `.tar.gz`. It must load (`bulwark scan … --policy` would accept it).
    pub(crate) bundle: PathBuf,
    /// Where to push: `oci://REGISTRY/REPO:TAG` (or without `oci://`).
    pub(crate) reference: String,
    /// Sign with this private key: PEM PKCS#8 (`openssl genpkey -algorithm EC -pkeyopt
    /// ec_paramgen_curve:P-256`, or `-algorithm ED25519`), or a SEC1 `EC PRIVATE KEY`; unencrypted.
    #[arg(long, value_name = "PRIVATE.pem")]
    pub(crate) key: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) registry: PolicyRegistryArgs,
}

/// How to reach the registry for `policy pull|push`.
#[derive(Debug, clap::Args)]
pub(crate) struct PolicyRegistryArgs {
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
    /// Where bundles are cached [default: <cache>/policy].
    #[arg(long, value_name = "DIR")]
    pub(crate) cache_dir: Option<PathBuf>,
}

impl PolicyRegistryArgs {
    fn load_options(&self) -> bulwark_policy::LoadOptions {
        let mut o = bulwark_policy::LoadOptions::new(
            self.cache_dir
                .clone()
                .unwrap_or_else(|| bulwark_registry::default_cache_dir().join("policy")),
        );
        o.registry.insecure = self.insecure;
        o.registry.ca_file.clone_from(&self.ca_file);
        o.registry.username.clone_from(&self.username);
        o.registry.password.clone_from(&self.password);
        o
    }
}

/// Reads `--policy-public-key` / `--public-key`.
pub(crate) fn load_public_key(
    path: Option<&std::path::Path>,
) -> Result<Option<bulwark_signature::PublicKey>> {
    path.map(|p| {
        let pem = std::fs::read_to_string(p)
            .with_context(|| format!("cannot read the public key {}", p.display()))?;
        bulwark_signature::PublicKey::from_pem(&pem, &p.display().to_string())
            .map_err(anyhow::Error::from)
    })
    .transpose()
}

fn pull(a: &PullArgs) -> Result<Outcome> {
    let mut opts = a.registry.load_options();
    opts.public_key = load_public_key(a.public_key.as_deref())?;
    let (bundle, path) = if let Some(mut remote) = bulwark_policy::remote::Source::parse(&a.source)
        .with_context(|| format!("cannot pull {}", a.source))?
    {
        match &mut remote {
            bulwark_policy::remote::Source::Tuf { root, .. } => root.clone_from(&a.tuf_root),
            _ => anyhow::ensure!(
                a.tuf_root.is_none(),
                "--tuf-root applies to TUF repositories (tuf+https://HOST/PATH#TARGET)"
            ),
        }
        let f = bulwark_policy::remote::fetch(&remote, &opts)
            .with_context(|| format!("cannot pull {}", a.source))?;
        (f.bundle, f.archive)
    } else if a.source.starts_with("git+") {
        anyhow::ensure!(
            a.public_key.is_none(),
            "--public-key applies to OCI and HTTPS bundles; a git bundle is pinned by its commit"
        );
        let b = bulwark_policy::Bundle::load(&a.source, &opts)
            .with_context(|| format!("cannot pull {}", a.source))?;
        let commit = b.info.commit.clone().unwrap_or_default();
        (b, opts.cache_dir.join("git").join(commit))
    } else {
        anyhow::bail!(
            "{}: not a remote bundle (oci://…, https://…#sha256=…, git+file://…, git+https://…)",
            a.source
        );
    };
    for w in &bundle.warnings {
        eprintln!("bulwark: policy {}: {w}", a.source);
    }
    if let Some(dir) = &a.output {
        write_files(&path, dir, &opts)?;
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "bundle:   {}", bundle.info.name)?;
    writeln!(out, "digest:   {}", bundle.info.digest)?;
    if let Some(c) = &bundle.info.commit {
        writeln!(out, "commit:   {c}")?;
    }
    if let Some(a) = &bundle.info.artifact {
        writeln!(out, "artifact: {a}")?;
    }
    if opts.public_key.is_some() {
        writeln!(out, "signature: verified")?;
    }
    writeln!(out, "cached:   {}", path.display())?;
    if let Some(dir) = &a.output {
        writeln!(out, "written:  {}", dir.display())?;
    }
    Ok(Outcome::Clean)
}

/// Writes the bundle files at `from` (a cached `.tar.gz` or a checkout) into `dir`.
fn write_files(
    from: &std::path::Path,
    dir: &std::path::Path,
    opts: &bulwark_policy::LoadOptions,
) -> Result<()> {
    let files = if from.is_dir() {
        bulwark_policy::files_from_dir(from, &opts.limits)?
    } else {
        let bytes = std::fs::read(from).with_context(|| format!("reading {}", from.display()))?;
        bulwark_policy::files_from_tar_gz(&bytes, "bundle", &opts.limits)?
    };
    if dir.exists() {
        anyhow::ensure!(
            dir.is_dir() && std::fs::read_dir(dir)?.next().is_none(),
            "{}: not an empty directory",
            dir.display()
        );
    }
    for f in files {
        // Paths were checked by the reader: relative, no `..`.
        let p = dir.join(&f.path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&p, &f.bytes).with_context(|| format!("writing {}", p.display()))?;
    }
    Ok(())
}

fn push(a: &PushArgs) -> Result<Outcome> {
    let opts = a.registry.load_options();
    let key = a
        .key
        .as_deref()
        .map(|p| {
            let pem = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read the private key {}", p.display()))?;
            bulwark_signature::PrivateKey::from_pem(&pem, &p.display().to_string())
                .map_err(anyhow::Error::from)
        })
        .transpose()?;
    let pushed = bulwark_policy::remote::push(&a.bundle, &a.reference, key.as_ref(), &opts)
        .with_context(|| format!("cannot push {} to {}", a.bundle.display(), a.reference))?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "pushed:    {}@{}",
        pushed.reference, pushed.manifest_digest
    )?;
    writeln!(out, "bundle:    {}", pushed.bundle_digest)?;
    writeln!(out, "layer:     {}", pushed.layer_digest)?;
    if let Some(t) = &pushed.signature_tag {
        writeln!(out, "signature: {t}")?;
    }
    Ok(Outcome::Clean)
}

#[derive(Debug, clap::Args)]
pub(crate) struct TestArgs {
    /// Directories (searched recursively, hidden ones included) or suite files.
    #[arg(required = true)]
    pub(crate) paths: Vec<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = TestFormat::Table)]
    pub(crate) format: TestFormat,
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Gatekeeper templates: `auto` evaluates a template's CEL code (`K8sNativeValidation`) when it has some and
    /// its Rego otherwise, as current Gatekeeper does; `rego` uses the Rego code only.
    #[arg(long, value_enum, default_value_t = GatekeeperEngine::Auto)]
    pub(crate) gatekeeper_engine: GatekeeperEngine,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum GatekeeperEngine {
    Auto,
    Rego,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum TestFormat {
    Table,
    Json,
    Junit,
}

pub(crate) fn run(cmd: &PolicyCommand) -> Result<Outcome> {
    match cmd {
        PolicyCommand::Test(a) => test(a),
        PolicyCommand::Eval(a) => super::verdict::eval(a),
        PolicyCommand::Vex(a) => super::verdict::vex(a),
        PolicyCommand::Pull(a) => pull(a),
        PolicyCommand::Push(a) => push(a),
        PolicyCommand::ExportVap(a) => export_vap(a),
    }
}

/// `bulwark policy export-vap`.
fn export_vap(a: &ExportVapArgs) -> Result<Outcome> {
    // Loading compiles the engines too: a bundle that does not compile is refused here as everywhere.
    let policy = super::verdict::Policy::load(&a.bundle, a.stage, a.now.as_deref(), &a.trust)?;
    let opts = bulwark_policy_engines::vap_export::ExportOptions {
        stage: a.stage,
        now: policy.now,
        exempt_namespaces: a
            .exempt_namespaces
            .iter()
            .filter(|n| !n.is_empty())
            .cloned()
            .collect(),
    };
    let export = bulwark_policy_engines::vap_export::export(&policy.bundle, &opts)
        .with_context(|| format!("cannot export the policy bundle {}", a.bundle))?;
    for s in &export.skipped {
        eprintln!("bulwark: not exported: {s}");
    }
    anyhow::ensure!(
        export.policies() > 0,
        "nothing in the policy bundle {} can be exported as a ValidatingAdmissionPolicy at the {} stage",
        a.bundle,
        a.stage
    );
    super::image::write_output(a.output.as_deref(), |out| {
        out.write_all(export.to_yaml().as_bytes())?;
        Ok(())
    })?;
    eprintln!(
        "bulwark: exported {} ValidatingAdmissionPolicy object(s), {} object(s) in all; {} part(s) not exported",
        export.policies(),
        export.objects.len(),
        export.skipped.len()
    );
    Ok(Outcome::Clean)
}

/// One expected result, compared: a Kyverno row for one resource, or one gator assertion.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    /// `kyverno` or `gator`.
    format: &'static str,
    suite: String,
    /// Kyverno: the policy; gator: the test.
    test: String,
    /// Kyverno: `Kind/resource`; gator: the case, with the assertion's position when a case has several.
    case: String,
    expected: String,
    actual: String,
    passed: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    message: String,
    /// The engine that evaluated a gator case (`Rego`, `K8sNativeValidation`); Kyverno rows are CEL.
    #[serde(skip_serializing_if = "String::is_empty")]
    engine: String,
}

fn test(a: &TestArgs) -> Result<Outcome> {
    for p in &a.paths {
        anyhow::ensure!(p.exists(), "{}: no such file or directory", p.display());
    }
    let dirs: Vec<&std::path::Path> = a.paths.iter().map(PathBuf::as_path).collect();
    let mut rows = Vec::new();
    let kyverno = bulwark_cel::kyverno_test::find_suites(&dirs)?;
    for s in &kyverno {
        let r = bulwark_cel::kyverno_test::run_suite(s)?;
        let suite = s.display().to_string();
        rows.extend(r.rows.into_iter().map(|x| Row {
            format: "kyverno",
            suite: suite.clone(),
            test: x.policy,
            case: format!("{}/{}", x.kind, x.resource),
            expected: x.expected,
            actual: x.actual,
            passed: x.passed,
            message: x.message,
            engine: String::new(),
        }));
    }
    let gator = bulwark_rego::gator::find_suites(&a.paths)?;
    let runner = match a.gatekeeper_engine {
        GatekeeperEngine::Auto => bulwark_rego::gator::Runner::new(vec![
            std::sync::Arc::new(bulwark_rego::cel::CelEngine::default()),
            std::sync::Arc::new(bulwark_rego::gatekeeper::RegoEngine),
        ]),
        GatekeeperEngine::Rego => bulwark_rego::gator::Runner::default(),
    };
    for s in &gator {
        let results = runner
            .run_suite(s)
            .with_context(|| format!("gator suite {}", s.display()))?;
        rows.extend(results.into_iter().map(|x| {
            let expected = match &x.message {
                Some(m) if !m.is_empty() => format!("violations: {} matching /{m}/", x.expected),
                _ => format!("violations: {}", x.expected),
            };
            let actual = match &x.error {
                Some(e) => format!("error: {e}"),
                None if x.skipped => "skipped".to_string(),
                None => format!("{} matching", x.actual),
            };
            Row {
                format: "gator",
                suite: x.suite.display().to_string(),
                test: x.test,
                case: format!(
                    "{} (case {}, assertion {})",
                    x.case,
                    x.case_index + 1,
                    x.assertion + 1
                ),
                expected,
                actual,
                passed: x.passed,
                message: x.messages.join("; "),
                engine: x.engine,
            }
        }));
    }
    let bulwark = bulwark_types::files::find(&dirs, &bulwark_policy::suite::is_suite)?;
    for s in &bulwark {
        rows.extend(bulwark_suite(s)?);
    }
    anyhow::ensure!(
        !kyverno.is_empty() || !gator.is_empty() || !bulwark.is_empty(),
        "no policy test suites (kyverno-test.yaml, a gator suite.yaml or bulwark-test.yaml) under {}",
        a.paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let failed = rows.iter().filter(|r| !r.passed).count();
    super::image::write_output(a.output.as_deref(), |out| match a.format {
        TestFormat::Table => table(&rows, [kyverno.len(), gator.len(), bulwark.len()], out),
        TestFormat::Json => {
            #[derive(Serialize)]
            struct Doc<'a> {
                suites: usize,
                results: usize,
                passed: usize,
                failed: usize,
                rows: &'a [Row],
            }
            serde_json::to_writer_pretty(
                &mut *out,
                &Doc {
                    suites: kyverno.len() + gator.len() + bulwark.len(),
                    results: rows.len(),
                    passed: rows.len() - failed,
                    failed,
                    rows: &rows,
                },
            )?;
            writeln!(out)?;
            Ok(())
        }
        TestFormat::Junit => junit(&rows, out),
    })?;
    Ok(if failed == 0 {
        Outcome::Clean
    } else {
        Outcome::PolicyFailed
    })
}

fn table(rows: &[Row], suites: [usize; 3], out: &mut dyn Write) -> Result<()> {
    let [kyverno, gator, bulwark] = suites;
    for r in rows.iter().filter(|r| !r.passed) {
        writeln!(
            out,
            "FAIL {} {}: {} {}: expected {}, got {}{}",
            r.format,
            bulwark_types::escape_control(&r.suite),
            bulwark_types::escape_control(&r.test),
            bulwark_types::escape_control(&r.case),
            r.expected,
            bulwark_types::escape_control(&r.actual),
            if r.message.is_empty() {
                String::new()
            } else {
                format!(" ({})", bulwark_types::escape_control(&r.message))
            }
        )?;
    }
    let failed = rows.iter().filter(|r| !r.passed).count();
    writeln!(
        out,
        "{} suites ({kyverno} kyverno, {gator} gator, {bulwark} bulwark), {} results: {} passed, {failed} failed",
        kyverno + gator + bulwark,
        rows.len(),
        rows.len() - failed
    )?;
    Ok(())
}

/// A Bulwark suite: each case's input judged as `policy eval` judges it, one row per expectation. An input
/// that cannot be judged fails its case's rows with the error.
fn bulwark_suite(path: &std::path::Path) -> Result<Vec<Row>> {
    let suite = bulwark_policy::suite::Suite::load(path)?;
    for w in &suite.warnings {
        eprintln!("bulwark: {w}");
    }
    let mut policy = super::verdict::Policy::load(
        &suite.bundle,
        bulwark_policy::Stage::Build,
        None,
        &super::verdict::TrustFlags::default(),
    )
    .with_context(|| format!("{}: the bundle of suite '{}'", path.display(), suite.name))?;
    let mut rows = Vec::new();
    for case in &suite.cases {
        policy.stage = case.stage;
        policy.now = bulwark_policy::Instant::resolve(case.now.as_deref(), "BULWARK_NOW")
            .map_err(|e| anyhow::anyhow!("{}: case '{}': now: {e}", path.display(), case.name))?;
        policy.live_clock = false;
        let row =
            |what: String, expected: String, actual: String, passed: bool, message: String| Row {
                format: "bulwark",
                suite: path.display().to_string(),
                test: suite.name.clone(),
                case: format!("{}: {what}", case.name),
                expected,
                actual,
                passed,
                message,
                engine: String::new(),
            };
        match super::verdict::judge_input(&policy, &case.input) {
            Ok(v) => rows.extend(case.check(&v).into_iter().map(|r| {
                let message = if r.passed {
                    String::new()
                } else {
                    v.results
                        .iter()
                        .filter(|x| {
                            matches!(
                                x.outcome,
                                bulwark_policy::Outcome::Fail | bulwark_policy::Outcome::Error
                            )
                        })
                        .map(|x| x.rule.clone())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                row(r.what, r.expected, r.actual, r.passed, message)
            })),
            Err(e) => rows.push(row(
                "input".into(),
                "a verdict".into(),
                format!("error: {e:#}"),
                false,
                case.input.display().to_string(),
            )),
        }
    }
    Ok(rows)
}

/// One `<testsuite>` per suite file, one `<testcase>` per expected result.
fn junit(rows: &[Row], out: &mut dyn Write) -> Result<()> {
    use bulwark_report::{xml_escape, xml_escape_text};
    let failed = rows.iter().filter(|r| !r.passed).count();
    writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    writeln!(
        out,
        "<testsuites name=\"bulwark policy test\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" skipped=\"0\" time=\"0\">",
        rows.len()
    )?;
    let mut i = 0;
    while i < rows.len() {
        let suite = &rows[i].suite;
        let n = rows[i..].iter().take_while(|r| &r.suite == suite).count();
        let group = &rows[i..i + n];
        writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{n}\" failures=\"{}\" errors=\"0\" skipped=\"0\" time=\"0\">",
            xml_escape(suite),
            group.iter().filter(|r| !r.passed).count()
        )?;
        for r in group {
            let open = format!(
                "    <testcase classname=\"{}\" name=\"{}\" time=\"0\"",
                xml_escape(&format!("{}.{}", r.format, r.test)),
                xml_escape(&r.case)
            );
            if r.passed {
                writeln!(out, "{open}/>")?;
            } else {
                writeln!(out, "{open}>")?;
                writeln!(
                    out,
                    "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                    xml_escape(&format!("expected {}, got {}", r.expected, r.actual)),
                    r.format,
                    xml_escape_text(&r.message)
                )?;
                writeln!(out, "    </testcase>")?;
            }
        }
        writeln!(out, "  </testsuite>")?;
        i += n;
    }
    writeln!(out, "</testsuites>")?;
    Ok(())
}
