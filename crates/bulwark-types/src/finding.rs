use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::LayerRef;

/// Severity of a finding. Ordered: `Unknown < Info < Low < Medium < High < Critical`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    #[default]
    Unknown,
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "UNKNOWN",
            Self::Info => "INFO",
            Self::Low => "LOW",
            Self::Medium => "MEDIUM",
            Self::High => "HIGH",
            Self::Critical => "CRITICAL",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "unknown" => Self::Unknown,
            "info" | "negligible" => Self::Info,
            "low" => Self::Low,
            "medium" | "moderate" => Self::Medium,
            "high" | "important" => Self::High,
            "critical" => Self::Critical,
            other => {
                return Err(format!(
                    "unknown severity '{other}' (expected unknown, info, low, medium, high or critical)"
                ));
            }
        })
    }
}

/// Where something was found: a file and line, an image layer, a Kubernetes object.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    /// File path: relative to the scanned directory, or image-root-relative with a leading `/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// 1-based line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_line: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<LayerRef>,
    /// A Kubernetes object (`Deployment/default/web`) or another named resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
}

impl Location {
    #[must_use]
    pub fn file(path: impl Into<String>) -> Self {
        Self {
            path: Some(path.into()),
            ..Self::default()
        }
    }

    #[must_use]
    pub fn with_line(mut self, line: u32, column: Option<u32>) -> Self {
        self.line = Some(line);
        self.column = column;
        self
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut sep = "";
        if let Some(layer) = &self.layer {
            write!(f, "layer {}", layer.index)?;
            if let Some(d) = layer.diff_id.as_ref().or(layer.digest.as_ref()) {
                write!(f, " ({})", short_digest(d))?;
            }
            sep = ": ";
        }
        if let Some(p) = &self.path {
            write!(f, "{sep}{p}")?;
            if let Some(l) = self.line {
                write!(f, ":{l}")?;
                if let Some(c) = self.column {
                    write!(f, ":{c}")?;
                }
            }
            sep = " ";
        }
        if let Some(r) = &self.resource {
            write!(f, "{sep}[{r}]")?;
        }
        Ok(())
    }
}

/// `sha256:0123456789ab…` → `sha256:0123456789ab`.
#[must_use]
pub fn short_digest(d: &str) -> &str {
    let end = d.find(':').map_or(12, |i| i + 13).min(d.len());
    &d[..end]
}

/// What kind of check produced a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    Vulnerability,
    Misconfiguration,
    Secret,
    License,
    Malware,
    Policy,
}

/// One finding. Findings are data: a scan that finds problems succeeded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub kind: FindingKind,
    /// Stable id of the rule or advisory (`BW-K8S-0001`, `CVE-2024-3651`).
    pub id: String,
    /// Short kebab name of the rule, where there is one (`privileged-container`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub severity: Severity,
    /// One-line title.
    pub title: String,
    /// What is wrong here, specifically.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    pub location: Location,
    /// The offending value or a redacted excerpt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// Kind-specific fields (package, installed and fixed versions, framework mappings, …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, serde_json::Value>,
}

/// How bad a diagnostic is. `Error` means the result cannot be trusted: the scan exits 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DiagnosticLevel {
    Warning,
    Error,
}

/// A problem with the input (not a finding): an unreadable file, a hostile tar entry, a skipped large file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnostic {
    pub level: DiagnosticLevel,
    pub message: String,
    #[serde(default)]
    pub location: Location,
}

impl Diagnostic {
    #[must_use]
    pub fn warning(message: impl Into<String>, location: Location) -> Self {
        Self {
            level: DiagnosticLevel::Warning,
            message: message.into(),
            location,
        }
    }

    #[must_use]
    pub fn error(message: impl Into<String>, location: Location) -> Self {
        Self {
            level: DiagnosticLevel::Error,
            message: message.into(),
            location,
        }
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let level = match self.level {
            DiagnosticLevel::Warning => "warning",
            DiagnosticLevel::Error => "error",
        };
        // Shown on terminals: the input's control characters are made visible, never interpreted.
        let loc = self.location.to_string();
        let message = crate::escape_control(&self.message);
        if loc.is_empty() {
            write!(f, "{level}: {message}")
        } else {
            write!(f, "{level}: {}: {message}", crate::escape_control(&loc))
        }
    }
}
