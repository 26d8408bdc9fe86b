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
    images_show_their_latest_verdict
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
