//! cosign's encrypted private keys, and key generation and import in that format.
//!
//! `cosign generate-key-pair` writes a PEM block labelled `ENCRYPTED SIGSTORE PRIVATE KEY` (older cosign:
//! `ENCRYPTED COSIGN PRIVATE KEY`) whose body is the JSON object that go-securesystemslib's `encrypted` package
//! produces:
//!
//! ```json
//! {"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":"<base64, 32 bytes>"},
//!  "cipher":{"name":"nacl/secretbox","nonce":"<base64, 24 bytes>"},
//!  "ciphertext":"<base64: Poly1305 tag || XSalsa20 ciphertext>"}
//! ```
//!
//! The secretbox key is `scrypt(password, salt, N, r, p, 32 bytes)`, and the plaintext is the PKCS#8 DER of the
//! private key. The public key is a PEM `PUBLIC KEY` (SubjectPublicKeyInfo). The scrypt parameters come from the
//! file, so they are bounded ([`MAX_SCRYPT_LOG_N`], [`MAX_SCRYPT_MEMORY`], [`MAX_SCRYPT_R_TIMES_P`]): a hostile
//! key file cannot make us allocate gigabytes or spin for minutes.

use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use crypto_secretbox::aead::{Aead, KeyInit};
use crypto_secretbox::{Nonce, XSalsa20Poly1305};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::{KeyKind, PrivateKey, PublicKey, SignatureError, Signer, base64_decode, pem_block};

/// The PEM label cosign writes (since v1.x).
pub const SIGSTORE_PEM_LABEL: &str = "ENCRYPTED SIGSTORE PRIVATE KEY";
/// The PEM label older cosign releases wrote; still read, and still written back by `import-key-pair` when the
/// input had it.
pub const COSIGN_PEM_LABEL: &str = "ENCRYPTED COSIGN PRIVATE KEY";

/// cosign's scrypt cost (go-securesystemslib `encrypted`, "legacy" parameters that cosign uses): N = 2^15.
pub const DEFAULT_SCRYPT_LOG_N: u8 = 15;
pub const DEFAULT_SCRYPT_R: u32 = 8;
pub const DEFAULT_SCRYPT_P: u32 = 1;
/// The largest N read from a key file: 2^20.
pub const MAX_SCRYPT_LOG_N: u8 = 20;
/// The most memory scrypt may use for a key file (128 · r · N bytes): 1 GiB.
pub const MAX_SCRYPT_MEMORY: u64 = 1 << 30;
/// The largest r · p read from a key file (the work is proportional to N · r · p).
pub const MAX_SCRYPT_R_TIMES_P: u64 = 64;
/// The largest PEM body we decode: cosign's keys are well under 1 KiB.
const MAX_BODY: usize = 64 * 1024;

const SALT_LEN: usize = 32;
const NONCE_LEN: usize = 24;
const KEY_LEN: usize = 32;

#[derive(Serialize, Deserialize)]
struct Encrypted {
    kdf: Kdf,
    cipher: Cipher,
    ciphertext: String,
}

#[derive(Serialize, Deserialize)]
struct Kdf {
    name: String,
    params: KdfParams,
    salt: String,
}

#[derive(Serialize, Deserialize)]
struct KdfParams {
    #[serde(rename = "N")]
    n: u64,
    r: u64,
    p: u64,
}

#[derive(Serialize, Deserialize)]
struct Cipher {
    name: String,
    nonce: String,
}

/// A newly generated key pair in cosign's format: what `cosign generate-key-pair` writes to `cosign.key` and
/// `cosign.pub`. `Debug` shows only the public key.
pub struct KeyPair {
    /// The `ENCRYPTED SIGSTORE PRIVATE KEY` PEM (`cosign.key`).
    pub encrypted_private_pem: String,
    /// The `PUBLIC KEY` PEM (`cosign.pub`).
    pub public_pem: String,
    /// The key itself, to sign with right away.
    pub private_key: PrivateKey,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair")
            .field("kind", &self.private_key.kind())
            .field("public_pem", &self.public_pem)
            .finish_non_exhaustive()
    }
}

impl KeyPair {
    /// Generates a key of `kind` and encrypts it with `password` (cosign's default is ECDSA P-256).
    pub fn generate(kind: KeyKind, password: &[u8]) -> Result<Self, SignatureError> {
        let private_key = PrivateKey::generate(kind)?;
        Self::from_private_key(private_key, password)
    }

    /// `cosign generate-key-pair`: ECDSA P-256.
    pub fn generate_p256(password: &[u8]) -> Result<Self, SignatureError> {
        Self::generate(KeyKind::EcdsaP256, password)
    }

