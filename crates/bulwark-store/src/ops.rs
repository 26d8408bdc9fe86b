//! The operations, written once against `Exec`.

use crate::{Change, ChangeKind};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{Read as _, Write as _};

use bulwark_types::Severity;

use crate::db::{Col, Exec, P, Raw, Row, values_list};
use crate::types::{
    CveQuery, CveRow, Cycle, CyclePlan, Diff, Finding, FindingRow, Image, Job, JobCounts,
    Notification, NotificationState, PackageRow, Placement, PlacementFilter, PlacementRecord,
    VerdictRecord, Workload,
};
use crate::{Error, Result, Store};

/// Largest SBOM accepted, uncompressed.
pub const MAX_SBOM_BYTES: usize = 256 << 20;
/// Columns and rows per multi-row package insert (2,000 parameters: under SQLite's 32,766 and PostgreSQL's
/// 65,535).
const COLS: usize = 10;
const CHUNK: usize = 200;

/// Largest notification payload accepted.
pub const MAX_PAYLOAD_BYTES: usize = 4 << 20;

pub(crate) const FINDING_COLS: &str = "id, digest, vuln_id, purl, package_name, package_version, severity, fixed_version, \
     layer_index, layer_digest, layer_created_by, first_seen, last_seen, fixed_at, db_version, fixed_db_version, \
     owner_team, owner_rule";

pub(crate) fn finding_from(r: &Row, base: usize) -> Result<Finding, Raw> {
    let sev: String = r.t(base + 6)?;
    Ok(Finding {
        id: r.i(base)?,
        digest: r.t(base + 1)?,
        vuln_id: r.t(base + 2)?,
        purl: r.t(base + 3)?,
        package_name: r.t(base + 4)?,
        package_version: r.t(base + 5)?,
        severity: sev.parse().unwrap_or(Severity::Unknown),
        fixed_version: r.ot(base + 7)?,
        layer_index: r.oi(base + 8)?,
        layer_digest: r.ot(base + 9)?,
        layer_created_by: r.ot(base + 10)?,
        first_seen: r.i(base + 11)?,
        last_seen: r.i(base + 12)?,
        fixed_at: r.oi(base + 13)?,
        db_version: r.t(base + 14)?,
        fixed_db_version: r.ot(base + 15)?,
        owner_team: r.ot(base + 16)?,
        owner_rule: r.ot(base + 17)?,
    })
}

const NOTIF_COLS: &str = "id, team, channel, dedupe_key, payload, state, attempts, next_attempt_at, lease_owner, \
     lease_until, created_at, delivered_at, last_error";

fn notification_from(r: &Row) -> Result<Notification, Raw> {
    let state = r.t(5)?;
    Ok(Notification {
        id: r.i(0)?,
        team: r.t(1)?,
        channel: r.t(2)?,
        dedupe_key: r.t(3)?,
        payload: r.t(4)?,
        state: NotificationState::parse(&state)
            .ok_or_else(|| Raw::Other(format!("unknown notification state '{state}'")))?,
        attempts: r.i(6)?,
        next_attempt_at: r.i(7)?,
        lease_owner: r.ot(8)?,
        lease_until: r.oi(9)?,
        created_at: r.i(10)?,
        delivered_at: r.oi(11)?,
        last_error: r.ot(12)?,
    })
}

const PLACEMENT_COLS: &str = "id, cluster, environment, namespace, workload_kind, workload_name, container, digest, \
     image_ref, first_seen, last_seen, removed_at";

fn placement_from(r: &Row) -> Result<PlacementRecord, Raw> {
    Ok(PlacementRecord {
        id: r.i(0)?,
        placement: Placement {
            cluster: r.t(1)?,
            environment: r.ot(2)?,
            namespace: r.t(3)?,
            workload_kind: r.t(4)?,
            workload_name: r.t(5)?,
            container: r.t(6)?,
            digest: r.t(7)?,
            image_ref: r.ot(8)?,
        },
        first_seen: r.i(9)?,
        last_seen: r.i(10)?,
        removed_at: r.oi(11)?,
    })
}

