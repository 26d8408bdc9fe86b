//! ZAP's traditional reports: JSON (`-J`), HTML (`-r`) and Markdown (`-w`), in the shape of the `traditional-json`,
//! `traditional-html` and `traditional-md` templates of zaproxy/zap-extensions' reports add-on (read, not
//! copied): sites by origin, each with its alerts grouped by (plugin id, alert name, risk), highest risk first,
//! each with its instances. Every value is a string in the JSON, as ZAP writes it; `desc`, `solution`,
//! `otherinfo` and `reference` are paragraphs (`<p>…</p>` per line). Every text is escaped for its format (JSON
//! by serde, HTML entities, Markdown backslash escapes). Alerts of the always-ignored ids and OUTOFSCOPE alerts
//! are left out by the caller; Informational alerts are in the report (ZAP's reports list them).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::rules::{Alert, Risk, RuleInfo};

/// What a report is made of.
pub struct ReportInput<'a> {
    pub alerts: &'a [Alert],
    /// The rule of a plugin id, for the texts an alert does not override.
    pub info: &'a dyn Fn(u32) -> Option<&'a RuleInfo>,
    /// The origins scanned (sites with no alert are listed too).
    pub sites: &'a [String],
    pub generated: SystemTime,
}

/// One alert group of a site.
struct Group<'a> {
    first: &'a Alert,
    instances: Vec<&'a Alert>,
}

struct Site<'a> {
    name: String,
    host: String,
    port: u16,
    ssl: bool,
    groups: Vec<Group<'a>>,
}

fn origin_of(url: &str) -> Option<(String, String, u16, bool)> {
    let u = url::Url::parse(url).ok()?;
    let host = u.host_str()?.to_string();
    let port = u.port_or_known_default()?;
    let ssl = u.scheme() == "https";
    let name = match u.port() {
        Some(p) => format!("{}://{host}:{p}", u.scheme()),
        None => format!("{}://{host}", u.scheme()),
    };
    Some((name, host, port, ssl))
}

fn sites<'a>(input: &ReportInput<'a>) -> Vec<Site<'a>> {
    let mut by_site: BTreeMap<String, Site<'a>> = BTreeMap::new();
    for s in input.sites {
        if let Some((name, host, port, ssl)) = origin_of(s) {
            by_site.entry(name.clone()).or_insert(Site {
                name,
                host,
                port,
                ssl,
                groups: Vec::new(),
            });
        }
    }
    for a in input.alerts {
        let Some((name, host, port, ssl)) = origin_of(&a.url) else {
            continue;
        };
        let site = by_site.entry(name.clone()).or_insert(Site {
            name,
            host,
            port,
            ssl,
            groups: Vec::new(),
        });
        match site.groups.iter_mut().find(|g| {
            g.first.plugin_id == a.plugin_id && g.first.name == a.name && g.first.risk == a.risk
        }) {
            Some(g) => g.instances.push(a),
            None => site.groups.push(Group {
                first: a,
                instances: vec![a],
            }),
        }
    }
    let mut out: Vec<Site<'a>> = by_site.into_values().collect();
    for s in &mut out {
        s.groups.sort_by(|a, b| {
            b.first
                .risk
                .cmp(&a.first.risk)
                .then_with(|| a.first.name.cmp(&b.first.name))
                .then_with(|| a.first.plugin_id.cmp(&b.first.plugin_id))
        });
    }
    out
}

struct Texts {
    description: String,
    solution: String,
    references: Vec<String>,
}

fn texts(a: &Alert, info: Option<&RuleInfo>) -> Texts {
    let pick = |own: &str, rule: Option<&str>| {
        if own.is_empty() {
            rule.unwrap_or("").to_string()
        } else {
            own.to_string()
        }
    };
    Texts {
        description: pick(&a.description, info.map(|i| i.description)),
        solution: pick(&a.solution, info.map(|i| i.solution)),
        references: info
            .map(|i| i.references.iter().map(|r| (*r).to_string()).collect())
            .unwrap_or_default(),
    }
}

