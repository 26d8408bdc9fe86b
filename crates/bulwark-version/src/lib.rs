//! Version schemes and OSV range evaluation for vulnerability matching.
//!
//! Every scheme follows a real implementation exactly (dpkg, rpm, apk-tools, Python `packaging`,
//! npm `semver`, Maven `ComparableVersion`, Go `x/mod/semver`, RubyGems `Gem::Version`, NuGet and
//! PHP `version_compare`); the crate README names the reference for each and the differential
//! tests under `tests/` check them against the real tools.
//!
//! ```
//! use std::cmp::Ordering;
//! use bulwark_version::{Scheme, Version, compare};
//!
//! assert_eq!(compare(Scheme::Dpkg, "1.0~rc1-1", "1.0-1")?, Ordering::Less);
//! assert_eq!(compare(Scheme::Pep440, "1.0.post1", "1.0")?, Ordering::Greater);
//!
//! // Parse once, compare many: the hot path allocates nothing per comparison.
//! let fixed = Version::parse(Scheme::Rpm, "2:1.2.3-4.el9")?;
//! let installed = Version::parse(Scheme::Rpm, "2:1.2.3-3.el9")?;
//! assert!(installed.try_cmp(&fixed)? == Ordering::Less);
//!
//! // npm ranges, with npm's prerelease rules.
//! let range = bulwark_version::semver::Range::parse("^1.2.3 || >=2.0.0-beta <2.0.0")?;
//! assert!(range.satisfies_str("1.9.0"));
//! assert!(!range.satisfies_str("1.9.0-rc.1"));
//! # Ok::<(), bulwark_version::VersionError>(())
//! ```

pub mod apk;
pub mod composer;
pub mod dpkg;
pub mod golang;
pub mod maven;
pub mod nuget;
pub mod osv;
pub mod pep440;
pub mod rpm;
pub mod rubygems;
pub mod semver;
mod util;

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A version scheme. Its kebab-case name is stable (used in the DB and in `--explain`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Scheme {
    /// Debian / Ubuntu packages (`dpkg --compare-versions`).
    Dpkg,
    /// RPM packages (`rpm.labelCompare` over `epoch:version-release`).
    Rpm,
    /// Alpine packages (apk-tools).
    Apk,
    /// Python packages (`packaging.version.Version`).
    Pep440,
    /// SemVer 2.0 with npm's rules (npm `semver`).
    Semver,
    /// Maven `ComparableVersion`.
    Maven,
    /// Go modules (`golang.org/x/mod/semver`, `v` prefix optional).
    Go,
    /// RubyGems `Gem::Version`.
    Rubygems,
    /// NuGet (`NuGetVersion`).
    Nuget,
    /// Composer / Packagist (PHP `version_compare`).
    Composer,
}

impl Scheme {
    /// Every scheme, in declaration order.
    pub const ALL: [Scheme; 10] = [
        Scheme::Dpkg,
        Scheme::Rpm,
        Scheme::Apk,
        Scheme::Pep440,
        Scheme::Semver,
        Scheme::Maven,
        Scheme::Go,
        Scheme::Rubygems,
        Scheme::Nuget,
        Scheme::Composer,
    ];

    /// The stable kebab-case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Dpkg => "dpkg",
            Scheme::Rpm => "rpm",
            Scheme::Apk => "apk",
            Scheme::Pep440 => "pep440",
            Scheme::Semver => "semver",
            Scheme::Maven => "maven",
            Scheme::Go => "go",
            Scheme::Rubygems => "rubygems",
            Scheme::Nuget => "nuget",
            Scheme::Composer => "composer",
        }
    }

    /// The scheme an OSV ecosystem uses (`"Debian:12"` → dpkg, `"PyPI"` → PEP 440, ...).
    #[must_use]
    pub fn for_osv_ecosystem(ecosystem: &str) -> Option<Scheme> {
        let base = ecosystem.split(':').next().unwrap_or(ecosystem);
        Some(match base {
            "Debian" | "Ubuntu" => Scheme::Dpkg,
            "Alpine" | "Wolfi" | "Chainguard" => Scheme::Apk,
            "Red Hat" | "AlmaLinux" | "Rocky Linux" | "openSUSE" | "SUSE" | "Mageia"
            | "openEuler" => Scheme::Rpm,
            "PyPI" => Scheme::Pep440,
            "npm" | "crates.io" | "Hex" | "Pub" => Scheme::Semver,
            "Maven" => Scheme::Maven,
            "Go" => Scheme::Go,
            "RubyGems" => Scheme::Rubygems,
            "NuGet" => Scheme::Nuget,
            "Packagist" => Scheme::Composer,
            _ => return None,
        })
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Scheme {
    type Err = VersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scheme::ALL
            .into_iter()
            .find(|scheme| scheme.as_str() == s)
            .ok_or_else(|| VersionError::UnknownScheme(s.to_owned()))
    }
}

/// What went wrong while parsing or comparing versions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// The string is not a version of this scheme.
    #[error("invalid {scheme} version {input:?}: {reason}")]
    Invalid {
        scheme: Scheme,
        input: String,
        reason: &'static str,
    },
    /// The string is not an npm range.
    #[error("invalid npm range {input:?}: {reason}")]
    InvalidRange { input: String, reason: &'static str },
    /// Two parsed versions of different schemes were compared.
    #[error("cannot compare a {left} version with a {right} version")]
    SchemeMismatch { left: Scheme, right: Scheme },
    /// The scheme name is not one of [`Scheme::ALL`].
    #[error("unknown version scheme {0:?}")]
    UnknownScheme(String),
}

