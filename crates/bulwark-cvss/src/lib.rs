//! Parse and score CVSS vectors: v2.0, v3.0, v3.1 and v4.0, as the FIRST specifications define them.
//!
//! ```
//! let v = bulwark_cvss::parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap();
//! assert_eq!(v.score(), 9.8);
//! assert_eq!(v.severity(), bulwark_types::Severity::Critical);
//!
//! let v = bulwark_cvss::parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").unwrap();
//! assert_eq!(v.score(), 9.3);
//! assert!(bulwark_cvss::parse("CVSS:3.1/AV:N/AV:N").is_err());
//! ```
//!
//! What is scored:
//! - **v3.0 / v3.1**: the *base* score (spec §7.1). Temporal and environmental metrics are validated but do not
//!   change [`Cvss::score`]; scanners report base scores, and that is what NVD and vendors publish.
//! - **v4.0**: the single CVSS v4.0 score (spec §8.2): base metrics plus whatever threat (`E`) and environmental
//!   metrics the vector carries (CVSS-B, -BT, -BE or -BTE). Supplemental metrics are validated and ignored, as the
//!   spec says.
//! - **v2.0**: the base score (v2 guide §3.2.1). Vectors with or without a `CVSS:2.0/` prefix, or in parentheses.
//!
//! Metrics may come in any order (NVD and some vendors reorder them); each may appear once; every base metric
//! must be present. Anything else is a [`CvssError`], never a panic.
//!
//! Severity ([`Cvss::severity`]) follows the qualitative scale of v3.1 §5 and v4.0 §6 (None 0.0, Low 0.1–3.9,
//! Medium 4.0–6.9, High 7.0–8.9, Critical 9.0–10.0). **A score of 0.0 ("None") maps to [`Severity::Info`]**:
//! the vector was assessed and has no impact, which is information, not an unknown. v2 has no Critical band
//! (NVD's v2 ranges: Low < 4.0, Medium < 7.0, High ≥ 7.0).

mod v2;
mod v3;
mod v4;
mod v4_table;

use std::fmt;

pub use bulwark_types::Severity;

/// Longest vector accepted. The longest valid v4.0 vector with every metric is about 200 bytes.
const MAX_LEN: usize = 1024;

/// A CVSS version this crate understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Version {
    V2,
    V3_0,
    V3_1,
    V4_0,
}

impl Version {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V2 => "2.0",
            Self::V3_0 => "3.0",
            Self::V3_1 => "3.1",
            Self::V4_0 => "4.0",
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The qualitative rating of a score (v3.1 §5, v4.0 §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rating {
    None,
    Low,
    Medium,
    High,
    Critical,
}

/// Why a vector was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CvssError {
    #[error("empty CVSS vector")]
    Empty,
    #[error("CVSS vector is {0} bytes long, more than the {MAX_LEN} allowed")]
    TooLong(usize),
    #[error(
        "unsupported CVSS version prefix '{0}' (expected CVSS:2.0, CVSS:3.0, CVSS:3.1 or CVSS:4.0)"
    )]
    UnknownVersion(String),
    #[error("malformed CVSS component '{0}' (expected METRIC:VALUE)")]
    Malformed(String),
    #[error("unknown CVSS v{version} metric '{metric}'")]
    UnknownMetric { version: Version, metric: String },
    #[error("invalid value '{value}' for CVSS v{version} metric {metric}")]
    InvalidValue {
        version: Version,
        metric: String,
        value: String,
    },
    #[error("CVSS metric {0} appears more than once")]
    Duplicate(String),
    #[error("CVSS v{version} vector lacks the mandatory base metric {metric}")]
    Missing {
        version: Version,
        metric: &'static str,
    },
}

/// A parsed CVSS vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Cvss {
    vector: String,
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    V2(v2::Base),
    V3(v3::Base),
    V4(Box<v4::Metrics>),
}

/// Parse a CVSS vector string (`CVSS:3.1/AV:N/…`, `CVSS:4.0/AV:N/…`, or a bare v2 `AV:N/AC:L/Au:N/…`).
pub fn parse(vector: &str) -> Result<Cvss, CvssError> {
    vector.parse()
}

impl std::str::FromStr for Cvss {
    type Err = CvssError;

    fn from_str(s: &str) -> Result<Self, CvssError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(CvssError::Empty);
        }
        if s.len() > MAX_LEN {
            return Err(CvssError::TooLong(s.len()));
        }
        let kind = if let Some(rest) = s.strip_prefix("CVSS:3.1/") {
            Kind::V3(v3::Base::parse(Version::V3_1, rest)?)
        } else if let Some(rest) = s.strip_prefix("CVSS:3.0/") {
            Kind::V3(v3::Base::parse(Version::V3_0, rest)?)
        } else if let Some(rest) = s.strip_prefix("CVSS:4.0/") {
            Kind::V4(Box::new(v4::Metrics::parse(rest)?))
        } else if let Some(rest) = s.strip_prefix("CVSS:2.0/") {
            Kind::V2(v2::Base::parse(rest)?)
        } else if s.starts_with("CVSS:") {
            let prefix = s.split('/').next().unwrap_or(s);
            return Err(CvssError::UnknownVersion(prefix.to_string()));
        } else if s.starts_with("AV:") || s.starts_with("(AV:") {
            let bare = s
                .strip_prefix('(')
                .and_then(|r| r.strip_suffix(')'))
                .unwrap_or(s);
            Kind::V2(v2::Base::parse(bare)?)
        } else {
            let prefix = s.split('/').next().unwrap_or(s);
            return Err(CvssError::UnknownVersion(prefix.to_string()));
        };
        Ok(Self {
            vector: s.to_string(),
            kind,
        })
    }
}

