//! Node results (issue #19): per node and kind (`bench-node`, `bench-host`, `probe`) the latest run's findings
//! (the FAIL and WARN checks, or the probe's exposures, as Bulwark report findings) with its totals. A run
//! replaces the stored one of its node and kind only when it ran at the same time or later, so a late upload of
//! an older run never hides a newer one. The table has a generation (in `meta`), bumped on every change, so
//! that the dashboard's compliance view knows when to recompute.

use crate::db::{Exec, P, Raw, Row};
use crate::schema::Migration;
use crate::{Error, Result, Store};

/// Migration 10: `node_results`.
pub(crate) const MIGRATION: Migration = Migration {
    version: 10,
    name: "node_results: the latest node benchmark, host benchmark and exposure probe run of each node, findings and totals",
    sql: r"
CREATE TABLE node_results (
    node TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('bench-node', 'bench-host', 'probe')),
    benchmark TEXT,
    ran_at {int} NOT NULL,
    pass_count {int},
    fail_count {int} NOT NULL,
    warn_count {int} NOT NULL,
    info_count {int} NOT NULL,
    findings TEXT NOT NULL,
    stored_at {int} NOT NULL,
    PRIMARY KEY (node, kind)
);
",
    postgres_only: false,
};

/// The kinds of node result.
pub const NODE_RESULT_KINDS: [&str; 3] = ["bench-node", "bench-host", "probe"];

/// Largest findings document stored for one node and kind, in bytes of JSON (a full CIS run's FAIL and WARN
/// checks with their remediations are well under 1 MiB).
pub const MAX_NODE_FINDINGS_BYTES: usize = 8 << 20;

/// Longest node name: a DNS-1123 subdomain.
pub const MAX_NODE_NAME: usize = 253;

const GENERATION_KEY: &str = "node_results_generation";

/// A run's counts. `pass` is `None` when the report did not say how many checks passed (its findings are only
/// the failing and warning ones).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NodeTotals {
    pub pass: Option<i64>,
    pub fail: i64,
    pub warn: i64,
    pub info: i64,
}

/// One node's latest run of one kind.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeResult {
    pub node: String,
    /// One of [`NODE_RESULT_KINDS`].
    pub kind: String,
    /// The benchmark (`cis-1.20`), when the findings name one.
    pub benchmark: Option<String>,
    /// When the run happened, s since the epoch (the report's `createdAt`).
    pub ran_at: i64,
    pub totals: NodeTotals,
    pub findings: Vec<bulwark_types::Finding>,
}

/// A stored run without its findings (the list of nodes).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeSummary {
    pub node: String,
    pub kind: String,
    pub benchmark: Option<String>,
    pub ran_at: i64,
    pub totals: NodeTotals,
    /// When the server stored it, s since the epoch.
    pub stored_at: i64,
}

/// Whether `s` is a DNS-1123 subdomain (Kubernetes' rule for node names): at most 253 characters of lower-case
/// letters, digits, `-` and `.`, each dot-separated label non-empty and starting and ending with a letter or
/// digit.
#[must_use]
pub fn valid_node_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_NODE_NAME
        && s.split('.').all(|label| {
            let b = label.as_bytes();
            !b.is_empty()
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
                && b[0] != b'-'
                && b[b.len() - 1] != b'-'
        })
}

fn bump(tx: &mut dyn Exec) -> std::result::Result<(), Raw> {
    crate::db::bump_counter(tx, GENERATION_KEY)
}

const SUMMARY_COLS: &str =
    "node, kind, benchmark, ran_at, pass_count, fail_count, warn_count, info_count, stored_at";

fn summary(r: &Row) -> std::result::Result<NodeSummary, Raw> {
    Ok(NodeSummary {
        node: r.t(0)?,
        kind: r.t(1)?,
        benchmark: r.ot(2)?,
        ran_at: r.i(3)?,
        totals: NodeTotals {
            pass: r.oi(4)?,
            fail: r.i(5)?,
            warn: r.i(6)?,
            info: r.i(7)?,
        },
        stored_at: r.i(8)?,
    })
}

fn full(r: &Row) -> std::result::Result<NodeResult, Raw> {
    let s = summary(r)?;
    let text: String = r.t(9)?;
    let findings = serde_json::from_str(&text).map_err(|e| {
        Raw::Other(format!(
            "node result {} {}: stored findings are not readable: {e}",
            s.node, s.kind
        ))
    })?;
    Ok(NodeResult {
        node: s.node,
        kind: s.kind,
        benchmark: s.benchmark,
        ran_at: s.ran_at,
        totals: s.totals,
        findings,
    })
}

