//! kube-bench's check files (`cfg/<benchmark>/<target>.yaml`), loaded unmodified.
//!
//! Ids keep their source text: YAML reads `4.10` as the float 4.1, so every scalar is read from saphyr-parser's
//! events, never through a float. Errors name file:line.

use serde::Serialize;

/// One file: a section of the benchmark for one target.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Controls {
    /// Benchmark id (`cis-1.12`).
    pub version: String,
    /// Section id (`4`), as written.
    pub id: String,
    pub text: String,
    /// `master`, `node`, `etcd`, `controlplane`, `policies`, `managedservices`.
    pub target: String,
    pub groups: Vec<Group>,
    /// The file it came from, for messages.
    pub path: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Group {
    pub id: String,
    pub text: String,
    pub checks: Vec<Check>,
}

/// `type:` of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum CheckType {
    #[default]
    Automated,
    Manual,
    Skip,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Check {
    pub id: String,
    pub text: String,
    /// Shell command whose output the tests read (`$vars` not yet substituted).
    pub audit: String,
    pub audit_config: String,
    pub audit_env: String,
    pub use_multiple_values: bool,
    pub tests: Option<Tests>,
    pub remediation: String,
    pub scored: bool,
    pub check_type: CheckType,
    /// 1-based line of the check in its file.
    pub line: usize,
}

