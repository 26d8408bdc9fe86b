//! Information Disclosure - Debug Error Messages (ZAP 10023): a text response containing one of the well-known
//! platform error strings (PHP warnings, ASP.NET error pages, SQL Server syntax errors). See README.md.

use std::sync::LazyLock;

use regex::{Regex, RegexSet};

use crate::message::HttpMessage;
use crate::rules::content::{is_javascript, is_text};
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct DebugErrors;

static INFO: RuleInfo = RuleInfo {
    id: 10023,
    name: "Information Disclosure - Debug Error Messages",
    status: RuleStatus::Release,
    cwe: 1295,
    wasc: 13,
    description: "The response contains an error message of the kind platforms and web servers (PHP, ASP.NET, \
                  IIS, Apache, SQL servers) print while debugging; it tells an attacker what runs behind the site.",
    solution: "Turn debug output off in production and serve a generic error page.",
    references: &["https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/08-Testing_for_Error_Handling/01-Testing_For_Improper_Error_Handling"],
};

/// The platform error strings ZAP looks for (its `xml/debug-error-messages.txt`), compared case-insensitively,
/// in this order: the first one found is the evidence.
pub(crate) const DEBUG_ERRORS: &[&str] = &[
    "Error Occurred While Processing Request",
    "Internal Server Error",
    "test page for apache",
    "failed to open stream: HTTP request failed!",
    "Parse error: parse error, unexpected T_VARIABLE",
    "The script whose uid is",
    "PHP Parse error",
    "PHP Warning",
    "PHP Error",
    "Warning: Cannot modify header information - headers already sent",
    "mysqli error is",
    "mysql error is",
    "404 SC_NOT_FOUND",
    "ASP.NET_SessionId",
    "servlet error:",
    "Under construction",
    "Welcome to Windows 2000 Internet Services",
    "welcome to iis 4.0",
    "Warning: Supplied argument is not a valid File-Handle resource",
    "Warning: Division by zero in",
    "Warning: SAFE MODE Restriction in effect.",
    "Error Message : Error loading required libraries.",
    "Fatal error: Call to undefined function",
    "access denied for user",
    "incorrect syntax near",
    "Unclosed quotation mark before the character string",
    "There seems to have been a problem with the",
    "customErrors mode",
    "This error page might contain sensitive information because ASP.NET",
];

static NEEDLES: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new(DEBUG_ERRORS.iter().map(|e| format!("(?i){}", regex::escape(e)))).expect("debug error set")
});
static FINDERS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    DEBUG_ERRORS
        .iter()
        .map(|e| Regex::new(&format!("(?i){}", regex::escape(e))).expect("debug error regex"))
        .collect()
});

impl PassiveRule for DebugErrors {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        // MEDIUM threshold: JavaScript responses are left out (ZAP judges them only at LOW).
        if msg.body.is_empty() || !is_text(msg) || is_javascript(msg) {
            return;
        }
        // One pass finds which strings occur (case-insensitively); the first of the list is the evidence, cut from
        // the body at its first occurrence.
        let text = cx.text;
        let Some(i) = NEEDLES.matches(text).iter().next() else { return };
        let Some(m) = FINDERS[i].find(text) else { return };
        let mut a = Alert::new(&INFO, msg, Risk::Low, Confidence::Medium);
        a.evidence = m.as_str().to_string();
        out.push(a);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{msg, run, MsgExt};

    fn page(ct: &str, body: &str) -> Vec<Alert> {
        run(&DebugErrors, &msg("https://example.com/", 200).header("Content-Type", ct).body(body))
    }

    /// InformationDisclosureDebugErrorsScanRuleUnitTest.alertsIfDebugErrorsDisclosed and
    /// alertsIfMixedCaseDebugErrorsDisclosed.
    #[test]
    fn fires_on_each_error_string_any_case() {
        for e in DEBUG_ERRORS {
            let a = page("text/html", &format!("<html>{e}</html>"));
            assert_eq!(a.len(), 1, "{e}");
            assert_eq!(a[0].evidence, *e);
            assert_eq!((a[0].risk, a[0].confidence, a[0].wasc), (Risk::Low, Confidence::Medium, 13));
        }
        let upper = "<html>INTERNAL SERVER ERROR</html>";
        assert_eq!(page("text/html", upper)[0].evidence, "INTERNAL SERVER ERROR");
    }

    /// passesIfNoDebugErrorsDisclosed, passesIfResponseIsEmpty, passesIfResponseIsNotText,
    /// shouldNotAlertIfJSResponseContainsErrorStringAtMediumThreshold.
    #[test]
    fn quiet_on_other_text_empty_binary_and_javascript() {
        for body in ["Error Management theory", "a subject can make two possible errors", "What to Do If You Get a 404", "500"] {
            assert!(page("text/html", &format!("<html>{body}</html>")).is_empty(), "{body}");
        }
        assert!(page("text/html", "").is_empty());
        assert!(page("application/octet-stream;charset=ISO-8859-1", "Internal Server Error").is_empty());
        assert!(page("application/javascript", "Internal Server Error").is_empty());
    }
}
