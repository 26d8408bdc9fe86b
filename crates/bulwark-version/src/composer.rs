//! Composer / Packagist versions, compared like PHP's `version_compare` (as osv-scanner does for
//! the Packagist ecosystem): a leading `v` is dropped, `-`, `_` and `+` become `.`, a `.` is
//! inserted at every digit/non-digit switch, and the parts compare numerically or by the
//! special forms `any other string < dev < alpha = a < beta = b < RC = rc < # (number) < pl = p`.

use std::cmp::Ordering;

use crate::util::sign;
use crate::{Scheme, VersionError};

/// A parsed Composer version (canonicalised for `version_compare`).
#[derive(Debug, Clone)]
pub struct ComposerVersion {
    raw: Box<str>,
    /// `php_canonicalize_version` of the input (kept as is when it starts with `#`).
    canonical: Box<[u8]>,
}

/// PHP's `php_canonicalize_version`.
fn canonicalize(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len() * 2);
    let Some((&first, rest)) = v.split_first() else {
        return out;
    };
    out.push(first);
    let mut lp = first;
    let isdig = |c: u8| c.is_ascii_digit();
    let isndig = |c: u8| !c.is_ascii_digit() && c != b'.';
    for &c in rest {
        let last_is_dot = out.last() == Some(&b'.');
        if matches!(c, b'-' | b'_' | b'+') {
            if !last_is_dot {
                out.push(b'.');
            }
        } else if (isndig(lp) && isdig(c)) || (isdig(lp) && isndig(c)) {
            if !last_is_dot {
                out.push(b'.');
            }
            out.push(c);
        } else if !c.is_ascii_alphanumeric() {
            if !last_is_dot {
                out.push(b'.');
            }
        } else {
            out.push(c);
        }
        lp = c;
    }
    out
}

/// `compare_special_version_forms`: prefix match against the special forms, unknown is -1.
fn special(form: &[u8]) -> i64 {
    const FORMS: [(&[u8], i64); 10] = [
        (b"dev", 0),
        (b"alpha", 1),
        (b"a", 1),
        (b"beta", 2),
        (b"b", 2),
        (b"RC", 3),
        (b"rc", 3),
        (b"#", 4),
        (b"pl", 5),
        (b"p", 5),
    ];
    FORMS
        .iter()
        .find(|(name, _)| form.starts_with(name))
        .map_or(-1, |&(_, order)| order)
}

/// C `strtol` on a part that starts with a digit (saturating like glibc's `LONG_MAX`).
fn strtol(part: &[u8]) -> i64 {
    let digits = part.iter().take_while(|c| c.is_ascii_digit());
    let mut n: i64 = 0;
    for &d in digits {
        n = n.saturating_mul(10).saturating_add(i64::from(d - b'0'));
    }
    n
}

/// `php_version_compare` on two strings; a string starting with `#` is used as is.
fn php_version_compare(a: &[u8], b: &[u8]) -> Ordering {
    if a.is_empty() || b.is_empty() {
        return match (a.is_empty(), b.is_empty()) {
            (true, true) => Ordering::Equal,
            (false, _) => Ordering::Greater,
            _ => Ordering::Less,
        };
    }
    let v1 = if a[0] == b'#' {
        a.to_vec()
    } else {
        canonicalize(a)
    };
    let v2 = if b[0] == b'#' {
        b.to_vec()
    } else {
        canonicalize(b)
    };
    compare_canonical(&v1, &v2)
}

/// The comparison loop of `php_version_compare`, on already canonical (non-empty) strings.
fn compare_canonical(v1: &[u8], v2: &[u8]) -> Ordering {
    // Walk both like the C code: p is the current part, n whether a '.' followed it.
    let (mut p1, mut p2) = (0usize, 0usize);
    let (mut n1, mut n2) = (true, true);
    let mut compare = Ordering::Equal;
    let part = |v: &[u8], p: usize| -> (usize, bool) {
        match v[p..].iter().position(|&c| c == b'.') {
            Some(i) => (p + i, true),
            None => (v.len(), false),
        }
    };
    while p1 < v1.len() && p2 < v2.len() && n1 && n2 {
        let (e1, has1) = part(v1, p1);
        let (e2, has2) = part(v2, p2);
        n1 = has1;
        n2 = has2;
        let (s1, s2) = (&v1[p1..e1], &v2[p2..e2]);
        let d1 = s1.first().is_some_and(u8::is_ascii_digit);
        let d2 = s2.first().is_some_and(u8::is_ascii_digit);
        compare = match (d1, d2) {
            (true, true) => strtol(s1).cmp(&strtol(s2)),
            (false, false) => sign(special(s1) - special(s2)),
            (true, false) => sign(special(b"#N#") - special(s2)),
            (false, true) => sign(special(s1) - special(b"#N#")),
        };
        if compare != Ordering::Equal {
            break;
        }
        if n1 {
            p1 = e1 + 1;
        }
        if n2 {
            p2 = e2 + 1;
        }
    }
    if compare == Ordering::Equal {
        if n1 {
            let rest = &v1[p1.min(v1.len())..];
            compare = if rest.first().is_some_and(u8::is_ascii_digit) {
                Ordering::Greater
            } else {
                php_version_compare(rest, b"#N#")
            };
        } else if n2 {
            let rest = &v2[p2.min(v2.len())..];
            compare = if rest.first().is_some_and(u8::is_ascii_digit) {
                Ordering::Less
            } else {
                php_version_compare(b"#N#", rest)
            };
        }
    }
    compare
}

impl ComposerVersion {
    /// Parses a Composer version; any non-empty string is accepted, as by `version_compare`.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        let s = input.trim();
        let s = match s.as_bytes() {
            [b'v' | b'V', d, ..] if d.is_ascii_digit() => &s[1..],
            _ => s,
        };
        if s.is_empty() {
            return Err(VersionError::invalid(
                Scheme::Composer,
                input,
                "version string is empty",
            ));
        }
        if s.contains('\0') {
            return Err(VersionError::invalid(
                Scheme::Composer,
                input,
                "version string contains a NUL byte",
            ));
        }
        let canonical = if s.starts_with('#') {
            s.as_bytes().to_vec()
        } else {
            canonicalize(s.as_bytes())
        };
        Ok(ComposerVersion {
            raw: input.into(),
            canonical: canonical.into(),
        })
    }

    /// The version as given.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.raw
    }
}

impl Ord for ComposerVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        // PHP orders identical strings that end in a separator ("1.", "a-") below themselves;
        // a comparator must be reflexive, so identical canonical forms are equal here.
        if self.canonical == other.canonical {
            return Ordering::Equal;
        }
        compare_canonical(&self.canonical, &other.canonical)
    }
}

impl PartialOrd for ComposerVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for ComposerVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for ComposerVersion {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reflexive_where_php_is_not() {
        // php -r 'var_dump(version_compare("1.", "1."));' prints int(-1).
        for v in ["1.", "a-", "Zz("] {
            let a = ComposerVersion::parse(v).unwrap();
            assert_eq!(a.cmp(&a.clone()), Ordering::Equal, "{v}");
        }
        let lt = |a, b| {
            assert_eq!(
                ComposerVersion::parse(a)
                    .unwrap()
                    .cmp(&ComposerVersion::parse(b).unwrap()),
                Ordering::Less,
                "{a} < {b}"
            );
        };
        lt("1.", "1.0");
        lt("1.0-dev", "1.0");
    }
}
