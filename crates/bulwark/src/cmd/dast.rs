//! `bulwark dast`: passive DAST of running web apps (bulwark-dast), compatible with `zap-baseline.py`'s rules
//! config, output and exit codes (0 pass, 1 FAIL, 2 WARN only, 3 error). `dast_preview` finds the targets of a
//! preview namespace.
//!
//! The run: `-g` writes the rules template (and exits 0 without a target); the targets (positional, `-t`, or
//! `--namespace`'s preview targets) are crawled and judged; alerts of the always-ignored ids and OUTOFSCOPE
//! alerts are dropped; with `--policy`, the alerts as findings are judged at stage `deploy`: an alert whose
//! finding an exception accepted is dropped before counting, and every failing policy rule adds a FAIL line
//! (`FAIL-NEW: Policy rule <rule> [policy] x <hits> <bundle>`, counted in FAIL-NEW, so exit 1); then the baseline
//! output (or `-f`'s format) goes to stdout or `-o`, the ZAP reports to `-r`/`-w`/`-J`. Any error is exit 3, as
//! zap-baseline.py's "any other failure".

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use anyhow::{Context as _, Result, bail};
use bulwark_dast::preview::PreviewTarget;
use bulwark_dast::rules::{RuleInfo, VulnLookup};
use bulwark_dast::scan::{Scanner, loaded_rules, rule_info};
use bulwark_dast::zap::baseline::{self, Baseline, Options, PolicyFailure};
use bulwark_dast::zap::config::{self, Progress, RulesConfig};
use bulwark_dast::zap::report::{self as zap_report, ReportInput};
use bulwark_dast::{Alert, http, spider};
use bulwark_report::{Format, RenderOptions, Report, Target, TargetKind};

use crate::Outcome;

/// Output formats of `bulwark dast`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum DastFormat {
    /// `zap-baseline.py`'s lines: `WARN-NEW: <alert> [<id>] x <n>` and the summary.
    Baseline,
    /// ZAP's traditional JSON report.
    ZapJson,
    /// ZAP's traditional HTML report.
    ZapHtml,
    /// ZAP's traditional Markdown report.
    ZapMd,
    /// SARIF 2.1.0.
    Sarif,
    /// JUnit XML: one test case per rule.
    Junit,
    /// The Bulwark report (JSON).
    Json,
}

