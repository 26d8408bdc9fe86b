//! Applying a check's tests to its audit outputs, with kube-bench's result rules (see the fixtures README).
//!
//! Per test item the value is looked for in the `audit` output by `flag`; when not found there and the check has
//! an `audit_config` whose output is not empty, by `path` (a JSONPath subset) in that output read as JSON, else
//! YAML; when still not found and the item names an `env`, as `ENV=value` in the `audit_env` output. `set: false`
//! holds when nothing is found; `set: true` with a `compare` applies the operator to the value found, without one
//! it holds when the value is found. `use_multiple_values` applies an item to each output line, all of which must
//! hold. `bin_op` joins the items. The check's state then follows kube-bench's `run`: `type: skip` INFO,
//! `type: manual` WARN, scored without tests WARN, no test items or a failed audit FAIL if scored else WARN, and
//! otherwise PASS when the tests hold, else FAIL if scored, else WARN. `expected` is the text kube-bench reports
//! as the expected result (`'--audit-log-maxage' is greater or equal to 30`).

use crate::State;
use crate::audit::Auditor;
use crate::config::{Variables, substitute};
use crate::controls::{BinOp, Check, CheckType, Compare, TestItem};

/// What a check's three audits printed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outputs {
    pub audit: String,
    pub audit_config: String,
    pub audit_env: String,
}

/// A check's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub state: State,
    /// Why, when not decided by the tests (`Test marked as skip`, an audit's error).
    pub reason: String,
    /// The expected result, items joined by ` AND ` / ` OR `.
    pub expected: String,
    /// The output the last item read (trailing spaces and newlines trimmed).
    pub actual: String,
}

/// The tests applied to the outputs: whether they hold, and the texts kube-bench reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TestsResult {
    pub pass: bool,
    pub expected: String,
    pub actual: String,
}

/// Where an item's value was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Command,
    Config,
    Env,
}

#[derive(Debug, Clone, Default)]
struct ItemResult {
    pass: bool,
    found: bool,
    expected: String,
    actual: String,
}

/// Runs a check's audits through `auditor` (variables substituted) and judges it.
pub fn run(check: &Check, vars: &Variables, auditor: &dyn Auditor) -> Outcome {
    if let Some(o) = judge_without_tests(check) {
        return o;
    }
    let mut out = Outputs::default();
    let exec = |cmd: &str| -> Result<String, String> {
        let cmd = substitute(cmd.trim(), vars);
        if cmd.is_empty() {
            return Ok(String::new());
        }
        let r = auditor.run(&cmd);
        match r.error {
            Some(e) => Err(format!("failed to run: {cmd:?}: {e}")),
            None => Ok(r.stdout),
        }
    };
    let result = (|| {
        if !check.audit_env.trim().is_empty() {
            out.audit_env = exec(&check.audit_env)?;
        }
        out.audit = exec(&check.audit)?;
        match exec(&check.audit_config) {
            Ok(s) => out.audit_config = s,
            // kube-bench ignores a config file that cannot be read when another audit printed something.
            Err(_) if !out.audit.is_empty() || !out.audit_env.is_empty() => {}
            Err(e) => return Err(e),
        }
        Ok(())
    })();
    judge(check, result.map(|()| &out))
}

/// The state when the check's type or lack of tests decides it, before any audit runs.
fn judge_without_tests(check: &Check) -> Option<Outcome> {
    let scored_state = if check.scored {
        State::Fail
    } else {
        State::Warn
    };
    let (state, reason) = match (check.check_type, &check.tests) {
        (CheckType::Automated, None) if check.scored => (State::Warn, "There are no tests"),
        (CheckType::Skip, _) => (State::Info, "Test marked as skip"),
        (CheckType::Manual, _) => (State::Warn, "Test marked as a manual test"),
        (_, None) => (scored_state, "No tests defined"),
        (_, Some(t)) if t.items.is_empty() => (scored_state, "No tests defined"),
        _ => return None,
    };
    Some(Outcome {
        state,
        reason: reason.to_string(),
        expected: String::new(),
        actual: String::new(),
    })
}

