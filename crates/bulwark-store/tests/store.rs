//! The store's behaviour, run against both back ends: SQLite in a temp dir and a real PostgreSQL server
//! (see `support`). Every scenario is a plain fn over a `TestDb`; `both!` makes one test per back end.
#![allow(clippy::many_single_char_names)] // s = store, d = digest, a/b/c = findings: short and local.

mod support;

use std::collections::{BTreeSet, HashSet};
use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier, Mutex};

use bulwark_store::{
    CveQuery, CyclePlan, Error, FindingRow, NotificationState, PackageRow, Placement,
    PlacementFilter, Store, VerdictRecord,
};
use bulwark_types::Severity;
use support::TestDb;

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name(&super::TestDb::sqlite()); } )*
        }
        mod postgres {
            $( #[test] fn $name() { super::$name(&super::TestDb::postgres()); } )*
        }
    };
}

both!(
    sbom_and_packages_round_trip,
    diff_new_still_open_fixed_reappeared,
    apply_is_idempotent_and_atomic_on_error,
    placements_upsert_and_removal,
    verdicts_latest,
    queue_is_idempotent_and_leases_expire,
    jobs_lease_expiry,
    a_job_is_applied_and_completed_at_once,
    many_findings_change_in_one_apply,
    cve_query_filters,
    concurrent_workers_share_jobs_exactly_once,
    concurrent_workers_share_notifications_exactly_once,
    workers_in_two_processes_share_jobs,
    concurrent_applies_to_one_digest_take_turns,
    concurrent_open_migrates_once,
    newer_schema_is_refused,
    foreign_database_is_refused,
    killed_writer_leaves_a_consistent_store,
    claims_are_bounded_to_the_worker_db_version,
    two_workers_on_two_versions_each_do_their_own,
    a_newer_version_supersedes_an_older_one,
    carried_images_move_to_the_new_version,
    details_are_stored_refreshed_and_kept,
);

/// A finding's details (the match's title, CVSS, EPSS, KEV) are stored with it, refreshed when a re-match says
/// something else (EPSS moves daily), kept when a caller gives none, and never open a new episode.
fn details_are_stored_refreshed_and_kept(db: &TestDb) {
    let s = db.open();
    let d = digest(1);
    s.put_image(&d, &[], b"{}", &[], 1).unwrap();
    let with = |epss: f64| {
        let mut f = finding("CVE-1", "a", Severity::High);
        f.details = Some(format!(
            r#"{{"title":"<b>t</b>","epss":{epss},"kev":true}}"#
        ));
        f
    };
    let details = |s: &Store| -> Vec<Option<String>> {
        s.open_findings_with_details(&d)
            .unwrap()
            .into_iter()
            .map(|(_, x)| x)
            .collect()
    };
    let first = s.apply_findings(&d, "v1", 100, &[with(0.5)]).unwrap();
    assert_eq!(first.new.len(), 1);
    assert_eq!(
        details(&s),
        [Some(
            r#"{"title":"<b>t</b>","epss":0.5,"kev":true}"#.to_owned()
        )]
    );
    // EPSS moved: the same episode, new details.
    let again = s.apply_findings(&d, "v2", 200, &[with(0.9)]).unwrap();
    assert!(again.new.is_empty() && again.fixed.is_empty() && again.still_open == 1);
    assert_eq!(
        details(&s),
        [Some(
            r#"{"title":"<b>t</b>","epss":0.9,"kev":true}"#.to_owned()
        )]
    );
    // A row without details (an older writer) keeps what is stored.
    s.apply_findings(&d, "v3", 300, &[finding("CVE-1", "a", Severity::High)])
        .unwrap();
    assert_eq!(
        details(&s),
        [Some(
            r#"{"title":"<b>t</b>","epss":0.9,"kev":true}"#.to_owned()
        )]
    );
    assert_eq!(s.findings(&d, false).unwrap().len(), 1);
}

fn digest(n: u32) -> String {
    format!("sha256:{n:064x}")
}

fn finding(vuln: &str, pkg: &str, sev: Severity) -> FindingRow {
    FindingRow {
        vuln_id: vuln.to_owned(),
        purl: format!("pkg:deb/debian/{pkg}@1.0"),
        package_name: pkg.to_owned(),
        package_version: "1.0".to_owned(),
        severity: sev,
        fixed_version: Some("1.1".to_owned()),
        layer_index: Some(0),
        layer_digest: Some(digest(999)),
        layer_created_by: Some("/bin/sh -c #(nop) ADD file:base in /".to_owned()),
        owner_team: None,
        owner_rule: None,
        details: None,
    }
}

