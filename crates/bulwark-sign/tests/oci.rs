//! cosign's tag layout and the bundle referrer, written to and read from a real `docker-registry` (Debian's
//! CNCF distribution 2.8, which has no referrers API: the tag-schema fallback is what runs) on 127.0.0.1, with
//! an image pushed by `skopeo`. What we wrote is checked with `skopeo` (an independent client): `inspect --raw`
//! shows the manifests cosign would read, and `copy` to an OCI layout re-verifies every blob digest.
//!
//! The referrers API path, and hostile registries (truncated or oversized `.sig` manifests, a layer that does
//! not match its digest, a 100k-entry fallback index), use the loopback registry of our own in
//! `crates/bulwark-registry/tests/support/fake.rs`: the real registry cannot serve them (it validates manifests
//! on `PUT`, checks blob digests, and refuses a manifest over 4 MiB with `MANIFEST_INVALID: http: request body
//! too large`, observed with Debian's 2.8.2), so only a hostile or broken registry would.
//!
//! Needs `apt-get install -y docker-registry skopeo apache2-utils openssl`.

#[path = "../../bulwark-registry/tests/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use bulwark_registry::{OCI_INDEX, OCI_MANIFEST, PushOptions, Reference};
use bulwark_sign::oci::{
    BUNDLE_MEDIA_TYPE, CERTIFICATE_ANNOTATION, DSSE_MEDIA_TYPE, OCI_CONFIG_MEDIA_TYPE, OciError,
    SIGNATURE_ANNOTATION, SIMPLE_SIGNING_MEDIA_TYPE, Store, Target,
};
use bulwark_signature::{PrivateKey, PublicKey};
use support::fake::{Canned, FakeRegistry, digest_of};
use support::{TestRegistry, fixtures, temp_dir};

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn skopeo(dir: &Path, args: &[&str]) -> Vec<u8> {
    let policy = dir.join("policy.json");
    std::fs::write(
        &policy,
        r#"{"default":[{"type":"insecureAcceptAnything"}]}"#,
    )
    .unwrap();
    run(Command::new("skopeo")
        .arg("--policy")
        .arg(&policy)
        .args(args))
}

fn opts(dir: &Path) -> PushOptions {
    PushOptions {
        docker_config: Some(dir.join("no-docker-config.json")),
        ..PushOptions::default()
    }
}

/// An ECDSA P-256 key pair made by openssl.
fn keys(dir: &Path) -> (PrivateKey, PublicKey) {
    let key = dir.join("key.pem");
    let pem = run(Command::new("sh")
        .arg("-c")
        .arg("openssl ecparam -genkey -name prime256v1 -noout | openssl pkcs8 -topk8 -nocrypt"));
    std::fs::write(&key, &pem).unwrap();
    let public = run(Command::new("openssl")
        .args(["ec", "-pubout", "-in"])
        .arg(&key));
    (
        PrivateKey::from_pem(std::str::from_utf8(&pem).unwrap(), "test key").unwrap(),
        PublicKey::from_pem(std::str::from_utf8(&public).unwrap(), "test key").unwrap(),
    )
}

/// A simple-signing payload as cosign's SIGNATURE_SPEC.md describes it (built here, not by our code).
fn payload(reference: &str, digest: &str, optional: &str) -> Vec<u8> {
    format!(
        r#"{{"critical":{{"identity":{{"docker-reference":"{reference}"}},"image":{{"docker-manifest-digest":"{digest}"}},"type":"cosign container image signature"}},"optional":{optional}}}"#
    )
    .into_bytes()
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap()
}

