//! `bulwark bench node`, `bulwark bench host` and `bulwark probe` (bulwark-node): kube-bench's CIS check files run
//! natively under a host root, the compact Linux host benchmark, and the read-only exposure probe.
//!
//! `bench node` writes kube-bench's own outputs (text, `--json`'s shape, JUnit) or a Bulwark report (target kind
//! `node`, the FAIL and WARN checks as findings) in the report formats; `--policy` judges that report at stage
//! `deploy`. Exit codes: 0 no FAIL, 1 (or `--exit-code N`) a check FAILs, with `--policy` the verdict decides, 2 an
//! error. `bench host` and `probe` exit 1 on a FAIL or an exposure.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use bulwark_node::State;
use bulwark_node::host::HostResult;
use bulwark_node::output::{self, TextOptions};
use bulwark_node::probe;
use bulwark_node::run::{NodeOptions, NodeRun, run_node};
use bulwark_report::{Format, RenderOptions, Report, Target, TargetKind};
use bulwark_types::{Diagnostic, Location};

use crate::Outcome;

/// Where kube-bench's `cfg` directory is looked for when `--config-dir` (and `$BULWARK_KUBE_BENCH_CFG`) is not
/// given: the working directory's `cfg` (kube-bench's own default), a system-wide copy, and kube-bench's container
/// image path.
const CONFIG_DIRS: [&str; 3] = ["./cfg", "/etc/kube-bench/cfg", "/opt/kube-bench/cfg"];

#[derive(Debug, clap::Subcommand)]
pub(crate) enum BenchCommand {
    /// Run kube-bench's CIS Kubernetes check files against this node (or a host root mounted at --root).
    ///
    /// kube-bench's check format (controls, groups, checks with audit, audit_config, tests and remediations).
    /// The common audits (file modes and owners, process flags from /proc/*/cmdline, kubelet config files) are
    /// evaluated natively under --root, a read-only hostPath in a DaemonSet; any other shell audit runs only with
    /// --allow-shell, and the output lists the checks that needed it.
    ///
    /// Bulwark does not ship kube-bench's YAML: point --config-dir (or $BULWARK_KUBE_BENCH_CFG) at kube-bench's cfg
    /// directory (config.yaml and one directory per benchmark, from a kube-bench release or its image's
    /// /opt/kube-bench/cfg). Without it, ./cfg, /etc/kube-bench/cfg and /opt/kube-bench/cfg are tried.
    ///
    /// Exit codes: 0 when no check FAILs, 1 when one does (--exit-code N instead of 1, as kube-bench's
    /// --exit-code; --exit-code 0 never fails), with --policy the verdict decides; 2 on error.
    Node(Box<NodeArgs>),
    /// A compact Linux host benchmark for container nodes: sshd, kernel sysctls, world-writable files, auditd,
    /// /tmp and /dev/shm mount options.
    Host(HostArgs),
}

/// Output formats of `bench node`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum NodeFormat {
    /// kube-bench's text: `[PASS] 4.2.1 …` lines, remediations, summaries and totals.
    Text,
    /// kube-bench's `--json` shape: `{"Controls": [...], "Totals": {...}}`, for existing dashboards.
    KubeBenchJson,
    /// JUnit XML, one test suite per section, one test case per check (kube-bench's `--junit`).
    Junit,
    /// The Bulwark report (JSON): the FAIL and WARN checks as findings, target kind `node`.
    Json,
    /// SARIF 2.1.0 of the Bulwark report.
    Sarif,
    /// The Bulwark report as a table.
    Table,
    /// The Bulwark report as one HTML page.
    Html,
}

