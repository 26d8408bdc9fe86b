//! The report model: one [`Report`] value feeds every output format.
//!
//! The `json` format is the serde serialisation of [`Report`] itself, so this struct *is* the JSON schema
//! (`schemaVersion` is bumped on any incompatible change).
//!
//! ```
//! use bulwark_report::{Report, Target, TargetKind};
//! let r = Report::new(Target { kind: TargetKind::Filesystem, name: "repo".into(), image: None });
//! assert_eq!(r.schema_version, bulwark_report::SCHEMA_VERSION);
//!
//! // Any format renders from the same value.
//! let mut out = Vec::new();
//! bulwark_report::render(bulwark_report::Format::CycloneDx, &r, &bulwark_report::RenderOptions::default(), &mut out)?;
//! assert!(String::from_utf8(out)?.contains("\"specVersion\": \"1.6\""));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! `html` and `csv` also read `risk` and `ssvc` (set by bulwark-risk) and `owner`.
//!
//! Renderers read a few well-known keys of [`Finding::properties`](bulwark_types::Finding) to tie a finding to a
//! package and describe its fix: `purl`, `packageName` (or `pkgName`), `installedVersion`, `fixedVersion`, and
//! `cvssScore` (a number, used as SARIF `security-severity` when present).

use bulwark_types::{Diagnostic, DiagnosticLevel, Distro, Finding, LayerRef, Package};
use serde::{Deserialize, Serialize};

pub mod csv;
mod cyclonedx;
mod format;
pub mod gitlab;
pub mod html;
mod json;
mod junit;
mod layout;
mod link;
mod policyreport;
mod read;
mod sarif;
mod spdx;
mod spdx_license;
mod table;
mod util;
mod verdict;

pub use csv::render_csv;
pub use cyclonedx::render_cyclonedx;
pub use format::{DEFAULT_WIDTH, Format, MIN_WIDTH, RenderOptions, ReportError, render};
pub use gitlab::{GITLAB_SCHEMA_VERSION, GitLabReport, render_gitlab};
pub use html::render_html;
pub use json::{render_json, render_json_streamed};
pub use junit::{escape as xml_escape, escape_text as xml_escape_text, render_junit};
pub use policyreport::render_policyreport;
pub use read::{ReadError, read_report};
pub use sarif::render_sarif;
pub use spdx::render_spdx_json;
pub use table::{
    ComplianceControl, ComplianceTable, render_compliance, render_table, render_verdict,
};

/// Version of the JSON report schema.
pub const SCHEMA_VERSION: u32 = 1;

/// Everything one scan produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    /// RFC 3339 UTC time the report was created.
    pub created_at: String,
    pub target: Target,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<Distro>,
    #[serde(default)]
    pub packages: Vec<Package>,
    #[serde(default)]
    pub findings: Vec<Finding>,
    /// Problems with the input. Any `error` means the inventory cannot be trusted.
    #[serde(default)]
    pub diagnostics: Vec<Diagnostic>,
    /// The vulnerability database the findings came from, when one was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vulnerability_db: Option<VulnDbInfo>,
    /// License texts found in files of a scanned directory (`LICENSE`, `COPYING`, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub license_files: Vec<LicenseFile>,
    /// Findings the filters and exceptions left out of `findings`, counted so that a report never hides them
    /// silently. Absent when nothing was left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub omitted: Option<Omitted>,
    /// The policy verdict (`--policy`): bulwark-policy's `Verdict`, as it serialises (decision, stage, bundle
    /// name, version, digest and commit, rule results with the findings they point at, exceptions). Absent
    /// without a policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<serde_json::Value>,
    /// The check counts of a benchmark run (`bench node`, `bench host`): `{"pass", "fail", "warn", "info"}`, since
    /// its findings are only the checks that did not pass. Absent for other scans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totals: Option<serde_json::Value>,
}

/// What evaluation left out of a report (`--severity`, `--ignore-unfixed`, `--pkg-types`, VEX, ignore file).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Omitted {
    /// Dropped by the filters.
    pub filtered: usize,
    /// Suppressed by VEX statements or ignore-file entries.
    pub suppressed: usize,
    /// The filters in force, as the user gave them (`--severity HIGH,CRITICAL`, `--ignore-unfixed`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<String>,
}

/// A license file and the licenses its text holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LicenseFile {
    pub path: String,
    /// SPDX ids detected in the text, in order; empty when no known license text was recognised.
    pub licenses: Vec<String>,
}

/// Which vulnerability database a scan used, and how old it was: shown in every report that matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VulnDbInfo {
    pub path: String,
    /// RFC 3339 build time.
    pub built_at: String,
    pub age_days: u64,
    /// `name (date, N records)` per source.
    #[serde(default)]
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

/// What was scanned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    pub kind: TargetKind,
    /// The name the user gave: an image reference, a path.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageMetadata>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    Image,
    Filesystem,
    Rootfs,
    Manifests,
    Sbom,
    /// A running web app (`bulwark dast`): the name is the URL or URLs scanned.
    Url,
    /// A node or host (`bulwark bench node|host`, `bulwark probe`): the name is the node's name, or the addresses
    /// probed.
    Node,
}

/// Facts about a scanned image, from its manifest and config.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageMetadata {
    /// Digest of the image manifest, when the source has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest_digest: Option<String>,
    /// Digest of the config blob (the image id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_digest: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repo_tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    pub layers: Vec<LayerRef>,
    /// The image config's `config` object (Env, User, Labels, ExposedPorts, Healthcheck…), as stored.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub config: serde_json::Value,
}

impl Report {
    #[must_use]
    pub fn new(target: Target) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: "bulwark".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            created_at: rfc3339_now(),
            target,
            os: None,
            packages: Vec::new(),
            findings: Vec::new(),
            diagnostics: Vec::new(),
            vulnerability_db: None,
            license_files: Vec::new(),
            omitted: None,
            verdict: None,
            totals: None,
        }
    }

    /// True when a diagnostic says the inventory cannot be trusted.
    #[must_use]
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.level == DiagnosticLevel::Error)
    }
}

/// Current UTC time as RFC 3339 (`2026-11-23T18:40:05Z`). Honours `SOURCE_DATE_EPOCH` for reproducible output.
#[must_use]
pub fn rfc3339_now() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
        });
    rfc3339(secs)
}

/// Formats seconds since the Unix epoch as RFC 3339 UTC.
#[must_use]
pub fn rfc3339(secs: i64) -> String {
    bulwark_types::time::rfc3339(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_known_instants() {
        // Values from `date -u -d @N +%Y-%m-%dT%H:%M:%SZ`.
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_459_205), "2026-11-23T18:40:05Z");
    }
}
