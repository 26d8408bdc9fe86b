//! 10025 Information Disclosure - Sensitive Information in HTTP Referrer Header: a request to another host whose
//! `Referer` carries a credential word, a card number (Luhn-valid), an e-mail address or a US SSN: the page
//! leaks it to that host.

use super::{CREDIT_CARD, EMAIL, SENSITIVE_WORDS, US_SSN, host_of, luhn};
use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 10025,
    name: "Information Disclosure - Sensitive Information in HTTP Referrer Header",
    status: RuleStatus::Release,
    cwe: 598,
    wasc: 13,
    description: "The request's Referer header, sent to another host, carries what looks like sensitive data from \
                  the previous page's URL.",
    solution: "Keep sensitive data out of URLs, and send Referrer-Policy: strict-origin-when-cross-origin (or \
               no-referrer).",
    references: &["https://www.w3.org/TR/referrer-policy/"],
};

pub(super) struct Rule;

/// The Referer names the requested host (or is a path on it).
fn same_host(referer: &str, host: &str) -> bool {
    referer.starts_with('/')
        || url::Url::parse(referer)
            .ok()
            .and_then(|u| u.host_str().map(|h| h.eq_ignore_ascii_case(host)))
            .unwrap_or(false)
}

impl PassiveRule for Rule {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, _cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        let Some(first) = msg.request_header("referer") else {
            return;
        };
        let host = host_of(msg).unwrap_or_default();
        if same_host(first, &host) {
            return;
        }
        let push = |out: &mut Vec<Alert>, evidence: &str, other: &str, confidence| {
            let mut a = Alert::new(&INFO, msg, Risk::Informational, confidence);
            evidence.clone_into(&mut a.evidence);
            other.clone_into(&mut a.other_info);
            out.push(a);
        };
        for referer in msg
            .request_headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("referer"))
            .map(|(_, v)| v)
        {
            let lower = referer.to_ascii_lowercase();
            // The longest word found ("password" rather than "pass").
            let word = SENSITIVE_WORDS
                .iter()
                .filter_map(|w| lower.find(w).map(|s| (s, w.len())))
                .max_by_key(|&(_, len)| len);
            if let Some(start) = word {
                let ev = referer.get(start.0..start.0 + start.1).unwrap_or_default();
                push(
                    out,
                    ev,
                    "The Referer contains a word that suggests credentials or a session.",
                    Confidence::Medium,
                );
            }
            if let Some(m) = CREDIT_CARD.find(referer).filter(|m| luhn(m.as_str())) {
                push(
                    out,
                    m.as_str(),
                    "The Referer contains what looks like a credit card number.",
                    Confidence::Medium,
                );
            }
            if let Some(m) = EMAIL.find(referer) {
                push(
                    out,
                    m.as_str(),
                    "The Referer contains what looks like an e-mail address.",
                    Confidence::Medium,
                );
            }
            if let Some(m) = US_SSN.find(referer) {
                push(
                    out,
                    m.as_str(),
                    "The Referer contains what looks like a US Social Security Number.",
                    Confidence::Medium,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{MsgExt, msg, run};

    fn from(referer: &str) -> Vec<Alert> {
        run(
            &Rule,
            &msg("https://www.example.com/", 200).req_header("Referer", referer),
        )
    }

    // InformationDisclosureReferrerScanRuleUnitTest.shouldRaiseAlertWhenSensitiveInfoInReferer, …CreditCardInReferer,
    // …EmailAddressInReferer, …SsnInReferer, alertWhenNoHostInRefererContainsSensitiveInfo
    #[test]
    fn sensitive_referer_to_another_host_fires() {
        let a = from("https://www.other.com/?passWord=foo");
        assert_eq!(a[0].evidence, "passWord");
        assert_eq!(
            (a[0].risk, a[0].confidence),
            (Risk::Informational, Confidence::Medium)
        );
        assert_eq!(
            from("https://www.other.com/?card=4111111111111111")[0].evidence,
            "4111111111111111"
        );
        assert_eq!(
            from("https://www.other.com/?to=example@example.com")[0].evidence,
            "example@example.com"
        );
        assert_eq!(
            from("https://www.other.com/?s=000-00-0000")[0].evidence,
            "000-00-0000"
        );
        assert_eq!(from("?password=x").len(), 1);
    }

    // …noAlertOnRefererSelfReferenceWithSensitiveInfo, noAlertWithUrlAbsolutePathInRefererWithSensitiveInfo,
    // noAlertOnNoRefererHeaderWithSensitiveInfoInUrl, shouldNotAlertWithNoSensitiveInfoInReferer, …NoCreditCard…
    #[test]
    fn same_host_absent_or_plain_passes() {
        assert!(from("https://www.example.com/?password=foo").is_empty());
        assert!(from("/login?password=foo").is_empty());
        assert!(run(&Rule, &msg("https://www.example.com/?password=foo", 200)).is_empty());
        assert!(from("https://www.other.com/?q=shoes").is_empty());
        // Fails the Luhn check.
        assert!(from("https://www.other.com/?n=4111111111111112").is_empty());
    }
}
