#![no_main]
//! Fuzzes Sigstore bundle parsing and verification: any bytes give a bundle or an error, and verifying a parsed
//! bundle with a key or keylessly (against an empty trusted root) gives a result or an error, never a panic.

use std::sync::OnceLock;

use bulwark_sign::bundle::{Artifact, Bundle};
use bulwark_sign::keyless::{self, Identity, TrustedRoot};

const PUBLIC_KEY: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE6ivtORiD4dlE9FI4diggcjCQJMoy
Jnhe6CHbRBlykexkVmS9D6QFH3NgMJHedt3vUnA+V+8Uh+RGULyPJeIzIg==
-----END PUBLIC KEY-----
";

fn key() -> &'static bulwark_signature::PublicKey {
    static K: OnceLock<bulwark_signature::PublicKey> = OnceLock::new();
    K.get_or_init(|| bulwark_signature::PublicKey::from_pem(PUBLIC_KEY, "fuzz.pub").unwrap())
}

fn root() -> &'static TrustedRoot {
    static R: OnceLock<TrustedRoot> = OnceLock::new();
    R.get_or_init(|| {
        TrustedRoot::from_json(
            br#"{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}"#,
        )
        .unwrap()
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(bundle) = Bundle::from_json(data) else {
        return;
    };
    let _ = bundle.to_json();
    let digest = "sha256:4ae0b4bd4d6bfd6d7a8bdd8d1f9d8c2c1f2d5b5a7a3c8a5b6d8e1f2a3b4c5d6e";
    let _ = bundle.verify_image_signature(key(), digest);
    let _ = bundle.verify_with_key(key(), Artifact::Bytes(data));
    let _ = keyless::verify(
        &bundle,
        root(),
        &Identity::exact("a@b.c", "https://issuer"),
        Artifact::Bytes(data),
    );
});
