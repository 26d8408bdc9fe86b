//! 90033 Loosely Scoped Cookie: a cookie whose `Domain` is a parent of the host that set it
//! (`test.example.com` setting `Domain=example.com`), so every sibling subdomain receives it (RFC 6265 §4.1.2.3).
//! One alert per response, naming every such cookie.

use super::{host_of, set_cookies};
use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 90033,
    name: "Loosely Scoped Cookie",
    status: RuleStatus::Release,
    cwe: 565,
    wasc: 15,
    description: "A cookie is scoped to a parent domain of the host that set it, so every other subdomain of that \
                  parent receives it and can overwrite it; one weak subdomain exposes them all.",
    solution: "Leave Domain out (host-only cookie) or set it to the full host name.",
    references: &["https://www.rfc-editor.org/rfc/rfc6265#section-4.1.2.3"],
};

pub(super) struct Rule;

/// Whether a cookie for `domain` set by `host` reaches more hosts than `host`: the domain (without a leading
/// dot) is a proper suffix of the host at a label boundary.
fn loosely_scoped(domain: &str, host: &str) -> bool {
    let d = domain
        .strip_prefix('.')
        .unwrap_or(domain)
        .to_ascii_lowercase();
    if d.is_empty() || d.len() >= host.len() {
        return false;
    }
    host.strip_suffix(d.as_str())
        .is_some_and(|rest| rest.ends_with('.'))
}

impl PassiveRule for Rule {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, _cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if msg.header("set-cookie").is_none() && msg.header("set-cookie2").is_none() {
            return;
        }
        let Some(host) = host_of(msg) else { return };
        let mut names = String::new();
        let mut evidence = None;
        for c in set_cookies(msg) {
            let Some(domain) = c.attr("domain") else {
                continue;
            };
            if loosely_scoped(domain, &host) {
                names.push_str("Cookie name: ");
                names.push_str(c.name);
                names.push('\n');
                evidence
                    .get_or_insert_with(|| c.attr_raw("domain").unwrap_or_default().to_string());
            }
        }
        if let Some(evidence) = evidence {
            let mut a = Alert::new(&INFO, msg, Risk::Informational, Confidence::Low);
            a.evidence = evidence;
            a.other_info = format!("The origin domain used for comparison was:\n{host}\n{names}");
            out.push(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{MsgExt, msg, run};

    fn with(url: &str, cookies: &[&str]) -> Vec<Alert> {
        let mut m = msg(url, 200);
        for c in cookies {
            m = m.header("Set-Cookie", c);
        }
        run(&Rule, &m)
    }

    // CookieLooselyScopedScanRuleUnitTest.shouldRaiseAlertIfHostDomainHasMoreSubDomainsThanCookieDomain
    #[test]
    fn parent_domain_fires() {
        let a = with("http://test.example.com", &["a=b;domain=example.com;"]);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].evidence, "domain=example.com");
        assert_eq!(
            a[0].other_info,
            "The origin domain used for comparison was:\ntest.example.com\nCookie name: a\n"
        );
        assert_eq!(
            (a[0].risk, a[0].confidence),
            (Risk::Informational, Confidence::Low)
        );
    }

    // …shouldRaiseAlertIfRightMostDomainsMatch, shouldRaiseAlertForNestedSubdomainIfCookieDomainIsHigherOrder
    #[test]
    fn leading_dot_and_case_do_not_matter() {
        let a = with(
            "http://test.example.com/admin/roles",
            &["a=b;Domain = .example.com"],
        );
        assert_eq!(a[0].evidence, "Domain = .example.com");
        let a = with("http://deep.sub.example.com", &["a=b;domain=Example.com;"]);
        assert_eq!(a[0].evidence, "domain=Example.com");
    }

    // …shouldNotRaiseAlertIfCookieDomainIsNotSet, …HostDomainIsDifferentFromCookieDomain,
    // …HostDomainHasLessSubDomainsThanCookieDomain, shouldNotRaiseAlertForExactMatchIgnoringLeadingDot
    #[test]
    fn host_only_same_or_unrelated_domains_pass() {
        assert!(with("http://example.com", &["a=b"]).is_empty());
        assert!(with("http://example.com", &["a=b;domain=example.org;"]).is_empty());
        assert!(with("http://example.com", &["a=b;domain=stage.example.com;"]).is_empty());
        assert!(with("http://test.com", &["a=b;domain=.test.com;"]).is_empty());
        // "ample.com" is a string suffix of "example.com" but not a parent domain.
        assert!(with("http://example.com", &["a=b;domain=ample.com"]).is_empty());
    }

    // …shouldAlertWithMultipleCookieNames, shouldAlertWithRightEvidenceWhenMultipleCookies,
    // shouldScanCookieDomainWithJustTld, shouldScanHostWithoutTld
    #[test]
    fn one_alert_names_every_cookie() {
        let a = with(
            "http://test.example.com/admin/roles",
            &["a=b;domain=.example.com", "c=d;domain=.example.com"],
        );
        assert_eq!(a.len(), 1);
        assert!(
            a[0].other_info
                .ends_with("Cookie name: a\nCookie name: c\n")
        );
        let a = with(
            "http://test.example.com/admin/roles",
            &["a=b;domain=.example.com", "c=d;domain=test.example.com"],
        );
        assert!(a[0].other_info.ends_with("\nCookie name: a\n"));
        let _ = with("http://example.com/", &["a=b;domain=com"]);
        assert!(with("http://intranet/", &["a=b;domain=subdomain.intranet"]).is_empty());
    }
}
