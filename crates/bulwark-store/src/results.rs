//! Consolidated results (issue #20): the latest Bulwark JSON report pushed per team and source (`POST
//! /api/v1/results?source=NAME`, e.g. the output of `bulwark report merge` in one CI job), kept as its findings
//! and its counts per tool and severity, for `GET /api/v1/results` and the dashboard's Results page. A push
//! replaces the stored result of its (team, source); the table has a generation (in `meta`) bumped on every
//! change.

use std::collections::BTreeMap;

use crate::db::{Exec, P, Raw, Row};
use crate::schema::Migration;
use crate::{Error, Result, Store};

/// Migration 11: `results`.
pub(crate) const MIGRATION: Migration = Migration {
    version: 11,
    name: "results: the latest consolidated report of each team and source (findings, counts per tool and severity)",
    // `team` is '' for a token of no team (the unique key needs a value, not NULL).
    sql: r"
CREATE TABLE results (
    team TEXT NOT NULL,
    source TEXT NOT NULL,
    token TEXT NOT NULL,
    target TEXT NOT NULL,
    finding_count {int} NOT NULL,
    counts TEXT NOT NULL,
    findings TEXT NOT NULL,
    stored_at {int} NOT NULL,
    PRIMARY KEY (team, source)
);
",
    postgres_only: false,
};

/// Largest findings document stored for one result, in bytes of JSON.
pub const MAX_RESULT_FINDINGS_BYTES: usize = 32 << 20;

/// Longest source name: a DNS-1123 label.
pub const MAX_SOURCE_NAME: usize = 63;

const GENERATION_KEY: &str = "results_generation";

/// Whether `s` is a DNS-1123 label (a source or team name): 1 to 63 lower-case letters, digits and `-`,
/// starting and ending with a letter or digit.
#[must_use]
pub fn valid_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= MAX_SOURCE_NAME
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// Counts per tool, then per severity (`CRITICAL` … `UNKNOWN`).
pub type ToolCounts = BTreeMap<String, BTreeMap<String, i64>>;

/// A stored result without its findings (the list).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultSummary {
    /// The team of the token that pushed it (`None`: a token of no team).
    pub team: Option<String>,
    pub source: String,
    /// The name of the token that pushed it.
    pub token: String,
    /// The report's target name.
    pub target: String,
    pub finding_count: i64,
    pub counts: ToolCounts,
    /// When the server stored it, s since the epoch.
    pub stored_at: i64,
}

/// A stored result with its findings.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredResult {
    #[serde(flatten)]
    pub summary: ResultSummary,
    pub findings: Vec<bulwark_types::Finding>,
}

/// The tool a finding came from: its `tool` property (what the readers of other tools' results write), else
/// `bulwark`.
#[must_use]
pub fn finding_tool(f: &bulwark_types::Finding) -> String {
    ["tool", "sourceTool", "scanner"]
        .iter()
        .find_map(|k| f.property(k).and_then(serde_json::Value::as_str))
        .filter(|t| !t.is_empty())
        .map_or_else(|| "bulwark".to_owned(), |t| t.chars().take(100).collect())
}

/// Counts per tool and severity of `findings`.
#[must_use]
pub fn tool_counts(findings: &[bulwark_types::Finding]) -> ToolCounts {
    let mut out = ToolCounts::new();
    for f in findings {
        *out.entry(finding_tool(f))
            .or_default()
            .entry(f.severity.to_string())
            .or_default() += 1;
    }
    out
}

const SUMMARY_COLS: &str = "team, source, token, target, finding_count, counts, stored_at";

fn summary(r: &Row) -> std::result::Result<ResultSummary, Raw> {
    let team: String = r.t(0)?;
    let source: String = r.t(1)?;
    let counts: String = r.t(5)?;
    let counts = serde_json::from_str(&counts).map_err(|e| {
        Raw::Other(format!(
            "result {team}/{source}: stored counts are not readable: {e}"
        ))
    })?;
    Ok(ResultSummary {
        team: (!team.is_empty()).then_some(team),
        source,
        token: r.t(2)?,
        target: r.t(3)?,
        finding_count: r.i(4)?,
        counts,
        stored_at: r.i(6)?,
    })
}

fn full(r: &Row) -> std::result::Result<StoredResult, Raw> {
    let s = summary(r)?;
    let text: String = r.t(7)?;
    let findings = serde_json::from_str(&text).map_err(|e| {
        Raw::Other(format!(
            "result {}/{}: stored findings are not readable: {e}",
            s.team.as_deref().unwrap_or(""),
            s.source
        ))
    })?;
    Ok(StoredResult {
        summary: s,
        findings,
    })
}

fn bump(tx: &mut dyn Exec) -> std::result::Result<(), Raw> {
    crate::db::bump_counter(tx, GENERATION_KEY)
}

