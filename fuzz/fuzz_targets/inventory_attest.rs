#![no_main]
//! Fuzzes the SBOM-attestation feed's per-layer check (`bulwark_inventory::attest::statement_from_envelope`)
//! and what follows it before the store: any bytes as a DSSE envelope from a `.att` layer (refused unless
//! signed), and any bytes as an SBOM predicate inside a statement signed with the trusted key (verified, type
//! and subject checked, the predicate re-serialised and parsed as the SBOM `ingest_sbom` stores). A value or
//! an error, never a panic.

use std::sync::OnceLock;

use bulwark_inventory::attest::statement_from_envelope;
use bulwark_sign::dsse::Envelope;
use bulwark_sign::intoto::Statement;
use bulwark_sign::predicate::{CYCLONEDX, SPDX};
use bulwark_signature::{KeyKind, PrivateKey, PublicKey};

const DIGEST: &str = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

fn keys() -> &'static (PrivateKey, [PublicKey; 1]) {
    static KEYS: OnceLock<(PrivateKey, [PublicKey; 1])> = OnceLock::new();
    KEYS.get_or_init(|| {
        let k = PrivateKey::generate(KeyKind::EcdsaP256).unwrap();
        let p = k.public_key();
        (k, [p])
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (private, public) = keys();
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let want = if mode & 2 == 0 { CYCLONEDX } else { SPDX };
    if mode & 1 == 0 {
        let _ = statement_from_envelope(rest, public, want, DIGEST);
        return;
    }
    let Ok(predicate) = serde_json::from_slice::<serde_json::Value>(rest) else {
        return;
    };
    let Ok(st) = Statement::new("r.example/app", DIGEST, want, predicate) else {
        return;
    };
    let Ok(env) = Envelope::sign_statement(&st, private, "") else {
        return;
    };
    if let Ok(st) = statement_from_envelope(&env.to_json(), public, want, DIGEST)
        && let Ok(sbom) = serde_json::to_vec(&st.predicate)
    {
        let _ = bulwark_sbom::parse_sbom(&sbom, "fuzz");
    }
});
