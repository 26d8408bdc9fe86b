//! `junit`: JUnit XML for CI test dashboards.
//!
//! One `<testsuite>` per finding kind. Vulnerabilities: one test case per installed package, failing when the
//! package has vulnerabilities (one `<failure>` listing them all), plus a failing case per package name for
//! vulnerabilities that match no installed package. Other kinds: one test case per rule, failing with every
//! location the rule fired at. So `failures` counts failing cases, and every count attribute matches the cases.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use bulwark_types::{Finding, FindingKind};

use crate::{Report, ReportError, link};

/// Escapes text for XML 1.0 attribute values. Characters XML 1.0 cannot carry at all (C0 controls other than
/// tab, newline and carriage return; U+FFFE, U+FFFF) become U+FFFD.
#[must_use]
pub fn escape(s: &str) -> String {
    escape_with(s, true)
}

/// Escapes text for XML 1.0 element content, where newlines and tabs can stay as they are.
#[must_use]
pub fn escape_text(s: &str) -> String {
    escape_with(s, false)
}

fn escape_with(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Whitespace in attributes would be normalised away by parsers; keep it as character references.
            '\n' | '\t' if !attribute => out.push(c),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

struct Case {
    classname: String,
    name: String,
    /// `(message, type, body)`.
    failure: Option<(String, String, String)>,
}

fn kind_suite_name(k: FindingKind) -> &'static str {
    match k {
        FindingKind::Vulnerability => "vulnerabilities",
        FindingKind::Misconfiguration => "misconfigurations",
        FindingKind::Secret => "secrets",
        FindingKind::License => "licenses",
        FindingKind::Malware => "malware",
        FindingKind::Policy => "policies",
    }
}

fn vulnerability_line(f: &Finding) -> String {
    let mut s = format!("{} [{}]", f.id, f.severity);
    if let Some(v) = link::installed_version(f) {
        let _ = write!(s, " installed {v}");
    }
    if let Some(v) = link::fixed_version(f) {
        let _ = write!(s, ", fixed in {v}");
    }
    if !f.title.is_empty() {
        let _ = write!(s, ": {}", f.title);
    }
    s
}

fn vulnerability_cases(report: &Report) -> Vec<Case> {
    let mut per_package: Vec<Vec<&Finding>> = vec![Vec::new(); report.packages.len()];
    let mut unmatched: BTreeMap<String, Vec<&Finding>> = BTreeMap::new();
    for f in report
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::Vulnerability)
    {
        match link::package_of(report, f) {
            Some(i) => per_package[i].push(f),
            None => unmatched
                .entry(link::package_name(f).unwrap_or(&f.id).to_owned())
                .or_default()
                .push(f),
        }
    }
    let failure = |vulns: &[&Finding]| {
        (!vulns.is_empty()).then(|| {
            let worst = vulns.iter().map(|f| f.severity).max().unwrap_or_default();
            let body: Vec<String> = vulns.iter().map(|f| vulnerability_line(f)).collect();
            (
                format!(
                    "{} {} (highest {worst})",
                    vulns.len(),
                    if vulns.len() == 1 {
                        "vulnerability"
                    } else {
                        "vulnerabilities"
                    }
                ),
                worst.to_string(),
                body.join("\n"),
            )
        })
    };
    let mut cases: Vec<Case> = report
        .packages
        .iter()
        .zip(&per_package)
        .map(|(p, vulns)| Case {
            classname: p
                .found_in
                .clone()
                .unwrap_or_else(|| report.target.name.clone()),
            name: if p.version.is_empty() {
                p.name.clone()
            } else {
                format!("{}@{}", p.name, p.version)
            },
            failure: failure(vulns),
        })
        .collect();
    cases.extend(unmatched.into_iter().map(|(name, vulns)| Case {
        classname: report.target.name.clone(),
        name,
        failure: failure(&vulns),
    }));
    cases
}

