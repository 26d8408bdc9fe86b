//! Keyless (Fulcio + Rekor) Sigstore bundles, verified offline against a given `trusted_root.json`.
//!
//! [`verify`] checks, in this order:
//! 1. the bundle carries a certificate (not a bare key) and its content's signature verifies with the leaf's key
//!    (DSSE: over the pre-authentication encoding; message signature: over the artifact, or its digest);
//! 2. the signature is about `artifact` (the in-toto subject digest, or the message digest);
//! 3. every Rekor entry is in a log of the root and proven: the signed entry timestamp (SET) verifies with the
//!    log's key and/or the RFC 6962 inclusion proof leads to the root hash of a checkpoint signed by the log. An
//!    RFC 3161 timestamp counts when it verifies with a timestamp authority of the root (CMS signature, TSTInfo
//!    digest, message imprint = digest of the bundle's signature, time-stamping EKU, chain); one that does not is
//!    skipped, as sigstore-go (cosign) does. The signing times are the SETs' `integratedTime` and the verified
//!    timestamps' `genTime` (an inclusion proof alone signs no time); there must be one;
//! 4. each entry's canonicalized body names the bundle's signature, digest and certificate;
//! 5. the leaf was valid at every signing time and chains (signatures and names) to a certificate authority of the
//!    root whose `validFor` covers that time, every certificate of the chain valid then and a CA;
//! 6. the leaf's embedded signed certificate timestamps: at least one verifies with a CT log of the root (RFC 6962
//!    `precert_entry`: the TBSCertificate without the SCT extension, the issuer's key hash) — checked when the root
//!    lists CT logs, as cosign does unless `--insecure-ignore-sct`;
//! 7. the leaf has the code-signing extended key usage;
//! 8. the identity: a subject alternative name (email or URI) and the OIDC issuer (Fulcio extension
//!    1.3.6.1.4.1.57264.1.8, else 1.1) match the caller's [`Identity`].
//!
//! Left out: Rekor v2 entry bodies (`hashedrekord`/`dsse` 0.0.2) are refused as unsupported.
//! Producing keyless bundles needs the public Sigstore services (an OIDC token, Fulcio, Rekor) and is out of scope.

mod rekor;
mod root;
mod tsa;
mod x509;

pub use rekor::Proven;
pub use root::{
    Authority, Log, MAX_TRUSTED_ROOT_BYTES, TRUSTED_ROOT_MEDIA_TYPE, TRUSTED_ROOT_MEDIA_TYPE_V02,
    TrustedRoot, ValidFor,
};
pub use x509::{OID_FULCIO_ISSUER_V1, OID_FULCIO_ISSUER_V2, OID_SCT_LIST};

use crate::bundle::{Artifact, Bundle, BundleError, Content, Statement, decode_base64, hash, hex};
use crate::dsse::{INTOTO_PAYLOAD_TYPE, pae};
use x509::Cert;

/// Why a keyless bundle was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeylessError {
    #[error("trusted root: {0}")]
    TrustedRoot(String),
    #[error(transparent)]
    Bundle(#[from] BundleError),
    #[error("certificate: {0}")]
    Certificate(String),
    #[error("public key: {0}")]
    Key(String),
    #[error("certificate chain: {0}")]
    Chain(String),
    #[error("signature: {0}")]
    Signature(String),
    #[error("the signature is not about the artifact: {0}")]
    Artifact(String),
    #[error("transparency log entry {index}: {reason}")]
    Tlog { index: usize, reason: String },
    #[error("RFC 3161 timestamp {index}: {reason}")]
    Timestamp { index: usize, reason: String },
    #[error("no signing time: {0}")]
    NoTime(String),
    #[error("identity: {0}")]
    Identity(String),
}

/// How a subject or issuer must read.
#[derive(Debug, Clone)]
pub enum Matcher {
    Exact(String),
    /// Unanchored, as cosign's `--certificate-identity-regexp` (write `^…$` to anchor).
    Regex(regex::Regex),
}

impl Matcher {
    #[must_use]
    pub fn exact(value: &str) -> Self {
        Self::Exact(value.to_owned())
    }

    pub fn regex(pattern: &str) -> Result<Self, KeylessError> {
        regex::Regex::new(pattern)
            .map(Self::Regex)
            .map_err(|e| KeylessError::Identity(format!("{pattern:?} is not a valid regex: {e}")))
    }

    #[must_use]
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Self::Exact(s) => s == value,
            Self::Regex(r) => r.is_match(value),
        }
    }
}

