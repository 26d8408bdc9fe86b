//! Rekor entries in a bundle, verified offline: the signed entry timestamp (SET), the RFC 6962 inclusion proof and
//! its signed checkpoint, and the canonicalized body against the bundle's signature and artifact.

use serde_json::Value;

use super::KeylessError;
use super::root::{Log, TrustedRoot};
use crate::bundle::{Content, TransparencyLogEntry, decode_base64, hash, hex};

fn tlog_err(index: usize, what: impl Into<String>) -> KeylessError {
    KeylessError::Tlog {
        index,
        reason: what.into(),
    }
}

/// How an entry's inclusion in the log was proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proven {
    /// The signed entry timestamp verified (so `integratedTime` is the log's word).
    pub promise: bool,
    /// The Merkle inclusion proof and its checkpoint verified.
    pub proof: bool,
}

/// Verifies entry `index`: the log is in the root, every proof element present verifies, at least one is present.
pub(crate) fn verify_inclusion(
    index: usize,
    entry: &TransparencyLogEntry,
    root: &TrustedRoot,
) -> Result<Proven, KeylessError> {
    let log = root
        .tlogs
        .iter()
        .find(|l| l.log_id == entry.log_id.key_id.0)
        .ok_or_else(|| {
            tlog_err(
                index,
                format!(
                    "log {} is not a transparency log of the trusted root",
                    hex(&entry.log_id.key_id.0)
                ),
            )
        })?;
    let mut proven = Proven {
        promise: false,
        proof: false,
    };
    if let Some(promise) = &entry.inclusion_promise {
        if !log.valid_for.contains(entry.integrated_time.0) {
            return Err(tlog_err(
                index,
                "the integrated time is outside the log key's validity",
            ));
        }
        let set = set_payload(entry);
        if !log
            .key
            .verify(&set, &promise.signed_entry_timestamp.0, None)
        {
            return Err(tlog_err(
                index,
                "the signed entry timestamp does not verify with the log's key",
            ));
        }
        proven.promise = true;
    }
    if let Some(proof) = &entry.inclusion_proof {
        let checkpoint = proof
            .checkpoint
            .as_ref()
            .ok_or_else(|| tlog_err(index, "the inclusion proof has no checkpoint"))?;
        let (size, root_hash) = verify_checkpoint(&checkpoint.envelope, log)
            .map_err(|e| tlog_err(index, format!("checkpoint: {e}")))?;
        if size != proof.tree_size.0 || root_hash != proof.root_hash.0 {
            return Err(tlog_err(
                index,
                "the checkpoint's tree size or root hash differs from the inclusion proof's",
            ));
        }
        let leaf = leaf_hash(&entry.canonicalized_body.0);
        let hashes: Vec<&[u8]> = proof.hashes.iter().map(|h| h.0.as_slice()).collect();
        let computed = root_from_path(proof.log_index.0, proof.tree_size.0, &leaf, &hashes)
            .ok_or_else(|| tlog_err(index, "the inclusion proof has the wrong number of hashes"))?;
        if computed != proof.root_hash.0 {
            return Err(tlog_err(
                index,
                "the inclusion proof does not lead from the entry to the root hash",
            ));
        }
        proven.proof = true;
    }
    if !proven.promise && !proven.proof {
        return Err(tlog_err(
            index,
            "the entry has neither an inclusion promise nor an inclusion proof",
        ));
    }
    Ok(proven)
}

/// What the SET signs: canonical JSON (RFC 8785: sorted keys, no spaces) of body, integratedTime, logID, logIndex.
pub(crate) fn set_payload(entry: &TransparencyLogEntry) -> Vec<u8> {
    use base64::Engine as _;
    let body = base64::engine::general_purpose::STANDARD.encode(&entry.canonicalized_body.0);
    format!(
        "{{\"body\":{},\"integratedTime\":{},\"logID\":{},\"logIndex\":{}}}",
        serde_json::to_string(&body).unwrap_or_default(),
        entry.integrated_time.0,
        serde_json::to_string(&hex(&entry.log_id.key_id.0)).unwrap_or_default(),
        entry.log_index.0
    )
    .into_bytes()
}

/// RFC 6962 leaf hash.
pub(crate) fn leaf_hash(body: &[u8]) -> Vec<u8> {
    let mut input = Vec::with_capacity(body.len() + 1);
    input.push(0);
    input.extend_from_slice(body);
    hash("sha256", &input).unwrap_or_default()
}

fn node_hash(left: &[u8], right: &[u8]) -> Vec<u8> {
    let mut input = Vec::with_capacity(65);
    input.push(1);
    input.extend_from_slice(left);
    input.extend_from_slice(right);
    hash("sha256", &input).unwrap_or_default()
}