/// `sha256:` + 64 lowercase hex (or sha384 / sha512 with their lengths).
#[must_use]
pub fn valid_digest(d: &str) -> bool {
    let Some((algo, hex)) = d.split_once(':') else {
        return false;
    };
    let len = match algo {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return false,
    };
    hex.len() == len
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn check_digest(d: &str) -> Result<()> {
    if valid_digest(d) {
        Ok(())
    } else {
        Err(Error::InvalidDigest(d.chars().take(200).collect()))
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(bytes);
    enc.finish().unwrap_or_default()
}

fn upsert_refs(tx: &mut dyn Exec, digest: &str, refs: &[String], now: i64) -> Result<(), Raw> {
    for r in refs {
        tx.exec(
            "INSERT INTO image_refs (digest, reference, first_seen, last_seen) VALUES ($1, $2, $3, $3) \
             ON CONFLICT (digest, reference) DO UPDATE SET last_seen = excluded.last_seen",
            &[digest.into(), r.into(), now.into()],
        )?;
    }
    Ok(())
}

/// A table whose rows are claimed with a lease (jobs, notifications): due rows, and rows whose holder's lease
/// expired (a crashed worker), go to one worker at a time.
struct Lease {
    table: &'static str,
    /// The state of a claimed row.
    held: &'static str,
    /// Which unclaimed rows are due (`$3` is now).
    due: &'static str,
    order: &'static str,
    returning: &'static str,
}

const JOB_LEASE: Lease = Lease {
    table: "jobs",
    held: "running",
    due: "state = 'pending'",
    order: "id",
    returning: "id, db_version, digest, attempts, lease_until",
};

const NOTIFICATION_LEASE: Lease = Lease {
    table: "notifications",
    held: "delivering",
    due: "state = 'pending' AND next_attempt_at <= $3",
    order: "next_attempt_at, id",
    returning: NOTIF_COLS,
};

/// Claims up to `limit` rows of `lease.table` for `worker` until `now + lease_secs`, in one statement: on
/// PostgreSQL `FOR UPDATE SKIP LOCKED` lets workers take disjoint batches without waiting; on SQLite the write
/// transaction (`BEGIN IMMEDIATE`) serialises claims. Rows come back in no particular order.
fn claim(
    tx: &mut dyn Exec,
    lease: &Lease,
    scope: Option<(&str, P)>,
    worker: &str,
    now: i64,
    lease_secs: i64,
    limit: u32,
) -> Result<Vec<Row>, Raw> {
    let skip = if tx.is_pg() {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let Lease {
        table,
        held,
        due,
        order,
        returning,
    } = lease;
    let mut params: Vec<P> = vec![
        worker.into(),
        (now + lease_secs).into(),
        now.into(),
        i64::from(limit).into(),
    ];
    // `scope` narrows the rows to one value of a column (`$5`), e.g. the jobs of one DB version.
    let scoped = match scope {
        Some((column, value)) => {
            params.push(value);
            format!(" AND {column} = $5")
        }
        None => String::new(),
    };
    tx.query(
        &format!(
            "UPDATE {table} SET state = '{held}', lease_owner = $1, lease_until = $2, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM {table} WHERE (({due}) OR (state = '{held}' AND lease_until <= $3)){scoped} \
             ORDER BY {order} LIMIT $4{skip}) RETURNING {returning}"
        ),
        &params,
    )
}

/// Inserts a pending job per digest for `db_version` (existing ones kept). Returns how many were created.
fn insert_jobs(
    tx: &mut dyn Exec,
    db_version: &str,
    digests: &[String],
    now: i64,
) -> Result<u64, Raw> {
    let mut n = 0;
    for chunk in digests.chunks(500) {
        let mut sql =
            String::from("INSERT INTO jobs (db_version, digest, state, created_at) VALUES ");
        let mut params: Vec<P> = vec![db_version.into(), now.into()];
        for (i, d) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            params.push(d.into());
            let _ = write!(sql, "($1, ${}, 'pending', $2)", params.len());
        }
        sql.push_str(" ON CONFLICT (db_version, digest) DO NOTHING");
        n += tx.exec(&sql, &params)?;
    }
    Ok(n)
}

/// The build time in a DB version name, `db-<built_at, 10 digits>-<hex>` (`bulwark_inventory::db_version`):
/// which of two versions is newer is decided by it, not by which arrived last. `None` for other names.
#[must_use]
pub fn version_built_at(version: &str) -> Option<i64> {
    let rest = version.strip_prefix("db-")?;
    let (at, hex) = rest.split_once('-')?;
    if at.len() != 10 || !at.bytes().all(|b| b.is_ascii_digit()) || hex.is_empty() {
        return None;
    }
    at.parse().ok()
}

/// Marks job `id` done if `worker` still holds it.
fn complete(tx: &mut dyn Exec, id: i64, worker: &str, now: i64) -> Result<bool, Raw> {
    Ok(tx.exec(
        "UPDATE jobs SET state = 'done', done_at = $1, lease_owner = NULL, lease_until = NULL \
         WHERE id = $2 AND lease_owner = $3 AND state = 'running'",
        &[now.into(), id.into(), worker.into()],
    )? == 1)
}

/// The body of [`Store::apply_findings`], inside its transaction. A fixed number of statements whatever the
/// number of findings: every multi-row change is one [`Exec::bulk`] (one round trip on PostgreSQL).
fn apply(
    tx: &mut dyn Exec,
    location: &str,
    digest: &str,
    db_version: &str,
    now: i64,
    rows: &[FindingRow],
) -> Result<Diff, Raw> {
    // On PostgreSQL the image row is locked, so two replicas applying to one digest take turns.
    let lock = if tx.is_pg() {
        "SELECT db_version FROM images WHERE digest = $1 FOR UPDATE"
    } else {
        "SELECT db_version FROM images WHERE digest = $1"
    };
    let Some(image) = tx.query(lock, &[digest.into()])?.pop() else {
        return Err(Raw::Err(Box::new(Error::UnknownImage {
            location: location.to_owned(),
            digest: digest.to_owned(),
        })));
    };
    // An image never matched before gets its first findings as a baseline: they are recorded as changes but
    // were judged when the image was pushed or admitted, so no cycle notifies them.
    let baseline = image.ot(0)?.is_none();
    let mut open: HashMap<(String, String), Finding> = HashMap::new();
    for r in tx.query(
        &format!("SELECT {FINDING_COLS} FROM findings WHERE digest = $1 AND fixed_at IS NULL"),
        &[digest.into()],
    )? {
        let f = finding_from(&r, 0)?;
        open.insert((f.vuln_id.clone(), f.purl.clone()), f);
    }
    // The stored details of the open findings, apart from `Finding` (which the API serialises): a re-match
    // that says something else about one (EPSS moves daily) refreshes them below.
    let mut stored_details: HashMap<i64, Option<String>> = HashMap::new();
    if rows.iter().any(|r| r.details.is_some()) {
        for r in tx.query(
            "SELECT id, details FROM findings WHERE digest = $1 AND fixed_at IS NULL",
            &[digest.into()],
        )? {
            stored_details.insert(r.i(0)?, r.ot(1)?);
        }
    }
    let mut given: HashMap<(&str, &str), &FindingRow> = HashMap::with_capacity(rows.len());
    let mut order = Vec::with_capacity(rows.len());
    for r in rows {
        let k = (r.vuln_id.as_str(), r.purl.as_str());
        if given.insert(k, r).is_none() {
            order.push(k);
        }
    }
    let mut diff = Diff::default();

    // Fixed first, so the last_seen update below leaves their last_seen alone.
    let mut fixed_keys: Vec<(String, String)> = open
        .keys()
        .filter(|(v, p)| !given.contains_key(&(v.as_str(), p.as_str())))
        .cloned()
        .collect();
    fixed_keys.sort();
    for k in fixed_keys {
        if let Some(mut f) = open.remove(&k) {
            f.fixed_at = Some(now);
            f.fixed_db_version = Some(db_version.to_owned());
            diff.fixed.push(f);
        }
    }
    tx.bulk(
        "UPDATE findings SET fixed_at = $1, fixed_db_version = $2 WHERE id = $3",
        "UPDATE findings SET fixed_at = $1::bigint, fixed_db_version = $2::text \
         FROM unnest($3::bigint[]) AS u(id) WHERE findings.id = u.id",
        &[now.into(), db_version.into()],
        &[Col::I(diff.fixed.iter().map(|f| Some(f.id)).collect())],
    )?;
    tx.exec(
        "UPDATE findings SET last_seen = $1 WHERE digest = $2 AND fixed_at IS NULL",
        &[now.into(), digest.into()],
    )?;

    // Still open: updated in place when the match says something else about them.
    let mut changed: Vec<(i64, &FindingRow)> = Vec::new();
    let mut details_changed: Vec<(i64, &str)> = Vec::new();
    let mut new: Vec<&FindingRow> = Vec::new();
    for k in &order {
        let r = given[k];
        let Some(f) = open.get(&(r.vuln_id.clone(), r.purl.clone())) else {
            new.push(r);
            continue;
        };
        diff.still_open += 1;
        if let Some(d) = &r.details
            && stored_details.get(&f.id).and_then(Option::as_deref) != Some(d.as_str())
        {
            details_changed.push((f.id, d));
        }
        if f.severity != r.severity
            || f.fixed_version != r.fixed_version
            || f.layer_index != r.layer_index
            || f.layer_digest != r.layer_digest
            || f.layer_created_by != r.layer_created_by
            || (r.owner_team.is_some()
                && (f.owner_team != r.owner_team || f.owner_rule != r.owner_rule))
        {
            changed.push((f.id, r));
        }
    }
    tx.bulk(
        "UPDATE findings SET severity = $2, severity_rank = $3, fixed_version = $4, layer_index = $5, \
         layer_digest = $6, layer_created_by = $7, owner_team = COALESCE($8, owner_team), \
         owner_rule = COALESCE($9, owner_rule) WHERE id = $1",
        "UPDATE findings SET severity = u.severity, severity_rank = u.severity_rank, fixed_version = u.fixed_version, \
         layer_index = u.layer_index, layer_digest = u.layer_digest, layer_created_by = u.layer_created_by, \
         owner_team = COALESCE(u.owner_team, findings.owner_team), \
         owner_rule = COALESCE(u.owner_rule, findings.owner_rule) \
         FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::bigint[], $6::text[], $7::text[], \
         $8::text[], $9::text[]) AS u(id, severity, severity_rank, fixed_version, layer_index, layer_digest, \
         layer_created_by, owner_team, owner_rule) WHERE findings.id = u.id",
        &[],
        &[
            Col::I(changed.iter().map(|(id, _)| Some(*id)).collect()),
            Col::T(changed.iter().map(|(_, r)| Some(r.severity.as_str().to_owned())).collect()),
            Col::I(changed.iter().map(|(_, r)| Some(r.severity as i64)).collect()),
            Col::T(changed.iter().map(|(_, r)| r.fixed_version.clone()).collect()),
            Col::I(changed.iter().map(|(_, r)| r.layer_index).collect()),
            Col::T(changed.iter().map(|(_, r)| r.layer_digest.clone()).collect()),
            Col::T(changed.iter().map(|(_, r)| r.layer_created_by.clone()).collect()),
            Col::T(changed.iter().map(|(_, r)| r.owner_team.clone()).collect()),
            Col::T(changed.iter().map(|(_, r)| r.owner_rule.clone()).collect()),
        ],
    )?;

    tx.bulk(
        "UPDATE findings SET details = $2 WHERE id = $1",
        "UPDATE findings SET details = u.details FROM unnest($1::bigint[], $2::text[]) AS u(id, details) \
         WHERE findings.id = u.id",
        &[],
        &[
            Col::I(details_changed.iter().map(|(id, _)| Some(*id)).collect()),
            Col::T(details_changed.iter().map(|(_, d)| Some((*d).to_owned())).collect()),
        ],
    )?;

    // New: inserted together; the ids come back with their keys.
    let inserted = tx.bulk(
        "INSERT INTO findings (digest, first_seen, last_seen, db_version, vuln_id, purl, package_name, \
         package_version, severity, severity_rank, fixed_version, layer_index, layer_digest, layer_created_by, \
         owner_team, owner_rule, details) VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
         $15, $16) RETURNING id, vuln_id, purl",
        "INSERT INTO findings (digest, first_seen, last_seen, db_version, vuln_id, purl, package_name, \
         package_version, severity, severity_rank, fixed_version, layer_index, layer_digest, layer_created_by, \
         owner_team, owner_rule, details) SELECT $1::text, $2::bigint, $2::bigint, $3::text, u.* FROM \
         unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::text[], \
         $11::bigint[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[]) AS u \
         RETURNING id, vuln_id, purl",
        &[digest.into(), now.into(), db_version.into()],
        &[
            Col::T(new.iter().map(|r| Some(r.vuln_id.clone())).collect()),
            Col::T(new.iter().map(|r| Some(r.purl.clone())).collect()),
            Col::T(new.iter().map(|r| Some(r.package_name.clone())).collect()),
            Col::T(new.iter().map(|r| Some(r.package_version.clone())).collect()),
            Col::T(new.iter().map(|r| Some(r.severity.as_str().to_owned())).collect()),
            Col::I(new.iter().map(|r| Some(r.severity as i64)).collect()),
            Col::T(new.iter().map(|r| r.fixed_version.clone()).collect()),
            Col::I(new.iter().map(|r| r.layer_index).collect()),
            Col::T(new.iter().map(|r| r.layer_digest.clone()).collect()),
            Col::T(new.iter().map(|r| r.layer_created_by.clone()).collect()),
            Col::T(new.iter().map(|r| r.owner_team.clone()).collect()),
            Col::T(new.iter().map(|r| r.owner_rule.clone()).collect()),
            Col::T(new.iter().map(|r| r.details.clone()).collect()),
        ],
    )?;
    let mut ids: HashMap<(String, String), i64> = HashMap::with_capacity(inserted.len());
    for r in &inserted {
        ids.insert((r.t(1)?, r.t(2)?), r.i(0)?);
    }
    for r in new {
        let id = *ids
            .get(&(r.vuln_id.clone(), r.purl.clone()))
            .ok_or_else(|| {
                Raw::Other(format!(
                    "INSERT … RETURNING gave no id for {} {}",
                    r.vuln_id, r.purl
                ))
            })?;
        diff.new.push(Finding {
            id,
            digest: digest.to_owned(),
            vuln_id: r.vuln_id.clone(),
            purl: r.purl.clone(),
            package_name: r.package_name.clone(),
            package_version: r.package_version.clone(),
            severity: r.severity,
            fixed_version: r.fixed_version.clone(),
            layer_index: r.layer_index,
            layer_digest: r.layer_digest.clone(),
            layer_created_by: r.layer_created_by.clone(),
            first_seen: now,
            last_seen: now,
            fixed_at: None,
            db_version: db_version.to_owned(),
            fixed_db_version: None,
            owner_team: r.owner_team.clone(),
            owner_rule: r.owner_rule.clone(),
        });
    }

    // What this apply opened and fixed, new first, each in order: the cycle's notifications read them back.
    let (ids, kinds): (Vec<_>, Vec<_>) = diff
        .new
        .iter()
        .map(|f| (Some(f.id), Some("new".to_owned())))
        .chain(
            diff.fixed
                .iter()
                .map(|f| (Some(f.id), Some("fixed".to_owned()))),
        )
        .unzip();
    tx.bulk(
        "INSERT INTO changes (db_version, digest, baseline, at, finding_id, kind) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (finding_id, kind) DO NOTHING",
        "INSERT INTO changes (db_version, digest, baseline, at, finding_id, kind) \
         SELECT $1::text, $2::text, $3::bigint, $4::bigint, u.id, u.kind \
         FROM unnest($5::bigint[], $6::text[]) WITH ORDINALITY AS u(id, kind, n) ORDER BY u.n \
         ON CONFLICT (finding_id, kind) DO NOTHING",
        &[db_version.into(), digest.into(), i64::from(baseline).into(), now.into()],
        &[Col::I(ids), Col::T(kinds)],
    )?;
    tx.exec(
        "UPDATE images SET db_version = $1, matched_at = $2 WHERE digest = $3",
        &[db_version.into(), now.into(), digest.into()],
    )?;
    Ok(diff)
}

/// [`Store::record_verdict`] inside the caller's transaction.
fn record_verdict_in(tx: &mut dyn Exec, v: &VerdictRecord) -> Result<(bool, Option<String>), Raw> {
    let same = tx.query(
        "SELECT id FROM verdicts WHERE digest = $1 AND workload IS NULL \
         AND COALESCE(db_version, '') = COALESCE($2, '') \
         AND COALESCE(bundle_digest, '') = COALESCE($3, '') LIMIT 1",
        &[
            P::from(&v.digest),
            P::from(&v.db_version),
            P::from(&v.bundle_digest),
        ],
    )?;
    let previous = tx
        .query(
            "SELECT decision FROM verdicts WHERE digest = $1 AND workload IS NULL \
             ORDER BY created_at DESC, id DESC LIMIT 1",
            &[P::from(&v.digest)],
        )?
        .first()
        .map(|r| r.t(0))
        .transpose()?;
    if !same.is_empty() {
        return Ok((false, previous));
    }
    tx.query(
        "INSERT INTO verdicts (digest, workload, decision, bundle_name, bundle_version, bundle_digest, \
         db_version, verdict_json, created_at) VALUES ($1, NULL, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        &[
            P::from(&v.digest),
            P::from(&v.decision),
            P::from(&v.bundle_name),
            P::from(&v.bundle_version),
            P::from(&v.bundle_digest),
            P::from(&v.db_version),
            P::from(&v.verdict_json),
            v.created_at.into(),
        ],
    )?;
    Ok((true, previous))
}

