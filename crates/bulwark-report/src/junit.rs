//! `junit`: JUnit XML for CI test dashboards.
//!
//! One `<testsuite>` per finding kind. Vulnerabilities: one test case per installed package, failing when the
//! package has vulnerabilities (one `<failure>` listing them all), plus a failing case per package name for
//! vulnerabilities that match no installed package. Other kinds: one test case per rule, failing with every
//! location the rule fired at. So `failures` counts failing cases, and every count attribute matches the cases.
//! A policy verdict (`--policy`) adds a suite `policy` with one case per rule result (see [`policy_suite`]) and
//! the decision, stage, bundle, DB and exceptions as the suite's properties.

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

#[derive(Default)]
struct Case {
    classname: String,
    name: String,
    /// `(message, type, body)`.
    failure: Option<(String, String, String)>,
    /// `(message, type, body)`: the test could not run (a policy engine failed).
    error: Option<(String, String, String)>,
    /// Why the case was skipped.
    skipped: Option<String>,
    /// Passed, with something to say (a policy rule violated at `warn` or `info`).
    system_out: Option<String>,
}

/// One `<testsuite>`: its name, properties beyond the target and tool, and cases.
struct Suite {
    name: &'static str,
    properties: Vec<(String, String)>,
    cases: Vec<Case>,
}

impl Suite {
    fn count(&self, what: fn(&Case) -> bool) -> usize {
        self.cases.iter().filter(|c| what(c)).count()
    }
}

fn kind_suite_name(k: FindingKind) -> &'static str {
    match k {
        FindingKind::Vulnerability => "vulnerabilities",
        FindingKind::Misconfiguration => "misconfigurations",
        FindingKind::Secret => "secrets",
        FindingKind::License => "licenses",
        FindingKind::Malware => "malware",
        FindingKind::Policy => "policies",
        FindingKind::Runtime => "runtime",
        FindingKind::Dast => "dast",
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
            ..Case::default()
        })
        .collect();
    cases.extend(unmatched.into_iter().map(|(name, vulns)| Case {
        classname: report.target.name.clone(),
        name,
        failure: failure(&vulns),
        ..Case::default()
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
                ..Case::default()
            }
        })
        .collect()
}