/// Judges a check from its audits' outputs, or the error that stopped them.
#[must_use]
pub fn judge(check: &Check, outputs: Result<&Outputs, String>) -> Outcome {
    if let Some(o) = judge_without_tests(check) {
        return o;
    }
    let failed = if check.scored {
        State::Fail
    } else {
        State::Warn
    };
    match outputs {
        Err(reason) => Outcome {
            state: failed,
            reason,
            expected: String::new(),
            actual: String::new(),
        },
        Ok(o) => {
            let r = execute(check, o);
            Outcome {
                state: if r.pass { State::Pass } else { failed },
                reason: String::new(),
                expected: r.expected,
                actual: r.actual,
            }
        }
    }
}

/// Applies a check's tests to its outputs (kube-bench's `Check.execute`). A check without tests does not hold.
#[must_use]
pub fn execute(check: &Check, outputs: &Outputs) -> TestsResult {
    let Some(tests) = &check.tests else {
        return TestsResult::default();
    };
    if tests.items.is_empty() {
        return TestsResult::default();
    }
    let multiple = check.use_multiple_values;
    let mut results = Vec::with_capacity(tests.items.len());
    for item in &tests.items {
        let mut r = item_execute(item, Source::Command, &outputs.audit, multiple);
        if !r.found && !check.audit_config.is_empty() && !outputs.audit_config.is_empty() {
            r = item_execute(item, Source::Config, &outputs.audit_config, multiple);
            if !r.found && !item.env.is_empty() {
                r = item_execute(item, Source::Env, &outputs.audit_env, multiple);
            }
        }
        if !r.found && !item.env.is_empty() {
            r = item_execute(item, Source::Env, &outputs.audit_env, multiple);
        }
        results.push(r);
    }
    let (pass, sep) = match tests.bin_op {
        BinOp::And => (results.iter().all(|r| r.pass), " AND "),
        BinOp::Or => (results.iter().any(|r| r.pass), " OR "),
    };
    TestsResult {
        pass,
        expected: results
            .iter()
            .map(|r| r.expected.as_str())
            .collect::<Vec<_>>()
            .join(sep),
        actual: results
            .first()
            .map(|r| r.actual.clone())
            .unwrap_or_default(),
    }
}

fn item_execute(item: &TestItem, source: Source, s: &str, multiple: bool) -> ItemResult {
    let s = s.trim_end_matches([' ', '\n']);
    let mut result = ItemResult::default();
    let lines: Vec<&str> = if multiple {
        s.split('\n').collect()
    } else {
        vec![s]
    };
    for line in lines {
        result = item_evaluate(item, source, line);
        if !result.pass {
            break;
        }
    }
    result.actual = s.to_string();
    result
}

fn item_evaluate(item: &TestItem, source: Source, s: &str) -> ItemResult {
    let (found, value) = match find_value(item, source, s) {
        Ok(v) => v,
        Err(e) => {
            return ItemResult {
                pass: false,
                found: false,
                expected: String::new(),
                actual: e,
            };
        }
    };
    let name = match source {
        Source::Command => &item.flag,
        Source::Config => &item.path,
        Source::Env => &item.env,
    };
    let (expected, pass) = if item.set {
        match &item.compare {
            Some(c) if found && !c.op.is_empty() => compare_op(c, &value, name),
            _ => (format!("'{name}' is present"), found),
        }
    } else {
        (format!("'{name}' is not present"), !found)
    };
    ItemResult {
        pass,
        found,
        expected,
        actual: String::new(),
    }
}

/// Whether the item's flag, path or env is in `s`, and its value.
fn find_value(item: &TestItem, source: Source, s: &str) -> Result<(bool, String), String> {
    match source {
        Source::Command => flag_value(item, s),
        Source::Config => {
            let doc = parse_document(s)?;
            let value = jsonpath(&item.path, &doc)
                .map_err(|e| format!("unable to parse path expression {:?}: {e}", item.path))?;
            Ok((!value.is_empty(), value))
        }
        Source::Env => Ok(env_value(&item.env, s)),
    }
}

