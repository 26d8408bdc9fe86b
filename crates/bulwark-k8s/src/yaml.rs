//! A small YAML tree with a line and column on every node, built from `saphyr-parser` events.
//!
//! Why not a ready-made tree (saphyr `MarkedYaml`, serde-saphyr)? We need three things they do not give together:
//! - **bounded aliases**: an alias is stored as a shared reference to the anchored node, never copied, and the
//!   size it *would* expand to is counted against [`Limits::max_expanded_nodes`] (billion laughs stays O(input));
//! - **bounded depth and node count**, reported as a diagnostic instead of a stack overflow or OOM;
//! - **Kubernetes scalar typing**: plain scalars resolve like sigs.k8s.io/yaml (goyaml v2, YAML 1.1), so
//!   `privileged: yes` is `true`, as the API server would read it; quoted scalars are always strings.
//!
//! Nodes live in one arena per document; children and scalar text are ranges into shared vectors, so building a
//! document allocates a handful of vectors, not one allocation per node.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle};

/// Index of a node in a [`Doc`].
pub type NodeId = u32;

/// Budgets that keep hostile input bounded.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Maximum nesting depth of mappings and sequences.
    pub max_depth: usize,
    /// Maximum number of nodes in one document (aliases not expanded).
    pub max_nodes: usize,
    /// Maximum number of nodes the document would have with every alias expanded.
    pub max_expanded_nodes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 128,
            max_nodes: 2_000_000,
            max_expanded_nodes: 4_000_000,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Null,
    Bool,
    Int,
    Float,
    Str,
    Map,
    Seq,
}

impl Kind {
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "a boolean",
            Kind::Int => "an integer",
            Kind::Float => "a number",
            Kind::Str => "a string",
            Kind::Map => "a mapping",
            Kind::Seq => "a list",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Node {
    pub kind: Kind,
    /// 1-based line in the file.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
    /// Scalars: byte range in `Doc::text`. Maps: range in `Doc::children` (key, value, key, value…). Seqs: range.
    start: u32,
    end: u32,
    /// Number of nodes in this subtree with aliases expanded (saturating).
    size: u64,
}

/// One YAML document.
#[derive(Debug, Default)]
pub struct Doc {
    nodes: Vec<Node>,
    children: Vec<NodeId>,
    text: String,
    root: Option<NodeId>,
}

/// Why a document could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub line: u32,
    pub col: u32,
    pub message: String,
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

impl Doc {
    #[must_use]
    pub fn root(&self) -> Option<NodeId> {
        self.root
    }

