//! `bulwark scan k8s`.

use anyhow::Context;
use bulwark_k8s::{Framework, Input, ScanOptions, pss};
use bulwark_report::{Format, RenderOptions, Report, Target, TargetKind};
use bulwark_types::{Finding, Severity};

use crate::Outcome;

#[derive(Debug, clap::Args)]
pub(crate) struct K8sArgs {
    /// Files or directories; `-` reads stdin.
    #[arg(required_unless_present_any = ["helm_chart", "kustomize"])]
    pub(crate) paths: Vec<std::path::PathBuf>,
    /// A Helm chart directory, rendered with `helm template` (repeatable).
    #[arg(long = "helm-chart", value_name = "DIR")]
    pub(crate) helm_chart: Vec<std::path::PathBuf>,
    /// `--set` values for `helm template`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub(crate) set: Vec<String>,
    /// `--values` files for `helm template`.
    #[arg(long = "values", value_name = "FILE")]
    pub(crate) values: Vec<std::path::PathBuf>,
    /// A kustomize directory, rendered with `kubectl kustomize` or `kustomize build` (repeatable).
    #[arg(long, value_name = "DIR")]
    pub(crate) kustomize: Vec<std::path::PathBuf>,
    /// Pod Security Standards policy version (`v1.N` or `latest`); a Namespace's enforce-version label wins.
    #[arg(long = "pss-version", default_value = "latest")]
    pub(crate) pss_version: String,
    /// Kubernetes version the manifests are deployed to (`v1.N`, `v1.N.P` or `latest`): API versions it no
    /// longer serves are HIGH findings (removed-api-version), ones it deprecated LOW (deprecated-api-version).
    #[arg(
        long = "k8s-version",
        visible_alias = "target-version",
        value_name = "VERSION",
        default_value = "latest"
    )]
    pub(crate) k8s_version: String,
    /// Optional rules to run besides the default ones (comma-separated): the group `best-practices` (replicas,
    /// anti-affinity, PodDisruptionBudget, priorityClassName, probe ports, duplicate env vars) or a rule's id
    /// or name.
    #[arg(long, value_delimiter = ',', value_name = "GROUP|RULE")]
    pub(crate) include: Vec<String>,
    #[command(flatten)]
    pub(crate) out: super::image::OutputArgs,
    /// Exit 1 when a reported finding has at least this severity; with --compliance, also when a control of
    /// the framework fails.
    #[arg(long = "fail-on", value_name = "SEVERITY")]
    pub(crate) fail_on: Option<Severity>,
    /// Report only these severities (comma-separated): UNKNOWN, INFO, LOW, MEDIUM, HIGH, CRITICAL.
    #[arg(long, value_delimiter = ',', value_name = "SEVERITY")]
    pub(crate) severity: Vec<Severity>,
    /// Print a compliance summary: pss-baseline, pss-restricted, cis, nsa, nist-800-190, pci-dss.
    #[arg(long, value_name = "FRAMEWORK")]
    pub(crate) compliance: Option<String>,
    /// Exceptions file, the same for every scan: `.bulwarkignore.yaml` (YAML with `id`, `resource`, `path`,
    /// `expires`, `reason`) or the line format `RULE [Kind/ns/name-pattern] [exp:YYYY-MM-DD] reason`
    /// [default: ./.bulwarkignore.yaml when it exists].
    #[arg(
        long = "ignorefile",
        visible_alias = "ignore-file",
        value_name = "FILE",
        env = "BULWARK_IGNOREFILE"
    )]
    pub(crate) ignore_file: Option<std::path::PathBuf>,
    /// Run only these rules (ids or names, comma-separated); `secrets` keeps the secret scan.
    #[arg(long, value_delimiter = ',')]
    pub(crate) rules: Vec<String>,
    /// Secrets in Secret and ConfigMap data, container env values and annotations.
    #[command(flatten)]
    pub(crate) secrets: super::secrets::SecretArgs,
    /// `--policy`: the lifecycle rules judge the findings; CEL and Rego policies judge each object.
    #[command(flatten)]
    pub(crate) policy: super::verdict::PolicyFlags,
    /// Scan the images the workloads run (local docker-archive / oci-archive / OCI layout paths, or registry
    /// references pulled anonymously) against the vulnerability DB, and score each image's vulnerabilities in
    /// the context of each workload that runs it (docs/risk.md): the JSON report gains `workloadRisk`, the
    /// table a workload risk table.
    #[arg(long)]
    pub(crate) images: bool,
    /// Order workloads by contextual risk, highest first (needs --images).
    #[arg(long, value_name = "KEY", value_parser = ["risk"], requires = "images")]
    pub(crate) sort: Option<String>,
    /// The environment of the workloads (production, staging, dev, …) for SSVC's mission prevalence; without
    /// it, Namespace labels (`environment`, `env`, `bulwark.dev/environment`) decide.
    #[arg(long, value_name = "ENV", requires = "images")]
    pub(crate) environment: Option<String>,
    /// The vulnerability DB for --images.
    #[command(flatten)]
    pub(crate) vulns: super::db::DbScanArgs,
}

