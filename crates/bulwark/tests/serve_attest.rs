//! SBOM attestations from the registry as an inventory feed (issue #15, feed d), with real parts: Debian's
//! `docker-registry` on 127.0.0.1, images pushed by `skopeo`, attested by `bulwark attest --type cyclonedx`
//! (both layouts: cosign's `.att` tag and a Sigstore bundle referrer).
//! - (a) `bulwark inventory pull IMAGE --verify-key cosign.pub` stores the SBOM: its packages are those the
//!   CycloneDX document of `bulwark sbom IMAGE` lists (compared as sets of name, version and purl read from that
//!   document with serde_json);
//! - (b) `bulwark serve --store … --sbom-from-registry` given an AdmissionReview naming the image by digest
//!   stores its SBOM afterwards, off the request path, and the server's rescan loop then matches it (a CVE
//!   and an advisory the test's DB defines for two of the image's packages);
//! - (c) an image attested with another key, and one not attested, get no SBOM, and the reason is logged by
//!   the server (`sbom-attestation-refused`) and printed by the one-shot pull (exit 1);
//! - (d) a tampered attestation (the payload changed after signing) and a well-signed one naming another digest
//!   are refused;
//! - an SPDX attestation is read with `--type spdx` (packages compared with the SPDX document's, the image it
//!   describes left out).

mod common;

#[path = "../../bulwark-registry/tests/support/mod.rs"]
mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use base64::Engine as _;
use common::server::Server;
use serde_json::{Value, json};
use support::{TestRegistry, temp_dir};

const RULES: &str = "apiVersion: policy.bulwark.dev/v1
kind: PolicySet
metadata: {name: feeds}
rules:
  - id: no-privileged
    stages: {deploy: fail}
    kubernetes: {ids: [BW-K8S-0002]}
";

struct Env {
    dir: PathBuf,
    registry: TestRegistry,
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn fixture(name: &str) -> String {
    support::fixtures().join(name).display().to_string()
}

impl Env {
    fn new(name: &str) -> Self {
        let dir = temp_dir(name);
        let registry = TestRegistry::start("plain", &dir.join("registry"), &[], None);
        Self { dir, registry }
    }

    /// Pushes `source` as `REPO:1` with skopeo; returns the reference.
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
        assert!(out.status.success(), "{}", text(&out.stderr));
        reference
    }

    /// The manifest digest as skopeo (an independent client) reads it.
    fn digest(reference: &str) -> String {
        let out = Command::new("skopeo")
            .args(["inspect", "--tls-verify=false", "--format", "{{.Digest}}"])
            .arg(format!("docker://{reference}"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout).trim().to_owned()
    }

    fn bulwark(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_bulwark"))
            .args(args)
            .current_dir(&self.dir)
            .env("BULWARK_PASSWORD", "correct horse")
            .env_remove("COSIGN_PASSWORD")
            .env_remove("BULWARK_STORE")
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

    /// `bulwark sbom IMAGE` (CycloneDX) written to `file`, then attested with `key`.
    fn attest(&self, image: &str, key: &str, file: &str) {
        self.ok(&["sbom", image, "-o", file]);
        self.ok(&[
            "attest",
            image,
            "--key",
            key,
            "--type",
            "cyclonedx",
            "--predicate",
            file,
        ]);
    }

    fn store(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }
}

/// (name, version, purl) of every component with a purl in a CycloneDX document.
fn cyclonedx_packages(path: &Path) -> BTreeSet<(String, String, String)> {
    let doc: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    assert_eq!(doc["bomFormat"], "CycloneDX");
    let mut out = BTreeSet::new();
    let mut stack: Vec<&Value> = doc["components"].as_array().unwrap().iter().collect();
    while let Some(c) = stack.pop() {
        if let Some(purl) = c["purl"].as_str() {
            out.insert((
                c["name"].as_str().unwrap().to_owned(),
                c["version"].as_str().unwrap_or_default().to_owned(),
                purl.to_owned(),
            ));
        }
        if let Some(children) = c["components"].as_array() {
            stack.extend(children);
        }
    }
    out
}

/// (name, version, purl) of every package with a purl in an SPDX 2.3 JSON document, except what the document
/// describes (the image itself: `documentDescribes`, or a DESCRIBES relationship of `SPDXRef-DOCUMENT`).
fn spdx_packages(path: &Path) -> BTreeSet<(String, String, String)> {
    let doc: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    assert!(doc["spdxVersion"].as_str().unwrap().starts_with("SPDX-2."));
    let mut described: BTreeSet<&str> = doc["documentDescribes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    for r in doc["relationships"].as_array().into_iter().flatten() {
        if r["spdxElementId"] == "SPDXRef-DOCUMENT" && r["relationshipType"] == "DESCRIBES" {
            described.extend(r["relatedSpdxElement"].as_str());
        }
    }
    assert!(!described.is_empty(), "the document describes the image");
    doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            !p["SPDXID"]
                .as_str()
                .is_some_and(|id| described.contains(id))
        })
        .filter_map(|p| {
            let purl = p["externalRefs"]
                .as_array()?
                .iter()
                .find(|r| r["referenceType"] == "purl")?["referenceLocator"]
                .as_str()?;
            Some((
                p["name"].as_str()?.to_owned(),
                p["versionInfo"].as_str().unwrap_or_default().to_owned(),
                purl.to_owned(),
            ))
        })
        .collect()
}

