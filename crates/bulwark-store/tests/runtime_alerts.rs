//! Runtime alerts on both back ends (SQLite in a temp dir, a real PostgreSQL): stored once per dedupe key (a
//! replay stores nothing twice, also from two store handles at once), queried by namespace, rule, priority (and
//! worse) and time.

mod support;

use bulwark_store::{RuntimeAlert, RuntimeAlertQuery};
use serde_json::json;
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
    stored_once_per_dedupe_key,
    queries_filter_and_order,
    bad_alerts_are_refused,
    dashboard_counts_by_priority_and_rule
);

fn alert(audit_id: &str, rule: &str, priority: &str, ns: Option<&str>, t: i64) -> RuntimeAlert {
    RuntimeAlert {
        cluster: "prod".into(),
        rule: rule.into(),
        priority: priority.into(),
        source: "k8s_audit".into(),
        time_ns: t,
        output: format!("{rule} (user=bob ns={ns:?})"),
        output_fields: json!({"ka.user.name": "bob", "ka.target.namespace": ns}),
        tags: vec!["k8s".into(), "T1610".into()],
        namespace: ns.map(String::from),
        pod: Some("p".into()),
        image: Some("nginx".into()),
        dedupe_key: format!("k8s_audit:{audit_id}:{rule}"),
    }
}

fn stored_once_per_dedupe_key(db: &TestDb) {
    let store = db.open();
    let a = alert(
        "id-1",
        "Create Privileged Pod",
        "WARNING",
        Some("default"),
        1_000,
    );
    assert!(store.record_runtime_alert(&a, 10).unwrap());
    assert!(!store.record_runtime_alert(&a, 11).unwrap());
    // The same event, another rule: a second alert.
    let b = alert(
        "id-1",
        "Create Sensitive Mount Pod",
        "WARNING",
        Some("default"),
        1_000,
    );
    assert!(store.record_runtime_alert(&b, 12).unwrap());
    // A second handle on the same store (another replica, or the server after kill -9) replaying both.
    let again = db.open();
    let results: Vec<bool> = std::thread::scope(|s| {
        let h1 = s.spawn(|| store.record_runtime_alert(&a, 13).unwrap());
        let h2 = s.spawn(|| again.record_runtime_alert(&b, 13).unwrap());
        vec![h1.join().unwrap(), h2.join().unwrap()]
    });
    assert_eq!(results, [false, false]);
    let all = store.runtime_alerts(&RuntimeAlertQuery::default()).unwrap();
    assert_eq!(all.len(), 2);
    let first = all
        .iter()
        .find(|x| x.rule == "Create Privileged Pod")
        .unwrap();
    assert_eq!(first.created_at, 10);
    assert_eq!(first.priority, "WARNING");
    assert_eq!(first.tags, ["k8s", "T1610"]);
    assert_eq!(
        first.output_fields,
        json!({"ka.user.name": "bob", "ka.target.namespace": "default"})
    );
    assert_eq!(first.namespace.as_deref(), Some("default"));
    assert_eq!(first.time_ns, 1_000);
}

fn queries_filter_and_order(db: &TestDb) {
    let store = db.open();
    for a in [
        alert("1", "R1", "INFO", Some("a"), 100),
        alert("2", "R2", "WARNING", Some("a"), 200),
        alert("3", "R1", "critical", Some("b"), 300),
        alert("4", "R3", "NOTICE", None, 400),
        alert("5", "R1", "EMERGENCY", Some("a"), 500),
    ] {
        assert!(store.record_runtime_alert(&a, 1).unwrap());
    }
    let keys = |q: RuntimeAlertQuery| -> Vec<String> {
        store
            .runtime_alerts(&q)
            .unwrap()
            .into_iter()
            .map(|a| a.dedupe_key.split(':').nth(1).unwrap().to_string())
            .collect()
    };
    assert_eq!(
        keys(RuntimeAlertQuery::default()),
        ["5", "4", "3", "2", "1"]
    );
    let q = |f: &dyn Fn(&mut RuntimeAlertQuery)| {
        let mut q = RuntimeAlertQuery::default();
        f(&mut q);
        q
    };
    assert_eq!(
        keys(q(&|q| q.namespace = Some("a".into()))),
        ["5", "2", "1"]
    );
    assert_eq!(keys(q(&|q| q.rule = Some("R1".into()))), ["5", "3", "1"]);
    // WARNING and worse: WARNING, CRITICAL, EMERGENCY (priorities stored upper case).
    assert_eq!(
        keys(q(&|q| q.priority = Some("warning".into()))),
        ["5", "3", "2"]
    );
    assert_eq!(
        keys(q(&|q| q.priority = Some("INFO".into()))),
        ["5", "4", "3", "2", "1"]
    );
    assert_eq!(keys(q(&|q| q.since_ns = Some(300))), ["5", "4", "3"]);
    assert_eq!(
        keys(q(&|q| {
            q.namespace = Some("a".into());
            q.rule = Some("R1".into());
            q.since_ns = Some(101);
        })),
        ["5"]
    );
    assert_eq!(keys(q(&|q| q.limit = Some(2))), ["5", "4"]);
    assert_eq!(
        keys(q(&|q| q.cluster = Some("other".into()))),
        Vec::<String>::new()
    );
    let stored = store
        .runtime_alerts(&q(&|q| q.rule = Some("R1".into())))
        .unwrap();
    assert_eq!(stored[1].priority, "CRITICAL");
    assert!(
        store
            .runtime_alerts(&q(&|q| q.priority = Some("LOUD".into())))
            .is_err()
    );
}

fn bad_alerts_are_refused(db: &TestDb) {
    let store = db.open();
    let mut a = alert("x", "R", "SEVERE", None, 1);
    let e = store.record_runtime_alert(&a, 1).unwrap_err().to_string();
    assert!(e.contains("unknown priority 'SEVERE'"), "{e}");
    a.priority = "ERROR".into();
    a.output = "x".repeat(bulwark_store::MAX_ALERT_BYTES + 1);
    let e = store.record_runtime_alert(&a, 1).unwrap_err().to_string();
    assert!(e.contains("over the"), "{e}");
    assert!(
        store
            .runtime_alerts(&RuntimeAlertQuery::default())
            .unwrap()
            .is_empty()
    );
}

fn dashboard_counts_by_priority_and_rule(db: &TestDb) {
    let store = db.open();
    assert_eq!(store.runtime_counts().unwrap().total, 0);
    for (id, rule, prio, ns) in [
        ("a", "Create Privileged Pod", "WARNING", Some("web")),
        ("b", "Create Privileged Pod", "critical", Some("web")),
        ("c", "Create Privileged Pod", "WARNING", Some("db")),
        ("d", "Attach/Exec Pod", "NOTICE", None),
        ("e", "Attach/Exec Pod", "info", Some("db")),
    ] {
        assert!(
            store
                .record_runtime_alert(&alert(id, rule, prio, ns, 1), 1)
                .unwrap()
        );
    }
    let c = store.runtime_counts().unwrap();
    assert_eq!(c.total, 5);
    assert_eq!(
        c.by_priority,
        [
            ("CRITICAL".to_owned(), 1),
            ("WARNING".to_owned(), 2),
            ("NOTICE".to_owned(), 1),
            ("INFORMATIONAL".to_owned(), 1)
        ]
    );
    assert_eq!(
        c.by_rule,
        [
            ("Create Privileged Pod".to_owned(), "CRITICAL".to_owned(), 3),
            ("Attach/Exec Pod".to_owned(), "NOTICE".to_owned(), 2)
        ]
    );
    assert_eq!(c.namespaces, ["db", "web"]);
}
