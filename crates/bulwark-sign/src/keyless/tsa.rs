//! RFC 3161 timestamps (`timestampVerificationData.rfc3161Timestamps`), verified offline against the root's
//! timestamp authorities: the CMS SignedData's signer (the authority's signing certificate, chained to its root,
//! with the time-stamping EKU) signed the attributes, whose message digest is that of the TSTInfo, whose message
//! imprint is the digest of the bundle's signature. The TSTInfo's `genTime` is then a signing time.

use super::KeylessError;
use super::root::TrustedRoot;
use super::x509::{Hash, der_element};
use crate::bundle::hash;

const OID_SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
const OID_TST_INFO: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x04,
];
const OID_CONTENT_TYPE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03];
const OID_MESSAGE_DIGEST: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04];
const OID_SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
const OID_SHA384: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02];
const OID_SHA512: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03];
const OID_ECDSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
const OID_ECDSA_SHA384: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03];
const OID_ECDSA_SHA512: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04];

fn err(index: usize, what: &str) -> KeylessError {
    KeylessError::Timestamp {
        index,
        reason: what.to_owned(),
    }
}

/// (tag, header + contents, contents) of one element.
type Child<'a> = (u8, &'a [u8], &'a [u8]);

/// The elements of a constructed DER value's contents.
fn children(mut contents: &[u8]) -> Option<Vec<Child<'_>>> {
    let mut out = Vec::new();
    while !contents.is_empty() {
        let (tag, whole, inner, rest) = der_element(contents)?;
        out.push((tag, whole, inner));
        contents = rest;
        if out.len() > 64 {
            return None;
        }
    }
    Some(out)
}

fn digest_of(oid: &[u8]) -> Option<(Hash, &'static str)> {
    match oid {
        OID_SHA256 | OID_ECDSA_SHA256 => Some((Hash::Sha256, "sha256")),
        OID_SHA384 | OID_ECDSA_SHA384 => Some((Hash::Sha384, "sha384")),
        OID_SHA512 | OID_ECDSA_SHA512 => Some((Hash::Sha512, "sha512")),
        _ => None,
    }
}

/// The OID of an AlgorithmIdentifier.
fn algorithm(alg_id: &[u8]) -> Option<&[u8]> {
    let (0x30, _, inner, _) = der_element(alg_id)? else {
        return None;
    };
    let (0x06, _, oid, _) = der_element(inner)? else {
        return None;
    };
    Some(oid)
}

/// What a timestamp token holds, before any signature check.
struct Token<'a> {
    tst_info: &'a [u8],
    gen_time: i64,
    imprint_alg: &'a [u8],
    imprint: &'a [u8],
    digest_alg: &'a [u8],
    signed_attrs: Vec<u8>,
    attrs_digest: &'a [u8],
    signature_alg: &'a [u8],
    signature: &'a [u8],
}

fn parse(der: &[u8]) -> Option<Token<'_>> {
    let (0x30, _, outer, _) = der_element(der)? else {
        return None;
    };
    let mut parts = children(outer)?;
    // A TimeStampResp (status, token) or the token (a ContentInfo) itself.
    if parts.first()?.0 == 0x30 {
        let (0x30, _, token) = *parts.get(1)? else {
            return None;
        };
        parts = children(token)?;
    }
    let [(0x06, _, content_type), (0xa0, _, explicit), ..] = parts[..] else {
        return None;
    };
    if content_type != OID_SIGNED_DATA {
        return None;
    }
    let (0x30, _, signed_data, _) = der_element(explicit)? else {
        return None;
    };
    let sd = children(signed_data)?;
    let (_, _, encap) = *sd.iter().find(|(t, _, _)| *t == 0x30)?;
    let (0x31, _, signer_infos) = *sd.last()? else {
        return None;
    };
    let encap = children(encap)?;
    let [(0x06, _, e_type), (0xa0, _, e_content)] = encap[..] else {
        return None;
    };
    if e_type != OID_TST_INFO {
        return None;
    }
    let (0x04, _, tst_info, _) = der_element(e_content)? else {
        return None;
    };
    let (0x30, _, tst, _) = der_element(tst_info)? else {
        return None;
    };
    let tst = children(tst)?;
    // version, policy, messageImprint, serialNumber, genTime, …
    let (0x30, _, imprint) = *tst.get(2)? else {
        return None;
    };
    let (0x18, _, gen_time) = *tst.get(4)? else {
        return None;
    };
    let imprint = children(imprint)?;
    let [(0x30, imprint_alg, _), (0x04, _, imprint)] = imprint[..] else {
        return None;
    };
    let gen_time = generalized_time(std::str::from_utf8(gen_time).ok()?)?;

    let (0x30, _, signer) = *children(signer_infos)?.first()? else {
        return None;
    };
    let si = children(signer)?;
    // version, sid, digestAlgorithm, [0] signedAttrs, signatureAlgorithm, signature, …
    let (0x30, digest_alg, _) = *si.get(2)? else {
        return None;
    };
    let (0xa0, attrs_whole, attrs) = *si.get(3)? else {
        return None;
    };
    let (0x30, signature_alg, _) = *si.get(4)? else {
        return None;
    };
    let (0x04, _, signature) = *si.get(5)? else {
        return None;
    };
    // The signature covers the attributes re-tagged as a SET.
    let mut signed_attrs = attrs_whole.to_vec();
    signed_attrs[0] = 0x31;
    let mut attrs_digest = None;
    let mut content_type_ok = false;
    for (tag, _, attr) in children(attrs)? {
        if tag != 0x30 {
            return None;
        }
        let attr = children(attr)?;
        let [(0x06, _, oid), (0x31, _, values)] = attr[..] else {
            return None;
        };
        let (vtag, _, value, _) = der_element(values)?;
        if oid == OID_MESSAGE_DIGEST && vtag == 0x04 {
            attrs_digest = Some(value);
        } else if oid == OID_CONTENT_TYPE && vtag == 0x06 {
            content_type_ok = value == OID_TST_INFO;
        }
    }
    if !content_type_ok {
        return None;
    }
    Some(Token {
        tst_info,
        gen_time,
        imprint_alg: algorithm(imprint_alg)?,
        imprint,
        digest_alg: algorithm(digest_alg)?,
        signed_attrs,
        attrs_digest: attrs_digest?,
        signature_alg: algorithm(signature_alg)?,
        signature,
    })
}

