//! Exceptions (accepted risks with an owner, a reason, a ticket and an expiry) and mappings (which policy sets
//! apply to which subject).

use serde::Deserialize;

use crate::glob::Glob;
use crate::model::{ExceptionRecord, Hit};
use crate::rules::Text;
use crate::subject::{Subject, normalize_pattern, repository_of};
use crate::time::Instant;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExceptionDef {
    id: String,
    #[serde(default)]
    rules: Vec<String>,
    #[serde(default)]
    finding: Option<String>,
    #[serde(default)]
    purl: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    resource: Option<String>,
    #[serde(default)]
    image: Option<String>,
    #[serde(default)]
    expires: Option<Text>,
    owner: String,
    #[serde(default)]
    ticket: Option<Text>,
    reason: String,
    /// OpenVEX justification for accepted vulnerabilities.
    #[serde(default)]
    justification: Option<String>,
}

/// OpenVEX v0.2.0 `not_affected` justifications.
pub const JUSTIFICATIONS: [&str; 5] = [
    "component_not_present",
    "vulnerable_code_not_present",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "inline_mitigations_already_exist",
];

/// One exception, checked.
#[derive(Debug, Clone)]
pub struct Exception {
    pub id: String,
    /// Lifecycle rule ids (or engine policy names) it is limited to; empty = any rule.
    pub rules: Vec<String>,
    finding: Option<Glob>,
    purl: Option<Glob>,
    path: Option<Glob>,
    resource: Option<Glob>,
    image: Option<Glob>,
    /// As written (`2026-12-31` or RFC 3339).
    pub expires_text: Option<String>,
    /// The instant it stops applying: the end of the day for a date.
    pub expires: Option<Instant>,
    pub owner: String,
    pub ticket: Option<String>,
    pub reason: String,
    /// OpenVEX justification (one of [`JUSTIFICATIONS`]).
    pub justification: Option<String>,
    /// Bundle-relative `file:line`.
    pub source: String,
}

impl ExceptionDef {
    pub(crate) fn compile(self, source: String) -> Result<Exception, String> {
        if self.id.trim().is_empty() {
            return Err("exception has an empty id".into());
        }
        if self.owner.trim().is_empty() || self.reason.trim().is_empty() {
            return Err(format!(
                "exception '{}' needs an owner and a reason",
                self.id
            ));
        }
        if [
            &self.finding,
            &self.purl,
            &self.path,
            &self.resource,
            &self.image,
        ]
        .iter()
        .all(|x| x.is_none())
        {
            return Err(format!(
                "exception '{}' matches nothing: give at least one of finding, purl, path, resource, image",
                self.id
            ));
        }
        let expires = match &self.expires {
            Some(t) => {
                let at =
                    Instant::parse(&t.0).map_err(|e| format!("exception '{}': {e}", self.id))?;
                // A date is inclusive: the exception applies through that day (UTC).
                Some(if t.0.trim().len() == 10 {
                    at.end_of_day()
                } else {
                    at
                })
            }
            None => None,
        };
        if let Some(j) = &self.justification
            && !JUSTIFICATIONS.contains(&j.as_str())
        {
            return Err(format!(
                "exception '{}': justification '{j}' is not an OpenVEX justification ({})",
                self.id,
                JUSTIFICATIONS.join(", ")
            ));
        }
        let g = |s: &Option<String>, path: bool| s.as_deref().map(|s| Glob::new(s, path));
        Ok(Exception {
            finding: g(&self.finding, false),
            purl: g(&self.purl, false),
            path: g(&self.path, true),
            resource: g(&self.resource, false),
            image: self
                .image
                .as_deref()
                .map(|s| Glob::new(&image_pattern(s), false)),
            id: self.id,
            rules: self.rules,
            expires_text: self.expires.map(|t| t.0),
            expires,
            owner: self.owner,
            ticket: self.ticket.map(|t| t.0),
            reason: self.reason,
            justification: self.justification,
            source,
        })
    }
}

/// An image pattern is normalised like a reference (without a default tag) unless it is a digest or starts
/// with a glob.
fn image_pattern(s: &str) -> String {
    if s.starts_with("sha256:") || s.starts_with('*') {
        s.to_string()
    } else {
        normalize_pattern(s)
    }
}

