//! `bulwark runtime replay -f sarif|junit|policyreport|html|csv|report-json`: the alerts of a replay as findings
//! of the one report model (`bulwark_runtime::findings::alert_finding`, `FindingKind::Runtime`), rendered by the
//! same renderers as every other report, so a runtime alert lands in GitHub code scanning (SARIF), CI test
//! results (JUnit), the cluster (PolicyReport, in the alert's namespace) or a spreadsheet (CSV).

use std::io::Write;
use std::path::Path;

use anyhow::{Context as _, Result};
use bulwark_report::{Format, RenderOptions, Report, Target, TargetKind};
use bulwark_runtime::findings::{alert_finding, subject_from_fields};
use bulwark_runtime::rules::Alert;

use super::runtime_replay::AlertFormat;

impl AlertFormat {
    /// The report format behind a report-shaped alert format; `None` for the alert streams.
    pub(crate) fn report(self) -> Option<Format> {
        match self {
            Self::FalcoJson | Self::Json | Self::Table => None,
            Self::Sarif => Some(Format::Sarif),
            Self::Junit => Some(Format::Junit),
            Self::Policyreport => Some(Format::PolicyReport),
            Self::Html => Some(Format::Html),
            Self::Csv => Some(Format::Csv),
            Self::ReportJson => Some(Format::Json),
        }
    }
}

/// The report of `alerts` replayed from `input` (the capture or audit-events file is the target).
pub(crate) fn alerts_report(alerts: &[Alert], input: &Path) -> Report {
    let mut report = Report::new(Target {
        kind: TargetKind::Filesystem,
        name: input.display().to_string(),
        image: None,
    });
    report.findings = alerts
        .iter()
        .map(|a| alert_finding(a, &subject_from_fields(a)))
        .collect();
    report
}

/// Renders the alerts in `format`.
pub(crate) fn render(
    format: Format,
    alerts: &[Alert],
    input: &Path,
    out: &mut dyn Write,
) -> Result<()> {
    let report = alerts_report(alerts, input);
    bulwark_report::render(format, &report, &RenderOptions::default(), out)
        .with_context(|| format!("writing the {format} report"))
}
