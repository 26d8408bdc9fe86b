//! `bulwark owners`: check an owners.yaml (`check`), and route every finding (or package) of a JSON scan
//! report to the team that owns it, with the rule that decided (`route`). The rules and their order are in
//! bulwark-owners and docs/owners.md.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use bulwark_owners::{FindingContext, ImageContext, LayerContext, Route, WorkloadContext, route};
use bulwark_report::Report;
use bulwark_types::LayerRef;

use crate::Outcome;

/// Largest report read (a scan of a big image with every finding is a few tens of MB).
const MAX_REPORT: u64 = 1 << 30;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum OwnersCommand {
    /// Check owners.yaml files: exit 0 when valid, 2 with every problem as `file:line: message` on stderr.
    Check(CheckArgs),
    /// Route every finding of a Bulwark JSON scan report (with --all-packages, every package) to its team,
    /// and name the owners.yaml rule (file:line) that routed it.
    Route(RouteArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct CheckArgs {
    /// The owners files.
    #[arg(required = true, value_name = "OWNERS_YAML")]
    pub(crate) files: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum RouteFormat {
    /// One line per finding: id, package, layer, team, rule.
    Table,
    /// `{"owners": FILE, "routes": [...], "unrouted": N}`.
    Json,
}

#[derive(Debug, clap::Args)]
pub(crate) struct RouteArgs {
    /// The owners file.
    #[arg(long, value_name = "OWNERS_YAML")]
    pub(crate) owners: PathBuf,
    /// A Bulwark JSON scan report (`bulwark scan image IMG --format json`).
    #[arg(value_name = "REPORT_JSON")]
    pub(crate) report: PathBuf,
    /// Namespace the image runs in, for `namespace:` rules.
    #[arg(long, value_name = "NAMESPACE")]
    pub(crate) namespace: Option<String>,
    /// Labels of the workload, `key=value[,key=value…]`, for `labels:` rules and `bulwark.dev/owner`;
    /// repeatable.
    #[arg(long = "labels", value_name = "KEY=VALUE", value_parser = key_value, value_delimiter = ',')]
    pub(crate) labels: Vec<(String, String)>,
    /// Annotations of the workload, `key=value[,key=value…]`, for `annotations:` rules and
    /// `bulwark.dev/owner`; repeatable.
    #[arg(long = "annotations", value_name = "KEY=VALUE", value_parser = key_value, value_delimiter = ',')]
    pub(crate) annotations: Vec<(String, String)>,
    /// The image reference it runs as, for `registry:` rules [default: the report's target, for an image
    /// scan].
    #[arg(long, value_name = "REF")]
    pub(crate) image: Option<String>,
    /// The base image (`debian:bookworm`, `name@sha256:…` or `sha256:…`) [default: the image's
    /// `org.opencontainers.image.base.name` / `.base.digest` labels].
    #[arg(long, value_name = "REF")]
    pub(crate) base_image: Option<String>,
    /// How many of the image's bottom layers belong to its base image; `baseImage:` rules match only packages
    /// from these layers [default: unknown, and `baseImage:` rules do not match].
    #[arg(long, value_name = "N")]
    pub(crate) base_layers: Option<usize>,
    /// Route every package, not only the findings.
    #[arg(long)]
    pub(crate) all_packages: bool,
    /// Output format.
    #[arg(long = "format", short = 'o', value_enum, default_value_t = RouteFormat::Table)]
    pub(crate) format: RouteFormat,
}

fn key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("expected KEY=VALUE, got \"{s}\"")),
    }
}

pub(crate) fn run(command: &OwnersCommand) -> Result<Outcome> {
    match command {
        OwnersCommand::Check(args) => check(args),
        OwnersCommand::Route(args) => route_report(args),
    }
}

