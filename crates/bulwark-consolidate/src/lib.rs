//! Consolidation: other tools' results and Bulwark's own reports read into one [`Report`], deduplicated by
//! fingerprint (`bulwark report merge`).
//!
//! Each input's type is sniffed from its content (its top-level JSON keys, or the gzip/tar magic), never from its
//! name alone: SARIF 2.1.0 from any tool, Trivy JSON, Grype JSON, kube-bench JSON, Sonobuoy result tarballs (JUnit
//! XML inside) and Bulwark JSON reports. Every finding lands in [`bulwark_types::Finding`] with two properties of
//! its own: `sources` (the tools that reported it) and `fingerprint` (what deduplication compared). The counts per
//! source are the report's diagnostics.
//!
//! ```
//! use bulwark_consolidate::{Limits, Merger};
//! let sarif = br#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"demo"}},
//!   "results":[{"ruleId":"R1","level":"error","message":{"text":"bad"},
//!     "locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.py"},"region":{"startLine":3}}}]}]}]}"#;
//! let mut m = Merger::new(Limits::default());
//! m.read_bytes(sarif, "a.sarif")?;
//! m.read_bytes(sarif, "again.sarif")?; // the same result: one finding, two reads
//! let report = m.finish();
//! assert_eq!(report.findings.len(), 1);
//! assert_eq!(report.findings[0].severity, bulwark_types::Severity::High);
//! # Ok::<(), bulwark_consolidate::ConsolidateError>(())
//! ```

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;

use bulwark_report::{Report, Target, TargetKind};
use bulwark_types::{Diagnostic, Finding, Location, Severity};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

mod depth;
mod grype;
mod kube_bench;
mod sarif;
mod sonobuoy;
mod trivy;

use depth::check_depth;

/// The bounds every read keeps. The defaults suit CI: a 100 MB SARIF log reads in bounded memory.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest input file (and largest JSON or XML member of a tarball) read.
    pub max_file_bytes: u64,
    /// Deepest JSON nesting accepted (arrays and objects).
    pub max_depth: usize,
    /// Most entries a result tarball may hold.
    pub max_tar_entries: usize,
    /// Largest entry a result tarball may hold (its header's size).
    pub max_tar_entry_bytes: u64,
    /// Most bytes a tarball may unpack to, all entries together.
    pub max_tar_total_bytes: u64,
    /// Most distinct findings the merged report holds.
    pub max_findings: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_bytes: 1 << 30,
            max_depth: 64,
            max_tar_entries: 100_000,
            max_tar_entry_bytes: 256 << 20,
            max_tar_total_bytes: 2 << 30,
            max_findings: 2_000_000,
        }
    }
}

/// What an input was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InputKind {
    Sarif,
    Trivy,
    Grype,
    KubeBench,
    Sonobuoy,
    Bulwark,
}

impl InputKind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sarif => "SARIF",
            Self::Trivy => "Trivy JSON",
            Self::Grype => "Grype JSON",
            Self::KubeBench => "kube-bench JSON",
            Self::Sonobuoy => "Sonobuoy results tarball",
            Self::Bulwark => "Bulwark JSON report",
        }
    }
}

impl std::fmt::Display for InputKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an input could not be read. Every variant names the input (a tarball member as `FILE!ENTRY`).
#[derive(Debug, thiserror::Error)]
pub enum ConsolidateError {
    /// The cause is in the message (not a `source()`), so a `{:#}` chain does not print it twice.
    #[error("{name}: {error}")]
    Io { name: String, error: std::io::Error },
    #[error("{name}: {size} bytes is over the {limit}-byte limit")]
    TooLarge { name: String, size: u64, limit: u64 },
    #[error(
        "{name}: not a recognised input (expected SARIF 2.1.0, Trivy JSON, Grype JSON, kube-bench JSON, a Sonobuoy results tarball or a Bulwark JSON report)"
    )]
    Unrecognised { name: String },
    #[error("{name}: JSON nested deeper than {limit} levels (at byte {offset})")]
    TooDeep {
        name: String,
        limit: usize,
        offset: u64,
    },
    #[error("{name}: invalid {kind}: {error}")]
    Json {
        name: String,
        kind: InputKind,
        error: serde_json::Error,
    },
    #[error("{name}: invalid {kind}: {message}")]
    Invalid {
        name: String,
        kind: InputKind,
        message: String,
    },
    #[error("{name}: {message}")]
    Report { name: String, message: String },
    #[error("{name}: tarball refused: {message}")]
    Tar { name: String, message: String },
    #[error(
        "{name}: more than {limit} distinct findings; the merged report would not fit the bound"
    )]
    TooManyFindings { name: String, limit: usize },
}