impl Store {
    /// Stores `r` as its node's latest run of its kind, at `now` (s), unless a run that ran later is stored:
    /// returns whether it was stored.
    ///
    /// # Errors
    /// A node name that is not a DNS-1123 subdomain, an unknown kind, findings over
    /// [`MAX_NODE_FINDINGS_BYTES`], or the database.
    pub fn put_node_result(&self, r: &NodeResult, now: i64) -> Result<bool> {
        let invalid = |message: String| Error::Invalid {
            location: self.location().to_string(),
            message,
        };
        if !valid_node_name(&r.node) {
            return Err(invalid(format!(
                "node name \"{}\" is not a DNS-1123 subdomain",
                bulwark_types::escape_control(&r.node)
            )));
        }
        if !NODE_RESULT_KINDS.contains(&r.kind.as_str()) {
            return Err(invalid(format!(
                "node result kind \"{}\" is not one of {}",
                bulwark_types::escape_control(&r.kind),
                NODE_RESULT_KINDS.join(", ")
            )));
        }
        let findings = serde_json::to_string(&r.findings)
            .map_err(|e| invalid(format!("node result {}: {e}", r.node)))?;
        if findings.len() > MAX_NODE_FINDINGS_BYTES {
            return Err(invalid(format!(
                "node result {} {}: findings of {} bytes, over the {MAX_NODE_FINDINGS_BYTES}-byte limit",
                r.node,
                r.kind,
                findings.len()
            )));
        }
        self.write(|tx| {
            let n = tx.exec(
                "INSERT INTO node_results (node, kind, benchmark, ran_at, pass_count, fail_count, warn_count, \
                 info_count, findings, stored_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (node, kind) DO UPDATE SET benchmark = excluded.benchmark, ran_at = excluded.ran_at, \
                 pass_count = excluded.pass_count, fail_count = excluded.fail_count, \
                 warn_count = excluded.warn_count, info_count = excluded.info_count, \
                 findings = excluded.findings, stored_at = excluded.stored_at \
                 WHERE node_results.ran_at <= excluded.ran_at",
                &[
                    P::from(&r.node),
                    P::from(&r.kind),
                    P::from(&r.benchmark),
                    r.ran_at.into(),
                    P::from(r.totals.pass),
                    r.totals.fail.into(),
                    r.totals.warn.into(),
                    r.totals.info.into(),
                    findings.into(),
                    now.into(),
                ],
            )?;
            if n > 0 {
                bump(tx)?;
            }
            Ok(n > 0)
        })
    }

    /// Every stored run without its findings, by node then kind.
    ///
    /// # Errors
    /// The database.
    pub fn node_summaries(&self) -> Result<Vec<NodeSummary>> {
        self.read(|tx| {
            tx.query(
                &format!("SELECT {SUMMARY_COLS} FROM node_results ORDER BY node, kind"),
                &[],
            )?
            .iter()
            .map(summary)
            .collect()
        })
    }

    /// One node's stored runs with their findings (empty when the node has none), by kind; every node's when
    /// `node` is `None` (the compliance evidence).
    ///
    /// # Errors
    /// The database, or stored findings that are not readable.
    pub fn node_results(&self, node: Option<&str>) -> Result<Vec<NodeResult>> {
        self.read(|tx| {
            let rows = match node {
                Some(n) => tx.query(
                    &format!(
                        "SELECT {SUMMARY_COLS}, findings FROM node_results WHERE node = $1 ORDER BY kind"
                    ),
                    &[n.into()],
                )?,
                None => tx.query(
                    &format!("SELECT {SUMMARY_COLS}, findings FROM node_results ORDER BY node, kind"),
                    &[],
                )?,
            };
            rows.iter().map(full).collect()
        })
    }

    /// The node results' generation: changes whenever a run is stored (0 before the first).
    ///
    /// # Errors
    /// The database.
    pub fn node_results_generation(&self) -> Result<i64> {
        Ok(self
            .meta(GENERATION_KEY)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::valid_node_name;

    #[test]
    fn dns_1123_subdomains() {
        for ok in [
            "a",
            "node-1",
            "ip-10-0-0-1.ec2.internal",
            "0",
            &"a".repeat(63),
        ] {
            assert!(valid_node_name(ok), "{ok}");
        }
        for bad in [
            "",
            "Node1",
            "-a",
            "a-",
            "a..b",
            ".a",
            "a.",
            "a_b",
            "a b",
            "ä",
            &"a".repeat(254),
        ] {
            assert!(!valid_node_name(bad), "{bad}");
        }
    }
}
