//! gatekeeper-library suites (`../shared/fixtures/upstream/gatekeeper-library`, read its README) through
//! `evaluate_with`: each test's template and constraint are a bundle, each case's object a subject, and the
//! constraint's hits must satisfy the case's `suite.yaml` assertions (`violations: yes | no | n`, with an
//! optional `message` regex). Templates that carry CEL run in CEL (as `gator` does by default); the same suites
//! run again with the CEL code removed, so those templates run in Rego too.

mod common;

use std::path::{Path, PathBuf};

use bulwark_policy::{Bundle, BundleFile};
use bulwark_policy::{Outcome, Stage};
use bulwark_policy_engines::Engines;
use common::{documents, eval_object, fixtures, result};
use serde_json::Value;

fn suite_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for group in ["general", "pod-security-policy"] {
        let dir = fixtures()
            .join("upstream/gatekeeper-library/library")
            .join(group);
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        out.extend(
            entries
                .into_iter()
                .map(|p| p.join("suite.yaml"))
                .filter(|p| p.exists()),
        );
    }
    out
}

/// The template text, without its `K8sNativeValidation` code when `rego_only` (as JSON, which is YAML).
fn template_text(path: &Path, rego_only: bool) -> (String, bool) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut t = documents(path).remove(0);
    let code = t["spec"]["targets"][0]["code"].as_array_mut();
    let has_cel = code
        .as_ref()
        .is_some_and(|c| c.iter().any(|e| e["engine"] == "K8sNativeValidation"));
    if !rego_only || !has_cel {
        return (text, has_cel);
    }
    if let Some(code) = code {
        code.retain(|e| e["engine"] != "K8sNativeValidation");
    }
    (serde_json::to_string_pretty(&t).unwrap(), has_cel)
}

#[derive(Default, Debug)]
struct Tally {
    cases: usize,
    assertions: usize,
    with_cel: usize,
    /// Tests whose files the bundle loader refused.
    refused: Vec<String>,
}

/// Tests whose files the bundle loader refuses: none. (`httpsonly/template.yaml`, whose parameter description is a
/// double-quoted scalar continued at its key's indentation, was refused until bulwark-k8s's YAML reader accepted
/// it as Kubernetes' does.)
const REFUSED: &[&str] = &[];

fn run(rego_only: bool) -> Tally {
    let mut tally = Tally::default();
    for suite_path in suite_files() {
        let base = suite_path.parent().unwrap();
        let suite = &documents(&suite_path)[0];
        for test in suite["tests"].as_array().unwrap() {
            let (template, has_cel) =
                template_text(&base.join(test["template"].as_str().unwrap()), rego_only);
            let constraint_path = base.join(test["constraint"].as_str().unwrap());
            let constraint_text = std::fs::read_to_string(&constraint_path).unwrap();
            let files = vec![
                BundleFile {
                    path: "template.yaml".into(),
                    bytes: template.into_bytes(),
                },
                BundleFile {
                    path: "constraint.yaml".into(),
                    bytes: constraint_text.into_bytes(),
                },
            ];
            let bundle = match Bundle::from_files(files, "test", None) {
                Ok(bundle) => bundle,
                Err(e) => {
                    let folder = base.file_name().unwrap().to_string_lossy().into_owned();
                    tally.refused.push(format!("{folder}: {e}"));
                    continue;
                }
            };
            let engines =
                Engines::new(&bundle).unwrap_or_else(|e| panic!("{}: {e}", suite_path.display()));
            let name = documents(&constraint_path)[0]["metadata"]["name"]
                .as_str()
                .unwrap()
                .to_string();
            for case in test["cases"].as_array().into_iter().flatten() {
                // Referential cases need data.inventory, which a bundle evaluation does not have.
                if case.get("inventory").is_some() {
                    continue;
                }
                let objects = documents(&base.join(case["object"].as_str().unwrap()));
                let v = eval_object(&bundle, &engines, &objects[0], Stage::Deploy);
                let r = result(&v, &name);
                let at = format!("{} {} {}", suite_path.display(), test["name"], case["name"]);
                assert!(
                    matches!(r.outcome, Outcome::Pass | Outcome::Fail | Outcome::Skip),
                    "{at}: {}",
                    v.to_json()
                );
                for a in case["assertions"].as_array().into_iter().flatten() {
                    let re = a
                        .get("message")
                        .and_then(Value::as_str)
                        .filter(|m| !m.is_empty())
                        .map(|m| regex::Regex::new(m).unwrap());
                    let n = r
                        .hits
                        .iter()
                        .filter(|h| re.as_ref().is_none_or(|re| re.is_match(&h.message)))
                        .count();
                    let ok = match &a["violations"] {
                        // Omitted: `yes` (gator's default).
                        Value::Bool(true) | Value::Null => n > 0,
                        Value::Bool(false) => n == 0,
                        Value::String(s) if s == "yes" => n > 0,
                        Value::String(s) if s == "no" => n == 0,
                        Value::Number(x) => n as u64 == x.as_u64().unwrap(),
                        other => panic!("{at}: assertion {other}"),
                    };
                    assert!(
                        ok,
                        "{at}: assertion {a} does not hold: {n} hit(s): {}",
                        v.to_json()
                    );
                    tally.assertions += 1;
                }
                tally.cases += 1;
                if has_cel && !rego_only {
                    assert!(
                        r.description.contains("K8sNativeValidation"),
                        "{at}: {}",
                        r.description
                    );
                    tally.with_cel += 1;
                }
            }
        }
    }
    tally
}

fn check_refused(t: &Tally) {
    let mut refused: Vec<&str> = t
        .refused
        .iter()
        .map(|r| r.split(':').next().unwrap())
        .collect();
    refused.dedup();
    assert_eq!(refused, REFUSED, "{:?}", t.refused);
}

#[test]
fn library_suites_hold_with_cel_where_templates_have_it() {
    let t = run(false);
    check_refused(&t);
    // 270 cases and 299 assertions in all (fixture README), less the inventory cases.
    assert_eq!((t.cases, t.assertions), (254, 283), "{t:?}");
    assert_eq!(t.with_cel, 131, "{t:?}");
}

#[test]
fn library_suites_hold_in_rego_alone() {
    let t = run(true);
    check_refused(&t);
    assert_eq!(t.with_cel, 0);
    assert_eq!((t.cases, t.assertions), (254, 283), "{t:?}");
}