fn keys(fs: &[bulwark_store::Finding]) -> BTreeSet<String> {
    fs.iter()
        .map(|f| format!("{} {}", f.vuln_id, f.package_name))
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn sbom_and_packages_round_trip(db: &TestDb) {
    let s = db.open();
    let d = digest(1);
    let mut pkg = bulwark_types::Package::new(
        bulwark_types::PackageType::Dpkg,
        "openssl",
        "3.0.11-1~deb12u2",
    );
    pkg.purl = "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64".into();
    pkg.layer = Some(bulwark_types::LayerRef {
        index: 0,
        digest: Some(digest(7).into()),
        diff_id: None,
        created_by: Some("/bin/sh -c #(nop) ADD file:1234 in /".into()),
    });
    let rows = vec![
        PackageRow::from(&pkg),
        PackageRow {
            name: "flask".into(),
            version: "3.0.0".into(),
            package_type: "python".into(),
            ecosystem: Some("PyPI".into()),
            purl: "pkg:pypi/flask@3.0.0".into(),
            layer_index: Some(3),
            layer_digest: None,
            layer_created_by: Some("RUN pip install flask".into()),
        },
    ];
    // Not valid JSON on purpose: the SBOM is stored as given, byte for byte.
    let sbom: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    s.put_image(&d, &["registry.local/app:1".into()], &sbom, &rows, 10)
        .unwrap();
    s.put_image(&d, &["registry.local/app:latest".into()], &sbom, &rows, 20)
        .unwrap();
    assert_eq!(s.sbom(&d).unwrap().unwrap(), sbom);
    let got = s.packages(&d).unwrap();
    assert_eq!(got, rows);
    assert_eq!(
        got[0].layer_created_by.as_deref(),
        Some("/bin/sh -c #(nop) ADD file:1234 in /")
    );
    assert_eq!(got[0].package_type, "dpkg");
    let img = s.image(&d).unwrap().unwrap();
    assert_eq!(
        img.references,
        vec![
            "registry.local/app:1".to_owned(),
            "registry.local/app:latest".to_owned()
        ]
    );
    assert_eq!(
        (
            img.package_count,
            img.first_seen,
            img.last_seen,
            img.has_sbom
        ),
        (2, 10, 20, true)
    );
    assert_eq!(s.digests_with_sbom().unwrap(), vec![d.clone()]);
    // A digest seen only by admission: no SBOM, not re-matched.
    s.add_image_refs(&digest(2), &["registry.local/other:1".into()], 30)
        .unwrap();
    assert_eq!(s.images().unwrap().len(), 2);
    assert_eq!(s.digests_with_sbom().unwrap(), vec![d.clone()]);
    assert_eq!(s.sbom(&digest(2)).unwrap(), None);
    assert_eq!(s.image(&digest(3)).unwrap(), None);
    // 450 packages cross the 200-row insert chunks; the order is kept.
    let many: Vec<PackageRow> = (0..450)
        .map(|i| PackageRow {
            name: format!("p{i}"),
            purl: format!("pkg:npm/p{i}@1"),
            ..rows[1].clone()
        })
        .collect();
    s.put_image(&d, &[], b"{}", &many, 40).unwrap();
    assert_eq!(s.packages(&d).unwrap(), many);
    assert!(s.check().unwrap().is_empty());
    // Bad digests are refused before touching the store.
    let e = s.put_image("sha256:xyz", &[], b"", &[], 1).unwrap_err();
    assert!(matches!(e, Error::InvalidDigest(_)), "{e}");
    s.set_meta("db_version", "v1").unwrap();
    s.set_meta("db_version", "v2").unwrap();
    assert_eq!(s.meta("db_version").unwrap().as_deref(), Some("v2"));
    assert_eq!(s.meta("nope").unwrap(), None);
}

fn diff_new_still_open_fixed_reappeared(db: &TestDb) {
    let s = db.open();
    let d = digest(1);
    s.put_image(&d, &[], b"{}", &[], 1).unwrap();
    let a = finding("CVE-1", "a", Severity::High);
    let b = finding("CVE-2", "b", Severity::Low);
    let c = finding("CVE-3", "c", Severity::Critical);

    let d1 = s
        .apply_findings(&d, "v1", 100, &[a.clone(), b.clone()])
        .unwrap();
    assert_eq!(keys(&d1.new), set(&["CVE-1 a", "CVE-2 b"]));
    assert!(d1.fixed.is_empty());
    assert_eq!(d1.still_open, 0);
    assert!(
        d1.new
            .iter()
            .all(|f| f.first_seen == 100 && f.last_seen == 100 && f.db_version == "v1")
    );

    let d2 = s
        .apply_findings(&d, "v2", 200, &[a.clone(), c.clone()])
        .unwrap();
    assert_eq!(keys(&d2.new), set(&["CVE-3 c"]));
    assert_eq!(keys(&d2.fixed), set(&["CVE-2 b"]));
    assert_eq!(d2.still_open, 1);
    assert_eq!(d2.fixed[0].fixed_at, Some(200));
    assert_eq!(d2.fixed[0].fixed_db_version.as_deref(), Some("v2"));

    let open = s.findings(&d, true).unwrap();
    assert_eq!(keys(&open), set(&["CVE-1 a", "CVE-3 c"]));
    let fa = open.iter().find(|f| f.vuln_id == "CVE-1").unwrap();
    assert_eq!(
        (fa.first_seen, fa.last_seen, fa.db_version.as_str()),
        (100, 200, "v1")
    );
    let all = s.findings(&d, false).unwrap();
    let fb = all.iter().find(|f| f.vuln_id == "CVE-2").unwrap();
    assert_eq!(
        (fb.first_seen, fb.last_seen, fb.fixed_at),
        (100, 100, Some(200))
    );

    // CVE-2 comes back: a new episode, new id, first_seen now; the old one stays fixed.
    let d3 = s
        .apply_findings(&d, "v3", 300, &[a.clone(), b.clone(), c.clone()])
        .unwrap();
    assert_eq!(keys(&d3.new), set(&["CVE-2 b"]));
    assert_ne!(d3.new[0].id, fb.id);
    assert_eq!(d3.new[0].first_seen, 300);
    assert_eq!(d3.still_open, 2);
    let all = s.findings(&d, false).unwrap();
    assert_eq!(all.iter().filter(|f| f.vuln_id == "CVE-2").count(), 2);

    // A changed severity or fix is updated in place, not a new finding; owners stick unless given.
    let mut a2 = a.clone();
    a2.severity = Severity::Critical;
    a2.fixed_version = Some("2.0".into());
    a2.owner_team = Some("platform".into());
    a2.owner_rule = Some("owners.yaml:3 base image".into());
    let d4 = s
        .apply_findings(&d, "v4", 400, &[a2, b.clone(), c.clone()])
        .unwrap();
    assert!(d4.new.is_empty() && d4.fixed.is_empty());
    assert_eq!(d4.still_open, 3);
    let d5 = s
        .apply_findings(&d, "v5", 500, &[a.clone(), b.clone(), c.clone(), c.clone()])
        .unwrap();
    assert!(d5.new.is_empty(), "a duplicate row counts once");
    let fa = s
        .findings(&d, true)
        .unwrap()
        .into_iter()
        .find(|f| f.vuln_id == "CVE-1")
        .unwrap();
    assert_eq!(fa.severity, Severity::High);
    assert_eq!(fa.owner_team.as_deref(), Some("platform"));
    assert_eq!(fa.owner_rule.as_deref(), Some("owners.yaml:3 base image"));
    assert!(
        s.set_owner(fa.id, Some("payments"), Some("rule 2"))
            .unwrap()
    );
    assert!(!s.set_owner(999_999, Some("x"), None).unwrap());

    // Everything fixed.
    let d6 = s.apply_findings(&d, "v6", 600, &[]).unwrap();
    assert_eq!(d6.fixed.len(), 3);
    assert!(s.findings(&d, true).unwrap().is_empty());
    let img = s.image(&d).unwrap().unwrap();
    assert_eq!(
        (img.db_version.as_deref(), img.matched_at),
        (Some("v6"), Some(600))
    );
    assert!(s.check().unwrap().is_empty());
}

fn apply_is_idempotent_and_atomic_on_error(db: &TestDb) {
    let s = db.open();
    let d = digest(1);
    s.put_image(&d, &[], b"{}", &[], 1).unwrap();
    let rows = vec![
        finding("CVE-1", "a", Severity::High),
        finding("CVE-2", "b", Severity::Low),
    ];
    s.apply_findings(&d, "v1", 100, &rows[..1]).unwrap();
    let first = s.apply_findings(&d, "v2", 200, &rows).unwrap();
    assert_eq!(first.new.len(), 1);
    // The same DB version again (a retry after a crash before the caller noted success): nothing new, nothing
    // fixed.
    let retry = s.apply_findings(&d, "v2", 210, &rows).unwrap();
    assert!(retry.new.is_empty() && retry.fixed.is_empty());
    assert_eq!(retry.still_open, 2);
    assert_eq!(s.findings(&d, false).unwrap().len(), 2);
    // An unknown digest is an error and writes nothing.
    let e = s.apply_findings(&digest(5), "v2", 200, &rows).unwrap_err();
    assert!(matches!(e, Error::UnknownImage { .. }), "{e}");
    assert!(e.to_string().contains(&digest(5)), "{e}");
    assert!(s.findings(&digest(5), false).unwrap().is_empty());
    // A failure half-way (the second row has a NUL byte, which PostgreSQL refuses in text) rolls the whole
    // diff back: the first row is not there either.
    let before = s.findings(&d, false).unwrap();
    let mut bad = finding("CVE-9", "z", Severity::Low);
    bad.package_name = "nul\0byte".into();
    let res = s.apply_findings(&d, "v3", 300, &[finding("CVE-8", "y", Severity::Low), bad]);
    if s.backend() == bulwark_store::Backend::Postgres {
        let e = res.unwrap_err().to_string();
        assert!(
            e.contains("invalid byte sequence") || e.contains("0x00"),
            "{e}"
        );
        assert_eq!(
            s.findings(&d, false).unwrap(),
            before,
            "a failed apply leaves no trace"
        );
    } else {
        // SQLite stores the NUL as given.
        assert_eq!(res.unwrap().new.len(), 2);
    }
}

fn placement(ns: &str, env: &str, name: &str, d: &str) -> Placement {
    Placement {
        cluster: "kind-1".into(),
        environment: Some(env.into()),
        namespace: ns.into(),
        workload_kind: "Deployment".into(),
        workload_name: name.into(),
        container: "app".into(),
        digest: d.into(),
        image_ref: Some("registry.local/app:1".into()),
    }
}

fn placements_upsert_and_removal(db: &TestDb) {
    let s = db.open();
    let (d1, d2) = (digest(1), digest(2));
    s.upsert_placement(&placement("shop", "staging", "web", &d1), 100)
        .unwrap();
    s.upsert_placement(&placement("shop", "staging", "worker", &d1), 100)
        .unwrap();
    s.upsert_placement(&placement("shop-prod", "production", "web", &d1), 100)
        .unwrap();
    // Seen again: same row, first_seen kept.
    s.upsert_placement(&placement("shop", "staging", "web", &d1), 200)
        .unwrap();
    let all = s.placements(&PlacementFilter::default()).unwrap();
    assert_eq!(all.len(), 3);
    let web = &all
        .iter()
        .find(|p| p.placement.namespace == "shop" && p.placement.workload_name == "web")
        .unwrap();
    assert_eq!(
        (web.first_seen, web.last_seen, web.removed_at),
        (100, 200, None)
    );
    // Rolled out to another digest: first_seen starts again.
    s.upsert_placement(&placement("shop", "staging", "web", &d2), 300)
        .unwrap();
    let web = s
        .placements(&PlacementFilter {
            digest: Some(d2.clone()),
            ..Default::default()
        })
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!((web.first_seen, web.last_seen), (300, 300));
    assert!(
        s.placements(&PlacementFilter {
            digest: Some(d1.clone()),
            namespace: Some("shop".into()),
            ..Default::default()
        })
        .unwrap()
        .iter()
        .all(|p| p.placement.workload_name == "worker")
    );
    // A re-list at 400 saw only shop/web: the others are removed; another cluster is untouched.
    let mut other = placement("x", "dev", "y", &d1);
    other.cluster = "other".into();
    s.upsert_placement(&other, 100).unwrap();
    s.upsert_placement(&placement("shop", "staging", "web", &d2), 400)
        .unwrap();
    assert_eq!(
        s.remove_placements_not_seen_since("kind-1", 400, 401)
            .unwrap(),
        2
    );
    assert_eq!(
        s.remove_placements_not_seen_since("kind-1", 400, 402)
            .unwrap(),
        0
    );
    let live = s.placements(&PlacementFilter::default()).unwrap();
    assert_eq!(live.len(), 2);
    let env = s
        .placements(&PlacementFilter {
            environment: Some("production".into()),
            ..Default::default()
        })
        .unwrap();
    assert!(env.is_empty());
    let removed = s
        .placements(&PlacementFilter {
            environment: Some("production".into()),
            include_removed: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(removed[0].removed_at, Some(401));
    // Seen again after removal: back, with a fresh first_seen.
    s.upsert_placement(&placement("shop-prod", "production", "web", &d1), 500)
        .unwrap();
    let back = s
        .placements(&PlacementFilter {
            environment: Some("production".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!((back[0].first_seen, back[0].removed_at), (500, None));
    assert!(
        s.remove_placement("kind-1", "shop-prod", "Deployment", "web", "app", 600)
            .unwrap()
    );
    assert!(
        !s.remove_placement("kind-1", "shop-prod", "Deployment", "web", "app", 601)
            .unwrap()
    );
    let e = s
        .upsert_placement(&placement("a", "b", "c", "latest"), 1)
        .unwrap_err();
    assert!(matches!(e, Error::InvalidDigest(_)));
    // A list is recorded whole or not at all: one bad digest and the good entry before it is not written.
    let only_new = |s: &Store| {
        s.placements(&PlacementFilter {
            namespace: Some("batch".into()),
            ..Default::default()
        })
        .unwrap()
        .len()
    };
    let e = s
        .upsert_placements(
            &[
                placement("batch", "staging", "one", &d1),
                placement("batch", "staging", "two", "sha256:nothex"),
            ],
            700,
        )
        .unwrap_err();
    assert!(matches!(e, Error::InvalidDigest(_)));
    assert_eq!(only_new(&s), 0);
    s.upsert_placements(
        &[
            placement("batch", "staging", "one", &d1),
            placement("batch", "staging", "two", &d2),
        ],
        701,
    )
    .unwrap();
    assert_eq!(only_new(&s), 2);
}

fn verdicts_latest(db: &TestDb) {
    let s = db.open();
    let d = digest(1);
    assert_eq!(s.latest_verdict(&d, None).unwrap(), None);
    let v = |decision: &str, at: i64, workload: Option<&str>| VerdictRecord {
        digest: d.clone(),
        workload: workload.map(str::to_owned),
        decision: decision.into(),
        bundle_name: Some("default".into()),
        bundle_version: Some("1.2.0".into()),
        bundle_digest: Some(digest(8)),
        db_version: Some("v1".into()),
        verdict_json: format!(r#"{{"decision":"{decision}"}}"#),
        created_at: at,
    };
    s.put_verdict(&v("pass", 100, None)).unwrap();
    s.put_verdict(&v("fail", 200, None)).unwrap();
    s.put_verdict(&v("warn", 300, Some("Deployment/shop/web")))
        .unwrap();
    assert_eq!(
        s.latest_verdict(&d, None).unwrap(),
        Some(v("fail", 200, None))
    );
    assert_eq!(
        s.latest_verdict(&d, Some("Deployment/shop/web")).unwrap(),
        Some(v("warn", 300, Some("Deployment/shop/web")))
    );
    assert_eq!(s.latest_verdict(&digest(2), None).unwrap(), None);
}

fn queue_is_idempotent_and_leases_expire(db: &TestDb) {
    let s = db.open();
    assert!(
        s.enqueue("platform", "slack", "k1", r#"{"n":1}"#, 100)
            .unwrap()
    );
    assert!(
        !s.enqueue("platform", "slack", "k1", r#"{"n":"other"}"#, 101)
            .unwrap(),
        "same dedupe key"
    );
    assert!(
        s.enqueue("payments", "jira", "k2", r#"{"n":2}"#, 100)
            .unwrap()
    );
    assert_eq!(s.notifications(None).unwrap().len(), 2);
    assert_eq!(s.notifications(None).unwrap()[0].payload, r#"{"n":1}"#);

    // Not yet due.
    assert!(s.claim_notifications("a", 99, 60, 10).unwrap().is_empty());
    let got = s.claim_notifications("a", 100, 60, 1).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].dedupe_key.as_str(), got[0].attempts), ("k1", 1));
    assert_eq!(
        (got[0].state, got[0].lease_until),
        (NotificationState::Delivering, Some(160))
    );
    let got2 = s.claim_notifications("b", 100, 100, 10).unwrap();
    assert_eq!(
        got2.iter()
            .map(|n| n.dedupe_key.as_str())
            .collect::<Vec<_>>(),
        vec!["k2"]
    );
    assert!(
        s.claim_notifications("b", 159, 60, 10).unwrap().is_empty(),
        "live leases are not claimable"
    );
    // Worker a crashed; its lease expires at 160 and b takes k1 over.
    let over = s.claim_notifications("b", 160, 60, 10).unwrap();
    assert_eq!(over.len(), 1);
    assert_eq!((over[0].dedupe_key.as_str(), over[0].attempts), ("k1", 2));
    assert!(
        !s.mark_delivered(got[0].id, "a", 161).unwrap(),
        "a lost its lease"
    );
    assert!(s.mark_delivered(over[0].id, "b", 162).unwrap());
    assert!(
        !s.mark_delivered(over[0].id, "b", 163).unwrap(),
        "delivered once"
    );
    // k2: 429, retry at 300.
    assert!(
        s.retry_at(
            got2[0].id,
            "b",
            300,
            "429 Too Many Requests, Retry-After: 140"
        )
        .unwrap()
    );
    assert!(s.claim_notifications("c", 299, 60, 10).unwrap().is_empty());
    let again = s.claim_notifications("c", 300, 60, 10).unwrap();
    assert_eq!(
        (again[0].attempts, again[0].last_error.as_deref()),
        (2, Some("429 Too Many Requests, Retry-After: 140"))
    );
    assert!(s.fail(again[0].id, "c", "400 Bad Request").unwrap());
    assert!(
        s.claim_notifications("c", 10_000, 60, 10)
            .unwrap()
            .is_empty()
    );
    let delivered = s.notifications(Some(NotificationState::Delivered)).unwrap();
    assert_eq!((delivered.len(), delivered[0].delivered_at), (1, Some(162)));
    assert_eq!(
        s.notifications(Some(NotificationState::Failed))
            .unwrap()
            .len(),
        1
    );
    // Delivered keys stay: enqueueing again is still a no-op.
    assert!(!s.enqueue("platform", "slack", "k1", "{}", 500).unwrap());
    let big = "x".repeat(bulwark_store::MAX_PAYLOAD_BYTES + 1);
    assert!(s.enqueue("t", "c", "big", &big, 1).is_err());
}

fn a_job_is_applied_and_completed_at_once(db: &TestDb) {
    let s = db.open();
    let d = digest(1);
    s.put_image(&d, &[], b"{}", &[], 1).unwrap();
    s.create_jobs("v1", std::slice::from_ref(&d), 100).unwrap();
    let job = s.claim_jobs("a", "v1", 100, 30, 1).unwrap().remove(0);
    let rows = [finding("CVE-1", "a", Severity::High)];
    let (diff, held) = s.apply_job_findings(&job, "a", 110, &rows).unwrap();
    assert!(held);
    assert_eq!(keys(&diff.new), set(&["CVE-1 a"]));
    let c = s.job_counts("v1").unwrap();
    assert_eq!((c.pending, c.running, c.done), (0, 0, 1));
    // A worker whose lease expired and was taken over still records (idempotently) but does not complete.
    s.create_jobs("v2", std::slice::from_ref(&d), 200).unwrap();
    let lost = s.claim_jobs("a", "v2", 200, 30, 1).unwrap().remove(0);
    let taken = s.claim_jobs("b", "v2", 230, 30, 1).unwrap().remove(0);
    assert_eq!(lost.id, taken.id);
    let (diff, held) = s.apply_job_findings(&lost, "a", 231, &rows).unwrap();
    assert!(!held && diff.new.is_empty() && diff.still_open == 1);
    assert_eq!(s.job_counts("v2").unwrap().running, 1);
    let (_, held) = s.apply_job_findings(&taken, "b", 232, &rows).unwrap();
    assert!(held);
    assert_eq!(s.job_counts("v2").unwrap().done, 1);
    // An unknown digest fails the transaction: the job is not completed either.
    s.create_jobs("v3", &[digest(9)], 300).unwrap();
    let ghost = s.claim_jobs("a", "v3", 300, 30, 1).unwrap().remove(0);
    let e = s.apply_job_findings(&ghost, "a", 301, &rows).unwrap_err();
    assert!(matches!(e, Error::UnknownImage { .. }), "{e}");
    assert_eq!(s.job_counts("v3").unwrap().running, 1);
}

/// Hundreds of findings opened, changed and fixed in one apply each (one statement per kind on PostgreSQL):
/// every row gets its own values, and ids come back to the right keys.
fn many_findings_change_in_one_apply(db: &TestDb) {
    let s = db.open();
    let d = digest(1);
    s.put_image(&d, &[], b"{}", &[], 1).unwrap();
    let rows = |n: usize, sev: Severity, fix: &str| -> Vec<FindingRow> {
        (0..n)
            .map(|i| {
                let mut r = finding(&format!("CVE-{i}"), &format!("p{i}"), sev);
                r.fixed_version = Some(format!("{fix}.{i}"));
                r.layer_index = Some(i64::try_from(i % 3).unwrap());
                r.layer_created_by = (i % 2 == 0).then(|| format!("RUN step {i}"));
                r
            })
            .collect()
    };
    let first = s
        .apply_findings(&d, "v1", 100, &rows(300, Severity::Low, "1"))
        .unwrap();
    assert_eq!(first.new.len(), 300);
    for f in &first.new {
        let i: usize = f.vuln_id[4..].parse().unwrap();
        assert_eq!(f.purl, format!("pkg:deb/debian/p{i}@1.0"), "{f:?}");
    }
    let stored = s.findings(&d, true).unwrap();
    for f in &first.new {
        let g = stored.iter().find(|g| g.id == f.id).unwrap();
        assert_eq!(g, f, "the id returned is the stored row's");
    }
    // The first 200 change severity and fix; 200..300 are fixed; 300..350 are new.
    let mut next = rows(350, Severity::Critical, "2");
    next.drain(200..300);
    let second = s.apply_findings(&d, "v2", 200, &next).unwrap();
    assert_eq!(
        (second.new.len(), second.fixed.len(), second.still_open),
        (50, 100, 200)
    );
    let open = s.findings(&d, true).unwrap();
    assert_eq!(open.len(), 250);
    for f in &open {
        let i: usize = f.vuln_id[4..].parse().unwrap();
        assert_eq!(f.severity, Severity::Critical);
        assert_eq!(f.fixed_version, Some(format!("2.{i}")));
        assert_eq!(f.layer_index, Some(i64::try_from(i % 3).unwrap()));
        assert_eq!(f.last_seen, 200);
        assert_eq!(f.first_seen, if i < 200 { 100 } else { 200 });
    }
    let all = s.findings(&d, false).unwrap();
    for f in all.iter().filter(|f| f.fixed_at.is_some()) {
        let i: usize = f.vuln_id[4..].parse().unwrap();
        assert!((200..300).contains(&i));
        assert_eq!(
            (f.last_seen, f.fixed_at, f.fixed_db_version.as_deref()),
            (100, Some(200), Some("v2"))
        );
    }
    assert_eq!(s.changes("v2").unwrap().len(), 150);
    assert!(s.check().unwrap().is_empty());
}

fn jobs_lease_expiry(db: &TestDb) {
    let s = db.open();
    let digests: Vec<String> = (0..5).map(digest).collect();
    assert_eq!(s.create_jobs("v1", &digests, 100).unwrap(), 5);
    assert_eq!(s.create_jobs("v1", &digests, 101).unwrap(), 0, "idempotent");
    assert_eq!(s.jobs_remaining("v1").unwrap(), 5);
    let a = s.claim_jobs("a", "v1", 100, 30, 3).unwrap();
    assert_eq!(
        a.iter().map(|j| j.digest.clone()).collect::<Vec<_>>(),
        digests[..3].to_vec()
    );
    let b = s.claim_jobs("b", "v1", 100, 30, 10).unwrap();
    assert_eq!(b.len(), 2);
    for j in &b {
        assert!(s.complete_job(j.id, "b", 101).unwrap());
    }
    assert_eq!(s.jobs_remaining("v1").unwrap(), 3);
    assert!(s.claim_jobs("b", "v1", 129, 30, 10).unwrap().is_empty());
    // a died: at 130 its three jobs are claimable again.
    let again = s.claim_jobs("b", "v1", 130, 30, 10).unwrap();
    assert_eq!(again.len(), 3);
    assert!(
        again
            .iter()
            .all(|j| j.attempts == 2 && j.lease_until == 160)
    );
    assert!(
        !s.complete_job(a[0].id, "a", 131).unwrap(),
        "a's lease is gone"
    );
    for j in &again {
        assert!(s.complete_job(j.id, "b", 131).unwrap());
    }
    assert_eq!(s.jobs_remaining("v1").unwrap(), 0);
    assert_eq!(s.jobs_remaining("v2").unwrap(), 0);
    // A job that cannot be done is failed once and not handed out again.
    s.create_jobs("v2", &digests[..2], 200).unwrap();
    let j = s.claim_jobs("a", "v2", 200, 30, 1).unwrap();
    assert!(
        s.fail_job(j[0].id, "a", 201, "stored SBOM does not parse")
            .unwrap()
    );
    assert!(!s.fail_job(j[0].id, "a", 202, "again").unwrap());
    assert!(
        s.claim_jobs("b", "v2", 10_000, 30, 10)
            .unwrap()
            .iter()
            .all(|k| k.id != j[0].id)
    );
    let c = s.job_counts("v2").unwrap();
    assert_eq!((c.pending, c.running, c.done, c.failed), (0, 1, 0, 1));
    assert_eq!(s.jobs_remaining("v2").unwrap(), 1);
    assert_eq!(s.job_counts("v1").unwrap().done, 5);
}

fn cve_query_filters(db: &TestDb) {
    let s = db.open();
    let (d1, d2) = (digest(1), digest(2));
    s.put_image(&d1, &["registry.local/payments:1".into()], b"{}", &[], 1)
        .unwrap();
    s.put_image(&d2, &["registry.local/search:1".into()], b"{}", &[], 1)
        .unwrap();
    let mut base = finding("CVE-2026-1", "openssl", Severity::Critical);
    base.owner_team = Some("platform".into());
    let mut app = finding("CVE-2026-2", "flask", Severity::Medium);
    app.layer_index = Some(3);
    app.owner_team = Some("payments".into());
    let low = finding("CVE-2026-3", "zlib", Severity::Low);
    let old = finding("CVE-2020-9", "tar", Severity::High);
    s.apply_findings(&d1, "v0", 50, std::slice::from_ref(&old))
        .unwrap();
    s.apply_findings(
        &d1,
        "v1",
        100,
        &[old.clone(), base.clone(), app.clone(), low.clone()],
    )
    .unwrap();
    s.apply_findings(&d2, "v1", 100, std::slice::from_ref(&base))
        .unwrap();
    s.upsert_placement(&placement("pay", "staging", "payments", &d1), 10)
        .unwrap();
    s.upsert_placement(&placement("pay-prod", "production", "payments", &d1), 10)
        .unwrap();
    s.upsert_placement(&placement("search", "staging", "search", &d2), 10)
        .unwrap();
    let mut gone = placement("old", "staging", "gone", &d2);
    gone.cluster = "c2".into();
    s.upsert_placement(&gone, 5).unwrap();
    s.remove_placements_not_seen_since("c2", 6, 7).unwrap();

    let ids = |q: CveQuery| -> Vec<String> {
        s.cves(&q)
            .unwrap()
            .iter()
            .map(|r| format!("{} {}", r.finding.vuln_id, &r.finding.digest[70..]))
            .collect()
    };
    // Everything open, most severe first.
    assert_eq!(
        ids(CveQuery::default()),
        vec![
            "CVE-2026-1 1",
            "CVE-2026-1 2",
            "CVE-2020-9 1",
            "CVE-2026-2 1",
            "CVE-2026-3 1"
        ]
    );
    let staging = s
        .cves(&CveQuery {
            environment: Some("staging".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(staging.len(), 5);
    let r = &staging[0];
    assert_eq!(r.image_refs, vec!["registry.local/payments:1".to_owned()]);
    assert_eq!(
        r.workloads.len(),
        1,
        "only the staging workload, not production nor the removed one"
    );
    assert_eq!(
        (
            r.workloads[0].namespace.as_str(),
            r.workloads[0].name.as_str(),
            r.workloads[0].environment.as_deref()
        ),
        ("pay", "payments", Some("staging"))
    );
    assert_eq!(r.finding.layer_index, Some(0));
    assert_eq!(r.finding.fixed_version.as_deref(), Some("1.1"));
    let all = s.cves(&CveQuery::default()).unwrap();
    assert_eq!(all[0].workloads.len(), 2, "both environments");
    assert_eq!(
        ids(CveQuery {
            namespace: Some("search".into()),
            ..Default::default()
        }),
        vec!["CVE-2026-1 2"]
    );
    assert!(
        ids(CveQuery {
            namespace: Some("old".into()),
            ..Default::default()
        })
        .is_empty(),
        "removed"
    );
    assert!(
        ids(CveQuery {
            cluster: Some("c2".into()),
            ..Default::default()
        })
        .is_empty()
    );
    assert_eq!(
        ids(CveQuery {
            cluster: Some("kind-1".into()),
            ..Default::default()
        })
        .len(),
        5
    );
    assert_eq!(
        ids(CveQuery {
            image: Some("registry.local/search:1".into()),
            ..Default::default()
        }),
        vec!["CVE-2026-1 2"]
    );
    assert_eq!(
        ids(CveQuery {
            image: Some(d2.clone()),
            ..Default::default()
        }),
        vec!["CVE-2026-1 2"]
    );
    assert!(
        ids(CveQuery {
            image: Some("registry.local/nope:1".into()),
            ..Default::default()
        })
        .is_empty()
    );
    assert_eq!(
        ids(CveQuery {
            min_severity: Some(Severity::High),
            ..Default::default()
        }),
        vec!["CVE-2026-1 1", "CVE-2026-1 2", "CVE-2020-9 1"]
    );
    assert_eq!(
        ids(CveQuery {
            owner_team: Some("payments".into()),
            ..Default::default()
        }),
        vec!["CVE-2026-2 1"]
    );
    let since = s
        .cves(&CveQuery {
            new_since: Some(100),
            environment: Some("production".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(since.len(), 3);
    assert!(since.iter().all(|r| r.is_new));
    let marked = s
        .cves(&CveQuery {
            mark_new_since: Some(100),
            ..Default::default()
        })
        .unwrap();
    let new: Vec<bool> = marked.iter().map(|r| r.is_new).collect();
    // d2's only apply is its first match (its baseline): never new. d1's CVE-2020-9 predates the mark.
    assert_eq!(new, vec![true, false, false, true, true]);
    // Fixed ones only on request.
    s.apply_findings(&d1, "v2", 200, &[base, app]).unwrap();
    assert_eq!(
        ids(CveQuery {
            image: Some(d1.clone()),
            ..Default::default()
        })
        .len(),
        2
    );
    let with_fixed = s
        .cves(&CveQuery {
            image: Some(d1.clone()),
            include_fixed: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(with_fixed.len(), 4);
    assert_eq!(
        with_fixed
            .iter()
            .filter(|r| r.finding.fixed_at == Some(200))
            .count(),
        2
    );
}

const N_JOBS: usize = 1000;

fn concurrent_workers_share_jobs_exactly_once(db: &TestDb) {
    let s = db.open();
    let digests: Vec<String> = (0..N_JOBS as u32).map(digest).collect();
    assert_eq!(s.create_jobs("v1", &digests, 1).unwrap(), N_JOBS as u64);
    let done = Arc::new(Mutex::new(Vec::new()));
    let barrier = Arc::new(Barrier::new(2));
    // Both workers hold a claimed batch at the same time before either completes anything: the second claim
    // must skip the first one's leased jobs. (Without this rendezvous SQLite's busy handler could let one
    // worker take all 1,000 while the other slept, and the test would prove nothing about sharing.)
    let claimed = Arc::new(Barrier::new(2));
    let handles: Vec<_> = ["w1", "w2"]
        .into_iter()
        .map(|w| {
            let store = db.open();
            let (done, barrier, claimed) = (done.clone(), barrier.clone(), claimed.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let mut mine = 0;
                let mut first = true;
                loop {
                    let jobs = store.claim_jobs(w, "v1", 10, 3600, 7).unwrap();
                    if std::mem::take(&mut first) {
                        claimed.wait();
                        assert_eq!(jobs.len(), 7, "{w}'s first claim");
                    }
                    if jobs.is_empty() {
                        break;
                    }
                    for j in jobs {
                        assert!(store.complete_job(j.id, w, 11).unwrap());
                        done.lock().unwrap().push(j.digest);
                        mine += 1;
                    }
                }
                mine
            })
        })
        .collect();
    let per: Vec<usize> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let done = done.lock().unwrap();
    assert_eq!(
        done.len(),
        N_JOBS,
        "every job done exactly once (per worker: {per:?})"
    );
    assert_eq!(
        done.iter().collect::<HashSet<_>>().len(),
        N_JOBS,
        "no job twice"
    );
    assert!(per.iter().all(|&n| n > 0), "both workers got work: {per:?}");
    assert_eq!(s.jobs_remaining("v1").unwrap(), 0);
}

fn concurrent_workers_share_notifications_exactly_once(db: &TestDb) {
    let s = db.open();
    for i in 0..N_JOBS {
        assert!(
            s.enqueue(
                "team",
                "webhook",
                &format!("key-{i}"),
                &format!("{{\"i\":{i}}}"),
                1
            )
            .unwrap()
        );
    }
    let done = Arc::new(Mutex::new(Vec::new()));
    let barrier = Arc::new(Barrier::new(2));
    let claimed = Arc::new(Barrier::new(2));
    let handles: Vec<_> = ["n1", "n2"]
        .into_iter()
        .map(|w| {
            let store = db.open();
            let (done, barrier, claimed) = (done.clone(), barrier.clone(), claimed.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let mut first = true;
                loop {
                    let batch = store.claim_notifications(w, 10, 3600, 9).unwrap();
                    if std::mem::take(&mut first) {
                        // Both hold a batch at once (see the jobs test).
                        claimed.wait();
                        assert_eq!(batch.len(), 9, "{w}'s first claim");
                    }
                    if batch.is_empty() {
                        break;
                    }
                    for n in batch {
                        assert!(store.mark_delivered(n.id, w, 11).unwrap());
                        done.lock().unwrap().push(n.dedupe_key);
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let done = done.lock().unwrap();
    assert_eq!(done.len(), N_JOBS);
    assert_eq!(done.iter().collect::<HashSet<_>>().len(), N_JOBS);
    assert_eq!(
        s.notifications(Some(NotificationState::Delivered))
            .unwrap()
            .len(),
        N_JOBS
    );
}

/// Child-process entry points, run by re-executing this test binary with `--ignored --exact child_entry` and
/// `BULWARK_STORE_CHILD=<mode> BULWARK_STORE_LOCATION=<location>`.
#[test]
#[ignore = "entry point for child processes of other tests"]
fn child_entry() {
    let mode = std::env::var("BULWARK_STORE_CHILD").expect("BULWARK_STORE_CHILD");
    let location = std::env::var("BULWARK_STORE_LOCATION").expect("BULWARK_STORE_LOCATION");
    let s = Store::open(&location).unwrap();
    match mode.as_str() {
        "claim" => {
            let me = format!("p{}", std::process::id());
            loop {
                let jobs = s.claim_jobs(&me, "v1", 10, 3600, 5).unwrap();
                if jobs.is_empty() {
                    break;
                }
                for j in jobs {
                    assert!(s.complete_job(j.id, &me, 11).unwrap());
                    println!("JOB {}", j.digest);
                }
            }
        }
        "crash" => {
            let digests: Vec<String> = (0..CRASH_DIGESTS).map(digest).collect();
            for i in 0.. {
                for d in &digests {
                    s.apply_findings(d, &format!("v{i}"), i64::from(i), &crash_set(i % 2))
                        .unwrap();
                }
                let key = format!("n{i}");
                assert!(
                    s.enqueue("team", "webhook", &key, &crash_payload(&key), i64::from(i))
                        .unwrap()
                );
                println!("ITER {i}");
            }
        }
        other => panic!("unknown child mode {other}"),
    }
}

fn child(mode: &str, location: &str) -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args([
        "--ignored",
        "--exact",
        "child_entry",
        "--nocapture",
        "--test-threads=1",
    ])
    .env("BULWARK_STORE_CHILD", mode)
    .env("BULWARK_STORE_LOCATION", location)
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::inherit());
    c
}

fn workers_in_two_processes_share_jobs(db: &TestDb) {
    let s = db.open();
    let digests: Vec<String> = (0..N_JOBS as u32).map(digest).collect();
    s.create_jobs("v1", &digests, 1).unwrap();
    let kids: Vec<_> = (0..2)
        .map(|_| child("claim", &db.location).spawn().unwrap())
        .collect();
    let mut done = Vec::new();
    for k in kids {
        let out = k.wait_with_output().unwrap();
        assert!(out.status.success(), "child failed");
        done.extend(
            // libtest's "test child_entry ... " has no newline: it may prefix the first line.
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter_map(|l| l.split_once("JOB ").map(|(_, d)| d.to_owned())),
        );
    }
    assert_eq!(done.len(), N_JOBS);
    assert_eq!(done.iter().collect::<HashSet<_>>().len(), N_JOBS);
    assert_eq!(s.jobs_remaining("v1").unwrap(), 0);
}

/// Two replicas re-matching the same digest at once (a job re-claimed after a lease expiry): every apply succeeds
/// (no duplicate-key error from two transactions opening the same finding) and the end state is one of the sets.
fn concurrent_applies_to_one_digest_take_turns(db: &TestDb) {
    let s = db.open();
    let d = digest(1);
    s.put_image(&d, &[], b"{}", &[], 0).unwrap();
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = [0u32, 1]
        .into_iter()
        .map(|which| {
            let (store, barrier, d) = (db.open(), barrier.clone(), d.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let mut opened = 0;
                for i in 0..25 {
                    let diff = store
                        .apply_findings(
                            &d,
                            &format!("w{which}-{i}"),
                            i64::from(i),
                            &crash_set(which),
                        )
                        .unwrap();
                    opened += diff.new.len();
                }
                opened
            })
        })
        .collect();
    let opened: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert!(s.check().unwrap().is_empty());
    let open: BTreeSet<String> = s
        .findings(&d, true)
        .unwrap()
        .into_iter()
        .map(|f| f.vuln_id)
        .collect();
    let a: BTreeSet<String> = crash_set(0).iter().map(|f| f.vuln_id.clone()).collect();
    let b: BTreeSet<String> = crash_set(1).iter().map(|f| f.vuln_id.clone()).collect();
    assert!(open == a || open == b);
    // Every finding row ever opened came from exactly one diff's `new`.
    assert_eq!(s.findings(&d, false).unwrap().len(), opened);
}

fn concurrent_open_migrates_once(db: &TestDb) {
    let barrier = Arc::new(Barrier::new(4));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (loc, barrier) = (db.location.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                Store::open(&loc)
                    .map(|s| s.schema_version().unwrap())
                    .map_err(|e| e.to_string())
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), Ok(bulwark_store::SCHEMA_VERSION));
    }
    // One row per migration: nobody migrated twice.
    let s = db.open();
    assert!(s.check().unwrap().is_empty());
    let applied = count_migrations(db);
    assert_eq!(applied, bulwark_store::SCHEMA_VERSION);
}

fn count_migrations(db: &TestDb) -> i64 {
    if let Some(path) = db.location.strip_prefix("sqlite:") {
        let c = rusqlite::Connection::open(path).unwrap();
        c.query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))
            .unwrap()
    } else {
        let mut c = ::postgres::Client::connect(&db.location, ::postgres::NoTls).unwrap();
        c.query_one("SELECT COUNT(*) FROM schema_migrations", &[])
            .unwrap()
            .get(0)
    }
}

fn newer_schema_is_refused(db: &TestDb) {
    drop(db.open());
    let future =
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)";
    if let Some(path) = db.location.strip_prefix("sqlite:") {
        rusqlite::Connection::open(path)
            .unwrap()
            .execute(future, [])
            .unwrap();
    } else {
        ::postgres::Client::connect(&db.location, ::postgres::NoTls)
            .unwrap()
            .batch_execute(future)
            .unwrap();
    }
    let e = Store::open(&db.location).unwrap_err();
    assert!(matches!(e, Error::SchemaTooNew { found: 999, .. }), "{e}");
    assert!(
        e.to_string()
            .contains("schema version 999, newer than this bulwark supports"),
        "{e}"
    );
}

fn foreign_database_is_refused(db: &TestDb) {
    let create = "CREATE TABLE advisories (id TEXT PRIMARY KEY); CREATE TABLE images (x TEXT)";
    if let Some(path) = db.location.strip_prefix("sqlite:") {
        rusqlite::Connection::open(path)
            .unwrap()
            .execute_batch(create)
            .unwrap();
    } else {
        ::postgres::Client::connect(&db.location, ::postgres::NoTls)
            .unwrap()
            .batch_execute(create)
            .unwrap();
    }
    let e = Store::open(&db.location).unwrap_err();
    assert!(matches!(e, Error::NotAStore { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("is not a bulwark store: it has tables (advisories, images)"),
        "{e}"
    );
    // Nothing was created in it.
    let n: i64 = if let Some(path) = db.location.strip_prefix("sqlite:") {
        rusqlite::Connection::open(path)
            .unwrap()
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    } else {
        ::postgres::Client::connect(&db.location, ::postgres::NoTls)
            .unwrap()
            .query_one(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'",
                &[],
            )
            .unwrap()
            .get(0)
    };
    assert_eq!(n, 2);
}

const CRASH_DIGESTS: u32 = 20;

/// Two alternating finding sets (150 each, overlapping on 100): every apply opens 50 and fixes 50.
fn crash_set(which: u32) -> Vec<FindingRow> {
    let range = if which == 0 { 0..150 } else { 50..200 };
    range
        .map(|i| finding(&format!("CVE-{i}"), &format!("p{i}"), Severity::Medium))
        .collect()
}

fn crash_payload(key: &str) -> String {
    format!("{{\"key\":\"{key}\",\"pad\":\"{}\"}}", "x".repeat(2000))
}

fn killed_writer_leaves_a_consistent_store(db: &TestDb) {
    let s = db.open();
    for n in 0..CRASH_DIGESTS {
        s.put_image(&digest(n), &[], b"{}", &[], 0).unwrap();
    }
    drop(s);
    let mut kid = child("crash", &db.location).spawn().unwrap();
    let mut lines = BufReader::new(kid.stdout.take().unwrap()).lines();
    // Let it run a few full iterations, then SIGKILL it in the middle of the next.
    let mut iters = 0;
    while iters < 3 {
        let l = lines.next().expect("the child ended early").unwrap();
        iters += usize::from(l.contains("ITER "));
    }
    std::thread::sleep(std::time::Duration::from_millis(37));
    kid.kill().unwrap();
    kid.wait().unwrap();

    let s = db.open();
    assert_eq!(s.check().unwrap(), Vec::<String>::new());
    let a: BTreeSet<String> = crash_set(0).iter().map(|f| f.vuln_id.clone()).collect();
    let b: BTreeSet<String> = crash_set(1).iter().map(|f| f.vuln_id.clone()).collect();
    let mut states = Vec::new();
    for n in 0..CRASH_DIGESTS {
        let open: BTreeSet<String> = s
            .findings(&digest(n), true)
            .unwrap()
            .into_iter()
            .map(|f| f.vuln_id)
            .collect();
        assert!(
            open == a || open == b,
            "digest {n}: {} open findings, neither state",
            open.len()
        );
        states.push(open == a);
        // Every key was opened at most once per episode and all fixed ones have a fix time.
        let all = s.findings(&digest(n), false).unwrap();
        assert!(
            all.iter()
                .all(|f| f.fixed_at.is_none_or(|t| t >= f.first_seen))
        );
    }
    // The child applies digests in order: the killed iteration is a prefix of them.
    let flips = states.windows(2).filter(|w| w[0] != w[1]).count();
    assert!(flips <= 1, "applies happen in digest order: {states:?}");
    // Notifications: n0..nK without a gap, each payload whole.
    let notes = s.notifications(None).unwrap();
    eprintln!(
        "killed after {} notifications; digests in state A: {states:?}",
        notes.len()
    );
    assert!(notes.len() >= 3);
    for (i, n) in notes.iter().enumerate() {
        assert_eq!(n.dedupe_key, format!("n{i}"));
        assert_eq!(n.payload, crash_payload(&n.dedupe_key));
    }
    // And the store still works: a retry of the interrupted iteration applies cleanly.
    let d = s
        .apply_findings(&digest(0), "retry", 10_000, &crash_set(0))
        .unwrap();
    assert_eq!(d.still_open + d.new.len(), 150);
}

#[test]
fn corrupt_sqlite_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    std::fs::write(
        &path,
        b"this is not a SQLite database, just some text that is long enough ....".repeat(100),
    )
    .unwrap();
    let e = Store::open(path.to_str().unwrap()).unwrap_err().to_string();
    assert!(
        e.contains("failed to open SQLite store") && e.contains("store.db"),
        "{e}"
    );
    assert!(e.contains("not a database"), "{e}");
}

#[test]
fn unknown_scheme_is_a_clear_error() {
    let e = Store::open("mysql://root:hunter2@127.0.0.1/bulwark")
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("unknown store location 'mysql://root:***@127.0.0.1/bulwark'"),
        "{e}"
    );
    assert!(!e.contains("hunter2"));
}

#[test]
fn unreachable_postgres_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let loc = format!("host={} user=postgres dbname=x", dir.path().display());
    let e = Store::open(&loc).unwrap_err().to_string();
    assert!(
        e.starts_with("failed to connect to PostgreSQL store host="),
        "{e}"
    );
    // A TCP port nobody listens on (bound then closed).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = Store::open(&format!("postgresql://bulwark:secret@127.0.0.1:{port}/db"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("failed to connect to PostgreSQL store postgresql://bulwark:***@127.0.0.1"),
        "{e}"
    );
    assert!(!e.contains("secret"), "{e}");
    let e = Store::open("postgresql://[::1/db").unwrap_err().to_string();
    assert!(e.contains("failed to connect to PostgreSQL store"), "{e}");
}

#[test]
fn postgres_url_with_socket_path_opens() {
    let pg = support::shared_pg();
    let kv = pg.fresh_db();
    let db = kv.rsplit("dbname=").next().unwrap().to_owned();
    let enc = pg.dir.display().to_string().replace('/', "%2F");
    let s = Store::open(&format!("postgresql://postgres@{enc}/{db}")).unwrap();
    assert_eq!(s.backend(), bulwark_store::Backend::Postgres);
    assert_eq!(s.schema_version().unwrap(), bulwark_store::SCHEMA_VERSION);
}

const VA: &str = "db-1700000000-aaaa";
const VB: &str = "db-1700000100-bbbb";
/// Older than `VA` by build time, though it may arrive last.
const V_OLD: &str = "db-1699999999-0000";

fn plan(version: &str, jobs: &[String], carried: &[(String, String)]) -> CyclePlan {
    CyclePlan {
        db_version: version.into(),
        built_at: bulwark_store::version_built_at(version).unwrap(),
        mode: "full".into(),
        jobs: jobs.to_vec(),
        carried: carried.to_vec(),
        digest: None,
    }
}

#[test]
fn version_build_time_is_read_from_the_name() {
    assert_eq!(bulwark_store::version_built_at(VA), Some(1_700_000_000));
    assert_eq!(bulwark_store::version_built_at("v1"), None);
    assert_eq!(bulwark_store::version_built_at("db-17000-aa"), None);
    assert_eq!(bulwark_store::version_built_at("db-1700000000-"), None);
}

fn claims_are_bounded_to_the_worker_db_version(db: &TestDb) {
    let s = db.open();
    let digests: Vec<String> = (0..4).map(digest).collect();
    s.create_jobs(VA, &digests, 100).unwrap();
    s.create_jobs(VB, &digests[..2], 100).unwrap();
    // A worker that loaded B gets B's jobs only, though A's are older.
    let b = s.claim_jobs("wb", VB, 100, 30, 10).unwrap();
    assert_eq!(b.len(), 2);
    assert!(b.iter().all(|j| j.db_version == VB));
    let a = s.claim_jobs("wa", VA, 100, 30, 10).unwrap();
    assert_eq!(a.len(), 4);
    assert!(a.iter().all(|j| j.db_version == VA));
    // Expired leases too are taken over only by a worker of the same version.
    assert!(
        s.claim_jobs("wc", "db-1800000000-cc", 1000, 30, 10)
            .unwrap()
            .is_empty()
    );
    assert_eq!(s.claim_jobs("wc", VA, 1000, 30, 10).unwrap().len(), 4);
}

fn two_workers_on_two_versions_each_do_their_own(db: &TestDb) {
    let s = db.open();
    let digests: Vec<String> = (0..60).map(digest).collect();
    s.create_jobs(VA, &digests, 1).unwrap();
    s.create_jobs(VB, &digests, 1).unwrap();
    let done = Arc::new(Mutex::new(Vec::new()));
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = [("wa", VA), ("wb", VB)]
        .into_iter()
        .map(|(w, v)| {
            let store = db.open();
            let (done, barrier) = (done.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                loop {
                    let jobs = store.claim_jobs(w, v, 10, 3600, 7).unwrap();
                    if jobs.is_empty() {
                        break;
                    }
                    for j in jobs {
                        assert!(store.complete_job(j.id, w, 11).unwrap());
                        done.lock().unwrap().push((v, j.db_version, j.digest));
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let done = done.lock().unwrap();
    assert_eq!(done.len(), 120);
    assert!(
        done.iter().all(|(v, jv, _)| *v == jv.as_str()),
        "a worker did another version's job"
    );
    for v in [VA, VB] {
        let of_v: HashSet<&String> = done
            .iter()
            .filter(|(w, ..)| *w == v)
            .map(|(.., d)| d)
            .collect();
        assert_eq!(of_v.len(), 60, "{v}: every digest once");
        assert_eq!(s.job_counts(v).unwrap().done, 60);
    }
}

fn a_newer_version_supersedes_an_older_one(db: &TestDb) {
    let s = db.open();
    let digests: Vec<String> = (0..4).map(digest).collect();
    for d in &digests {
        s.put_image(d, &[], b"{}", &[], 1).unwrap();
    }
    assert!(s.plan_cycle(&plan(VA, &digests, &[]), 100).unwrap());
    assert!(
        !s.plan_cycle(&plan(VA, &digests, &[]), 101).unwrap(),
        "once per version"
    );
    let held = s.claim_jobs("wa", VA, 100, 30, 2).unwrap();
    assert!(s.complete_job(held[0].id, "wa", 101).unwrap());
    // B arrives with two of A's jobs pending and one running.
    assert!(s.plan_cycle(&plan(VB, &digests, &[]), 110).unwrap());
    let a = s.cycle(VA).unwrap().unwrap();
    assert_eq!(a.superseded_by.as_deref(), Some(VB));
    assert_eq!(s.superseded_versions(VB).unwrap(), vec![VA.to_owned()]);
    let c = s.job_counts(VA).unwrap();
    assert_eq!(
        (c.pending, c.running, c.done),
        (0, 1, 1),
        "pending ones deleted, the running one left to finish"
    );
    assert!(s.claim_jobs("wa", VA, 110, 30, 10).unwrap().is_empty());
    assert_eq!(s.job_counts(VB).unwrap().pending, 4);
    let b = s.cycle(VB).unwrap().unwrap();
    assert_eq!((b.matched, b.carried, b.superseded_by), (4, 0, None));
    // A version older by build time arriving after B makes no jobs and is superseded at once.
    assert!(!s.plan_cycle(&plan(V_OLD, &digests, &[]), 120).unwrap());
    assert_eq!(
        s.cycle(V_OLD).unwrap().unwrap().superseded_by.as_deref(),
        Some(VB)
    );
    assert_eq!(
        s.job_counts(V_OLD).unwrap(),
        bulwark_store::JobCounts::default()
    );
    assert_eq!(
        s.job_counts(VB).unwrap().pending,
        4,
        "B untouched by the older arrival"
    );
    // A's running job finishes late: it records nothing (B re-matches the image) and is failed, saying why.
    assert_eq!(
        s.running_job_digests(VB).unwrap(),
        vec![held[1].digest.clone()]
    );
    let (diff, kept) = s
        .apply_job_findings(
            &held[1],
            "wa",
            130,
            &[finding("CVE-9", "z", Severity::High)],
        )
        .unwrap();
    assert!(!kept && diff.new.is_empty());
    assert!(s.findings(&held[1].digest, false).unwrap().is_empty());
    assert_eq!(s.image(&held[1].digest).unwrap().unwrap().db_version, None);
    let c = s.job_counts(VA).unwrap();
    assert_eq!((c.running, c.failed), (0, 1));
}

fn carried_images_move_to_the_new_version(db: &TestDb) {
    let s = db.open();
    let (d1, d2, d3) = (digest(1), digest(2), digest(3));
    for d in [&d1, &d2, &d3] {
        s.put_image(d, &[], b"{}", &[], 1).unwrap();
    }
    s.apply_findings(
        &d1,
        VA,
        100,
        &[
            finding("CVE-1", "a", Severity::High),
            finding("CVE-2", "b", Severity::Low),
        ],
    )
    .unwrap();
    s.apply_findings(&d1, VA, 150, &[finding("CVE-1", "a", Severity::High)])
        .unwrap(); // CVE-2 fixed at 150
    s.apply_findings(&d2, VA, 100, &[finding("CVE-3", "c", Severity::High)])
        .unwrap();
    let mut p = plan(
        VB,
        std::slice::from_ref(&d2),
        &[(d1.clone(), VA.into()), (d3.clone(), VA.into())],
    );
    p.mode = "incremental".into();
    p.digest = Some(b"digest of B".to_vec());
    assert!(s.plan_cycle(&p, 200).unwrap());
    let i1 = s.image(&d1).unwrap().unwrap();
    assert_eq!(
        (i1.db_version.as_deref(), i1.matched_at),
        (Some(VB), Some(200))
    );
    let f1 = s.findings(&d1, false).unwrap();
    let open: Vec<_> = f1.iter().filter(|f| f.fixed_at.is_none()).collect();
    let fixed: Vec<_> = f1.iter().filter(|f| f.fixed_at.is_some()).collect();
    assert_eq!((open.len(), fixed.len()), (1, 1));
    assert_eq!((open[0].first_seen, open[0].last_seen), (100, 200));
    assert_eq!(
        fixed[0].last_seen, 100,
        "a fixed finding keeps its last sighting"
    );
    // d3 was never matched (not at base A): it stays unmatched. d2 waits for its job.
    assert_eq!(s.image(&d3).unwrap().unwrap().db_version, None);
    assert_eq!(
        s.image(&d2).unwrap().unwrap().db_version.as_deref(),
        Some(VA)
    );
    assert_eq!(s.findings(&d2, true).unwrap()[0].last_seen, 100);
    assert!(
        s.changes(VB).unwrap().is_empty(),
        "carrying records no change"
    );
    let c = s.cycle(VB).unwrap().unwrap();
    assert_eq!(
        (c.mode.as_str(), c.matched, c.carried),
        ("incremental", 1, 2)
    );
    assert_eq!(
        s.db_digest(VB).unwrap().as_deref(),
        Some(b"digest of B".as_slice())
    );
    // A's digest went with the last image at A (none was kept for it here; a kept one is dropped).
    let job = s.claim_jobs("w", VB, 200, 30, 1).unwrap().remove(0);
    s.apply_job_findings(&job, "w", 210, &[]).unwrap();
    let mut p = plan(
        "db-1700000200-cccc",
        &[],
        &[(d1.clone(), VB.into()), (d2.clone(), VB.into())],
    );
    p.digest = Some(b"digest of C".to_vec());
    assert!(s.plan_cycle(&p, 300).unwrap());
    assert_eq!(s.db_digest(VB).unwrap(), None, "no image is at B any more");
    assert!(s.db_digest("db-1700000200-cccc").unwrap().is_some());
}
