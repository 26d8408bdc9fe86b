//! cosign's signature payload ("simple signing", cosign `specs/SIGNATURE_SPEC.md`; written by sigstore/sigstore
//! `pkg/signature/payload`):
//!
//! ```json
//! {"critical":{"identity":{"docker-reference":"reg/app"},
//!              "image":{"docker-manifest-digest":"sha256:…"},
//!              "type":"cosign container image signature"},
//!  "optional":{"creator":"…"}}
//! ```
//!
//! `optional` is `null` when there are no annotations, as Go marshals a nil map. The signature (base64, in the
//! `dev.cosignproject.cosign/signature` layer annotation) covers these exact bytes; verification reads the digest
//! back from the payload and compares it with the image's.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::intoto::parse_strict;

/// `critical.type` of a cosign image signature.
pub const COSIGN_SIGNATURE_TYPE: &str = "cosign container image signature";
/// The largest payload parsed.
pub const MAX_PAYLOAD_BYTES: usize = 1024 * 1024;

#[derive(Serialize)]
struct Payload<'a> {
    critical: Critical<'a>,
    optional: Option<&'a BTreeMap<String, serde_json::Value>>,
}

#[derive(Serialize)]
struct Critical<'a> {
    identity: Identity<'a>,
    image: Image<'a>,
    #[serde(rename = "type")]
    kind: &'a str,
}

#[derive(Serialize)]
struct Identity<'a> {
    #[serde(rename = "docker-reference")]
    docker_reference: &'a str,
}

#[derive(Serialize)]
struct Image<'a> {
    #[serde(rename = "docker-manifest-digest")]
    docker_manifest_digest: &'a str,
}

/// A parsed payload.
#[derive(Debug, Clone, PartialEq)]
pub struct SimpleSigning {
    pub docker_reference: String,
    pub docker_manifest_digest: String,
    /// The `optional` annotations (empty when `null` or absent).
    pub optional: BTreeMap<String, serde_json::Value>,
}

/// Why a payload was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimpleSigningError {
    #[error("signature payload is {0} bytes, above the limit {MAX_PAYLOAD_BYTES}")]
    TooLarge(usize),
    #[error("signature payload is not valid JSON: {0}")]
    Json(String),
    #[error("signature payload has no {0}")]
    Missing(&'static str),
    #[error("signature payload type is {0:?}, expected {COSIGN_SIGNATURE_TYPE:?}")]
    Type(String),
    #[error("signature payload is for {found}, not for {expected}")]
    Digest { found: String, expected: String },
    #[error("{0:?} is not a sha256 digest (sha256:<64 hex>)")]
    BadDigest(String),
}

fn check_digest(d: &str) -> Result<(), SimpleSigningError> {
    let ok = d.strip_prefix("sha256:").is_some_and(|h| {
        h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    });
    if ok {
        Ok(())
    } else {
        Err(SimpleSigningError::BadDigest(d.chars().take(100).collect()))
    }
}

impl SimpleSigning {
    /// The payload bytes cosign signs for `reference` (repository, without tag or digest, as cosign writes it)
    /// at `digest` (`sha256:<hex>`), with optional annotations.
    pub fn build(
        reference: &str,
        digest: &str,
        annotations: &BTreeMap<String, serde_json::Value>,
    ) -> Result<Vec<u8>, SimpleSigningError> {
        check_digest(digest)?;
        let payload = Payload {
            critical: Critical {
                identity: Identity {
                    docker_reference: reference,
                },
                image: Image {
                    docker_manifest_digest: digest,
                },
                kind: COSIGN_SIGNATURE_TYPE,
            },
            optional: (!annotations.is_empty()).then_some(annotations),
        };
        serde_json::to_vec(&payload).map_err(|e| SimpleSigningError::Json(e.to_string()))
    }