impl VersionError {
    pub(crate) fn invalid(scheme: Scheme, input: &str, reason: &'static str) -> Self {
        VersionError::Invalid {
            scheme,
            input: input.to_owned(),
            reason,
        }
    }
}

/// A parsed version of any scheme. Parse once with [`Version::parse`], then compare many times.
#[derive(Debug, Clone)]
pub enum Version {
    Dpkg(dpkg::DpkgVersion),
    Rpm(rpm::RpmVersion),
    Apk(apk::ApkVersion),
    Pep440(pep440::Pep440Version),
    Semver(semver::SemverVersion),
    Maven(maven::MavenVersion),
    Go(golang::GoVersion),
    Rubygems(rubygems::GemVersion),
    Nuget(nuget::NugetVersion),
    Composer(composer::ComposerVersion),
}

impl Version {
    /// Parses `input` with the rules of `scheme`.
    pub fn parse(scheme: Scheme, input: &str) -> Result<Version, VersionError> {
        Ok(match scheme {
            Scheme::Dpkg => Version::Dpkg(dpkg::DpkgVersion::parse(input)?),
            Scheme::Rpm => Version::Rpm(rpm::RpmVersion::parse(input)?),
            Scheme::Apk => Version::Apk(apk::ApkVersion::parse(input)?),
            Scheme::Pep440 => Version::Pep440(pep440::Pep440Version::parse(input)?),
            Scheme::Semver => Version::Semver(semver::SemverVersion::parse(input)?),
            Scheme::Maven => Version::Maven(maven::MavenVersion::parse(input)?),
            Scheme::Go => Version::Go(golang::GoVersion::parse(input)?),
            Scheme::Rubygems => Version::Rubygems(rubygems::GemVersion::parse(input)?),
            Scheme::Nuget => Version::Nuget(nuget::NugetVersion::parse(input)?),
            Scheme::Composer => Version::Composer(composer::ComposerVersion::parse(input)?),
        })
    }

    /// The scheme this version was parsed with.
    #[must_use]
    pub fn scheme(&self) -> Scheme {
        match self {
            Version::Dpkg(_) => Scheme::Dpkg,
            Version::Rpm(_) => Scheme::Rpm,
            Version::Apk(_) => Scheme::Apk,
            Version::Pep440(_) => Scheme::Pep440,
            Version::Semver(_) => Scheme::Semver,
            Version::Maven(_) => Scheme::Maven,
            Version::Go(_) => Scheme::Go,
            Version::Rubygems(_) => Scheme::Rubygems,
            Version::Nuget(_) => Scheme::Nuget,
            Version::Composer(_) => Scheme::Composer,
        }
    }

    /// Compares two versions of the same scheme; no allocation.
    pub fn try_cmp(&self, other: &Version) -> Result<Ordering, VersionError> {
        Ok(match (self, other) {
            (Version::Dpkg(a), Version::Dpkg(b)) => a.cmp(b),
            (Version::Rpm(a), Version::Rpm(b)) => a.cmp(b),
            (Version::Apk(a), Version::Apk(b)) => a.cmp(b),
            (Version::Pep440(a), Version::Pep440(b)) => a.cmp(b),
            (Version::Semver(a), Version::Semver(b)) => a.cmp(b),
            (Version::Maven(a), Version::Maven(b)) => a.cmp(b),
            (Version::Go(a), Version::Go(b)) => a.cmp(b),
            (Version::Rubygems(a), Version::Rubygems(b)) => a.cmp(b),
            (Version::Nuget(a), Version::Nuget(b)) => a.cmp(b),
            (Version::Composer(a), Version::Composer(b)) => a.cmp(b),
            _ => {
                return Err(VersionError::SchemeMismatch {
                    left: self.scheme(),
                    right: other.scheme(),
                });
            }
        })
    }
}

/// Parses both strings with `scheme` and compares them.
pub fn compare(scheme: Scheme, a: &str, b: &str) -> Result<Ordering, VersionError> {
    Version::parse(scheme, a)?.try_cmp(&Version::parse(scheme, b)?)
}

/// Whether `input` is a valid version of `scheme`.
#[must_use]
pub fn is_valid(scheme: Scheme, input: &str) -> bool {
    Version::parse(scheme, input).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_names_round_trip() {
        for scheme in Scheme::ALL {
            assert_eq!(scheme.as_str().parse::<Scheme>().unwrap(), scheme);
            let json = format!("\"{}\"", scheme.as_str());
            let back: Scheme = serde_json::from_str(&json).unwrap();
            assert_eq!(back, scheme);
        }
        assert!("npm".parse::<Scheme>().is_err());
    }

    #[test]
    fn osv_ecosystems() {
        assert_eq!(Scheme::for_osv_ecosystem("Debian:12"), Some(Scheme::Dpkg));
        assert_eq!(Scheme::for_osv_ecosystem("PyPI"), Some(Scheme::Pep440));
        assert_eq!(
            Scheme::for_osv_ecosystem("Packagist"),
            Some(Scheme::Composer)
        );
        assert_eq!(Scheme::for_osv_ecosystem("Nope"), None);
    }

    #[test]
    fn mismatch_is_an_error() {
        let a = Version::parse(Scheme::Dpkg, "1.0").unwrap();
        let b = Version::parse(Scheme::Rpm, "1.0").unwrap();
        assert!(matches!(
            a.try_cmp(&b),
            Err(VersionError::SchemeMismatch { .. })
        ));
    }
}
