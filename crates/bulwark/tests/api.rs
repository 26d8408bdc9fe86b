//! The REST API under /api/v1 (issue #15) on a real `bulwark serve --store` child over TLS (curl), on SQLite and
//! on a real PostgreSQL:
//! - every role against every operation: no token and a wrong token are 401 with `WWW-Authenticate: Bearer`, a
//!   token whose role does not allow it is 403, the others 2xx;
//! - a push of a real tool's SBOM (syft's CycloneDX of the bookworm fixture), then `GET /images/{digest}`
//!   shows it with as many packages as the file lists (counted here from the file, by purl type);
//! - a truncated SBOM, a malformed one, a bad digest and an oversized body are refused with their status and
//!   store nothing (the store is read directly afterwards);
//! - `bulwark report push` against the server (exit 0; exit 2 with the server's 403 for a read token);
//! - the API's rows equal the CLI's (`get cve|images|workloads|findings -o json`) on the same store, after a
//!   re-match against a DB built from the test's own feeds;
//! - the OpenAPI document is valid (PyPI `openapi-spec-validator`, run, never skipped) and every operation it
//!   documents is answered; a token file that does not parse stops the server with exit 2 and its line; no
//!   token file refuses everything but the document.

mod common;

#[path = "../../bulwark-store/tests/support/mod.rs"]
mod pg;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::server::Server;
use serde_json::{Value, json};
use sha2::Digest as _;

const DIGEST: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
const DIGEST_BAD: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
const READ: &str = "read-token-5d41402abc4b2a76b9719d911017c592";
const PUSH: &str = "push-token-7d793037a0760186574b0282f2f435e7";
const ADMIN: &str = "admin-token-9e107d9d372bb6826bd81d3542a419d6";

/// The token file: the push token by its SHA-256 (hashed here with sha2, as `sha256sum` would), the others in
/// plain text.
fn tokens_file(dir: &Path) -> PathBuf {
    let hex = sha2::Sha256::digest(PUSH.as_bytes())
        .iter()
        .fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        });
    let p = dir.join("tokens.yaml");
    std::fs::write(
        &p,
        format!(
            "tokens:\n  - name: dashboard\n    role: read\n    token: {READ}\n  - name: ci\n    role: push\n    sha256: {hex}\n  \
             - name: ops\n    role: admin\n    token: {ADMIN}\n"
        ),
    )
    .unwrap();
    p
}

fn serve(dir: &Path, store: &str, extra: &[&str]) -> Server {
    Server::with_store(dir, "certs", store, extra)
}

