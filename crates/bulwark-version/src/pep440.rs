//! Python package versions (PEP 440), parsed and ordered exactly like
//! `packaging.version.Version`: optional `v`, epochs (`1!`), any number of release parts,
//! `a`/`b`/`rc` pre-releases with their spellings (`alpha`, `c`, `pre`, `preview`, ...),
//! `.postN` / `-N` / `revN`, `.devN`, and `+local` labels; separators `.`, `-` and `_`
//! are interchangeable and letters are case-insensitive. Numbers are unbounded.

use std::cmp::Ordering;

use crate::util::{cmp_digits, is_zero, strip_zeros};
use crate::{Scheme, VersionError};

type Span = (u32, u32);

/// A pre-release kind, in PEP 440 order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PreKind {
    Alpha,
    Beta,
    Rc,
}

#[derive(Debug, Clone, Copy)]
enum LocalPart {
    Num(Span),
    Str(Span),
}

/// A parsed PEP 440 version.
#[derive(Debug, Clone)]
pub struct Pep440Version {
    /// The input, ASCII-lowercased; spans point into it.
    norm: Box<str>,
    epoch: Span,
    release: Vec<Span>,
    /// Release parts that count for ordering (trailing zeros dropped).
    significant: usize,
    pre: Option<(PreKind, Span)>,
    post: Option<Span>,
    dev: Option<Span>,
    local: Option<Vec<LocalPart>>,
}

/// Python's `str.isspace()`, which `\s` follows for `str` patterns.
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn digits(&mut self) -> Option<Span> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        (self.pos > start).then_some((start as u32, self.pos as u32))
    }

    fn sep(&mut self) -> bool {
        if matches!(self.peek(), Some(b'.' | b'_' | b'-')) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Matches the first of `words` that the input continues with.
    fn word(&mut self, words: &[&str]) -> Option<usize> {
        let rest = &self.s[self.pos..];
        let i = words.iter().position(|w| rest.starts_with(w.as_bytes()))?;
        self.pos += words[i].len();
        Some(i)
    }
}

