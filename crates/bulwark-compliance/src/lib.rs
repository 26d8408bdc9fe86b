//! Compliance evidence: the controls of a framework (CIS Kubernetes, NSA/CISA, NIST SP 800-190, PCI DSS 4.0,
//! HIPAA security rule), each with the section of the standard it comes from, remediation guidance and evidence
//! selectors, evaluated over findings of every kind (vulnerabilities, Kubernetes and image configuration,
//! Dockerfiles, secrets, malware, licenses; runtime and DAST once they exist).
//!
//! One folder per framework under `frameworks/<id>/`: `controls.yaml` (embedded) and a README naming the
//! edition of the standard and where its text was read.
//!
//! ```
//! use bulwark_compliance::{Scanner, Source, Status, evaluate, framework};
//! use bulwark_types::{Finding, FindingKind, Location, Severity};
//!
//! let pci = framework("pci-dss-4.0")?;
//! let mut cve = Finding {
//!     kind: FindingKind::Vulnerability,
//!     id: "CVE-2020-11651".into(),
//!     name: None,
//!     severity: Severity::Critical,
//!     title: "salt: authentication bypass".into(),
//!     message: "".into(),
//!     location: Location::default(),
//!     evidence: None,
//!     references: vec![],
//!     properties: Default::default(),
//!     shared_properties: None,
//! };
//! cve.properties.insert("fixedVersion".into(), "3000.2".into());
//! let findings = [cve];
//! let report = evaluate(&pci, &[Source {
//!     label: "app.cdx.json",
//!     scanners: &[Scanner::Vulnerabilities],
//!     findings: &findings,
//! }]);
//! let c = report.controls.iter().find(|c| c.id == "6.3.3").unwrap();
//! assert_eq!(c.status, Status::Fail);
//! assert_eq!(c.evidence[0].finding, "CVE-2020-11651");
//! # Ok::<(), bulwark_compliance::Error>(())
//! ```

use std::collections::BTreeSet;

use bulwark_types::{Finding, FindingKind, Severity};
use serde::{Deserialize, Serialize};

pub mod render;

/// Evidence kept per control; the count of all matching findings is `evidenceTotal`.
pub const MAX_EVIDENCE: usize = 500;

/// The embedded frameworks: id and controls file.
const FRAMEWORKS: &[(&str, &str)] = &[
    (
        "cis-kubernetes",
        include_str!("../frameworks/cis-kubernetes/controls.yaml"),
    ),
    (
        "nsa-cisa",
        include_str!("../frameworks/nsa-cisa/controls.yaml"),
    ),
    (
        "nist-800-190",
        include_str!("../frameworks/nist-800-190/controls.yaml"),
    ),
    (
        "pci-dss-4.0",
        include_str!("../frameworks/pci-dss-4.0/controls.yaml"),
    ),
    ("hipaa", include_str!("../frameworks/hipaa/controls.yaml")),
];

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("unknown compliance framework '{name}' (expected one of: {known})", known = ids().join(", "))]
    Unknown { name: String },
    #[error("frameworks/{id}/controls.yaml: {source}")]
    Parse {
        id: String,
        #[source]
        source: yaml_serde::Error,
    },
}

/// The ids of the embedded frameworks, in a stable order.
#[must_use]
pub fn ids() -> Vec<&'static str> {
    FRAMEWORKS.iter().map(|(id, _)| *id).collect()
}

/// The framework `id` (`pci-dss-4.0`, …), parsed from its embedded controls file.
pub fn framework(id: &str) -> Result<Framework, Error> {
    let (id, text) = FRAMEWORKS
        .iter()
        .find(|(i, _)| i.eq_ignore_ascii_case(id.trim()))
        .ok_or_else(|| Error::Unknown {
            name: id.to_owned(),
        })?;
    yaml_serde::from_str(text).map_err(|source| Error::Parse {
        id: (*id).to_owned(),
        source,
    })
}

/// Every embedded framework.
pub fn frameworks() -> Result<Vec<Framework>, Error> {
    ids().into_iter().map(framework).collect()
}

/// A framework: its controls, in the standard's order.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Framework {
    pub id: String,
    pub name: String,
    /// The edition of the standard the controls follow.
    pub edition: String,
    pub controls: Vec<Control>,
}

/// One control of a framework.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Control {
    pub id: String,
    pub title: String,
    /// The section of the standard: `PCI DSS v4.0 Req. 6.3.3`, `45 CFR 164.312(b)`.
    pub source: String,
    pub remediation: String,
    /// What findings are evidence against the control; none means no automated source can assess it (manual).
    #[serde(default)]
    pub evidence: Vec<Selector>,
}

