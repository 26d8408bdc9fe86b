//! Evaluation of an OSV `affected[]` entry against an installed version.
//!
//! Follows the OSV schema's evaluation rules: `versions[]` lists affected versions exactly;
//! each `SEMVER` or `ECOSYSTEM` range is a sequence of events sorted by version, where
//! `introduced` (inclusive; `"0"` means "since the beginning") turns the state on, `fixed`
//! (exclusive) and `last_affected` (inclusive) turn it off, and `limit` caps the range. `GIT`
//! ranges need commit graphs and are reported as skipped.
//!
//! ```
//! use bulwark_version::{Scheme, osv::{Affected, evaluate}};
//!
//! let affected: Affected = serde_json::from_str(r#"{
//!     "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0.1"}]}]
//! }"#).unwrap();
//! let verdict = evaluate(&affected, Scheme::Pep440, "2.0")?;
//! assert!(verdict.affected);
//! println!("{}", verdict.explanation); // 2.0 is affected: range 0 (ECOSYSTEM): introduced 0 ...
//! # Ok::<(), bulwark_version::VersionError>(())
//! ```

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Scheme, Version, VersionError};

/// The part of an OSV `affected[]` entry that decides whether a version is affected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affected {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<Range>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
}

/// An OSV range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    #[serde(rename = "type")]
    pub kind: RangeType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    #[serde(default)]
    pub events: Vec<Event>,
}

/// An OSV range type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RangeType {
    Semver,
    Ecosystem,
    Git,
    /// A type this version of Bulwark does not know; never evaluated.
    #[serde(other)]
    Unknown,
}

impl fmt::Display for RangeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RangeType::Semver => "SEMVER",
            RangeType::Ecosystem => "ECOSYSTEM",
            RangeType::Git => "GIT",
            RangeType::Unknown => "UNKNOWN",
        })
    }
}

/// One OSV event: exactly one of the fields is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introduced: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_affected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
}

/// Which kind of event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Introduced,
    Fixed,
    LastAffected,
    Limit,
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EventKind::Introduced => "introduced",
            EventKind::Fixed => "fixed",
            EventKind::LastAffected => "last_affected",
            EventKind::Limit => "limit",
        })
    }
}

impl Event {
    /// The event's kind and version (`None` for an event with no field set).
    #[must_use]
    pub fn kind_and_version(&self) -> Option<(EventKind, &str)> {
        if let Some(v) = &self.introduced {
            Some((EventKind::Introduced, v))
        } else if let Some(v) = &self.fixed {
            Some((EventKind::Fixed, v))
        } else if let Some(v) = &self.last_affected {
            Some((EventKind::LastAffected, v))
        } else {
            self.limit.as_deref().map(|v| (EventKind::Limit, v))
        }
    }
}

/// One comparison the evaluation made: `installed <ordering> event version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventCheck {
    /// Index of the event in the range's `events` as written.
    pub event_index: usize,
    pub kind: EventKind,
    pub version: String,
    /// How the installed version compares to the event's version.
    #[serde(serialize_with = "ser_ordering")]
    pub ordering: Ordering,
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn ser_ordering<S: serde::Serializer>(o: &Ordering, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(match o {
        Ordering::Less => "less",
        Ordering::Equal => "equal",
        Ordering::Greater => "greater",
    })
}

/// What one range said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RangeOutcome {
    pub range_index: usize,
    pub kind: RangeType,
    /// `None` when the range was skipped (GIT or unknown type).
    pub affected: Option<bool>,
    /// The last event whose condition held, which set the state (none: below every event).
    pub decided_by: Option<EventCheck>,
    /// The limit that excluded the version, if one did.
    pub limited_by: Option<EventCheck>,
}

/// Why a version is or is not affected; `Display` prints one line for `--explain`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    pub installed: String,
    pub scheme: Scheme,
    /// Index into `versions[]` of the entry equal to the installed version.
    pub listed_at: Option<usize>,
    pub ranges: Vec<RangeOutcome>,
}

/// The result of [`evaluate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub affected: bool,
    pub explanation: Explanation,
}