impl std::fmt::Display for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Exact(s) => write!(f, "{s:?}"),
            Self::Regex(r) => write!(f, "/{}/", r.as_str()),
        }
    }
}

/// The signer the caller requires: certificate identity (SAN) and OIDC issuer.
#[derive(Debug, Clone)]
pub struct Identity {
    pub subject: Matcher,
    pub issuer: Matcher,
}

impl Identity {
    /// Exact subject (an email or a URI such as a GitHub workflow) and exact issuer.
    #[must_use]
    pub fn exact(subject: &str, issuer: &str) -> Self {
        Self {
            subject: Matcher::exact(subject),
            issuer: Matcher::exact(issuer),
        }
    }
}

/// What a keyless verification established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The subject alternative name that matched.
    pub subject: String,
    /// The OIDC issuer from the certificate.
    pub issuer: String,
    /// The signing time (Unix seconds): the first verified signed entry timestamp's `integratedTime`, else the
    /// first RFC 3161 timestamp's `genTime`.
    pub signing_time: i64,
    /// The Rekor log index of the first entry.
    pub log_index: i64,
    /// RFC 3161 timestamps that verified.
    pub rfc3161_timestamps: usize,
    /// Some entry's inclusion proof and checkpoint verified too.
    pub inclusion_proof: bool,
    /// The `uri` of the certificate authority the leaf chains to.
    pub certificate_authority: String,
    /// Embedded SCTs that verified with a CT log of the root (0 when the root lists no CT log).
    pub scts: usize,
    /// The DSSE payload type and payload (`None` / empty for a message signature).
    pub payload_type: Option<String>,
    pub payload: Vec<u8>,
    pub statement: Option<Statement>,
}

