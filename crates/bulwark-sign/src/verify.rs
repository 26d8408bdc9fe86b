//! Verification of an image: its signatures and attestations in both layouts (cosign's `.sig`/`.att` tags and
//! OCI 1.1 Sigstore bundle referrers), checked with a public key, then the attestation's content against
//! [`Requirements`] (predicate type, age, verdict, DB age, bundle). `bulwark verify` and the admission webhook
//! call [`verify`]; the webhook puts a [`crate::cache::VerdictCache`] in front of it.
//!
//! Fails closed: anything that cannot be read or does not verify is a reason, never a pass. A signature found in
//! either layout is enough; an attestation must be of the required type, verify, name the image's digest in its
//! subject and satisfy every requirement.

use std::time::Duration;

use bulwark_signature::PublicKey;
use serde::Serialize;

use crate::bundle::{self, Artifact, Bundle};
use crate::dsse::Envelope;
use crate::intoto::Statement;
use crate::keyless::{self, Identity, TrustedRoot};
use crate::oci::{OciError, Store, Target};
use crate::predicate::{self, Decision, VerdictPredicate, VulnPredicate};
use crate::simplesigning::SimpleSigning;

/// What the attestation must say.
#[derive(Debug, Clone, Default)]
pub struct Requirements {
    /// An attestation of this predicate type must verify (`None`: signatures only).
    pub predicate_type: Option<String>,
    /// The attestation must be at most this old (its time: the verdict's `time`, the vuln predicate's
    /// `scanFinishedOn`).
    pub max_age: Option<Duration>,
    /// The verdict's vulnerability DB must have been built at most this long before the attestation's time.
    pub max_db_age: Option<Duration>,
    /// The verdict's policy bundle must have this name.
    pub bundle_name: Option<String>,
    /// The verdict's policy bundle version must be at least this (SemVer order).
    pub min_bundle_version: Option<String>,
    /// Read both layouts even when the tag layout already satisfies the requirements (`bulwark verify` does,
    /// to print everything; the admission webhook does not, to answer sooner).
    pub exhaustive: bool,
}

/// Where a signature or attestation was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Found {
    /// `tag` (cosign's `.sig`/`.att`) or `referrer` (an OCI 1.1 Sigstore bundle).
    pub layout: &'static str,
    /// The tag, or the referrer manifest's digest.
    pub location: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predicate_type: Option<String>,
    /// The attestation's time (RFC 3339), when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
}

/// What verified.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verified {
    pub image: String,
    pub digest: String,
    pub key: String,
    pub signatures: Vec<Found>,
    pub attestations: Vec<Found>,
    /// The newest verified verdict attestation's predicate, when one was required.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<VerdictPredicate>,
    /// What was found and set aside (a signature by another key, a stale attestation next to a fresh one).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Why an image is refused (exit 1), or why it could not be checked (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("verification failed for {image}@{digest}:\n  {}", reasons.join("\n  "))]
    Failed {
        image: String,
        digest: String,
        reasons: Vec<String>,
    },
    #[error(transparent)]
    Registry(#[from] OciError),
}

/// Who must have signed.
pub enum Trust<'a> {
    /// A public key (`cosign verify --key`): both layouts.
    Key(&'a PublicKey),
    /// Keyless: a Fulcio certificate for `identity`, chained to `root`, logged in its Rekor (`cosign verify
    /// --certificate-identity … --certificate-oidc-issuer …` with a trusted root). Sigstore bundle referrers only:
    /// cosign v2's keyless tag layout (certificate and Rekor bundle in annotations) is not read.
    Keyless {
        root: &'a TrustedRoot,
        identity: &'a Identity,
    },
}

impl Trust<'_> {
    fn describe(&self) -> String {
        match self {
            Trust::Key(k) => k.source.clone(),
            Trust::Keyless { identity, .. } => format!(
                "keyless identity {} from {}",
                identity.subject, identity.issuer
            ),
        }
    }
}

/// Verifies the image `target` (read through `store`) with `key` against `req`, at `now` (Unix seconds).
pub fn verify(
    store: &mut Store,
    target: &Target,
    key: &PublicKey,
    req: &Requirements,
    now: i64,
) -> Result<Verified, VerifyError> {
    verify_with(store, target, &Trust::Key(key), req, now)
}

