//! The `objects` table on both back ends (SQLite in a temp dir, a real PostgreSQL): trimmed objects, a newer
//! resourceVersion wins, deletes are tombstones, and a workload's risk context is exactly the objects that the
//! definitions say reach it.
//!
//! The objects are kubectl's output (`../bulwark-kube/tests/fixtures/context/make.sh`); the expected context
//! is written from the RBAC and Service definitions, not from the store's answers: the `payments` Deployment of
//! `staging` runs as the service account `payments`, so it is reached by the RoleBinding `payments-read`
//! (subject `staging:payments`), the ClusterRoleBinding `payments-secrets` (same subject) and the
//! ClusterRoleBinding `staging-view` (group `system:serviceaccounts:staging`), but not by `ledger-read`
//! (another service account) nor `production-edit` (another namespace's group).

mod support;

use bulwark_store::Store;
use serde_json::{Value, json};
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
    context_is_exactly_what_reaches_the_workload,
    a_newer_resource_version_wins_and_deletes_are_tombstones,
    a_relist_deletes_what_it_no_longer_has,
);

macro_rules! fixture {
    ($name:literal) => {
        serde_json::from_str::<Value>(include_str!(concat!(
            "../../bulwark-kube/tests/fixtures/context/",
            $name
        )))
        .unwrap()
    };
}

fn all_fixtures() -> Vec<Value> {
    vec![
        fixture!("deploy-payments.json"),
        fixture!("svc-payments.json"),
        fixture!("svc-ledger.json"),
        fixture!("svc-search-production.json"),
        fixture!("ing-payments.json"),
        fixture!("np-default-deny.json"),
        fixture!("sa-payments.json"),
        fixture!("sa-default.json"),
        fixture!("rb-payments-read.json"),
        fixture!("rb-ledger-read.json"),
        fixture!("crb-payments-secrets.json"),
        fixture!("crb-staging-view.json"),
        fixture!("crb-production-edit.json"),
        fixture!("role-pod-reader.json"),
        fixture!("cr-secret-reader.json"),
        fixture!("cr-edit.json"),
        fixture!("secret-payments-db.json"),
        fixture!("cm-payments-config.json"),
    ]
}

fn uids(objects: &[Value]) -> Vec<&str> {
    objects
        .iter()
        .map(|o| {
            o.pointer("/metadata/uid")
                .and_then(Value::as_str)
                .unwrap_or("?")
        })
        .collect()
}

fn with_rv(mut o: Value, rv: &str) -> Value {
    o["metadata"]["resourceVersion"] = json!(rv);
    o
}

fn context_is_exactly_what_reaches_the_workload(db: &TestDb) {
    let s = db.open();
    let got = s.upsert_objects("prod-eu", &all_fixtures(), 100).unwrap();
    assert_eq!((got.written, got.stale), (16, 0));
    assert_eq!(got.refused.len(), 2, "{:?}", got.refused);
    assert!(
        got.refused[0].starts_with("Secret staging/payments-db: "),
        "{:?}",
        got.refused
    );
    assert!(
        got.refused[1].starts_with("ConfigMap staging/payments-config: "),
        "{:?}",
        got.refused
    );

    let ctx = s
        .context_objects("prod-eu", "staging", "Deployment", "payments")
        .unwrap();
    assert_eq!(
        uids(&ctx),
        [
            "deploy-payments",
            "svc-ledger",
            "svc-payments",
            "ing-payments",
            "np-default-deny",
            "sa-payments",
            "rb-payments-read",
            "crb-payments-secrets",
            "crb-staging-view",
            "role-pod-reader",
            "cr-secret-reader",
        ]
    );
    // Stored trimmed: no env value, no status, no managedFields; the secret reference stays.
    let text = ctx[0].to_string();
    assert!(!text.contains("hunter2"), "{text}");
    assert!(ctx[0].get("status").is_none() && ctx[0].pointer("/metadata/managedFields").is_none());
    assert_eq!(
        ctx[0].pointer("/spec/template/spec/containers/0/env/0"),
        Some(&json!({"name": "DB_PASSWORD"}))
    );
    assert_eq!(
        ctx[0].pointer("/spec/template/spec/containers/0/env/1/valueFrom/secretKeyRef/name"),
        Some(&json!("payments-db"))
    );
    // Nothing of the Secret anywhere, under any key.
    assert_eq!(
        s.object("prod-eu", "Secret", "staging", "payments-db")
            .unwrap(),
        None
    );
    assert_eq!(
        s.object("prod-eu", "ConfigMap", "staging", "payments-config")
            .unwrap(),
        None
    );
    // RBAC reach is what the roles say: the ClusterRole's rule is kept as written.
    assert_eq!(
        ctx[10].pointer("/rules/0/resources"),
        Some(&json!(["secrets"]))
    );

    // Another cluster, an unknown workload: nothing.
    assert!(
        s.context_objects("prod-us", "staging", "Deployment", "payments")
            .unwrap()
            .is_empty()
    );
    assert!(
        s.context_objects("prod-eu", "staging", "Deployment", "nope")
            .unwrap()
            .is_empty()
    );

    // The service account `default` when the pod spec names none; then only group bindings reach it.
    let plain = json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "cache", "namespace": "staging", "uid": "sts-cache", "resourceVersion": "400"},
        "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "redis"}]}}}});
    s.upsert_objects("prod-eu", &[plain], 101).unwrap();
    let ctx = s
        .context_objects("prod-eu", "staging", "StatefulSet", "cache")
        .unwrap();
    assert_eq!(
        uids(&ctx),
        [
            "sts-cache",
            "svc-ledger",
            "svc-payments",
            "ing-payments",
            "np-default-deny",
            "sa-default",
            "crb-staging-view"
        ]
    );
}