    /// `cosign generate-key-pair --signing-algorithm ed25519` (the key; see the README on Ed25519ph).
    pub fn generate_ed25519(password: &[u8]) -> Result<Self, SignatureError> {
        Self::generate(KeyKind::Ed25519, password)
    }

    /// `cosign import-key-pair`: an existing key (any PEM [`PrivateKey::from_pem`] reads) in cosign's format.
    pub fn from_private_key(
        private_key: PrivateKey,
        password: &[u8],
    ) -> Result<Self, SignatureError> {
        Ok(Self {
            encrypted_private_pem: private_key.to_encrypted_pem(password)?,
            public_pem: private_key.public_key().to_pem(),
            private_key,
        })
    }
}

/// `true` when `pem` holds a cosign encrypted private key block.
#[must_use]
pub fn is_cosign_encrypted(pem: &str) -> bool {
    pem.contains(&format!("-----BEGIN {SIGSTORE_PEM_LABEL}-----"))
        || pem.contains(&format!("-----BEGIN {COSIGN_PEM_LABEL}-----"))
}

impl PrivateKey {
    /// Reads a private key PEM: cosign's encrypted format (`ENCRYPTED SIGSTORE PRIVATE KEY` or `ENCRYPTED COSIGN
    /// PRIVATE KEY`) decrypted with `password`, or an unencrypted one ([`PrivateKey::from_pem`], password unused).
    /// Errors name `source` and never contain the password or key bytes.
    pub fn from_pem_with_password(
        pem: &str,
        password: &[u8],
        source: &str,
    ) -> Result<Self, SignatureError> {
        let body = pem_block(pem, SIGSTORE_PEM_LABEL).or_else(|| pem_block(pem, COSIGN_PEM_LABEL));
        let Some(body) = body else {
            return Self::from_pem(pem, source);
        };
        let der = decrypt_body(&body, password, source)?;
        Self::from_pkcs8_der(&der, source)
    }

    /// A PKCS#8 DER ECDSA P-256 or Ed25519 key.
    fn from_pkcs8_der(der: &[u8], source: &str) -> Result<Self, SignatureError> {
        let inner = if let Ok(k) = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, der) {
            Signer::Ecdsa(k)
        } else if let Ok(k) = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der) {
            Signer::Ed25519(k)
        } else {
            return Err(SignatureError::new(
                source,
                "the decrypted key is not an ECDSA P-256 or Ed25519 PKCS#8 private key (cosign's RSA and \
                 P-384/P-521 keys are not supported)",
            ));
        };
        Ok(Self {
            inner,
            source: source.to_owned(),
        })
    }

    /// A new random key of `kind` (aws-lc-rs's generator).
    pub fn generate(kind: KeyKind) -> Result<Self, SignatureError> {
        let inner = match kind {
            KeyKind::EcdsaP256 => EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING)
                .map(Signer::Ecdsa)
                .map_err(|_| SignatureError::new("key generation", "ECDSA P-256 failed"))?,
            KeyKind::Ed25519 => Ed25519KeyPair::generate()
                .map(Signer::Ed25519)
                .map_err(|_| SignatureError::new("key generation", "Ed25519 failed"))?,
        };
        Ok(Self {
            inner,
            source: "generated key".to_owned(),
        })
    }

    /// The matching public key.
    #[must_use]
    pub fn public_key(&self) -> PublicKey {
        let key = match &self.inner {
            Signer::Ecdsa(k) => k.public_key().as_ref().to_vec(),
            Signer::Ed25519(k) => k.public_key().as_ref().to_vec(),
        };
        PublicKey {
            kind: self.kind(),
            key,
            source: format!("the public key of {}", self.source),
        }
    }

    /// The key as PKCS#8 v1 DER (what Go's `x509.MarshalPKCS8PrivateKey` writes), wiped on drop.
    fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, SignatureError> {
        let doc = match &self.inner {
            Signer::Ecdsa(k) => k.to_pkcs8v1(),
            Signer::Ed25519(k) => k.to_pkcs8v1(),
        }
        .map_err(|_| SignatureError::new(&self.source, "the key could not be encoded as PKCS#8"))?;
        Ok(Zeroizing::new(doc.as_ref().to_vec()))
    }

    /// The key in cosign's format, encrypted with `password` under cosign's default scrypt cost: what `cosign
    /// import-key-pair` and `generate-key-pair` write. Keeps nothing but the PEM text.
    pub fn to_encrypted_pem(&self, password: &[u8]) -> Result<String, SignatureError> {
        let der = self.to_pkcs8_der()?;
        encrypt_to_pem(
            &der,
            password,
            DEFAULT_SCRYPT_LOG_N,
            DEFAULT_SCRYPT_R,
            DEFAULT_SCRYPT_P,
        )
    }
}