impl Store {
    /// Stores (or replaces) an image's SBOM, as given (kept gzip-compressed), and its packages; adds `refs` to
    /// the references seen for it. Findings are left alone (`apply_findings` owns them).
    pub fn put_image(
        &self,
        digest: &str,
        refs: &[String],
        sbom: &[u8],
        packages: &[PackageRow],
        now: i64,
    ) -> Result<()> {
        check_digest(digest)?;
        if sbom.len() > MAX_SBOM_BYTES {
            return Err(Error::Invalid {
                location: self.location.clone(),
                message: format!(
                    "SBOM of {digest} is {} bytes, over the {MAX_SBOM_BYTES}-byte limit",
                    sbom.len()
                ),
            });
        }
        let gz = gzip(sbom);
        self.write(|tx| {
            tx.exec(
                "INSERT INTO images (digest, sbom, sbom_encoding, sbom_size, package_count, first_seen, last_seen) \
                 VALUES ($1, $2, 'gzip', $3, $4, $5, $5) ON CONFLICT (digest) DO UPDATE SET sbom = excluded.sbom, \
                 sbom_encoding = excluded.sbom_encoding, sbom_size = excluded.sbom_size, \
                 package_count = excluded.package_count, last_seen = excluded.last_seen",
                &[
                    digest.into(),
                    P::B(Some(gz)),
                    (sbom.len() as i64).into(),
                    (packages.len() as i64).into(),
                    now.into(),
                ],
            )?;
            upsert_refs(tx, digest, refs, now)?;
            tx.exec("DELETE FROM packages WHERE digest = $1", &[digest.into()])?;
            for (c, chunk) in packages.chunks(CHUNK).enumerate() {
                let sql = format!(
                    "INSERT INTO packages (digest, idx, name, version, package_type, ecosystem, purl, layer_index, \
                     layer_digest, layer_created_by) VALUES {}",
                    values_list(chunk.len(), COLS)
                );
                let mut params = Vec::with_capacity(chunk.len() * COLS);
                for (i, p) in chunk.iter().enumerate() {
                    params.extend([
                        digest.into(),
                        ((c * CHUNK + i) as i64).into(),
                        P::from(&p.name),
                        P::from(&p.version),
                        P::from(&p.package_type),
                        P::from(&p.ecosystem),
                        P::from(&p.purl),
                        P::I(p.layer_index),
                        P::from(&p.layer_digest),
                        P::from(&p.layer_created_by),
                    ]);
                }
                tx.exec(&sql, &params)?;
            }
            Ok(())
        })
    }

    /// Records references seen for a digest (an admission event, a watch), creating an image without SBOM if
    /// the digest is new.
    pub fn add_image_refs(&self, digest: &str, refs: &[String], now: i64) -> Result<()> {
        check_digest(digest)?;
        self.write(|tx| {
            tx.exec(
                "INSERT INTO images (digest, first_seen, last_seen) VALUES ($1, $2, $2) \
                 ON CONFLICT (digest) DO UPDATE SET last_seen = excluded.last_seen",
                &[digest.into(), now.into()],
            )?;
            upsert_refs(tx, digest, refs, now)
        })
    }

    fn images_where(&self, filter: Option<&str>) -> Result<Vec<Image>> {
        self.read(|tx| {
            let (sql, params): (String, Vec<P>) = match filter {
                Some(d) => (
                    "SELECT digest, package_count, sbom_encoding, db_version, matched_at, first_seen, last_seen \
                     FROM images WHERE digest = $1"
                        .to_owned(),
                    vec![d.into()],
                ),
                None => (
                    "SELECT digest, package_count, sbom_encoding, db_version, matched_at, first_seen, last_seen \
                     FROM images ORDER BY digest"
                        .to_owned(),
                    vec![],
                ),
            };
            let mut images = Vec::new();
            for r in tx.query(&sql, &params)? {
                images.push(Image {
                    digest: r.t(0)?,
                    references: Vec::new(),
                    package_count: r.i(1)?,
                    has_sbom: r.ot(2)?.is_some(),
                    db_version: r.ot(3)?,
                    matched_at: r.oi(4)?,
                    first_seen: r.i(5)?,
                    last_seen: r.i(6)?,
                });
            }
            let refs_sql = if filter.is_some() {
                "SELECT digest, reference FROM image_refs WHERE digest = $1 ORDER BY digest, reference"
            } else {
                "SELECT digest, reference FROM image_refs ORDER BY digest, reference"
            };
            let mut refs: HashMap<String, Vec<String>> = HashMap::new();
            for r in tx.query(refs_sql, &params)? {
                refs.entry(r.t(0)?).or_default().push(r.t(1)?);
            }
            for i in &mut images {
                i.references = refs.remove(&i.digest).unwrap_or_default();
            }
            Ok(images)
        })
    }

    /// Every stored image, by digest.
    pub fn images(&self) -> Result<Vec<Image>> {
        self.images_where(None)
    }

    /// One image, or `None`.
    pub fn image(&self, digest: &str) -> Result<Option<Image>> {
        Ok(self.images_where(Some(digest))?.pop())
    }

    /// The digests of the images that have an SBOM (what a re-match covers).
    pub fn digests_with_sbom(&self) -> Result<Vec<String>> {
        self.read(|tx| {
            tx.query(
                "SELECT digest FROM images WHERE sbom IS NOT NULL ORDER BY digest",
                &[],
            )?
            .iter()
            .map(|r| r.t(0))
            .collect()
        })
    }

    /// The SBOM bytes as stored by `put_image`, or `None`.
    pub fn sbom(&self, digest: &str) -> Result<Option<Vec<u8>>> {
        let row = self.read(|tx| {
            Ok(tx
                .query(
                    "SELECT sbom, sbom_encoding FROM images WHERE digest = $1",
                    &[digest.into()],
                )?
                .pop())
        })?;
        let Some(row) = row else { return Ok(None) };
        let (Some(bytes), enc) = (
            row.ob(0).map_err(|e| self.wrap(e))?,
            row.ot(1).map_err(|e| self.wrap(e))?,
        ) else {
            return Ok(None);
        };
        match enc.as_deref() {
            Some("gzip") => {
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(&bytes[..])
                    .take(MAX_SBOM_BYTES as u64 + 1)
                    .read_to_end(&mut out)
                    .map_err(|e| Error::Invalid {
                        location: self.location.clone(),
                        message: format!("stored SBOM of {digest} does not decompress: {e}"),
                    })?;
                Ok(Some(out))
            }
            None | Some("identity") => Ok(Some(bytes)),
            Some(other) => Err(Error::Invalid {
                location: self.location.clone(),
                message: format!("stored SBOM of {digest} has unknown encoding '{other}'"),
            }),
        }
    }

    /// The packages of an image, in the order given to `put_image`.
    pub fn packages(&self, digest: &str) -> Result<Vec<PackageRow>> {
        self.read(|tx| packages_of(tx, digest))
    }