fn op(o: Ordering) -> &'static str {
    match o {
        Ordering::Less => "<",
        Ordering::Equal => "=",
        Ordering::Greater => ">",
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let affected =
            self.listed_at.is_some() || self.ranges.iter().any(|r| r.affected == Some(true));
        write!(
            f,
            "{} ({}) is {}",
            self.installed,
            self.scheme,
            if affected { "affected" } else { "not affected" }
        )?;
        if let Some(i) = self.listed_at {
            return write!(f, ": listed in versions[{i}]");
        }
        let mut first = true;
        for r in &self.ranges {
            if affected && r.affected != Some(true) {
                continue;
            }
            f.write_str(if first { ": " } else { "; " })?;
            first = false;
            write!(f, "range {} ({})", r.range_index, r.kind)?;
            match (&r.affected, &r.decided_by, &r.limited_by) {
                (None, _, _) => f.write_str(" skipped")?,
                (_, _, Some(l)) => write!(
                    f,
                    " capped: {} {} limit {}",
                    self.installed,
                    op(l.ordering),
                    l.version
                )?,
                (_, Some(d), None) => write!(
                    f,
                    ": {} {} {} {} (events[{}])",
                    self.installed,
                    op(d.ordering),
                    d.kind,
                    d.version,
                    d.event_index
                )?,
                (_, None, None) => f.write_str(": below every introduced event")?,
            }
        }
        if first {
            f.write_str(": no range or listed version applies")?;
        }
        Ok(())
    }
}

/// A parsed event version; `introduced: "0"` is below everything.
enum Bound {
    Zero,
    At(Version),
}

fn parse_bound(scheme: Scheme, kind: EventKind, v: &str) -> Result<Bound, VersionError> {
    if kind == EventKind::Introduced && v == "0" {
        return Ok(Bound::Zero);
    }
    if kind == EventKind::Limit && v == "*" {
        return Ok(Bound::Zero);
    }
    Version::parse(scheme, v).map(Bound::At)
}

/// Evaluates `affected` for `installed`, comparing with `scheme` (the ecosystem's scheme;
/// `SEMVER` ranges use semver, or Go's rules for the Go scheme).
///
/// Errors when the installed version or an event version does not parse.
pub fn evaluate(
    affected: &Affected,
    scheme: Scheme,
    installed: &str,
) -> Result<Verdict, VersionError> {
    let mut explanation = Explanation {
        installed: installed.to_owned(),
        scheme,
        listed_at: None,
        ranges: Vec::new(),
    };
    let parsed = Version::parse(scheme, installed)?;
    for (i, listed) in affected.versions.iter().enumerate() {
        let equal = match Version::parse(scheme, listed) {
            Ok(v) => v.try_cmp(&parsed)? == Ordering::Equal,
            Err(_) => listed == installed,
        };
        if equal {
            explanation.listed_at = Some(i);
            break;
        }
    }
    let mut semver_installed = None;
    for (range_index, range) in affected.ranges.iter().enumerate() {
        let range_scheme = match range.kind {
            RangeType::Semver if scheme == Scheme::Go => Scheme::Go,
            RangeType::Semver => Scheme::Semver,
            RangeType::Ecosystem => scheme,
            RangeType::Git | RangeType::Unknown => {
                explanation.ranges.push(RangeOutcome {
                    range_index,
                    kind: range.kind,
                    affected: None,
                    decided_by: None,
                    limited_by: None,
                });
                continue;
            }
        };
        let installed_here = if range_scheme == scheme {
            &parsed
        } else {
            semver_installed.get_or_insert(Version::parse(range_scheme, installed)?)
        };
        explanation.ranges.push(evaluate_range(
            range_index,
            range,
            range_scheme,
            installed_here,
        )?);
    }
    let affected = explanation.listed_at.is_some()
        || explanation.ranges.iter().any(|r| r.affected == Some(true));
    Ok(Verdict {
        affected,
        explanation,
    })
}