/// An answer: status, headers (lowercase names) and body.
struct Answer {
    status: u16,
    headers: String,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{}: not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// `curl` with an optional bearer token and body (from a file, so large bodies need no pipe).
fn call(
    s: &Server,
    method: &str,
    target: &str,
    token: Option<&str>,
    body: Option<&[u8]>,
) -> Answer {
    let tmp = tempfile::tempdir().unwrap();
    let headers = tmp.path().join("headers");
    let mut cmd = Command::new("curl");
    cmd.args([
        "-sS",
        "--max-time",
        "60",
        "-o",
        "-",
        "-w",
        "\n%{http_code}",
        "-D",
    ])
    .arg(&headers)
    .arg("--cacert")
    .arg(s.certs.join("ca.crt"))
    .args(["-X", method]);
    if let Some(t) = token {
        cmd.args(["-H", &format!("Authorization: Bearer {t}")]);
    }
    if let Some(b) = body {
        let f = tmp.path().join("body");
        std::fs::write(&f, b).unwrap();
        cmd.args(["-H", "Content-Type: application/json", "--data-binary"])
            .arg(format!("@{}", f.display()));
    }
    let out = cmd
        .arg(s.url(target))
        .stdin(Stdio::null())
        .output()
        .expect("curl (run .ci/install-deps.sh)");
    assert!(
        out.status.success(),
        "curl {method} {target}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cut = out.stdout.iter().rposition(|&b| b == b'\n').unwrap();
    Answer {
        status: std::str::from_utf8(&out.stdout[cut + 1..])
            .unwrap()
            .parse()
            .unwrap(),
        headers: std::fs::read_to_string(&headers)
            .unwrap_or_default()
            .to_lowercase(),
        body: out.stdout[..cut].to_vec(),
    }
}

fn sbom_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../bulwark-sbom/testdata")
        .join(name)
}

/// The packages a CycloneDX file lists that an inventory can match: components (nested ones too) whose purl
/// type is one bulwark-sbom documents (deb, apk, rpm, pypi, npm, golang, cargo, maven, gem, composer, nuget).
fn cyclonedx_packages(doc: &Value) -> usize {
    const TYPES: &[&str] = &[
        "deb", "apk", "rpm", "pypi", "npm", "golang", "cargo", "maven", "gem", "composer", "nuget",
    ];
    let mut n = 0;
    let mut stack: Vec<&Value> = doc["components"].as_array().into_iter().flatten().collect();
    while let Some(c) = stack.pop() {
        if let Some(t) = c["purl"]
            .as_str()
            .and_then(|p| p.strip_prefix("pkg:"))
            .and_then(|p| p.split('/').next())
            && TYPES.contains(&t)
        {
            n += 1;
        }
        stack.extend(c["components"].as_array().into_iter().flatten());
    }
    n
}

fn cli_json(args: &[&str]) -> Value {
    common::json(args)
}

/// (method, target, body, whether read, push and admin may call it)
type Op<'a> = (&'a str, &'a str, Option<&'a [u8]>, [bool; 3]);