    /// Records one match result of `digest` against DB `db_version`, in one transaction, compared with the
    /// digest's open findings:
    /// - a (vulnerability, purl) not open before is **new**: a new finding with `first_seen = last_seen = now`
    ///   (also when an earlier episode was fixed: a reappearance is new again, the old episode stays fixed);
    /// - one open before and given again is **still open**: `last_seen = now`, severity / fixed version / layer
    ///   updated, owner updated when given;
    /// - one open before and not given is **fixed**: `fixed_at = now`.
    ///
    /// Re-applying the same rows (a retry after a crash) finds nothing new and fixes nothing. Duplicate keys in
    /// `rows` count once (the last wins).
    pub fn apply_findings(
        &self,
        digest: &str,
        db_version: &str,
        now: i64,
        rows: &[FindingRow],
    ) -> Result<Diff> {
        check_digest(digest)?;
        self.write(|tx| apply(tx, &self.location, digest, db_version, now, rows))
    }

    /// [`Store::apply_findings`] and [`Store::complete_job`] in one transaction, so a re-matching job costs one
    /// commit: the job's findings are recorded and the job marked done together. The `bool` is `false` when
    /// `worker` no longer holds the job (its lease expired and another worker took it over); the findings are
    /// recorded all the same, an apply being idempotent. A job whose version was superseded (see
    /// [`Store::plan_cycle`]) records nothing and is failed: `(empty diff, false)`.
    pub fn apply_job_findings(
        &self,
        job: &Job,
        worker: &str,
        now: i64,
        rows: &[FindingRow],
    ) -> Result<(Diff, bool)> {
        check_digest(&job.digest)?;
        self.write(|tx| {
            // A job of a superseded version records nothing: the newer version's plan re-matches its image, and a
            // late write of the older DB's findings would undo that. The job is failed, saying why.
            if let Some(by) = tx
                .query(
                    "SELECT superseded_by FROM cycles WHERE db_version = $1 AND superseded_by IS NOT NULL",
                    &[job.db_version.as_str().into()],
                )?
                .first()
            {
                let by: String = by.t(0)?;
                tx.exec(
                    "UPDATE jobs SET state = 'failed', done_at = $1, last_error = $2, lease_owner = NULL, \
                     lease_until = NULL WHERE id = $3 AND state = 'running'",
                    &[now.into(), format!("superseded by {by}").into(), job.id.into()],
                )?;
                return Ok((Diff::default(), false));
            }
            let diff = apply(tx, &self.location, &job.digest, &job.db_version, now, rows)?;
            let held = complete(tx, job.id, worker, now)?;
            Ok((diff, held))
        })
    }

    /// What the applies against DB `db_version` opened and fixed, baselines (an image's first match) left out:
    /// the changes a cycle notifies, in the order they were recorded. Each finding is as stored now.
    pub fn changes(&self, db_version: &str) -> Result<Vec<Change>> {
        self.read(|tx| {
            let cols = FINDING_COLS
                .split(", ")
                .map(|c| format!("f.{}", c.trim()))
                .collect::<Vec<_>>()
                .join(", ");
            tx.query(
                &format!(
                    "SELECT c.kind, c.at, {cols} FROM changes c JOIN findings f ON f.id = c.finding_id \
                     WHERE c.db_version = $1 AND c.baseline = 0 ORDER BY c.id"
                ),
                &[db_version.into()],
            )?
            .iter()
            .map(|r| {
                let kind: String = r.t(0)?;
                Ok(Change {
                    kind: if kind == "fixed" { ChangeKind::Fixed } else { ChangeKind::New },
                    at: r.i(1)?,
                    finding: finding_from(r, 2)?,
                })
            })
            .collect()
        })
    }

    /// The findings of a digest (open only, or every episode), oldest first.
    pub fn findings(&self, digest: &str, open_only: bool) -> Result<Vec<Finding>> {
        let cond = if open_only {
            " AND fixed_at IS NULL"
        } else {
            ""
        };
        self.read(|tx| {
            tx.query(
                &format!("SELECT {FINDING_COLS} FROM findings WHERE digest = $1{cond} ORDER BY id"),
                &[digest.into()],
            )?
            .iter()
            .map(|r| finding_from(r, 0))
            .collect()
        })
    }

    /// The open findings of a digest with their details (the JSON object the match wrote, `None` for findings
    /// stored before details existed and not re-matched since), oldest first: the inputs of risk in context.
    pub fn open_findings_with_details(
        &self,
        digest: &str,
    ) -> Result<Vec<(Finding, Option<String>)>> {
        self.read(|tx| {
            tx.query(
                &format!(
                    "SELECT {FINDING_COLS}, details FROM findings WHERE digest = $1 AND fixed_at IS NULL \
                     ORDER BY id"
                ),
                &[digest.into()],
            )?
            .iter()
            .map(|r| Ok((finding_from(r, 0)?, r.ot(18)?)))
            .collect()
        })
    }

    /// Sets the owner team and the routing rule that chose it. Returns whether the finding exists.
    pub fn set_owner(
        &self,
        finding_id: i64,
        team: Option<&str>,
        rule: Option<&str>,
    ) -> Result<bool> {
        self.write(|tx| {
            Ok(tx.exec(
                "UPDATE findings SET owner_team = $1, owner_rule = $2 WHERE id = $3",
                &[team.into(), rule.into(), finding_id.into()],
            )? == 1)
        })
    }

    /// Records that `p.digest` runs at `p`'s key (cluster, namespace, kind, name, container), seen at `now`.
    /// A removed placement seen again comes back; a workload moved to another digest starts a new
    /// `first_seen`.
    pub fn upsert_placement(&self, p: &Placement, now: i64) -> Result<()> {
        self.upsert_placements(std::slice::from_ref(p), now)
    }

    /// [`Store::upsert_placement`] for every placement of `ps`, in one transaction: all are recorded or none
    /// (a digest that is not `sha256:<hex>` refuses the whole list before anything is written).
    pub fn upsert_placements(&self, ps: &[Placement], now: i64) -> Result<()> {
        for p in ps {
            check_digest(&p.digest)?;
        }
        if ps.is_empty() {
            return Ok(());
        }
        self.write(|tx| {
            for p in ps {
                tx.exec(
                    "INSERT INTO placements (cluster, environment, namespace, workload_kind, workload_name, \
                     container, digest, image_ref, first_seen, last_seen) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, \
                     $9, $9) ON CONFLICT (cluster, namespace, workload_kind, workload_name, container) DO UPDATE \
                     SET first_seen = CASE WHEN placements.digest = excluded.digest AND placements.removed_at IS \
                     NULL THEN placements.first_seen ELSE excluded.first_seen END, \
                     environment = excluded.environment, digest = excluded.digest, image_ref = excluded.image_ref, \
                     last_seen = excluded.last_seen, removed_at = NULL",
                    &[
                        P::from(&p.cluster),
                        P::from(&p.environment),
                        P::from(&p.namespace),
                        P::from(&p.workload_kind),
                        P::from(&p.workload_name),
                        P::from(&p.container),
                        P::from(&p.digest),
                        P::from(&p.image_ref),
                        now.into(),
                    ],
                )?;
            }
            Ok(())
        })
    }

    /// After a full re-list of `cluster`: marks removed (at `now`) every placement of that cluster not seen
    /// since `since`. Returns how many.
    pub fn remove_placements_not_seen_since(
        &self,
        cluster: &str,
        since: i64,
        now: i64,
    ) -> Result<u64> {
        self.write(|tx| {
            tx.exec(
                "UPDATE placements SET removed_at = $1 WHERE cluster = $2 AND last_seen < $3 AND removed_at IS NULL",
                &[now.into(), cluster.into(), since.into()],
            )
        })
    }

    /// Marks one placement removed (a watch DELETED event). Returns whether it was present.
    pub fn remove_placement(
        &self,
        cluster: &str,
        namespace: &str,
        kind: &str,
        name: &str,
        container: &str,
        now: i64,
    ) -> Result<bool> {
        self.write(|tx| {
            Ok(tx.exec(
                "UPDATE placements SET removed_at = $1 WHERE cluster = $2 AND namespace = $3 AND workload_kind = $4 \
                 AND workload_name = $5 AND container = $6 AND removed_at IS NULL",
                &[now.into(), cluster.into(), namespace.into(), kind.into(), name.into(), container.into()],
            )? == 1)
        })
    }

    /// Placements matching `f`, by cluster, namespace, kind, name, container.
    pub fn placements(&self, f: &PlacementFilter) -> Result<Vec<PlacementRecord>> {
        let mut sql = format!("SELECT {PLACEMENT_COLS} FROM placements WHERE 1 = 1");
        let mut params: Vec<P> = Vec::new();
        for (col, v) in [
            ("cluster", &f.cluster),
            ("environment", &f.environment),
            ("namespace", &f.namespace),
            ("digest", &f.digest),
        ] {
            if let Some(v) = v {
                params.push(v.into());
                let _ = write!(sql, " AND {col} = ${}", params.len());
            }
        }
        if !f.include_removed {
            sql.push_str(" AND removed_at IS NULL");
        }
        sql.push_str(" ORDER BY cluster, namespace, workload_kind, workload_name, container");
        self.read(|tx| {
            tx.query(&sql, &params)?
                .iter()
                .map(placement_from)
                .collect()
        })
    }

