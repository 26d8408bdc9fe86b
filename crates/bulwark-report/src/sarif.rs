//! `sarif`: SARIF 2.1.0 in the shape GitHub code scanning accepts.
//!
//! One run; one rule per finding id (vulnerability or check), with a numeric `security-severity` so GitHub can rank
//! it; one result per finding. Every result has a relative `artifactLocation.uri`: the finding's path, else the
//! package's `found_in`, else the resource or the target name. A `region` is written only for a known line, and its
//! `startLine` is never below 1 (GitHub rejects 0). Diagnostics become `toolExecutionNotifications`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;

use bulwark_types::{DiagnosticLevel, Finding, FindingKind, Location, Severity};
use serde_json::{Map, Value, json};

use crate::util::{fnv1a128, project_url, relative_uri};
use crate::{Report, ReportError, link};

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// GitHub's bands: ≥9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low; 0 shows no security severity.
pub(crate) fn severity_score(s: Severity) -> f64 {
    match s {
        Severity::Critical => 9.5,
        Severity::High => 8.0,
        Severity::Medium => 5.5,
        Severity::Low => 2.0,
        Severity::Info | Severity::Unknown => 0.0,
    }
}

/// The finding's CVSS base score when it carries one (`cvssScore`, number or numeric string), else the band score.
fn finding_score(f: &Finding) -> f64 {
    let cvss = f.properties.get("cvssScore").and_then(|v| match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    });
    cvss.filter(|s| (0.0..=10.0).contains(s))
        .unwrap_or_else(|| severity_score(f.severity))
}

pub(crate) fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info | Severity::Unknown => "note",
    }
}

fn kind_tag(k: FindingKind) -> &'static str {
    match k {
        FindingKind::Vulnerability => "vulnerability",
        FindingKind::Misconfiguration => "misconfiguration",
        FindingKind::Secret => "secret",
        FindingKind::License => "license",
        FindingKind::Malware => "malware",
        FindingKind::Policy => "policy",
    }
}

fn is_url(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://")) && !s.contains(char::is_whitespace)
}

/// The artifact a finding points at, as a relative URI.
fn artifact_uri(report: &Report, f: &Finding) -> String {
    let pkg_path = link::package_of(report, f).and_then(|i| report.packages[i].found_in.as_deref());
    let raw = f
        .location
        .path
        .as_deref()
        .or(pkg_path)
        .or(f.location.resource.as_deref())
        .unwrap_or(&report.target.name);
    // GitHub needs a non-empty URI on every result.
    [raw, report.target.name.as_str(), "target"]
        .into_iter()
        .map(relative_uri)
        .find(|u| !u.is_empty())
        .unwrap_or_default()
}

fn region(loc: &Location) -> Option<Value> {
    let line = loc.line.filter(|&l| l >= 1)?;
    let mut r = Map::new();
    r.insert("startLine".into(), line.into());
    if let Some(c) = loc.column.filter(|&c| c >= 1) {
        r.insert("startColumn".into(), c.into());
    }
    if let Some(e) = loc.end_line.filter(|&e| e >= line) {
        r.insert("endLine".into(), e.into());
    }
    Some(Value::Object(r))
}

fn physical_location(uri: &str, loc: &Location) -> Value {
    let mut p = Map::new();
    p.insert("artifactLocation".into(), json!({ "uri": uri }));
    if let Some(r) = region(loc) {
        p.insert("region".into(), r);
    }
    json!({ "physicalLocation": p })
}

fn message(report: &Report, f: &Finding) -> String {
    let mut m = String::new();
    if f.kind == FindingKind::Vulnerability {
        let pkg = link::package_of(report, f).map(|i| &report.packages[i]);
        if let Some(n) = link::package_name(f).or(pkg.map(|p| p.name.as_str())) {
            let _ = writeln!(m, "Package: {n}");
        }
        if let Some(v) = link::installed_version(f).or(pkg.map(|p| p.version.as_str())) {
            let _ = writeln!(m, "Installed Version: {v}");
        }
        let _ = writeln!(m, "Vulnerability: {}", f.id);
        let _ = writeln!(m, "Severity: {}", f.severity);
        let _ = writeln!(
            m,
            "Fixed Version: {}",
            link::fixed_version(f).unwrap_or("none")
        );
        if let Some(l) = pkg.and_then(|p| p.layer.as_ref()) {
            let _ = writeln!(m, "Layer: {}", crate::util::describe_layer(l));
        }
    } else {
        let _ = writeln!(m, "{}", f.title);
        if !f.message.is_empty() {
            let _ = writeln!(m, "{}", f.message);
        }
        let loc = f.location.to_string();
        if !loc.is_empty() {
            let _ = writeln!(m, "Location: {loc}");
        }
    }
    m.trim_end().to_owned()
}

struct Rule<'a> {
    first: &'a Finding,
    score: f64,
    severity: Severity,
}