/// `YYYYMMDDHHMMSS[.fff]Z` → Unix seconds.
fn generalized_time(s: &str) -> Option<i64> {
    let (date, rest) = (s.get(..14)?, s.get(14..)?);
    if !date.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    bulwark_types::time::parse_rfc3339(&format!(
        "{}-{}-{}T{}:{}:{}{rest}",
        &date[..4],
        &date[4..6],
        &date[6..8],
        &date[8..10],
        &date[10..12],
        &date[12..14]
    ))
}

/// Verifies timestamp `index` over the bundle's `signature`; returns its time (Unix seconds).
pub(crate) fn verify(
    index: usize,
    der: &[u8],
    signature: &[u8],
    root: &TrustedRoot,
) -> Result<i64, KeylessError> {
    let token = parse(der)
        .ok_or_else(|| err(index, "not an RFC 3161 timestamp token this verifier reads"))?;
    let (_, imprint_name) = digest_of(token.imprint_alg)
        .ok_or_else(|| err(index, "the message imprint's hash algorithm is not SHA-2"))?;
    if hash(imprint_name, signature).as_deref() != Some(token.imprint) {
        return Err(err(
            index,
            "the message imprint is not the digest of the bundle's signature",
        ));
    }
    let (_, digest_name) = digest_of(token.digest_alg)
        .ok_or_else(|| err(index, "the signer's digest algorithm is not SHA-2"))?;
    if hash(digest_name, token.tst_info).as_deref() != Some(token.attrs_digest) {
        return Err(err(
            index,
            "the signed messageDigest is not the digest of the TSTInfo",
        ));
    }
    let sig_hash = digest_of(token.signature_alg)
        .or_else(|| digest_of(token.digest_alg))
        .map(|(h, _)| h);
    let t = token.gen_time;
    let authority = root
        .timestamp_authorities
        .iter()
        .filter(|a| a.valid_for.contains(t))
        .find(|a| {
            let chain = &a.chain;
            chain[0]
                .key()
                .is_ok_and(|k| k.verify(&token.signed_attrs, token.signature, sig_hash))
                && chain[0].has_time_stamping_eku()
                && chain.windows(2).all(|w| w[0].issued_by(&w[1]))
                && chain.iter().all(|c| c.valid_at(t))
        });
    if authority.is_none() {
        return Err(err(
            index,
            "no timestamp authority of the trusted root valid at its time signed it",
        ));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generalized_times() {
        assert_eq!(generalized_time("20210307032029Z"), Some(1_615_087_229));
        assert_eq!(generalized_time("20210307032029.123Z"), Some(1_615_087_229));
        assert_eq!(generalized_time("2021030703202Z"), None);
        assert_eq!(generalized_time(""), None);
    }

    #[test]
    fn junk_tokens_do_not_parse() {
        assert!(parse(b"").is_none());
        assert!(parse(b"\x30\x00").is_none());
        assert!(parse(b"\x30\x03\x02\x01\x00").is_none());
    }
}
