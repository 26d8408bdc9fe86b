//! The values the store takes and gives back. Times are UTC seconds since the Unix epoch (`i64`).

use bulwark_types::Severity;
use serde::{Deserialize, Serialize};

/// A package of an image, as stored in `packages` (one row each).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageRow {
    pub name: String,
    pub version: String,
    /// `bulwark_types::PackageType::as_str()` (`dpkg`, `rpm`, `python`…).
    pub package_type: String,
    pub ecosystem: Option<String>,
    pub purl: String,
    pub layer_index: Option<i64>,
    pub layer_digest: Option<String>,
    pub layer_created_by: Option<String>,
}

impl From<&bulwark_types::Package> for PackageRow {
    fn from(p: &bulwark_types::Package) -> Self {
        Self {
            name: p.name.clone(),
            version: p.version.clone(),
            package_type: p.package_type.as_str().to_owned(),
            ecosystem: p.ecosystem.clone(),
            purl: p.purl.clone(),
            layer_index: p.layer.as_ref().map(|l| l.index as i64),
            layer_digest: p
                .layer
                .as_ref()
                .and_then(|l| l.digest.as_deref().map(str::to_owned)),
            layer_created_by: p
                .layer
                .as_ref()
                .and_then(|l| l.created_by.as_deref().map(str::to_owned)),
        }
    }
}

/// A stored image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    pub digest: String,
    /// References seen for it (`repo:tag`), sorted.
    pub references: Vec<String>,
    pub package_count: i64,
    /// Whether an SBOM is stored (read it with `Store::sbom`).
    pub has_sbom: bool,
    /// The DB version its findings were last applied from.
    pub db_version: Option<String>,
    pub matched_at: Option<i64>,
    pub first_seen: i64,
    pub last_seen: i64,
}

/// One match of a vulnerability on a package of an image, as the matcher gives it to `apply_findings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingRow {
    pub vuln_id: String,
    pub purl: String,
    pub package_name: String,
    pub package_version: String,
    pub severity: Severity,
    pub fixed_version: Option<String>,
    pub layer_index: Option<i64>,
    pub layer_digest: Option<String>,
    pub layer_created_by: Option<String>,
    /// Owner team and the routing rule that chose it; `None` keeps what is stored.
    pub owner_team: Option<String>,
    pub owner_rule: Option<String>,
    /// What the match said beyond the row, as a JSON object (title, CVSS, EPSS, KEV, CWEs: the inputs of risk
    /// in context); `None` keeps what is stored.
    pub details: Option<String>,
}

/// A stored finding: one episode of a (digest, vulnerability, purl) being open. A finding fixed and later seen
/// again is a new episode (a new id, a new `first_seen`), so its history stays readable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub id: i64,
    pub digest: String,
    pub vuln_id: String,
    pub purl: String,
    pub package_name: String,
    pub package_version: String,
    pub severity: Severity,
    pub fixed_version: Option<String>,
    pub layer_index: Option<i64>,
    pub layer_digest: Option<String>,
    pub layer_created_by: Option<String>,
    pub first_seen: i64,
    pub last_seen: i64,
    /// `None` while open.
    pub fixed_at: Option<i64>,
    /// The DB version that first found it.
    pub db_version: String,
    /// The DB version that no longer found it.
    pub fixed_db_version: Option<String>,
    pub owner_team: Option<String>,
    pub owner_rule: Option<String>,
}

/// What `apply_findings` changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diff {
    /// Findings opened by this call (first seen now, including ones that reappeared after a fix).
    pub new: Vec<Finding>,
    /// Findings closed by this call (`fixed_at` = now).
    pub fixed: Vec<Finding>,
    /// How many were open before and still are.
    pub still_open: usize,
}

/// Where a digest runs. The key is (cluster, namespace, workload_kind, workload_name, container).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    pub cluster: String,
    pub environment: Option<String>,
    pub namespace: String,
    pub workload_kind: String,
    pub workload_name: String,
    pub container: String,
    pub digest: String,
    pub image_ref: Option<String>,
}

/// A stored placement with its times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacementRecord {
    pub id: i64,
    #[serde(flatten)]
    pub placement: Placement,
    /// When this digest started running there (reset when the workload moves to another digest).
    pub first_seen: i64,
    pub last_seen: i64,
    pub removed_at: Option<i64>,
}

