//! `gitlab-cs` and `gitlab-ds`: GitLab's container-scanning and dependency-scanning security reports.
//!
//! Written to GitLab's security report schemas, version [`GITLAB_SCHEMA_VERSION`] (the
//! `container-scanning-report-format.json` and `dependency-scanning-report-format.json` files of
//! gitlab-org/security-products/security-report-schemas), so that a CI job can declare the file under
//! `artifacts: reports: container_scanning` or `dependency_scanning`.
//!
//! - One vulnerability per vulnerability finding; other findings (secrets, misconfigurations, licenses…) have no
//!   place in these report types and are counted in an `info` message of `scan.messages` instead.
//! - `id`: a UUID (RFC 9562 version 8, vendor-specific) derived from the finding's id, package, version and
//!   location, so the same scan renders the same ids; two identical findings get different ids.
//! - `severity`: Bulwark's `CRITICAL`/`HIGH`/`MEDIUM`/`LOW`/`INFO`/`UNKNOWN` become GitLab's `Critical`, `High`,
//!   `Medium`, `Low`, `Info`, `Unknown`.
//! - `identifiers`: the finding's id first (the primary identifier), then its aliases; CVE ids are type `cve` with
//!   their NVD page, GHSA ids type `ghsa` with their GitHub advisory page, others typed by their prefix
//!   (`PYSEC-…` → `pysec`).
//! - `location`: for `gitlab-cs` the package and version, the operating system (`debian 12`, `Unknown` when none
//!   was detected) and the image (the target name); for `gitlab-ds` the manifest or lock file (the finding's path,
//!   else the package's `found_in`, else the target) and the package and version.
//! - `solution` names the fixed version; `links` are the finding's http(s) references; `cvss_vectors` carries a
//!   CVSS 3.x vector the schema's pattern accepts.
//! - `scan.start_time` is the report's `created_at`, `scan.end_time` the time of rendering, both as the schema's
//!   `yyyy-mm-ddThh:mm:ss` UTC; `scan.status` is `failure` when a diagnostic is an error (the inventory cannot be
//!   trusted, the CLI exits 2), else `success`; diagnostics become `scan.messages` (`warn`, `fatal`).
//! - Strings are cut to the schema's lengths (`name` 255, `solution` 7000, `description` 1 MiB) on a character
//!   boundary; required strings that would be empty get a placeholder, never an empty value.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;

use bulwark_types::{DiagnosticLevel, Finding, FindingKind, Severity};
use serde_json::{Value, json};

use crate::util::fnv1a128;
use crate::{Report, ReportError, link};

/// The version of GitLab's security report schemas these reports conform to.
pub const GITLAB_SCHEMA_VERSION: &str = "15.1.0";

/// Which GitLab security report to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GitLabReport {
    /// `container_scanning`: vulnerabilities of an image's packages.
    ContainerScanning,
    /// `dependency_scanning`: vulnerabilities of a project's dependencies, located in their manifest files.
    DependencyScanning,
}

impl GitLabReport {
    fn scan_type(self) -> &'static str {
        match self {
            Self::ContainerScanning => "container_scanning",
            Self::DependencyScanning => "dependency_scanning",
        }
    }
}

/// GitLab's severity names (the schema's `severity` enum).
#[must_use]
pub fn gitlab_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
        Severity::Info => "Info",
        Severity::Unknown => "Unknown",
    }
}

/// Renders `report` as the GitLab security report `kind`, pretty-printed.
pub fn render_gitlab(
    report: &Report,
    kind: GitLabReport,
    w: &mut dyn Write,
) -> Result<(), ReportError> {
    let doc = gitlab_value(report, kind, &crate::rfc3339_now());
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    w.write_all(b"\n")?;
    Ok(())
}