fn evaluate_range(
    range_index: usize,
    range: &Range,
    scheme: Scheme,
    installed: &Version,
) -> Result<RangeOutcome, VersionError> {
    let mut events = Vec::with_capacity(range.events.len());
    for (i, event) in range.events.iter().enumerate() {
        let Some((kind, v)) = event.kind_and_version() else {
            continue;
        };
        events.push((i, kind, v, parse_bound(scheme, kind, v)?));
    }
    // Sort by version (stable, so equal versions keep their written order); "0" sorts first.
    let mut sort_error = None;
    events.sort_by(|a, b| match (&a.3, &b.3) {
        (Bound::Zero, Bound::Zero) => Ordering::Equal,
        (Bound::Zero, Bound::At(_)) => Ordering::Less,
        (Bound::At(_), Bound::Zero) => Ordering::Greater,
        (Bound::At(x), Bound::At(y)) => x.try_cmp(y).unwrap_or_else(|e| {
            sort_error = Some(e);
            Ordering::Equal
        }),
    });
    if let Some(e) = sort_error {
        return Err(e);
    }
    let mut affected = false;
    let mut decided_by = None;
    let mut limits = Vec::new();
    for (event_index, kind, v, bound) in &events {
        let ordering = match bound {
            Bound::Zero => Ordering::Greater,
            Bound::At(b) => installed.try_cmp(b)?,
        };
        let check = || EventCheck {
            event_index: *event_index,
            kind: *kind,
            version: (*v).to_owned(),
            ordering,
        };
        match kind {
            EventKind::Introduced if ordering != Ordering::Less => {
                affected = true;
                decided_by = Some(check());
            }
            EventKind::Fixed if ordering != Ordering::Less => {
                affected = false;
                decided_by = Some(check());
            }
            EventKind::LastAffected if ordering == Ordering::Greater => {
                affected = false;
                decided_by = Some(check());
            }
            EventKind::Limit => limits.push(check()),
            _ => {}
        }
    }
    // With limits, the version must also be below one of them ("*" is no limit).
    let mut limited_by = None;
    if affected && !limits.is_empty() {
        let below_any = limits
            .iter()
            .any(|l| l.version == "*" || l.ordering == Ordering::Less);
        if !below_any {
            affected = false;
            limited_by = limits.into_iter().next();
        }
    }
    Ok(RangeOutcome {
        range_index,
        kind: range.kind,
        affected: Some(affected),
        decided_by,
        limited_by,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn affected(json: &str) -> Affected {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn introduced_fixed() {
        let a = affected(
            r#"{"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"1.0"},{"fixed":"1.5"},{"introduced":"2.0"},{"last_affected":"2.3"}]}]}"#,
        );
        let cases = [
            ("0.9", false),
            ("1.0", true),
            ("1.4.9", true),
            ("1.5", false),
            ("1.9", false),
            ("2.0", true),
            ("2.3", true),
            ("2.3.1", false),
        ];
        for (v, want) in cases {
            let verdict = evaluate(&a, Scheme::Pep440, v).unwrap();
            assert_eq!(verdict.affected, want, "{v}: {}", verdict.explanation);
        }
        let v = evaluate(&a, Scheme::Pep440, "1.5").unwrap();
        let d = v.explanation.ranges[0].decided_by.as_ref().unwrap();
        assert_eq!(
            (d.kind, d.version.as_str(), d.ordering),
            (EventKind::Fixed, "1.5", Ordering::Equal)
        );
        assert_eq!(
            v.explanation.to_string(),
            "1.5 (pep440) is not affected: range 0 (ECOSYSTEM): 1.5 = fixed 1.5 (events[1])"
        );
    }

    #[test]
    fn zero_unsorted_versions_and_limit() {
        let a = affected(
            r#"{"ranges":[{"type":"SEMVER","events":[{"fixed":"1.2.3"},{"introduced":"0"}]}],"versions":["5.0.0"]}"#,
        );
        assert!(evaluate(&a, Scheme::Semver, "0.0.1").unwrap().affected);
        assert!(!evaluate(&a, Scheme::Semver, "1.2.3").unwrap().affected);
        let listed = evaluate(&a, Scheme::Semver, "5.0.0").unwrap();
        assert!(listed.affected);
        assert_eq!(listed.explanation.listed_at, Some(0));
        let a = affected(
            r#"{"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"limit":"2.0"}]}]}"#,
        );
        assert!(evaluate(&a, Scheme::Dpkg, "1.9").unwrap().affected);
        assert!(!evaluate(&a, Scheme::Dpkg, "2.0").unwrap().affected);
        let git =
            affected(r#"{"ranges":[{"type":"GIT","repo":"x","events":[{"introduced":"abc"}]}]}"#);
        let v = evaluate(&git, Scheme::Dpkg, "1.0").unwrap();
        assert!(!v.affected);
        assert_eq!(v.explanation.ranges[0].affected, None);
        assert!(evaluate(&a, Scheme::Dpkg, "").is_err());
    }

    #[test]
    fn go_semver_ranges_accept_v_prefix() {
        let a = affected(
            r#"{"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.20.3"}]}]}"#,
        );
        assert!(evaluate(&a, Scheme::Go, "v1.20.2").unwrap().affected);
        assert!(!evaluate(&a, Scheme::Go, "v1.20.3").unwrap().affected);
    }
}
