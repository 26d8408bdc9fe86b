//! The dashboard's queries (`views.rs`) on SQLite and on a real PostgreSQL (started by `support`): a small
//! store built by hand, and the figures each page shows counted here from what was put in.

mod support;

use bulwark_store::{FindingRow, Placement, Store, VerdictRecord};
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
    overview_counts_each_image_once,
    verdicts_failing_first,
    finding_detail_with_episodes,
    daily_changes_by_utc_day,
    notifications_history_and_retry,
);

const DAY: i64 = 86_400;

fn digest(n: u32) -> String {
    format!("sha256:{n:064x}")
}

fn row(vuln: &str, pkg: &str, sev: Severity) -> FindingRow {
    FindingRow {
        vuln_id: vuln.to_owned(),
        purl: format!("pkg:deb/debian/{pkg}@1.0"),
        package_name: pkg.to_owned(),
        package_version: "1.0".to_owned(),
        severity: sev,
        fixed_version: None,
        layer_index: Some(0),
        layer_digest: None,
        layer_created_by: Some("ADD base".to_owned()),
        owner_team: Some("platform".to_owned()),
        owner_rule: None,
        details: None,
    }
}

fn place(ns: &str, env: &str, name: &str, container: &str, d: &str) -> Placement {
    Placement {
        cluster: "c1".into(),
        environment: Some(env.into()),
        namespace: ns.into(),
        workload_kind: "Deployment".into(),
        workload_name: name.into(),
        container: container.into(),
        digest: d.into(),
        image_ref: None,
    }
}

fn verdict(d: &str, decision: &str, at: i64) -> VerdictRecord {
    VerdictRecord {
        digest: d.into(),
        workload: None,
        decision: decision.into(),
        bundle_name: Some("b".into()),
        bundle_version: Some("1".into()),
        bundle_digest: None,
        db_version: Some("v1".into()),
        verdict_json: "{}".into(),
        created_at: at,
    }
}

/// Image 1: 1 critical + 2 high; image 2: 1 low; image 3: none and not running.
fn two_images(s: &Store) -> (String, String) {
    let (d1, d2, d3) = (digest(1), digest(2), digest(3));
    for (d, r) in [(&d1, "app:1"), (&d2, "web:2"), (&d3, "idle:3")] {
        s.put_image(d, &[r.to_owned()], b"{}", &[], 10).unwrap();
    }
    s.apply_findings(
        &d1,
        "v1",
        20,
        &[
            row("CVE-1", "a", Severity::Critical),
            row("CVE-2", "b", Severity::High),
            row("CVE-3", "c", Severity::High),
        ],
    )
    .unwrap();
    s.apply_findings(&d2, "v1", 20, &[row("CVE-4", "d", Severity::Low)])
        .unwrap();
    (d1, d2)
}

fn overview_counts_each_image_once(db: &TestDb) {
    let s = db.open();
    let (d1, d2) = two_images(&s);
    // shop: image 1 in two containers of one workload and in a second workload, image 2 once.
    for p in [
        place("shop", "prod", "api", "main", &d1),
        place("shop", "prod", "api", "sidecar", &d1),
        place("shop", "prod", "worker", "main", &d1),
        place("shop", "prod", "web", "main", &d2),
        place("test", "staging", "web", "main", &d2),
    ] {
        s.upsert_placement(&p, 30).unwrap();
    }
    s.put_verdict(&verdict(&d1, "pass", 40)).unwrap();
    s.put_verdict(&verdict(&d1, "fail", 50)).unwrap();
    s.put_verdict(&verdict(&d2, "fail", 40)).unwrap();
    s.put_verdict(&verdict(&d2, "pass", 50)).unwrap();
    let o = s.overview().unwrap();
    let got: Vec<_> = o
        .iter()
        .map(|r| {
            (
                r.namespace.as_str(),
                r.environment.as_deref(),
                r.images,
                r.workloads,
                r.findings.critical,
                r.findings.high,
                r.findings.low,
                r.findings.total,
                r.failing,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("shop", Some("prod"), 2, 3, 1, 2, 1, 4, 1),
            ("test", Some("staging"), 1, 1, 0, 0, 1, 1, 0),
        ]
    );
    // The placements beside it, each with its image's counts, in workload_rows' order and with its values.
    let (_, rows) = s.overview_and_workloads().unwrap();
    let listed = s
        .workload_rows(&bulwark_store::WorkloadQuery::default(), None, None)
        .unwrap();
    assert_eq!(rows, listed);
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0].findings.total, 3);
    // Every finding of two_images is platform's: 4 open, in 2 images.
    let (c, images) = s.owner_summary("platform").unwrap();
    assert_eq!(
        (c.critical, c.high, c.low, c.total, images),
        (1, 2, 1, 4, 2)
    );
    assert_eq!(s.owner_summary("nobody").unwrap().0.total, 0);
}

fn verdicts_failing_first(db: &TestDb) {
    let s = db.open();
    let (d1, d2) = two_images(&s);
    let d3 = digest(3);
    s.put_verdict(&verdict(&d1, "pass", 10)).unwrap();
    s.put_verdict(&verdict(&d2, "warn", 20)).unwrap();
    s.put_verdict(&verdict(&d3, "fail", 5)).unwrap();
    // A workload's verdict is not the image's.
    let mut w = verdict(&d1, "fail", 99);
    w.workload = Some("Deployment/shop/api".into());
    s.put_verdict(&w).unwrap();
    let v = s.verdict_rows().unwrap();
    let got: Vec<_> = v
        .iter()
        .map(|r| (r.references.join(","), r.decision.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("idle:3".to_owned(), "fail"),
            ("web:2".to_owned(), "warn"),
            ("app:1".to_owned(), "pass"),
        ]
    );
}

