#![no_main]
//! Fuzzes the trimming of Kubernetes objects before the store keeps them (`bulwark_store::trim_object`): any JSON
//! gives a trimmed object or a refusal naming it, never a panic. What is kept is bounded, is never a Secret or a
//! ConfigMap, has no `status`, no `managedFields` and no env `value`, and trimming it again changes nothing.

use serde_json::Value;

fn no_env_values(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.iter().all(|(k, c)| {
            let env_ok = k != "env"
                || c.as_array()
                    .is_none_or(|items| items.iter().all(|i| i.get("value").is_none()));
            env_ok && no_env_values(c)
        }),
        Value::Array(items) => items.iter().all(no_env_values),
        _ => true,
    }
}

/// A number that is not an integer: serde_json (without `float_roundtrip`) may read a printed f64 back one ULP
/// off (1.4404444444444443e29 → …45e29), so text with one is not compared byte for byte after a second trim.
/// Kubernetes objects hold integers and quantity strings, never such numbers.
fn has_float(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.is_f64(),
        Value::Object(m) => m.values().any(has_float),
        Value::Array(items) => items.iter().any(has_float),
        _ => false,
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(v) = serde_json::from_slice::<Value>(data) else { return };
    match bulwark_store::trim_object(&v) {
        Ok(t) => {
            assert!(t.json().len() <= bulwark_store::MAX_OBJECT_BYTES);
            assert!(!bulwark_store::REFUSED_KINDS.contains(&t.kind()));
            let kept: Value = serde_json::from_str(t.json()).unwrap();
            assert!(kept.get("status").is_none());
            assert!(kept.pointer("/metadata/managedFields").is_none());
            if let Some(spec) = kept.get("spec") {
                assert!(no_env_values(spec));
            }
            let again = bulwark_store::trim_object(&kept).unwrap();
            if !has_float(&kept) {
                assert_eq!(again.json(), t.json());
            }
        }
        Err(e) => assert!(!e.0.is_empty()),
    }
});
