//! The `gator verify` test runner: `suite.yaml` files (`test.gatekeeper.sh/v1alpha1` `Suite`), each test a
//! template and a constraint, each case an object (or an `AdmissionReview`) with an optional inventory, each
//! assertion a count of the violations whose message matches a regex.

use crate::RegoError;
use crate::engine::Limits;
use crate::gatekeeper::{
    Gatekeeper, Inventory, TemplateEngine, constraint_from_value, load_templates,
};
use crate::yaml::{documents, str_at};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What an assertion expects of the selected violations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Expected {
    /// `violations: yes` (also the default): at least one.
    Yes,
    /// `violations: no`: none.
    No,
    /// `violations: N`: exactly N.
    Exactly(usize),
}

impl Expected {
    fn holds(self, n: usize) -> bool {
        match self {
            Self::Yes => n > 0,
            Self::No => n == 0,
            Self::Exactly(k) => n == k,
        }
    }
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Yes => f.write_str("yes"),
            Self::No => f.write_str("no"),
            Self::Exactly(n) => write!(f, "{n}"),
        }
    }
}

/// The result of one assertion (the unit `bulwark policy test` reports, one JUnit testcase each).
#[derive(Debug, Clone, Serialize)]
pub struct AssertionResult {
    /// The suite file.
    pub suite: PathBuf,
    /// `metadata.name` of the suite.
    pub suite_name: String,
    pub test: String,
    pub case: String,
    /// 0-based position of the case in its test (case names are not unique: three library tests repeat one).
    pub case_index: usize,
    /// 0-based position of the assertion in its case.
    pub assertion: usize,
    pub expected: Expected,
    /// The `message` regex, if any.
    pub message: Option<String>,
    /// How many violations the regex selected.
    pub actual: usize,
    /// Every violation message of the case (sorted).
    pub messages: Vec<String>,
    /// The engine that evaluated the case (empty when the object was out of scope or an error occurred).
    pub engine: String,
    pub passed: bool,
    /// `skip: true` on the test or case: not run, counted as passed by gator.
    pub skipped: bool,
    /// What stopped the case (a template that does not compile, a missing file, an evaluation error).
    pub error: Option<String>,
    /// Time of the case's evaluation (review building, match, engine; not reading files), shared by its
    /// assertions.
    #[serde(serialize_with = "micros")]
    pub elapsed: Duration,
}

fn micros<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_micros() as u64)
}

/// Every suite file under `dirs` (recursively; a file given directly is taken as is), sorted: YAML files whose
/// `apiVersion` is `test.gatekeeper.sh/…` and `kind` is `Suite`.
pub fn find_suites(dirs: &[PathBuf]) -> Result<Vec<PathBuf>, RegoError> {
    let roots: Vec<&Path> = dirs.iter().map(PathBuf::as_path).collect();
    let wanted = |p: &Path| {
        matches!(p.extension().and_then(|x| x.to_str()), Some("yaml" | "yml")) && is_suite(p)
    };
    bulwark_types::files::find(&roots, &wanted).map_err(|source| RegoError::Io {
        path: roots.first().map(|r| r.to_path_buf()).unwrap_or_default(),
        source,
    })
}

fn is_suite(p: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(p) else {
        return false;
    };
    text.contains("test.gatekeeper.sh/")
        && text
            .lines()
            .any(|l| l.trim_start().starts_with("kind:") && l.contains("Suite"))
}

/// Runs suites with a set of engines (the first engine a template has code for runs it).
#[derive(Clone)]
pub struct Runner {
    engines: Vec<Arc<dyn TemplateEngine>>,
    limits: Limits,
}

impl Default for Runner {
    fn default() -> Self {
        Self::new(vec![Arc::new(crate::gatekeeper::RegoEngine)])
    }
}

impl Runner {
    #[must_use]
    pub fn new(engines: Vec<Arc<dyn TemplateEngine>>) -> Self {
        Self {
            engines,
            limits: Limits::default(),
        }
    }

    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Every suite found under `dirs`, every test, case and assertion.
    pub fn run(&self, dirs: &[PathBuf]) -> Result<Vec<AssertionResult>, RegoError> {
        let mut out = Vec::new();
        for s in find_suites(dirs)? {
            out.extend(self.run_suite(&s)?);
        }
        Ok(out)
    }

