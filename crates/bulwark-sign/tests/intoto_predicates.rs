//! in-toto statements and predicates checked from outside: the verdict predicate we produce is validated against
//! `docs/verdict-predicate.schema.json` by Python's `jsonschema` (`tests/reference/python/validate_schema.py`),
//! and broken predicates are refused by both the schema and our reader. A statement with a repeated key, read
//! differently by Python's `json` (last copy wins), is refused by ours. Needs python3 with jsonschema
//! (`.ci/install-deps.sh`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use bulwark_sign::dsse::{DsseError, Envelope, INTOTO_PAYLOAD_TYPE};
use bulwark_sign::intoto::{Statement, StatementError};
use bulwark_sign::predicate::{
    BundleInfo, DbInfo, Decision, ExceptionInfo, RuleInfo, ScanSummary, ScannerInfo, SubjectInfo,
    VERDICT_V1, VerdictInfo, VerdictPredicate,
};
use bulwark_signature::{KeyKind, PrivateKey};

const DIGEST: &str = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn workdir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("intoto_predicates-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn python(args: &[&str]) -> String {
    let out = Command::new("python3")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("python3 is missing ({e}): run .ci/install-deps.sh"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && !stderr.contains("ModuleNotFoundError"),
        "python3 {args:?} failed (run .ci/install-deps.sh if a module is missing): {stderr}"
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Validates each document with jsonschema; one verdict line per document.
fn schema_verdicts(docs: &[serde_json::Value], dir: &Path) -> Vec<String> {
    let schema = manifest_dir().join("docs/verdict-predicate.schema.json");
    let tool = manifest_dir().join("tests/reference/python/validate_schema.py");
    let mut args = vec![
        tool.to_str().unwrap().to_owned(),
        schema.to_str().unwrap().to_owned(),
    ];
    for (i, d) in docs.iter().enumerate() {
        let p = dir.join(format!("doc{i}.json"));
        std::fs::write(&p, serde_json::to_vec(d).unwrap()).unwrap();
        args.push(p.to_str().unwrap().to_owned());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    python(&args).lines().map(str::to_owned).collect()
}

fn predicate() -> VerdictPredicate {
    VerdictPredicate {
        scanner: ScannerInfo {
            name: "bulwark".into(),
            version: "0.1.0".into(),
        },
        subject: SubjectInfo {
            kind: "image".into(),
            name: "registry.example/shop/api:1.4".into(),
            digest: DIGEST.into(),
        },
        scan: ScanSummary {
            created_at: "2026-12-06T15:40:00Z".into(),
            packages: 212,
            findings: 3,
            severities: BTreeMap::from([("HIGH".into(), 1), ("MEDIUM".into(), 2)]),
        },
        db: Some(DbInfo {
            built_at: "2026-12-06T02:00:00.25+01:00".into(),
            schema_version: Some(1),
            sources: vec!["debian (2026-12-06, 51234 records)".into()],
        }),
        bundle: BundleInfo {
            name: "acme-baseline".into(),
            version: Some("2.3.0".into()),
            digest: DIGEST.replace("9f86", "4b2c"),
            commit: None,
            artifact: Some(DIGEST.replace("9f86", "77aa")),
        },
        verdict: VerdictInfo {
            decision: Decision::Pass,
            stage: "release".into(),
            evaluated_at: "2026-12-06T15:40:01Z".into(),
            rules: vec![RuleInfo {
                rule: "no-high-fixable".into(),
                engine: "lifecycle".into(),
                policy_set: Some("vulns".into()),
                action: "warn".into(),
                outcome: "fail".into(),
                finding_ids: vec!["CVE-2026-1234".into()],
                message: None,
            }],
            exceptions: vec![ExceptionInfo {
                id: "EXC-12".into(),
                expires: Some("2027-01-31".into()),
                owner: "team-shop".into(),
                ticket: Some("SEC-881".into()),
                reason: "not reachable".into(),
                matched: 1,
            }],
        },
        time: "2026-12-06T15:40:02Z".into(),
    }
}

#[test]
fn the_verdict_predicate_we_produce_validates_against_the_published_schema() {
    let dir = workdir("schema");
    let good = predicate().to_value();
    let mut minimal = predicate();
    minimal.db = None;
    minimal.bundle.version = None;
    minimal.bundle.artifact = None;
    minimal.verdict.rules.clear();
    minimal.verdict.exceptions.clear();
    minimal.scan.severities.clear();

    // Each broken variant: (what is changed, the JSON pointer, the new value).
    let broken: Vec<(&str, serde_json::Value)> = vec![
        ("/verdict/decision", "maybe".into()),
        ("/verdict/stage", "staging".into()),
        ("/subject/digest", "sha256:abc".into()),
        ("/time", "yesterday".into()),
        ("/db/builtAt", "2026-12-06".into()),
        ("/scan/severities", serde_json::json!({"SEVERE": 1})),
        ("/scan/findings", (-1).into()),
        ("/verdict/rules/0/action", "deny".into()),
        ("/extra", true.into()),
    ];
    let mut docs = vec![good.clone(), minimal.to_value()];
    for (pointer, value) in &broken {
        let mut d = good.clone();
        let (parent, leaf) = pointer.rsplit_once('/').unwrap();
        d.pointer_mut(if parent.is_empty() { "" } else { parent })
            .unwrap()
            .as_object_mut()
            .unwrap()
            .insert(leaf.to_owned(), value.clone());
        docs.push(d);
    }
    let verdicts = schema_verdicts(&docs, &dir);
    assert_eq!(verdicts.len(), docs.len());
    assert_eq!(verdicts[0], "valid");
    assert_eq!(verdicts[1], "valid");
    for ((pointer, _), (doc, verdict)) in broken.iter().zip(docs[2..].iter().zip(&verdicts[2..])) {
        // The schema and our reader agree: both refuse.
        assert!(
            verdict.starts_with("invalid"),
            "{pointer}: the schema accepted it"
        );
        assert!(
            VerdictPredicate::from_value(doc).is_err(),
            "{pointer}: our reader accepted it"
        );
    }
    // And both accept what we produce, through a signed statement.
    let key = PrivateKey::generate(KeyKind::EcdsaP256).unwrap();
    let st = Statement::new("registry.example/shop/api", DIGEST, VERDICT_V1, good).unwrap();
    let env = Envelope::sign_statement(&st, &key, "").unwrap();
    let back = Envelope::from_json(&env.to_json())
        .unwrap()
        .verify_statement(&key.public_key())
        .unwrap();
    back.check_subject(DIGEST).unwrap();
    let p = VerdictPredicate::from_statement(&back).unwrap();
    assert_eq!(p, predicate());
    assert_eq!(p.time_unix(), Some(1_796_571_602)); // `date -u -d 2026-12-06T15:40:02Z +%s`
    assert_eq!(p.db_built_unix(), Some(1_796_518_800)); // `date -u -d 2026-12-06T02:00:00+01:00 +%s`
}

#[test]
fn a_repeated_key_that_python_would_read_differently_is_refused() {
    // Python's json (like Go's encoding/json) keeps the last copy of a repeated key: a verifier using it would
    // see `verdict: pass` where a first-copy parser sees `fail`. We refuse the statement, even correctly signed.
    let text = format!(
        r#"{{"_type":"https://in-toto.io/Statement/v1","subject":[{{"name":"x","digest":{{"sha256":"{}"}}}}],"predicateType":"{VERDICT_V1}","predicate":{{"verdict":{{"decision":"fail","decision":"pass"}}}}}}"#,
        &DIGEST[7..]
    );
    let seen = python(&[
        "-c",
        "import json,sys; print(json.loads(sys.argv[1])['predicate']['verdict']['decision'])",
        &text,
    ]);
    assert_eq!(seen.trim(), "pass");

    let key = PrivateKey::generate(KeyKind::Ed25519).unwrap();
    let env = Envelope::sign(INTOTO_PAYLOAD_TYPE, text.as_bytes(), &key, "").unwrap();
    let err = env.verify_statement(&key.public_key()).unwrap_err();
    assert_eq!(
        err,
        DsseError::Statement(StatementError::DuplicateKey {
            key: "decision".into(),
            path: "$.predicate.verdict".into()
        })
    );
    assert_eq!(
        err.to_string(),
        "DSSE payload: in-toto statement repeats the key \"decision\" in the object at $.predicate.verdict"
    );
}
