//! Dangerous JS Functions (ZAP 10110, beta): calls to `eval` and to Angular's sanitizer bypasses in a JavaScript
//! response or in an HTML page's scripts. See README.md.

use std::sync::LazyLock;

use regex::Regex;

use crate::message::HttpMessage;
use crate::rules::content::is_javascript;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct DangerousJs;

static INFO: RuleInfo = RuleInfo {
    id: 10110,
    name: "Dangerous JS Functions",
    status: RuleStatus::Beta,
    cwe: 749,
    wasc: 0,
    description: "The page's JavaScript calls a function that turns data into code or markup without checks \
                  (`eval`, Angular's `bypassSecurityTrust*`, `$sce.trustAsHtml`), a common path to XSS.",
    solution: "Avoid these functions; when one is needed, pass it only constants or values sanitized for that \
               context.",
    references: &["https://v17.angular.io/guide/security"],
};

/// ZAP's `txt/js-function-list.txt`, in order (a leading `$` is optional in the pattern).
const FUNCTIONS: &[&str] = &[
    "bypassSecurityTrustHtml",
    "bypassSecurityTrustScript",
    "bypassSecurityTrustStyle",
    "bypassSecurityTrustUrl",
    "bypassSecurityTrustResourceUrl",
    "trustAsHtml",
    "sce.trustAsHtml",
    "eval",
    "evalAsync",
    "eval",
];

static PATTERNS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    FUNCTIONS
        .iter()
        .map(|f| Regex::new(&format!(r"(?i)\b\$?{f}\s{{0,5}}\(")).expect("function regex"))
        .collect()
});

fn first_call(code: &str) -> Option<&str> {
    PATTERNS.iter().find_map(|re| re.find(code)).map(|m| m.as_str())
}

impl PassiveRule for DangerousJs {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if msg.body.is_empty() {
            return;
        }
        let body = cx.text;
        let evidence = if msg.is_html() {
            cx.doc.and_then(|doc| {
                doc.tags_named("script").find_map(|t| {
                    let end = t.content.as_ref().map_or(t.offset, |r| r.end);
                    body.get(t.offset..end).and_then(first_call)
                })
            })
        } else if is_javascript(msg) {
            first_call(body)
        } else {
            None
        };
        if let Some(e) = evidence {
            let mut a = Alert::new(&INFO, msg, Risk::Low, Confidence::Low);
            a.evidence = e.to_string();
            out.push(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{msg, run, MsgExt};

    fn resp(ct: &str, body: &str) -> Vec<Alert> {
        run(&DangerousJs, &msg("http://example.com/", 200).header("Content-Type", ct).body(body))
    }

    /// JsFunctionScanRuleUnitTest.shouldAlertGivenFunctionInJavaScriptResponse, shouldAlertOnceGivenMultipleMatchesJS.
    #[test]
    fn fires_in_javascript() {
        for content in ["$eval ()", "eval\t()", "eval\n()", "eval\r\n()"] {
            let a = resp("text/javascript;charset=ISO-8859-1", &format!("Some text <script>{content}</script>\nLine 2\n"));
            assert_eq!(a.len(), 1, "{content:?}");
            assert!(a[0].evidence.starts_with("eval"));
            assert_eq!((a[0].risk, a[0].confidence), (Risk::Low, Confidence::Low));
        }
        let a = resp("text/javascript", "Some text <script>eval()</script>\nbypassSecurityTrustHtml()\n");
        assert!(a[0].evidence.starts_with("bypassSecurityTrustHtml"));
    }

    /// shouldAlertGivenFunctionInHtmlScriptElements, shouldAlertGivenMatchInSecondScript,
    /// shouldNotAlertGivenMatchOutsideScript (needs the HTML tokenizer).
    #[test]
    fn html_scripts_only() {
        let a = resp("text/html;charset=ISO-8859-1", "<h1>Some text <script>Some Html Element bypassSecurityTrustHtml()</script></h1>\n<b>No script here</b>\n");
        assert_eq!(a.len(), 1);
        let a = resp("text/html", "<h1>Some text <script>Something innocent happening here</script></h1>\n<p><b>Just some words going on</b>\n<script>$eval()</script></p>\n");
        assert!(a[0].evidence.starts_with("eval"));
        let quiet = "<h1>Some text <script>Something innocent happening here</script></h1>\n<b>You should not use bypassSecurityTrustHtml()</b>\n";
        assert!(resp("text/html", quiet).is_empty());
    }

    /// shouldNotAlertGivenNoMatch, shouldNotAlertGivenEmptyBody, shouldNotAlertOnMatchingSubString.
    #[test]
    fn quiet_cases() {
        assert!(resp("text/javascript", "Some text <script>innocentFunction()</script>\nLine 2\n").is_empty());
        assert!(resp("text/html", "").is_empty());
        for c in [
            "globalEval()",
            "parentPromiseValue()",
            "var V=hungarian:['A[href*=\"eval.example.org\"]','A[href*=\"ad.example.com \"]'",
            "function T(){var n=window,e=navigator;return y([\"ApplePayError\"in n,\"CSSPrimitiveValue\"in",
        ] {
            assert!(resp("text/javascript", &format!("Some text <script>{c}</script>\n")).is_empty(), "{c}");
        }
    }
}