    #[must_use]
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id as usize]
    }

    #[must_use]
    pub fn kind(&self, id: NodeId) -> Kind {
        self.nodes[id as usize].kind
    }

    #[must_use]
    pub fn line(&self, id: NodeId) -> u32 {
        self.nodes[id as usize].line
    }

    #[must_use]
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Scalar text (for any scalar kind), or `None` for mappings and sequences.
    #[must_use]
    pub fn text(&self, id: NodeId) -> Option<&str> {
        let n = &self.nodes[id as usize];
        match n.kind {
            Kind::Map | Kind::Seq => None,
            _ => Some(&self.text[n.start as usize..n.end as usize]),
        }
    }

    /// A string value: only `Str` scalars (quoted, or plain text that is not a bool/number/null).
    #[must_use]
    pub fn str(&self, id: NodeId) -> Option<&str> {
        if self.kind(id) == Kind::Str {
            self.text(id)
        } else {
            None
        }
    }

    #[must_use]
    pub fn bool(&self, id: NodeId) -> Option<bool> {
        if self.kind(id) != Kind::Bool {
            return None;
        }
        self.text(id).map(|t| {
            matches!(
                t,
                "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE"
            )
        })
    }

    #[must_use]
    pub fn int(&self, id: NodeId) -> Option<i64> {
        match self.kind(id) {
            Kind::Int => self.text(id).and_then(parse_int),
            Kind::Float => self
                .text(id)
                .and_then(|t| t.parse::<f64>().ok())
                .filter(|f| f.fract() == 0.0)
                .map(|f| f as i64),
            _ => None,
        }
    }

    /// Children of a sequence (empty for anything else).
    #[must_use]
    pub fn items(&self, id: NodeId) -> &[NodeId] {
        let n = &self.nodes[id as usize];
        if n.kind == Kind::Seq {
            &self.children[n.start as usize..n.end as usize]
        } else {
            &[]
        }
    }

    /// `(key, value)` pairs of a mapping (empty for anything else).
    pub fn entries(&self, id: NodeId) -> impl Iterator<Item = (NodeId, NodeId)> + '_ {
        let n = &self.nodes[id as usize];
        let s: &[NodeId] = if n.kind == Kind::Map {
            &self.children[n.start as usize..n.end as usize]
        } else {
            &[]
        };
        s.chunks_exact(2).map(|c| (c[0], c[1]))
    }

    /// The entry whose key is `key` in mapping `map`: `(key node, value node)`. Later duplicates win, as in Go.
    #[must_use]
    pub fn get_entry(&self, map: NodeId, key: &str) -> Option<(NodeId, NodeId)> {
        self.entries(map)
            .filter(|&(k, _)| self.text(k) == Some(key))
            .last()
    }

    #[must_use]
    pub fn get(&self, map: NodeId, key: &str) -> Option<NodeId> {
        self.get_entry(map, key).map(|(_, v)| v)
    }

    /// Follows a path of keys through nested mappings.
    #[must_use]
    pub fn path(&self, mut node: NodeId, keys: &[&str]) -> Option<NodeId> {
        for k in keys {
            node = self.get(node, k)?;
        }
        Some(node)
    }

    #[must_use]
    pub fn is_null(&self, id: NodeId) -> bool {
        self.kind(id) == Kind::Null
    }

    /// The subtree as JSON, with the Kubernetes (YAML 1.1, sigs.k8s.io/yaml) scalar typing the checks use: what a
    /// policy engine sees as the object. Aliases are expanded (the parser bounded their expansion); a later
    /// duplicate key wins, as in Go; a non-finite float is `null`, since JSON has none.
    #[must_use]
    pub fn to_json(&self, id: NodeId) -> serde_json::Value {
        use serde_json::Value;
        match self.kind(id) {
            Kind::Null => Value::Null,
            Kind::Bool => Value::Bool(self.bool(id).unwrap_or(false)),
            Kind::Int => {
                let t = self.text(id).unwrap_or("0");
                match parse_int(t) {
                    Some(i) => Value::from(i),
                    None => float(t),
                }
            }
            Kind::Float => float(self.text(id).unwrap_or("0")),
            Kind::Str => Value::String(self.text(id).unwrap_or("").to_string()),
            Kind::Seq => Value::Array(self.items(id).iter().map(|&c| self.to_json(c)).collect()),
            Kind::Map => {
                let mut m = serde_json::Map::new();
                for (k, v) in self.entries(id) {
                    let key = self.text(k).unwrap_or("").to_string();
                    m.insert(key, self.to_json(v));
                }
                Value::Object(m)
            }
        }
    }
}

fn float(t: &str) -> serde_json::Value {
    t.replace('_', "")
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map_or(serde_json::Value::Null, serde_json::Value::Number)
}

fn parse_int(t: &str) -> Option<i64> {
    let t = t.replace('_', "");
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.strip_prefix('+').unwrap_or(&t)),
    };
    let v = if let Some(h) = body.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()?
    } else if let Some(o) = body.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()?
    } else if body.len() > 1 && body.starts_with('0') {
        i64::from_str_radix(body, 8).ok()?
    } else {
        body.parse().ok()?
    };
    Some(if neg { -v } else { v })
}

/// YAML 1.1 resolution of a plain scalar, as goyaml v2 does it (sigs.k8s.io/yaml).
fn resolve_plain(t: &str) -> Kind {
    match t {
        "" | "~" | "null" | "Null" | "NULL" => return Kind::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" | "n"
        | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            return Kind::Bool;
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "-.inf" | ".nan" | ".NaN" | ".NAN" => {
            return Kind::Float;
        }
        _ => {}
    }
    let b = t.as_bytes();
    let first = b[0];
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return Kind::Str;
    }
    if parse_int(t).is_some() {
        return Kind::Int;
    }
    if t.bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E' | b'_'))
        && t.replace('_', "").parse::<f64>().is_ok()
    {
        return Kind::Float;
    }
    Kind::Str
}

