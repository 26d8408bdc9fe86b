//! 10029 Cookie Poisoning: a `Set-Cookie` one of whose `;`, `=` or `|` separated parts equals a request
//! parameter's value: the user (or an attacker's link) controls what the cookie holds.

use super::params;
use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 10029,
    name: "Cookie Poisoning",
    status: RuleStatus::Release,
    cwe: 565,
    wasc: 20,
    description: "A cookie's value is taken from a request parameter. If an attacker can choose it (through a link \
                  or a form), they may set cookies for the victim or inject attributes.",
    solution: "Do not copy request parameters into cookies; if you must, validate them against an allow list and \
               reject ';', ',' and control characters.",
    references: &["https://www.rfc-editor.org/rfc/rfc6265#section-4.1"],
};

pub(super) struct Rule;

/// Percent-decoding as a form decoder does (`+` is a space); invalid escapes are kept as written.
fn url_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

impl PassiveRule for Rule {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, _cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if msg.header("set-cookie").is_none() {
            return;
        }
        let params = params(msg);
        if params.is_empty() {
            return;
        }
        for raw in msg.headers("set-cookie") {
            let cookie = url_decode(raw);
            if cookie.is_empty() {
                continue;
            }
            for part in cookie.split([';', '=', '|']) {
                for (name, value) in &params {
                    if value.len() > 1 && value == part {
                        let mut a = Alert::new(&INFO, msg, Risk::Informational, Confidence::Low);
                        a.param.clone_from(name);
                        a.evidence.clone_from(&cookie);
                        a.other_info = format!("The parameter {name} sets the cookie: {cookie}");
                        out.push(a);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{MsgExt, msg, run};

    fn with(url: &str, cookie: Option<&str>) -> Vec<Alert> {
        let m = msg(url, 200).header("Content-Type", "text/html");
        run(
            &Rule,
            &cookie.map_or(m.clone(), |c| m.header("Set-Cookie", c)),
        )
    }

    // UserControlledCookieScanRuleUnitTest.shouldRaiseAlertIfRequestParamsAppearAsCookieValue,
    // shouldRaiseAlertIfCookieBasedOnGetParamDuringPost
    #[test]
    fn parameter_value_as_cookie_value_fires() {
        let a = with(
            "http://example.com/i.php?place=&name=fred",
            Some("aCookie=fred; Secure"),
        );
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].param, "name");
        assert_eq!(
            (a[0].risk, a[0].confidence),
            (Risk::Informational, Confidence::Low)
        );
        let mut m = msg("http://example.com/i.php?place=evil", 200)
            .header("Set-Cookie", "aCookie=evil; Secure");
        m.method = "POST".into();
        m.request_headers.push((
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into(),
        ));
        m.request_body = b"name=jane".to_vec();
        assert_eq!(run(&Rule, &m)[0].param, "place");
    }

    // …shouldNotRaiseAlertIfResponseDoesntSetCookie, …RequestHasNoGetParams, …RequestParamsHaveNoValues,
    // …CookieHasNoValue, …RequestParamsAppearWithinCookieValue
    #[test]
    fn other_cookies_pass() {
        assert!(with("http://example.com/i.php?name=fred", None).is_empty());
        assert!(with("http://example.com/i.php", Some("aCookie=aValue; Secure")).is_empty());
        assert!(
            with(
                "http://example.com/i.php?place=&name=",
                Some("aCookie=aValue; Secure")
            )
            .is_empty()
        );
        assert!(
            with(
                "http://example.com/i.php?place=&name=fred",
                Some("aCookie=\"\"; Secure")
            )
            .is_empty()
        );
        assert!(
            with(
                "http://example.com/i.php?place=&name=fred",
                Some("aCookie=freddy; Secure")
            )
            .is_empty()
        );
        // Malformed escapes are kept as written on both sides, and still compared.
        assert_eq!(
            with("http://example.com/i.php?name=%zz", Some("a=%zz")).len(),
            1
        );
    }
}