impl Pep440Version {
    /// Parses a version like `packaging.version.Version(input)`.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        let err = |reason| VersionError::invalid(Scheme::Pep440, input, reason);
        let trimmed = input.trim_matches(is_py_space);
        if trimmed.len() > u32::MAX as usize / 2 {
            return Err(err("version string is too long"));
        }
        let norm = trimmed.to_ascii_lowercase();
        let mut c = Cursor {
            s: norm.as_bytes(),
            pos: 0,
        };
        if c.peek() == Some(b'v') {
            c.pos += 1;
        }
        // Epoch: digits followed by '!'.
        let mut epoch = (0, 0);
        let save = c.pos;
        if let Some(d) = c.digits() {
            if c.peek() == Some(b'!') {
                c.pos += 1;
                epoch = d;
            } else {
                c.pos = save;
            }
        }
        let mut release = vec![c.digits().ok_or_else(|| err("no release number"))?];
        loop {
            let save = c.pos;
            if c.peek() == Some(b'.') {
                c.pos += 1;
                if let Some(d) = c.digits() {
                    release.push(d);
                    continue;
                }
            }
            c.pos = save;
            break;
        }
        // Pre-release: [._-]?+ (alpha|a|beta|b|preview|pre|c|rc) [._-]?+ digits?
        let mut pre = None;
        let save = c.pos;
        c.sep();
        if let Some(i) = c.word(&["alpha", "a", "beta", "b", "preview", "pre", "c", "rc"]) {
            let kind = match i {
                0 | 1 => PreKind::Alpha,
                2 | 3 => PreKind::Beta,
                _ => PreKind::Rc,
            };
            c.sep();
            let n = c.digits().unwrap_or((0, 0));
            pre = Some((kind, n));
        } else {
            c.pos = save;
        }
        // Post-release: -digits | [._-]? (post|rev|r) [._-]? digits?
        let mut post = None;
        let save = c.pos;
        if c.peek() == Some(b'-') {
            c.pos += 1;
            if let Some(d) = c.digits() {
                post = Some(d);
            } else {
                c.pos = save;
            }
        }
        if post.is_none() {
            c.sep();
            if c.word(&["post", "rev", "r"]).is_some() {
                c.sep();
                post = Some(c.digits().unwrap_or((0, 0)));
            } else {
                c.pos = save;
            }
        }
        // Dev release: [._-]?+ dev [._-]?+ digits?
        let mut dev = None;
        let save = c.pos;
        c.sep();
        if c.word(&["dev"]).is_some() {
            c.sep();
            dev = Some(c.digits().unwrap_or((0, 0)));
        } else {
            c.pos = save;
        }
        // Local: + [a-z0-9]+ ([._-][a-z0-9]+)*
        let mut local = None;
        if c.peek() == Some(b'+') {
            c.pos += 1;
            let mut parts = Vec::new();
            loop {
                let start = c.pos;
                while c.peek().is_some_and(|b| b.is_ascii_alphanumeric()) {
                    c.pos += 1;
                }
                if c.pos == start {
                    return Err(err("empty local version label"));
                }
                let span = (start as u32, c.pos as u32);
                let part = &c.s[start..c.pos];
                parts.push(if part.iter().all(u8::is_ascii_digit) {
                    LocalPart::Num(span)
                } else {
                    LocalPart::Str(span)
                });
                if !c.sep() {
                    break;
                }
            }
            local = Some(parts);
        }
        if c.pos != c.s.len() {
            return Err(err("unexpected characters"));
        }
        let significant = {
            let mut n = release.len();
            while n > 0 && is_zero(&c.s[release[n - 1].0 as usize..release[n - 1].1 as usize]) {
                n -= 1;
            }
            n
        };
        Ok(Pep440Version {
            norm: norm.into(),
            epoch,
            release,
            significant,
            pre,
            post,
            dev,
            local,
        })
    }

    fn text(&self, span: Span) -> &[u8] {
        &self.norm.as_bytes()[span.0 as usize..span.1 as usize]
    }

    /// Whether this is a pre-release (`a`, `b`, `rc` or `dev`).
    #[must_use]
    pub fn is_prerelease(&self) -> bool {
        self.pre.is_some() || self.dev.is_some()
    }

    /// The normalised form, as `str(Version(...))` prints it.
    #[must_use]
    pub fn normalized(&self) -> String {
        use std::fmt::Write;
        let num = |span| {
            let t = strip_zeros(self.text(span));
            if t.is_empty() {
                "0".to_owned()
            } else {
                String::from_utf8_lossy(t).into_owned()
            }
        };
        let mut out = String::new();
        if !is_zero(self.text(self.epoch)) {
            let _ = write!(out, "{}!", num(self.epoch));
        }
        let parts: Vec<String> = self.release.iter().map(|&s| num(s)).collect();
        out.push_str(&parts.join("."));
        if let Some((kind, n)) = self.pre {
            let k = match kind {
                PreKind::Alpha => "a",
                PreKind::Beta => "b",
                PreKind::Rc => "rc",
            };
            let _ = write!(out, "{k}{}", num(n));
        }
        if let Some(n) = self.post {
            let _ = write!(out, ".post{}", num(n));
        }
        if let Some(n) = self.dev {
            let _ = write!(out, ".dev{}", num(n));
        }
        if let Some(local) = &self.local {
            let parts: Vec<String> = local
                .iter()
                .map(|p| match *p {
                    LocalPart::Num(s) => num(s),
                    LocalPart::Str(s) => String::from_utf8_lossy(self.text(s)).into_owned(),
                })
                .collect();
            let _ = write!(out, "+{}", parts.join("."));
        }
        out
    }

    /// `(pre_rank, pre_n)` of packaging's `_cmpkey`: dev-only -1, a 0, b 1, rc 2, none 3.
    fn pre_key(&self) -> (i8, Span) {
        match (self.pre, self.post, self.dev) {
            (None, None, Some(_)) => (-1, (0, 0)),
            (None, _, _) => (3, (0, 0)),
            (Some((kind, n)), _, _) => (kind as i8, n),
        }
    }
}

