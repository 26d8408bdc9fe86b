//! Pod Security Standards levels and policy versions.
//!
//! Versions follow the PodSecurity admission controller (`k8s.io/pod-security-admission/policy`): every control
//! has one definition per minimum version, and a request for version `v1.N` uses, per control, the newest
//! definition whose minimum is `<= v1.N`. `latest` is the newest version any control defines ([`LATEST`]).

use std::fmt;

/// PSS profile level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Privileged,
    Baseline,
    Restricted,
}

impl Level {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Privileged => "privileged",
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "privileged" => Some(Level::Privileged),
            "baseline" => Some(Level::Baseline),
            "restricted" => Some(Level::Restricted),
            _ => None,
        }
    }
}

impl Level {
    /// Parses a `pod-security.kubernetes.io/enforce` label value as the admission controller does
    /// (`k8s.io/pod-security-admission/api/helpers.go`, `ParseLevel`): the exact strings only; any other value is
    /// an error that evaluates as `restricted`.
    #[must_use]
    pub fn parse_label(s: &str) -> Self {
        match s {
            "privileged" => Level::Privileged,
            "baseline" => Level::Baseline,
            _ => Level::Restricted,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A policy version `v1.N` (the major is always 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(pub u16);

/// The newest policy version any control defines: v1.37 added two safe sysctls
/// (`net.ipv4.tcp_slow_start_after_idle`, `net.ipv4.tcp_notsent_lowat`).
pub const LATEST: Version = Version(37);

impl Version {
    /// Parses `v1.30`, `1.30` or `latest`. Versions above [`LATEST`] are clamped to it, as the admission
    /// controller does.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        if s == "latest" {
            return Some(LATEST);
        }
        let s = s.strip_prefix('v').unwrap_or(s);
        let minor = s.strip_prefix("1.")?;
        let minor: u16 = minor.parse().ok()?;
        Some(Version(minor.min(LATEST.0)))
    }

    /// Parses a `pod-security.kubernetes.io/enforce-version` label value as the admission controller does
    /// (`api/helpers.go`, `ParseVersion`): `latest` or `v1.N` matching `^v1\.([0-9]|[1-9][0-9]*)$`, nothing else
    /// (no missing `v`, no leading zero, no spaces). An invalid value is an error that evaluates as `latest`.
    #[must_use]
    pub fn parse_label(s: &str) -> Self {
        let Some(minor) = s.strip_prefix("v1.") else {
            return LATEST;
        };
        let digits_ok = !minor.is_empty()
            && minor.bytes().all(|b| b.is_ascii_digit())
            && (minor.len() == 1 || !minor.starts_with('0'));
        match minor.parse::<u32>() {
            Ok(n) if digits_ok => Version(u16::try_from(n).unwrap_or(u16::MAX).min(LATEST.0)),
            _ => LATEST,
        }
    }

    #[must_use]
    pub fn at_least(self, minor: u16) -> bool {
        self.0 >= minor
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v1.{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn parse() {
        assert_eq!(Version::parse("v1.30"), Some(Version(30)));
        assert_eq!(Version::parse("1.8"), Some(Version(8)));
        assert_eq!(Version::parse("latest"), Some(LATEST));
        assert_eq!(Version::parse("v1.99"), Some(LATEST));
        assert_eq!(Version::parse("v2.0"), None);
    }

    /// Namespace labels follow api/helpers.go `ParseVersion` / `ParseLevel` (kubernetes/pod-security-admission
    /// 8f84a87, lines 99-136): invalid values evaluate as `latest` / `restricted`.
    #[test]
    fn parse_labels() {
        assert_eq!(Version::parse_label("v1.28"), Version(28));
        assert_eq!(Version::parse_label("v1.0"), Version(0));
        assert_eq!(Version::parse_label("latest"), LATEST);
        assert_eq!(Version::parse_label("v1.999"), LATEST);
        for bad in [
            "1.28", "v1.028", " v1.28", "v1.", "v1.2x", "v2.0", "Latest", "",
        ] {
            assert_eq!(Version::parse_label(bad), LATEST, "{bad:?}");
        }
        assert_eq!(Level::parse_label("baseline"), Level::Baseline);
        assert_eq!(Level::parse_label("privileged"), Level::Privileged);
        assert_eq!(Level::parse_label("Baseline"), Level::Restricted);
        assert_eq!(Level::parse_label("none"), Level::Restricted);
    }
}