/// [`verify`] with a key or a keyless identity.
pub fn verify_with(
    store: &mut Store,
    target: &Target,
    trust: &Trust<'_>,
    req: &Requirements,
    now: i64,
) -> Result<Verified, VerifyError> {
    const KEYLESS_TAGS: &str = "a keyless signature in cosign's tag layout is not read; keyless signatures are verified as Sigstore bundle referrers";
    let digest = target.digest.to_string();
    let image = format!(
        "{}/{}",
        target.reference.registry, target.reference.repository
    );
    let mut reasons = Vec::new();
    let mut notes = Vec::new();
    let mut signatures = Vec::new();

    // Signatures, tag layout.
    let sig_tag = target.signature_tag();
    let layers = store.read_signatures(target)?;
    for (i, l) in layers.iter().enumerate() {
        let checked = match trust {
            Trust::Key(key) => key
                .verify(&l.payload, l.signature.as_bytes(), "signature")
                .map_err(|e| e.reason),
            Trust::Keyless { .. } => Err(KEYLESS_TAGS.to_owned()),
        }
        .and_then(|()| {
            SimpleSigning::parse_for(&l.payload, &digest)
                .map(|_| ())
                .map_err(|e| e.to_string())
        });
        match checked {
            Ok(()) => signatures.push(Found {
                layout: "tag",
                location: sig_tag.clone(),
                predicate_type: None,
                time: None,
            }),
            Err(e) => notes.push(format!("{sig_tag} layer {i}: {e}")),
        }
    }

    // Attestations, tag layout.
    let mut attestations: Vec<(Found, Statement)> = Vec::new();
    if let Some(want) = &req.predicate_type {
        let att_tag = target.attestation_tag();
        for (i, l) in store.read_attestations_of(target, want)?.iter().enumerate() {
            let checked = Envelope::from_json(&l.payload)
                .map_err(|e| e.to_string())
                .and_then(|env| match trust {
                    Trust::Key(key) => env.verify_statement(key).map_err(|e| e.to_string()),
                    Trust::Keyless { .. } => Err(KEYLESS_TAGS.to_owned()),
                });
            match checked {
                Ok(st) => attestations.push((
                    Found {
                        layout: "tag",
                        location: att_tag.clone(),
                        predicate_type: Some(st.predicate_type.clone()),
                        time: None,
                    },
                    st,
                )),
                Err(e) => notes.push(format!("{att_tag} layer {i}: {e}")),
            }
        }
    }
    let judge = |attestations: &mut [(Found, Statement)]| {
        req.predicate_type
            .as_deref()
            .map(|want| judge_attestations(attestations, want, &digest, req, now))
    };
    let mut judged = judge(&mut attestations);

    // Referrers: image signatures (cosign v3) and attestations.
    // Only the bundles verification can use are downloaded: image signatures and the required attestation type.
    let wanted = |t: Option<&str>| {
        t.is_none_or(|t| {
            t == bundle::COSIGN_SIGN_PREDICATE_TYPE || req.predicate_type.as_deref() == Some(t)
        })
    };
    // The tag layout is enough when it holds a good signature and the required attestation; the referrers are
    // read otherwise, or when `exhaustive` asks for everything.
    let satisfied = !signatures.is_empty() && !matches!(judged, Some(Err(_)));
    let scan = if satisfied && !req.exhaustive {
        crate::oci::BundleScan::default()
    } else {
        store.scan_bundle_referrers_of(target, &wanted)?
    };
    for r in &scan.rejected {
        notes.push(format!("unreadable referrer: {r}"));
    }
    let artifact = Artifact::from_oci_digest(&digest);
    for r in &scan.bundles {
        let parsed = match Bundle::from_json(&r.bundle) {
            Ok(b) => b,
            Err(e) => {
                notes.push(format!("referrer {}: {e}", r.manifest_digest));
                continue;
            }
        };
        let is_sign = r.predicate_type.as_deref() == Some(bundle::COSIGN_SIGN_PREDICATE_TYPE);
        if is_sign {
            let checked = match trust {
                Trust::Key(key) => parsed
                    .verify_image_signature(key, &digest)
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
                Trust::Keyless { root, identity } => match artifact {
                    None => Err("the digest is not <algorithm>:<hex>".to_owned()),
                    Some(a) => keyless::verify(&parsed, root, identity, a)
                        .map_err(|e| e.to_string())
                        .and_then(|v| {
                            let t = v.statement.as_ref().map(|s| s.predicate_type.as_str());
                            if t == Some(bundle::COSIGN_SIGN_PREDICATE_TYPE) {
                                Ok(())
                            } else {
                                Err(format!(
                                    "the statement's predicateType is {t:?}, not an image signature"
                                ))
                            }
                        }),
                },
            };
            match checked {
                Ok(()) => signatures.push(Found {
                    layout: "referrer",
                    location: r.manifest_digest.clone(),
                    predicate_type: r.predicate_type.clone(),
                    time: None,
                }),
                Err(e) => notes.push(format!("referrer {}: {e}", r.manifest_digest)),
            }
            continue;
        }
        let Some(artifact) = artifact else { continue };
        let payload = match trust {
            Trust::Key(key) => parsed
                .verify_with_key(key, artifact)
                .map(|v| v.payload)
                .map_err(|e| e.to_string()),
            Trust::Keyless { root, identity } => keyless::verify(&parsed, root, identity, artifact)
                .map(|v| v.payload)
                .map_err(|e| e.to_string()),
        };
        match payload {
            Ok(payload) => match Statement::parse(&payload) {
                Ok(st) => attestations.push((
                    Found {
                        layout: "referrer",
                        location: r.manifest_digest.clone(),
                        predicate_type: Some(st.predicate_type.clone()),
                        time: None,
                    },
                    st,
                )),
                Err(e) => notes.push(format!("referrer {}: {e}", r.manifest_digest)),
            },
            Err(e) => notes.push(format!("referrer {}: {e}", r.manifest_digest)),
        }
    }
    if !scan.bundles.is_empty() {
        judged = judge(&mut attestations);
    }
    if signatures.is_empty() {
        reasons.push(if layers.is_empty() && scan.bundles.is_empty() {
            format!("no signature: neither the tag {sig_tag} nor a Sigstore bundle referrer exists")
        } else {
            format!("no signature verifies with {}", trust.describe())
        });
    }

    let mut verdict = None;
    match judged {
        Some(Ok(v)) => verdict = v,
        Some(Err(reason)) => reasons.push(reason),
        None => {}
    }

    if !reasons.is_empty() {
        reasons.extend(notes.into_iter().map(|n| format!("(set aside) {n}")));
        return Err(VerifyError::Failed {
            image,
            digest,
            reasons,
        });
    }
    Ok(Verified {
        image,
        digest,
        key: trust.describe(),
        signatures,
        attestations: attestations
            .into_iter()
            .filter(|(f, _)| f.predicate_type.as_deref() == req.predicate_type.as_deref())
            .map(|(f, _)| f)
            .collect(),
        verdict,
        notes,
    })
}