pub(crate) fn scan(args: &K8sArgs) -> anyhow::Result<Outcome> {
    let policy = super::verdict::Policy::from_flags(&args.policy)?;
    Ok(Prepared::new(Args::Borrowed(args))?
        .run(Vec::new(), policy.as_ref(), false, None)?
        .0)
}

/// The verdict `bulwark scan k8s PATH --policy …` gives, with the scan's defaults (`bulwark policy eval`).
pub(crate) fn judge_manifests(
    policy: &super::verdict::Policy,
    path: &std::path::Path,
) -> anyhow::Result<bulwark_policy::Verdict> {
    judge_inputs(policy, vec![Input::Path(path.to_path_buf())])
}

fn judge_inputs(
    policy: &super::verdict::Policy,
    inputs: Vec<Input>,
) -> anyhow::Result<bulwark_policy::Verdict> {
    let (_, verdict) = prepared(policy)?.run(inputs, Some(policy), true, None)?;
    verdict.context("no verdict")
}

/// The verdict on an admission request (`admission.k8s.io` `AdmissionReview`), for `bulwark policy eval` on a
/// review file and for every request of the webhook: the built-in checks and the lifecycle rules judge the
/// object the request would store; the policy engines judge the request itself (operation, oldObject,
/// userInfo), as the API server hands it to ValidatingAdmissionPolicies, Kyverno and Gatekeeper. A DELETE stores
/// nothing: only the engines judge it.
pub(crate) fn judge_review(
    policy: &super::verdict::Policy,
    name: &str,
    review: &serde_json::Value,
    signatures: Option<&[bulwark_policy::Signature]>,
) -> anyhow::Result<bulwark_policy::Verdict> {
    let request = review
        .get("request")
        .filter(|r| r.is_object())
        .context("the AdmissionReview has no request")?;
    let Some(object) = request.get("object").filter(|o| !o.is_null()) else {
        let mut subject = bulwark_policy::Subject::object(review);
        subject.signatures = signatures;
        let mut verdict = policy.judge(&subject);
        name.clone_into(&mut verdict.subject.name);
        return Ok(verdict);
    };
    let inputs = vec![Input::Json {
        name: name.to_owned(),
        value: std::sync::Arc::new(object.clone()),
    }];
    let (_, verdict) =
        prepared(policy)?.run(inputs, Some(policy), true, Some((review, signatures)))?;
    verdict.context("no verdict")
}

/// Whether a JSON document is an `admission.k8s.io` `AdmissionReview`.
pub(crate) fn is_review(v: &serde_json::Value) -> bool {
    v.get("kind").and_then(serde_json::Value::as_str) == Some("AdmissionReview")
        && v.get("apiVersion")
            .and_then(serde_json::Value::as_str)
            .is_some_and(|a| a.starts_with("admission.k8s.io/"))
}

/// The policy's prepared scan, made at the first call (one thread makes it; the others wait for it). The
/// webhook calls this at start, so no request pays for it and a bad option stops the server, not a request.
pub(crate) fn prepared(policy: &super::verdict::Policy) -> anyhow::Result<&Prepared<'static>> {
    if let Some(p) = policy.k8s.get() {
        return Ok(p);
    }
    let _one = policy
        .k8s_init
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(p) = policy.k8s.get() {
        return Ok(p);
    }
    let p = Prepared::new(Args::Owned(Box::new(judge_defaults(policy)?)))?;
    Ok(policy.k8s.get_or_init(|| p))
}