/// The root an audit path leads to (RFC 9162 §2.1.3.2); `None` when the path has the wrong length.
pub(crate) fn root_from_path(
    index: i64,
    size: i64,
    leaf: &[u8],
    path: &[&[u8]],
) -> Option<Vec<u8>> {
    if index < 0 || size <= index {
        return None;
    }
    let (mut f, mut s) = (index as u64, (size - 1) as u64);
    let mut r = leaf.to_vec();
    for p in path {
        if s == 0 {
            return None;
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    (s == 0).then_some(r)
}

/// Verifies a signed note with the log's key; returns (tree size, root hash).
fn verify_checkpoint(envelope: &str, log: &Log) -> Result<(i64, Vec<u8>), String> {
    let split = envelope
        .find("\n\n")
        .ok_or("no blank line between the note and its signatures")?;
    let note = &envelope[..=split];
    let signatures = &envelope[split + 2..];
    let mut lines = note.lines();
    let _origin = lines
        .next()
        .filter(|l| !l.is_empty())
        .ok_or("no origin line")?;
    let size: i64 = lines
        .next()
        .and_then(|l| l.parse().ok())
        .ok_or("the tree size is not a number")?;
    let root_hash = lines
        .next()
        .and_then(decode_base64)
        .filter(|h| h.len() == 32)
        .ok_or("the root hash is not a base64 SHA-256")?;
    let hint = log
        .log_id
        .get(..4)
        .ok_or("the log id is shorter than 4 bytes")?;
    let mut seen = 0;
    for line in signatures.lines() {
        let Some(rest) = line.strip_prefix("\u{2014} ") else {
            continue;
        };
        let Some((name, sig)) = rest.split_once(' ') else {
            continue;
        };
        seen += 1;
        let Some(sig) = decode_base64(sig).filter(|s| s.len() > 4) else {
            continue;
        };
        if &sig[..4] == hint
            && log.base_url.contains(name)
            && log.key.verify(note.as_bytes(), &sig[4..], None)
        {
            return Ok((size, root_hash));
        }
    }
    if seen == 0 {
        Err("no signature lines".into())
    } else {
        Err("no signature verifies with the log's key".into())
    }
}

/// What the bundle's content says, for comparison with a Rekor body.
pub(crate) struct Signed<'a> {
    pub content: Content<'a>,
    /// The signature bytes.
    pub signature: Vec<u8>,
    /// The signed artifact's SHA-256 (message signature) or the DSSE payload's SHA-256.
    pub digest_hex: String,
    /// Who the body must name as its verifier.
    pub verifier: Verifier<'a>,
}

/// The verifier a Rekor body names (base64 of a PEM).
pub(crate) enum Verifier<'a> {
    /// The leaf certificate (DER).
    Certificate(&'a [u8]),
    /// A public key.
    Key(&'a bulwark_signature::PublicKey),
}

impl Verifier<'_> {
    fn matches(&self, b64_pem: Option<String>) -> bool {
        let Some(pem) = b64_pem
            .and_then(|b| decode_base64(&b))
            .and_then(|pem| String::from_utf8(pem).ok())
        else {
            return false;
        };
        match self {
            Self::Certificate(der) => {
                super::x509::pem_certificate_der(&pem).is_some_and(|d| d == *der)
            }
            // Parsed under the expected key's name, equal means the same algorithm and key bytes.
            Self::Key(key) => {
                bulwark_signature::PublicKey::from_pem(&pem, &key.source).is_ok_and(|k| k == **key)
            }
        }
    }
}

/// The canonicalized body is about this bundle: same kind/version, same signature, same digest, same certificate
/// or key.
pub(crate) fn verify_body(
    index: usize,
    entry: &TransparencyLogEntry,
    signed: &Signed<'_>,
) -> Result<(), KeylessError> {
    let err = |what: &str| tlog_err(index, format!("canonicalizedBody: {what}"));
    let body: Value =
        serde_json::from_slice(&entry.canonicalized_body.0).map_err(|_| err("not JSON"))?;
    let text = |v: &Value, path: &[&str]| -> Option<String> {
        path.iter()
            .try_fold(v, |v, k| v.get(k))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let kind = text(&body, &["kind"]).unwrap_or_default();
    let version = text(&body, &["apiVersion"]).unwrap_or_default();
    if kind != entry.kind_version.kind || version != entry.kind_version.version {
        return Err(err(&format!(
            "kind/version {kind}/{version} differs from the entry's {}/{}",
            entry.kind_version.kind, entry.kind_version.version
        )));
    }
    let spec = body.get("spec").ok_or_else(|| err("no spec"))?;
    let same_cert = |b64_pem: Option<String>| signed.verifier.matches(b64_pem);
    match (kind.as_str(), version.as_str(), signed.content) {
        ("hashedrekord", "0.0.1", Content::MessageSignature(_)) => {
            let sig = text(spec, &["signature", "content"]).and_then(|s| decode_base64(&s));
            if sig.as_deref() != Some(signed.signature.as_slice()) {
                return Err(err("the signature differs from the bundle's"));
            }
            if text(spec, &["data", "hash", "algorithm"]).as_deref() != Some("sha256")
                || text(spec, &["data", "hash", "value"]).map(|h| h.to_ascii_lowercase())
                    != Some(signed.digest_hex.clone())
            {
                return Err(err("the artifact digest differs from the bundle's"));
            }
            if !same_cert(text(spec, &["signature", "publicKey", "content"])) {
                return Err(err("the entry is for another certificate or key"));
            }
        }
        ("dsse", "0.0.1", Content::Dsse(_)) => {
            let sigs = spec
                .get("signatures")
                .and_then(Value::as_array)
                .filter(|s| s.len() == 1)
                .ok_or_else(|| err("the entry does not hold exactly one signature"))?;
            let sig = text(&sigs[0], &["signature"]).and_then(|s| decode_base64(&s));
            if sig.as_deref() != Some(signed.signature.as_slice()) {
                return Err(err("the signature differs from the bundle's"));
            }
            if text(spec, &["payloadHash", "value"]).map(|h| h.to_ascii_lowercase())
                != Some(signed.digest_hex.clone())
            {
                return Err(err("the DSSE payload digest differs from the bundle's"));
            }
            if !same_cert(text(&sigs[0], &["verifier"])) {
                return Err(err("the entry is for another certificate or key"));
            }
        }
        ("intoto", "0.0.2", Content::Dsse(_)) => {
            let content = spec.get("content").ok_or_else(|| err("no spec.content"))?;
            let sigs = content
                .pointer("/envelope/signatures")
                .and_then(Value::as_array)
                .filter(|s| s.len() == 1)
                .ok_or_else(|| err("the entry does not hold exactly one signature"))?;
            // Rekor's intoto entries encode the signature twice in base64.
            let sig = text(&sigs[0], &["sig"])
                .and_then(|s| decode_base64(&s))
                .and_then(|s| String::from_utf8(s).ok())
                .and_then(|s| decode_base64(&s));
            if sig.as_deref() != Some(signed.signature.as_slice()) {
                return Err(err("the signature differs from the bundle's"));
            }
            if text(content, &["payloadHash", "value"]).map(|h| h.to_ascii_lowercase())
                != Some(signed.digest_hex.clone())
            {
                return Err(err("the DSSE payload digest differs from the bundle's"));
            }
            if !same_cert(text(&sigs[0], &["publicKey"])) {
                return Err(err("the entry is for another certificate or key"));
            }
        }
        (k, v, _) => {
            return Err(err(&format!(
                "entry type {k}/{v} is not supported for this content (hashedrekord 0.0.1 for message signatures, dsse 0.0.1 or intoto 0.0.2 for DSSE)"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6962 reference tree of 7 leaves (certificate-transparency-go `merkle_test` / RFC 9162 figure): the
    /// audit paths below are derived by hand from the tree's definition, independent of `root_from_path`.
    #[test]
    #[allow(clippy::many_single_char_names)] // the leaves a..g as in the RFC's figure
    fn inclusion_paths_of_a_seven_leaf_tree() {
        let leaves: Vec<Vec<u8>> = (0u8..7).map(|i| leaf_hash(&[i])).collect();
        let n = |a: &[u8], b: &[u8]| node_hash(a, b);
        let (a, b, c, d, e, f, g) = (
            &leaves[0], &leaves[1], &leaves[2], &leaves[3], &leaves[4], &leaves[5], &leaves[6],
        );
        let ab = n(a, b);
        let cd = n(c, d);
        let ef = n(e, f);
        let abcd = n(&ab, &cd);
        let efg = n(&ef, g);
        let root = n(&abcd, &efg);
        // leaf 0: b, cd, efg
        assert_eq!(root_from_path(0, 7, a, &[b, &cd, &efg]).unwrap(), root);
        // leaf 3: c, ab, efg
        assert_eq!(root_from_path(3, 7, d, &[c, &ab, &efg]).unwrap(), root);
        // leaf 4: f, g, abcd
        assert_eq!(root_from_path(4, 7, e, &[f, g, &abcd]).unwrap(), root);
        // leaf 6 (the lone right node): ef, abcd
        assert_eq!(root_from_path(6, 7, g, &[&ef, &abcd]).unwrap(), root);
        // wrong sibling, wrong index, wrong length
        assert_ne!(root_from_path(0, 7, a, &[c, &cd, &efg]).unwrap(), root);
        assert_ne!(root_from_path(1, 7, a, &[b, &cd, &efg]).unwrap(), root);
        assert!(root_from_path(0, 7, a, &[b, &cd]).is_none());
        assert!(root_from_path(0, 7, a, &[b, &cd, &efg, &root]).is_none());
        assert!(root_from_path(7, 7, a, &[]).is_none());
        // a one-leaf tree: the root is the leaf hash
        assert_eq!(root_from_path(0, 1, a, &[]).unwrap(), *a);
    }
}