/// Takes the newest verified attestation of type `want` that names `digest` and checks it against `req`: `Ok`
/// with the verdict predicate for a verdict attestation (`None` for other types), or the reason it fails.
fn judge_attestations(
    attestations: &mut [(Found, Statement)],
    want: &str,
    digest: &str,
    req: &Requirements,
    now: i64,
) -> Result<Option<VerdictPredicate>, String> {
    let mut why: Vec<String> = Vec::new();
    // The newest attestation about this digest decides: a later `fail` verdict is not outvoted by an older pass.
    let mut newest: Option<(i64, String, Option<i64>, Option<VerdictPredicate>)> = None;
    let mut any_of_type = false;
    for (found, st) in attestations.iter_mut() {
        if st.predicate_type != want {
            continue;
        }
        any_of_type = true;
        let at = format!("{} {}", found.layout, found.location);
        if let Err(e) = st.check_subject(digest) {
            why.push(format!("{at}: {e}"));
            continue;
        }
        let (time, verdict) = match content(st) {
            Ok(c) => c,
            Err(e) => {
                why.push(format!("{at}: {e}"));
                continue;
            }
        };
        found.time = time.map(rfc3339);
        let t = time.unwrap_or(i64::MIN);
        if newest.as_ref().is_none_or(|(nt, ..)| t > *nt) {
            newest = Some((t, at, time, verdict));
        }
    }
    match newest {
        Some((_, at, time, verdict)) => match check(req, time, verdict.as_ref(), now) {
            Ok(()) => Ok(verdict),
            Err(e) => Err(format!("{at}: {e}")),
        },
        None if !any_of_type => Err(format!(
            "no verified attestation of type {want} (looked at the .att tag and the referrers)"
        )),
        None => Err(why.join("; ")),
    }
}

