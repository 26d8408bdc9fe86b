//! The structure of what we write, compared with cosign's published layout (see `docs/layouts.md` for the
//! sources). No cosign data is copied here: each expected document below restates the *structure* of a published
//! example (key names and order, media types, annotation names, the config's fields) around our own digests.
//!
//! Sources, all read through the search tools:
//! - sigstore/cosign `specs/SIGNATURE_SPEC.md` and `specs/ATTESTATION_SPEC.md` (at d6d86c22): layer media types,
//!   annotation names, the attestation example's config `size` of 233 for one layer;
//! - jeffhuang4704/just-notes `cosign/cosign-traffic.md`: a `cosign verify -d` trace of cosign v1.13.1 showing a
//!   whole `.sig` manifest as the registry served it, and its simple-signing payload;
//! - sigstore/cosign `pkg/oci/static/signature.go`, `pkg/oci/empty/empty.go`, `pkg/oci/mutate/signatures.go`,
//!   `pkg/oci/remote/write.go`, `cmd/cosign/cli/attest/attest.go`, and go-containerregistry `pkg/v1/config.go`,
//!   `pkg/v1/manifest.go`, `pkg/v1/mutate/image.go` (at 3f4ff3ca) for the exact serialization.

use std::collections::BTreeMap;

use bulwark_registry::{OCI_MANIFEST, OciDescriptor};
use bulwark_sign::oci::{
    BUNDLE_MEDIA_TYPE, DSSE_MEDIA_TYPE, EMPTY_CONFIG, OCI_CONFIG_MEDIA_TYPE,
    PREDICATE_TYPE_ANNOTATION, SIGNATURE_ANNOTATION, SIMPLE_SIGNING_MEDIA_TYPE,
    bundle_referrer_manifest_bytes, parse_bundle_referrer, parse_tag_manifest, tag_config_bytes,
    tag_manifest_bytes,
};

fn digest(bytes: &[u8]) -> String {
    OciDescriptor::of("x", bytes).digest
}

/// Our `.sig` manifest for one payload and signature, as the store writes it.
fn signature_manifest(payload: &[u8], signature: &str) -> (Vec<u8>, Vec<u8>) {
    let mut layer = OciDescriptor::of(SIMPLE_SIGNING_MEDIA_TYPE, payload);
    layer
        .annotations
        .insert(SIGNATURE_ANNOTATION.to_owned(), signature.to_owned());
    let config = tag_config_bytes(None, std::slice::from_ref(&layer.digest)).unwrap();
    let manifest = tag_manifest_bytes(
        OCI_MANIFEST,
        &OciDescriptor::of(OCI_CONFIG_MEDIA_TYPE, &config),
        &[layer],
    );
    (manifest, config)
}

#[test]
fn signature_manifest_has_the_structure_of_cosign_s() {
    // The payload structure of the spec and of the v1.13.1 trace: critical.identity.docker-reference,
    // critical.image.docker-manifest-digest, critical.type, optional.
    let payload = br#"{"critical":{"identity":{"docker-reference":"r.example/app"},"image":{"docker-manifest-digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000"},"type":"cosign container image signature"},"optional":null}"#;
    let (manifest, config) = signature_manifest(payload, "MEUCIQ==");
    // The trace's manifest, restated: top-level keys schemaVersion, mediaType, config, layers in this order;
    // config and layer descriptors mediaType, size, digest (then annotations); one annotation, the signature.
    let expected = format!(
        r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","config":{{"mediaType":"{OCI_CONFIG_MEDIA_TYPE}","size":{},"digest":"{}"}},"layers":[{{"mediaType":"{SIMPLE_SIGNING_MEDIA_TYPE}","size":{},"digest":"{}","annotations":{{"{SIGNATURE_ANNOTATION}":"MEUCIQ=="}}}}]}}"#,
        config.len(),
        digest(&config),
        payload.len(),
        digest(payload)
    );
    assert_eq!(String::from_utf8(manifest).unwrap(), expected);
    // The media types and annotation name, spelled as the specification spells them.
    assert_eq!(
        OCI_CONFIG_MEDIA_TYPE,
        "application/vnd.oci.image.config.v1+json"
    );
    assert_eq!(
        SIMPLE_SIGNING_MEDIA_TYPE,
        "application/vnd.dev.cosign.simplesigning.v1+json"
    );
    assert_eq!(SIGNATURE_ANNOTATION, "dev.cosignproject.cosign/signature");
    // go-containerregistry's empty image config plus one layer: 233 bytes, the size in cosign's attestation
    // example (one layer) — architecture, created (Go's zero time), history (one entry per layer), os, rootfs
    // (type layers, diff_ids = the layer digests, uncompressed), config {}.
    assert_eq!(config.len(), 233);
    let c: serde_json::Value = serde_json::from_slice(&config).unwrap();
    let keys: Vec<&str> = c.as_object().unwrap().keys().map(String::as_str).collect();
    let mut sorted = vec![
        "architecture",
        "config",
        "created",
        "history",
        "os",
        "rootfs",
    ];
    sorted.sort_unstable();
    assert_eq!(keys, sorted);
    assert_eq!(c["rootfs"]["diff_ids"][0], digest(payload));
    assert_eq!(
        c["history"][0],
        serde_json::json!({"created": "0001-01-01T00:00:00Z"})
    );
    // And it parses back as a tag manifest.
    let parsed = parse_tag_manifest(expected.as_bytes(), "").unwrap();
    assert_eq!(
        parsed.layers[0].annotations[SIGNATURE_ANNOTATION],
        "MEUCIQ=="
    );
}

