//! Sigstore bundles (protobuf-specs `sigstore_bundle.proto`, in its proto3 JSON mapping: camelCase names, bytes as
//! base64, 64-bit integers as strings or numbers), produced and verified with a key.
//!
//! - [`Bundle::from_json`] parses v0.1, v0.2 and v0.3 bundles strictly: known media type, exactly one kind of
//!   verification material and one content, bounded sizes and counts, the per-version tlog rules.
//! - [`dsse`], [`message_signature`] and [`image_signature`] produce key-based v0.3 bundles. They carry no
//!   transparency-log entry: signing is offline and nothing is uploaded to Rekor.
//! - [`Bundle::verify_with_key`] and [`Bundle::verify_image_signature`] check a key-based bundle with a public key
//!   and an expected artifact digest. Transparency-log entries are not required (and not checked) in this mode, as
//!   `cosign verify --key K --insecure-ignore-tlog` and the policy-controller with a key accept.
//!
//! [`image_signature`] is what cosign v3 attaches to an image as an OCI referrer: a DSSE envelope of an in-toto
//! Statement v1 with predicate type [`COSIGN_SIGN_PREDICATE_TYPE`], an empty predicate and one subject with the
//! manifest digest and no name (see the crate README, section "Sigstore bundle").

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bulwark_signature::{PrivateKey, PublicKey};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::dsse::{self, Envelope, INTOTO_PAYLOAD_TYPE};

/// The media type of the bundles we write (v0.3).
pub const MEDIA_TYPE_V03: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// The older media types we read.
pub const MEDIA_TYPE_V03_LEGACY: &str = "application/vnd.dev.sigstore.bundle+json;version=0.3";
pub const MEDIA_TYPE_V02: &str = "application/vnd.dev.sigstore.bundle+json;version=0.2";
pub const MEDIA_TYPE_V01: &str = "application/vnd.dev.sigstore.bundle+json;version=0.1";
/// The predicate type of the statement cosign v3 signs for an image (cosign `pkg/types/predicate.go`).
pub const COSIGN_SIGN_PREDICATE_TYPE: &str = "https://sigstore.dev/cosign/sign/v1";
/// The in-toto Statement v1 type.
pub const INTOTO_STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";

/// The largest bundle we parse. Real bundles are a few KiB; attestations with an SBOM predicate can reach MiBs.
pub const MAX_BUNDLE_BYTES: usize = 32 * 1024 * 1024;
const MAX_TLOG_ENTRIES: usize = 32;
const MAX_CERTIFICATES: usize = 16;
const MAX_PROOF_HASHES: usize = 64;
const MAX_SIGNATURES: usize = 16;
const MAX_TIMESTAMPS: usize = 16;

/// Why a bundle was refused or could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("Sigstore bundle is {0} bytes, more than the {MAX_BUNDLE_BYTES} allowed")]
    TooLarge(usize),
    #[error("Sigstore bundle is not valid JSON: {0}")]
    Json(String),
    #[error("Sigstore bundle mediaType {0:?} is not a known bundle version (v0.1, v0.2, v0.3)")]
    MediaType(String),
    #[error("Sigstore bundle is malformed: {0}")]
    Malformed(String),
    #[error("signing failed: {0}")]
    Sign(String),
    #[error("Sigstore bundle does not verify: {0}")]
    Verify(String),
}

fn malformed(what: impl Into<String>) -> BundleError {
    BundleError::Malformed(what.into())
}

/// Bytes, carried in JSON as base64 (standard alphabet written; standard or URL-safe, padded or not, read).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Bytes(pub Vec<u8>);

impl fmt::Debug for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Bytes({})", STANDARD.encode(&self.0))
    }
}

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        decode_base64(&text)
            .map(Bytes)
            .ok_or_else(|| D::Error::custom("a bytes field is not base64"))
    }
}

/// Standard or URL-safe base64, padding optional (the proto3 JSON mapping accepts both); empty is empty.
#[must_use]
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const CONFIG: GeneralPurposeConfig =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    const STD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, CONFIG);
    const URL: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, CONFIG);
    STD.decode(text).or_else(|_| URL.decode(text)).ok()
}

/// A proto3 `int64`: written as a string, read from a string or a number.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Int64(pub i64);