#[test]
fn tag_layout_and_bundle_referrers_round_trip_on_docker_registry() {
    let work = temp_dir("sign-oci");
    let reg = TestRegistry::start("plain", &work.join("reg"), &[], None);
    skopeo(
        &work,
        &[
            "copy",
            "-q",
            "--dest-tls-verify=false",
            &format!("oci:{}:alpine-3.14", fixtures().join("oci-mini").display()),
            &format!("docker://{}/team/app:v1", reg.host),
        ],
    );
    let reference: Reference = format!("{}/team/app:v1", reg.host).parse().unwrap();
    let mut store = Store::connect(&reference, &opts(&work)).unwrap();
    let target = store.resolve(&reference).unwrap();
    let image_raw = skopeo(
        &work,
        &[
            "inspect",
            "--raw",
            "--tls-verify=false",
            &format!("docker://{}/team/app:v1", reg.host),
        ],
    );
    assert_eq!(target.digest.to_string(), digest_of(&image_raw));
    assert_eq!(target.size, image_raw.len() as u64);
    assert_eq!(target.media_type, OCI_MANIFEST);
    let (private, public) = keys(&work);
    let dupe =
        |payload: &[u8], sig: &[u8]| public.verify(payload, sig, "existing signature").is_ok();

    // Nothing there yet.
    assert!(store.read_signatures(&target).unwrap().is_empty());
    assert!(store.read_attestations(&target).unwrap().is_empty());
    assert!(store.read_bundle_referrers(&target).unwrap().is_empty());

    // Sign; sign the same payload again (ECDSA: another signature string) — cosign's duplicate detector
    // verifies the existing signature with the signer's key and skips it; so do we.
    let p1 = payload(
        &format!("{}/team/app", reg.host),
        &target.digest.to_string(),
        "null",
    );
    let s1 = private.sign_base64(&p1).unwrap();
    let none = BTreeMap::new();
    let w1 = store
        .write_signature(&target, &p1, &s1, &none, Some(&dupe))
        .unwrap();
    assert!(w1.appended);
    assert_eq!(w1.layers, 1);
    assert_eq!(w1.reference, format!("sha256-{}.sig", target.digest.hex()));
    let s1b = private.sign_base64(&p1).unwrap();
    assert_ne!(s1, s1b);
    let w2 = store
        .write_signature(&target, &p1, &s1b, &none, Some(&dupe))
        .unwrap();
    assert!(
        !w2.appended,
        "a second signature by the same key over the same payload is a duplicate"
    );
    assert_eq!(w2.manifest_digest, w1.manifest_digest);
    // Without a checker, only the very same signature string is a duplicate.
    assert!(
        !store
            .write_signature(&target, &p1, &s1, &none, None)
            .unwrap()
            .appended
    );
    // Another key's signature over the same payload is appended.
    let other_dir = work.join("other-key");
    std::fs::create_dir_all(&other_dir).unwrap();
    let (other, other_public) = keys(&other_dir);
    let s_other = other.sign_base64(&p1).unwrap();
    // The checker is the new signer's: does an existing signature verify with *its* key?
    let other_dupe = |payload: &[u8], sig: &[u8]| {
        other_public
            .verify(payload, sig, "existing signature")
            .is_ok()
    };
    let w3 = store
        .write_signature(&target, &p1, &s_other, &none, Some(&other_dupe))
        .unwrap();
    assert!(w3.appended);
    assert_eq!(w3.layers, 2);
    // A different payload with a certificate annotation: appended, the layer keeps its annotations.
    let p2 = payload(
        &format!("{}/team/app", reg.host),
        &target.digest.to_string(),
        r#"{"creator":"bulwark"}"#,
    );
    let s2 = private.sign_base64(&p2).unwrap();
    let cert = BTreeMap::from([(
        CERTIFICATE_ANNOTATION.to_owned(),
        "-----BEGIN CERTIFICATE-----\n...".to_owned(),
    )]);
    let w4 = store
        .write_signature(&target, &p2, &s2, &cert, Some(&dupe))
        .unwrap();
    assert_eq!(w4.layers, 3);

    let sigs = store.read_signatures(&target).unwrap();
    assert_eq!(sigs.len(), 3);
    assert_eq!(sigs[0].payload, p1);
    assert_eq!(sigs[0].signature, s1);
    assert_eq!(sigs[1].signature, s_other);
    assert_eq!(sigs[2].payload, p2);
    assert!(sigs[2].certificate().is_some());
    for s in &sigs {
        assert_eq!(s.media_type, SIMPLE_SIGNING_MEDIA_TYPE);
    }
    assert!(
        public
            .verify(&sigs[0].payload, sigs[0].signature.as_bytes(), "sig")
            .is_ok()
    );
    assert!(
        public
            .verify(&sigs[1].payload, sigs[1].signature.as_bytes(), "sig")
            .is_err()
    );
    assert!(
        public
            .verify(&sigs[2].payload, sigs[2].signature.as_bytes(), "sig")
            .is_ok()
    );

    // What cosign would read, through skopeo: the manifest under the .sig tag, with cosign's structure.
    let sig_ref = format!("docker://{}/team/app:{}", reg.host, w4.reference);
    let raw = skopeo(&work, &["inspect", "--raw", "--tls-verify=false", &sig_ref]);
    assert_eq!(digest_of(&raw), w4.manifest_digest.to_string());
    let m = json(&raw);
    assert_eq!(m["schemaVersion"], 2);
    assert_eq!(m["mediaType"], OCI_MANIFEST);
    assert_eq!(m["config"]["mediaType"], OCI_CONFIG_MEDIA_TYPE);
    let layers = m["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 3);
    for (l, s) in layers.iter().zip(&sigs) {
        assert_eq!(l["mediaType"], SIMPLE_SIGNING_MEDIA_TYPE);
        assert_eq!(l["digest"], digest_of(&s.payload));
        assert_eq!(l["size"], s.payload.len());
        assert_eq!(l["annotations"][SIGNATURE_ANNOTATION], s.signature.as_str());
    }
    // skopeo copies it (checking every blob against its digest) to an OCI layout; the config there is
    // go-containerregistry's: rootfs.diff_ids = the layer digests, one history entry per layer.
    let layout = work.join("sig-layout");
    skopeo(
        &work,
        &[
            "copy",
            "-q",
            "--src-tls-verify=false",
            &sig_ref,
            &format!("oci:{}:sig", layout.display()),
        ],
    );
    let config_digest = m["config"]["digest"].as_str().unwrap();
    let config = std::fs::read(layout.join("blobs/sha256").join(&config_digest[7..])).unwrap();
    assert_eq!(digest_of(&config), config_digest);
    let c = json(&config);
    assert_eq!(c["rootfs"]["type"], "layers");
    let diff_ids: Vec<&str> = c["rootfs"]["diff_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    let layer_digests: Vec<&str> = layers
        .iter()
        .map(|l| l["digest"].as_str().unwrap())
        .collect();
    assert_eq!(diff_ids, layer_digests);
    assert_eq!(c["history"].as_array().unwrap().len(), 3);
    assert_eq!(c["created"], "0001-01-01T00:00:00Z");

    // Attestations: .att, DSSE layers with predicateType (appending; an identical envelope is not re-added).
    let env1 = br#"{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"keyid":"","sig":"AAAA"}]}"#;
    let env2 = br#"{"payloadType":"application/vnd.in-toto+json","payload":"e30K","signatures":[{"keyid":"","sig":"BBBB"}]}"#;
    let vuln = "https://cosign.sigstore.dev/attestation/vuln/v1";
    let a1 = store.write_attestation(&target, env1, vuln).unwrap();
    assert_eq!(a1.reference, format!("sha256-{}.att", target.digest.hex()));
    assert!(
        !store
            .write_attestation(&target, env1, vuln)
            .unwrap()
            .appended
    );
    let a2 = store
        .write_attestation(&target, env2, "https://bulwark.dev/verdict/v1")
        .unwrap();
    assert_eq!(a2.layers, 2);
    let atts = store.read_attestations(&target).unwrap();
    assert_eq!(atts.len(), 2);
    assert_eq!(atts[0].payload, env1);
    assert_eq!(atts[0].predicate_type(), Some(vuln));
    assert_eq!(
        atts[1].predicate_type(),
        Some("https://bulwark.dev/verdict/v1")
    );
    let att_raw = skopeo(
        &work,
        &[
            "inspect",
            "--raw",
            "--tls-verify=false",
            &format!("docker://{}/team/app:{}", reg.host, a2.reference),
        ],
    );
    let am = json(&att_raw);
    assert_eq!(am["layers"][0]["mediaType"], DSSE_MEDIA_TYPE);
    assert_eq!(am["layers"][0]["annotations"]["predicateType"], vuln);
    assert_eq!(am["layers"][0]["annotations"][SIGNATURE_ANNOTATION], "");

    // The bundle referrer through the fallback: docker-registry has no referrers API.
    let bundle1 = br#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{},"dsseEnvelope":{"payload":"e30=","payloadType":"application/vnd.in-toto+json","signatures":[]}}"#;
    let r1 = store
        .write_bundle_referrer_at(
            &target,
            bundle1,
            "https://sigstore.dev/cosign/sign/v1",
            "2026-12-06T16:00:00Z",
        )
        .unwrap();
    assert!(r1.fallback_updated);
    let bundle2 = br#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{}},"messageSignature":{}}"#;
    let r2 = store.write_bundle_referrer(&target, bundle2, vuln).unwrap();
    assert!(r2.fallback_updated);
    let index_raw = skopeo(
        &work,
        &[
            "inspect",
            "--raw",
            "--tls-verify=false",
            &format!(
                "docker://{}/team/app:sha256-{}",
                reg.host,
                target.digest.hex()
            ),
        ],
    );
    let index = json(&index_raw);
    assert_eq!(index["mediaType"], OCI_INDEX);
    let entries = index["manifests"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["digest"], r1.manifest_digest.to_string());
    assert_eq!(entries[0]["artifactType"], BUNDLE_MEDIA_TYPE);
    assert_eq!(
        entries[0]["annotations"]["dev.sigstore.bundle.content"],
        "dsse-envelope"
    );
    assert_eq!(
        entries[0]["annotations"]["dev.sigstore.bundle.predicateType"],
        "https://sigstore.dev/cosign/sign/v1"
    );
    assert_eq!(
        entries[0]["annotations"]["org.opencontainers.image.created"],
        "2026-12-06T16:00:00Z"
    );
    assert_eq!(
        entries[1]["annotations"]["dev.sigstore.bundle.content"],
        "message-signature"
    );
    // The referrer manifest itself, through skopeo: subject = the image, the empty config, one bundle layer.
    let rm = json(&skopeo(
        &work,
        &[
            "inspect",
            "--raw",
            "--tls-verify=false",
            &format!("docker://{}/team/app@{}", reg.host, r1.manifest_digest),
        ],
    ));
    assert_eq!(rm["subject"]["digest"], target.digest.to_string());
    assert_eq!(rm["subject"]["size"], target.size);
    assert_eq!(rm["subject"]["mediaType"], OCI_MANIFEST);
    assert_eq!(rm["artifactType"], BUNDLE_MEDIA_TYPE);
    assert_eq!(
        rm["config"]["mediaType"],
        "application/vnd.oci.empty.v1+json"
    );
    assert_eq!(rm["config"]["digest"], digest_of(b"{}"));
    assert_eq!(rm["layers"][0]["mediaType"], BUNDLE_MEDIA_TYPE);
    assert_eq!(rm["layers"][0]["digest"], digest_of(bundle1));

    // A fresh connection reading all three (figures for the report; printed with --nocapture).
    for round in 0..3 {
        let started = std::time::Instant::now();
        let mut fresh = Store::connect(&reference, &opts(&work)).unwrap();
        let n = fresh.read_signatures(&target).unwrap().len()
            + fresh.read_attestations(&target).unwrap().len()
            + fresh.read_bundle_referrers(&target).unwrap().len();
        eprintln!(
            "round {round}: read {n} signatures, attestations and bundles in {:?}",
            started.elapsed()
        );
    }
    let bundles = store.read_bundle_referrers(&target).unwrap();
    assert_eq!(bundles.len(), 2);
    assert_eq!(bundles[0].bundle, bundle1);
    assert_eq!(
        bundles[0].predicate_type.as_deref(),
        Some("https://sigstore.dev/cosign/sign/v1")
    );
    assert_eq!(bundles[0].content.as_deref(), Some("dsse-envelope"));
    assert_eq!(bundles[1].bundle, bundle2);
    assert!(
        bundles[1]
            .created
            .as_deref()
            .is_some_and(|c| c.len() == 20 && c.ends_with('Z'))
    );
}

fn fake_target(fake: &FakeRegistry, image: &[u8]) -> (Store, Target) {
    let reference: Reference = format!("{}/hostile/app:v1", fake.host).parse().unwrap();
    let digest = fake.put_manifest(Some("v1"), OCI_MANIFEST, image);
    let mut store = Store::connect(&reference, &opts(&std::env::temp_dir())).unwrap();
    let target = store.resolve(&reference).unwrap();
    assert_eq!(target.digest.to_string(), digest);
    (store, target)
}

fn sig_manifest(layers: &[(String, usize)]) -> Vec<u8> {
    let layers: Vec<serde_json::Value> = layers
        .iter()
        .map(|(d, size)| {
            serde_json::json!({"mediaType": SIMPLE_SIGNING_MEDIA_TYPE, "size": size, "digest": d,
                "annotations": {SIGNATURE_ANNOTATION: "AAAA"}})
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG_MEDIA_TYPE, "size": 2, "digest": digest_of(b"{}")},
        "layers": layers,
    }))
    .unwrap()
}