/// `<p>line</p>` for every non-empty line, as ZAP's `legacyEscapeParagraph`.
fn paragraphs<'a>(lines: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for l in lines.into_iter().flat_map(str::lines) {
        if !l.trim().is_empty() {
            let _ = write!(out, "<p>{l}</p>");
        }
    }
    out
}

/// ZAP's traditional JSON report.
#[must_use]
pub fn json(input: &ReportInput<'_>) -> String {
    let sites: Vec<Value> = sites(input)
        .iter()
        .map(|s| {
            let alerts: Vec<Value> = s
                .groups
                .iter()
                .map(|g| {
                    let a = g.first;
                    let t = texts(a, (input.info)(a.plugin_id));
                    let instances: Vec<Value> = g
                        .instances
                        .iter()
                        .map(|i| {
                            json!({
                                "uri": i.url, "method": i.method, "param": i.param,
                                "attack": i.attack, "evidence": i.evidence, "otherinfo": i.other_info,
                            })
                        })
                        .collect();
                    json!({
                        "pluginid": a.plugin_id.to_string(),
                        "alertRef": a.alert_ref,
                        "alert": a.name,
                        "name": a.name,
                        "riskcode": (a.risk as u8).to_string(),
                        "confidence": (a.confidence as u8).to_string(),
                        "riskdesc": format!("{} ({})", a.risk.as_str(), a.confidence.as_str()),
                        "desc": paragraphs([t.description.as_str()]),
                        "instances": instances,
                        "count": g.instances.len().to_string(),
                        "solution": paragraphs([t.solution.as_str()]),
                        "otherinfo": paragraphs([a.other_info.as_str()]),
                        "reference": paragraphs(t.references.iter().map(String::as_str)),
                        "cweid": a.cwe.to_string(),
                        "wascid": a.wasc.to_string(),
                        "sourceid": "0",
                    })
                })
                .collect();
            json!({
                "@name": s.name,
                "@host": s.host,
                "@port": s.port.to_string(),
                "@ssl": s.ssl.to_string(),
                "alerts": alerts,
            })
        })
        .collect();
    let doc = json!({
        "@programName": "Bulwark",
        "@version": env!("CARGO_PKG_VERSION"),
        "@generated": http_date(input.generated),
        "created": rfc3339(input.generated),
        "site": sites,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// HTML-escapes text (`& < > " '`).
#[must_use]
pub fn html_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// Markdown-escapes text for a table cell or a list item: backslash before every CommonMark punctuation
/// character that can start markup, `<` and `>` as entities (no raw HTML), line breaks as spaces.
#[must_use]
pub fn md_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '#' | '+' | '-' | '.'
            | '!' | '|' | '~' | '"' | '\'' | '=' | ':' => {
                o.push('\\');
                o.push(c);
            }
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '\r' | '\n' => o.push(' '),
            _ => o.push(c),
        }
    }
    o
}

const RISKS: [Risk; 4] = [Risk::High, Risk::Medium, Risk::Low, Risk::Informational];

fn risk_counts(sites: &[Site<'_>]) -> [usize; 4] {
    let mut n = [0; 4];
    for g in groups(sites) {
        n[3 - g.first.risk as usize] += 1;
    }
    n
}

/// Every alert group, site by site.
fn groups<'s, 'a>(sites: &'s [Site<'a>]) -> impl Iterator<Item = &'s Group<'a>> {
    sites.iter().flat_map(|s| &s.groups)
}

/// A line of an alert's instance list in the HTML and Markdown details: an instance's URL, then each of its
/// labelled fields (empty ones too, as ZAP lists them).
enum InstanceRow<'a> {
    Url(&'a str),
    Field(&'static str, &'a str),
}

/// The instance rows of a group, instance by instance; the HTML and Markdown renderers only format them.
fn instance_rows<'a>(g: &Group<'a>) -> impl Iterator<Item = InstanceRow<'a>> {
    g.instances.iter().flat_map(|&i| {
        std::iter::once(InstanceRow::Url(&i.url)).chain(
            [
                ("Method", &i.method),
                ("Parameter", &i.param),
                ("Attack", &i.attack),
                ("Evidence", &i.evidence),
                ("Other Info", &i.other_info),
            ]
            .map(|(k, v)| InstanceRow::Field(k, v)),
        )
    })
}