#[derive(Debug, clap::Args)]
#[command(
    about = "Passive DAST of running web apps: spider, then ZAP-compatible passive rules over the responses",
    long_about = "Passive DAST of running web apps, compatible with zap-baseline.py. The spider follows links, \
                  robots.txt and sitemap.xml within the targets' origins, bounded by pages, depth and time; every \
                  response is judged by passive rules with ZAP's plugin ids. PASSIVE ONLY: no form is submitted \
                  (unless --submit-forms, and then only GET forms with their default values), no attack payload \
                  is sent, nothing is written to the site. Exit codes as zap-baseline.py: 0 pass, 1 at least one \
                  FAIL, 2 WARN and no FAIL (0 with -I), 3 error."
)]
pub(crate) struct DastArgs {
    /// Target URLs (http or https). Also given with -t, as zap-baseline.py takes them.
    #[arg(value_name = "URL")]
    pub urls: Vec<String>,
    /// Target URL (zap-baseline.py's -t); may be repeated.
    #[arg(short = 't', long = "target", value_name = "URL")]
    pub target: Vec<String>,
    /// Rules config file: `ID<TAB>IGNORE|INFO|WARN|FAIL|OUTOFSCOPE<TAB>text`, as zap-baseline.py's -c.
    #[arg(short = 'c', long = "config-file", value_name = "FILE")]
    pub config_file: Option<PathBuf>,
    /// Write a default rules config (every rule WARN) to FILE, as zap-baseline.py's -g.
    #[arg(short = 'g', long = "generate-config", value_name = "FILE")]
    pub generate_config: Option<PathBuf>,
    /// Progress file (zap-baseline.py's -p): issues being worked on, reported as *-IN_PROGRESS and not counted.
    #[arg(short = 'p', long = "progress-file", value_name = "FILE")]
    pub progress_file: Option<PathBuf>,
    /// Do not fail on warnings: WARN alone exits 0 (zap-baseline.py's -I).
    #[arg(short = 'I', long = "ignore-warnings")]
    pub ignore_warnings: bool,
    /// Rules not in the config file are INFO instead of WARN (zap-baseline.py's -i).
    #[arg(short = 'i', long = "default-info")]
    pub default_info: bool,
    /// Include the alpha rules (zap-baseline.py's -a).
    #[arg(short = 'a', long = "alpha")]
    pub alpha: bool,
    /// Short output: no PASS lines (zap-baseline.py's -s).
    #[arg(short = 's', long = "short")]
    pub short: bool,
    /// Minimum level to print: PASS, IGNORE, INFO, WARN or FAIL (zap-baseline.py's -l).
    #[arg(
        short = 'l',
        long = "level",
        value_name = "LEVEL",
        default_value = "PASS"
    )]
    pub level: String,
    /// ZAP traditional HTML report to FILE (zap-baseline.py's -r).
    #[arg(short = 'r', long = "report-html", value_name = "FILE")]
    pub report_html: Option<PathBuf>,
    /// ZAP traditional Markdown report to FILE (zap-baseline.py's -w).
    #[arg(short = 'w', long = "report-md", value_name = "FILE")]
    pub report_md: Option<PathBuf>,
    /// ZAP traditional JSON report to FILE (zap-baseline.py's -J).
    #[arg(short = 'J', long = "report-json", value_name = "FILE")]
    pub report_json: Option<PathBuf>,
    /// Format written to stdout (or --output).
    #[arg(short = 'f', long, value_enum, default_value_t = DastFormat::Baseline)]
    pub format: DastFormat,
    /// Write the --format output to FILE instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Crawl only URLs matching this regex (may be repeated).
    #[arg(long, value_name = "REGEX")]
    pub include: Vec<String>,
    /// Never request URLs matching this regex (may be repeated).
    #[arg(long, value_name = "REGEX")]
    pub exclude: Vec<String>,
    /// Pages to request at most.
    #[arg(long, value_name = "N", default_value_t = 500)]
    pub max_pages: usize,
    /// Link depth from the targets at most.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub max_depth: u32,
    /// Wall-clock bound of the crawl (zap-baseline.py's -m is minutes of spidering): 30s, 2m.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = crate::term::parse_duration)]
    pub max_duration: Duration,
    /// Pause between requests: 100ms, 1s.
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = crate::term::parse_duration)]
    pub delay: Duration,
    /// Per-request time limit (connect, headers and body).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = crate::term::parse_duration)]
    pub request_timeout: Duration,
    /// Response bodies are cut at this many bytes, with a warning.
    #[arg(long, value_name = "BYTES", default_value_t = 10 * 1024 * 1024)]
    pub max_body_size: u64,
    /// Do not read robots.txt and sitemap.xml.
    #[arg(long)]
    pub no_robots: bool,
    /// Crawl the actions of GET forms with their default values (POST forms are never submitted).
    #[arg(long)]
    pub submit_forms: bool,
    /// Header sent with every request: 'Name: value' (may be repeated).
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// Auth header for logged-in scans, sent only to the targets' origins: 'Authorization: Bearer …'.
    #[arg(long, value_name = "NAME: VALUE")]
    pub auth_header: Option<String>,
    /// Cookie sent from the start: 'name=value' (may be repeated).
    #[arg(long, value_name = "NAME=VALUE")]
    pub cookie: Vec<String>,
    /// User agent [default: one naming Bulwark's passive scanner].
    #[arg(long, value_name = "UA")]
    pub user_agent: Option<String>,
    /// Accept invalid TLS certificates.
    #[arg(short = 'k', long)]
    pub insecure: bool,
    /// Extra CA certificates (PEM) to trust.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// HTTP versions: 1 (HTTP/1.1), auto (h2 by ALPN over TLS), 2 (HTTP/2 with prior knowledge).
    #[arg(long, value_name = "VERSION", default_value = "auto")]
    pub http: String,

    /// Scan the Ingress hosts and Services of this namespace (a preview environment).
    #[arg(long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// Manifests (files or directories, YAML or JSON) to find the namespace's Ingresses, Services and workloads
    /// in, instead of the Kubernetes API.
    #[arg(long, value_name = "PATH")]
    pub manifests: Vec<PathBuf>,
    /// kubeconfig for --namespace without --manifests [default: $KUBECONFIG, ~/.kube/config, in-cluster].
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Base URL for Services without an Ingress: `http://{service}.{namespace}.svc:{port}` by default.
    #[arg(long, value_name = "TEMPLATE")]
    pub service_url: Option<String>,
    /// Owners file: route findings to the team owning the namespace or workload.
    #[arg(long, value_name = "FILE")]
    pub owners: Option<PathBuf>,
    /// Policy bundle (directory, file or URL): its rules and exceptions apply at stage `deploy`.
    #[arg(long, value_name = "BUNDLE")]
    pub policy: Option<String>,
    /// Vulnerability DB directory, for vulnerable JavaScript libraries [default: the usual DB location].
    #[arg(long, value_name = "DIR")]
    pub db: Option<PathBuf>,
}

