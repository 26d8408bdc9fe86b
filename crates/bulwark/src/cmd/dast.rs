//! `bulwark dast`: passive DAST of running web apps (bulwark-dast), compatible with `zap-baseline.py`'s rules
//! config, output and exit codes (0 pass, 1 FAIL, 2 WARN only, 3 error). `dast_preview` finds the targets of a
//! preview namespace.
//!
//! STUB: the run is built by helper "zap"; the preview discovery by helper "preview".

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;

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

pub(crate) fn dast(args: &DastArgs) -> Result<Outcome> {
    if args.namespace.is_some() {
        let _targets = crate::cmd::dast_preview::targets(args)?;
    }
    eprintln!("bulwark dast is not built yet");
    Ok(Outcome::Code(3))
}