/// Findings that are failing evidence for a control. Every field given must match.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Selector {
    /// The finding kind: `vulnerability`, `misconfiguration`, `secret`, `license`, `malware`, `policy`, and the
    /// planned `runtime` and `dast`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Finding ids, `*` matching any run of characters (`BW-DF-*`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<String>,
    /// The Kubernetes rules that map to a control of another framework, as `framework:control`
    /// (`cis:5.2.2`, `pci-dss:2.2.1`, `nist-800-190:4.4.3`, `nsa:Pod security: pod security enforcement`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapped: Option<String>,
    /// Findings of this severity or above.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_severity: Option<Severity>,
    /// Vulnerabilities with (true) or without (false) a fixed version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<bool>,
    /// Vulnerabilities in (true) or not in (false) CISA's Known Exploited Vulnerabilities catalog.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kev: Option<bool>,
}

/// The finding kinds a selector may name: today's [`FindingKind`]s and the planned runtime and DAST kinds.
pub const KINDS: &[&str] = &[
    "vulnerability",
    "misconfiguration",
    "secret",
    "license",
    "malware",
    "policy",
    "runtime",
    "dast",
];

/// The part of a scan that produces a class of findings: a control is *assessed* when an input ran one of the
/// scanners its selectors depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scanner {
    Kubernetes,
    ImageConfig,
    Dockerfile,
    Secrets,
    Malware,
    License,
    Vulnerabilities,
    Runtime,
    Dast,
    /// The node benchmarks: kube-bench's CIS checks (`BW-NODE-*`), the host benchmark (`BW-HOST-*`) and the
    /// exposure probe (`BW-PROBE-*`).
    Node,
}

impl Scanner {
    /// Every scanner: for a caller (the dashboard's store) whose findings come from scans of every kind.
    pub const ALL: [Self; 10] = [
        Self::Kubernetes,
        Self::ImageConfig,
        Self::Dockerfile,
        Self::Secrets,
        Self::Malware,
        Self::License,
        Self::Vulnerabilities,
        Self::Runtime,
        Self::Dast,
        Self::Node,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kubernetes => "kubernetes",
            Self::ImageConfig => "image-config",
            Self::Dockerfile => "dockerfile",
            Self::Secrets => "secrets",
            Self::Malware => "malware",
            Self::License => "license",
            Self::Vulnerabilities => "vulnerabilities",
            Self::Runtime => "runtime",
            Self::Dast => "dast",
            Self::Node => "node",
        }
    }
}

impl Selector {
    /// The scanner whose findings this selector reads, `None` when it names none (a defect the tests catch).
    #[must_use]
    pub fn scanner(&self) -> Option<Scanner> {
        if self.mapped.is_some() {
            return Some(Scanner::Kubernetes);
        }
        match self.kind.as_deref() {
            Some("vulnerability") => return Some(Scanner::Vulnerabilities),
            Some("secret") => return Some(Scanner::Secrets),
            Some("malware") => return Some(Scanner::Malware),
            Some("license") => return Some(Scanner::License),
            Some("runtime") => return Some(Scanner::Runtime),
            Some("dast") => return Some(Scanner::Dast),
            _ => {}
        }
        let mut scanners = self.rules.iter().map(|r| rule_scanner(r));
        let first = scanners.next()??;
        scanners.all(|s| s == Some(first)).then_some(first)
    }

    /// The Kubernetes rule ids a `mapped` selector stands for.
    #[must_use]
    pub fn mapped_rules(&self) -> Vec<&'static str> {
        let Some(m) = &self.mapped else {
            return Vec::new();
        };
        let Some((fw, control)) = m.split_once(':') else {
            return Vec::new();
        };
        let control = control.trim();
        bulwark_k8s::RULES
            .iter()
            .map(|r| r.meta())
            .filter(|m| {
                let ids: &[&str] = match fw {
                    "cis" => m.cis,
                    "nsa" => m.nsa,
                    "nist-800-190" => m.nist,
                    "pci-dss" => m.pci,
                    _ => &[],
                };
                ids.iter().any(|i| {
                    *i == control
                        || i.strip_prefix(control)
                            .is_some_and(|rest| rest.starts_with(' '))
                })
            })
            .map(|m| m.id)
            .collect()
    }

    fn matches(&self, f: &Finding, mapped: &[&str]) -> bool {
        if let Some(k) = &self.kind
            && kind_name(f.kind) != k
        {
            return false;
        }
        if self.mapped.is_some() && !mapped.contains(&&*f.id) {
            return false;
        }
        if !self.rules.is_empty() && !self.rules.iter().any(|r| glob(r, &f.id)) {
            return false;
        }
        if let Some(s) = self.min_severity
            && f.severity < s
        {
            return false;
        }
        if let Some(fixed) = self.fixed {
            let has = f
                .property("fixedVersion")
                .is_some_and(|v| v.as_str().is_some_and(|s| !s.is_empty()));
            if has != fixed {
                return false;
            }
        }
        if let Some(kev) = self.kev
            && is_kev(f) != kev
        {
            return false;
        }
        true
    }
}

