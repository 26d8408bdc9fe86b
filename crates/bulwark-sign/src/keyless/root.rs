//! `trusted_root.json` (protobuf-specs `sigstore_trustroot.proto`, media type
//! `application/vnd.dev.sigstore.trustedroot+json;version=0.1`): the certificate authorities (Fulcio), the
//! transparency logs (Rekor), the certificate-transparency logs and the timestamp authorities, each with the time
//! range it is trusted for.

use serde::Deserialize;

use super::KeylessError;
use super::x509::{Cert, Key};
use crate::bundle::Bytes;

/// The media types we read.
pub const TRUSTED_ROOT_MEDIA_TYPE: &str =
    "application/vnd.dev.sigstore.trustedroot+json;version=0.1";
pub const TRUSTED_ROOT_MEDIA_TYPE_V02: &str = "application/vnd.dev.sigstore.trustedroot.v0.2+json";
/// The largest trusted root we parse (the public-good one is about 10 KiB).
pub const MAX_TRUSTED_ROOT_BYTES: usize = 4 * 1024 * 1024;
const MAX_AUTHORITIES: usize = 256;
const MAX_CHAIN: usize = 16;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRoot {
    media_type: String,
    #[serde(default)]
    tlogs: Vec<RawLog>,
    #[serde(default)]
    certificate_authorities: Vec<RawCa>,
    #[serde(default)]
    ctlogs: Vec<RawLog>,
    #[serde(default)]
    timestamp_authorities: Vec<RawCa>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLog {
    #[serde(default)]
    base_url: String,
    #[serde(default)]
    hash_algorithm: String,
    public_key: RawPublicKey,
    log_id: RawLogId,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPublicKey {
    raw_bytes: Bytes,
    #[serde(default)]
    key_details: String,
    #[serde(default)]
    valid_for: Option<RawRange>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLogId {
    key_id: Bytes,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCa {
    #[serde(default)]
    uri: String,
    cert_chain: RawChain,
    #[serde(default)]
    valid_for: Option<RawRange>,
}

#[derive(Deserialize)]
struct RawChain {
    #[serde(default)]
    certificates: Vec<RawCert>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCert {
    raw_bytes: Bytes,
}

#[derive(Deserialize)]
struct RawRange {
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    end: Option<String>,
}

/// A time range in Unix seconds; open ends are `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ValidFor {
    pub start: Option<i64>,
    pub end: Option<i64>,
}

impl ValidFor {
    #[must_use]
    pub fn contains(&self, t: i64) -> bool {
        self.start.is_none_or(|s| s <= t) && self.end.is_none_or(|e| t <= e)
    }
}

/// A transparency log (Rekor) or a certificate-transparency log.
#[derive(Debug, Clone)]
pub struct Log {
    pub base_url: String,
    pub hash_algorithm: String,
    /// SHA-256 of the key, as entries name the log.
    pub log_id: Vec<u8>,
    pub key_details: String,
    pub valid_for: ValidFor,
    pub(crate) key: Key,
}

/// A certificate authority (Fulcio) or a timestamp authority.
pub struct Authority {
    pub uri: String,
    pub valid_for: ValidFor,
    /// Issuing certificate first, root last.
    pub(crate) chain: Vec<Cert>,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority")
            .field("uri", &self.uri)
            .field("valid_for", &self.valid_for)
            .field("chain_len", &self.chain.len())
            .finish()
    }
}

/// A parsed trusted root.
#[derive(Debug)]
pub struct TrustedRoot {
    pub tlogs: Vec<Log>,
    pub certificate_authorities: Vec<Authority>,
    pub ctlogs: Vec<Log>,
    pub timestamp_authorities: Vec<Authority>,
}

impl TrustedRoot {
    /// Parses `trusted_root.json`: every key and certificate must parse, every time must be RFC 3339.
    pub fn from_json(bytes: &[u8]) -> Result<Self, KeylessError> {
        if bytes.len() > MAX_TRUSTED_ROOT_BYTES {
            return Err(KeylessError::TrustedRoot(format!(
                "{} bytes, more than the {MAX_TRUSTED_ROOT_BYTES} allowed",
                bytes.len()
            )));
        }
        let raw: RawRoot = serde_json::from_slice(bytes)
            .map_err(|e| KeylessError::TrustedRoot(format!("not valid JSON: {e}")))?;
        if raw.media_type != TRUSTED_ROOT_MEDIA_TYPE
            && raw.media_type != TRUSTED_ROOT_MEDIA_TYPE_V02
        {
            return Err(KeylessError::TrustedRoot(format!(
                "mediaType {:?} is not {TRUSTED_ROOT_MEDIA_TYPE:?}",
                raw.media_type
            )));
        }
        for (what, n) in [
            ("tlogs", raw.tlogs.len()),
            ("certificateAuthorities", raw.certificate_authorities.len()),
            ("ctlogs", raw.ctlogs.len()),
            ("timestampAuthorities", raw.timestamp_authorities.len()),
        ] {
            if n > MAX_AUTHORITIES {
                return Err(KeylessError::TrustedRoot(format!(
                    "{what} has {n} entries, more than {MAX_AUTHORITIES}"
                )));
            }
        }
        let logs = |raw: Vec<RawLog>, what: &str| -> Result<Vec<Log>, KeylessError> {
            raw.into_iter()
                .enumerate()
                .map(|(i, l)| {
                    let at = |e: String| KeylessError::TrustedRoot(format!("{what}[{i}]: {e}"));
                    let key =
                        Key::from_root_key(&l.public_key.raw_bytes.0, &l.public_key.key_details)
                            .map_err(|e| at(e.to_string()))?;
                    if l.log_id.key_id.0.is_empty() {
                        return Err(at("logId.keyId is empty".into()));
                    }
                    Ok(Log {
                        base_url: l.base_url,
                        hash_algorithm: l.hash_algorithm,
                        log_id: l.log_id.key_id.0,
                        key_details: l.public_key.key_details,
                        valid_for: range(l.public_key.valid_for.as_ref()).map_err(at)?,
                        key,
                    })
                })
                .collect()
        };
        let authorities = |raw: Vec<RawCa>, what: &str| -> Result<Vec<Authority>, KeylessError> {
            raw.into_iter()
                .enumerate()
                .map(|(i, a)| {
                    let at = |e: String| KeylessError::TrustedRoot(format!("{what}[{i}]: {e}"));
                    if a.cert_chain.certificates.is_empty()
                        || a.cert_chain.certificates.len() > MAX_CHAIN
                    {
                        return Err(at(format!(
                            "certChain has {} certificates (1 to {MAX_CHAIN} expected)",
                            a.cert_chain.certificates.len()
                        )));
                    }
                    let chain = a
                        .cert_chain
                        .certificates
                        .iter()
                        .enumerate()
                        .map(|(j, c)| {
                            Cert::from_der(&c.raw_bytes.0, &format!("certificate {j}"))
                                .map_err(|e| at(e.to_string()))
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    Ok(Authority {
                        uri: a.uri,
                        valid_for: range(a.valid_for.as_ref()).map_err(at)?,
                        chain,
                    })
                })
                .collect()
        };
        Ok(Self {
            tlogs: logs(raw.tlogs, "tlogs")?,
            certificate_authorities: authorities(
                raw.certificate_authorities,
                "certificateAuthorities",
            )?,
            ctlogs: logs(raw.ctlogs, "ctlogs")?,
            timestamp_authorities: authorities(raw.timestamp_authorities, "timestampAuthorities")?,
        })
    }
}

fn range(raw: Option<&RawRange>) -> Result<ValidFor, String> {
    let Some(r) = raw else {
        return Ok(ValidFor::default());
    };
    let parse = |t: &Option<String>| -> Result<Option<i64>, String> {
        t.as_deref()
            .map(|s| {
                bulwark_types::time::parse_rfc3339(s)
                    .ok_or_else(|| format!("validFor time {s:?} is not RFC 3339"))
            })
            .transpose()
    };
    Ok(ValidFor {
        start: parse(&r.start)?,
        end: parse(&r.end)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_roots_are_errors() {
        for text in [
            "",
            "{}",
            r#"{"mediaType":"x"}"#,
            r#"{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1","tlogs":[{"publicKey":{"rawBytes":"AA=="},"logId":{"keyId":"AA=="}}]}"#,
            r#"{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1","certificateAuthorities":[{"certChain":{"certificates":[]}}]}"#,
            r#"{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1","certificateAuthorities":[{"certChain":{"certificates":[{"rawBytes":"MAA="}]}}]}"#,
        ] {
            assert!(TrustedRoot::from_json(text.as_bytes()).is_err(), "{text}");
        }
        let empty = TrustedRoot::from_json(
            br#"{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}"#,
        )
        .unwrap();
        assert!(empty.tlogs.is_empty() && empty.certificate_authorities.is_empty());
    }
}
