//! `bulwark report push`: CI sends an image's SBOM to a server's inventory (`POST /api/v1/reports`), with a
//! bearer token of role push (or admin). Exit 0 when the server stored it (2xx), 2 with the server's error
//! otherwise. `bulwark report compliance` (in `compliance.rs`): a framework's controls over scan reports.
//! `bulwark report convert`: a stored Bulwark JSON report rendered again in another format.

use std::fmt::Write as _;
use std::io::Read as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use ureq::tls::{PemItem, RootCerts, TlsConfig, TlsProvider};

use crate::Outcome;

/// Largest SBOM sent (the server's own limit, 64 MiB by default, may be lower: it answers 413).
const MAX_SBOM: u64 = 256 << 20;
/// Largest answer read back.
const MAX_ANSWER: u64 = 1 << 20;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum ReportCommand {
    /// Send an image's SBOM (CycloneDX or SPDX JSON, or a Bulwark JSON report) to a server's inventory
    /// (`POST /api/v1/reports`), as CI does after a build; or, with --node NAME [--kind bench-node|bench-host|
    /// probe], a node's benchmark or probe report (`POST /api/v1/nodes/NAME/results`) for the dashboard's Nodes
    /// page and the compliance view; or, with --results NAME, a consolidated Bulwark JSON report (`bulwark report
    /// merge`) as the latest results of source NAME for the token's team (`POST /api/v1/results`). The token
    /// comes from --token-file, else from the environment variable BULWARK_TOKEN. When the server judges the
    /// push (a server with `teams:`: the token's team's bundle, else its global one), the verdict is printed:
    /// exit 1 when it fails. Exit 0 when stored (and not failed), 2 with the server's error or when no verdict
    /// could be made.
    Push(PushArgs),
    /// Evaluate a compliance framework (cis-kubernetes, nsa-cisa, nist-800-190, pci-dss-4.0, hipaa) over
    /// Bulwark JSON reports of any scan: each control's status (pass, fail, manual, not-assessed), its source
    /// section, the findings that are evidence against it and remediation guidance, as JSON, HTML, SARIF, CSV
    /// or PDF. Exit 0 when every assessed control passes, 1 when one fails, 2 on error.
    Compliance(super::compliance::ComplianceArgs),
    /// Render a stored Bulwark JSON report (`-f json` of any scan) again in another format: html, csv, sarif,
    /// junit, cyclonedx, spdx-json, policyreport, table or json. Exit 0 when written, 2 when the input is not a
    /// Bulwark JSON report this version reads (the error names the file).
    Convert(ConvertArgs),
    /// Merge other tools' results into one report: SARIF 2.1.0 from any tool, Trivy and Grype JSON, kube-bench
    /// JSON, Sonobuoy result tarballs and Bulwark JSON reports, each sniffed from its content; duplicates (same
    /// fingerprint) collapse into one finding listing every source. Exit 0 when written, 2 when an input cannot
    /// be read (the error names it).
    Merge(super::report_merge::MergeArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct ConvertArgs {
    /// The Bulwark JSON report (`-` for standard input).
    #[arg(value_name = "REPORT.json")]
    pub(crate) report: PathBuf,
    /// Output format: html, csv, sarif, junit, cyclonedx, spdx-json, policyreport, table, json.
    #[arg(long, short = 'f', value_name = "FORMAT")]
    pub(crate) format: bulwark_report::Format,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub(crate) struct PushArgs {
    /// The server: `https://HOST:PORT` (plain `http://` only to a loopback address).
    #[arg(long, value_name = "URL")]
    pub(crate) server: String,
    /// A file holding the API token (role push or admin); without it, $BULWARK_TOKEN.
    #[arg(long, value_name = "FILE")]
    pub(crate) token_file: Option<PathBuf>,
    /// The image's manifest digest (`sha256:…`): push an SBOM to the inventory.
    #[arg(
        long,
        value_name = "DIGEST",
        required_unless_present_any = ["node", "results"],
        conflicts_with_all = ["node", "results"]
    )]
    pub(crate) digest: Option<String>,
    /// A reference the image is known by (`registry.example/app:1.2`); repeatable.
    #[arg(long = "ref", value_name = "REF", conflicts_with_all = ["node", "results"])]
    pub(crate) refs: Vec<String>,
    /// Push a consolidated report instead (`POST /api/v1/results?source=NAME`): a Bulwark JSON report (`bulwark
    /// report merge`, or any scan's `-f json`) kept as the latest results of source NAME (a DNS-1123 label such
    /// as `ci-payments`) for the token's team, shown on the dashboard's Results page.
    #[arg(long, value_name = "NAME", conflicts_with = "node")]
    pub(crate) results: Option<String>,
    /// Push a node's run instead (`POST /api/v1/nodes/NAME/results`): the Bulwark JSON report (`-f json`) of
    /// `bulwark bench node`, `bulwark bench host` or `bulwark probe` for the node NAME (a DNS-1123 name).
    #[arg(long, value_name = "NAME")]
    pub(crate) node: Option<String>,
    /// With --node: which run the report is: bench-node, bench-host or probe.
    #[arg(long, value_name = "KIND", default_value = "bench-node", requires = "node",
          value_parser = ["bench-node", "bench-host", "probe"])]
    pub(crate) kind: String,
    /// PEM certificates to trust for the server (its CA), instead of the public web roots.
    #[arg(long, value_name = "FILE")]
    pub(crate) ca_file: Option<PathBuf>,
    /// Give up when the server has not answered within this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub(crate) timeout_secs: u64,
    /// The SBOM file, or with --node the Bulwark JSON report (`-` for standard input).
    #[arg(value_name = "SBOM|REPORT.json")]
    pub(crate) sbom: PathBuf,
}

