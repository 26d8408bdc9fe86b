use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::LayerRef;

/// Severity of a finding. Ordered: `Unknown < Info < Low < Medium < High < Critical`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    #[default]
    Unknown,
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "UNKNOWN",
            Self::Info => "INFO",
            Self::Low => "LOW",
            Self::Medium => "MEDIUM",
            Self::High => "HIGH",
            Self::Critical => "CRITICAL",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "unknown" => Self::Unknown,
            "info" | "negligible" => Self::Info,
            "low" => Self::Low,
            "medium" | "moderate" => Self::Medium,
            "high" | "important" => Self::High,
            "critical" => Self::Critical,
            other => {
                return Err(format!(
                    "unknown severity '{other}' (expected unknown, info, low, medium, high or critical)"
                ));
            }
        })
    }
}

/// Where something was found: a file and line, an image layer, a Kubernetes object.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    /// File path: relative to the scanned directory, or image-root-relative with a leading `/`. Shared: the
    /// findings of one file (100,000 Pods in one manifest make 1.5 million) point at one copy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<Arc<str>>,
    /// 1-based line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_line: Option<u32>,
    /// Boxed: most findings have no layer, and a `LayerRef` is 80 bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<Box<LayerRef>>,
    /// A Kubernetes object (`Deployment/default/web`) or another named resource; shared by the findings of one
    /// object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<Arc<str>>,
}

impl Location {
    #[must_use]
    pub fn file(path: impl Into<Arc<str>>) -> Self {
        Self {
            path: Some(path.into()),
            ..Self::default()
        }
    }

    #[must_use]
    pub fn with_line(mut self, line: u32, column: Option<u32>) -> Self {
        self.line = Some(line);
        self.column = column;
        self
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut sep = "";
        if let Some(layer) = &self.layer {
            write!(f, "layer {}", layer.index)?;
            if let Some(d) = layer.diff_id.as_ref().or(layer.digest.as_ref()) {
                write!(f, " ({})", short_digest(d))?;
            }
            sep = ": ";
        }
        if let Some(p) = &self.path {
            write!(f, "{sep}{p}")?;
            if let Some(l) = self.line {
                write!(f, ":{l}")?;
                if let Some(c) = self.column {
                    write!(f, ":{c}")?;
                }
            }
            sep = " ";
        }
        if let Some(r) = &self.resource {
            write!(f, "{sep}[{r}]")?;
        }
        Ok(())
    }
}

/// `sha256:0123456789ab…` → `sha256:0123456789ab`.
#[must_use]
pub fn short_digest(d: &str) -> &str {
    let end = d.find(':').map_or(12, |i| i + 13).min(d.len());
    &d[..end]
}

/// What kind of check produced a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    Vulnerability,
    Misconfiguration,
    Secret,
    License,
    Malware,
    Policy,
    /// A runtime rule fired on an event (Falco-compatible rules, baseline deviation, drift).
    Runtime,
    /// A passive DAST rule judged a response of a running web app (ZAP plugin ids).
    Dast,
}

/// One finding. Findings are data: a scan that finds problems succeeded.
///
/// Serialised with `properties` and `shared_properties` merged into one `properties` object (see
/// [`Finding::all_properties`]); read back, they all land in `properties`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub kind: FindingKind,
    /// Stable id of the rule or advisory (`BW-K8S-0001`, `CVE-2024-3651`). A rule's own text is borrowed,
    /// not copied into every finding (`Cow::Borrowed`).
    pub id: Cow<'static, str>,
    /// Short kebab name of the rule, where there is one (`privileged-container`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Cow<'static, str>>,
    pub severity: Severity,
    /// One-line title.
    pub title: Cow<'static, str>,
    /// What is wrong here, specifically. Shared: the same text for many findings (every Pod of a generated
    /// manifest) can be one copy.
    #[serde(default)]
    pub message: Arc<str>,
    pub location: Location,
    /// The offending value or a redacted excerpt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// Kind-specific fields (package, installed and fixed versions, framework mappings, …).
    #[serde(default)]
    pub properties: BTreeMap<String, serde_json::Value>,
    /// Properties that many findings share, stored once: a Kubernetes rule's framework mappings and Pod
    /// Security control (100,000 Pods make 1.5 million findings of a dozen rules). Written inside
    /// `properties`, in key order; a key of `properties` wins over the same key here. Read them with
    /// [`Finding::property`] and [`Finding::all_properties`].
    #[serde(skip)]
    pub shared_properties: Option<Arc<BTreeMap<String, serde_json::Value>>>,
}

