//! What happens to findings after matching: VEX statements and ignore-file exceptions suppress them, filters
//! narrow them, and a gate decides whether the policy failed.
//!
//! ```
//! use bulwark_evaluate::{Date, Filters, apply, gate, parse_ignore};
//! use bulwark_report::{Report, Target, TargetKind};
//! use bulwark_types::{Finding, FindingKind, Location, Severity};
//!
//! let mut report = Report::new(Target { kind: TargetKind::Image, name: "app".into(), image: None });
//! let mut f = Finding {
//!     kind: FindingKind::Vulnerability, id: "CVE-2024-0001".into(), name: None,
//!     severity: Severity::High, title: "t".into(), message: "".into(),
//!     location: Location::file("/var/lib/dpkg/status"), evidence: None, references: vec![],
//!     properties: Default::default(), shared_properties: None,
//! };
//! f.properties.insert("purl".into(), "pkg:deb/debian/zlib1g@1:1.2.13".into());
//! report.findings.push(f);
//!
//! let ignore = parse_ignore("ignore:\n  - id: CVE-2024-0001\n    reason: not reachable\n", ".bulwarkignore.yaml")?;
//! let today: Date = "2026-11-23".parse()?;
//! let eval = apply(&mut report, &Filters::default(), Some(&ignore), &[], today);
//! assert_eq!(eval.suppressed.len(), 1);
//! assert!(report.findings.is_empty());
//! assert!(!gate(&report, Some(Severity::High)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Order: VEX first, then the ignore file (both over every finding, so their diagnostics do not depend on the
//! filters), then the filters. Diagnostics are returned and also appended to `report.diagnostics`.

mod date;
mod glob;
mod ignore;
mod vex;

use std::fmt;
use std::io::Read;
use std::path::Path;

use bulwark_report::Report;
use bulwark_types::{Diagnostic, Finding, FindingKind, Location, PackageType, Severity};
use serde::Serialize;

pub use date::Date;
pub use ignore::{IgnoreEntry, IgnoreFile, load_ignore, parse_ignore};
pub use vex::{Vex, VexStatement, VexStatus, load_vex, parse_vex};

use bulwark_types::Purl;

/// Why an ignore file or VEX document could not be used.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("failed to read {file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file} is larger than the {max} bytes allowed")]
    TooLarge { file: String, max: u64 },
    #[error("{}: {message}", at(file, *line, *column))]
    Yaml {
        file: String,
        line: Option<usize>,
        column: Option<usize>,
        message: String,
    },
    #[error("{}: {message}", at(file, Some(*line), Some(*column)))]
    Json {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{}: {message}", at(file, *line, None))]
    Invalid {
        file: String,
        line: Option<usize>,
        message: String,
    },
    #[error("{0}")]
    BadArgument(String),
}

fn at(file: &str, line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!("{file}:{l}:{c}"),
        (Some(l), None) => format!("{file}:{l}"),
        _ => file.to_string(),
    }
}

fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>, EvalError> {
    let file = path.display().to_string();
    let io = |source| EvalError::Io {
        file: file.clone(),
        source,
    };
    let f = std::fs::File::open(path).map_err(io)?;
    let mut buf = Vec::new();
    f.take(max + 1).read_to_end(&mut buf).map_err(io)?;
    if buf.len() as u64 > max {
        return Err(EvalError::TooLarge { file, max });
    }
    Ok(buf)
}

/// Operating-system packages or language libraries (`--pkg-types os,library`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PkgClass {
    Os,
    Library,
}

impl std::str::FromStr for PkgClass {
    type Err = EvalError;
    fn from_str(s: &str) -> Result<Self, EvalError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "os" => Ok(Self::Os),
            "library" | "lib" => Ok(Self::Library),
            other => Err(EvalError::BadArgument(format!(
                "unknown package type '{other}' (expected os or library)"
            ))),
        }
    }
}

/// Which findings to keep.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// Keep only these severities (`--severity LOW,HIGH`); empty keeps all.
    pub severities: Vec<Severity>,
    /// Drop vulnerabilities without a fix (`--ignore-unfixed`).
    pub ignore_unfixed: bool,
    /// Keep only vulnerabilities in these package classes (`--pkg-types os,library`); empty keeps all.
    pub pkg_types: Vec<PkgClass>,
}

