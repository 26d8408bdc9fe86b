//! 10019 Content-Type Header Missing: a response with a body and no `Content-Type` (10019-1) or an empty one
//! (10019-2), which leaves browsers to guess the type (MIME sniffing).

use super::variant;
use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 10019,
    name: "Content-Type Header Missing",
    status: RuleStatus::Release,
    cwe: 345,
    wasc: 12,
    description: "The response has a body but no Content-Type, so the browser guesses the type from the content \
                  and may treat data as HTML or script.",
    solution: "Send the correct Content-Type (with charset for text) on every response with a body.",
    references: &["https://www.rfc-editor.org/rfc/rfc9110#section-8.3"],
};

pub(super) struct Rule;

impl PassiveRule for Rule {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, _cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if msg.body.is_empty() {
            return;
        }
        let mut any = false;
        for v in msg.headers("content-type") {
            any = true;
            if v.trim().is_empty() {
                let mut a = variant(
                    &INFO,
                    msg,
                    2,
                    "Content-Type Header Empty",
                    Risk::Informational,
                    Confidence::Medium,
                );
                a.param = "Content-Type".into();
                out.push(a);
            }
        }
        if !any {
            let mut a = variant(
                &INFO,
                msg,
                1,
                INFO.name,
                Risk::Informational,
                Confidence::Medium,
            );
            a.param = "Content-Type".into();
            out.push(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{MsgExt, msg, run};

    // ContentTypeMissingScanRuleUnitTest.shouldAlertIfContentTypeNotPresentInResponse, …PresentButEmptyInResponse
    #[test]
    fn missing_or_empty_fires() {
        let a = run(
            &Rule,
            &msg("https://example.com/", 200).body("<html></html>"),
        );
        assert_eq!(
            (a[0].alert_ref.as_str(), a[0].name.as_str()),
            ("10019-1", "Content-Type Header Missing")
        );
        assert_eq!(
            (a[0].risk, a[0].confidence),
            (Risk::Informational, Confidence::Medium)
        );
        let a = run(
            &Rule,
            &msg("https://example.com/", 200)
                .header("Content-Type", "")
                .body("x"),
        );
        assert_eq!(
            (a[0].alert_ref.as_str(), a[0].name.as_str()),
            ("10019-2", "Content-Type Header Empty")
        );
    }

    // ContentTypeMissingScanRuleUnitTest.shoudNotAlertIfContentTypePresentInResponse, shouldNotAlertIfResponseBodyIsEmpty
    #[test]
    fn present_or_no_body_passes() {
        assert!(
            run(
                &Rule,
                &msg("https://example.com/", 200)
                    .header("content-type", "text/html")
                    .body("x")
            )
            .is_empty()
        );
        assert!(run(&Rule, &msg("https://example.com/", 204)).is_empty());
    }
}
