//! cosign's encrypted private keys against an independent implementation: `tests/reference/python/cosign_key.py`
//! (PyNaCl's SecretBox, `hashlib.scrypt`, pyca/cryptography; no Bulwark code). Keys we write are decrypted and
//! used there; keys written there are decrypted and used here. Needs python3 with PyNaCl and cryptography
//! (`.ci/install-deps.sh`).
//!
//! cosign's own vectors: `pkg/cosign/keys_test.go` in sigstore/cosign holds `pemsigstorekey` (an `ENCRYPTED
//! SIGSTORE PRIVATE KEY`, N = 32768, password `hello`), `pemcosignkey` (RSA, `ENCRYPTED COSIGN PRIVATE KEY`) and
//! `pemcosigneckey` (N = 65536, a SEC1 key inside, which cosign itself refuses). They are not copied here; the
//! tests regenerate the equivalent P-256 and Ed25519 cases with Python (both labels, N = 32768 and 65536).

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use bulwark_signature::{KeyKind, KeyPair, PrivateKey, PublicKey};

fn tool() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/python/cosign_key.py")
}

fn workdir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("keys_interop-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the Python tool; panics with its stderr, or with the install hint when python or a module is missing.
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

fn python_ok(args: &[&str]) -> String {
    let out = python(args);
    assert!(
        out.status.success(),
        "cosign_key.py {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn python_decrypts_and_signs_with_keys_we_generate() {
    let dir = workdir("generate");
    let message = dir.join("message");
    std::fs::write(&message, b"sign me, cosign-style").unwrap();
    for (kind, name) in [(KeyKind::EcdsaP256, "p256"), (KeyKind::Ed25519, "ed25519")] {
        let pair = KeyPair::generate(kind, b"correct horse").unwrap();
        assert!(
            pair.encrypted_private_pem
                .starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n")
        );
        let key = dir.join(format!("{name}.key"));
        let public = dir.join(format!("{name}.pub"));
        std::fs::write(&key, &pair.encrypted_private_pem).unwrap();
        std::fs::write(&public, &pair.public_pem).unwrap();

        // Python decrypts our key and signs; our public key verifies its signature.
        let sig = python_ok(&["decrypt-sign", s(&key), "correct horse", s(&message)]);
        let ours = PublicKey::from_pem(&pair.public_pem, "cosign.pub").unwrap();
        ours.verify(b"sign me, cosign-style", sig.trim().as_bytes(), "message")
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(ours.verify(b"other", sig.trim().as_bytes(), "m").is_err());

        // Python reads our public key PEM and verifies our signature.
        let ours_sig = pair
            .private_key
            .sign_base64(b"sign me, cosign-style")
            .unwrap();
        python_ok(&["verify", s(&public), s(&message), &ours_sig]);

        // The wrong password fails on the Python side too.
        assert!(
            !python(&["decrypt-sign", s(&key), "wrong", s(&message)])
                .status
                .success()
        );
    }
}

#[test]
fn we_decrypt_and_sign_with_keys_python_encrypts() {
    let dir = workdir("read");
    let message = dir.join("message");
    std::fs::write(&message, b"payload").unwrap();
    for (kind, name, n, label) in [
        (
            KeyKind::EcdsaP256,
            "p256",
            "32768",
            "ENCRYPTED SIGSTORE PRIVATE KEY",
        ),
        (
            KeyKind::Ed25519,
            "ed25519",
            "32768",
            "ENCRYPTED SIGSTORE PRIVATE KEY",
        ),
        (
            KeyKind::EcdsaP256,
            "p256",
            "65536",
            "ENCRYPTED COSIGN PRIVATE KEY",
        ),
    ] {
        let key = dir.join(format!("{name}-{n}.key"));
        let public = dir.join(format!("{name}-{n}.pub"));
        python_ok(&["encrypt", name, "hello", s(&key), s(&public), n, label]);
        let pem = std::fs::read_to_string(&key).unwrap();
        let private = PrivateKey::from_pem_with_password(&pem, b"hello", "cosign.key")
            .unwrap_or_else(|e| panic!("{name} N={n}: {e}"));
        assert_eq!(private.kind(), kind);
        // Our public key PEM is byte for byte what pyca/cryptography writes for the same key.
        assert_eq!(
            private.public_key().to_pem(),
            std::fs::read_to_string(&public).unwrap()
        );
        let sig = private.sign_base64(b"payload").unwrap();
        python_ok(&["verify", s(&public), s(&message), &sig]);

        let err = PrivateKey::from_pem_with_password(&pem, b"hellO", "cosign.key")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("cosign.key") && err.contains("wrong password"),
            "{err}"
        );
    }
}

#[test]
fn import_turns_pkcs8_and_sec1_keys_into_cosign_keys() {
    let dir = workdir("import");
    let message = dir.join("message");
    std::fs::write(&message, b"imported").unwrap();
    for kind in ["p256", "ed25519", "sec1"] {
        let plain = dir.join(format!("{kind}.pem"));
        let public = dir.join(format!("{kind}.pub"));
        python_ok(&["pkcs8", kind, s(&plain), s(&public)]);
        let key =
            PrivateKey::from_pem(&std::fs::read_to_string(&plain).unwrap(), "plain.pem").unwrap();
        let pair = KeyPair::from_private_key(key, b"pw").unwrap();
        assert_eq!(pair.public_pem, std::fs::read_to_string(&public).unwrap());
        let imported = dir.join(format!("{kind}-import.key"));
        std::fs::write(&imported, &pair.encrypted_private_pem).unwrap();
        // Python decrypts the imported key and its signature verifies with the original public key.
        let sig = python_ok(&["decrypt-sign", s(&imported), "pw", s(&message)]);
        python_ok(&["verify", s(&public), s(&message), sig.trim()]);
        // A plain PEM read through the password path is the same key.
        let again = PrivateKey::from_pem_with_password(
            &std::fs::read_to_string(&plain).unwrap(),
            b"ignored",
            "plain.pem",
        )
        .unwrap();
        assert_eq!(again.public_key().to_pem(), pair.public_pem);
    }
}

#[test]
fn errors_and_debug_never_show_the_password_or_key_bytes() {
    let dir = workdir("secrets");
    let plain = dir.join("k.pem");
    let public = dir.join("k.pub");
    python_ok(&["pkcs8", "p256", s(&plain), s(&public)]);
    let plain_pem = std::fs::read_to_string(&plain).unwrap();
    let password = "s3cret-Pa55word";
    let key = PrivateKey::from_pem(&plain_pem, "k.pem").unwrap();
    let pair = KeyPair::from_private_key(key, password.as_bytes()).unwrap();

    // Secrets: the password, the plain PKCS#8 body (every 16-character slice of it), the encrypted body.
    let plain_body: String = plain_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let enc_body: String = pair
        .encrypted_private_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let mut texts = vec![
        format!("{:?}", pair.private_key),
        format!("{pair:?}"),
        format!(
            "{:?}",
            PrivateKey::from_pem(&pair.encrypted_private_pem, "k.key")
        ),
    ];
    let corrupt = |from: &str, to: &str| {
        let json = bulwark_signature::base64_decode(&enc_body).unwrap();
        let json = String::from_utf8(json).unwrap().replacen(from, to, 1);
        format!(
            "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n{}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n",
            base64::engine::general_purpose::STANDARD.encode(json)
        )
    };
    for (pem, pw) in [
        (pair.encrypted_private_pem.clone(), "wrong password"),
        (pair.encrypted_private_pem.clone(), ""),
        (
            corrupt("\"ciphertext\":\"", "\"ciphertext\":\"AAAA"),
            password,
        ),
        (corrupt("\"N\":32768", "\"N\":4194304"), password),
        (corrupt("nacl/secretbox", "aes-gcm"), password),
        (corrupt("\"nonce\":\"", "\"nonce\":\"AAAA"), password),
    ] {
        let err = PrivateKey::from_pem_with_password(&pem, pw.as_bytes(), "k.key").unwrap_err();
        texts.push(err.to_string());
        texts.push(format!("{err:?}"));
    }
    assert!(texts.iter().any(|t| t.contains("wrong password")));
    assert!(texts.iter().any(|t| t.contains("above the limit 2^20")));
    for t in &texts {
        assert!(!t.contains(password), "{t}");
        for secret in [&plain_body, &enc_body] {
            for i in (0..secret.len().saturating_sub(16)).step_by(8) {
                assert!(!t.contains(&secret[i..i + 16]), "{t}");
            }
        }
    }
}