fn rule_json(r: &Rule<'_>) -> Value {
    let f = r.first;
    let title = if f.title.is_empty() {
        f.id.to_string()
    } else {
        f.title.to_string()
    };
    let full = if f.message.is_empty() {
        title.clone()
    } else {
        format!("{title}. {}", f.message)
    };
    let mut help_text = full.clone();
    let mut help_md = format!("**{}**\n\n{}\n", f.id, full);
    let refs: Vec<&String> = f.references.iter().filter(|r| is_url(r)).collect();
    if !refs.is_empty() {
        help_text.push_str("\nReferences:");
        help_md.push_str("\n| Reference |\n| --- |\n");
        for r in &refs {
            let _ = write!(help_text, "\n{r}");
            let _ = writeln!(help_md, "| [{r}]({r}) |");
        }
    }
    let mut rule = Map::new();
    rule.insert("id".into(), f.id.clone().into());
    rule.insert(
        "name".into(),
        f.name.clone().unwrap_or_else(|| f.id.clone()).into(),
    );
    rule.insert("shortDescription".into(), json!({ "text": title }));
    rule.insert("fullDescription".into(), json!({ "text": full }));
    if let Some(u) = refs.first() {
        rule.insert("helpUri".into(), (*u).clone().into());
    }
    rule.insert(
        "help".into(),
        json!({ "text": help_text, "markdown": help_md }),
    );
    rule.insert(
        "defaultConfiguration".into(),
        json!({ "level": level(r.severity) }),
    );
    rule.insert(
        "properties".into(),
        json!({
            "security-severity": format!("{:.1}", r.score),
            "precision": "very-high",
            "tags": ["security", kind_tag(f.kind), r.severity.as_str()],
        }),
    );
    Value::Object(rule)
}

/// One rule per finding id, in order of first appearance, and the index of each id.
fn rules_of(report: &Report) -> (Vec<Rule<'_>>, HashMap<&str, usize>) {
    let mut rules: Vec<Rule<'_>> = Vec::new();
    let mut rule_index: HashMap<&str, usize> = HashMap::new();
    for f in &report.findings {
        let i = *rule_index.entry(&*f.id).or_insert_with(|| {
            rules.push(Rule {
                first: f,
                score: 0.0,
                severity: Severity::Unknown,
            });
            rules.len() - 1
        });
        let r = &mut rules[i];
        r.score = r.score.max(finding_score(f));
        r.severity = r.severity.max(f.severity);
    }
    (rules, rule_index)
}

fn result_json(report: &Report, f: &Finding, rule_index: &HashMap<&str, usize>) -> Value {
    let uri = artifact_uri(report, f);
    let fingerprint = fnv1a128(
        format!(
            "{}\0{}\0{}\0{:?}",
            f.id,
            uri,
            f.location,
            link::package_name(f)
        )
        .as_bytes(),
    );
    let mut res = Map::new();
    res.insert("ruleId".into(), f.id.clone().into());
    res.insert("ruleIndex".into(), rule_index[&*f.id].into());
    res.insert("level".into(), level(f.severity).into());
    res.insert("message".into(), json!({ "text": message(report, f) }));
    res.insert(
        "locations".into(),
        json!([physical_location(&uri, &f.location)]),
    );
    res.insert(
        "partialFingerprints".into(),
        json!({ "bulwarkFinding/v1": format!("{fingerprint:032x}") }),
    );
    if f.has_properties() {
        // With the properties the finding shares with others of its rule (k8s framework mappings).
        let props: Map<String, Value> = f
            .all_properties()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        res.insert("properties".into(), Value::Object(props));
    }
    Value::Object(res)
}

/// Everything of the run but its results.
fn run_parts(report: &Report, rules: &[Rule<'_>]) -> (Value, Value, Value) {
    let notifications: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|d| {
            let mut n = Map::new();
            n.insert(
                "level".into(),
                (if d.level == DiagnosticLevel::Error {
                    "error"
                } else {
                    "warning"
                })
                .into(),
            );
            n.insert("message".into(), json!({ "text": d.message }));
            if let Some(p) = d
                .location
                .path
                .as_deref()
                .or(d.location.resource.as_deref())
            {
                n.insert(
                    "locations".into(),
                    json!([physical_location(&relative_uri(p), &d.location)]),
                );
            }
            Value::Object(n)
        })
        .collect();
    let mut invocation = Map::new();
    invocation.insert("executionSuccessful".into(), (!report.has_errors()).into());
    if !notifications.is_empty() {
        invocation.insert(
            "toolExecutionNotifications".into(),
            Value::Array(notifications),
        );
    }
    let driver = json!({
        "name": report.tool.name,
        "version": report.tool.version,
        "semanticVersion": report.tool.version,
        "informationUri": project_url(),
        "rules": rules.iter().map(rule_json).collect::<Vec<_>>(),
    });
    let properties = json!({
        "bulwark:target:name": report.target.name,
        "bulwark:createdAt": report.created_at,
    });
    (
        json!({ "driver": driver }),
        Value::Array(vec![Value::Object(invocation)]),
        properties,
    )
}

