//! The re-match's verdicts in the store, on both back ends (SQLite in a temp dir, a real PostgreSQL): recorded
//! once per digest, DB version and bundle digest (a re-run of a job writes nothing), the previous decision
//! returned (a workload's verdict is not the image's), and the latest one shown by the image list and detail.

mod support;

use bulwark_store::VerdictRecord;
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
    record_verdict_is_once_per_version_and_bundle,
    images_show_their_latest_verdict,
    a_job_records_findings_completion_and_verdict_at_once,
);

fn digest(n: u32) -> String {
    format!("sha256:{n:064x}")
}

fn verdict(d: &str, decision: &str, db: &str, bundle: Option<&str>, at: i64) -> VerdictRecord {
    VerdictRecord {
        digest: d.to_owned(),
        workload: None,
        decision: decision.into(),
        bundle_name: Some("run".into()),
        bundle_version: Some("1".into()),
        bundle_digest: bundle.map(str::to_owned),
        db_version: Some(db.into()),
        verdict_json: format!(r#"{{"decision":"{decision}","db":"{db}"}}"#),
        created_at: at,
    }
}

fn record_verdict_is_once_per_version_and_bundle(db: &TestDb) {
    let s = db.open();
    let d = digest(1);
    let b1 = digest(100);
    assert_eq!(s.latest_verdict(&d, None).unwrap(), None);
    // The first: nothing before it.
    assert_eq!(
        s.record_verdict(&verdict(&d, "pass", "v1", Some(&b1), 10))
            .unwrap(),
        (true, None)
    );
    // The same job again (digest, DB version, bundle digest): nothing written, even with another time.
    assert_eq!(
        s.record_verdict(&verdict(&d, "pass", "v1", Some(&b1), 11))
            .unwrap(),
        (false, Some("pass".into()))
    );
    assert_eq!(s.latest_verdict(&d, None).unwrap().unwrap().created_at, 10);
    // A workload's verdict on the image is not the image's own: the next one's previous is still "pass".
    let mut w = verdict(&d, "fail", "v1", Some(&b1), 15);
    w.workload = Some("Deployment/shop/api".into());
    s.put_verdict(&w).unwrap();
    // A new DB version: written, and the decision before it returned.
    assert_eq!(
        s.record_verdict(&verdict(&d, "fail", "v2", Some(&b1), 20))
            .unwrap(),
        (true, Some("pass".into()))
    );
    // The same DB version under another bundle is a new verdict.
    let b2 = digest(200);
    assert_eq!(
        s.record_verdict(&verdict(&d, "pass", "v2", Some(&b2), 30))
            .unwrap(),
        (true, Some("fail".into()))
    );
    // A verdict without a bundle digest is deduplicated too (NULL = NULL for this purpose).
    assert!(
        s.record_verdict(&verdict(&d, "warn", "v3", None, 40))
            .unwrap()
            .0
    );
    assert_eq!(
        s.record_verdict(&verdict(&d, "warn", "v3", None, 41))
            .unwrap(),
        (false, Some("warn".into()))
    );
    let latest = s.latest_verdict(&d, None).unwrap().unwrap();
    assert_eq!(latest, verdict(&d, "warn", "v3", None, 40));
    // Another digest is unaffected.
    assert_eq!(s.latest_verdict(&digest(2), None).unwrap(), None);
}

fn images_show_their_latest_verdict(db: &TestDb) {
    let s = db.open();
    let sbom = br#"{"bomFormat":"CycloneDX","specVersion":"1.5","components":[]}"#;
    for n in 1..=3 {
        s.put_image(&digest(n), &[], sbom, &[], 5).unwrap();
    }
    let b = digest(100);
    s.record_verdict(&verdict(&digest(1), "pass", "v1", Some(&b), 10))
        .unwrap();
    s.record_verdict(&verdict(&digest(1), "fail", "v2", Some(&b), 20))
        .unwrap();
    s.record_verdict(&verdict(&digest(3), "warn", "v2", Some(&b), 20))
        .unwrap();
    // A later workload verdict does not replace the image's own.
    let mut w = verdict(&digest(3), "fail", "v2", Some(&b), 99);
    w.workload = Some("Deployment/shop/api".into());
    s.put_verdict(&w).unwrap();
    let list = s.image_summaries(None, None).unwrap();
    let decisions: Vec<Option<&str>> = list
        .iter()
        .map(|i| i.verdict.as_ref().map(|v| v.decision.as_str()))
        .collect();
    assert_eq!(decisions, [Some("fail"), None, Some("warn")]);
    let v = list[0].verdict.as_ref().unwrap();
    assert_eq!(
        (
            v.db_version.as_deref(),
            v.bundle_name.as_deref(),
            v.bundle_digest.as_deref(),
            v.created_at
        ),
        (Some("v2"), Some("run"), Some(b.as_str()), 20)
    );
    // Paged: the second page alone still finds its image's verdict.
    let page = s.image_summaries(Some(&digest(2)), Some(1)).unwrap();
    assert_eq!(page[0].verdict.as_ref().unwrap().decision, "warn");
    let detail = s.image_detail(&digest(1)).unwrap().unwrap();
    assert_eq!(detail.summary.verdict.unwrap().decision, "fail");
    assert_eq!(
        s.image_detail(&digest(2)).unwrap().unwrap().summary.verdict,
        None
    );
}

fn a_job_records_findings_completion_and_verdict_at_once(db: &TestDb) {
    let s = db.open();
    let d = digest(1);
    let sbom = br#"{"bomFormat":"CycloneDX","specVersion":"1.5","components":[]}"#;
    s.put_image(&d, &[], sbom, &[], 5).unwrap();
    s.create_jobs("v1", std::slice::from_ref(&d), 10).unwrap();
    let job = s.claim_jobs("w1", "v1", 10, 60, 8).unwrap().pop().unwrap();
    let row = bulwark_store::FindingRow {
        vuln_id: "CVE-2099-0001".into(),
        purl: "pkg:deb/debian/dash@0.5.12-2".into(),
        package_name: "dash".into(),
        package_version: "0.5.12-2".into(),
        severity: bulwark_types::Severity::High,
        fixed_version: None,
        layer_index: None,
        layer_digest: None,
        layer_created_by: None,
        owner_team: None,
        owner_rule: None,
        details: None,
    };
    let v = verdict(&d, "fail", "v1", Some(&digest(100)), 20);
    let (diff, held, recorded) = s
        .apply_job_findings_with_verdict(&job, "w1", 20, std::slice::from_ref(&row), &v)
        .unwrap();
    assert_eq!((diff.new.len(), held, recorded), (1, true, (true, None)));
    assert_eq!(s.job_counts("v1").unwrap().done, 1);
    assert_eq!(s.latest_verdict(&d, None).unwrap(), Some(v.clone()));
    // The job done again (a worker whose lease had expired): nothing new, no second verdict.
    let (diff, _, recorded) = s
        .apply_job_findings_with_verdict(
            &job,
            "w1",
            30,
            &[row],
            &verdict(&d, "fail", "v1", Some(&digest(100)), 30),
        )
        .unwrap();
    assert_eq!(
        (diff.new.len(), recorded),
        (0, (false, Some("fail".to_owned())))
    );
    assert_eq!(s.latest_verdict(&d, None).unwrap(), Some(v));
    // A verdict for an invalid digest is refused before anything is written.
    let mut bad = verdict("not-a-digest", "pass", "v1", None, 40);
    bad.digest = "not-a-digest".into();
    assert!(s.record_verdict(&bad).is_err());
}