fn a_newer_resource_version_wins_and_deletes_are_tombstones(db: &TestDb) {
    let s = db.open();
    let svc = fixture!("svc-payments.json");
    let ports = |s: &Store| {
        s.object("c", "Service", "staging", "payments")
            .unwrap()
            .map(|o| o.pointer("/spec/type").cloned().unwrap_or(Value::Null))
    };
    assert_eq!(
        s.upsert_objects("c", std::slice::from_ref(&svc), 10)
            .unwrap()
            .written,
        1
    );
    assert_eq!(ports(&s), Some(json!("LoadBalancer")));
    // MODIFIED at 1000 (longer: numerically newer although "1000" < "302" as text).
    let mut changed = with_rv(svc.clone(), "1000");
    changed["spec"]["type"] = json!("ClusterIP");
    assert_eq!(
        s.upsert_objects("c", &[changed.clone()], 11)
            .unwrap()
            .written,
        1
    );
    assert_eq!(ports(&s), Some(json!("ClusterIP")));
    // The older ADDED replayed (a re-opened watch): skipped, the store does not go back.
    let replay = s
        .upsert_objects("c", std::slice::from_ref(&svc), 12)
        .unwrap();
    assert_eq!((replay.written, replay.stale), (0, 1));
    assert_eq!(ports(&s), Some(json!("ClusterIP")));
    // The same version again is idempotent.
    assert_eq!(
        s.upsert_objects("c", &[changed.clone()], 13)
            .unwrap()
            .written,
        1
    );
    assert_eq!(ports(&s), Some(json!("ClusterIP")));

    // A delete older than what is stored is ignored; a newer one tombstones.
    assert!(
        !s.delete_object("c", "Service", "staging", "payments", Some("999"), 14)
            .unwrap()
    );
    assert!(
        s.object("c", "Service", "staging", "payments")
            .unwrap()
            .is_some()
    );
    assert!(
        s.delete_object("c", "Service", "staging", "payments", Some("1001"), 15)
            .unwrap()
    );
    assert_eq!(ports(&s), None);
    assert!(
        !s.delete_object("c", "Service", "staging", "payments", Some("1001"), 16)
            .unwrap()
    );
    // The replayed MODIFIED at 1000 does not bring it back; a re-creation (1500) does.
    assert_eq!(s.upsert_objects("c", &[changed], 17).unwrap().stale, 1);
    assert_eq!(ports(&s), None);
    assert_eq!(
        s.upsert_objects("c", &[with_rv(svc, "1500")], 18)
            .unwrap()
            .written,
        1
    );
    assert_eq!(ports(&s), Some(json!("LoadBalancer")));
}

fn a_relist_deletes_what_it_no_longer_has(db: &TestDb) {
    let s = db.open();
    let (a, b) = (fixture!("svc-payments.json"), fixture!("svc-ledger.json"));
    s.upsert_objects("c", &[a.clone(), b, fixture!("sa-payments.json")], 10)
        .unwrap();
    // The re-list at 20 has only `payments`: `ledger` goes, the ServiceAccount (another kind) stays.
    s.upsert_objects("c", &[a], 20).unwrap();
    assert_eq!(
        s.delete_objects_not_seen_since("c", "Service", None, 20, 20)
            .unwrap(),
        1
    );
    assert!(
        s.object("c", "Service", "staging", "ledger")
            .unwrap()
            .is_none()
    );
    assert!(
        s.object("c", "Service", "staging", "payments")
            .unwrap()
            .is_some()
    );
    assert!(
        s.object("c", "ServiceAccount", "staging", "payments")
            .unwrap()
            .is_some()
    );
}