/// Which placements to list; `None` fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlacementFilter {
    pub cluster: Option<String>,
    pub environment: Option<String>,
    pub namespace: Option<String>,
    pub digest: Option<String>,
    /// Also list removed placements.
    pub include_removed: bool,
}

/// A policy verdict on a digest (and optionally on one workload running it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerdictRecord {
    pub digest: String,
    /// `kind/namespace/name` (or any key the caller picks); `None` for the image alone.
    pub workload: Option<String>,
    pub decision: String,
    pub bundle_name: Option<String>,
    pub bundle_version: Option<String>,
    pub bundle_digest: Option<String>,
    pub db_version: Option<String>,
    /// The verdict as JSON, stored as given.
    pub verdict_json: String,
    pub created_at: i64,
}

/// A notification's delivery state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NotificationState {
    Pending,
    Delivering,
    Delivered,
    Failed,
}

impl NotificationState {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivering => "delivering",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }
    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => Self::Pending,
            "delivering" => Self::Delivering,
            "delivered" => Self::Delivered,
            "failed" => Self::Failed,
            _ => return None,
        })
    }
}

/// A queued notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub id: i64,
    pub team: String,
    pub channel: String,
    pub dedupe_key: String,
    /// The payload as stored (JSON by convention).
    pub payload: String,
    pub state: NotificationState,
    /// Claims so far, this one included.
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub lease_owner: Option<String>,
    pub lease_until: Option<i64>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
    pub last_error: Option<String>,
}

/// A re-matching job: match the stored SBOM of `digest` against DB `db_version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    pub id: i64,
    pub db_version: String,
    pub digest: String,
    /// Claims so far, this one included (more than 1: an earlier worker's lease expired).
    pub attempts: i64,
    pub lease_until: i64,
}

/// How a DB version's re-matching was planned ([`crate::Store::plan_cycle`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CyclePlan {
    pub db_version: String,
    /// The DB's build time: decides which of two versions is newer.
    pub built_at: i64,
    /// `incremental` (some images carried, or matched because the delta touches them) or `full`.
    pub mode: String,
    /// Digests to re-match, as jobs.
    pub jobs: Vec<String>,
    /// Digests whose findings carry forward unchanged: `(digest, the DB version they were last matched
    /// against)`; carried only if still at that version.
    pub carried: Vec<(String, String)>,
    /// The new DB's digest (`bulwark_vulndb::DbDigest::to_bytes`), kept for the next delta.
    pub digest: Option<Vec<u8>>,
}

/// A planned cycle.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cycle {
    pub db_version: String,
    pub built_at: i64,
    pub mode: String,
    pub matched: i64,
    pub carried: i64,
    /// The newer version that superseded this one before it completed (its pending jobs were deleted and it
    /// is never notified; its recorded changes are notified with the newer version's).
    pub superseded_by: Option<String>,
}

/// Jobs of one DB version by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobCounts {
    pub pending: i64,
    pub running: i64,
    pub done: i64,
    pub failed: i64,
}

/// The filters of `bulwark get cve`. `None` fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CveQuery {
    pub environment: Option<String>,
    pub namespace: Option<String>,
    pub cluster: Option<String>,
    /// An image reference (`repo:tag`, as recorded) or a digest.
    pub image: Option<String>,
    pub min_severity: Option<Severity>,
    /// Only findings first seen at or after this time.
    pub new_since: Option<i64>,
    /// Only findings routed to this team.
    pub owner_team: Option<String>,
    /// Also list fixed findings (default: open only).
    pub include_fixed: bool,
    /// Findings first seen at or after this time get `is_new` (defaults to `new_since`).
    pub mark_new_since: Option<i64>,
}

/// Where a finding's image runs, for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workload {
    pub cluster: String,
    pub environment: Option<String>,
    pub namespace: String,
    pub kind: String,
    pub name: String,
    pub container: String,
}

/// One row of `bulwark get cve`: a finding, its image's references and the workloads running it (only those
/// matching the query's placement filters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CveRow {
    #[serde(flatten)]
    pub finding: Finding,
    pub image_refs: Vec<String>,
    pub workloads: Vec<Workload>,
    pub is_new: bool,
}

/// Whether an apply opened or fixed a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    New,
    Fixed,
}

/// A finding an apply opened or fixed (see `Store::changes`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub kind: ChangeKind,
    /// When the apply recorded it.
    pub at: i64,
    pub finding: Finding,
}
