//! Node results on both back ends (SQLite in a temp dir, a real PostgreSQL): the latest run per node and kind,
//! replaced by a newer run and never by an older one, listed without findings and read back with them; bad
//! names and kinds refused before anything is written; the generation moves only when a run is stored.

#![allow(clippy::cast_possible_wrap)]
mod support;

use bulwark_store::{NodeResult, NodeTotals};
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

both!(latest_run_per_node_and_kind, bad_results_are_refused);

fn finding(check: &str, state: &str) -> bulwark_types::Finding {
    serde_json::from_value(json!({
        "kind": "misconfiguration",
        "id": format!("BW-NODE-cis-1.20-{check}"),
        "severity": if state == "FAIL" { "MEDIUM" } else { "LOW" },
        "title": format!("check {check}"),
        "message": "expected x, got y",
        "location": {"resource": "Node/worker-1"},
        "properties": {"state": state, "checkId": check},
    }))
    .unwrap()
}

fn result(node: &str, kind: &str, ran_at: i64, checks: &[(&str, &str)]) -> NodeResult {
    let findings: Vec<_> = checks.iter().map(|(c, s)| finding(c, s)).collect();
    NodeResult {
        node: node.into(),
        kind: kind.into(),
        benchmark: Some("cis-1.20".into()),
        ran_at,
        totals: NodeTotals {
            pass: Some(40),
            fail: checks.iter().filter(|(_, s)| *s == "FAIL").count() as i64,
            warn: checks.iter().filter(|(_, s)| *s == "WARN").count() as i64,
            info: 0,
        },
        findings,
    }
}

fn latest_run_per_node_and_kind(db: &TestDb) {
    let store = db.open();
    assert_eq!(store.node_results_generation().unwrap(), 0);
    assert!(store.node_summaries().unwrap().is_empty());
    let first = result(
        "worker-1",
        "bench-node",
        1_000,
        &[("4.2.1", "FAIL"), ("4.2.2", "FAIL")],
    );
    assert!(store.put_node_result(&first, 10).unwrap());
    let host = result("worker-1", "bench-host", 1_000, &[("1.1", "WARN")]);
    assert!(store.put_node_result(&host, 10).unwrap());
    let other = result("master-0", "bench-node", 900, &[]);
    assert!(store.put_node_result(&other, 11).unwrap());
    assert_eq!(store.node_results_generation().unwrap(), 3);

    let list = store.node_summaries().unwrap();
    let keys: Vec<(&str, &str)> = list
        .iter()
        .map(|s| (s.node.as_str(), s.kind.as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            ("master-0", "bench-node"),
            ("worker-1", "bench-host"),
            ("worker-1", "bench-node")
        ]
    );
    assert_eq!(
        list[2].totals,
        NodeTotals {
            pass: Some(40),
            fail: 2,
            warn: 0,
            info: 0
        }
    );
    assert_eq!((list[2].ran_at, list[2].stored_at), (1_000, 10));

    // Read back whole: the findings as they went in.
    let got = store.node_results(Some("worker-1")).unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[1], first);
    assert_eq!(store.node_results(None).unwrap().len(), 3);
    assert!(store.node_results(Some("nobody")).unwrap().is_empty());

    // An older run uploaded late changes nothing.
    let older = result("worker-1", "bench-node", 999, &[("4.2.1", "FAIL")]);
    assert!(!store.put_node_result(&older, 20).unwrap());
    assert_eq!(store.node_results(Some("worker-1")).unwrap()[1], first);
    assert_eq!(store.node_results_generation().unwrap(), 3);

    // A newer run replaces it: one row per node and kind.
    let mut fixed = result("worker-1", "bench-node", 2_000, &[("4.2.2", "WARN")]);
    fixed.totals.pass = None;
    assert!(store.put_node_result(&fixed, 30).unwrap());
    let got = store.node_results(Some("worker-1")).unwrap();
    assert_eq!(got[1], fixed);
    assert_eq!(store.node_summaries().unwrap().len(), 3);
    assert_eq!(store.node_results_generation().unwrap(), 4);

    // A second handle (another replica) sees the same.
    assert_eq!(
        db.open().node_summaries().unwrap(),
        store.node_summaries().unwrap()
    );
}

fn bad_results_are_refused(db: &TestDb) {
    let store = db.open();
    for (node, kind, want) in [
        ("Worker_1", "bench-node", "not a DNS-1123 subdomain"),
        ("", "bench-node", "not a DNS-1123 subdomain"),
        (
            "worker-1",
            "kube-hunter",
            "kind \"kube-hunter\" is not one of bench-node, bench-host, probe",
        ),
    ] {
        let e = store
            .put_node_result(&result(node, kind, 1, &[("1.1.1", "FAIL")]), 1)
            .unwrap_err()
            .to_string();
        assert!(e.contains(want), "{e}");
    }
    let mut huge = result("worker-1", "probe", 1, &[]);
    let mut f = finding("x", "FAIL");
    f.message = "x".repeat(bulwark_store::MAX_NODE_FINDINGS_BYTES).into();
    huge.findings.push(f);
    let e = store.put_node_result(&huge, 1).unwrap_err().to_string();
    assert!(e.contains("over the 8388608-byte limit"), "{e}");
    assert!(store.node_summaries().unwrap().is_empty());
    assert_eq!(store.node_results_generation().unwrap(), 0);
}
