#![no_main]
//! Fuzzes the Kubernetes audit reader (`bulwark_runtime::k8saudit::read_bytes`: JSON lines, arrays, EventLists,
//! streamed items, the per-event cap) and the extraction of every `ka.*`/`jevt.*` field, with and without index
//! and key arguments, from whatever events it yields: never a panic; the counts add up; list fields give lists
//! (or nothing), other fields strings (or nothing).

use bulwark_runtime::event::{Event, Schema, Value};
use bulwark_runtime::k8saudit::{K8sAuditSchema, read_bytes};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut events = Vec::new();
    let mut issues = 0u64;
    let drops = read_bytes("fuzz", data, 64 << 10, &mut |e| events.push(e), &mut |_| issues += 1);
    assert_eq!(drops.events, events.len() as u64);
    assert_eq!(drops.dropped_invalid, issues);
    let schema = K8sAuditSchema;
    for name in K8sAuditSchema::field_names() {
        for arg in [None, Some("0"), Some("1"), Some("x*"), Some("/"), Some("/a~1b/0"), Some("")] {
            let Ok(field) = schema.resolve(&name, arg) else { continue };
            for ev in &events {
                match ev.extract(&field) {
                    Value::Missing => {}
                    Value::List(items) => {
                        assert!(field.list, "{name}: a list from a scalar field");
                        assert!(!items.is_empty(), "{name}: an empty list instead of no value");
                        assert!(items.iter().all(|v| matches!(v, Value::Str(_))), "{name}");
                    }
                    Value::Str(_) => assert!(!field.list, "{name}: a string from a list field"),
                    other => panic!("{name}: {other:?}"),
                }
            }
        }
    }
});
