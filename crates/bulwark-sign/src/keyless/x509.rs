//! X.509 for keyless verification: parsing with `x509-parser`, signatures checked with aws-lc-rs (ECDSA P-256 and
//! P-384 with SHA-256/384/512, RSA PKCS#1 v1.5, Ed25519), the Fulcio chain, EKU, SAN and Fulcio's issuer
//! extensions.

use aws_lc_rs::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::FromDer;
use x509_parser::x509::SubjectPublicKeyInfo;

use super::KeylessError;

const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";
const OID_ED25519: &str = "1.3.101.112";
const OID_RSA: &str = "1.2.840.113549.1.1.1";
/// Fulcio's OIDC issuer, v1 (the raw string as the extension value).
pub const OID_FULCIO_ISSUER_V1: &str = "1.3.6.1.4.1.57264.1.1";
/// Fulcio's OIDC issuer, v2 (a DER UTF8String).
pub const OID_FULCIO_ISSUER_V2: &str = "1.3.6.1.4.1.57264.1.8";

/// A digest for signature checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn of_signature_algorithm(oid: &str) -> Option<Self> {
        match oid {
            // ecdsa-with-SHA256/384/512, sha256/384/512WithRSAEncryption
            "1.2.840.10045.4.3.2" | "1.2.840.113549.1.1.11" => Some(Self::Sha256),
            "1.2.840.10045.4.3.3" | "1.2.840.113549.1.1.12" => Some(Self::Sha384),
            // Ed25519 hashes internally with SHA-512; the value only selects the algorithm.
            "1.2.840.10045.4.3.4" | "1.2.840.113549.1.1.13" | OID_ED25519 => Some(Self::Sha512),
            _ => None,
        }
    }

    fn aws(self) -> &'static aws_lc_rs::digest::Algorithm {
        match self {
            Self::Sha256 => &aws_lc_rs::digest::SHA256,
            Self::Sha384 => &aws_lc_rs::digest::SHA384,
            Self::Sha512 => &aws_lc_rs::digest::SHA512,
        }
    }
}

/// A public key from a SubjectPublicKeyInfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Key {
    kind: KeyKind,
    bytes: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    P256,
    P384,
    Ed25519,
    Rsa,
}

impl Key {
    /// Parses SPKI DER.
    pub(crate) fn from_spki_der(der: &[u8]) -> Result<Self, KeylessError> {
        let (rest, spki) = SubjectPublicKeyInfo::from_der(der)
            .map_err(|e| KeylessError::Key(format!("not a SubjectPublicKeyInfo: {e}")))?;
        if !rest.is_empty() {
            return Err(KeylessError::Key(
                "trailing bytes after the SubjectPublicKeyInfo".into(),
            ));
        }
        Self::from_spki(&spki)
    }

    /// A trusted root's key: SPKI DER, or for `PKCS1_RSA_*` key details a bare PKCS#1 `RSAPublicKey` (as the
    /// Sigstore staging root lists one CT log key).
    pub(crate) fn from_root_key(der: &[u8], key_details: &str) -> Result<Self, KeylessError> {
        if key_details.starts_with("PKCS1_RSA")
            && der.first() == Some(&0x30)
            && Self::from_spki_der(der).is_err()
        {
            let (rest, _) = x509_parser::der_parser::parse_der(der)
                .map_err(|e| KeylessError::Key(format!("not a PKCS#1 RSA public key: {e}")))?;
            if !rest.is_empty() {
                return Err(KeylessError::Key(
                    "trailing bytes after the RSA public key".into(),
                ));
            }
            return Ok(Self {
                kind: KeyKind::Rsa,
                bytes: der.to_vec(),
            });
        }
        Self::from_spki_der(der)
    }