/// The arguments of `bulwark scan k8s -` with its defaults, as `policy eval` and the webhook judge with them.
fn judge_defaults(policy: &super::verdict::Policy) -> anyhow::Result<K8sArgs> {
    #[derive(clap::Parser)]
    struct Defaults {
        #[command(flatten)]
        args: K8sArgs,
    }
    let mut d = <Defaults as clap::Parser>::try_parse_from(["k8s", "-"])?;
    d.args.paths.clear();
    // Only lifecycle rules read the built-in checks' findings, through their findings selectors: a check none
    // of them could select cannot change the verdict, so only the checks some selector could select run (none
    // without lifecycle rules: an admission-style bundle is judged at the speed of its own engines). Secrets
    // are scanned only for a rule that reads them.
    let rules: Vec<&bulwark_policy::Rule> = policy
        .bundle
        .policy_sets
        .iter()
        .flat_map(|s| &s.rules)
        .collect();
    let mut opts = ScanOptions {
        include: d.args.include.clone(),
        ..ScanOptions::default()
    };
    // A bad version is refused when the scan is prepared.
    if let Some(v) = pss::Version::parse(&d.args.pss_version) {
        opts.pss_version = v;
    }
    let templates = bulwark_k8s::rule_templates(&opts);
    let mut needed: Vec<String> = templates
        .iter()
        .filter(|f| rules.iter().any(|r| r.may_select(f)))
        .map(|f| f.id.to_string())
        .collect();
    needed.dedup();
    let secrets = rules.iter().any(|r| r.reads_secrets());
    if needed.is_empty() {
        d.args.rules = vec!["secrets".into()];
        d.args.secrets.skip_secrets = !secrets;
    } else {
        d.args.rules = needed;
        if secrets {
            d.args.rules.push("secrets".into());
        }
    }
    Ok(d.args)
}

/// What a scan needs before it reads any input: the parsed options, the ignore file and the compiled secret
/// rules. Built once per command; the admission webhook keeps one for its lifetime (in the policy), so a
/// request does not compile a regex.
pub(crate) struct Prepared<'a> {
    args: Args<'a>,
    framework: Option<Framework>,
    ignore: Option<bulwark_evaluate::IgnoreFile>,
    opts: ScanOptions,
    scanner: Option<bulwark_secrets::Scanner>,
}

/// The arguments a [`Prepared`] scan runs with: the command's own, or the judge's defaults it keeps.
pub(crate) enum Args<'a> {
    Owned(Box<K8sArgs>),
    Borrowed(&'a K8sArgs),
}

impl std::ops::Deref for Args<'_> {
    type Target = K8sArgs;

    fn deref(&self) -> &K8sArgs {
        match self {
            Args::Owned(a) => a,
            Args::Borrowed(a) => a,
        }
    }
}

impl<'a> Prepared<'a> {
    fn new(args: Args<'a>) -> anyhow::Result<Self> {
        let version = pss::Version::parse(&args.pss_version).with_context(|| {
            format!(
                "invalid --pss-version '{}' (expected v1.N or latest)",
                args.pss_version
            )
        })?;
        // `v1.30.2` names a patch release; API availability only changes with the minor version.
        let k8s_version = {
            let v = args.k8s_version.trim();
            let minor_only = match v.match_indices('.').nth(1) {
                Some((i, _)) => &v[..i],
                None => v,
            };
            pss::Version::parse(minor_only).with_context(|| {
                format!(
                    "invalid --k8s-version '{}' (expected v1.N, v1.N.P or latest)",
                    args.k8s_version
                )
            })?
        };
        let framework = match &args.compliance {
            Some(f) => Some(Framework::parse(f).with_context(|| {
                format!("unknown --compliance '{f}' (expected pss-baseline, pss-restricted, cis, nsa, nist-800-190 or pci-dss)")
            })?),
            None => None,
        };
        let ignore_path = args.ignore_file.clone().or_else(|| {
            let d = std::path::Path::new(".bulwarkignore.yaml");
            d.is_file().then(|| d.to_path_buf())
        });
        let ignore = match &ignore_path {
            Some(p) => Some(bulwark_evaluate::load_ignore(p)?),
            None => None,
        };
        // `--rules` without `secrets` means the listed manifest rules only.
        let secrets_wanted = args.rules.is_empty() || args.rules.iter().any(|r| r == "secrets");
        let only_rules: Vec<String> = args
            .rules
            .iter()
            .filter(|r| *r != "secrets")
            .cloned()
            .collect();
        let secret_config = if secrets_wanted {
            args.secrets.config()?
        } else {
            None
        };
        let opts = ScanOptions {
            pss_version: version,
            // `--rules secrets` alone: no manifest rule runs.
            run_rules: args.rules.is_empty() || !only_rules.is_empty(),
            only_rules,
            k8s_version,
            include: args.include.clone(),
            collect_values: secret_config.is_some(),
            collect_posture: args.images,
            ..ScanOptions::default()
        };
        let scanner = match secret_config {
            Some(mut config) => {
                // Redaction happens after de-duplication, on the full value (`ManifestSecrets`).
                config.show_secrets = true;
                Some(bulwark_secrets::Scanner::new(config)?)
            }
            None => None,
        };
        Ok(Self {
            args,
            framework,
            ignore,
            opts,
            scanner,
        })
    }

