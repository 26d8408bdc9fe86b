//! DSSE envelopes against independent implementations: PyPI `securesystemslib` (`dsse.Envelope`, `SSlibKey`,
//! `CryptoSigner`) and `in-toto` (`in_toto.models.metadata.Envelope`), through
//! `tests/reference/python/dsse_tool.py`. Our envelopes verify with their code, theirs verify with ours, and a
//! tampered payload fails on both sides, for ECDSA P-256 and Ed25519. Needs python3 with securesystemslib and
//! in-toto (`.ci/install-deps.sh`).
//!
//! securesystemslib matches signatures to keys by `keyid` (its own note: not DSSE-compliant, issue #416), so the
//! envelopes exchanged here carry one.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bulwark_sign::dsse::{DsseError, Envelope, INTOTO_PAYLOAD_TYPE};
use bulwark_sign::intoto::Statement;
use bulwark_signature::{KeyKind, PrivateKey, PublicKey};

const DIGEST: &str = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

fn tool() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/python/dsse_tool.py")
}

fn workdir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("dsse_interop-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn python(args: &[&str]) -> std::process::Output {
    let out = Command::new("python3")
        .arg(tool())
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("python3 is missing ({e}): run .ci/install-deps.sh"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("ModuleNotFoundError"),
        "a Python module is missing, run .ci/install-deps.sh: {stderr}"
    );
    out
}