fn rule_cases(report: &Report, kind: FindingKind) -> Vec<Case> {
    let mut by_rule: Vec<(&str, Vec<&Finding>)> = Vec::new();
    for f in report.findings.iter().filter(|f| f.kind == kind) {
        match by_rule.iter_mut().find(|(id, _)| *id == f.id) {
            Some((_, list)) => list.push(f),
            None => by_rule.push((&f.id, vec![f])),
        }
    }
    by_rule
        .into_iter()
        .map(|(id, findings)| {
            let first = findings[0];
            let worst = findings
                .iter()
                .map(|f| f.severity)
                .max()
                .unwrap_or_default();
            let body: Vec<String> = findings
                .iter()
                .map(|f| {
                    let loc = f.location.to_string();
                    let loc = if loc.is_empty() {
                        report.target.name.clone()
                    } else {
                        loc
                    };
                    if f.message.is_empty() {
                        format!("{loc} [{}]", f.severity)
                    } else {
                        format!("{loc} [{}]: {}", f.severity, f.message)
                    }
                })
                .collect();
            Case {
                classname: kind_suite_name(kind).to_owned(),
                name: match &first.name {
                    Some(n) => format!("{id} {n}"),
                    None => id.to_owned(),
                },
                failure: Some((
                    format!("{} ({} occurrences)", first.title, findings.len()),
                    worst.to_string(),
                    body.join("\n"),
                )),
            }
        })
        .collect()
}

/// Renders `report` as JUnit XML.
pub fn render_junit(report: &Report, w: &mut dyn Write) -> Result<(), ReportError> {
    let mut suites: Vec<(&str, Vec<Case>)> = Vec::new();
    let has_vulns = report
        .findings
        .iter()
        .any(|f| f.kind == FindingKind::Vulnerability);
    if !report.packages.is_empty() || has_vulns {
        suites.push(("vulnerabilities", vulnerability_cases(report)));
    }
    for kind in [
        FindingKind::Misconfiguration,
        FindingKind::Secret,
        FindingKind::License,
        FindingKind::Malware,
        FindingKind::Policy,
    ] {
        if report.findings.iter().any(|f| f.kind == kind) {
            suites.push((kind_suite_name(kind), rule_cases(report, kind)));
        }
    }
    let timestamp: String = report.created_at.chars().take(19).collect();
    let total_tests: usize = suites.iter().map(|(_, c)| c.len()).sum();
    let total_failures: usize = suites
        .iter()
        .map(|(_, c)| c.iter().filter(|c| c.failure.is_some()).count())
        .sum();

    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"{}\" tests=\"{total_tests}\" failures=\"{total_failures}\" errors=\"0\" skipped=\"0\" time=\"0\">",
        escape(&format!("{} {}", report.tool.name, report.target.name))
    );
    for (name, cases) in &suites {
        let failures = cases.iter().filter(|c| c.failure.is_some()).count();
        let _ = writeln!(
            x,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"0\" timestamp=\"{}\">",
            escape(name),
            cases.len(),
            escape(&timestamp)
        );
        let _ = writeln!(x, "    <properties>");
        let _ = writeln!(
            x,
            "      <property name=\"target\" value=\"{}\"/>",
            escape(&report.target.name)
        );
        let _ = writeln!(
            x,
            "      <property name=\"tool\" value=\"{}\"/>",
            escape(&format!("{} {}", report.tool.name, report.tool.version))
        );
        let _ = writeln!(x, "    </properties>");
        for c in cases {
            let open = format!(
                "    <testcase classname=\"{}\" name=\"{}\" time=\"0\"",
                escape(&c.classname),
                escape(&c.name)
            );
            match &c.failure {
                None => {
                    let _ = writeln!(x, "{open}/>");
                }
                Some((message, kind, body)) => {
                    let _ = writeln!(x, "{open}>");
                    let _ = writeln!(
                        x,
                        "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                        escape(message),
                        escape(kind),
                        escape_text(body)
                    );
                    let _ = writeln!(x, "    </testcase>");
                }
            }
        }
        let _ = writeln!(x, "  </testsuite>");
    }
    x.push_str("</testsuites>\n");
    w.write_all(x.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_control_characters() {
        assert_eq!(
            escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &apos;Jerry&apos;&lt;/a&gt;"
        );
        assert_eq!(
            escape("bell\u{7}esc\u{1b}[31m"),
            "bell\u{fffd}esc\u{fffd}[31m"
        );
        assert_eq!(escape("a\nb\tc"), "a&#10;b&#9;c");
        assert_eq!(escape_text("a\nb\tc<"), "a\nb\tc&lt;");
        assert_eq!(escape("ünïcödé ✓"), "ünïcödé ✓");
        assert_eq!(escape("\u{ffff}"), "\u{fffd}");
    }
}