impl Finding {
    /// One property, from `properties` or else `shared_properties`.
    #[must_use]
    pub fn property(&self, key: &str) -> Option<&serde_json::Value> {
        self.properties
            .get(key)
            .or_else(|| self.shared_properties.as_ref()?.get(key))
    }

    /// Every property in key order, `properties` winning over `shared_properties`: what the report shows.
    pub fn all_properties(&self) -> impl Iterator<Item = (&String, &serde_json::Value)> {
        MergedProperties {
            own: self.properties.iter().peekable(),
            shared: self
                .shared_properties
                .as_deref()
                .into_iter()
                .flatten()
                .peekable(),
        }
    }

    /// Whether there is any property at all.
    #[must_use]
    pub fn has_properties(&self) -> bool {
        !self.properties.is_empty()
            || self
                .shared_properties
                .as_ref()
                .is_some_and(|s| !s.is_empty())
    }
}

/// Two sorted property lists as one, the first winning on equal keys.
struct MergedProperties<A: Iterator, B: Iterator> {
    own: std::iter::Peekable<A>,
    shared: std::iter::Peekable<B>,
}

impl<'a, A, B> Iterator for MergedProperties<A, B>
where
    A: Iterator<Item = (&'a String, &'a serde_json::Value)>,
    B: Iterator<Item = (&'a String, &'a serde_json::Value)>,
{
    type Item = (&'a String, &'a serde_json::Value);

    fn next(&mut self) -> Option<Self::Item> {
        match (self.own.peek(), self.shared.peek()) {
            (Some(a), Some(b)) if a.0 == b.0 => {
                self.shared.next();
                self.own.next()
            }
            (Some(a), Some(b)) if b.0 < a.0 => self.shared.next(),
            (Some(_), _) => self.own.next(),
            (None, _) => self.shared.next(),
        }
    }
}

/// `properties` and `shared_properties` as the one JSON object a report shows.
struct AllProperties<'a>(&'a Finding);

impl Serialize for AllProperties<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.all_properties())
    }
}

impl Serialize for Finding {
    /// As `#[derive(Serialize)]` with `skip_serializing_if` on the optional fields would, with the two
    /// property maps merged.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut st = s.serialize_struct("Finding", 10)?;
        st.serialize_field("kind", &self.kind)?;
        st.serialize_field("id", &self.id)?;
        match &self.name {
            Some(name) => st.serialize_field("name", name)?,
            None => st.skip_field("name")?,
        }
        st.serialize_field("severity", &self.severity)?;
        st.serialize_field("title", &self.title)?;
        if self.message.is_empty() {
            st.skip_field("message")?;
        } else {
            st.serialize_field("message", &self.message)?;
        }
        st.serialize_field("location", &self.location)?;
        match &self.evidence {
            Some(e) => st.serialize_field("evidence", e)?,
            None => st.skip_field("evidence")?,
        }
        if self.references.is_empty() {
            st.skip_field("references")?;
        } else {
            st.serialize_field("references", &self.references)?;
        }
        if self.has_properties() {
            st.serialize_field("properties", &AllProperties(self))?;
        } else {
            st.skip_field("properties")?;
        }
        st.end()
    }
}

/// How bad a diagnostic is. `Error` means the result cannot be trusted: the scan exits 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DiagnosticLevel {
    Warning,
    Error,
}

/// A problem with the input (not a finding): an unreadable file, a hostile tar entry, a skipped large file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnostic {
    pub level: DiagnosticLevel,
    pub message: String,
    #[serde(default)]
    pub location: Location,
}

impl Diagnostic {
    #[must_use]
    pub fn warning(message: impl Into<String>, location: Location) -> Self {
        Self {
            level: DiagnosticLevel::Warning,
            message: message.into(),
            location,
        }
    }