    /// The scan; with `only_verdict`, stops after judging, before writing anything.
    fn run(
        &self,
        extra: Vec<Input>,
        policy: Option<&super::verdict::Policy>,
        only_verdict: bool,
        review: Option<(&serde_json::Value, Option<&[bulwark_policy::Signature]>)>,
    ) -> anyhow::Result<(Outcome, Option<bulwark_policy::Verdict>)> {
        let Self {
            args,
            framework,
            ignore,
            opts,
            scanner,
        } = self;
        let framework = *framework;
        let ignore = ignore.as_ref();
        let args: &K8sArgs = args;
        let mut inputs: Vec<Input> = args.paths.iter().map(|p| Input::Path(p.clone())).collect();
        let extra_names: Vec<String> = extra
            .iter()
            .filter_map(|i| match i {
                Input::Path(p) => Some(p.display().to_string()),
                Input::Bytes { name, .. } | Input::Json { name, .. } => Some(name.clone()),
                _ => None,
            })
            .collect();
        inputs.extend(extra);
        inputs.extend(args.helm_chart.iter().map(|d| Input::HelmChart {
            dir: d.clone(),
            set: args.set.clone(),
            values: args.values.clone(),
        }));
        inputs.extend(args.kustomize.iter().map(|d| Input::Kustomize(d.clone())));
        let manifests = bulwark_k8s::load(&inputs, opts)?;
        let checker = manifests.checker(opts);
        // Secret findings are few: found up front, sorted, and merged into the rule findings as they stream.
        let mut secret_findings = Vec::new();
        let mut secrets_suppressed = 0;
        if let Some(scanner) = scanner {
            let ms = super::secrets::ManifestSecrets {
                scanner,
                show_secrets: args.secrets.show_secrets,
            };
            (secret_findings, secrets_suppressed) = ms.scan(checker.values());
            bulwark_k8s::sort_findings(&mut secret_findings);
        }

        let name = args
            .paths
            .iter()
            .map(|p| p.display().to_string())
            .chain(extra_names)
            .chain(args.helm_chart.iter().map(|p| p.display().to_string()))
            .collect::<Vec<_>>()
            .join(" ");
        let mut report = Report::new(Target {
            kind: TargetKind::Manifests,
            name: name.clone(),
            image: None,
        });
        // The ignore file and the severity filter are the ones every scan uses (bulwark-evaluate), one finding at a
        // time: the JSON report streams its findings (red team #16: 100,000 Pods make 1.5 million of them), so the
        // totals that come before and after them in the document are counted in a first pass, and the findings are
        // checked again while they are written. Other formats keep the findings of the first pass.
        let format = args.out.format.unwrap_or(Format::Table);
        // With a policy the findings are kept: the lifecycle rules read them all.
        let streamed = format == Format::Json && policy.is_none();
        let filters = bulwark_evaluate::Filters {
            severities: args.severity.clone(),
            ..bulwark_evaluate::Filters::default()
        };
        let today = bulwark_evaluate::Date::today_utc();
        let mut judge = bulwark_evaluate::Judge::new(&filters, ignore, today);
        let mut tally = framework.map(bulwark_k8s::ComplianceTally::new);
        let mut worst: Option<Severity> = None;
        let mut stream = checker.findings();
        for f in merged(stream.by_ref(), &secret_findings) {
            if judge.judge(&f) != bulwark_evaluate::Fate::Keep {
                continue;
            }
            worst = worst.max(Some(f.severity));
            if let Some(t) = &mut tally {
                t.add(&f);
            }
            if !streamed {
                report.findings.push(f);
            }
        }
        let mut result = stream.finish();
        result.suppressed += secrets_suppressed + judge.suppressed;
        report.diagnostics.clone_from(&result.diagnostics);
        report.diagnostics.extend(judge.diagnostics());
        if judge.filtered > 0 {
            report.omitted = Some(bulwark_report::Omitted {
                filtered: judge.filtered,
                suppressed: judge.suppressed,
                filters: vec![format!(
                    "--severity {}",
                    args.severity
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(",")
                )],
            });
        }
        let compliance = tally.map(bulwark_k8s::ComplianceTally::finish);
        let workload_risk = if args.images && !only_verdict {
            let risks = image_risk(args, &result, &mut report)?;
            if args.sort.as_deref() == Some("risk") {
                let rank: std::collections::HashMap<&str, usize> = risks
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (r.risk.resource.as_str(), i))
                    .collect();
                result
                    .workloads
                    .sort_by_key(|w| rank.get(w.resource.as_str()).copied().unwrap_or(usize::MAX));
            }
            Some(risks)
        } else {
            None
        };
        // An admission request: the engines judge the request itself (operation, oldObject, userInfo).
        let verdict = policy.map(|p| match review {
            Some((r, signatures)) => p.judge_objects(&report, std::iter::once(r), signatures),
            None => p.judge_objects(
                &report,
                checker.object_values().map(|(_, object)| object),
                None,
            ),
        });
        if only_verdict {
            if let Some(e) = report
                .diagnostics
                .iter()
                .find(|d| d.level == bulwark_types::DiagnosticLevel::Error)
            {
                anyhow::bail!("{e}");
            }
            return Ok((Outcome::Clean, verdict));
        }
        let policy_failed = match &verdict {
            Some(v) => super::verdict::attach(&mut report, v)?,
            None => false,
        };
        if result.objects == 0 && !report.has_errors() {
            let inputs = if name.is_empty() {
                "the input".to_string()
            } else {
                name.clone()
            };
            report.diagnostics.push(bulwark_types::Diagnostic::error(
            format!(
                "no Kubernetes objects found in {inputs} ({} files, {} YAML documents read); nothing was checked",
                result.files, result.documents
            ),
            bulwark_types::Location::default(),
        ));
        }