fn python_ok(args: &[&str]) -> Vec<u8> {
    let out = python(args);
    assert!(
        out.status.success(),
        "dsse_tool.py {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn statement() -> Statement {
    Statement::new(
        "registry.example/app",
        DIGEST,
        "https://bulwark.dev/attestation/verdict/v1",
        serde_json::json!({"verdict": {"decision": "pass"}}),
    )
    .unwrap()
}

const KINDS: [(KeyKind, &str); 2] = [(KeyKind::EcdsaP256, "p256"), (KeyKind::Ed25519, "ed25519")];

#[test]
fn our_envelopes_verify_with_securesystemslib_and_in_toto() {
    let dir = workdir("ours");
    for (kind, name) in KINDS {
        let key = PrivateKey::generate(kind).unwrap();
        let public = dir.join(format!("{name}.pub"));
        std::fs::write(&public, key.public_key().to_pem()).unwrap();
        let st = statement();
        let env = Envelope::sign_statement(&st, &key, "bulwark-key").unwrap();
        let path = dir.join(format!("{name}.json"));
        std::fs::write(&path, env.to_json()).unwrap();

        let payload = python_ok(&[
            "verify",
            s(&path),
            s(&public),
            "bulwark-key",
            INTOTO_PAYLOAD_TYPE,
        ]);
        assert_eq!(payload, st.to_json(), "{name}");
        let predicate_type = python_ok(&["verify-intoto", s(&path), s(&public), "bulwark-key"]);
        assert_eq!(
            String::from_utf8(predicate_type).unwrap().trim(),
            st.predicate_type
        );

        // A tampered payload (the same statement for another digest) fails in both libraries.
        let mut tampered = env.clone();
        let other = st.to_json();
        let other = String::from_utf8(other)
            .unwrap()
            .replace("9f86d0", "000000");
        tampered.payload = STANDARD.encode(other);
        let bad = dir.join(format!("{name}-tampered.json"));
        std::fs::write(&bad, tampered.to_json()).unwrap();
        let out = python(&["verify", s(&bad), s(&public), "bulwark-key"]);
        assert!(
            !out.status.success(),
            "{name}: securesystemslib accepted a tampered payload"
        );
        assert!(String::from_utf8_lossy(&out.stderr).contains("threshold"));
        let out = python(&["verify-intoto", s(&bad), s(&public), "bulwark-key"]);
        assert!(
            !out.status.success(),
            "{name}: in-toto accepted a tampered payload"
        );
        // …and with another key.
        let stranger = PrivateKey::generate(kind).unwrap().public_key().to_pem();
        let stranger_path = dir.join(format!("{name}-stranger.pub"));
        std::fs::write(&stranger_path, stranger).unwrap();
        assert!(
            !python(&["verify", s(&path), s(&stranger_path), "bulwark-key"])
                .status
                .success()
        );
    }
}

#[test]
fn a_co_signed_envelope_verifies_with_each_key_in_securesystemslib() {
    let dir = workdir("cosigned");
    let a = PrivateKey::generate(KeyKind::EcdsaP256).unwrap();
    let b = PrivateKey::generate(KeyKind::Ed25519).unwrap();
    let mut env = Envelope::sign_statement(&statement(), &a, "ci").unwrap();
    env.add_signature(&b, "release-manager").unwrap();
    let path = dir.join("env.json");
    std::fs::write(&path, env.to_json()).unwrap();
    for (key, keyid) in [(&a, "ci"), (&b, "release-manager")] {
        let public = dir.join(format!("{keyid}.pub"));
        std::fs::write(&public, key.public_key().to_pem()).unwrap();
        python_ok(&["verify", s(&path), s(&public), keyid]);
    }
    let (pa, pb) = (a.public_key(), b.public_key());
    let ok = Envelope::from_json(&std::fs::read(&path).unwrap())
        .unwrap()
        .verify_threshold(INTOTO_PAYLOAD_TYPE, &[&pa, &pb], 2)
        .unwrap();
    assert_eq!(ok.by.len(), 2);
}

#[test]
fn their_envelopes_verify_with_ours_and_tampering_is_caught() {
    let dir = workdir("theirs");
    let payload = dir.join("statement.json");
    std::fs::write(&payload, statement().to_json()).unwrap();
    for (_, name) in KINDS {
        let env_path = dir.join(format!("{name}.json"));
        let pub_path = dir.join(format!("{name}.pub"));
        python_ok(&[
            "sign",
            s(&payload),
            INTOTO_PAYLOAD_TYPE,
            name,
            "their-key",
            s(&env_path),
            s(&pub_path),
        ]);
        let public =
            PublicKey::from_pem(&std::fs::read_to_string(&pub_path).unwrap(), "their.pub").unwrap();
        let env = Envelope::from_json(&std::fs::read(&env_path).unwrap()).unwrap();
        assert_eq!(env.signatures[0].keyid, "their-key");
        let st = env.verify_statement(&public).unwrap();
        st.check_subject(DIGEST).unwrap();
        assert_eq!(st, statement());

        let mut tampered = env.clone();
        tampered.payload = STANDARD.encode(
            String::from_utf8(statement().to_json())
                .unwrap()
                .replace("pass", "fail"),
        );
        let err = tampered.verify(INTOTO_PAYLOAD_TYPE, &public).unwrap_err();
        assert!(
            err.to_string()
                .contains("signature 0 (keyid \"their-key\"): does not verify with their.pub"),
            "{err}"
        );
    }
}

#[test]
fn a_wrong_payload_type_from_securesystemslib_is_refused_with_a_clear_error() {
    let dir = workdir("type");
    let payload = dir.join("statement.json");
    std::fs::write(&payload, statement().to_json()).unwrap();
    let (env_path, pub_path) = (dir.join("env.json"), dir.join("k.pub"));
    python_ok(&[
        "sign",
        s(&payload),
        "application/json",
        "p256",
        "k",
        s(&env_path),
        s(&pub_path),
    ]);
    let public =
        PublicKey::from_pem(&std::fs::read_to_string(&pub_path).unwrap(), "k.pub").unwrap();
    let env = Envelope::from_json(&std::fs::read(&env_path).unwrap()).unwrap();
    // The signature is valid for its own type…
    env.verify("application/json", &public).unwrap();
    // …but an attestation must be in-toto.
    let err = env.verify_statement(&public).unwrap_err();
    assert_eq!(
        err,
        DsseError::PayloadType {
            found: "application/json".into(),
            expected: INTOTO_PAYLOAD_TYPE.into()
        }
    );
    assert_eq!(
        err.to_string(),
        "DSSE payloadType is \"application/json\", expected \"application/vnd.in-toto+json\""
    );
}
