//! The schema, as numbered migrations. One text per migration for both back ends; `{id}`, `{int}` and `{blob}`
//! are the only dialect differences. Never edit a published migration: add the next number.

use crate::db::{Exec, Raw};

/// A numbered migration.
pub(crate) struct Migration {
    pub(crate) version: i64,
    pub(crate) name: &'static str,
    pub(crate) sql: &'static str,
    /// Run on PostgreSQL only (storage settings SQLite has no counterpart for); recorded on both.
    pub(crate) postgres_only: bool,
}

/// The schema version this binary writes and understands.
pub const SCHEMA_VERSION: i64 = 11;

pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "inventory, findings, placements, verdicts, notifications, jobs",
        sql: r"
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE images (
    digest TEXT PRIMARY KEY,
    sbom {blob},
    sbom_encoding TEXT,
    sbom_size {int},
    package_count {int} NOT NULL DEFAULT 0,
    db_version TEXT,
    matched_at {int},
    first_seen {int} NOT NULL,
    last_seen {int} NOT NULL
);
CREATE TABLE image_refs (
    digest TEXT NOT NULL REFERENCES images(digest) ON DELETE CASCADE,
    reference TEXT NOT NULL,
    first_seen {int} NOT NULL,
    last_seen {int} NOT NULL,
    PRIMARY KEY (digest, reference)
);
CREATE INDEX image_refs_reference ON image_refs(reference);
CREATE TABLE packages (
    digest TEXT NOT NULL REFERENCES images(digest) ON DELETE CASCADE,
    idx {int} NOT NULL,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    package_type TEXT NOT NULL,
    ecosystem TEXT,
    purl TEXT NOT NULL,
    layer_index {int},
    layer_digest TEXT,
    layer_created_by TEXT,
    PRIMARY KEY (digest, idx)
);
CREATE INDEX packages_name ON packages(package_type, name);
CREATE TABLE findings (
    id {id},
    digest TEXT NOT NULL REFERENCES images(digest) ON DELETE CASCADE,
    vuln_id TEXT NOT NULL,
    purl TEXT NOT NULL,
    package_name TEXT NOT NULL,
    package_version TEXT NOT NULL,
    severity TEXT NOT NULL,
    severity_rank {int} NOT NULL,
    fixed_version TEXT,
    layer_index {int},
    layer_digest TEXT,
    layer_created_by TEXT,
    first_seen {int} NOT NULL,
    last_seen {int} NOT NULL,
    fixed_at {int},
    db_version TEXT NOT NULL,
    fixed_db_version TEXT,
    owner_team TEXT,
    owner_rule TEXT
);
CREATE UNIQUE INDEX findings_open ON findings(digest, vuln_id, purl) WHERE fixed_at IS NULL;
CREATE INDEX findings_digest ON findings(digest, fixed_at);
CREATE INDEX findings_first_seen ON findings(first_seen);
CREATE INDEX findings_owner ON findings(owner_team);
CREATE TABLE placements (
    id {id},
    cluster TEXT NOT NULL,
    environment TEXT,
    namespace TEXT NOT NULL,
    workload_kind TEXT NOT NULL,
    workload_name TEXT NOT NULL,
    container TEXT NOT NULL,
    digest TEXT NOT NULL,
    image_ref TEXT,
    first_seen {int} NOT NULL,
    last_seen {int} NOT NULL,
    removed_at {int},
    UNIQUE (cluster, namespace, workload_kind, workload_name, container)
);
CREATE INDEX placements_digest ON placements(digest);
CREATE TABLE verdicts (
    id {id},
    digest TEXT NOT NULL,
    workload TEXT,
    decision TEXT NOT NULL,
    bundle_name TEXT,
    bundle_version TEXT,
    bundle_digest TEXT,
    db_version TEXT,
    verdict_json TEXT NOT NULL,
    created_at {int} NOT NULL
);
CREATE INDEX verdicts_digest ON verdicts(digest, created_at);
CREATE TABLE notifications (
    id {id},
    team TEXT NOT NULL,
    channel TEXT NOT NULL,
    dedupe_key TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivering', 'delivered', 'failed')),
    attempts {int} NOT NULL DEFAULT 0,
    next_attempt_at {int} NOT NULL,
    lease_owner TEXT,
    lease_until {int},
    created_at {int} NOT NULL,
    delivered_at {int},
    last_error TEXT
);
CREATE INDEX notifications_due ON notifications(state, next_attempt_at);
CREATE TABLE jobs (
    id {id},
    db_version TEXT NOT NULL,
    digest TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed')),
    attempts {int} NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until {int},
    created_at {int} NOT NULL,
    done_at {int},
    last_error TEXT,
    UNIQUE (db_version, digest)
);
CREATE INDEX jobs_state ON jobs(state, id);
",
        postgres_only: false,
    },
    Migration {
        version: 2,
        name: "changes: the findings each apply opened or fixed, for the cycle's notifications",
        sql: r"
CREATE TABLE changes (
    id {id},
    db_version TEXT NOT NULL,
    digest TEXT NOT NULL,
    finding_id {int} NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('new', 'fixed')),
    baseline {int} NOT NULL,
    at {int} NOT NULL,
    UNIQUE (finding_id, kind)
);
CREATE INDEX changes_version ON changes(db_version, baseline);
",
        postgres_only: false,
    },
    Migration {
        version: 3,
        name: "findings pages half free, so an apply's last_seen update stays on the page (PostgreSQL HOT updates)",
        // Every apply sets last_seen on each open finding of its image. PostgreSQL writes a new row version for
        // each; on a full page it goes to another page and every index of findings gets a new entry (5 per row),
        // whereas with room on the page it is a heap-only tuple and no index is touched: 7x less work for 200,000
        // findings. Applies to pages written from now on (`VACUUM FULL findings` rewrites older ones).
        sql: "ALTER TABLE findings SET (fillfactor = 50);",
        postgres_only: true,
    },
    Migration {
        version: 4,
        name: "cycles: one row per DB version's re-matching plan (mode, supersession); db_digests: the digest of each DB an image was last matched against",
        // A superseded version's pending jobs are deleted rather than given a new state: the jobs table's
        // CHECK constraint cannot be altered on SQLite without rebuilding the table, and the cycle row says
        // what happened (`superseded_by`).
        sql: r"
CREATE TABLE cycles (
    db_version TEXT PRIMARY KEY,
    built_at {int} NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('incremental', 'full')),
    matched {int} NOT NULL,
    carried {int} NOT NULL,
    superseded_by TEXT,
    created_at {int} NOT NULL
);
CREATE TABLE db_digests (
    db_version TEXT PRIMARY KEY,
    digest {blob} NOT NULL,
    created_at {int} NOT NULL
);
",
        postgres_only: false,
    },
    Migration {
        version: 5,
        name: "objects: the trimmed Kubernetes objects that give a workload its risk context",
        // `namespace` is '' for cluster-scoped objects so that the unique key holds (NULLs are distinct in a
        // unique index). `deleted_at` is a tombstone: a replayed older event must not bring an object back.
        sql: r"
CREATE TABLE objects (
    id {id},
    cluster TEXT NOT NULL,
    api_version TEXT NOT NULL,
    kind TEXT NOT NULL,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    uid TEXT NOT NULL,
    resource_version TEXT NOT NULL,
    json TEXT NOT NULL,
    first_seen {int} NOT NULL,
    last_seen {int} NOT NULL,
    deleted_at {int},
    UNIQUE (cluster, kind, namespace, name)
);
CREATE INDEX objects_namespace ON objects(cluster, namespace, kind);
",
        postgres_only: false,
    },
    Migration {
        version: 6,
        name: "findings.details: what the match said about a finding beyond its row (title, CVSS, EPSS, KEV, CWEs) for risk in context",
        // JSON text, refreshed when a re-match says something else (EPSS moves daily). Nullable: findings stored
        // before this migration get theirs at their next re-match.
        sql: "ALTER TABLE findings ADD COLUMN details TEXT;",
        postgres_only: false,
    },
    Migration {
        version: 7,
        name: "runtime_alerts: Falco-compatible rule alerts (k8s audit webhook, runtime sources), once per dedupe key",
        // `dedupe_key` is source + the event's key (the audit ID) + rule: a replay of the same events (after a
        // crash, or the API server resending a batch) stores nothing twice. `severity` is the priority's rank
        // (0 = EMERGENCY … 7 = DEBUG) so that a query can ask for a priority and worse. `event_time` is the
        // event's time in ns since the epoch; `created_at` when it was stored, in s.
        sql: r"
CREATE TABLE runtime_alerts (
    id {id},
    cluster TEXT NOT NULL,
    rule TEXT NOT NULL,
    priority TEXT NOT NULL,
    severity {int} NOT NULL,
    source TEXT NOT NULL,
    event_time {int} NOT NULL,
    output TEXT NOT NULL,
    output_fields TEXT NOT NULL,
    tags TEXT NOT NULL,
    namespace TEXT,
    pod TEXT,
    image TEXT,
    dedupe_key TEXT NOT NULL UNIQUE,
    created_at {int} NOT NULL
);
CREATE INDEX runtime_alerts_time ON runtime_alerts(event_time);
CREATE INDEX runtime_alerts_namespace ON runtime_alerts(namespace, event_time);
",
        postgres_only: false,
    },
    // Migration 8: runtime baselines and container ids (crate::baseline).
    crate::baseline::MIGRATION,
    // Migration 9: enforcement actions and the deny list (crate::enforcement).
    crate::enforcement::MIGRATION,
    // Migration 10: node benchmark and probe results (crate::nodes).
    crate::nodes::MIGRATION,
    // Migration 11: consolidated results per team and source (crate::results).
    crate::results::MIGRATION,
];

