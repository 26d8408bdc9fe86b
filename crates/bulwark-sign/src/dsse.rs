//! DSSE (Dead Simple Signing Envelope, <https://github.com/secure-systems-lab/dsse>, protocol v1): the signature
//! covers the pre-authentication encoding `PAE(type, body)`, never the bare payload, so a payload cannot be
//! re-interpreted under another type.
//!
//! An envelope may carry several signatures, each with an optional `keyid` hint. Verification never trusts the
//! hint for security (the DSSE protocol says so): every key is tried against every signature, and a failure
//! says, per signature, why it did not verify. Sizes are bounded: the envelope JSON ([`MAX_ENVELOPE_BYTES`]), the
//! number of signatures ([`MAX_SIGNATURES`]) and the payload type ([`MAX_PAYLOAD_TYPE`]).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bulwark_signature::{PrivateKey, PublicKey};
use serde::{Deserialize, Serialize};

use crate::intoto::{Statement, StatementError, StrictError, parse_strict};

/// The in-toto payload type.
pub const INTOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// The largest envelope we parse (an SBOM attestation, base64-encoded).
pub const MAX_ENVELOPE_BYTES: usize = 64 * 1024 * 1024;
/// The most signatures one envelope may carry.
pub const MAX_SIGNATURES: usize = 64;
/// The longest payload type.
pub const MAX_PAYLOAD_TYPE: usize = 256;
/// The longest keyid.
pub const MAX_KEYID: usize = 1024;

/// A DSSE envelope as JSON carries it: the payload and signatures base64-encoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    pub payload_type: String,
    /// Base64 (standard alphabet) of the payload bytes.
    pub payload: String,
    pub signatures: Vec<Signature>,
}

/// One signature of an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    /// A hint naming the key; empty when absent (cosign leaves it empty).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub keyid: String,
    /// Base64 of the signature bytes.
    pub sig: String,
}

/// Why one signature did not verify with one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureFailure {
    /// Position in `signatures`.
    pub index: usize,
    pub keyid: String,
    pub reason: String,
}

impl std::fmt::Display for SignatureFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.keyid.is_empty() {
            write!(f, "signature {}: {}", self.index, self.reason)
        } else {
            write!(
                f,
                "signature {} (keyid {:?}): {}",
                self.index, self.keyid, self.reason
            )
        }
    }
}

fn list(failures: &[SignatureFailure]) -> String {
    failures
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Why an envelope was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DsseError {
    #[error("DSSE envelope is not valid JSON: {0}")]
    Json(String),
    #[error("DSSE envelope {what} is {size} bytes, above the limit {limit}")]
    TooLarge {
        what: &'static str,
        size: usize,
        limit: usize,
    },
    #[error("DSSE envelope has {0} signatures, above the limit {MAX_SIGNATURES}")]
    TooManySignatures(usize),
    #[error("DSSE payload is not base64")]
    PayloadEncoding,
    #[error("DSSE payloadType is {found:?}, expected {expected:?}")]
    PayloadType { found: String, expected: String },
    #[error("DSSE envelope has no signatures")]
    NoSignatures,
    #[error("no DSSE signature verifies with {key}: {}", list(.failures))]
    BadSignature {
        /// The key's source (file name).
        key: String,
        failures: Vec<SignatureFailure>,
    },
    #[error("DSSE envelope has {found} of the {needed} valid signatures required; keys that verified none: {}", .unverified_keys.join(", "))]
    Threshold {
        found: usize,
        needed: usize,
        unverified_keys: Vec<String>,
    },
    #[error("signing failed: {0}")]
    Sign(String),
    #[error("DSSE payload: {0}")]
    Statement(#[from] StatementError),
}

/// Base64 as DSSE's envelope.md allows it: standard or URL-safe alphabet, padding optional.
fn b64(text: &str) -> Option<Vec<u8>> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const URL_SAFE: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    bulwark_signature::base64_decode(text).or_else(|| URL_SAFE.decode(text).ok())
}

/// `PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths as ASCII decimal.
#[must_use]
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload_type.len() + payload.len() + 32);
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(payload_type.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

/// Which signature a key verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Position in `signatures`.
    pub signature: usize,
    pub keyid: String,
    /// The key's source.
    pub key: String,
}

/// The result of [`Envelope::verify_threshold`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedEnvelope {
    pub payload: Vec<u8>,
    /// One entry per key that verified a signature.
    pub by: Vec<Verified>,
}

impl Envelope {
    /// Signs `payload` as `payload_type` with `key`; `keyid` may be empty (cosign leaves it empty;
    /// securesystemslib matches signatures to keys by it).
    pub fn sign(
        payload_type: &str,
        payload: &[u8],
        key: &PrivateKey,
        keyid: &str,
    ) -> Result<Self, DsseError> {
        let mut env = Self {
            payload_type: payload_type.to_owned(),
            payload: STANDARD.encode(payload),
            signatures: Vec::new(),
        };
        env.add_signature(key, keyid)?;
        Ok(env)
    }