impl Serialize for Int64 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for Int64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(i64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Number(n) => Ok(Int64(n)),
            Raw::Text(t) => t
                .parse()
                .map(Int64)
                .map_err(|_| D::Error::custom(format!("{t:?} is not a 64-bit integer"))),
        }
    }
}

/// A Sigstore bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    pub media_type: String,
    pub verification_material: VerificationMaterial,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_signature: Option<MessageSignature>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dsse_envelope: Option<Envelope>,
}

/// What the signature is checked with, and the evidence of when it was made.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationMaterial {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<PublicKeyIdentifier>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x509_certificate_chain: Option<CertificateChain>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<X509Certificate>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tlog_entries: Vec<TransparencyLogEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_verification_data: Option<TimestampVerificationData>,
}

/// A key the verifier knows out of band; `hint` names it (cosign: base64 of SHA-256 of the SPKI DER).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKeyIdentifier {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hint: String,
}

/// A DER certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct X509Certificate {
    pub raw_bytes: Bytes,
}

/// A chain, leaf first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateChain {
    #[serde(default)]
    pub certificates: Vec<X509Certificate>,
}

/// One transparency-log (Rekor) entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransparencyLogEntry {
    #[serde(default)]
    pub log_index: Int64,
    pub log_id: LogId,
    pub kind_version: KindVersion,
    #[serde(default)]
    pub integrated_time: Int64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inclusion_promise: Option<InclusionPromise>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inclusion_proof: Option<InclusionProof>,
    #[serde(default)]
    pub canonicalized_body: Bytes,
}

/// A log's id: SHA-256 of its public key (SPKI DER).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogId {
    pub key_id: Bytes,
}

/// The Rekor entry type, e.g. `hashedrekord` `0.0.1`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindVersion {
    pub kind: String,
    pub version: String,
}

/// The signed entry timestamp: the log's signature over the entry's coordinates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InclusionPromise {
    pub signed_entry_timestamp: Bytes,
}

/// An RFC 6962 Merkle inclusion proof and the signed checkpoint it ends at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InclusionProof {
    #[serde(default)]
    pub log_index: Int64,
    pub root_hash: Bytes,
    #[serde(default)]
    pub tree_size: Int64,
    #[serde(default)]
    pub hashes: Vec<Bytes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<Checkpoint>,
}

/// A signed note (`origin\nsize\nroot\n…\n\n— name sig\n`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub envelope: String,
}

/// RFC 3161 timestamps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimestampVerificationData {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rfc3161_timestamps: Vec<Rfc3161Timestamp>,
}

/// One RFC 3161 signed timestamp (DER).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rfc3161Timestamp {
    pub signed_timestamp: Bytes,
}

/// A signature over an artifact's bytes, with the artifact's digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageSignature {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_digest: Option<HashOutput>,
    pub signature: Bytes,
}

/// A digest with its algorithm (`SHA2_256`, `SHA2_384`, `SHA2_512`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HashOutput {
    pub algorithm: String,
    pub digest: Bytes,
}

/// The bundle versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Version {
    V01,
    V02,
    V03,
}

/// What a bundle signs.
#[derive(Debug, Clone, Copy)]
pub enum Content<'a> {
    MessageSignature(&'a MessageSignature),
    Dsse(&'a Envelope),
}

/// The key material of a bundle.
#[derive(Debug, Clone, Copy)]
pub enum Material<'a> {
    PublicKey(&'a PublicKeyIdentifier),
    /// The leaf certificate first.
    Certificates(&'a [X509Certificate]),
}

/// The artifact a verification is about: its bytes, or only its digest.
#[derive(Debug, Clone, Copy)]
pub enum Artifact<'a> {
    Bytes(&'a [u8]),
    /// Algorithm (`sha256`, `sha384`, `sha512`) and lowercase hex.
    Digest {
        algorithm: &'a str,
        hex: &'a str,
    },
}

impl Artifact<'_> {
    /// Parses `sha256:<hex>` (an OCI digest).
    #[must_use]
    pub fn from_oci_digest(digest: &str) -> Option<Artifact<'_>> {
        let (algorithm, hex) = digest.split_once(':')?;
        Some(Artifact::Digest { algorithm, hex })
    }
}

