//! The Kyverno CLI test format (`kyverno-test.yaml`, run by `kyverno test DIR`): find suites, load
//! their policies, resources and values, evaluate, and compare with every expected row.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::load::{LoadError, parse_documents};
use crate::policy::{EvalContext, Outcome, OutcomeResult, PolicySet, evaluate};

/// File names of Kyverno CLI test suites.
pub const SUITE_FILE_NAMES: &[&str] = &["kyverno-test.yaml", "kyverno-test.yml"];

/// A suite that could not be run.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// A file of the suite could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file of the suite is malformed, or a policy does not compile.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The test file is not a `cli.kyverno.io` `Test`.
    #[error("{path}: {message}")]
    Invalid {
        /// The test file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TestDoc {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    metadata: Option<Json>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    policies: Vec<String>,
    #[serde(default)]
    resources: Vec<String>,
    #[serde(default)]
    variables: Option<String>,
    #[serde(default)]
    results: Vec<RowDoc>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RowDoc {
    #[serde(default)]
    policy: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    resources: Vec<String>,
    #[serde(default)]
    resource: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    result: String,
}

/// One expected row and resource, compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowResult {
    /// The suite's `metadata.name`.
    pub suite: String,
    /// The suite file.
    pub file: PathBuf,
    /// Index of the row in the suite's `results` (0-based).
    pub row: usize,
    /// Policy name.
    pub policy: String,
    /// Resource kind.
    pub kind: String,
    /// Resource name as written in the row (`name` or `namespace/name`).
    pub resource: String,
    /// `pass`, `fail`, `skip`, `error` or `warn`.
    pub expected: String,
    /// What the evaluation gave (`not found` when no such object was loaded).
    pub actual: String,
    /// `expected == actual`.
    pub passed: bool,
    /// The failure messages, skip reason or error.
    pub message: String,
}

/// Every row of one suite.
#[derive(Debug, Clone, Serialize)]
pub struct SuiteResult {
    /// `metadata.name`.
    pub name: String,
    /// The suite file.
    pub file: PathBuf,
    /// One entry per row and resource.
    pub rows: Vec<RowResult>,
    /// Unknown fields in the suite's policies.
    pub warnings: Vec<String>,
}

impl SuiteResult {
    /// Whether every row passed.
    #[must_use]
    pub fn passed(&self) -> bool {
        self.rows.iter().all(|r| r.passed)
    }
}

