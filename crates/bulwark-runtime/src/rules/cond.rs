//! The condition language: a hand-written recursive-descent parser with byte positions.
//!
//! Tokenisation follows libsinsp's filter parser (`userspace/libsinsp/filter/parser.cpp`), read, not copied:
//! - a field name is `[a-zA-Z][a-zA-Z0-9_]*(\.[a-zA-Z][a-zA-Z0-9_]*)+`, optionally followed by `[arg]` where the
//!   argument is a quoted string or a run of characters other than `]`, `[`, quotes and blanks;
//! - an identifier (a macro, or a list after `in`) is `[a-zA-Z][a-zA-Z0-9_]*`;
//! - a bare value is a run of characters other than `(`, `)`, `"`, `'`, `=`, `,` and blanks, so `/usr/bin`,
//!   `-c`, `10.0.0.0/8` and `<NA>` are single values;
//! - word operators (`contains`, `glob`, ...) need a blank after them; `in`, `intersects`, `pmatch` and the
//!   symbolic operators do not; `and`/`or` need a blank or `(` after them; `not` a blank, or `not(`;
//! - quoted strings use `"` or `'` with the escapes `\b \f \n \r \t \\ \/ \" \' \xHH` and `\ ` (a space).

// Parsers and evaluators read best with short names (s, b, i, p, c) and match-with-fallback blocks.
#![allow(clippy::many_single_char_names, clippy::single_match_else)]

use std::fmt::Write as _;

/// Deepest nesting of parentheses, `not`s and transformers accepted; deeper input is an error, never a stack
/// overflow (each level costs a few stack frames).
pub(crate) const MAX_DEPTH: usize = 400;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Intersects,
    Pmatch,
    Contains,
    Icontains,
    Bcontains,
    Startswith,
    Bstartswith,
    Endswith,
    Glob,
    Iglob,
    Regex,
    Exists,
}

impl Op {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::In => "in",
            Op::Intersects => "intersects",
            Op::Pmatch => "pmatch",
            Op::Contains => "contains",
            Op::Icontains => "icontains",
            Op::Bcontains => "bcontains",
            Op::Startswith => "startswith",
            Op::Bstartswith => "bstartswith",
            Op::Endswith => "endswith",
            Op::Glob => "glob",
            Op::Iglob => "iglob",
            Op::Regex => "regex",
            Op::Exists => "exists",
        }
    }

    pub(crate) fn is_list(self) -> bool {
        matches!(self, Op::In | Op::Intersects | Op::Pmatch)
    }
}

/// A field transformer (`tolower(proc.name)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transformer {
    Tolower,
    Toupper,
    B64,
    Basename,
    Len,
}

impl Transformer {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Transformer::Tolower => "tolower",
            Transformer::Toupper => "toupper",
            Transformer::B64 => "b64",
            Transformer::Basename => "basename",
            Transformer::Len => "len",
        }
    }
}

/// A field as written, with its position (byte offset in the condition).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldRef {
    pub(crate) name: String,
    pub(crate) arg: Option<String>,
    pub(crate) pos: usize,
}

/// The left side of a check, or a field on the right (`val(...)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Operand {
    Field(FieldRef),
    Transform(Transformer, Box<Operand>),
}

/// A literal value with its position and whether it was quoted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Lit {
    pub(crate) text: String,
    pub(crate) pos: usize,
    pub(crate) quoted: bool,
}

/// The right side of a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rhs {
    None,
    Value(Lit),
    /// `(a, b)`, or a bare list name after `in` (one item, expanded by the compiler).
    List(Vec<Lit>),
    Operand(Operand),
}

/// A parsed condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    /// A macro name.
    Ident(String, usize),
    Check(Operand, Op, Rhs, usize),
}

/// A syntax error at a byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub(crate) pos: usize,
    pub(crate) message: String,
}

pub(crate) fn parse(input: &str) -> Result<Expr, SyntaxError> {
    let mut p = Parser {
        s: input.as_bytes(),
        src: input,
        i: 0,
        depth: 0,
    };
    p.blank();
    if p.i == p.s.len() {
        return Err(p.err("the condition is empty"));
    }
    let e = p.or()?;
    p.blank();
    if p.i != p.s.len() {
        return Err(p.err(&format!(
            "unexpected `{}`, expected `and`, `or` or the end",
            p.snippet()
        )));
    }
    Ok(e)
}