/// ZAP's traditional HTML report: summary of alerts by risk, the alerts with their instance counts, then each
/// alert with its instances.
#[must_use]
pub fn html(input: &ReportInput<'_>) -> String {
    let sites = sites(input);
    let e = html_escape;
    let mut o = String::new();
    o.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    o.push_str("<title>DAST Scanning Report</title>\n<style>\nbody{font-family:sans-serif;margin:1em 2em}\n");
    o.push_str("table{border-collapse:collapse;margin-bottom:1em}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}\n");
    o.push_str(".risk-3{background:#d33;color:#fff}.risk-2{background:#f80}.risk-1{background:#fc0}.risk-0{background:#69c;color:#fff}\n</style>\n</head>\n<body>\n");
    let _ = writeln!(
        o,
        "<h1>DAST Scanning Report</h1>\n<p>Generated by Bulwark {} on {}. Passive scan only.</p>",
        e(env!("CARGO_PKG_VERSION")),
        e(&http_date(input.generated))
    );
    let names: Vec<String> = sites.iter().map(|s| e(&s.name)).collect();
    let _ = writeln!(o, "<h3>Sites: {}</h3>", names.join(" "));
    o.push_str("<h3>Summary of Alerts</h3>\n<table class=\"summary\">\n<tr><th>Risk Level</th><th>Number of Alerts</th></tr>\n");
    let counts = risk_counts(&sites);
    for (i, r) in RISKS.iter().enumerate() {
        let _ = writeln!(
            o,
            "<tr><td class=\"risk-{}\">{}</td><td>{}</td></tr>",
            *r as u8,
            r.as_str(),
            counts[i]
        );
    }
    o.push_str("</table>\n<h3>Alerts</h3>\n<table class=\"alerts\">\n<tr><th>Name</th><th>Risk Level</th><th>Number of Instances</th></tr>\n");
    for g in groups(&sites) {
        let _ = writeln!(
            o,
            "<tr><td><a href=\"#{}-{}\">{}</a></td><td class=\"risk-{}\">{}</td><td>{}</td></tr>",
            g.first.plugin_id,
            g.first.risk as u8,
            e(&g.first.name),
            g.first.risk as u8,
            g.first.risk.as_str(),
            g.instances.len()
        );
    }
    o.push_str("</table>\n<h3>Alert Detail</h3>\n");
    for g in groups(&sites) {
        let a = g.first;
        let t = texts(a, (input.info)(a.plugin_id));
        let _ = writeln!(
            o,
            "<table class=\"detail\" id=\"{}-{}\">\n<tr><th class=\"risk-{}\">{}</th><th>{}</th></tr>",
            a.plugin_id,
            a.risk as u8,
            a.risk as u8,
            e(&format!("{} ({})", a.risk.as_str(), a.confidence.as_str())),
            e(&a.name)
        );
        let _ = writeln!(
            o,
            "<tr><td>Description</td><td>{}</td></tr>",
            e(&t.description)
        );
        for row in instance_rows(g) {
            let _ = match row {
                InstanceRow::Url(url) => writeln!(o, "<tr><td>URL</td><td>{}</td></tr>", e(url)),
                InstanceRow::Field(label, value) => writeln!(
                    o,
                    "<tr><td>&nbsp;&nbsp;{label}</td><td>{}</td></tr>",
                    e(value)
                ),
            };
        }
        let _ = writeln!(
            o,
            "<tr><td>Instances</td><td>{}</td></tr>\n<tr><td>Solution</td><td>{}</td></tr>",
            g.instances.len(),
            e(&t.solution)
        );
        let refs: Vec<String> = t.references.iter().map(|r| e(r)).collect();
        let _ = writeln!(
            o,
            "<tr><td>Reference</td><td>{}</td></tr>\n<tr><td>CWE Id</td><td>{}</td></tr>\n\
                 <tr><td>WASC Id</td><td>{}</td></tr>\n<tr><td>Plugin Id</td><td>{}</td></tr>\n</table>",
            refs.join("<br>"),
            a.cwe,
            a.wasc,
            a.plugin_id
        );
    }
    o.push_str("</body>\n</html>\n");
    o
}