fn flag_value(item: &TestItem, s: &str) -> Result<(bool, String), String> {
    let flag = &item.flag;
    if s.is_empty() || flag.is_empty() || !s.contains(flag.as_str()) {
        return Ok((false, String::new()));
    }
    // As kube-bench, the flag is used as a regular expression here.
    let re = regex::Regex::new(&format!(r"({flag})(=|: *)*([^\s]*) *"))
        .map_err(|e| format!("invalid flag {flag:?} in test item: {e}"))?;
    let Some(caps) = re.captures(s) else {
        return Err(format!("invalid flag in testItem definition: {s}"));
    };
    let v3 = caps.get(3).map_or("", |m| m.as_str());
    if !v3.is_empty() {
        return Ok((true, v3.to_string()));
    }
    // `--flag value`: read only when the item compares a value, and not when the next token is another flag.
    if item.compare.as_ref().is_some_and(|c| !c.op.is_empty()) {
        let re = regex::Regex::new(&format!(r"{}\s+([^\s-][^\s]*)", regex::escape(flag)))
            .map_err(|e| e.to_string())?;
        if let Some(c) = re.captures(s) {
            return Ok((true, c[1].to_string()));
        }
    }
    if flag.starts_with("--") {
        Ok((true, "true".into()))
    } else {
        Ok((true, caps.get(1).map_or("", |m| m.as_str()).to_string()))
    }
}

/// `ENV=value` up to the end of its line; the first occurrence of `ENV=` anywhere in the output (as kube-bench,
/// which also reads the name as a regular expression).
fn env_value(env: &str, s: &str) -> (bool, String) {
    if s.is_empty() || env.is_empty() {
        return (false, String::new());
    }
    let Ok(re) = regex::Regex::new(&format!(r"{env}=.*(?:\z|\n)")) else {
        return (false, String::new());
    };
    let Some(m) = re.find(s) else {
        return (false, String::new());
    };
    let out = m
        .as_str()
        .replacen('\n', "", 1)
        .replacen(&format!("{env}="), "", 1);
    (!out.is_empty(), out)
}

/// JSON first, then YAML, as kube-bench.
fn parse_document(s: &str) -> Result<serde_json::Value, String> {
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(s) {
        return Ok(v);
    }
    yaml_serde::from_str::<serde_json::Value>(s)
        .map_err(|e| format!("failed to load YAML or JSON from input {s:?}: {e}"))
}

/// kube-bench's operators. Returns the expected-result text and whether it holds.
fn compare_op(c: &Compare, flag_val: &str, name: &str) -> (String, bool) {
    let want = c.value.as_str();
    let (pattern, pass) = match c.op.as_str() {
        "eq" | "noteq" => {
            let lower = flag_val.to_lowercase();
            let eq = if lower == "true" || lower == "false" {
                lower == want
            } else {
                flag_val == want
            };
            if c.op == "eq" {
                (format!("'{name}' is equal to '{want}'"), eq)
            } else {
                (format!("'{name}' is not equal to '{want}'"), !eq)
            }
        }
        op @ ("gt" | "gte" | "lt" | "lte") => {
            let (Ok(a), Ok(b)) = (flag_val.trim().parse::<i64>(), want.trim().parse::<i64>())
            else {
                return (
                    format!("Invalid Number(s) used for comparison: '{flag_val}' '{want}'"),
                    false,
                );
            };
            match op {
                "gt" => (format!("'{name}' is greater than {want}"), a > b),
                "gte" => (format!("'{name}' is greater or equal to {want}"), a >= b),
                "lt" => (format!("'{name}' is lower than {want}"), a < b),
                _ => (format!("'{name}' is lower or equal to {want}"), a <= b),
            }
        }
        "has" => (format!("'{name}' has '{want}'"), flag_val.contains(want)),
        "nothave" => (
            format!("'{name}' does not have '{want}'"),
            !flag_val.contains(want),
        ),
        "regex" => match regex::Regex::new(want) {
            Ok(re) => (
                format!("'{name}' matched by regex expression '{want}'"),
                re.is_match(flag_val),
            ),
            Err(e) => (format!("invalid regex expression '{want}': {e}"), false),
        },
        "valid_elements" => (
            format!("'{name}' contains valid elements from '{want}'"),
            all_elements_valid(&split_list(flag_val), &split_list(want)),
        ),
        "bitmask" => {
            let Ok(requested) = i64::from_str_radix(flag_val, 8) else {
                return (format!("Not numeric value - flag: {flag_val}"), false);
            };
            let Ok(max) = i64::from_str_radix(want, 8) else {
                return (format!("Not numeric value - flag: {want}"), false);
            };
            (
                format!("{name} has permissions {flag_val}, expected {want} or more restrictive"),
                (max & requested) == requested,
            )
        }
        _ => (String::new(), false),
    };
    (pattern, pass)
}

