//! CSV: the cell rule every Bulwark CSV uses (this report, the compliance report), and the `csv` format.

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