/// `bin_op` across test items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum BinOp {
    #[default]
    And,
    Or,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Tests {
    pub bin_op: BinOp,
    pub items: Vec<TestItem>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct TestItem {
    /// Substring searched in the audit output; value by `(<flag>)(=|: *)*([^\s]*)`.
    pub flag: String,
    /// JSONPath into the audit_config output (`{.authentication.anonymous.enabled}`).
    pub path: String,
    /// `VAR` looked up in the audit_env output.
    pub env: String,
    /// Default true; false means the flag must be absent.
    pub set: bool,
    pub compare: Option<Compare>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Compare {
    /// `eq noteq gt gte lt lte has nothave regex valid_elements bitmask`.
    pub op: String,
    pub value: String,
}

/// Loads one check file.
pub fn load(path: &std::path::Path) -> Result<Controls, crate::NodeError> {
    let text = std::fs::read_to_string(path).map_err(|source| crate::NodeError::Io {
        path: path.display().to_string(),
        source,
    })?;
    parse(&text, &path.display().to_string())
}

/// Parses a check file's text; `name` is used in messages.
pub fn parse(text: &str, name: &str) -> Result<Controls, crate::NodeError> {
    let root = yaml::parse(text, name)?;
    let err = |line: usize, reason: String| crate::NodeError::Parse {
        path: name.to_string(),
        line,
        reason,
    };
    if matches!(root.value, yaml::Value::Null) {
        return Ok(Controls {
            path: name.to_string(),
            ..Controls::default()
        });
    }
    let yaml::Value::Map(_) = root.value else {
        return Err(err(root.line, "the file is not a mapping".into()));
    };
    let mut c = Controls {
        version: root.str_of("version", name)?,
        id: root.str_of("id", name)?,
        text: root.str_of("text", name)?,
        target: root.str_of("type", name)?,
        path: name.to_string(),
        groups: Vec::new(),
    };
    for g in root.seq_of("groups", name)? {
        let mut group = Group {
            id: g.str_of("id", name)?,
            text: g.str_of("text", name)?,
            checks: Vec::new(),
        };
        for ch in g.seq_of("checks", name)? {
            group.checks.push(check(ch, name)?);
        }
        c.groups.push(group);
    }
    Ok(c)
}

fn check(n: &yaml::Node, name: &str) -> Result<Check, crate::NodeError> {
    let check_type = match n.str_of("type", name)?.to_ascii_lowercase().as_str() {
        "manual" => CheckType::Manual,
        "skip" => CheckType::Skip,
        _ => CheckType::Automated,
    };
    let tests = match n.get("tests") {
        None => None,
        Some(t) if matches!(t.value, yaml::Value::Null) => None,
        Some(t) => {
            let bin_op = match t.str_of("bin_op", name)?.to_ascii_lowercase().as_str() {
                "or" => BinOp::Or,
                "and" | "" => BinOp::And,
                other => {
                    return Err(crate::NodeError::Parse {
                        path: name.into(),
                        line: t.get("bin_op").map_or(t.line, |b| b.line),
                        reason: format!("bin_op {other:?} is neither and nor or"),
                    });
                }
            };
            let mut items = Vec::new();
            for it in t.seq_of("test_items", name)? {
                let compare = match it.get("compare") {
                    None => None,
                    Some(cmp) if matches!(cmp.value, yaml::Value::Null) => None,
                    Some(cmp) => Some(Compare {
                        op: cmp.str_of("op", name)?,
                        value: cmp.str_of("value", name)?,
                    }),
                };
                items.push(TestItem {
                    flag: it.str_of("flag", name)?,
                    path: it.str_of("path", name)?,
                    env: it.str_of("env", name)?,
                    set: it.bool_of("set", true, name)?,
                    compare,
                });
            }
            Some(Tests { bin_op, items })
        }
    };
    Ok(Check {
        id: n.str_of("id", name)?,
        text: n.str_of("text", name)?,
        audit: n.str_of("audit", name)?,
        audit_config: n.str_of("audit_config", name)?,
        audit_env: n.str_of("audit_env", name)?,
        use_multiple_values: n.bool_of("use_multiple_values", false, name)?,
        tests,
        remediation: n.str_of("remediation", name)?,
        scored: n.bool_of("scored", false, name)?,
        check_type,
        line: n.line,
    })
}

/// A YAML tree from saphyr-parser's events: every scalar keeps its source text (no float or bool conversion) and
/// every node its 1-based line. Anchors and aliases are resolved (by copy, with a node budget so an alias bomb
/// fails cleanly).
pub(crate) mod yaml {
    use saphyr_parser::{Event, Parser, ScalarStyle};
    use std::collections::HashMap;

    #[derive(Debug, Clone)]
    pub(crate) enum Value {
        Null,
        /// Text as written.
        Scalar {
            text: String,
        },
        Seq(Vec<Node>),
        Map(Vec<(String, Node)>),
    }

    #[derive(Debug, Clone)]
    pub(crate) struct Node {
        pub(crate) value: Value,
        pub(crate) line: usize,
    }

    const MAX_NODES: usize = 1_000_000;
    /// Kube-bench's files nest six deep; the limit keeps the tree's recursive drop and walks off the stack's end.
    const MAX_DEPTH: usize = 64;

    fn perr(name: &str, line: usize, reason: impl Into<String>) -> crate::NodeError {
        crate::NodeError::Parse {
            path: name.to_string(),
            line,
            reason: reason.into(),
        }
    }

    fn count(n: &Node) -> usize {
        match &n.value {
            Value::Seq(v) => 1 + v.iter().map(count).sum::<usize>(),
            Value::Map(v) => 1 + v.iter().map(|(_, n)| count(n)).sum::<usize>(),
            _ => 1,
        }
    }

    enum Frame {
        Seq(Vec<Node>, usize, usize),
        /// entries, pending key, line, anchor
        Map(Vec<(String, Node)>, Option<String>, usize, usize),
    }

    /// Parses the first document of `text`; an empty stream gives a Null node. saphyr-parser is stricter than
    /// libyaml (which kube-bench uses through go-yaml) about a quoted scalar's continuation lines indented no
    /// deeper than their key (`text: "…\n        set as appropriate"` in the etcd files): when the strict parse
    /// fails, those lines are indented further (whitespace a quoted scalar folds away anyway; line numbers
    /// unchanged) and the text parsed again; if that fails too, the first error is reported.
    pub(crate) fn parse(text: &str, name: &str) -> Result<Node, crate::NodeError> {
        match parse_strict(text, name) {
            Ok(n) => Ok(n),
            Err(e) => match reindent_quoted(text) {
                Some(t) => parse_strict(&t, name).map_err(|_| e),
                None => Err(e),
            },
        }
    }

    /// Indents the continuation lines of multi-line quoted scalars deeper than their key; None if there are none.
    fn reindent_quoted(text: &str) -> Option<String> {
        let mut out = String::with_capacity(text.len() + 64);
        let mut changed = false;
        // Inside a quoted scalar: its quote character and the indentation of the line that opened it.
        let mut open: Option<(char, usize)> = None;
        for line in text.split_inclusive('\n') {
            let indent = line.len() - line.trim_start_matches(' ').len();
            if let Some((q, base)) = open {
                if indent <= base && !line.trim().is_empty() {
                    out.push_str(&" ".repeat(base + 2 - indent));
                    changed = true;
                }
                out.push_str(line);
                if closes(line, q) {
                    open = None;
                }
                continue;
            }
            out.push_str(line);
            let (body, base) = match line[indent..].strip_prefix("- ") {
                Some(b) => (b, indent + 2),
                None => (&line[indent..], indent),
            };
            if let Some(pos) = body.find(": ") {
                let rest = body[pos + 2..].trim_start();
                if let Some(q @ ('"' | '\'')) = rest.chars().next()
                    && !closes(&rest[1..], q)
                {
                    open = Some((q, base));
                }
            }
        }
        changed.then_some(out)
    }

    /// Whether `s` holds the closing quote `q` (a `\"` escape or a `''` pair is not one).
    fn closes(s: &str, q: char) -> bool {
        let mut it = s.chars().peekable();
        while let Some(c) = it.next() {
            if q == '"' && c == '\\' {
                it.next();
            } else if c == q {
                if q == '\'' && it.peek() == Some(&'\'') {
                    it.next();
                } else {
                    return true;
                }
            }
        }
        false
    }

    fn parse_strict(text: &str, name: &str) -> Result<Node, crate::NodeError> {
        let mut stack: Vec<Frame> = Vec::new();
        let mut anchors: HashMap<usize, Node> = HashMap::new();
        let mut root: Option<Node> = None;
        let mut total = 0usize;
        for ev in Parser::new_from_str(text) {
            let (ev, span) = ev.map_err(|e| perr(name, e.marker().line(), e.info().to_string()))?;
            let line = span.start.line();
            let node = match ev {
                Event::StreamStart | Event::DocumentStart(_) | Event::Nothing => continue,
                Event::DocumentEnd | Event::StreamEnd => {
                    if root.is_some() || matches!(ev, Event::StreamEnd) {
                        break;
                    }
                    continue;
                }
                Event::SequenceStart(..) | Event::MappingStart(..) if stack.len() >= MAX_DEPTH => {
                    return Err(perr(name, line, "nested too deeply"));
                }
                Event::SequenceStart(a, _) => {
                    stack.push(Frame::Seq(Vec::new(), line, a));
                    continue;
                }
                Event::MappingStart(a, _) => {
                    stack.push(Frame::Map(Vec::new(), None, line, a));
                    continue;
                }
                Event::SequenceEnd => match stack.pop() {
                    Some(Frame::Seq(v, l, a)) => {
                        let n = Node {
                            value: Value::Seq(v),
                            line: l,
                        };
                        if a > 0 {
                            anchors.insert(a, n.clone());
                        }
                        n
                    }
                    _ => return Err(perr(name, line, "unbalanced sequence end")),
                },
                Event::MappingEnd => match stack.pop() {
                    Some(Frame::Map(v, _, l, a)) => {
                        let n = Node {
                            value: Value::Map(v),
                            line: l,
                        };
                        if a > 0 {
                            anchors.insert(a, n.clone());
                        }
                        n
                    }
                    _ => return Err(perr(name, line, "unbalanced mapping end")),
                },
                Event::Scalar(v, style, a, _) => {
                    let plain = matches!(style, ScalarStyle::Plain);
                    let value =
                        if plain && matches!(v.as_ref(), "" | "~" | "null" | "Null" | "NULL") {
                            Value::Null
                        } else {
                            Value::Scalar {
                                text: v.into_owned(),
                            }
                        };
                    let n = Node { value, line };
                    if a > 0 {
                        anchors.insert(a, n.clone());
                    }
                    n
                }
                Event::Alias(a) => {
                    let n = anchors
                        .get(&a)
                        .cloned()
                        .ok_or_else(|| perr(name, line, "alias to an unknown anchor"))?;
                    total += count(&n);
                    if total > MAX_NODES {
                        return Err(perr(name, line, "too many nodes (alias expansion)"));
                    }
                    n
                }
            };
            total += 1;
            if total > MAX_NODES {
                return Err(perr(name, line, "too many nodes"));
            }
            match stack.last_mut() {
                None => root = Some(node),
                Some(Frame::Seq(v, ..)) => v.push(node),
                Some(Frame::Map(v, key, ..)) => match key.take() {
                    None => match node.value {
                        Value::Scalar { text } => *key = Some(text),
                        Value::Null => *key = Some(String::new()),
                        _ => {
                            return Err(perr(
                                name,
                                node.line,
                                "a mapping key that is not a scalar",
                            ));
                        }
                    },
                    Some(k) => {
                        if v.iter().any(|(e, _)| *e == k) {
                            return Err(perr(name, node.line, format!("duplicate key {k:?}")));
                        }
                        v.push((k, node));
                    }
                },
            }
        }
        Ok(root.unwrap_or(Node {
            value: Value::Null,
            line: 1,
        }))
    }

    impl Node {
        pub(crate) fn get(&self, key: &str) -> Option<&Node> {
            match &self.value {
                Value::Map(v) => v.iter().find(|(k, _)| k == key).map(|(_, n)| n),
                _ => None,
            }
        }

        /// The scalar text, or None for anything else.
        pub(crate) fn as_str(&self) -> Option<&str> {
            match &self.value {
                Value::Scalar { text } => Some(text),
                _ => None,
            }
        }

        /// A key's scalar text; "" when absent or null; an error naming the line when it is a list or mapping.
        pub(crate) fn str_of(&self, key: &str, name: &str) -> Result<String, crate::NodeError> {
            match self.get(key) {
                None => Ok(String::new()),
                Some(n) => match &n.value {
                    Value::Null => Ok(String::new()),
                    Value::Scalar { text } => Ok(text.clone()),
                    _ => Err(perr(name, n.line, format!("{key}: expected a scalar"))),
                },
            }
        }

        pub(crate) fn bool_of(
            &self,
            key: &str,
            default: bool,
            name: &str,
        ) -> Result<bool, crate::NodeError> {
            match self.get(key) {
                None => Ok(default),
                Some(n) => match &n.value {
                    Value::Null => Ok(default),
                    Value::Scalar { text } => match text.as_str() {
                        "true" | "True" | "TRUE" => Ok(true),
                        "false" | "False" | "FALSE" => Ok(false),
                        t => Err(perr(name, n.line, format!("{key}: {t:?} is not a boolean"))),
                    },
                    _ => Err(perr(name, n.line, format!("{key}: expected a boolean"))),
                },
            }
        }

        /// A key's list; empty when absent or null.
        pub(crate) fn seq_of(&self, key: &str, name: &str) -> Result<&[Node], crate::NodeError> {
            match self.get(key) {
                None => Ok(&[]),
                Some(n) => match &n.value {
                    Value::Null => Ok(&[]),
                    Value::Seq(v) => Ok(v),
                    _ => Err(perr(name, n.line, format!("{key}: expected a list"))),
                },
            }
        }
    }
}
