//! Flags and glue for what happens after matching: filters, the ignore file, OpenVEX, and the `--fail-on` gate.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use bulwark_evaluate::{Date, Filters, PkgClass, apply, gate, load_ignore, load_vex};
use bulwark_report::{Omitted, Report};
use bulwark_types::Severity;

#[derive(Debug, clap::Args)]
pub(crate) struct EvalArgs {
    /// Report only these severities (comma-separated): UNKNOWN, INFO, LOW, MEDIUM, HIGH, CRITICAL.
    #[arg(long, value_delimiter = ',', value_name = "SEVERITY")]
    pub(crate) severity: Vec<Severity>,
    /// Leave out vulnerabilities without a fixed version.
    #[arg(long)]
    pub(crate) ignore_unfixed: bool,
    /// Report vulnerabilities only in these package classes: os, library.
    #[arg(long, value_delimiter = ',', value_name = "TYPE")]
    pub(crate) pkg_types: Vec<PkgClass>,
    /// Exceptions file [default: ./.bulwarkignore.yaml when it exists].
    #[arg(long, value_name = "FILE", env = "BULWARK_IGNOREFILE")]
    pub(crate) ignorefile: Option<PathBuf>,
    /// OpenVEX document (repeatable).
    #[arg(long, value_name = "FILE")]
    pub(crate) vex: Vec<PathBuf>,
    /// Exit 1 when a reported finding has at least this severity.
    #[arg(long = "fail-on", value_name = "SEVERITY")]
    pub(crate) fail_on: Option<Severity>,
    /// List suppressed findings and why on stderr.
    #[arg(long)]
    pub(crate) show_suppressed: bool,
    /// Policy bundle: a directory, a `.tar.gz`, a git repository (`git+file:///path@REF`,
    /// `git+https://host/repo@REF`), an OCI artifact (`oci://REGISTRY/REPO:TAG` or `@sha256:…`, as `bulwark
    /// policy push` writes it), or an archive URL pinned by its sha256 (`https://host/b.tar.gz#sha256=HEX`).
    /// Its verdict goes into the report, and a `fail` exits 1.
    #[arg(long, value_name = "BUNDLE", env = "BULWARK_POLICY")]
    pub(crate) policy: Option<String>,
    /// PEM public key (ECDSA P-256 or Ed25519) an OCI or HTTPS bundle must be signed with: a cosign-style
    /// signature tag (`sha256-<digest>.sig`) for OCI, `<URL>.sig` for HTTPS. A bundle that fails is refused.
    #[arg(long, value_name = "FILE", env = "BULWARK_POLICY_PUBLIC_KEY")]
    pub(crate) policy_public_key: Option<PathBuf>,
    /// When the registry or URL of --policy cannot be reached, use the last good cached copy of that bundle
    /// (verified again); the verdict says so (`bundle.offline`). A bundle that fails verification is still
    /// refused.
    #[arg(long)]
    pub(crate) policy_offline_ok: bool,
    /// The lifecycle stage the policy is evaluated at: build, release, deploy, runtime.
    #[arg(long, value_name = "STAGE", default_value = "build")]
    pub(crate) stage: bulwark_policy::Stage,
    /// The time exceptions expire against (RFC 3339 or YYYY-MM-DD) [default: $BULWARK_NOW, else now].
    #[arg(long, value_name = "TIME")]
    pub(crate) now: Option<String>,
}

/// Applies VEX, the ignore file and the filters to the report; returns whether the gate failed. What was left out
/// is counted in `report.omitted` (the table's summary says it), not printed on stderr: `--show-suppressed` lists
/// the suppressed findings there. `_quiet` is kept for the callers' symmetry with the other commands.
pub(crate) fn evaluate(report: &mut Report, args: &EvalArgs, _quiet: bool) -> Result<bool> {
    let ignore = if let Some(p) = &args.ignorefile {
        Some(load_ignore(p)?)
    } else {
        let d = Path::new(".bulwarkignore.yaml");
        if d.is_file() {
            Some(load_ignore(d)?)
        } else {
            None
        }
    };
    let vex = args
        .vex
        .iter()
        .map(|p| {
            load_vex(p).with_context(|| format!("cannot use the VEX file {} (--vex)", p.display()))
        })
        .collect::<Result<Vec<_>>>()?;
    let filters = Filters {
        severities: args.severity.clone(),
        ignore_unfixed: args.ignore_unfixed,
        pkg_types: args.pkg_types.clone(),
    };
    let eval = apply(report, &filters, ignore.as_ref(), &vex, Date::today_utc());
    if !eval.suppressed.is_empty() || eval.filtered > 0 {
        report.omitted = Some(Omitted {
            filtered: eval.filtered,
            suppressed: eval.suppressed.len(),
            filters: filter_flags(args),
        });
    }
    if args.show_suppressed {
        for s in &eval.suppressed {
            eprintln!("bulwark: suppressed {s}");
        }
    }
    let mut failed = gate(report, args.fail_on);
    if let Some(source) = &args.policy {
        failed |= policy(report, source, args)?;
    }
    Ok(failed)
}

/// Evaluates the bundle over the report with `bulwark_policy::evaluate` (the function every entry point calls)
/// and stores the verdict in the report; true when the decision is `fail`.
fn policy(report: &mut Report, source: &str, args: &EvalArgs) -> Result<bool> {
    let now = bulwark_policy::Instant::resolve(args.now.as_deref(), "BULWARK_NOW")
        .map_err(|e| anyhow::anyhow!("invalid --now: {e}"))?;
    let mut opts =
        bulwark_policy::LoadOptions::new(bulwark_registry::default_cache_dir().join("policy"));
    opts.public_key = super::policy::load_public_key(args.policy_public_key.as_deref())?;
    opts.offline_ok = args.policy_offline_ok;
    let bundle = bulwark_policy::Bundle::load(source, &opts)
        .with_context(|| format!("cannot load the policy bundle {source} (--policy)"))?;
    for w in &bundle.warnings {
        eprintln!("bulwark: policy {source}: {w}");
    }
    if let Some(off) = &bundle.info.offline {
        eprintln!(
            "bulwark: policy {source}: unreachable ({}); using the cached bundle fetched at {} (--policy-offline-ok)",
            off.reason, off.fetched_at
        );
    }
    let verdict = bulwark_policy::evaluate(
        &bundle,
        &bulwark_policy::Subject::report(report),
        args.stage,
        now,
    );
    let failed = verdict.decision == bulwark_policy::Decision::Fail;
    report.verdict = Some(serde_json::to_value(&verdict)?);
    Ok(failed)
}

/// The filter flags in force, as the user would type them.
fn filter_flags(args: &EvalArgs) -> Vec<String> {
    let mut v = Vec::new();
    if !args.severity.is_empty() {
        let s: Vec<&str> = args.severity.iter().map(|s| s.as_str()).collect();
        v.push(format!("--severity {}", s.join(",")));
    }
    if args.ignore_unfixed {
        v.push("--ignore-unfixed".to_owned());
    }
    if !args.pkg_types.is_empty() {
        let t: Vec<&str> = args
            .pkg_types
            .iter()
            .map(|t| match t {
                PkgClass::Os => "os",
                PkgClass::Library => "library",
            })
            .collect();
        v.push(format!("--pkg-types {}", t.join(",")));
    }
    v
}