#[derive(Debug, clap::Args)]
#[command(disable_version_flag = true)]
pub(crate) struct NodeArgs {
    /// The host's root filesystem: `/`, or where a read-only hostPath mounts it (`/host`).
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub(crate) root: PathBuf,
    /// kube-bench's cfg directory (config.yaml and cis-1.10/, …; not shipped with Bulwark) [default: the first of
    /// ./cfg, /etc/kube-bench/cfg, /opt/kube-bench/cfg holding config.yaml].
    #[arg(long, value_name = "DIR", env = "BULWARK_KUBE_BENCH_CFG")]
    pub(crate) config_dir: Option<PathBuf>,
    /// The benchmark (a directory of the cfg dir: cis-1.10, cis-1.12, …), or `auto`: from the Kubernetes version
    /// through config.yaml's version_mapping.
    #[arg(long, value_name = "NAME", default_value = "auto")]
    pub(crate) benchmark: String,
    /// The Kubernetes version to map to a benchmark (1.31), instead of detecting it from the node.
    #[arg(
        long = "version",
        visible_alias = "k8s-version",
        value_name = "VERSION",
        env = "BULWARK_K8S_VERSION"
    )]
    pub(crate) version: Option<String>,
    /// Targets to run (comma-separated): master, node, etcd, controlplane, policies [default: the benchmark's
    /// targets whose components run on the node].
    #[arg(long, value_delimiter = ',', value_name = "TARGET")]
    pub(crate) targets: Vec<String>,
    /// Only these checks or groups (comma-separated ids: 4.2.1,4.1).
    #[arg(long = "check", value_delimiter = ',', value_name = "IDS")]
    pub(crate) checks: Vec<String>,
    /// Skip these checks or groups (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub(crate) skip: Vec<String>,
    /// Run audits that are not a native form through /bin/sh on the machine running Bulwark (not under --root).
    #[arg(long)]
    pub(crate) allow_shell: bool,
    /// Time limit of one shell audit (--allow-shell).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = crate::term::parse_duration)]
    pub(crate) audit_timeout: Duration,
    /// The node's name in the report [default: <root>/etc/hostname, else localhost].
    #[arg(long, value_name = "NAME")]
    pub(crate) node_name: Option<String>,
    /// Output format.
    #[arg(short = 'f', long, value_enum, value_name = "FORMAT", default_value_t = NodeFormat::Text)]
    pub(crate) format: NodeFormat,
    /// Text output: no remediations (kube-bench's --noremediations).
    #[arg(long)]
    pub(crate) noremediations: bool,
    /// Text output: no check results (kube-bench's --noresults).
    #[arg(long)]
    pub(crate) noresults: bool,
    /// Text output: no section summaries (kube-bench's --nosummary).
    #[arg(long)]
    pub(crate) nosummary: bool,
    /// Text output: no totals (kube-bench's --nototals).
    #[arg(long)]
    pub(crate) nototals: bool,
    /// Write the output to FILE instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Policy bundle judging the Bulwark report of the checks at stage `deploy`; its verdict decides the exit
    /// code and goes into the JSON report.
    #[arg(long, value_name = "BUNDLE")]
    pub(crate) policy: Option<String>,
    #[command(flatten)]
    pub(crate) trust: super::verdict::TrustFlags,
    /// Exit code when a check FAILs (kube-bench's --exit-code); 0 never fails.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub(crate) exit_code: u8,
}

/// Output formats of `bench host` and `probe`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ShortFormat {
    /// Lines for people: `[PASS] H.1.1 …` and a summary.
    Text,
    /// The Bulwark report (JSON).
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// JUnit XML.
    Junit,
    /// The Bulwark report as a table.
    Table,
}