/// ZAP's traditional Markdown report.
#[must_use]
pub fn markdown(input: &ReportInput<'_>) -> String {
    let sites = sites(input);
    let m = md_escape;
    let mut o = String::from("# DAST Scanning Report\n\n");
    let _ = writeln!(
        o,
        "Generated by Bulwark {} on {}\\. Passive scan only\\.\n",
        m(env!("CARGO_PKG_VERSION")),
        m(&http_date(input.generated))
    );
    o.push_str("## Summary of Alerts\n\n| Risk Level | Number of Alerts |\n| --- | --- |\n");
    let counts = risk_counts(&sites);
    for (i, r) in RISKS.iter().enumerate() {
        let _ = writeln!(o, "| {} | {} |", r.as_str(), counts[i]);
    }
    o.push_str("\n## Alerts\n\n| Name | Risk Level | Number of Instances |\n| --- | --- | --- |\n");
    for g in groups(&sites) {
        let _ = writeln!(
            o,
            "| {} | {} | {} |",
            m(&g.first.name),
            g.first.risk.as_str(),
            g.instances.len()
        );
    }
    o.push_str("\n## Alert Detail\n");
    for g in groups(&sites) {
        let a = g.first;
        let t = texts(a, (input.info)(a.plugin_id));
        let _ = writeln!(
            o,
            "\n### [ {} ](https://www.zaproxy.org/docs/alerts/{}/)\n\n##### {} ({})\n\n### Description\n\n{}\n",
            m(&a.name),
            a.plugin_id,
            a.risk.as_str(),
            a.confidence.as_str(),
            m(&t.description)
        );
        for row in instance_rows(g) {
            let _ = match row {
                InstanceRow::Url(url) => writeln!(o, "* URL: {}", m(url)),
                InstanceRow::Field(label, value) => writeln!(o, "  * {label}: {}", m(value)),
            };
        }
        let _ = writeln!(
            o,
            "\nInstances: {}\n\n### Solution\n\n{}\n\n### Reference\n",
            g.instances.len(),
            m(&t.solution)
        );
        for r in &t.references {
            let _ = writeln!(o, "* {}", m(r));
        }
        if a.cwe > 0 {
            let _ = writeln!(
                o,
                "\n#### CWE Id: [ {0} ](https://cwe.mitre.org/data/definitions/{0}.html)",
                a.cwe
            );
        }
        if a.wasc > 0 {
            let _ = writeln!(o, "\n#### WASC Id: {}", a.wasc);
        }
    }
    o
}

