//! Renderings of a [`ComplianceReport`]: self-contained HTML (no script, every string escaped), CSV (RFC 4180,
//! formula-injection safe) and SARIF 2.1.0 (one result per failing control). JSON is the report's serde form.

use std::fmt::Write as _;

use bulwark_types::Severity;
use serde_json::{Value, json};

use crate::{ComplianceReport, ControlResult, Status};

/// Escapes text for HTML element content and quoted attribute values (shared with every Bulwark page).
pub use bulwark_report::html::escape as html_escape;

fn status_label(s: Status) -> &'static str {
    match s {
        Status::Pass => "PASS",
        Status::Fail => "FAIL",
        Status::Manual => "MANUAL",
        Status::NotAssessed => "NOT ASSESSED",
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem;color:#1a1a1a;background:#fff}\
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}\
table{border-collapse:collapse;width:100%;margin:.5rem 0}\
th,td{border:1px solid #999;padding:.3rem .5rem;text-align:left;vertical-align:top;font-size:.9rem}\
th{background:#eee}.pass{color:#0a5c2b}.fail{color:#9b1c1c}.manual,.not-assessed{color:#5c4a00}\
.status{font-weight:bold}code{font-family:ui-monospace,monospace;word-break:break-all}\
section{page-break-inside:avoid}";

/// The report as one HTML page: summary, inputs, then each control with its status, source, remediation and
/// evidence. No script and no external resource; every string from the inputs is escaped.
#[must_use]
pub fn html(r: &ComplianceReport) -> String {
    let e = html_escape;
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <title>{} compliance report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n\
         <h1>{} compliance report</h1>\n<p>Framework <code>{}</code>, edition: {}.</p>\n",
        e(&r.name),
        e(&r.name),
        e(&r.framework),
        e(&r.edition)
    );
    let t = r.totals;
    let _ = writeln!(
        o,
        "<table aria-label=\"Totals\"><thead><tr><th scope=\"col\">Controls</th><th scope=\"col\">Pass</th>\
         <th scope=\"col\">Fail</th><th scope=\"col\">Manual</th><th scope=\"col\">Not assessed</th></tr></thead>\
         <tbody><tr><td>{}</td><td class=\"pass\">{}</td><td class=\"fail\">{}</td><td class=\"manual\">{}</td>\
         <td class=\"not-assessed\">{}</td></tr></tbody></table>",
        t.controls, t.pass, t.fail, t.manual, t.not_assessed
    );
    o.push_str(
        "<h2>Inputs</h2>\n<table aria-label=\"Inputs\"><thead><tr><th scope=\"col\">Input</th>\
         <th scope=\"col\">Scanners</th><th scope=\"col\">Findings</th></tr></thead><tbody>\n",
    );
    for s in &r.sources {
        let sc: Vec<&str> = s.scanners.iter().map(|s| s.as_str()).collect();
        let _ = writeln!(
            o,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            e(&s.label),
            e(&sc.join(", ")),
            s.findings
        );
    }
    o.push_str("</tbody></table>\n<h2>Controls</h2>\n");
    o.push_str(
        "<table aria-label=\"Controls\"><thead><tr><th scope=\"col\">Control</th><th scope=\"col\">Title</th>\
         <th scope=\"col\">Status</th><th scope=\"col\">Findings</th></tr></thead><tbody>\n",
    );
    for c in &r.controls {
        let _ = writeln!(
            o,
            "<tr><td><a href=\"#c-{}\">{}</a></td><td>{}</td><td class=\"status {}\">{}</td><td>{}</td></tr>",
            anchor(&c.id),
            e(&c.id),
            e(&c.title),
            c.status.as_str(),
            status_label(c.status),
            c.evidence_total
        );
    }
    o.push_str("</tbody></table>\n");
    for c in &r.controls {
        control_html(&mut o, c);
    }
    o.push_str("</main>\n</body>\n</html>\n");
    o
}

/// An id safe as a fragment: alphanumerics kept, everything else as `-`.
fn anchor(id: &str) -> String {
    id.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

fn control_html(o: &mut String, c: &ControlResult) {
    let e = html_escape;
    let _ = write!(
        o,
        "<section id=\"c-{}\">\n<h2>{} {} — <span class=\"status {}\">{}</span></h2>\n\
         <p><strong>Source:</strong> {}</p>\n<p><strong>Remediation:</strong> {}</p>\n",
        anchor(&c.id),
        e(&c.id),
        e(&c.title),
        c.status.as_str(),
        status_label(c.status),
        e(&c.source),
        e(&c.remediation)
    );
    if c.selectors.is_empty() {
        o.push_str("<p>No automated source can assess this control: review it by hand.</p>\n");
    } else {
        let _ = writeln!(
            o,
            "<p><strong>Evidence read:</strong> {}</p>",
            e(&c.selectors.join("; "))
        );
    }
    if !c.evidence.is_empty() {
        let _ = writeln!(
            o,
            "<table aria-label=\"Evidence for {}\"><thead><tr><th scope=\"col\">Finding</th><th scope=\"col\">Severity</th>\
             <th scope=\"col\">Title</th><th scope=\"col\">Where</th><th scope=\"col\">Input</th></tr></thead><tbody>",
            e(&c.id)
        );
        for ev in &c.evidence {
            let mut wh = Vec::new();
            for (k, v) in [
                ("object", &ev.object),
                ("file", &ev.file),
                ("layer", &ev.layer),
                ("package", &ev.package),
                ("fixed in", &ev.fixed_version),
            ] {
                if let Some(v) = v {
                    wh.push(format!("{k} <code>{}</code>", e(v)));
                }
            }
            let id = if ev.aliases.is_empty() {
                ev.finding.clone()
            } else {
                format!("{} ({})", ev.finding, ev.aliases.join(", "))
            };
            let _ = writeln!(
                o,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                e(&id),
                ev.severity,
                e(&ev.title),
                wh.join("<br>"),
                e(&ev.source)
            );
        }
        o.push_str("</tbody></table>\n");
        if c.evidence_total > c.evidence.len() {
            let _ = writeln!(
                o,
                "<p>{} more findings not listed.</p>",
                c.evidence_total - c.evidence.len()
            );
        }
    }
    o.push_str("</section>\n");
}

/// One CSV cell, formula-injection safe and RFC 4180 quoted (shared with every Bulwark CSV).
pub use bulwark_report::csv::cell as csv_cell;

/// One row per control and evidence finding (a control without evidence gets one row with empty evidence
/// columns), CRLF line ends as RFC 4180 specifies.
#[must_use]
pub fn csv(r: &ComplianceReport) -> String {
    let mut o = String::new();
    let header = [
        "framework",
        "control",
        "title",
        "source",
        "status",
        "remediation",
        "finding",
        "aliases",
        "kind",
        "severity",
        "finding_title",
        "object",
        "file",
        "layer",
        "package",
        "fixed_version",
        "input",
    ];
    o.push_str(&header.join(","));
    o.push_str("\r\n");
    for c in &r.controls {
        let head = [
            r.framework.as_str(),
            &c.id,
            &c.title,
            &c.source,
            c.status.as_str(),
            &c.remediation,
        ];
        let mut row = |rest: [&str; 11]| {
            let cells: Vec<String> = head
                .iter()
                .chain(rest.iter())
                .map(|s| csv_cell(s))
                .collect();
            o.push_str(&cells.join(","));
            o.push_str("\r\n");
        };
        if c.evidence.is_empty() {
            row([""; 11]);
        }
        for ev in &c.evidence {
            let opt = |v: &Option<String>| v.clone().unwrap_or_default();
            let (object, file, layer, package, fixed) = (
                opt(&ev.object),
                opt(&ev.file),
                opt(&ev.layer),
                opt(&ev.package),
                opt(&ev.fixed_version),
            );
            let aliases = ev.aliases.join(" ");
            row([
                &ev.finding,
                &aliases,
                &ev.kind,
                ev.severity.as_str(),
                &ev.title,
                &object,
                &file,
                &layer,
                &package,
                &fixed,
                &ev.source,
            ]);
        }
    }
    o
}

const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "2.0",
        Severity::Info | Severity::Unknown => "0.0",
    }
}