/// Every `kyverno-test.yaml` under `dirs` (a file argument is taken as is), sorted, hidden
/// directories included (suites live in `.kyverno-test/`). Symbolic links are not followed.
pub fn find_suites(dirs: &[&Path]) -> Result<Vec<PathBuf>, SuiteError> {
    let mut out = Vec::new();
    for d in dirs {
        if d.is_file() {
            out.push(d.to_path_buf());
            continue;
        }
        let named = |p: &Path| {
            p.file_name()
                .is_some_and(|n| SUITE_FILE_NAMES.iter().any(|s| n == *s))
        };
        out.extend(
            bulwark_types::files::find(&[d], &named).map_err(|source| SuiteError::Io {
                path: d.to_path_buf(),
                source,
            })?,
        );
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn read(path: &Path) -> Result<String, SuiteError> {
    std::fs::read_to_string(path).map_err(|source| SuiteError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Runs one suite file.
pub fn run_suite(path: &Path) -> Result<SuiteResult, SuiteError> {
    let text = read(path)?;
    let file = path.display().to_string();
    let docs = parse_documents(&text, &file)?;
    let doc = docs.into_iter().next().ok_or_else(|| SuiteError::Invalid {
        path: path.to_path_buf(),
        message: "empty test file".to_owned(),
    })?;
    let test: TestDoc = TestDoc::deserialize(&doc.value).map_err(|e| SuiteError::Invalid {
        path: path.to_path_buf(),
        message: format!("not a Kyverno CLI Test: {e}"),
    })?;
    if test.kind != "Test" {
        return Err(SuiteError::Invalid {
            path: path.to_path_buf(),
            message: format!("kind is {:?}, not Test", test.kind),
        });
    }
    let name = test
        .metadata
        .as_ref()
        .and_then(|m| m.get("name"))
        .and_then(Json::as_str)
        .map(str::to_owned)
        .or(test.name.clone())
        .unwrap_or_default();
    let base = path.parent().unwrap_or(Path::new("."));

    let mut set = PolicySet::default();
    for p in &test.policies {
        let pp = base.join(p);
        set.add_yaml(&read(&pp)?, &pp.display().to_string())?;
    }
    let mut objects = Vec::new();
    for r in &test.resources {
        let rp = base.join(r);
        objects.extend(
            parse_documents(&read(&rp)?, &rp.display().to_string())?
                .into_iter()
                .map(|d| d.value),
        );
    }
    let mut ctx = EvalContext::default();
    if let Some(v) = &test.variables {
        let vp = base.join(v);
        for d in parse_documents(&read(&vp)?, &vp.display().to_string())? {
            if let Some(list) = d.value.get("namespaces").and_then(Json::as_array) {
                for ns in list {
                    if let Some(n) = ns.pointer("/metadata/name").and_then(Json::as_str) {
                        ctx.namespaces.insert(n.to_owned(), ns.clone());
                    }
                }
            }
        }
    }
    // Namespaces given as resources count too.
    for o in &objects {
        if o.get("kind").and_then(Json::as_str) == Some("Namespace")
            && let Some(n) = o.pointer("/metadata/name").and_then(Json::as_str)
        {
            ctx.namespaces
                .entry(n.to_owned())
                .or_insert_with(|| o.clone());
        }
    }

    // (kind, namespace, name) -> outcomes
    let mut by_object: HashMap<(String, String, String), Vec<Outcome>> = HashMap::new();
    for o in &objects {
        for out in evaluate(&set, o, &ctx) {
            let key = (
                out.resource.kind.clone(),
                out.resource.namespace.clone(),
                out.resource.name.clone(),
            );
            by_object.entry(key).or_default().push(out);
        }
    }

    let mut rows = Vec::new();
    for (row_index, row) in test.results.iter().enumerate() {
        let names: Vec<&String> = row.resources.iter().chain(row.resource.iter()).collect();
        for res in names {
            let (ns, nm) = match res.split_once('/') {
                Some((ns, nm)) => (Some(ns.to_owned()), nm.to_owned()),
                None => (row.namespace.clone(), res.clone()),
            };
            let outcomes: Vec<&Outcome> = by_object
                .iter()
                .filter(|((k, n, name), _)| {
                    k == &row.kind && name == &nm && ns.as_ref().is_none_or(|want| want == n)
                })
                .flat_map(|(_, v)| v.iter())
                .filter(|o| o.policy == row.policy)
                .collect();
            let (actual, message) = combine(&outcomes);
            rows.push(RowResult {
                suite: name.clone(),
                file: path.to_path_buf(),
                row: row_index,
                policy: row.policy.clone(),
                kind: row.kind.clone(),
                resource: res.clone(),
                expected: row.result.clone(),
                passed: actual == row.result,
                actual,
                message,
            });
        }
    }
    Ok(SuiteResult {
        name,
        file: path.to_path_buf(),
        rows,
        warnings: set.warnings,
    })
}

/// One result for several outcomes (several bindings or parameter objects): error, then fail, then
/// pass, then skip.
fn combine(outcomes: &[&Outcome]) -> (String, String) {
    if outcomes.is_empty() {
        return (
            "not found".to_owned(),
            "no object of that kind and name, or the policy is not loaded".to_owned(),
        );
    }
    let pick = |f: &dyn Fn(&OutcomeResult) -> bool| outcomes.iter().find(|o| f(&o.result));
    if let Some(o) = pick(&|r| matches!(r, OutcomeResult::Error(_))) {
        let OutcomeResult::Error(m) = &o.result else {
            unreachable!()
        };
        return ("error".to_owned(), m.clone());
    }
    if let Some(o) = pick(&|r| matches!(r, OutcomeResult::Fail)) {
        let msg = o
            .violations
            .iter()
            .map(|v| v.message.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        return ("fail".to_owned(), msg);
    }
    if pick(&|r| matches!(r, OutcomeResult::Pass)).is_some() {
        return ("pass".to_owned(), String::new());
    }
    let o = outcomes[0];
    let m = match &o.result {
        OutcomeResult::Skip(m) => m.clone(),
        _ => String::new(),
    };
    ("skip".to_owned(), m)
}
