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
    /// `--policy`, `--stage`, `--now`.
    #[command(flatten)]
    pub(crate) policy: super::verdict::PolicyFlags,
}

/// Applies VEX, the ignore file and the filters to the report; returns whether the gate failed. What was left out
/// is counted in `report.omitted` (the table's summary says it), not printed on stderr: `--show-suppressed` lists
/// the suppressed findings there. `_quiet` is kept for the callers' symmetry with the other commands.
pub(crate) fn evaluate(report: &mut Report, args: &EvalArgs, quiet: bool) -> Result<bool> {
    evaluate_image(report, args, quiet, None)
}

/// [`evaluate`] with facts about the image that the report does not hold (its file list), for the policy.
pub(crate) fn evaluate_image(
    report: &mut Report,
    args: &EvalArgs,
    _quiet: bool,
    facts: Option<&bulwark_policy::ImageFacts>,
) -> Result<bool> {
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
    if let Some(policy) = super::verdict::Policy::from_flags(&args.policy)? {
        // bulwark_policy::evaluate_with: the function every entry point calls.
        let subject = bulwark_policy::Subject {
            image: facts,
            ..bulwark_policy::Subject::report(report)
        };
        let verdict = policy.judge(&subject);
        failed |= super::verdict::attach(report, &verdict)?;
    }
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