/// A pattern matches the normalised reference, the reference without tag and digest, or the digest.
fn image_matches(g: &Glob, image: Option<&str>, digest: Option<&str>) -> bool {
    image.is_some_and(|i| g.matches(i) || g.matches(repository_of(i)))
        || digest.is_some_and(|d| g.matches(d))
}

impl Exception {
    /// The `resource:` glob when it is the exception's only selector (no finding, purl, path or image): such an
    /// exception accepts whole objects, which an exporter can express as a condition on `Kind/namespace/name`.
    #[must_use]
    pub fn resource_only(&self) -> Option<&str> {
        match (
            &self.finding,
            &self.purl,
            &self.path,
            &self.image,
            &self.resource,
        ) {
            (None, None, None, None, Some(r)) => Some(r.as_str()),
            _ => None,
        }
    }

    #[must_use]
    pub fn is_expired(&self, now: Instant) -> bool {
        self.expires.is_some_and(|e| now >= e)
    }

    /// Whether it covers `hit` of rule `rule` on `subject`. Every key that is set must match.
    pub(crate) fn covers(
        &self,
        rule: &str,
        hit: &Hit,
        image: Option<&str>,
        digest: Option<&str>,
    ) -> bool {
        if !self.rules.is_empty() && !self.rules.iter().any(|r| r == rule) {
            return false;
        }
        let m = |g: &Option<Glob>, v: Option<&str>| {
            g.as_ref().is_none_or(|g| v.is_some_and(|v| g.matches(v)))
        };
        m(&self.finding, hit.finding_id.as_deref())
            && m(&self.purl, hit.purl.as_deref())
            && m(&self.path, hit.path.as_deref())
            && m(&self.resource, hit.resource.as_deref())
            && self
                .image
                .as_ref()
                .is_none_or(|g| image_matches(g, image, digest))
    }

    pub(crate) fn record(&self, matched: usize) -> ExceptionRecord {
        ExceptionRecord {
            id: self.id.clone(),
            expires: self.expires_text.clone(),
            owner: self.owner.clone(),
            ticket: self.ticket.clone(),
            reason: self.reason.clone(),
            source: self.source.clone(),
            matched,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MappingDef {
    name: String,
    #[serde(default)]
    images: Vec<String>,
    #[serde(default)]
    namespaces: Vec<String>,
    #[serde(default)]
    labels: std::collections::BTreeMap<String, String>,
    policy_sets: Vec<String>,
}

/// One mapping: the subjects it selects and the policy sets they get.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub name: String,
    images: Vec<Glob>,
    namespaces: Vec<Glob>,
    labels: Vec<(String, Glob)>,
    pub policy_sets: Vec<String>,
    pub source: String,
}

impl MappingDef {
    pub(crate) fn compile(self, source: String) -> Result<Mapping, String> {
        if self.policy_sets.is_empty() {
            return Err(format!("mapping '{}' names no policy sets", self.name));
        }
        Ok(Mapping {
            images: self
                .images
                .iter()
                .map(|s| Glob::new(&image_pattern(s), false))
                .collect(),
            namespaces: self
                .namespaces
                .iter()
                .map(|s| Glob::new(s, false))
                .collect(),
            labels: self
                .labels
                .iter()
                .map(|(k, v)| (k.clone(), Glob::new(v, false)))
                .collect(),
            name: self.name,
            policy_sets: self.policy_sets,
            source,
        })
    }
}

impl Mapping {
    /// Every selector given must match: an image glob (on the normalised reference or the digest), a
    /// namespace glob, and every label.
    pub(crate) fn selects(&self, subject: &Subject<'_>, image: Option<&str>) -> bool {
        let digest = subject.image_digest();
        (self.images.is_empty() || self.images.iter().any(|g| image_matches(g, image, digest)))
            && (self.namespaces.is_empty()
                || subject
                    .namespace()
                    .is_some_and(|ns| self.namespaces.iter().any(|g| g.matches(ns))))
            && self.labels.iter().all(|(k, g)| {
                subject
                    .labels()
                    .and_then(|l| l.get(k))
                    .and_then(|v| v.as_str())
                    .is_some_and(|v| g.matches(v))
            })
    }
}