/// Verifies a keyless bundle offline against `root` (see the module docs for every check).
pub fn verify(
    bundle: &Bundle,
    root: &TrustedRoot,
    identity: &Identity,
    artifact: Artifact<'_>,
) -> Result<Verified, KeylessError> {
    bundle.version()?;
    let content = bundle.content()?;
    let certs = bundle.certificates();
    let Some(leaf_raw) = certs.first() else {
        return Err(KeylessError::Certificate(
            "the bundle carries a public key hint, not a certificate: verify it with a key".into(),
        ));
    };
    let leaf = Cert::from_der(&leaf_raw.raw_bytes.0, "the leaf certificate")?;
    let key = leaf.key()?;

    // 1 and 2: the signature with the leaf key, about the artifact.
    let (signature, digest_hex, payload_type, payload, statement) = match content {
        Content::Dsse(envelope) => {
            let payload = decode_base64(&envelope.payload)
                .ok_or_else(|| KeylessError::Signature("the DSSE payload is not base64".into()))?;
            let message = pae(&envelope.payload_type, &payload);
            let signature = envelope
                .signatures
                .iter()
                .filter_map(|s| decode_base64(&s.sig))
                .find(|s| key.verify(&message, s, None))
                .ok_or_else(|| {
                    KeylessError::Signature(
                        "no DSSE signature verifies with the leaf certificate's key".into(),
                    )
                })?;
            let statement = if envelope.payload_type == INTOTO_PAYLOAD_TYPE {
                let s = Statement::parse(&payload)?;
                s.require_subject(artifact)
                    .map_err(|e| KeylessError::Artifact(e.to_string()))?;
                Some(s)
            } else {
                match artifact {
                    Artifact::Bytes(b) if b == payload.as_slice() => None,
                    _ => {
                        return Err(KeylessError::Artifact(format!(
                            "the DSSE payload type {:?} is not in-toto, so it cannot name the artifact",
                            envelope.payload_type
                        )));
                    }
                }
            };
            let digest = hex(&hash("sha256", &payload).unwrap_or_default());
            (
                signature,
                digest,
                Some(envelope.payload_type.clone()),
                payload,
                statement,
            )
        }
        Content::MessageSignature(m) => {
            let digest = match artifact {
                Artifact::Bytes(b) => hash("sha256", b).unwrap_or_default(),
                Artifact::Digest { algorithm, hex } => {
                    if algorithm != "sha256" {
                        return Err(KeylessError::Artifact(format!(
                            "{algorithm} digests are not supported for message signatures (sha256 is)"
                        )));
                    }
                    decode_hex(hex).ok_or_else(|| {
                        KeylessError::Artifact(format!("{hex:?} is not a hex SHA-256"))
                    })?
                }
            };
            if let Some(d) = &m.message_digest
                && (d.algorithm != "SHA2_256" || d.digest.0 != digest)
            {
                return Err(KeylessError::Artifact(
                    "the bundle's messageDigest is not the artifact's SHA-256".into(),
                ));
            }
            // The signature is over the artifact hashed with the message digest's algorithm (SHA-256), whatever
            // the curve: check it against that digest (Ed25519 signs the bytes themselves).
            let ok = key.verify_digest(&digest, &m.signature.0)
                || matches!(artifact, Artifact::Bytes(b) if key.verify(b, &m.signature.0, None));
            if !ok {
                return Err(KeylessError::Signature(
                    "the message signature does not verify with the leaf certificate's key".into(),
                ));
            }
            (m.signature.0.clone(), hex(&digest), None, Vec::new(), None)
        }
    };

    // 3 and 4: the Rekor entries.
    let entries = &bundle.verification_material.tlog_entries;
    if entries.is_empty() {
        return Err(KeylessError::Tlog {
            index: 0,
            reason: "the bundle has no transparency log entry".into(),
        });
    }
    let signed = rekor::Signed {
        content,
        signature,
        digest_hex,
        verifier: rekor::Verifier::Certificate(leaf.der()),
    };
    let mut times = Vec::new();
    let mut inclusion_proof = false;
    for (i, entry) in entries.iter().enumerate() {
        let proven = rekor::verify_inclusion(i, entry, root)?;
        rekor::verify_body(i, entry, &signed)?;
        inclusion_proof |= proven.proof;
        if proven.promise {
            times.push(entry.integrated_time.0);
        }
    }
    let log_index = entries[0].log_index.0;

    // 3b: RFC 3161 timestamps over the signature.
    let stamps = bundle
        .verification_material
        .timestamp_verification_data
        .as_ref()
        .map_or(&[][..], |t| t.rfc3161_timestamps.as_slice());
    // As sigstore-go (cosign): a timestamp that does not verify (e.g. from an authority the root does not list)
    // counts for nothing, but is no error by itself.
    let mut stamp_errors = Vec::new();
    let mut rfc3161_timestamps = 0;
    for (i, stamp) in stamps.iter().enumerate() {
        match tsa::verify(i, &stamp.signed_timestamp.0, &signed.signature, root) {
            Ok(t) => {
                times.push(t);
                rfc3161_timestamps += 1;
            }
            Err(e) => stamp_errors.push(e.to_string()),
        }
    }
    let Some(&signing_time) = times.first() else {
        let mut reason =
            "neither a signed entry timestamp nor an RFC 3161 timestamp vouches for the signing time".to_owned();
        for e in &stamp_errors {
            reason.push_str("; ");
            reason.push_str(e);
        }
        return Err(KeylessError::NoTime(reason));
    };

    // 5: the chain at every signing time.
    let mut ca = None;
    for &t in &times {
        if !leaf.valid_at(t) {
            let (from, to) = leaf.validity();
            return Err(KeylessError::Certificate(format!(
                "the signing time {t} is outside the leaf certificate's validity ({from} to {to})"
            )));
        }
        let found = root
            .certificate_authorities
            .iter()
            .filter(|ca| ca.valid_for.contains(t))
            .find(|ca| {
                let chain = &ca.chain;
                leaf.issued_by(&chain[0])
                    && chain.windows(2).all(|w| w[0].issued_by(&w[1]))
                    && chain.iter().all(|c| c.is_ca() && c.valid_at(t))
            })
            .ok_or_else(|| {
                KeylessError::Chain(format!(
                    "the leaf certificate does not chain to a certificate authority of the trusted root valid at {t}"
                ))
            })?;
        ca.get_or_insert(found);
    }
    let ca = ca.expect("at least one time");

    // 5b: the certificate was logged: an embedded SCT verifies with a CT log of the root (when it lists any).
    let mut scts = 0;
    if !root.ctlogs.is_empty() {
        for sct in leaf.embedded_scts(&ca.chain[0])? {
            let Some(log) = root.ctlogs.iter().find(|l| l.log_id == sct.log_id) else {
                continue;
            };
            let hash = match sct.hash_alg {
                4 => x509::Hash::Sha256,
                5 => x509::Hash::Sha384,
                6 => x509::Hash::Sha512,
                _ => continue,
            };
            let at = i64::try_from(sct.timestamp / 1000).unwrap_or(i64::MAX);
            if log.valid_for.contains(at) && log.key.verify(&sct.signed, &sct.signature, Some(hash))
            {
                scts += 1;
            }
        }
        if scts == 0 {
            return Err(KeylessError::Certificate(
                "no signed certificate timestamp of the leaf verifies with a CT log of the trusted root".into(),
            ));
        }
    }

    // 6: code signing.
    if !leaf.has_code_signing_eku() {
        return Err(KeylessError::Certificate(
            "the leaf certificate lacks the code-signing extended key usage".into(),
        ));
    }

    // 7: identity.
    let sans = leaf.san();
    let subject = sans
        .iter()
        .find(|s| identity.subject.matches(s))
        .cloned()
        .ok_or_else(|| {
            KeylessError::Identity(format!(
                "no subject alternative name of the certificate ({}) matches {}",
                sans.join(", "),
                identity.subject
            ))
        })?;
    let issuer = leaf.fulcio_issuer().ok_or_else(|| {
        KeylessError::Identity("the certificate has no Fulcio OIDC issuer extension".into())
    })?;
    if !identity.issuer.matches(&issuer) {
        return Err(KeylessError::Identity(format!(
            "the certificate's issuer {issuer:?} does not match {}",
            identity.issuer
        )));
    }

    Ok(Verified {
        subject,
        issuer,
        signing_time,
        log_index,
        rfc3161_timestamps,
        inclusion_proof,
        certificate_authority: ca.uri.clone(),
        scts,
        payload_type,
        payload,
        statement,
    })
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// What [`verify_with_key_and_log`] established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyLogged {
    /// The key-based verification ([`Bundle::verify_with_key`]).
    pub verified: crate::bundle::KeyVerified,
    /// The earliest verified signed entry timestamp, if any entry has one.
    pub integrated_time: Option<i64>,
    /// The Rekor log index of the first entry.
    pub log_index: i64,
}

