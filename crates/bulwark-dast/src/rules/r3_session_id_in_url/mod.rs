//! 3 Session ID in URL Rewrite: a session token in the URL, as a parameter named like one of the common session
//! cookies (longer than 8 characters, 3-1) or as `;jsessionid=` in the path (3-2); and then, if the page links
//! to another host, "Referer Exposes Session ID" (3-3): the token will leak in the Referer header.

use std::sync::LazyLock;

use regex::Regex;

use super::{host_of, variant};
use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 3,
    name: "Session ID in URL Rewrite",
    status: RuleStatus::Release,
    cwe: 598,
    wasc: 13,
    description: "The session id is in the URL. URLs are logged, bookmarked, shared and sent to other sites in the \
                  Referer header, so the session can be hijacked.",
    solution: "Keep session ids in cookies (HttpOnly, Secure, SameSite); turn off URL rewriting \
               (Servlet: <tracking-mode>COOKIE</tracking-mode>; PHP: session.use_only_cookies=1).",
    references: &[
        "https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/06-Session_Management_Testing/04-Testing_for_Exposed_Session_Variables",
    ],
};

/// ZAP's default session token names (its HTTP Sessions options).
const TOKENS: &[&str] = &[
    "asp.net_sessionid",
    "aspsessionid",
    "siteserver",
    "cfid",
    "cftoken",
    "jsessionid",
    "phpsessid",
    "sessid",
    "sid",
    "viewstate",
    "zenid",
];

static PATH_JSESSIONID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)jsessionid=[0-9A-Z]{8,}").expect("static regex"));
/// Links to absolute http(s) URLs: `src=`, `href=` (quoted or not), and script `= '…'` / `( "…"`.
static EXT_LINKS: LazyLock<[Regex; 3]> = LazyLock::new(|| {
    let host = r"https?://([\w.\-]+)";
    [
        Regex::new(&format!(r#"(?i)src\s*=\s*["']?{host}"#)).expect("static regex"),
        Regex::new(&format!(r#"(?i)href\s*=\s*["']?{host}"#)).expect("static regex"),
        Regex::new(&format!(r#"(?i)[=(]\s*["']{host}"#)).expect("static regex"),
    ]
});

pub(super) struct Rule;

impl PassiveRule for Rule {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        let Ok(u) = url::Url::parse(&msg.url) else {
            return;
        };
        let mut found = false;
        for (name, value) in u.query_pairs() {
            if TOKENS.contains(&name.to_ascii_lowercase().as_str()) && value.len() > 8 {
                let mut a = variant(&INFO, msg, 1, INFO.name, Risk::Medium, Confidence::High);
                a.param = name.into_owned();
                a.evidence = value.into_owned();
                out.push(a);
                found = true;
            }
        }
        if !found && let Some(m) = PATH_JSESSIONID.find(u.path()) {
            let mut a = variant(&INFO, msg, 2, INFO.name, Risk::Medium, Confidence::High);
            a.evidence = m.as_str().to_string();
            out.push(a);
            found = true;
        }
        if !found {
            return;
        }
        let host = host_of(msg).unwrap_or_default();
        let body = cx.text;
        for re in EXT_LINKS.iter() {
            if let Some(link) = re.captures(body).and_then(|c| c.get(1))
                && !link.as_str().eq_ignore_ascii_case(&host)
            {
                let risk = if msg.is_https() {
                    Risk::Medium
                } else {
                    Risk::Low
                };
                let mut a = variant(
                    &INFO,
                    msg,
                    3,
                    "Referer Exposes Session ID",
                    risk,
                    Confidence::Medium,
                );
                a.evidence = link.as_str().to_string();
                a.description =
                    "The page, whose URL holds a session id, links to another host; following the \
                                 link sends the URL, session id included, in the Referer header."
                        .into();
                out.push(a);
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{MsgExt, msg, run};

    const SID: &str = "1A530637289A03B07199A44E8D531427";

    fn refs(a: &[Alert]) -> Vec<&str> {
        a.iter().map(|a| a.alert_ref.as_str()).collect()
    }

    // InfoSessionIdUrlScanRuleUnitTest.containsSessionIdAsUrlParameter, containsCFIDAsUrlParameter
    #[test]
    fn session_parameter_fires() {
        let a = run(
            &Rule,
            &msg(&format!("http://example.com/foo?jsessionid={SID}"), 200),
        );
        assert_eq!(refs(&a), ["3-1"]);
        assert_eq!(
            (a[0].param.as_str(), a[0].evidence.as_str()),
            ("jsessionid", SID)
        );
        assert_eq!(
            (a[0].risk, a[0].confidence),
            (Risk::Medium, Confidence::High)
        );
        assert_eq!(
            refs(&run(
                &Rule,
                &msg(&format!("http://example.com/foo?CFiD={SID}"), 200)
            )),
            ["3-1"]
        );
    }

    // InfoSessionIdUrlScanRuleUnitTest.containsJsessionIdInUrlPathBeforeParams
    #[test]
    fn path_jsessionid_fires() {
        let a = run(
            &Rule,
            &msg(
                "http://tld.gtld/fred;JSESSIONID=asdfasdfasdf1234?foo=bar",
                200,
            ),
        );
        assert_eq!(refs(&a), ["3-2"]);
        assert_eq!(a[0].evidence, "JSESSIONID=asdfasdfasdf1234");
    }

    // …noAlertOnIDSmallerThanMinimum, noSessionIdInURL, noSessionIDAsUrlParameter
    #[test]
    fn short_or_absent_ids_pass() {
        assert!(
            run(
                &Rule,
                &msg("http://example.com/foo?jsessionid=1A53063", 200)
            )
            .is_empty()
        );
        assert!(run(&Rule, &msg("https://example.com/", 200)).is_empty());
        assert!(
            run(
                &Rule,
                &msg("https://example.com/session/foo?session=false", 200)
            )
            .is_empty()
        );
    }

    // …detectExposureTo3rdPartyInHREF, …UnquotedHREF, …InSRC, ignoreExposureToSelf, ignoreExposureToSelfRelativeLink
    #[test]
    fn third_party_links_expose_the_id() {
        let url = format!("https://example.com/foo?jsessionid={SID}");
        let page = |body: &str| {
            run(
                &Rule,
                &msg(&url, 200)
                    .header("Content-Type", "text/html")
                    .body(body),
            )
        };
        let a = page(r#"<a href="https://www.example.org/html/">x</a>"#);
        assert_eq!(refs(&a), ["3-1", "3-3"]);
        assert_eq!(
            (a[1].evidence.as_str(), a[1].risk),
            ("www.example.org", Risk::Medium)
        );
        assert_eq!(
            refs(&page("<a href=https://www.example.org/html/>x</a>")),
            ["3-1", "3-3"]
        );
        assert_eq!(
            refs(&page(r#"<img src="http://www.example.org/a.png">"#)),
            ["3-1", "3-3"]
        );
        assert_eq!(
            refs(&page(r#"<a href="https://example.com/html/">x</a>"#)),
            ["3-1"]
        );
        assert_eq!(refs(&page(r#"<a href="/html/">x</a>"#)), ["3-1"]);
        let a = run(
            &Rule,
            &msg(&format!("http://example.com/?sid={SID}"), 200)
                .body(r#"<a href="http://b.test/">"#),
        );
        assert_eq!(a[1].risk, Risk::Low);
    }
}
