//! Detached signatures, shared by the vulnerability DB (`bulwark-vulndb`) and policy bundles
//! (`bulwark-policy`).
//!
//! Keys are PEM files as `openssl` and `cosign generate-key-pair` write them:
//! - public keys: `PUBLIC KEY` (SubjectPublicKeyInfo), ECDSA P-256 or Ed25519 (`openssl pkey -pubout`);
//! - private keys: unencrypted `PRIVATE KEY` (PKCS#8, `openssl genpkey`) for ECDSA P-256 or Ed25519, or
//!   `EC PRIVATE KEY` (SEC1, `openssl ecparam -genkey`) for P-256.
//!
//! ECDSA signatures are ASN.1 DER over SHA-256 of the message (what `cosign sign-blob --key` and `openssl dgst
//! -sha256 -sign` produce); Ed25519 signs the message itself (`openssl pkeyutl -sign -rawin`). A signature is
//! accepted raw or base64-encoded (cosign prints base64).
//!
//! cosign's own encrypted private keys (`ENCRYPTED SIGSTORE PRIVATE KEY`, scrypt + NaCl secretbox), key
//! generation and import are in [`cosign_key`]: [`PrivateKey::from_pem_with_password`], [`KeyPair`],
//! [`PrivateKey::to_encrypted_pem`], [`PrivateKey::public_key`], [`PublicKey::to_pem`].

pub mod cosign_key;
pub use cosign_key::{COSIGN_PEM_LABEL, KeyPair, SIGSTORE_PEM_LABEL, is_cosign_encrypted};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1, ECDSA_P256_SHA256_ASN1_SIGNING, ED25519, EcdsaKeyPair, Ed25519KeyPair,
    UnparsedPublicKey,
};

/// A key that could not be read, or a signature that does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}: {reason}")]
pub struct SignatureError {
    /// The key file or the signed thing.
    pub what: String,
    pub reason: String,
}

impl SignatureError {
    fn new(what: &str, reason: impl Into<String>) -> Self {
        Self {
            what: what.to_owned(),
            reason: reason.into(),
        }
    }
}

/// The two key types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    EcdsaP256,
    Ed25519,
}

impl KeyKind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EcdsaP256 => "ECDSA P-256",
            Self::Ed25519 => "Ed25519",
        }
    }
}

/// A public key that signatures are checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    kind: KeyKind,
    key: Vec<u8>,
    /// Where the key came from, for messages.
    pub source: String,
}

const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];

/// The base64 body of the first `-----BEGIN <label>-----` block.
fn pem_block(pem: &str, label: &str) -> Option<String> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let body: String = pem
        .lines()
        .skip_while(|l| l.trim() != begin)
        .skip(1)
        .take_while(|l| l.trim() != end)
        .map(str::trim)
        .collect();
    (!body.is_empty()).then_some(body)
}

impl PublicKey {
    /// Parses a PEM `PUBLIC KEY`; `source` names it in errors.
    pub fn from_pem(pem: &str, source: &str) -> Result<Self, SignatureError> {
        let body = pem_block(pem, "PUBLIC KEY")
            .ok_or_else(|| SignatureError::new(source, "no '-----BEGIN PUBLIC KEY-----' block"))?;
        let der = base64_decode(&body)
            .ok_or_else(|| SignatureError::new(source, "the PEM body is not base64"))?;
        let (kind, key) = parse_spki(&der).ok_or_else(|| {
            SignatureError::new(source, "not an ECDSA P-256 or Ed25519 public key")
        })?;
        Ok(Self {
            kind,
            key,
            source: source.to_owned(),
        })
    }

    #[must_use]
    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// Checks `signature` (raw, or base64 text) over `message`. `what` names the signed thing in errors.
    pub fn verify(
        &self,
        message: &[u8],
        signature: &[u8],
        what: &str,
    ) -> Result<(), SignatureError> {
        let text = std::str::from_utf8(signature).ok().map(str::trim);
        let decoded = text.and_then(|t| base64_decode(&t.split_whitespace().collect::<String>()));
        let candidates: Vec<&[u8]> = match &decoded {
            Some(d) => vec![d.as_slice(), signature],
            None => vec![signature],
        };
        let alg: &dyn aws_lc_rs::signature::VerificationAlgorithm = match self.kind {
            KeyKind::EcdsaP256 => &ECDSA_P256_SHA256_ASN1,
            KeyKind::Ed25519 => &ED25519,
        };
        let key = UnparsedPublicKey::new(alg, &self.key);
        if candidates.iter().any(|s| key.verify(message, s).is_ok()) {
            Ok(())
        } else {
            Err(SignatureError::new(
                what,
                format!("the signature does not verify with {}", self.source),
            ))
        }
    }
}

/// A private key to sign with.
pub struct PrivateKey {
    inner: Signer,
    /// Where the key came from, for messages.
    pub source: String,
}