    /// One suite. A suite file that cannot be read or parsed is an error; a test whose template, constraint or
    /// object cannot be loaded fails its assertions with the reason in [`AssertionResult::error`].
    pub fn run_suite(&self, path: &Path) -> Result<Vec<AssertionResult>, RegoError> {
        let text = std::fs::read_to_string(path).map_err(|source| RegoError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let file = path.display().to_string();
        let docs = documents(&file, &text)?;
        let suite = docs.into_iter().next().unwrap_or(Value::Null);
        let suite_name = str_at(&suite, &["metadata", "name"]).to_string();
        let base = path.parent().unwrap_or(Path::new("."));
        let mut cache = FileCache::default();
        let mut out = Vec::new();
        let tests = suite
            .get("tests")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for test in &tests {
            let test_name = str_at(test, &["name"]).to_string();
            let test_skip = test.get("skip").and_then(Value::as_bool).unwrap_or(false);
            let setup = if test_skip {
                Err(String::new())
            } else {
                self.setup(base, test, &mut cache)
            };
            let cases = test
                .get("cases")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for (case_index, case) in cases.iter().enumerate() {
                let case_name = str_at(case, &["name"]).to_string();
                let skipped =
                    test_skip || case.get("skip").and_then(Value::as_bool).unwrap_or(false);
                let assertions = case
                    .get("assertions")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let parsed: Vec<Result<(Expected, Option<String>), String>> =
                    assertions.iter().map(parse_assertion).collect();
                let run: Result<(Vec<String>, String, Duration), String> = if skipped {
                    Ok((Vec::new(), String::new(), Duration::ZERO))
                } else {
                    match &setup {
                        Err(e) => Err(e.clone()),
                        Ok((gk, constraint)) => {
                            Self::run_case(base, case, gk, constraint, &mut cache)
                        }
                    }
                };
                let elapsed = run.as_ref().map(|r| r.2).unwrap_or_default();
                for (i, a) in parsed.into_iter().enumerate() {
                    let mut r = AssertionResult {
                        suite: path.to_path_buf(),
                        suite_name: suite_name.clone(),
                        test: test_name.clone(),
                        case: case_name.clone(),
                        case_index,
                        assertion: i,
                        expected: Expected::Yes,
                        message: None,
                        actual: 0,
                        messages: Vec::new(),
                        engine: String::new(),
                        passed: skipped,
                        skipped,
                        error: None,
                        elapsed,
                    };
                    match (a, &run) {
                        (Err(e), _) => r.error = Some(e),
                        (Ok((exp, msg)), _) if skipped => {
                            r.expected = exp;
                            r.message = msg;
                        }
                        (Ok((exp, msg)), Err(e)) => {
                            r.expected = exp;
                            r.message = msg;
                            r.error = Some(e.clone());
                        }
                        (Ok((exp, msg)), Ok((messages, engine, _))) => {
                            r.expected = exp;
                            r.engine.clone_from(engine);
                            r.messages.clone_from(messages);
                            match msg
                                .as_deref()
                                .filter(|m| !m.is_empty())
                                .map(regex::Regex::new)
                            {
                                Some(Err(e)) => {
                                    r.error = Some(format!("message regex: {e}"));
                                }
                                Some(Ok(re)) => {
                                    r.actual = messages.iter().filter(|m| re.is_match(m)).count();
                                    r.passed = exp.holds(r.actual);
                                }
                                None => {
                                    r.actual = messages.len();
                                    r.passed = exp.holds(r.actual);
                                }
                            }
                            r.message = msg;
                        }
                    }
                    out.push(r);
                }
            }
        }
        Ok(out)
    }

    fn setup(
        &self,
        base: &Path,
        test: &Value,
        cache: &mut FileCache,
    ) -> Result<(Gatekeeper, crate::gatekeeper::Constraint), String> {
        let tpath = str_at(test, &["template"]);
        let cpath = str_at(test, &["constraint"]);
        if tpath.is_empty() || cpath.is_empty() {
            return Err("the test names no template or no constraint".into());
        }
        let mut gk = Gatekeeper::with_engines(self.engines.clone()).with_limits(self.limits);
        let tfile = base.join(tpath);
        let key = tfile.clone();
        let templates = if let Some(t) = cache.templates.get(&key) {
            t.clone()
        } else {
            let text = read(&tfile)?;
            let t = load_templates(&tfile.display().to_string(), &text, self.limits)
                .map_err(|e| e.to_string());
            cache.templates.insert(key, t.clone());
            t
        }?;
        if templates.len() != 1 {
            return Err(format!(
                "{}: holds {} ConstraintTemplates, gator expects exactly one",
                tfile.display(),
                templates.len()
            ));
        }
        for t in templates {
            gk.add_template(t);
        }
        let cfile = base.join(cpath);
        let docs = cache.docs(&cfile)?;
        if docs.len() != 1 {
            return Err(format!(
                "{}: holds {} objects, gator expects exactly one constraint",
                cfile.display(),
                docs.len()
            ));
        }
        let constraint = constraint_from_value(&cfile.display().to_string(), &docs[0])
            .map_err(|e| e.to_string())?;
        if gk.template(&constraint.kind).is_none() {
            return Err(format!(
                "{}: constraint kind {} is not the template's kind",
                cfile.display(),
                constraint.kind
            ));
        }
        Ok((gk, constraint))
    }

    fn run_case(
        base: &Path,
        case: &Value,
        gk: &Gatekeeper,
        constraint: &crate::gatekeeper::Constraint,
        cache: &mut FileCache,
    ) -> Result<(Vec<String>, String, Duration), String> {
        let opath = str_at(case, &["object"]);
        if opath.is_empty() {
            return Err("the case names no object".into());
        }
        let ofile = base.join(opath);
        let docs = cache.docs(&ofile)?;
        if docs.len() != 1 {
            return Err(format!(
                "{}: holds {} objects, gator expects exactly one",
                ofile.display(),
                docs.len()
            ));
        }
        let mut inventory = Inventory::new();
        if let Some(inv) = case.get("inventory").and_then(Value::as_array) {
            for p in inv {
                let f = base.join(p.as_str().unwrap_or_default());
                for d in cache.docs(&f)? {
                    inventory
                        .add(&d)
                        .map_err(|e| format!("{}: {e}", f.display()))?;
                }
            }
        }
        let start = Instant::now();
        let eval = gk
            .evaluate(constraint, &docs[0], &inventory)
            .map_err(|e| e.to_string())?;
        let elapsed = start.elapsed();
        let mut msgs: Vec<String> = eval.violations.into_iter().map(|v| v.msg).collect();
        msgs.sort();
        Ok((msgs, eval.engine, elapsed))
    }
}

fn parse_assertion(a: &Value) -> Result<(Expected, Option<String>), String> {
    let msg = match a.get("message") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => return Err(format!("assertion message {other} is not a string")),
    };
    let exp = match a.get("violations") {
        None | Some(Value::Null | Value::Bool(true)) => Expected::Yes,
        Some(Value::Bool(false)) => Expected::No,
        Some(Value::String(s)) if s == "yes" => Expected::Yes,
        Some(Value::String(s)) if s == "no" => Expected::No,
        Some(Value::String(s)) => Expected::Exactly(
            s.parse()
                .map_err(|_| format!("assertion violations {s:?} is not yes, no or a count"))?,
        ),
        Some(Value::Number(n)) => Expected::Exactly(
            n.as_u64()
                .ok_or_else(|| format!("assertion violations {n} is not a non-negative count"))?
                as usize,
        ),
        Some(other) => {
            return Err(format!(
                "assertion violations {other} is not yes, no or a count"
            ));
        }
    };
    Ok((exp, msg))
}

fn read(p: &Path) -> Result<String, String> {
    std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))
}

type Templates = Result<Vec<crate::gatekeeper::ConstraintTemplate>, String>;

#[derive(Default)]
struct FileCache {
    templates: HashMap<PathBuf, Templates>,
    docs: HashMap<PathBuf, Result<Vec<Value>, String>>,
}

impl FileCache {
    fn docs(&mut self, p: &Path) -> Result<Vec<Value>, String> {
        self.docs
            .entry(p.to_path_buf())
            .or_insert_with(|| {
                let text = read(p)?;
                documents(&p.display().to_string(), &text).map_err(|e| e.to_string())
            })
            .clone()
    }
}