        if !args.out.quiet && format != Format::Table {
            for d in &report.diagnostics {
                eprintln!("bulwark: {d}");
            }
        }
        super::image::write_output(args.out.output.as_deref(), |out| {
            match format {
                // The JSON report gains the workload scores, the RBAC reach of their service accounts and the
                // compliance summary as top-level keys. Written as a stream: no copy of the report as a JSON tree.
                Format::Json => {
                    #[derive(serde::Serialize)]
                    #[serde(rename_all = "camelCase")]
                    struct K8sJson<'a> {
                        workloads: &'a [bulwark_k8s::WorkloadScore],
                        service_accounts: &'a std::collections::BTreeMap<String, Vec<String>>,
                        #[serde(skip_serializing_if = "Option::is_none")]
                        compliance: Option<&'a bulwark_k8s::Compliance>,
                        #[serde(skip_serializing_if = "Option::is_none")]
                        workload_risk: Option<&'a [WorkloadRiskRow]>,
                    }
                    let extra = K8sJson {
                        workloads: &result.workloads,
                        service_accounts: &result.service_accounts,
                        compliance: compliance.as_ref(),
                        workload_risk: workload_risk.as_deref(),
                    };
                    if streamed {
                        // The second pass: the same findings, judged again by a fresh judge, written as they come.
                        let mut judge = bulwark_evaluate::Judge::new(&filters, ignore, today);
                        let mut stream = checker.findings();
                        let kept = merged(stream.by_ref(), &secret_findings)
                            .filter(|f| judge.judge(f) == bulwark_evaluate::Fate::Keep);
                        bulwark_report::render_json_streamed(&report, kept, &extra, out)?;
                    } else {
                        let kept = report.findings.iter().cloned();
                        bulwark_report::render_json_streamed(&report, kept, &extra, out)?;
                    }
                }
                Format::Table => {
                    let options = RenderOptions {
                        color: crate::term::color(args.out.output.is_none()),
                        ..RenderOptions::for_output(args.out.output.is_none())
                    };
                    bulwark_report::render(format, &report, &options, out)?;
                    if let Some(c) = &compliance {
                        let table = bulwark_report::ComplianceTable {
                            framework: c.framework.display_name().to_owned(),
                            controls: c
                                .controls
                                .iter()
                                .map(|ctl| bulwark_report::ComplianceControl {
                                    id: ctl.control.clone(),
                                    title: c
                                        .framework
                                        .control_title(&ctl.control)
                                        .unwrap_or_default()
                                        .to_owned(),
                                    failed: ctl.failed,
                                    findings: ctl.findings,
                                    rules: ctl.rules.clone(),
                                })
                                .collect(),
                        };
                        writeln!(out)?;
                        bulwark_report::render_compliance(&table, &options, out)?;
                    }
                    if let Some(risks) = &workload_risk {
                        write_risk_table(risks, out)?;
                    }
                    writeln!(
                        out,
                        "\n{} files, {} documents, {} objects, {} workloads; {} suppressed",
                        result.files,
                        result.documents,
                        result.objects,
                        result.workloads.len(),
                        result.suppressed
                    )?;
                }
                other => bulwark_report::render(other, &report, &RenderOptions::default(), out)?,
            }
            Ok(())
        })?;
        if report.has_errors() {
            return Ok((Outcome::Untrusted, verdict));
        }
        if let Some(t) = args.fail_on
            && (worst.is_some_and(|w| w >= t) || compliance.as_ref().is_some_and(|c| c.failed > 0))
        {
            return Ok((Outcome::PolicyFailed, verdict));
        }
        if policy_failed {
            return Ok((Outcome::PolicyFailed, verdict));
        }
        Ok((Outcome::Clean, verdict))
    }
}

