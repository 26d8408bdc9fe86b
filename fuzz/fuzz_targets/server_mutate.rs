#![no_main]
//! Fuzzes what the mutating webhook (`POST /mutate`) does with a review before any registry is asked: parse it,
//! find every container image of its object with the JSON pointer a patch would use, and build the response with
//! a JSONPatch pinning each. Every pointer must lead back to its image in the object; no panic, no hang.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok((version, request)) = bulwark_server::admission::parse(data) {
        let images = bulwark_server::admission::container_images(&request.object);
        let mut patch = Vec::new();
        for at in &images {
            assert_eq!(
                request
                    .object
                    .pointer(&at.pointer)
                    .and_then(serde_json::Value::as_str),
                Some(at.image.as_str()),
                "{}",
                at.field
            );
            patch.push(serde_json::json!({
                "op": "replace",
                "path": at.pointer,
                "value": format!("{}@sha256:{}", at.image, "0".repeat(64)),
            }));
        }
        let response = bulwark_server::Response {
            allowed: true,
            patch: (!patch.is_empty()).then_some(serde_json::Value::Array(patch)),
            ..bulwark_server::Response::default()
        };
        let _ = bulwark_server::admission::respond(&version, &request.uid, &response);
    }
});