    #[must_use]
    pub fn error(message: impl Into<String>, location: Location) -> Self {
        Self {
            level: DiagnosticLevel::Error,
            message: message.into(),
            location,
        }
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let level = match self.level {
            DiagnosticLevel::Warning => "warning",
            DiagnosticLevel::Error => "error",
        };
        // Shown on terminals: the input's control characters are made visible, never interpreted.
        let loc = self.location.to_string();
        let message = crate::escape_control(&self.message);
        if loc.is_empty() {
            write!(f, "{level}: {message}")
        } else {
            write!(f, "{level}: {}: {message}", crate::escape_control(&loc))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn finding(
        own: &[(&str, serde_json::Value)],
        shared: Option<&[(&str, serde_json::Value)]>,
    ) -> Finding {
        let map = |kv: &[(&str, serde_json::Value)]| -> BTreeMap<String, serde_json::Value> {
            kv.iter()
                .map(|(k, v)| ((*k).to_string(), v.clone()))
                .collect()
        };
        Finding {
            kind: FindingKind::Misconfiguration,
            id: "BW-K8S-0001".into(),
            name: None,
            severity: Severity::High,
            title: "t".into(),
            message: "".into(),
            location: Location::default(),
            evidence: None,
            references: Vec::new(),
            properties: map(own),
            shared_properties: shared.map(|s| Arc::new(map(s))),
        }
    }

    /// Shared properties are written inside `properties`, in key order with the finding's own, which win on
    /// the same key; the result reads back as one map. The expectation is written by hand from the derive's
    /// rules (optional fields left out when empty), not taken from a first run.
    #[test]
    fn shared_properties_serialise_as_part_of_properties() {
        let f = finding(
            &[
                ("exposure", json!(["LoadBalancer"])),
                ("pss", json!("own")),
                ("serviceAccount", json!("default/sa")),
            ],
            Some(&[
                ("frameworks", json!({"cis": ["5.2.1"]})),
                ("pss", json!("shared")),
                ("pssZ", json!(1)),
            ]),
        );
        let text = serde_json::to_string(&f).unwrap();
        assert_eq!(
            text,
            r#"{"kind":"misconfiguration","id":"BW-K8S-0001","severity":"HIGH","title":"t","location":{},"properties":{"exposure":["LoadBalancer"],"frameworks":{"cis":["5.2.1"]},"pss":"own","pssZ":1,"serviceAccount":"default/sa"}}"#
        );
        assert_eq!(f.property("frameworks"), Some(&json!({"cis": ["5.2.1"]})));
        assert_eq!(f.property("pss"), Some(&json!("own")));
        let back: Finding = serde_json::from_str(&text).unwrap();
        assert_eq!(back.properties.len(), 5);
        assert!(back.shared_properties.is_none());
        assert_eq!(serde_json::to_string(&back).unwrap(), text);
    }

    /// 100,000 Pods make 1.5 million findings: every byte here is 1.5 MB. The rule's texts are borrowed, the
    /// file and object names shared, the rare layer boxed; before, a finding was 336 bytes plus five copies.
    #[test]
    fn a_finding_stays_small() {
        assert!(
            std::mem::size_of::<Finding>() <= 240,
            "{}",
            std::mem::size_of::<Finding>()
        );
        assert!(std::mem::size_of::<Location>() <= 64);
        let f = Finding {
            id: Cow::Borrowed("BW-K8S-0001"),
            ..finding(&[], None)
        };
        assert!(matches!(f.id, Cow::Borrowed(_)));
        // Shared and owned text serialise the same.
        let path: Arc<str> = "a.yaml".into();
        let loc = Location {
            resource: Some("Pod/p0".into()),
            ..Location::file(Arc::clone(&path))
        };
        assert_eq!(
            serde_json::to_string(&loc).unwrap(),
            r#"{"path":"a.yaml","resource":"Pod/p0"}"#
        );
        let back: Location =
            serde_json::from_str(r#"{"path":"a.yaml","resource":"Pod/p0"}"#).unwrap();
        assert_eq!(back, loc);
    }

    #[test]
    fn no_properties_no_key() {
        let text = serde_json::to_string(&finding(&[], Some(&[]))).unwrap();
        assert!(!text.contains("properties"), "{text}");
        let only_shared = finding(&[], Some(&[("a", json!(1))]));
        assert!(
            serde_json::to_string(&only_shared)
                .unwrap()
                .ends_with(r#""properties":{"a":1}}"#)
        );
    }
}
