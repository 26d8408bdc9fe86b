//! HTML: the escaping every Bulwark page uses (this report, the compliance report), and the `html` format.

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