fn is_kev(f: &Finding) -> bool {
    f.property("kev").and_then(serde_json::Value::as_bool) == Some(true)
}

/// The scanner of a rule id, from its family prefix.
fn rule_scanner(id: &str) -> Option<Scanner> {
    let id = id.to_ascii_uppercase();
    Some(if id.starts_with("BW-K8S-") {
        Scanner::Kubernetes
    } else if id.starts_with("BW-IMG-") {
        Scanner::ImageConfig
    } else if id.starts_with("BW-DF-") {
        Scanner::Dockerfile
    } else if id.starts_with("BW-LIC-") {
        Scanner::License
    } else if id.starts_with("BW-RT-") {
        Scanner::Runtime
    } else if id.starts_with("BW-DAST-") {
        Scanner::Dast
    } else if id.starts_with("BW-NODE-")
        || id.starts_with("BW-HOST-")
        || id.starts_with("BW-PROBE-")
    {
        Scanner::Node
    } else {
        return None;
    })
}

/// The kind as reports spell it (`vulnerability`, `misconfiguration`, …).
#[must_use]
pub fn kind_name(k: FindingKind) -> &'static str {
    match k {
        FindingKind::Vulnerability => "vulnerability",
        FindingKind::Misconfiguration => "misconfiguration",
        FindingKind::Secret => "secret",
        FindingKind::License => "license",
        FindingKind::Malware => "malware",
        FindingKind::Policy => "policy",
        FindingKind::Runtime => "runtime",
        FindingKind::Dast => "dast",
    }
}

/// `*` matches any run of characters; everything else literally (ASCII case-insensitive, as rule ids are).
#[must_use]
pub fn glob(pattern: &str, s: &str) -> bool {
    let p = pattern.as_bytes();
    let s = s.as_bytes();
    let (mut pi, mut si) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while si < s.len() {
        if pi < p.len() && p[pi] != b'*' && p[pi].eq_ignore_ascii_case(&s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            pi += 1;
            mark = si;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// One input of an evaluation: the findings of one scan, the scanners that ran on it, and a label for people
/// (the scanned image, directory or manifest set).
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    pub label: &'a str,
    pub scanners: &'a [Scanner],
    pub findings: &'a [Finding],
}

/// The outcome of one control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Assessed by at least one scanner that ran, and no failing evidence.
    Pass,
    /// At least one finding is failing evidence.
    Fail,
    /// No automated source can assess the control: it needs a person.
    Manual,
    /// Automated sources could assess it, but none of them ran on the inputs.
    NotAssessed,
}

impl Status {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Manual => "manual",
            Self::NotAssessed => "not-assessed",
        }
    }
}

/// A finding that is failing evidence for a control.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    /// The label of the input it came from (image, directory, manifests).
    pub source: String,
    pub kind: String,
    /// The finding id: a CVE, a rule id, a secret rule, a malware signature.
    pub finding: String,
    pub title: String,
    pub severity: Severity,
    /// The Kubernetes object (`Deployment/ns/name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// File and line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The image layer (`2 (sha256:ab12…)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// `name@version` of the affected package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_version: Option<String>,
    /// Other ids of the same vulnerability (`CVE-2020-11651` for `PYSEC-2020-102`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