/// The report as a JSON value; `now` (RFC 3339) is the scan's end time.
pub(crate) fn gitlab_value(report: &Report, kind: GitLabReport, now: &str) -> Value {
    let end = schema_time(now).unwrap_or_else(|| "1970-01-01T00:00:00".into());
    let start = schema_time(&report.created_at).unwrap_or_else(|| end.clone());
    let mut ids: HashMap<u128, u32> = HashMap::new();
    let vulnerabilities: Vec<Value> = report
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::Vulnerability)
        .map(|f| vulnerability(report, f, kind, &mut ids))
        .collect();
    let mut messages: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|d| {
            let level = match d.level {
                DiagnosticLevel::Warning => "warn",
                DiagnosticLevel::Error => "fatal",
            };
            json!({"level": level, "value": non_empty(d.to_string(), "diagnostic")})
        })
        .collect();
    let others = report
        .findings
        .iter()
        .filter(|f| f.kind != FindingKind::Vulnerability)
        .count();
    if others > 0 {
        messages.push(json!({
            "level": "info",
            "value": format!(
                "{others} finding(s) other than vulnerabilities (secrets, misconfigurations, licenses, …) are not \
                 part of a {} report; see Bulwark's json or sarif output",
                kind.scan_type()
            ),
        }));
    }
    if let Some(o) = &report.omitted {
        messages.push(json!({
            "level": "info",
            "value": format!("{} finding(s) filtered out, {} suppressed (VEX or ignore file)", o.filtered, o.suppressed),
        }));
    }
    let failed = report
        .diagnostics
        .iter()
        .any(|d| d.level == DiagnosticLevel::Error);
    let tool = json!({
        "id": "bulwark",
        "name": "Bulwark",
        "url": crate::util::project_url(),
        "vendor": {"name": "Bulwark"},
        "version": non_empty(report.tool.version.clone(), "unknown"),
    });
    let mut scan = json!({
        "analyzer": tool,
        "scanner": tool,
        "type": kind.scan_type(),
        "start_time": start,
        "end_time": end,
        "status": if failed { "failure" } else { "success" },
    });
    if !messages.is_empty() {
        scan["messages"] = Value::Array(messages);
    }
    json!({
        "version": GITLAB_SCHEMA_VERSION,
        "scan": scan,
        "vulnerabilities": vulnerabilities,
    })
}

fn vulnerability(
    report: &Report,
    f: &Finding,
    kind: GitLabReport,
    ids: &mut HashMap<u128, u32>,
) -> Value {
    let pkg_index = link::package_of(report, f);
    let pkg = pkg_index.map(|i| &report.packages[i]);
    let name = link::package_name(f)
        .or(pkg.map(|p| p.name.as_str()))
        .filter(|s| !s.is_empty())
        .unwrap_or("unknown");
    let version = link::installed_version(f)
        .or(pkg.map(|p| p.version.as_str()))
        .unwrap_or("");
    let path = f
        .location
        .path
        .as_deref()
        .or(pkg.and_then(|p| p.found_in.as_deref()))
        .filter(|s| !s.is_empty());
    let dependency = json!({"package": {"name": name}, "version": version});
    let location = match kind {
        GitLabReport::ContainerScanning => json!({
            "dependency": dependency,
            "operating_system": operating_system(report),
            "image": non_empty(report.target.name.clone(), "unknown"),
        }),
        GitLabReport::DependencyScanning => json!({
            "file": path.map_or_else(
                || non_empty(report.target.name.clone(), "."),
                |p| p.trim_start_matches('/').to_string(),
            ),
            "dependency": dependency,
        }),
    };
    let key = format!(
        "{}\0{}\0{name}\0{version}\0{}",
        kind.scan_type(),
        f.id,
        path.unwrap_or("")
    );
    let mut hash = fnv1a128(key.as_bytes());
    let seen = ids.entry(hash).or_insert(0);
    *seen += 1;
    if *seen > 1 {
        hash = fnv1a128(format!("{key}\0{seen}").as_bytes());
    }
    let mut v = json!({
        "id": uuid_v8(hash),
        "name": truncate(non_empty(f.title.to_string(), &f.id), 255),
        "description": truncate(description(f), 1 << 20),
        "severity": gitlab_severity(f.severity),
        "identifiers": identifiers(f),
        "location": location,
    });
    if let Some(fixed) = link::fixed_version(f) {
        v["solution"] = json!(truncate(format!("Upgrade {name} to {fixed}"), 7000));
    }
    let links: Vec<Value> = f
        .references
        .iter()
        .filter(|r| is_link(r))
        .map(|r| json!({"url": r}))
        .collect();
    if !links.is_empty() {
        v["links"] = Value::Array(links);
    }
    if let Some(vector) = f
        .property("cvssVector")
        .and_then(Value::as_str)
        .filter(|s| cvss3_vector_ok(s))
    {
        let vendor = match f.property("severitySource").and_then(Value::as_str) {
            Some(source) if source.starts_with("nvd") => "NVD",
            _ => "unknown",
        };
        v["cvss_vectors"] = json!([{"vendor": vendor, "vector": vector}]);
    }
    v
}