    /// Stores a verdict; returns its id.
    pub fn put_verdict(&self, v: &VerdictRecord) -> Result<i64> {
        self.write(|tx| {
            tx.query(
                "INSERT INTO verdicts (digest, workload, decision, bundle_name, bundle_version, bundle_digest, \
                 db_version, verdict_json, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                &[
                    P::from(&v.digest),
                    P::from(&v.workload),
                    P::from(&v.decision),
                    P::from(&v.bundle_name),
                    P::from(&v.bundle_version),
                    P::from(&v.bundle_digest),
                    P::from(&v.db_version),
                    P::from(&v.verdict_json),
                    v.created_at.into(),
                ],
            )?
            .first()
            .ok_or_else(|| Raw::Other("INSERT … RETURNING id returned no row".into()))?
            .i(0)
        })
    }

    /// Records an image's own verdict (its `workload` is ignored: stored as `None`) from a re-match, once: when a
    /// verdict on the same digest, DB version and bundle digest is already stored (a re-run of the job), nothing
    /// is written. Returns whether it was written, and the decision of the image's latest verdict before it
    /// (`None`: none was stored), in one transaction.
    pub fn record_verdict(&self, v: &VerdictRecord) -> Result<(bool, Option<String>)> {
        check_digest(&v.digest)?;
        self.write(|tx| record_verdict_in(tx, v))
    }

    /// [`Store::apply_job_findings`] and [`Store::record_verdict`] in one transaction (one commit per job): the
    /// job's findings, its completion and the image's verdict are recorded together or not at all.
    pub fn apply_job_findings_with_verdict(
        &self,
        job: &Job,
        worker: &str,
        now: i64,
        rows: &[FindingRow],
        verdict: &VerdictRecord,
    ) -> Result<(Diff, bool, (bool, Option<String>))> {
        check_digest(&job.digest)?;
        self.write(|tx| {
            let recorded = record_verdict_in(tx, verdict)?;
            let diff = apply(tx, &self.location, &job.digest, &job.db_version, now, rows)?;
            let held = complete(tx, job.id, worker, now)?;
            Ok((diff, held, recorded))
        })
    }

    /// The latest verdict on `digest` for `workload` (`None`: the image's own verdict).
    pub fn latest_verdict(
        &self,
        digest: &str,
        workload: Option<&str>,
    ) -> Result<Option<VerdictRecord>> {
        let (cond, params): (&str, Vec<P>) = match workload {
            Some(w) => ("workload = $2", vec![digest.into(), w.into()]),
            None => ("workload IS NULL", vec![digest.into()]),
        };
        self.read(|tx| {
            let rows = tx.query(
                &format!(
                    "SELECT digest, workload, decision, bundle_name, bundle_version, bundle_digest, db_version, \
                     verdict_json, created_at FROM verdicts WHERE digest = $1 AND {cond} \
                     ORDER BY created_at DESC, id DESC LIMIT 1"
                ),
                &params,
            )?;
            rows.first()
                .map(|r| {
                    Ok(VerdictRecord {
                        digest: r.t(0)?,
                        workload: r.ot(1)?,
                        decision: r.t(2)?,
                        bundle_name: r.ot(3)?,
                        bundle_version: r.ot(4)?,
                        bundle_digest: r.ot(5)?,
                        db_version: r.ot(6)?,
                        verdict_json: r.t(7)?,
                        created_at: r.i(8)?,
                    })
                })
                .transpose()
        })
    }

    /// Queues a notification, due at `now`. Returns `false` (and changes nothing) when `dedupe_key` is already
    /// queued or delivered: enqueueing is idempotent.
    pub fn enqueue(
        &self,
        team: &str,
        channel: &str,
        dedupe_key: &str,
        payload: &str,
        now: i64,
    ) -> Result<bool> {
        if payload.len() > MAX_PAYLOAD_BYTES {
            return Err(Error::Invalid {
                location: self.location.clone(),
                message: format!(
                    "notification {dedupe_key}: payload of {} bytes is over the {MAX_PAYLOAD_BYTES}-byte limit",
                    payload.len()
                ),
            });
        }
        self.write(|tx| {
            Ok(tx.exec(
                "INSERT INTO notifications (team, channel, dedupe_key, payload, state, attempts, next_attempt_at, \
                 created_at) VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5) ON CONFLICT (dedupe_key) DO NOTHING",
                &[team.into(), channel.into(), dedupe_key.into(), payload.into(), now.into()],
            )? == 1)
        })
    }

    /// Claims up to `limit` due notifications for `worker` until `now + lease_secs`: pending ones whose
    /// `next_attempt_at` has come, and delivering ones whose lease expired (a crashed worker). Two workers never
    /// get the same notification under a live lease (PostgreSQL `FOR UPDATE SKIP LOCKED`; SQLite
    /// `BEGIN IMMEDIATE`).
    pub fn claim_notifications(
        &self,
        worker: &str,
        now: i64,
        lease_secs: i64,
        limit: u32,
    ) -> Result<Vec<Notification>> {
        self.write(|tx| {
            let mut v: Vec<Notification> = claim(
                tx,
                &NOTIFICATION_LEASE,
                None,
                worker,
                now,
                lease_secs,
                limit,
            )?
            .iter()
            .map(notification_from)
            .collect::<Result<_, _>>()?;
            v.sort_by_key(|n| (n.next_attempt_at, n.id));
            Ok(v)
        })
    }

    /// Marks a claimed notification delivered. Returns `false` when `worker` no longer holds it (its lease
    /// expired and another worker claimed it): the caller then knows it may have been sent twice, and the
    /// dedupe key it sent lets the receiver drop the copy.
    pub fn mark_delivered(&self, id: i64, worker: &str, now: i64) -> Result<bool> {
        self.write(|tx| {
            Ok(tx.exec(
                "UPDATE notifications SET state = 'delivered', delivered_at = $1, lease_owner = NULL, \
                 lease_until = NULL WHERE id = $2 AND lease_owner = $3 AND state = 'delivering'",
                &[now.into(), id.into(), worker.into()],
            )? == 1)
        })
    }

    /// Puts a claimed notification back to pending, due at `at` (backoff, 429 `Retry-After`), recording `error`.
    pub fn retry_at(&self, id: i64, worker: &str, at: i64, error: &str) -> Result<bool> {
        self.write(|tx| {
            Ok(tx.exec(
                "UPDATE notifications SET state = 'pending', next_attempt_at = $1, last_error = $2, \
                 lease_owner = NULL, lease_until = NULL WHERE id = $3 AND lease_owner = $4 AND state = 'delivering'",
                &[at.into(), error.into(), id.into(), worker.into()],
            )? == 1)
        })
    }

    /// Gives up on a claimed notification (state `failed`), recording `error`.
    pub fn fail(&self, id: i64, worker: &str, error: &str) -> Result<bool> {
        self.write(|tx| {
            Ok(tx.exec(
                "UPDATE notifications SET state = 'failed', last_error = $1, lease_owner = NULL, lease_until = NULL \
                 WHERE id = $2 AND lease_owner = $3 AND state = 'delivering'",
                &[error.into(), id.into(), worker.into()],
            )? == 1)
        })
    }

    /// Notifications, optionally in one state, by id.
    pub fn notifications(&self, state: Option<NotificationState>) -> Result<Vec<Notification>> {
        let (cond, params): (&str, Vec<P>) = match state {
            Some(s) => (" WHERE state = $1", vec![s.as_str().into()]),
            None => ("", vec![]),
        };
        self.read(|tx| {
            tx.query(
                &format!("SELECT {NOTIF_COLS} FROM notifications{cond} ORDER BY id"),
                &params,
            )?
            .iter()
            .map(notification_from)
            .collect()
        })
    }

    /// Creates a re-matching job per digest for `db_version` (existing ones are kept). Returns how many were
    /// created.
    pub fn create_jobs(&self, db_version: &str, digests: &[String], now: i64) -> Result<u64> {
        self.write(|tx| insert_jobs(tx, db_version, digests, now))
    }

    /// Records the plan of DB `plan.db_version`'s re-matching cycle, once per version whoever comes first, in
    /// one transaction:
    /// - when a newer version (by build time) already has a cycle, this one is recorded as superseded by it
    ///   and nothing else happens;
    /// - pending jobs of older versions (by the build time in their name, see [`version_built_at`]) are
    ///   deleted and their cycles marked superseded by this one: their images are in this plan, so no job
    ///   waits forever, and a superseded cycle is never notified on its own;
    /// - a job per `plan.jobs` digest;
    /// - each carried digest still at its base version moves to this version as a match would (open findings'
    ///   `last_seen` and the image's `matched_at` set to `now`) without a job: its findings are unchanged;
    /// - the DB digest is kept, and digests no image refers to any more are dropped.
    ///
    /// Returns `false` when the version already had a plan or a newer version supersedes it.
    pub fn plan_cycle(&self, plan: &CyclePlan, now: i64) -> Result<bool> {
        self.write(|tx| {
            let v = plan.db_version.as_str();
            let newer = tx
                .query(
                    "SELECT db_version FROM cycles WHERE built_at > $1 AND superseded_by IS NULL \
                     ORDER BY built_at DESC LIMIT 1",
                    &[plan.built_at.into()],
                )?
                .first()
                .map(|r| r.t(0))
                .transpose()?;
            let mode = plan.mode.as_str();
            let (matched, carried) = (
                i64::try_from(plan.jobs.len()).unwrap_or(i64::MAX),
                i64::try_from(plan.carried.len()).unwrap_or(i64::MAX),
            );
            if let Some(newer) = newer {
                tx.exec(
                    "INSERT INTO cycles (db_version, built_at, mode, matched, carried, superseded_by, created_at) \
                     VALUES ($1, $2, $3, 0, 0, $4, $5) ON CONFLICT (db_version) DO NOTHING",
                    &[v.into(), plan.built_at.into(), mode.into(), newer.into(), now.into()],
                )?;
                return Ok(false);
            }
            if tx.exec(
                "INSERT INTO cycles (db_version, built_at, mode, matched, carried, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (db_version) DO NOTHING",
                &[v.into(), plan.built_at.into(), mode.into(), matched.into(), carried.into(), now.into()],
            )? == 0
            {
                return Ok(false);
            }
            let open: Vec<String> = tx
                .query(
                    "SELECT DISTINCT db_version FROM jobs WHERE state IN ('pending', 'running') AND db_version <> $1",
                    &[v.into()],
                )?
                .iter()
                .map(|r| r.t(0))
                .collect::<Result<_, _>>()?;
            for old in open {
                let Some(at) = version_built_at(&old).filter(|at| *at < plan.built_at) else {
                    continue;
                };
                tx.exec(
                    "DELETE FROM jobs WHERE db_version = $1 AND state = 'pending'",
                    &[old.as_str().into()],
                )?;
                tx.exec(
                    "INSERT INTO cycles (db_version, built_at, mode, matched, carried, superseded_by, created_at) \
                     VALUES ($1, $2, 'full', 0, 0, $3, $4) \
                     ON CONFLICT (db_version) DO UPDATE SET superseded_by = excluded.superseded_by",
                    &[old.as_str().into(), at.into(), v.into(), now.into()],
                )?;
            }
            insert_jobs(tx, v, &plan.jobs, now)?;
            let mut by_base: HashMap<&str, Vec<&str>> = HashMap::new();
            for (digest, base) in &plan.carried {
                by_base.entry(base.as_str()).or_default().push(digest.as_str());
            }
            for (base, digests) in by_base {
                for chunk in digests.chunks(500) {
                    let mut params: Vec<P> = vec![now.into(), base.into(), v.into()];
                    let mut list = String::new();
                    for d in chunk {
                        params.push((*d).into());
                        let _ = write!(list, "{}${}", if list.is_empty() { "" } else { "," }, params.len());
                    }
                    // The image's version is the guard: one a job of another version moved meanwhile stays.
                    let moved: Vec<String> = tx
                        .query(
                            &format!(
                                "UPDATE images SET db_version = $3, matched_at = $1 \
                                 WHERE db_version = $2 AND digest IN ({list}) RETURNING digest"
                            ),
                            &params,
                        )?
                        .iter()
                        .map(|r| r.t(0))
                        .collect::<Result<_, _>>()?;
                    if moved.is_empty() {
                        continue;
                    }
                    let mut params: Vec<P> = vec![now.into()];
                    let mut list = String::new();
                    for d in moved {
                        params.push(d.into());
                        let _ = write!(list, "{}${}", if list.is_empty() { "" } else { "," }, params.len());
                    }
                    tx.exec(
                        &format!(
                            "UPDATE findings SET last_seen = $1 WHERE fixed_at IS NULL AND digest IN ({list})"
                        ),
                        &params,
                    )?;
                }
            }
            if let Some(digest) = &plan.digest {
                tx.exec(
                    "INSERT INTO db_digests (db_version, digest, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (db_version) DO NOTHING",
                    &[v.into(), P::B(Some(digest.clone())), now.into()],
                )?;
            }
            tx.exec(
                "DELETE FROM db_digests WHERE db_version <> $1 AND db_version NOT IN \
                 (SELECT db_version FROM images WHERE db_version IS NOT NULL)",
                &[v.into()],
            )?;
            Ok(true)
        })
    }

    /// Drops every kept DB digest: the next cycle has no delta to go by and re-matches every image (a full
    /// re-match on demand, e.g. after a matcher change the DB delta cannot show). Returns how many were dropped.
    pub fn forget_db_digests(&self) -> Result<u64> {
        self.write(|tx| tx.exec("DELETE FROM db_digests", &[]))
    }

    /// Digests with a job running for a DB version other than `db_version` (a plan matches them rather than
    /// carry them: their image may be about to change).
    pub fn running_job_digests(&self, db_version: &str) -> Result<Vec<String>> {
        self.read(|tx| {
            tx.query(
                "SELECT DISTINCT digest FROM jobs WHERE state = 'running' AND db_version <> $1",
                &[db_version.into()],
            )?
            .iter()
            .map(|r| r.t(0))
            .collect()
        })
    }

    /// The cycle planned for `db_version`, if any.
    pub fn cycle(&self, db_version: &str) -> Result<Option<Cycle>> {
        self.read(|tx| {
            tx.query(
                "SELECT db_version, built_at, mode, matched, carried, superseded_by FROM cycles WHERE db_version = $1",
                &[db_version.into()],
            )?
            .first()
            .map(|r| {
                Ok(Cycle {
                    db_version: r.t(0)?,
                    built_at: r.i(1)?,
                    mode: r.t(2)?,
                    matched: r.i(3)?,
                    carried: r.i(4)?,
                    superseded_by: r.ot(5)?,
                })
            })
            .transpose()
        })
    }

    /// The newest version planned before `built_at` (by build time) that no other version superseded: the
    /// cycle a new version follows.
    pub fn previous_cycle(&self, built_at: i64) -> Result<Option<String>> {
        self.read(|tx| {
            tx.query(
                "SELECT db_version FROM cycles WHERE built_at < $1 AND superseded_by IS NULL \
                 ORDER BY built_at DESC, db_version DESC LIMIT 1",
                &[built_at.into()],
            )?
            .first()
            .map(|r| r.t(0))
            .transpose()
        })
    }

    /// The versions `db_version` superseded (their changes are notified with its own).
    pub fn superseded_versions(&self, db_version: &str) -> Result<Vec<String>> {
        self.read(|tx| {
            tx.query(
                "SELECT db_version FROM cycles WHERE superseded_by = $1 ORDER BY built_at, db_version",
                &[db_version.into()],
            )?
            .iter()
            .map(|r| r.t(0))
            .collect()
        })
    }

    /// The DB digest kept for `db_version` by [`Store::plan_cycle`].
    pub fn db_digest(&self, db_version: &str) -> Result<Option<Vec<u8>>> {
        self.read(|tx| {
            Ok(tx
                .query(
                    "SELECT digest FROM db_digests WHERE db_version = $1",
                    &[db_version.into()],
                )?
                .first()
                .map(|r| r.ob(0))
                .transpose()?
                .flatten())
        })
    }

    /// Every image with an SBOM and the DB version it was last matched against (`None`: never matched), by
    /// digest.
    pub fn image_versions(&self) -> Result<Vec<(String, Option<String>)>> {
        self.read(|tx| {
            tx.query(
                "SELECT digest, db_version FROM images WHERE sbom IS NOT NULL ORDER BY digest",
                &[],
            )?
            .iter()
            .map(|r| Ok((r.t(0)?, r.ot(1)?)))
            .collect()
        })
    }

    /// Every stored package as `(digest, name, purl)` (the purl carries the source package, `upstream=`).
    pub fn package_names(&self) -> Result<Vec<(String, String, String)>> {
        self.read(|tx| {
            tx.query("SELECT digest, name, purl FROM packages", &[])?
                .iter()
                .map(|r| Ok((r.t(0)?, r.t(1)?, r.t(2)?)))
                .collect()
        })
    }

    /// The vulnerability ids of every open finding, as `(digest, vuln_id)`.
    pub fn open_vuln_ids(&self) -> Result<Vec<(String, String)>> {
        self.read(|tx| {
            tx.query(
                "SELECT DISTINCT digest, vuln_id FROM findings WHERE fixed_at IS NULL",
                &[],
            )?
            .iter()
            .map(|r| Ok((r.t(0)?, r.t(1)?)))
            .collect()
        })
    }

    /// Claims up to `limit` jobs of DB `db_version` for `worker` until `now + lease_secs`: pending ones, and
    /// running ones whose lease expired (a crashed worker). Oldest first. Only `db_version`'s: a worker
    /// matches with the DB it loaded, and its findings are recorded under that version.
    pub fn claim_jobs(
        &self,
        worker: &str,
        db_version: &str,
        now: i64,
        lease_secs: i64,
        limit: u32,
    ) -> Result<Vec<Job>> {
        self.write(|tx| {
            let scope = Some(("db_version", P::from(db_version)));
            let mut v: Vec<Job> = claim(tx, &JOB_LEASE, scope, worker, now, lease_secs, limit)?
                .iter()
                .map(|r| {
                    Ok(Job {
                        id: r.i(0)?,
                        db_version: r.t(1)?,
                        digest: r.t(2)?,
                        attempts: r.i(3)?,
                        lease_until: r.i(4)?,
                    })
                })
                .collect::<Result<_, Raw>>()?;
            v.sort_by_key(|j| j.id);
            Ok(v)
        })
    }

    /// Marks a claimed job done. Returns `false` when `worker` no longer holds it (lease expired and re-claimed;
    /// `apply_findings` being idempotent, the double work is harmless).
    pub fn complete_job(&self, id: i64, worker: &str, now: i64) -> Result<bool> {
        self.write(|tx| complete(tx, id, worker, now))
    }

    /// Gives up on a claimed job (state `failed`, not claimed again), recording `error`. Returns `false` when
    /// `worker` no longer holds it.
    pub fn fail_job(&self, id: i64, worker: &str, now: i64, error: &str) -> Result<bool> {
        self.write(|tx| {
            Ok(tx.exec(
                "UPDATE jobs SET state = 'failed', done_at = $1, last_error = $2, lease_owner = NULL, \
                 lease_until = NULL WHERE id = $3 AND lease_owner = $4 AND state = 'running'",
                &[now.into(), error.into(), id.into(), worker.into()],
            )? == 1)
        })
    }

    /// Jobs of `db_version` by state.
    pub fn job_counts(&self, db_version: &str) -> Result<JobCounts> {
        self.read(|tx| {
            let mut c = JobCounts::default();
            for r in tx.query(
                "SELECT state, COUNT(*) FROM jobs WHERE db_version = $1 GROUP BY state",
                &[db_version.into()],
            )? {
                let n = r.i(1)?;
                match r.t(0)?.as_str() {
                    "pending" => c.pending = n,
                    "running" => c.running = n,
                    "done" => c.done = n,
                    _ => c.failed = n,
                }
            }
            Ok(c)
        })
    }

    /// Jobs of `db_version` still to do (pending or running; failed ones are not counted).
    pub fn jobs_remaining(&self, db_version: &str) -> Result<i64> {
        self.read(|tx| {
            tx.query(
                "SELECT COUNT(*) FROM jobs WHERE db_version = $1 AND state IN ('pending', 'running')",
                &[db_version.into()],
            )?
            .first()
            .map_or(Ok(0), |r| r.i(0))
        })
    }

    /// A value of the `meta` table.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        self.read(|tx| {
            tx.query("SELECT value FROM meta WHERE key = $1", &[key.into()])?
                .first()
                .map(|r| r.t(0))
                .transpose()
        })
    }

    /// Sets a value of the `meta` table.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[key.into(), value.into()],
            )?;
            Ok(())
        })
    }

    /// `bulwark get cve`: findings with their images' references and the workloads running them, filtered by
    /// `q`; most severe first, then by vulnerability id and digest. With a placement filter (environment,
    /// namespace, cluster), only findings of digests running there are listed, with those workloads only.
    pub fn cves(&self, q: &CveQuery) -> Result<Vec<CveRow>> {
        /// 1 when the finding was opened by its image's first match (see `changes`).
        const BASELINE: &str = "(SELECT COUNT(*) FROM changes c WHERE c.finding_id = f.id AND c.kind = 'new' \
                                AND c.baseline = 1)";
        let placement_filter =
            q.environment.is_some() || q.namespace.is_some() || q.cluster.is_some();
        let cols: String = FINDING_COLS
            .split(", ")
            .map(|c| format!("f.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut sql = format!(
            "SELECT {cols}, p.cluster, p.environment, p.namespace, p.workload_kind, p.workload_name, p.container, \
             {BASELINE} FROM findings f {} placements p ON p.digest = f.digest AND p.removed_at IS NULL WHERE 1 = 1",
            if placement_filter {
                "JOIN"
            } else {
                "LEFT JOIN"
            }
        );
        let mut params: Vec<P> = Vec::new();
        let mut push = |sql: &mut String, cond: &str, v: P| {
            params.push(v);
            sql.push_str(&cond.replace("$?", &format!("${}", params.len())));
        };
        if !q.include_fixed {
            sql.push_str(" AND f.fixed_at IS NULL");
        }
        if let Some(s) = q.min_severity {
            push(&mut sql, " AND f.severity_rank >= $?", (s as i64).into());
        }
        if let Some(t) = q.new_since {
            push(
                &mut sql,
                &format!(" AND f.first_seen >= $? AND {BASELINE} = 0"),
                t.into(),
            );
        }
        if let Some(t) = &q.owner_team {
            push(&mut sql, " AND f.owner_team = $?", t.into());
        }
        if let Some(v) = &q.environment {
            push(&mut sql, " AND p.environment = $?", v.into());
        }
        if let Some(v) = &q.namespace {
            push(&mut sql, " AND p.namespace = $?", v.into());
        }
        if let Some(v) = &q.cluster {
            push(&mut sql, " AND p.cluster = $?", v.into());
        }
        if let Some(v) = &q.image {
            push(
                &mut sql,
                " AND (f.digest = $? OR f.digest IN (SELECT digest FROM image_refs WHERE reference = $?))",
                v.into(),
            );
        }
        sql.push_str(
            " ORDER BY f.severity_rank DESC, f.vuln_id, f.digest, f.purl, f.id, p.cluster, p.namespace, \
             p.workload_kind, p.workload_name, p.container",
        );
        let mark = q.mark_new_since.or(q.new_since);
        self.read(|tx| {
            let mut out: Vec<CveRow> = Vec::new();
            let mut refs: HashMap<String, Vec<String>> = HashMap::new();
            for r in tx.query(&sql, &params)? {
                let id = r.i(0)?;
                if out.last().is_none_or(|row| row.finding.id != id) {
                    let finding = finding_from(&r, 0)?;
                    if !refs.contains_key(&finding.digest) {
                        let list = tx
                            .query(
                                "SELECT reference FROM image_refs WHERE digest = $1 ORDER BY reference",
                                &[P::from(&finding.digest)],
                            )?
                            .iter()
                            .map(|r| r.t(0))
                            .collect::<Result<Vec<_>, _>>()?;
                        refs.insert(finding.digest.clone(), list);
                    }
                    out.push(CveRow {
                        image_refs: refs[&finding.digest].clone(),
                        // New: first seen since the mark, and not part of the image's baseline (its
                        // first match, when it was pushed or admitted).
                        is_new: mark.is_some_and(|t| finding.first_seen >= t)
                            && r.i(24)? == 0,
                        finding,
                        workloads: Vec::new(),
                    });
                }
                let b = 18;
                if let (Some(cluster), Some(row)) = (r.ot(b)?, out.last_mut()) {
                    row.workloads.push(Workload {
                        cluster,
                        environment: r.ot(b + 1)?,
                        namespace: r.t(b + 2)?,
                        kind: r.t(b + 3)?,
                        name: r.t(b + 4)?,
                        container: r.t(b + 5)?,
                    });
                }
            }
            Ok(out)
        })
    }
}