/// One workload's contextual risk from its images' vulnerabilities (`--images`).
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct WorkloadRiskRow {
    #[serde(flatten)]
    risk: bulwark_risk::WorkloadRisk,
    images: Vec<String>,
}

/// Scans each distinct image of the workloads once, matches it against the DB, and scores its vulnerability
/// findings in every workload that runs it. Images that cannot be read become warnings (the workload is scored
/// on the images that could be); highest risk first.
fn image_risk(
    args: &K8sArgs,
    scan: &bulwark_k8s::K8sScan,
    report: &mut Report,
) -> anyhow::Result<Vec<WorkloadRiskRow>> {
    let mut by_image: std::collections::BTreeMap<&str, Vec<Finding>> =
        std::collections::BTreeMap::new();
    // When each image was built (its config's `created`): the age factor of the workloads that run it.
    let mut created: std::collections::BTreeMap<String, bulwark_risk::Date> =
        std::collections::BTreeMap::new();
    for w in &scan.workloads {
        for image in w.posture.iter().flat_map(|p| &p.images) {
            by_image.entry(image.as_str()).or_default();
        }
    }
    for (image, findings) in &mut by_image {
        let image_args = super::image::ImageArgs {
            image: (*image).to_string(),
            platform: crate::conventions::host_platform(),
            registry: super::image::RegistryArgs {
                cache_dir: None,
                cache_max_mib: None,
                insecure: false,
                ca_file: None,
                username: None,
                password: None,
                password_stdin: false,
            },
            skip_layer_verify: false,
        };
        let scanned = super::image::scan_image(&image_args, true, None).and_then(|(mut r, _)| {
            super::vulns::match_report(&mut r, &args.vulns)?;
            Ok(r)
        });
        match scanned {
            Ok(r) => {
                if let Some(d) = r
                    .target
                    .image
                    .as_ref()
                    .and_then(|i| i.created.as_deref())
                    .and_then(bulwark_risk::Date::parse)
                {
                    created.insert((*image).to_string(), d);
                }
                for d in r
                    .diagnostics
                    .iter()
                    .filter(|d| d.level == bulwark_types::DiagnosticLevel::Error)
                {
                    report.diagnostics.push(bulwark_types::Diagnostic::error(
                        format!("image {image}: {}", d.message),
                        bulwark_types::Location::default(),
                    ));
                }
                findings.extend(
                    r.findings
                        .into_iter()
                        .filter(|f| f.kind == bulwark_types::FindingKind::Vulnerability)
                        .map(|mut f| {
                            f.properties
                                .insert("image".into(), serde_json::json!(image));
                            f
                        }),
                );
            }
            Err(e) => report.diagnostics.push(bulwark_types::Diagnostic::warning(
                format!(
                    "image {image} was not scanned: {e:#}; its workloads are scored without it"
                ),
                bulwark_types::Location::default(),
            )),
        }
    }
    let opts = bulwark_risk::ContextOptions {
        environment: args.environment.clone(),
        public_well_being: None,
    };
    let now = bulwark_risk::Date::parse(&bulwark_evaluate::Date::today_utc().to_string())
        .context("today's date")?;
    let mut rows: Vec<WorkloadRiskRow> = scan
        .workloads
        .iter()
        .map(|w| -> anyhow::Result<WorkloadRiskRow> {
            let mut ctx = bulwark_risk::WorkloadContext::from_workload(w, scan, &opts)?;
            // The newest image the workload runs sets its age.
            ctx.image_created = ctx
                .images
                .iter()
                .filter_map(|i| created.get(i))
                .copied()
                .max();
            let findings: Vec<Finding> = ctx
                .images
                .iter()
                .filter_map(|i| by_image.get(i.as_str()))
                .flatten()
                .cloned()
                .collect();
            Ok(WorkloadRiskRow {
                risk: bulwark_risk::score_workload(&findings, &ctx, now),
                images: ctx.images.clone(),
            })
        })
        .collect::<anyhow::Result<_>>()?;
    rows.sort_by(|a, b| {
        b.risk
            .score
            .total_cmp(&a.risk.score)
            .then_with(|| a.risk.resource.cmp(&b.risk.resource))
    });
    Ok(rows)
}

