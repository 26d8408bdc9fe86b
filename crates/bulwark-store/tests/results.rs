//! Consolidated results on both back ends (SQLite in a temp dir, a real PostgreSQL): the latest report per
//! (team, source), replaced by the next push; listed by team then source with counts per tool and severity
//! (counted here from the findings given), read back with the findings; a bad source or team refused before
//! anything is written; the generation moves only when a result is stored.

mod support;

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

both!(latest_result_per_team_and_source, bad_results_are_refused);

fn finding(id: &str, severity: &str, tool: Option<&str>) -> bulwark_types::Finding {
    let mut f = json!({
        "kind": "misconfiguration",
        "id": id,
        "severity": severity,
        "title": format!("rule {id}"),
        "message": "m",
        "location": {"path": "main.go", "line": 3},
    });
    if let Some(t) = tool {
        f["properties"] = json!({"tool": t});
    }
    serde_json::from_value(f).unwrap()
}

fn latest_result_per_team_and_source(db: &TestDb) {
    let store = db.open();
    assert_eq!(store.results_generation().unwrap(), 0);
    let first = [
        finding("G101", "HIGH", Some("gosec")),
        finding("G102", "HIGH", Some("gosec")),
        finding("CVE-2099-1", "CRITICAL", None),
    ];
    let s = store
        .put_result(
            Some("payments"),
            "ci-payments",
            "payments-ci",
            "repo",
            &first,
            10,
        )
        .unwrap();
    assert_eq!(s.finding_count, 3);
    assert_eq!(
        serde_json::to_value(&s.counts).unwrap(),
        json!({"bulwark": {"CRITICAL": 1}, "gosec": {"HIGH": 2}})
    );
    store
        .put_result(None, "nightly", "admin", "cluster", &first[..1], 11)
        .unwrap();
    // The next push of the same team and source replaces it.
    let second = [finding("G104", "LOW", Some("gosec"))];
    store
        .put_result(
            Some("payments"),
            "ci-payments",
            "payments-ci",
            "repo",
            &second,
            12,
        )
        .unwrap();
    assert_eq!(store.results_generation().unwrap(), 3);
    let all = store.result_summaries(None).unwrap();
    let keys: Vec<(Option<&str>, &str)> = all
        .iter()
        .map(|r| (r.team.as_deref(), r.source.as_str()))
        .collect();
    assert_eq!(keys, [(None, "nightly"), (Some("payments"), "ci-payments")]);
    assert_eq!(all[1].finding_count, 1);
    assert_eq!(all[1].stored_at, 12);
    let full = store.results(Some("payments")).unwrap();
    assert_eq!(full.len(), 1);
    assert_eq!(full[0].findings, second);
    assert!(store.results(Some("search")).unwrap().is_empty());
    // A second connection (another replica) reads the same.
    let other = db.open();
    assert_eq!(other.result_summaries(Some("")).unwrap().len(), 1);
}

fn bad_results_are_refused(db: &TestDb) {
    let store = db.open();
    let f = [finding("X", "LOW", None)];
    for (team, source) in [
        (None, ""),
        (None, "CI"),
        (None, "a.b"),
        (Some("Team"), "ci"),
        (None, "-ci"),
    ] {
        assert!(
            store.put_result(team, source, "t", "x", &f, 1).is_err(),
            "{team:?} {source}"
        );
    }
    assert_eq!(store.results_generation().unwrap(), 0);
    assert!(store.result_summaries(None).unwrap().is_empty());
}
