#![no_main]
//! The signature-layout parsers of bulwark-sign's `oci` module and bulwark-registry's referrers index: cosign
//! `.sig`/`.att` manifests, bundle referrer manifests, the `.sig` config, and referrers lists (API answer or
//! `sha256-<hex>` fallback index). Whatever parses stays within its bounds and round-trips through our writer.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    use bulwark_sign::oci;
    if let Ok(m) = oci::parse_tag_manifest(data, "") {
        assert!(m.layers.len() <= oci::MAX_LAYERS);
        let again = oci::tag_manifest_bytes(&m.media_type, &m.config, &m.layers);
        let back = oci::parse_tag_manifest(&again, "").expect("our own manifest parses");
        assert_eq!(back, m);
    }
    if let Ok(r) = oci::parse_bundle_referrer(data) {
        assert!(
            r.layer
                .media_type
                .starts_with(oci::BUNDLE_MEDIA_TYPE_PREFIX)
        );
        assert!(bulwark_registry::Digest::parse(&r.subject).is_ok());
    }
    if let Ok(config) = oci::tag_config_bytes(Some(data), &[format!("sha256:{}", "0".repeat(64))]) {
        assert!(oci::tag_config_bytes(Some(&config), &[]).is_ok());
    }
    let _ = bulwark_registry::parse_referrer_fields(data);
    if let Ok(index) = bulwark_registry::parse_referrers_index(data) {
        assert!(index.manifests.len() <= bulwark_registry::MAX_REFERRERS);
        let again = serde_json::to_vec(&index).expect("serializes");
        assert_eq!(bulwark_registry::parse_referrers_index(&again), Ok(index));
    }
});
