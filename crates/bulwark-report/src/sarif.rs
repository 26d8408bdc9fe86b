//! `sarif`: SARIF 2.1.0 in the shape GitHub code scanning accepts.
//!
//! One run; one rule per finding id (vulnerability or check), with a numeric `security-severity` so GitHub can rank
//! it; one result per finding. Every result has a relative `artifactLocation.uri`: the finding's path, else the
//! package's `found_in`, else the resource or the target name. A `region` is written only for a known line, and its
//! `startLine` is never below 1 (GitHub rejects 0). Diagnostics become `toolExecutionNotifications`.
//!
//! A policy verdict (`--policy`) adds: the verdict without its hits in `runs[0].properties["bulwark:policy"]`
//! (decision, stage, bundle, subject, DB, exceptions applied and expired, notes, every rule's outcome); one result
//! per rule that failed or erred, its `ruleId` the policy rule's id (`policy/ID` when a finding already uses that
//! id), its level from the rule's action (fail → `error`, warn → `warning`, info → `note`), its locations the
//! hits' files (with the line of the finding a hit points at) and Kubernetes objects and fields as logical
//! locations, its hits in `properties`; a rule per such policy rule in the driver's rules; and on each finding's
//! result the rules that hit it, in `properties["bulwark:policyRules"]`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;

use bulwark_types::{DiagnosticLevel, Finding, FindingKind, Location, Severity};
use serde_json::{Map, Value, json};

use crate::util::{fnv1a128, project_url, relative_uri};
use crate::{Report, ReportError, link, verdict};

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

pub(crate) fn kind_tag(k: FindingKind) -> &'static str {
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

fn result_json(
    report: &Report,
    f: &Finding,
    rule_index: &HashMap<&str, usize>,
    policy_rules: Option<&verdict::FindingRules<'_>>,
) -> Value {
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
    let rules = policy_rules.map(|p| p.rules_of(f)).unwrap_or_default();
    if f.has_properties() || !rules.is_empty() {
        // With the properties the finding shares with others of its rule (k8s framework mappings).
        let mut props: Map<String, Value> = f
            .all_properties()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !rules.is_empty() {
            // The policy rules this finding violated (their results are in this run too).
            props.insert("bulwark:policyRules".into(), json!(rules));
        }
        res.insert("properties".into(), Value::Object(props));
    }
    Value::Object(res)
}

/// Most locations one policy result lists (GitHub reads the first; the hits are all in its properties).
const MAX_POLICY_LOCATIONS: usize = 100;

/// What the verdict adds to the run: a rule and a result per policy rule that failed or erred, the finding →
/// rule index for the findings' `bulwark:policyRules`, and the verdict's summary for the run's properties.
struct PolicyParts<'a> {
    rules: Vec<Value>,
    results: Vec<Value>,
    finding_rules: verdict::FindingRules<'a>,
    properties: Value,
}

fn policy_level(action: &str) -> &'static str {
    match action {
        "fail" => "error",
        "warn" => "warning",
        _ => "note",
    }
}

/// The verdict without its hits: decision, stage, bundle, subject, DB, exceptions, notes, and every rule's
/// outcome (the violations are results of the run).
fn policy_properties(v: &Value) -> Value {
    let mut p = Map::new();
    for key in [
        "decision",
        "stage",
        "evaluatedAt",
        "bundle",
        "subject",
        "policySets",
        "exceptions",
        "db",
        "notes",
    ] {
        if let Some(x) = v.get(key) {
            p.insert(key.into(), x.clone());
        }
    }
    let rules: Vec<Value> = verdict::results(v)
        .iter()
        .map(|r| {
            let mut o = Map::new();
            for key in [
                "rule",
                "engine",
                "policySet",
                "source",
                "action",
                "outcome",
                "message",
            ] {
                if let Some(x) = r.get(key) {
                    o.insert(key.into(), x.clone());
                }
            }
            o.insert("hits".into(), verdict::list(r, "hits").len().into());
            o.insert("excepted".into(), verdict::list(r, "excepted").len().into());
            Value::Object(o)
        })
        .collect();
    p.insert("results".into(), Value::Array(rules));
    Value::Object(p)
}