impl fmt::Display for Cvss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.vector)
    }
}

impl Cvss {
    /// The vector as given (trimmed).
    #[must_use]
    pub fn vector(&self) -> &str {
        &self.vector
    }

    #[must_use]
    pub fn version(&self) -> Version {
        match &self.kind {
            Kind::V2(_) => Version::V2,
            Kind::V3(b) => b.version,
            Kind::V4(_) => Version::V4_0,
        }
    }

    /// The score, 0.0–10.0, with one decimal, rounded as the version's specification says (v3.1 `Roundup`,
    /// v3.0 ceiling to one decimal, v4.0 round half up, v2 round to one decimal).
    #[must_use]
    pub fn score(&self) -> f64 {
        match &self.kind {
            Kind::V2(b) => b.score(),
            Kind::V3(b) => b.score(),
            Kind::V4(m) => m.score(),
        }
    }

    /// The qualitative rating of [`Cvss::score`].
    #[must_use]
    pub fn rating(&self) -> Rating {
        let s = self.score();
        if matches!(self.kind, Kind::V2(_)) {
            // NVD's v2 bands: there is no None and no Critical.
            return if s < 4.0 {
                Rating::Low
            } else if s < 7.0 {
                Rating::Medium
            } else {
                Rating::High
            };
        }
        rating_of(s)
    }

    /// The rating as a Bulwark [`Severity`]; "None" (0.0) becomes [`Severity::Info`].
    #[must_use]
    pub fn severity(&self) -> Severity {
        match self.rating() {
            Rating::None => Severity::Info,
            Rating::Low => Severity::Low,
            Rating::Medium => Severity::Medium,
            Rating::High => Severity::High,
            Rating::Critical => Severity::Critical,
        }
    }
}

/// The v3/v4 qualitative scale for a score.
#[must_use]
pub fn rating_of(score: f64) -> Rating {
    if score < 0.05 {
        Rating::None
    } else if score < 3.95 {
        Rating::Low
    } else if score < 6.95 {
        Rating::Medium
    } else if score < 8.95 {
        Rating::High
    } else {
        Rating::Critical
    }
}

/// Split `K:V/K:V…` into pairs, rejecting empty or colon-less components and duplicate keys.
fn components(rest: &str) -> Result<Vec<(&str, &str)>, CvssError> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for comp in rest.split('/') {
        let Some((k, v)) = comp.split_once(':') else {
            return Err(CvssError::Malformed(comp.to_string()));
        };
        if k.is_empty() || v.is_empty() || v.contains(':') {
            return Err(CvssError::Malformed(comp.to_string()));
        }
        if out.iter().any(|(seen, _)| *seen == k) {
            return Err(CvssError::Duplicate(k.to_string()));
        }
        out.push((k, v));
    }
    Ok(out)
}

// Scores are one-decimal values computed exactly as the spec says; exact comparison is the point.
#[cfg(test)]
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;

    #[test]
    fn rejects_garbage_without_panicking() {
        for bad in [
            "",
            "   ",
            "CVSS:3.1",
            "CVSS:3.1/",
            "CVSS:3.1//",
            "CVSS:3.1/AV",
            "CVSS:3.1/AV:N:N",
            "CVSS:5.0/AV:N",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/A:H",
            "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:1",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MSC:S",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:red",
            "AV:N/AC:L/Au:N/C:P/I:P",
            "AV:N/AC:L/Au:N/C:P/I:P/A:Q",
            "(AV:N/AC:L/Au:N/C:P/I:P/A:P",
            "hello",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(matches!(
            parse(&"A".repeat(5000)),
            Err(CvssError::TooLong(5000))
        ));
    }

    #[test]
    fn errors_name_the_problem() {
        assert_eq!(
            parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:L"),
            Err(CvssError::Duplicate("AV".into()))
        );
        assert_eq!(
            parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H"),
            Err(CvssError::Missing {
                version: Version::V3_1,
                metric: "A"
            })
        );
        let e = parse("CVSS:4.0/AV:Q").unwrap_err().to_string();
        assert!(e.contains("AV") && e.contains('Q'), "{e}");
    }

    #[test]
    fn rating_bands() {
        // v3.1 specification §5, Table 14; v4.0 specification §6.
        assert_eq!(rating_of(0.0), Rating::None);
        assert_eq!(rating_of(0.1), Rating::Low);
        assert_eq!(rating_of(3.9), Rating::Low);
        assert_eq!(rating_of(4.0), Rating::Medium);
        assert_eq!(rating_of(6.9), Rating::Medium);
        assert_eq!(rating_of(7.0), Rating::High);
        assert_eq!(rating_of(8.9), Rating::High);
        assert_eq!(rating_of(9.0), Rating::Critical);
        assert_eq!(rating_of(10.0), Rating::Critical);
    }

    #[test]
    fn none_maps_to_info() {
        let v = parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N").unwrap();
        assert_eq!(v.score(), 0.0);
        assert_eq!(v.rating(), Rating::None);
        assert_eq!(v.severity(), Severity::Info);
    }
}
