//! Attestation predicates: cosign's vulnerability scan record, CycloneDX and SPDX SBOMs, and Bulwark's own
//! verdict predicate (documented in `docs/verdict-predicate.md`, schema in `docs/verdict-predicate.schema.json`).
//!
//! The verdict predicate has its own serde types on purpose: `bulwark-policy` may depend on this crate, never
//! the other way round. Its field names follow `bulwark-policy`'s `Verdict` and `bulwark-report`'s `Report` one
//! to one, so that filling it is a field-by-field copy.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::intoto::Statement;

/// cosign's vulnerability scan predicate (`specs/COSIGN_VULN_ATTESTATION_SPEC.md`).
pub const VULN_V1: &str = "https://cosign.sigstore.dev/attestation/vuln/v1";
/// A CycloneDX SBOM (cosign `attest --type cyclonedx`).
pub const CYCLONEDX: &str = "https://cyclonedx.org/bom";
/// An SPDX SBOM (cosign `attest --type spdxjson`).
pub const SPDX: &str = "https://spdx.dev/Document";
/// Bulwark's verdict predicate.
pub const VERDICT_V1: &str = "https://bulwark.dev/attestation/verdict/v1";

/// The predicates `bulwark attest --type` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PredicateKind {
    Vuln,
    CycloneDx,
    Spdx,
    Verdict,
}

impl PredicateKind {
    pub const ALL: [Self; 4] = [Self::Vuln, Self::CycloneDx, Self::Spdx, Self::Verdict];

    /// The `--type` name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Vuln => "vuln",
            Self::CycloneDx => "cyclonedx",
            Self::Spdx => "spdx",
            Self::Verdict => "verdict",
        }
    }

    /// The statement's `predicateType`.
    #[must_use]
    pub fn predicate_type(self) -> &'static str {
        match self {
            Self::Vuln => VULN_V1,
            Self::CycloneDx => CYCLONEDX,
            Self::Spdx => SPDX,
            Self::Verdict => VERDICT_V1,
        }
    }

    /// From a `--type` name (`spdxjson`, cosign's name, is accepted too) or a predicate type URI.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "vuln" | VULN_V1 => Some(Self::Vuln),
            "cyclonedx" | CYCLONEDX => Some(Self::CycloneDx),
            "spdx" | "spdxjson" | SPDX => Some(Self::Spdx),
            "verdict" | VERDICT_V1 => Some(Self::Verdict),
            _ => None,
        }
    }
}

/// Why a predicate was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PredicateError {
    #[error("{kind} predicate is not valid: {reason}")]
    Invalid { kind: &'static str, reason: String },
}

fn invalid(kind: &'static str, reason: impl Into<String>) -> PredicateError {
    PredicateError::Invalid {
        kind,
        reason: reason.into(),
    }
}

// ---------------------------------------------------------------- cosign vuln