impl Bundle {
    /// Parses and validates a bundle (see the module docs for what is checked).
    pub fn from_json(bytes: &[u8]) -> Result<Self, BundleError> {
        if bytes.len() > MAX_BUNDLE_BYTES {
            return Err(BundleError::TooLarge(bytes.len()));
        }
        let bundle: Self =
            serde_json::from_slice(bytes).map_err(|e| BundleError::Json(e.to_string()))?;
        bundle.validate()?;
        Ok(bundle)
    }

    /// Serialises to JSON (proto3 JSON mapping).
    #[must_use]
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a bundle always serialises")
    }

    /// The bundle's version, from its media type.
    pub fn version(&self) -> Result<Version, BundleError> {
        match self.media_type.as_str() {
            MEDIA_TYPE_V01 => Ok(Version::V01),
            MEDIA_TYPE_V02 => Ok(Version::V02),
            MEDIA_TYPE_V03 | MEDIA_TYPE_V03_LEGACY => Ok(Version::V03),
            other => Err(BundleError::MediaType(other.to_owned())),
        }
    }

    /// The signed content (validated bundles have exactly one).
    pub fn content(&self) -> Result<Content<'_>, BundleError> {
        match (&self.message_signature, &self.dsse_envelope) {
            (Some(m), None) => Ok(Content::MessageSignature(m)),
            (None, Some(e)) => Ok(Content::Dsse(e)),
            (None, None) => Err(malformed(
                "no content: neither messageSignature nor dsseEnvelope",
            )),
            (Some(_), Some(_)) => Err(malformed("both messageSignature and dsseEnvelope are set")),
        }
    }

    /// The key material (validated bundles have exactly one kind).
    pub fn material(&self) -> Result<Material<'_>, BundleError> {
        let vm = &self.verification_material;
        match (&vm.public_key, &vm.x509_certificate_chain, &vm.certificate) {
            (Some(k), None, None) => Ok(Material::PublicKey(k)),
            (None, Some(chain), None) if !chain.certificates.is_empty() => {
                Ok(Material::Certificates(&chain.certificates))
            }
            (None, Some(_), None) => Err(malformed(
                "verificationMaterial.x509CertificateChain has no certificates",
            )),
            (None, None, Some(c)) => Ok(Material::Certificates(std::slice::from_ref(c))),
            (None, None, None) => Err(malformed(
                "verificationMaterial has no publicKey, certificate or x509CertificateChain",
            )),
            _ => Err(malformed(
                "verificationMaterial has more than one of publicKey, certificate, x509CertificateChain",
            )),
        }
    }

    fn validate(&self) -> Result<(), BundleError> {
        let version = self.version()?;
        self.content()?;
        self.material()?;
        let vm = &self.verification_material;
        if version < Version::V03 && vm.certificate.is_some() {
            return Err(malformed(
                "verificationMaterial.certificate needs bundle v0.3 (older versions use x509CertificateChain)",
            ));
        }
        if let Some(chain) = &vm.x509_certificate_chain {
            bound(
                "x509CertificateChain.certificates",
                chain.certificates.len(),
                MAX_CERTIFICATES,
            )?;
        }
        for c in self.certificates() {
            if c.raw_bytes.0.is_empty() {
                return Err(malformed("a certificate has empty rawBytes"));
            }
        }
        bound(
            "verificationMaterial.tlogEntries",
            vm.tlog_entries.len(),
            MAX_TLOG_ENTRIES,
        )?;
        if let Some(ts) = &vm.timestamp_verification_data {
            bound(
                "rfc3161Timestamps",
                ts.rfc3161_timestamps.len(),
                MAX_TIMESTAMPS,
            )?;
        }
        for (i, e) in vm.tlog_entries.iter().enumerate() {
            let at = |what: &str| malformed(format!("tlogEntries[{i}]: {what}"));
            if e.kind_version.kind.is_empty() || e.kind_version.version.is_empty() {
                return Err(at("kindVersion is empty"));
            }
            if e.canonicalized_body.0.is_empty() {
                return Err(at("canonicalizedBody is empty"));
            }
            if e.log_index.0 < 0 {
                return Err(at("logIndex is negative"));
            }
            if version == Version::V01 && e.inclusion_promise.is_none() {
                return Err(at("a v0.1 bundle needs an inclusionPromise"));
            }
            if version >= Version::V02 && e.inclusion_proof.is_none() {
                return Err(at("a v0.2+ bundle needs an inclusionProof"));
            }
            if let Some(p) = &e.inclusion_proof {
                bound("inclusionProof.hashes", p.hashes.len(), MAX_PROOF_HASHES)?;
                if p.log_index.0 < 0 || p.tree_size.0 <= p.log_index.0 {
                    return Err(at("inclusionProof logIndex is not inside treeSize"));
                }
                if p.root_hash.0.len() != 32 || p.hashes.iter().any(|h| h.0.len() != 32) {
                    return Err(at("inclusionProof hashes are not 32-byte SHA-256 values"));
                }
                if version >= Version::V02 && p.checkpoint.is_none() {
                    return Err(at("inclusionProof has no checkpoint"));
                }
            }
        }
        match self.content()? {
            Content::MessageSignature(m) => {
                if m.signature.0.is_empty() {
                    return Err(malformed("messageSignature.signature is empty"));
                }
                if let Some(d) = &m.message_digest {
                    let want = digest_len(&d.algorithm).ok_or_else(|| {
                        malformed(format!(
                            "messageDigest.algorithm {:?} is not SHA2_256, SHA2_384 or SHA2_512",
                            d.algorithm
                        ))
                    })?;
                    if d.digest.0.len() != want {
                        return Err(malformed(format!(
                            "messageDigest.digest is {} bytes, {} has {want}",
                            d.digest.0.len(),
                            d.algorithm
                        )));
                    }
                }
            }
            Content::Dsse(e) => {
                if e.signatures.is_empty() {
                    return Err(malformed("dsseEnvelope has no signatures"));
                }
                bound(
                    "dsseEnvelope.signatures",
                    e.signatures.len(),
                    MAX_SIGNATURES,
                )?;
                if e.payload_type.is_empty() {
                    return Err(malformed("dsseEnvelope.payloadType is empty"));
                }
                if decode_base64(&e.payload).is_none() {
                    return Err(malformed("dsseEnvelope.payload is not base64"));
                }
                if e.signatures
                    .iter()
                    .any(|s| decode_base64(&s.sig).is_none_or(|b| b.is_empty()))
                {
                    return Err(malformed("a dsseEnvelope signature is not base64"));
                }
            }
        }
        Ok(())
    }

    /// The certificates of the verification material, leaf first (empty for a public key).
    #[must_use]
    pub fn certificates(&self) -> &[X509Certificate] {
        match self.material() {
            Ok(Material::Certificates(c)) => c,
            _ => &[],
        }
    }

    /// The raw signature bytes (the first DSSE signature, or the message signature).
    pub fn signature_bytes(&self) -> Result<Vec<u8>, BundleError> {
        match self.content()? {
            Content::MessageSignature(m) => Ok(m.signature.0.clone()),
            Content::Dsse(e) => e
                .signatures
                .first()
                .and_then(|s| decode_base64(&s.sig))
                .ok_or_else(|| malformed("dsseEnvelope has no decodable signature")),
        }
    }

    /// Verifies a key-based bundle: the signature with `key`, and that it is about `artifact`. For a DSSE envelope
    /// of an in-toto statement, one subject must carry the artifact digest; for a message signature the digest
    /// must match and the signature must verify over the artifact's bytes (a digest alone cannot be checked
    /// with a [`PublicKey`], which hashes the message itself). Tlog entries are neither required nor checked.
    pub fn verify_with_key(
        &self,
        key: &PublicKey,
        artifact: Artifact<'_>,
    ) -> Result<KeyVerified, BundleError> {
        self.validate()?;
        match self.content()? {
            Content::Dsse(envelope) => {
                let payload = envelope
                    .verify(&envelope.payload_type, key)
                    .map_err(|e| BundleError::Verify(e.to_string()))?;
                let statement = if envelope.payload_type == INTOTO_PAYLOAD_TYPE {
                    let s = Statement::parse(&payload)?;
                    s.require_subject(artifact)?;
                    Some(s)
                } else {
                    match artifact {
                        Artifact::Bytes(b) if b == payload.as_slice() => None,
                        _ => {
                            return Err(BundleError::Verify(format!(
                                "the DSSE payload type {:?} is not in-toto, so it cannot name the artifact",
                                envelope.payload_type
                            )));
                        }
                    }
                };
                Ok(KeyVerified {
                    payload_type: Some(envelope.payload_type.clone()),
                    payload,
                    statement,
                })
            }
            Content::MessageSignature(m) => {
                let Artifact::Bytes(bytes) = artifact else {
                    return Err(BundleError::Verify(
                        "a message signature is checked over the artifact's bytes; only its digest was given"
                            .into(),
                    ));
                };
                if let Some(d) = &m.message_digest {
                    let computed = hash(&d.algorithm, bytes)
                        .ok_or_else(|| malformed("unknown messageDigest algorithm"))?;
                    if computed != d.digest.0 {
                        return Err(BundleError::Verify(
                            "messageDigest is not the digest of the artifact".into(),
                        ));
                    }
                }
                key.verify(bytes, &m.signature.0, "Sigstore bundle message signature")
                    .map_err(|e| BundleError::Verify(e.to_string()))?;
                Ok(KeyVerified {
                    payload_type: None,
                    payload: Vec::new(),
                    statement: None,
                })
            }
        }
    }

    /// Verifies a cosign v3 image signature bundle ([`image_signature`]) for the manifest `sha256:<hex>` with
    /// `key`: a DSSE in-toto statement, predicate type [`COSIGN_SIGN_PREDICATE_TYPE`], subject = the digest.
    pub fn verify_image_signature(
        &self,
        key: &PublicKey,
        manifest_digest: &str,
    ) -> Result<KeyVerified, BundleError> {
        let artifact = Artifact::from_oci_digest(manifest_digest).ok_or_else(|| {
            BundleError::Verify(format!("{manifest_digest:?} is not <algorithm>:<hex>"))
        })?;
        if self.dsse_envelope.is_none() {
            return Err(BundleError::Verify(
                "an image signature bundle holds a DSSE envelope, this one a message signature"
                    .into(),
            ));
        }
        let verified = self.verify_with_key(key, artifact)?;
        let predicate = verified
            .statement
            .as_ref()
            .map(|s| s.predicate_type.as_str())
            .unwrap_or_default();
        if predicate != COSIGN_SIGN_PREDICATE_TYPE {
            return Err(BundleError::Verify(format!(
                "the statement's predicateType is {predicate:?}, not {COSIGN_SIGN_PREDICATE_TYPE:?}"
            )));
        }
        Ok(verified)
    }
}

