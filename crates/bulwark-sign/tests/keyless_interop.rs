//! Keyless bundles made offline by sigstore-js against `@sigstore/mock` (its in-process Fulcio CA with a CT log,
//! and its Rekor), with the trusted root of that instance (tests/reference/node/keyless.js). They verify with ours
//! against that root and the right identity, and fail against the root of a second instance, with a wrong
//! identity, and when the Rekor evidence is altered.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use bulwark_sign::bundle::{Artifact, Bundle, decode_base64};
use bulwark_sign::keyless::{self, Identity, KeylessError, Matcher, TrustedRoot};
use serde_json::Value;

const SUBJECT: &str = "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main";
const ISSUER: &str = "https://token.actions.githubusercontent.com";

fn node_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/node")
}

struct Fixture {
    _dir: tempfile::TempDir,
    root: Vec<u8>,
    artifact: Vec<u8>,
    message: Vec<u8>,
    dsse: Vec<u8>,
    intoto: Vec<u8>,
    stamped: Vec<u8>,
}

/// One mock Sigstore instance's root and bundles.
fn make(subject: &str, issuer: &str) -> Fixture {
    let node = node_dir();
    assert!(
        node.join("node_modules/@sigstore/mock").is_dir(),
        "the sigstore-js packages are not installed in {}: run .ci/install-deps.sh",
        node.display()
    );
    let dir = tempfile::tempdir().unwrap();
    // The mock's timestamp authority writes GeneralizedTime with its milliseconds' trailing zeros trimmed
    // (`.5Z`), which @sigstore/core's own parser refuses ("invalid time") about one time in ten: that is a
    // disagreement inside sigstore-js, so the fixture is made again, a few times at most.
    let mut attempt = 0;
    let (out, text) = loop {
        attempt += 1;
        let out = Command::new("node")
            .arg(node.join("keyless.js"))
            .arg("make")
            .arg(dir.path())
            .arg(subject)
            .arg(issuer)
            .output()
            .unwrap_or_else(|e| panic!("cannot run node ({e}): run .ci/install-deps.sh"));
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if out.status.success() || !text.contains("invalid time") || attempt == 5 {
            break (out, text);
        }
    };
    assert!(out.status.success(), "keyless.js failed: {text}");
    assert!(text.contains("sigstore-js verified 4 bundles"), "{text}");
    let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
    Fixture {
        root: read("trusted_root.json"),
        artifact: read("artifact.txt"),
        message: read("message.json"),
        dsse: read("dsse.json"),
        intoto: read("intoto.json"),
        stamped: read("stamped.json"),
        _dir: dir,
    }
}

fn first() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| make(SUBJECT, ISSUER))
}

fn second() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| make(SUBJECT, ISSUER))
}

fn identity() -> Identity {
    Identity::exact(SUBJECT, ISSUER)
}

fn root(bytes: &[u8]) -> TrustedRoot {
    TrustedRoot::from_json(bytes).unwrap()
}