struct Frame {
    node: NodeId,
    /// Start of this frame's children in the scratch stack.
    scratch_start: usize,
    anchor: usize,
}

/// Parses one YAML document stream chunk. `line_offset` is added to every line (the chunk's first line - 1).
///
/// Returns the documents that were complete, and the first error, if any.
#[must_use]
pub fn parse_stream(src: &str, line_offset: u32, limits: &Limits) -> (Vec<Doc>, Option<YamlError>) {
    let mut result = parse_stream_once(src, line_offset, limits);
    // saphyr-parser 0.3.4 refuses a quoted scalar whose continuation lines are indented as much as the mapping
    // key it belongs to when the key is not the mapping's first (`type: x` then `description: "a⏎ b"` at the
    // same indentation); go-yaml (kubectl, the API server) and libyaml read it. Such a scalar is read again
    // with its continuation lines indented one more space, which leaves its value unchanged (a quoted scalar
    // folds away the leading white space of its lines) and every line number as it was. Bounded: one retry per
    // refused scalar, at most 64.
    let mut fixed: Option<String> = None;
    for _ in 0..64 {
        let Some(e) = &result.1 else { break };
        if e.message != QUOTED_INDENT {
            break;
        }
        let text = fixed.as_deref().unwrap_or(src);
        let Some(next) =
            indent_quoted_continuations(text, (e.line - line_offset) as usize, e.col as usize)
        else {
            break;
        };
        result = parse_stream_once(&next, line_offset, limits);
        fixed = Some(next);
    }
    result
}

/// saphyr-parser's message for a quoted scalar's under-indented continuation line.
const QUOTED_INDENT: &str = "invalid indentation in quoted scalar";

/// `src` with one more space at the start of every non-blank continuation line of the quoted scalar that starts
/// at 1-based `line` and `col`; `None` when no quoted scalar starts there or it has no continuation line.
fn indent_quoted_continuations(src: &str, line: usize, col: usize) -> Option<String> {
    let line_start = if line <= 1 {
        0
    } else {
        src.match_indices('\n').nth(line - 2)?.0 + 1
    };
    let start = line_start + src[line_start..].char_indices().nth(col.checked_sub(1)?)?.0;
    let quote = src[start..].chars().next()?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    let bytes = src.as_bytes();
    let mut i = start + 1;
    let mut breaks = Vec::new();
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == '"' => i += 1,
            b'\'' if quote == '\'' && bytes.get(i + 1) == Some(&b'\'') => i += 1,
            b if b == quote as u8 => break,
            b'\n' => breaks.push(i + 1),
            _ => {}
        }
        i += 1;
    }
    if i >= bytes.len() {
        return None;
    }
    let breaks: Vec<usize> = breaks
        .into_iter()
        .filter(|&b| {
            src[b..]
                .split('\n')
                .next()
                .is_some_and(|l| !l.trim().is_empty())
        })
        .collect();
    if breaks.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(src.len() + breaks.len());
    let mut last = 0;
    for b in breaks {
        out.push_str(&src[last..b]);
        out.push(' ');
        last = b;
    }
    out.push_str(&src[last..]);
    Some(out)
}

fn parse_stream_once(
    src: &str,
    line_offset: u32,
    limits: &Limits,
) -> (Vec<Doc>, Option<YamlError>) {
    let mut docs = Vec::new();
    let mut b = Builder::new(line_offset, *limits);
    let mut parser = Parser::new_from_str(src);
    while let Some(ev) = parser.next_event() {
        match ev {
            Err(e) => {
                let m = e.marker();
                let err = YamlError {
                    line: m.line() as u32 + line_offset,
                    col: m.col() as u32 + 1,
                    message: e.info().to_string(),
                };
                return (docs, Some(err));
            }
            Ok((ev, span)) => {
                let (line, col) = (
                    span.start.line() as u32 + line_offset,
                    span.start.col() as u32 + 1,
                );
                match b.event(ev, line, col) {
                    Ok(Some(doc)) => docs.push(doc),
                    Ok(None) => {}
                    Err(message) => return (docs, Some(YamlError { line, col, message })),
                }
            }
        }
    }
    (docs, None)
}

