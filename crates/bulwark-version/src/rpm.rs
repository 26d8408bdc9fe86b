//! RPM versions: `[epoch:]version[-release]`.
//!
//! Split like rpm's `parseEVR` (leading digits then `:` are the epoch, the release follows the
//! last `-`), compared like `rpm.labelCompare((e, v, r), (e, v, r))`: a missing epoch is `"0"`,
//! each part is compared with `rpmvercmp` (alphanumeric segments; `~` sorts before everything,
//! `^` after the base version but before anything else), and a missing release sorts before any
//! release.

use std::cmp::Ordering;

use crate::util::cmp_digits;
use crate::{Scheme, VersionError};

/// A parsed RPM EVR.
#[derive(Debug, Clone)]
pub struct RpmVersion {
    raw: Box<str>,
    epoch: Option<(usize, usize)>,
    version: (usize, usize),
    release: Option<(usize, usize)>,
}

impl RpmVersion {
    /// Parses `[epoch:]version[-release]`.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        let err = |reason| VersionError::invalid(Scheme::Rpm, input, reason);
        let b = input.as_bytes();
        if b.is_empty() {
            return Err(err("version string is empty"));
        }
        if b.contains(&0) {
            return Err(err("version string contains a NUL byte"));
        }
        let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let hyphen = b[digits..]
            .iter()
            .rposition(|&c| c == b'-')
            .map(|h| h + digits);
        let (epoch, vstart) = if b.get(digits) == Some(&b':') {
            (Some((0, digits)), digits + 1)
        } else {
            (None, 0)
        };
        let (version, release) = match hyphen {
            Some(h) => ((vstart, h), Some((h + 1, b.len()))),
            None => ((vstart, b.len()), None),
        };
        if version.0 == version.1 {
            // rpm refuses an empty version part ("invalid version").
            return Err(err("version part is empty"));
        }
        Ok(RpmVersion {
            raw: input.into(),
            epoch,
            version,
            release,
        })
    }

    /// The epoch as written (`None` when absent; an empty epoch reads as `"0"`).
    #[must_use]
    pub fn epoch(&self) -> Option<&str> {
        self.epoch
            .map(|(s, e)| if s == e { "0" } else { &self.raw[s..e] })
    }

    /// The version part.
    #[must_use]
    pub fn version(&self) -> &str {
        &self.raw[self.version.0..self.version.1]
    }

    /// The release part, if any.
    #[must_use]
    pub fn release(&self) -> Option<&str> {
        self.release.map(|(s, e)| &self.raw[s..e])
    }

    /// The version as given.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.raw
    }
}

/// rpm's `rpmvercmp`.
#[must_use]
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a == b {
        return Ordering::Equal;
    }
    let sep = |c: u8| !c.is_ascii_alphanumeric() && c != b'~' && c != b'^';
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        while i < a.len() && sep(a[i]) {
            i += 1;
        }
        while j < b.len() && sep(b[j]) {
            j += 1;
        }
        let (ca, cb) = (a.get(i).copied(), b.get(j).copied());
        if ca == Some(b'~') || cb == Some(b'~') {
            if ca != Some(b'~') {
                return Ordering::Greater;
            }
            if cb != Some(b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if ca == Some(b'^') || cb == Some(b'^') {
            if ca.is_none() {
                return Ordering::Less;
            }
            if cb.is_none() {
                return Ordering::Greater;
            }
            if ca != Some(b'^') {
                return Ordering::Greater;
            }
            if cb != Some(b'^') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        let (Some(ca), Some(_)) = (ca, cb) else {
            break;
        };
        let numeric = ca.is_ascii_digit();
        let class = |c: &u8| {
            if numeric {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        };
        let ea = i + a[i..].iter().take_while(|c| class(c)).count();
        let eb = j + b[j..].iter().take_while(|c| class(c)).count();
        if eb == j {
            // Segments of different types: numeric is newer than alpha.
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let ord = if numeric {
            cmp_digits(&a[i..ea], &b[j..eb])
        } else {
            a[i..ea].cmp(&b[j..eb])
        };
        if ord != Ordering::Equal {
            return ord;
        }
        i = ea;
        j = eb;
    }
    match (i >= a.len(), j >= b.len()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

impl Ord for RpmVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        rpmvercmp(self.epoch().unwrap_or("0"), other.epoch().unwrap_or("0"))
            .then_with(|| rpmvercmp(self.version(), other.version()))
            .then_with(|| match (self.release(), other.release()) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
                (Some(a), Some(b)) => rpmvercmp(a, b),
            })
    }
}

impl PartialOrd for RpmVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for RpmVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for RpmVersion {}

#[cfg(test)]
mod tests {
    use super::*;

    // Examples from rpm's tests/rpmvercmp.at.
    #[test]
    fn rpmvercmp_examples() {
        use Ordering::{Equal, Greater, Less};
        for (a, b, want) in [
            ("1.0", "1.0", Equal),
            ("1.0", "2.0", Less),
            ("2.0.1", "2.0.1a", Less),
            ("5.5p1", "5.5p10", Less),
            ("10xyz", "10.1xyz", Less),
            ("xyz10", "xyz10.1", Less),
            ("1.0~rc1", "1.0", Less),
            ("1.0~rc1", "1.0~rc1~git123", Greater),
            ("1.0^", "1.0", Greater),
            ("1.0^git1", "1.0.1", Less),
            ("1.0^git1~pre", "1.0^git1", Less),
            ("a", "1", Less),
            ("1.0", "1_0", Equal),
        ] {
            assert_eq!(rpmvercmp(a, b), want, "{a} vs {b}");
        }
    }

    #[test]
    fn evr_split() {
        let v = RpmVersion::parse("2:1.2-3.el9").unwrap();
        assert_eq!(
            (v.epoch(), v.version(), v.release()),
            (Some("2"), "1.2", Some("3.el9"))
        );
        let v = RpmVersion::parse("1.2").unwrap();
        assert_eq!((v.epoch(), v.version(), v.release()), (None, "1.2", None));
    }
}
