//! DSSE (Dead Simple Signing Envelope, <https://github.com/secure-systems-lab/dsse>, protocol v1): the signature
//! covers the pre-authentication encoding `PAE(type, body)`, never the bare payload, so a payload cannot be
//! re-interpreted under another type.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bulwark_signature::{PrivateKey, PublicKey};
use serde::{Deserialize, Serialize};

/// The in-toto payload type.
pub const INTOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

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
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub keyid: String,
    /// Base64 of the signature bytes.
    pub sig: String,
}

/// Why an envelope was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DsseError {
    #[error("DSSE envelope is not valid JSON: {0}")]
    Json(String),
    #[error("DSSE payload is not base64")]
    PayloadEncoding,
    #[error("DSSE payloadType is {found:?}, expected {expected:?}")]
    PayloadType { found: String, expected: String },
    #[error("DSSE envelope has no signatures")]
    NoSignatures,
    #[error("no DSSE signature verifies with {0}")]
    BadSignature(String),
    #[error("signing failed: {0}")]
    Sign(String),
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

impl Envelope {
    /// Signs `payload` as `payload_type` with `key`; `keyid` may be empty (cosign leaves it empty).
    pub fn sign(
        payload_type: &str,
        payload: &[u8],
        key: &PrivateKey,
        keyid: &str,
    ) -> Result<Self, DsseError> {
        let sig = key
            .sign(&pae(payload_type, payload))
            .map_err(|e| DsseError::Sign(e.to_string()))?;
        Ok(Self {
            payload_type: payload_type.to_owned(),
            payload: STANDARD.encode(payload),
            signatures: vec![Signature {
                keyid: keyid.to_owned(),
                sig: STANDARD.encode(sig),
            }],
        })
    }

    /// Parses an envelope from JSON.
    pub fn from_json(bytes: &[u8]) -> Result<Self, DsseError> {
        serde_json::from_slice(bytes).map_err(|e| DsseError::Json(e.to_string()))
    }

    /// The decoded payload.
    pub fn payload_bytes(&self) -> Result<Vec<u8>, DsseError> {
        bulwark_signature::base64_decode(&self.payload).ok_or(DsseError::PayloadEncoding)
    }

    /// Checks the payload type and that at least one signature verifies with `key`; returns the payload.
    pub fn verify(&self, expected_type: &str, key: &PublicKey) -> Result<Vec<u8>, DsseError> {
        if self.payload_type != expected_type {
            return Err(DsseError::PayloadType {
                found: self.payload_type.clone(),
                expected: expected_type.to_owned(),
            });
        }
        if self.signatures.is_empty() {
            return Err(DsseError::NoSignatures);
        }
        let payload = self.payload_bytes()?;
        let message = pae(&self.payload_type, &payload);
        let ok = self.signatures.iter().any(|s| {
            bulwark_signature::base64_decode(&s.sig)
                .is_some_and(|sig| key.verify(&message, &sig, "DSSE envelope").is_ok())
        });
        if ok {
            Ok(payload)
        } else {
            Err(DsseError::BadSignature(key.source.clone()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_matches_the_specification_example() {
        // protocol.md: PAE("http://example.com/HelloWorld", "hello world")
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
    }
}
