//! SBOM attestations from the registry as an inventory feed: an image's CycloneDX or SPDX attestation (cosign's
//! `.att` tag or a Sigstore bundle referrer, as `bulwark attest --type cyclonedx|spdx` and `cosign attest`
//! write them) is read, **verified**, and its predicate (the SBOM itself, unchanged by cosign) stored as the
//! digest's SBOM.
//!
//! Fails closed: an envelope or bundle that does not verify with one of the trusted keys (or the keyless
//! identity), a statement of another predicate type, or one whose subject does not name the image's digest is
//! set aside with its reason, and when nothing is left the image gets no SBOM and [`AttestError::Refused`] lists
//! every reason. Of several verified SBOMs the newest (CycloneDX `metadata.timestamp`, SPDX
//! `creationInfo.created`) wins; CycloneDX is preferred over SPDX when both are given and verify.
//!
//! The parsing is bulwark-sign's (DSSE, in-toto, Sigstore bundles, the registry layouts) and bulwark-sbom's
//! (the SBOM, in [`crate::ingest_sbom`]); [`statement_from_envelope`] is the per-layer check, fuzzed as
//! `inventory_attest`.

use std::sync::Arc;

use bulwark_registry::{PushOptions, Reference};
use bulwark_sign::bundle::{Artifact, Bundle};
use bulwark_sign::dsse::Envelope;
use bulwark_sign::intoto::Statement;
use bulwark_sign::keyless::{self, Identity, TrustedRoot};
use bulwark_sign::oci::{self, Target};
use bulwark_sign::predicate::PredicateKind;
use bulwark_signature::PublicKey;
use bulwark_store::Store;

use crate::Ingested;

/// Who must have signed the attestation.
#[derive(Debug, Clone)]
pub enum SbomTrust {
    /// Any of these public keys (`--verify-key`, repeatable): both layouts.
    Keys(Vec<PublicKey>),
    /// A Fulcio certificate for `identity` chained to `root` and logged in its Rekor: Sigstore bundle
    /// referrers only (as `bulwark verify --trusted-root`).
    Keyless {
        root: Arc<TrustedRoot>,
        identity: Identity,
    },
}

impl SbomTrust {
    /// What a diagnostic names: the key files, or the identity.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::Keys(keys) => keys
                .iter()
                .map(|k| k.source.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            Self::Keyless { identity, .. } => format!(
                "keyless identity {} from {}",
                identity.subject, identity.issuer
            ),
        }
    }
}

/// The SBOM predicate types read by default, in order of preference.
pub const SBOM_KINDS: [PredicateKind; 2] = [PredicateKind::CycloneDx, PredicateKind::Spdx];

/// A verified SBOM attestation.
#[derive(Debug, Clone)]
pub struct AttestedSbom {
    /// The image's manifest digest, named by the statement's subject.
    pub digest: String,
    /// `cyclonedx` or `spdx`.
    pub kind: &'static str,
    /// `tag` (`sha256-<hex>.att`) or `referrer` (a Sigstore bundle).
    pub layout: &'static str,
    /// The tag, or the referrer manifest's digest.
    pub location: String,
    /// The predicate: the SBOM document, as JSON bytes.
    pub sbom: Vec<u8>,
    /// What was set aside on the way (another key's attestation, a statement for another digest).
    pub set_aside: Vec<String>,
}

/// What [`pull_sbom`] stored.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Pulled {
    pub image: String,
    #[serde(flatten)]
    pub ingested: Ingested,
    pub kind: &'static str,
    pub layout: &'static str,
    pub location: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub set_aside: Vec<String>,
}

