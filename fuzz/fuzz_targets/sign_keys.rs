#![no_main]
//! Fuzzes key parsing: public keys, plain private keys, and cosign's encrypted private keys (with a fixed
//! password). The input is tried as PEM text, and as the body of an `ENCRYPTED SIGSTORE PRIVATE KEY` block so
//! that the JSON (kdf, cipher, ciphertext) is reached. The scrypt parameters come from the input and are bounded
//! by the parser (N ≤ 2^20, 128·r·N ≤ 1 GiB, r·p ≤ 64). Any input gives a key or an error, never a panic.

use base64::Engine as _;
use bulwark_signature::{PrivateKey, PublicKey};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(k) = PublicKey::from_pem(&text, "fuzz.pub") {
        let _ = k.to_pem();
        let _ = k.verify(b"m", data, "fuzz");
    }
    let _ = PrivateKey::from_pem(&text, "fuzz.key");
    let _ = PrivateKey::from_pem_with_password(&text, b"fuzz", "fuzz.key");
    let body = base64::engine::general_purpose::STANDARD.encode(data);
    for label in ["ENCRYPTED SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY"] {
        let pem = format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n");
        if let Ok(k) = PrivateKey::from_pem_with_password(&pem, b"fuzz", "fuzz.key") {
            let _ = k.public_key().to_pem();
        }
    }
});
