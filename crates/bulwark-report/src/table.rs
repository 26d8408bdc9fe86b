//! `table`: the human-readable report.
//!
//! Per kind, a summary line with counts by severity; vulnerabilities grouped by the layer that introduced the
//! package, then by package; other findings grouped by file or resource. Diagnostics close the output. Colour
//! (ANSI, severity cells only) is used only when [`RenderOptions::color`] asks for it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use bulwark_types::{Finding, FindingKind, Severity};

use crate::util::{describe_layer, truncate};
use crate::{RenderOptions, Report, ReportError, link};

const SEVERITIES: [Severity; 6] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Info,
    Severity::Unknown,
];

fn ansi(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "\x1b[1;31m",
        Severity::High => "\x1b[31m",
        Severity::Medium => "\x1b[33m",
        Severity::Low => "\x1b[34m",
        Severity::Info | Severity::Unknown => "\x1b[2m",
    }
}

struct Cell {
    text: String,
    severity: Option<Severity>,
}

fn cell(text: impl Into<String>, max: usize) -> Cell {
    // Tables stay on one line per row: newlines and tabs in titles would break the borders.
    let flat: String = text
        .into()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    Cell {
        text: truncate(&flat, max),
        severity: None,
    }
}

fn severity_cell(s: Severity) -> Cell {
    Cell {
        text: s.to_string(),
        severity: Some(s),
    }
}

fn draw(out: &mut String, headers: &[&str], rows: &[Vec<Cell>], color: bool) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.text.chars().count());
        }
    }
    let rule = |l: &str, m: &str, r: &str| {
        let parts: Vec<String> = widths.iter().map(|&w| "─".repeat(w + 2)).collect();
        format!("{l}{}{r}\n", parts.join(m))
    };
    out.push_str(&rule("┌", "┬", "┐"));
    let header: Vec<String> = headers
        .iter()
        .zip(&widths)
        .map(|(h, &w)| format!(" {h:<w$} "))
        .collect();
    let _ = writeln!(out, "│{}│", header.join("│"));
    out.push_str(&rule("├", "┼", "┤"));
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, &w)| {
                let padded = format!("{:<w$}", c.text);
                match c.severity {
                    Some(s) if color => format!(" {}{padded}\x1b[0m ", ansi(s)),
                    _ => format!(" {padded} "),
                }
            })
            .collect();
        let _ = writeln!(out, "│{}│", cells.join("│"));
    }
    out.push_str(&rule("└", "┴", "┘"));
}

fn summary(findings: &[&Finding], color: bool) -> String {
    let parts: Vec<String> = SEVERITIES
        .iter()
        .map(|&s| {
            let n = findings.iter().filter(|f| f.severity == s).count();
            if color && n > 0 {
                format!("{}{s}: {n}\x1b[0m", ansi(s))
            } else {
                format!("{s}: {n}")
            }
        })
        .collect();
    format!("{} ({})", findings.len(), parts.join(", "))
}

fn kind_title(k: FindingKind) -> &'static str {
    match k {
        FindingKind::Vulnerability => "Vulnerabilities",
        FindingKind::Misconfiguration => "Misconfigurations",
        FindingKind::Secret => "Secrets",
        FindingKind::License => "Licenses",
        FindingKind::Malware => "Malware",
        FindingKind::Policy => "Policy violations",
    }
}

/// One group's heading and its `(package name, finding)` rows.
type Group<'a> = (String, Vec<(&'a str, &'a Finding)>);

fn vulnerabilities(out: &mut String, report: &Report, vulns: &[&Finding], color: bool) {
    // Images: by the layer that introduced the package, bottom layer first. Without layer information (directory
    // scans), by the file the package was found in. Rows: by package, then worst first.
    let mut groups: BTreeMap<(usize, String), Group<'_>> = BTreeMap::new();
    for f in vulns {
        let pkg = link::package_of(report, f).map(|i| &report.packages[i]);
        let layer = pkg
            .and_then(|p| p.layer.as_ref())
            .or(f.location.layer.as_ref());
        let name = link::package_name(f)
            .or(pkg.map(|p| p.name.as_str()))
            .unwrap_or("-");
        let (key, heading) = if let Some(l) = layer {
            ((l.index, String::new()), describe_layer(l))
        } else {
            let file = pkg
                .and_then(|p| p.found_in.clone())
                .or_else(|| f.location.path.clone())
                .unwrap_or_else(|| "Other".to_owned());
            ((usize::MAX, file.clone()), file)
        };
        groups
            .entry(key)
            .or_insert_with(|| (heading, Vec::new()))
            .1
            .push((name, f));
    }
    for (heading, mut rows) in groups.into_values() {
        let _ = writeln!(out, "{}", truncate(&heading, 120));
        rows.sort_by(|a, b| {
            a.0.cmp(b.0)
                .then(b.1.severity.cmp(&a.1.severity))
                .then(a.1.id.cmp(&b.1.id))
        });
        let cells: Vec<Vec<Cell>> = rows
            .iter()
            .map(|(name, f)| {
                let installed = link::installed_version(f)
                    .map(str::to_owned)
                    .or_else(|| {
                        link::package_of(report, f).map(|i| report.packages[i].version.clone())
                    })
                    .unwrap_or_default();
                vec![
                    cell(*name, 40),
                    cell(&f.id, 30),
                    severity_cell(f.severity),
                    cell(installed, 30),
                    cell(link::fixed_version(f).unwrap_or(""), 30),
                    cell(&f.title, 60),
                ]
            })
            .collect();
        draw(
            out,
            &[
                "Package",
                "Vulnerability",
                "Severity",
                "Installed",
                "Fixed",
                "Title",
            ],
            &cells,
            color,
        );
        out.push('\n');
    }
}