/// The migration text for one back end.
pub(crate) fn render(sql: &str, pg: bool) -> String {
    if pg {
        sql.replace(
            "{id}",
            "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
        )
        .replace("{int}", "BIGINT")
        .replace("{blob}", "BYTEA")
    } else {
        sql.replace("{id}", "INTEGER PRIMARY KEY AUTOINCREMENT")
            .replace("{int}", "INTEGER")
            .replace("{blob}", "BLOB")
    }
}

/// What one migration step found.
pub(crate) enum Step {
    /// Applied migration `version`.
    Applied,
    /// Nothing left to apply.
    UpToDate,
    /// The store is newer than this binary.
    TooNew(i64),
    /// The database has tables but no `schema_migrations`: it is not a store (the vulnerability DB, another
    /// application's database). Never migrate it.
    Foreign(Vec<String>),
}

/// Inside an exclusive transaction (SQLite `BEGIN IMMEDIATE`; PostgreSQL with an advisory transaction lock
/// taken by the caller): apply the next missing migration, if any.
pub(crate) fn step(tx: &mut dyn Exec, now: i64) -> Result<Step, Raw> {
    let tables_sql = if tx.is_pg() {
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    };
    let tables: Vec<String> = tx
        .query(tables_sql, &[])?
        .iter()
        .map(|r| r.t(0))
        .collect::<Result<_, _>>()?;
    if !tables.is_empty() && !tables.iter().any(|t| t == "schema_migrations") {
        return Ok(Step::Foreign(tables));
    }
    tx.batch(&render(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version {int} PRIMARY KEY, name TEXT NOT NULL, applied_at {int} NOT NULL)",
        tx.is_pg(),
    ))?;
    let rows = tx.query("SELECT MAX(version) FROM schema_migrations", &[])?;
    let current = rows
        .first()
        .map(|r| r.oi(0))
        .transpose()?
        .flatten()
        .unwrap_or(0);
    if current > SCHEMA_VERSION {
        return Ok(Step::TooNew(current));
    }
    let Some(m) = MIGRATIONS.iter().find(|m| m.version == current + 1) else {
        return Ok(Step::UpToDate);
    };
    if tx.is_pg() || !m.postgres_only {
        tx.batch(&render(m.sql, tx.is_pg()))?;
    }
    tx.exec(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        &[m.version.into(), m.name.into(), now.into()],
    )?;
    Ok(Step::Applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_from_one_without_gaps() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1);
        }
        assert_eq!(MIGRATIONS.last().map(|m| m.version), Some(SCHEMA_VERSION));
        assert!(!render(MIGRATIONS[0].sql, true).contains('{'));
        assert!(!render(MIGRATIONS[0].sql, false).contains('{'));
    }
}
