//! HTML: the escaping every Bulwark page uses (this report, the compliance report), and the `html` format.

use std::cmp::Ordering;
use std::io::Write;

use bulwark_types::{Finding, FindingKind, LayerRef, Severity};
use serde_json::Value;

use crate::verdict::{bundle_label, hit_line, list, opt, results, text, violated};
use crate::{Report, ReportError, link};

/// Escapes text for HTML element content and quoted attribute values; control characters (ANSI escapes
/// included) become visible `\e`, `\u{…}` text so that nothing reaches the page raw.
///
/// ```
/// assert_eq!(bulwark_report::html::escape("<b a='1'>\u{1b}[31m"), "&lt;b a=&#39;1&#39;&gt;\\e[31m");
/// ```
#[must_use]
pub fn escape(s: &str) -> String {
    let s = bulwark_types::escape_control(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Severities from the worst down, as the summary lists them.
const SEVERITIES: [Severity; 6] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Info,
    Severity::Unknown,
];

/// Finding kinds in the order the report groups them.
const KINDS: [FindingKind; 8] = [
    FindingKind::Vulnerability,
    FindingKind::Misconfiguration,
    FindingKind::Secret,
    FindingKind::Malware,
    FindingKind::License,
    FindingKind::Policy,
    FindingKind::Runtime,
    FindingKind::Dast,
];

/// The kind's name as JSON writes it (`vulnerability`, `misconfiguration`, …).
pub(crate) fn kind_name(k: FindingKind) -> &'static str {
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

fn kind_heading(k: FindingKind) -> &'static str {
    match k {
        FindingKind::Vulnerability => "Vulnerabilities",
        FindingKind::Misconfiguration => "Misconfigurations",
        FindingKind::Secret => "Secrets",
        FindingKind::License => "Licenses",
        FindingKind::Malware => "Malware",
        FindingKind::Policy => "Policy findings",
        FindingKind::Runtime => "Runtime alerts",
        FindingKind::Dast => "DAST alerts",
    }
}

