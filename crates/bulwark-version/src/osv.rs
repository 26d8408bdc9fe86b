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

/// A parsed event version; `introduced: "0"` (and `limit: "*"`) need no comparison.
#[derive(Debug, Clone)]
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

#[derive(Debug, Clone)]
struct PreparedEvent {
    index: usize,
    kind: EventKind,
    version: String,
    bound: Bound,
}

#[derive(Debug, Clone)]
struct PreparedRange {
    index: usize,
    kind: RangeType,
    /// The scheme events compare with; `None` for a range that is not evaluated (GIT).
    scheme: Option<Scheme>,
    /// Sorted by version (stable: equal versions keep their written order).
    events: Vec<PreparedEvent>,
}

/// An `affected[]` entry with every event version parsed and sorted once, for matching many
/// installed versions against the same advisory.
#[derive(Debug, Clone)]
pub struct PreparedAffected {
    scheme: Scheme,
    /// `versions[]` entries: parsed when they parse, else compared as strings.
    listed: Vec<(String, Option<Version>)>,
    ranges: Vec<PreparedRange>,
}

impl PreparedAffected {
    /// Parses and sorts the events of `affected` for `scheme` (the ecosystem's scheme;
    /// `SEMVER` ranges use semver, or Go's rules for the Go scheme).
    ///
    /// Errors when an event version does not parse or two cannot be ordered.
    pub fn new(affected: &Affected, scheme: Scheme) -> Result<Self, VersionError> {
        let listed = affected
            .versions
            .iter()
            .map(|v| (v.clone(), Version::parse(scheme, v).ok()))
            .collect();
        let mut ranges = Vec::with_capacity(affected.ranges.len());
        for (index, range) in affected.ranges.iter().enumerate() {
            let range_scheme = match range.kind {
                RangeType::Semver if scheme == Scheme::Go => Some(Scheme::Go),
                RangeType::Semver => Some(Scheme::Semver),
                RangeType::Ecosystem => Some(scheme),
                RangeType::Git | RangeType::Unknown => None,
            };
            let mut events = Vec::new();
            if let Some(range_scheme) = range_scheme {
                for (i, event) in range.events.iter().enumerate() {
                    let Some((kind, v)) = event.kind_and_version() else {
                        continue;
                    };
                    events.push(PreparedEvent {
                        index: i,
                        kind,
                        version: v.to_owned(),
                        bound: parse_bound(range_scheme, kind, v)?,
                    });
                }
                sort_events(&mut events)?;
            }
            ranges.push(PreparedRange {
                index,
                kind: range.kind,
                scheme: range_scheme,
                events,
            });
        }
        Ok(PreparedAffected {
            scheme,
            listed,
            ranges,
        })
    }

    /// Evaluates `installed` (a version of this entry's scheme).
    ///
    /// Errors when the installed version does not parse.
    pub fn evaluate(&self, installed: &str) -> Result<Verdict, VersionError> {
        let parsed = Version::parse(self.scheme, installed)?;
        let mut explanation = Explanation {
            installed: installed.to_owned(),
            scheme: self.scheme,
            listed_at: None,
            ranges: Vec::with_capacity(self.ranges.len()),
        };
        for (i, (text, version)) in self.listed.iter().enumerate() {
            let equal = match version {
                Some(v) => v.try_cmp(&parsed)? == Ordering::Equal,
                None => text == installed,
            };
            if equal {
                explanation.listed_at = Some(i);
                break;
            }
        }
        let mut other_scheme: Option<Version> = None;
        for range in &self.ranges {
            let Some(range_scheme) = range.scheme else {
                explanation.ranges.push(RangeOutcome {
                    range_index: range.index,
                    kind: range.kind,
                    affected: None,
                    decided_by: None,
                    limited_by: None,
                });
                continue;
            };
            let here = if range_scheme == self.scheme {
                &parsed
            } else {
                if other_scheme.is_none() {
                    other_scheme = Some(Version::parse(range_scheme, installed)?);
                }
                other_scheme.as_ref().unwrap_or(&parsed)
            };
            explanation.ranges.push(evaluate_range(range, here)?);
        }
        let affected = explanation.listed_at.is_some()
            || explanation.ranges.iter().any(|r| r.affected == Some(true));
        Ok(Verdict {
            affected,
            explanation,
        })
    }
}

fn sort_events(events: &mut [PreparedEvent]) -> Result<(), VersionError> {
    let mut error = None;
    events.sort_by(|a, b| match (&a.bound, &b.bound) {
        (Bound::Zero, Bound::Zero) => Ordering::Equal,
        (Bound::Zero, Bound::At(_)) => Ordering::Less,
        (Bound::At(_), Bound::Zero) => Ordering::Greater,
        (Bound::At(x), Bound::At(y)) => x.try_cmp(y).unwrap_or_else(|e| {
            error = Some(e);
            Ordering::Equal
        }),
    });
    error.map_or(Ok(()), Err)
}

/// Evaluates `affected` for `installed`, comparing with `scheme` (the ecosystem's scheme;
/// `SEMVER` ranges use semver, or Go's rules for the Go scheme). To match many versions
/// against one advisory, build a [`PreparedAffected`] once instead.
///
/// Errors when the installed version or an event version does not parse.
pub fn evaluate(
    affected: &Affected,
    scheme: Scheme,
    installed: &str,
) -> Result<Verdict, VersionError> {
    PreparedAffected::new(affected, scheme)?.evaluate(installed)
}

fn evaluate_range(
    range: &PreparedRange,
    installed: &Version,
) -> Result<RangeOutcome, VersionError> {
    let mut affected = false;
    let mut decided_by = None;
    let mut limits = Vec::new();
    for event in &range.events {
        let ordering = match &event.bound {
            Bound::Zero => Ordering::Greater,
            Bound::At(b) => installed.try_cmp(b)?,
        };
        let check = || EventCheck {
            event_index: event.index,
            kind: event.kind,
            version: event.version.clone(),
            ordering,
        };
        match event.kind {
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
        range_index: range.index,
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
    fn prepared_matches_many_and_rejects_bad_events() {
        let a = affected(
            r#"{"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"1:1.0-1"},{"fixed":"1:1.2-1"}]}]}"#,
        );
        let prepared = PreparedAffected::new(&a, Scheme::Dpkg).unwrap();
        assert!(prepared.evaluate("1:1.1-3").unwrap().affected);
        assert!(!prepared.evaluate("1.9").unwrap().affected);
        assert!(!prepared.evaluate("1:1.2-1").unwrap().affected);
        let bad = affected(
            r#"{"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.0-"}]}]}"#,
        );
        assert!(PreparedAffected::new(&bad, Scheme::Dpkg).is_err());
        let json = serde_json::to_value(prepared.evaluate("1:1.1-3").unwrap()).unwrap();
        assert_eq!(
            json["explanation"]["ranges"][0]["decided_by"]["kind"],
            "introduced"
        );
        assert_eq!(
            json["explanation"]["ranges"][0]["decided_by"]["ordering"],
            "greater"
        );
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
