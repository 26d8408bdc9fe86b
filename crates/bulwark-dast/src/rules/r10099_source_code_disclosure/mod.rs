//! Source Code Disclosure (ZAP 10099, beta): server-side source (PHP, JSP, servlets, Java, ASP, ASP.NET, C#,
//! VB.NET, SQL, Perl, Objective C, C, C++, shell, Python, Ruby…) in a response body. See README.md.

mod patterns;

use std::sync::LazyLock;

use regex::{Regex, RegexSet};

use crate::message::HttpMessage;
use crate::rules::content::{clip, is_css, is_font, is_image, is_javascript, looks_binary};
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct SourceCodeDisclosure;

static INFO: RuleInfo = RuleInfo {
    id: 10099,
    name: "Source Code Disclosure",
    status: RuleStatus::Beta,
    cwe: 540,
    wasc: 13,
    description: "The response contains application source code, which can reveal logic, queries, credentials \
                  and other weaknesses.",
    solution: "Make sure source files are executed, not served (no backup or alternative extensions, no source \
               in the web root), and that no source is embedded in served files.",
    references: &["https://cwe.mitre.org/data/definitions/540.html"],
};

static SET: LazyLock<RegexSet> =
    LazyLock::new(|| RegexSet::new(patterns::PATTERNS.iter().map(|(p, _)| *p)).expect("source patterns"));
static REGEXES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    patterns::PATTERNS
        .iter()
        .map(|(p, _)| Regex::new(p).expect("source pattern"))
        .collect()
});


impl PassiveRule for SourceCodeDisclosure {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if is_css(msg) || is_javascript(msg) || is_image(msg) || is_font(msg) || looks_binary(&msg.body) {
            return;
        }
        let body = cx.text;
        // One pass finds which signatures occur; the first in ZAP's order decides.
        let Some(i) = SET.matches(body).iter().next() else { return };
        let Some(m) = REGEXES[i].find(body) else { return };
        if m.as_str().is_empty() {
            return;
        }
        let lang = patterns::PATTERNS[i].1;
        let mut a = Alert::new(&INFO, msg, Risk::Medium, Confidence::Medium);
        a.name = format!("Source Code Disclosure - {lang}");
        a.evidence = clip(m.as_str(), 2000).to_string();
        out.push(a);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{msg, run, MsgExt};

    fn page(url: &str, ct: &str, body: &str) -> Vec<Alert> {
        run(&SourceCodeDisclosure, &msg(url, 200).header("Content-Type", ct).body(body))
    }

    fn wrap(code: &str) -> String {
        format!("<html><body>{code}</body></html>")
    }

    /// SourceCodeDisclosureScanRuleUnitTest.givenPHPCodeThenAlertRaised, givenSQLCodeThenAlertRaised,
    /// givenSQLAndPhpCodeThenOnlyOneAlertRaised.
    #[test]
    fn fires_on_source() {
        for php in ["<?php echo 'evils'; ?>", "<?=something; ?>"] {
            let a = page("https://www.example.com", "text/html", &wrap(php));
            assert_eq!(a.len(), 1, "{php}");
            assert_eq!(a[0].name, "Source Code Disclosure - PHP");
            assert_eq!(a[0].evidence, php);
            assert_eq!((a[0].risk, a[0].confidence), (Risk::Medium, Confidence::Medium));
        }
        let a = page("https://www.example.com", "text/html", &wrap("insert into vulnerabilities values("));
        assert_eq!(a[0].name, "Source Code Disclosure - SQL");
        let a = page("https://www.example.com", "text/html", &wrap("insert into vulnerabilities values(<?php echo 'evils'; ?>"));
        assert_eq!(a.len(), 1);
    }

    /// givenJustHtmlBodyThenNoAlertRaised, shouldNotRaiseAlertOnCssResponse, shouldNotRaiseAlertOnJavaScriptResponse,
    /// shouldNotRaiseAlertOnValidPhpInImageRequest, shouldNotRaiseAlertOnValidPhpWhenInFontResponse.
    #[test]
    fn quiet_cases() {
        assert!(page("https://www.example.com", "text/html", "<p>Innocent HTML</p>").is_empty());
        assert!(page("https://www.example.com", "text/css", &wrap("<?php echo 'evils'; ?>")).is_empty());
        assert!(page("https://www.example.com", "application/javascript", "class a{ constructor(t,e)}").is_empty());
        assert!(page("https://www.example.com/img.png", "text/html", &wrap("<?=something; ?>")).is_empty());
        assert!(page("https://www.example.com", "font/woff2", &wrap("<?=something; ?>")).is_empty());
    }

    #[test]
    fn every_signature_compiles() {
        assert_eq!(REGEXES.len(), 171);
        assert_eq!(SET.len(), 171);
    }
}
