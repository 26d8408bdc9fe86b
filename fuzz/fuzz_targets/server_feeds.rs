//! Fuzzes the admission feed (bulwark-server `feeds::admission`): an AdmissionReview body read as the webhook
//! reads it, reduced to the placements an allowed review would queue (kinds, pod spec paths, owner references,
//! digests, the bounds on containers and string lengths), then batched into store placements with an
//! environments file. Any panic, or an event larger than its bounds, is a bug.
//! Run: `cargo +nightly fuzz run server_feeds`.

#![no_main]

use std::sync::atomic::AtomicU64;

use bulwark_server::feeds::admission::{MAX_CONTAINERS, MAX_IMAGE, MAX_NAME, admitted, placements};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok((_, request)) = bulwark_server::admission::parse(data) else {
        return;
    };
    let skipped = AtomicU64::new(0);
    let Some(a) = admitted(&request, &skipped) else {
        return;
    };
    // A review queues placements, or an object to store for the workload's risk context, or both.
    assert!((!a.containers.is_empty() || a.object.is_some()) && a.containers.len() <= MAX_CONTAINERS);
    if let Some(o) = &a.object {
        assert!(o.json().len() <= bulwark_store::MAX_OBJECT_BYTES);
        assert!(!bulwark_store::REFUSED_KINDS.contains(&o.kind()));
    }
    assert!(a.namespace.len() <= MAX_NAME && a.workload_name.len() <= MAX_NAME);
    assert!(a.containers.iter().all(|c| c.image.len() <= MAX_IMAGE && c.name.len() <= MAX_NAME));
    let envs = bulwark_kube::Environments::parse(
        b"namespaces:\n  - match: \"*-pr-*\"\n    environment: preview\n",
        std::path::Path::new("environments.yaml"),
    )
    .unwrap();
    for p in placements(std::slice::from_ref(&a), "fuzz", &envs) {
        assert!(p.digest.starts_with("sha256:") && p.digest.len() == 71);
    }
});