/// cosign's vulnerability scan record (the field names of cosign's `CosignVulnPredicate`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VulnPredicate {
    pub invocation: Invocation,
    pub scanner: VulnScanner,
    pub metadata: VulnMetadata,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Invocation {
    /// The scanner's arguments (cosign: any JSON; usually a list of strings).
    #[serde(default)]
    pub parameters: serde_json::Value,
    #[serde(default)]
    pub uri: String,
    #[serde(default)]
    pub event_id: String,
    #[serde(rename = "builder.id", default)]
    pub builder_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VulnScanner {
    /// The scanner's identity, e.g. `pkg:generic/bulwark@0.1.0`.
    #[serde(default)]
    pub uri: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub db: VulnDb,
    /// The scan result as a whole (Bulwark's JSON report).
    #[serde(default)]
    pub result: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct VulnDb {
    #[serde(default)]
    pub uri: String,
    #[serde(default)]
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VulnMetadata {
    /// RFC 3339.
    pub scan_started_on: String,
    /// RFC 3339.
    pub scan_finished_on: String,
}

impl VulnPredicate {
    #[must_use]
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    /// Reads a vuln predicate; the timestamps must be RFC 3339.
    pub fn from_value(v: &serde_json::Value) -> Result<Self, PredicateError> {
        let p: Self =
            serde_json::from_value(v.clone()).map_err(|e| invalid("vuln", e.to_string()))?;
        for (name, t) in [
            ("metadata.scanStartedOn", &p.metadata.scan_started_on),
            ("metadata.scanFinishedOn", &p.metadata.scan_finished_on),
        ] {
            if bulwark_types::time::parse_rfc3339(t).is_none() {
                return Err(invalid(
                    "vuln",
                    format!("{name} {t:?} is not an RFC 3339 time"),
                ));
            }
        }
        Ok(p)
    }
}

// ---------------------------------------------------------------- SBOMs

/// Checks that `document` is a CycloneDX (`bomFormat: CycloneDX`) or SPDX (`spdxVersion: SPDX-…`) JSON document
/// and returns it as the predicate: cosign puts the SBOM itself there, unchanged.
pub fn sbom_predicate(
    kind: PredicateKind,
    document: serde_json::Value,
) -> Result<serde_json::Value, PredicateError> {
    let field = |k: &str| document.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    match kind {
        PredicateKind::CycloneDx => match field("bomFormat").as_deref() {
            Some("CycloneDX") => Ok(document),
            other => Err(invalid(
                "cyclonedx",
                format!(
                    "bomFormat is {other:?}, expected \"CycloneDX\" (a CycloneDX JSON document)"
                ),
            )),
        },
        PredicateKind::Spdx => match field("spdxVersion") {
            Some(v) if v.starts_with("SPDX-") => Ok(document),
            other => Err(invalid(
                "spdx",
                format!("spdxVersion is {other:?}, expected \"SPDX-2.x\" (an SPDX JSON document)"),
            )),
        },
        _ => Err(invalid(kind.name(), "not an SBOM predicate type")),
    }
}

// ---------------------------------------------------------------- verdict

/// Bulwark's verdict predicate: why an image was approved (or not).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerdictPredicate {
    /// Report `tool`.
    pub scanner: ScannerInfo,
    /// Verdict `subject` (and Report `target`).
    pub subject: SubjectInfo,
    pub scan: ScanSummary,
    /// Report `vulnerabilityDb` / Verdict `db`; absent when no DB was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db: Option<DbInfo>,
    /// Verdict `bundle`.
    pub bundle: BundleInfo,
    pub verdict: VerdictInfo,
    /// When the attestation was made (RFC 3339 UTC).
    pub time: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScannerInfo {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectInfo {
    /// `image` for attestations.
    pub kind: String,
    /// The image reference the user gave.
    pub name: String,
    /// The manifest digest (`sha256:<hex>`).
    pub digest: String,
}

/// Counts from the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScanSummary {
    /// Report `createdAt`.
    pub created_at: String,
    /// Number of packages.
    pub packages: u64,
    /// Number of findings (after filters and exceptions, as in the report).
    pub findings: u64,
    /// Findings per severity, keyed by `CRITICAL`, `HIGH`, `MEDIUM`, `LOW`, `INFO`, `UNKNOWN` (absent = 0).
    pub severities: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DbInfo {
    /// RFC 3339 build time.
    pub built_at: String,
    /// The DB's schema version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<u32>,
    /// `name (date, N records)` per source, as the report lists them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BundleInfo {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `sha256:` over the bundle's canonical file listing.
    pub digest: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The OCI manifest digest or archive sha256 the bundle was pulled as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact: Option<String>,
}

/// `pass`, `warn` or `fail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Pass,
    Warn,
    Fail,
}

impl Decision {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Warn => "warn",
            Self::Fail => "fail",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerdictInfo {
    pub decision: Decision,
    /// `build`, `release`, `deploy` or `runtime`.
    pub stage: String,
    /// RFC 3339.
    pub evaluated_at: String,
    /// The rules that decided: those that failed or warned (Verdict `results` with outcome `fail` or `error`).
    #[serde(default)]
    pub rules: Vec<RuleInfo>,
    /// The exceptions that applied (Verdict `exceptions.applied`).
    #[serde(default)]
    pub exceptions: Vec<ExceptionInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuleInfo {
    pub rule: String,
    /// `lifecycle`, `cel` or `rego`.
    pub engine: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_set: Option<String>,
    /// `fail`, `warn` or `info`.
    pub action: String,
    /// `fail` or `error`.
    pub outcome: String,
    /// The finding ids the rule's hits point at (`CVE-2024-1234`, `BW-IMG-0001`).
    #[serde(default)]
    pub finding_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExceptionInfo {
    pub id: String,
    /// As written in the bundle (`2026-12-31` or RFC 3339); absent = never expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    pub owner: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    pub reason: String,
    /// How many violations it accepted.
    pub matched: u64,
}

const SEVERITIES: [&str; 6] = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO", "UNKNOWN"];
const STAGES: [&str; 4] = ["build", "release", "deploy", "runtime"];
const ACTIONS: [&str; 3] = ["fail", "warn", "info"];
const OUTCOMES: [&str; 4] = ["pass", "fail", "skip", "error"];

impl VerdictPredicate {
    #[must_use]
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    /// Reads and checks a verdict predicate: known fields only, RFC 3339 times, a `sha256:` subject digest, a
    /// known stage and severity names.
    pub fn from_value(v: &serde_json::Value) -> Result<Self, PredicateError> {
        let p: Self =
            serde_json::from_value(v.clone()).map_err(|e| invalid("verdict", e.to_string()))?;
        p.check()?;
        Ok(p)
    }

    /// Reads the verdict predicate of a statement, checking its predicate type.
    pub fn from_statement(s: &Statement) -> Result<Self, PredicateError> {
        if s.predicate_type != VERDICT_V1 {
            return Err(invalid(
                "verdict",
                format!(
                    "predicateType is {:?}, expected {VERDICT_V1:?}",
                    s.predicate_type
                ),
            ));
        }
        Self::from_value(&s.predicate)
    }

    fn check(&self) -> Result<(), PredicateError> {
        for (name, t) in [
            ("time", &self.time),
            ("scan.createdAt", &self.scan.created_at),
            ("verdict.evaluatedAt", &self.verdict.evaluated_at),
        ]
        .into_iter()
        .chain(self.db.as_ref().map(|d| ("db.builtAt", &d.built_at)))
        {
            if bulwark_types::time::parse_rfc3339(t).is_none() {
                return Err(invalid(
                    "verdict",
                    format!("{name} {t:?} is not an RFC 3339 time"),
                ));
            }
        }
        let d = &self.subject.digest;
        if !d.strip_prefix("sha256:").is_some_and(|h| {
            h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        }) {
            return Err(invalid(
                "verdict",
                format!("subject.digest {d:?} is not sha256:<64 hex>"),
            ));
        }
        if !STAGES.contains(&self.verdict.stage.as_str()) {
            return Err(invalid(
                "verdict",
                format!(
                    "verdict.stage {:?} is not one of {STAGES:?}",
                    self.verdict.stage
                ),
            ));
        }
        for r in &self.verdict.rules {
            if !ACTIONS.contains(&r.action.as_str()) || !OUTCOMES.contains(&r.outcome.as_str()) {
                return Err(invalid(
                    "verdict",
                    format!(
                        "rule {:?} has action {:?} and outcome {:?}; expected one of {ACTIONS:?} and {OUTCOMES:?}",
                        r.rule, r.action, r.outcome
                    ),
                ));
            }
        }
        if let Some(k) = self
            .scan
            .severities
            .keys()
            .find(|k| !SEVERITIES.contains(&k.as_str()))
        {
            return Err(invalid(
                "verdict",
                format!("scan.severities has {k:?}, not one of {SEVERITIES:?}"),
            ));
        }
        Ok(())
    }

    /// The attestation time as Unix seconds.
    #[must_use]
    pub fn time_unix(&self) -> Option<i64> {
        bulwark_types::time::parse_rfc3339(&self.time)
    }

    /// The DB build time as Unix seconds.
    #[must_use]
    pub fn db_built_unix(&self) -> Option<i64> {
        self.db
            .as_ref()
            .and_then(|d| bulwark_types::time::parse_rfc3339(&d.built_at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in PredicateKind::ALL {
            assert_eq!(PredicateKind::parse(k.name()), Some(k));
            assert_eq!(PredicateKind::parse(k.predicate_type()), Some(k));
        }
        assert_eq!(PredicateKind::parse("spdxjson"), Some(PredicateKind::Spdx));
        assert_eq!(PredicateKind::parse("slsaprovenance"), None);
    }

    #[test]
    fn vuln_predicate_has_cosigns_field_names() {
        let v = serde_json::json!({
            "invocation": {"parameters": ["--format=json"], "uri": "u", "event_id": "1", "builder.id": "ci"},
            "scanner": {"uri": "pkg:generic/bulwark@0.1.0", "version": "0.1.0",
                        "db": {"uri": "u", "version": "1"}, "result": {"findings": []}},
            "metadata": {"scanStartedOn": "2026-12-06T15:45:00Z", "scanFinishedOn": "2026-12-06T15:45:01Z"}
        });
        let p = VulnPredicate::from_value(&v).unwrap();
        assert_eq!(p.to_value(), v);
        let mut bad = v.clone();
        bad["metadata"]["scanStartedOn"] = "yesterday".into();
        assert!(
            VulnPredicate::from_value(&bad)
                .unwrap_err()
                .to_string()
                .contains("scanStartedOn")
        );
    }

    #[test]
    fn sbom_predicates_check_the_document_kind() {
        let cdx = serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.5"});
        let spdx = serde_json::json!({"spdxVersion": "SPDX-2.3"});
        assert!(sbom_predicate(PredicateKind::CycloneDx, cdx.clone()).is_ok());
        assert!(sbom_predicate(PredicateKind::Spdx, spdx.clone()).is_ok());
        assert!(sbom_predicate(PredicateKind::CycloneDx, spdx).is_err());
        assert!(sbom_predicate(PredicateKind::Spdx, cdx).is_err());
    }
}
