//! SPDX license expressions (SPDX spec 2.3, Annex D; `AdditionRef-` after `WITH` as in SPDX 3).
//!
//! Precedence, tightest first: `+`, `WITH`, `AND`, `OR`; parentheses group. License and exception ids match
//! case-insensitively and are stored in the list's spelling. Deprecated GNU ids are stored in the form the SPDX
//! list replaced them with: `GPL-2.0` → `GPL-2.0-only`, `GPL-2.0+` and `GPL-2.0-only+` → `GPL-2.0-or-later`.

use std::fmt;

use crate::ids;

/// Nesting deeper than this is rejected, so hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 64;

/// A license expression.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Expression {
    License(LicenseReq),
    /// Every operand applies (at least two; nested `AND`s are flattened).
    And(Vec<Expression>),
    /// The recipient may choose any operand (at least two; nested `OR`s are flattened).
    Or(Vec<Expression>),
}

/// One license, optionally "or later" and with an exception.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LicenseReq {
    pub license: LicenseItem,
    /// The `+` operator on a license without `-or-later` form (`Apache-2.0+`). GNU ids carry it in the id.
    pub or_later: bool,
    pub exception: Option<Addition>,
}

/// A license id from the SPDX list, or a `LicenseRef-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LicenseItem {
    Spdx(&'static str),
    /// The whole reference: `LicenseRef-foo` or `DocumentRef-doc:LicenseRef-foo`.
    Ref(String),
}

/// What follows `WITH`: an SPDX exception id, or an `AdditionRef-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Addition {
    Spdx(&'static str),
    Ref(String),
}

/// Why an expression did not parse; `offset` is a byte offset into the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid SPDX expression at byte {offset}: {message}")]
pub struct ParseError {
    pub offset: usize,
    pub message: String,
}

impl LicenseItem {
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Spdx(s) => s,
            Self::Ref(s) => s,
        }
    }
}

impl Addition {
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Spdx(s) => s,
            Self::Ref(s) => s,
        }
    }
}

impl LicenseReq {
    /// A listed license, canonicalised (deprecated GNU forms rewritten), or `None` if the id is not listed.
    #[must_use]
    pub fn spdx(id: &str, plus: bool) -> Option<Self> {
        let (id, plus) = match id.strip_suffix('+') {
            Some(base) => (base, true),
            None => (id, plus),
        };
        if let Some(base) = ids::gnu_base(id) {
            let later = plus || id.to_ascii_lowercase().ends_with("-or-later");
            let suffix = if later { "-or-later" } else { "-only" };
            return Some(Self::plain(LicenseItem::Spdx(ids::license_id(&format!(
                "{base}{suffix}"
            ))?)));
        }
        let id = ids::license_id(id)?;
        Some(Self {
            license: LicenseItem::Spdx(id),
            or_later: plus,
            exception: None,
        })
    }

    #[must_use]
    pub fn plain(license: LicenseItem) -> Self {
        Self {
            license,
            or_later: false,
            exception: None,
        }
    }

    /// `LicenseRef-<text>` with every character outside `[A-Za-z0-9.-]` replaced, so that any text makes a
    /// valid reference.
    #[must_use]
    pub fn reference(text: &str) -> Self {
        Self::plain(LicenseItem::Ref(format!("LicenseRef-{}", sanitize(text))))
    }

    /// The license id as written in an expression, with `+` where it applies.
    #[must_use]
    pub fn id_string(&self) -> String {
        let mut s = self.license.as_str().to_string();
        if self.or_later {
            s.push('+');
        }
        s
    }
}

/// Text → idstring (`[A-Za-z0-9.-]+`): other characters become `-`, runs collapse, ends are trimmed. Long
/// texts are cut at 64 characters.
#[must_use]
pub fn sanitize(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let c = if c.is_ascii_alphanumeric() || c == '.' {
            c
        } else {
            '-'
        };
        if c == '-' && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        out.push(c);
        if out.len() >= 64 {
            break;
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        out.push_str("unknown");
    }
    out
}