#[derive(Debug, clap::Args)]
pub(crate) struct HostArgs {
    /// The host's root filesystem: `/`, or where a read-only hostPath mounts it (`/host`).
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub(crate) root: PathBuf,
    /// Output format.
    #[arg(short = 'f', long, value_enum, value_name = "FORMAT", default_value_t = ShortFormat::Text)]
    pub(crate) format: ShortFormat,
    /// Write the output to FILE instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub(crate) struct ProbeArgs {
    /// Targets: an address or host name (the well-known ports are tried), host:port, or a CIDR (10.0.0.0/24).
    #[arg(required = true, value_name = "TARGET")]
    pub(crate) targets: Vec<String>,
    /// Ports tried on targets given without one (comma-separated) [default: 2375, 2379, 6443, 8080, 8443, 10249,
    /// 10250, 10255].
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub(crate) ports: Vec<u16>,
    /// Probe a range larger than a /24 (up to a /16).
    #[arg(long)]
    pub(crate) force: bool,
    /// Time limit of one request (connect, TLS, headers and body).
    #[arg(long, value_name = "DURATION", default_value = "3s", value_parser = crate::term::parse_duration)]
    pub(crate) request_timeout: Duration,
    /// Output format.
    #[arg(short = 'f', long, value_enum, value_name = "FORMAT", default_value_t = ShortFormat::Text)]
    pub(crate) format: ShortFormat,
    /// Write the output to FILE instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

pub(crate) fn bench(command: &BenchCommand) -> Result<Outcome> {
    match command {
        BenchCommand::Node(args) => bench_node(args),
        BenchCommand::Host(args) => bench_host(args),
    }
}

/// `--config-dir`, else the first of [`CONFIG_DIRS`] holding `config.yaml`.
fn config_dir(given: Option<&Path>) -> Result<PathBuf> {
    if let Some(d) = given {
        if !d.join("config.yaml").is_file() {
            bail!(
                "kube-bench config directory {}: no config.yaml there (Bulwark does not ship kube-bench's check \
                 files: point --config-dir or $BULWARK_KUBE_BENCH_CFG at kube-bench's cfg directory)",
                d.display()
            );
        }
        return Ok(d.to_path_buf());
    }
    CONFIG_DIRS
        .iter()
        .map(PathBuf::from)
        .find(|d| d.join("config.yaml").is_file())
        .with_context(|| {
            format!(
                "no kube-bench config directory: none of {} holds config.yaml (Bulwark does not ship kube-bench's \
                 check files: give --config-dir DIR or $BULWARK_KUBE_BENCH_CFG, kube-bench's cfg directory)",
                CONFIG_DIRS.join(", ")
            )
        })
}

fn bench_node(args: &NodeArgs) -> Result<Outcome> {
    let dir = config_dir(args.config_dir.as_deref())?;
    let mut opts = NodeOptions::new(&args.root, &dir);
    opts.node_name.clone_from(&args.node_name);
    opts.benchmark = (!args.benchmark.eq_ignore_ascii_case("auto")).then(|| args.benchmark.clone());
    opts.version.clone_from(&args.version);
    opts.targets.clone_from(&args.targets);
    opts.checks.clone_from(&args.checks);
    opts.skip.clone_from(&args.skip);
    opts.allow_shell = args.allow_shell;
    opts.timeout = args.audit_timeout;
    let run = run_node(&opts).map_err(anyhow::Error::from)?;
    let needs_shell = needs_shell(&run);
    let report_format = match args.format {
        NodeFormat::Json => Some(Format::Json),
        NodeFormat::Sarif => Some(Format::Sarif),
        NodeFormat::Table => Some(Format::Table),
        NodeFormat::Html => Some(Format::Html),
        NodeFormat::Text | NodeFormat::KubeBenchJson | NodeFormat::Junit => None,
    };
    // The report is made whenever it is written or judged.
    let mut report =
        (report_format.is_some() || args.policy.is_some()).then(|| node_report(&run, &needs_shell));
    let mut policy_failed = None;
    if let (Some(source), Some(report)) = (&args.policy, report.as_mut()) {
        let policy =
            super::verdict::Policy::load(source, bulwark_policy::Stage::Deploy, None, &args.trust)?;
        let verdict = policy.judge(&bulwark_policy::Subject::report(report));
        policy_failed = Some(super::verdict::attach(report, &verdict)?);
    }
    if !needs_shell.is_empty() && report_format.is_none() {
        eprintln!(
            "bulwark: {} checks need --allow-shell (their audits are not a native form; judged as failed audits): \
             {}",
            needs_shell.len(),
            needs_shell.join(", ")
        );
    }
    super::image::write_output(args.output.as_deref(), |out| {
        match (args.format, &report, report_format) {
            (NodeFormat::Text, ..) => {
                let text = output::text(
                    &run,
                    TextOptions {
                        no_remediations: args.noremediations,
                        no_results: args.noresults,
                        no_summary: args.nosummary,
                        no_totals: args.nototals,
                    },
                );
                out.write_all(text.as_bytes())?;
            }
            (NodeFormat::KubeBenchJson, ..) => {
                serde_json::to_writer(&mut *out, &output::kube_bench_json(&run))?;
                writeln!(out)?;
            }
            (NodeFormat::Junit, ..) => out.write_all(output::junit(&run).as_bytes())?,
            (_, Some(report), Some(format)) => render(format, report, args.output.is_none(), out)?,
            _ => bail!("internal: no report for {:?}", args.format),
        }
        Ok(())
    })?;
    let failed = policy_failed.unwrap_or_else(|| run.totals().fail > 0);
    Ok(match (failed, args.exit_code) {
        (false, _) | (true, 0) => Outcome::Clean,
        (true, code) => Outcome::Code(code),
    })
}

/// The ids of the checks whose audits were not a native form and were not run (no `--allow-shell`).
fn needs_shell(run: &NodeRun) -> Vec<String> {
    run.sections
        .iter()
        .flat_map(|s| &s.groups)
        .flat_map(|g| &g.checks)
        .filter(|c| c.needs_shell)
        .map(|c| c.check.id.clone())
        .collect()
}

/// The Bulwark report of a run: target kind `node` named after the node, the FAIL and WARN checks as findings,
/// one warning per check that needed `--allow-shell`.
fn node_report(run: &NodeRun, needs_shell: &[String]) -> Report {
    let mut report = Report::new(Target {
        kind: TargetKind::Node,
        name: run.node.clone(),
        image: None,
    });
    report.findings = output::findings(run);
    report.totals = serde_json::to_value(run.totals()).ok();
    for id in needs_shell {
        report.diagnostics.push(Diagnostic::warning(
            format!(
                "check {id} ({}) needs --allow-shell: its audit is not a native form, so it was judged as a failed \
                 audit",
                run.benchmark
            ),
            Location::default(),
        ));
    }
    report
}

fn render(
    format: Format,
    report: &Report,
    to_stdout: bool,
    out: &mut dyn std::io::Write,
) -> Result<()> {
    let options = if format == Format::Table {
        RenderOptions {
            color: crate::term::color(to_stdout),
            ..RenderOptions::for_output(to_stdout)
        }
    } else {
        RenderOptions::default()
    };
    bulwark_report::render(format, report, &options, out)
        .with_context(|| format!("writing the {format} report"))
}

fn short_format(f: ShortFormat) -> Option<Format> {
    match f {
        ShortFormat::Text => None,
        ShortFormat::Json => Some(Format::Json),
        ShortFormat::Sarif => Some(Format::Sarif),
        ShortFormat::Junit => Some(Format::Junit),
        ShortFormat::Table => Some(Format::Table),
    }
}

fn state_word(s: State) -> &'static str {
    match s {
        State::Pass => "PASS",
        State::Fail => "FAIL",
        State::Warn => "WARN",
        State::Info => "INFO",
    }
}

