//! Read queries of the REST API and of `bulwark get images|workloads|findings`: one function each, used by both,
//! so the CLI and the API list the same rows. Lists are sorted and paged by key (`after` = the last row's key
//! of the previous page), never by offset: a page boundary does not move when rows are added elsewhere.

use std::collections::HashMap;
use std::fmt::Write as _;

use bulwark_types::Severity;
use serde::{Deserialize, Serialize};

use crate::db::{Exec, P, Raw, Row};
use crate::types::{Finding, PackageRow, Workload};
use crate::{Result, Store};

/// Open findings of an image (or of what a workload runs), by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityCounts {
    pub critical: i64,
    pub high: i64,
    pub medium: i64,
    pub low: i64,
    pub info: i64,
    pub unknown: i64,
    pub total: i64,
}

impl SeverityCounts {
    fn add(&mut self, severity: Severity, n: i64) {
        match severity {
            Severity::Critical => self.critical += n,
            Severity::High => self.high += n,
            Severity::Medium => self.medium += n,
            Severity::Low => self.low += n,
            Severity::Info => self.info += n,
            Severity::Unknown => self.unknown += n,
        }
        self.total += n;
    }
}

/// An image as `GET /api/v1/images` and `bulwark get images` list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageSummary {
    pub digest: String,
    /// References seen for it (`repo:tag`), sorted.
    pub references: Vec<String>,
    pub package_count: i64,
    pub has_sbom: bool,
    /// The DB version its findings were last applied from (`None`: never matched).
    pub db_version: Option<String>,
    pub matched_at: Option<i64>,
    pub first_seen: i64,
    pub last_seen: i64,
    /// Open findings by severity.
    pub findings: SeverityCounts,
    /// Where it runs now (placements not removed), sorted.
    pub workloads: Vec<Workload>,
    /// Its latest policy verdict (the image's own, as the re-match recorded it); `None`: never judged.
    #[serde(default)]
    pub verdict: Option<VerdictSummary>,
}

/// The latest verdict on an image, in brief (the full verdict is in the `verdicts` table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerdictSummary {
    /// `pass`, `warn` or `fail`.
    pub decision: String,
    pub bundle_name: Option<String>,
    pub bundle_version: Option<String>,
    pub bundle_digest: Option<String>,
    /// The DB version of the findings it judged.
    pub db_version: Option<String>,
    pub created_at: i64,
}

/// One image in full (`GET /api/v1/images/{digest}`): the summary, its packages and its open findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageDetail {
    #[serde(flatten)]
    pub summary: ImageSummary,
    /// In the order of the SBOM.
    pub packages: Vec<PackageRow>,
    /// Open findings, most severe first.
    pub open_findings: Vec<Finding>,
}

/// A container of a workload running a digest now, as `GET /api/v1/workloads` and `bulwark get workloads` list
/// it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkloadRow {
    pub cluster: String,
    pub environment: Option<String>,
    pub namespace: String,
    pub kind: String,
    pub name: String,
    pub container: String,
    pub digest: String,
    /// The image as the pod spec names it, when the feed recorded it.
    pub image_ref: Option<String>,
    /// Since when this digest runs there.
    pub first_seen: i64,
    pub last_seen: i64,
    /// Open findings of the digest by severity.
    pub findings: SeverityCounts,
}

impl WorkloadRow {
    /// The row's key, for `after` of the next page.
    #[must_use]
    pub fn key(&self) -> WorkloadKey {
        WorkloadKey {
            cluster: self.cluster.clone(),
            namespace: self.namespace.clone(),
            kind: self.kind.clone(),
            name: self.name.clone(),
            container: self.container.clone(),
        }
    }
}

/// What identifies a workload row (the placements' unique key), in sort order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkloadKey {
    pub cluster: String,
    pub namespace: String,
    pub kind: String,
    pub name: String,
    pub container: String,
}

/// Which workloads to list; `None` fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkloadQuery {
    pub cluster: Option<String>,
    pub environment: Option<String>,
    pub namespace: Option<String>,
}

/// Which findings `GET /api/v1/findings` and `bulwark get findings` list; `None` fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingQuery {
    /// Only findings routed to this team.
    pub owner_team: Option<String>,
    /// Only findings of this image.
    pub digest: Option<String>,
    pub min_severity: Option<Severity>,
    /// Also list fixed findings (every episode).
    pub include_fixed: bool,
}

