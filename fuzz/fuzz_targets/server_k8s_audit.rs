#![no_main]
//! Fuzzes the audit webhook's body reading (`bulwark_server::audit::parse_body`, what `POST /k8s-audit` calls
//! before answering): every body is events or one error naming the request body's line, never a panic; every
//! event has a time and answers for its key.

use bulwark_runtime::event::Event;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    match bulwark_server::audit::parse_body(data, 64 << 10) {
        Ok(events) => {
            for e in &events {
                assert!(e.json().get("stageTimestamp").is_some());
                let _ = e.audit_id();
                let _ = e.time_ns();
            }
        }
        Err(message) => assert!(message.starts_with("request body:"), "{message}"),
    }
});