/// The packages of `digest`, in the order given to `put_image` (`Store::packages`, and `image_detail` inside its
/// own transaction).
pub(crate) fn packages_of(tx: &mut dyn Exec, digest: &str) -> Result<Vec<PackageRow>, Raw> {
    tx.query(
        "SELECT name, version, package_type, ecosystem, purl, layer_index, layer_digest, layer_created_by \
         FROM packages WHERE digest = $1 ORDER BY idx",
        &[digest.into()],
    )?
    .iter()
    .map(|r| {
        Ok(PackageRow {
            name: r.t(0)?,
            version: r.t(1)?,
            package_type: r.t(2)?,
            ecosystem: r.ot(3)?,
            purl: r.t(4)?,
            layer_index: r.oi(5)?,
            layer_digest: r.ot(6)?,
            layer_created_by: r.ot(7)?,
        })
    })
    .collect()
}

/// `objects.resource_version <= excluded.resource_version` for decimal resourceVersions (shorter is smaller,
/// then digit by digit), and true when either is unknown (`''`): the order the watch and the API server give.
const RV_NOT_NEWER: &str = "(excluded.resource_version = '' OR objects.resource_version = '' \
     OR length(objects.resource_version) < length(excluded.resource_version) \
     OR (length(objects.resource_version) = length(excluded.resource_version) \
     AND objects.resource_version <= excluded.resource_version))";