    /// Signs an in-toto statement.
    pub fn sign_statement(
        statement: &Statement,
        key: &PrivateKey,
        keyid: &str,
    ) -> Result<Self, DsseError> {
        Self::sign(INTOTO_PAYLOAD_TYPE, &statement.to_json(), key, keyid)
    }

    /// Adds one more signature over the same payload (co-signing).
    pub fn add_signature(&mut self, key: &PrivateKey, keyid: &str) -> Result<(), DsseError> {
        if self.signatures.len() >= MAX_SIGNATURES {
            return Err(DsseError::TooManySignatures(self.signatures.len() + 1));
        }
        let payload = self.payload_bytes()?;
        let sig = key
            .sign(&pae(&self.payload_type, &payload))
            .map_err(|e| DsseError::Sign(e.to_string()))?;
        self.signatures.push(Signature {
            keyid: keyid.to_owned(),
            sig: STANDARD.encode(sig),
        });
        Ok(())
    }

    /// Compact JSON.
    #[must_use]
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Parses an envelope from JSON: bounded in size, no repeated keys, at most [`MAX_SIGNATURES`].
    pub fn from_json(bytes: &[u8]) -> Result<Self, DsseError> {
        if bytes.len() > MAX_ENVELOPE_BYTES {
            return Err(DsseError::TooLarge {
                what: "JSON",
                size: bytes.len(),
                limit: MAX_ENVELOPE_BYTES,
            });
        }
        let value = parse_strict(bytes).map_err(|e| match e {
            StrictError::Duplicate { .. } => DsseError::Json(e.to_string()),
            StrictError::Json(m) => DsseError::Json(m),
        })?;
        let env: Self =
            serde_json::from_value(value).map_err(|e| DsseError::Json(e.to_string()))?;
        if env.signatures.len() > MAX_SIGNATURES {
            return Err(DsseError::TooManySignatures(env.signatures.len()));
        }
        if env.payload_type.len() > MAX_PAYLOAD_TYPE {
            return Err(DsseError::TooLarge {
                what: "payloadType",
                size: env.payload_type.len(),
                limit: MAX_PAYLOAD_TYPE,
            });
        }
        if let Some(s) = env.signatures.iter().find(|s| s.keyid.len() > MAX_KEYID) {
            return Err(DsseError::TooLarge {
                what: "keyid",
                size: s.keyid.len(),
                limit: MAX_KEYID,
            });
        }
        Ok(env)
    }

    /// The decoded payload.
    pub fn payload_bytes(&self) -> Result<Vec<u8>, DsseError> {
        if self.payload.is_empty() {
            return Ok(Vec::new());
        }
        b64(&self.payload).ok_or(DsseError::PayloadEncoding)
    }

    fn check_type(&self, expected_type: &str) -> Result<(), DsseError> {
        if self.payload_type == expected_type {
            Ok(())
        } else {
            Err(DsseError::PayloadType {
                found: self.payload_type.chars().take(MAX_PAYLOAD_TYPE).collect(),
                expected: expected_type.to_owned(),
            })
        }
    }

    /// Tries `key` on every signature: the index of the first that verifies, or why each failed.
    fn try_key(&self, message: &[u8], key: &PublicKey) -> Result<usize, Vec<SignatureFailure>> {
        let mut failures = Vec::new();
        for (index, s) in self.signatures.iter().enumerate() {
            let reason = match b64(&s.sig) {
                None => "the signature is not base64".to_owned(),
                Some(sig) => match key.verify(message, &sig, "DSSE envelope") {
                    Ok(()) => return Ok(index),
                    Err(_) => format!("does not verify with {}", key.source),
                },
            };
            failures.push(SignatureFailure {
                index,
                keyid: s.keyid.chars().take(80).collect(),
                reason,
            });
        }
        Err(failures)
    }

    /// Checks the payload type and that at least one signature verifies with `key`; returns the payload.
    pub fn verify(&self, expected_type: &str, key: &PublicKey) -> Result<Vec<u8>, DsseError> {
        self.check_type(expected_type)?;
        if self.signatures.is_empty() {
            return Err(DsseError::NoSignatures);
        }
        let payload = self.payload_bytes()?;
        let message = pae(&self.payload_type, &payload);
        match self.try_key(&message, key) {
            Ok(_) => Ok(payload),
            Err(failures) => Err(DsseError::BadSignature {
                key: key.source.clone(),
                failures,
            }),
        }
    }

    /// Checks the payload type and that at least `threshold` distinct keys of `keys` each verify a signature.
    /// Says which keys verified which signatures, or which keys verified none.
    pub fn verify_threshold(
        &self,
        expected_type: &str,
        keys: &[&PublicKey],
        threshold: usize,
    ) -> Result<VerifiedEnvelope, DsseError> {
        self.check_type(expected_type)?;
        if self.signatures.is_empty() {
            return Err(DsseError::NoSignatures);
        }
        let payload = self.payload_bytes()?;
        let message = pae(&self.payload_type, &payload);
        let mut by = Vec::new();
        let mut unverified = Vec::new();
        for key in keys {
            match self.try_key(&message, key) {
                Ok(index) => by.push(Verified {
                    signature: index,
                    keyid: self.signatures[index].keyid.clone(),
                    key: key.source.clone(),
                }),
                Err(_) => unverified.push(key.source.clone()),
            }
        }
        let needed = threshold.max(1);
        if by.len() >= needed {
            Ok(VerifiedEnvelope { payload, by })
        } else {
            Err(DsseError::Threshold {
                found: by.len(),
                needed,
                unverified_keys: unverified,
            })
        }
    }