/// What one source (a tool, in one input) contributed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceCount {
    /// Findings read.
    pub read: usize,
    /// Of those, how many were already in the report (from this or an earlier input).
    pub duplicates: usize,
}

/// Reads inputs one after the other into one deduplicated set of findings.
#[derive(Debug)]
pub struct Merger {
    limits: Limits,
    findings: Vec<Finding>,
    index: HashMap<[u8; 16], usize>,
    /// (input name, tool) → counts, in reading order of the inputs.
    counts: BTreeMap<(usize, String), SourceCount>,
    inputs: Vec<(String, InputKind)>,
    diagnostics: Vec<Diagnostic>,
}

/// The sink a reader hands its findings to.
pub(crate) struct Sink<'a> {
    merger: &'a mut Merger,
    input: usize,
    name: &'a str,
}

impl Sink<'_> {
    pub(crate) fn name(&self) -> &str {
        self.name
    }

    pub(crate) fn limits(&self) -> Limits {
        self.merger.limits
    }

    /// Adds one finding read from `tool`, collapsing it into an earlier one with the same fingerprint.
    pub(crate) fn push(&mut self, tool: &str, f: Finding) -> Result<(), ConsolidateError> {
        self.merger.add(self.input, self.name, tool, f)
    }

    pub(crate) fn diagnostic(&mut self, d: Diagnostic) {
        if self.merger.diagnostics.len() < 1000 {
            self.merger.diagnostics.push(d);
        }
    }
}

impl Merger {
    #[must_use]
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            findings: Vec::new(),
            index: HashMap::new(),
            counts: BTreeMap::new(),
            inputs: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    /// Reads a file, sniffing its type from its content. JSON is read streaming: a SARIF log's results are
    /// deduplicated as they are read, so memory follows the distinct findings, not the file's size.
    pub fn read_file(&mut self, path: &Path) -> Result<InputKind, ConsolidateError> {
        let name = path.display().to_string();
        let io = |error| ConsolidateError::Io {
            name: name.clone(),
            error,
        };
        let size = std::fs::metadata(path).map_err(io)?.len();
        if size > self.limits.max_file_bytes {
            return Err(ConsolidateError::TooLarge {
                name,
                size,
                limit: self.limits.max_file_bytes,
            });
        }
        let mut head = Vec::new();
        std::fs::File::open(path)
            .map_err(io)?
            .take(HEAD_BYTES)
            .read_to_end(&mut head)
            .map_err(io)?;
        let open = || -> Result<std::io::BufReader<std::fs::File>, ConsolidateError> {
            Ok(std::io::BufReader::with_capacity(
                1 << 16,
                std::fs::File::open(path).map_err(io)?,
            ))
        };
        if is_tar(&head) {
            let input = self.begin(&name, InputKind::Sonobuoy);
            sonobuoy::read(open()?, &mut self.sink(input, &name))?;
            return Ok(InputKind::Sonobuoy);
        }
        let kind = sniff_json(&head)
            .ok_or_else(|| ConsolidateError::Unrecognised { name: name.clone() })?;
        check_depth(open()?, self.limits.max_depth).map_err(|e| depth_error(&name, e))?;
        let input = self.begin(&name, kind);
        self.read_json(kind, open()?, input, &name)?;
        Ok(kind)
    }

    /// Reads an input held in memory (`name` is used in errors and as the source file).
    pub fn read_bytes(&mut self, bytes: &[u8], name: &str) -> Result<InputKind, ConsolidateError> {
        if bytes.len() as u64 > self.limits.max_file_bytes {
            return Err(ConsolidateError::TooLarge {
                name: name.to_owned(),
                size: bytes.len() as u64,
                limit: self.limits.max_file_bytes,
            });
        }
        let head = &bytes[..bytes.len().min(HEAD_BYTES as usize)];
        if is_tar(head) {
            let input = self.begin(name, InputKind::Sonobuoy);
            sonobuoy::read(bytes, &mut self.sink(input, name))?;
            return Ok(InputKind::Sonobuoy);
        }
        let kind = sniff_json(head).ok_or_else(|| ConsolidateError::Unrecognised {
            name: name.to_owned(),
        })?;
        check_depth(bytes, self.limits.max_depth).map_err(|e| depth_error(name, e))?;
        let input = self.begin(name, kind);
        self.read_json(kind, bytes, input, name)?;
        Ok(kind)
    }