    pub(crate) fn from_spki(spki: &SubjectPublicKeyInfo<'_>) -> Result<Self, KeylessError> {
        let alg = spki.algorithm.algorithm.to_id_string();
        let bytes = spki.subject_public_key.data.to_vec();
        let kind = match alg.as_str() {
            OID_EC_PUBLIC_KEY => {
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.as_oid().ok())
                    .map(|o| o.to_id_string())
                    .unwrap_or_default();
                match curve.as_str() {
                    OID_P256 => KeyKind::P256,
                    OID_P384 => KeyKind::P384,
                    other => {
                        return Err(KeylessError::Key(format!(
                            "EC curve {other} is not P-256 or P-384"
                        )));
                    }
                }
            }
            OID_ED25519 => KeyKind::Ed25519,
            OID_RSA => KeyKind::Rsa,
            other => {
                return Err(KeylessError::Key(format!(
                    "key algorithm {other} is not supported"
                )));
            }
        };
        Ok(Self { kind, bytes })
    }

    /// The digest this key signs with when nothing else says (the curve's own size).
    fn default_hash(&self) -> Hash {
        match self.kind {
            KeyKind::P384 => Hash::Sha384,
            KeyKind::Ed25519 => Hash::Sha512,
            KeyKind::P256 | KeyKind::Rsa => Hash::Sha256,
        }
    }

    fn algorithm(&self, hash: Hash) -> &'static dyn VerificationAlgorithm {
        match (self.kind, hash) {
            (KeyKind::P256, Hash::Sha256) => &signature::ECDSA_P256_SHA256_ASN1,
            (KeyKind::P256, Hash::Sha384) => &signature::ECDSA_P256_SHA384_ASN1,
            (KeyKind::P256, Hash::Sha512) => &signature::ECDSA_P256_SHA512_ASN1,
            (KeyKind::P384, Hash::Sha256) => &signature::ECDSA_P384_SHA256_ASN1,
            (KeyKind::P384, Hash::Sha384) => &signature::ECDSA_P384_SHA384_ASN1,
            (KeyKind::P384, Hash::Sha512) => &signature::ECDSA_P384_SHA512_ASN1,
            (KeyKind::Ed25519, _) => &signature::ED25519,
            (KeyKind::Rsa, Hash::Sha256) => &signature::RSA_PKCS1_2048_8192_SHA256,
            (KeyKind::Rsa, Hash::Sha384) => &signature::RSA_PKCS1_2048_8192_SHA384,
            (KeyKind::Rsa, Hash::Sha512) => &signature::RSA_PKCS1_2048_8192_SHA512,
        }
    }

    /// Checks `sig` over `message` with `hash`. Without one, ECDSA tries the curve's own digest first, then the
    /// other SHA-2 sizes: Sigstore clients sign with SHA-256 even with P-384 keys (sigstore-python's P-384 leaves),
    /// and the signature only verifies under the digest it was made with.
    pub(crate) fn verify(&self, message: &[u8], sig: &[u8], hash: Option<Hash>) -> bool {
        let check = |h: Hash| {
            UnparsedPublicKey::new(self.algorithm(h), &self.bytes)
                .verify(message, sig)
                .is_ok()
        };
        match (hash, self.kind) {
            (Some(h), _) => check(h),
            (None, KeyKind::P256 | KeyKind::P384) => {
                let first = self.default_hash();
                check(first)
                    || [Hash::Sha256, Hash::Sha384, Hash::Sha512]
                        .into_iter()
                        .filter(|h| *h != first)
                        .any(check)
            }
            (None, _) => check(self.default_hash()),
        }
    }

    /// Checks `sig` over a message known only by its digest (ECDSA and RSA; Ed25519 signs the message itself).
    pub(crate) fn verify_digest(&self, digest: &[u8], sig: &[u8]) -> bool {
        if self.kind == KeyKind::Ed25519 {
            return false;
        }
        let hash = match digest.len() {
            32 => Hash::Sha256,
            48 => Hash::Sha384,
            64 => Hash::Sha512,
            _ => return false,
        };
        let Ok(d) = aws_lc_rs::digest::Digest::import_less_safe(digest, hash.aws()) else {
            return false;
        };
        UnparsedPublicKey::new(self.algorithm(hash), &self.bytes)
            .verify_digest(&d, sig)
            .is_ok()
    }
}

/// A parsed certificate, owning its DER.
pub(crate) struct Cert {
    der: Vec<u8>,
}