impl Expression {
    /// Parses a strict SPDX expression: operators in upper case, every id in the SPDX list or a
    /// `LicenseRef-`.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        Parser::new(text, false)?.run()
    }

    /// Like [`Expression::parse`], but `and`/`or`/`with` may be in any case (npm and PyPI metadata write them
    /// so).
    pub fn parse_lax(text: &str) -> Result<Self, ParseError> {
        Parser::new(text, true)?.run()
    }

    /// Every license requirement, left to right.
    #[must_use]
    pub fn requirements(&self) -> Vec<&LicenseReq> {
        let mut out = Vec::new();
        self.walk(&mut |r| out.push(r));
        out
    }

    fn walk<'a>(&'a self, f: &mut impl FnMut(&'a LicenseReq)) {
        match self {
            Self::License(r) => f(r),
            Self::And(v) | Self::Or(v) => v.iter().for_each(|e| e.walk(f)),
        }
    }

    /// `AND` of several expressions, flattened, with exact duplicates removed; `None` for none.
    #[must_use]
    pub fn and_all(items: impl IntoIterator<Item = Expression>) -> Option<Self> {
        let mut out: Vec<Expression> = Vec::new();
        for e in items {
            let parts = match e {
                Self::And(v) => v,
                other => vec![other],
            };
            for p in parts {
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        match out.len() {
            0 => None,
            1 => out.pop(),
            _ => Some(Self::And(out)),
        }
    }

    /// `OR` of several expressions, flattened, duplicates removed.
    #[must_use]
    pub fn or_all(items: impl IntoIterator<Item = Expression>) -> Option<Self> {
        let mut out: Vec<Expression> = Vec::new();
        for e in items {
            let parts = match e {
                Self::Or(v) => v,
                other => vec![other],
            };
            for p in parts {
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        match out.len() {
            0 => None,
            1 => out.pop(),
            _ => Some(Self::Or(out)),
        }
    }
}

impl fmt::Display for LicenseReq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.license.as_str())?;
        if self.or_later {
            f.write_str("+")?;
        }
        if let Some(e) = &self.exception {
            write!(f, " WITH {}", e.as_str())?;
        }
        Ok(())
    }
}

impl fmt::Display for Expression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::License(r) => r.fmt(f),
            Self::Or(v) => {
                for (i, e) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" OR ")?;
                    }
                    e.fmt(f)?;
                }
                Ok(())
            }
            Self::And(v) => {
                for (i, e) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" AND ")?;
                    }
                    if matches!(e, Self::Or(_)) {
                        write!(f, "({e})")?;
                    } else {
                        e.fmt(f)?;
                    }
                }
                Ok(())
            }
        }
    }
}

