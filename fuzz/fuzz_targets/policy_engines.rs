#![no_main]
//! Fuzzes the policy engines of a bundle: arbitrary bytes split at NUL bytes into `policies.yaml` (VAP, Kyverno,
//! Gatekeeper documents), `policy.rego` (conftest) and a JSON object; the bundle's engines are compiled and the
//! object judged at every stage. Errors are fine; panics, hangs and unbounded memory are not.

use std::time::Duration;

use bulwark_policy::{Bundle, BundleFile, Instant, Stage, Subject};
use bulwark_policy_engines::{Engines, Limits};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |&b| b == 0);
    let files: Vec<BundleFile> = ["policies.yaml", "policy.rego"]
        .into_iter()
        .zip(parts.by_ref())
        .map(|(path, bytes)| BundleFile {
            path: path.into(),
            bytes: bytes.to_vec(),
        })
        .collect();
    let object: serde_json::Value = parts
        .next()
        .and_then(|b| serde_json::from_slice(b).ok())
        .unwrap_or_else(|| serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}));
    let Ok(bundle) = Bundle::from_files(files, "fuzz", None) else {
        return;
    };
    let limits = Limits {
        cel: bulwark_cel::Limits {
            deadline: Duration::from_millis(200),
            ..bulwark_cel::Limits::default()
        },
        rego: bulwark_rego::Limits {
            time: Duration::from_millis(200),
        },
    };
    let Ok(engines) = Engines::with_limits(&bundle, limits) else {
        return;
    };
    let now = Instant(1_798_675_200);
    for stage in Stage::ALL {
        let v = engines.evaluate(&bundle, &Subject::object(&object), stage, now);
        let _ = v.to_json();
    }
});