impl PublicKey {
    /// The key as a PEM `PUBLIC KEY` (SubjectPublicKeyInfo), as `cosign.pub` holds it.
    #[must_use]
    pub fn to_pem(&self) -> String {
        // The fixed SubjectPublicKeyInfo prefixes for the two key types (RFC 5480, RFC 8410).
        const P256_PREFIX: &[u8] = &[
            0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
            0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
        ];
        const ED25519_PREFIX: &[u8] = &[
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
        ];
        let mut der = match self.kind {
            KeyKind::EcdsaP256 => P256_PREFIX.to_vec(),
            KeyKind::Ed25519 => ED25519_PREFIX.to_vec(),
        };
        der.extend_from_slice(&self.key);
        pem_encode("PUBLIC KEY", &der)
    }
}

/// PEM with 64-character lines, as Go's `pem.EncodeToMemory` writes it.
fn pem_encode(label: &str, der: &[u8]) -> String {
    use std::fmt::Write as _;
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    let _ = writeln!(out, "-----END {label}-----");
    out
}

/// Checks scrypt parameters read from a key file against the bounds; returns log2(N).
fn check_scrypt_params(n: u64, r: u64, p: u64, source: &str) -> Result<u8, SignatureError> {
    let bad =
        |why: String| SignatureError::new(source, format!("refusing scrypt parameters: {why}"));
    if n < 2 || !n.is_power_of_two() {
        return Err(bad(format!("N = {n} is not a power of two ≥ 2")));
    }
    let log_n = n.trailing_zeros() as u8;
    if log_n > MAX_SCRYPT_LOG_N {
        return Err(bad(format!(
            "N = {n} is above the limit 2^{MAX_SCRYPT_LOG_N}"
        )));
    }
    if r == 0 || p == 0 {
        return Err(bad(format!("r = {r} and p = {p} must be at least 1")));
    }
    if r.saturating_mul(p) > MAX_SCRYPT_R_TIMES_P {
        return Err(bad(format!(
            "r · p = {} is above the limit {MAX_SCRYPT_R_TIMES_P}",
            r.saturating_mul(p)
        )));
    }
    let memory = 128u64.saturating_mul(r).saturating_mul(n);
    if memory > MAX_SCRYPT_MEMORY {
        return Err(bad(format!(
            "they need {} MiB of memory, above the limit {} MiB",
            memory >> 20,
            MAX_SCRYPT_MEMORY >> 20
        )));
    }
    Ok(log_n)
}

fn derive_key(
    password: &[u8],
    salt: &[u8],
    log_n: u8,
    r: u32,
    p: u32,
    source: &str,
) -> Result<Zeroizing<[u8; KEY_LEN]>, SignatureError> {
    let params = scrypt::Params::new(log_n, r, p)
        .map_err(|_| SignatureError::new(source, "invalid scrypt parameters"))?;
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    scrypt::scrypt(password, salt, &params, key.as_mut_slice())
        .map_err(|_| SignatureError::new(source, "scrypt failed"))?;
    Ok(key)
}

/// The PEM body (base64 of the JSON) → the PKCS#8 DER plaintext.
fn decrypt_body(
    body: &str,
    password: &[u8],
    source: &str,
) -> Result<Zeroizing<Vec<u8>>, SignatureError> {
    if body.len() > MAX_BODY {
        return Err(SignatureError::new(
            source,
            format!(
                "the encrypted key is {} bytes, above the limit {MAX_BODY}",
                body.len()
            ),
        ));
    }
    let json = base64_decode(body)
        .ok_or_else(|| SignatureError::new(source, "the PEM body is not base64"))?;
    let enc: Encrypted = serde_json::from_slice(&json).map_err(|e| {
        SignatureError::new(
            source,
            format!("the encrypted key is not cosign's JSON (kdf, cipher, ciphertext): {e}"),
        )
    })?;
    if enc.kdf.name != "scrypt" {
        return Err(SignatureError::new(
            source,
            format!("unsupported kdf {:?} (expected \"scrypt\")", enc.kdf.name),
        ));
    }
    if enc.cipher.name != "nacl/secretbox" {
        return Err(SignatureError::new(
            source,
            format!(
                "unsupported cipher {:?} (expected \"nacl/secretbox\")",
                enc.cipher.name
            ),
        ));
    }
    let KdfParams { n, r, p } = enc.kdf.params;
    let log_n = check_scrypt_params(n, r, p, source)?;
    let field = |name: &str, text: &str| {
        base64_decode(text)
            .ok_or_else(|| SignatureError::new(source, format!("{name} is not base64")))
    };
    let salt = field("kdf.salt", &enc.kdf.salt)?;
    let nonce = field("cipher.nonce", &enc.cipher.nonce)?;
    let ciphertext = field("ciphertext", &enc.ciphertext)?;
    if nonce.len() != NONCE_LEN {
        return Err(SignatureError::new(
            source,
            format!(
                "cipher.nonce is {} bytes, expected {NONCE_LEN}",
                nonce.len()
            ),
        ));
    }
    // Bounded above: r, p ≤ 64.
    let key = derive_key(password, &salt, log_n, r as u32, p as u32, source)?;
    let cipher = XSalsa20Poly1305::new(key.as_slice().into());
    let plain = cipher
        .decrypt(Nonce::from_slice(&nonce), ciphertext.as_slice())
        .map_err(|_| {
            SignatureError::new(
                source,
                "decryption failed: wrong password, or the key file is corrupt",
            )
        })?;
    Ok(Zeroizing::new(plain))
}

