//! Parsers for the upstream feed formats. Each works on bytes, never panics, and reports a malformed record as
//! an error for the caller to count (the fuzz targets call these directly).

use std::collections::HashMap;

use bulwark_version::Scheme;
use bulwark_version::osv::{Affected, EventKind, Range, RangeType};
use serde::Deserialize;
use serde_json::Value;

use crate::model::{
    AffectedRecord, Cvss, Enrichment, Kev, RatedSeverity, Status, Vuln, severity_word,
};
use crate::namespace::{DEBIAN_CODENAMES, normalize_name, osv_namespace};

/// A record that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FeedError(pub String);

impl FeedError {
    fn new(s: impl Into<String>) -> Self {
        FeedError(s.into())
    }
}

impl From<serde_json::Error> for FeedError {
    fn from(e: serde_json::Error) -> Self {
        FeedError(format!("invalid JSON: {e}"))
    }
}

/// What one feed file or record produced.
#[derive(Debug, Default)]
pub struct Parsed {
    pub vulns: Vec<Vuln>,
    pub affected: Vec<AffectedRecord>,
    pub enrichment: Vec<Enrichment>,
    /// Records kept (advisories for OSV, CVE entries for the others).
    pub records: u64,
    pub skipped: u64,
    pub withdrawn: u64,
    /// Affected entries whose ecosystem Bulwark cannot match (no version scheme).
    pub unsupported: u64,
    /// The feed's own date (newest `modified`, NVD `timestamp`, EPSS `score_date`, KEV `dateReleased`).
    pub date: Option<String>,
    /// First few problems, for the build report.
    pub problems: Vec<String>,
}

impl Parsed {
    pub(crate) fn problem(&mut self, what: impl Into<String>) {
        self.skipped += 1;
        if self.problems.len() < 20 {
            self.problems.push(what.into());
        }
    }

    pub(crate) fn absorb(&mut self, other: Parsed) {
        self.vulns.extend(other.vulns);
        self.affected.extend(other.affected);
        self.enrichment.extend(other.enrichment);
        self.records += other.records;
        self.skipped += other.skipped;
        self.withdrawn += other.withdrawn;
        self.unsupported += other.unsupported;
        self.date = max_date(self.date.take(), other.date);
        for p in other.problems {
            if self.problems.len() < 20 {
                self.problems.push(p);
            }
        }
    }
}

fn max_date(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b > a { b } else { a }),
        (a, b) => a.or(b),
    }
}

// ---------------------------------------------------------------- OSV

#[derive(Deserialize)]
struct OsvJson {
    id: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    related: Vec<String>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    details: Option<String>,
    #[serde(default)]
    withdrawn: Option<String>,
    #[serde(default)]
    modified: Option<String>,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    severity: Vec<OsvSeverity>,
    #[serde(default)]
    affected: Vec<OsvAffected>,
    #[serde(default)]
    references: Vec<OsvRef>,
    #[serde(default)]
    database_specific: Option<Value>,
}

#[derive(Deserialize)]
struct OsvSeverity {
    #[serde(rename = "type")]
    kind: String,
    score: String,
}

#[derive(Deserialize)]
struct OsvPackage {
    ecosystem: String,
    name: String,
}

#[derive(Deserialize)]
struct OsvAffected {
    package: Option<OsvPackage>,
    #[serde(default)]
    ranges: Vec<Range>,
    #[serde(default)]
    versions: Vec<String>,
    #[serde(default)]
    severity: Vec<OsvSeverity>,
    #[serde(default)]
    ecosystem_specific: Option<Value>,
}

#[derive(Deserialize)]
struct OsvRef {
    #[serde(rename = "type", default)]
    kind: String,
    url: String,
}

fn title_of(summary: Option<&str>, details: Option<&str>) -> String {
    let s = summary
        .filter(|s| !s.trim().is_empty())
        .or(details)
        .unwrap_or("");
    let line = s.trim().lines().next().unwrap_or("").trim();
    if line.chars().count() > 160 {
        let mut t: String = line.chars().take(157).collect();
        t.push('…');
        t
    } else {
        line.to_owned()
    }
}

