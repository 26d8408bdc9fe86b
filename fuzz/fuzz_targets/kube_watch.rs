//! Fuzzes the watch stream reader (bulwark-kube): bounded lines, event parsing, and each ADDED/MODIFIED object
//! turned into placements (container specs and statuses, imageID normalisation) and created containers
//! (containerID parsing). Any panic is a bug.
//! Run: `cargo +nightly fuzz run kube_watch`.

#![no_main]

use bulwark_kube::model::{placements_of_pod, running_containers_of_pod};
use bulwark_kube::watch::{EventReader, EventType, Next};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut r = EventReader::new(data, 4096);
    for _ in 0..10_000 {
        match r.next_event() {
            Ok(Next::Event(ev)) => {
                let _ = ev.resource_version();
                let _ = ev.status_code();
                if matches!(ev.kind, EventType::Added | EventType::Modified) {
                    for p in placements_of_pod(&ev.object, "fuzz", Some("env"), ("Pod", "p")) {
                        let _ = p.key();
                    }
                    for c in running_containers_of_pod(&ev.object, "fuzz", ("Pod", "p")) {
                        assert!(!c.container_id.is_empty() && c.container_id.len() <= 128);
                    }
                }
            }
            Ok(Next::End) | Err(_) => break,
        }
    }
});
