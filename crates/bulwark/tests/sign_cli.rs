//! Signing and attestations (issue #13) against Debian's `docker-registry` on 127.0.0.1 with images pushed by
//! `skopeo`: `bulwark keys generate`, `sign`, `attest`, `verify`, and the release gate `scan image --policy …
//! --sign --attest`. Every refusal the issue lists is exit 1 with its reason: the wrong key, a payload for
//! another digest, a tampered DSSE payload, an attestation past `--max-age`, a missing signature, and a `fail`
//! verdict inside a valid attestation. What was pushed is read back by `skopeo inspect --raw`, an independent
//! client.

mod common;

#[path = "../../bulwark-registry/tests/support/mod.rs"]
mod support;

use std::collections::BTreeMap;

use base64::Engine as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::{TestRegistry, temp_dir};

const STRICT: &str = "apiVersion: policy.bulwark.dev/v1
kind: PolicySet
metadata: {name: strict}
rules:
  - id: no-root-user
    description: No container runs as root.
    stages: {build: fail, release: fail}
    image: {nonRootUser: true}
";

const LENIENT: &str = "apiVersion: policy.bulwark.dev/v1
kind: PolicySet
metadata: {name: lenient}
rules:
  - id: no-aws-credentials
    description: No AWS credentials in the image.
    stages: {build: fail, release: fail}
    secrets: {ids: [\"aws-*\"]}
";

struct Env {
    dir: PathBuf,
    registry: TestRegistry,
}

impl Env {
    fn new(name: &str) -> Self {
        let dir = temp_dir(name);
        let registry = TestRegistry::start("plain", &dir.join("registry"), &[], None);
        Self { dir, registry }
    }

    /// Pushes a fixture image as `REPO:1` with skopeo; returns the reference.
    fn push(&self, source: &str, repo: &str) -> String {
        let policy = self.dir.join("policy.json");
        std::fs::write(
            &policy,
            r#"{"default":[{"type":"insecureAcceptAnything"}]}"#,
        )
        .unwrap();
        let reference = format!("{}/{repo}:1", self.registry.host);
        let out = Command::new("skopeo")
            .arg("--policy")
            .arg(&policy)
            .args(["copy", "-q", "--dest-tls-verify=false", source])
            .arg(format!("docker://{reference}"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        reference
    }

    fn bulwark(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_bulwark"))
            .args(args)
            .current_dir(&self.dir)
            .env("BULWARK_PASSWORD", "correct horse")
            .env_remove("COSIGN_PASSWORD")
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.bulwark(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    /// Exit 1 with a reason on stderr containing `why`.
    fn refused(&self, args: &[&str], why: &str) {
        let out = self.bulwark(args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("verification failed"), "{args:?}: {err}");
        assert!(err.contains(why), "{args:?}: expected {why:?} in {err}");
    }

    fn skopeo_raw(reference: &str) -> serde_json::Value {
        let out = Command::new("skopeo")
            .args(["inspect", "--raw", "--tls-verify=false"])
            .arg(format!("docker://{reference}"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{reference}: {}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn fixture(name: &str) -> String {
    support::fixtures().join(name).display().to_string()
}

fn alpine() -> String {
    format!("docker-archive:{}", fixture("alpine314-mini.docker.tar"))
}

fn bookworm() -> String {
    format!("oci:{}:bookworm-app", fixture("oci-mini"))
}

fn bundle(dir: &Path, name: &str, rules: &str) -> String {
    let b = dir.join(name);
    std::fs::create_dir_all(&b).unwrap();
    std::fs::write(b.join("rules.yaml"), rules).unwrap();
    b.display().to_string()
}

/// The image's `sha256-<hex>` tag name for `suffix` (`sig`, `att`).
fn tag_of(reference: &str, digest: &str, suffix: &str) -> String {
    let repo = reference.rsplit_once(':').unwrap().0;
    format!("{repo}:{}.{suffix}", digest.replace(':', "-"))
}

#[test]
fn seed_flow_only_a_passing_image_is_signed_and_attested() {
    let env = Env::new("seed");
    env.ok(&["keys", "generate"]);
    let strict = bundle(&env.dir, "strict", STRICT);
    let lenient = bundle(&env.dir, "lenient", LENIENT);
    let bad = env.push(&alpine(), "bad");
    let good = env.push(&bookworm(), "good");

    // The alpine image runs as root: the verdict fails, nothing is pushed, exit 1.
    let out = env.bulwark(&[
        "scan",
        "image",
        &bad,
        "--no-vulns",
        "--policy",
        &strict,
        "--stage",
        "release",
        "--sign",
        "--attest",
        "--key",
        "cosign.key",
        "-f",
        "json",
        "-o",
        "bad.json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("not signed"),
        "{}",
        text(&out.stderr)
    );
    let tags = Command::new("skopeo")
        .args(["list-tags", "--tls-verify=false"])
        .arg(format!("docker://{}", bad.rsplit_once(':').unwrap().0))
        .output()
        .unwrap();
    let tags: serde_json::Value = serde_json::from_slice(&tags.stdout).unwrap();
    assert_eq!(
        tags["Tags"],
        serde_json::json!(["1"]),
        "nothing may be pushed for a failing image"
    );
    env.refused(&["verify", &bad, "--key", "cosign.pub"], "no signature");

    // The bookworm image passes the lenient bundle: signed and attested in both layouts.
    env.ok(&[
        "scan",
        "image",
        &good,
        "--no-vulns",
        "--policy",
        &lenient,
        "--stage",
        "release",
        "--sign",
        "--attest",
        "--key",
        "cosign.key",
        "-f",
        "json",
        "-o",
        "good.json",
    ]);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.dir.join("good.json")).unwrap()).unwrap();
    let digest = report["target"]["image"]["manifestDigest"]
        .as_str()
        .unwrap()
        .to_owned();
    let verified: serde_json::Value = serde_json::from_str(&env.ok(&[
        "verify",
        &good,
        "--key",
        "cosign.pub",
        "--type",
        "verdict",
        "--max-age",
        "1d",
        "--policy",
        &lenient,
        "-f",
        "json",
    ]))
    .unwrap();
    assert_eq!(verified["digest"], digest.as_str());
    let layouts = |k: &str| {
        let mut l: Vec<String> = verified[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["layout"].as_str().unwrap().to_owned())
            .collect();
        l.sort();
        l
    };
    assert_eq!(layouts("signatures"), ["referrer", "tag"]);
    assert_eq!(layouts("attestations"), ["referrer", "tag"]);
    assert_eq!(verified["verdict"]["verdict"]["decision"], "pass");
    assert_eq!(verified["verdict"]["bundle"]["name"], "lenient");
    assert_eq!(verified["verdict"]["subject"]["digest"], digest.as_str());
    env.ok(&["verify", &good, "--key", "cosign.pub", "--type", "vuln"]);
    // Another bundle's verdict is not this one.
    env.refused(
        &[
            "verify",
            &good,
            "--key",
            "cosign.pub",
            "--type",
            "verdict",
            "--policy",
            &strict,
        ],
        "not \"strict\"",
    );

    // skopeo reads what was pushed: cosign's tag layout, and the referrers fallback index.
    let sig = Env::skopeo_raw(&tag_of(&good, &digest, "sig"));
    let layer = &sig["layers"][0];
    assert_eq!(
        layer["mediaType"],
        "application/vnd.dev.cosign.simplesigning.v1+json"
    );
    assert!(layer["annotations"]["dev.cosignproject.cosign/signature"].is_string());
    let att = Env::skopeo_raw(&tag_of(&good, &digest, "att"));
    let types: Vec<&str> = att["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["annotations"]["predicateType"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "https://bulwark.dev/attestation/verdict/v1",
            "https://cosign.sigstore.dev/attestation/vuln/v1"
        ]
    );
    let index = Env::skopeo_raw(&format!(
        "{}:{}",
        good.rsplit_once(':').unwrap().0,
        digest.replace(':', "-")
    ));
    assert_eq!(
        index["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    assert_eq!(index["manifests"].as_array().unwrap().len(), 3, "{index}");
}

#[test]
fn every_listed_tampering_is_refused_with_its_reason() {
    let env = Env::new("tamper");
    env.ok(&["keys", "generate"]);
    env.ok(&["keys", "generate", "--output-key-prefix", "other"]);
    let lenient = bundle(&env.dir, "lenient", LENIENT);
    let strict = bundle(&env.dir, "strict", STRICT);
    let image = env.push(&bookworm(), "app");
    let unsigned = env.push(&alpine(), "unsigned");

    env.ok(&["sign", &image, "--key", "cosign.key"]);
    env.ok(&["verify", &image, "--key", "cosign.pub"]);
    // The wrong key.
    env.refused(
        &["verify", &image, "--key", "other.pub"],
        "no signature verifies with other.pub",
    );
    // A missing signature.
    env.refused(
        &["verify", &unsigned, "--key", "cosign.pub"],
        "no signature",
    );

    // A verdict attestation from a report, then a fail verdict inside a valid attestation.
    env.ok(&[
        "scan",
        "image",
        &image,
        "--no-vulns",
        "--policy",
        &lenient,
        "--stage",
        "release",
        "-f",
        "json",
        "-o",
        "pass.json",
    ]);
    env.ok(&[
        "attest",
        &image,
        "--key",
        "cosign.key",
        "--type",
        "verdict",
        "--predicate",
        "pass.json",
    ]);
    env.ok(&[
        "verify",
        &image,
        "--key",
        "cosign.pub",
        "--type",
        "verdict",
        "--max-age",
        "1h",
    ]);
    // Past --max-age.
    std::thread::sleep(std::time::Duration::from_secs(2));
    env.refused(
        &[
            "verify",
            &image,
            "--key",
            "cosign.pub",
            "--type",
            "verdict",
            "--max-age",
            "1s",
        ],
        "older than --max-age 1s",
    );
    let out = env.bulwark(&[
        "scan",
        "image",
        &unsigned,
        "--no-vulns",
        "--policy",
        &strict,
        "--stage",
        "release",
        "-f",
        "json",
        "-o",
        "fail.json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    env.ok(&["sign", &unsigned, "--key", "cosign.key"]);
    env.ok(&[
        "attest",
        &unsigned,
        "--key",
        "cosign.key",
        "--type",
        "verdict",
        "--predicate",
        "fail.json",
    ]);
    env.refused(
        &[
            "verify",
            &unsigned,
            "--key",
            "cosign.pub",
            "--type",
            "verdict",
        ],
        "the attested verdict is fail (policy strict, rules: no-root-user)",
    );

    // A payload for another digest, and a tampered DSSE payload, written with the right key through the library.
    let victim = env.push(&alpine(), "victim");
    let reference: bulwark_registry::Reference = victim.parse().unwrap();
    let mut store =
        bulwark_sign::oci::Store::connect(&reference, &bulwark_registry::PushOptions::default())
            .unwrap();
    let target = store.resolve(&reference).unwrap();
    let key_pem = std::fs::read_to_string(env.dir.join("cosign.key")).unwrap();
    let key = bulwark_signature::PrivateKey::from_pem_with_password(
        &key_pem,
        b"correct horse",
        "cosign.key",
    )
    .unwrap();
    let other_digest = format!("sha256:{}", "ab".repeat(32));
    let repo = format!("{}/{}", reference.registry, reference.repository);
    let payload =
        bulwark_sign::simplesigning::SimpleSigning::build(&repo, &other_digest, &BTreeMap::new())
            .unwrap();
    let sig = key.sign_base64(&payload).unwrap();
    store
        .write_signature(&target, &payload, &sig, &BTreeMap::new(), None)
        .unwrap();
    env.refused(&["verify", &victim, "--key", "cosign.pub"], &other_digest);

    let statement = bulwark_sign::intoto::Statement::new(
        &repo,
        &target.digest.to_string(),
        bulwark_sign::predicate::VERDICT_V1,
        serde_json::json!({"tampered": false}),
    )
    .unwrap();
    let mut env_json: serde_json::Value = serde_json::from_slice(
        &bulwark_sign::dsse::Envelope::sign_statement(&statement, &key, "")
            .unwrap()
            .to_json(),
    )
    .unwrap();
    // The payload is changed after signing; the signature stays.
    let forged = statement.to_json();
    let forged = String::from_utf8(forged).unwrap().replace("false", "true ");
    env_json["payload"] = base64::engine::general_purpose::STANDARD
        .encode(forged)
        .into();
    store
        .write_attestation(
            &target,
            &serde_json::to_vec(&env_json).unwrap(),
            bulwark_sign::predicate::VERDICT_V1,
        )
        .unwrap();
    // Signed properly so that only the attestation is at fault.
    env.ok(&["sign", &victim, "--key", "cosign.key"]);
    env.refused(
        &[
            "verify",
            &victim,
            "--key",
            "cosign.pub",
            "--type",
            "verdict",
        ],
        "does not verify",
    );

    // An unreachable registry is an error (2), not a refusal.
    let out = env.bulwark(&["verify", "127.0.0.1:9/app:1", "--key", "cosign.pub"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

/// `node keyless.js image DIR SUBJECT ISSUER HEX` (sigstore-js with @sigstore/mock: its own Fulcio CA, CT log
/// and Rekor, in process): a keyless cosign v3 image signature bundle and the trusted root of that instance.
fn keyless_bundle(dir: &Path, subject: &str, issuer: &str, hex: &str) -> (Vec<u8>, PathBuf) {
    let node = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bulwark-sign/tests/reference/node");
    assert!(
        node.join("node_modules/@sigstore/mock").is_dir(),
        "the sigstore-js packages are missing in {}: run .ci/install-deps.sh",
        node.display()
    );
    let out = Command::new("node")
        .arg(node.join("keyless.js"))
        .arg("image")
        .arg(dir)
        .args([subject, issuer, hex])
        .output()
        .expect("node: run .ci/install-deps.sh");
    assert!(
        out.status.success(),
        "keyless.js: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    (
        std::fs::read(dir.join("image.json")).unwrap(),
        dir.join("trusted_root.json"),
    )
}

#[test]
fn keyless_image_signatures_verify_against_the_trusted_root_only() {
    let env = Env::new("keyless");
    let image = env.push(&bookworm(), "keyless");
    let reference: bulwark_registry::Reference = image.parse().unwrap();
    let mut store =
        bulwark_sign::oci::Store::connect(&reference, &bulwark_registry::PushOptions::default())
            .unwrap();
    let target = store.resolve(&reference).unwrap();
    let hex = target
        .digest
        .to_string()
        .trim_start_matches("sha256:")
        .to_owned();
    let (subject, issuer) = ("release@example.com", "https://issuer.example.com");
    let ours = env.dir.join("ours");
    let (bundle, root) = keyless_bundle(&ours, subject, issuer, &hex);
    store
        .write_bundle_referrer(
            &target,
            &bundle,
            bulwark_sign::bundle::COSIGN_SIGN_PREDICATE_TYPE,
        )
        .unwrap();
    let root = root.to_str().unwrap();

    let ok = env.ok(&[
        "verify",
        &image,
        "--trusted-root",
        root,
        "--certificate-identity",
        subject,
        "--certificate-oidc-issuer",
        issuer,
    ]);
    assert!(
        ok.contains("keyless identity \"release@example.com\""),
        "{ok}"
    );
    env.ok(&[
        "verify",
        &image,
        "--trusted-root",
        root,
        "--certificate-identity-regexp",
        "^release@",
        "--certificate-oidc-issuer",
        issuer,
    ]);
    env.refused(
        &[
            "verify",
            &image,
            "--trusted-root",
            root,
            "--certificate-identity",
            "someone@example.com",
            "--certificate-oidc-issuer",
            issuer,
        ],
        "no signature verifies with keyless identity",
    );
    env.refused(
        &[
            "verify",
            &image,
            "--trusted-root",
            root,
            "--certificate-identity",
            subject,
            "--certificate-oidc-issuer",
            "https://other.example.com",
        ],
        "no signature verifies",
    );
    // Another Sigstore instance's root (its own CA and logs) does not vouch for this signature.
    let theirs = env.dir.join("theirs");
    let (_, other_root) = keyless_bundle(&theirs, subject, issuer, &hex);
    env.refused(
        &[
            "verify",
            &image,
            "--trusted-root",
            other_root.to_str().unwrap(),
            "--certificate-identity",
            subject,
            "--certificate-oidc-issuer",
            issuer,
        ],
        "no signature verifies",
    );
    // The identity flags are required with a trusted root.
    let out = env.bulwark(&["verify", &image, "--trusted-root", root]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}
