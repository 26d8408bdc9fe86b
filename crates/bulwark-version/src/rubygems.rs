//! RubyGems versions, like `Gem::Version`: `[0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?`
//! with surrounding whitespace allowed; `-` means `.pre.`; segments are digit or letter runs;
//! a letter segment makes a prerelease that sorts before the release; trailing zeros of the
//! numeric part and of the string part are ignored.

use std::cmp::Ordering;

use crate::util::{cmp_digits, is_zero};
use crate::{Scheme, VersionError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seg {
    Num(u32, u32),
    Str(u32, u32),
}

/// A parsed `Gem::Version`.
#[derive(Debug, Clone)]
pub struct GemVersion {
    /// `@version`: stripped, `-` replaced with `.pre.`.
    version: Box<str>,
    canonical: Vec<Seg>,
}

fn is_ruby_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n' | '\x0c' | '\x0b')
}

fn matches_pattern(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if i == 0 {
        return false;
    }
    while i < b.len() && b[i] == b'.' {
        let n = b[i + 1..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count();
        if n == 0 {
            return false;
        }
        i += 1 + n;
    }
    if i < b.len() && b[i] == b'-' {
        loop {
            let n = b[i + 1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'-')
                .count();
            if n == 0 {
                return false;
            }
            i += 1 + n;
            if i >= b.len() || b[i] != b'.' {
                break;
            }
        }
    }
    i == b.len()
}

impl GemVersion {
    /// Parses a version like `Gem::Version.new(input)`.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        let err = |reason| VersionError::invalid(Scheme::Rubygems, input, reason);
        let stripped = input.trim_matches(is_ruby_space);
        if stripped.is_empty() {
            return Err(err("version string is empty"));
        }
        if !matches_pattern(stripped) {
            return Err(err("malformed version number string"));
        }
        if stripped.len() > u32::MAX as usize / 8 {
            return Err(err("version string is too long"));
        }
        let version = stripped.replace('-', ".pre.");
        let b = version.as_bytes();
        let mut segs = Vec::new();
        let mut i = 0;
        while i < b.len() {
            let start = i;
            if b[i].is_ascii_digit() {
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                segs.push(Seg::Num(start as u32, i as u32));
            } else if b[i].is_ascii_alphabetic() {
                while i < b.len() && b[i].is_ascii_alphabetic() {
                    i += 1;
                }
                segs.push(Seg::Str(start as u32, i as u32));
            } else {
                i += 1;
            }
        }
        // canonical_segments: drop trailing zeros of the numeric part and of the rest.
        let split = segs
            .iter()
            .position(|s| matches!(s, Seg::Str(..)))
            .unwrap_or(segs.len());
        let zero = |s: &Seg| matches!(*s, Seg::Num(a, e) if is_zero(&b[a as usize..e as usize]));
        let mut canonical = Vec::with_capacity(segs.len());
        let mut numeric = &segs[..split];
        while numeric.last().is_some_and(zero) {
            numeric = &numeric[..numeric.len() - 1];
        }
        let mut strings = &segs[split..];
        while strings.last().is_some_and(zero) {
            strings = &strings[..strings.len() - 1];
        }
        canonical.extend_from_slice(numeric);
        canonical.extend_from_slice(strings);
        Ok(GemVersion {
            version: version.into(),
            canonical,
        })
    }

    /// Whether this is a prerelease (it has a letter).
    #[must_use]
    pub fn is_prerelease(&self) -> bool {
        self.version.bytes().any(|c| c.is_ascii_alphabetic())
    }

    fn text(&self, a: u32, b: u32) -> &[u8] {
        &self.version.as_bytes()[a as usize..b as usize]
    }
}

impl Ord for GemVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        if self.version == other.version {
            return Ordering::Equal;
        }
        for i in 0..self.canonical.len().max(other.canonical.len()) {
            let lhs = self.canonical.get(i);
            let rhs = other.canonical.get(i);
            let ord = match (lhs, rhs) {
                (Some(&Seg::Str(a, b)), Some(&Seg::Str(c, d))) => {
                    self.text(a, b).cmp(other.text(c, d))
                }
                (Some(Seg::Str(..)), _) => Ordering::Less,
                (_, Some(Seg::Str(..))) => Ordering::Greater,
                (lhs, rhs) => {
                    let x = lhs.map_or(&b""[..], |&s| match s {
                        Seg::Num(a, b) | Seg::Str(a, b) => self.text(a, b),
                    });
                    let y = rhs.map_or(&b""[..], |&s| match s {
                        Seg::Num(a, b) | Seg::Str(a, b) => other.text(a, b),
                    });
                    cmp_digits(x, y)
                }
            };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for GemVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for GemVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for GemVersion {}