fn stored_packages(store: &str, digest: &str) -> BTreeSet<(String, String, String)> {
    let s = bulwark_store::Store::open(store).unwrap();
    s.packages(digest)
        .unwrap()
        .into_iter()
        .map(|p| (p.name, p.version, p.purl))
        .collect()
}

/// `got == want`, showing only the differences when not.
fn same(got: &BTreeSet<(String, String, String)>, want: &BTreeSet<(String, String, String)>) {
    let extra: Vec<_> = got.difference(want).collect();
    let missing: Vec<_> = want.difference(got).collect();
    assert!(
        extra.is_empty() && missing.is_empty(),
        "stored but not listed: {extra:?}\nlisted but not stored: {missing:?}"
    );
}

fn has_sbom(store: &str, digest: &str) -> bool {
    let s = bulwark_store::Store::open(store).unwrap();
    s.image(digest).unwrap().is_some_and(|i| i.has_sbom)
}

/// A pod admitted into `staging`, its one container's image pinned by digest.
fn review(uid: &str, name: &str, image: &str) -> Value {
    json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "name": name,
            "namespace": "staging",
            "operation": "CREATE",
            "userInfo": {"username": "alice"},
            "object": {
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "namespace": "staging"},
                "spec": {"containers": [{"name": "app", "image": image}]}
            },
            "oldObject": null,
            "dryRun": false,
        }
    })
}

fn serve(dir: &Path, store: &str, extra: &[&str]) -> Server {
    let bundle = dir.join("bundle");
    std::fs::create_dir_all(&bundle).unwrap();
    std::fs::write(bundle.join("rules.yaml"), RULES).unwrap();
    let certs = dir.join("certs");
    let mut args: Vec<std::ffi::OsString> = vec![
        "serve".into(),
        "--policy".into(),
        bundle.into(),
        "--generate-certs".into(),
        certs.clone().into(),
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--store".into(),
        store.into(),
    ];
    args.extend(extra.iter().map(Into::into));
    let mut cmd = Server::command(&args, dir);
    cmd.env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env_remove("KUBERNETES_SERVICE_PORT")
        .env_remove("BULWARK_STORE");
    Server::spawn(cmd, certs)
}

/// The server's `sbom-attestation-refused` lines for `digest`.
fn refusals(server: &Server, digest: &str) -> Vec<Value> {
    server
        .lines()
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["event"] == "sbom-attestation-refused" && v["digest"] == digest)
        .collect()
}