fn cmp_local(left: &Pep440Version, right: &Pep440Version) -> Ordering {
    match (&left.local, &right.local) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(lparts), Some(rparts)) => {
            for (lp, rp) in lparts.iter().zip(rparts) {
                let ord = match (*lp, *rp) {
                    (LocalPart::Num(ls), LocalPart::Num(rs)) => {
                        cmp_digits(left.text(ls), right.text(rs))
                    }
                    (LocalPart::Num(_), LocalPart::Str(_)) => Ordering::Greater,
                    (LocalPart::Str(_), LocalPart::Num(_)) => Ordering::Less,
                    (LocalPart::Str(ls), LocalPart::Str(rs)) => left.text(ls).cmp(right.text(rs)),
                };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            lparts.len().cmp(&rparts.len())
        }
    }
}

impl Ord for Pep440Version {
    fn cmp(&self, other: &Self) -> Ordering {
        let ord = cmp_digits(self.text(self.epoch), other.text(other.epoch));
        if ord != Ordering::Equal {
            return ord;
        }
        let (ra, rb) = (
            &self.release[..self.significant],
            &other.release[..other.significant],
        );
        for (&x, &y) in ra.iter().zip(rb) {
            let ord = cmp_digits(self.text(x), other.text(y));
            if ord != Ordering::Equal {
                return ord;
            }
        }
        let ord = ra.len().cmp(&rb.len());
        if ord != Ordering::Equal {
            return ord;
        }
        let (pa, pb) = (self.pre_key(), other.pre_key());
        let ord =
            pa.0.cmp(&pb.0)
                .then_with(|| cmp_digits(self.text(pa.1), other.text(pb.1)));
        if ord != Ordering::Equal {
            return ord;
        }
        let ord = match (self.post, other.post) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(x), Some(y)) => cmp_digits(self.text(x), other.text(y)),
        };
        if ord != Ordering::Equal {
            return ord;
        }
        let ord = match (self.dev, other.dev) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(x), Some(y)) => cmp_digits(self.text(x), other.text(y)),
        };
        if ord != Ordering::Equal {
            return ord;
        }
        cmp_local(self, other)
    }
}

impl PartialOrd for Pep440Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Pep440Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Pep440Version {}

#[cfg(test)]
mod tests {
    use super::*;

    // The ordering example from PEP 440, "Summary of permitted suffixes and relative ordering".
    #[test]
    fn pep440_summary_order() {
        let order = [
            "1.dev0",
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.0.15",
            "1.1.dev1",
        ];
        for w in order.windows(2) {
            let a = Pep440Version::parse(w[0]).unwrap();
            let b = Pep440Version::parse(w[1]).unwrap();
            assert_eq!(a.cmp(&b), Ordering::Less, "{} < {}", w[0], w[1]);
        }
    }

    #[test]
    fn normalisation() {
        for (input, want) in [
            ("1.0-ALPHA.1", "1.0a1"),
            ("v1.0.PREVIEW2", "1.0rc2"),
            ("1.0-1", "1.0.post1"),
            ("1.0rev", "1.0.post0"),
            ("1!01.02", "1!1.2"),
            (" 1.0.dev \n", "1.0.dev0"),
            ("1.0+UBUNTU-1", "1.0+ubuntu.1"),
        ] {
            assert_eq!(Pep440Version::parse(input).unwrap().normalized(), want);
        }
        for bad in [
            "",
            "1.",
            "1..0",
            "a1",
            "1.0+",
            "1.0+a..b",
            "1.0-",
            "1.0.post.-1x",
            "01!",
        ] {
            assert!(Pep440Version::parse(bad).is_err(), "{bad:?}");
        }
    }
}