fn vendor_severity(rec: &OsvJson) -> Option<RatedSeverity> {
    if let Some(word) = rec
        .database_specific
        .as_ref()
        .and_then(|d| d.get("severity"))
        .and_then(Value::as_str)
        && let Some(severity) = severity_word(word)
    {
        let source = if rec.id.starts_with("GHSA-") {
            "ghsa"
        } else {
            "osv:database_specific"
        };
        return Some(RatedSeverity {
            severity,
            source: source.into(),
        });
    }
    // Red Hat-style errata (ALSA, RLSA) open the summary with the impact: "Important: firefox security update".
    if let Some(summary) = &rec.summary
        && let Some((word, _)) = summary.split_once(':')
        && let Some(severity) = severity_word(word)
        && ["ALSA-", "ALBA-", "ALEA-", "RLSA-", "RHSA-"]
            .iter()
            .any(|p| rec.id.starts_with(p))
    {
        let source = if rec.id.starts_with("RLSA-") {
            "rocky"
        } else if rec.id.starts_with("RHSA-") {
            "redhat"
        } else {
            "almalinux"
        };
        return Some(RatedSeverity {
            severity,
            source: source.into(),
        });
    }
    for s in &rec.severity {
        if s.kind.eq_ignore_ascii_case("ubuntu")
            && let Some(severity) = severity_word(&s.score)
        {
            return Some(RatedSeverity {
                severity,
                source: "ubuntu".into(),
            });
        }
    }
    None
}

fn cvss_vectors(sev: &[OsvSeverity]) -> Vec<Cvss> {
    sev.iter()
        .filter(|s| s.kind.starts_with("CVSS_"))
        .map(|s| Cvss::from_vector(&s.score))
        .collect()
}

/// Parses one OSV record. A withdrawn record gives `withdrawn == 1` and nothing else.
pub fn parse_osv(bytes: &[u8]) -> Result<Parsed, FeedError> {
    let rec: OsvJson = serde_json::from_slice(bytes)?;
    let mut out = Parsed::default();
    if rec.id.trim().is_empty() {
        return Err(FeedError::new("OSV record without an id"));
    }
    if rec.withdrawn.as_deref().is_some_and(|w| !w.is_empty()) {
        out.withdrawn = 1;
        return Ok(out);
    }
    let mut cvss = cvss_vectors(&rec.severity);
    let vendor = vendor_severity(&rec);
    for a in &rec.affected {
        let Some(pkg) = &a.package else { continue };
        let (Some(namespace), Some(scheme)) = (
            osv_namespace(&pkg.ecosystem),
            Scheme::for_osv_ecosystem(&pkg.ecosystem),
        ) else {
            out.unsupported += 1;
            continue;
        };
        for c in cvss_vectors(&a.severity) {
            if !cvss.contains(&c) {
                cvss.push(c);
            }
        }
        let ranges = Affected {
            ranges: a.ranges.clone(),
            versions: uncovered_versions(&a.ranges, &a.versions, scheme),
        };
        let fixed = last_fixed(&a.ranges);
        let per_package = a
            .ecosystem_specific
            .as_ref()
            .and_then(|e| e.get("severity").or_else(|| e.get("urgency")))
            .and_then(Value::as_str)
            .and_then(severity_word)
            .map(|severity| RatedSeverity {
                severity,
                source: namespace
                    .split(':')
                    .next()
                    .unwrap_or(&namespace)
                    .to_ascii_lowercase(),
            });
        out.affected.push(AffectedRecord {
            package: normalize_name(&namespace, &pkg.name),
            namespace,
            vuln_id: rec.id.clone(),
            origin: "osv".into(),
            scheme,
            status: if fixed.is_some() {
                Status::Fixed
            } else {
                Status::Affected
            },
            fixed,
            ranges: Some(ranges),
            severity: per_package,
        });
    }
    let mut references: Vec<String> = Vec::new();
    for r in rec
        .references
        .iter()
        .filter(|r| r.kind == "ADVISORY")
        .chain(rec.references.iter().filter(|r| r.kind != "ADVISORY"))
    {
        if references.len() >= 4 {
            break;
        }
        if !references.contains(&r.url) {
            references.push(r.url.clone());
        }
    }
    out.date.clone_from(&rec.modified);
    out.vulns.push(Vuln {
        title: title_of(rec.summary.as_deref(), rec.details.as_deref()),
        id: rec.id,
        origin: "osv".into(),
        aliases: rec.aliases,
        related: rec.related,
        severity: vendor,
        cvss,
        published: rec.published,
        modified: rec.modified,
        references,
    });
    out.records = 1;
    Ok(out)
}

