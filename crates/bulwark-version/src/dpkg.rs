//! Debian package versions: `[epoch:]upstream_version[-debian_revision]`.
//!
//! Follows dpkg's `parseversion` (lib/dpkg/parsehelp.c) for what is an error and `verrevcmp`
//! (lib/dpkg/version.c) for the order: `~` sorts before everything, even the end of a part,
//! letters sort before non-letters, and digit runs compare numerically. Like
//! `dpkg --compare-versions`, versions that dpkg only *warns* about (no leading digit, odd
//! characters) are accepted and compared; the ones it rejects are an error.

use std::cmp::Ordering;

use crate::util::cmp_digits;
use crate::{Scheme, VersionError};

/// A parsed dpkg version.
#[derive(Debug, Clone)]
pub struct DpkgVersion {
    raw: Box<str>,
    epoch: u32,
    upstream: (usize, usize),
    revision: (usize, usize),
}

fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

impl DpkgVersion {
    /// Parses a version as dpkg does.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        let err = |reason| VersionError::invalid(Scheme::Dpkg, input, reason);
        let bytes = input.as_bytes();
        if bytes.contains(&0) {
            return Err(err("version string contains a NUL byte"));
        }
        let start = bytes.iter().take_while(|&&c| is_blank(c)).count();
        if start == bytes.len() {
            return Err(err("version string is empty"));
        }
        let end = start + bytes[start..].iter().take_while(|&&c| !is_blank(c)).count();
        if bytes[end..].iter().any(|&c| !is_blank(c)) {
            return Err(err("version string has embedded spaces"));
        }
        let s = &bytes[start..end];
        let (epoch, rest_start) = match s.iter().position(|&c| c == b':') {
            Some(colon) => (parse_epoch(&s[..colon]).map_err(err)?, colon + 1),
            None => (0, 0),
        };
        if rest_start > 0 && rest_start == s.len() {
            return Err(err("nothing after colon in version number"));
        }
        let rest = &s[rest_start..];
        let (upstream, revision) = match rest.iter().rposition(|&c| c == b'-') {
            Some(hyphen) => {
                if hyphen + 1 == rest.len() {
                    return Err(err("revision number is empty"));
                }
                (
                    (rest_start, rest_start + hyphen),
                    (rest_start + hyphen + 1, s.len()),
                )
            }
            None => ((rest_start, s.len()), (s.len(), s.len())),
        };
        if upstream.0 == upstream.1 {
            return Err(err("version number is empty"));
        }
        Ok(DpkgVersion {
            raw: input[start..end].into(),
            epoch,
            upstream,
            revision,
        })
    }

    /// The epoch (0 when absent).
    #[must_use]
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// The upstream version part.
    #[must_use]
    pub fn upstream(&self) -> &str {
        &self.raw[self.upstream.0..self.upstream.1]
    }

    /// The Debian revision part ("" when absent).
    #[must_use]
    pub fn revision(&self) -> &str {
        &self.raw[self.revision.0..self.revision.1]
    }

    /// The version as given, without surrounding blanks.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.raw
    }
}

/// The epoch as C `strtol` reads it, with dpkg's checks.
fn parse_epoch(s: &[u8]) -> Result<u32, &'static str> {
    let mut i = s
        .iter()
        .take_while(|&&c| matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
        .count();
    let negative = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let digits = &s[i..];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        // strtol stops at the first non-digit; the colon must come right after the number.
        if digits.first().is_some_and(u8::is_ascii_digit) {
            return Err("epoch in version is not number");
        }
        return Err("epoch in version is empty");
    }
    if cmp_digits(digits, b"2147483647") == Ordering::Greater {
        return Err(if negative {
            "epoch in version is negative"
        } else {
            "epoch in version is too big"
        });
    }
    let value: u32 = std::str::from_utf8(digits)
        .ok()
        .and_then(|d| d.parse().ok())
        .unwrap_or(u32::MAX);
    if negative && value != 0 {
        return Err("epoch in version is negative");
    }
    Ok(value)
}

/// dpkg's `order()`: digits 0, letters their code, `~` -1, the end 0, anything else code + 256.
/// `char` is signed on the platforms dpkg ships for, so bytes >= 0x80 are negative there.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        Some(c) => i32::from(c.cast_signed()) + 256,
    }
}

/// dpkg's `verrevcmp`.
#[must_use]
pub fn verrevcmp(a: &[u8], b: &[u8]) -> Ordering {
    let (mut i, mut j) = (0, 0);
    let digit = |s: &[u8], k: usize| s.get(k).is_some_and(u8::is_ascii_digit);
    while i < a.len() || j < b.len() {
        while (i < a.len() && !digit(a, i)) || (j < b.len() && !digit(b, j)) {
            let ac = order(a.get(i).copied());
            let bc = order(b.get(j).copied());
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        let si = i;
        while digit(a, i) {
            i += 1;
        }
        let sj = j;
        while digit(b, j) {
            j += 1;
        }
        let ord = cmp_digits(&a[si..i], &b[sj..j]);
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

impl Ord for DpkgVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(self.upstream().as_bytes(), other.upstream().as_bytes()))
            .then_with(|| verrevcmp(self.revision().as_bytes(), other.revision().as_bytes()))
    }
}

impl PartialOrd for DpkgVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for DpkgVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for DpkgVersion {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare;

    // Examples from deb-version(7) and Debian Policy §5.6.12.
    #[test]
    fn policy_examples() {
        let lt = |a, b| {
            assert_eq!(
                compare(Scheme::Dpkg, a, b).unwrap(),
                Ordering::Less,
                "{a} < {b}"
            );
        };
        lt("1.0~rc1", "1.0");
        lt("~~", "~~a");
        lt("~~a", "~");
        lt("1:0.1", "2:0.0");
        lt("1.0-1", "1.0-1.1");
        lt("1.0a", "1.0+");
        assert_eq!(
            compare(Scheme::Dpkg, "0:1.0", "1.0").unwrap(),
            Ordering::Equal
        );
        assert_eq!(
            compare(Scheme::Dpkg, "1.01", "1.1").unwrap(),
            Ordering::Equal
        );
    }

    #[test]
    fn errors() {
        for bad in [
            "",
            "  ",
            "1 2",
            "a:1",
            ":1",
            "1:",
            "1.0-",
            "-1",
            "-1:2",
            "99999999999:1",
        ] {
            assert!(DpkgVersion::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(DpkgVersion::parse(" 1:2.0-3 ").unwrap().upstream(), "2.0");
        assert_eq!(DpkgVersion::parse("+1:2").unwrap().epoch(), 1);
    }
}
