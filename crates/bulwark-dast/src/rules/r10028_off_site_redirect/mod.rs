//! 10028 Off-site Redirect: a 301 or 302 to another host whose target comes from a request parameter (the
//! parameter's value is the target host, or contains the whole target URL): an open redirect candidate.

use super::{authority, params};
use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 10028,
    name: "Off-site Redirect",
    status: RuleStatus::Release,
    cwe: 601,
    wasc: 38,
    description: "The response redirects to another site, and the target comes from a request parameter. An \
                  attacker can craft a link on this trusted site that sends users to a site of their choosing \
                  (phishing).",
    solution: "Redirect only to targets from a server-side allow list, or to relative paths; never take a full \
               URL or host from the request.",
    references: &[
        "https://cheatsheetseries.owasp.org/cheatsheets/Unvalidated_Redirects_and_Forwards_Cheat_Sheet.html",
    ],
};

pub(super) struct Rule;

impl PassiveRule for Rule {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, _cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if !matches!(msg.status, 301 | 302) {
            return;
        }
        let Some(location) = msg.header("location").filter(|l| !l.is_empty()) else {
            return;
        };
        let absolute = location.find("://").is_some_and(|i| i > 0);
        let target = if absolute {
            match url::Url::parse(location) {
                Ok(u) => Some(authority(&u)),
                Err(_) => return,
            }
        } else {
            None
        };
        let origin = url::Url::parse(&msg.url).ok().map(|u| authority(&u));
        if origin.is_some()
            && target
                .as_deref()
                .zip(origin.as_deref())
                .is_some_and(|(t, o)| t.eq_ignore_ascii_case(o))
        {
            return;
        }
        for (name, value) in params(msg) {
            if value.is_empty() {
                continue;
            }
            let names_host = target
                .as_deref()
                .is_some_and(|t| value.eq_ignore_ascii_case(t));
            if names_host || (absolute && value.contains(location)) {
                let mut a = Alert::new(&INFO, msg, Risk::High, Confidence::Medium);
                a.param.clone_from(&name);
                a.evidence = location.to_string();
                a.other_info = format!(
                    "The Location header {location} comes from the parameter {name}={value}."
                );
                out.push(a);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{MsgExt, msg, run};

    fn redirect(url: &str, status: u16, location: &str) -> Vec<Alert> {
        run(&Rule, &msg(url, status).header("Location", location))
    }

    // UserControlledOpenRedirectScanRuleUnitTest.shouldRaiseAlertIfResponseIsRedirectHasLocationHeaderBasedOnParam,
    // …TempRedirect…, …BasedOnGetParamDuringPost
    #[test]
    fn parameter_chosen_off_site_target_fires() {
        for status in [301, 302] {
            let a = redirect(
                "http://example.com/i.php?place=http://evil.com",
                status,
                "http://evil.com",
            );
            assert_eq!(a.len(), 1);
            assert_eq!(a[0].param, "place");
            assert_eq!(
                (a[0].risk, a[0].confidence),
                (Risk::High, Confidence::Medium)
            );
        }
        let a = redirect(
            "http://example.com/i.php?place=evil.com",
            302,
            "http://evil.com",
        );
        assert_eq!(a[0].param, "place");
    }

    // …shouldNotRaiseAlertIfResponseIsNotRedirect, …HasEmptyLocationHeader, …NoParam, …EmptyParam, …IrrelevantParam,
    // …BasedOnParamButSameAsOrigin, …ParamIsOnlyMatchingProtocolOfLocationHeader, …HasRelativeLocationHeader,
    // shouldNotRaiseAlertIfLocationHeaderIsBasedOnGetParamButValueIsSameAsOriginDuringPost
    #[test]
    fn other_redirects_pass() {
        assert!(
            redirect(
                "http://example.com/i.php?place=http://evil.com",
                200,
                "http://evil.com"
            )
            .is_empty()
        );
        assert!(redirect("http://example.com/i.php?place=http://evil.com", 301, "").is_empty());
        assert!(redirect("http://example.com/i.php", 301, "http://evil.com").is_empty());
        assert!(redirect("http://example.com/i.php?place=", 301, "http://evil.com").is_empty());
        assert!(
            redirect(
                "http://example.com/i.php?place=fred",
                301,
                "http://evil.com"
            )
            .is_empty()
        );
        assert!(
            redirect(
                "http://example.com/i.php?place=http://example.com",
                301,
                "http://example.com"
            )
            .is_empty()
        );
        assert!(
            redirect(
                "http://example.com/i.php?place=http",
                301,
                "http://evil.com/xyz"
            )
            .is_empty()
        );
        assert!(redirect("http://example.com/i.php?place=/images", 301, "/images").is_empty());
        assert!(
            redirect(
                "http://evil.com/i.php?place=evil.com",
                302,
                "http://evil.com"
            )
            .is_empty()
        );
    }
}