/// The kinds of a namespace that [`Store::context_objects`] returns whole, in this order.
const CONTEXT_KINDS: [&str; 3] = ["Service", "Ingress", "NetworkPolicy"];

fn object_json(r: &Row, n: usize) -> Result<serde_json::Value, Raw> {
    serde_json::from_str(&r.t(n)?)
        .map_err(|e| Raw::Other(format!("stored object is not JSON: {e}")))
}

impl Store {
    /// Stores Kubernetes objects of `cluster` seen at `now`, trimmed by [`crate::trim_object`], in one
    /// transaction. Idempotent: the same object again only moves `last_seen`. A newer resourceVersion wins:
    /// an object whose stored resourceVersion is newer (a replayed older event) is left as it is, tombstone
    /// included. Objects that `trim_object` refuses (Secrets, ConfigMaps, oversized…) are not written and are
    /// returned in [`crate::ObjectsWritten::refused`], each naming the object.
    pub fn upsert_objects(
        &self,
        cluster: &str,
        objects: &[serde_json::Value],
        now: i64,
    ) -> Result<crate::ObjectsWritten> {
        let mut refused = Vec::new();
        let mut rows = Vec::with_capacity(objects.len());
        for o in objects {
            match crate::trim_object(o) {
                Ok(t) => rows.push(t),
                Err(e) => refused.push(e.0),
            }
        }
        let mut out = self.upsert_trimmed(cluster, &rows, now)?;
        out.refused = refused;
        Ok(out)
    }

    /// [`Store::upsert_objects`] for objects already trimmed by [`crate::trim_object`] (the admission path
    /// trims on the request path, so that its queue holds bounded objects).
    pub fn upsert_trimmed(
        &self,
        cluster: &str,
        rows: &[crate::StoredObject],
        now: i64,
    ) -> Result<crate::ObjectsWritten> {
        let mut out = crate::ObjectsWritten::default();
        if rows.is_empty() {
            return Ok(out);
        }
        let (written, stale) = self.write(|tx| {
            let (mut written, mut stale) = (0, 0);
            for t in rows {
                let n = tx.exec(
                    &format!(
                        "INSERT INTO objects (cluster, api_version, kind, namespace, name, uid, resource_version, \
                         json, first_seen, last_seen) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
                         ON CONFLICT (cluster, kind, namespace, name) DO UPDATE SET \
                         first_seen = CASE WHEN objects.deleted_at IS NULL AND objects.uid = excluded.uid \
                         THEN objects.first_seen ELSE excluded.first_seen END, \
                         api_version = excluded.api_version, uid = excluded.uid, \
                         resource_version = excluded.resource_version, json = excluded.json, \
                         last_seen = excluded.last_seen, deleted_at = NULL WHERE {RV_NOT_NEWER}"
                    ),
                    &[
                        cluster.into(),
                        P::from(&t.api_version),
                        P::from(&t.kind),
                        P::from(&t.namespace),
                        P::from(&t.name),
                        P::from(&t.uid),
                        P::from(&t.resource_version),
                        P::from(&t.json),
                        now.into(),
                    ],
                )?;
                if n == 1 {
                    written += 1;
                } else {
                    stale += 1;
                }
            }
            Ok((written, stale))
        })?;
        out.written = written;
        out.stale = stale;
        Ok(out)
    }