/// Where a findings page ends: the sort key of its last row (most severe first, then vulnerability, digest,
/// purl, id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingKey {
    pub rank: i64,
    pub vuln_id: String,
    pub digest: String,
    pub purl: String,
    pub id: i64,
}

impl FindingKey {
    #[must_use]
    pub fn of(f: &Finding) -> Self {
        Self {
            rank: f.severity as i64,
            vuln_id: f.vuln_id.clone(),
            digest: f.digest.clone(),
            purl: f.purl.clone(),
            id: f.id,
        }
    }
}

const COLS: &str = "f.id, f.digest, f.vuln_id, f.purl, f.package_name, f.package_version, f.severity, \
     f.fixed_version, f.layer_index, f.layer_digest, f.layer_created_by, f.first_seen, f.last_seen, f.fixed_at, \
     f.db_version, f.fixed_db_version, f.owner_team, f.owner_rule";

fn finding(r: &Row) -> Result<Finding, Raw> {
    Ok(Finding {
        id: r.i(0)?,
        digest: r.t(1)?,
        vuln_id: r.t(2)?,
        purl: r.t(3)?,
        package_name: r.t(4)?,
        package_version: r.t(5)?,
        severity: r.t(6)?.parse().unwrap_or(Severity::Unknown),
        fixed_version: r.ot(7)?,
        layer_index: r.oi(8)?,
        layer_digest: r.ot(9)?,
        layer_created_by: r.ot(10)?,
        first_seen: r.i(11)?,
        last_seen: r.i(12)?,
        fixed_at: r.oi(13)?,
        db_version: r.t(14)?,
        fixed_db_version: r.ot(15)?,
        owner_team: r.ot(16)?,
        owner_rule: r.ot(17)?,
    })
}

/// `LIMIT` text: at most `i64::MAX` rows when unbounded.
fn limit_clause(limit: Option<usize>) -> String {
    limit.map_or_else(String::new, |n| format!(" LIMIT {}", n.min(1 << 40)))
}

/// The open findings of the digests in `[first, last]`, by severity.
fn counts(
    tx: &mut dyn Exec,
    first: &str,
    last: &str,
) -> Result<HashMap<String, SeverityCounts>, Raw> {
    let mut out: HashMap<String, SeverityCounts> = HashMap::new();
    for r in tx.query(
        "SELECT digest, severity, COUNT(*) FROM findings WHERE fixed_at IS NULL AND digest >= $1 AND digest <= $2 \
         GROUP BY digest, severity",
        &[first.into(), last.into()],
    )? {
        let sev = r.t(1)?.parse().unwrap_or(Severity::Unknown);
        out.entry(r.t(0)?).or_default().add(sev, r.i(2)?);
    }
    Ok(out)
}

