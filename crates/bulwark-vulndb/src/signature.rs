//! Signatures on downloaded DBs: a detached signature over the exact bytes served (the `.gz` when the DB is
//! distributed compressed), checked against a public key the user configured.
//!
//! The key types and the verifier live in `bulwark-signature` (shared with policy bundles): PEM `PUBLIC KEY`
//! (SubjectPublicKeyInfo) files, as `openssl pkey -pubout` and `cosign generate-key-pair` write them, ECDSA
//! P-256 (signatures in ASN.1 DER over SHA-256, what `cosign sign-blob --key` and `openssl dgst -sha256 -sign`
//! produce) or Ed25519 (`openssl pkeyutl -sign -rawin`). A signature is accepted raw or base64-encoded (cosign
//! prints base64). This module keeps the DB's API and error type over it.

use crate::Error;

/// A public key that signatures are checked against.
#[derive(Debug, Clone)]
pub struct PublicKey {
    inner: bulwark_signature::PublicKey,
    /// Where the key came from, for messages.
    pub source: String,
}

/// The public key of the DB that Bulwark's project publishes at
/// [`DEFAULT_DB_REPOSITORY`](crate::update::DEFAULT_DB_REPOSITORY) (`keys/bulwark-db.pub`, ECDSA P-256). Its
/// private half is a secret of the publishing CI workflow and is not in the repository.
pub const BUILTIN_PUBLIC_KEY_PEM: &str = include_str!("../keys/bulwark-db.pub");

fn to_error(e: bulwark_signature::SignatureError) -> Error {
    Error::Signature {
        what: e.what,
        reason: e.reason,
    }
}

impl PublicKey {
    /// The built-in key, [`BUILTIN_PUBLIC_KEY_PEM`].
    #[must_use]
    pub fn builtin() -> Self {
        Self::from_pem(BUILTIN_PUBLIC_KEY_PEM, "the built-in Bulwark DB key")
            .expect("the built-in key is a valid P-256 PEM (a unit test parses it)")
    }

    /// Parses a PEM `PUBLIC KEY`; `source` names it in errors.
    pub fn from_pem(pem: &str, source: &str) -> Result<Self, Error> {
        let inner = bulwark_signature::PublicKey::from_pem(pem, source).map_err(to_error)?;
        Ok(Self {
            inner,
            source: source.to_owned(),
        })
    }

    /// Checks `signature` (raw, or base64 text) over `message`. `what` names the signed thing in errors.
    pub fn verify(&self, message: &[u8], signature: &[u8], what: &str) -> Result<(), Error> {
        let mut key = self.inner.clone();
        key.source.clone_from(&self.source);
        key.verify(message, signature, what).map_err(to_error)
    }

    /// The shared key type (`bulwark-signature`), for callers that verify other things than DBs.
    #[must_use]
    pub fn shared(&self) -> &bulwark_signature::PublicKey {
        &self.inner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_key_parses_as_p256() {
        assert_eq!(
            PublicKey::builtin().shared().kind(),
            bulwark_signature::KeyKind::EcdsaP256
        );
    }

    #[test]
    fn junk_keys_are_errors_not_panics() {
        for pem in [
            "",
            "-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----",
        ] {
            assert!(matches!(
                PublicKey::from_pem(pem, "k.pem"),
                Err(Error::Signature { .. })
            ));
        }
    }
}