fn finding_detail_with_episodes(db: &TestDb) {
    let s = db.open();
    let (d1, _) = two_images(&s);
    s.upsert_placement(&place("shop", "prod", "api", "main", &d1), 30)
        .unwrap();
    let all = [
        row("CVE-1", "a", Severity::Critical),
        row("CVE-2", "b", Severity::High),
        row("CVE-3", "c", Severity::High),
    ];
    // CVE-1 fixed at 100, back at 200.
    s.apply_findings(&d1, "v2", 100, &all[1..]).unwrap();
    s.apply_findings(&d1, "v3", 200, &all).unwrap();
    let open = s.findings(&d1, true).unwrap();
    let f = open.iter().find(|f| f.vuln_id == "CVE-1").unwrap();
    let d = s.finding_detail(f.id).unwrap().unwrap();
    assert_eq!(d.finding.vuln_id, "CVE-1");
    assert_eq!(d.references, vec!["app:1".to_owned()]);
    assert_eq!(d.workloads.len(), 1);
    assert_eq!(d.workloads[0].name, "api");
    let eps: Vec<_> = d
        .episodes
        .iter()
        .map(|e| (e.first_seen, e.fixed_at))
        .collect();
    assert_eq!(eps, vec![(20, Some(100)), (200, None)]);
    assert!(s.finding_detail(i64::MAX).unwrap().is_none());
}

fn daily_changes_by_utc_day(db: &TestDb) {
    let s = db.open();
    let d = digest(9);
    s.put_image(&d, &[], b"{}", &[], 0).unwrap();
    let a = row("CVE-A", "a", Severity::High);
    let b = row("CVE-B", "b", Severity::Low);
    // Day 10: A and B opened; day 11 (last second of it): A fixed; day 13: A reopened, B fixed. Each apply
    // changes the findings fingerprint (what the dashboard's cached counts are checked against).
    let mut fps = vec![s.findings_fingerprint().unwrap()];
    s.apply_findings(&d, "v1", 10 * DAY + 5, &[a.clone(), b.clone()])
        .unwrap();
    fps.push(s.findings_fingerprint().unwrap());
    s.apply_findings(&d, "v2", 12 * DAY - 1, std::slice::from_ref(&b))
        .unwrap();
    fps.push(s.findings_fingerprint().unwrap());
    s.apply_findings(&d, "v3", 13 * DAY, std::slice::from_ref(&a))
        .unwrap();
    fps.push(s.findings_fingerprint().unwrap());
    assert_eq!(
        fps[3],
        s.findings_fingerprint().unwrap(),
        "unchanged when nothing changes"
    );
    let distinct: std::collections::BTreeSet<_> = fps.iter().collect();
    assert_eq!(distinct.len(), 4, "{fps:?}");
    assert_eq!(
        s.open_counts().unwrap()[&d].total,
        1,
        "A open again, B fixed"
    );
    let got: Vec<_> = s
        .daily_changes(0)
        .unwrap()
        .iter()
        .map(|c| (c.day, c.new, c.fixed))
        .collect();
    assert_eq!(got, vec![(10, 2, 0), (11, 0, 1), (13, 1, 1)]);
    let later: Vec<_> = s
        .daily_changes(11 * DAY)
        .unwrap()
        .iter()
        .map(|c| c.day)
        .collect();
    assert_eq!(later, vec![11, 13]);
}

fn notifications_history_and_retry(db: &TestDb) {
    let s = db.open();
    assert!(s.enqueue("platform", "slack", "k1", "{}", 100).unwrap());
    assert!(s.enqueue("payments", "jira", "k2", "{}", 101).unwrap());
    let got = s.claim_notifications("w", 100, 60, 1).unwrap();
    assert_eq!(got[0].dedupe_key, "k1");
    assert!(s.fail(got[0].id, "w", "HTTP 500").unwrap());
    let rows = s.notification_rows(10).unwrap();
    let view: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.team.as_str(),
                r.state.as_str(),
                r.attempts,
                r.last_error.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        view,
        vec![
            ("payments", "pending", 0, None),
            ("platform", "failed", 1, Some("HTTP 500")),
        ]
    );
    assert_eq!(s.notification_rows(1).unwrap().len(), 1);
    let (failed, pending) = (rows[1].id, rows[0].id);
    // Only a failed one can be retried.
    assert!(!s.retry_notification(pending, 500).unwrap());
    assert!(s.retry_notification(failed, 500).unwrap());
    assert!(!s.retry_notification(failed, 500).unwrap());
    // Pending again, due at 500: claimed then, not before.
    assert!(
        s.claim_notifications("w", 499, 60, 10)
            .unwrap()
            .iter()
            .all(|n| n.id != failed)
    );
    let again = s.claim_notifications("w", 500, 60, 10).unwrap();
    let n = again.iter().find(|n| n.id == failed).unwrap();
    assert_eq!(n.attempts, 2);
}