/// A key-based bundle with its transparency-log evidence, as `cosign verify --key K` checks by default (without
/// `--insecure-ignore-tlog`): [`Bundle::verify_with_key`], then at least one Rekor entry, every entry in a log of
/// `root` and proven (SET and/or inclusion proof with its checkpoint), its body naming this signature, digest and
/// key. A key has no validity period, so no signing time is required.
pub fn verify_with_key_and_log(
    bundle: &Bundle,
    key: &bulwark_signature::PublicKey,
    root: &TrustedRoot,
    artifact: Artifact<'_>,
) -> Result<KeyLogged, KeylessError> {
    let verified = bundle.verify_with_key(key, artifact)?;
    let content = bundle.content()?;
    let (signature, digest_hex) = match content {
        Content::Dsse(_) => (
            bundle.signature_bytes()?,
            hex(&hash("sha256", &verified.payload).unwrap_or_default()),
        ),
        Content::MessageSignature(m) => {
            let digest = match &m.message_digest {
                Some(d) => d.digest.0.clone(),
                None => match artifact {
                    Artifact::Bytes(b) => hash("sha256", b).unwrap_or_default(),
                    Artifact::Digest { hex, .. } => decode_hex(hex).unwrap_or_default(),
                },
            };
            (m.signature.0.clone(), hex(&digest))
        }
    };
    // The DSSE signature the key verified: the body must name that one.
    let signature = match content {
        Content::Dsse(envelope) => {
            let message = pae(&envelope.payload_type, &verified.payload);
            envelope
                .signatures
                .iter()
                .filter_map(|s| decode_base64(&s.sig))
                .find(|s| key.verify(&message, s, "DSSE envelope").is_ok())
                .unwrap_or(signature)
        }
        Content::MessageSignature(_) => signature,
    };
    let entries = &bundle.verification_material.tlog_entries;
    if entries.is_empty() {
        return Err(KeylessError::Tlog {
            index: 0,
            reason:
                "the bundle has no transparency log entry (it was signed without a Rekor upload)"
                    .into(),
        });
    }
    let signed = rekor::Signed {
        content,
        signature,
        digest_hex,
        verifier: rekor::Verifier::Key(key),
    };
    let mut integrated_time: Option<i64> = None;
    for (i, entry) in entries.iter().enumerate() {
        let proven = rekor::verify_inclusion(i, entry, root)?;
        rekor::verify_body(i, entry, &signed)?;
        if proven.promise {
            let t = entry.integrated_time.0;
            integrated_time = Some(integrated_time.map_or(t, |e| e.min(t)));
        }
    }
    Ok(KeyLogged {
        verified,
        integrated_time,
        log_index: entries[0].log_index.0,
    })
}
