//! Alpine package versions, ordered like apk-tools (`src/version.c`):
//! `{digit}{.digit}...{letter}{_suffix{digits}}...{-r#}` where the suffixes `_alpha`, `_beta`,
//! `_pre` and `_rc` sort before the plain version and `_cvs`, `_svn`, `_git`, `_hg` and `_p`
//! after it; a number after a `.` that starts with `0` compares as a fraction (more leading
//! zeros sort lower). Versions apk-tools would not validate are an error.

use std::cmp::Ordering;

use crate::util::cmp_digits;
use crate::{Scheme, VersionError};

/// Token kinds in the order apk-tools numbers them: the order matters for the final comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    DigitOrZero,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    RevisionNo,
    End,
}

/// A token's value: numbers are digit strings (unbounded), leading zeros a negative count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Value {
    Num(u32, u32),
    Zeros(u32),
    Letter(u8),
    /// Suffix rank: `alpha` -4 ... `rc` -1, `cvs` 0 ... `p` 4.
    Suffix(i8),
}

const PRE_SUFFIXES: [&str; 4] = ["alpha", "beta", "pre", "rc"];
const POST_SUFFIXES: [&str; 5] = ["cvs", "svn", "git", "hg", "p"];

#[derive(Debug, Clone, Copy)]
struct Token {
    kind: Kind,
    value: Value,
}

/// A parsed, validated apk version.
#[derive(Debug, Clone)]
pub struct ApkVersion {
    raw: Box<str>,
    tokens: Vec<Token>,
}

/// Which kind follows `prev` at `s[pos..]`, and how many separator bytes it consumes.
fn next_kind(prev: Kind, s: &[u8], pos: usize) -> Option<(Kind, usize)> {
    let c = *s.get(pos)?;
    let (kind, skip) = if matches!(prev, Kind::Digit | Kind::DigitOrZero) && c.is_ascii_lowercase()
    {
        (Kind::Letter, 0)
    } else if prev == Kind::Letter && c.is_ascii_digit() {
        (Kind::Digit, 0)
    } else if prev == Kind::Suffix && c.is_ascii_digit() {
        (Kind::SuffixNo, 0)
    } else {
        match c {
            b'.' => (Kind::DigitOrZero, 1),
            b'_' => (Kind::Suffix, 1),
            b'-' if s.get(pos + 1) == Some(&b'r') => (Kind::RevisionNo, 2),
            _ => return None,
        }
    };
    // Tokens may only move forward, with three exceptions apk-tools allows.
    if kind < prev
        && !matches!(
            (kind, prev),
            (Kind::DigitOrZero, Kind::Digit)
                | (Kind::Suffix, Kind::SuffixNo)
                | (Kind::Digit, Kind::Letter)
        )
    {
        return None;
    }
    Some((kind, skip))
}

