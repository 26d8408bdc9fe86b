//! regorus behind a small interface: modules compiled once, every evaluation bounded by a time budget.

use crate::RegoError;
use regorus::utils::limits::{ExecutionTimerConfig, LimitError};
use serde_json::Value;
use std::num::NonZeroU32;
use std::time::Duration;

/// Rego syntax of a module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RegoVersion {
    /// OPA before 1.0: `deny[msg] { … }`; `import rego.v1` or `future.keywords` opt in to the new keywords.
    V0,
    /// OPA 1.0: `deny contains msg if { … }`.
    V1,
    /// V1 if the module parses as V1, else V0 (what a directory of conftest policies of either age needs).
    #[default]
    Auto,
}

/// Bounds on one evaluation.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Wall-clock budget of one evaluation (one object against one template, one input against a policy
    /// directory). regorus checks it cooperatively while it iterates (`check_interval` work units apart), so an
    /// evaluation stops shortly after the budget, with [`RegoError::Limit`].
    pub time: Duration,
}

impl Default for Limits {
    /// One second: the gatekeeper-library templates take well under a millisecond per object.
    fn default() -> Self {
        Self {
            time: Duration::from_secs(1),
        }
    }
}

/// One Rego source text.
#[derive(Debug, Clone)]
pub struct Module {
    /// The name regorus reports in errors (a file path, or `template.yaml#libs[0]`).
    pub name: String,
    pub text: String,
    pub version: RegoVersion,
    /// The file errors are reported against and, when the text is embedded in another file (a
    /// ConstraintTemplate's YAML), the 0-based line of that file where `text` starts and the indentation of
    /// the block (added to columns).
    pub file: String,
    pub line_offset: Option<(usize, usize)>,
}

/// Compiled modules, ready to evaluate against any number of inputs. Cloning is cheap enough per evaluation
/// (regorus keeps the parsed modules behind reference counts).
#[derive(Clone)]
pub struct Program {
    engine: regorus::Engine,
    policy: String,
    limits: Limits,
    packages: Vec<String>,
}

impl std::fmt::Debug for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Program")
            .field("policy", &self.policy)
            .field("packages", &self.packages)
            .finish_non_exhaustive()
    }
}

impl Program {
    /// Parses every module. `policy` names the policy in errors (a template name, a directory).
    pub fn compile(policy: &str, modules: &[Module], limits: Limits) -> Result<Self, RegoError> {
        let mut engine = regorus::Engine::new();
        // A builtin given the wrong type is undefined, as OPA evaluates it by default (`strict-builtin-errors`
        // off): templates rely on it.
        engine.set_strict_builtin_errors(false);
        let mut packages = Vec::new();
        for m in modules {
            let pkg = match m.version {
                RegoVersion::V0 => add(&mut engine, m, true),
                RegoVersion::V1 => add(&mut engine, m, false),
                RegoVersion::Auto => add(&mut engine, m, false).or_else(|v1| {
                    // Report the V1 error unless the module is V0: V0 parses further.
                    add(&mut engine, m, true).map_err(|v0| if looks_v1(&m.text) { v1 } else { v0 })
                }),
            }
            .map_err(|e| compile_error(policy, m, &e))?;
            packages.push(pkg);
        }
        let mut program = Self {
            engine,
            policy: policy.to_string(),
            limits,
            packages,
        };
        program.set_limits(limits);
        // Prepare now (rule gathering, imports, scheduling) rather than on the first evaluation, so that a rule
        // conflict or a bad import is a load error naming the policy, and clones start prepared. The query
        // itself evaluates nothing of the policy.
        program.engine.set_input(regorus::Value::new_object());
        program
            .engine
            .eval_query("true".to_string(), false)
            .map_err(|e| compile_error(policy, &modules[0], &e))?;
        Ok(program)
    }

    /// The `data.…` path of each module's package, in load order.
    #[must_use]
    pub fn packages(&self) -> &[String] {
        &self.packages
    }