impl std::str::FromStr for Expression {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok<'a> {
    Open,
    Close,
    And,
    Or,
    With,
    Word(&'a str),
}

struct Parser<'a> {
    toks: Vec<(usize, Tok<'a>)>,
    pos: usize,
    end: usize,
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | ':' | '_')
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, lax: bool) -> Result<Self, ParseError> {
        let mut toks = Vec::new();
        let mut it = text.char_indices().peekable();
        while let Some(&(i, c)) = it.peek() {
            if c.is_whitespace() {
                it.next();
            } else if c == '(' {
                toks.push((i, Tok::Open));
                it.next();
            } else if c == ')' {
                toks.push((i, Tok::Close));
                it.next();
            } else if is_word_char(c) {
                let mut j = i;
                while let Some(&(k, c)) = it.peek() {
                    if !is_word_char(c) {
                        break;
                    }
                    j = k + c.len_utf8();
                    it.next();
                }
                let w = &text[i..j];
                let op = |s: &str| {
                    if lax {
                        w.eq_ignore_ascii_case(s)
                    } else {
                        w == s
                    }
                };
                let t = if op("AND") {
                    Tok::And
                } else if op("OR") {
                    Tok::Or
                } else if op("WITH") {
                    Tok::With
                } else {
                    Tok::Word(w)
                };
                toks.push((i, t));
            } else {
                return Err(ParseError {
                    offset: i,
                    message: format!("unexpected character {c:?}"),
                });
            }
        }
        Ok(Self {
            toks,
            pos: 0,
            end: text.len(),
        })
    }

    fn err<T>(&self, message: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError {
            offset: self.toks.get(self.pos).map_or(self.end, |t| t.0),
            message: message.into(),
        })
    }

    fn peek(&self) -> Option<&Tok<'a>> {
        self.toks.get(self.pos).map(|t| &t.1)
    }

    fn run(mut self) -> Result<Expression, ParseError> {
        if self.toks.is_empty() {
            return self.err("empty expression");
        }
        let e = self.or(0)?;
        if self.pos < self.toks.len() {
            return self.err("unexpected token after the expression");
        }
        Ok(e)
    }

    fn or(&mut self, depth: usize) -> Result<Expression, ParseError> {
        let mut items = vec![self.and(depth)?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            items.push(self.and(depth)?);
        }
        Ok(Expression::or_all(items).expect("at least one operand"))
    }

    fn and(&mut self, depth: usize) -> Result<Expression, ParseError> {
        let mut items = vec![self.with(depth)?];
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            items.push(self.with(depth)?);
        }
        if items.len() == 1 {
            return Ok(items.pop().expect("one operand"));
        }
        // Flatten but keep duplicates out only when they are identical.
        Ok(Expression::and_all(items).expect("at least one operand"))
    }

    fn with(&mut self, depth: usize) -> Result<Expression, ParseError> {
        match self.peek() {
            Some(Tok::Open) => {
                if depth >= MAX_DEPTH {
                    return self.err("expression nested too deeply");
                }
                self.pos += 1;
                let e = self.or(depth + 1)?;
                if self.peek() != Some(&Tok::Close) {
                    return self.err("expected ')'");
                }
                self.pos += 1;
                if self.peek() == Some(&Tok::With) {
                    return self.err(
                        "WITH applies to a single license, not to a parenthesised expression",
                    );
                }
                Ok(e)
            }
            Some(Tok::Word(w)) => {
                let w = *w;
                let mut req = self.license(w)?;
                self.pos += 1;
                if self.peek() == Some(&Tok::With) {
                    self.pos += 1;
                    let Some(Tok::Word(x)) = self.peek() else {
                        return self.err("expected an exception id after WITH");
                    };
                    let x = *x;
                    req.exception = Some(if has_prefix_ci(x, "AdditionRef-") && x.len() > 12 {
                        Addition::Ref(x.to_string())
                    } else if let Some(id) = ids::exception_id(x) {
                        Addition::Spdx(id)
                    } else {
                        return self.err(format!("unknown SPDX exception id '{x}'"));
                    });
                    self.pos += 1;
                }
                Ok(Expression::License(req))
            }
            Some(_) => self.err("expected a license id or '('"),
            None => self.err("expected a license id, found the end"),
        }
    }

    fn license(&self, w: &str) -> Result<LicenseReq, ParseError> {
        let (base, plus) = match w.strip_suffix('+') {
            Some(b) => (b, true),
            None => (w, false),
        };
        if base.contains('+') {
            return self.err(format!("'+' only ends a license id: '{w}'"));
        }
        if is_ref(base) {
            return Ok(LicenseReq {
                license: LicenseItem::Ref(base.to_string()),
                or_later: plus,
                exception: None,
            });
        }
        if let Some(r) = LicenseReq::spdx(base, plus) {
            return Ok(r);
        }
        self.err(format!(
            "unknown SPDX license id '{base}' (write LicenseRef-{} for a license outside the SPDX list)",
            sanitize(base)
        ))
    }
}

fn has_prefix_ci(s: &str, p: &str) -> bool {
    s.len() >= p.len() && s.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes())
}