struct Builder {
    doc: Doc,
    stack: Vec<Frame>,
    scratch: Vec<NodeId>,
    /// Anchored nodes by the parser's anchor id. The parser gives every anchor *definition* a fresh id and
    /// resolves an alias by name to the newest definition (YAML: an alias refers to the most recent anchor of
    /// that name), so a map by id keeps that rule with O(1) lookups, whatever the number of anchors.
    anchors: HashMap<usize, NodeId>,
    line_offset: u32,
    limits: Limits,
    expanded: u64,
}

impl Builder {
    fn new(line_offset: u32, limits: Limits) -> Self {
        Self {
            doc: Doc::default(),
            stack: Vec::new(),
            scratch: Vec::new(),
            anchors: HashMap::new(),
            line_offset,
            limits,
            expanded: 0,
        }
    }

    fn push_node(&mut self, node: Node) -> Result<NodeId, String> {
        if self.doc.nodes.len() >= self.limits.max_nodes {
            return Err(format!(
                "document has more than {} nodes",
                self.limits.max_nodes
            ));
        }
        let id = self.doc.nodes.len() as NodeId;
        self.doc.nodes.push(node);
        Ok(id)
    }

    fn attach(&mut self, id: NodeId) {
        if self.stack.is_empty() {
            self.doc.root = Some(id);
        } else {
            self.scratch.push(id);
        }
    }