    /// The policy name given at compile time.
    #[must_use]
    pub fn policy(&self) -> &str {
        &self.policy
    }

    /// Replaces the time budget.
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
        self.engine
            .set_execution_timer_config(ExecutionTimerConfig {
                limit: limits.time,
                check_interval: NonZeroU32::new(64).expect("non-zero"),
            });
    }

    /// Evaluates `query` (a rule path such as `data.main.deny`, or a package `data.main`) with `input` and
    /// extra `data`; `Value::Null` when the result is undefined.
    pub fn eval(
        &self,
        query: &str,
        input: &Value,
        data: Option<&Value>,
    ) -> Result<Value, RegoError> {
        let mut engine = self.engine.clone();
        engine.set_input(regorus::Value::from(input.clone()));
        if let Some(d) = data {
            engine
                .add_data(regorus::Value::from(d.clone()))
                .map_err(|e| self.eval_error(&e))?;
        }
        let results = engine
            .eval_query(query.to_string(), false)
            .map_err(|e| self.eval_error(&e))?;
        let Some(v) = results
            .result
            .first()
            .and_then(|r| r.expressions.first())
            .map(|e| &e.value)
        else {
            return Ok(Value::Null);
        };
        to_json(v).map_err(|e| self.eval_error(&e))
    }

    fn eval_error(&self, e: &anyhow::Error) -> RegoError {
        if let Some(LimitError::TimeLimitExceeded { .. }) = e.downcast_ref::<LimitError>() {
            return RegoError::Limit {
                policy: self.policy.clone(),
                limit: self.limits.time,
                message: e.to_string(),
            };
        }
        let message = e.to_string();
        if message.contains("exceeded time limit") {
            return RegoError::Limit {
                policy: self.policy.clone(),
                limit: self.limits.time,
                message: message.trim().to_string(),
            };
        }
        RegoError::Eval {
            policy: self.policy.clone(),
            message: message.trim().to_string(),
        }
    }
}

fn add(engine: &mut regorus::Engine, m: &Module, v0: bool) -> anyhow::Result<String> {
    engine.set_rego_v0(v0);
    let text = crate::compat::pad_sprintf_args(&m.text).unwrap_or_else(|| m.text.clone());
    let text = if v0 {
        crate::compat::rewrite_v0(&text).unwrap_or(text)
    } else {
        text
    };
    engine.add_policy(m.name.clone(), text)
}

/// A module written for OPA 1.0 (its errors in V0 mode would mislead).
fn looks_v1(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim_start();
        !l.starts_with('#')
            && (l.contains(" contains ") || l.contains(" if ") || l.ends_with(" if {"))
    })
}

/// regorus values to JSON: sets become arrays (sorted, as regorus keeps them), undefined becomes null.
fn to_json(v: &regorus::Value) -> anyhow::Result<Value> {
    if *v == regorus::Value::Undefined {
        return Ok(Value::Null);
    }
    Ok(serde_json::to_value(v)?)
}

/// regorus reports `\n--> name:line:col\n  |\nN | text\n  |   ^\nerror: message`; keep the message and the
/// excerpt, and map the line to the file the module is embedded in.
fn compile_error(policy: &str, m: &Module, e: &anyhow::Error) -> RegoError {
    let text = format!("{e:#}");
    let mut module_line = None;
    let mut column = None;
    if let Some(pos) = text.find("--> ") {
        let rest = &text[pos + 4..];
        let loc = rest.lines().next().unwrap_or("");
        let mut parts = loc.rsplitn(3, ':');
        let col = parts.next().and_then(|c| c.trim().parse::<usize>().ok());
        let line = parts.next().and_then(|c| c.trim().parse::<usize>().ok());
        if let (Some(l), Some(c)) = (line, col) {
            module_line = Some(l);
            column = Some(c);
        }
    }
    let (line, column) = match (module_line, column, m.line_offset) {
        (Some(l), c, Some((off, indent))) => (Some(l + off), c.map(|c| c + indent)),
        (Some(l), c, None) if m.file == m.name => (Some(l), c),
        _ => (None, None),
    };
    let message = text.trim().to_string();
    RegoError::Compile {
        file: m.file.clone(),
        policy: policy.to_string(),
        line,
        column,
        module_line,
        message,
    }
}

