//! CSV: the cell rule every Bulwark CSV uses (this report, the compliance report), and the `csv` format.

use std::io::Write;

use crate::{Report, ReportError, html, link};

/// One CSV cell: formula triggers (`=`, `+`, `-`, `@`, tab, CR) at the start get a leading `'` (OWASP's advice
/// against CSV injection), control characters become visible, and the cell is quoted per RFC 4180 when it holds
/// a comma, quote or line break.
///
/// ```
/// assert_eq!(bulwark_report::csv::cell("=1+1"), "'=1+1");
/// assert_eq!(bulwark_report::csv::cell("a,\"b\""), "\"a,\"\"b\"\"\"");
/// ```
#[must_use]
pub fn cell(s: &str) -> String {
    let mut v = bulwark_types::escape_control(s).into_owned();
    if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        v.insert(0, '\'');
    }
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

/// The columns of the `csv` format, in order.
pub const COLUMNS: [&str; 13] = [
    "kind",
    "id",
    "severity",
    "risk",
    "ssvc",
    "title",
    "package",
    "installed",
    "fixed",
    "layer",
    "path/resource",
    "line",
    "owner",
];

/// Renders one row per finding under a header row of [`COLUMNS`], each cell through [`cell`] (RFC 4180 quoting,
/// formula triggers neutralised), with CRLF line ends as RFC 4180 §2 specifies. Rows are in the report's order.
/// `layer` is `INDEX: CREATED_BY` (or the digest), from the finding's location or else the package it is about;
/// `path/resource` is the file path, then the Kubernetes object or resource, space-separated when both; `risk`
/// and `ssvc` are bulwark-risk's, empty when the scan did not score; `owner` is the finding's `owner`, where
/// known.
pub fn render_csv(report: &Report, w: &mut dyn Write) -> Result<(), ReportError> {
    w.write_all(COLUMNS.join(",").as_bytes())?;
    w.write_all(b"\r\n")?;
    for f in &report.findings {
        let layer = html::layer_of(report, f)
            .map(|l| match &l.created_by {
                Some(c) => format!("{}: {c}", l.index),
                None => crate::util::describe_layer(l),
            })
            .unwrap_or_default();
        let line = f.location.line.map(|l| l.to_string()).unwrap_or_default();
        let cells = [
            html::kind_name(f.kind),
            &f.id,
            f.severity.as_str(),
            &html::risk_text(f),
            html::ssvc_text(f),
            &f.title,
            link::package_name(f).unwrap_or_default(),
            link::installed_version(f).unwrap_or_default(),
            link::fixed_version(f).unwrap_or_default(),
            &layer,
            &html::location_text(f, false),
            &line,
            html::owner(f),
        ];
        let row: Vec<String> = cells.iter().map(|c| cell(c)).collect();
        w.write_all(row.join(",").as_bytes())?;
        w.write_all(b"\r\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4180 §2: fields with commas, quotes or line breaks are quoted, quotes doubled; OWASP's CSV injection
    /// advice: a leading `=`, `+`, `-`, `@`, tab or CR is prefixed with `'`.
    #[test]
    fn cells() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=1+1"), "'=1+1");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(
            cell("=HYPERLINK(\"x\",\"y\")"),
            "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\""
        );
        // Control characters become visible text, so a line break cannot split a record.
        assert_eq!(cell("a\nb"), "a\\nb");
        assert_eq!(cell("\u{1b}[31m"), "\\e[31m");
    }
}
