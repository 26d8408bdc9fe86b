//! 10021 X-Content-Type-Options Header Missing: a response with a body and no `X-Content-Type-Options: nosniff`,
//! so older browsers may sniff it as another type (Fetch §3.5 "nosniff").

use super::{contains_ci, is_error, is_redirection};
use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 10021,
    name: "X-Content-Type-Options Header Missing",
    status: RuleStatus::Release,
    cwe: 693,
    wasc: 15,
    description: "The response does not carry X-Content-Type-Options: nosniff, so a browser may guess its type from \
                  the content and run it as script or style when it was meant as data.",
    solution: "Send X-Content-Type-Options: nosniff on every response, and a correct Content-Type.",
    references: &[
        "https://fetch.spec.whatwg.org/#x-content-type-options-header",
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/X-Content-Type-Options",
    ],
};

pub(super) struct Rule;

fn alert(msg: &HttpMessage, evidence: &str) -> Alert {
    let mut a = Alert::new(&INFO, msg, Risk::Low, Confidence::Medium);
    a.param = "X-Content-Type-Options".into();
    a.evidence = evidence.to_string();
    a.other_info = "Applies to every response with a body; at ZAP's default threshold 4xx, 5xx and 3xx responses \
                    are not judged."
        .into();
    a
}

impl PassiveRule for Rule {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, _cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if msg.body.is_empty() || is_error(msg) || is_redirection(msg) {
            return;
        }
        let mut any = false;
        for v in msg.headers("x-content-type-options") {
            any = true;
            // `nosniff` is the only value the Fetch standard defines.
            if !contains_ci(v, "nosniff") {
                out.push(alert(msg, v));
            }
        }
        if !any {
            out.push(alert(msg, ""));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{MsgExt, msg, run};

    fn page() -> HttpMessage {
        msg("https://www.example.com/test/", 200)
            .header("Content-Type", "text/html")
            .body("<html></html>")
    }

    // XContentTypeOptionScanRuleUnitTest.xContentTypeOptionsPresent, shouldNotRaiseAlertIfHeaderValueHasDifferentCase
    #[test]
    fn nosniff_in_any_case_passes() {
        for v in ["nosniff", "NoSniff"] {
            assert!(run(&Rule, &page().header("X-Content-Type-Options", v)).is_empty());
        }
    }

    // XContentTypeOptionScanRuleUnitTest.xContentTypeOptionsAbsent
    #[test]
    fn absent_fires_low_medium() {
        let a = run(&Rule, &page());
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].name, "X-Content-Type-Options Header Missing");
        assert_eq!(
            (a[0].risk, a[0].confidence),
            (Risk::Low, Confidence::Medium)
        );
        assert_eq!(a[0].param, "X-Content-Type-Options");
        assert_eq!(a[0].evidence, "");
    }

    // XContentTypeOptionScanRuleUnitTest.xContentTypeOptionsBad
    #[test]
    fn other_value_fires_with_it_as_evidence() {
        let a = run(&Rule, &page().header("x-content-type-options", "sniff"));
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].evidence, "sniff");
    }

    // XContentTypeOptionScanRuleUnitTest.xContentTypeOptionsAbsentRedirectMed
    #[test]
    fn redirects_and_errors_pass_at_medium() {
        for status in [301, 302, 404, 503] {
            let mut m = page();
            m.status = status;
            assert!(run(&Rule, &m).is_empty(), "{status}");
        }
        // Any content type is judged (images and scripts too), but not an empty body.
        let img = msg("https://www.example.com/a.png", 200)
            .header("Content-Type", "image/png")
            .body("\u{89}PNG");
        assert_eq!(run(&Rule, &img).len(), 1);
        assert!(run(&Rule, &msg("https://www.example.com/", 204)).is_empty());
    }
}
