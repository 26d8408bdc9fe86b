//! Application Error Disclosure (ZAP 90022): a 500 response, or a page carrying a known application, database or
//! server error signature (SQL driver errors, PHP warnings, ASP.NET and servlet error pages). See README.md.

mod patterns;

use std::sync::LazyLock;

use regex::{Regex, RegexSet};

use crate::message::HttpMessage;
use crate::rules::content::{is_css, is_javascript, looks_binary};
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct ApplicationError;

static INFO: RuleInfo = RuleInfo {
    id: 90022,
    name: "Application Error Disclosure",
    status: RuleStatus::Release,
    cwe: 550,
    wasc: 13,
    description: "The page carries an error or warning message (a server error status, a database driver error, a \
                  framework's error page) that can reveal file locations, queries or the software in use.",
    solution: "Serve custom error pages; log the details on the server and give the client only a reference to \
               them.",
    references: &["https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/08-Testing_for_Error_Handling/"],
};

static STRINGS: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new(patterns::STRINGS.iter().map(|s| regex::escape(s))).expect("string patterns")
});
static REGEX_SET: LazyLock<RegexSet> =
    LazyLock::new(|| RegexSet::new(patterns::REGEXES).expect("error regexes"));
static REGEXES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    patterns::REGEXES
        .iter()
        .map(|r| Regex::new(r).expect("error regex"))
        .collect()
});

/// The first signature in ZAP's order: strings first, then regexes (the matched text).
pub(crate) fn find_error(body: &str) -> Option<String> {
    if let Some(i) = STRINGS.matches(body).iter().next() {
        return Some(patterns::STRINGS[i].to_string());
    }
    let i = REGEX_SET.matches(body).iter().next()?;
    REGEXES[i].find(body).map(|m| m.as_str().to_string())
}

impl PassiveRule for ApplicationError {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if looks_binary(&msg.body) {
            return;
        }
        if msg.status == 500 {
            let mut a = Alert::new(&INFO, msg, Risk::Low, Confidence::Medium);
            a.evidence = format!("{} {}", msg.http_version, msg.status);
            out.push(a);
            return;
        }
        if msg.status == 404 || msg.media_type().as_deref() == Some("application/wasm") {
            return;
        }
        // MEDIUM threshold: JavaScript and CSS are left out.
        if is_javascript(msg) || is_css(msg) {
            return;
        }
        if let Some(evidence) = find_error(cx.text) {
            let mut a = Alert::new(&INFO, msg, Risk::Medium, Confidence::Medium);
            a.evidence = evidence;
            out.push(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{msg, run, MsgExt};

    const URI: &str = "https://www.example.com/test/";

    /// ApplicationErrorScanRuleUnitTest.shouldRaiseAlertIfResponseCodeIsInternalServerErrorMed.
    #[test]
    fn fires_low_on_500() {
        let a = run(&ApplicationError, &msg(URI, 500));
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].evidence, "HTTP/1.1 500");
        assert_eq!((a[0].plugin_id, a[0].risk, a[0].confidence), (90022, Risk::Low, Confidence::Medium));
    }

    /// shouldRaiseAlertForResponseCodeOkAndStringEvidenceDetected,
    /// shouldRaiseAlertForResponseCodeOkAndEvidenceDetectedWithMatcher.
    #[test]
    fn fires_medium_on_signatures() {
        for evidence in ["Microsoft OLE DB Provider for ODBC Drivers", "Line 1024: Incorrect syntax near 'login'"] {
            let m = msg(URI, 200)
                .header("Content-Type", "text/html")
                .body(&format!("<html><div>{evidence}</div></html>"));
            let a = run(&ApplicationError, &m);
            assert_eq!(a.len(), 1, "{evidence}");
            assert_eq!(a[0].evidence, evidence);
            assert_eq!(a[0].risk, Risk::Medium);
        }
    }

    /// shouldNotRaiseAlertIfResponseCodeIsNotFound, …OkAndEmptyBody, …OkAndNoEvidenceDetected,
    /// shouldNotRaiseAlertOnBinaryResponse, …ContentTypeWebAssemblyWhenFilePayloadPresent,
    /// …ContentTypeJavaScriptOrCssWithFilePayloadPresentWhenThresholdNotLow.
    #[test]
    fn quiet_cases() {
        let sig = "Microsoft OLE DB Provider for ODBC Drivers";
        assert!(run(&ApplicationError, &msg(URI, 404).body(sig)).is_empty());
        assert!(run(&ApplicationError, &msg(URI, 200)).is_empty());
        let m = msg(URI, 200).body("<html><div>here a body with no evidence</div></html>");
        assert!(run(&ApplicationError, &m).is_empty());
        let mut m = msg(URI, 200);
        m.body = b":\xe6\xb4D\xfc".to_vec();
        m.body.extend_from_slice(sig.as_bytes());
        assert!(run(&ApplicationError, &m).is_empty());
        assert!(run(&ApplicationError, &msg(URI, 200).header("Content-Type", "application/wasm").body(sig)).is_empty());
        assert!(run(&ApplicationError, &msg(URI, 200).header("Content-Type", "text/javascript").body(sig)).is_empty());
        assert!(run(&ApplicationError, &msg("https://www.example.com/test.css", 200).body(sig)).is_empty());
    }

    #[test]
    fn every_signature_compiles() {
        assert_eq!(REGEXES.len(), patterns::REGEXES.len());
        assert_eq!(STRINGS.len(), patterns::STRINGS.len());
    }
}