fn bound(what: &str, n: usize, max: usize) -> Result<(), BundleError> {
    if n > max {
        Err(malformed(format!("{what} has {n} items, more than {max}")))
    } else {
        Ok(())
    }
}

fn digest_len(algorithm: &str) -> Option<usize> {
    match algorithm {
        "SHA2_256" | "sha256" => Some(32),
        "SHA2_384" | "sha384" => Some(48),
        "SHA2_512" | "sha512" => Some(64),
        _ => None,
    }
}

/// The digest of `bytes` with a protobuf-specs (`SHA2_256`) or OCI (`sha256`) algorithm name.
#[must_use]
pub fn hash(algorithm: &str, bytes: &[u8]) -> Option<Vec<u8>> {
    use aws_lc_rs::digest;
    let alg = match algorithm {
        "SHA2_256" | "sha256" => &digest::SHA256,
        "SHA2_384" | "sha384" => &digest::SHA384,
        "SHA2_512" | "sha512" => &digest::SHA512,
        _ => return None,
    };
    Some(digest::digest(alg, bytes).as_ref().to_vec())
}

/// Lowercase hex.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    use fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// What a key-based verification established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyVerified {
    /// The DSSE payload type (`None` for a message signature).
    pub payload_type: Option<String>,
    /// The verified DSSE payload (empty for a message signature).
    pub payload: Vec<u8>,
    /// The in-toto statement, when the payload is one.
    pub statement: Option<Statement>,
}

