//! 10054 Cookie without SameSite Attribute: a cookie with no `SameSite` (10054-1), with `SameSite=None`
//! (10054-2), or with a value other than Strict, Lax or None (10054-3). RFC 6265bis §4.1.2.7.

use super::{now_secs, set_cookies, variant};
use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 10054,
    name: "Cookie without SameSite Attribute",
    status: RuleStatus::Release,
    cwe: 1275,
    wasc: 13,
    description: "A cookie was set without the SameSite attribute, so the browser may send it with requests that \
                  other sites start (cross-site request forgery, cross-site inclusion, timing attacks).",
    solution: "Set SameSite=Lax or SameSite=Strict on every cookie.",
    references: &[
        "https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-4.1.2.7",
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Set-Cookie#samesitesamesite-value",
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
            if c.is_expired(now) {
                continue;
            }
            let (n, name, description) = match c.attr("samesite") {
                None => (1, INFO.name, INFO.description),
                // ZAP's default threshold reports None; HIGH would not.
                Some(v) if v.eq_ignore_ascii_case("none") => (
                    2,
                    "Cookie with SameSite Attribute None",
                    "The cookie is set with SameSite=None, so it is sent with every cross-site request.",
                ),
                Some(v) if v.eq_ignore_ascii_case("strict") || v.eq_ignore_ascii_case("lax") => {
                    continue;
                }
                Some(_) => (
                    3,
                    "Cookie with Invalid SameSite Attribute",
                    "The cookie's SameSite value is not Strict, Lax or None; browsers then treat it as if the \
                     attribute were absent.",
                ),
            };
            let mut a = variant(&INFO, msg, n, name, Risk::Low, Confidence::Medium);
            a.param = c.name.to_string();
            a.evidence = c.evidence();
            description.clone_into(&mut a.description);
            out.push(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{MsgExt, msg, run};

    fn with(cookie: &str) -> Vec<Alert> {
        run(
            &Rule,
            &msg("https://www.example.com/", 200).header("Set-Cookie", cookie),
        )
    }

    fn refs(a: &[Alert]) -> Vec<&str> {
        a.iter().map(|a| a.alert_ref.as_str()).collect()
    }

    // CookieSameSiteScanRuleUnitTest.shouldAlertWhenNoSameSiteAttribute
    #[test]
    fn missing_fires() {
        let a = with("test=123; Path=/; HttpOnly");
        assert_eq!(refs(&a), ["10054-1"]);
        assert_eq!(a[0].name, "Cookie without SameSite Attribute");
        assert_eq!(
            (a[0].param.as_str(), a[0].evidence.as_str()),
            ("test", "Set-Cookie: test")
        );
        assert_eq!(
            (a[0].risk, a[0].confidence),
            (Risk::Low, Confidence::Medium)
        );
    }

    // CookieSameSiteScanRuleUnitTest.shouldNotAlertOnLaxSameSiteAttribute, shouldNotAlertOnStrictSameSiteAttribute
    #[test]
    fn lax_or_strict_passes() {
        assert!(with("test=123; Path=/; HttpOnly; SameSite=Lax").is_empty());
        assert!(with("test=123; Path=/; samesite=STRICT").is_empty());
    }

    // CookieSameSiteScanRuleUnitTest.shouldAlertGivenNoneSameSiteAttribute, shouldAlertWhenBadValSameSiteAttribute,
    // shouldAlertWhenNoValSameSiteAttribute, shouldAlertWhenEmptyValSameSiteAttribute
    #[test]
    fn none_and_bad_values_fire() {
        assert_eq!(refs(&with("test=123; SameSite=None; Secure")), ["10054-2"]);
        assert_eq!(refs(&with("test=123; SameSite=badval")), ["10054-3"]);
        assert_eq!(refs(&with("test=123; SameSite")), ["10054-3"]);
        assert_eq!(refs(&with("test=123; SameSite=")), ["10054-3"]);
    }

    // CookieSameSiteScanRuleUnitTest.shouldAlertOnceWhenSecondCookieNoSameSiteAttributeFirstExpired, shouldNotAlertOnDelete
    #[test]
    fn deleted_cookies_are_skipped() {
        let m = msg("https://www.example.com/", 200)
            .header(
                "Set-Cookie",
                "test=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT",
            )
            .header("Set-Cookie", "test2=123; Path=/");
        let a = run(&Rule, &m);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].param, "test2");
    }
}
