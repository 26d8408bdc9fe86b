//! Information Disclosure - Suspicious Comments (ZAP 10027): HTML comments and JavaScript comments containing
//! words such as TODO, FIXME, ADMIN, SELECT. See README.md.

use std::sync::LazyLock;

use regex::Regex;

use crate::message::HttpMessage;
use crate::rules::content::{is_font, is_javascript, is_text};
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct SuspiciousComments;

static INFO: RuleInfo = RuleInfo {
    id: 10027,
    name: "Information Disclosure - Suspicious Comments",
    status: RuleStatus::Release,
    cwe: 615,
    wasc: 13,
    description: "A comment served to the client mentions something an attacker may use: unfinished work, \
                  known bugs, queries, administrator or user names.",
    solution: "Remove such comments from what is served (use server-side comments) and fix what they point at.",
    references: &["https://cwe.mitre.org/data/definitions/615.html"],
};

/// ZAP's default payloads, in order; each is matched as a whole word, case-insensitively.
const WORDS: &[&str] = &[
    "TODO", "FIXME", "BUG", "BUGS", "XXX", "QUERY", "DB", "ADMIN", "ADMINISTRATOR", "USER", "USERNAME", "SELECT",
    "WHERE", "FROM", "LATER", "DEBUG",
];

static PATTERNS: LazyLock<Vec<Regex>> =
    LazyLock::new(|| WORDS.iter().map(|w| Regex::new(&format!(r"(?i)\b{w}\b")).expect("word regex")).collect());

/// Characters of context either side of the word in the evidence, and the longest comment quoted.
const CONTEXT: usize = 20;
const MAX_QUOTED: usize = 128;

/// The comments of a JavaScript source: `//…`, `/*…*/` and `<!--…-->`, skipping string, template and regular
/// expression literals. Linear; unterminated constructs end at the end of the input.
pub(crate) fn js_comments(src: &str) -> Vec<&str> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    // The last significant byte, to tell a regex literal from a division.
    let mut prev: u8 = b'(';
    let find = |from: usize, pat: &str| src[from..].find(pat).map(|n| from + n);
    while i < b.len() {
        let c = b[i];
        match c {
            b'\'' | b'"' | b'`' => {
                i += 1;
                while i < b.len() && b[i] != c {
                    if b[i] == b'\\' {
                        i += 1;
                    } else if c != b'`' && (b[i] == b'\n' || b[i] == b'\r') {
                        break;
                    }
                    i += 1;
                }
                i += 1;
                prev = b'a';
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = src[i..].find(['\n', '\r']).map_or(b.len(), |n| i + n);
                out.push(&src[i..end]);
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end = find(i + 2, "*/").map_or(b.len(), |e| e + 2);
                out.push(&src[i..end]);
                i = end;
            }
            b'/' if b"(,=:[!&|?{};+-*%<>~^".contains(&prev) => {
                // A regular expression literal.
                i += 1;
                let mut class = false;
                while i < b.len() && b[i] != b'\n' {
                    match b[i] {
                        b'\\' => i += 1,
                        b'[' => class = true,
                        b']' => class = false,
                        b'/' if !class => break,
                        _ => {}
                    }
                    i += 1;
                }
                i += 1;
                prev = b'a';
            }
            b'<' if src[i..].starts_with("<!--") => {
                let end = find(i + 4, "-->").map_or(b.len(), |e| e + 3);
                out.push(&src[i..end]);
                i = end;
            }
            b'<' if src[i..].starts_with("<![CDATA[") => {
                i = find(i + 9, "]]>").map_or(b.len(), |e| e + 3);
            }
            _ => {
                if !c.is_ascii_whitespace() {
                    prev = c;
                }
                i += 1;
            }
        }
    }
    out
}

/// Per pattern: how many comments matched, the first comment and its evidence.
type Found = Vec<Option<(usize, String, String)>>;

fn search(found: &mut Found, comment: &str) {
    for (k, re) in PATTERNS.iter().enumerate() {
        if let Some(m) = re.find(comment) {
            let start = comment[..m.start()]
                .char_indices()
                .rev()
                .nth(CONTEXT - 1)
                .map_or(0, |(i, _)| i);
            let end = comment[m.end()..]
                .char_indices()
                .nth(CONTEXT)
                .map_or(comment.len(), |(i, _)| m.end() + i);
            if let Some((n, _, _)) = &mut found[k] {
                *n += 1;
            } else {
                let quoted: String = comment.chars().take(MAX_QUOTED).collect();
                found[k] = Some((1, quoted, comment[start..end].to_string()));
            }
            return;
        }
    }
}

fn check_js(found: &mut Found, code: &str) {
    if code.contains("//") || code.contains("/*") {
        for c in js_comments(code) {
            search(found, c);
        }
    }
}