impl Filters {
    /// Parse `LOW,HIGH,CRITICAL` (case-insensitive).
    pub fn parse_severities(list: &str) -> Result<Vec<Severity>, EvalError> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.parse::<Severity>().map_err(EvalError::BadArgument))
            .collect()
    }

    /// Parse `os,library`.
    pub fn parse_pkg_types(list: &str) -> Result<Vec<PkgClass>, EvalError> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::parse)
            .collect()
    }

    fn keeps(&self, f: &FindingView<'_>) -> bool {
        if !self.severities.is_empty() && !self.severities.contains(&f.finding.severity) {
            return false;
        }
        if f.finding.kind != FindingKind::Vulnerability {
            return true;
        }
        if self.ignore_unfixed && f.is_unfixed() {
            return false;
        }
        if !self.pkg_types.is_empty()
            && let Some(class) = f.pkg_class()
            && !self.pkg_types.contains(&class)
        {
            return false;
        }
        true
    }
}

/// A finding taken out of the report, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suppressed {
    pub finding: Finding,
    /// `VEX not_affected (vulnerable_code_not_present): vex.json statement 2` or
    /// `.bulwarkignore.yaml:12: accepted risk until the next release`.
    pub reason: String,
}

/// What [`apply`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evaluation {
    /// Findings suppressed by VEX or the ignore file, with the reason.
    pub suppressed: Vec<Suppressed>,
    /// How many findings the filters dropped.
    pub filtered: usize,
    /// Expired ignore entries, VEX statements that applied to nothing. Also appended to `report.diagnostics`.
    pub diagnostics: Vec<Diagnostic>,
}

/// Read-only accessors over a finding's well-known properties.
pub(crate) struct FindingView<'a> {
    pub(crate) finding: &'a Finding,
    aliases: Vec<&'a str>,
    /// Parsed on first use: most findings never need it.
    purl: std::cell::OnceCell<Option<Purl>>,
}

impl<'a> FindingView<'a> {
    fn new(finding: &'a Finding) -> Self {
        let aliases = match finding.properties.get("aliases") {
            Some(serde_json::Value::Array(a)) => a.iter().filter_map(|v| v.as_str()).collect(),
            Some(serde_json::Value::String(s)) => s
                .split([',', ' '])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect(),
            _ => Vec::new(),
        };
        Self {
            finding,
            aliases,
            purl: std::cell::OnceCell::new(),
        }
    }

    fn prop(&self, key: &str) -> Option<&'a str> {
        self.finding
            .properties
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    fn ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(&*self.finding.id).chain(self.aliases.iter().copied())
    }

    pub(crate) fn has_id(&self, id: &str) -> bool {
        self.ids().any(|i| i.eq_ignore_ascii_case(id))
    }

    pub(crate) fn purl(&self) -> Option<Purl> {
        self.purl_ref().cloned()
    }

    fn purl_ref(&self) -> Option<&Purl> {
        self.purl
            .get_or_init(|| self.prop("purl").and_then(Purl::parse))
            .as_ref()
    }

    pub(crate) fn purl_str(&self) -> Option<&'a str> {
        self.prop("purl")
    }

    pub(crate) fn package_name(&self) -> Option<&'a str> {
        self.prop("packageName").or_else(|| self.prop("pkgName"))
    }

    /// No fix available: the status says so, or (without a status) there is no `fixedVersion`.
    fn is_unfixed(&self) -> bool {
        match self.prop("status") {
            Some("fixed") => false,
            Some("affected" | "will-not-fix" | "fix-deferred" | "end-of-life") => true,
            _ => self.prop("fixedVersion").is_none(),
        }
    }

    fn pkg_class(&self) -> Option<PkgClass> {
        let from_type = self.prop("packageType").and_then(|t| {
            ALL_TYPES.iter().find(|p| {
                p.as_str().eq_ignore_ascii_case(t) || p.purl_type().eq_ignore_ascii_case(t)
            })
        });
        let from_purl = || {
            self.purl_ref()
                .and_then(|p| ALL_TYPES.iter().find(|t| t.purl_type() == p.ty))
        };
        from_type.or_else(from_purl).map(|t| {
            if t.is_os() {
                PkgClass::Os
            } else {
                PkgClass::Library
            }
        })
    }
}