    fn begin(&mut self, name: &str, kind: InputKind) -> usize {
        self.inputs.push((name.to_owned(), kind));
        self.inputs.len() - 1
    }

    fn sink<'a>(&'a mut self, input: usize, name: &'a str) -> Sink<'a> {
        Sink {
            merger: self,
            input,
            name,
        }
    }

    fn read_json<R: Read>(
        &mut self,
        kind: InputKind,
        r: R,
        input: usize,
        name: &str,
    ) -> Result<(), ConsolidateError> {
        let max_bytes = self.limits.max_file_bytes;
        let mut sink = self.sink(input, name);
        let json = |error| ConsolidateError::Json {
            name: name.to_owned(),
            kind,
            error,
        };
        match kind {
            InputKind::Sarif => sarif::read(r, &mut sink).map_err(|e| match e {
                sarif::Error::Json(e) => json(e),
                sarif::Error::Stop(e) => e,
            }),
            InputKind::Trivy => trivy::read(serde_json::from_reader(r).map_err(json)?, &mut sink),
            InputKind::Grype => grype::read(serde_json::from_reader(r).map_err(json)?, &mut sink),
            InputKind::KubeBench => {
                kube_bench::read(serde_json::from_reader(r).map_err(json)?, &mut sink)
            }
            InputKind::Bulwark => {
                let mut bytes = Vec::new();
                r.take(max_bytes + 1)
                    .read_to_end(&mut bytes)
                    .map_err(|error| ConsolidateError::Io {
                        name: name.to_owned(),
                        error,
                    })?;
                let report = bulwark_report::read_report(&bytes, name).map_err(|e| {
                    ConsolidateError::Report {
                        name: name.to_owned(),
                        message: without_prefix(&e.to_string(), name),
                    }
                })?;
                drop(bytes);
                let tool = report.tool.name.clone();
                for d in report.diagnostics {
                    sink.diagnostic(Diagnostic {
                        message: format!("{name}: {}", d.message),
                        ..d
                    });
                }
                for f in report.findings {
                    sink.push(&tool, f)?;
                }
                Ok(())
            }
            InputKind::Sonobuoy => unreachable!("tarballs are not JSON"),
        }
    }

    fn add(
        &mut self,
        input: usize,
        name: &str,
        tool: &str,
        mut f: Finding,
    ) -> Result<(), ConsolidateError> {
        let key = fingerprint_of(&f);
        let count = self.counts.entry((input, tool.to_owned())).or_default();
        count.read += 1;
        if let Some(&i) = self.index.get(&key) {
            count.duplicates += 1;
            let kept = &mut self.findings[i];
            add_sources(kept, &sources_of(&f, tool));
            kept.severity = kept.severity.max(f.severity);
            for r in f.references {
                if !kept.references.contains(&r) && kept.references.len() < 64 {
                    kept.references.push(r);
                }
            }
            return Ok(());
        }
        if self.findings.len() >= self.limits.max_findings {
            return Err(ConsolidateError::TooManyFindings {
                name: name.to_owned(),
                limit: self.limits.max_findings,
            });
        }
        let sources = sources_of(&f, tool);
        f.properties.insert("sources".into(), Value::Null);
        add_sources(&mut f, &sources);
        f.properties
            .insert("fingerprint".into(), Value::String(hex(&key)));
        self.index.insert(key, self.findings.len());
        self.findings.push(f);
        Ok(())
    }

    /// Counts per input and source: `(input, kind, tool, counts)` in reading order.
    #[must_use]
    pub fn counts(&self) -> Vec<(&str, InputKind, &str, &SourceCount)> {
        self.counts
            .iter()
            .map(|((i, tool), c)| {
                (
                    self.inputs[*i].0.as_str(),
                    self.inputs[*i].1,
                    tool.as_str(),
                    c,
                )
            })
            .collect()
    }