impl Evidence {
    fn of(source: &str, f: &Finding) -> Self {
        let str_prop = |k: &str| {
            f.property(k)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        let package = str_prop("packageName").map(|n| match str_prop("installedVersion") {
            Some(v) => format!("{n}@{v}"),
            None => n,
        });
        let loc = &f.location;
        Self {
            source: source.to_owned(),
            kind: kind_name(f.kind).to_owned(),
            finding: f.id.to_string(),
            title: f.title.to_string(),
            severity: f.severity,
            object: loc.resource.as_deref().map(str::to_owned),
            file: loc.path.as_deref().map(|p| match loc.line {
                Some(l) => format!("{p}:{l}"),
                None => p.to_owned(),
            }),
            layer: loc
                .layer
                .as_ref()
                .map(|l| match l.diff_id.as_deref().or(l.digest.as_deref()) {
                    Some(d) => format!("{} ({})", l.index, bulwark_types::short_digest(d)),
                    None => l.index.to_string(),
                }),
            package,
            fixed_version: str_prop("fixedVersion"),
            aliases: f
                .property("aliases")
                .and_then(serde_json::Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(serde_json::Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// One control's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ControlResult {
    pub id: String,
    pub title: String,
    pub source: String,
    pub status: Status,
    pub remediation: String,
    /// The scanners that can assess the control (empty for a manual control).
    pub scanners: Vec<Scanner>,
    /// The rule ids and kinds the control reads, for people (`BW-K8S-0002`, `vulnerability ≥ HIGH, fixed`).
    pub selectors: Vec<String>,
    /// Failing evidence, at most [`MAX_EVIDENCE`].
    pub evidence: Vec<Evidence>,
    /// Every finding that is failing evidence.
    pub evidence_total: usize,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    pub controls: usize,
    pub pass: usize,
    pub fail: usize,
    pub manual: usize,
    pub not_assessed: usize,
}

/// An input as the report lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceSummary {
    pub label: String,
    pub scanners: Vec<Scanner>,
    pub findings: usize,
}

/// A framework evaluated over some inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComplianceReport {
    pub framework: String,
    pub name: String,
    pub edition: String,
    pub sources: Vec<SourceSummary>,
    pub totals: Totals,
    pub controls: Vec<ControlResult>,
}

impl ComplianceReport {
    /// True when an assessed control failed.
    #[must_use]
    pub fn failed(&self) -> bool {
        self.totals.fail > 0
    }
}

fn describe(s: &Selector) -> String {
    let mut parts = Vec::new();
    if let Some(m) = &s.mapped {
        let rules = s.mapped_rules();
        parts.push(if rules.is_empty() {
            format!("k8s rules mapped to {m}")
        } else {
            rules.join(", ")
        });
    }
    if !s.rules.is_empty() {
        parts.push(s.rules.join(", "));
    }
    if let Some(k) = &s.kind {
        parts.push(k.clone());
    }
    if let Some(sev) = s.min_severity {
        parts.push(format!(">= {sev}"));
    }
    if let Some(f) = s.fixed {
        parts.push(if f { "with a fix" } else { "without a fix" }.into());
    }
    if let Some(k) = s.kev {
        parts.push(if k { "in CISA KEV" } else { "not in CISA KEV" }.into());
    }
    parts.join(" ")
}

/// Evaluates `framework` over `sources`: per control, `fail` when a finding of any source matches one of its
/// selectors, `pass` when none does and a source ran a scanner the control depends on, `not-assessed` when
/// none did, `manual` when the control has no selector.
#[must_use]
pub fn evaluate(framework: &Framework, sources: &[Source<'_>]) -> ComplianceReport {
    let ran: BTreeSet<Scanner> = sources
        .iter()
        .flat_map(|s| s.scanners.iter().copied())
        .collect();
    let mut totals = Totals::default();
    let mut controls = Vec::with_capacity(framework.controls.len());
    for c in &framework.controls {
        let mapped: Vec<Vec<&'static str>> =
            c.evidence.iter().map(Selector::mapped_rules).collect();
        let scanners: BTreeSet<Scanner> = c.evidence.iter().filter_map(Selector::scanner).collect();
        let mut evidence = Vec::new();
        let mut total = 0;
        for s in sources {
            for f in s.findings {
                if c.evidence
                    .iter()
                    .zip(&mapped)
                    .any(|(sel, m)| sel.matches(f, m))
                {
                    total += 1;
                    if evidence.len() < MAX_EVIDENCE {
                        evidence.push(Evidence::of(s.label, f));
                    }
                }
            }
        }
        let status = if c.evidence.is_empty() {
            Status::Manual
        } else if total > 0 {
            Status::Fail
        } else if scanners.iter().any(|s| ran.contains(s)) {
            Status::Pass
        } else {
            Status::NotAssessed
        };
        totals.controls += 1;
        match status {
            Status::Pass => totals.pass += 1,
            Status::Fail => totals.fail += 1,
            Status::Manual => totals.manual += 1,
            Status::NotAssessed => totals.not_assessed += 1,
        }
        controls.push(ControlResult {
            id: c.id.clone(),
            title: c.title.clone(),
            source: c.source.clone(),
            status,
            remediation: c.remediation.trim().to_owned(),
            scanners: scanners.into_iter().collect(),
            selectors: c.evidence.iter().map(describe).collect(),
            evidence,
            evidence_total: total,
        });
    }
    ComplianceReport {
        framework: framework.id.clone(),
        name: framework.name.clone(),
        edition: framework.edition.clone(),
        sources: sources
            .iter()
            .map(|s| SourceSummary {
                label: s.label.to_owned(),
                scanners: s.scanners.to_vec(),
                findings: s.findings.len(),
            })
            .collect(),
        totals,
        controls,
    }
}

#[cfg(test)]
mod tests;
