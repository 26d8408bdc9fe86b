//! 10044 Big Redirect Detected (Potential Sensitive Information Leak): a redirect (3xx other than 304, with a
//! Location) whose body is longer than the Location plus 300 bytes (10044-1), or, when it is not, holds more than
//! one `href` (10044-2): the page may have rendered content the user should not see before redirecting.

use super::variant;
use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 10044,
    name: "Big Redirect Detected (Potential Sensitive Information Leak)",
    status: RuleStatus::Release,
    cwe: 201,
    wasc: 13,
    description: "The redirect response carries a body much larger than a redirect needs; it may hold the page \
                  the user was redirected away from (for example, a page behind a login check).",
    solution: "Make redirect responses carry no body beyond a short link to the target.",
    references: &["https://www.rfc-editor.org/rfc/rfc9110#section-15.4"],
};

pub(super) struct Rule;

/// Case-insensitive count of `href` in the body.
fn hrefs(body: &[u8]) -> usize {
    body.windows(4)
        .filter(|w| w.eq_ignore_ascii_case(b"href"))
        .count()
}

impl PassiveRule for Rule {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, _cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if !(300..400).contains(&msg.status) || msg.status == 304 {
            return;
        }
        let Some(location) = msg.header("location").filter(|l| !l.is_empty()) else {
            return;
        };
        let predicted = location.len() + 300;
        if msg.body.len() > predicted {
            let mut a = variant(&INFO, msg, 1, INFO.name, Risk::Low, Confidence::Medium);
            a.other_info = format!(
                "Location is {} bytes ({location}); a redirect body should be under about {predicted} bytes; \
                 this one is {} bytes.",
                location.len(),
                msg.body.len()
            );
            out.push(a);
        } else {
            let n = hrefs(&msg.body);
            if n > 1 {
                let mut a = variant(
                    &INFO,
                    msg,
                    2,
                    "Multiple HREFs Redirect Detected (Potential Sensitive Information Leak)",
                    Risk::Low,
                    Confidence::Medium,
                );
                a.other_info = format!("The redirect body holds {n} hrefs.");
                out.push(a);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{MsgExt, msg, run};

    const LOC: &str = "http://example.com/redirect";

    fn redirect(status: u16, body: &str) -> HttpMessage {
        msg("http://example.com/", status)
            .header("Location", LOC)
            .body(body)
    }

    // BigRedirectsScanRuleUnitTest.givenRedirectHeadersWithLargeBodyThenAlertRaised
    #[test]
    fn large_body_fires() {
        let a = run(&Rule, &redirect(301, &"A".repeat(LOC.len() + 301)));
        assert_eq!(a.len(), 1);
        assert_eq!(
            (a[0].alert_ref.as_str(), a[0].risk, a[0].confidence),
            ("10044-1", Risk::Low, Confidence::Medium)
        );
    }

    // BigRedirectsScanRuleUnitTest.givenRedirectHeadersWithSmallBodyButMultipleHrefsThenAlertRaised
    #[test]
    fn several_hrefs_fire() {
        let a = run(
            &Rule,
            &redirect(302, r#"<a href="a">a</a><A HREF="b">b</A>"#),
        );
        assert_eq!(a[0].alert_ref, "10044-2");
        assert_eq!(
            a[0].name,
            "Multiple HREFs Redirect Detected (Potential Sensitive Information Leak)"
        );
    }

    // …givenRedirectWithSmallBodyThenItRaisesNoAlert, …NotModifiedStatusCodeWithLargeBody…, …NotFoundStatusCode…,
    // …RedirectStatusCodeWithoutLocationHeader…
    #[test]
    fn small_not_modified_not_found_or_no_location_pass() {
        let big = "A".repeat(LOC.len() + 301);
        assert!(run(&Rule, &redirect(301, &"A".repeat(LOC.len() + 300))).is_empty());
        assert!(run(&Rule, &redirect(304, &big)).is_empty());
        assert!(run(&Rule, &redirect(404, &big)).is_empty());
        assert!(run(&Rule, &msg("http://example.com/", 301).body(&big)).is_empty());
    }
}
