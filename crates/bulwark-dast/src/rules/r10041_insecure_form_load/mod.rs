//! HTTP to HTTPS Insecure Transition in Form Post (ZAP 10041): an HTTP page hosting a form that posts to HTTPS.
//! The page itself can be altered in transit, form included. See README.md.

use crate::message::HttpMessage;
use crate::rules::content::element_text;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct InsecureFormLoad;

static INFO: RuleInfo = RuleInfo {
    id: 10041,
    name: "HTTP to HTTPS Insecure Transition in Form Post",
    status: RuleStatus::Release,
    cwe: 319,
    wasc: 15,
    description: "A page served over HTTP hosts a form that posts to HTTPS. A man in the middle can change the \
                  page, and so the form's target, before the user submits it.",
    solution: "Serve pages that host secure forms over HTTPS.",
    references: &["https://cheatsheetseries.owasp.org/cheatsheets/Transport_Layer_Protection_Cheat_Sheet.html"],
};

/// ZAP's test of an HTML response for these two rules: the Content-Type header names (X)HTML.
pub(crate) fn html_content_type(msg: &HttpMessage) -> bool {
    msg.header("content-type").is_some_and(|c| c.contains("text/html") || c.contains("application/xhtml"))
}

/// One alert per form whose `action` starts with `scheme` (case-insensitive), on pages answered 200.
pub(crate) fn judge(info: &'static RuleInfo, msg: &HttpMessage, cx: &ScanContext<'_>, page_https: bool, scheme: &str, out: &mut Vec<Alert>) {
    if msg.status != 200 || msg.is_https() != page_https || !html_content_type(msg) {
        return;
    }
    let Some(doc) = cx.doc else { return };
    let body = cx.text;
    for form in doc.tags_named("form") {
        let Some(action) = form.attr("action").map(str::trim) else { continue };
        if action.get(..scheme.len()).is_some_and(|p| p.eq_ignore_ascii_case(scheme)) {
            let mut a = Alert::new(info, msg, Risk::Medium, Confidence::Medium);
            a.evidence = action.to_string();
            let over = if page_https { "HTTPS" } else { "HTTP" };
            a.other_info = format!(
                "The response to {} (over {over}) has a form posting to {action}:\n\n{}",
                msg.url,
                element_text(body, form)
            );
            out.push(a);
        }
    }
}

impl PassiveRule for InsecureFormLoad {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        judge(&INFO, msg, cx, false, "https://", out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{msg, run, MsgExt};

    const FORM: &str = "<html><body><form name=\"someform\" action=\"https://example.com/processform\"><input type=\"text\"/></form></body></html>";

    /// InsecureFormLoadScanRuleUnitTest.shouldRaiseAlertIfFormActionIsSecure.
    #[test]
    fn fires_on_http_page_with_https_form() {
        let a = run(&InsecureFormLoad, &msg("http://example.com/", 200).header("Content-Type", "text/html").body(FORM));
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].evidence, "https://example.com/processform");
        assert_eq!((a[0].risk, a[0].confidence, a[0].cwe, a[0].wasc), (Risk::Medium, Confidence::Medium, 319, 15));
    }

    /// shouldNotRaiseAlertIfResponseIsHttps, …IfResponseIsNotStatusOk, …IfResponseContentTypeIsNull,
    /// shouldNotRaiseAlertIfFormActionIsInsecure.
    #[test]
    fn quiet_cases() {
        assert!(run(&InsecureFormLoad, &msg("https://example.com/", 200).header("Content-Type", "text/html").body(FORM)).is_empty());
        assert!(run(&InsecureFormLoad, &msg("http://example.com/", 404).header("Content-Type", "text/html").body(FORM)).is_empty());
        assert!(run(&InsecureFormLoad, &msg("http://example.com/", 200).body(FORM)).is_empty());
        let f = FORM.replace("https://", "http://");
        assert!(run(&InsecureFormLoad, &msg("http://example.com/", 200).header("Content-Type", "text/html").body(&f)).is_empty());
    }
}
