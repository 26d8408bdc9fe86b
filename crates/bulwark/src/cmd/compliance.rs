//! `bulwark report compliance`: one framework's controls evaluated over Bulwark JSON reports of any scan, written
//! as JSON, HTML, SARIF, CSV or PDF (the HTML printed by headless Chromium). Exit 0 when every assessed control
//! passes, 1 when one fails, 2 on error.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use bulwark_compliance::{ComplianceReport, Scanner, Source};
use bulwark_report::{Report, TargetKind};

use crate::Outcome;

/// Largest report read (a `scan k8s` of 100,000 Pods writes about this much).
const MAX_REPORT: u64 = 1 << 30;
/// How long Chromium may take to print the PDF.
const PDF_DEADLINE: Duration = Duration::from_mins(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ComplianceFormat {
    Json,
    Html,
    Sarif,
    Csv,
    Pdf,
}

#[derive(Debug, clap::Args)]
pub(crate) struct ComplianceArgs {
    /// The framework: cis-kubernetes, nsa-cisa, nist-800-190, pci-dss-4.0 or hipaa.
    #[arg(long, value_name = "ID")]
    pub(crate) framework: String,
    /// Output format. `pdf` prints the HTML with headless Chromium (`chromium`, or $BULWARK_CHROMIUM) and
    /// needs -o.
    #[arg(long, short = 'f', value_enum, default_value_t = ComplianceFormat::Json)]
    pub(crate) format: ComplianceFormat,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Bulwark JSON reports (`-f json` of `scan image`, `scan fs`, `scan k8s`, `scan sbom`); `-` for stdin.
    #[arg(value_name = "REPORT.json", required = true)]
    pub(crate) reports: Vec<PathBuf>,
}

/// The scanners a report's scan ran, from what it scanned: controls read by none of them are `not-assessed`.
/// Secrets and malware are on by default in image and directory scans; a report does not record `--no-secrets`
/// or `--no-malware`, so those scans count as having run them.
pub(crate) fn scanners(r: &Report) -> Vec<Scanner> {
    let mut s = match r.target.kind {
        TargetKind::Manifests => vec![Scanner::Kubernetes],
        TargetKind::Image => vec![Scanner::ImageConfig, Scanner::Secrets, Scanner::Malware],
        TargetKind::Rootfs => vec![Scanner::Secrets, Scanner::Malware],
        TargetKind::Filesystem => vec![Scanner::Dockerfile, Scanner::Secrets, Scanner::Malware],
        TargetKind::Sbom => vec![],
        TargetKind::Url => vec![Scanner::Dast],
        TargetKind::Node => vec![Scanner::Node],
    };
    if r.vulnerability_db.is_some() {
        s.push(Scanner::Vulnerabilities);
    }
    s
}

/// Reads a Bulwark JSON report (`-` for stdin), bounded by [`MAX_REPORT`]; errors name the file.
pub(crate) fn read(path: &Path) -> Result<Report> {
    let name = path.display().to_string();
    let mut data = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(MAX_REPORT + 1)
            .read_to_end(&mut data)
            .context("cannot read a report from standard input")?;
    } else {
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_REPORT + 1).read_to_end(&mut data))
            .with_context(|| format!("cannot read {name}"))?;
    }
    if data.len() as u64 > MAX_REPORT {
        bail!("{name} is larger than {MAX_REPORT} bytes");
    }
    Ok(bulwark_report::read_report(&data, &name)?)
}

/// The label of a report's target: the name the user scanned, with the image digest when known.
fn label(r: &Report) -> String {
    let digest = r
        .target
        .image
        .as_ref()
        .and_then(|i| i.manifest_digest.as_deref().or(i.config_digest.as_deref()));
    match digest {
        Some(d) if !r.target.name.contains(d) => format!("{}@{d}", r.target.name),
        _ => r.target.name.clone(),
    }
}