/// The parts of an in-toto statement a bundle verification needs (the full model lives in `intoto.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub statement_type: String,
    pub predicate_type: String,
    /// (name, algorithm → hex digest) per subject.
    pub subjects: Vec<(String, Vec<(String, String)>)>,
    pub predicate: serde_json::Value,
}

impl Statement {
    /// Parses an in-toto statement (v0.1 or v1) enough to bind it to an artifact.
    pub fn parse(payload: &[u8]) -> Result<Self, BundleError> {
        let v: serde_json::Value = serde_json::from_slice(payload)
            .map_err(|e| malformed(format!("the DSSE payload is not an in-toto statement: {e}")))?;
        let text = |k: &str| {
            v.get(k)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        let statement_type =
            text("_type").ok_or_else(|| malformed("the statement has no _type"))?;
        if !statement_type.starts_with("https://in-toto.io/Statement/") {
            return Err(malformed(format!(
                "the statement _type {statement_type:?} is not in-toto"
            )));
        }
        let predicate_type =
            text("predicateType").ok_or_else(|| malformed("the statement has no predicateType"))?;
        let subjects = v
            .get("subject")
            .and_then(serde_json::Value::as_array)
            .ok_or_else(|| malformed("the statement has no subject list"))?
            .iter()
            .map(|s| {
                let name = s
                    .get("name")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                let digests = s
                    .get("digest")
                    .and_then(serde_json::Value::as_object)
                    .map(|m| {
                        m.iter()
                            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                            .collect()
                    })
                    .unwrap_or_default();
                (name, digests)
            })
            .collect();
        Ok(Self {
            statement_type,
            predicate_type,
            subjects,
            predicate: v
                .get("predicate")
                .cloned()
                .unwrap_or(serde_json::Value::Null),
        })
    }

    /// Some subject carries the artifact's digest.
    pub fn require_subject(&self, artifact: Artifact<'_>) -> Result<(), BundleError> {
        let (algorithm, want) = match artifact {
            Artifact::Digest { algorithm, hex } => (algorithm.to_owned(), hex.to_ascii_lowercase()),
            Artifact::Bytes(b) => (
                "sha256".to_owned(),
                hex(&hash("sha256", b).unwrap_or_default()),
            ),
        };
        let found = self.subjects.iter().any(|(_, digests)| {
            digests
                .iter()
                .any(|(a, h)| *a == algorithm && h.to_ascii_lowercase() == want)
        });
        if found {
            Ok(())
        } else {
            Err(BundleError::Verify(format!(
                "no subject of the statement has the digest {algorithm}:{want}"
            )))
        }
    }
}

/// cosign's key hint: base64 of SHA-256 of the public key's SPKI DER, from its PEM.
pub fn key_hint(public_pem: &str) -> Result<String, BundleError> {
    let body: String = public_pem
        .lines()
        .skip_while(|l| l.trim() != "-----BEGIN PUBLIC KEY-----")
        .skip(1)
        .take_while(|l| l.trim() != "-----END PUBLIC KEY-----")
        .map(str::trim)
        .collect();
    let der = decode_base64(&body)
        .filter(|d| !d.is_empty())
        .ok_or_else(|| BundleError::Sign("the public key is not a PEM PUBLIC KEY".into()))?;
    Ok(STANDARD.encode(hash("sha256", &der).unwrap_or_default()))
}

fn key_bundle(hint: Option<&str>) -> Bundle {
    Bundle {
        media_type: MEDIA_TYPE_V03.to_owned(),
        verification_material: VerificationMaterial {
            public_key: Some(PublicKeyIdentifier {
                hint: hint.unwrap_or_default().to_owned(),
            }),
            ..VerificationMaterial::default()
        },
        message_signature: None,
        dsse_envelope: None,
    }
}

/// A v0.3 bundle holding a DSSE envelope of `payload` signed with `key` (attestations). `hint` names the key
/// ([`key_hint`]); cosign always writes it.
pub fn dsse(
    payload_type: &str,
    payload: &[u8],
    key: &PrivateKey,
    hint: Option<&str>,
) -> Result<Bundle, BundleError> {
    let envelope = Envelope::sign(payload_type, payload, key, "")
        .map_err(|e: dsse::DsseError| BundleError::Sign(e.to_string()))?;
    let mut bundle = key_bundle(hint);
    bundle.dsse_envelope = Some(envelope);
    Ok(bundle)
}

/// A v0.3 bundle holding a message signature over `artifact` (as `cosign sign-blob --key` makes).
pub fn message_signature(
    artifact: &[u8],
    key: &PrivateKey,
    hint: Option<&str>,
) -> Result<Bundle, BundleError> {
    let signature = key
        .sign(artifact)
        .map_err(|e| BundleError::Sign(e.to_string()))?;
    let mut bundle = key_bundle(hint);
    bundle.message_signature = Some(MessageSignature {
        message_digest: Some(HashOutput {
            algorithm: "SHA2_256".into(),
            digest: Bytes(hash("sha256", artifact).unwrap_or_default()),
        }),
        signature: Bytes(signature),
    });
    Ok(bundle)
}

/// The in-toto statement cosign v3 signs for an image (`signDigestBundle` in cosign
/// `cmd/cosign/cli/sign/sign.go`): one subject with only the digest and empty annotations, no name; predicate
/// type [`COSIGN_SIGN_PREDICATE_TYPE`] and an empty predicate. Field order as protojson writes it.
pub fn image_statement(manifest_digest: &str) -> Result<Vec<u8>, BundleError> {
    let (algorithm, hex_digest) = manifest_digest
        .split_once(':')
        .filter(|(a, h)| !a.is_empty() && !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| {
            BundleError::Sign(format!("{manifest_digest:?} is not <algorithm>:<hex>"))
        })?;
    // serde_json maps sort their keys; protojson writes fields in proto order, so write the object by hand.
    Ok(format!(
        "{{\"_type\":{},\"subject\":[{{\"digest\":{{{}:{}}},\"annotations\":{{}}}}],\"predicateType\":{},\"predicate\":{{}}}}",
        json_str(INTOTO_STATEMENT_V1),
        json_str(algorithm),
        json_str(hex_digest),
        json_str(COSIGN_SIGN_PREDICATE_TYPE),
    )
    .into_bytes())
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}

/// The bundle cosign v3 attaches to an image as an OCI referrer when signing with a key (`cosign sign --key K
/// IMAGE@DIGEST`, with no transparency-log upload): a DSSE envelope (payload type `application/vnd.in-toto+json`)
/// of [`image_statement`], verification material = the key hint.
pub fn image_signature(
    manifest_digest: &str,
    key: &PrivateKey,
    hint: Option<&str>,
) -> Result<Bundle, BundleError> {
    dsse(
        INTOTO_PAYLOAD_TYPE,
        &image_statement(manifest_digest)?,
        key,
        hint,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int64_reads_strings_and_numbers() {
        let a: Int64 = serde_json::from_str("\"42\"").unwrap();
        let b: Int64 = serde_json::from_str("42").unwrap();
        assert_eq!(a, b);
        assert!(serde_json::from_str::<Int64>("\"4x\"").is_err());
        assert_eq!(serde_json::to_string(&Int64(7)).unwrap(), "\"7\"");
    }

    #[test]
    fn image_statement_is_cosigns_shape() {
        let s = image_statement("sha256:abcd").unwrap();
        let v: serde_json::Value = serde_json::from_slice(&s).unwrap();
        assert_eq!(v["_type"], INTOTO_STATEMENT_V1);
        assert_eq!(v["predicateType"], COSIGN_SIGN_PREDICATE_TYPE);
        assert_eq!(v["subject"][0]["digest"]["sha256"], "abcd");
        assert!(v["subject"][0].get("name").is_none());
        assert_eq!(v["predicate"], serde_json::json!({}));
        assert!(image_statement("abcd").is_err());
        assert!(image_statement("sha256:\"").is_err());
    }

    #[test]
    fn hostile_bundles_are_errors() {
        for text in [
            "",
            "{}",
            "[]",
            r#"{"mediaType":"x","verificationMaterial":{}}"#,
            r#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{}}}"#,
            r#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{}},"messageSignature":{"signature":"!!"}}"#,
            r#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{},"certificate":{"rawBytes":"AA=="}},"messageSignature":{"signature":"AA=="}}"#,
            r#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{}},"messageSignature":{"signature":"AA==","messageDigest":{"algorithm":"SHA2_256","digest":"AA=="}}}"#,
            r#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{}},"dsseEnvelope":{"payload":"","payloadType":"x","signatures":[]}}"#,
            r#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{},"tlogEntries":[{"logIndex":"1","logId":{"keyId":"AA=="},"kindVersion":{"kind":"hashedrekord","version":"0.0.1"},"integratedTime":"1","canonicalizedBody":"AA=="}]},"messageSignature":{"signature":"AA=="}}"#,
        ] {
            assert!(Bundle::from_json(text.as_bytes()).is_err(), "{text}");
        }
        let big = vec![b' '; MAX_BUNDLE_BYTES + 1];
        assert_eq!(
            Bundle::from_json(&big),
            Err(BundleError::TooLarge(MAX_BUNDLE_BYTES + 1))
        );
    }
}
