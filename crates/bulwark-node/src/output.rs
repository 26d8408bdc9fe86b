//! kube-bench's text output and JSON shape (`Controls`, `Totals`), JUnit, and checks as report findings with CIS
//! sections for the compliance evidence.
//!
//! The shapes follow kube-bench (aquasecurity/kube-bench at a73ce378, the commit the fixtures come from):
//! - text: `cmd/common.go` `prettyPrint`/`printSummary`/`writeStdoutOutput`, without colours (kube-bench's colour
//!   library prints none when stdout is not a terminal; Bulwark adds none);
//! - JSON: the struct tags of `check/controls.go` (`OverallControls`, `Controls`, `Group`, `Summary`) and
//!   `check/check.go` (`Check`): untagged fields keep their Go names (`AuditEnv`, `AuditConfig`, `IsMultiple`),
//!   `detected_version` and `reason` are `omitempty`, `test_info` is `[remediation]` (`RunChecks` appends it);
//! - JUnit: `Controls.JUnit` (one `<testsuite>` per target file named by its text, one `<testcase>` per check named
//!   `<id> <text>` with the group's text as class name, the check's JSON as `<system-out>`, FAIL a `<failure>`
//!   carrying the remediation, WARN and INFO `<skipped>`), as Go's `encoding/xml` indents and escapes it, joined
//!   by `writeJunitOutput` inside `<testsuites>`.
//!
//! Sections are written in kube-bench's order (by numeric section id); groups whose checks were all filtered out
//! are left out, as kube-bench's `RunChecks` rebuilds its groups from the checks that ran.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use bulwark_types::{Finding, FindingKind, Location, Severity};
use serde::Serialize;

use crate::State;
use crate::controls::CheckType;
use crate::host::HostResult;
use crate::probe;
use crate::run::{CheckResult, GroupResult, NodeRun, SectionResult, Totals};

/// What the text output shows (kube-bench's `--noremediations`, `--noresults`, `--nosummary`, `--nototals`).
#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    pub no_remediations: bool,
    pub no_results: bool,
    pub no_summary: bool,
    pub no_totals: bool,
}

fn state_str(s: State) -> &'static str {
    match s {
        State::Pass => "PASS",
        State::Fail => "FAIL",
        State::Warn => "WARN",
        State::Info => "INFO",
    }
}

/// The sections in kube-bench's order: `writeOutput` sorts by the section id read as an integer (0 when not one).
fn sections(run: &NodeRun) -> Vec<&SectionResult> {
    let mut v: Vec<&SectionResult> = run.sections.iter().collect();
    v.sort_by_key(|s| s.controls.id.trim().parse::<i64>().unwrap_or(0));
    v
}

/// Groups that hold at least one check result.
fn groups(s: &SectionResult) -> impl Iterator<Item = &GroupResult> {
    s.groups.iter().filter(|g| !g.checks.is_empty())
}

fn section_totals(s: &SectionResult) -> Totals {
    let mut t = Totals::default();
    for g in &s.groups {
        for c in &g.checks {
            t.add(c.outcome.state);
        }
    }
    t
}

fn group_totals(g: &GroupResult) -> Totals {
    let mut t = Totals::default();
    for c in &g.checks {
        t.add(c.outcome.state);
    }
    t
}

fn write_summary(out: &mut String, t: Totals, name: &str) {
    let _ = write!(
        out,
        "== Summary {name} ==\n{} checks PASS\n{} checks FAIL\n{} checks WARN\n{} checks INFO\n\n",
        t.pass, t.fail, t.warn, t.info
    );
}