impl Cert {
    pub(crate) fn from_der(der: &[u8], what: &str) -> Result<Self, KeylessError> {
        let (rest, _) = X509Certificate::from_der(der).map_err(|e| {
            KeylessError::Certificate(format!("{what} is not an X.509 certificate: {e}"))
        })?;
        if !rest.is_empty() {
            return Err(KeylessError::Certificate(format!(
                "{what} has trailing bytes after the certificate"
            )));
        }
        Ok(Self { der: der.to_vec() })
    }

    pub(crate) fn der(&self) -> &[u8] {
        &self.der
    }

    pub(crate) fn parsed(&self) -> X509Certificate<'_> {
        X509Certificate::from_der(&self.der)
            .expect("parsed once in from_der")
            .1
    }

    pub(crate) fn key(&self) -> Result<Key, KeylessError> {
        Key::from_spki(self.parsed().public_key())
    }

    /// (not before, not after) in Unix seconds.
    pub(crate) fn validity(&self) -> (i64, i64) {
        let c = self.parsed();
        (
            c.validity().not_before.timestamp(),
            c.validity().not_after.timestamp(),
        )
    }

    pub(crate) fn valid_at(&self, t: i64) -> bool {
        let (from, to) = self.validity();
        from <= t && t <= to
    }

    /// `self` was issued by `issuer`: names match and `issuer`'s key verifies the signature.
    pub(crate) fn issued_by(&self, issuer: &Cert) -> bool {
        let child = self.parsed();
        let parent = issuer.parsed();
        if child.issuer().as_raw() != parent.subject().as_raw() {
            return false;
        }
        let Some(hash) =
            Hash::of_signature_algorithm(&child.signature_algorithm.algorithm.to_id_string())
        else {
            return false;
        };
        let Ok(key) = Key::from_spki(parent.public_key()) else {
            return false;
        };
        key.verify(
            child.tbs_certificate.as_ref(),
            &child.signature_value.data,
            Some(hash),
        )
    }

    pub(crate) fn is_ca(&self) -> bool {
        self.parsed().is_ca()
    }

    /// The certificate is for code signing (extended key usage `id-kp-codeSigning`).
    pub(crate) fn has_code_signing_eku(&self) -> bool {
        matches!(self.parsed().extended_key_usage(), Ok(Some(eku)) if eku.value.code_signing)
    }

    /// The certificate is for time stamping (extended key usage `id-kp-timeStamping`).
    pub(crate) fn has_time_stamping_eku(&self) -> bool {
        matches!(self.parsed().extended_key_usage(), Ok(Some(eku)) if eku.value.time_stamping)
    }

    /// Email and URI subject alternative names.
    pub(crate) fn san(&self) -> Vec<String> {
        let cert = self.parsed();
        let Ok(Some(san)) = cert.subject_alternative_name() else {
            return Vec::new();
        };
        san.value
            .general_names
            .iter()
            .filter_map(|n| match n {
                GeneralName::RFC822Name(s) | GeneralName::URI(s) => Some((*s).to_owned()),
                _ => None,
            })
            .collect()
    }

    /// The OIDC issuer Fulcio recorded: extension 1.3.6.1.4.1.57264.1.8 (DER UTF8String), else 1.1 (raw).
    pub(crate) fn fulcio_issuer(&self) -> Option<String> {
        let cert = self.parsed();
        let mut v1 = None;
        let mut v2 = None;
        for ext in cert.extensions() {
            let oid = ext.oid.to_id_string();
            if oid == OID_FULCIO_ISSUER_V2 {
                v2 = der_utf8_string(ext.value);
            } else if oid == OID_FULCIO_ISSUER_V1 {
                v1 = std::str::from_utf8(ext.value).ok().map(str::to_owned);
            }
        }
        v2.or(v1)
    }
}

/// The certificate-transparency SCT list extension (RFC 6962 §3.3).
pub const OID_SCT_LIST: &str = "1.3.6.1.4.1.11129.2.4.2";

/// One embedded SCT, with what it signs.
pub(crate) struct EmbeddedSct {
    pub log_id: Vec<u8>,
    /// Milliseconds since the epoch.
    pub timestamp: u64,
    pub hash_alg: u8,
    pub signature: Vec<u8>,
    /// The `digitally-signed` input (RFC 6962 §3.2, `precert_entry`).
    pub signed: Vec<u8>,
}