pub(crate) fn run(cmd: &ReportCommand) -> Result<Outcome> {
    match cmd {
        ReportCommand::Push(a) => push(a),
        ReportCommand::Compliance(a) => super::compliance::run(a),
        ReportCommand::Convert(a) => convert(a),
        ReportCommand::Merge(a) => super::report_merge::run(a),
    }
}

/// `bulwark report convert`: read (bounded, schema version checked) and render again. The report's own
/// diagnostics were shown by the scan that wrote it, so they are not repeated here.
fn convert(a: &ConvertArgs) -> Result<Outcome> {
    let report = super::compliance::read(&a.report)?;
    let options = bulwark_report::RenderOptions {
        color: crate::term::color(a.output.is_none()),
        ..bulwark_report::RenderOptions::for_output(a.output.is_none())
    };
    super::image::write_output(a.output.as_deref(), |w| {
        bulwark_report::render(a.format, &report, &options, w).map_err(anyhow::Error::from)
    })?;
    Ok(Outcome::Clean)
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[');
    host == "localhost" || host.starts_with("127.") || host.starts_with("::1]") || host == "::1"
}

/// The URL of `POST /api/v1/reports` on `server`, refusing a plain-HTTP server that is not on loopback (the
/// token would travel in clear).
fn reports_url(server: &str, digest: &str, refs: &[String]) -> Result<String> {
    let base = checked_base(server)?;
    let mut url = format!("{base}/api/v1/reports?digest={}", encode(digest));
    for r in refs {
        url.push_str("&ref=");
        url.push_str(&encode(r));
    }
    Ok(url)
}

/// The URL of `POST /api/v1/nodes/{node}/results?kind=…` on `server`, with the same refusals.
/// The URL of `POST /api/v1/results?source=…` on `server`, with the same refusals.
fn results_url(server: &str, source: &str) -> Result<String> {
    let base = checked_base(server)?;
    Ok(format!("{base}/api/v1/results?source={}", encode(source)))
}

fn node_url(server: &str, node: &str, kind: &str) -> Result<String> {
    let base = checked_base(server)?;
    Ok(format!(
        "{base}/api/v1/nodes/{}/results?kind={}",
        encode(node),
        encode(kind)
    ))
}

/// `server` without a trailing slash, refusing a plain-HTTP server that is not on loopback.
fn checked_base(server: &str) -> Result<&str> {
    let base = server.trim().trim_end_matches('/');
    let (scheme, rest) = base
        .split_once("://")
        .with_context(|| format!("--server {base}: expected https://HOST:PORT"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let hostname = if host.starts_with('[') {
        host
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    match scheme {
        "https" => {}
        "http" if is_loopback(hostname) => {}
        "http" => bail!(
            "--server {base}: refusing to send the token over plain HTTP to a host that is not loopback; use https://"
        ),
        other => bail!("--server {base}: unsupported scheme '{other}' (use https://)"),
    }
    if host.is_empty() {
        bail!("--server {base}: no host");
    }
    Ok(base)
}

fn token(a: &PushArgs) -> Result<String> {
    let raw = match &a.token_file {
        Some(f) => std::fs::read_to_string(f)
            .with_context(|| format!("cannot read the token file {}", f.display()))?,
        None => std::env::var("BULWARK_TOKEN").map_err(|_| {
            anyhow::anyhow!("no API token: give --token-file FILE or set BULWARK_TOKEN")
        })?,
    };
    let t = raw.trim().to_owned();
    if t.is_empty() {
        bail!("the API token is empty");
    }
    if !t.bytes().all(|b| b.is_ascii_graphic()) {
        bail!("the API token holds spaces or characters that cannot be sent in a header");
    }
    Ok(t)
}

fn read_sbom(path: &PathBuf) -> Result<Vec<u8>> {
    let mut data = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(MAX_SBOM + 1)
            .read_to_end(&mut data)
            .context("cannot read the SBOM from standard input")?;
    } else {
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_SBOM + 1).read_to_end(&mut data))
            .with_context(|| format!("cannot read {}", path.display()))?;
    }
    if data.len() as u64 > MAX_SBOM {
        bail!("{} is larger than {MAX_SBOM} bytes", path.display());
    }
    Ok(data)
}

fn agent(a: &PushArgs) -> Result<ureq::Agent> {
    let mut tls = TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .unversioned_rustls_crypto_provider(
            Arc::new(rustls::crypto::aws_lc_rs::default_provider()),
        );
    if let Some(ca) = &a.ca_file {
        let pem = std::fs::read(ca).with_context(|| format!("cannot read {}", ca.display()))?;
        let mut certs = Vec::new();
        for item in ureq::tls::parse_pem(&pem) {
            match item {
                Ok(PemItem::Certificate(c)) => certs.push(c),
                Ok(_) => {}
                Err(e) => bail!("{}: {e}", ca.display()),
            }
        }
        if certs.is_empty() {
            bail!("{}: no PEM certificate found", ca.display());
        }
        tls = tls.root_certs(RootCerts::new_with_certs(&certs));
    } else {
        tls = tls.root_certs(RootCerts::WebPki);
    }
    let t = Duration::from_secs(a.timeout_secs.max(1));
    Ok(ureq::Agent::config_builder()
        .http_status_as_error(false)
        .user_agent(concat!("bulwark/", env!("CARGO_PKG_VERSION")))
        .tls_config(tls.build())
        .max_redirects(0)
        .timeout_global(Some(t))
        .timeout_connect(Some(t.min(Duration::from_secs(30))))
        .build()
        .new_agent())
}

fn push(a: &PushArgs) -> Result<Outcome> {
    let url = match (&a.node, &a.digest) {
        _ if a.results.is_some() => {
            let source = a.results.as_deref().unwrap_or_default();
            if !bulwark_store::valid_label(source) {
                bail!(
                    "--results {source}: not a DNS-1123 label (1 to 63 lower-case letters, digits and '-', \
                     starting and ending with a letter or digit)"
                );
            }
            results_url(&a.server, source)?
        }
        (Some(node), _) => {
            if !bulwark_store::valid_node_name(node) {
                bail!(
                    "--node {node}: not a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', as \
                     Kubernetes names nodes)"
                );
            }
            node_url(&a.server, node, &a.kind)?
        }
        (None, Some(digest)) => {
            if !bulwark_store::valid_digest(digest) {
                bail!(
                    "--digest {digest}: expected sha256:<64 lowercase hex digits> (or sha384/sha512)"
                );
            }
            reports_url(&a.server, digest, &a.refs)?
        }
        (None, None) => bail!(
            "give --digest DIGEST (an SBOM), --node NAME (a node's report) or --results NAME (a consolidated report)"
        ),
    };
    let token = token(a)?;
    let body = read_sbom(&a.sbom)?;
    let agent = agent(a)?;
    let resp = agent
        .post(&url)
        .header("authorization", &format!("Bearer {token}"))
        .header("content-type", "application/json")
        .send(&body[..])
        .map_err(|e| anyhow::anyhow!("cannot reach {}: {e}", a.server.trim()))?;
    let status = resp.status().as_u16();
    let mut text = String::new();
    resp.into_body()
        .into_reader()
        .take(MAX_ANSWER)
        .read_to_string(&mut text)
        .with_context(|| format!("cannot read the answer of {}", a.server.trim()))?;
    if (200..300).contains(&status) {
        println!("{}", text.trim_end());
        return Ok(verdict_outcome(&text));
    }
    let why = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_owned))
        .unwrap_or_else(|| text.trim().chars().take(2000).collect());
    bail!("{} answered {status}: {why}", a.server.trim());
}