/// Builds the SARIF log as one JSON value: the crate's tests compare it with what [`render_sarif`] streams.
#[cfg(test)]
pub(crate) fn log(report: &Report) -> Value {
    let (rules, rule_index) = rules_of(report);
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| result_json(report, f, &rule_index))
        .collect();
    let (tool, invocations, properties) = run_parts(report, &rules);
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": tool,
            "invocations": invocations,
            "results": results,
            "columnKind": "utf16CodeUnits",
            "properties": properties,
        }],
    })
}

/// Renders `report` as a SARIF 2.1.0 log. Each result is built as it is written: the log of 75,000 findings
/// built whole took a gigabyte. Keys in the order `serde_json` sorts a map's keys (as [`log`] has them).
pub fn render_sarif(report: &Report, w: &mut dyn Write) -> Result<(), ReportError> {
    #[derive(serde::Serialize)]
    struct Log<'a> {
        #[serde(rename = "$schema")]
        schema: &'static str,
        runs: [Run<'a>; 1],
        version: &'static str,
    }
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Run<'a> {
        column_kind: &'static str,
        invocations: Value,
        properties: Value,
        results: Results<'a>,
        tool: Value,
    }
    struct Results<'a> {
        report: &'a Report,
        rule_index: &'a HashMap<&'a str, usize>,
    }
    impl serde::Serialize for Results<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(
                self.report
                    .findings
                    .iter()
                    .map(|f| result_json(self.report, f, self.rule_index)),
            )
        }
    }
    let (rules, rule_index) = rules_of(report);
    let (tool, invocations, properties) = run_parts(report, &rules);
    let doc = Log {
        schema: SCHEMA,
        runs: [Run {
            column_kind: "utf16CodeUnits",
            invocations,
            properties,
            results: Results {
                report,
                rule_index: &rule_index,
            },
            tool,
        }],
        version: "2.1.0",
    };
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    w.write_all(b"\n")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Target, TargetKind};

    fn finding(id: &str, severity: Severity, loc: Location) -> Finding {
        Finding {
            kind: FindingKind::Misconfiguration,
            id: id.to_owned().into(),
            name: None,
            severity,
            title: "t".into(),
            message: String::new().into(),
            location: loc,
            evidence: None,
            references: vec![],
            shared_properties: None,
            properties: std::collections::BTreeMap::new(),
        }
    }

    /// The streamed log is the tree [`log`] builds, byte for byte, with and without results and notifications.
    #[test]
    fn streamed_log_is_the_built_tree() {
        let mut r = Report::new(Target {
            kind: TargetKind::Manifests,
            name: "m".into(),
            image: None,
        });
        for with in [false, true] {
            if with {
                r.findings.push(finding(
                    "A",
                    Severity::High,
                    Location::file("a.yaml").with_line(3, Some(2)),
                ));
                let mut b = finding("B", Severity::Low, Location::default());
                b.properties.insert("x".into(), json!({"y": [1, 2]}));
                r.findings.push(b);
                r.diagnostics.push(bulwark_types::Diagnostic::warning(
                    "w",
                    Location::file("b.yaml"),
                ));
            }
            let mut streamed = Vec::new();
            render_sarif(&r, &mut streamed).unwrap();
            let mut built = serde_json::to_vec_pretty(&log(&r)).unwrap();
            built.push(b'\n');
            assert_eq!(
                String::from_utf8(streamed).unwrap(),
                String::from_utf8(built).unwrap()
            );
        }
    }

    #[test]
    fn security_severity_is_a_numeric_string_in_githubs_bands() {
        let mut r = Report::new(Target {
            kind: TargetKind::Image,
            name: "alpine:3.19".into(),
            image: None,
        });
        r.findings
            .push(finding("A", Severity::Medium, Location::default()));
        r.findings
            .push(finding("A", Severity::Critical, Location::default()));
        let mut cvss = finding("B", Severity::High, Location::default());
        cvss.properties.insert("cvssScore".into(), json!(7.3));
        r.findings.push(cvss);
        let log = log(&r);
        let rules = log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0]["properties"]["security-severity"], "9.5");
        assert_eq!(rules[1]["properties"]["security-severity"], "7.3");
        for s in [
            Severity::Unknown,
            Severity::Info,
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ] {
            let text = format!("{:.1}", severity_score(s));
            assert!(text.parse::<f64>().is_ok());
        }
        assert_eq!(log["runs"][0]["results"][1]["ruleIndex"], 0);
        assert_eq!(log["runs"][0]["results"][2]["ruleIndex"], 1);
        // No path: the image name, escaped so it is a relative reference, not a URI with scheme "alpine".
        assert_eq!(
            log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "alpine%3A3.19"
        );
    }

    #[test]
    fn regions_never_start_at_line_zero() {
        assert_eq!(region(&Location::file("a").with_line(0, Some(0))), None);
        assert_eq!(region(&Location::file("a")), None);
        assert_eq!(
            region(&Location::file("a").with_line(3, Some(0))),
            Some(json!({ "startLine": 3 }))
        );
        assert_eq!(
            region(&Location::file("a").with_line(3, Some(7))),
            Some(json!({ "startLine": 3, "startColumn": 7 }))
        );
    }

    #[test]
    fn levels_follow_severity() {
        assert_eq!(level(Severity::Critical), "error");
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(level(Severity::Unknown), "note");
    }
}
