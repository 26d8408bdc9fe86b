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
/// `sarif`, `junit`) and a few common aliases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Table,
    Json,
    CycloneDx,
    SpdxJson,
    Sarif,
    Junit,
}

impl Format {
    /// Every format, in the order `--help` should list them.
    pub const ALL: [Format; 6] = [
        Self::Table,
        Self::Json,
        Self::CycloneDx,
        Self::SpdxJson,
        Self::Sarif,
        Self::Junit,
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
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// ANSI colours in the table output. The caller decides (tty, `NO_COLOR`, `--color`); renderers never guess.
    pub color: bool,
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
        assert!("html".parse::<Format>().unwrap_err().contains("spdx-json"));
    }
}
