//! The verdict model: what every entry point (CLI scan, `policy eval`, admission, rescan) returns and compares
//! byte for byte. Serialised camelCase; every list sorted; no time in it but the evaluation time the caller
//! gives.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Where in the lifecycle a subject is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Build,
    Release,
    Deploy,
    Runtime,
}

impl Stage {
    pub const ALL: [Stage; 4] = [Stage::Build, Stage::Release, Stage::Deploy, Stage::Runtime];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Build => "build",
            Stage::Release => "release",
            Stage::Deploy => "deploy",
            Stage::Runtime => "runtime",
        }
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Stage {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Stage::ALL
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!("unknown stage '{s}' (expected build, release, deploy or runtime)")
            })
    }
}

/// What a rule does at a stage when it is violated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Recorded only.
    Info,
    /// Reported; the decision becomes `warn` at most.
    Warn,
    /// The decision is `fail` (exit code 1).
    Fail,
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Action::Info => "info",
            Action::Warn => "warn",
            Action::Fail => "fail",
        })
    }
}

impl std::str::FromStr for Action {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "info" | "audit" => Ok(Action::Info),
            "warn" | "warning" => Ok(Action::Warn),
            "fail" | "deny" | "stop" => Ok(Action::Fail),
            _ => Err(format!(
                "unknown action '{s}' (expected fail, warn or info)"
            )),
        }
    }
}

/// The overall decision. Ordered: `Pass < Warn < Fail`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    #[default]
    Pass,
    Warn,
    Fail,
}

/// What one rule (a lifecycle rule, or a policy of a CEL/Rego engine) concluded about the subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Evaluated; nothing violated it (or every violation was excepted).
    Pass,
    /// Violated: `hits` says by what.
    Fail,
    /// Not evaluated, with the reason (`skipReason`): not at this stage, not mapped, a datum missing.
    Skip,
    /// The evaluation failed (`message`): counts as a violation at the rule's action (fail closed).
    Error,
}

/// What a violation points at: a finding (by id and where), a package, or an object field. The texts are
/// shared (`Arc<str>`): one finding selected by many rules is one set of strings.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Hit {
    /// Finding id (`CVE-2024-1234`, `BW-IMG-0001`, `aws-access-key-id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding_id: Option<Arc<str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<Arc<str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<Arc<str>>,
    /// File path (image-root-relative with a leading `/`, or relative to a scanned directory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<Arc<str>>,
    /// Kubernetes object `Kind/namespace/name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<Arc<str>>,
    /// A field of the subject (`image.config.User`, `spec.containers[0].image`, `signatures`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<Arc<str>>,
    /// What is wrong, in one line.
    pub message: Arc<str>,
}

/// One rule's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleResult {
    /// Rule id (lifecycle rule id, policy name, constraint name).
    pub rule: String,
    /// `lifecycle`, or the engine that produced it (`cel`, `rego`).
    pub engine: String,
    /// The policy set (lifecycle) or file the rule came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_set: Option<String>,
    /// Bundle-relative file and line of the rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The action at the evaluated stage.
    pub action: Action,
    pub outcome: Outcome,
    /// Why the rule was skipped, or the error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// What violated the rule, after exceptions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hits: Vec<Hit>,
    /// Violations an exception accepted, each with the exception's id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excepted: Vec<ExceptedHit>,
}

/// A violation that an exception accepted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExceptedHit {
    pub exception: String,
    #[serde(flatten)]
    pub hit: Hit,
}

/// An exception that accepted something, or that expired.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExceptionRecord {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    pub owner: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    pub reason: String,
    /// Bundle-relative `file:line`.
    pub source: String,
    /// How many violations it accepted (applied), or would have accepted had it not expired (expired).
    pub matched: usize,
}

/// The exceptions that applied, and those past their expiry (which no longer apply).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Exceptions {
    pub applied: Vec<ExceptionRecord>,
    pub expired: Vec<ExceptionRecord>,
}

/// Which bundle decided.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleInfo {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `sha256:` over the canonical file listing (see the crate README).
    pub digest: String,
    /// Git commit, when the bundle came from a git repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// For a bundle from a registry or an HTTPS URL: the OCI manifest digest, or the sha256 of the `.tar.gz`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact: Option<String>,
    /// Set only when `--policy-offline-ok` used the last good cached copy because the source could not be
    /// reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offline: Option<Offline>,
}

/// Why a cached bundle was used instead of a fresh one.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Offline {
    /// When the cached copy was fetched and verified (RFC 3339, UTC).
    pub fetched_at: String,
    /// Why the source could not be reached.
    pub reason: String,
}

/// The vulnerability database the report was matched with.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DbInfo {
    pub built_at: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
}

/// What was judged.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubjectInfo {
    /// `image`, `filesystem`, `rootfs`, `manifests`, `sbom` or `kubernetes-object`.
    pub kind: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// The result of [`crate::evaluate`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    pub decision: Decision,
    pub stage: Stage,
    /// The `now` the caller passed (RFC 3339).
    pub evaluated_at: String,
    pub bundle: BundleInfo,
    pub subject: SubjectInfo,
    /// The policy sets that applied (from the mappings), sorted.
    pub policy_sets: Vec<String>,
    /// Sorted by engine, policy set, rule.
    pub results: Vec<RuleResult>,
    pub exceptions: Exceptions,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db: Option<DbInfo>,
    /// What this evaluation could not do (`needs a live cluster`, a datum missing from the findings).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Verdict {
    /// The canonical JSON text: the form two entry points compare byte for byte.
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Results that failed or erred at a `fail` action.
    pub fn failures(&self) -> impl Iterator<Item = &RuleResult> {
        self.results.iter().filter(|r| {
            r.action == Action::Fail && matches!(r.outcome, Outcome::Fail | Outcome::Error)
        })
    }
}

impl std::fmt::Display for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Decision::Pass => "pass",
            Decision::Warn => "warn",
            Decision::Fail => "fail",
        })
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Skip => "skip",
            Outcome::Error => "error",
        })
    }
}