/// The verdict's suite: one case per rule result. `pass` is a plain case; `fail` at a `fail` action is a
/// `<failure>` listing the hits; `error` at a `fail` action is an `<error>` with the engine's message; `skip` is
/// `<skipped>` with the reason. A violation at a `warn` or `info` action does not fail the decision, so it does
/// not fail the case either: the case passes with a `<system-out>` line (`WARN: …` or `INFO: …`) and the hits.
fn policy_suite(v: &serde_json::Value) -> Suite {
    use crate::verdict::{bundle_label, hit_line, list, opt, results, text};
    let mut properties = vec![
        ("policy.decision".to_owned(), text(v, "decision").to_owned()),
        ("policy.stage".to_owned(), text(v, "stage").to_owned()),
        ("policy.bundle".to_owned(), bundle_label(v)),
        (
            "policy.bundle.digest".to_owned(),
            text(&v["bundle"], "digest").to_owned(),
        ),
    ];
    for (key, name) in [
        ("version", "policy.bundle.version"),
        ("commit", "policy.bundle.commit"),
    ] {
        if let Some(x) = opt(&v["bundle"], key) {
            properties.push((name.to_owned(), x.to_owned()));
        }
    }
    if let Some(x) = opt(v, "evaluatedAt") {
        properties.push(("policy.evaluatedAt".to_owned(), x.to_owned()));
    }
    if let Some(x) = opt(&v["db"], "builtAt") {
        properties.push(("policy.db.builtAt".to_owned(), x.to_owned()));
    }
    for state in ["applied", "expired"] {
        for e in list(&v["exceptions"], state) {
            let mut value = format!("{} (owner {}", text(e, "id"), text(e, "owner"));
            if let Some(x) = opt(e, "expires") {
                let _ = write!(value, ", expires {x}");
            }
            let _ = write!(
                value,
                ", matched {}, {})",
                e["matched"].as_u64().unwrap_or(0),
                text(e, "source")
            );
            properties.push((format!("policy.exception.{state}"), value));
        }
    }
    for n in list(v, "notes")
        .iter()
        .filter_map(serde_json::Value::as_str)
    {
        properties.push(("policy.note".to_owned(), n.to_owned()));
    }
    let cases = results(v)
        .iter()
        .map(|r| {
            let rule = text(r, "rule");
            let action = text(r, "action");
            let outcome = text(r, "outcome");
            let hits = list(r, "hits");
            let mut body: Vec<String> = Vec::with_capacity(hits.len() + 2);
            if let Some(m) = opt(r, "message") {
                body.push(m.to_owned());
            }
            body.extend(hits.iter().map(hit_line));
            for e in list(r, "excepted") {
                body.push(format!(
                    "excepted by {}: {}",
                    text(e, "exception"),
                    hit_line(e)
                ));
            }
            let summary = {
                let d = opt(r, "description").unwrap_or(rule);
                match hits.len() {
                    0 => d.to_owned(),
                    1 => format!("{d} (1 violation)"),
                    n => format!("{d} ({n} violations)"),
                }
            };
            let mut case = Case {
                classname: format!(
                    "policy.{}",
                    opt(r, "policySet").unwrap_or(text(r, "engine"))
                ),
                name: rule.to_owned(),
                ..Case::default()
            };
            match (outcome, action) {
                ("fail", "fail") => {
                    case.failure = Some((summary, "fail".to_owned(), body.join("\n")));
                }
                ("error", "fail") => {
                    case.error = Some((
                        opt(r, "message")
                            .unwrap_or("the rule could not be evaluated")
                            .to_owned(),
                        "error".to_owned(),
                        body.join("\n"),
                    ));
                }
                ("fail" | "error", _) => {
                    let mut out = if outcome == "error" {
                        format!("{}: not evaluated: {summary}", action.to_uppercase())
                    } else {
                        format!("{}: {summary}", action.to_uppercase())
                    };
                    for b in &body {
                        let _ = write!(out, "\n{b}");
                    }
                    case.system_out = Some(out);
                }
                ("skip", _) => {
                    case.skipped = Some(opt(r, "message").unwrap_or("skipped").to_owned());
                }
                _ => {}
            }
            case
        })
        .collect();
    Suite {
        name: "policy",
        properties,
        cases,
    }
}