const ALL_TYPES: [PackageType; 11] = [
    PackageType::Dpkg,
    PackageType::Apk,
    PackageType::Rpm,
    PackageType::Python,
    PackageType::Npm,
    PackageType::Go,
    PackageType::Cargo,
    PackageType::Maven,
    PackageType::Gem,
    PackageType::Composer,
    PackageType::Nuget,
];

#[derive(Default, Clone, Copy)]
struct StatementUse {
    /// Some finding has the statement's vulnerability.
    vuln_seen: bool,
    /// Findings with the vulnerability on a named product.
    matched: usize,
    /// A `pkg:oci` product named another image.
    other_image: bool,
    /// Findings for which this statement was the latest covering one.
    decided: usize,
    /// A later statement that decided a finding this one also covered.
    superseded_by: Option<(usize, usize)>,
}

fn target_id(report: &Report) -> vex::TargetId {
    let Some(image) = report.target.image.as_ref() else {
        return vex::TargetId::default();
    };
    let name_of = |reference: &str| {
        let reference = reference.split('@').next().unwrap_or_default();
        let last = reference.rsplit('/').next().unwrap_or_default();
        last.split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    let digests: Vec<String> = image
        .manifest_digest
        .iter()
        .chain(&image.config_digest)
        .cloned()
        .collect();
    let names: Vec<String> = std::iter::once(report.target.name.as_str())
        .chain(image.repo_tags.iter().map(String::as_str))
        .map(name_of)
        .filter(|n| !n.is_empty())
        .collect();
    vex::TargetId {
        known: !digests.is_empty() || !names.is_empty(),
        digests,
        names,
    }
}

/// Apply VEX documents, the ignore file and the filters to `report.findings`, in that order.
///
/// `today` decides which ignore entries have expired (pass [`Date::today_utc`] in the CLI).
pub fn apply(
    report: &mut Report,
    filters: &Filters,
    ignore: Option<&IgnoreFile>,
    vex: &[Vex],
    today: Date,
) -> Evaluation {
    let mut eval = Evaluation::default();
    let mut findings = std::mem::take(&mut report.findings);
    let mut uses: Vec<Vec<StatementUse>> = vex
        .iter()
        .map(|d| vec![StatementUse::default(); d.statements.len()])
        .collect();
    let target = target_id(report);
    let mut ignore_hits = vec![0usize; ignore.map_or(0, |i| i.entries.len())];
    // Decided by reference, then the suppressed findings are moved out in order: the list is never copied
    // (1.5 million findings of 336 bytes each held twice were half a gigabyte, red team #16).
    let mut suppressed_at: Vec<usize> = Vec::new();
    let mut reasons: Vec<String> = Vec::new();

    for (at, f) in findings.iter().enumerate() {
        let view = FindingView::new(f);
        let mut reason = None;
        // OpenVEX: statements are a sequence; for one finding, the latest statement that covers it decides
        // (its timestamp, else the document's; ties go to the later document, then the later statement).
        let mut decisive: Option<(Option<i64>, usize, usize)> = None;
        let mut covering = Vec::new();
        for (d, (doc, doc_uses)) in vex.iter().zip(uses.iter_mut()).enumerate() {
            for (i, (st, u)) in doc.statements.iter().zip(doc_uses.iter_mut()).enumerate() {
                if !view.ids().any(|id| st.names(id)) {
                    continue;
                }
                u.vuln_seen = true;
                match st.covers(view.purl_ref(), &target) {
                    vex::Coverage::Covers => {}
                    vex::Coverage::OtherImage => {
                        u.other_image = true;
                        continue;
                    }
                    vex::Coverage::No => continue,
                }
                u.matched += 1;
                covering.push((d, i));
                let key = (st.timestamp, d, i);
                if decisive.is_none_or(|k| key >= k) {
                    decisive = Some(key);
                }
            }
        }
        if let Some((_, d, i)) = decisive {
            let (doc, st) = (&vex[d], &vex[d].statements[i]);
            uses[d][i].decided += 1;
            for (cd, ci) in covering {
                if (cd, ci) != (d, i) {
                    uses[cd][ci].superseded_by.get_or_insert((d, i));
                }
            }
            if st.status.suppresses() {
                let why = st
                    .justification
                    .as_deref()
                    .or(st.impact_statement.as_deref())
                    .map(|j| format!(" ({j})"))
                    .unwrap_or_default();
                reason = Some(format!(
                    "VEX {}{why}: {} statement {}",
                    st.status.as_str(),
                    doc.source,
                    st.index
                ));
            }
        }
        if reason.is_none()
            && let Some(ig) = ignore
        {
            reason = ignore_reason(ig, &view, today, &mut ignore_hits);
        }
        drop(view);
        if let Some(reason) = reason {
            suppressed_at.push(at);
            reasons.push(reason);
        }
    }
    let (mut next, mut at) = (0, 0);
    let removed: Vec<Finding> = findings
        .extract_if(.., |_| {
            let hit = suppressed_at.get(next) == Some(&at);
            next += usize::from(hit);
            at += 1;
            hit
        })
        .collect();
    eval.suppressed.extend(
        removed
            .into_iter()
            .zip(reasons)
            .map(|(finding, reason)| Suppressed { finding, reason }),
    );
    let mut kept = findings;

    let before = kept.len();
    kept.retain(|f| filters.keeps(&FindingView::new(f)));
    eval.filtered = before - kept.len();

    if let Some(ig) = ignore {
        expired_entries(ig, &ignore_hits, today, &mut eval.diagnostics);
    }

    // Only the "does not apply" explanations of VEX statements need every purl of the report.
    let all_purls: Vec<Purl> = if vex.is_empty() {
        Vec::new()
    } else {
        report
            .packages
            .iter()
            .map(|p| p.purl.as_str())
            .chain(
                kept.iter()
                    .chain(eval.suppressed.iter().map(|s| &s.finding))
                    .filter_map(|f| f.properties.get("purl").and_then(|v| v.as_str())),
            )
            .filter_map(Purl::parse)
            .collect()
    };
    for (doc, doc_uses) in vex.iter().zip(&uses) {
        for (st, u) in doc.statements.iter().zip(doc_uses) {
            let why = if !u.vuln_seen {
                format!(
                    "no finding in the report has vulnerability {}{}",
                    st.vulnerability,
                    if st.aliases.is_empty() {
                        String::new()
                    } else {
                        format!(" or its aliases {}", st.aliases.join(", "))
                    }
                )
            } else if u.matched == 0 {
                let mut named = st.package_purls().peekable();
                if u.other_image {
                    format!(
                        "product {} is not the scanned image ({})",
                        st.products.join(", "),
                        report.target.name
                    )
                } else if named.peek().is_none() {
                    "its products name no package URL (purl)".to_string()
                } else if !named.any(|p| all_purls.iter().any(|t| p.matches(t))) {
                    format!(
                        "product purl(s) {} match no package in the report",
                        st.products.join(", ")
                    )
                } else {
                    format!(
                        "product purl(s) {} match packages, but none of them has {}",
                        st.products.join(", "),
                        st.vulnerability
                    )
                }
            } else if u.decided == 0 {
                let (d, i) = u.superseded_by.unwrap_or_default();
                format!(
                    "a later statement ({} statement {}) decides the same finding(s)",
                    vex[d].source, vex[d].statements[i].index
                )
            } else if !st.status.suppresses() {
                format!(
                    "status {} does not suppress findings ({} matching finding(s) kept)",
                    st.status.as_str(),
                    u.decided
                )
            } else {
                continue;
            };
            eval.diagnostics.push(Diagnostic::warning(
                format!(
                    "VEX statement {} for {} ({}) applies to nothing: {why}",
                    st.index,
                    st.vulnerability,
                    st.status.as_str()
                ),
                Location::file(doc.source.as_str()),
            ));
        }
    }

    report.findings = kept;
    report.diagnostics.extend(eval.diagnostics.iter().cloned());
    eval
}

/// The ignore entry that suppresses a finding, as the reason `file:line: reason`. Expired entries that match are
/// counted in `hits` (by entry) when no live entry suppresses the finding: they are "reported again".
fn ignore_reason(
    ig: &IgnoreFile,
    view: &FindingView<'_>,
    today: Date,
    hits: &mut [usize],
) -> Option<String> {
    let mut expired_hits = Vec::new();
    for (n, e) in ig.entries.iter().enumerate() {
        if e.matches(view) {
            if e.is_expired(today) {
                expired_hits.push(n);
            } else {
                return Some(format!(
                    "{}:{}: {}",
                    ig.source,
                    e.line,
                    e.reason.as_deref().unwrap_or("ignored")
                ));
            }
        }
    }
    for n in expired_hits {
        hits[n] += 1;
    }
    None
}

/// One warning per expired ignore entry, with how many findings it would have suppressed.
fn expired_entries(ig: &IgnoreFile, hits: &[usize], today: Date, out: &mut Vec<Diagnostic>) {
    for (e, hits) in ig.entries.iter().zip(hits) {
        if let (true, Some(exp)) = (e.is_expired(today), e.expires) {
            let again = if *hits > 0 {
                format!("; {hits} matching finding(s) are reported again")
            } else {
                String::new()
            };
            out.push(Diagnostic::warning(
                format!(
                    "ignore entry {} expired on {exp}; it no longer suppresses findings{again}",
                    e.describe(&ig.source)
                ),
                Location::file(ig.source.as_str()).with_line(line_u32(e.line), None),
            ));
        }
    }
}

/// What [`Judge::judge`] decided for one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    Keep,
    /// Dropped by the filters.
    Filtered,
    /// Suppressed by the ignore file, with the reason (`file:line: reason`).
    Suppressed(String),
}