/// Encrypts `plaintext` (PKCS#8 DER) into an `ENCRYPTED SIGSTORE PRIVATE KEY` PEM.
fn encrypt_to_pem(
    plaintext: &[u8],
    password: &[u8],
    log_n: u8,
    r: u32,
    p: u32,
) -> Result<String, SignatureError> {
    use aws_lc_rs::rand::{SecureRandom, SystemRandom};
    let rng = SystemRandom::new();
    let mut salt = [0u8; SALT_LEN];
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill(&mut salt)
        .and_then(|()| rng.fill(&mut nonce))
        .map_err(|_| SignatureError::new("key encryption", "the random generator failed"))?;
    let key = derive_key(password, &salt, log_n, r, p, "key encryption")?;
    let cipher = XSalsa20Poly1305::new(key.as_slice().into());
    let ciphertext = cipher
        .encrypt(Nonce::from_slice(&nonce), plaintext)
        .map_err(|_| SignatureError::new("key encryption", "secretbox encryption failed"))?;
    let enc = Encrypted {
        kdf: Kdf {
            name: "scrypt".to_owned(),
            params: KdfParams {
                n: 1u64 << log_n,
                r: u64::from(r),
                p: u64::from(p),
            },
            salt: STANDARD.encode(salt),
        },
        cipher: Cipher {
            name: "nacl/secretbox".to_owned(),
            nonce: STANDARD.encode(nonce),
        },
        ciphertext: STANDARD.encode(ciphertext),
    };
    let json = serde_json::to_vec(&enc)
        .map_err(|e| SignatureError::new("key encryption", e.to_string()))?;
    Ok(pem_encode(SIGSTORE_PEM_LABEL, &json))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cheap cost so that unit tests stay fast; the defaults are exercised by the integration tests.
    fn encrypt_cheap(key: &PrivateKey, password: &[u8]) -> String {
        encrypt_to_pem(&key.to_pkcs8_der().unwrap(), password, 10, 8, 1).unwrap()
    }

    #[test]
    fn round_trip_both_kinds_and_sign() {
        for kind in [KeyKind::EcdsaP256, KeyKind::Ed25519] {
            let key = PrivateKey::generate(kind).unwrap();
            let pem = encrypt_cheap(&key, b"pw");
            assert!(pem.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
            let back = PrivateKey::from_pem_with_password(&pem, b"pw", "k.key").unwrap();
            assert_eq!(back.kind(), kind);
            let sig = back.sign(b"msg").unwrap();
            let public = PublicKey::from_pem(&key.public_key().to_pem(), "k.pub").unwrap();
            public.verify(b"msg", &sig, "msg").unwrap();
            assert!(public.verify(b"other", &sig, "msg").is_err());
        }
    }

    #[test]
    fn the_older_cosign_label_is_read() {
        let key = PrivateKey::generate(KeyKind::EcdsaP256).unwrap();
        let pem = encrypt_cheap(&key, b"pw").replace("SIGSTORE", "COSIGN");
        assert!(PrivateKey::from_pem_with_password(&pem, b"pw", "k").is_ok());
    }

    #[test]
    fn hostile_parameters_are_refused_before_any_work() {
        for (n, r, p, want) in [
            (1u64 << 21, 8, 1, "above the limit 2^20"),
            (1 << 20, 16, 1, "memory"),
            (1000, 8, 1, "power of two"),
            (0, 8, 1, "power of two"),
            (1 << 10, 0, 1, "at least 1"),
            (1 << 10, 8, 9, "r · p"),
            (1 << 10, u64::MAX, u64::MAX, "r · p"),
        ] {
            let err = check_scrypt_params(n, r, p, "k").unwrap_err().to_string();
            assert!(err.contains(want), "{n} {r} {p}: {err}");
        }
        assert_eq!(check_scrypt_params(32768, 8, 1, "k").unwrap(), 15);
        assert_eq!(check_scrypt_params(1 << 20, 8, 1, "k").unwrap(), 20);
    }
}
