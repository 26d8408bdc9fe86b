//! Baselines shared through the store, on SQLite and a real PostgreSQL: two watchers' learning merges (union of
//! entries, summed counts, `locked` wins), lock and reset by filter, a reset refuses the next merge of a watcher
//! that learned in the old generation; container ids map to pods and digests.

mod support;

use bulwark_store::{BaselineDelta, ContainerRecord};
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
    watchers_merge_lock_and_reset,
    container_ids_resolve_with_or_without_runtime_prefix
);

const D: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

fn delta(gen_: i64, state: &str, events: i64, entries: &[&str]) -> BaselineDelta {
    BaselineDelta {
        image_digest: D.into(),
        container: "app".into(),
        generation: gen_,
        state: state.into(),
        started_at: 100,
        locked_at: (state == "locked").then_some(500),
        events,
        entries: entries
            .iter()
            .map(|e| ("exec".to_owned(), (*e).to_owned()))
            .collect(),
    }
}

fn watchers_merge_lock_and_reset(db: &TestDb) {
    let a = db.open();
    let b = db.open();
    assert!(
        a.merge_baseline(&delta(1, "learning", 3, &["/bin/sh", "/usr/bin/cat"]), 10)
            .unwrap()
    );
    assert!(
        b.merge_baseline(&delta(1, "learning", 2, &["/bin/sh", "/usr/bin/env"]), 11)
            .unwrap()
    );
    let got = a.baselines(Some(D), None).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].state, "learning");
    assert_eq!(got[0].events, 5);
    assert_eq!(
        got[0]
            .entries
            .iter()
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>(),
        ["/bin/sh", "/usr/bin/cat", "/usr/bin/env"]
    );
    // One watcher locks: the shared baseline is locked, and a later learning merge does not unlock it.
    assert!(b.merge_baseline(&delta(1, "locked", 0, &[]), 12).unwrap());
    assert!(a.merge_baseline(&delta(1, "learning", 1, &[]), 13).unwrap());
    let got = a.baselines(None, Some("app")).unwrap();
    assert_eq!(
        (got[0].state.as_str(), got[0].locked_at),
        ("locked", Some(500))
    );
    // Filters: another container matches nothing.
    assert!(a.baselines(None, Some("sidecar")).unwrap().is_empty());
    assert_eq!(a.lock_baselines(Some(D), None, 20).unwrap(), 0);
    // Reset: learning again, no entries, new generation; a merge from the old generation is refused.
    assert_eq!(a.reset_baselines(Some(D), Some("app"), 30).unwrap(), 1);
    let got = b.baselines(Some(D), Some("app")).unwrap();
    assert_eq!(
        (
            got[0].state.as_str(),
            got[0].generation,
            got[0].events,
            got[0].entries.len()
        ),
        ("learning", 2, 0, 0)
    );
    assert!(
        !a.merge_baseline(&delta(1, "learning", 1, &["/tmp/x"]), 31)
            .unwrap()
    );
    assert!(b.baselines(None, None).unwrap()[0].entries.is_empty());
    assert!(
        a.merge_baseline(&delta(2, "learning", 1, &["/bin/sh"]), 32)
            .unwrap()
    );
    assert_eq!(a.lock_baselines(None, None, 40).unwrap(), 1);
    let got = a.baselines(None, None).unwrap();
    assert_eq!(
        (got[0].state.as_str(), got[0].locked_at),
        ("locked", Some(40))
    );
}

fn container_ids_resolve_with_or_without_runtime_prefix(db: &TestDb) {
    let s = db.open();
    let id = "3f1a2b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708";
    let mut c = ContainerRecord {
        container_id: id.into(),
        cluster: "prod".into(),
        namespace: "shop".into(),
        pod: "web-7d9f-abcde".into(),
        pod_uid: "0a1b2c3d-1111-2222-3333-444455556666".into(),
        container: "web".into(),
        image: "registry.example/web:1".into(),
        digest: D.into(),
        workload_kind: "Deployment".into(),
        workload_name: "web".into(),
    };
    s.put_containers(std::slice::from_ref(&c), 1).unwrap();
    assert_eq!(s.container(id).unwrap().as_ref(), Some(&c));
    assert_eq!(
        s.container(&format!("containerd://{id}")).unwrap().as_ref(),
        Some(&c)
    );
    c.pod = "web-7d9f-fghij".into();
    s.put_containers(std::slice::from_ref(&c), 2).unwrap();
    assert_eq!(s.container(id).unwrap().unwrap().pod, "web-7d9f-fghij");
    assert_eq!(s.container(&"0".repeat(64)).unwrap(), None);
}
