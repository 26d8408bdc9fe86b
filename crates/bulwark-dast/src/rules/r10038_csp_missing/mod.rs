//! 10038 Content Security Policy (CSP) Header Not Set: an HTML page with no CSP (header or `<meta>`), and, as
//! informational variants, the obsolete `X-Content-Security-Policy` / `X-WebKit-CSP` headers and a
//! `Content-Security-Policy-Report-Only` header (which enforces nothing).

use super::{is_html, is_redirection, meta_http_equiv, variant};
use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 10038,
    name: "Content Security Policy (CSP) Header Not Set",
    status: RuleStatus::Release,
    cwe: 693,
    wasc: 15,
    description: "The page sets no Content Security Policy, so the browser gets no list of the sources it may load \
                  script, style, frames and other content from; CSP is a second line of defence against XSS and \
                  data injection.",
    solution: "Send a Content-Security-Policy header on every HTML page (at least default-src, script-src, \
               object-src and frame-ancestors).",
    references: &[
        "https://www.w3.org/TR/CSP3/",
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/CSP",
        "https://cheatsheetseries.owasp.org/cheatsheets/Content_Security_Policy_Cheat_Sheet.html",
    ],
};

pub(super) struct Rule;

impl PassiveRule for Rule {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        // MEDIUM threshold: HTML responses that are not redirects.
        if !is_html(msg) || is_redirection(msg) {
            return;
        }
        if msg.header("content-security-policy").is_none()
            && meta_http_equiv(cx, "content-security-policy").is_none()
        {
            out.push(variant(
                &INFO,
                msg,
                1,
                INFO.name,
                Risk::Medium,
                Confidence::High,
            ));
        }
        if msg.header("x-content-security-policy").is_some() || msg.header("x-webkit-csp").is_some()
        {
            let mut a = variant(
                &INFO,
                msg,
                2,
                "Obsolete Content Security Policy (CSP) Header Found",
                Risk::Informational,
                Confidence::High,
            );
            a.description =
                "X-Content-Security-Policy and X-WebKit-CSP are prefixed headers from before CSP \
                             was standardised; current browsers read only Content-Security-Policy."
                    .into();
            out.push(a);
        }
        if msg.header("content-security-policy-report-only").is_some() {
            let mut a = variant(
                &INFO,
                msg,
                3,
                "Content Security Policy (CSP) Report-Only Header Found",
                Risk::Informational,
                Confidence::High,
            );
            a.description =
                "Content-Security-Policy-Report-Only only reports violations; it blocks nothing \
                             (CSP3 §3.2)."
                    .into();
            out.push(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::headers::run_with_tags;
    use crate::rules::testing::{MsgExt, msg, run};

    fn page() -> HttpMessage {
        msg("https://www.example.com/", 200)
            .header("Content-Type", "text/html")
            .body("<html></html>")
    }

    fn refs(a: &[Alert]) -> Vec<&str> {
        a.iter().map(|a| a.alert_ref.as_str()).collect()
    }

    // ContentSecurityPolicyMissingScanRuleUnitTest.givenMissingCspHeaderThenAlertRaised
    #[test]
    fn missing_fires_medium_high() {
        let a = run(&Rule, &page());
        assert_eq!(refs(&a), ["10038-1"]);
        assert_eq!(a[0].name, "Content Security Policy (CSP) Header Not Set");
        assert_eq!(
            (a[0].risk, a[0].confidence),
            (Risk::Medium, Confidence::High)
        );
    }

    // ContentSecurityPolicyMissingScanRuleUnitTest.givenCspHeaderThenNoAlertRaised, givenMissingCspHeaderWithMetaThenAlertNotRaised
    #[test]
    fn header_or_meta_passes() {
        assert!(
            run(
                &Rule,
                &page().header("content-security-policy", "default-src 'self'")
            )
            .is_empty()
        );
        let m = page()
            .body(r#"<meta http-equiv="Content-Security-Policy" content="default-src 'self'">"#);
        let tags: &[(&str, &[(&str, &str)])] = &[(
            "meta",
            &[
                ("http-equiv", "Content-Security-Policy"),
                ("content", "default-src 'self'"),
            ],
        )];
        assert!(run_with_tags(&Rule, &m, tags).is_empty());
    }

    // …givenMissingCspHeaderInRedirectAtMediumAlertThresholdThenNoAlertRaised, givenTextContentTypeAtMediumAlertThresholdThenNoAlertRaised
    #[test]
    fn redirects_and_non_html_pass() {
        let mut m = page().header("Location", "/x");
        m.status = 302;
        assert!(run(&Rule, &m).is_empty());
        let m = msg("https://www.example.com/", 200)
            .header("Content-Type", "text/plain")
            .body("x");
        assert!(run(&Rule, &m).is_empty());
    }

    // …givenWebKitThenTwoAlertsRaised, givenXCspThenTwoAlertsRaised, givenReportOnlyCspThenInfoAlertRaised,
    // givenReportOnlyAndCspHeadersThenInfoAlertRaised
    #[test]
    fn obsolete_and_report_only_are_informational() {
        for h in ["X-WebKit-CSP", "X-Content-Security-Policy"] {
            let a = run(&Rule, &page().header(h, "default-src 'self'"));
            assert_eq!(refs(&a), ["10038-1", "10038-2"], "{h}");
            assert_eq!(a[1].risk, Risk::Informational);
        }
        let a = run(
            &Rule,
            &page().header("Content-Security-Policy-Report-Only", "default-src 'self'"),
        );
        assert_eq!(refs(&a), ["10038-1", "10038-3"]);
        let a = run(
            &Rule,
            &page()
                .header("Content-Security-Policy-Report-Only", "default-src 'self'")
                .header("Content-Security-Policy", "default-src 'self'"),
        );
        assert_eq!(refs(&a), ["10038-3"]);
        assert_eq!(
            a[0].name,
            "Content Security Policy (CSP) Report-Only Header Found"
        );
    }
}