/// A comma-separated list: surrounding spaces and trailing commas removed, elements trimmed.
fn split_list(s: &str) -> Vec<&str> {
    let clean = s.trim().trim_end_matches(',');
    if clean.is_empty() {
        return Vec::new();
    }
    clean.split(',').map(str::trim).collect()
}

/// Every element of `s` is in `allowed`; two empty lists agree, one empty list does not.
fn all_elements_valid(s: &[&str], allowed: &[&str]) -> bool {
    match (s.is_empty(), allowed.is_empty()) {
        (true, true) => true,
        (true, false) | (false, true) => false,
        _ => s.iter().all(|e| allowed.contains(e)),
    }
}

/// The JSONPath subset kube-bench's files use, with missing keys printing nothing: text outside braces printed
/// as is; `{.a.b[0].c}` (fields, `[n]`, `[*]`, `[:]`, `\.` in a field name); `{'text'}` / `{"text"}` literals;
/// `{range .x[*]}…{end}` over a list, with `{}` or `{@}` for the element; several results joined by spaces.
pub fn jsonpath(template: &str, doc: &serde_json::Value) -> Result<String, String> {
    let tokens = tokenize(template)?;
    let mut out = String::new();
    let mut pos = 0;
    render(&tokens, &mut pos, doc, doc, &mut out, 0)?;
    if pos != tokens.len() {
        return Err("{end} without {range}".into());
    }
    Ok(out)
}

#[derive(Debug)]
enum Token {
    Text(String),
    Expr(String),
}

fn tokenize(t: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut rest = t;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            out.push(Token::Text(rest[..open].to_string()));
        }
        let after = &rest[open + 1..];
        // The closing brace, outside quotes.
        let mut quote: Option<char> = None;
        let mut close = None;
        for (i, ch) in after.char_indices() {
            match quote {
                Some(q) if ch == q => quote = None,
                None if ch == '\'' || ch == '"' => quote = Some(ch),
                None if ch == '}' => {
                    close = Some(i);
                    break;
                }
                Some(_) | None => {}
            }
        }
        let Some(close) = close else {
            return Err(format!("unclosed action in {t:?}"));
        };
        out.push(Token::Expr(after[..close].trim().to_string()));
        rest = &after[close + 1..];
    }
    if !rest.is_empty() {
        out.push(Token::Text(rest.to_string()));
    }
    Ok(out)
}