impl Store {
    /// Stores `findings` as the latest result of (`team`, `source`), pushed with `token`, at `now` (s): it
    /// replaces the stored one. Returns the summary stored.
    ///
    /// # Errors
    /// A source or team that is not a DNS-1123 label, findings over [`MAX_RESULT_FINDINGS_BYTES`], or the
    /// database.
    pub fn put_result(
        &self,
        team: Option<&str>,
        source: &str,
        token: &str,
        target: &str,
        findings: &[bulwark_types::Finding],
        now: i64,
    ) -> Result<ResultSummary> {
        let invalid = |message: String| Error::Invalid {
            location: self.location().to_string(),
            message,
        };
        if !valid_label(source) {
            return Err(invalid(format!(
                "source \"{}\" is not a DNS-1123 label",
                bulwark_types::escape_control(source)
            )));
        }
        if let Some(t) = team
            && !valid_label(t)
        {
            return Err(invalid(format!(
                "team \"{}\" is not a DNS-1123 label",
                bulwark_types::escape_control(t)
            )));
        }
        let text = serde_json::to_string(findings)
            .map_err(|e| invalid(format!("result {source}: {e}")))?;
        if text.len() > MAX_RESULT_FINDINGS_BYTES {
            return Err(invalid(format!(
                "result {source}: findings of {} bytes, over the {MAX_RESULT_FINDINGS_BYTES}-byte limit",
                text.len()
            )));
        }
        let counts = tool_counts(findings);
        let counts_text =
            serde_json::to_string(&counts).map_err(|e| invalid(format!("result {source}: {e}")))?;
        let s = ResultSummary {
            team: team.map(str::to_owned),
            source: source.to_owned(),
            token: token.chars().take(128).collect(),
            target: target.chars().take(1024).collect(),
            finding_count: i64::try_from(findings.len()).unwrap_or(i64::MAX),
            counts,
            stored_at: now,
        };
        self.write(|tx| {
            tx.exec(
                "INSERT INTO results (team, source, token, target, finding_count, counts, findings, stored_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (team, source) DO UPDATE SET token = excluded.token, target = excluded.target, \
                 finding_count = excluded.finding_count, counts = excluded.counts, \
                 findings = excluded.findings, stored_at = excluded.stored_at",
                &[
                    P::from(team.unwrap_or("")),
                    P::from(&s.source),
                    P::from(&s.token),
                    P::from(&s.target),
                    s.finding_count.into(),
                    counts_text.into(),
                    text.into(),
                    now.into(),
                ],
            )?;
            bump(tx)
        })?;
        Ok(s)
    }

    /// Every stored result without its findings, by team then source; only `team`'s when given (`Some("")`:
    /// the results of tokens of no team).
    ///
    /// # Errors
    /// The database.
    pub fn result_summaries(&self, team: Option<&str>) -> Result<Vec<ResultSummary>> {
        self.read(|tx| {
            let rows = match team {
                Some(t) => tx.query(
                    &format!(
                        "SELECT {SUMMARY_COLS} FROM results WHERE team = $1 ORDER BY team, source"
                    ),
                    &[t.into()],
                )?,
                None => tx.query(
                    &format!("SELECT {SUMMARY_COLS} FROM results ORDER BY team, source"),
                    &[],
                )?,
            };
            rows.iter().map(summary).collect()
        })
    }

    /// The stored results with their findings, by team then source; only `team`'s when given.
    ///
    /// # Errors
    /// The database, or stored findings that are not readable.
    pub fn results(&self, team: Option<&str>) -> Result<Vec<StoredResult>> {
        self.read(|tx| {
            let rows = match team {
                Some(t) => tx.query(
                    &format!(
                        "SELECT {SUMMARY_COLS}, findings FROM results WHERE team = $1 ORDER BY team, source"
                    ),
                    &[t.into()],
                )?,
                None => tx.query(
                    &format!("SELECT {SUMMARY_COLS}, findings FROM results ORDER BY team, source"),
                    &[],
                )?,
            };
            rows.iter().map(full).collect()
        })
    }

    /// The results' generation: changes whenever a result is stored (0 before the first).
    ///
    /// # Errors
    /// The database.
    pub fn results_generation(&self) -> Result<i64> {
        Ok(self
            .meta(GENERATION_KEY)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::valid_label;

    #[test]
    fn dns_1123_labels() {
        for ok in ["a", "ci-payments", "0", &"a".repeat(63)] {
            assert!(valid_label(ok), "{ok}");
        }
        for bad in [
            "",
            "Ci",
            "-a",
            "a-",
            "a.b",
            "a_b",
            "a b",
            "ä",
            &"a".repeat(64),
        ] {
            assert!(!valid_label(bad), "{bad}");
        }
    }
}