fn canned(body: Vec<u8>, media_type: &str) -> Canned {
    Canned {
        status: 200,
        headers: vec![("Content-Type".into(), media_type.into())],
        body,
    }
}

#[test]
fn hostile_signature_tags_and_referrers_are_clear_errors() {
    let fake = FakeRegistry::start(false);
    let (mut store, target) = fake_target(&fake, br#"{"schemaVersion":2,"layers":[]}"#);
    let sig_path = format!("/v2/hostile/app/manifests/{}", target.signature_tag());
    let expect = |e: OciError, needles: &[&str]| {
        let text = e.to_string();
        eprintln!("error: {text}");
        for n in needles {
            assert!(text.contains(n), "{n:?} not in {text}");
        }
    };

    // A truncated .sig manifest.
    let payload = b"{\"critical\":{}}".to_vec();
    let good = sig_manifest(&[(digest_of(&payload), payload.len())]);
    fake.lock().overrides.insert(
        sig_path.clone(),
        canned(good[..good.len() / 2].to_vec(), OCI_MANIFEST),
    );
    expect(
        store.read_signatures(&target).unwrap_err(),
        &[&target.signature_tag(), "not a manifest"],
    );
    // An oversized one (5 MiB, over the distribution spec's 4 MiB).
    fake.lock()
        .overrides
        .insert(sig_path.clone(), canned(vec![b' '; 5 << 20], OCI_MANIFEST));
    expect(
        store.read_signatures(&target).unwrap_err(),
        &[
            &target.signature_tag(),
            "larger than the 4194304-byte limit",
        ],
    );
    // More layers than cosign allows.
    let many: Vec<(String, usize)> = (0..1001)
        .map(|_| (digest_of(&payload), payload.len()))
        .collect();
    fake.lock()
        .overrides
        .insert(sig_path.clone(), canned(sig_manifest(&many), OCI_MANIFEST));
    expect(
        store.read_signatures(&target).unwrap_err(),
        &["1001 layers", "limit of 1000"],
    );
    // A layer whose blob does not match its digest.
    fake.lock().overrides.remove(&sig_path);
    fake.put_manifest(Some(&target.signature_tag()), OCI_MANIFEST, &good);
    fake.lock()
        .blobs
        .insert(digest_of(&payload), b"{\"critical\":[]}".to_vec());
    expect(
        store.read_signatures(&target).unwrap_err(),
        &["digest mismatch", &digest_of(&payload)],
    );
    // A layer declaring more than a payload may be.
    let big = sig_manifest(&[(digest_of(&payload), 2 << 20)]);
    fake.put_manifest(Some(&target.signature_tag()), OCI_MANIFEST, &big);
    expect(
        store.read_signatures(&target).unwrap_err(),
        &["more than the 1048576-byte limit"],
    );
    // Many layers, each under the limit, that add up to more than we read for one tag.
    let heavy: Vec<(String, usize)> = (0..200).map(|_| (digest_of(&payload), 1 << 20)).collect();
    fake.put_manifest(
        Some(&target.signature_tag()),
        OCI_MANIFEST,
        &sig_manifest(&heavy),
    );
    expect(
        store.read_signatures(&target).unwrap_err(),
        &["declare 209715200 bytes in all"],
    );
    // Appending to a .sig tag that holds an index is refused, not overwritten.
    fake.put_manifest(
        Some(&target.signature_tag()),
        OCI_INDEX,
        br#"{"schemaVersion":2,"manifests":[]}"#,
    );
    expect(
        store
            .write_signature(&target, &payload, "AAAA", &BTreeMap::new(), None)
            .unwrap_err(),
        &["image index"],
    );

    // A 100k-entry fallback index.
    let entry = format!(
        r#"{{"mediaType":"{OCI_MANIFEST}","size":1,"digest":"sha256:{}","artifactType":"{BUNDLE_MEDIA_TYPE}"}}"#,
        "a".repeat(64)
    );
    let index = format!(
        r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[{}]}}"#,
        vec![entry.as_str(); 100_000].join(",")
    );
    let fallback_path = format!("/v2/hostile/app/manifests/sha256-{}", target.digest.hex());
    fake.lock()
        .overrides
        .insert(fallback_path.clone(), canned(index.into_bytes(), OCI_INDEX));
    expect(
        store.read_bundle_referrers(&target).unwrap_err(),
        &[&format!("sha256-{}", target.digest.hex()), "limit"],
    );
    // A listed referrer that names another subject.
    fake.lock().overrides.remove(&fallback_path);
    let other = bulwark_registry::OciDescriptor::of(OCI_MANIFEST, b"another image");
    let bundle = br#"{"dsseEnvelope":{}}"#;
    let m = bulwark_sign::oci::bundle_referrer_manifest_bytes(&other, bundle, &BTreeMap::new());
    let d = fake.put_manifest(None, OCI_MANIFEST, &m);
    let listing = format!(
        r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[{{"mediaType":"{OCI_MANIFEST}","size":{},"digest":"{d}","artifactType":"{BUNDLE_MEDIA_TYPE}"}}]}}"#,
        m.len()
    );
    fake.put_manifest(
        Some(&format!("sha256-{}", target.digest.hex())),
        OCI_INDEX,
        listing.as_bytes(),
    );
    expect(
        store.read_bundle_referrers(&target).unwrap_err(),
        &[&d, "its subject is"],
    );
    // Read as cosign reads (GetBundles skips what is not a bundle): the good referrer written next to it is
    // found, the bad one is set aside with its reason, and a referrer of another artifactType is not fetched.
    let good = store
        .write_bundle_referrer(&target, bundle, "https://sigstore.dev/cosign/sign/v1")
        .unwrap();
    let sbom = format!(
        r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","artifactType":"application/spdx+json","config":{{"mediaType":"application/vnd.oci.empty.v1+json","size":2,"digest":"{}"}},"layers":[],"subject":{{"mediaType":"{OCI_MANIFEST}","size":{},"digest":"{}"}}}}"#,
        digest_of(b"{}"),
        target.size,
        target.digest
    );
    store
        .pusher()
        .push_referrer(OCI_MANIFEST, sbom.as_bytes())
        .unwrap();
    let sbom_digest = digest_of(sbom.as_bytes());
    let scan = store.scan_bundle_referrers(&target).unwrap();
    assert_eq!(scan.bundles.len(), 1);
    assert_eq!(
        scan.bundles[0].manifest_digest,
        good.manifest_digest.to_string()
    );
    assert_eq!(scan.rejected.len(), 1);
    expect(
        scan.rejected.into_iter().next().unwrap(),
        &[&d, "its subject is"],
    );
    assert_eq!(
        fake.count(&format!("/manifests/{sbom_digest}")),
        1,
        "only its PUT"
    );
}

#[test]
fn bundle_referrer_through_the_referrers_api() {
    let fake = FakeRegistry::start(true);
    let (mut store, target) = fake_target(&fake, br#"{"schemaVersion":2,"layers":[]}"#);
    let bundle =
        br#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","dsseEnvelope":{}}"#;
    let w = store
        .write_bundle_referrer(&target, bundle, "https://sigstore.dev/cosign/sign/v1")
        .unwrap();
    assert!(!w.fallback_updated);
    // An unrelated referrer of another artifact type is not returned.
    let found = store.read_bundle_referrers(&target).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].bundle, bundle);
    assert_eq!(found[0].manifest_digest, w.manifest_digest.to_string());
    assert_eq!(
        fake.count("/manifests/sha256-"),
        0,
        "no fallback tag written or read"
    );
    assert!(fake.count("/referrers/") >= 1);
}