    fn event(&mut self, ev: Event<'_>, line: u32, col: u32) -> Result<Option<Doc>, String> {
        let _ = self.line_offset;
        match ev {
            Event::DocumentStart(_) => {
                self.doc = Doc::default();
                self.anchors.clear();
                self.expanded = 0;
            }
            Event::DocumentEnd => {
                self.stack.clear();
                self.scratch.clear();
                return Ok(Some(std::mem::take(&mut self.doc)));
            }
            Event::Scalar(value, style, anchor, _tag) => {
                let kind = if style == ScalarStyle::Plain {
                    resolve_plain(&value)
                } else {
                    Kind::Str
                };
                let start = self.doc.text.len() as u32;
                self.doc.text.push_str(&value);
                let end = self.doc.text.len() as u32;
                let id = self.push_node(Node {
                    kind,
                    line,
                    col,
                    start,
                    end,
                    size: 1,
                })?;
                self.bump(1)?;
                if anchor != 0 {
                    self.anchors.insert(anchor, id);
                }
                self.attach(id);
            }
            Event::Alias(anchor) => {
                let Some(&target) = self.anchors.get(&anchor) else {
                    return Err("alias to an unknown anchor".into());
                };
                let size = self.doc.nodes[target as usize].size;
                self.bump(size)?;
                self.attach(target);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.stack.len() >= self.limits.max_depth {
                    return Err(format!(
                        "nesting deeper than {} levels",
                        self.limits.max_depth
                    ));
                }
                let kind = if matches!(ev, Event::SequenceStart(..)) {
                    Kind::Seq
                } else {
                    Kind::Map
                };
                let id = self.push_node(Node {
                    kind,
                    line,
                    col,
                    start: 0,
                    end: 0,
                    size: 1,
                })?;
                self.bump(1)?;
                self.attach(id);
                self.stack.push(Frame {
                    node: id,
                    scratch_start: self.scratch.len(),
                    anchor,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(f) = self.stack.pop() else {
                    return Err("unbalanced collection end".into());
                };
                let start = self.doc.children.len() as u32;
                let mut size: u64 = 1;
                for &c in &self.scratch[f.scratch_start..] {
                    size = size.saturating_add(self.doc.nodes[c as usize].size);
                }
                self.doc
                    .children
                    .extend_from_slice(&self.scratch[f.scratch_start..]);
                self.scratch.truncate(f.scratch_start);
                let end = self.doc.children.len() as u32;
                let n = &mut self.doc.nodes[f.node as usize];
                n.start = start;
                n.end = end;
                n.size = size;
                if f.anchor != 0 {
                    self.anchors.insert(f.anchor, f.node);
                }
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
        Ok(None)
    }

    fn bump(&mut self, n: u64) -> Result<(), String> {
        self.expanded = self.expanded.saturating_add(n);
        if self.expanded > self.limits.max_expanded_nodes {
            return Err(format!(
                "aliases expand to more than {} nodes (a YAML alias bomb?)",
                self.limits.max_expanded_nodes
            ));
        }
        Ok(())
    }
}

/// A document built from JSON already parsed (an admission request's object), without printing it and reading it
/// back: the same nodes, kinds, text and positions [`parse_stream`] gives for the compact JSON `serde_json` prints
/// for `value` (one line; each node's column is where it starts in that text), so every check, finding and
/// location is the same as for those bytes. A differential test holds it to that over the Kubernetes corpus.
/// The limits on depth and nodes apply (there are no aliases).
pub fn from_json(value: &serde_json::Value, limits: &Limits) -> Result<Doc, YamlError> {
    let mut j = JsonBuilder {
        doc: Doc::default(),
        limits: *limits,
        col: 0,
        depth: 0,
    };
    let root = j.node(value)?;
    j.doc.root = Some(root);
    Ok(j.doc)
}

struct JsonBuilder {
    doc: Doc,
    limits: Limits,
    /// Characters printed so far on the (only) line: the 0-based column of the next node.
    col: u32,
    depth: usize,
}

/// Characters `serde_json` prints for a string, quotes included (it escapes `"`, `\\` and control characters).
fn printed_len(s: &str) -> u32 {
    let mut n: u32 = 2;
    for c in s.chars() {
        n = n.saturating_add(match c {
            '"' | '\\' | '\u{8}' | '\u{c}' | '\n' | '\r' | '\t' => 2,
            c if (c as u32) < 0x20 => 6,
            _ => 1,
        });
    }
    n
}

impl JsonBuilder {
    fn error(&self, message: String) -> YamlError {
        YamlError {
            line: 1,
            col: self.col + 1,
            message,
        }
    }

    fn push(&mut self, kind: Kind, text: &str) -> Result<NodeId, YamlError> {
        if self.doc.nodes.len() >= self.limits.max_nodes {
            return Err(self.error(format!(
                "document has more than {} nodes",
                self.limits.max_nodes
            )));
        }
        let start = self.doc.text.len() as u32;
        self.doc.text.push_str(text);
        let id = self.doc.nodes.len() as NodeId;
        self.doc.nodes.push(Node {
            kind,
            line: 1,
            col: self.col + 1,
            start,
            end: self.doc.text.len() as u32,
            size: 1,
        });
        Ok(id)
    }

    fn scalar(&mut self, kind: Kind, text: &str, printed: u32) -> Result<NodeId, YamlError> {
        let id = self.push(kind, text)?;
        self.col = self.col.saturating_add(printed);
        Ok(id)
    }

    fn node(&mut self, value: &serde_json::Value) -> Result<NodeId, YamlError> {
        use serde_json::Value;
        match value {
            Value::Null => self.scalar(Kind::Null, "null", 4),
            Value::Bool(true) => self.scalar(Kind::Bool, "true", 4),
            Value::Bool(false) => self.scalar(Kind::Bool, "false", 5),
            Value::Number(n) => {
                let t = n.to_string();
                // A plain scalar: typed as the YAML reader types it (a u64 over i64's range is a float there).
                self.scalar(resolve_plain(&t), &t, t.chars().count() as u32)
            }
            Value::String(s) => self.scalar(Kind::Str, s, printed_len(s)),
            Value::Array(items) => {
                let id = self.open(Kind::Seq)?;
                let mut kids = Vec::with_capacity(items.len());
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        self.col += 1; // ','
                    }
                    kids.push(self.node(v)?);
                }
                self.close(id, &kids);
                Ok(id)
            }
            Value::Object(map) => {
                let id = self.open(Kind::Map)?;
                let mut kids = Vec::with_capacity(map.len() * 2);
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        self.col += 1; // ','
                    }
                    kids.push(self.scalar(Kind::Str, k, printed_len(k))?);
                    self.col += 1; // ':'
                    kids.push(self.node(v)?);
                }
                self.close(id, &kids);
                Ok(id)
            }
        }
    }