    /// Verifies an in-toto attestation: the in-toto payload type, a signature by `key`, and a statement that
    /// parses strictly ([`Statement::parse`]).
    pub fn verify_statement(&self, key: &PublicKey) -> Result<Statement, DsseError> {
        let payload = self.verify(INTOTO_PAYLOAD_TYPE, key)?;
        Ok(Statement::parse(&payload)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulwark_signature::KeyKind;

    #[test]
    fn pae_matches_the_specification_example() {
        // protocol.md: PAE("http://example.com/HelloWorld", "hello world")
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
    }

    fn key(kind: KeyKind, name: &str) -> (PrivateKey, PublicKey) {
        let k = PrivateKey::generate(kind).unwrap();
        let mut p = k.public_key();
        p.source = name.to_owned();
        (k, p)
    }

    #[test]
    fn multiple_signatures_and_threshold_say_who_verified() {
        let (a, pa) = key(KeyKind::EcdsaP256, "a.pub");
        let (b, pb) = key(KeyKind::Ed25519, "b.pub");
        let (_, pc) = key(KeyKind::EcdsaP256, "c.pub");
        let mut env = Envelope::sign("t", b"body", &a, "ka").unwrap();
        env.add_signature(&b, "kb").unwrap();
        let back = Envelope::from_json(&env.to_json()).unwrap();
        assert_eq!(back.verify("t", &pb).unwrap(), b"body");
        let ok = back.verify_threshold("t", &[&pa, &pb, &pc], 2).unwrap();
        assert_eq!(
            ok.by
                .iter()
                .map(|v| (v.signature, v.keyid.as_str()))
                .collect::<Vec<_>>(),
            [(0, "ka"), (1, "kb")]
        );
        let err = back
            .verify_threshold("t", &[&pa, &pc], 2)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("has 1 of the 2") && err.contains("c.pub"),
            "{err}"
        );
        let err = back.verify("t", &pc).unwrap_err().to_string();
        assert!(
            err.contains("signature 0 (keyid \"ka\"): does not verify with c.pub")
                && err.contains("signature 1 (keyid \"kb\")"),
            "{err}"
        );
    }

    #[test]
    fn wrong_type_tamper_and_bounds_are_clear_errors() {
        let (a, pa) = key(KeyKind::EcdsaP256, "a.pub");
        let env = Envelope::sign(INTOTO_PAYLOAD_TYPE, b"{}", &a, "").unwrap();
        let err = env.verify("application/vnd.other", &pa).unwrap_err();
        assert!(matches!(err, DsseError::PayloadType { .. }), "{err}");
        let mut tampered = env.clone();
        tampered.payload = STANDARD.encode(b"{ }");
        assert!(matches!(
            tampered.verify(INTOTO_PAYLOAD_TYPE, &pa),
            Err(DsseError::BadSignature { .. })
        ));
        // The signature covers the type too: relabelling fails even when the verifier expects the new type.
        let mut relabelled = env.clone();
        relabelled.payload_type = "application/json".to_owned();
        assert!(relabelled.verify("application/json", &pa).is_err());

        let many = format!(
            r#"{{"payloadType":"t","payload":"","signatures":[{}]}}"#,
            vec![r#"{"sig":"AA=="}"#; MAX_SIGNATURES + 1].join(",")
        );
        assert!(matches!(
            Envelope::from_json(many.as_bytes()),
            Err(DsseError::TooManySignatures(65))
        ));
        let dup = r#"{"payloadType":"t","payloadType":"u","payload":"","signatures":[]}"#;
        assert!(
            Envelope::from_json(dup.as_bytes())
                .unwrap_err()
                .to_string()
                .contains("repeated")
        );
        for junk in ["", "[]", "{}", "null", r#"{"payloadType":1}"#] {
            assert!(Envelope::from_json(junk.as_bytes()).is_err(), "{junk}");
        }
        // envelope.md: "Either standard or URL-safe encoding is allowed."
        let binary = Envelope::sign("t", &[0xfb, 0xff, 0xfe], &a, "").unwrap();
        let mut url_safe = binary.clone();
        url_safe.payload =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([0xfb, 0xff, 0xfe]);
        assert_eq!(url_safe.payload, "-__-");
        url_safe.signatures[0].sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(STANDARD.decode(&binary.signatures[0].sig).unwrap());
        assert_eq!(url_safe.verify("t", &pa).unwrap(), [0xfb, 0xff, 0xfe]);

        let empty =
            Envelope::from_json(br#"{"payloadType":"t","payload":"","signatures":[]}"#).unwrap();
        assert_eq!(empty.verify("t", &pa), Err(DsseError::NoSignatures));
    }
}