impl Cert {
    /// The SCTs embedded in this (leaf) certificate, each with the bytes its log signed: the precertificate's
    /// TBSCertificate (this one without the SCT list extension) and the issuer's key hash.
    pub(crate) fn embedded_scts(&self, issuer: &Cert) -> Result<Vec<EmbeddedSct>, KeylessError> {
        let cert = self.parsed();
        let Some(ext) = cert
            .extensions()
            .iter()
            .find(|e| e.oid.to_id_string() == OID_SCT_LIST)
        else {
            return Ok(Vec::new());
        };
        let x509_parser::extensions::ParsedExtension::SCT(scts) = ext.parsed_extension() else {
            return Err(KeylessError::Certificate(
                "the SCT list extension does not parse".into(),
            ));
        };
        let tbs = tbs_without_extension(cert.tbs_certificate.as_ref(), OID_SCT_LIST_DER)
            .ok_or_else(|| {
                KeylessError::Certificate("cannot rebuild the precertificate from the leaf".into())
            })?;
        let issuer_parsed = issuer.parsed();
        let issuer_key_hash =
            crate::bundle::hash("sha256", issuer_parsed.public_key().raw).unwrap_or_default();
        let tbs_len = u32::try_from(tbs.len())
            .ok()
            .filter(|l| *l < 1 << 24)
            .ok_or_else(|| KeylessError::Certificate("the TBSCertificate is too large".into()))?;
        Ok(scts
            .iter()
            .map(|sct| {
                let mut signed = Vec::with_capacity(tbs.len() + 64);
                signed.push(sct.version.0); // v1 = 0
                signed.push(0); // signature_type: certificate_timestamp
                signed.extend_from_slice(&sct.timestamp.to_be_bytes());
                signed.extend_from_slice(&1u16.to_be_bytes()); // entry_type: precert_entry
                signed.extend_from_slice(&issuer_key_hash);
                signed.extend_from_slice(&tbs_len.to_be_bytes()[1..]);
                signed.extend_from_slice(&tbs);
                let ext_len = u16::try_from(sct.extensions.0.len()).unwrap_or(u16::MAX);
                signed.extend_from_slice(&ext_len.to_be_bytes());
                signed.extend_from_slice(sct.extensions.0);
                EmbeddedSct {
                    log_id: sct.id.key_id.to_vec(),
                    timestamp: sct.timestamp,
                    hash_alg: sct.signature.hash_alg_id,
                    signature: sct.signature.data.to_vec(),
                    signed,
                }
            })
            .collect())
    }
}

/// The DER of the SCT list OID's value bytes.
const OID_SCT_LIST_DER: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x02];

/// One DER element: (tag, header + contents, contents, rest).
pub(crate) type DerElement<'a> = (u8, &'a [u8], &'a [u8], &'a [u8]);

pub(crate) fn der_element(input: &[u8]) -> Option<DerElement<'_>> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, header, rest) = if first < 0x80 {
        (usize::from(first), 2, rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |a, &b| (a << 8) | usize::from(b));
        (len, 2 + n, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &input[..header + len], &rest[..len], &rest[len..]))
}

fn der_wrap(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = contents.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(contents);
    out
}

/// A TBSCertificate re-encoded without the extension whose OID (value bytes) is `oid`.
fn tbs_without_extension(tbs: &[u8], oid: &[u8]) -> Option<Vec<u8>> {
    let (0x30, _, mut fields, []) = der_element(tbs)? else {
        return None;
    };
    let mut out = Vec::with_capacity(tbs.len());
    while !fields.is_empty() {
        let (tag, whole, contents, rest) = der_element(fields)?;
        if tag == 0xa3 {
            let (0x30, _, mut exts, []) = der_element(contents)? else {
                return None;
            };
            let mut kept = Vec::with_capacity(exts.len());
            while !exts.is_empty() {
                let (_, ext_whole, ext, ext_rest) = der_element(exts)?;
                let (0x06, _, ext_oid, _) = der_element(ext)? else {
                    return None;
                };
                if ext_oid != oid {
                    kept.extend_from_slice(ext_whole);
                }
                exts = ext_rest;
            }
            out.extend_from_slice(&der_wrap(0xa3, &der_wrap(0x30, &kept)));
        } else {
            out.extend_from_slice(whole);
        }
        fields = rest;
    }
    Some(der_wrap(0x30, &out))
}