    fn open(&mut self, kind: Kind) -> Result<NodeId, YamlError> {
        if self.depth >= self.limits.max_depth {
            return Err(self.error(format!(
                "nesting deeper than {} levels",
                self.limits.max_depth
            )));
        }
        self.depth += 1;
        let id = self.push(kind, "")?;
        self.col += 1; // '{' or '['
        Ok(id)
    }

    fn close(&mut self, id: NodeId, kids: &[NodeId]) {
        self.depth -= 1;
        self.col += 1; // '}' or ']'
        let start = self.doc.children.len() as u32;
        let mut size: u64 = 1;
        for &c in kids {
            size = size.saturating_add(self.doc.nodes[c as usize].size);
        }
        self.doc.children.extend_from_slice(kids);
        let n = &mut self.doc.nodes[id as usize];
        n.start = start;
        n.end = self.doc.children.len() as u32;
        n.size = size;
    }
}

/// Splits a file into document chunks at lines that start with `---`, so that one broken document does not hide
/// the documents after it. Returns `(chunk, line offset)` pairs.
#[must_use]
pub fn split_documents(src: &str) -> Vec<(&str, u32)> {
    let mut out = Vec::new();
    let mut start = 0usize;
    let mut start_line = 0u32;
    let mut pos = 0usize;
    for (line, l) in (0u32..).zip(src.split_inclusive('\n')) {
        let is_marker =
            l.starts_with("---") && l[3..].chars().next().is_none_or(char::is_whitespace);
        if is_marker && pos > start {
            out.push((&src[start..pos], start_line));
            start = pos;
            start_line = line;
        }
        pos += l.len();
    }
    if pos > start || out.is_empty() {
        out.push((&src[start..], start_line));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(src: &str) -> Doc {
        let (mut docs, err) = parse_stream(src, 0, &Limits::default());
        assert!(err.is_none(), "{err:?}");
        docs.remove(0)
    }

    /// A quoted scalar continued at its key's indentation, after another key of the same mapping: go-yaml and
    /// libyaml read it (PyYAML gives `{'a': {'type': 'boolean', 'description': 'x is optional, defaults to
    /// false.'}}`), so must we; lines keep their numbers. gatekeeper-library's httpsonly template has one.
    #[test]
    fn quoted_scalar_continued_at_the_key_indentation() {
        for q in ['"', '\''] {
            let src = format!(
                "a:\n  type: boolean\n  description: {q}x is optional, defaults\n  to false.{q}\n  next: 1\n"
            );
            let d = one(&src);
            let v = d.to_json(d.root().unwrap());
            assert_eq!(
                v,
                serde_json::json!({"a": {"type": "boolean",
                    "description": "x is optional, defaults to false.", "next": 1}})
            );
            let next = d.path(d.root().unwrap(), &["a", "next"]).unwrap();
            assert_eq!(d.line(next), 5);
        }
        // An unterminated one is still an error, not a loop.
        let (_, err) = parse_stream("a:\n  t: 1\n  d: \"x\n  y\n", 0, &Limits::default());
        assert!(err.is_some());
    }

    /// What `kubectl` (sigs.k8s.io/yaml, YAML 1.1) sends to the API server for these scalars: `yes` and `on` are
    /// booleans, `0x1F` and `010` are integers (octal 8), quoted text stays a string, `.inf` has no JSON form,
    /// anchors expand, and the later of two duplicate keys wins.
    #[test]
    fn to_json_types_scalars_as_kubernetes_does() {
        let d = one(
            "a: yes\nb: on\nc: 0x1F\nd: 010\ne: '010'\nf: 1.5\ng: ~\nh: .inf\ni: &x [1, two]\nj: *x\nk: 1\nk: 2\n",
        );
        let v = d.to_json(d.root().unwrap());
        assert_eq!(
            v,
            serde_json::json!({"a": true, "b": true, "c": 31, "d": 8, "e": "010", "f": 1.5, "g": null,
                "h": null, "i": [1, "two"], "j": [1, "two"], "k": 2})
        );
    }

    #[test]
    fn lines_and_types() {
        let d = one("a:\n  b: yes\n  c: \"yes\"\n  d: 012\n  e: 1.5\n  f: ~\n  g: [1, two]\n");
        let r = d.root().unwrap();
        let a = d.get(r, "a").unwrap();
        let (bk, bv) = d.get_entry(a, "b").unwrap();
        assert_eq!((d.line(bk), d.node(bk).col), (2, 3));
        assert_eq!(d.bool(bv), Some(true));
        assert_eq!(d.str(d.get(a, "c").unwrap()), Some("yes"));
        assert_eq!(d.int(d.get(a, "d").unwrap()), Some(10));
        assert_eq!(d.kind(d.get(a, "e").unwrap()), Kind::Float);
        assert!(d.is_null(d.get(a, "f").unwrap()));
        let g = d.get(a, "g").unwrap();
        assert_eq!(d.items(g).len(), 2);
        assert_eq!(d.str(d.items(g)[1]), Some("two"));
    }

    #[test]
    fn alias_is_shared_not_copied() {
        let d = one("a: &x {k: v}\nb: *x\n");
        let r = d.root().unwrap();
        assert_eq!(d.get(r, "a"), d.get(r, "b"));
    }

    /// YAML 1.2 §3.2.2.2: an alias refers to the most recent preceding node with that anchor, so a redefined
    /// anchor changes what later aliases mean but not earlier ones.
    #[test]
    fn alias_takes_the_latest_definition() {
        let d =
            one("a: &x one\nb: *x\nc: &x [two]\nd: *x\ne: &y {k: v}\nf: &x three\ng: *x\nh: *y\n");
        let r = d.root().unwrap();
        let s = |k| d.str(d.get(r, k).unwrap());
        assert_eq!(s("b"), Some("one"));
        assert_eq!(d.get(r, "d"), d.get(r, "c"));
        assert_eq!(d.kind(d.get(r, "d").unwrap()), Kind::Seq);
        assert_eq!(s("g"), Some("three"));
        assert_eq!(d.get(r, "h"), d.get(r, "e"));
        // Anchors do not cross documents.
        let (docs, err) = parse_stream("a: &x 1\n---\nb: *x\n", 0, &Limits::default());
        assert_eq!(docs.len(), 1);
        assert!(err.is_some());
    }

    #[test]
    fn alias_bomb_is_bounded() {
        use std::fmt::Write as _;
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            let _ = writeln!(
                s,
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]"
            );
        }
        let (_, err) = parse_stream(&s, 0, &Limits::default());
        assert!(err.unwrap().message.contains("alias"));
    }

    #[test]
    fn depth_is_bounded() {
        // Flow style: the scanner's own limit or ours, whichever comes first.
        let s = "[".repeat(100_000) + &"]".repeat(100_000);
        let (_, err) = parse_stream(&s, 0, &Limits::default());
        let m = err.unwrap().message;
        assert!(m.contains("nesting") || m.contains("recursion"), "{m}");
        // Block style: ours.
        let s: String = (0..300)
            .map(|i| {
                "  ".repeat(i)
                    + "a:
"
            })
            .collect();
        let (_, err) = parse_stream(&s, 0, &Limits::default());
        assert!(err.unwrap().message.contains("nesting"));
    }

    #[test]
    fn split_keeps_lines() {
        let src = "a: 1\n---\nb: 2\n--- # c\nc: 3\n";
        let parts = split_documents(src);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[1].1, 1);
        let (docs, _) = parse_stream(parts[2].0, parts[2].1, &Limits::default());
        let d = &docs[0];
        let (k, _) = d.get_entry(d.root().unwrap(), "c").unwrap();
        assert_eq!(d.line(k), 5);
    }
}