/// The attestation's time and, for a verdict, its predicate.
fn content(st: &Statement) -> Result<(Option<i64>, Option<VerdictPredicate>), String> {
    match st.predicate_type.as_str() {
        predicate::VERDICT_V1 => {
            let v = VerdictPredicate::from_statement(st).map_err(|e| e.to_string())?;
            Ok((v.time_unix(), Some(v)))
        }
        predicate::VULN_V1 => {
            let v = VulnPredicate::from_value(&st.predicate).map_err(|e| e.to_string())?;
            Ok((
                bulwark_types::time::parse_rfc3339(&v.metadata.scan_finished_on),
                None,
            ))
        }
        predicate::CYCLONEDX => Ok((
            st.predicate["metadata"]["timestamp"]
                .as_str()
                .and_then(bulwark_types::time::parse_rfc3339),
            None,
        )),
        predicate::SPDX => Ok((
            st.predicate["creationInfo"]["created"]
                .as_str()
                .and_then(bulwark_types::time::parse_rfc3339),
            None,
        )),
        _ => Ok((None, None)),
    }
}

fn age(d: Duration) -> String {
    let s = d.as_secs();
    if s.is_multiple_of(86_400) {
        format!("{}d", s / 86_400)
    } else if s.is_multiple_of(3600) {
        format!("{}h", s / 3600)
    } else {
        format!("{s}s")
    }
}

fn check(
    req: &Requirements,
    time: Option<i64>,
    verdict: Option<&VerdictPredicate>,
    now: i64,
) -> Result<(), String> {
    if let Some(max) = req.max_age {
        let Some(t) = time else {
            return Err("the attestation has no time, so --max-age cannot be met".into());
        };
        let old = now.saturating_sub(t);
        if old > i64::try_from(max.as_secs()).unwrap_or(i64::MAX) {
            return Err(format!(
                "made at {}, older than --max-age {}",
                rfc3339(t),
                age(max)
            ));
        }
    }
    let Some(v) = verdict else {
        return Ok(());
    };
    if v.verdict.decision == Decision::Fail {
        let rules: Vec<&str> = v
            .verdict
            .rules
            .iter()
            .filter(|r| r.action == "fail")
            .map(|r| r.rule.as_str())
            .collect();
        return Err(format!(
            "the attested verdict is fail (policy {}, rules: {})",
            v.bundle.name,
            rules.join(", ")
        ));
    }
    if let Some(max) = req.max_db_age {
        let Some(built) = v.db_built_unix() else {
            return Err(
                "the verdict names no vulnerability DB, so the DB age cannot be met".into(),
            );
        };
        let at = v.time_unix().unwrap_or(now);
        if at.saturating_sub(built) > i64::try_from(max.as_secs()).unwrap_or(i64::MAX) {
            return Err(format!(
                "the DB was built at {}, more than {} before the scan",
                rfc3339(built),
                age(max)
            ));
        }
    }
    if let Some(name) = &req.bundle_name
        && &v.bundle.name != name
    {
        return Err(format!(
            "the verdict is from policy bundle {:?}, not {name:?}",
            v.bundle.name
        ));
    }
    if let Some(min) = &req.min_bundle_version {
        let have = v.bundle.version.as_deref().unwrap_or("");
        let ok = bulwark_version::compare(bulwark_version::Scheme::Semver, have, min)
            .is_ok_and(|o| o != std::cmp::Ordering::Less);
        if !ok {
            return Err(format!(
                "the verdict's bundle version {have:?} is below the required {min}"
            ));
        }
    }
    Ok(())
}

