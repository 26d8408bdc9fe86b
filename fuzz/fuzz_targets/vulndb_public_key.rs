#![no_main]
//! Fuzzes the DB signing key and signature parsers: any PEM text and signature bytes give a key or an error,
//! and a verification a result, never a panic.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let split = data.len() / 2;
    let (pem, sig) = data.split_at(split);
    let pem = String::from_utf8_lossy(pem);
    let wrapped = format!("-----BEGIN PUBLIC KEY-----\n{pem}\n-----END PUBLIC KEY-----\n");
    for text in [pem.as_ref(), wrapped.as_str()] {
        if let Ok(key) = bulwark_vulndb::PublicKey::from_pem(text, "fuzz.pem") {
            let _ = key.verify(b"message", sig, "fuzz");
        }
    }
});
