//! The one HTML writer every page goes through. Stored strings (image references, namespaces, workload names,
//! owner teams, package names, error messages) only ever reach the page through [`Html::text`] (text and
//! double-quoted attribute values alike), which shows control characters (ANSI escapes included) as visible
//! `\e`-style escapes and encodes `& < > " '`; links are built from [`enc`]-encoded parts under `/`, so a stored
//! string never becomes markup, a script or a `javascript:` URL.

use std::fmt::Write as _;

/// A page being written.
#[derive(Default)]
pub(crate) struct Html(pub(crate) String);

impl Html {
    /// Markup written by this crate (never stored data).
    pub(crate) fn raw(&mut self, s: &str) -> &mut Self {
        self.0.push_str(s);
        self
    }

    /// Text or an attribute value: control characters escaped visibly, then HTML's five special characters
    /// encoded.
    pub(crate) fn text(&mut self, s: &str) -> &mut Self {
        let s = bulwark_types::escape_control(s);
        for c in s.chars() {
            match c {
                '&' => self.0.push_str("&amp;"),
                '<' => self.0.push_str("&lt;"),
                '>' => self.0.push_str("&gt;"),
                '"' => self.0.push_str("&quot;"),
                '\'' => self.0.push_str("&#39;"),
                c => self.0.push(c),
            }
        }
        self
    }

    pub(crate) fn num(&mut self, n: i64) -> &mut Self {
        let _ = write!(self.0, "{n}");
        self
    }

    /// `<a href="HREF">TEXT</a>`; `href` is built by this crate from [`enc`]-encoded parts.
    pub(crate) fn link(&mut self, href: &str, text: &str) -> &mut Self {
        self.raw("<a href=\"")
            .text(href)
            .raw("\">")
            .text(text)
            .raw("</a>")
    }

    /// A time as RFC 3339 in a `<time>` element.
    pub(crate) fn time(&mut self, secs: i64) -> &mut Self {
        let t = bulwark_types::time::rfc3339(secs);
        self.raw("<time datetime=\"")
            .text(&t)
            .raw("\">")
            .text(&t)
            .raw("</time>")
    }

    pub(crate) fn opt(&mut self, s: Option<&str>) -> &mut Self {
        match s {
            Some(s) => self.text(s),
            None => self.raw("<span class=\"none\">—</span>"),
        }
    }

    /// `<th scope="col">…</th>` for each header of a table.
    pub(crate) fn head(&mut self, cols: &[&str]) -> &mut Self {
        self.raw("<thead><tr>");
        for c in cols {
            self.raw("<th scope=\"col\">").text(c).raw("</th>");
        }
        self.raw("</tr></thead>")
    }
}

/// Percent-encodes a path segment or query value (everything but RFC 3986's unreserved characters).
pub(crate) fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Decodes `%XX` (and `+` as a space when `plus_is_space`); `None` for a bad escape or bytes that are not UTF-8.
pub(crate) fn decode(s: &str, plus_is_space: bool) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// `a=1&b=2` (a query string or a form body) as decoded pairs; `None` when an escape is bad.
pub(crate) fn pairs(s: &str) -> Option<Vec<(String, String)>> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Some((decode(k, true)?, decode(v, true)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_is_inert() {
        let mut h = Html::default();
        h.text("<script>alert('x')</script>\"&\u{1b}[31m");
        assert_eq!(
            h.0,
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;\\e[31m"
        );
        let mut h = Html::default();
        h.link(&format!("/owner?team={}", enc("a\"b c")), "\"><img>");
        assert_eq!(
            h.0,
            "<a href=\"/owner?team=a%2522b%2520c\">&quot;&gt;&lt;img&gt;</a>"
                .replace("%2522", "%22")
                .replace("%2520", "%20")
        );
    }

    #[test]
    fn encode_and_decode_round_trip() {
        for s in ["plain", "a b+c&d=e/f?g#h", "é\u{1b}<>", ""] {
            assert_eq!(decode(&enc(s), false).as_deref(), Some(s));
        }
        assert_eq!(decode("%zz", false), None);
        assert_eq!(decode("%4", false), None);
        assert_eq!(decode("%ff", false), None);
        assert_eq!(
            pairs("a=1+2&b=%26&c"),
            Some(vec![
                ("a".into(), "1 2".into()),
                ("b".into(), "&".into()),
                ("c".into(), String::new())
            ])
        );
    }
}