/// A location for one hit: the finding it points at (its file and line) or the hit's own path, else the target;
/// the Kubernetes object and the subject's field as logical locations.
fn hit_location(report: &Report, h: &Value, finding: Option<&Finding>) -> Value {
    let (uri, loc) = if let Some(f) = finding {
        (artifact_uri(report, f), f.location.clone())
    } else {
        let raw = verdict::opt(h, "path").unwrap_or(&report.target.name);
        let uri = [raw, report.target.name.as_str(), "target"]
            .into_iter()
            .map(relative_uri)
            .find(|u| !u.is_empty())
            .unwrap_or_default();
        (uri, Location::default())
    };
    let mut l = physical_location(&uri, &loc);
    let logical: Vec<Value> = [("resource", "resource"), ("field", "property")]
        .into_iter()
        .filter_map(|(key, kind)| {
            verdict::opt(h, key).map(|n| json!({ "fullyQualifiedName": n, "kind": kind }))
        })
        .collect();
    if !logical.is_empty() {
        l["logicalLocations"] = Value::Array(logical);
    }
    l
}

fn policy_parts<'a>(
    report: &'a Report,
    first_index: usize,
    finding_rule_ids: &HashMap<&str, usize>,
) -> Option<PolicyParts<'a>> {
    let v = report.verdict.as_ref()?;
    let findings = verdict::FindingIndex::new(v, &report.findings);
    let mut rules: Vec<Value> = Vec::new();
    let mut rule_ids: HashMap<String, usize> = HashMap::new();
    let mut results = Vec::new();
    for r in verdict::results(v).iter().filter(|r| verdict::violated(r)) {
        let name = verdict::text(r, "rule");
        // A policy rule named like a finding id (a CVE, a check) gets its own rule entry.
        let id = if finding_rule_ids.contains_key(name) {
            format!("policy/{name}")
        } else {
            name.to_owned()
        };
        let action = verdict::text(r, "action");
        let hits = verdict::list(r, "hits");
        let matched: Vec<Option<&Finding>> = hits.iter().map(|h| findings.finding(h)).collect();
        let worst = matched
            .iter()
            .flatten()
            .map(|f| finding_score(f))
            .reduce(f64::max);
        let index = if let Some(&i) = rule_ids.get(&id) {
            i
        } else {
            let description = verdict::opt(r, "description").unwrap_or(name);
            let mut full = description.to_owned();
            if let Some(src) = verdict::opt(r, "source") {
                let _ = write!(full, " ({src})");
            }
            let mut props = Map::new();
            props.insert(
                "tags".into(),
                json!(["security", "policy", verdict::text(r, "engine")]),
            );
            if let Some(s) = worst {
                props.insert("security-severity".into(), format!("{s:.1}").into());
            }
            rules.push(json!({
                "id": id,
                "name": name,
                "shortDescription": { "text": description },
                "fullDescription": { "text": full },
                "help": {
                    "text": format!("Policy rule {name}: {full}"),
                    "markdown": format!("**Policy rule `{name}`**\n\n{full}\n"),
                },
                "defaultConfiguration": { "level": policy_level(action) },
                "properties": props,
            }));
            rule_ids.insert(id.clone(), first_index + rules.len() - 1);
            first_index + rules.len() - 1
        };
        let mut text = format!(
            "Policy rule {name} ({action}) {}: {}",
            if verdict::text(r, "outcome") == "error" {
                "could not be evaluated"
            } else {
                "failed"
            },
            verdict::opt(r, "description").unwrap_or(name)
        );
        if let Some(m) = verdict::opt(r, "message") {
            let _ = write!(text, "\n{m}");
        }
        for h in hits.iter().take(MAX_POLICY_LOCATIONS) {
            let _ = write!(text, "\n- {}", verdict::hit_line(h));
        }
        if hits.len() > MAX_POLICY_LOCATIONS {
            let _ = write!(text, "\n… and {} more", hits.len() - MAX_POLICY_LOCATIONS);
        }
        let mut locations: Vec<Value> = Vec::new();
        for (h, f) in hits.iter().zip(&matched) {
            if locations.len() == MAX_POLICY_LOCATIONS {
                break;
            }
            let l = hit_location(report, h, *f);
            if !locations.contains(&l) {
                locations.push(l);
            }
        }
        if locations.is_empty() {
            locations.push(hit_location(report, &Value::Null, None));
        }
        let fingerprint = fnv1a128(
            format!(
                "{id}\0{}\0{}\0{}",
                verdict::text(r, "engine"),
                verdict::text(r, "policySet"),
                report.target.name
            )
            .as_bytes(),
        );
        let mut props = Map::new();
        for key in ["engine", "policySet", "source", "action", "outcome"] {
            if let Some(x) = r.get(key) {
                props.insert(key.into(), x.clone());
            }
        }
        props.insert("hits".into(), Value::Array(hits.to_vec()));
        if let Some(x) = r.get("excepted") {
            props.insert("excepted".into(), x.clone());
        }
        props.insert("bundle".into(), v["bundle"].clone());
        results.push(json!({
            "ruleId": id,
            "ruleIndex": index,
            "level": policy_level(action),
            "message": { "text": text },
            "locations": locations,
            "partialFingerprints": { "bulwarkPolicy/v1": format!("{fingerprint:032x}") },
            "properties": props,
        }));
    }
    Some(PolicyParts {
        rules,
        results,
        finding_rules: verdict::FindingRules::new(v),
        properties: policy_properties(v),
    })
}