fn bench_host(args: &HostArgs) -> Result<Outcome> {
    if !args.root.is_dir() {
        bail!("--root {}: not a directory", args.root.display());
    }
    let results = bulwark_node::host::run(&args.root);
    let failed = results.iter().any(|r| r.state == State::Fail);
    super::image::write_output(args.output.as_deref(), |out| {
        match short_format(args.format) {
            None => out.write_all(host_text(&results).as_bytes())?,
            Some(format) => {
                let mut report = Report::new(Target {
                    kind: TargetKind::Node,
                    name: host_name(&args.root),
                    image: None,
                });
                report.findings = output::host_findings(&results);
                let mut totals = bulwark_node::run::Totals::default();
                for r in &results {
                    totals.add(r.state);
                }
                report.totals = serde_json::to_value(totals).ok();
                render(format, &report, args.output.is_none(), out)?;
            }
        }
        Ok(())
    })?;
    Ok(if failed {
        Outcome::PolicyFailed
    } else {
        Outcome::Clean
    })
}

/// `<root>/etc/hostname`'s first line, else `localhost`.
fn host_name(root: &Path) -> String {
    bulwark_node::audit::resolve(root, "/etc/hostname", true)
        .ok()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|s| s.lines().next().map(|l| l.trim().to_string()))
        .filter(|s| !s.is_empty() && s.len() <= 253)
        .unwrap_or_else(|| "localhost".to_string())
}

