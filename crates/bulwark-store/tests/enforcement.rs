//! Enforcement actions and the deny list on both back ends (SQLite in a temp dir, a real PostgreSQL): an action
//! is stored once per alert + action + target (a replay from a second handle stores and repeats nothing), a
//! pending action is listed until it is finished once, and the deny list's generation changes with the list.

mod support;

use bulwark_store::{ActionRow, DeniedDigest};
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
    actions_once_per_key_pending_until_finished,
    deny_list_with_generation,
    pod_container_is_the_latest_seen
);

fn row(alert: &str, action: &str, target: &str, decision: &str) -> ActionRow {
    ActionRow {
        alert_key: alert.into(),
        rule: "Terminal shell in container".into(),
        action: action.into(),
        target: target.into(),
        namespace: "prod".into(),
        pod: "web-1".into(),
        workload_kind: "Deployment".into(),
        workload_name: "web".into(),
        image_digest: format!("sha256:{}", "a".repeat(64)),
        decision: decision.into(),
        decided_at: 5,
    }
}

fn actions_once_per_key_pending_until_finished(db: &TestDb) {
    let store = db.open();
    let iso = row("syscall:1:shell", "isolate", "prod/web-1", "dry-run");
    let (a, new) = store.record_action(&iso, 10).unwrap();
    assert!(new);
    assert_eq!(a.state, "pending");
    let skipped = row("syscall:1:shell", "kill-pod", "prod/web-1", "rate-limited");
    let (s, _) = store.record_action(&skipped, 10).unwrap();
    assert_eq!(s.state, "skipped");
    // A replay from another handle (the process after kill -9) finds the same row and adds none.
    let again = db.open();
    let (b, new) = again.record_action(&iso, 20).unwrap();
    assert!(!new);
    assert_eq!(b.id, a.id);
    assert_eq!(b.created_at, 10);
    assert_eq!(
        store
            .pending_actions()
            .unwrap()
            .iter()
            .map(|p| p.id)
            .collect::<Vec<_>>(),
        [a.id]
    );
    // Two finishers at once: one wins.
    let results: Vec<bool> = std::thread::scope(|sc| {
        let h1 = sc.spawn(|| store.finish_action(a.id, true, "HTTP 200", 30).unwrap());
        let h2 = sc.spawn(|| again.finish_action(a.id, true, "HTTP 200", 30).unwrap());
        vec![h1.join().unwrap(), h2.join().unwrap()]
    });
    assert_eq!(results.iter().filter(|x| **x).count(), 1);
    assert!(store.pending_actions().unwrap().is_empty());
    let all = store.enforcement_actions(None, None, 100).unwrap();
    assert_eq!(all.len(), 2);
    let done = store.enforcement_actions(None, Some("done"), 100).unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].attempts, 1);
    assert_eq!(done[0].result.as_deref(), Some("HTTP 200"));
    assert!(store.enforcement_actions(None, Some("bogus"), 10).is_err());
}

fn deny_list_with_generation(db: &TestDb) {
    let store = db.open();
    assert_eq!(store.denied_generation().unwrap(), 0);
    let d = DeniedDigest {
        digest: format!("sha256:{}", "b".repeat(64)),
        rule: "Terminal shell in container".into(),
        reason: "shell in web-1".into(),
        alert_key: Some("syscall:1:shell".into()),
        created_at: 100,
        expires_at: Some(200),
        created_by: "enforcement".into(),
    };
    assert!(store.deny_digest(&d).unwrap());
    assert!(!store.deny_digest(&d).unwrap());
    assert_eq!(store.denied_generation().unwrap(), 1);
    assert_eq!(store.denied_digests().unwrap(), std::slice::from_ref(&d));
    assert!(d.active(199) && !d.active(200));
    let mut bad = d.clone();
    bad.digest = "latest".into();
    assert!(store.deny_digest(&bad).is_err());
    assert!(store.undeny_digest(&d.digest).unwrap());
    assert!(!store.undeny_digest(&d.digest).unwrap());
    assert_eq!(store.denied_generation().unwrap(), 2);
    assert!(store.denied_digests().unwrap().is_empty());
}

fn pod_container_is_the_latest_seen(db: &TestDb) {
    let store = db.open();
    let rec = |id: char, digest: char| bulwark_store::ContainerRecord {
        container_id: id.to_string().repeat(64),
        cluster: "prod".into(),
        namespace: "shop".into(),
        pod: "web-1".into(),
        pod_uid: "u".into(),
        container: "web".into(),
        image: "web".into(),
        digest: format!("sha256:{}", digest.to_string().repeat(64)),
        workload_kind: "Deployment".into(),
        workload_name: "web".into(),
    };
    assert_eq!(store.pod_container("shop", "web-1").unwrap(), None);
    store.put_containers(&[rec('a', '1')], 10).unwrap();
    store.put_containers(&[rec('b', '2')], 20).unwrap();
    let c = store.pod_container("shop", "web-1").unwrap().unwrap();
    assert_eq!(c.container_id, "b".repeat(64));
    assert_eq!(c.workload_name, "web");
    assert_eq!(store.pod_container("shop", "web-2").unwrap(), None);
}
