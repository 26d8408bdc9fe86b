#![no_main]
//! Fuzzes the enforcement file reader (`Enforcer::from_yaml`) and, for a file it accepts, `plan` on alerts whose
//! rule, namespace, pod and digest come from the input: an error names the file, never a panic; every action
//! planned is one of the file's.

use std::collections::BTreeMap;

use bulwark_runtime::enforce::{Enforcer, Subject};
use bulwark_runtime::rules::{Alert, Priority};

// Input: `enforcement YAML \0 rule \n namespace \n pod \n digest`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (file, rest) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let text = String::from_utf8_lossy(file);
    let mut e = match Enforcer::from_yaml("fuzz.yaml", &text) {
        Ok(e) => e,
        Err(err) => {
            assert!(err.to_string().starts_with("fuzz.yaml: "));
            return;
        }
    };
    let rest = String::from_utf8_lossy(rest);
    let mut parts = rest.split('\n');
    let mut next = || parts.next().unwrap_or_default().to_owned();
    let alert = Alert {
        rule: next(),
        priority: Priority::Warning,
        source: "syscall".into(),
        time_ns: 0,
        output: String::new(),
        output_fields: BTreeMap::new(),
        tags: Vec::new(),
    };
    let subject = Subject {
        namespace: next(),
        pod: next(),
        workload_kind: "Deployment".into(),
        workload_name: "w".into(),
        image_digest: next(),
    };
    for t in 0..3i64 {
        for r in e.plan(&alert, &subject, t * 1_000_000_000) {
            assert_eq!(r.rule, alert.rule);
        }
    }
});