/// `LicenseRef-x` or `DocumentRef-d:LicenseRef-x`, with idstring characters only.
fn is_ref(w: &str) -> bool {
    let idstring = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    };
    let lic = |s: &str| has_prefix_ci(s, "LicenseRef-") && idstring(&s[11..]);
    match w.split_once(':') {
        Some((doc, l)) => has_prefix_ci(doc, "DocumentRef-") && idstring(&doc[12..]) && lic(l),
        None => lic(w),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> String {
        Expression::parse(s).unwrap().to_string()
    }

    #[test]
    fn precedence_and_canonical_form() {
        assert_eq!(p("mit OR apache-2.0"), "MIT OR Apache-2.0");
        assert_eq!(
            p("MIT AND Apache-2.0 OR BSD-3-Clause"),
            "MIT AND Apache-2.0 OR BSD-3-Clause"
        );
        assert_eq!(
            Expression::parse("MIT AND Apache-2.0 OR BSD-3-Clause").unwrap(),
            Expression::Or(vec![
                Expression::And(vec![
                    Expression::License(LicenseReq::spdx("MIT", false).unwrap()),
                    Expression::License(LicenseReq::spdx("Apache-2.0", false).unwrap()),
                ]),
                Expression::License(LicenseReq::spdx("BSD-3-Clause", false).unwrap()),
            ])
        );
        assert_eq!(
            p("MIT AND (Apache-2.0 OR BSD-3-Clause)"),
            "MIT AND (Apache-2.0 OR BSD-3-Clause)"
        );
        assert_eq!(p("((MIT))"), "MIT");
        assert_eq!(p("(MIT OR ISC) OR Zlib"), "MIT OR ISC OR Zlib");
    }

    #[test]
    fn gnu_forms_and_plus() {
        assert_eq!(p("GPL-2.0"), "GPL-2.0-only");
        assert_eq!(p("GPL-2.0+"), "GPL-2.0-or-later");
        assert_eq!(p("GPL-2.0-only+"), "GPL-2.0-or-later");
        assert_eq!(p("LGPL-2.1-or-later"), "LGPL-2.1-or-later");
        assert_eq!(p("Apache-1.1+"), "Apache-1.1+");
        assert_eq!(
            p("GPL-2.0-or-later WITH classpath-exception-2.0"),
            "GPL-2.0-or-later WITH Classpath-exception-2.0"
        );
    }

    #[test]
    fn refs() {
        assert_eq!(
            p("LicenseRef-my.lic-1 OR MIT"),
            "LicenseRef-my.lic-1 OR MIT"
        );
        assert_eq!(
            p("DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2"),
            "DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2"
        );
        assert_eq!(
            p("GPL-2.0-only WITH AdditionRef-OpenSSL-exception"),
            "GPL-2.0-only WITH AdditionRef-OpenSSL-exception"
        );
    }

    #[test]
    fn errors() {
        for bad in [
            "",
            "MIT OR",
            "OR MIT",
            "(MIT",
            "MIT)",
            "MIT AND AND ISC",
            "Expat",
            "MIT WITH",
            "MIT WITH Foo",
            "(MIT OR ISC) WITH Classpath-exception-2.0",
            "mit or isc",
            "GPL+2.0",
            "MIT/Apache-2.0",
            "LicenseRef-",
        ] {
            assert!(Expression::parse(bad).is_err(), "{bad:?} should not parse");
        }
        assert_eq!(Expression::parse("MIT ISC").unwrap_err().offset, 4);
        assert!(Expression::parse_lax("mit or isc").is_ok());
        let deep = format!("{}MIT{}", "(".repeat(100), ")".repeat(100));
        assert!(Expression::parse(&deep).is_err());
    }

    #[test]
    fn sanitize_text() {
        assert_eq!(sanitize("BSD-3-clause~Google"), "BSD-3-clause-Google");
        assert_eq!(sanitize("__AUTO_PERMISSIVE__"), "AUTO-PERMISSIVE");
        assert_eq!(sanitize("§§"), "unknown");
    }
}