enum Signer {
    Ecdsa(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivateKey")
            .field("kind", &self.kind())
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl PrivateKey {
    /// Parses an unencrypted PEM `PRIVATE KEY` (PKCS#8: ECDSA P-256 or Ed25519) or `EC PRIVATE KEY` (SEC1,
    /// P-256). Encrypted keys are refused with a hint: cosign's format needs [`PrivateKey::from_pem_with_password`],
    /// and PKCS#8 `ENCRYPTED PRIVATE KEY` is not supported.
    pub fn from_pem(pem: &str, source: &str) -> Result<Self, SignatureError> {
        if is_cosign_encrypted(pem) {
            return Err(SignatureError::new(
                source,
                "this is a cosign encrypted private key: give its password (BULWARK_PASSWORD)",
            ));
        }
        if pem.contains("-----BEGIN ENCRYPTED") {
            return Err(SignatureError::new(
                source,
                "encrypted private keys are not supported; decrypt it with `openssl pkey -in KEY -out PLAIN.pem`",
            ));
        }
        let bad_b64 = || SignatureError::new(source, "the PEM body is not base64");
        let inner = if let Some(body) = pem_block(pem, "PRIVATE KEY") {
            let der = base64_decode(&body).ok_or_else(bad_b64)?;
            if let Ok(k) = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &der) {
                Signer::Ecdsa(k)
            } else if let Ok(k) = Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der) {
                Signer::Ed25519(k)
            } else {
                return Err(SignatureError::new(
                    source,
                    "not an ECDSA P-256 or Ed25519 PKCS#8 private key",
                ));
            }
        } else if let Some(body) = pem_block(pem, "EC PRIVATE KEY") {
            let der = base64_decode(&body).ok_or_else(bad_b64)?;
            Signer::Ecdsa(
                EcdsaKeyPair::from_private_key_der(&ECDSA_P256_SHA256_ASN1_SIGNING, &der)
                    .map_err(|_| SignatureError::new(source, "not a P-256 EC private key"))?,
            )
        } else {
            return Err(SignatureError::new(
                source,
                "no '-----BEGIN PRIVATE KEY-----' or '-----BEGIN EC PRIVATE KEY-----' block",
            ));
        };
        Ok(Self {
            inner,
            source: source.to_owned(),
        })
    }

    #[must_use]
    pub fn kind(&self) -> KeyKind {
        match self.inner {
            Signer::Ecdsa(_) => KeyKind::EcdsaP256,
            Signer::Ed25519(_) => KeyKind::Ed25519,
        }
    }

    /// The raw signature over `message` (ASN.1 DER for ECDSA, 64 bytes for Ed25519).
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignatureError> {
        match &self.inner {
            Signer::Ecdsa(k) => k
                .sign(&SystemRandom::new(), message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| SignatureError::new(&self.source, "ECDSA signing failed")),
            Signer::Ed25519(k) => Ok(k.sign(message).as_ref().to_vec()),
        }
    }

    /// The signature over `message`, base64-encoded (cosign's form).
    pub fn sign_base64(&self, message: &[u8]) -> Result<String, SignatureError> {
        use base64::Engine as _;
        Ok(base64::engine::general_purpose::STANDARD.encode(self.sign(message)?))
    }
}

/// One DER element: (tag, contents, rest).
fn der(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// SubjectPublicKeyInfo → the key kind and the raw key bytes (an uncompressed point or 32 Ed25519 bytes).
fn parse_spki(input: &[u8]) -> Option<(KeyKind, Vec<u8>)> {
    let (0x30, spki, _) = der(input)? else {
        return None;
    };
    let (0x30, alg, rest) = der(spki)? else {
        return None;
    };
    let (0x03, bits, _) = der(rest)? else {
        return None;
    };
    let (&0, key) = bits.split_first()? else {
        return None;
    };
    let (0x06, oid, params) = der(alg)? else {
        return None;
    };
    let kind = if oid == OID_ED25519 && key.len() == 32 {
        KeyKind::Ed25519
    } else if oid == OID_EC_PUBLIC_KEY {
        let (0x06, curve, _) = der(params)? else {
            return None;
        };
        if curve != OID_P256 || key.first() != Some(&0x04) || key.len() != 65 {
            return None;
        }
        KeyKind::EcdsaP256
    } else {
        return None;
    };
    Some((kind, key.to_vec()))
}

/// Standard base64 (PEM bodies, cosign signatures), padding optional; `None` when it is not base64.
#[must_use]
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const LAX: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    LAX.decode(text).ok().filter(|d| !d.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_known_values() {
        assert_eq!(base64_decode("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64_decode("aGVsbG8").unwrap(), b"hello");
        assert!(base64_decode("a b").is_none());
    }

    #[test]
    fn junk_keys_are_errors_not_panics() {
        for pem in [
            "",
            "-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----",
            "-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----",
            "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----",
        ] {
            assert!(PublicKey::from_pem(pem, "k.pem").is_err(), "{pem}");
        }
        for pem in [
            "",
            "-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----",
            "-----BEGIN EC PRIVATE KEY-----\n!!\n-----END EC PRIVATE KEY-----",
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----",
        ] {
            assert!(PrivateKey::from_pem(pem, "k.pem").is_err(), "{pem}");
        }
    }
}