fn rfc3339(t: i64) -> String {
    crate::oci::rfc3339_utc(u64::try_from(t).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A verdict predicate made at 2026-12-06T15:45:00Z (1796571900) with a DB built `db_days` before.
    fn verdict(decision: &str, version: &str, db_built: &str) -> VerdictPredicate {
        VerdictPredicate::from_value(&serde_json::json!({
            "scanner": {"name": "bulwark", "version": "0.1.0"},
            "subject": {"kind": "image", "name": "r/app:1", "digest": format!("sha256:{}", "a".repeat(64))},
            "scan": {"createdAt": "2026-12-06T15:44:00Z", "packages": 3, "findings": 1, "severities": {"HIGH": 1}},
            "db": {"builtAt": db_built},
            "bundle": {"name": "release", "version": version, "digest": format!("sha256:{}", "b".repeat(64))},
            "verdict": {"decision": decision, "stage": "release", "evaluatedAt": "2026-12-06T15:44:30Z",
                "rules": [{"rule": "no-critical", "engine": "lifecycle", "action": "fail", "outcome": "fail",
                           "findingIds": ["CVE-2024-1"]}],
                "exceptions": []},
            "time": "2026-12-06T15:45:00Z"
        }))
        .unwrap()
    }

    const MADE: i64 = 1_796_571_900;
    const DAY: u64 = 86_400;

    #[test]
    fn requirements_on_the_attested_verdict() {
        let fresh = verdict("pass", "1.4.0", "2026-12-05T15:45:00Z");
        let time = fresh.time_unix();
        assert_eq!(time, Some(MADE));
        let none = Requirements::default();
        assert_eq!(check(&none, time, Some(&fresh), MADE), Ok(()));

        // Age of the attestation: 2 days later, a 1-day limit refuses it, a 3-day one accepts it.
        let age = |d: u64| Requirements {
            max_age: Some(Duration::from_secs(d * DAY)),
            ..Requirements::default()
        };
        let later = MADE + 2 * 86_400;
        assert!(
            check(&age(1), time, Some(&fresh), later)
                .unwrap_err()
                .contains("older than --max-age 1d")
        );
        assert_eq!(check(&age(3), time, Some(&fresh), later), Ok(()));
        assert!(
            check(&age(3), None, None, later)
                .unwrap_err()
                .contains("no time")
        );

        // DB age at the scan: built 1 day before; 2 days allowed passes, 12 hours refused.
        let db = |secs: u64| Requirements {
            max_db_age: Some(Duration::from_secs(secs)),
            ..Requirements::default()
        };
        assert_eq!(check(&db(2 * DAY), time, Some(&fresh), MADE), Ok(()));
        let e = check(&db(DAY / 2), time, Some(&fresh), MADE).unwrap_err();
        assert!(
            e.contains("the DB was built at 2026-12-05T15:45:00Z, more than 12h"),
            "{e}"
        );

        // Bundle version in SemVer order (1.10.0 > 1.4.0), and its name.
        let min = |v: &str| Requirements {
            min_bundle_version: Some(v.into()),
            ..Requirements::default()
        };
        assert_eq!(check(&min("1.4.0"), time, Some(&fresh), MADE), Ok(()));
        assert_eq!(check(&min("1.3.9"), time, Some(&fresh), MADE), Ok(()));
        let e = check(&min("1.10.0"), time, Some(&fresh), MADE).unwrap_err();
        assert!(e.contains("\"1.4.0\" is below the required 1.10.0"), "{e}");
        let named = Requirements {
            bundle_name: Some("other".into()),
            ..Requirements::default()
        };
        assert!(
            check(&named, time, Some(&fresh), MADE)
                .unwrap_err()
                .contains("not \"other\"")
        );

        // A fail verdict is refused whatever else holds, naming the deciding rule.
        let failed = verdict("fail", "1.4.0", "2026-12-05T15:45:00Z");
        let e = check(&none, time, Some(&failed), MADE).unwrap_err();
        assert_eq!(
            e,
            "the attested verdict is fail (policy release, rules: no-critical)"
        );
        // warn is not fail.
        assert_eq!(
            check(
                &none,
                time,
                Some(&verdict("warn", "1.4.0", "2026-12-05T15:45:00Z")),
                MADE
            ),
            Ok(())
        );
    }
}