impl PassiveRule for SuspiciousComments {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if msg.body.is_empty() || !is_text(msg) || is_font(msg) {
            return;
        }
        let body = cx.text;
        let mut found: Found = vec![None; WORDS.len()];
        if is_javascript(msg) {
            check_js(&mut found, body);
        } else if let Some(doc) = cx.doc {
            for c in &doc.comments {
                search(&mut found, &format!("<!--{}-->", c.text));
            }
            for t in doc.tags_named("script") {
                if let Some(code) = t.content.clone().and_then(|r| body.get(r)) {
                    check_js(&mut found, code);
                }
            }
        }
        for (k, slot) in found.into_iter().enumerate() {
            let Some((n, quoted, evidence)) = slot else { continue };
            let mut a = Alert::new(&INFO, msg, Risk::Informational, Confidence::Medium);
            a.evidence = evidence;
            let times = if n == 1 { String::new() } else { format!(" ({n} comments; the first shown)") };
            a.other_info = format!(r#"Matched the word pattern \b{}\b{times} in the comment: "{quoted}"."#, WORDS[k]);
            out.push(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{msg, run, MsgExt};

    fn resp(ct: &str, body: &str) -> Vec<Alert> {
        run(&SuspiciousComments, &msg("https://example.com/", 200).header("Content-Type", ct).body(body))
    }

    /// InformationDisclosureSuspiciousCommentsScanRuleUnitTest.shouldAlertOnSuspiciousCommentInJavaScriptResponseWithComment,
    /// shouldProvideContextualEvidenceAroundMatch.
    #[test]
    fn fires_on_javascript_comments() {
        for comment in ["/* FIXME: admin:admin01$ */", "/*FIXME: admin:admin01$*/", "// FIXME: admin:admin01$", "//FIXME: admin:admin01$"] {
            let body = format!("myArray = [\"success\",\"FIXME\"]\n{comment}\nLine 3\n");
            let a = resp("text/javascript;charset=ISO-8859-1", &body);
            assert_eq!(a.len(), 1, "{comment}");
            assert!(a[0].evidence.contains("FIXME"));
            assert!(a[0].other_info.contains(comment));
            assert_eq!((a[0].risk, a[0].confidence, a[0].cwe), (Risk::Informational, Confidence::Medium, 615));
        }
        for (comment, evidence) in [
            ("// FIXME", "// FIXME"),
            ("// FIXME         1         2|", "// FIXME         1         2"),
            ("// |2         1         FIXME", "2         1         FIXME"),
            ("// |2         1         FIXME         1         2|", "2         1         FIXME         1         2"),
        ] {
            assert_eq!(resp("application/javascript", comment)[0].evidence, evidence);
        }
    }

    /// shouldCreateOneAlertforMultipleAndEqualSuspiciousCommentsJs, …Html,
    /// shouldAlertOnSuspiciousCommentInHtmlScriptElementWithComment, the example alert (an HTML comment).
    #[test]
    fn fires_on_html_and_script_comments() {
        let body = "Some text <script>Some Script Element // FIXME: DO something\n// FIXME: DO something else </script>\nLine 2\n";
        let a = resp("text/html", body);
        assert_eq!(a.len(), 1);
        assert!(a[0].other_info.contains("2 comments"));
        let a = resp("text/html", "<html><body><!-- FIXME: foo bar --><p>x</p><!-- FIXME: foo bar --></body></html>");
        assert_eq!(a.len(), 1);
        let a = resp("text/html", "<h1>Some text <script>Some Script Element // todo DO something\n</script></h1>\n<b>No script here</b>\n");
        assert_eq!(a.len(), 1);
        let a = resp("text/html", "<p>x</p><!-- FixMe: cookie: root=true; Secure -->");
        assert_eq!(a.len(), 1);
        assert!(a[0].evidence.contains("FixMe"));
    }

    /// shouldNotAlertOnSuspiciousValuesInJavaScriptResponse, …IsPartOfWordInJavaScriptResponse,
    /// shouldNotAlertOnSuspiciousContentInHtmlScriptElement, …InJavascriptSingleLineComment / BlockComment,
    /// shouldNotAlertOnSuspiciousCommentInNonJsCommentWithinScriptBlock, shouldNotAlertIfResponseIsEmpty,
    /// shouldNotAlertIfResponseIsNotText.
    #[test]
    fn quiet_cases() {
        assert!(resp("text/javascript", "myArray = [\"success\",\"FIXME\"]\nLine 2\n").is_empty());
        assert!(resp("text/javascript", "// FIXMEnot a word\n").is_empty());
        assert!(resp("text/html", "<h1>Some text <script>myArray = [\"admin\", \"password\"]\n</script></h1>\n<b>No script here</b>\n").is_empty());
        assert!(resp("application/javascript", "function fooFunction() {\n  var bar = 'Some text // ADMINISTRATOR fake comment';\n}\n").is_empty());
        assert!(resp("application/javascript", "function fooFunction() {\n  var bar = 'Some text /* ADMINISTRATOR fake comment */';\n}\n").is_empty());
        assert!(resp("text/html", "<script><!--\nconst x = \"Not FixMe which would be a FP.\";\n--></script>\n").is_empty());
        assert!(resp("text/html", "<script>\n<![CDATA[\nvar x = 10;\nif (x > 5) {\n// ... some code ...\n}\n]]>\n</script>\n").is_empty());
        assert!(resp("text/html", "").is_empty());
        assert!(resp("image/png", "<!-- TODO -->").is_empty());
    }

    #[test]
    fn lexer_skips_regex_literals() {
        assert_eq!(js_comments("var r = /\\/\\/ TODO/; // real"), vec!["// real"]);
        assert_eq!(js_comments("a = b / c; // x"), vec!["// x"]);
    }
}