/// Colours meet WCAG 2.1 AA contrast (4.5:1) on white and on the #f0f0f0 header background; severity is also
/// written out, never shown by colour alone. Print: no backgrounds needed, rows do not split across pages, and a
/// closed `<details>` prints open.
const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem;color:#1a1a1a;background:#fff;line-height:1.4}\
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}h3{font-size:1rem}\
table{border-collapse:collapse;width:100%;margin:.5rem 0}\
caption{text-align:left;font-weight:bold;padding:.3rem 0}\
th,td{border:1px solid #8a8a8a;padding:.25rem .45rem;text-align:left;vertical-align:top;font-size:.85rem}\
th{background:#f0f0f0}td.num{text-align:right}tr{page-break-inside:avoid;break-inside:avoid}\
code{font-family:ui-monospace,monospace;word-break:break-all}dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}\
dt{font-weight:bold}dd{margin:0}table.summary{width:auto;min-width:20rem}th code{word-break:normal;white-space:nowrap}summary{cursor:pointer;font-weight:bold;margin-top:1rem}\
.sev-CRITICAL{color:#8b0000;font-weight:bold}.sev-HIGH{color:#a3330b;font-weight:bold}.sev-MEDIUM{color:#6b4e00}\
.sev-LOW{color:#1f4e79}.sev-INFO,.sev-UNKNOWN{color:#4a4a4a}\
.decision-fail{color:#8b0000;font-weight:bold}.decision-pass{color:#0a5c2b;font-weight:bold}.decision-warn{color:#6b4e00;font-weight:bold}\
@media print{body{margin:0}details::details-content{content-visibility:visible;display:contents}summary{list-style:none}}";

/// A finding's `risk` property (set by bulwark-risk), when it is a number.
pub(crate) fn risk(f: &Finding) -> Option<f64> {
    f.property("risk").and_then(Value::as_f64)
}

/// A string property, when present and not empty.
fn prop<'a>(f: &'a Finding, key: &str) -> Option<&'a str> {
    f.property(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// The finding's `risk` as written (a number), or `""`.
pub(crate) fn risk_text(f: &Finding) -> String {
    f.property("risk")
        .filter(|v| v.is_number())
        .map(Value::to_string)
        .unwrap_or_default()
}

/// The SSVC decision (`ssvc`, set with `risk`), or `""`.
pub(crate) fn ssvc_text(f: &Finding) -> &str {
    prop(f, "ssvc").unwrap_or_default()
}

/// The owning team where known: an `owner` property, a string or an object with `team`.
pub(crate) fn owner(f: &Finding) -> &str {
    match f.property("owner") {
        Some(Value::String(s)) => s,
        Some(v @ Value::Object(_)) => v.get("team").and_then(Value::as_str).unwrap_or_default(),
        _ => "",
    }
}

/// The layer a finding is in: its own location's, else that of the package it is about.
pub(crate) fn layer_of<'a>(report: &'a Report, f: &'a Finding) -> Option<&'a LayerRef> {
    f.location
        .layer
        .as_deref()
        .or_else(|| link::package_of(report, f).and_then(|i| report.packages[i].layer.as_ref()))
}

/// Highest risk first (findings with a risk before those without), then the worst severity, then by id.
pub(crate) fn by_priority(a: &Finding, b: &Finding) -> Ordering {
    match (risk(a), risk(b)) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
    .then_with(|| b.severity.cmp(&a.severity))
    .then_with(|| a.id.cmp(&b.id))
}

/// Renders the report as one self-contained HTML page: no script, no external resource (a
/// Content-Security-Policy of `default-src 'none'` says so to the browser), every string from the report
/// escaped with [`escape`]. Summary by severity and kind, the policy verdict when there is one, the findings
/// grouped by kind and sorted by [`risk`](crate) else severity, and the packages in a `<details>` block.
pub fn render_html(report: &Report, w: &mut dyn Write) -> Result<(), ReportError> {
    let e = escape;
    let t = &report.target;
    writeln!(
        w,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <title>Bulwark report: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n\
         <h1>Bulwark report: <code>{}</code></h1>",
        e(&t.name),
        e(&t.name)
    )?;
    // What was scanned, when, with what.
    writeln!(w, "<dl>")?;
    let mut fact = |k: &str, v: &str| writeln!(w, "<dt>{k}</dt><dd>{v}</dd>");
    fact(
        "Target",
        &format!("{} <code>{}</code>", e(target_kind(t.kind)), e(&t.name)),
    )?;
    if let Some(img) = &t.image {
        if let Some(d) = img
            .manifest_digest
            .as_deref()
            .or(img.config_digest.as_deref())
        {
            fact("Digest", &format!("<code>{}</code>", e(d)))?;
        }
        if let (Some(os), Some(arch)) = (&img.os, &img.architecture) {
            fact("Platform", &e(&format!("{os}/{arch}")))?;
        }
        if let Some(c) = &img.created {
            fact("Image created", &e(c))?;
        }
    }
    if let Some(os) = &report.os {
        let name = os
            .pretty_name
            .clone()
            .unwrap_or_else(|| format!("{} {}", os.id, os.version_id.as_deref().unwrap_or("")));
        fact("Operating system", &e(&name))?;
    }
    fact("Scan time", &e(&report.created_at))?;
    fact(
        "Scanner",
        &e(&format!("{} {}", report.tool.name, report.tool.version)),
    )?;
    match &report.vulnerability_db {
        Some(db) => fact(
            "Vulnerability DB",
            &e(&format!(
                "built {} ({} days old); {}",
                db.built_at,
                db.age_days,
                db.sources.join(", ")
            )),
        )?,
        None => fact("Vulnerability DB", "none used")?,
    }
    writeln!(w, "</dl>")?;

    summary(report, w)?;
    if !report.diagnostics.is_empty() {
        writeln!(w, "<h2>Diagnostics</h2>\n<ul>")?;
        for d in &report.diagnostics {
            writeln!(w, "<li>{}</li>", e(&d.to_string()))?;
        }
        writeln!(w, "</ul>")?;
    }
    if let Some(v) = &report.verdict {
        verdict(v, w)?;
    }
    findings(report, w)?;
    packages(report, w)?;
    writeln!(w, "</main>\n</body>\n</html>")?;
    Ok(())
}

fn target_kind(k: crate::TargetKind) -> &'static str {
    match k {
        crate::TargetKind::Image => "image",
        crate::TargetKind::Filesystem => "filesystem",
        crate::TargetKind::Rootfs => "root filesystem",
        crate::TargetKind::Manifests => "Kubernetes manifests",
        crate::TargetKind::Sbom => "SBOM",
        crate::TargetKind::Url => "URL",
        crate::TargetKind::Node => "node",
    }
}

fn summary(report: &Report, w: &mut dyn Write) -> Result<(), ReportError> {
    writeln!(w, "<h2>Summary</h2>")?;
    writeln!(
        w,
        "<p>{} findings, {} packages.</p>",
        report.findings.len(),
        report.packages.len()
    )?;
    writeln!(
        w,
        "<table class=\"summary\">\n<caption>Findings by severity</caption>\n<thead><tr><th scope=\"col\">Severity</th>\
         <th scope=\"col\">Findings</th></tr></thead>\n<tbody>"
    )?;
    for s in SEVERITIES {
        let n = report.findings.iter().filter(|f| f.severity == s).count();
        writeln!(
            w,
            "<tr><th scope=\"row\" class=\"sev-{s}\">{s}</th><td class=\"num\">{n}</td></tr>"
        )?;
    }
    writeln!(w, "</tbody>\n</table>")?;
    writeln!(
        w,
        "<table class=\"summary\">\n<caption>Findings by kind</caption>\n<thead><tr><th scope=\"col\">Kind</th>\
         <th scope=\"col\">Findings</th></tr></thead>\n<tbody>"
    )?;
    for k in KINDS {
        let n = report.findings.iter().filter(|f| f.kind == k).count();
        writeln!(
            w,
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{n}</td></tr>",
            kind_name(k)
        )?;
    }
    writeln!(w, "</tbody>\n</table>")?;
    if let Some(o) = &report.omitted {
        writeln!(
            w,
            "<p>Left out of this report: {} finding(s) by the filters{}, {} suppressed by VEX or the ignore file.</p>",
            o.filtered,
            if o.filters.is_empty() {
                String::new()
            } else {
                format!(" (<code>{}</code>)", escape(&o.filters.join(" ")))
            },
            o.suppressed
        )?;
    }
    Ok(())
}

fn verdict(v: &Value, w: &mut dyn Write) -> Result<(), ReportError> {
    let e = escape;
    let decision = text(v, "decision");
    let class: String = decision
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    writeln!(
        w,
        "<h2>Policy verdict</h2>\n<p>Decision: <span class=\"decision-{class}\">{}</span>{}; policy <code>{}</code>.</p>",
        e(&decision.to_ascii_uppercase()),
        opt(v, "stage").map_or(String::new(), |s| format!(
            " at stage <code>{}</code>",
            e(s)
        )),
        e(&bundle_label(v))
    )?;
    let rules = results(v);
    if !rules.is_empty() {
        writeln!(
            w,
            "<table>\n<caption>Policy rules</caption>\n<thead><tr><th scope=\"col\">Rule</th><th scope=\"col\">Action</th>\
             <th scope=\"col\">Outcome</th><th scope=\"col\">Findings</th><th scope=\"col\">Detail</th></tr></thead>\n<tbody>"
        )?;
        for r in rules {
            let hits = list(r, "hits");
            let mut detail: Vec<String> = hits.iter().take(5).map(hit_line).collect();
            if hits.len() > 5 {
                detail.push(format!("… {} more", hits.len() - 5));
            }
            if detail.is_empty()
                && let Some(m) = opt(r, "message").or_else(|| opt(r, "description"))
            {
                detail.push(m.to_owned());
            }
            let outcome = text(r, "outcome");
            writeln!(
                w,
                "<tr><th scope=\"row\"><code>{}</code></th><td>{}</td><td>{}{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                e(text(r, "rule")),
                e(text(r, "action")),
                e(outcome),
                if violated(r) { " (violation)" } else { "" },
                hits.len(),
                detail.iter().map(|d| e(d)).collect::<Vec<_>>().join("<br>")
            )?;
        }
        writeln!(w, "</tbody>\n</table>")?;
    }
    let applied = list(&v["exceptions"], "applied");
    let expired = list(&v["exceptions"], "expired");
    if !applied.is_empty() || !expired.is_empty() {
        writeln!(
            w,
            "<table>\n<caption>Exceptions</caption>\n<thead><tr><th scope=\"col\">Exception</th><th scope=\"col\">State</th>\
             <th scope=\"col\">Expires</th><th scope=\"col\">Owner</th><th scope=\"col\">Reason</th>\
             <th scope=\"col\">Matched</th><th scope=\"col\">Source</th></tr></thead>\n<tbody>"
        )?;
        for (state, list) in [("applied", applied), ("expired", expired)] {
            for x in list {
                let matched = x.get("matched").map(Value::to_string).unwrap_or_default();
                writeln!(
                    w,
                    "<tr><th scope=\"row\"><code>{}</code></th><td>{state}</td><td>{}</td><td>{}</td><td>{}</td>\
                     <td class=\"num\">{}</td><td><code>{}</code></td></tr>",
                    e(text(x, "id")),
                    e(text(x, "expires")),
                    e(text(x, "owner")),
                    e(text(x, "reason")),
                    e(&matched),
                    e(text(x, "source"))
                )?;
            }
        }
        writeln!(w, "</tbody>\n</table>")?;
    }
    for n in list(v, "notes").iter().filter_map(Value::as_str) {
        writeln!(w, "<p>Note: {}</p>", e(n))?;
    }
    Ok(())
}

/// `2: RUN apt-get install …` (index and `created_by`), with the digest when there is no command.
fn layer_html(l: &LayerRef) -> String {
    match &l.created_by {
        Some(c) => format!("{}: <code>{}</code>", l.index, escape(c)),
        None => escape(&crate::util::describe_layer(l)),
    }
}

/// Path (and `:line` when `with_line`), and the Kubernetes object or resource, space-separated.
pub(crate) fn location_text(f: &Finding, with_line: bool) -> String {
    let mut parts = Vec::new();
    if let Some(p) = &f.location.path {
        parts.push(match f.location.line.filter(|_| with_line) {
            Some(l) => format!("{p}:{l}"),
            None => p.to_string(),
        });
    }
    if let Some(r) = &f.location.resource {
        parts.push(r.to_string());
    }
    parts.join(" ")
}

fn findings(report: &Report, w: &mut dyn Write) -> Result<(), ReportError> {
    let e = escape;
    writeln!(w, "<h2>Findings</h2>")?;
    if report.findings.is_empty() {
        writeln!(w, "<p>No findings.</p>")?;
    }
    for k in KINDS {
        let mut fs: Vec<&Finding> = report.findings.iter().filter(|f| f.kind == k).collect();
        if fs.is_empty() {
            continue;
        }
        fs.sort_by(|a, b| by_priority(a, b));
        let with_risk = fs.iter().any(|f| risk(f).is_some());
        writeln!(
            w,
            "<section>\n<h3>{} ({})</h3>\n<table>\n<caption>{}, {}</caption>\n<thead><tr>",
            kind_heading(k),
            fs.len(),
            kind_heading(k),
            if with_risk {
                "highest risk first"
            } else {
                "worst severity first"
            }
        )?;
        // Columns that would be empty for every finding of this kind (no package for a misconfiguration, no
        // layer outside an image) are left out.
        let show = [
            fs.iter().any(|f| link::package_name(f).is_some()),
            fs.iter().any(|f| link::installed_version(f).is_some()),
            fs.iter().any(|f| link::fixed_version(f).is_some()),
            fs.iter().any(|f| layer_of(report, f).is_some()),
            fs.iter()
                .any(|f| f.location.path.is_some() || f.location.resource.is_some()),
            fs.iter().any(|f| !owner(f).is_empty()),
        ];
        let optional = [
            "Package",
            "Installed",
            "Fixed",
            "Layer",
            "Location",
            "Owner",
        ];
        let mut cols = vec!["ID", "Severity"];
        if with_risk {
            cols.push("Risk (SSVC)");
        }
        cols.push("Title");
        cols.extend(
            optional
                .iter()
                .zip(show)
                .filter(|(_, s)| *s)
                .map(|(c, _)| *c),
        );
        for c in cols {
            write!(w, "<th scope=\"col\">{c}</th>")?;
        }
        writeln!(w, "</tr></thead>\n<tbody>")?;
        for f in fs {
            write!(
                w,
                "<tr><th scope=\"row\"><code>{}</code></th><td class=\"sev-{sev}\">{sev}</td>",
                e(&f.id),
                sev = f.severity,
            )?;
            if with_risk {
                let s = ssvc_text(f);
                write!(
                    w,
                    "<td class=\"num\">{}{}</td>",
                    e(&risk_text(f)),
                    if s.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", e(s))
                    }
                )?;
            }
            write!(w, "<td>{}</td>", e(&f.title))?;
            for (i, _) in show.iter().enumerate().filter(|(_, s)| **s) {
                let cell = match i {
                    0 => e(link::package_name(f).unwrap_or_default()),
                    1 => e(link::installed_version(f).unwrap_or_default()),
                    2 => e(link::fixed_version(f).unwrap_or_default()),
                    3 => layer_of(report, f).map(layer_html).unwrap_or_default(),
                    4 => {
                        let l = location_text(f, true);
                        if l.is_empty() {
                            l
                        } else {
                            format!("<code>{}</code>", e(&l))
                        }
                    }
                    _ => e(owner(f)),
                };
                write!(w, "<td>{cell}</td>")?;
            }
            writeln!(w, "</tr>")?;
        }
        writeln!(w, "</tbody>\n</table>\n</section>")?;
    }
    Ok(())
}

fn packages(report: &Report, w: &mut dyn Write) -> Result<(), ReportError> {
    let e = escape;
    if report.packages.is_empty() {
        return Ok(());
    }
    writeln!(
        w,
        "<h2>Packages</h2>\n<details>\n<summary>{} packages</summary>\n<table>\n<caption>Packages found</caption>\n\
         <thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Version</th><th scope=\"col\">Type</th>\
         <th scope=\"col\">Licenses</th><th scope=\"col\">Layer</th><th scope=\"col\">Found in</th>\
         <th scope=\"col\">purl</th></tr></thead>\n<tbody>",
        report.packages.len()
    )?;
    for p in &report.packages {
        writeln!(
            w,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td>\
             <td><code>{}</code></td></tr>",
            e(&p.name),
            e(&p.version),
            e(p.package_type.as_str()),
            e(&p.licenses.join(", ")),
            p.layer.as_ref().map(layer_html).unwrap_or_default(),
            e(p.found_in.as_deref().unwrap_or_default()),
            e(&p.purl)
        )?;
    }
    writeln!(w, "</tbody>\n</table>\n</details>")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_inert() {
        assert_eq!(
            escape("<a href='x' title=\"y\">&</a>"),
            "&lt;a href=&#39;x&#39; title=&quot;y&quot;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(escape("\u{1b}[1mbold\u{7}"), "\\e[1mbold\\u{7}");
    }
}