fn check(args: &CheckArgs) -> Result<Outcome> {
    let mut outcome = Outcome::Clean;
    let mut out = std::io::stdout().lock();
    for f in &args.files {
        match bulwark_owners::load(f) {
            Ok(o) => {
                for w in &o.warnings {
                    eprintln!("{w} (warning)");
                }
                writeln!(
                    out,
                    "{}: valid ({} teams, {} rules)",
                    f.display(),
                    o.teams.len(),
                    o.rules.len()
                )?;
            }
            Err(e) => {
                eprintln!("{e}");
                outcome = Outcome::Untrusted;
            }
        }
    }
    Ok(outcome)
}

/// One routed line of the output.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Routed<'a> {
    /// Finding id; absent for a package routed with --all-packages.
    #[serde(skip_serializing_if = "Option::is_none")]
    finding: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    severity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    layer: Option<usize>,
    team: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<bulwark_owners::RuleRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
}

fn route_report(args: &RouteArgs) -> Result<Outcome> {
    let owners = match bulwark_owners::load(&args.owners) {
        Ok(o) => o,
        Err(e @ bulwark_owners::Error::Invalid(_)) => {
            eprintln!("{e}");
            bail!("{} is not a valid owners file", args.owners.display());
        }
        Err(e) => return Err(e.into()),
    };
    let report = read_report(&args.report)?;
    let image = report.target.image.as_ref();
    let layers: &[LayerRef] = image.map_or(&[], |i| i.layers.as_slice());

    let (label_base, label_base_digest) = bulwark_owners::base_image_from(
        image.and_then(|i| i.config.get("Labels")),
        layers.iter().filter_map(|l| l.created_by.as_deref()),
    );
    let (base_name, base_digest) = match &args.base_image {
        Some(b) if b.starts_with("sha256:") => (None, Some(b.clone())),
        Some(b) => (Some(b.clone()), None),
        None => (label_base, label_base_digest),
    };
    let labels: BTreeMap<String, String> = args.labels.iter().cloned().collect();
    let annotations: BTreeMap<String, String> = args.annotations.iter().cloned().collect();
    let base = FindingContext {
        purl: None,
        layer: None,
        image: ImageContext {
            // A directory or SBOM scan names a path, not an image.
            reference: args.image.as_deref().or_else(|| {
                (report.target.kind == bulwark_report::TargetKind::Image)
                    .then_some(report.target.name.as_str())
            }),
            digest: image.and_then(|i| i.manifest_digest.as_deref()),
            base_name: base_name.as_deref(),
            base_digest: base_digest.as_deref(),
        },
        workload: WorkloadContext {
            namespace: args.namespace.as_deref(),
            labels: Some(&labels),
            annotations: Some(&annotations),
        },
    };
    let one = |purl: Option<&str>, layer: Option<&LayerRef>| -> Option<Route> {
        let layer = layer.map(|l| layer_cx(l, layers, args.base_layers));
        let mut cx = base;
        cx.layer = layer;
        cx.purl = purl;
        route(&owners, &cx)
    };
    let mut rows: Vec<Routed<'_>> = Vec::new();
    for f in &report.findings {
        let purl = f.property("purl").and_then(|v| v.as_str());
        let r = one(purl, f.location.layer.as_deref());
        rows.push(row(
            Some(&f.id),
            Some(f.severity.to_string()),
            purl,
            f.location.layer.as_deref(),
            r,
        ));
    }
    if args.all_packages {
        for p in &report.packages {
            let r = one(Some(&p.purl), p.layer.as_ref());
            rows.push(row(None, None, Some(&p.purl), p.layer.as_ref(), r));
        }
    }
    let unrouted = rows.iter().filter(|r| r.team.is_none()).count();
    let mut out = std::io::stdout().lock();
    match args.format {
        RouteFormat::Json => {
            let doc = serde_json::json!({
                "owners": owners.file,
                "report": args.report.display().to_string(),
                "routes": rows,
                "unrouted": unrouted,
            });
            // Through a string: a closed pipe then reaches main as an io::Error, which exits 0.
            let mut text = serde_json::to_string_pretty(&doc)?;
            text.push('\n');
            out.write_all(text.as_bytes())?;
        }
        RouteFormat::Table => write_table(&mut out, &rows)?,
    }
    let warned: usize = rows.iter().map(|r| r.warnings.len()).sum();
    if warned > 0 {
        let first = rows
            .iter()
            .flat_map(|r| &r.warnings)
            .next()
            .map_or("", String::as_str);
        eprintln!("bulwark: warning: {warned} routing warnings; the first: {first}");
    }
    if unrouted > 0 {
        eprintln!(
            "bulwark: {unrouted} of {} {} matched no rule in {} (add a rule or defaultTeam)",
            rows.len(),
            if args.all_packages {
                "findings and packages"
            } else {
                "findings"
            },
            owners.file
        );
    }
    Ok(Outcome::Clean)
}