#[allow(clippy::unnecessary_wraps)] // The dispatch calls every command as `-> Result<Outcome>`.
pub(crate) fn dast(args: &DastArgs) -> Result<Outcome> {
    match run(args) {
        Ok(code) => Ok(Outcome::Code(code)),
        Err(e) => {
            eprintln!("bulwark: error: {e:#}");
            Ok(Outcome::Code(3))
        }
    }
}

/// What was scanned: every alert with the preview target (index into `targets`) it belongs to.
struct Scanned {
    alerts: Vec<(Alert, Option<usize>)>,
    statuses: HashMap<String, u16>,
    sites: Vec<String>,
}

fn run(args: &DastArgs) -> Result<u8> {
    let min_level = baseline::parse_min_level(&args.level)?;
    let rules = loaded_rules(args.alpha);
    if let Some(path) = &args.generate_config {
        let text = config::template(rules.iter().map(|r| (r.info().id, r.info().name)));
        std::fs::write(path, text)
            .with_context(|| format!("cannot write the rules template {}", path.display()))?;
    }
    let urls: Vec<String> = args.urls.iter().chain(&args.target).cloned().collect();
    if urls.is_empty() && args.namespace.is_none() {
        if args.generate_config.is_some() {
            return Ok(0);
        }
        bail!("no target: give a URL (or -t URL, or --namespace NAMESPACE)");
    }
    for u in &urls {
        check_target(u)?;
    }
    let mut cfg = match &args.config_file {
        Some(p) => RulesConfig::load(p)?,
        None => RulesConfig::default(),
    };
    cfg.default_info = args.default_info;
    let progress = match &args.progress_file {
        Some(p) => Progress::load(p)?,
        None => Progress::default(),
    };
    let targets = match &args.namespace {
        Some(_) => crate::cmd::dast_preview::targets(args)?,
        None => Vec::new(),
    };
    let client_config = client_config(args)?;
    // `--http 1` is ureq; `auto` sends https through the hyper client (h2 by ALPN) and http through ureq; `2` is
    // HTTP/2 with prior knowledge.
    let client = bulwark_server::fetch_h2::client(client_config)?;
    let vulns = super::dast_vulns::DbVulns::open(args.db.as_deref());
    let secrets = bulwark_secrets::Scanner::new(bulwark_secrets::Config::default())
        .context("cannot build the secrets scanner")?;
    let scanner = Scanner {
        rules: rules.clone(),
        vulns: vulns.as_ref().map(|v| v as &dyn VulnLookup),
        secrets: Some(&secrets),
    };
    let scanned = scan(args, &scanner, client.as_ref(), &urls, &targets)?;

    // Dropped before anything counts or is reported: the example rules and OUTOFSCOPE alerts.
    let mut kept: Vec<(Alert, Option<usize>)> = scanned
        .alerts
        .into_iter()
        .filter(|(a, _)| {
            let id = a.plugin_id.to_string();
            !config::ALWAYS_IGNORED.contains(&id.as_str()) && cfg.in_scope(&id, &a.url)
        })
        .collect();
    let info = |id: u32| rule_info(&rules, id);
    let mut report = findings_report(&kept, &info, &targets, &urls);
    if let Some(owners) = &args.owners {
        // The owning team of each finding (properties owner, channels, ownerRule), by its preview target.
        crate::cmd::dast_preview::route(&mut report.findings, owners, &targets)?;
    }
    let mut policy_failures = Vec::new();
    if let Some(source) = &args.policy {
        let policy = super::verdict::Policy::load(
            source,
            bulwark_policy::Stage::Deploy,
            None,
            &super::verdict::TrustFlags::default(),
        )?;
        let verdict = policy.judge(&bulwark_policy::Subject::report(&report));
        let excepted: HashSet<(Option<&str>, Option<&str>)> = verdict
            .results
            .iter()
            .flat_map(|r| &r.excepted)
            .map(|e| (e.hit.finding_id.as_deref(), e.hit.resource.as_deref()))
            .collect();
        let keep: Vec<bool> = report
            .findings
            .iter()
            .map(|f| !excepted.contains(&(Some(f.id.as_ref()), f.location.resource.as_deref())))
            .collect();
        let mut it = keep.iter();
        kept.retain(|_| *it.next().unwrap_or(&true));
        let mut it = keep.iter();
        report.findings.retain(|_| *it.next().unwrap_or(&true));
        policy_failures = verdict
            .failures()
            .map(|r| PolicyFailure {
                rule: r.rule.clone(),
                hits: r.hits.len(),
                bundle: verdict.bundle.name.clone(),
            })
            .collect();
        super::verdict::attach(&mut report, &verdict)?;
    }
    let alerts: Vec<Alert> = kept.into_iter().map(|(a, _)| a).collect();
    let mut base = Baseline::judge(
        rules.iter().map(|r| (r.info().id, r.info().name)),
        &alerts,
        &cfg,
        &progress,
        &scanned.statuses,
    );
    base.add_policy_failures(policy_failures);
    let opts = Options {
        short: args.short,
        min_level,
        ignore_warnings: args.ignore_warnings,
    };
    let zap_input = ReportInput {
        alerts: &alerts,
        info: &info,
        sites: &scanned.sites,
        generated: SystemTime::now(),
    };
    for (path, text) in [
        (
            &args.report_html,
            zap_report::html as fn(&ReportInput<'_>) -> String,
        ),
        (&args.report_md, zap_report::markdown),
        (&args.report_json, zap_report::json),
    ] {
        if let Some(p) = path {
            std::fs::write(p, text(&zap_input))
                .with_context(|| format!("cannot write the report {}", p.display()))?;
        }
    }
    super::image::write_output(args.output.as_deref(), |out| {
        let text = match args.format {
            DastFormat::Baseline => base.render(&opts),
            DastFormat::ZapJson => zap_report::json(&zap_input),
            DastFormat::ZapHtml => zap_report::html(&zap_input),
            DastFormat::ZapMd => zap_report::markdown(&zap_input),
            DastFormat::Sarif | DastFormat::Junit | DastFormat::Json => {
                let format = match args.format {
                    DastFormat::Sarif => Format::Sarif,
                    DastFormat::Junit => Format::Junit,
                    _ => Format::Json,
                };
                return bulwark_report::render(format, &report, &RenderOptions::default(), out)
                    .with_context(|| format!("writing the {format} report"));
            }
        };
        out.write_all(text.as_bytes())?;
        Ok(())
    })?;
    Ok(u8::try_from(base.exit_code(&opts)).unwrap_or(3))
}

/// A target must be an absolute http(s) URL (zap-baseline.py refuses anything else).
fn check_target(u: &str) -> Result<()> {
    let parsed = url::Url::parse(u).with_context(|| format!("invalid target URL '{u}'"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        bail!("invalid target URL '{u}': it must start with http:// or https://");
    }
    Ok(())
}

/// `Name: value` → (name, value).
fn header(s: &str, flag: &str) -> Result<(String, String)> {
    let Some((name, value)) = s.split_once(':') else {
        bail!("{flag} '{s}': expected 'Name: value'");
    };
    let name = name.trim();
    if name.is_empty() || name.bytes().any(|b| !b.is_ascii_graphic()) {
        bail!("{flag} '{s}': the header name must be a token");
    }
    Ok((name.to_string(), value.trim().to_string()))
}

fn client_config(args: &DastArgs) -> Result<http::ClientConfig> {
    let http = match args.http.as_str() {
        "1" | "1.1" => http::HttpVersion::Http1,
        "auto" => http::HttpVersion::Auto,
        "2" => http::HttpVersion::Http2PriorKnowledge,
        other => bail!("--http {other}: expected 1, auto or 2"),
    };
    Ok(http::ClientConfig {
        user_agent: args
            .user_agent
            .clone()
            .unwrap_or_else(|| http::USER_AGENT.to_string()),
        headers: args
            .headers
            .iter()
            .map(|h| header(h, "-H"))
            .collect::<Result<_>>()?,
        auth_header: args
            .auth_header
            .as_deref()
            .map(|h| header(h, "--auth-header"))
            .transpose()?,
        cookies: args.cookie.clone(),
        insecure: args.insecure,
        ca_file: args.ca_file.clone(),
        timeout: args.request_timeout,
        max_body: args.max_body_size,
        http,
    })
}

fn spider_config(args: &DastArgs, seeds: Vec<String>) -> Result<spider::SpiderConfig> {
    let compile = |pats: &[String], flag: &str| -> Result<Vec<regex::Regex>> {
        pats.iter()
            .map(|p| {
                regex::Regex::new(p).with_context(|| format!("{flag} '{p}' is not a valid regex"))
            })
            .collect()
    };
    Ok(spider::SpiderConfig {
        seeds,
        include: compile(&args.include, "--include")?,
        exclude: compile(&args.exclude, "--exclude")?,
        max_pages: args.max_pages,
        max_depth: args.max_depth,
        max_duration: args.max_duration,
        delay: args.delay,
        robots: !args.no_robots,
        sitemap: !args.no_robots,
        submit_forms: args.submit_forms,
        ..spider::SpiderConfig::default()
    })
}

/// Crawls the URLs (one crawl, their origins the scope) and each distinct preview target URL (one crawl each);
/// an alert of a preview crawl belongs to the target serving its URL (`preview::target_for`).
fn scan(
    args: &DastArgs,
    scanner: &Scanner<'_>,
    client: &dyn http::Fetch,
    urls: &[String],
    targets: &[PreviewTarget],
) -> Result<Scanned> {
    let mut out = Scanned {
        alerts: Vec::new(),
        statuses: HashMap::new(),
        sites: Vec::new(),
    };
    let mut crawls: Vec<Vec<String>> = Vec::new();
    if !urls.is_empty() {
        crawls.push(urls.to_vec());
    }
    let mut seen = HashSet::new();
    for t in targets {
        check_target(&t.url)?;
        if seen.insert(t.url.clone()) {
            crawls.push(vec![t.url.clone()]);
        }
    }
    for seeds in crawls {
        out.sites.extend(seeds.iter().cloned());
        let preview = urls.is_empty() || seeds != urls;
        let result = scanner
            .run(&spider_config(args, seeds)?, client)
            .map_err(anyhow::Error::from)?;
        for d in &result.stats.diagnostics {
            eprintln!("bulwark: warning: {d}");
        }
        for (u, status) in result.urls {
            out.statuses.insert(u, status);
        }
        for a in result.alerts {
            let t = if preview {
                target_of(&a.url, targets)
            } else {
                None
            };
            out.alerts.push((a, t));
        }
    }
    Ok(out)
}

/// The preview target an alert's URL belongs to (`preview::target_for`: same host and port, longest path).
fn target_of(url: &str, targets: &[PreviewTarget]) -> Option<usize> {
    let t = bulwark_dast::preview::target_for(url, targets)?;
    targets.iter().position(|x| std::ptr::eq(x, t))
}

/// The alerts as findings of a Bulwark report whose target is the URLs scanned.
fn findings_report<'a>(
    alerts: &[(Alert, Option<usize>)],
    info: &dyn Fn(u32) -> Option<&'a RuleInfo>,
    targets: &[PreviewTarget],
    urls: &[String],
) -> Report {
    let mut names: Vec<&str> = urls.iter().map(String::as_str).collect();
    names.extend(targets.iter().map(|t| t.url.as_str()));
    let mut report = Report::new(Target {
        kind: TargetKind::Url,
        name: names.join(" "),
        image: None,
    });
    report.findings = alerts
        .iter()
        .map(|(a, t)| {
            bulwark_dast::findings::alert_finding(a, info(a.plugin_id), t.map(|i| &targets[i]))
        })
        .collect();
    report
}