fn suite(store: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let tokens = tokens_file(dir);
    let s = serve(
        dir,
        store,
        &[
            "--api-tokens",
            &tokens.display().to_string(),
            "--api-max-body-mib",
            "1",
        ],
    );

    // ---- roles: every operation, every kind of caller.
    let sbom_path = sbom_fixture("syft-bookworm-app-mini.cdx.json");
    let sbom = std::fs::read(&sbom_path).unwrap();
    let reports = format!("/api/v1/reports?digest={DIGEST}&ref=registry.example/payments/api:1");
    let image = format!("/api/v1/images/{DIGEST}");
    // (method, target, body, may read, may push, may admin)
    let ops: Vec<Op> = vec![
        ("GET", "/api/v1/cves", None, [true, false, true]),
        ("GET", "/api/v1/images", None, [true, false, true]),
        ("GET", &image, None, [true, false, true]),
        ("GET", "/api/v1/workloads", None, [true, false, true]),
        (
            "GET",
            "/api/v1/findings?owner=payments",
            None,
            [true, false, true],
        ),
        ("POST", &reports, Some(&sbom), [false, true, true]),
        (
            "POST",
            "/api/v1/placements",
            Some(b"[]"),
            [false, false, true],
        ),
    ];
    for (method, target, body, may) in &ops {
        let a = call(&s, method, target, None, *body);
        assert_eq!(a.status, 401, "{method} {target} without a token");
        assert!(
            a.headers.contains("www-authenticate: bearer"),
            "{}",
            a.headers
        );
        assert_eq!(a.json()["status"], 401);
        let a = call(
            &s,
            method,
            target,
            Some("wrong-token-0000000000000000"),
            *body,
        );
        assert_eq!(a.status, 401, "{method} {target} with a wrong token");
        assert!(
            a.headers.contains("error=\"invalid_token\""),
            "{}",
            a.headers
        );
        for (token, allowed) in [READ, PUSH, ADMIN].iter().zip(may) {
            let a = call(&s, method, target, Some(token), *body);
            if *allowed {
                // The image is not stored before the first push.
                let ok = (200..300).contains(&a.status) || (a.status == 404 && *target == image);
                assert!(
                    ok,
                    "{method} {target} as {token}: {} {}",
                    a.status,
                    String::from_utf8_lossy(&a.body)
                );
            } else {
                assert_eq!(a.status, 403, "{method} {target} as {token}");
                assert!(a.json()["error"].as_str().unwrap().contains("role"));
            }
        }
    }

    // ---- the pushed SBOM, read back: as many packages as the file lists.
    let doc: Value = serde_json::from_slice(&sbom).unwrap();
    let expected = cyclonedx_packages(&doc);
    assert!(expected > 100, "{expected}");
    let got = call(&s, "GET", &image, Some(READ), None);
    assert_eq!(got.status, 200);
    let got = got.json();
    assert_eq!(got["digest"], DIGEST);
    assert_eq!(got["package_count"].as_u64(), Some(expected as u64));
    assert_eq!(got["packages"].as_array().unwrap().len(), expected);
    assert_eq!(
        got["references"],
        json!(["registry.example/payments/api:1"])
    );
    assert_eq!(got["has_sbom"], true);
    // Pushing it again replaces it: 200, not 201.
    let again = call(&s, "POST", &reports, Some(PUSH), Some(&sbom));
    assert_eq!(
        (again.status, again.json()["replaced"].clone()),
        (200, json!(true))
    );

    // ---- bad input: the right status, and nothing stored.
    let push_bad = format!("/api/v1/reports?digest={DIGEST_BAD}");
    let half = &sbom[..sbom.len() / 2];
    let a = call(&s, "POST", &push_bad, Some(PUSH), Some(half));
    assert_eq!(a.status, 400);
    let v = a.json();
    // The input ends in the middle of the document: the error is at its last byte.
    let line = half.split(|&b| b == b'\n').count();
    let column = half.len() - half.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    assert_eq!(
        (v["line"].as_u64(), v["column"].as_u64()),
        (Some(line as u64), Some(column as u64)),
        "{v}"
    );
    assert!(
        v["error"].as_str().unwrap().contains("request body:"),
        "{v}"
    );
    for (target, body, status) in [
        (
            push_bad.as_str(),
            &br#"{"bomFormat": "CycloneDX", "components": {"#[..],
            400,
        ),
        (push_bad.as_str(), &b"not json at all"[..], 400),
        (push_bad.as_str(), &br#"{"some": "json"}"#[..], 400),
        ("/api/v1/reports?digest=sha256:abc", &sbom[..], 400),
        ("/api/v1/reports", &sbom[..], 400),
    ] {
        let a = call(&s, "POST", target, Some(PUSH), Some(body));
        assert_eq!(
            a.status,
            status,
            "{target}: {}",
            String::from_utf8_lossy(&a.body)
        );
        assert!(a.json()["error"].is_string());
    }
    // Over --api-max-body-mib 1.
    let mut big = sbom.clone();
    big.resize(2 << 20, b' ');
    let a = call(&s, "POST", &push_bad, Some(PUSH), Some(&big));
    assert_eq!(a.status, 413, "{}", String::from_utf8_lossy(&a.body));
    let a = call(
        &s,
        "GET",
        &format!("/api/v1/images/{DIGEST_BAD}"),
        Some(READ),
        None,
    );
    assert_eq!(a.status, 404);
    assert!(a.json()["error"].as_str().unwrap().contains(DIGEST_BAD));
    {
        let st = bulwark_store::Store::open(store).unwrap();
        let digests: Vec<String> = st.images().unwrap().into_iter().map(|i| i.digest).collect();
        assert_eq!(
            digests,
            vec![DIGEST.to_owned()],
            "a refused push stored something"
        );
        assert!(st.check().unwrap().is_empty());
    }

    // ---- bulwark report push.
    let ca = s.certs.join("ca.crt");
    let trivy_spdx = sbom_fixture("trivy-alpine314.spdx.json");
    let digest3 = format!("sha256:{}", "3".repeat(64));
    let push_cli = |token: &str| {
        Command::new(env!("CARGO_BIN_EXE_bulwark"))
            .args([
                "report",
                "push",
                "--server",
                &s.url(""),
                "--digest",
                &digest3,
                "--ref",
                "registry.example/search/api:2",
            ])
            .arg("--ca-file")
            .arg(&ca)
            .arg(&trivy_spdx)
            .env("BULWARK_TOKEN", token)
            .env_remove("BULWARK_CONFIG")
            .output()
            .unwrap()
    };
    let out = push_cli(READ);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("403") && err.contains("role read"), "{err}");
    let out = push_cli(PUSH);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    // trivy's SPDX of alpine 3.14 lists its apk packages by purl (counted from the file).
    let spdx: Value = serde_json::from_slice(&std::fs::read(&trivy_spdx).unwrap()).unwrap();
    let apk = spdx["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            p["externalRefs"].as_array().into_iter().flatten().any(|r| {
                r["referenceType"] == "purl"
                    && r["referenceLocator"]
                        .as_str()
                        .is_some_and(|u| u.starts_with("pkg:apk/"))
            })
        })
        .count();
    assert_eq!(v["packages"].as_u64(), Some(apk as u64), "{v}");
    let a = call(
        &s,
        "GET",
        &format!("/api/v1/images/{digest3}"),
        Some(READ),
        None,
    );
    assert_eq!(
        a.json()["references"],
        json!(["registry.example/search/api:2"])
    );

    // ---- placements, then a re-match: the API's rows are the CLI's.
    let place = json!([{
        "cluster": "kind-test", "environment": "staging", "namespace": "shop-staging", "workload_kind": "Deployment",
        "workload_name": "payments", "container": "app", "container_type": "app",
        "image": "registry.example/payments/api:1", "image_id": null, "digest": DIGEST,
        "labels": {}, "annotations": {}
    }, {
        "cluster": "kind-test", "environment": "staging", "namespace": "shop-staging", "workload_kind": "Deployment",
        "workload_name": "pending", "container": "app", "container_type": "app",
        "image": "registry.example/payments/api:2", "image_id": null, "digest": null,
        "labels": {}, "annotations": {}
    }]);
    let a = call(
        &s,
        "POST",
        "/api/v1/placements",
        Some(ADMIN),
        Some(place.to_string().as_bytes()),
    );
    assert_eq!(a.status, 200);
    assert_eq!(a.json(), json!({"stored": 1, "skippedWithoutDigest": 1}));
    let (v1, _) = common::inventory::feeds(dir);
    let db = dir.join("v1.db");
    common::inventory::build_db(&db, &v1);
    common::inventory::ok(&[
        "inventory",
        "rescan",
        "--store",
        store,
        "--db",
        &db.display().to_string(),
    ]);

    let api_all = |path: &str| -> Vec<Value> {
        let mut items = Vec::new();
        let mut target = format!(
            "{path}{}limit=7",
            if path.contains('?') { '&' } else { '?' }
        );
        loop {
            let a = call(&s, "GET", &target, Some(READ), None);
            assert_eq!(
                a.status,
                200,
                "{target}: {}",
                String::from_utf8_lossy(&a.body)
            );
            let v = a.json();
            items.extend(v["items"].as_array().unwrap().iter().cloned());
            match v["continue"].as_str() {
                Some(c) => {
                    target = format!(
                        "{path}{}limit=7&continue={c}",
                        if path.contains('?') { '&' } else { '?' }
                    );
                }
                None => return items,
            }
        }
    };
    for (api, cli) in [
        ("/api/v1/cves", vec!["get", "cve"]),
        (
            "/api/v1/cves?environment=staging&severity=low",
            vec![
                "get",
                "cve",
                "--environment",
                "staging",
                "--severity",
                "low",
            ],
        ),
        (
            "/api/v1/cves?image=registry.example/search/api:2",
            vec!["get", "cve", "--image", "registry.example/search/api:2"],
        ),
        ("/api/v1/images", vec!["get", "images"]),
        (
            "/api/v1/workloads?environment=staging",
            vec!["get", "workloads", "--environment", "staging"],
        ),
        ("/api/v1/findings", vec!["get", "findings"]),
        (
            "/api/v1/findings?severity=high",
            vec!["get", "findings", "--severity", "high"],
        ),
    ] {
        let mut args = cli.clone();
        args.extend(["--store", store, "-o", "json"]);
        let want = cli_json(&args);
        let got = api_all(api);
        assert_eq!(Value::Array(got), want, "{api} vs bulwark {cli:?}");
    }
    // Not vacuous: the re-match found vulnerabilities in the Debian packages, and the workload runs the image.
    let cves = cli_json(&["get", "cve", "--store", store, "-o", "json"]);
    assert!(cves.as_array().unwrap().len() > 7, "{cves}");
    let w = api_all("/api/v1/workloads");
    assert_eq!(w.len(), 1);
    assert_eq!(w[0]["digest"], DIGEST);
    assert!(w[0]["findings"]["total"].as_i64().unwrap() > 0);

    // ---- the document: public, valid, and every operation it lists is answered.
    let a = call(&s, "GET", "/api/v1/openapi.json", None, None);
    assert_eq!(a.status, 200);
    let doc = a.json();
    let file = dir.join("openapi.json");
    std::fs::write(&file, &a.body).unwrap();
    let out = Command::new("python3")
        .args(["-c", "import sys, json\nfrom openapi_spec_validator import validate\nvalidate(json.load(open(sys.argv[1])))\nprint('ok')"])
        .arg(&file)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "openapi-spec-validator (pip install openapi-spec-validator, see .ci/install-deps.sh): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let target = path
                .replace("{digest}", DIGEST)
                .replace("{cluster}", w[0]["cluster"].as_str().unwrap())
                .replace("{namespace}", w[0]["namespace"].as_str().unwrap())
                .replace("{kind}", w[0]["kind"].as_str().unwrap())
                .replace("{name}", w[0]["name"].as_str().unwrap());
            let body: Option<&[u8]> = (method == "post").then_some(b"[]");
            let a = call(&s, &method.to_uppercase(), &target, Some(ADMIN), body);
            assert!(
                !matches!(a.status, 404 | 405),
                "{method} {path}: {}",
                a.status
            );
        }
    }
    // A path the document does not list is not answered.
    assert_eq!(
        call(&s, "GET", "/api/v1/secrets", Some(ADMIN), None).status,
        404
    );
    assert_eq!(call(&s, "DELETE", &image, Some(ADMIN), None).status, 405);
}