/// Whole seconds since the epoch (0 before it, as a report is never generated then).
fn unix(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// `Wed, 29 Oct 2025 10:53:54` (ZAP's `@generated`, in UTC): IMF-fixdate without its zone.
#[must_use]
pub fn http_date(t: SystemTime) -> String {
    let mut date = crate::httpdate::format(unix(t));
    date.truncate(date.len() - " GMT".len());
    date
}

/// `2025-10-29T10:53:54Z`.
#[must_use]
pub fn rfc3339(t: SystemTime) -> String {
    bulwark_types::time::rfc3339(unix(t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Confidence, RuleStatus};
    use std::time::Duration;

    static INFO: RuleInfo = RuleInfo {
        id: 10021,
        name: "X-Content-Type-Options Header Missing",
        status: RuleStatus::Release,
        cwe: 693,
        wasc: 15,
        description: "No nosniff.\nSecond line.",
        solution: "Send X-Content-Type-Options: nosniff.",
        references: &["https://developer.mozilla.org/<x>"],
    };

    fn alert(url: &str, risk: Risk, evidence: &str) -> Alert {
        Alert {
            plugin_id: 10021,
            alert_ref: "10021".into(),
            name: "X-Content-Type-Options Header Missing".into(),
            risk,
            confidence: Confidence::Medium,
            url: url.into(),
            method: "GET".into(),
            param: "x-content-type-options".into(),
            attack: String::new(),
            evidence: evidence.into(),
            other_info: String::new(),
            description: String::new(),
            solution: String::new(),
            cwe: 693,
            wasc: 15,
        }
    }

    fn input<'a>(alerts: &'a [Alert], sites: &'a [String]) -> ReportInput<'a> {
        ReportInput {
            alerts,
            info: &|id| (id == 10021).then_some(&INFO),
            sites,
            // 2025-10-29T10:53:54Z, ZAP's test report date.
            generated: UNIX_EPOCH + Duration::from_secs(1_761_735_234),
        }
    }

    #[test]
    fn dates() {
        let t = UNIX_EPOCH + Duration::from_secs(1_761_735_234);
        assert_eq!(http_date(t), "Wed, 29 Oct 2025 10:53:54");
        assert_eq!(rfc3339(t), "2025-10-29T10:53:54Z");
        assert_eq!(http_date(UNIX_EPOCH), "Thu, 01 Jan 1970 00:00:00");
        let leap = UNIX_EPOCH + Duration::from_hours(264_384); // 2000-02-29
        assert_eq!(rfc3339(leap), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn json_shape() {
        let alerts = [
            alert("https://a.test/", Risk::Low, "<b>\"x\""),
            alert("https://a.test/b", Risk::Low, ""),
            alert("http://b.test:8080/", Risk::Low, ""),
        ];
        let sites = ["https://a.test/".to_string(), "https://c.test/".to_string()];
        let v: Value = serde_json::from_str(&json(&input(&alerts, &sites))).unwrap();
        assert_eq!(v["@programName"], "Bulwark");
        assert_eq!(v["@generated"], "Wed, 29 Oct 2025 10:53:54");
        let site = v["site"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["@name"] == "https://a.test")
            .unwrap();
        assert_eq!(site["@host"], "a.test");
        assert_eq!(site["@port"], "443");
        assert_eq!(site["@ssl"], "true");
        let a = &site["alerts"][0];
        assert_eq!(a["pluginid"], "10021");
        assert_eq!(a["alertRef"], "10021");
        assert_eq!(a["riskcode"], "1");
        assert_eq!(a["confidence"], "2");
        assert_eq!(a["riskdesc"], "Low (Medium)");
        assert_eq!(a["desc"], "<p>No nosniff.</p><p>Second line.</p>");
        assert_eq!(a["count"], "2");
        assert_eq!(a["instances"][0]["evidence"], "<b>\"x\"");
        assert_eq!(a["instances"][1]["uri"], "https://a.test/b");
        assert_eq!(a["cweid"], "693");
        assert_eq!(a["wascid"], "15");
        let b = v["site"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["@name"] == "http://b.test:8080")
            .unwrap();
        assert_eq!(b["@port"], "8080");
        assert_eq!(b["@ssl"], "false");
        // A scanned site with no alert is listed with none.
        assert!(
            v["site"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["@name"] == "https://c.test" && s["alerts"] == json!([]))
        );
    }

    #[test]
    fn html_and_markdown_escape_everything() {
        let alerts = [alert(
            "https://a.test/?q=<script>alert(1)</script>",
            Risk::Medium,
            "<script>x</script>|*_",
        )];
        let sites = ["https://a.test/".to_string()];
        let h = html(&input(&alerts, &sites));
        assert!(!h.contains("<script>"), "{h}");
        assert!(h.contains("&lt;script&gt;x&lt;/script&gt;"));
        assert!(h.contains("<td class=\"risk-2\">Medium</td><td>1</td>"));
        let m = markdown(&input(&alerts, &sites));
        assert!(!m.contains("<script>"), "{m}");
        assert!(m.contains("&lt;script&gt;x&lt;/script&gt;\\|\\*\\_"), "{m}");
        assert!(m.contains("| Medium | 1 |"));
        assert!(m.contains("| High | 0 |"));
    }
}