pub(crate) fn run(a: &ComplianceArgs) -> Result<Outcome> {
    let framework = bulwark_compliance::framework(&a.framework)?;
    if a.format == ComplianceFormat::Pdf && a.output.is_none() {
        bail!("-f pdf needs -o FILE");
    }
    let reports: Vec<Report> = a.reports.iter().map(|p| read(p)).collect::<Result<_>>()?;
    let labels: Vec<String> = reports.iter().map(label).collect();
    let scanners: Vec<Vec<Scanner>> = reports.iter().map(scanners).collect();
    let sources: Vec<Source<'_>> = reports
        .iter()
        .zip(&labels)
        .zip(&scanners)
        .map(|((r, l), s)| Source {
            label: l,
            scanners: s,
            findings: &r.findings,
        })
        .collect();
    let result = bulwark_compliance::evaluate(&framework, &sources);
    let untrusted: Vec<String> = reports
        .iter()
        .zip(&a.reports)
        .filter(|(r, _)| r.has_errors())
        .map(|(_, p)| p.display().to_string())
        .collect();
    write(a, &result)?;
    if !untrusted.is_empty() {
        eprintln!(
            "bulwark: error: these reports carry error diagnostics, so their findings may be incomplete: {}",
            untrusted.join(", ")
        );
        return Ok(Outcome::Untrusted);
    }
    Ok(if result.failed() {
        Outcome::PolicyFailed
    } else {
        Outcome::Clean
    })
}

fn write(a: &ComplianceArgs, r: &ComplianceReport) -> Result<()> {
    let bytes = match a.format {
        ComplianceFormat::Json => {
            let mut v = serde_json::to_vec_pretty(r)?;
            v.push(b'\n');
            v
        }
        ComplianceFormat::Html => bulwark_compliance::render::html(r).into_bytes(),
        ComplianceFormat::Csv => bulwark_compliance::render::csv(r).into_bytes(),
        ComplianceFormat::Sarif => {
            let mut v = serde_json::to_vec_pretty(&bulwark_compliance::render::sarif(
                r,
                env!("CARGO_PKG_VERSION"),
            ))?;
            v.push(b'\n');
            v
        }
        ComplianceFormat::Pdf => {
            let out = a.output.as_deref().unwrap_or(Path::new("compliance.pdf"));
            return pdf(&bulwark_compliance::render::html(r), out);
        }
    };
    if let Some(p) = &a.output {
        return std::fs::write(p, bytes).with_context(|| format!("cannot write {}", p.display()));
    }
    let mut o = std::io::stdout().lock();
    o.write_all(&bytes)?;
    o.flush()?;
    Ok(())
}

/// The Chromium binary: $BULWARK_CHROMIUM, else the first of `chromium`, `chromium-browser` on PATH.
fn chromium() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("BULWARK_CHROMIUM") {
        let p = PathBuf::from(p);
        if p.is_file() {
            return Ok(p);
        }
        bail!(
            "-f pdf: BULWARK_CHROMIUM names {}, which does not exist",
            p.display()
        );
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser"] {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Ok(p);
            }
        }
    }
    bail!(
        "-f pdf needs the `chromium` binary (headless print-to-PDF), which is not on PATH: install it (Debian: apt-get install chromium) or set BULWARK_CHROMIUM"
    )
}

/// True when this process runs as root, where Chromium refuses to start with its sandbox.
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|l| l.split_whitespace().nth(1))
            == Some("0")
    })
}

/// Prints `html` to `out` with headless Chromium, with a throw-away profile and a deadline. The page has no
/// script and its Content-Security-Policy (`default-src 'none'`) forbids running any; turning scripts off with
/// `--blink-settings=scriptEnabled=false` instead makes Chromium 156 exit 0 without writing the PDF.
fn pdf(html: &str, out: &Path) -> Result<()> {
    let bin = chromium()?;
    let dir = tempfile::tempdir().context("cannot create a temporary directory for Chromium")?;
    let page = dir.path().join("compliance.html");
    std::fs::write(&page, html).with_context(|| format!("cannot write {}", page.display()))?;
    let target = dir.path().join("out.pdf");
    let mut cmd = Command::new(&bin);
    cmd.arg("--headless")
        .arg("--disable-gpu")
        .arg("--no-pdf-header-footer")
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("--print-to-pdf={}", target.display()));
    if is_root() {
        cmd.arg("--no-sandbox");
    }
    cmd.arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot run {}", bin.display()))?;
    let mut stderr = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(e) = stderr.as_mut() {
            let _ = e.take(64 << 10).read_to_string(&mut s);
        }
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break s;
        }
        if start.elapsed() > PDF_DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "{} did not print the PDF within {}s",
                bin.display(),
                PDF_DEADLINE.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let err = reader.join().unwrap_or_default();
    let ok = std::fs::metadata(&target).is_ok_and(|m| m.len() > 0);
    if !status.success() || !ok {
        bail!(
            "{} failed to print the PDF ({status}): {}",
            bin.display(),
            bulwark_types::escape_control(err.trim())
        );
    }
    std::fs::copy(&target, out).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(())
}
