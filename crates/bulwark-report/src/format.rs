//! The output formats and the dispatcher that picks a renderer.

use std::io::Write;

use crate::Report;

/// What went wrong while rendering: the report itself always renders, so only the writer or JSON encoding can fail.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("failed to write the report")]
    Io(#[from] std::io::Error),
    #[error("failed to encode the report as JSON")]
    Json(#[from] serde_json::Error),
}

/// An output format. `FromStr` accepts the names `Display` prints (`json`, `table`, `cyclonedx`, `spdx-json`,
/// `sarif`, `junit`, `policyreport`, `html`, `csv`, `gitlab-cs`, `gitlab-ds`) and a few common aliases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Table,
    Json,
    CycloneDx,
    SpdxJson,
    Sarif,
    Junit,
    /// `wgpolicyk8s.io/v1alpha2` `PolicyReport`s and a `ClusterPolicyReport`, as YAML for `kubectl apply -f`.
    PolicyReport,
    /// One self-contained HTML page, for people to read, print or file.
    Html,
    /// One row per finding, RFC 4180 with CRLF line ends, formula injection neutralised.
    Csv,
    /// GitLab's container-scanning security report (schema 15.1.0), for `artifacts: reports: container_scanning`.
    GitlabContainerScanning,
    /// GitLab's dependency-scanning security report (schema 15.1.0), for `artifacts: reports: dependency_scanning`.
    GitlabDependencyScanning,
}

impl Format {
    /// Every format, in the order `--help` should list them.
    pub const ALL: [Format; 11] = [
        Self::Table,
        Self::Json,
        Self::CycloneDx,
        Self::SpdxJson,
        Self::Sarif,
        Self::Junit,
        Self::PolicyReport,
        Self::Html,
        Self::Csv,
        Self::GitlabContainerScanning,
        Self::GitlabDependencyScanning,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Table => "table",
            Self::Json => "json",
            Self::CycloneDx => "cyclonedx",
            Self::SpdxJson => "spdx-json",
            Self::Sarif => "sarif",
            Self::Junit => "junit",
            Self::PolicyReport => "policyreport",
            Self::Html => "html",
            Self::Csv => "csv",
            Self::GitlabContainerScanning => "gitlab-cs",
            Self::GitlabDependencyScanning => "gitlab-ds",
        }
    }

    /// The usual file extension for the format, for `--output-dir` style callers.
    #[must_use]
    pub fn file_extension(self) -> &'static str {
        match self {
            Self::Table => "txt",
            Self::Json => "json",
            Self::CycloneDx => "cdx.json",
            Self::SpdxJson => "spdx.json",
            Self::Sarif => "sarif",
            Self::Junit => "junit.xml",
            Self::PolicyReport => "policyreport.yaml",
            Self::Html => "html",
            Self::Csv => "csv",
            Self::GitlabContainerScanning => "gl-container-scanning-report.json",
            Self::GitlabDependencyScanning => "gl-dependency-scanning-report.json",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "table" => Self::Table,
            "json" => Self::Json,
            "cyclonedx" | "cyclonedx-json" | "cdx" => Self::CycloneDx,
            "spdx-json" | "spdx" => Self::SpdxJson,
            "sarif" => Self::Sarif,
            "junit" | "junit-xml" => Self::Junit,
            "policyreport" | "policy-report" => Self::PolicyReport,
            "html" => Self::Html,
            "csv" => Self::Csv,
            "gitlab-cs" | "gitlab-container-scanning" => Self::GitlabContainerScanning,
            "gitlab-ds" | "gitlab-dependency-scanning" => Self::GitlabDependencyScanning,
            other => {
                let names: Vec<&str> = Self::ALL.iter().map(|f| f.as_str()).collect();
                return Err(format!(
                    "unknown format '{other}' (expected one of {})",
                    names.join(", ")
                ));
            }
        })
    }
}

/// Options that only some formats use; the defaults suit a file or a pipe.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// ANSI colours in the table output. The caller decides (tty, `NO_COLOR`, `--color`); renderers never guess.
    pub color: bool,
    /// Display columns the table output must fit in (see [`RenderOptions::for_output`]).
    pub width: usize,
    /// The table lists every package (`bulwark sbom -f table`) instead of the findings.
    pub inventory: bool,
}

