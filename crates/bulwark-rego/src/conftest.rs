//! Plain Rego in the conftest convention: a directory of `.rego` files; in a namespace (`main` unless told),
//! rules named `deny`, `violation` (failures) and `warn`, optionally suffixed `_name`, each a set of strings
//! or of objects with `msg`; `exception` rules exempt `deny_<name>`/`violation_<name>` for inputs they match.
//! The input is any JSON value: a Bulwark report, a manifest, or a Dockerfile as conftest parses it
//! ([`dockerfile_input`]).

use crate::RegoError;
use crate::engine::{Limits, Module, Program, RegoVersion};
use serde::Serialize;
use serde_json::{Value, json};
use std::path::Path;

/// The namespace conftest reads by default.
pub const DEFAULT_NAMESPACE: &str = "main";

/// A loaded policy directory (or set of sources).
#[derive(Debug, Clone)]
pub struct Policies {
    program: Program,
}

/// One message of a rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    /// The rule that produced it (`deny`, `deny_root`, `warn`…).
    pub rule: String,
    pub msg: String,
    /// The whole result when the rule returns objects (`{"msg": …, "details": …}`); null for strings.
    pub metadata: Value,
}

/// The result of one input against one namespace.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Outcome {
    pub namespace: String,
    /// Messages of `deny*` and `violation*` rules not exempted.
    pub failures: Vec<Message>,
    pub warnings: Vec<Message>,
    /// Messages of `deny*`/`violation*` rules an `exception` exempted.
    pub exceptions: Vec<Message>,
}

impl Outcome {
    /// No failure (warnings allowed).
    #[must_use]
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

impl Policies {
    /// Every `.rego` file under `dir` (recursively, sorted; `*_test.rego` unit tests included, as conftest does).
    /// Each file is Rego v1 or v0 (see [`RegoVersion::Auto`]).
    pub fn load_dir(dir: &Path, limits: Limits) -> Result<Self, RegoError> {
        let wanted = |p: &Path| p == dir || p.extension().is_some_and(|x| x == "rego");
        let files =
            bulwark_types::files::find(&[dir], &wanted).map_err(|source| RegoError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        let mut sources = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).map_err(|source| RegoError::Io {
                path: f.clone(),
                source,
            })?;
            sources.push((f.display().to_string(), text));
        }
        if sources.is_empty() {
            return Err(RegoError::Invalid {
                file: dir.display().to_string(),
                policy: "conftest policies".into(),
                message: "holds no .rego file".into(),
            });
        }
        Self::from_sources(
            &dir.display().to_string(),
            &sources,
            RegoVersion::Auto,
            limits,
        )
    }

    /// Policies from `(file name, text)` pairs.
    pub fn from_sources(
        name: &str,
        sources: &[(String, String)],
        version: RegoVersion,
        limits: Limits,
    ) -> Result<Self, RegoError> {
        let modules: Vec<Module> = sources
            .iter()
            .map(|(f, t)| Module {
                name: f.clone(),
                text: t.clone(),
                version,
                file: f.clone(),
                line_offset: None,
            })
            .collect();
        Ok(Self {
            program: Program::compile(name, &modules, limits)?,
        })
    }