/// kube-bench's text layout for the host checks: a `[STATE] id text` line each (with what was found under a
/// check that did not pass), the remediations of the FAILs, and the counts.
fn host_text(results: &[HostResult]) -> String {
    let mut s = String::from("[INFO] H Linux host benchmark\n");
    let mut totals = bulwark_node::run::Totals::default();
    for r in results {
        totals.add(r.state);
        let _ = writeln!(s, "[{}] {} {}", state_word(r.state), r.id, r.text);
        if r.state != State::Pass {
            let _ = writeln!(s, "      {}", bulwark_types::escape_control(&r.detail));
        }
    }
    let fails: Vec<&HostResult> = results.iter().filter(|r| r.state == State::Fail).collect();
    if !fails.is_empty() {
        s.push_str("\n== Remediations host ==\n");
        for r in fails {
            let _ = writeln!(s, "{} {}\n", r.id, r.remediation);
        }
    }
    if !s.ends_with("\n\n") {
        s.push('\n');
    }
    let _ = write!(
        s,
        "== Summary host ==\n{} checks PASS\n{} checks FAIL\n{} checks WARN\n{} checks INFO\n",
        totals.pass, totals.fail, totals.warn, totals.info
    );
    s
}

pub(crate) fn probe(args: &ProbeArgs) -> Result<Outcome> {
    let mut targets = Vec::new();
    for spec in &args.targets {
        targets.extend(probe::parse_targets(spec, args.force).map_err(anyhow::Error::from)?);
    }
    if !args.ports.is_empty() {
        if let Some(p) = args.ports.iter().find(|p| **p == 0) {
            bail!("--ports: {p} is not a port (1-65535)");
        }
        targets = targets
            .into_iter()
            .flat_map(|t| match t.port {
                Some(_) => vec![t],
                None => args
                    .ports
                    .iter()
                    .map(|&p| probe::Target {
                        host: t.host.clone(),
                        port: Some(p),
                    })
                    .collect(),
            })
            .collect();
    }
    let config = probe::ProbeConfig {
        timeout: args.request_timeout,
        connect_timeout: args.request_timeout.min(Duration::from_secs(2)),
        ..probe::ProbeConfig::default()
    };
    let found = probe::probe(&targets, &config);
    super::image::write_output(args.output.as_deref(), |out| {
        match short_format(args.format) {
            None => out.write_all(probe_text(&found, targets.len()).as_bytes())?,
            Some(format) => {
                let mut report = Report::new(Target {
                    kind: TargetKind::Node,
                    name: args.targets.join(" "),
                    image: None,
                });
                report.findings = output::probe_findings(&found);
                render(format, &report, args.output.is_none(), out)?;
            }
        }
        Ok(())
    })?;
    Ok(if found.is_empty() {
        Outcome::Clean
    } else {
        Outcome::PolicyFailed
    })
}

/// One line per exposure (`[CRITICAL] PROBE-KUBELET-READONLY http://…: title`) with its evidence, and a count.
fn probe_text(found: &[probe::Finding], targets: usize) -> String {
    let mut s = String::new();
    for f in found {
        let _ = writeln!(
            s,
            "[{}] {} {}: {}\n      {}",
            f.severity,
            f.id,
            bulwark_types::escape_control(&f.target),
            f.title,
            bulwark_types::escape_control(&f.evidence)
        );
    }
    let _ = writeln!(
        s,
        "{} exposures found on {targets} targets probed (GET only, no credentials)",
        found.len()
    );
    s
}