/// SARIF 2.1.0: every control a rule (id, title, source and remediation as help), one `error` result per
/// failing control listing its evidence (finding ids, objects, files and layers as locations and in
/// `properties`). Status and totals of every control are in the run's properties.
#[must_use]
pub fn sarif(r: &ComplianceReport, tool_version: &str) -> Value {
    let rules: Vec<Value> = r
        .controls
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "name": format!("{} {}", r.framework, c.id),
                "shortDescription": {"text": c.title},
                "fullDescription": {"text": format!("{}: {}", c.source, c.title)},
                "help": {"text": c.remediation},
                "properties": {"source": c.source, "status": c.status.as_str(), "tags": ["compliance", r.framework]},
            })
        })
        .collect();
    let mut results = Vec::new();
    for (i, c) in r.controls.iter().enumerate() {
        if c.status != Status::Fail {
            continue;
        }
        let worst = c
            .evidence
            .iter()
            .map(|e| e.severity)
            .max()
            .unwrap_or_default();
        let mut locations = Vec::new();
        for ev in c.evidence.iter().take(100) {
            let uri = ev
                .file
                .as_deref()
                .map(|f| {
                    f.rsplit_once(':')
                        .filter(|(_, l)| l.parse::<u32>().is_ok())
                        .map_or(f, |(p, _)| p)
                })
                .or(ev.object.as_deref())
                .unwrap_or(&ev.source);
            let line = ev
                .file
                .as_deref()
                .and_then(|f| f.rsplit_once(':'))
                .and_then(|(_, l)| l.parse::<u32>().ok())
                .filter(|l| *l >= 1);
            let mut phys = json!({"artifactLocation": {"uri": relative_uri(uri)}});
            if let Some(l) = line {
                phys["region"] = json!({"startLine": l});
            }
            let mut loc = json!({
                "physicalLocation": phys,
                "message": {"text": format!("{} ({}): {}", ev.finding, ev.severity, ev.title)},
            });
            if let Some(o) = &ev.object {
                loc["logicalLocations"] = json!([{"fullyQualifiedName": o, "kind": "resource"}]);
            }
            locations.push(loc);
        }
        let ids: Vec<String> = c
            .evidence
            .iter()
            .take(20)
            .map(|e| match e.aliases.first() {
                Some(a) => format!("{} ({a})", e.finding),
                None => e.finding.clone(),
            })
            .collect();
        results.push(json!({
            "ruleId": c.id,
            "ruleIndex": i,
            "level": "error",
            "message": {"text": format!(
                "{} {} fails ({}): {} finding(s): {}{}",
                r.name, c.id, c.source, c.evidence_total, ids.join(", "),
                if c.evidence_total > ids.len() { ", …" } else { "" }
            )},
            "locations": locations,
            "properties": {
                "security-severity": security_severity(worst),
                "evidenceTotal": c.evidence_total,
                "evidence": c.evidence,
                "remediation": c.remediation,
            },
        }));
    }
    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "bulwark",
                "version": tool_version,
                "informationUri": "https://example.invalid/bulwark",
                "rules": rules,
            }},
            "results": results,
            "properties": {
                "framework": r.framework,
                "name": r.name,
                "edition": r.edition,
                "totals": r.totals,
                "sources": r.sources,
            },
        }],
    })
}

/// A URI reference for SARIF: a relative path kept (percent-encoding what a URI cannot hold), an absolute path
/// or an object name made relative.
fn relative_uri(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.trim_start_matches('/').bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors() {
        assert_eq!(anchor("164.312(a)(1)"), "164-312-a--1-");
    }
}
