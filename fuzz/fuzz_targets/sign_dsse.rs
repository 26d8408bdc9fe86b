#![no_main]
//! Fuzzes what `bulwark verify` reads from a registry: a DSSE envelope (parse, then verification with a fixed
//! key, one key and a threshold), the in-toto statement inside (strict parse, subject check), its predicates,
//! and cosign's simple-signing payload. Any bytes give a value or an error, never a panic.

use std::sync::OnceLock;

use bulwark_sign::dsse::{Envelope, INTOTO_PAYLOAD_TYPE};
use bulwark_sign::intoto::Statement;
use bulwark_sign::predicate::{VerdictPredicate, VulnPredicate, rfc3339_to_unix};
use bulwark_sign::simplesigning::SimpleSigning;
use bulwark_signature::{KeyKind, PrivateKey, PublicKey};

fn key() -> &'static PublicKey {
    static KEY: OnceLock<PublicKey> = OnceLock::new();
    KEY.get_or_init(|| PrivateKey::generate(KeyKind::EcdsaP256).unwrap().public_key())
}

const DIGEST: &str = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

fn statement(bytes: &[u8]) {
    if let Ok(st) = Statement::parse(bytes) {
        let _ = st.check_subject(DIGEST);
        let _ = VerdictPredicate::from_statement(&st);
        let _ = VulnPredicate::from_value(&st.predicate);
        let _ = st.to_json();
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(env) = Envelope::from_json(data) {
        let _ = env.verify(INTOTO_PAYLOAD_TYPE, key());
        let _ = env.verify_threshold(&env.payload_type, &[key(), key()], 2);
        if let Ok(payload) = env.payload_bytes() {
            statement(&payload);
        }
        let _ = env.to_json();
    }
    statement(data);
    let _ = SimpleSigning::parse_for(data, DIGEST);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = rfc3339_to_unix(text);
    }
});