/// The ignore file and the filters of [`apply`], one finding at a time, for findings that are streamed to the
/// output rather than held in a report (a Kubernetes scan of 100,000 Pods: red team #16). No VEX: statements are
/// about vulnerabilities, which streamed scans do not produce. Judging a finding twice counts it twice: use a
/// fresh judge per pass.
pub struct Judge<'a> {
    filters: &'a Filters,
    ignore: Option<&'a IgnoreFile>,
    today: Date,
    ignore_hits: Vec<usize>,
    /// Findings dropped by the filters so far.
    pub filtered: usize,
    /// Findings suppressed by the ignore file so far.
    pub suppressed: usize,
}

impl<'a> Judge<'a> {
    #[must_use]
    pub fn new(filters: &'a Filters, ignore: Option<&'a IgnoreFile>, today: Date) -> Self {
        Self {
            filters,
            ignore,
            today,
            ignore_hits: vec![0; ignore.map_or(0, |i| i.entries.len())],
            filtered: 0,
            suppressed: 0,
        }
    }

    /// Suppressed by the ignore file first (as [`apply`] does: its diagnostics do not depend on the filters),
    /// then filtered.
    pub fn judge(&mut self, f: &Finding) -> Fate {
        let view = FindingView::new(f);
        if let Some(ig) = self.ignore
            && let Some(reason) = ignore_reason(ig, &view, self.today, &mut self.ignore_hits)
        {
            self.suppressed += 1;
            return Fate::Suppressed(reason);
        }
        if self.filters.keeps(&view) {
            Fate::Keep
        } else {
            self.filtered += 1;
            Fate::Filtered
        }
    }

    /// The warnings [`apply`] would add: expired ignore entries, with the findings they no longer suppress.
    #[must_use]
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        if let Some(ig) = self.ignore {
            expired_entries(ig, &self.ignore_hits, self.today, &mut out);
        }
        out
    }
}

fn line_u32(line: usize) -> u32 {
    u32::try_from(line).unwrap_or(u32::MAX)
}

/// Did the policy fail? True when a finding left in the report has at least `fail_on` severity.
#[must_use]
pub fn gate(report: &Report, fail_on: Option<Severity>) -> bool {
    fail_on.is_some_and(|t| report.findings.iter().any(|f| f.severity >= t))
}

impl fmt::Display for Suppressed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} suppressed by {}", self.finding.id, self.reason)
    }
}
