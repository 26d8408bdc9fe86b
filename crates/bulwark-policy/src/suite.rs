//! Bulwark's own policy test suites (`bulwark-test.yaml`), run by `bulwark policy test` beside the Kyverno and
//! gator formats: a bundle, and cases of (input, stage, time) with the verdict expected. Inputs are whatever
//! `bulwark policy eval` reads (manifests, a JSON report, an SBOM, a subject document); the caller judges them
//! and hands the verdict to [`Case::check`].
//!
//! ```yaml
//! apiVersion: policy.bulwark.dev/v1
//! kind: Test
//! metadata: {name: web-security}
//! bundle: ../policies            # relative to this file
//! tests:
//!   - name: the root image fails at release
//!     input: inputs/root-image.json
//!     stage: release             # default build
//!     now: 2026-12-01            # default: $BULWARK_NOW, else now
//!     expect:
//!       decision: fail
//!       results: {no-root-user: fail, no-gpl3: pass}   # rule → outcome; rules left out are not checked
//!       exceptions: {applied: [SEC-42], expired: []}   # ids; left out: not checked
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::bundle::{BundleError, Warning, typed};
use crate::model::{Decision, Outcome, Stage, Verdict};
use crate::yamltree;

/// The file name `policy test` looks for.
pub const FILE_NAME: &str = "bulwark-test.yaml";

/// A loaded suite.
#[derive(Debug, Clone)]
pub struct Suite {
    pub path: PathBuf,
    pub name: String,
    /// The bundle source, resolved against the suite's directory when it is a relative path.
    pub bundle: String,
    pub cases: Vec<Case>,
    pub warnings: Vec<Warning>,
}

/// One case: an input judged at a stage and time, and what the verdict must say.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub input: PathBuf,
    pub stage: Stage,
    pub now: Option<String>,
    pub expect: Expect,
}

/// What is checked. Only what is given is checked.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Expect {
    #[serde(default)]
    pub decision: Option<Decision>,
    /// Rule id → outcome.
    #[serde(default)]
    pub results: BTreeMap<String, Outcome>,
    #[serde(default)]
    pub exceptions: Option<ExpectExceptions>,
}

/// Exception ids expected as applied and as expired (each list compared as a set when given).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExpectExceptions {
    #[serde(default)]
    pub applied: Option<Vec<String>>,
    #[serde(default)]
    pub expired: Option<Vec<String>>,
}

/// One expectation compared: the decision, one rule's outcome, or an exception list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// `decision`, `rule <id>`, `exceptions applied`, `exceptions expired`.
    pub what: String,
    pub expected: String,
    pub actual: String,
    pub passed: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SuiteDoc {
    #[allow(dead_code)]
    api_version: String,
    #[allow(dead_code)]
    kind: String,
    metadata: Meta,
    bundle: String,
    tests: Vec<CaseDoc>,
}

#[derive(Deserialize)]
struct Meta {
    name: String,
}

#[derive(Deserialize)]
struct CaseDoc {
    name: String,
    input: String,
    #[serde(default)]
    stage: Option<Stage>,
    #[serde(default)]
    now: Option<crate::rules::Text>,
    expect: Expect,
}

/// Whether a file is a suite (by name).
#[must_use]
pub fn is_suite(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == FILE_NAME)
}

/// The largest suite file read.
const MAX_SUITE_BYTES: u64 = 4 << 20;

impl Suite {
    /// Reads a suite; errors name the file and line.
    pub fn load(path: &Path) -> Result<Self, BundleError> {
        let file = path.display().to_string();
        let io = |source| BundleError::Io {
            path: file.clone(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        if meta.len() > MAX_SUITE_BYTES {
            return Err(BundleError::TooLarge {
                what: file,
                limit: MAX_SUITE_BYTES,
            });
        }
        let text = std::fs::read_to_string(path).map_err(io)?;
        Self::from_text(&text, path)
    }

    /// Parses a suite's text; `path` names it in errors and anchors its relative paths.
    pub fn from_text(text: &str, path: &Path) -> Result<Self, BundleError> {
        let file = path.display().to_string();
        let (docs, faults) = yamltree::parse(text);
        if let Some(f) = faults.first() {
            return Err(BundleError::Policy {
                file,
                line: f.line,
                context: String::new(),
                message: f.message.clone(),
            });
        }
        let [doc] = docs.as_slice() else {
            return Err(BundleError::Policy {
                file,
                line: 1,
                context: String::new(),
                message: format!("one YAML document expected, found {}", docs.len()),
            });
        };
        let mut warnings = Vec::new();
        let d: SuiteDoc = typed(doc, &file, &mut warnings)?;
        let base = path.parent().unwrap_or(Path::new("."));
        let bundle = if d.bundle.contains("://") || Path::new(&d.bundle).is_absolute() {
            d.bundle
        } else {
            base.join(&d.bundle).display().to_string()
        };
        let cases = d
            .tests
            .into_iter()
            .map(|c| Case {
                name: c.name,
                input: base.join(c.input),
                stage: c.stage.unwrap_or(Stage::Build),
                now: c.now.map(|t| t.0),
                expect: c.expect,
            })
            .collect();
        Ok(Self {
            path: path.to_path_buf(),
            name: d.metadata.name,
            bundle,
            cases,
            warnings,
        })
    }
}

fn set(v: &[String]) -> String {
    let mut v = v.to_vec();
    v.sort();
    v.dedup();
    format!("[{}]", v.join(", "))
}

impl Case {
    /// Compares the verdict with what the case expects: one row per expectation.
    #[must_use]
    pub fn check(&self, verdict: &Verdict) -> Vec<Row> {
        let mut rows = Vec::new();
        if let Some(d) = self.expect.decision {
            rows.push(Row {
                what: "decision".into(),
                expected: d.to_string(),
                actual: verdict.decision.to_string(),
                passed: d == verdict.decision,
            });
        }
        for (rule, want) in &self.expect.results {
            let got: Vec<Outcome> = verdict
                .results
                .iter()
                .filter(|r| &r.rule == rule)
                .map(|r| r.outcome)
                .collect();
            let (actual, passed) = match got.as_slice() {
                [] => ("no such rule in the verdict".to_string(), false),
                [one] => (one.to_string(), one == want),
                many => (
                    format!(
                        "{} results: {}",
                        many.len(),
                        many.iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    false,
                ),
            };
            rows.push(Row {
                what: format!("rule {rule}"),
                expected: want.to_string(),
                actual,
                passed,
            });
        }
        if let Some(e) = &self.expect.exceptions {
            for (what, want, got) in [
                (
                    "exceptions applied",
                    &e.applied,
                    &verdict.exceptions.applied,
                ),
                (
                    "exceptions expired",
                    &e.expired,
                    &verdict.exceptions.expired,
                ),
            ] {
                if let Some(want) = want {
                    let got: Vec<String> = got.iter().map(|r| r.id.clone()).collect();
                    let (w, g) = (set(want), set(&got));
                    rows.push(Row {
                        what: what.into(),
                        passed: w == g,
                        expected: w,
                        actual: g,
                    });
                }
            }
        }
        rows
    }
}
