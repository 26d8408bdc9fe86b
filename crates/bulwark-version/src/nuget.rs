//! NuGet versions (`NuGetVersion`): `Major[.Minor[.Patch[.Revision]]][-label(.label)*][+metadata]`.
//! Missing parts are 0 and leading zeros are ignored (`1.0` = `1.0.0` = `1.0.0.0`, `1.01` = `1.1`);
//! a version with a release label sorts before the same version without one; labels compare
//! case-insensitively, numeric labels numerically and before alphanumeric ones; metadata is
//! ignored.

use std::cmp::Ordering;

use crate::util::cmp_digits;
use crate::{Scheme, VersionError};

/// A parsed NuGet version.
#[derive(Debug, Clone)]
pub struct NugetVersion {
    raw: Box<str>,
    nums: [u32; 4],
    release: Option<(u32, u32)>,
}

fn labels_ok(s: &str) -> bool {
    s.split('.')
        .all(|l| !l.is_empty() && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-'))
}

impl NugetVersion {
    /// Parses a NuGet version.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        let err = |reason| VersionError::invalid(Scheme::Nuget, input, reason);
        let s = input.trim();
        let (rest, meta) = match s.split_once('+') {
            Some((r, m)) => (r, Some(m)),
            None => (s, None),
        };
        if meta.is_some_and(|m| !labels_ok(m)) {
            return Err(err("invalid metadata"));
        }
        let (main, release) = match rest.split_once('-') {
            Some((m, r)) => (m, Some(r)),
            None => (rest, None),
        };
        if release.is_some_and(|r| !labels_ok(r)) {
            return Err(err("invalid release label"));
        }
        let mut nums = [0u32; 4];
        for (count, part) in main.split('.').enumerate() {
            if count == 4 {
                return Err(err("more than four version numbers"));
            }
            if part.is_empty() || !part.bytes().all(|c| c.is_ascii_digit()) {
                return Err(err("version numbers must be digits"));
            }
            nums[count] = part
                .parse::<u32>()
                .ok()
                .filter(|&n| i32::try_from(n).is_ok())
                .ok_or_else(|| err("version number is too large"))?;
        }
        let release = release.map(|r| {
            let start = r.as_ptr() as usize - input.as_ptr() as usize;
            (start as u32, (start + r.len()) as u32)
        });
        Ok(NugetVersion {
            raw: input.into(),
            nums,
            release,
        })
    }

    /// The release label (`beta.1`), if any.
    #[must_use]
    pub fn release(&self) -> Option<&str> {
        self.release.map(|(a, b)| &self.raw[a as usize..b as usize])
    }

    /// `[major, minor, patch, revision]`.
    #[must_use]
    pub fn numbers(&self) -> [u32; 4] {
        self.nums
    }
}

fn cmp_labels(left: &str, right: &str) -> Ordering {
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
                    (false, false) => p
                        .bytes()
                        .map(|c| c.to_ascii_uppercase())
                        .cmp(q.bytes().map(|c| c.to_ascii_uppercase())),
                };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
        }
    }
}

impl Ord for NugetVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.nums
            .cmp(&other.nums)
            .then_with(|| match (self.release(), other.release()) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) => cmp_labels(a, b),
            })
    }
}

impl PartialOrd for NugetVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for NugetVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for NugetVersion {}
