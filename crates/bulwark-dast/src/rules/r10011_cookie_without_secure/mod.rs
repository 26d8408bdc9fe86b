//! 10011 Cookie Without Secure Flag: a cookie set over HTTPS without `Secure`, so the browser also sends it over
//! plain HTTP (RFC 6265 §4.1.2.5). Deleted cookies are not judged; plain-HTTP responses are not judged.

use super::{now_secs, set_cookies};
use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 10011,
    name: "Cookie Without Secure Flag",
    status: RuleStatus::Release,
    cwe: 614,
    wasc: 13,
    description: "A cookie was set over HTTPS without the Secure attribute, so the browser will also send it over \
                  unencrypted HTTP, where it can be read on the network.",
    solution: "Add Secure to every cookie set by an HTTPS site.",
    references: &["https://www.rfc-editor.org/rfc/rfc6265#section-4.1.2.5"],
};

pub(super) struct Rule;

impl PassiveRule for Rule {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, _cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if !msg.is_https() {
            return;
        }
        let now = now_secs();
        for c in set_cookies(msg) {
            if c.has_attr("secure") || c.is_expired(now) {
                continue;
            }
            let mut a = Alert::new(&INFO, msg, Risk::Low, Confidence::Medium);
            a.param = c.name.to_string();
            a.evidence = c.evidence();
            out.push(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{MsgExt, msg, run};

    // CookieSecureFlagScanRuleUnitTest.httpsNoSecureFlag
    #[test]
    fn https_without_secure_fires() {
        let a = run(
            &Rule,
            &msg("https://www.example.com/", 200)
                .header("Set-Cookie", "test=123; Path=/; HttpOnly"),
        );
        assert_eq!(a.len(), 1);
        assert_eq!(
            (a[0].param.as_str(), a[0].evidence.as_str()),
            ("test", "Set-Cookie: test")
        );
        assert_eq!(
            (a[0].risk, a[0].confidence),
            (Risk::Low, Confidence::Medium)
        );
    }

    // CookieSecureFlagScanRuleUnitTest.httpNoSecureFlag, httpsSecureFlag
    #[test]
    fn http_or_secure_passes() {
        assert!(
            run(
                &Rule,
                &msg("http://www.example.com/", 200).header("Set-Cookie", "test=123; Path=/")
            )
            .is_empty()
        );
        let m = msg("https://www.example.com/", 200)
            .header("Set-Cookie", "test=123; Path=/; SECURE; HttpOnly");
        assert!(run(&Rule, &m).is_empty());
    }

    // CookieSecureFlagScanRuleUnitTest.secondCookieNoSecureFlag, secondCookieNoSecureAttributeFirstExpired, shouldNotAlertOnDelete
    #[test]
    fn second_cookie_and_deleted_cookies() {
        let m = msg("https://www.example.com/", 200)
            .header("Set-Cookie", "test=123; Path=/; Secure")
            .header("Set-Cookie", "test2=123; Path=/");
        let a = run(&Rule, &m);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].param, "test2");
        let m = msg("https://www.example.com/", 200).header(
            "Set-Cookie",
            "test=\"\"; expires=Thu, 01-Jan-1970 00:00:00 GMT",
        );
        assert!(run(&Rule, &m).is_empty());
        // A value that mentions "secure" is not the attribute.
        assert_eq!(
            run(
                &Rule,
                &msg("https://a.test/", 200).header("Set-Cookie", "mode=secure")
            )
            .len(),
            1
        );
    }
}
