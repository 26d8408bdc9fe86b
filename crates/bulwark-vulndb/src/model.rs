//! The records the DB stores: advisories (`Vuln`), per-package rules (`AffectedRecord`) and CVE enrichment.

use bulwark_types::Severity;
use bulwark_version::Scheme;
use bulwark_version::osv::Affected;
use serde::{Deserialize, Serialize};

/// What the feed says about a package and an advisory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Affected below a fixed version.
    Fixed,
    /// Affected, no fix published yet.
    Affected,
    /// Affected; the vendor will not fix it (Debian `nodsa` / ignored).
    WillNotFix,
    /// Affected; the fix is postponed.
    FixDeferred,
    /// Affected; the release is out of support.
    EndOfLife,
}

impl Status {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Fixed => "fixed",
            Status::Affected => "affected",
            Status::WillNotFix => "will-not-fix",
            Status::FixDeferred => "fix-deferred",
            Status::EndOfLife => "end-of-life",
        }
    }
}

/// A severity and where it came from (`debian`, `alpine`, `almalinux`, `ghsa`, `nvd`, `osv:cvss-v3.1`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatedSeverity {
    pub severity: Severity,
    pub source: String,
}

/// One CVSS vector from a feed, with the score the feed gave, if any.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cvss {
    /// `2.0`, `3.0`, `3.1` or `4.0`.
    pub version: String,
    pub vector: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
}

impl Cvss {
    /// A vector string from an OSV `severity[]` entry: `CVSS:3.1/AV:N/…`, `CVSS:4.0/…`, or a bare v2 vector.
    #[must_use]
    pub fn from_vector(vector: &str) -> Self {
        let version = vector
            .strip_prefix("CVSS:")
            .and_then(|rest| rest.split('/').next())
            .unwrap_or("2.0")
            .to_owned();
        Cvss {
            version,
            vector: vector.to_owned(),
            score: None,
        }
    }
}

/// One advisory (OSV record, Debian CVE entry, Alpine secfix id).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Vuln {
    pub id: String,
    /// Which feed it came from (`osv:PyPI`, `debian`, `alpine`): advisories with one id can come from several.
    pub origin: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// OSV `related` ids (AlmaLinux lists the CVEs an erratum fixes there); used for enrichment only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// The vendor's own rating for the whole advisory (GHSA `database_specific.severity`, ALSA "Important:").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<RatedSeverity>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cvss: Vec<Cvss>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
}

impl Vuln {
    /// The id, its aliases and related ids that are CVE ids: the keys of NVD, EPSS and KEV data.
    pub fn cve_ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str())
            .chain(self.aliases.iter().map(String::as_str))
            .chain(self.related.iter().map(String::as_str))
            .filter(|id| id.starts_with("CVE-"))
    }
}

/// How one package is affected by one advisory in one namespace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AffectedRecord {
    /// `debian:12`, `alpine:3.14`, `almalinux:9`, `ubuntu:22.04`, or an OSV ecosystem (`PyPI`, `npm`, `Go`).
    // The DB keeps namespace, package and id in their own indexed columns, not in the row's JSON.
    #[serde(default, skip_serializing)]
    pub namespace: String,
    /// Normalised package name ([`crate::normalize_name`]); source package for Debian and Alpine.
    #[serde(default, skip_serializing)]
    pub package: String,
    #[serde(default, skip_serializing)]
    pub vuln_id: String,
    /// [`Vuln::origin`] of the advisory.
    pub origin: String,
    pub scheme: Scheme,
    pub status: Status,
    /// For distro feeds: affected below this version. For OSV: the ranges decide and this is informational.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    /// OSV ranges and versions; `None` for distro feeds that give one fixed version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ranges: Option<Affected>,
    /// The vendor's rating for this package in this release (Debian urgency).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<RatedSeverity>,
}

/// NVD, EPSS and KEV data for one CVE.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Enrichment {
    pub cve: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nvd: Option<Cvss>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nvd_severity: Option<Severity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epss: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epss_percentile: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kev: Option<Kev>,
}

/// A CISA KEV entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kev {
    pub date_added: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ransomware: Option<String>,
}

/// A severity word from a feed (`Important`, `moderate`, `high**`) → [`Severity`].
#[must_use]
pub fn severity_word(word: &str) -> Option<Severity> {
    let w = word.trim().trim_end_matches('*').to_ascii_lowercase();
    Some(match w.as_str() {
        "unimportant" | "negligible" | "low" => Severity::Low,
        "medium" | "moderate" => Severity::Medium,
        "high" | "important" => Severity::High,
        "critical" => Severity::Critical,
        _ => return None,
    })
}

/// A CVSS base score → severity (CVSS v3/v4 qualitative scale).
#[must_use]
pub fn severity_from_score(score: f64) -> Severity {
    if score >= 9.0 {
        Severity::Critical
    } else if score >= 7.0 {
        Severity::High
    } else if score >= 4.0 {
        Severity::Medium
    } else if score > 0.0 {
        Severity::Low
    } else {
        Severity::Unknown
    }
}