fn description(f: &Finding) -> String {
    match (f.title.is_empty(), f.message.is_empty()) {
        (_, true) => f.title.to_string(),
        (true, false) => f.message.to_string(),
        (false, false) => format!("{}\n\n{}", f.title, f.message),
    }
}

fn operating_system(report: &Report) -> String {
    let Some(os) = &report.os else {
        return "Unknown".into();
    };
    let s = match &os.version_id {
        Some(v) => format!("{} {v}", os.id),
        None => os.id.clone(),
    };
    non_empty(s.trim().to_string(), "Unknown")
}

/// The finding's id, then its aliases, each once, typed and linked where the kind of id is known.
fn identifiers(f: &Finding) -> Vec<Value> {
    let mut all: Vec<&str> = vec![f.id.as_ref()];
    if let Some(Value::Array(a)) = f.property("aliases") {
        all.extend(a.iter().filter_map(Value::as_str));
    }
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for id in all {
        let id = id.trim();
        if id.is_empty() || !seen.insert(id) {
            continue;
        }
        out.push(identifier(id));
    }
    if out.is_empty() {
        out.push(json!({"type": "bulwark", "name": "unknown", "value": "unknown"}));
    }
    out
}

fn identifier(id: &str) -> Value {
    let upper = id.to_ascii_uppercase();
    let url_safe = id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    let (ty, url) = if upper.starts_with("CVE-") {
        (
            "cve".to_string(),
            Some(format!("https://nvd.nist.gov/vuln/detail/{upper}")),
        )
    } else if upper.starts_with("GHSA-") {
        (
            "ghsa".to_string(),
            Some(format!("https://github.com/advisories/{id}")),
        )
    } else {
        let prefix = id.split(['-', ':']).next().unwrap_or("");
        let ty = if !prefix.is_empty() && prefix.len() < id.len() && prefix.len() <= 32 {
            prefix.to_ascii_lowercase()
        } else {
            "bulwark".to_string()
        };
        (ty, None)
    };
    let mut v = json!({"type": ty, "name": id, "value": id});
    if let Some(u) = url.filter(|_| url_safe) {
        v["url"] = json!(u);
    }
    v
}

/// The schema's link pattern, `^(https?|ftp)://.+`, for strings without line breaks.
fn is_link(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .or_else(|| s.strip_prefix("ftp://"));
    rest.is_some_and(|r| !r.is_empty() && !r.contains(['\n', '\r']))
}

/// Whether `v` matches the schema's CVSS 3.x vector pattern: `CVSS:3.0/` or `CVSS:3.1/` then `/`-separated
/// metrics from the base, temporal and environmental sets with their allowed values, 32 to 128 characters.
fn cvss3_vector_ok(v: &str) -> bool {
    const METRICS: &[(&str, &str)] = &[
        ("AV", "NALP"),
        ("AC", "LH"),
        ("PR", "NLH"),
        ("UI", "NR"),
        ("S", "UC"),
        ("C", "NLH"),
        ("I", "NLH"),
        ("A", "NLH"),
        ("E", "XUPFH"),
        ("RL", "XOTWU"),
        ("RC", "XURC"),
        ("CR", "XLMH"),
        ("IR", "XLMH"),
        ("AR", "XLMH"),
        ("MAV", "XNALP"),
        ("MAC", "XLH"),
        ("MPR", "XNLH"),
        ("MUI", "XNR"),
        ("MS", "XUC"),
        ("MC", "XNLH"),
        ("MI", "XNLH"),
        ("MA", "XNLH"),
    ];
    if !(32..=128).contains(&v.len()) {
        return false;
    }
    let Some(rest) = v
        .strip_prefix("CVSS:3.0/")
        .or_else(|| v.strip_prefix("CVSS:3.1/"))
    else {
        return false;
    };
    rest.split('/').all(|m| {
        let Some((k, val)) = m.split_once(':') else {
            return false;
        };
        val.len() == 1
            && METRICS
                .iter()
                .any(|(mk, allowed)| *mk == k && allowed.contains(val))
    })
}