/// kube-bench's text output.
#[must_use]
pub fn text(run: &NodeRun, opts: TextOptions) -> String {
    let mut out = String::new();
    for s in sections(run) {
        let c = &s.controls;
        let totals = section_totals(s);
        if !opts.no_results {
            let _ = writeln!(out, "[INFO] {} {}", c.id, c.text);
            for g in groups(s) {
                let _ = writeln!(out, "[INFO] {} {}", g.id, g.text);
                for r in &g.checks {
                    let _ = writeln!(
                        out,
                        "[{}] {} {}",
                        state_str(r.outcome.state),
                        r.check.id,
                        r.check.text
                    );
                }
            }
            out.push('\n');
        }
        if !opts.no_remediations && (totals.fail > 0 || totals.warn > 0) {
            let _ = writeln!(out, "== Remediations {} ==", c.target);
            for g in groups(s) {
                for r in &g.checks {
                    if !matches!(r.outcome.state, State::Fail | State::Warn) {
                        continue;
                    }
                    // A WARN whose audit could not run says so instead of the remediation (manual checks keep
                    // theirs); FAIL always prints the remediation.
                    if r.outcome.state == State::Warn
                        && !r.outcome.reason.is_empty()
                        && r.check.check_type != CheckType::Manual
                    {
                        let _ = writeln!(
                            out,
                            "{} audit test did not run: {}",
                            r.check.id, r.outcome.reason
                        );
                    } else {
                        let _ = writeln!(out, "{} {}", r.check.id, r.check.remediation);
                    }
                }
            }
            out.push('\n');
        }
        if !opts.no_summary {
            write_summary(&mut out, totals, &c.target);
        }
    }
    if !opts.no_totals {
        write_summary(&mut out, run.totals(), "total");
    }
    out
}

/// `check.Summary`'s JSON (`total_pass`, …).
#[derive(Debug, Serialize)]
#[allow(clippy::struct_field_names)]
struct KbSummary {
    total_pass: usize,
    total_fail: usize,
    total_warn: usize,
    total_info: usize,
}

impl From<Totals> for KbSummary {
    fn from(t: Totals) -> Self {
        Self {
            total_pass: t.pass,
            total_fail: t.fail,
            total_warn: t.warn,
            total_info: t.info,
        }
    }
}

/// `check.OverallControls`: untagged, so Go's field names.
#[derive(Debug, Serialize)]
struct KbOverall<'a> {
    #[serde(rename = "Controls")]
    controls: Vec<KbControls<'a>>,
    #[serde(rename = "Totals")]
    totals: KbSummary,
}

/// `check.Controls`, with `Summary` embedded (its fields inline).
#[derive(Debug, Serialize)]
struct KbControls<'a> {
    id: &'a str,
    version: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    detected_version: &'a str,
    text: &'a str,
    node_type: &'a str,
    /// `null` when no check ran (Go's nil slice).
    tests: Option<Vec<KbGroup<'a>>>,
    #[serde(flatten)]
    summary: KbSummary,
}

/// `check.Group`; `type` is empty after a run (`RunChecks` rebuilds groups without it).
#[derive(Debug, Serialize)]
struct KbGroup<'a> {
    section: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    pass: usize,
    fail: usize,
    warn: usize,
    info: usize,
    desc: &'a str,
    results: Vec<KbCheck<'a>>,
}

/// `check.Check`'s JSON fields, in its declaration order.
#[derive(Debug, Serialize)]
#[allow(non_snake_case)]
struct KbCheck<'a> {
    test_number: &'a str,
    test_desc: &'a str,
    audit: &'a str,
    AuditEnv: &'a str,
    AuditConfig: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    remediation: &'a str,
    test_info: Vec<&'a str>,
    status: State,
    actual_value: &'a str,
    scored: bool,
    IsMultiple: bool,
    expected_result: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    reason: &'a str,
}

/// The check's `type:` as kube-bench keeps it: `manual`, `skip` (also a check skipped by `--skip`), or empty.
fn check_type(r: &CheckResult) -> &'static str {
    match r.check.check_type {
        CheckType::Manual => "manual",
        CheckType::Skip => "skip",
        CheckType::Automated
            if r.outcome.state == State::Info && r.outcome.reason == "Test marked as skip" =>
        {
            "skip"
        }
        CheckType::Automated => "",
    }
}

fn kb_check(r: &CheckResult) -> KbCheck<'_> {
    KbCheck {
        test_number: &r.check.id,
        test_desc: &r.check.text,
        audit: &r.audit,
        AuditEnv: &r.audit_env,
        AuditConfig: &r.audit_config,
        kind: check_type(r),
        remediation: &r.check.remediation,
        test_info: vec![&r.check.remediation],
        status: r.outcome.state,
        actual_value: &r.outcome.actual,
        scored: r.check.scored,
        IsMultiple: r.check.use_multiple_values,
        expected_result: &r.outcome.expected,
        reason: &r.outcome.reason,
    }
}