impl ApkVersion {
    /// Parses and validates an apk version.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        let err = |reason| VersionError::invalid(Scheme::Apk, input, reason);
        let s = input.as_bytes();
        if s.is_empty() {
            return Err(err("version string is empty"));
        }
        if s.len() > u32::MAX as usize / 2 {
            return Err(err("version string is too long"));
        }
        let mut tokens = Vec::new();
        let mut kind = Kind::Digit;
        let mut pos = 0;
        loop {
            let start = pos;
            if pos == s.len() {
                // apk-tools reads an empty token at the end as the value 0.
                let value = if kind == Kind::Suffix {
                    Value::Suffix(0)
                } else {
                    Value::Num(start as u32, start as u32)
                };
                tokens.push(Token { kind, value });
                break;
            }
            let (value, next_forced) = match kind {
                Kind::DigitOrZero if s[pos] == b'0' => {
                    while pos < s.len() && s[pos] == b'0' {
                        pos += 1;
                    }
                    (Value::Zeros((pos - start) as u32), Some(Kind::Digit))
                }
                Kind::DigitOrZero | Kind::Digit | Kind::SuffixNo | Kind::RevisionNo => {
                    while pos < s.len() && s[pos].is_ascii_digit() {
                        pos += 1;
                    }
                    (Value::Num(start as u32, pos as u32), None)
                }
                Kind::Letter => {
                    pos += 1;
                    (Value::Letter(s[start]), None)
                }
                Kind::Suffix => {
                    let rest = &s[pos..];
                    let rank = if let Some(i) = PRE_SUFFIXES
                        .iter()
                        .position(|p| rest.starts_with(p.as_bytes()))
                    {
                        pos += PRE_SUFFIXES[i].len();
                        i as i8 - 4
                    } else if let Some(i) = POST_SUFFIXES
                        .iter()
                        .position(|p| rest.starts_with(p.as_bytes()))
                    {
                        pos += POST_SUFFIXES[i].len();
                        i as i8
                    } else {
                        return Err(err("unknown suffix"));
                    };
                    (Value::Suffix(rank), None)
                }
                Kind::End => unreachable!("the loop stops at the end"),
            };
            tokens.push(Token { kind, value });
            if pos == s.len() {
                break;
            }
            if let Some(forced) = next_forced {
                kind = forced;
                continue;
            }
            let (next, skip) =
                next_kind(kind, s, pos).ok_or_else(|| err("invalid character or order"))?;
            pos += skip;
            kind = next;
        }
        Ok(ApkVersion {
            raw: input.into(),
            tokens,
        })
    }

    /// The version as given.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    fn cmp_value(&self, lhs: Value, other: &Self, rhs: Value) -> Ordering {
        let s = self.raw.as_bytes();
        let o = other.raw.as_bytes();
        match (lhs, rhs) {
            (Value::Num(x0, x1), Value::Num(y0, y1)) => {
                cmp_digits(&s[x0 as usize..x1 as usize], &o[y0 as usize..y1 as usize])
            }
            // A run of leading zeros is worth minus its length; any number is >= 0.
            (Value::Zeros(x), Value::Zeros(y)) => y.cmp(&x),
            (Value::Zeros(_), _) => Ordering::Less,
            (_, Value::Zeros(_)) => Ordering::Greater,
            (Value::Letter(x), Value::Letter(y)) => x.cmp(&y),
            (Value::Suffix(x), Value::Suffix(y)) => x.cmp(&y),
            // Values of different kinds only meet when the kinds differ too; compare as numbers.
            (x, y) => rank(x, s).cmp(&rank(y, o)),
        }
    }
}

/// A numeric stand-in used when values of different kinds meet (as apk-tools' ints do).
fn rank(v: Value, s: &[u8]) -> i64 {
    match v {
        Value::Num(a, b) => std::str::from_utf8(&s[a as usize..b as usize])
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(i64::MAX),
        Value::Zeros(n) => -i64::from(n),
        Value::Letter(c) => i64::from(c),
        Value::Suffix(r) => i64::from(r),
    }
}

impl Ord for ApkVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let end = Token {
            kind: Kind::End,
            value: Value::Num(0, 0),
        };
        let mut i = 0;
        loop {
            let a = self.tokens.get(i).copied().unwrap_or(end);
            let b = other.tokens.get(i).copied().unwrap_or(end);
            if a.kind == Kind::End && b.kind == Kind::End {
                return Ordering::Equal;
            }
            if a.kind != b.kind {
                // Leading parts are equal: the longer version is greater unless what it has
                // next is a pre-release suffix.
                if let Value::Suffix(r) = a.value
                    && a.kind == Kind::Suffix
                    && r < 0
                {
                    return Ordering::Less;
                }
                if let Value::Suffix(r) = b.value
                    && b.kind == Kind::Suffix
                    && r < 0
                {
                    return Ordering::Greater;
                }
                return b.kind.cmp(&a.kind);
            }
            let ord = self.cmp_value(a.value, other, b.value);
            if ord != Ordering::Equal {
                return ord;
            }
            i += 1;
        }
    }
}

impl PartialOrd for ApkVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for ApkVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for ApkVersion {}