/// Why an image got no SBOM from its attestations.
#[derive(Debug, thiserror::Error)]
pub enum AttestError {
    /// Nothing verified: every reason, the set-aside attestations included. The image is not ingested.
    #[error("no verified SBOM attestation for {image}@{digest} (trusted: {trusted}):\n  {}", reasons.join("\n  "))]
    Refused {
        image: String,
        digest: String,
        trusted: String,
        reasons: Vec<String>,
    },
    #[error("invalid image reference {image}: {reason}")]
    Reference { image: String, reason: String },
    /// The registry serves another manifest than the digest asked for.
    #[error("{image}: the registry resolved it to {served}, not {wanted}")]
    DigestMismatch {
        image: String,
        wanted: String,
        served: String,
    },
    /// The registry could not be read (unreachable, unauthorised, a malformed `.att` manifest).
    #[error(transparent)]
    Registry(#[from] oci::OciError),
    /// The verified SBOM could not be stored (it does not parse as an SBOM, or the store failed).
    #[error("{image}: {source}")]
    Ingest {
        image: String,
        #[source]
        source: Box<crate::Error>,
    },
}

impl AttestError {
    /// A refusal (nothing verified), as opposed to a registry or store failure.
    #[must_use]
    pub fn is_refusal(&self) -> bool {
        matches!(self, Self::Refused { .. } | Self::DigestMismatch { .. })
    }
}

/// The statement in a DSSE envelope from a `.att` layer, if it verifies with one of `keys`, is of
/// `predicate_type` and names `digest` in its subject; else why not. Pure: fuzzed as `inventory_attest`.
pub fn statement_from_envelope(
    envelope: &[u8],
    keys: &[PublicKey],
    predicate_type: &str,
    digest: &str,
) -> Result<Statement, String> {
    let env = Envelope::from_json(envelope).map_err(|e| e.to_string())?;
    let mut why = Vec::new();
    let mut verified = None;
    for key in keys {
        match env.verify_statement(key) {
            Ok(st) => {
                verified = Some(st);
                break;
            }
            Err(e) => why.push(format!("{}: {e}", key.source)),
        }
    }
    let Some(st) = verified else {
        return Err(if why.is_empty() {
            "no key to verify with".to_owned()
        } else {
            why.join("; ")
        });
    };
    accept(st, predicate_type, digest)
}

/// The type and subject checks every verified statement goes through.
fn accept(st: Statement, predicate_type: &str, digest: &str) -> Result<Statement, String> {
    st.check_predicate_type(predicate_type)
        .map_err(|e| e.to_string())?;
    st.check_subject(digest).map_err(|e| e.to_string())?;
    Ok(st)
}

/// The statement in a Sigstore bundle referrer, as [`statement_from_envelope`].
fn statement_from_bundle(
    bundle: &[u8],
    trust: &SbomTrust,
    predicate_type: &str,
    digest: &str,
) -> Result<Statement, String> {
    let parsed = Bundle::from_json(bundle).map_err(|e| e.to_string())?;
    let artifact = Artifact::from_oci_digest(digest)
        .ok_or_else(|| format!("the digest {digest} is not <algorithm>:<hex>"))?;
    let payload = match trust {
        SbomTrust::Keys(keys) => {
            let mut why = Vec::new();
            let mut payload = None;
            for key in keys {
                match parsed.verify_with_key(key, artifact) {
                    Ok(v) => {
                        payload = Some(v.payload);
                        break;
                    }
                    Err(e) => why.push(format!("{}: {e}", key.source)),
                }
            }
            payload.ok_or_else(|| why.join("; "))?
        }
        SbomTrust::Keyless { root, identity } => keyless::verify(&parsed, root, identity, artifact)
            .map(|v| v.payload)
            .map_err(|e| e.to_string())?,
    };
    let st = Statement::parse(&payload).map_err(|e| e.to_string())?;
    accept(st, predicate_type, digest)
}

/// The SBOM's own time, to choose the newest of several.
fn sbom_time(kind: PredicateKind, st: &Statement) -> Option<i64> {
    let t = match kind {
        PredicateKind::CycloneDx => st.predicate["metadata"]["timestamp"].as_str(),
        PredicateKind::Spdx => st.predicate["creationInfo"]["created"].as_str(),
        _ => None,
    };
    t.and_then(bulwark_types::time::parse_rfc3339)
}

/// Reads the image's attestations of `kinds` (both layouts), verifies them with `trust`, and returns the SBOM
/// of the newest one that verifies and names `target`'s digest (the first kind in `kinds` that has one).
pub fn fetch_sbom(
    registry: &mut oci::Store,
    target: &Target,
    trust: &SbomTrust,
    kinds: &[PredicateKind],
) -> Result<AttestedSbom, AttestError> {
    const KEYLESS_TAGS: &str = "a keyless attestation in cosign's tag layout is not read; keyless attestations are verified as Sigstore bundle referrers";
    let digest = target.digest.to_string();
    let image = format!(
        "{}/{}",
        target.reference.registry, target.reference.repository
    );
    let mut reasons: Vec<String> = Vec::new();
    let mut looked = 0usize;
    for &kind in kinds {
        let want = kind.predicate_type();
        let mut best: Option<(Option<i64>, &'static str, String, Statement)> = None;
        let mut consider = |time: Option<i64>, layout, location: String, st: Statement| {
            if best.as_ref().is_none_or(|(t, ..)| time > *t) {
                best = Some((time, layout, location, st));
            }
        };
        let att_tag = target.attestation_tag();
        for (i, l) in registry
            .read_attestations_of(target, want)?
            .iter()
            .enumerate()
        {
            looked += 1;
            let checked = match trust {
                SbomTrust::Keys(keys) => statement_from_envelope(&l.payload, keys, want, &digest),
                SbomTrust::Keyless { .. } => Err(KEYLESS_TAGS.to_owned()),
            };
            match checked {
                Ok(st) => consider(sbom_time(kind, &st), "tag", att_tag.clone(), st),
                Err(e) => reasons.push(format!("{att_tag} layer {i}: {e}")),
            }
        }
        let scan = registry.scan_bundle_referrers_of(target, &|t| t.is_none_or(|t| t == want))?;
        for r in &scan.rejected {
            reasons.push(format!("unreadable referrer: {r}"));
        }
        for r in &scan.bundles {
            looked += 1;
            match statement_from_bundle(&r.bundle, trust, want, &digest) {
                Ok(st) => consider(
                    sbom_time(kind, &st),
                    "referrer",
                    r.manifest_digest.clone(),
                    st,
                ),
                // A referrer of another type read because it named none is not a reason.
                Err(e) if r.predicate_type.is_none() && e.contains("predicateType") => {}
                Err(e) => reasons.push(format!("referrer {}: {e}", r.manifest_digest)),
            }
        }
        if let Some((_, layout, location, st)) = best {
            let sbom = serde_json::to_vec(&st.predicate).map_err(|e| AttestError::Refused {
                image: image.clone(),
                digest: digest.clone(),
                trusted: trust.describe(),
                reasons: vec![format!("{layout} {location}: {e}")],
            })?;
            return Ok(AttestedSbom {
                digest,
                kind: kind.name(),
                layout,
                location,
                sbom,
                set_aside: reasons,
            });
        }
    }
    if looked == 0 {
        let types: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
        reasons.insert(
            0,
            format!(
                "no {} attestation: neither the tag {} nor a Sigstore bundle referrer holds one",
                types.join(" or "),
                target.attestation_tag()
            ),
        );
    }
    Err(AttestError::Refused {
        image,
        digest,
        trusted: trust.describe(),
        reasons,
    })
}

/// `image` as the registry reference to read: `digest` (when given) replaces its tag and digest.
pub fn reference(image: &str, digest: Option<&str>) -> Result<Reference, AttestError> {
    let bad = |reason: String| AttestError::Reference {
        image: image.to_owned(),
        reason,
    };
    let mut r: Reference = image.parse().map_err(|e| bad(format!("{e}")))?;
    if let Some(d) = digest {
        if !bulwark_store::valid_digest(d) {
            return Err(bad(format!("{d} is not a sha256 digest")));
        }
        r.digest = Some(d.to_owned());
        r.tag = None;
    }
    Ok(r)
}

/// Connects to `reference`'s registry, fetches and verifies its SBOM attestation ([`fetch_sbom`]) and stores
/// the SBOM for the digest with [`crate::ingest_sbom`]. A reference with a digest must resolve to that digest.
pub fn pull_sbom(
    store: &Store,
    reference: &Reference,
    options: &PushOptions,
    trust: &SbomTrust,
    kinds: &[PredicateKind],
    now: i64,
) -> Result<Pulled, AttestError> {
    let image = reference.to_string();
    let mut registry = oci::Store::connect(reference, options)?;
    let target = registry.resolve(reference)?;
    let served = target.digest.to_string();
    if let Some(wanted) = &reference.digest
        && *wanted != served
    {
        return Err(AttestError::DigestMismatch {
            image,
            wanted: wanted.clone(),
            served,
        });
    }
    let got = fetch_sbom(&mut registry, &target, trust, kinds)?;
    let repo = format!("{}/{}", reference.registry, reference.repository);
    let mut refs = vec![format!("{repo}@{served}")];
    if let Some(tag) = &reference.tag {
        refs.push(format!("{repo}:{tag}"));
    }
    let source = format!(
        "{} attestation of {image} ({} {})",
        got.kind, got.layout, got.location
    );
    let ingested =
        crate::ingest_sbom(store, &got.digest, &refs, &got.sbom, &source, now).map_err(|e| {
            AttestError::Ingest {
                image: image.clone(),
                source: Box::new(e),
            }
        })?;
    Ok(Pulled {
        image,
        ingested,
        kind: got.kind,
        layout: got.layout,
        location: got.location,
        set_aside: got.set_aside,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulwark_signature::{KeyKind, PrivateKey};

    const D: &str = "sha256:a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";

    fn signed(key: &PrivateKey, digest: &str, kind: PredicateKind) -> Vec<u8> {
        let st = Statement::new(
            "r.example/app",
            digest,
            kind.predicate_type(),
            serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": []}),
        )
        .unwrap();
        Envelope::sign_statement(&st, key, "").unwrap().to_json()
    }

    #[test]
    fn an_envelope_must_verify_be_of_the_type_and_name_the_digest() {
        let key = PrivateKey::generate(KeyKind::EcdsaP256).unwrap();
        let other = PrivateKey::generate(KeyKind::EcdsaP256).unwrap();
        let keys = [key.public_key()];
        let cdx = PredicateKind::CycloneDx.predicate_type();
        let good = signed(&key, D, PredicateKind::CycloneDx);
        let st = statement_from_envelope(&good, &keys, cdx, D).unwrap();
        assert_eq!(st.predicate["bomFormat"], "CycloneDX");
        // Another key among several trusted ones still verifies.
        let both = [other.public_key(), key.public_key()];
        assert!(statement_from_envelope(&good, &both, cdx, D).is_ok());

        let by_other = signed(&other, D, PredicateKind::CycloneDx);
        assert!(statement_from_envelope(&by_other, &keys, cdx, D).is_err());
        let e = statement_from_envelope(&good, &keys, cdx, &D.replace("a1", "b2")).unwrap_err();
        assert!(e.contains("no subject"), "{e}");
        let e = statement_from_envelope(&good, &keys, PredicateKind::Spdx.predicate_type(), D)
            .unwrap_err();
        assert!(e.contains("predicateType"), "{e}");
        assert!(statement_from_envelope(b"{", &keys, cdx, D).is_err());
        assert!(statement_from_envelope(&good, &[], cdx, D).is_err());
    }

    #[test]
    fn a_reference_takes_the_digest() {
        let r = reference("127.0.0.1:5000/app:1", Some(D)).unwrap();
        assert_eq!(r.to_string(), format!("127.0.0.1:5000/app@{D}"));
        assert!(reference("127.0.0.1:5000/app:1", Some("sha256:xyz")).is_err());
        assert!(reference("docker.io/Library/nginx", None).is_err());
    }
}
