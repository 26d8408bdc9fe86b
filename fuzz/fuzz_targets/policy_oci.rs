#![no_main]
//! The remote-bundle parsers: bundle manifests, cosign signature manifests, simple-signing payloads and
//! bundle source strings (`oci://…`, `https://…#sha256=…`).

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    use bulwark_policy::remote;
    let _ = remote::parse_bundle_manifest(data);
    let _ = remote::parse_signature_manifest(data);
    if let Ok(digest) = remote::parse_simple_signing(data) {
        // What parses names a sha256 digest, and a payload made for it parses back to it.
        assert!(digest.starts_with("sha256:") && digest.len() == 71, "{digest}");
        let again = remote::simple_signing_payload("fuzz/x", &digest);
        assert_eq!(remote::parse_simple_signing(&again).as_deref(), Ok(digest.as_str()));
    }
    if let Ok(text) = std::str::from_utf8(data)
        && !text.contains('\0')
        && text.len() < 4096
        && (text.starts_with("oci://") || text.starts_with("https://") || text.starts_with("http://"))
    {
        let _ = remote::Source::parse(text);
    }
});