#[test]
fn attestation_layer_has_cosign_s_media_type_and_annotations() {
    // cosign attest: static.NewAttestation(envelope) with WithLayerMediaType(DssePayloadType) and the
    // predicateType annotation; NewSignature always sets the signature annotation (empty for attestations).
    let mut layer = OciDescriptor::of(DSSE_MEDIA_TYPE, b"{}");
    layer.annotations = BTreeMap::from([
        (
            PREDICATE_TYPE_ANNOTATION.to_owned(),
            "https://slsa.dev/provenance/v1".to_owned(),
        ),
        (SIGNATURE_ANNOTATION.to_owned(), String::new()),
    ]);
    assert_eq!(DSSE_MEDIA_TYPE, "application/vnd.dsse.envelope.v1+json");
    assert_eq!(PREDICATE_TYPE_ANNOTATION, "predicateType");
    let json = serde_json::to_string(&layer).unwrap();
    assert_eq!(
        json,
        format!(
            r#"{{"mediaType":"{DSSE_MEDIA_TYPE}","size":2,"digest":"{}","annotations":{{"dev.cosignproject.cosign/signature":"","predicateType":"https://slsa.dev/provenance/v1"}}}}"#,
            digest(b"{}")
        )
    );
}

#[test]
fn bundle_referrer_has_the_structure_of_cosign_v3_s() {
    // cosign v3 WriteAttestationNewBundleFormat → WriteReferrer (pkg/oci/remote/write.go): the referrerManifest
    // is go-containerregistry's Manifest (schemaVersion, mediaType, config, layers, annotations, subject) then
    // artifactType; the config is the empty descriptor carrying artifactType; one bundle layer without
    // annotations; the subject with mediaType, size, digest only.
    let subject = OciDescriptor::of(OCI_MANIFEST, b"the image manifest");
    let bundle =
        br#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","dsseEnvelope":{}}"#;
    let annotations = BTreeMap::from([
        (
            "dev.sigstore.bundle.content".to_owned(),
            "dsse-envelope".to_owned(),
        ),
        (
            "dev.sigstore.bundle.predicateType".to_owned(),
            "https://sigstore.dev/cosign/sign/v1".to_owned(),
        ),
        (
            "org.opencontainers.image.created".to_owned(),
            "2026-12-06T16:00:00Z".to_owned(),
        ),
    ]);
    let manifest = bundle_referrer_manifest_bytes(&subject, bundle, &annotations);
    let expected = format!(
        r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","config":{{"mediaType":"application/vnd.oci.empty.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","artifactType":"{BUNDLE_MEDIA_TYPE}"}},"layers":[{{"mediaType":"{BUNDLE_MEDIA_TYPE}","size":{},"digest":"{}"}}],"annotations":{{"dev.sigstore.bundle.content":"dsse-envelope","dev.sigstore.bundle.predicateType":"https://sigstore.dev/cosign/sign/v1","org.opencontainers.image.created":"2026-12-06T16:00:00Z"}},"subject":{{"mediaType":"{OCI_MANIFEST}","size":{},"digest":"{}"}},"artifactType":"{BUNDLE_MEDIA_TYPE}"}}"#,
        bundle.len(),
        digest(bundle),
        subject.size,
        subject.digest
    );
    assert_eq!(String::from_utf8(manifest.clone()).unwrap(), expected);
    assert_eq!(
        digest(EMPTY_CONFIG),
        "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
    );
    assert_eq!(
        BUNDLE_MEDIA_TYPE,
        "application/vnd.dev.sigstore.bundle.v0.3+json"
    );
    let parsed = parse_bundle_referrer(&manifest).unwrap();
    assert_eq!(parsed.subject, subject.digest);
    assert_eq!(parsed.annotations, annotations);
}
