//! YAML policy files → `serde_json::Value` documents with the line of every node (by JSON pointer), through
//! `bulwark_k8s::yaml`: bounded depth, node count and alias expansion, Kubernetes (YAML 1.1) scalar typing,
//! and one broken document does not hide the others.

use std::collections::HashMap;

use bulwark_k8s::yaml::{Doc, Kind, Limits, NodeId, parse_stream, split_documents};
use serde_json::Value;

/// One YAML document of a file.
#[derive(Debug, Clone)]
pub(crate) struct YamlDoc {
    pub(crate) value: Value,
    /// JSON pointer (`/rules/0/id`) → 1-based line.
    pub(crate) lines: HashMap<String, u32>,
    /// Line of the document's first node.
    pub(crate) line: u32,
}

impl YamlDoc {
    /// The line of `pointer`, or of its nearest ancestor that has one.
    pub(crate) fn line_of(&self, pointer: &str) -> u32 {
        let mut p = pointer;
        loop {
            if let Some(l) = self.lines.get(p) {
                return *l;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return self.line,
            }
        }
    }
}

/// A syntax error or a bound that was hit.
#[derive(Debug, Clone)]
pub(crate) struct YamlFault {
    pub(crate) line: u32,
    pub(crate) message: String,
}

/// Policy files are small: far lower bounds than a manifest scan's.
const LIMITS: Limits = Limits {
    max_depth: 64,
    max_nodes: 200_000,
    max_expanded_nodes: 400_000,
};

pub(crate) fn parse(text: &str) -> (Vec<YamlDoc>, Vec<YamlFault>) {
    let mut docs = Vec::new();
    let mut faults = Vec::new();
    for (chunk, offset) in split_documents(text) {
        let (parsed, err) = parse_stream(chunk, offset, &LIMITS);
        for d in parsed {
            if let Some(root) = d.root() {
                let mut lines = HashMap::new();
                let mut budget = LIMITS.max_expanded_nodes;
                match to_value(&d, root, &mut String::new(), &mut lines, &mut budget, 0) {
                    Some(value) if !value.is_null() => docs.push(YamlDoc {
                        value,
                        lines,
                        line: d.line(root),
                    }),
                    Some(_) => {}
                    None => faults.push(YamlFault {
                        line: d.line(root),
                        message: "document expands to too many nodes (aliases)".into(),
                    }),
                }
            }
        }
        if let Some(e) = err {
            faults.push(YamlFault {
                line: e.line.max(1),
                message: e.message,
            });
        }
    }
    (docs, faults)
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn to_value(
    d: &Doc,
    id: NodeId,
    pointer: &mut String,
    lines: &mut HashMap<String, u32>,
    budget: &mut u64,
    depth: usize,
) -> Option<Value> {
    *budget = budget.checked_sub(1)?;
    if depth > LIMITS.max_depth {
        return None;
    }
    lines.entry(pointer.clone()).or_insert_with(|| d.line(id));
    Some(match d.kind(id) {
        Kind::Null => Value::Null,
        Kind::Bool => Value::Bool(d.bool(id).unwrap_or(false)),
        Kind::Int => d.int(id).map_or_else(
            || Value::String(d.text(id).unwrap_or_default().into()),
            Value::from,
        ),
        Kind::Float => {
            let t = d.text(id).unwrap_or_default();
            t.parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map_or_else(|| Value::String(t.into()), Value::Number)
        }
        Kind::Str => Value::String(d.text(id).unwrap_or_default().into()),
        Kind::Seq => {
            let mut out = Vec::new();
            for (i, &item) in d.items(id).iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                let v = to_value(d, item, pointer, lines, budget, depth + 1);
                pointer.truncate(len);
                out.push(v?);
            }
            Value::Array(out)
        }
        Kind::Map => {
            let mut out = serde_json::Map::new();
            for (k, v) in d.entries(id) {
                let key = d.text(k).unwrap_or_default().to_string();
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape(&key));
                lines.insert(pointer.clone(), d.line(k));
                let val = to_value(d, v, pointer, lines, budget, depth + 1);
                pointer.truncate(len);
                out.insert(key, val?);
            }
            Value::Object(out)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_lines() {
        let (docs, faults) = parse("a: 1\nb:\n  - x: yes\n    y: '2'\n---\nc: 1.5\n");
        assert!(faults.is_empty(), "{faults:?}");
        assert_eq!(docs.len(), 2);
        assert_eq!(
            docs[0].value,
            serde_json::json!({"a": 1, "b": [{"x": true, "y": "2"}]})
        );
        assert_eq!(docs[0].line_of("/b/0/y"), 4);
        assert_eq!(docs[0].line_of("/b/0/y/zzz"), 4);
        assert_eq!(docs[1].line_of("/c"), 6);
        let (docs, faults) = parse("a: [1\n---\nb: 2\n");
        assert_eq!(docs.len(), 1);
        assert_eq!(faults.len(), 1);
        assert!(faults[0].line <= 2);
    }

    #[test]
    fn alias_bombs_are_bounded() {
        use std::fmt::Write as _;
        let mut t = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let _ = writeln!(
                t,
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]",
                p = i - 1
            );
        }
        let (docs, faults) = parse(&t);
        assert!(docs.is_empty());
        assert!(!faults.is_empty());
    }
}