fn edit(bundle: &[u8], f: impl FnOnce(&mut Value)) -> Bundle {
    let mut v: Value = serde_json::from_slice(bundle).unwrap();
    f(&mut v);
    Bundle::from_json(&serde_json::to_vec(&v).unwrap()).unwrap()
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Flips one bit of a base64 field.
fn flip(v: &mut Value) {
    let mut bytes = decode_base64(v.as_str().unwrap()).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    *v = Value::String(b64(&bytes));
}

#[test]
fn mock_bundles_verify_against_their_root() {
    let f = first();
    let root = root(&f.root);
    let message = Bundle::from_json(&f.message).unwrap();
    let v = keyless::verify(&message, &root, &identity(), Artifact::Bytes(&f.artifact)).unwrap();
    assert_eq!(v.subject, SUBJECT);
    assert_eq!(v.issuer, ISSUER);
    assert!(v.inclusion_proof);
    assert_eq!(v.certificate_authority, "https://fulcio.sigstore.dev");
    assert_eq!(v.scts, 1);
    assert!(v.signing_time > 1_700_000_000);
    assert_eq!(v.rfc3161_timestamps, 0);

    // The message signature by digest alone.
    let digest =
        bulwark_sign::bundle::hex(&bulwark_sign::bundle::hash("sha256", &f.artifact).unwrap());
    keyless::verify(
        &message,
        &root,
        &identity(),
        Artifact::Digest {
            algorithm: "sha256",
            hex: &digest,
        },
    )
    .unwrap();

    // The DSSE attestation, bound to the artifact by its subject.
    let dsse = Bundle::from_json(&f.dsse).unwrap();
    let v = keyless::verify(&dsse, &root, &identity(), Artifact::Bytes(&f.artifact)).unwrap();
    assert_eq!(
        v.statement.unwrap().predicate_type,
        "https://bulwark.dev/test/v1"
    );
    keyless::verify(
        &dsse,
        &root,
        &identity(),
        Artifact::Digest {
            algorithm: "sha256",
            hex: &digest,
        },
    )
    .unwrap();

    // The same statement logged as an intoto entry.
    let intoto = Bundle::from_json(&f.intoto).unwrap();
    keyless::verify(&intoto, &root, &identity(), Artifact::Bytes(&f.artifact)).unwrap();

    // Regex identities, as cosign's --certificate-identity-regexp.
    let regex = Identity {
        subject: Matcher::regex(r"^https://github\.com/acme/.+@refs/heads/main$").unwrap(),
        issuer: Matcher::regex(r"^https://token\.actions\.githubusercontent\.com$").unwrap(),
    };
    keyless::verify(&dsse, &root, &regex, Artifact::Bytes(&f.artifact)).unwrap();
}

#[test]
fn another_instances_root_is_refused() {
    let (f, g) = (first(), second());
    let other = root(&g.root);
    for bundle in [&f.message, &f.dsse, &f.intoto] {
        let b = Bundle::from_json(bundle).unwrap();
        let err =
            keyless::verify(&b, &other, &identity(), Artifact::Bytes(&f.artifact)).unwrap_err();
        assert!(matches!(err, KeylessError::Tlog { .. }), "{err}");
        assert!(
            err.to_string()
                .contains("not a transparency log of the trusted root"),
            "{err}"
        );
    }

    // The first instance's Rekor with the second instance's CA: the Fulcio chain is what fails.
    let mut mixed: Value = serde_json::from_slice(&f.root).unwrap();
    let theirs: Value = serde_json::from_slice(&g.root).unwrap();
    mixed["certificateAuthorities"] = theirs["certificateAuthorities"].clone();
    let mixed = root(&serde_json::to_vec(&mixed).unwrap());
    let b = Bundle::from_json(&f.message).unwrap();
    let err = keyless::verify(&b, &mixed, &identity(), Artifact::Bytes(&f.artifact)).unwrap_err();
    assert!(matches!(err, KeylessError::Chain(_)), "{err}");

    // A CA whose validFor ends before the signing time.
    let mut expired: Value = serde_json::from_slice(&f.root).unwrap();
    expired["certificateAuthorities"][0]["validFor"]["end"] = "2020-01-01T00:00:00Z".into();
    let expired = root(&serde_json::to_vec(&expired).unwrap());
    let err = keyless::verify(&b, &expired, &identity(), Artifact::Bytes(&f.artifact)).unwrap_err();
    assert!(matches!(err, KeylessError::Chain(_)), "{err}");
}

#[test]
fn a_wrong_identity_or_issuer_is_refused() {
    let f = first();
    let root = root(&f.root);
    let b = Bundle::from_json(&f.dsse).unwrap();
    for id in [
        Identity::exact(
            "https://github.com/evil/app/.github/workflows/release.yml@refs/heads/main",
            ISSUER,
        ),
        Identity::exact(SUBJECT, "https://accounts.google.com"),
        Identity {
            subject: Matcher::regex("^https://github.com/evil/").unwrap(),
            issuer: Matcher::exact(ISSUER),
        },
    ] {
        let err = keyless::verify(&b, &root, &id, Artifact::Bytes(&f.artifact)).unwrap_err();
        assert!(matches!(err, KeylessError::Identity(_)), "{err}");
    }
    // A different artifact.
    let err = keyless::verify(&b, &root, &identity(), Artifact::Bytes(b"other")).unwrap_err();
    assert!(matches!(err, KeylessError::Artifact(_)), "{err}");
    let m = Bundle::from_json(&f.message).unwrap();
    let err = keyless::verify(&m, &root, &identity(), Artifact::Bytes(b"other")).unwrap_err();
    assert!(matches!(err, KeylessError::Artifact(_)), "{err}");
}

#[test]
fn altered_rekor_evidence_is_refused() {
    let f = first();
    let root = root(&f.root);
    let check = |name: &str, bundle: Bundle, want: &str| {
        let err = keyless::verify(&bundle, &root, &identity(), Artifact::Bytes(&f.artifact))
            .expect_err(name);
        assert!(
            matches!(err, KeylessError::Tlog { .. } | KeylessError::NoTime(_)),
            "{name}: {err}"
        );
        assert!(err.to_string().contains(want), "{name}: {err}");
    };
    let entry = "/verificationMaterial/tlogEntries/0";
    for src in [&f.message, &f.dsse, &f.intoto] {
        check(
            "root hash",
            edit(src, |v| {
                flip(
                    v.pointer_mut(&format!("{entry}/inclusionProof/rootHash"))
                        .unwrap(),
                );
            }),
            "checkpoint",
        );
        check(
            "checkpoint signature",
            edit(src, |v| {
                let cp = v
                    .pointer_mut(&format!("{entry}/inclusionProof/checkpoint/envelope"))
                    .unwrap();
                let text = cp.as_str().unwrap().to_owned();
                let (note, sig) = text.rsplit_once(' ').unwrap();
                let mut bytes = decode_base64(sig.trim_end()).unwrap();
                let last = bytes.len() - 1;
                bytes[last] ^= 1;
                *cp = Value::String(format!("{note} {}\n", b64(&bytes)));
            }),
            "no signature verifies",
        );
        check(
            "signed entry timestamp",
            edit(src, |v| {
                flip(
                    v.pointer_mut(&format!("{entry}/inclusionPromise/signedEntryTimestamp"))
                        .unwrap(),
                );
            }),
            "signed entry timestamp does not verify",
        );
        check(
            "integrated time",
            edit(src, |v| {
                let t = v
                    .pointer(&format!("{entry}/integratedTime"))
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .parse::<i64>()
                    .unwrap();
                *v.pointer_mut(&format!("{entry}/integratedTime")).unwrap() =
                    (t + 1).to_string().into();
            }),
            "signed entry timestamp does not verify",
        );
        check(
            "log index",
            edit(src, |v| {
                *v.pointer_mut(&format!("{entry}/logIndex")).unwrap() = "1".into();
            }),
            "signed entry timestamp does not verify",
        );
        check(
            "body",
            edit(src, |v| {
                let body = decode_base64(
                    v.pointer(&format!("{entry}/canonicalizedBody"))
                        .unwrap()
                        .as_str()
                        .unwrap(),
                )
                .unwrap();
                let mut body = String::from_utf8(body).unwrap();
                body = body.replacen("\"spec\":{", "\"spec\":{\"x\":1,", 1);
                *v.pointer_mut(&format!("{entry}/canonicalizedBody"))
                    .unwrap() = b64(body.as_bytes()).into();
            }),
            "does not verify",
        );
        check(
            "no promise: no signing time",
            edit(src, |v| {
                v.pointer_mut(entry)
                    .unwrap()
                    .as_object_mut()
                    .unwrap()
                    .remove("inclusionPromise");
            }),
            "neither a signed entry timestamp nor an RFC 3161 timestamp",
        );
        check(
            "no entry",
            edit(src, |v| {
                v.pointer_mut("/verificationMaterial")
                    .unwrap()
                    .as_object_mut()
                    .unwrap()
                    .remove("tlogEntries");
            }),
            "no transparency log entry",
        );
    }
}

#[test]
fn a_rekor_entry_of_another_signature_is_refused() {
    // The message bundle's (valid, signed) Rekor entry moved into the DSSE bundle: everything about the entry
    // verifies except that its body is about another signature.
    let f = first();
    let root = root(&f.root);
    let msg: Value = serde_json::from_slice(&f.message).unwrap();
    let swapped = edit(&f.dsse, |v| {
        v["verificationMaterial"]["tlogEntries"] =
            msg["verificationMaterial"]["tlogEntries"].clone();
    });
    let err =
        keyless::verify(&swapped, &root, &identity(), Artifact::Bytes(&f.artifact)).unwrap_err();
    assert!(err.to_string().contains("canonicalizedBody"), "{err}");
}

#[test]
fn the_certificate_must_be_logged_in_a_ct_log_of_the_root() {
    let (f, g) = (first(), second());
    let b = Bundle::from_json(&f.dsse).unwrap();
    // The second instance's CT log: the embedded SCT is from another log.
    let mut other_ct: Value = serde_json::from_slice(&f.root).unwrap();
    let theirs: Value = serde_json::from_slice(&g.root).unwrap();
    other_ct["ctlogs"] = theirs["ctlogs"].clone();
    let other_ct = root(&serde_json::to_vec(&other_ct).unwrap());
    let err =
        keyless::verify(&b, &other_ct, &identity(), Artifact::Bytes(&f.artifact)).unwrap_err();
    assert!(matches!(err, KeylessError::Certificate(_)), "{err}");
    assert!(
        err.to_string().contains("signed certificate timestamp"),
        "{err}"
    );

    // The right log, but its key's validity ends before the SCT was issued.
    let mut expired: Value = serde_json::from_slice(&f.root).unwrap();
    expired["ctlogs"][0]["publicKey"]["validFor"]["end"] = "2020-01-01T00:00:00Z".into();
    let expired = root(&serde_json::to_vec(&expired).unwrap());
    let err = keyless::verify(&b, &expired, &identity(), Artifact::Bytes(&f.artifact)).unwrap_err();
    assert!(
        err.to_string().contains("signed certificate timestamp"),
        "{err}"
    );

    // A root listing no CT log does not ask for one.
    let mut none: Value = serde_json::from_slice(&f.root).unwrap();
    none["ctlogs"] = Value::Array(Vec::new());
    let v = keyless::verify(
        &b,
        &root(&serde_json::to_vec(&none).unwrap()),
        &identity(),
        Artifact::Bytes(&f.artifact),
    )
    .unwrap();
    assert_eq!(v.scts, 0);
}

/// Every truncation and many one-byte changes of a real bundle give a result or an error, never a panic, and none
/// verifies unless it only renames an optional field.
#[test]
fn mangled_real_bundles_never_panic() {
    let f = first();
    let root = root(&f.root);
    let key = bulwark_signature::PublicKey::from_pem(
        "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE6ivtORiD4dlE9FI4diggcjCQJMoy\nJnhe6CHbRBlykexkVmS9D6QFH3NgMJHedt3vUnA+V+8Uh+RGULyPJeIzIg==\n-----END PUBLIC KEY-----\n",
        "k.pem",
    )
    .unwrap();
    let verifies = |bytes: &[u8]| {
        Bundle::from_json(bytes).is_ok_and(|b| {
            let _ = b.verify_with_key(&key, Artifact::Bytes(&f.artifact));
            keyless::verify(&b, &root, &identity(), Artifact::Bytes(&f.artifact)).is_ok()
        })
    };
    // Renaming an optional field makes it unknown, hence ignored: the only changes that may still verify.
    let harmless = |src: &[u8], i: usize| {
        [
            "\"timestampVerificationData\"",
            "\"messageDigest\"",
            "\"keyid\"",
        ]
        .iter()
        .any(|name| {
            let name = name.as_bytes();
            (i.saturating_sub(name.len())..=i).any(|start| src[start..].starts_with(name))
        })
    };
    for src in [&f.message, &f.dsse, &f.intoto] {
        for i in 0..src.len() {
            assert!(!verifies(&src[..i]), "truncated at {i} verified");
        }
        for i in (0..src.len()).step_by(5) {
            for c in [b'0', b'"', b'}', b'A', b'-'] {
                let mut m = src.clone();
                m[i] = c;
                // protobuf's JSON mapping reads bytes in either base64 alphabet: `+`→`-` is the same value.
                let same_value = src[i] == b'+' && c == b'-';
                if m != *src && !same_value && verifies(&m) {
                    let lo = i.saturating_sub(30);
                    assert!(
                        harmless(src, i),
                        "a change at {i} verified: {:?}",
                        String::from_utf8_lossy(&m[lo..(i + 10).min(m.len())])
                    );
                }
            }
        }
    }
}

/// A bundle whose time comes from an RFC 3161 timestamp: without its SET it still verifies (inclusion proof for the
/// entry, the timestamp for the time), and fails when the timestamp is altered, over another signature or from
/// another authority, for then nothing vouches for the time.
#[test]
fn rfc3161_timestamps_vouch_for_the_signing_time() {
    let (f, g) = (first(), second());
    let root_a = root(&f.root);
    let art = Artifact::Bytes(&f.artifact);
    let stamped = Bundle::from_json(&f.stamped).unwrap();
    let v = keyless::verify(&stamped, &root_a, &identity(), art).unwrap();
    assert_eq!(v.rfc3161_timestamps, 1);

    let entry = "/verificationMaterial/tlogEntries/0";
    let stamp =
        "/verificationMaterial/timestampVerificationData/rfc3161Timestamps/0/signedTimestamp";
    let no_set = |v: &mut Value| {
        v.pointer_mut(entry)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .remove("inclusionPromise");
    };
    let only_tsa = edit(&f.stamped, no_set);
    let v = keyless::verify(&only_tsa, &root_a, &identity(), art).unwrap();
    assert!(v.inclusion_proof);
    assert_eq!(v.rfc3161_timestamps, 1);

    // The signature inside the token altered.
    let err = keyless::verify(
        &edit(&f.stamped, |v| {
            no_set(v);
            flip(v.pointer_mut(stamp).unwrap());
        }),
        &root_a,
        &identity(),
        art,
    )
    .unwrap_err();
    assert!(matches!(err, KeylessError::NoTime(_)), "{err}");
    assert!(err.to_string().contains("RFC 3161 timestamp 0"), "{err}");

    // A genuine timestamp over another signature: the second instance's, with both authorities trusted.
    let mut both: Value = serde_json::from_slice(&f.root).unwrap();
    let theirs: Value = serde_json::from_slice(&g.root).unwrap();
    both["timestampAuthorities"].as_array_mut().unwrap().extend(
        theirs["timestampAuthorities"]
            .as_array()
            .unwrap()
            .iter()
            .cloned(),
    );
    let both = root(&serde_json::to_vec(&both).unwrap());
    let other: Value = serde_json::from_slice(&g.stamped).unwrap();
    let borrowed = edit(&f.stamped, |v| {
        no_set(v);
        *v.pointer_mut(stamp).unwrap() = other.pointer(stamp).unwrap().clone();
    });
    let err = keyless::verify(&borrowed, &both, &identity(), art).unwrap_err();
    assert!(err.to_string().contains("message imprint"), "{err}");
    keyless::verify(&only_tsa, &both, &identity(), art).unwrap();

    // Another instance's timestamp authority.
    let mut other_tsa: Value = serde_json::from_slice(&f.root).unwrap();
    other_tsa["timestampAuthorities"] = theirs["timestampAuthorities"].clone();
    let other_tsa = root(&serde_json::to_vec(&other_tsa).unwrap());
    let err = keyless::verify(&only_tsa, &other_tsa, &identity(), art).unwrap_err();
    assert!(matches!(err, KeylessError::NoTime(_)), "{err}");
    assert!(err.to_string().contains("no timestamp authority"), "{err}");
    // With the SET present the bundle verifies on the SET's time; the foreign timestamp counts for nothing, as in
    // sigstore-go.
    let v = keyless::verify(&stamped, &other_tsa, &identity(), art).unwrap();
    assert_eq!(v.rfc3161_timestamps, 0);
}