struct Parser<'a> {
    s: &'a [u8],
    src: &'a str,
    i: usize,
    depth: usize,
}

// Word operators that need a blank after them.
const WORDS: [(&str, Op); 10] = [
    ("glob", Op::Glob),
    ("iglob", Op::Iglob),
    ("contains", Op::Contains),
    ("icontains", Op::Icontains),
    ("bcontains", Op::Bcontains),
    ("startswith", Op::Startswith),
    ("bstartswith", Op::Bstartswith),
    ("endswith", Op::Endswith),
    ("regex", Op::Regex),
    ("intersects", Op::Intersects),
];

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x08)
}

fn is_bare(b: u8) -> bool {
    !(is_blank(b) || matches!(b, b'(' | b')' | b'"' | b'\'' | b'=' | b','))
}

impl Parser<'_> {
    fn err(&self, message: &str) -> SyntaxError {
        SyntaxError {
            pos: self.i,
            message: message.to_string(),
        }
    }

    fn snippet(&self) -> String {
        let rest = &self.src[self.i..];
        let end = rest
            .char_indices()
            .find(|&(k, c)| k > 0 && (c.is_whitespace() || k >= 24))
            .map_or(rest.len(), |(k, _)| k);
        rest[..end].to_string()
    }

    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err(&format!("nested more than {MAX_DEPTH} levels deep")));
        }
        Ok(())
    }

    fn blank(&mut self) -> bool {
        let start = self.i;
        while self.i < self.s.len() && is_blank(self.s[self.i]) {
            self.i += 1;
        }
        self.i > start
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn lit(&mut self, t: &str) -> bool {
        if self.s[self.i..].starts_with(t.as_bytes()) {
            self.i += t.len();
            true
        } else {
            false
        }
    }

    /// A keyword followed by a blank or `(` (not consumed).
    fn keyword(&mut self, kw: &str) -> bool {
        let rest = &self.s[self.i..];
        if rest.starts_with(kw.as_bytes()) {
            match rest.get(kw.len()) {
                Some(&b) if is_blank(b) || b == b'(' => {
                    self.i += kw.len();
                    true
                }
                _ => false,
            }
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<Expr, SyntaxError> {
        self.enter()?;
        let mut v = vec![self.and()?];
        loop {
            self.blank();
            if !self.keyword("or") {
                break;
            }
            v.push(self.and()?);
        }
        self.depth -= 1;
        Ok(if v.len() == 1 {
            v.pop().unwrap_or(Expr::Or(Vec::new()))
        } else {
            Expr::Or(v)
        })
    }

    fn and(&mut self) -> Result<Expr, SyntaxError> {
        self.enter()?;
        let mut v = vec![self.not()?];
        loop {
            self.blank();
            if !self.keyword("and") {
                break;
            }
            v.push(self.not()?);
        }
        self.depth -= 1;
        Ok(if v.len() == 1 {
            v.pop().unwrap_or(Expr::And(Vec::new()))
        } else {
            Expr::And(v)
        })
    }

    fn not(&mut self) -> Result<Expr, SyntaxError> {
        self.enter()?;
        self.blank();
        let mut negations = 0usize;
        while self.keyword("not") {
            negations += 1;
            if negations > MAX_DEPTH {
                return Err(self.err(&format!("more than {MAX_DEPTH} `not` in a row")));
            }
            self.blank();
        }
        let e = self.check()?;
        self.depth -= 1;
        Ok(if negations % 2 == 1 {
            Expr::Not(Box::new(e))
        } else {
            e
        })
    }

    fn check(&mut self) -> Result<Expr, SyntaxError> {
        self.blank();
        let pos = self.i;
        if self.lit("(") {
            self.enter()?;
            let e = self.or()?;
            self.blank();
            if !self.lit(")") {
                return Err(self.err("expected `)`"));
            }
            self.depth -= 1;
            return Ok(e);
        }
        if let Some(t) = self.transformer()? {
            let lhs = self.transform_rest(t)?;
            return self.condition(lhs, pos);
        }
        if let Some(name) = self.field_name() {
            let arg = self.field_arg()?;
            let lhs = Operand::Field(FieldRef { name, arg, pos });
            return self.condition(lhs, pos);
        }
        if let Some(id) = self.identifier() {
            return Ok(Expr::Ident(id, pos));
        }
        if self.i == self.s.len() {
            return Err(
                self.err("unexpected end of the condition, expected a check, `(` or a macro")
            );
        }
        Err(self.err(&format!(
            "unexpected `{}`, expected a field check, `(` or a macro name",
            self.snippet()
        )))
    }

    fn ident_len(&self) -> usize {
        let s = &self.s[self.i..];
        if !s.first().is_some_and(u8::is_ascii_alphabetic) {
            return 0;
        }
        s.iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count()
    }

    fn identifier(&mut self) -> Option<String> {
        let n = self.ident_len();
        if n == 0 {
            return None;
        }
        let id = self.src[self.i..self.i + n].to_string();
        self.i += n;
        Some(id)
    }

    fn field_name(&mut self) -> Option<String> {
        let start = self.i;
        let mut j = self.i;
        let mut parts = 0;
        loop {
            let save = self.i;
            self.i = j;
            let n = self.ident_len();
            self.i = save;
            if n == 0 {
                break;
            }
            j += n;
            parts += 1;
            if self.s.get(j) == Some(&b'.')
                && self.s.get(j + 1).is_some_and(u8::is_ascii_alphabetic)
            {
                j += 1;
            } else {
                break;
            }
        }
        if parts < 2 {
            return None;
        }
        self.i = j;
        Some(self.src[start..j].to_string())
    }

    fn field_arg(&mut self) -> Result<Option<String>, SyntaxError> {
        if !self.lit("[") {
            return Ok(None);
        }
        let arg = if let Some(q) = self.quoted()? {
            q
        } else {
            let start = self.i;
            while self
                .peek()
                .is_some_and(|b| !(is_blank(b) || matches!(b, b'[' | b']' | b'"' | b'\'')))
            {
                self.i += 1;
            }
            if self.i == start {
                return Err(self.err("expected a field argument"));
            }
            self.src[start..self.i].to_string()
        };
        if !self.lit("]") {
            return Err(self.err("expected `]` closing the field argument"));
        }
        Ok(Some(arg))
    }

    fn transformer(&mut self) -> Result<Option<Transformer>, SyntaxError> {
        for (name, t) in [
            ("tolower(", Transformer::Tolower),
            ("toupper(", Transformer::Toupper),
            ("b64(", Transformer::B64),
            ("basename(", Transformer::Basename),
            ("len(", Transformer::Len),
        ] {
            if self.lit(name) {
                return Ok(Some(t));
            }
        }
        for name in ["join(", "concat(", "getopt("] {
            if self.s[self.i..].starts_with(name.as_bytes()) {
                return Err(self.err(&format!(
                    "the transformer `{}` is not supported",
                    &name[..name.len() - 1]
                )));
            }
        }
        Ok(None)
    }

    /// After `t(`: a field or a nested transformer, then `)`.
    fn transform_rest(&mut self, t: Transformer) -> Result<Operand, SyntaxError> {
        self.enter()?;
        self.blank();
        let pos = self.i;
        let inner = if let Some(t2) = self.transformer()? {
            self.transform_rest(t2)?
        } else if let Some(name) = self.field_name() {
            let arg = self.field_arg()?;
            Operand::Field(FieldRef { name, arg, pos })
        } else {
            return Err(self.err(&format!("expected a field inside `{}(`", t.as_str())));
        };
        self.blank();
        if !self.lit(")") {
            return Err(self.err(&format!("expected `)` closing `{}(`", t.as_str())));
        }
        self.depth -= 1;
        Ok(Operand::Transform(t, Box::new(inner)))
    }

    fn operator(&mut self) -> Option<Op> {
        const SYM: [(&str, Op); 8] = [
            ("==", Op::Eq),
            ("!=", Op::Ne),
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("=", Op::Eq),
            ("<", Op::Lt),
            (">", Op::Gt),
            ("exists", Op::Exists),
        ];
        for (t, op) in SYM {
            if self.lit(t) {
                return Some(op);
            }
        }
        for (t, op) in WORDS {
            let rest = &self.s[self.i..];
            if rest.starts_with(t.as_bytes()) && rest.get(t.len()).is_some_and(|&b| is_blank(b)) {
                self.i += t.len();
                return Some(op);
            }
        }
        for (t, op) in [
            ("intersects", Op::Intersects),
            ("in", Op::In),
            ("pmatch", Op::Pmatch),
        ] {
            if self.lit(t) {
                return Some(op);
            }
        }
        None
    }

    fn condition(&mut self, lhs: Operand, pos: usize) -> Result<Expr, SyntaxError> {
        self.blank();
        let op_pos = self.i;
        let Some(op) = self.operator() else {
            if self.i == self.s.len() {
                return Err(self.err("expected an operator after the field"));
            }
            return Err(self.err(&format!(
                "unknown operator `{}`; expected one of =, ==, !=, <, <=, >, >=, in, intersects, pmatch, \
                 contains, icontains, bcontains, startswith, bstartswith, endswith, glob, iglob, regex, exists",
                self.snippet()
            )));
        };
        let _ = op_pos;
        if op == Op::Exists {
            return Ok(Expr::Check(lhs, op, Rhs::None, pos));
        }
        self.blank();
        let rhs = if op.is_list() {
            if let Some(list) = self.list()? {
                Rhs::List(list)
            } else if let Some(o) = self.rhs_operand()? {
                Rhs::Operand(o)
            } else {
                let p = self.i;
                match self.identifier() {
                    Some(id) => Rhs::List(vec![Lit {
                        text: id,
                        pos: p,
                        quoted: false,
                    }]),
                    None => {
                        return Err(self.err(&format!(
                            "expected a list `(a, b)` or a list name after `{}`",
                            op.as_str()
                        )));
                    }
                }
            }
        } else if let Some(o) = self.rhs_operand()? {
            Rhs::Operand(o)
        } else {
            match self.value()? {
                Some(v) => Rhs::Value(v),
                None => {
                    return Err(self.err(&format!("expected a value after `{}`", op.as_str())));
                }
            }
        };
        Ok(Expr::Check(lhs, op, rhs, pos))
    }

    /// `val(field)` or a transformer on the right-hand side.
    fn rhs_operand(&mut self) -> Result<Option<Operand>, SyntaxError> {
        let pos = self.i;
        if self.lit("val(") {
            self.blank();
            let fpos = self.i;
            let Some(name) = self.field_name() else {
                return Err(self.err("expected a field inside `val(`"));
            };
            let arg = self.field_arg()?;
            self.blank();
            if !self.lit(")") {
                return Err(self.err("expected `)` closing `val(`"));
            }
            let _ = pos;
            return Ok(Some(Operand::Field(FieldRef {
                name,
                arg,
                pos: fpos,
            })));
        }
        if let Some(t) = self.transformer()? {
            return Ok(Some(self.transform_rest(t)?));
        }
        Ok(None)
    }

    fn list(&mut self) -> Result<Option<Vec<Lit>>, SyntaxError> {
        if !self.lit("(") {
            return Ok(None);
        }
        let mut items = Vec::new();
        self.blank();
        if self.lit(")") {
            return Ok(Some(items));
        }
        loop {
            self.blank();
            match self.value()? {
                Some(v) => items.push(v),
                None => return Err(self.err("expected a list item")),
            }
            self.blank();
            if self.lit(",") {
                continue;
            }
            if self.lit(")") {
                break;
            }
            return Err(self.err("expected `,` or `)` in the list"));
        }
        Ok(Some(items))
    }

    fn value(&mut self) -> Result<Option<Lit>, SyntaxError> {
        let pos = self.i;
        if let Some(q) = self.quoted()? {
            return Ok(Some(Lit {
                text: q,
                pos,
                quoted: true,
            }));
        }
        while self.peek().is_some_and(is_bare) {
            self.i += 1;
        }
        if self.i == pos {
            return Ok(None);
        }
        Ok(Some(Lit {
            text: self.src[pos..self.i].to_string(),
            pos,
            quoted: false,
        }))
    }

    fn quoted(&mut self) -> Result<Option<String>, SyntaxError> {
        let Some(q) = self.peek().filter(|b| matches!(b, b'"' | b'\'')) else {
            return Ok(None);
        };
        let start = self.i;
        let mut j = self.i + 1;
        let mut prev = 0u8;
        loop {
            match self.s.get(j) {
                None => {
                    return Err(SyntaxError {
                        pos: start,
                        message: "unterminated quoted string".into(),
                    });
                }
                Some(&b) if b == q && prev != b'\\' => break,
                Some(&b) => {
                    // `\\` does not escape the next quote.
                    prev = if prev == b'\\' && b == b'\\' { 0 } else { b };
                    j += 1;
                }
            }
        }
        let body = &self.src[start + 1..j];
        let text = unescape(body, q).map_err(|m| SyntaxError {
            pos: start,
            message: m,
        })?;
        self.i = j + 1;
        Ok(Some(text))
    }
}

fn unescape(body: &str, quote: u8) -> Result<String, String> {
    let mut out = Vec::with_capacity(body.len());
    let b = body.as_bytes();
    let mut k = 0;
    while k < b.len() {
        if b[k] != b'\\' {
            out.push(b[k]);
            k += 1;
            continue;
        }
        let Some(&c) = b.get(k + 1) else {
            return Err("a quoted string ends with `\\`".into());
        };
        k += 2;
        match c {
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b' ' => out.push(b' '),
            b'\\' => out.push(b'\\'),
            b'/' => out.push(b'/'),
            b'"' | b'\'' if c == quote => out.push(c),
            b'"' | b'\'' => {
                return Err(format!(
                    "invalid escape `\\{}` in a {}-quoted string",
                    c as char, quote as char
                ));
            }
            b'x' => {
                let hex = b
                    .get(k..k + 2)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| "invalid `\\x` escape: expected two hex digits".to_string())?;
                out.push(hex);
                k += 2;
            }
            _ => return Err(format!("unsupported escape `\\{}`", c as char)),
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// A value as the filter syntax writes it: bare when it is a bare word, else double-quoted with escapes.
pub(crate) fn quote_value(v: &str) -> String {
    let bare = !v.is_empty()
        && v.bytes().all(is_bare)
        && !matches!(v, "and" | "or" | "not")
        && !v.starts_with("val(");
    if bare {
        return v.to_string();
    }
    let mut s = String::with_capacity(v.len() + 2);
    s.push('"');
    for c in v.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(s, "\\x{:02x}", c as u32);
            }
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// An output token after `%` (and its optional width digits): a field with an optional `[arg]`, or a
/// transformer over one (`tolower(proc.name)`), as libsinsp's formatter reads it; returns it and the bytes used.
pub(crate) fn parse_output_operand(s: &str) -> Option<(Operand, usize)> {
    let mut p = Parser {
        s: s.as_bytes(),
        src: s,
        i: 0,
        depth: 0,
    };
    if let Ok(Some(t)) = p.transformer() {
        let o = p.transform_rest(t).ok()?;
        return Some((o, p.i));
    }
    let name = p.field_name()?;
    let save = p.i;
    let arg = match p.field_arg() {
        Ok(a) => a,
        Err(_) => {
            p.i = save;
            None
        }
    };
    Some((Operand::Field(FieldRef { name, arg, pos: 0 }), p.i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenises_like_libsinsp() {
        let e = parse(
            "proc.name=bash and not fd.name pmatch (/etc, \"/a b\") or evt.type in (open,openat)",
        )
        .unwrap();
        let Expr::Or(v) = e else { panic!() };
        assert_eq!(v.len(), 2);
        let e = parse("proc.args contains -c").unwrap();
        assert!(
            matches!(e, Expr::Check(_, Op::Contains, Rhs::Value(Lit { ref text, .. }), _) if text == "-c")
        );
        assert!(parse("proc.name containsx").is_err());
        assert!(parse("(proc.name = a").is_err());
        assert!(parse("proc.name = 'a\\'b'").is_ok());
        assert!(parse("proc.name = \"a\\'b\"").is_err());
        let e = parse("not(a)").unwrap();
        assert!(matches!(e, Expr::Not(_)));
        let e =
            parse("proc.aname[2] = sshd and ka.req.pod.containers.image[0] startswith x").unwrap();
        assert!(matches!(e, Expr::And(_)));
        let deep = "(".repeat(100_000);
        assert!(parse(&deep).unwrap_err().message.contains("nested"));
    }
}