fn kb_controls<'a>(run: &'a NodeRun, s: &'a SectionResult) -> KbControls<'a> {
    let gs: Vec<KbGroup<'_>> = groups(s)
        .map(|g| {
            let t = group_totals(g);
            KbGroup {
                section: &g.id,
                kind: "",
                pass: t.pass,
                fail: t.fail,
                warn: t.warn,
                info: t.info,
                desc: &g.text,
                results: g.checks.iter().map(kb_check).collect(),
            }
        })
        .collect();
    KbControls {
        id: &s.controls.id,
        version: &s.controls.version,
        // kube-bench passes "none" when the version was not detected.
        detected_version: run.detected_version.as_deref().unwrap_or("none"),
        text: &s.controls.text,
        node_type: &s.controls.target,
        tests: (!gs.is_empty()).then_some(gs),
        summary: section_totals(s).into(),
    }
}

fn kb_overall(run: &NodeRun) -> KbOverall<'_> {
    KbOverall {
        controls: sections(run)
            .into_iter()
            .map(|s| kb_controls(run, s))
            .collect(),
        totals: run.totals().into(),
    }
}

/// Go's `json.Marshal` escapes `<`, `>`, `&`, U+2028 and U+2029 inside strings; they occur in JSON text only
/// inside strings, so replacing them over the whole text is exact.
fn go_json_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

fn to_go_json<T: Serialize>(v: &T) -> String {
    // Serialising these plain structs of strings, numbers and bools cannot fail.
    go_json_escape(&serde_json::to_string(v).unwrap_or_default())
}

/// kube-bench's `--json` shape: `{"Controls": [...], "Totals": {...}}`.
#[must_use]
pub fn kube_bench_json(run: &NodeRun) -> serde_json::Value {
    serde_json::to_value(kb_overall(run)).unwrap_or(serde_json::Value::Null)
}

/// kube-bench's `--json` output as text: the same value as [`kube_bench_json`] with kube-bench's key order (Go's
/// struct field order) and Go's escaping of `<`, `>` and `&`, on one line (`json.Marshal`, no indentation).
#[must_use]
pub fn kube_bench_json_text(run: &NodeRun) -> String {
    to_go_json(&kb_overall(run))
}

/// Go's `encoding/xml` escaping of text and attribute values (`EscapeText`): `"'&<>`, tab, newline and carriage
/// return as character references, characters XML cannot hold as U+FFFD.
fn xml_escape(s: &str, out: &mut String) {
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c if xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
}

/// XML 1.0's `Char` production.
fn xml_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn attr(out: &mut String, name: &str, value: &str) {
    let _ = write!(out, " {name}=\"");
    xml_escape(value, out);
    out.push('"');
}

/// One target's `<testsuite>`, as `Controls.JUnit` encodes it (prefix "", indent four spaces, no trailing newline).
fn junit_suite(s: &SectionResult, out: &mut String) {
    let t = section_totals(s);
    out.push_str("<testsuite");
    attr(out, "name", &s.controls.text);
    attr(
        out,
        "tests",
        &(t.pass + t.fail + t.info + t.warn).to_string(),
    );
    attr(out, "failures", &t.fail.to_string());
    attr(out, "errors", "0");
    attr(out, "time", "0");
    out.push('>');
    for g in groups(s) {
        for r in &g.checks {
            out.push_str("\n    <testcase");
            attr(out, "name", &format!("{} {}", r.check.id, r.check.text));
            attr(out, "classname", &g.text);
            attr(out, "time", "0");
            out.push('>');
            match r.outcome.state {
                State::Fail => {
                    out.push_str("\n        <failure type=\"\">");
                    xml_escape(&r.check.remediation, out);
                    out.push_str("</failure>");
                }
                State::Warn | State::Info => out.push_str("\n        <skipped></skipped>"),
                State::Pass => {}
            }
            out.push_str("\n        <system-out>");
            xml_escape(&to_go_json(&kb_check(r)), out);
            out.push_str("</system-out>\n    </testcase>");
        }
    }
    out.push_str("\n</testsuite>");
}

