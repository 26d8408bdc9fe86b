//! HTTPS to HTTP Insecure Transition in Form Post (ZAP 10042): an HTTPS page hosting a form that posts over plain
//! HTTP. See README.md.

use crate::message::HttpMessage;
use crate::rules::content::r10041_insecure_form_load::judge;
use crate::rules::{Alert, PassiveRule, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct InsecureFormPost;

static INFO: RuleInfo = RuleInfo {
    id: 10042,
    name: "HTTPS to HTTP Insecure Transition in Form Post",
    status: RuleStatus::Release,
    cwe: 319,
    wasc: 15,
    description: "A page served over HTTPS hosts a form that posts over HTTP: the user believes the data goes over \
                  a secure channel, but it is sent in clear text.",
    solution: "Post forms to HTTPS URLs only.",
    references: &["https://cheatsheetseries.owasp.org/cheatsheets/Transport_Layer_Protection_Cheat_Sheet.html"],
};

impl PassiveRule for InsecureFormPost {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        judge(&INFO, msg, cx, true, "http://", out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{msg, run, MsgExt};
    use crate::rules::{Confidence, Risk};

    const FORM: &str = "<html><body><form name=\"someform\" action=\"http://example.com/processform\"><input type=\"text\"/></form></body></html>";

    /// InsecureFormPostScanRuleUnitTest.shouldRaiseAlertIfResponseFormIsInsecure.
    #[test]
    fn fires_on_https_page_with_http_form() {
        let a = run(&InsecureFormPost, &msg("https://example.com/", 200).header("Content-Type", "text/html; charset=utf-8").body(FORM));
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].evidence, "http://example.com/processform");
        assert_eq!((a[0].name.as_str(), a[0].risk, a[0].confidence), ("HTTPS to HTTP Insecure Transition in Form Post", Risk::Medium, Confidence::Medium));
    }

    /// shouldNotRaiseAlertIfResponseIsNotHttps, …IfResponseIsNotStatusOk, shouldNotRaiseAlertIfResponseFormIsSecure; relative actions.
    #[test]
    fn quiet_cases() {
        assert!(run(&InsecureFormPost, &msg("http://example.com/", 200).header("Content-Type", "text/html").body(FORM)).is_empty());
        assert!(run(&InsecureFormPost, &msg("https://example.com/", 500).header("Content-Type", "text/html").body(FORM)).is_empty());
        for action in ["https://example.com/p", "/processform"] {
            let f = FORM.replace("http://example.com/processform", action);
            assert!(run(&InsecureFormPost, &msg("https://example.com/", 200).header("Content-Type", "text/html").body(&f)).is_empty());
        }
    }
}