fn other_findings(out: &mut String, report: &Report, findings: &[&Finding], color: bool) {
    let mut groups: BTreeMap<String, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        let loc = &f.location;
        let key = match (&loc.path, &loc.resource) {
            (Some(p), Some(r)) => format!("{p} [{r}]"),
            (Some(p), None) => p.clone(),
            (None, Some(r)) => r.clone(),
            (None, None) => report.target.name.clone(),
        };
        groups.entry(key).or_default().push(f);
    }
    for (key, mut rows) in groups {
        let _ = writeln!(out, "{key}");
        rows.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(a.location.line.cmp(&b.location.line))
        });
        let cells: Vec<Vec<Cell>> = rows
            .iter()
            .map(|f| {
                let line = f
                    .location
                    .line
                    .filter(|&l| l > 0)
                    .map_or_else(|| "-".to_owned(), |l| l.to_string());
                let title = if f.message.is_empty() {
                    f.title.clone()
                } else {
                    format!("{}: {}", f.title, f.message)
                };
                vec![
                    cell(&f.id, 30),
                    cell(f.name.as_deref().unwrap_or(""), 30),
                    severity_cell(f.severity),
                    cell(line, 8),
                    cell(title, 70),
                ]
            })
            .collect();
        draw(
            out,
            &["Rule", "Name", "Severity", "Line", "Title"],
            &cells,
            color,
        );
        out.push('\n');
    }
}

/// Renders `report` as human-readable tables.
pub fn render_table(
    report: &Report,
    options: &RenderOptions,
    w: &mut dyn Write,
) -> Result<(), ReportError> {
    let color = options.color;
    let mut out = String::new();
    let mut title = report.target.name.clone();
    if let Some(os) = &report.os {
        let _ = write!(
            title,
            " ({} {})",
            os.id,
            os.version_id.as_deref().unwrap_or("")
        );
        title = title.replace(" )", ")");
    }
    let _ = writeln!(out, "{title}");
    let _ = writeln!(out, "{}", "=".repeat(title.chars().count()));
    let _ = writeln!(out, "Packages: {}", report.packages.len());
    if let Some(db) = &report.vulnerability_db {
        let _ = writeln!(
            out,
            "Vulnerability DB: built {} ({} days old), {}",
            db.built_at, db.age_days, db.path
        );
    }
    let all: Vec<&Finding> = report.findings.iter().collect();
    let _ = writeln!(out, "Findings: {}", summary(&all, color));
    out.push('\n');

    for kind in [
        FindingKind::Vulnerability,
        FindingKind::Misconfiguration,
        FindingKind::Secret,
        FindingKind::License,
        FindingKind::Malware,
        FindingKind::Policy,
    ] {
        let findings: Vec<&Finding> = report.findings.iter().filter(|f| f.kind == kind).collect();
        if findings.is_empty() {
            continue;
        }
        let heading = format!("{}: {}", kind_title(kind), summary(&findings, color));
        let _ = writeln!(out, "{heading}\n");
        if kind == FindingKind::Vulnerability {
            vulnerabilities(&mut out, report, &findings, color);
        } else {
            other_findings(&mut out, report, &findings, color);
        }
    }
    if report.findings.is_empty() {
        out.push_str("No findings.\n\n");
    }
    if !report.diagnostics.is_empty() {
        let _ = writeln!(out, "Diagnostics ({}):", report.diagnostics.len());
        for d in &report.diagnostics {
            let _ = writeln!(out, "  {d}");
        }
    }
    w.write_all(out.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_colour_is_opt_in() {
        let rows = vec![
            vec![cell("libstdc++6", 40), severity_cell(Severity::High)],
            vec![cell("a", 40), severity_cell(Severity::Low)],
        ];
        let mut plain = String::new();
        draw(&mut plain, &["Package", "Severity"], &rows, false);
        let widths: Vec<usize> = plain.lines().map(|l| l.chars().count()).collect();
        assert!(widths.iter().all(|&w| w == widths[0]), "{plain}");
        assert!(!plain.contains('\x1b'));
        let mut coloured = String::new();
        draw(&mut coloured, &["Package", "Severity"], &rows, true);
        assert!(coloured.contains("\x1b[31mHIGH    \x1b[0m"), "{coloured}");
    }

    #[test]
    fn cells_are_flattened_and_truncated() {
        assert_eq!(cell("a\nb", 10).text, "a b");
        assert_eq!(cell("abcdefghij", 5).text, "abcd…");
    }
}