    /// Marks one object deleted at `now` (a watch DELETED event), keeping its row as a tombstone so that a
    /// replayed older event cannot bring it back. `resource_version` is the deleted object's (the DELETED
    /// event's); an older one than stored is ignored. Returns whether a live object was marked.
    pub fn delete_object(
        &self,
        cluster: &str,
        kind: &str,
        namespace: &str,
        name: &str,
        resource_version: Option<&str>,
        now: i64,
    ) -> Result<bool> {
        let rv = resource_version
            .filter(|r| !r.is_empty() && r.len() <= 20 && r.bytes().all(|b| b.is_ascii_digit()))
            .map_or("", |r| r.trim_start_matches('0'));
        self.write(|tx| {
            Ok(tx.exec(
                &format!(
                    "UPDATE objects SET deleted_at = $1, resource_version = CASE WHEN CAST($2 AS TEXT) = '' THEN \
                     resource_version ELSE CAST($2 AS TEXT) END WHERE cluster = $3 AND kind = $4 AND namespace = $5 AND \
                     name = $6 AND deleted_at IS NULL AND {}",
                    RV_NOT_NEWER.replace("excluded.resource_version", "CAST($2 AS TEXT)")
                ),
                &[now.into(), rv.into(), cluster.into(), kind.into(), namespace.into(), name.into()],
            )? == 1)
        })
    }

    /// After a full re-list of `kind` in `cluster` (optionally one namespace): marks deleted (at `now`) every
    /// live object of that kind not seen since `since`. Returns how many.
    pub fn delete_objects_not_seen_since(
        &self,
        cluster: &str,
        kind: &str,
        namespace: Option<&str>,
        since: i64,
        now: i64,
    ) -> Result<u64> {
        let mut sql = "UPDATE objects SET deleted_at = $1 WHERE cluster = $2 AND kind = $3 AND last_seen < $4 \
                       AND deleted_at IS NULL"
            .to_owned();
        let mut params: Vec<P> = vec![now.into(), cluster.into(), kind.into(), since.into()];
        if let Some(ns) = namespace {
            params.push(ns.into());
            sql.push_str(" AND namespace = $5");
        }
        self.write(|tx| tx.exec(&sql, &params))
    }

    /// After a full re-list of `kind` in `cluster`: marks deleted (at `now`) every live object of that kind
    /// whose (namespace, name) is not in `listed`, in one transaction. Returns how many. Unlike
    /// [`Store::delete_objects_not_seen_since`], it does not depend on the clock: an object written by a watch
    /// event in the same second as the list started, and missing from the list, goes too.
    pub fn delete_objects_not_listed(
        &self,
        cluster: &str,
        kind: &str,
        listed: &std::collections::HashSet<(String, String)>,
        now: i64,
    ) -> Result<u64> {
        self.write(|tx| {
            let live = tx.query(
                "SELECT namespace, name FROM objects WHERE cluster = $1 AND kind = $2 AND deleted_at IS NULL",
                &[cluster.into(), kind.into()],
            )?;
            let mut gone = 0;
            for r in &live {
                let key = (r.t(0)?, r.t(1)?);
                if listed.contains(&key) {
                    continue;
                }
                gone += tx.exec(
                    "UPDATE objects SET deleted_at = $1 WHERE cluster = $2 AND kind = $3 AND namespace = $4 \
                     AND name = $5 AND deleted_at IS NULL",
                    &[now.into(), cluster.into(), kind.into(), key.0.into(), key.1.into()],
                )?;
            }
            Ok(gone)
        })
    }

    /// One live (not deleted) stored object, trimmed as stored.
    pub fn object(
        &self,
        cluster: &str,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Result<Option<serde_json::Value>> {
        self.read(|tx| {
            tx.query(
                "SELECT json FROM objects WHERE cluster = $1 AND kind = $2 AND namespace = $3 AND name = $4 \
                 AND deleted_at IS NULL",
                &[cluster.into(), kind.into(), namespace.into(), name.into()],
            )?
            .first()
            .map(|r| object_json(r, 0))
            .transpose()
        })
    }

    /// Every live object of `cluster` (the input of one cross-object analysis of the whole cluster: risk in
    /// context for every workload at once), ordered by kind, namespace and name.
    pub fn cluster_objects(&self, cluster: &str) -> Result<Vec<serde_json::Value>> {
        self.read(|tx| {
            tx.query(
                "SELECT json FROM objects WHERE cluster = $1 AND deleted_at IS NULL ORDER BY kind, namespace, name",
                &[cluster.into()],
            )?
            .iter()
            .map(|r| object_json(r, 0))
            .collect()
        })
    }

    /// The live objects that give the workload `workload_kind/workload_name` of `namespace` its risk context,
    /// in this order: the workload itself; the Services, Ingresses and NetworkPolicies of its namespace; its
    /// ServiceAccount (the pod spec's `serviceAccountName`, else `default`); the RoleBindings of the namespace
    /// and the ClusterRoleBindings whose subjects hold that service account (by name, or as a member of
    /// `system:serviceaccounts`, `system:serviceaccounts:<namespace>` or `system:authenticated`); then the
    /// Roles and ClusterRoles those bindings reference. Each kind is sorted by name. Empty when the workload
    /// is not stored.
    pub fn context_objects(
        &self,
        cluster: &str,
        namespace: &str,
        workload_kind: &str,
        workload_name: &str,
    ) -> Result<Vec<serde_json::Value>> {
        self.read(|tx| {
            let one = |tx: &mut dyn Exec, kind: &str, ns: &str, name: &str| {
                tx.query(
                    "SELECT json FROM objects WHERE cluster = $1 AND kind = $2 AND namespace = $3 AND name = $4 \
                     AND deleted_at IS NULL",
                    &[cluster.into(), kind.into(), ns.into(), name.into()],
                )?
                .first()
                .map(|r| object_json(r, 0))
                .transpose()
            };
            let all = |tx: &mut dyn Exec, kind: &str, ns: &str| -> Result<Vec<serde_json::Value>, Raw> {
                tx.query(
                    "SELECT json FROM objects WHERE cluster = $1 AND kind = $2 AND namespace = $3 \
                     AND deleted_at IS NULL ORDER BY name",
                    &[cluster.into(), kind.into(), ns.into()],
                )?
                .iter()
                .map(|r| object_json(r, 0))
                .collect()
            };
            let Some(workload) = one(tx, workload_kind, namespace, workload_name)? else {
                return Ok(Vec::new());
            };
            let spec = crate::objects::pod_spec(workload_kind, &workload);
            let sa = spec
                .and_then(|s| {
                    s.get("serviceAccountName")
                        .or_else(|| s.get("serviceAccount"))
                        .and_then(serde_json::Value::as_str)
                })
                .filter(|s| !s.is_empty())
                .unwrap_or("default")
                .to_owned();
            let mut out = vec![workload];
            for kind in CONTEXT_KINDS {
                out.extend(all(tx, kind, namespace)?);
            }
            out.extend(one(tx, "ServiceAccount", namespace, &sa)?);
            let role_bindings: Vec<_> = all(tx, "RoleBinding", namespace)?
                .into_iter()
                .filter(|b| crate::objects::binding_reaches(b, namespace, namespace, &sa))
                .collect();
            let cluster_bindings: Vec<_> = all(tx, "ClusterRoleBinding", "")?
                .into_iter()
                .filter(|b| crate::objects::binding_reaches(b, "", namespace, &sa))
                .collect();
            let mut roles = std::collections::BTreeSet::new();
            let mut cluster_roles = std::collections::BTreeSet::new();
            for b in role_bindings.iter().chain(&cluster_bindings) {
                let kind = b.pointer("/roleRef/kind").and_then(serde_json::Value::as_str);
                let Some(name) = b.pointer("/roleRef/name").and_then(serde_json::Value::as_str) else {
                    continue;
                };
                match kind {
                    // A ClusterRoleBinding can only reference a ClusterRole.
                    Some("Role") if b.get("kind").and_then(serde_json::Value::as_str) == Some("RoleBinding") => {
                        roles.insert(name.to_owned());
                    }
                    Some("ClusterRole") => {
                        cluster_roles.insert(name.to_owned());
                    }
                    _ => {}
                }
            }
            out.extend(role_bindings);
            out.extend(cluster_bindings);
            for r in &roles {
                out.extend(one(tx, "Role", namespace, r)?);
            }
            for r in &cluster_roles {
                out.extend(one(tx, "ClusterRole", "", r)?);
            }
            Ok(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests() {
        assert!(valid_digest(&format!("sha256:{}", "0a".repeat(32))));
        assert!(!valid_digest(&format!("sha256:{}", "0A".repeat(32))));
        assert!(!valid_digest("sha256:abc"));
        assert!(!valid_digest("md5:00"));
        assert!(!valid_digest("nocolon"));
    }
}
