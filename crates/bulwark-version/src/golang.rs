//! Go module versions: semantic versions as `golang.org/x/mod/semver` reads them (`vMAJOR[.MINOR
//! [.PATCH[-pre][+build]]]`, where the short forms mean `.0`), with the `v` optional because OSV
//! writes Go versions without it. Pseudo-versions (`v0.0.0-20191109021931-daa7c04131f5`,
//! `v1.2.4-0.20191109021931-daa7c04131f5`) are prereleases and need no special case;
//! `+incompatible` is build metadata and is ignored when comparing.

use std::cmp::Ordering;

use crate::util::cmp_digits;
use crate::{Scheme, VersionError};

/// A parsed Go module version.
#[derive(Debug, Clone)]
pub struct GoVersion {
    raw: Box<str>,
    nums: [(u32, u32); 3],
    pre: Option<(u32, u32)>,
    build: Option<(u32, u32)>,
}

fn number(s: &[u8], pos: usize) -> Option<usize> {
    let end = pos + s[pos..].iter().take_while(|c| c.is_ascii_digit()).count();
    if end == pos || (s[pos] == b'0' && end != pos + 1) {
        return None;
    }
    Some(end)
}

fn idents_end(s: &[u8], pos: usize, numeric_rule: bool) -> Option<usize> {
    // Identifiers: non-empty [0-9A-Za-z-]+, numeric ones without leading zeros (prerelease).
    let mut i = pos;
    loop {
        let start = i;
        while i < s.len() && (s[i].is_ascii_alphanumeric() || s[i] == b'-') {
            i += 1;
        }
        if i == start {
            return None;
        }
        let id = &s[start..i];
        if numeric_rule && id.len() > 1 && id[0] == b'0' && id.iter().all(u8::is_ascii_digit) {
            return None;
        }
        if i < s.len() && s[i] == b'.' {
            i += 1;
        } else {
            return Some(i);
        }
    }
}

impl GoVersion {
    /// Parses a Go module version (with or without the leading `v`).
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        let err = || VersionError::invalid(Scheme::Go, input, "not a semantic version");
        let s = input.as_bytes();
        if s.len() > u32::MAX as usize / 2 {
            return Err(err());
        }
        let mut pos = usize::from(s.first() == Some(&b'v'));
        if pos >= s.len() {
            return Err(err());
        }
        let mut nums = [(0u32, 0u32); 3];
        let mut count = 0;
        while count < 3 {
            let end = number(s, pos).ok_or_else(err)?;
            nums[count] = (pos as u32, end as u32);
            count += 1;
            pos = end;
            if count < 3 && s.get(pos) == Some(&b'.') {
                pos += 1;
            } else {
                break;
            }
        }
        let short = count < 3;
        let mut pre = None;
        let mut build = None;
        if s.get(pos) == Some(&b'-') {
            let end = idents_end(s, pos + 1, true).ok_or_else(err)?;
            pre = Some((pos as u32 + 1, end as u32));
            pos = end;
        }
        if s.get(pos) == Some(&b'+') {
            let end = idents_end(s, pos + 1, false).ok_or_else(err)?;
            build = Some((pos as u32 + 1, end as u32));
            pos = end;
        }
        if pos != s.len() || (short && (pre.is_some() || build.is_some())) {
            return Err(err());
        }
        Ok(GoVersion {
            raw: input.into(),
            nums,
            pre,
            build,
        })
    }

    fn text(&self, (a, b): (u32, u32)) -> &str {
        &self.raw[a as usize..b as usize]
    }

    /// The prerelease part without the `-`.
    #[must_use]
    pub fn prerelease(&self) -> Option<&str> {
        self.pre.map(|p| self.text(p))
    }

    /// Build metadata without the `+` (e.g. `incompatible`).
    #[must_use]
    pub fn build(&self) -> Option<&str> {
        self.build.map(|p| self.text(p))
    }

    /// Whether this is a pseudo-version (`vX.Y.Z-[...]yyyymmddhhmmss-abcdefabcdef`).
    #[must_use]
    pub fn is_pseudo(&self) -> bool {
        let Some(pre) = self.prerelease() else {
            return false;
        };
        let mut parts = pre.rsplitn(2, '-');
        let (Some(rev), Some(head)) = (parts.next(), parts.next()) else {
            return false;
        };
        let stamp = head.rsplit('.').next().unwrap_or(head);
        rev.len() == 12
            && rev
                .bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
            && stamp.len() == 14
            && stamp.bytes().all(|c| c.is_ascii_digit())
    }
}

fn cmp_prerelease(left: &str, right: &str) -> Ordering {
    let mut lparts = left.split('.');
    let mut rparts = right.split('.');
    loop {
        match (lparts.next(), rparts.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(p), Some(q)) => {
                let pn = p.bytes().all(|c| c.is_ascii_digit());
                let qn = q.bytes().all(|c| c.is_ascii_digit());
                let ord = match (pn, qn) {
                    (true, true) => cmp_digits(p.as_bytes(), q.as_bytes()),
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                    (false, false) => p.cmp(q),
                };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
        }
    }
}

impl Ord for GoVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        for i in 0..3 {
            let ord = cmp_digits(
                self.text(self.nums[i]).as_bytes(),
                other.text(other.nums[i]).as_bytes(),
            );
            if ord != Ordering::Equal {
                return ord;
            }
        }
        match (self.prerelease(), other.prerelease()) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(a), Some(b)) => cmp_prerelease(a, b),
        }
    }
}

impl PartialOrd for GoVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for GoVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for GoVersion {}