    /// The merged report: the distinct findings in reading order, one warning diagnostic per input and source
    /// with its counts (`consolidated: 12 findings from semgrep in a.sarif (SARIF), 3 of them duplicates`).
    #[must_use]
    pub fn finish(self) -> Report {
        let mut names: Vec<&str> = self.inputs.iter().map(|(n, _)| n.as_str()).collect();
        names.dedup();
        let mut target_name = names.join(", ");
        if target_name.len() > 1000 {
            let cut = (0..=1000)
                .rev()
                .find(|&i| target_name.is_char_boundary(i))
                .unwrap_or(0);
            target_name.truncate(cut);
            target_name.push('…');
        }
        let mut report = Report::new(Target {
            kind: TargetKind::Filesystem,
            name: target_name,
            image: None,
        });
        let mut diagnostics: Vec<Diagnostic> = self
            .counts()
            .into_iter()
            .map(|(file, kind, tool, c)| {
                Diagnostic::warning(
                    format!(
                        "consolidated: {} findings from {tool} in {file} ({kind}), {} of them duplicates",
                        c.read, c.duplicates
                    ),
                    Location::file(file),
                )
            })
            .collect();
        for (file, kind) in &self.inputs {
            if !self.counts.keys().any(|(i, _)| self.inputs[*i].0 == *file) {
                diagnostics.push(Diagnostic::warning(
                    format!("consolidated: 0 findings in {file} ({kind})"),
                    Location::file(file.as_str()),
                ));
            }
        }
        diagnostics.extend(self.diagnostics);
        report.diagnostics = diagnostics;
        report.findings = self.findings;
        report
    }
}

/// How much of a file sniffing looks at.
const HEAD_BYTES: u64 = 1 << 20;

fn without_prefix(msg: &str, name: &str) -> String {
    msg.strip_prefix(name)
        .and_then(|m| m.strip_prefix(": "))
        .unwrap_or(msg)
        .to_owned()
}

fn depth_error(name: &str, e: depth::DepthError) -> ConsolidateError {
    match e {
        depth::DepthError::Io(error) => ConsolidateError::Io {
            name: name.to_owned(),
            error,
        },
        depth::DepthError::TooDeep { limit, offset } => ConsolidateError::TooDeep {
            name: name.to_owned(),
            limit,
            offset,
        },
    }
}

/// gzip magic, or a ustar header.
fn is_tar(head: &[u8]) -> bool {
    head.starts_with(&[0x1f, 0x8b]) || head.get(257..262) == Some(b"ustar")
}

/// The input's type from its top-level JSON keys (those in the first MiB).
#[must_use]
pub fn sniff(head: &[u8]) -> Option<InputKind> {
    if is_tar(head) {
        return Some(InputKind::Sonobuoy);
    }
    sniff_json(head)
}

fn sniff_json(head: &[u8]) -> Option<InputKind> {
    let keys = depth::top_level_keys(head);
    let has = |k: &str| keys.iter().any(|x| x == k);
    if has("runs") || (has("$schema") && has("version")) {
        Some(InputKind::Sarif)
    } else if has("schemaVersion") && (has("tool") || has("findings") || has("createdAt")) {
        Some(InputKind::Bulwark)
    } else if has("SchemaVersion") || has("ArtifactName") || has("Results") {
        Some(InputKind::Trivy)
    } else if has("matches") {
        Some(InputKind::Grype)
    } else if has("Controls") {
        Some(InputKind::KubeBench)
    } else {
        None
    }
}

/// The finding's `sources` property, else the tool that reported it.
fn sources_of(f: &Finding, tool: &str) -> Vec<String> {
    let listed: Vec<String> = f
        .properties
        .get("sources")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if listed.is_empty() {
        vec![tool.to_owned()]
    } else {
        listed
    }
}

fn add_sources(f: &mut Finding, add: &[String]) {
    let mut have: Vec<Value> = match f.properties.remove("sources") {
        Some(Value::Array(a)) => a,
        _ => Vec::new(),
    };
    for s in add {
        if !have.iter().any(|h| h.as_str() == Some(s)) && have.len() < 64 {
            have.push(Value::String(s.clone()));
        }
    }
    f.properties.insert("sources".into(), Value::Array(have));
}

fn hex(b: &[u8]) -> String {
    use std::fmt::Write as _;
    b.iter()
        .fold(String::with_capacity(b.len() * 2), |mut s, x| {
            let _ = write!(s, "{x:02x}");
            s
        })
}

/// Hashes NUL-separated parts into a 128-bit fingerprint.
fn digest(parts: &[&str]) -> [u8; 16] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    let full = h.finalize();
    let mut out = [0; 16];
    out.copy_from_slice(&full[..16]);
    out
}

fn prop_str<'a>(f: &'a Finding, key: &str) -> Option<&'a str> {
    f.property(key).and_then(Value::as_str)
}