/// A UUID in RFC 9562 layout with version 8 (vendor-specific) and the RFC variant, from a 128-bit hash.
fn uuid_v8(h: u128) -> String {
    let mut b = h.to_be_bytes();
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex = b.iter().fold(String::with_capacity(32), |mut s, x| {
        let _ = write!(s, "{x:02x}");
        s
    });
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// `s`, or `fallback` when `s` is empty.
fn non_empty(s: String, fallback: &str) -> String {
    if s.is_empty() { fallback.into() } else { s }
}

/// At most `max` characters (the schema counts characters), cut on a character boundary.
fn truncate(s: String, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => s[..i].to_string(),
        None => s,
    }
}

/// RFC 3339 UTC (`2026-12-07T20:00:29Z`, with or without fractional seconds, `Z` or a zero offset) as the
/// schema's `yyyy-mm-ddThh:mm:ss`; `None` for anything else (a local offset, a malformed time).
fn schema_time(t: &str) -> Option<String> {
    let b = t.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let shape = b[..19].iter().enumerate().all(|(i, c)| match i {
        4 | 7 => *c == b'-',
        10 => *c == b'T' || *c == b't',
        13 | 16 => *c == b':',
        _ => c.is_ascii_digit(),
    });
    if !shape {
        return None;
    }
    let mut rest = &t[19..];
    if let Some(r) = rest.strip_prefix('.') {
        let digits = r.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &r[digits..];
    }
    matches!(rest, "Z" | "z" | "+00:00" | "-00:00").then(|| {
        let mut s = t[..19].to_string();
        s.replace_range(10..11, "T");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_take_the_schema_shape() {
        assert_eq!(
            schema_time("2026-12-07T20:00:29Z").as_deref(),
            Some("2026-12-07T20:00:29")
        );
        assert_eq!(
            schema_time("2026-12-07T20:00:29.123456Z").as_deref(),
            Some("2026-12-07T20:00:29")
        );
        assert_eq!(
            schema_time("2026-12-07t20:00:29+00:00").as_deref(),
            Some("2026-12-07T20:00:29")
        );
        assert_eq!(schema_time("2026-12-07T20:00:29+02:00"), None);
        assert_eq!(schema_time("2026-12-07T20:00:29"), None);
        assert_eq!(schema_time("yesterday"), None);
        assert_eq!(schema_time("2026-12-07T20:00:29.Z"), None);
        assert_eq!(schema_time("2026-12-07T20:0é:29Z"), None);
    }

    /// Vectors from the CVSS v3.1 specification document (FIRST, section 7.4 examples) and malformed ones.
    #[test]
    fn cvss_vectors_follow_the_schema_pattern() {
        assert!(cvss3_vector_ok(
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
        ));
        assert!(cvss3_vector_ok(
            "CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N/E:P/RL:O/RC:C"
        ));
        assert!(!cvss3_vector_ok(
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
        ));
        assert!(!cvss3_vector_ok("AV:N/AC:L/Au:N/C:P/I:P/A:P"));
        assert!(!cvss3_vector_ok(
            "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
        ));
        assert!(!cvss3_vector_ok(
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/"
        ));
    }

    #[test]
    fn identifiers_are_typed_linked_and_unique() {
        let id = identifier("CVE-2023-4911");
        assert_eq!(id["type"], "cve");
        assert_eq!(id["url"], "https://nvd.nist.gov/vuln/detail/CVE-2023-4911");
        let id = identifier("GHSA-xxxx-yyyy-zzzz");
        assert_eq!(id["type"], "ghsa");
        assert_eq!(
            id["url"],
            "https://github.com/advisories/GHSA-xxxx-yyyy-zzzz"
        );
        let id = identifier("PYSEC-2021-59");
        assert_eq!(id["type"], "pysec");
        assert!(id.get("url").is_none());
        assert_eq!(identifier("opaque")["type"], "bulwark");
        // An id that would make a broken URL gets none.
        assert!(identifier("CVE-2023-1 /x").get("url").is_none());
    }

    #[test]
    fn uuids_have_version_8_and_the_rfc_variant() {
        let u = uuid_v8(u128::MAX);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "8");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn truncation_counts_characters() {
        assert_eq!(truncate("ééé".into(), 2), "éé");
        assert_eq!(truncate("ab".into(), 5), "ab");
    }
}