/// JUnit XML, one test suite per target (section) file, one test case per check (kube-bench's `--junit` shape:
/// the suites written back to back between `<testsuites>` lines, then a newline as `fmt.Println` ends it).
#[must_use]
pub fn junit(run: &NodeRun) -> String {
    let mut out = String::from("<testsuites>\n");
    for s in sections(run) {
        junit_suite(s, &mut out);
    }
    out.push_str("\n</testsuites>\n");
    out
}

/// A kebab-case name from a check's text: the `(Automated)`/`(Manual)` mark dropped, runs of anything but ASCII
/// letters and digits as one `-`, at most 80 characters cut at a word boundary.
fn kebab(text: &str) -> String {
    let t = text.trim();
    let t = ["(Automated)", "(Manual)", "(Scored)", "(Not Scored)"]
        .iter()
        .find_map(|m| t.strip_suffix(m))
        .unwrap_or(t);
    let mut out = String::new();
    for w in t
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() && out.len() + 1 + w.len() > 80 {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&w.to_ascii_lowercase());
    }
    out
}

/// At most `n` bytes of `s` (on a character boundary), with `…` when cut.
fn cut(s: &str, n: usize) -> String {
    if s.len() <= n {
        return s.to_string();
    }
    let mut end = n;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

const CIS_K8S: &str = "https://www.cisecurity.org/benchmark/kubernetes";

/// The FAIL and WARN checks as report findings (`FindingKind::Misconfiguration`, id `BW-NODE-<benchmark>-<id>`).
///
/// Severity: FAIL medium; WARN low for an automated check whose tests ran and did not hold, info for a manual
/// check, one without tests, or one whose audit needs `--allow-shell` (nothing was judged).
#[must_use]
pub fn findings(run: &NodeRun) -> Vec<Finding> {
    let resource: Arc<str> = format!("Node/{}", run.node).into();
    let mut out = Vec::new();
    for s in sections(run) {
        for g in groups(s) {
            for r in &g.checks {
                let o = &r.outcome;
                let severity = match o.state {
                    State::Fail => Severity::Medium,
                    State::Warn => {
                        let untested = r.check.tests.as_ref().is_none_or(|t| t.items.is_empty());
                        if r.check.check_type == CheckType::Manual || r.needs_shell || untested {
                            Severity::Info
                        } else {
                            Severity::Low
                        }
                    }
                    State::Pass | State::Info => continue,
                };
                let mut message = format!(
                    "{} {} on node {}: {}",
                    state_str(o.state),
                    r.check.id,
                    run.node,
                    r.check.text
                );
                if !o.expected.is_empty() {
                    let _ = write!(
                        message,
                        "; expected {}, actual {:?}",
                        o.expected,
                        cut(&o.actual, 200)
                    );
                }
                if !o.reason.is_empty() {
                    let _ = write!(message, "; {}", o.reason);
                }
                if r.needs_shell {
                    message.push_str(" (the audit needs --allow-shell)");
                }
                let mut p: BTreeMap<String, serde_json::Value> = BTreeMap::new();
                let mut put = |k: &str, v: serde_json::Value| {
                    p.insert(k.to_string(), v);
                };
                put("benchmark", run.benchmark.clone().into());
                put("target", s.controls.target.clone().into());
                put("section", g.id.clone().into());
                put("checkId", r.check.id.clone().into());
                put("state", state_str(o.state).into());
                put("scored", r.check.scored.into());
                put(
                    "type",
                    match r.check.check_type {
                        CheckType::Automated => "automated",
                        CheckType::Manual => "manual",
                        CheckType::Skip => "skip",
                    }
                    .into(),
                );
                put("expected", o.expected.clone().into());
                put("actual", cut(&o.actual, 4096).into());
                put("audit", r.audit.clone().into());
                put("remediation", r.check.remediation.trim().to_string().into());
                put("usedShell", r.used_shell.into());
                put("needsShell", r.needs_shell.into());
                put("reason", o.reason.clone().into());
                out.push(Finding {
                    kind: FindingKind::Misconfiguration,
                    id: Cow::Owned(format!("BW-NODE-{}-{}", run.benchmark, r.check.id)),
                    name: Some(Cow::Owned(kebab(&r.check.text))),
                    severity,
                    title: Cow::Owned(r.check.text.clone()),
                    message: message.into(),
                    location: Location {
                        resource: Some(resource.clone()),
                        ..Location::default()
                    },
                    evidence: (!o.actual.is_empty()).then(|| cut(&o.actual, 200)),
                    references: vec![
                        CIS_K8S.to_string(),
                        format!(
                            "https://github.com/aquasecurity/kube-bench/blob/main/cfg/{}/{}.yaml",
                            run.benchmark, s.controls.target
                        ),
                    ],
                    properties: p,
                    shared_properties: None,
                });
            }
        }
    }
    out
}

/// The host benchmark's FAIL and WARN checks as findings (id `BW-HOST-<id>`, FAIL medium, WARN low).
#[must_use]
pub fn host_findings(results: &[HostResult]) -> Vec<Finding> {
    results
        .iter()
        .filter_map(|r| {
            let severity = match r.state {
                State::Fail => Severity::Medium,
                State::Warn => Severity::Low,
                State::Pass | State::Info => return None,
            };
            let mut p = BTreeMap::new();
            p.insert("checkId".to_string(), r.id.into());
            p.insert("state".to_string(), state_str(r.state).into());
            p.insert("detail".to_string(), cut(&r.detail, 4096).into());
            p.insert("remediation".to_string(), r.remediation.into());
            Some(Finding {
                kind: FindingKind::Misconfiguration,
                id: Cow::Owned(format!("BW-HOST-{}", r.id)),
                name: Some(Cow::Owned(kebab(r.text))),
                severity,
                title: Cow::Borrowed(r.text),
                message: format!("{} {}: {}", state_str(r.state), r.id, cut(&r.detail, 400)).into(),
                location: Location::default(),
                evidence: (!r.detail.is_empty()).then(|| cut(&r.detail, 200)),
                references: Vec::new(),
                properties: p,
                shared_properties: None,
            })
        })
        .collect()
}

/// The probe's findings as report findings (id `BW-PROBE-<check>`, the probe's id without its `PROBE-` prefix;
/// the probe's severity; the URL that answered as the resource).
#[must_use]
pub fn probe_findings(found: &[probe::Finding]) -> Vec<Finding> {
    found
        .iter()
        .map(|f| {
            let check = f.id.strip_prefix("PROBE-").unwrap_or(&f.id);
            let mut p = BTreeMap::new();
            p.insert("probeId".to_string(), f.id.clone().into());
            p.insert("target".to_string(), f.target.clone().into());
            Finding {
                kind: FindingKind::Misconfiguration,
                id: Cow::Owned(format!("BW-PROBE-{check}")),
                name: Some(Cow::Owned(check.to_ascii_lowercase())),
                severity: f.severity,
                title: Cow::Owned(f.title.clone()),
                message: format!("{}: {}", f.target, f.evidence).into(),
                location: Location {
                    resource: Some(f.target.as_str().into()),
                    ..Location::default()
                },
                evidence: Some(cut(&f.evidence, 400)),
                references: Vec::new(),
                properties: p,
                shared_properties: None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kebab_drops_the_mark_and_punctuation() {
        assert_eq!(
            kebab("Ensure that the --anonymous-auth argument is set to false (Manual)"),
            "ensure-that-the-anonymous-auth-argument-is-set-to-false"
        );
        assert!(kebab(&"word ".repeat(100)).len() <= 80);
    }

    #[test]
    fn go_escapes() {
        let mut s = String::new();
        xml_escape("a\"b'<&>\n\t\u{1}", &mut s);
        assert_eq!(s, "a&#34;b&#39;&lt;&amp;&gt;&#xA;&#x9;\u{FFFD}");
        assert_eq!(go_json_escape(r#""<a&b>""#), r#""\u003ca\u0026b\u003e""#);
    }
}