/// Text from the input as the table prints it: control characters (ANSI escapes in a hostile name) become spaces.
fn printable(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The workload risk table (`--images`, table output).
fn write_risk_table(rows: &[WorkloadRiskRow], out: &mut dyn std::io::Write) -> std::io::Result<()> {
    writeln!(out, "\nWorkload risk (docs/risk.md):")?;
    writeln!(
        out,
        "{:<6} {:<7} {:>8}  {:<48} TOP",
        "RISK", "SSVC", "VULNS", "WORKLOAD"
    )?;
    for r in rows {
        let w = &r.risk;
        let top = w
            .top
            .first()
            .map(|t| {
                format!(
                    "{} {} ({})",
                    printable(&t.id),
                    printable(t.package.as_deref().unwrap_or("")),
                    t.score
                )
            })
            .unwrap_or_default();
        writeln!(
            out,
            "{:<6.1} {:<7} {:>8}  {:<48} {top}",
            w.score,
            w.decision.map_or("-", bulwark_risk::Decision::as_str),
            w.findings,
            printable(&w.resource),
        )?;
    }
    Ok(())
}

fn merged<A: Iterator<Item = Finding>>(
    a: A,
    b: &[Finding],
) -> Merged<A, std::iter::Cloned<std::slice::Iter<'_, Finding>>> {
    Merged {
        a: a.peekable(),
        b: b.iter().cloned().peekable(),
    }
}

/// Two sorted finding lists as one, in report order; on equal keys the first list's finding comes first (as a
/// stable sort of the two lists appended would place it).
struct Merged<A: Iterator<Item = Finding>, B: Iterator<Item = Finding>> {
    a: std::iter::Peekable<A>,
    b: std::iter::Peekable<B>,
}

impl<A: Iterator<Item = Finding>, B: Iterator<Item = Finding>> Iterator for Merged<A, B> {
    type Item = Finding;

    fn next(&mut self) -> Option<Finding> {
        match (self.a.peek(), self.b.peek()) {
            (Some(x), Some(y)) if bulwark_k8s::finding_order(y, x).is_lt() => self.b.next(),
            (Some(_), _) => self.a.next(),
            (None, _) => self.b.next(),
        }
    }
}
