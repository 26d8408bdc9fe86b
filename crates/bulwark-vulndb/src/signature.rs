//! Signatures on downloaded DBs: a detached signature over the exact bytes served (the `.gz` when the DB is
//! distributed compressed), checked against a public key the user configured.
//!
//! Keys are PEM `PUBLIC KEY` (SubjectPublicKeyInfo) files, as `openssl pkey -pubout` and `cosign
//! generate-key-pair` write them: ECDSA P-256 (signatures in ASN.1 DER over SHA-256, what `cosign sign-blob
//! --key` and `openssl dgst -sha256 -sign` produce) or Ed25519 (`openssl pkeyutl -sign -rawin`). A signature
//! is accepted raw or base64-encoded (cosign prints base64).

use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1, ED25519, UnparsedPublicKey};

use crate::Error;

/// A public key that signatures are checked against.
#[derive(Debug, Clone)]
pub struct PublicKey {
    kind: KeyKind,
    key: Vec<u8>,
    /// Where the key came from, for messages.
    pub source: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    EcdsaP256,
    Ed25519,
}

const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];

/// The public key of the DB that Bulwark's project publishes at
/// [`DEFAULT_DB_REPOSITORY`](crate::update::DEFAULT_DB_REPOSITORY) (`keys/bulwark-db.pub`, ECDSA P-256). Its
/// private half is a secret of the publishing CI workflow and is not in the repository.
pub const BUILTIN_PUBLIC_KEY_PEM: &str = include_str!("../keys/bulwark-db.pub");

impl PublicKey {
    /// The built-in key, [`BUILTIN_PUBLIC_KEY_PEM`].
    #[must_use]
    pub fn builtin() -> Self {
        Self::from_pem(BUILTIN_PUBLIC_KEY_PEM, "the built-in Bulwark DB key")
            .expect("the built-in key is a valid P-256 PEM (a unit test parses it)")
    }

    /// Parses a PEM `PUBLIC KEY`; `source` names it in errors.
    pub fn from_pem(pem: &str, source: &str) -> Result<Self, Error> {
        let bad = |reason: &str| Error::Signature {
            what: source.to_owned(),
            reason: reason.to_owned(),
        };
        let body: String = pem
            .lines()
            .skip_while(|l| l.trim() != "-----BEGIN PUBLIC KEY-----")
            .skip(1)
            .take_while(|l| l.trim() != "-----END PUBLIC KEY-----")
            .collect();
        if body.is_empty() {
            return Err(bad("no '-----BEGIN PUBLIC KEY-----' block"));
        }
        let der = base64_decode(&body).ok_or_else(|| bad("the PEM body is not base64"))?;
        let (kind, key) =
            parse_spki(&der).ok_or_else(|| bad("not an ECDSA P-256 or Ed25519 public key"))?;
        Ok(Self {
            kind,
            key,
            source: source.to_owned(),
        })
    }

    /// Checks `signature` (raw, or base64 text) over `message`. `what` names the signed thing in errors.
    pub fn verify(&self, message: &[u8], signature: &[u8], what: &str) -> Result<(), Error> {
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
            Err(Error::Signature {
                what: what.to_owned(),
                reason: format!("the signature does not verify with {}", self.source),
            })
        }
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
fn base64_decode(text: &str) -> Option<Vec<u8>> {
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
    fn builtin_key_parses_as_p256() {
        assert_eq!(PublicKey::builtin().kind, KeyKind::EcdsaP256);
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
    }
}