fn layer_cx<'a>(
    l: &'a LayerRef,
    layers: &'a [LayerRef],
    base_layers: Option<usize>,
) -> LayerContext<'a> {
    let mut cx = LayerContext::of(l, base_layers);
    // The package's layer reference may omit the command; the image's layer list has it.
    if cx.created_by.is_none() {
        cx.created_by = layers.get(l.index).and_then(|x| x.created_by.as_deref());
    }
    cx
}

fn row<'a>(
    finding: Option<&'a str>,
    severity: Option<String>,
    purl: Option<&'a str>,
    layer: Option<&LayerRef>,
    r: Option<Route>,
) -> Routed<'a> {
    let (team, rule, explanation, warnings) = match r {
        Some(r) => (Some(r.team), Some(r.rule), Some(r.explanation), r.warnings),
        None => (None, None, None, Vec::new()),
    };
    Routed {
        finding,
        severity,
        purl,
        layer: layer.map(|l| l.index),
        team,
        rule,
        explanation,
        warnings,
    }
}

fn write_table(out: &mut impl std::io::Write, rows: &[Routed<'_>]) -> std::io::Result<()> {
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            [
                r.finding.unwrap_or("-").to_string(),
                // Qualifiers (`?arch=…&distro=…`) make the column unreadable; JSON has the whole purl.
                r.purl
                    .map_or("-", |p| p.split(['?', '#']).next().unwrap_or(p))
                    .to_string(),
                r.layer.map_or("-".into(), |l| l.to_string()),
                r.team.clone().unwrap_or_else(|| "(none)".into()),
                r.rule.as_ref().map_or("-".into(), ToString::to_string),
            ]
        })
        .collect();
    let head = ["FINDING", "PACKAGE", "LAYER", "TEAM", "RULE"];
    let mut width = head.map(str::len);
    for c in &cells {
        for (w, s) in width.iter_mut().zip(c) {
            *w = (*w).max(s.chars().count());
        }
    }
    let line = |out: &mut dyn std::io::Write, c: [&str; 5]| {
        let mut s = String::new();
        for (i, (v, w)) in c.iter().zip(width).enumerate() {
            if i == 4 {
                s.push_str(v);
            } else {
                let pad = w.saturating_sub(v.chars().count()) + 2;
                s.push_str(v);
                s.extend(std::iter::repeat_n(' ', pad));
            }
        }
        writeln!(out, "{}", s.trim_end())
    };
    line(out, head)?;
    for c in &cells {
        line(out, [&c[0], &c[1], &c[2], &c[3], &c[4]])?;
    }
    Ok(())
}

fn read_report(path: &std::path::Path) -> Result<Report> {
    let meta = std::fs::metadata(path)
        .with_context(|| format!("failed to read report {}", path.display()))?;
    if meta.len() > MAX_REPORT {
        bail!(
            "report {} is {} bytes; at most {MAX_REPORT} are read",
            path.display(),
            meta.len()
        );
    }
    let bytes =
        std::fs::read(path).with_context(|| format!("failed to read report {}", path.display()))?;
    serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a Bulwark JSON scan report", path.display()))
}