fn render(
    tokens: &[Token],
    pos: &mut usize,
    root: &serde_json::Value,
    cur: &serde_json::Value,
    out: &mut String,
    depth: usize,
) -> Result<(), String> {
    while *pos < tokens.len() {
        match &tokens[*pos] {
            Token::Text(t) => out.push_str(t),
            Token::Expr(e) if e == "end" => {
                if depth == 0 {
                    return Err("{end} without {range}".into());
                }
                return Ok(());
            }
            Token::Expr(e) if (e.starts_with("range ") || e == "range") && depth >= 16 => {
                return Err("{range} nested too deeply".into());
            }
            Token::Expr(e) if e.starts_with("range ") || e == "range" => {
                let items = select(e["range".len()..].trim(), root, cur)?;
                let body = *pos + 1;
                let mut end = body;
                if items.is_empty() {
                    // Skip the body: render it against nothing into a scratch buffer to find its end.
                    let mut scratch = String::new();
                    render(
                        tokens,
                        &mut end,
                        root,
                        &serde_json::Value::Null,
                        &mut scratch,
                        depth + 1,
                    )?;
                } else {
                    for it in &items {
                        end = body;
                        render(tokens, &mut end, root, it, out, depth + 1)?;
                    }
                }
                if end >= tokens.len() {
                    return Err("{range} without {end}".into());
                }
                *pos = end;
            }
            Token::Expr(e) => {
                if let Some(lit) = literal(e) {
                    out.push_str(&lit);
                } else {
                    let vals = select(e, root, cur)?;
                    let parts: Vec<String> = vals.iter().map(|v| print(v)).collect();
                    out.push_str(&parts.join(" "));
                }
            }
        }
        *pos += 1;
    }
    if depth > 0 {
        return Err("{range} without {end}".into());
    }
    Ok(())
}

fn literal(e: &str) -> Option<String> {
    let b = e.as_bytes();
    if b.len() >= 2 && (b[0] == b'\'' || b[0] == b'"') && b[b.len() - 1] == b[0] {
        return Some(e[1..e.len() - 1].to_string());
    }
    None
}

fn print(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

/// The values an expression selects; missing keys select nothing.
fn select<'a>(
    expr: &str,
    root: &'a serde_json::Value,
    cur: &'a serde_json::Value,
) -> Result<Vec<&'a serde_json::Value>, String> {
    let (mut vals, mut rest) = match expr.chars().next() {
        None => return Ok(vec![cur]),
        Some('@') => (vec![cur], &expr[1..]),
        Some('$') => (vec![root], &expr[1..]),
        Some('.' | '[') => (vec![cur], expr),
        Some(_) => return Err(format!("unrecognized expression {expr:?}")),
    };
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('[') {
            let close = r
                .find(']')
                .ok_or_else(|| format!("unterminated [ in {expr:?}"))?;
            let idx = r[..close].trim();
            rest = &r[close + 1..];
            let mut next = Vec::new();
            for v in vals {
                let serde_json::Value::Array(a) = v else {
                    continue;
                };
                if idx == "*" || idx == ":" {
                    next.extend(a.iter());
                } else {
                    let i: i64 = idx
                        .parse()
                        .map_err(|_| format!("unsupported index [{idx}] in {expr:?}"))?;
                    let len = i64::try_from(a.len()).unwrap_or(i64::MAX);
                    let i = if i < 0 { len + i } else { i };
                    if let Some(x) = usize::try_from(i).ok().and_then(|i| a.get(i)) {
                        next.push(x);
                    }
                }
            }
            vals = next;
        } else if let Some(r) = rest.strip_prefix('.') {
            // A field name ends at an unescaped `.` or `[`.
            let mut name = String::new();
            let mut end = r.len();
            let mut chars = r.char_indices();
            while let Some((i, ch)) = chars.next() {
                match ch {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            name.push(n);
                        }
                    }
                    '.' | '[' => {
                        end = i;
                        break;
                    }
                    c => name.push(c),
                }
            }
            rest = &r[end..];
            if name.is_empty() {
                continue;
            }
            if name == "*" {
                vals = vals
                    .into_iter()
                    .flat_map(|v| match v {
                        serde_json::Value::Object(m) => m.values().collect::<Vec<_>>(),
                        serde_json::Value::Array(a) => a.iter().collect(),
                        _ => Vec::new(),
                    })
                    .collect();
                continue;
            }
            vals = vals
                .into_iter()
                .filter_map(|v| v.get(name.as_str()))
                .collect();
        } else {
            return Err(format!("unrecognized expression {expr:?}"));
        }
    }
    Ok(vals)
}