/// The 0-based line of `file_text` where the embedded `module` text begins, and the block's indentation: the
/// first line, at or after `from`, whose trimmed content is the module's first non-blank line, followed by its
/// next lines. `None` when it cannot be found (a flow scalar with escapes, for instance).
pub(crate) fn find_embedded(file_text: &str, module: &str, from: usize) -> Option<(usize, usize)> {
    let mod_lines: Vec<&str> = module.lines().collect();
    let first = mod_lines.iter().position(|l| !l.trim().is_empty())?;
    let file_lines: Vec<&str> = file_text.lines().collect();
    let wanted: Vec<&str> = mod_lines[first..]
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .take(3)
        .collect();
    'outer: for i in from..file_lines.len() {
        if file_lines[i].trim() != wanted[0] {
            continue;
        }
        let mut j = i + 1;
        for w in &wanted[1..] {
            while j < file_lines.len() && file_lines[j].trim().is_empty() {
                j += 1;
            }
            if j >= file_lines.len() || file_lines[j].trim() != *w {
                continue 'outer;
            }
            j += 1;
        }
        let l = file_lines[i];
        let indent = l.len() - l.trim_start().len();
        let mod_indent = mod_lines[first].len() - mod_lines[first].trim_start().len();
        return Some((i - first, indent.saturating_sub(mod_indent)));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn module(text: &str, v: RegoVersion) -> Module {
        Module {
            name: "p.rego".into(),
            text: text.into(),
            version: v,
            file: "p.rego".into(),
            line_offset: None,
        }
    }

    #[test]
    fn v0_and_v1_both_load_in_auto() {
        let v0 = module(
            "package a\ndeny[msg] { input.x == 1; msg := \"one\" }\n",
            RegoVersion::Auto,
        );
        let v1 = Module {
            name: "q.rego".into(),
            file: "q.rego".into(),
            ..module(
                "package b\ndeny contains msg if { input.x == 1; msg := \"uno\" }\n",
                RegoVersion::Auto,
            )
        };
        let p = Program::compile("dir", &[v0, v1], Limits::default()).unwrap();
        assert_eq!(p.packages(), ["data.a", "data.b"]);
        assert_eq!(
            p.eval("data.a.deny", &json!({"x": 1}), None).unwrap(),
            json!(["one"])
        );
        assert_eq!(
            p.eval("data.b.deny", &json!({"x": 1}), None).unwrap(),
            json!(["uno"])
        );
        assert_eq!(
            p.eval("data.b.deny", &json!({"x": 2}), None).unwrap(),
            json!([])
        );
    }

    #[test]
    fn parse_errors_name_file_line_and_column() {
        let e = Program::compile(
            "p",
            &[module(
                "package a\n\ndeny[msg] {\n  msg := @\n}\n",
                RegoVersion::V0,
            )],
            Limits::default(),
        )
        .unwrap_err();
        let RegoError::Compile { line, column, .. } = &e else {
            panic!("{e}")
        };
        assert_eq!(*line, Some(4), "{e}");
        assert_eq!(*column, Some(10), "{e}");
        assert!(
            e.to_string()
                .starts_with("p.rego:4:10: p: Rego does not compile"),
            "{e}"
        );
    }

    #[test]
    fn embedded_modules_are_found_in_their_file() {
        let file =
            "kind: X\nspec:\n  rego: |\n    package a\n\n    deny[m] {\n      m := 1\n    }\n";
        assert_eq!(
            find_embedded(file, "package a\n\ndeny[m] {\n  m := 1\n}\n", 0),
            Some((3, 4))
        );
        assert_eq!(find_embedded(file, "package b\n", 0), None);
    }
}
