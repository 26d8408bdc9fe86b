//! 10024 Information Disclosure - Sensitive Information in URL: a query or form parameter whose name says it
//! holds a credential or session (`password`, `token`, `session`, …), or whose value looks like a card number,
//! an e-mail address or a US SSN. URLs end up in logs, history and Referer headers.

use super::{CREDIT_CARD, EMAIL, SENSITIVE_WORDS, US_SSN, params};
use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 10024,
    name: "Information Disclosure - Sensitive Information in URL",
    status: RuleStatus::Release,
    cwe: 598,
    wasc: 13,
    description: "The URL carries what looks like sensitive data (credentials, session ids, card numbers, e-mail \
                  addresses, SSNs). URLs are logged by servers and proxies, kept in history and sent in Referer \
                  headers.",
    solution: "Send sensitive data in the body of a POST request, or in headers, never in the URL.",
    references: &[
        "https://owasp.org/www-community/vulnerabilities/Information_exposure_through_query_strings_in_url",
    ],
};

pub(super) struct Rule;

fn alert(msg: &HttpMessage, param: &str, evidence: &str, other: String) -> Alert {
    let mut a = Alert::new(&INFO, msg, Risk::Informational, Confidence::Medium);
    param.clone_into(&mut a.param);
    evidence.clone_into(&mut a.evidence);
    a.other_info = other;
    a
}

impl PassiveRule for Rule {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, _cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if !msg.url.contains('?') && msg.request_body.is_empty() {
            return;
        }
        for (name, value) in params(msg) {
            let lname = name.to_ascii_lowercase();
            if let Some(w) = SENSITIVE_WORDS
                .iter()
                .filter(|w| lname.contains(*w))
                .max_by_key(|w| w.len())
            {
                out.push(alert(
                    msg,
                    &name,
                    &name,
                    format!("The parameter name contains \"{w}\"."),
                ));
            }
            if CREDIT_CARD.is_match(&value) {
                out.push(alert(
                    msg,
                    &name,
                    &value,
                    "The value looks like a credit card number.".into(),
                ));
            }
            if EMAIL.is_match(&value) {
                out.push(alert(
                    msg,
                    &name,
                    &value,
                    "The value looks like an e-mail address.".into(),
                ));
            }
            if US_SSN.is_match(&value) {
                out.push(alert(
                    msg,
                    &name,
                    &value,
                    "The value looks like a US Social Security Number.".into(),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{msg, run};

    fn with(query: &str) -> Vec<Alert> {
        run(
            &Rule,
            &msg(&format!("https://www.example.com/?{query}"), 200),
        )
    }

    // InformationDisclosureInUrlScanRuleUnitTest.sensitiveInfoInURLParamName, creditCardNoDashesInURLParamValue,
    // emailAddressInURLParamValue, SsnDashesInURLParamValue
    #[test]
    fn sensitive_names_and_values_fire() {
        let a = with("passWord=foo");
        assert_eq!(
            (a[0].param.as_str(), a[0].evidence.as_str()),
            ("passWord", "passWord")
        );
        assert_eq!(
            (a[0].risk, a[0].confidence),
            (Risk::Informational, Confidence::Medium)
        );
        assert_eq!(
            with("card=4111111111111111")[0].evidence,
            "4111111111111111"
        );
        assert_eq!(
            with("to=example%40example.com")[0].evidence,
            "example@example.com"
        );
        assert_eq!(with("num=000-00-0000").len(), 1);
    }

    // InformationDisclosureInUrlScanRuleUnitTest.noSensitiveInfoInURLParamName, noCreditCardInURLParamValue,
    // noEmailAddressInURLParamValue, noSsnInURLParamValue, noQueryParams
    #[test]
    fn plain_parameters_pass() {
        assert!(with("q=shoes&page=2").is_empty());
        assert!(with("n=411111111111").is_empty());
        assert!(with("e=example.com").is_empty());
        assert!(with("s=000000000").is_empty());
        assert!(run(&Rule, &msg("https://www.example.com/", 200)).is_empty());
    }
}