/// The fingerprint deduplication compares (see the README):
/// 1. a `fingerprint` property already set (a report this command wrote, read again);
/// 2. the tool's SARIF `fingerprints`/`partialFingerprints` (property `sarifFingerprints`), qualified by the
///    rule id, the artifact and the start line: tools scope them so (a line hash is per file), and semgrep OSS
///    writes the same placeholder (`matchBasedId/v1: "requires login"`) on every result;
/// 3. else the tool-independent identity: for a vulnerability, the advisory id (Grype's GHSA matches are read as
///    their CVE), the
///    package name (case-folded) and installed version; for anything else, the rule id, the location (path, line,
///    resource) and the message.
fn fingerprint_of(f: &Finding) -> [u8; 16] {
    if let Some(hexed) = prop_str(f, "fingerprint")
        && let Some(b) = unhex(hexed)
    {
        return b;
    }
    let path = f.location.path.as_deref().unwrap_or("");
    if let Some(Value::Object(fp)) = f.property("sarifFingerprints")
        && !fp.is_empty()
    {
        let mut parts: Vec<String> = fp
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
            .collect();
        parts.sort();
        let joined = parts.join("\n");
        let line = f.location.line.map(|l| l.to_string()).unwrap_or_default();
        return digest(&["sarif", &f.id, path, &line, &joined]);
    }
    if f.kind == bulwark_types::FindingKind::Vulnerability
        && let Some(pkg) = prop_str(f, "packageName").or_else(|| prop_str(f, "pkgName"))
    {
        let id: &str = &f.id;
        let version = prop_str(f, "installedVersion").unwrap_or("");
        return digest(&["vuln", id, &pkg.to_lowercase(), version]);
    }
    let line = f.location.line.map(|l| l.to_string()).unwrap_or_default();
    let resource = f.location.resource.as_deref().unwrap_or("");
    digest(&["finding", &f.id, path, &line, resource, &f.message])
}

fn unhex(s: &str) -> Option<[u8; 16]> {
    if s.len() != 32 {
        return None;
    }
    let mut out = [0; 16];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(out)
}

/// A severity word as tools write it (`HIGH`, `moderate`, `Negligible`); anything else is unknown.
pub(crate) fn severity_word(s: &str) -> Severity {
    s.trim().parse().unwrap_or(Severity::Unknown)
}

/// GitHub's `security-severity` bands: ≥9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low, 0 none.
pub(crate) fn severity_score(score: f64) -> Severity {
    match score {
        s if s >= 9.0 => Severity::Critical,
        s if s >= 7.0 => Severity::High,
        s if s >= 4.0 => Severity::Medium,
        s if s > 0.0 => Severity::Low,
        _ => Severity::Info,
    }
}

/// At most `max` bytes of `s`, cut on a character boundary.
pub(crate) fn cut(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let end = (0..=max)
        .rev()
        .find(|&i| s.is_char_boundary(i))
        .unwrap_or(0);
    format!("{}…", &s[..end])
}

/// The first CVE id among `ids`.
pub(crate) fn cve_of<'a>(ids: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    ids.into_iter().find(|i| i.starts_with("CVE-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing_reads_top_level_keys_not_names() {
        assert_eq!(
            sniff(br#"{"version":"2.1.0","runs":[]}"#),
            Some(InputKind::Sarif)
        );
        assert_eq!(
            sniff(br#"{"SchemaVersion":2,"ArtifactName":"x","Results":[]}"#),
            Some(InputKind::Trivy)
        );
        assert_eq!(
            sniff(br#"{"matches":[],"descriptor":{"name":"grype"}}"#),
            Some(InputKind::Grype)
        );
        assert_eq!(
            sniff(br#"{"Controls":[],"Totals":{}}"#),
            Some(InputKind::KubeBench)
        );
        // A key nested deeper does not count.
        assert_eq!(sniff(br#"{"x":{"runs":[]}}"#), None);
        assert_eq!(sniff(br#"{"x":"\"runs\":"}"#), None);
        assert_eq!(sniff(b"\x1f\x8b\x08"), Some(InputKind::Sonobuoy));
    }

    #[test]
    fn severity_bands_are_githubs() {
        assert_eq!(severity_score(9.0), Severity::Critical);
        assert_eq!(severity_score(8.9), Severity::High);
        assert_eq!(severity_score(4.0), Severity::Medium);
        assert_eq!(severity_score(0.1), Severity::Low);
        assert_eq!(severity_score(0.0), Severity::Info);
    }
}