/// Table width when neither `COLUMNS` nor a terminal says otherwise (a file, a pipe, CI logs): wide enough for
/// full titles, as `kubectl` and trivy do not wrap for pipes either, yet bounded so that lines stay readable.
pub const DEFAULT_WIDTH: usize = 160;

/// Narrower than this, a table cannot show its identifiers: `COLUMNS` below it is raised to it.
pub const MIN_WIDTH: usize = 40;

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            color: false,
            width: DEFAULT_WIDTH,
            inventory: false,
        }
    }
}

impl RenderOptions {
    /// Options for a report written to stdout (`to_stdout`) or to a file: colour only on a terminal and without
    /// `NO_COLOR` (<https://no-color.org>: any non-empty value); width from `COLUMNS` when set to a number, else
    /// the terminal's width when stdout is one, else [`DEFAULT_WIDTH`].
    #[must_use]
    pub fn for_output(to_stdout: bool) -> Self {
        use std::io::IsTerminal;
        let tty = to_stdout && std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let columns = std::env::var("COLUMNS").ok();
        let terminal = || {
            tty.then(|| terminal_size::terminal_size_of(std::io::stdout()))
                .flatten()
                .map(|(w, _)| usize::from(w.0))
        };
        Self {
            color: tty && !no_color,
            width: choose_width(columns.as_deref(), terminal),
            inventory: false,
        }
    }
}

/// `COLUMNS` when it is a positive number, else the terminal's width, else [`DEFAULT_WIDTH`]; never below
/// [`MIN_WIDTH`].
fn choose_width(columns: Option<&str>, terminal: impl FnOnce() -> Option<usize>) -> usize {
    columns
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
        .or_else(terminal)
        .filter(|&c| c > 0)
        .unwrap_or(DEFAULT_WIDTH)
        .max(MIN_WIDTH)
}

/// Renders `report` in `format` to `w`.
pub fn render(
    format: Format,
    report: &Report,
    options: &RenderOptions,
    w: &mut dyn Write,
) -> Result<(), ReportError> {
    match format {
        Format::Json => crate::render_json(report, w),
        Format::CycloneDx => crate::render_cyclonedx(report, w),
        Format::SpdxJson => crate::render_spdx_json(report, w),
        Format::Table => crate::render_table(report, options, w),
        Format::Sarif => crate::render_sarif(report, w),
        Format::Junit => crate::render_junit(report, w),
        Format::PolicyReport => crate::render_policyreport(report, w),
        Format::Html => crate::html::render_html(report, w),
        Format::Csv => crate::csv::render_csv(report, w),
        Format::GitlabContainerScanning => {
            crate::gitlab::render_gitlab(report, crate::GitLabReport::ContainerScanning, w)
        }
        Format::GitlabDependencyScanning => {
            crate::gitlab::render_gitlab(report, crate::GitLabReport::DependencyScanning, w)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.to_string().parse::<Format>(), Ok(f));
        }
        assert_eq!("CycloneDX".parse::<Format>(), Ok(Format::CycloneDx));
        assert!("pdf".parse::<Format>().unwrap_err().contains("spdx-json"));
        assert_eq!(
            "gitlab-container-scanning".parse::<Format>(),
            Ok(Format::GitlabContainerScanning)
        );
        assert!("pdf".parse::<Format>().unwrap_err().contains("gitlab-ds"));
    }

    #[test]
    fn width_prefers_columns_then_terminal() {
        assert_eq!(choose_width(Some("80"), || Some(100)), 80);
        assert_eq!(choose_width(Some(" 200 "), || None), 200);
        assert_eq!(choose_width(Some("wide"), || Some(100)), 100);
        assert_eq!(choose_width(Some("0"), || None), DEFAULT_WIDTH);
        assert_eq!(choose_width(None, || None), DEFAULT_WIDTH);
        assert_eq!(choose_width(Some("10"), || None), MIN_WIDTH);
    }
}
