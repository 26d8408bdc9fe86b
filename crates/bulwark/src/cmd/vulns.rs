//! Flags and glue for vulnerability matching in `scan image`, `scan rootfs` and `scan sbom`.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result, bail};
use bulwark_report::Report;
use bulwark_types::{Diagnostic, Location};

#[derive(Debug, clap::Args)]
pub(crate) struct VulnArgs {
    /// The vulnerability DB [default: $BULWARK_DB, else ~/.cache/bulwark/db/bulwark.db].
    #[arg(long = "db", value_name = "FILE")]
    pub(crate) db: Option<PathBuf>,
    /// Fail (exit 2) when the DB is older than this many days; by default an old DB only warns.
    #[arg(long = "db-max-age", value_name = "DAYS")]
    pub(crate) db_max_age: Option<u64>,
    /// Warn when the DB is older than this many days.
    #[arg(long = "db-warn-age", value_name = "DAYS", default_value_t = 7)]
    pub(crate) db_warn_age: u64,
    /// Explain why packages matched, or did not match, this advisory id or alias (repeatable; on stderr).
    #[arg(long, value_name = "ID")]
    pub(crate) explain: Vec<String>,
}

/// Matches the report's packages against the DB and appends findings and diagnostics. A missing DB is an
/// error-level diagnostic (the result cannot be trusted), not a silent pass.
pub(crate) fn match_report(report: &mut Report, args: &VulnArgs) -> Result<()> {
    let path = args
        .db
        .clone()
        .unwrap_or_else(bulwark_vulndb::default_db_path);
    if !path.exists() {
        report.diagnostics.push(Diagnostic::error(
            "no vulnerability database: run `bulwark db update` (or `bulwark db build` from feed files); only the inventory is reported",
            Location::file(path.display().to_string()),
        ));
        return Ok(());
    }
    let db = bulwark_vulndb::VulnDb::open(&path)?;
    let now = SystemTime::now();
    if let Some(days) = args.db_max_age {
        let age = db.meta().age(now);
        if age > Duration::from_secs(days * 86_400) {
            bail!(
                "the vulnerability database {} is {} days old, over --db-max-age {days}; run `bulwark db update`",
                path.display(),
                age.as_secs() / 86_400
            );
        }
    }
    let opts = bulwark_match::MatchOptions {
        explain: args.explain.clone(),
        warn_age: Duration::from_secs(args.db_warn_age * 86_400),
        now,
    };
    let result = bulwark_match::match_packages(&db, &report.packages, report.os.as_ref(), &opts)
        .with_context(|| format!("failed to match against {}", path.display()))?;
    for e in &result.explanations {
        let verdict = if e.affected {
            "AFFECTED"
        } else {
            "not affected"
        };
        eprintln!(
            "explain {} ({}): {} {} {} [{} {}]: {verdict}: {}",
            e.advisory,
            e.aliases.join(", "),
            e.package_type,
            e.package,
            e.installed,
            e.namespace,
            e.data_source,
            e.reason
        );
    }
    if !args.explain.is_empty() && result.explanations.is_empty() {
        eprintln!(
            "explain: no advisory {} applies to any package of this target",
            args.explain.join(", ")
        );
    }
    report.findings.extend(result.findings);
    report.diagnostics.extend(result.diagnostics);
    Ok(())
}
