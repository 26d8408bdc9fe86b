#![no_main]
//! Fuzzes the admission webhook's request parsing (`bulwark_server::admission::parse`) and the response built
//! for what it accepts. Errors are HTTP 400s; panics, hangs and unbounded memory are not acceptable.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok((version, request)) = bulwark_server::admission::parse(data) {
        let _ = request.display_name();
        let response = bulwark_server::Response {
            allowed: false,
            message: Some(request.operation.clone()),
            ..bulwark_server::Response::default()
        };
        let _ = bulwark_server::admission::respond(&version, &request.uid, &response);
    }
});