#[test]
fn attested_sboms_are_pulled_verified_and_refused_when_they_do_not_verify() {
    let env = Env::new("serve-attest");
    env.ok(&["keys", "generate"]);
    env.ok(&["keys", "generate", "--output-key-prefix", "other"]);

    let good = env.push(&format!("oci:{}:bookworm-app", fixture("oci-mini")), "good");
    let other = env.push(
        &format!("docker-archive:{}", fixture("alpine314-mini.docker.tar")),
        "other",
    );
    let bare = env.push(
        &format!("docker-archive:{}", fixture("bookworm-app-mini.docker.tar")),
        "bare",
    );
    let (good_d, other_d, bare_d) = (Env::digest(&good), Env::digest(&other), Env::digest(&bare));
    assert_eq!(
        BTreeSet::from([&good_d, &other_d, &bare_d]).len(),
        3,
        "three distinct images"
    );
    env.attest(&good, "cosign.key", "good.cdx.json");
    env.attest(&other, "other.key", "other.cdx.json");

    // (a) The one-shot pull stores the SBOM `bulwark sbom` wrote, for the digest skopeo reads.
    let truth = cyclonedx_packages(&env.dir.join("good.cdx.json"));
    assert!(
        truth
            .iter()
            .any(|(n, _, p)| n == "base-files" && p.starts_with("pkg:deb/debian/")),
        "the bookworm image lists Debian packages: {truth:?}"
    );
    let one = env.store("one.db");
    let out = env.ok(&[
        "inventory",
        "pull",
        &good,
        "--verify-key",
        "cosign.pub",
        "--store",
        &one,
    ]);
    let line: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(line["digest"], good_d.as_str());
    assert_eq!(line["kind"], "cyclonedx");
    assert_eq!(line["packages"], truth.len());
    same(&stored_packages(&one, &good_d), &truth);
    // Any of several keys may have signed it.
    let two = env.store("two.db");
    env.ok(&[
        "inventory",
        "pull",
        &format!("{}/good@{good_d}", env.registry.host),
        "--verify-key",
        "other.pub",
        "--verify-key",
        "cosign.pub",
        "--store",
        &two,
    ]);
    same(&stored_packages(&two, &good_d), &truth);

    // (c) Another key's attestation, and none at all: exit 1, nothing stored, the reason printed.
    for (image, digest, why) in [
        (&other, &other_d, "cosign.pub"),
        (&bare, &bare_d, "no cyclonedx or spdx attestation"),
    ] {
        let out = env.bulwark(&[
            "inventory",
            "pull",
            image,
            "--verify-key",
            "cosign.pub",
            "--store",
            &one,
        ]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{image}: {err}");
        assert!(
            err.contains("no verified SBOM attestation") && err.contains(digest.as_str()),
            "{err}"
        );
        assert!(err.contains(why), "{why:?} in {err}");
        assert!(!has_sbom(&one, digest), "{image} got an SBOM");
    }

    // (d) A tampered attestation, and a well-signed one naming another digest, in a repository of their own.
    let tampered = env.push(
        &format!("oci:{}:bookworm-app", fixture("oci-mini")),
        "tampered",
    );
    let reference: bulwark_registry::Reference = tampered.parse().unwrap();
    let mut reg =
        bulwark_sign::oci::Store::connect(&reference, &bulwark_registry::PushOptions::default())
            .unwrap();
    let target = reg.resolve(&reference).unwrap();
    assert_eq!(target.digest.to_string(), good_d);
    let key_pem = std::fs::read_to_string(env.dir.join("cosign.key")).unwrap();
    let key = bulwark_signature::PrivateKey::from_pem_with_password(
        &key_pem,
        b"correct horse",
        "cosign.key",
    )
    .unwrap();
    let sbom: Value =
        serde_json::from_slice(&std::fs::read(env.dir.join("good.cdx.json")).unwrap()).unwrap();
    let repo = format!("{}/{}", reference.registry, reference.repository);
    let statement = bulwark_sign::intoto::Statement::new(
        &repo,
        &good_d,
        bulwark_sign::predicate::CYCLONEDX,
        sbom.clone(),
    )
    .unwrap();
    let mut envelope: Value = serde_json::from_slice(
        &bulwark_sign::dsse::Envelope::sign_statement(&statement, &key, "")
            .unwrap()
            .to_json(),
    )
    .unwrap();
    // One package's version is changed after signing; the signature stays.
    let forged = text(&statement.to_json()).replacen("\"version\":\"", "\"version\":\"9", 1);
    assert_ne!(forged, text(&statement.to_json()));
    envelope["payload"] = base64::engine::general_purpose::STANDARD
        .encode(forged)
        .into();
    reg.write_attestation(
        &target,
        &serde_json::to_vec(&envelope).unwrap(),
        bulwark_sign::predicate::CYCLONEDX,
    )
    .unwrap();
    let elsewhere = format!("sha256:{}", "ab".repeat(32));
    let misnamed = bulwark_sign::intoto::Statement::new(
        &repo,
        &elsewhere,
        bulwark_sign::predicate::CYCLONEDX,
        sbom,
    )
    .unwrap();
    reg.write_attestation(
        &target,
        &bulwark_sign::dsse::Envelope::sign_statement(&misnamed, &key, "")
            .unwrap()
            .to_json(),
        bulwark_sign::predicate::CYCLONEDX,
    )
    .unwrap();
    let fresh = env.store("fresh.db");
    let out = env.bulwark(&[
        "inventory",
        "pull",
        &tampered,
        "--verify-key",
        "cosign.pub",
        "--store",
        &fresh,
    ]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("layer 0") && err.contains("verif"), "{err}");
    assert!(
        err.contains("layer 1")
            && err.contains(&format!(
                "no subject of the in-toto statement has the digest {good_d}"
            )),
        "{err}"
    );
    assert!(!has_sbom(&fresh, &good_d));

    // (b) The server: admitted pods' digests get their SBOMs from the registry, and the rescan loop matches
    // them against the DB; (c) the others are refused with a log line and retried. The DB (the inventory tests'
    // feeds) has CVE-2099-0001 for Debian's dash 0.5.12-2 and PYSEC-2099-1 for PyPI requests < 2.20.0; the
    // bookworm image lists dash 0.5.12-2 and requests 2.19.0.
    assert!(truth.iter().any(|(n, v, _)| n == "dash" && v == "0.5.12-2"));
    assert!(
        truth
            .iter()
            .any(|(n, v, _)| n == "requests" && v == "2.19.0")
    );
    let db = env.dir.join("vuln.db");
    common::inventory::build_db(&db, &common::inventory::feeds(&env.dir).1);
    let store = env.store("served.db");
    let server = serve(
        &env.dir,
        &store,
        &[
            "--vuln-db",
            db.to_str().unwrap(),
            "--rescan-every",
            "200ms",
            "--sbom-from-registry",
            "--sbom-key",
            "cosign.pub",
            "--sbom-retry",
            "1s",
            "--sbom-attempts",
            "2",
        ],
    );
    for (i, (image, digest)) in [(&good, &good_d), (&other, &other_d), (&bare, &bare_d)]
        .into_iter()
        .enumerate()
    {
        let pinned = format!("{}@{digest}", image.rsplit_once(':').unwrap().0);
        let r = review(&format!("u{i}"), &format!("p{i}"), &pinned);
        let (status, body) = server.curl("POST", "/validate", Some(r.to_string().as_bytes()));
        assert_eq!(status, 200, "{}", text(&body));
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["response"]["allowed"], true, "{v}");
    }
    let findings = |digest: &str| -> BTreeSet<String> {
        bulwark_store::Store::open(&store)
            .unwrap()
            .findings(digest, true)
            .unwrap()
            .into_iter()
            .map(|f| f.vuln_id)
            .collect()
    };
    let deadline = Instant::now() + Duration::from_mins(1);
    loop {
        let done = findings(&good_d).contains("PYSEC-2099-1")
            && has_sbom(&store, &good_d)
            && refusals(&server, &other_d).len() >= 2
            && refusals(&server, &bare_d).len() >= 2;
        if done {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "after 60 s:\n{}",
            server.lines().join("\n")
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    same(&stored_packages(&store, &good_d), &truth);
    assert!(findings(&good_d).is_superset(&BTreeSet::from([
        "CVE-2099-0001".to_owned(),
        "PYSEC-2099-1".to_owned()
    ])));
    assert!(!has_sbom(&store, &other_d) && !has_sbom(&store, &bare_d));
    assert!(findings(&other_d).is_empty() && findings(&bare_d).is_empty());
    let other_lines = refusals(&server, &other_d);
    let e = other_lines[0]["error"].as_str().unwrap();
    assert!(
        e.contains("no verified SBOM attestation") && e.contains("cosign.pub"),
        "{e}"
    );
    assert_eq!(other_lines[0]["givenUp"], false);
    assert_eq!(
        other_lines[1]["givenUp"], true,
        "two attempts, then given up"
    );
    let bare_lines = refusals(&server, &bare_d);
    let e = bare_lines[0]["error"].as_str().unwrap();
    assert!(e.contains("no cyclonedx or spdx attestation"), "{e}");
    // The placements were written too, and the good one's SBOM holds the admitted digest's packages.
    let s = bulwark_store::Store::open(&store).unwrap();
    let placed: BTreeSet<String> = s
        .placements(&bulwark_store::PlacementFilter::default())
        .unwrap()
        .into_iter()
        .map(|r| r.placement.digest)
        .collect();
    assert_eq!(
        placed,
        BTreeSet::from([good_d.clone(), other_d, bare_d.clone()])
    );
    // A second admission of the same digest is not fetched again.
    let before = server
        .lines()
        .iter()
        .filter(|l| l.contains("sbom-attestation-ingested"))
        .count();
    assert_eq!(before, 1);
    let pinned = format!("{}/good@{good_d}", env.registry.host);
    let r = review("u9", "p9", &pinned);
    let (status, _) = server.curl("POST", "/validate", Some(r.to_string().as_bytes()));
    assert_eq!(status, 200);
    std::thread::sleep(Duration::from_secs(2));
    let after = server
        .lines()
        .iter()
        .filter(|l| l.contains("sbom-attestation-ingested"))
        .count();
    assert_eq!(after, 1);
    drop(server);

    // SPDX: the image that had no attestation gets one; `--type spdx` reads it.
    env.ok(&["sbom", &bare, "-f", "spdx-json", "-o", "bare.spdx.json"]);
    env.ok(&[
        "attest",
        &bare,
        "--key",
        "cosign.key",
        "--type",
        "spdx",
        "--predicate",
        "bare.spdx.json",
    ]);
    let truth = spdx_packages(&env.dir.join("bare.spdx.json"));
    assert!(!truth.is_empty());
    let out = env.ok(&[
        "inventory",
        "pull",
        &bare,
        "--type",
        "spdx",
        "--verify-key",
        "cosign.pub",
        "--store",
        &one,
    ]);
    let line: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(line["kind"], "spdx");
    same(&stored_packages(&one, &bare_d), &truth);
}