    /// Parses a payload (no repeated keys; the field names as Go's decoder matches them, case-insensitively).
    pub fn parse(bytes: &[u8]) -> Result<Self, SimpleSigningError> {
        if bytes.len() > MAX_PAYLOAD_BYTES {
            return Err(SimpleSigningError::TooLarge(bytes.len()));
        }
        let value = parse_strict(bytes).map_err(|e| SimpleSigningError::Json(e.to_string()))?;
        let critical = get(&value, "critical").ok_or(SimpleSigningError::Missing("critical"))?;
        let kind = get(critical, "type")
            .and_then(|v| v.as_str())
            .ok_or(SimpleSigningError::Missing("critical.type"))?;
        if kind != COSIGN_SIGNATURE_TYPE {
            return Err(SimpleSigningError::Type(kind.chars().take(100).collect()));
        }
        let digest = get(critical, "image")
            .and_then(|i| get(i, "docker-manifest-digest"))
            .and_then(|v| v.as_str())
            .ok_or(SimpleSigningError::Missing(
                "critical.image.docker-manifest-digest",
            ))?;
        check_digest(digest)?;
        let reference = get(critical, "identity")
            .and_then(|i| get(i, "docker-reference"))
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        let optional = match get(&value, "optional") {
            Some(serde_json::Value::Object(m)) => m.clone().into_iter().collect(),
            _ => BTreeMap::new(),
        };
        Ok(Self {
            docker_reference: reference.to_owned(),
            docker_manifest_digest: digest.to_owned(),
            optional,
        })
    }

    /// Parses a payload and checks that it names `expected` (`sha256:<hex>`).
    pub fn parse_for(bytes: &[u8], expected: &str) -> Result<Self, SimpleSigningError> {
        let p = Self::parse(bytes)?;
        if p.docker_manifest_digest.eq_ignore_ascii_case(expected) {
            Ok(p)
        } else {
            Err(SimpleSigningError::Digest {
                found: p.docker_manifest_digest,
                expected: expected.to_owned(),
            })
        }
    }
}

/// An object member, matched exactly first, then case-insensitively (Go's `encoding/json` rule).
fn get<'a>(v: &'a serde_json::Value, key: &str) -> Option<&'a serde_json::Value> {
    let m = v.as_object()?;
    m.get(key).or_else(|| {
        m.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn build_writes_cosigns_bytes() {
        // The shape cosign's SIGNATURE_SPEC.md shows, with `optional` null when no annotation is given.
        let bytes = SimpleSigning::build("reg.example/app", D, &BTreeMap::new()).unwrap();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            format!(
                r#"{{"critical":{{"identity":{{"docker-reference":"reg.example/app"}},"image":{{"docker-manifest-digest":"{D}"}},"type":"cosign container image signature"}},"optional":null}}"#
            )
        );
        let notes = BTreeMap::from([("creator".to_owned(), serde_json::json!("bulwark"))]);
        let bytes = SimpleSigning::build("r", D, &notes).unwrap();
        assert!(String::from_utf8_lossy(&bytes).ends_with(r#""optional":{"creator":"bulwark"}}"#));
        let back = SimpleSigning::parse_for(&bytes, D).unwrap();
        assert_eq!(back.optional, notes);
        assert_eq!(back.docker_reference, "r");
    }

    #[test]
    fn parse_checks_type_digest_and_shape() {
        let other = D.replace("0123", "9999");
        let bytes = SimpleSigning::build("r", D, &BTreeMap::new()).unwrap();
        assert!(matches!(
            SimpleSigning::parse_for(&bytes, &other),
            Err(SimpleSigningError::Digest { .. })
        ));
        // The spec's own example capitalises the digest key; Go reads it, so do we.
        let spec = format!(
            r#"{{"critical":{{"identity":{{"docker-reference":"testing/manifest"}},"image":{{"Docker-manifest-digest":"{D}"}},"type":"cosign container image signature"}},"optional":{{"creator":"atomic"}}}}"#
        );
        assert_eq!(
            SimpleSigning::parse(spec.as_bytes())
                .unwrap()
                .docker_manifest_digest,
            D
        );
        for (junk, want) in [
            ("", "not valid JSON"),
            ("[]", "no critical"),
            (r#"{"critical":{"type":"x"}}"#, "type is \"x\""),
            (
                r#"{"critical":{"type":"cosign container image signature"}}"#,
                "no critical.image",
            ),
            (
                r#"{"critical":{"type":"cosign container image signature","image":{"docker-manifest-digest":"md5:x"}}}"#,
                "not a sha256 digest",
            ),
            (r#"{"critical":{},"critical":{}}"#, "repeated"),
        ] {
            let err = SimpleSigning::parse(junk.as_bytes())
                .unwrap_err()
                .to_string();
            assert!(err.contains(want), "{junk}: {err}");
        }
    }
}