/// Renders `report` as JUnit XML.
pub fn render_junit(report: &Report, w: &mut dyn Write) -> Result<(), ReportError> {
    let mut suites: Vec<Suite> = Vec::new();
    let has_vulns = report
        .findings
        .iter()
        .any(|f| f.kind == FindingKind::Vulnerability);
    if !report.packages.is_empty() || has_vulns {
        suites.push(Suite {
            name: "vulnerabilities",
            properties: Vec::new(),
            cases: vulnerability_cases(report),
        });
    }
    for kind in [
        FindingKind::Misconfiguration,
        FindingKind::Secret,
        FindingKind::License,
        FindingKind::Malware,
        FindingKind::Policy,
        FindingKind::Runtime,
        FindingKind::Dast,
    ] {
        if report.findings.iter().any(|f| f.kind == kind) {
            suites.push(Suite {
                name: kind_suite_name(kind),
                properties: Vec::new(),
                cases: rule_cases(report, kind),
            });
        }
    }
    if let Some(v) = &report.verdict {
        suites.push(policy_suite(v));
    }
    let timestamp: String = report.created_at.chars().take(19).collect();
    let failed = |c: &Case| c.failure.is_some();
    let errored = |c: &Case| c.error.is_some();
    let skipped = |c: &Case| c.skipped.is_some();
    let total = |what: fn(&Case) -> bool| suites.iter().map(|s| s.count(what)).sum::<usize>();
    let total_tests: usize = suites.iter().map(|s| s.cases.len()).sum();

    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"{}\" tests=\"{total_tests}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"0\">",
        escape(&format!("{} {}", report.tool.name, report.target.name)),
        total(failed),
        total(errored),
        total(skipped)
    );
    for suite in &suites {
        let _ = writeln!(
            x,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"0\" timestamp=\"{}\">",
            escape(suite.name),
            suite.cases.len(),
            suite.count(failed),
            suite.count(errored),
            suite.count(skipped),
            escape(&timestamp)
        );
        let _ = writeln!(x, "    <properties>");
        let tool = format!("{} {}", report.tool.name, report.tool.version);
        let fixed = [
            ("target", report.target.name.as_str()),
            ("tool", tool.as_str()),
        ];
        let extra = suite
            .properties
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()));
        for (name, value) in fixed.into_iter().chain(extra) {
            let _ = writeln!(
                x,
                "      <property name=\"{}\" value=\"{}\"/>",
                escape(name),
                escape(value)
            );
        }
        let _ = writeln!(x, "    </properties>");
        for c in &suite.cases {
            let open = format!(
                "    <testcase classname=\"{}\" name=\"{}\" time=\"0\"",
                escape(&c.classname),
                escape(&c.name)
            );
            if c.failure.is_none()
                && c.error.is_none()
                && c.skipped.is_none()
                && c.system_out.is_none()
            {
                let _ = writeln!(x, "{open}/>");
                continue;
            }
            let _ = writeln!(x, "{open}>");
            for (tag, what) in [("failure", &c.failure), ("error", &c.error)] {
                if let Some((message, kind, body)) = what {
                    let _ = writeln!(
                        x,
                        "      <{tag} message=\"{}\" type=\"{}\">{}</{tag}>",
                        escape(message),
                        escape(kind),
                        escape_text(body)
                    );
                }
            }
            if let Some(reason) = &c.skipped {
                let _ = writeln!(x, "      <skipped message=\"{}\"/>", escape(reason));
            }
            if let Some(out) = &c.system_out {
                let _ = writeln!(x, "      <system-out>{}</system-out>", escape_text(out));
            }
            let _ = writeln!(x, "    </testcase>");
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

    /// One case per rule result: failure, error, skipped, or a pass with a system-out line for violations at
    /// `warn` and `info`; the counts add up; the verdict's facts are the suite's properties.
    #[test]
    fn the_verdict_is_a_policy_suite() {
        let r = crate::verdict::sample::report();
        let mut out = Vec::new();
        render_junit(&r, &mut out).unwrap();
        let xml = String::from_utf8(out).unwrap();
        let suite = &xml[xml.find("<testsuite name=\"policy\"").unwrap()..];
        assert!(
            suite.starts_with(
                "<testsuite name=\"policy\" tests=\"8\" failures=\"2\" errors=\"1\" skipped=\"1\""
            ),
            "{suite}"
        );
        for needle in [
            "<property name=\"policy.decision\" value=\"fail\"/>",
            "<property name=\"policy.bundle.commit\" value=\"4b825dc642cb6eb9a060e54bf8d69288fbee4904\"/>",
            "<property name=\"policy.db.builtAt\" value=\"2026-11-30T06:00:00Z\"/>",
            "<property name=\"policy.exception.expired\" value=\"SEC-2-legacy (owner team-shop, expires 2026-10-01, matched 2, exceptions.yaml:12)\"/>",
            "<testcase classname=\"policy.baseline\" name=\"no-malware\" time=\"0\"/>",
            "<failure message=\"No AWS credentials in the image. (2 violations)\" type=\"fail\">",
            "<error message=\"cost budget exceeded in validations[0].expression\" type=\"error\">",
            "<skipped message=\"not applied at the build stage\"/>",
            "<system-out>WARN: Pods follow the restricted profile. (3 violations)",
            "<system-out>INFO: Recorded: images without a healthcheck. (1 violation)",
            "excepted by SEC-9-test-key: ",
        ] {
            assert!(suite.contains(needle), "missing {needle} in\n{suite}");
        }
        assert!(
            xml.contains(
                "<testsuites name=\"bulwark registry.example.com/team/web:1.4.2\" tests=\""
            )
        );
        assert!(xml.contains("errors=\"1\" skipped=\"1\" time=\"0\">"));
    }

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