/// The outcome of a stored push: the server's verdict when it judged the push (`verdict` in the answer): 1 when
/// it fails, 2 when none could be made; 0 otherwise. The verdict's failing rules go to stderr.
fn verdict_outcome(answer: &str) -> Outcome {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(answer) else {
        return Outcome::Clean;
    };
    let verdict = &v["verdict"];
    if verdict.is_null() {
        return Outcome::Clean;
    }
    let team = verdict["team"]
        .as_str()
        .map_or_else(|| "the global policy".to_owned(), |t| format!("team {t}"));
    if let Some(e) = verdict["error"].as_str() {
        eprintln!("bulwark: the server could not judge the push ({team}): {e}");
        return Outcome::Untrusted;
    }
    let decision = verdict["decision"].as_str().unwrap_or_default();
    let bundle = verdict["bundle"]["name"].as_str().unwrap_or_default();
    eprintln!(
        "bulwark: verdict of {team} (bundle {bundle}, stage {}): {decision}",
        verdict["stage"].as_str().unwrap_or_default()
    );
    for r in verdict["verdict"]["results"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if matches!(r["outcome"].as_str(), Some("fail" | "error")) {
            eprintln!(
                "  [{}] {} ({} hit(s))",
                r["rule"].as_str().unwrap_or_default(),
                r["outcome"].as_str().unwrap_or_default(),
                r["hits"].as_array().map_or(0, Vec::len)
            );
        }
    }
    match decision {
        "fail" => Outcome::PolicyFailed,
        "pass" | "warn" => Outcome::Clean,
        _ => Outcome::Untrusted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let d = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            reports_url("https://h:8443/", &d, &["r.example/app:1".into()]).unwrap(),
            format!(
                "https://h:8443/api/v1/reports?digest=sha256%3A{}&ref=r.example%2Fapp%3A1",
                "a".repeat(64)
            )
        );
        assert!(reports_url("http://127.0.0.1:8443", &d, &[]).is_ok());
        assert!(reports_url("http://[::1]:8443", &d, &[]).is_ok());
        assert!(reports_url("http://bulwark.example:8443", &d, &[]).is_err());
        assert!(reports_url("ftp://h", &d, &[]).is_err());
        assert!(reports_url("h:8443", &d, &[]).is_err());
        assert_eq!(
            node_url("https://h:8443/", "ip-10-0-0-1.ec2.internal", "bench-host").unwrap(),
            "https://h:8443/api/v1/nodes/ip-10-0-0-1.ec2.internal/results?kind=bench-host"
        );
        assert!(node_url("http://127.0.0.1:1", "n", "probe").is_ok());
        assert!(node_url("http://bulwark.example:8443", "n", "probe").is_err());
        assert_eq!(
            results_url("https://h:8443", "ci-payments").unwrap(),
            "https://h:8443/api/v1/results?source=ci-payments"
        );
        assert!(results_url("http://bulwark.example:8443", "ci").is_err());
    }
}