    /// The packages the policies define (`main`, `kubernetes.deployment`…), without the `data.` prefix.
    #[must_use]
    pub fn namespaces(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .program
            .packages()
            .iter()
            .map(|p| p.strip_prefix("data.").unwrap_or(p).to_string())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Evaluates `input` against the rules of `namespace`, within the time budget.
    pub fn evaluate(&self, input: &Value, namespace: &str) -> Result<Outcome, RegoError> {
        let mut out = Outcome {
            namespace: namespace.to_string(),
            ..Outcome::default()
        };
        if !self.namespaces().iter().any(|n| n == namespace) {
            return Ok(out);
        }
        let doc = self
            .program
            .eval(&format!("data.{namespace}"), input, None)?;
        let Value::Object(rules) = doc else {
            return Ok(out);
        };
        let exempt: Vec<String> = match rules.get("exception") {
            Some(Value::Array(sets)) => sets
                .iter()
                .flat_map(|s| match s {
                    Value::Array(names) => names
                        .iter()
                        .filter_map(|n| n.as_str().map(str::to_string))
                        .collect(),
                    Value::String(n) => vec![n.clone()],
                    _ => Vec::new(),
                })
                .collect(),
            _ => Vec::new(),
        };
        for (name, value) in &rules {
            let Some((kind, suffix)) = rule_kind(name) else {
                continue;
            };
            let msgs = messages(name, value);
            match kind {
                "warn" => out.warnings.extend(msgs),
                _ if exempt.iter().any(|e| e == suffix) => out.exceptions.extend(msgs),
                _ => out.failures.extend(msgs),
            }
        }
        Ok(out)
    }
}

/// `deny`, `deny_x`, `violation`, `violation_x`, `warn`, `warn_x` → (kind, suffix).
fn rule_kind(name: &str) -> Option<(&str, &str)> {
    for k in ["deny", "violation", "warn"] {
        if name == k {
            return Some((k, ""));
        }
        if let Some(rest) = name.strip_prefix(k).and_then(|r| r.strip_prefix('_')) {
            return Some((k, rest));
        }
    }
    None
}

fn messages(rule: &str, v: &Value) -> Vec<Message> {
    let one = |item: &Value| match item {
        Value::String(s) => Message {
            rule: rule.to_string(),
            msg: s.clone(),
            metadata: Value::Null,
        },
        Value::Object(o) => Message {
            rule: rule.to_string(),
            msg: match o.get("msg") {
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            },
            metadata: item.clone(),
        },
        other => Message {
            rule: rule.to_string(),
            msg: other.to_string(),
            metadata: Value::Null,
        },
    };
    match v {
        Value::Array(items) => items.iter().map(one).collect(),
        // `deny if { … }`: a boolean rule fails when true.
        Value::Bool(true) => vec![Message {
            rule: rule.to_string(),
            msg: String::new(),
            metadata: Value::Null,
        }],
        Value::Bool(false) | Value::Null => Vec::new(),
        other => vec![one(other)],
    }
}

/// The inputs of one file as conftest splits them: a Dockerfile (`Dockerfile`, `Containerfile`, `*.dockerfile`,
/// `Dockerfile.*`) is one input ([`dockerfile_input`]); a `.json` file is one input; anything else is read as
/// YAML, one input per document. Errors name the file and line.
pub fn inputs(file: &str, text: &str) -> Result<Vec<Value>, RegoError> {
    let name = Path::new(file)
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if name == "dockerfile"
        || name == "containerfile"
        || name.starts_with("dockerfile.")
        || name.ends_with(".dockerfile")
    {
        return Ok(vec![dockerfile_input(file, text)?]);
    }
    if Path::new(&name).extension().is_some_and(|x| x == "json") {
        let v: Value = serde_json::from_str(text).map_err(|e| RegoError::Syntax {
            file: file.to_string(),
            line: Some(e.line()),
            message: e.to_string(),
        })?;
        return Ok(vec![v]);
    }
    crate::yaml::documents(file, text)
}

/// A Dockerfile as conftest hands it to Rego: a list of instructions, each
/// `{Cmd, SubCmd, Flags, Value, Original, JSON, Stage}`:
/// - `Cmd`: the keyword in lower case; `SubCmd`: for `ONBUILD`, the wrapped keyword (lower case), and `Value`
///   is then the wrapped instruction's;
/// - `Flags`: `--name=value` strings as written;
/// - `Value`: the exec-form array; for `ENV`/`LABEL`, key and value alternating; for `FROM`, `EXPOSE`, and
///   shell-form `COPY`/`ADD`/`VOLUME`, the whitespace-separated words; otherwise the arguments as one string;
/// - `Original`: the logical line as written (continuations joined); `JSON`: exec form; `Stage`: the 0-based
///   build stage (`FROM` count so far).
///
/// Variables are not substituted (conftest does not either). Errors name the file and line.
pub fn dockerfile_input(file: &str, text: &str) -> Result<Value, RegoError> {
    let df = bulwark_imagecheck::parse_dockerfile(text).map_err(|e| RegoError::Syntax {
        file: file.to_string(),
        line: None,
        message: e.to_string(),
    })?;
    Ok(Value::Array(
        df.instructions
            .iter()
            .map(|i| instruction(i, i.stage.unwrap_or(0)))
            .collect(),
    ))
}

/// One instruction as conftest gives it.
fn instruction(ins: &bulwark_imagecheck::dockerfile::Instruction, stage: usize) -> Value {
    use bulwark_imagecheck::dockerfile::Form;
    let cmd = ins.keyword.to_ascii_lowercase();
    if let Some(inner) = &ins.onbuild {
        let mut v = instruction(inner, stage);
        v["SubCmd"] = json!(inner.keyword.to_ascii_lowercase());
        v["Cmd"] = json!(cmd);
        v["Original"] = json!(ins.source.text);
        return v;
    }
    let args = ins.args().trim();
    let (value, is_json): (Vec<String>, bool) = match &ins.form {
        Form::Exec(v) => (v.clone(), true),
        Form::Shell => {
            let v = match cmd.as_str() {
                "env" | "label" => ins
                    .pairs
                    .iter()
                    .flat_map(|p| [p.key.clone(), p.raw_value.clone().unwrap_or_default()])
                    .collect(),
                "from" | "expose" | "copy" | "add" | "volume" => {
                    args.split_whitespace().map(str::to_string).collect()
                }
                _ if args.is_empty() => Vec::new(),
                _ => vec![args.to_string()],
            };
            (v, false)
        }
    };
    let flags: Vec<String> = ins
        .flags
        .iter()
        .map(|f| match &f.value {
            Some(v) => format!("--{}={v}", f.name),
            None => format!("--{}", f.name),
        })
        .collect();
    json!({
        "Cmd": cmd,
        "SubCmd": "",
        "Flags": flags,
        "Value": value,
        "Original": ins.source.text,
        "JSON": is_json,
        "Stage": stage,
    })
}
