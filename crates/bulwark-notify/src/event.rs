//! Events (one new or fixed finding in context) and messages (one per team per cycle).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use bulwark_types::Severity;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Whether a finding appeared or went away in this cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    New,
    Fixed,
}

impl EventKind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Fixed => "fixed",
        }
    }
}

/// The vulnerable package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PackageRef {
    pub name: String,
    pub version: String,
    pub purl: String,
}

/// The image the package is in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ImageRef {
    /// As the user wrote it or as the cluster runs it: `registry.example/app:1.2`.
    pub reference: String,
    /// `sha256:…` of the manifest.
    pub digest: String,
}

/// The layer that brought the package in (routing follows it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LayerInfo {
    pub index: u32,
    pub digest: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

/// Where the image runs. Every field may be unknown (an image pushed from CI runs nowhere yet).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
pub struct Placement {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
}

impl Placement {
    /// `cluster/namespace/Kind/name[container]` with the unknown parts left out; `None` when nothing names a
    /// workload.
    #[must_use]
    pub fn workload(&self) -> Option<String> {
        let name = self.workload_name.as_deref()?;
        let mut s = String::new();
        if let Some(c) = &self.cluster {
            s.push_str(c);
            s.push('/');
        }
        if let Some(ns) = &self.namespace {
            s.push_str(ns);
            s.push('/');
        }
        if let Some(k) = &self.workload_kind {
            s.push_str(k);
            s.push('/');
        }
        s.push_str(name);
        if let Some(c) = &self.container {
            s.push('[');
            s.push_str(c);
            s.push(']');
        }
        Some(s)
    }
}

/// A new or fixed finding in context, routed to one team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub kind: EventKind,
    /// `CVE-2024-1234`, `GHSA-…`.
    pub vulnerability: String,
    pub severity: Severity,
    pub package: PackageRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_version: Option<String>,
    pub image: ImageRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<LayerInfo>,
    #[serde(default)]
    pub placements: Vec<Placement>,
    /// The team the finding was routed to.
    pub team: String,
    /// Why: the routing rule, in words (`layer created_by ~ "pip install" (owners.yaml:12)`).
    pub rule: String,
    /// Seconds since the Unix epoch (when the change was found).
    pub time: i64,
}

pub(crate) fn hex_sha256(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        // Length-prefixed so that ("ab","c") and ("a","bc") differ.
        h.update((p.len() as u64).to_be_bytes());
        h.update(p.as_bytes());
    }
    let out = h.finalize();
    let mut s = String::with_capacity(64);
    for b in out {
        let _ = write!(s, "{b:02x}");
    }
    s
}

impl Event {
    /// The event's fingerprint: sha256 (hex) of kind + vulnerability id + purl + image digest.
    #[must_use]
    pub fn fingerprint(&self) -> String {
        hex_sha256(&[
            self.kind.as_str(),
            &self.vulnerability,
            &self.package.purl,
            &self.image.digest,
        ])
    }

    /// The finding's fingerprint, the same for its `new` and its `fixed` event: sha256 (hex) of vulnerability id
    /// + purl + image digest. Jira issues are keyed by it, so the fix finds the issue the finding opened.
    #[must_use]
    pub fn finding_fingerprint(&self) -> String {
        hex_sha256(&[&self.vulnerability, &self.package.purl, &self.image.digest])
    }
}

/// Counts and names for a message's header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Summary {
    pub total: usize,
    pub new: usize,
    pub fixed: usize,
    /// Severity name (`CRITICAL`, …) → count, most severe first when rendered (see [`Summary::severities`]).
    pub by_severity: BTreeMap<Severity, usize>,
    /// Image references (`ref@digest`), sorted.
    pub images: Vec<String>,
    /// Workloads (see [`Placement::workload`]), sorted.
    pub workloads: Vec<String>,
}

impl Summary {
    /// `(severity, count)` from the most severe down, zero counts left out.
    #[must_use]
    pub fn severities(&self) -> Vec<(Severity, usize)> {
        self.by_severity
            .iter()
            .rev()
            .filter(|(_, n)| **n > 0)
            .map(|(s, n)| (*s, *n))
            .collect()
    }