/// The listed versions that the ranges do not already make affected. PyPA and others enumerate every affected
/// release in `versions[]` next to the ranges; dropping the ones the ranges cover gives the same verdict for
/// every installed version (equal versions get equal range verdicts) while sparing the matcher a parse per
/// listed version per lookup. Versions that do not parse are kept.
fn uncovered_versions(ranges: &[Range], versions: &[String], scheme: Scheme) -> Vec<String> {
    if versions.is_empty() || ranges.is_empty() {
        return versions.to_vec();
    }
    let only_ranges = Affected {
        ranges: ranges.to_vec(),
        versions: Vec::new(),
    };
    versions
        .iter()
        .filter(|v| {
            !bulwark_version::osv::evaluate(&only_ranges, scheme, v)
                .is_ok_and(|verdict| verdict.affected)
        })
        .cloned()
        .collect()
}

fn last_fixed(ranges: &[Range]) -> Option<String> {
    ranges
        .iter()
        .filter(|r| matches!(r.kind, RangeType::Ecosystem | RangeType::Semver))
        .flat_map(|r| r.events.iter())
        .rev()
        .find_map(|e| match e.kind_and_version() {
            Some((EventKind::Fixed, v)) => Some(v.to_owned()),
            _ => None,
        })
}

/// Parses OSV JSON lines (one record a line); malformed lines are counted.
#[must_use]
pub fn parse_osv_lines(bytes: &[u8]) -> Parsed {
    let mut out = Parsed::default();
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match parse_osv(line) {
            Ok(p) => out.absorb(p),
            Err(e) => out.problem(format!("line {}: {e}", i + 1)),
        }
    }
    out
}

// ---------------------------------------------------------------- Debian security tracker

