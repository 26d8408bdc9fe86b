//! Vulnerability matching in `scan image`, `scan rootfs` and `scan sbom`, with the DB options of
//! [`DbScanArgs`](super::db::DbScanArgs).

use std::time::SystemTime;

use anyhow::{Context, Result};
use bulwark_report::{Report, VulnDbInfo};
use bulwark_types::{Diagnostic, Location};

use super::db::DbScanArgs;

/// The DB's identity as a report carries it (the re-match's verdicts build the same).
pub(crate) fn db_info(db: &bulwark_vulndb::VulnDb, path: &std::path::Path) -> VulnDbInfo {
    let meta = db.meta();
    VulnDbInfo {
        path: path.display().to_string(),
        built_at: bulwark_vulndb::time::rfc3339(meta.built_at),
        age_days: meta.age(SystemTime::now()).as_secs() / 86_400,
        sources: meta
            .sources
            .iter()
            .map(|s| {
                format!(
                    "{} ({}, {} records)",
                    s.name,
                    s.date.as_deref().unwrap_or("undated"),
                    s.records
                )
            })
            .collect(),
    }
}

/// Matches the report's packages against the DB and appends findings, diagnostics and the DB's identity. A
/// missing or stale DB is fetched first ([`DbScanArgs::auto_update`]); a failed fetch with a cached DB is a
/// warning, and no DB at all is an error-level diagnostic naming the ways to get one (the result cannot be
/// trusted), never a silent pass.
pub(crate) fn match_report(report: &mut Report, args: &DbScanArgs) -> Result<()> {
    if args.no_vulns {
        return Ok(());
    }
    let path = args.db.path();
    let fetch_error = args.auto_update().err();
    if let Some(e) = &fetch_error
        && path.exists()
    {
        // Like Trivy: a failed update with a cached DB warns and scans with what there is.
        report.diagnostics.push(Diagnostic::warning(
            format!("{e:#}; scanning with the cached vulnerability DB"),
            Location::file(path.display().to_string()),
        ));
    }
    if !path.exists() {
        let why = match (&fetch_error, args.offline, args.skip_db_update) {
            (Some(e), _, _) => format!("{e:#}"),
            (None, true, _) => "--offline: nothing is downloaded".to_owned(),
            (None, false, true) => "--skip-db-update: nothing is downloaded".to_owned(),
            (None, false, false) => "the file does not exist".to_owned(),
        };
        report.diagnostics.push(Diagnostic::error(
            format!(
                "no vulnerability database ({why}); {}; only the inventory is reported",
                super::db::ways_forward(&path)
            ),
            Location::file(path.display().to_string()),
        ));
        return Ok(());
    }
    let db = args.open()?;
    report.vulnerability_db = Some(db_info(&db, &path));
    let result = bulwark_match::match_packages(
        &db,
        &report.packages,
        report.os.as_ref(),
        &args.match_options(),
    )
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