    /// `2 CRITICAL, 1 HIGH`.
    #[must_use]
    pub fn severity_line(&self) -> String {
        self.severities()
            .iter()
            .map(|(s, n)| format!("{n} {s}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One notification: a team's events of one cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub team: String,
    pub events: Vec<Event>,
    pub summary: Summary,
    /// sha256 (hex) of the team and the sorted event fingerprints: the same events for the same team give the
    /// same key, so a redelivery after a crash is recognisable (CloudEvents `id`, Jira labels, mail headers).
    pub dedupe_key: String,
    /// A runtime-alert message ([`Message::alert`]) carries its alert here and no events.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<crate::RuntimeAlert>,
}

impl Message {
    /// Builds a message from one team's events (all `events` must carry `team`); the same fingerprint twice
    /// is kept once, its placements merged.
    #[must_use]
    pub fn new(team: &str, events: Vec<Event>) -> Self {
        let mut by_fp: BTreeMap<String, Event> = BTreeMap::new();
        for e in events {
            match by_fp.entry(e.fingerprint()) {
                std::collections::btree_map::Entry::Occupied(mut o) => {
                    let kept = o.get_mut();
                    for p in e.placements {
                        if !kept.placements.contains(&p) {
                            kept.placements.push(p);
                        }
                    }
                }
                std::collections::btree_map::Entry::Vacant(v) => {
                    v.insert(e);
                }
            }
        }
        let fps: Vec<&str> = by_fp.keys().map(String::as_str).collect();
        let mut parts = vec![team];
        parts.extend(fps.iter().copied());
        let dedupe_key = hex_sha256(&parts);
        let mut events: Vec<Event> = by_fp.into_values().collect();
        for e in &mut events {
            e.placements.sort();
        }
        // New before fixed, most severe first, then by id: the order people read.
        events.sort_by(|a, b| {
            a.kind
                .cmp(&b.kind)
                .then(b.severity.cmp(&a.severity))
                .then_with(|| a.vulnerability.cmp(&b.vulnerability))
                .then_with(|| a.package.purl.cmp(&b.package.purl))
                .then_with(|| a.image.digest.cmp(&b.image.digest))
        });
        let mut summary = Summary {
            total: events.len(),
            ..Summary::default()
        };
        let mut images = BTreeSet::new();
        let mut workloads = BTreeSet::new();
        for e in &events {
            match e.kind {
                EventKind::New => summary.new += 1,
                EventKind::Fixed => summary.fixed += 1,
            }
            *summary.by_severity.entry(e.severity).or_default() += 1;
            images.insert(image_label(&e.image));
            for p in &e.placements {
                if let Some(w) = p.workload() {
                    workloads.insert(w);
                }
            }
        }
        summary.images = images.into_iter().collect();
        summary.workloads = workloads.into_iter().collect();
        Self {
            team: team.to_owned(),
            events,
            summary,
            dedupe_key,
            alerts: Vec::new(),
        }
    }
}

/// `reference@digest`, or whichever of the two is known.
#[must_use]
pub fn image_label(image: &ImageRef) -> String {
    match (image.reference.is_empty(), image.digest.is_empty()) {
        (false, false) if image.reference.contains('@') => image.reference.clone(),
        (false, false) => format!("{}@{}", image.reference, image.digest),
        (false, true) => image.reference.clone(),
        _ => image.digest.clone(),
    }
}

/// Groups events by team: one [`Message`] per team, teams in name order.
#[must_use]
pub fn batch(events: Vec<Event>) -> Vec<Message> {
    let mut teams: BTreeMap<String, Vec<Event>> = BTreeMap::new();
    for e in events {
        teams.entry(e.team.clone()).or_default().push(e);
    }
    teams
        .into_iter()
        .map(|(team, events)| Message::new(&team, events))
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn event(
        team: &str,
        kind: EventKind,
        vuln: &str,
        sev: Severity,
        digest: &str,
    ) -> Event {
        Event {
            kind,
            vulnerability: vuln.into(),
            severity: sev,
            package: PackageRef {
                name: "openssl".into(),
                version: "3.0.11-1".into(),
                purl: "pkg:deb/debian/openssl@3.0.11-1?distro=debian-12".into(),
            },
            fixed_version: Some("3.0.13-1".into()),
            image: ImageRef {
                reference: "registry.example/shop/payments:1.4".into(),
                digest: digest.into(),
            },
            layer: Some(LayerInfo {
                index: 0,
                digest: "sha256:base".into(),
                created_by: Some("ADD rootfs.tar.xz /".into()),
            }),
            placements: vec![Placement {
                cluster: Some("eu1".into()),
                environment: Some("production".into()),
                namespace: Some("payments".into()),
                workload_kind: Some("Deployment".into()),
                workload_name: Some("api".into()),
                container: Some("app".into()),
            }],
            team: team.into(),
            rule: "base image debian:12 (owners.yaml:4)".into(),
            time: 1_796_000_000,
        }
    }

    #[test]
    fn fingerprint_depends_on_kind_vuln_purl_digest_only() {
        let a = event(
            "platform",
            EventKind::New,
            "CVE-1",
            Severity::High,
            "sha256:a",
        );
        let mut b = a.clone();
        b.team = "other".into();
        b.placements.clear();
        b.time = 0;
        assert_eq!(a.fingerprint(), b.fingerprint());
        b.kind = EventKind::Fixed;
        assert_ne!(a.fingerprint(), b.fingerprint());
        assert_eq!(a.finding_fingerprint(), b.finding_fingerprint());
        assert_eq!(a.fingerprint().len(), 64);
    }

    #[test]
    fn batch_groups_by_team_and_key_ignores_order() {
        let e1 = event(
            "platform",
            EventKind::New,
            "CVE-1",
            Severity::High,
            "sha256:a",
        );
        let e2 = event(
            "platform",
            EventKind::New,
            "CVE-2",
            Severity::Critical,
            "sha256:b",
        );
        let e3 = event(
            "payments",
            EventKind::Fixed,
            "CVE-3",
            Severity::Low,
            "sha256:a",
        );
        let m1 = batch(vec![e1.clone(), e2.clone(), e3.clone()]);
        let m2 = batch(vec![e3, e2, e1]);
        assert_eq!(m1.len(), 2);
        assert_eq!(m1[0].team, "payments");
        assert_eq!(m1[1].team, "platform");
        assert_eq!(m1[1].dedupe_key, m2[1].dedupe_key);
        assert_ne!(m1[0].dedupe_key, m1[1].dedupe_key);
        let p = &m1[1];
        assert_eq!(p.summary.new, 2);
        assert_eq!(p.summary.fixed, 0);
        assert_eq!(p.summary.severity_line(), "1 CRITICAL, 1 HIGH");
        assert_eq!(p.events[0].vulnerability, "CVE-2", "most severe first");
        assert_eq!(
            p.summary.images,
            vec![
                "registry.example/shop/payments:1.4@sha256:a",
                "registry.example/shop/payments:1.4@sha256:b"
            ]
        );
        assert_eq!(
            p.summary.workloads,
            vec!["eu1/payments/Deployment/api[app]"]
        );
    }

    #[test]
    fn same_fingerprint_twice_merges_placements() {
        let e1 = event(
            "platform",
            EventKind::New,
            "CVE-1",
            Severity::High,
            "sha256:a",
        );
        let mut e2 = e1.clone();
        e2.placements[0].environment = Some("staging".into());
        e2.placements[0].namespace = Some("payments-staging".into());
        let m = batch(vec![e1.clone(), e2]);
        assert_eq!(m[0].events.len(), 1);
        assert_eq!(m[0].events[0].placements.len(), 2);
        assert_eq!(m[0].summary.workloads.len(), 2);
        // The key is the same as for the event alone: placements are not part of a fingerprint.
        assert_eq!(m[0].dedupe_key, batch(vec![e1])[0].dedupe_key);
    }
}