/// Parses the Debian security tracker's JSON (`{srcpkg: {CVE: {description, releases: {codename: …}}}}`).
/// Releases whose codename Bulwark does not know (`sid`) are left out.
pub fn parse_debian(bytes: &[u8]) -> Result<Parsed, FeedError> {
    let doc: Value = serde_json::from_slice(bytes)?;
    let Value::Object(packages) = doc else {
        return Err(FeedError::new("expected an object of source packages"));
    };
    let mut out = Parsed::default();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (srcpkg, cves) in packages {
        let Value::Object(cves) = cves else {
            out.problem(format!("{srcpkg}: not an object"));
            continue;
        };
        for (cve, entry) in cves {
            let Some(releases) = entry.get("releases").and_then(Value::as_object) else {
                out.problem(format!("{srcpkg}/{cve}: no releases"));
                continue;
            };
            let mut any = false;
            for (codename, rel) in releases {
                let Some((_, number)) = DEBIAN_CODENAMES.iter().find(|(c, _)| c == codename) else {
                    continue;
                };
                let Some(status) = rel.get("status").and_then(Value::as_str) else {
                    out.problem(format!("{srcpkg}/{cve}/{codename}: no status"));
                    continue;
                };
                let text = |k: &str| rel.get(k).and_then(Value::as_str).unwrap_or("");
                let urgency = text("urgency");
                let fixed = text("fixed_version");
                let status = match status {
                    "resolved" if fixed == "0" || fixed.is_empty() => continue,
                    "resolved" => Status::Fixed,
                    "open" if urgency == "end-of-life" => Status::EndOfLife,
                    "open" if text("nodsa_reason") == "postponed" => Status::FixDeferred,
                    "open" if !text("nodsa").is_empty() || text("nodsa_reason") == "ignored" => {
                        Status::WillNotFix
                    }
                    "open" => Status::Affected,
                    "end-of-life" => Status::EndOfLife,
                    "postponed" => Status::FixDeferred,
                    // undetermined, not-affected and anything new: not reported.
                    _ => continue,
                };
                any = true;
                out.affected.push(AffectedRecord {
                    namespace: format!("debian:{number}"),
                    package: srcpkg.clone(),
                    vuln_id: cve.clone(),
                    origin: "debian".into(),
                    scheme: Scheme::Dpkg,
                    status,
                    fixed: (status == Status::Fixed).then(|| fixed.to_owned()),
                    ranges: None,
                    severity: severity_word(urgency).map(|severity| RatedSeverity {
                        severity,
                        source: "debian".into(),
                    }),
                });
            }
            if any && !seen.contains_key(&cve) {
                seen.insert(cve.clone(), out.vulns.len());
                let description = entry.get("description").and_then(Value::as_str);
                out.vulns.push(Vuln {
                    title: title_of(description, None),
                    id: cve,
                    origin: "debian".into(),
                    ..Vuln::default()
                });
                out.records += 1;
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- Alpine secdb

/// Parses one Alpine secdb file (`{distroversion: "v3.14", packages: [{pkg: {name, secfixes}}]}`).
/// `release_hint` (`3.14`) is used when the file has no `distroversion`.
pub fn parse_secdb(bytes: &[u8], release_hint: Option<&str>) -> Result<Parsed, FeedError> {
    let doc: Value = serde_json::from_slice(bytes)?;
    let release = doc
        .get("distroversion")
        .and_then(Value::as_str)
        .map(|v| v.trim_start_matches('v').to_owned())
        .or_else(|| release_hint.map(|h| h.trim_start_matches('v').to_owned()))
        .filter(|r| !r.is_empty())
        .ok_or_else(|| FeedError::new("no distroversion"))?;
    let namespace = format!("alpine:{release}");
    let packages = doc
        .get("packages")
        .and_then(Value::as_array)
        .ok_or_else(|| FeedError::new("no packages array"))?;
    let mut out = Parsed::default();
    let mut seen = std::collections::HashSet::new();
    for p in packages {
        let pkg = p.get("pkg");
        let name = pkg.and_then(|p| p.get("name")).and_then(Value::as_str);
        let secfixes = pkg
            .and_then(|p| p.get("secfixes"))
            .and_then(Value::as_object);
        let (Some(name), Some(secfixes)) = (name, secfixes) else {
            out.problem("package without name or secfixes");
            continue;
        };
        for (version, ids) in secfixes {
            let Some(ids) = ids.as_array() else {
                out.problem(format!("{name} {version}: ids are not a list"));
                continue;
            };
            // "0": the package was never affected in this release.
            if version == "0" {
                continue;
            }
            if bulwark_version::Version::parse(Scheme::Apk, version).is_err() {
                out.problem(format!("{name}: invalid fixed version {version:?}"));
                continue;
            }
            for id in ids {
                let Some(id) = id.as_str().and_then(|s| s.split_whitespace().next()) else {
                    continue;
                };
                out.affected.push(AffectedRecord {
                    namespace: namespace.clone(),
                    package: name.to_owned(),
                    vuln_id: id.to_owned(),
                    origin: "alpine".into(),
                    scheme: Scheme::Apk,
                    status: Status::Fixed,
                    fixed: Some(version.clone()),
                    ranges: None,
                    severity: None,
                });
                if seen.insert(id.to_owned()) {
                    out.vulns.push(Vuln {
                        id: id.to_owned(),
                        origin: "alpine".into(),
                        ..Vuln::default()
                    });
                }
                out.records += 1;
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- enrichment

/// Parses an NVD JSON 2.0 feed or API page: the preferred CVSS metric (v3.1, v4.0, v3.0, v2; NVD's
/// `Primary` first) of each CVE.
pub fn parse_nvd(bytes: &[u8]) -> Result<Parsed, FeedError> {
    let doc: Value = serde_json::from_slice(bytes)?;
    let items = doc
        .get("vulnerabilities")
        .and_then(Value::as_array)
        .ok_or_else(|| FeedError::new("no vulnerabilities array"))?;
    let mut out = Parsed {
        date: doc
            .get("timestamp")
            .and_then(Value::as_str)
            .map(str::to_owned),
        ..Parsed::default()
    };
    for item in items {
        let cve = item.get("cve");
        let Some(id) = cve.and_then(|c| c.get("id")).and_then(Value::as_str) else {
            out.problem("NVD item without cve.id");
            continue;
        };
        let metrics = cve.and_then(|c| c.get("metrics"));
        let mut best = None;
        for key in [
            "cvssMetricV31",
            "cvssMetricV40",
            "cvssMetricV30",
            "cvssMetricV2",
        ] {
            let Some(list) = metrics.and_then(|m| m.get(key)).and_then(Value::as_array) else {
                continue;
            };
            let pick = list
                .iter()
                .find(|m| m.get("type").and_then(Value::as_str) == Some("Primary"))
                .or_else(|| list.first());
            if let Some(m) = pick {
                best = Some(m);
                break;
            }
        }
        let mut e = Enrichment {
            cve: id.to_owned(),
            ..Enrichment::default()
        };
        if let Some(m) = best
            && let Some(data) = m.get("cvssData")
        {
            let vector = data.get("vectorString").and_then(Value::as_str);
            let score = data.get("baseScore").and_then(Value::as_f64);
            if let Some(vector) = vector {
                let mut c = Cvss::from_vector(vector);
                if let Some(v) = data.get("version").and_then(Value::as_str) {
                    v.clone_into(&mut c.version);
                }
                c.score = score;
                e.nvd = Some(c);
            }
            let word = data
                .get("baseSeverity")
                .or_else(|| m.get("baseSeverity"))
                .and_then(Value::as_str);
            e.nvd_severity = word
                .and_then(severity_word)
                .or_else(|| score.map(crate::model::severity_from_score));
        }
        if e.nvd.is_some() {
            out.enrichment.push(e);
            out.records += 1;
        }
    }
    Ok(out)
}

/// Parses the EPSS CSV (`#model_version:…,score_date:…`, then `cve,epss,percentile`).
#[must_use]
pub fn parse_epss(text: &[u8]) -> Parsed {
    let mut out = Parsed::default();
    for (i, line) in text.split(|b| *b == b'\n').enumerate() {
        let Ok(line) = std::str::from_utf8(line) else {
            out.problem(format!("line {}: not UTF-8", i + 1));
            continue;
        };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            for part in comment.split(',') {
                if let Some(d) = part.trim().strip_prefix("score_date:") {
                    out.date = Some(d.to_owned());
                }
            }
            continue;
        }
        let mut cols = line.split(',');
        let (Some(cve), Some(epss), Some(pct)) = (cols.next(), cols.next(), cols.next()) else {
            out.problem(format!("line {}: expected cve,epss,percentile", i + 1));
            continue;
        };
        if cve == "cve" {
            continue;
        }
        match (epss.parse::<f64>(), pct.parse::<f64>()) {
            (Ok(e), Ok(p)) if cve.starts_with("CVE-") => {
                out.enrichment.push(Enrichment {
                    cve: cve.to_owned(),
                    epss: Some(e),
                    epss_percentile: Some(p),
                    ..Enrichment::default()
                });
                out.records += 1;
            }
            _ => out.problem(format!("line {}: bad EPSS row", i + 1)),
        }
    }
    out
}

/// Parses the CISA KEV catalog.
pub fn parse_kev(bytes: &[u8]) -> Result<Parsed, FeedError> {
    let doc: Value = serde_json::from_slice(bytes)?;
    let list = doc
        .get("vulnerabilities")
        .and_then(Value::as_array)
        .ok_or_else(|| FeedError::new("no vulnerabilities array"))?;
    let mut out = Parsed {
        date: doc
            .get("dateReleased")
            .or_else(|| doc.get("catalogVersion"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        ..Parsed::default()
    };
    for v in list {
        let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        let Some(cve) = text("cveID").filter(|c| c.starts_with("CVE-")) else {
            out.problem("KEV entry without cveID");
            continue;
        };
        out.enrichment.push(Enrichment {
            cve,
            kev: Some(Kev {
                date_added: text("dateAdded").unwrap_or_default(),
                due_date: text("dueDate"),
                ransomware: text("knownRansomwareCampaignUse"),
            }),
            ..Enrichment::default()
        });
        out.records += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulwark_types::Severity;

    #[test]
    fn osv_withdrawn_and_malformed() {
        let p =
            parse_osv(br#"{"id":"X-1","withdrawn":"2024-01-01T00:00:00Z","affected":[]}"#).unwrap();
        assert_eq!(p.withdrawn, 1);
        assert!(p.vulns.is_empty());
        assert!(parse_osv(b"{not json").is_err());
        assert!(parse_osv(br#"{"id":"X","affected":[{"ranges":"nope"}]}"#).is_err());
        let lines = parse_osv_lines(b"{\"id\":\"A\"}\n{bad\n\n{\"id\":\"B\"}\n");
        assert_eq!((lines.records, lines.skipped), (2, 1));
    }

    #[test]
    fn osv_almalinux_severity() {
        let p = parse_osv(br#"{"id":"ALSA-2025:1","summary":"Important: firefox security update",
            "related":["CVE-2025-1"],
            "affected":[{"package":{"ecosystem":"AlmaLinux:9","name":"firefox"},
            "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.0-1.el9"}]}]}]}"#)
            .unwrap();
        let v = &p.vulns[0];
        assert_eq!(v.severity.as_ref().unwrap().severity, Severity::High);
        assert_eq!(p.affected[0].namespace, "almalinux:9");
        assert_eq!(p.affected[0].fixed.as_deref(), Some("1.0-1.el9"));
    }

    #[test]
    fn debian_statuses() {
        let feed = br#"{"pkg":{
          "CVE-1":{"description":"d","releases":{"bookworm":{"status":"resolved","fixed_version":"1.2-1","urgency":"high**"}}},
          "CVE-2":{"releases":{"bookworm":{"status":"resolved","fixed_version":"0","urgency":"unimportant"}}},
          "CVE-3":{"releases":{"bookworm":{"status":"open","nodsa":"Minor issue","urgency":"low"}}},
          "CVE-4":{"releases":{"bookworm":{"status":"open","nodsa":"x","nodsa_reason":"postponed","urgency":"low"}}},
          "CVE-5":{"releases":{"bookworm":{"status":"undetermined"}}},
          "CVE-6":{"releases":{"bookworm":{"status":"open","urgency":"end-of-life"},"sid":{"status":"open"}}},
          "CVE-7":{"releases":{"bullseye":{"status":"open","urgency":"not yet assigned"}}}
        }}"#;
        let p = parse_debian(feed).unwrap();
        let st: Vec<(&str, &str, Status)> = p
            .affected
            .iter()
            .map(|a| (a.vuln_id.as_str(), a.namespace.as_str(), a.status))
            .collect();
        assert_eq!(
            st,
            [
                ("CVE-1", "debian:12", Status::Fixed),
                ("CVE-3", "debian:12", Status::WillNotFix),
                ("CVE-4", "debian:12", Status::FixDeferred),
                ("CVE-6", "debian:12", Status::EndOfLife),
                ("CVE-7", "debian:11", Status::Affected),
            ]
        );
        assert_eq!(
            p.affected[0].severity.as_ref().unwrap().severity,
            Severity::High
        );
        assert!(p.affected[4].severity.is_none());
    }

    #[test]
    fn secdb_zero_is_not_affected() {
        let p = parse_secdb(
            br#"{"distroversion":"v3.14","packages":[{"pkg":{"name":"musl","secfixes":{"0":["CVE-0"],"1.2.2_pre2-r0":["CVE-2020-28928"]}}},{"pkg":{"name":"x"}}]}"#,
            None,
        )
        .unwrap();
        assert_eq!(p.affected.len(), 1);
        assert_eq!(p.affected[0].namespace, "alpine:3.14");
        assert_eq!(p.skipped, 1);
    }

    #[test]
    fn epss_and_kev() {
        let p = parse_epss(
            b"#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000\ncve,epss,percentile\nCVE-2024-1,0.5,0.9\nbad\n",
        );
        assert_eq!((p.records, p.skipped), (1, 1));
        assert_eq!(p.date.as_deref(), Some("2025-08-25T00:00:00+0000"));
        let k = parse_kev(br#"{"dateReleased":"2025-08-25","vulnerabilities":[{"cveID":"CVE-1","dateAdded":"2022-01-01"},{"x":1}]}"#).unwrap();
        assert_eq!((k.records, k.skipped), (1, 1));
    }
}