/// The open findings of `digests`, by severity (500 digests a query).
fn counts_of(tx: &mut dyn Exec, digests: &[&str]) -> Result<HashMap<String, SeverityCounts>, Raw> {
    let mut out: HashMap<String, SeverityCounts> = HashMap::new();
    for chunk in digests.chunks(500) {
        let list = (1..=chunk.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let params: Vec<P> = chunk.iter().map(|d| P::from(*d)).collect();
        for r in tx.query(
            &format!(
                "SELECT digest, severity, COUNT(*) FROM findings WHERE fixed_at IS NULL AND digest IN ({list}) \
                 GROUP BY digest, severity"
            ),
            &params,
        )? {
            let sev = r.t(1)?.parse().unwrap_or(Severity::Unknown);
            out.entry(r.t(0)?).or_default().add(sev, r.i(2)?);
        }
    }
    Ok(out)
}

impl Store {
    /// Images sorted by digest, after `after` (the last digest of the previous page), at most `limit`.
    pub fn image_summaries(
        &self,
        after: Option<&str>,
        limit: Option<usize>,
    ) -> Result<Vec<ImageSummary>> {
        self.read(|tx| summaries(tx, after, None, limit))
    }

    /// One image with its packages and open findings, or `None` when the digest is not stored.
    pub fn image_detail(&self, digest: &str) -> Result<Option<ImageDetail>> {
        self.read(|tx| {
            let Some(summary) = summaries(tx, None, Some(digest), Some(1))?.pop() else {
                return Ok(None);
            };
            let packages = crate::ops::packages_of(tx, digest)?;
            let open_findings = tx
                .query(
                    &format!(
                        "SELECT {COLS} FROM findings f WHERE f.digest = $1 AND f.fixed_at IS NULL \
                         ORDER BY f.severity_rank DESC, f.vuln_id, f.purl, f.id"
                    ),
                    &[digest.into()],
                )?
                .iter()
                .map(finding)
                .collect::<Result<Vec<_>, Raw>>()?;
            Ok(Some(ImageDetail {
                summary,
                packages,
                open_findings,
            }))
        })
    }

    /// Workloads running now, filtered by `q`, sorted by cluster, namespace, kind, name, container; after
    /// `after`, at most `limit`.
    pub fn workload_rows(
        &self,
        q: &WorkloadQuery,
        after: Option<&WorkloadKey>,
        limit: Option<usize>,
    ) -> Result<Vec<WorkloadRow>> {
        let mut sql = String::from(
            "SELECT cluster, environment, namespace, workload_kind, workload_name, container, digest, image_ref, \
             first_seen, last_seen FROM placements WHERE removed_at IS NULL",
        );
        let mut params: Vec<P> = Vec::new();
        for (col, v) in [
            ("cluster", &q.cluster),
            ("environment", &q.environment),
            ("namespace", &q.namespace),
        ] {
            if let Some(v) = v {
                params.push(v.into());
                let _ = write!(sql, " AND {col} = ${}", params.len());
            }
        }
        if let Some(k) = after {
            let n = params.len();
            params.extend([
                P::from(&k.cluster),
                P::from(&k.namespace),
                P::from(&k.kind),
                P::from(&k.name),
                P::from(&k.container),
            ]);
            let _ = write!(
                sql,
                " AND (cluster, namespace, workload_kind, workload_name, container) > (${}, ${}, ${}, ${}, ${})",
                n + 1,
                n + 2,
                n + 3,
                n + 4,
                n + 5
            );
        }
        sql.push_str(" ORDER BY cluster, namespace, workload_kind, workload_name, container");
        sql.push_str(&limit_clause(limit));
        self.read(|tx| {
            let mut rows = Vec::new();
            for r in tx.query(&sql, &params)? {
                rows.push(WorkloadRow {
                    cluster: r.t(0)?,
                    environment: r.ot(1)?,
                    namespace: r.t(2)?,
                    kind: r.t(3)?,
                    name: r.t(4)?,
                    container: r.t(5)?,
                    digest: r.t(6)?,
                    image_ref: r.ot(7)?,
                    first_seen: r.i(8)?,
                    last_seen: r.i(9)?,
                    findings: SeverityCounts::default(),
                });
            }
            let mut digests: Vec<&str> = rows.iter().map(|r| r.digest.as_str()).collect();
            digests.sort_unstable();
            digests.dedup();
            let by_digest = counts_of(tx, &digests)?;
            for r in &mut rows {
                r.findings = by_digest.get(&r.digest).copied().unwrap_or_default();
            }
            Ok(rows)
        })
    }

    /// Findings filtered by `q`, most severe first, then by vulnerability, digest, purl and id; after `after`,
    /// at most `limit`.
    pub fn finding_rows(
        &self,
        q: &FindingQuery,
        after: Option<&FindingKey>,
        limit: Option<usize>,
    ) -> Result<Vec<Finding>> {
        let mut sql = format!("SELECT {COLS} FROM findings f WHERE 1 = 1");
        let mut params: Vec<P> = Vec::new();
        if !q.include_fixed {
            sql.push_str(" AND f.fixed_at IS NULL");
        }
        if let Some(t) = &q.owner_team {
            params.push(t.into());
            let _ = write!(sql, " AND f.owner_team = ${}", params.len());
        }
        if let Some(d) = &q.digest {
            params.push(d.into());
            let _ = write!(sql, " AND f.digest = ${}", params.len());
        }
        if let Some(s) = q.min_severity {
            params.push((s as i64).into());
            let _ = write!(sql, " AND f.severity_rank >= ${}", params.len());
        }
        if let Some(k) = after {
            let n = params.len();
            params.extend([
                P::from(k.rank),
                P::from(&k.vuln_id),
                P::from(&k.digest),
                P::from(&k.purl),
                P::from(k.id),
            ]);
            let _ = write!(
                sql,
                " AND (f.severity_rank < ${r} OR (f.severity_rank = ${r} AND (f.vuln_id, f.digest, f.purl, f.id) > \
                 (${}, ${}, ${}, ${})))",
                n + 2,
                n + 3,
                n + 4,
                n + 5,
                r = n + 1
            );
        }
        sql.push_str(" ORDER BY f.severity_rank DESC, f.vuln_id, f.digest, f.purl, f.id");
        sql.push_str(&limit_clause(limit));
        self.read(|tx| tx.query(&sql, &params)?.iter().map(finding).collect())
    }
}

/// Image summaries: one digest (`only`), or every digest after `after`.
fn summaries(
    tx: &mut dyn Exec,
    after: Option<&str>,
    only: Option<&str>,
    limit: Option<usize>,
) -> Result<Vec<ImageSummary>, Raw> {
    let mut sql = String::from(
        "SELECT digest, package_count, sbom_encoding, db_version, matched_at, first_seen, last_seen FROM images",
    );
    let mut params: Vec<P> = Vec::new();
    if let Some(d) = only {
        params.push(d.into());
        sql.push_str(" WHERE digest = $1");
    } else if let Some(a) = after {
        params.push(a.into());
        sql.push_str(" WHERE digest > $1");
    }
    sql.push_str(" ORDER BY digest");
    sql.push_str(&limit_clause(limit));
    let mut images = Vec::new();
    for r in tx.query(&sql, &params)? {
        images.push(ImageSummary {
            digest: r.t(0)?,
            references: Vec::new(),
            package_count: r.i(1)?,
            has_sbom: r.ot(2)?.is_some(),
            db_version: r.ot(3)?,
            matched_at: r.oi(4)?,
            first_seen: r.i(5)?,
            last_seen: r.i(6)?,
            findings: SeverityCounts::default(),
            workloads: Vec::new(),
            verdict: None,
        });
    }
    let (Some(first), Some(last)) = (images.first(), images.last()) else {
        return Ok(images);
    };
    // The page is a contiguous range of digests: its references, counts and placements in one query each.
    let (first, last) = (first.digest.clone(), last.digest.clone());
    let range = [P::from(&first), P::from(&last)];
    let mut refs: HashMap<String, Vec<String>> = HashMap::new();
    for r in tx.query(
        "SELECT digest, reference FROM image_refs WHERE digest >= $1 AND digest <= $2 ORDER BY digest, reference",
        &range,
    )? {
        refs.entry(r.t(0)?).or_default().push(r.t(1)?);
    }
    let mut counts = counts(tx, &first, &last)?;
    let mut workloads: HashMap<String, Vec<Workload>> = HashMap::new();
    for r in tx.query(
        "SELECT digest, cluster, environment, namespace, workload_kind, workload_name, container FROM placements \
         WHERE removed_at IS NULL AND digest >= $1 AND digest <= $2 \
         ORDER BY digest, cluster, namespace, workload_kind, workload_name, container",
        &range,
    )? {
        workloads.entry(r.t(0)?).or_default().push(Workload {
            cluster: r.t(1)?,
            environment: r.ot(2)?,
            namespace: r.t(3)?,
            kind: r.t(4)?,
            name: r.t(5)?,
            container: r.t(6)?,
        });
    }
    // The latest image verdict of each digest of the page.
    let mut verdicts: HashMap<String, VerdictSummary> = HashMap::new();
    for r in tx.query(
        "SELECT digest, decision, bundle_name, bundle_version, bundle_digest, db_version, created_at FROM \
         (SELECT digest, decision, bundle_name, bundle_version, bundle_digest, db_version, created_at, \
         ROW_NUMBER() OVER (PARTITION BY digest ORDER BY created_at DESC, id DESC) AS n FROM verdicts \
         WHERE workload IS NULL AND digest >= $1 AND digest <= $2) latest WHERE n = 1",
        &range,
    )? {
        verdicts.insert(
            r.t(0)?,
            VerdictSummary {
                decision: r.t(1)?,
                bundle_name: r.ot(2)?,
                bundle_version: r.ot(3)?,
                bundle_digest: r.ot(4)?,
                db_version: r.ot(5)?,
                created_at: r.i(6)?,
            },
        );
    }
    for i in &mut images {
        i.verdict = verdicts.remove(&i.digest);
        i.references = refs.remove(&i.digest).unwrap_or_default();
        i.findings = counts.remove(&i.digest).unwrap_or_default();
        i.workloads = workloads.remove(&i.digest).unwrap_or_default();
    }
    Ok(images)
}