#[test]
fn api_on_sqlite() {
    let db = pg::TestDb::sqlite();
    suite(&db.location);
}

#[test]
fn api_on_postgresql() {
    let db = pg::TestDb::postgres();
    suite(&db.location);
}

#[test]
fn without_a_token_file_only_the_document_is_served() {
    let tmp = tempfile::tempdir().unwrap();
    let db = pg::TestDb::sqlite();
    let s = serve(tmp.path(), &db.location, &[]);
    for (method, target) in [
        ("GET", "/api/v1/images"),
        ("GET", "/api/v1/cves"),
        ("POST", "/api/v1/placements"),
    ] {
        let a = call(&s, method, target, Some(ADMIN), Some(b"[]"));
        assert_eq!(a.status, 401, "{target}");
        assert!(a.json()["error"].as_str().unwrap().contains("--api-tokens"));
    }
    assert_eq!(
        call(&s, "GET", "/api/v1/openapi.json", None, None).status,
        200
    );
}

#[test]
fn a_bad_token_file_stops_the_server_with_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let db = pg::TestDb::sqlite();
    let f = tmp.path().join("tokens.yaml");
    std::fs::write(
        &f,
        "tokens:\n  - name: ci\n    role: pusher\n    token: 0123456789abcdef0123\n",
    )
    .unwrap();
    let tokens = f.display().to_string();
    let (mut cmd, _) = Server::store_command(
        tmp.path(),
        "certs",
        &db.location,
        &["--api-tokens", &tokens],
    );
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{}:3:", f.display())) && err.contains("unknown role"),
        "{err}"
    );
}
