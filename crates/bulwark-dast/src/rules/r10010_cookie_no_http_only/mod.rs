//! 10010 Cookie No HttpOnly Flag: a `Set-Cookie` without `HttpOnly`, so script in the page can read the cookie
//! (RFC 6265 §4.1.2.6). Cookies that delete themselves (past `Expires`, `Max-Age` ≤ 0) are not judged.

use super::{now_secs, set_cookies};
use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 10010,
    name: "Cookie No HttpOnly Flag",
    status: RuleStatus::Release,
    cwe: 1004,
    wasc: 13,
    description: "A cookie was set without the HttpOnly attribute, so JavaScript in the page can read it; an XSS \
                  flaw could then steal it (a session cookie above all).",
    solution: "Add HttpOnly to every cookie that scripts do not need to read.",
    references: &[
        "https://www.rfc-editor.org/rfc/rfc6265#section-4.1.2.6",
        "https://owasp.org/www-community/HttpOnly",
    ],
};

pub(super) struct Rule;

impl PassiveRule for Rule {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, _cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        let now = now_secs();
        for c in set_cookies(msg) {
            if c.has_attr("httponly") || c.is_expired(now) {
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

    fn page() -> HttpMessage {
        msg("https://www.example.com/", 200).header("Content-Type", "text/html")
    }

    // CookieHttpOnlyScanRuleUnitTest.noHttpOnlyAttribute
    #[test]
    fn without_http_only_fires() {
        let a = run(
            &Rule,
            &page().header("Set-Cookie", "test=123; Path=/; Secure"),
        );
        assert_eq!(a.len(), 1);
        assert_eq!(
            (a[0].risk, a[0].confidence),
            (Risk::Low, Confidence::Medium)
        );
        assert_eq!(
            (a[0].param.as_str(), a[0].evidence.as_str()),
            ("test", "Set-Cookie: test")
        );
    }

    // CookieHttpOnlyScanRuleUnitTest.httpOnlyAttribute, noCookie
    #[test]
    fn with_http_only_or_no_cookie_passes() {
        assert!(
            run(
                &Rule,
                &page().header("Set-Cookie", "test=123; Path=/; HttpOnly")
            )
            .is_empty()
        );
        assert!(
            run(
                &Rule,
                &page().header("set-cookie", "test=123; httponly; Secure")
            )
            .is_empty()
        );
        assert!(run(&Rule, &page()).is_empty());
    }

    // CookieHttpOnlyScanRuleUnitTest.secondCookieNoHttpOnlyAttribute, secondCookieNoHttpOnlyAttributeFirstExpired
    #[test]
    fn each_cookie_is_judged_and_deleted_ones_skipped() {
        let a = run(
            &Rule,
            &page()
                .header("Set-Cookie", "test=123; Path=/; HttpOnly")
                .header("Set-Cookie", "test2=123; Path=/"),
        );
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].param, "test2");
        let a = run(
            &Rule,
            &page()
                .header(
                    "Set-Cookie",
                    "test=123; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
                )
                .header("Set-Cookie", "test2=123; Path=/"),
        );
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].param, "test2");
    }

    // CookieHttpOnlyScanRuleUnitTest.shouldNotAlertOnDelete(HyphenatedDate), shouldAlertWhenFutureExpiry(HyphenatedDate)
    #[test]
    fn expiry_decides() {
        for past in [
            "Thu, 01 Jan 1970 00:00:00 GMT",
            "Thu, 01-Jan-1970 00:00:00 GMT",
        ] {
            let m = page().header("Set-Cookie", &format!("test=\"\"; expires={past}; path=/"));
            assert!(run(&Rule, &m).is_empty(), "{past}");
        }
        for future in [
            "Wed, 01 Jan 2200 00:00:00 GMT",
            "Wed, 01-Jan-2200 00:00:00 GMT",
        ] {
            let m = page().header("Set-Cookie", &format!("test=abc; expires={future}; path=/"));
            assert_eq!(run(&Rule, &m).len(), 1, "{future}");
        }
    }
}