/// Everything of the run but its results.
fn run_parts(
    report: &Report,
    rules: &[Rule<'_>],
    policy: Option<&PolicyParts<'_>>,
) -> (Value, Value, Value) {
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
    let mut driver_rules: Vec<Value> = rules.iter().map(rule_json).collect();
    let mut properties = json!({
        "bulwark:target:name": report.target.name,
        "bulwark:createdAt": report.created_at,
    });
    if let Some(p) = policy {
        driver_rules.extend(p.rules.iter().cloned());
        properties["bulwark:policy"] = p.properties.clone();
    }
    let driver = json!({
        "name": report.tool.name,
        "version": report.tool.version,
        "semanticVersion": report.tool.version,
        "informationUri": project_url(),
        "rules": driver_rules,
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
    let policy = policy_parts(report, rules.len(), &rule_index);
    let mut results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            result_json(
                report,
                f,
                &rule_index,
                policy.as_ref().map(|p| &p.finding_rules),
            )
        })
        .collect();
    results.extend(policy.iter().flat_map(|p| p.results.iter().cloned()));
    let (tool, invocations, properties) = run_parts(report, &rules, policy.as_ref());
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
        policy: Option<&'a PolicyParts<'a>>,
    }
    impl serde::Serialize for Results<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let finding_rules = self.policy.map(|p| &p.finding_rules);
            s.collect_seq(
                self.report
                    .findings
                    .iter()
                    .map(|f| result_json(self.report, f, self.rule_index, finding_rules))
                    .chain(self.policy.iter().flat_map(|p| p.results.iter().cloned())),
            )
        }
    }
    let (rules, rule_index) = rules_of(report);
    let policy = policy_parts(report, rules.len(), &rule_index);
    let (tool, invocations, properties) = run_parts(report, &rules, policy.as_ref());
    let doc = Log {
        schema: SCHEMA,
        runs: [Run {
            column_kind: "utf16CodeUnits",
            invocations,
            properties,
            results: Results {
                report,
                rule_index: &rule_index,
                policy: policy.as_ref(),
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

    /// The verdict: its summary in the run's properties, a result per violated rule with the level of its action,
    /// locations from the findings the hits point at, and the rule names on the findings they hit.
    #[test]
    fn the_verdict_becomes_run_properties_results_and_rules() {
        let r = crate::verdict::sample::report();
        let log = log(&r);
        let run = &log["runs"][0];
        let p = &run["properties"]["bulwark:policy"];
        assert_eq!(p["decision"], "fail");
        assert_eq!(p["stage"], "build");
        assert_eq!(
            p["bundle"]["commit"],
            "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
        );
        assert_eq!(p["db"]["builtAt"], "2026-11-30T06:00:00Z");
        assert_eq!(p["exceptions"]["expired"][0]["id"], "SEC-2-legacy");
        assert_eq!(p["results"].as_array().unwrap().len(), 8);
        let results = run["results"].as_array().unwrap();
        // 5 findings, then the 6 rules that failed or erred, in the verdict's order.
        assert_eq!(results.len(), 5 + 6);
        let policy: Vec<(&str, &str)> = results[5..]
            .iter()
            .map(|x| (x["ruleId"].as_str().unwrap(), x["level"].as_str().unwrap()))
            .collect();
        assert_eq!(
            policy,
            [
                ("policy/BW-DF-0002", "warning"),
                ("critical-fixable", "error"),
                ("info-only", "note"),
                ("no-aws-credentials", "error"),
                ("pod-security", "warning"),
                ("require-team-label", "error"),
            ]
        );
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        for res in results {
            let i = usize::try_from(res["ruleIndex"].as_u64().unwrap()).unwrap();
            assert_eq!(rules[i]["id"], res["ruleId"]);
        }
        // The secret hit points at the finding: its file and line.
        let aws = &results[8];
        let loc = &aws["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "app/config/.env");
        assert_eq!(loc["region"]["startLine"], 12);
        assert_eq!(
            aws["locations"][1]["logicalLocations"][0]["fullyQualifiedName"],
            "image.config.Env"
        );
        assert_eq!(
            aws["properties"]["excepted"][0]["exception"],
            "SEC-9-test-key"
        );
        assert!(
            aws["message"]["text"]
                .as_str()
                .unwrap()
                .contains("AWS_SECRET_ACCESS_KEY")
        );
        // The worst finding a rule's hits point at gives it a security severity; a rule with none has none.
        let rule = |id: &str| rules.iter().find(|x| x["id"] == id).unwrap();
        assert_eq!(
            rule("no-aws-credentials")["properties"]["security-severity"],
            "9.5"
        );
        assert_eq!(
            rule("require-team-label")["properties"].get("security-severity"),
            None
        );
        // Objects the hits name are logical locations.
        let pod = &results[9];
        assert_eq!(
            pod["locations"][0]["logicalLocations"][0],
            json!({ "fullyQualifiedName": "Deployment/default/web", "kind": "resource" })
        );
        assert_eq!(
            pod["locations"][0]["physicalLocation"]["region"]["startLine"],
            7
        );
        // The findings name the rules that hit them; the same id in another file was not hit.
        assert_eq!(
            results[3]["properties"]["bulwark:policyRules"],
            json!(["no-aws-credentials"])
        );
        assert_eq!(results[4].get("properties"), None);
        assert_eq!(
            results[0]["properties"]["bulwark:policyRules"],
            json!(["critical-fixable"])
        );
        assert_eq!(
            results[1]["properties"]["bulwark:policyRules"],
            json!(["BW-DF-0002"])
        );
        // Streaming writes the same log.
        let mut streamed = Vec::new();
        render_sarif(&r, &mut streamed).unwrap();
        let mut built = serde_json::to_vec_pretty(&log).unwrap();
        built.push(b'\n');
        assert_eq!(streamed, built);
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