/// The contents of a DER UTF8String.
fn der_utf8_string(der: &[u8]) -> Option<String> {
    let (&tag, rest) = der.split_first()?;
    if tag != 0x0c {
        return None;
    }
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
            .fold(0usize, |a, &b| (a << 8) | usize::from(b));
        (len, &rest[n..])
    };
    if rest.len() != len {
        return None;
    }
    String::from_utf8(rest.to_vec()).ok()
}

/// PEM `CERTIFICATE` blocks → DER (the first one).
pub(crate) fn pem_certificate_der(pem: &str) -> Option<Vec<u8>> {
    let body: String = pem
        .lines()
        .skip_while(|l| l.trim() != "-----BEGIN CERTIFICATE-----")
        .skip(1)
        .take_while(|l| l.trim() != "-----END CERTIFICATE-----")
        .map(str::trim)
        .collect();
    crate::bundle::decode_base64(&body).filter(|d| !d.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_string_extension_values() {
        assert_eq!(der_utf8_string(b"\x0c\x03abc").as_deref(), Some("abc"));
        assert_eq!(der_utf8_string(b"\x0c\x04abc"), None);
        assert_eq!(der_utf8_string(b"\x13\x03abc"), None);
        assert_eq!(der_utf8_string(b""), None);
    }

    /// A P-384 key signing a SHA-256 digest (sigstore-python's P-384 leaves do): made by `openssl`, checked by
    /// `verify` without a hash and by `verify_digest`.
    #[test]
    fn p384_keys_with_sha256_signatures_verify() {
        use std::process::Command;
        let dir = tempfile::tempdir().unwrap();
        let path = |n: &str| dir.path().join(n).to_string_lossy().into_owned();
        std::fs::write(path("msg"), b"signed with P-384 over SHA-256").unwrap();
        for args in [
            vec![
                "ecparam",
                "-name",
                "secp384r1",
                "-genkey",
                "-noout",
                "-out",
                &path("key.pem"),
            ],
            vec![
                "ec",
                "-in",
                &path("key.pem"),
                "-pubout",
                "-outform",
                "DER",
                "-out",
                &path("pub.der"),
            ],
            vec![
                "dgst",
                "-sha256",
                "-sign",
                &path("key.pem"),
                "-out",
                &path("sig"),
                &path("msg"),
            ],
        ] {
            let out = Command::new("openssl")
                .args(&args)
                .output()
                .unwrap_or_else(|e| panic!("cannot run openssl ({e}): run .ci/install-deps.sh"));
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let key = Key::from_spki_der(&std::fs::read(path("pub.der")).unwrap()).unwrap();
        let msg = std::fs::read(path("msg")).unwrap();
        let sig = std::fs::read(path("sig")).unwrap();
        assert!(key.verify(&msg, &sig, None));
        assert!(key.verify(&msg, &sig, Some(Hash::Sha256)));
        assert!(!key.verify(&msg, &sig, Some(Hash::Sha384)));
        let digest = crate::bundle::hash("sha256", &msg).unwrap();
        assert!(key.verify_digest(&digest, &sig));
        assert!(!key.verify(b"another message", &sig, None));
    }

    #[test]
    fn der_lengths_round_trip() {
        for n in [0usize, 1, 127, 128, 255, 256, 70_000] {
            let contents = vec![7u8; n];
            let wrapped = der_wrap(0x04, &contents);
            let (tag, whole, inner, rest) = der_element(&wrapped).unwrap();
            assert_eq!(
                (tag, whole.len(), inner, rest),
                (0x04, wrapped.len(), &contents[..], &[][..])
            );
        }
        assert!(tbs_without_extension(b"\x30\x05\x02\x01", OID_SCT_LIST_DER).is_none());
    }

    #[test]
    fn junk_certificates_and_keys_are_errors() {
        assert!(Cert::from_der(b"", "leaf").is_err());
        assert!(Cert::from_der(&[0x30, 0x03, 0x02, 0x01, 0x00], "leaf").is_err());
        assert!(Key::from_spki_der(b"\x30\x00").is_err());
        assert!(Key::from_spki_der(b"").is_err());
    }
}
