//! 10039 X-Backend-Server Header Information Leak: an `X-Backend-Server` header, which names an internal host
//! behind a proxy or load balancer. One alert per header.

use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 10039,
    name: "X-Backend-Server Header Information Leak",
    status: RuleStatus::Release,
    cwe: 497,
    wasc: 13,
    description: "The X-Backend-Server header names the internal server that answered, which tells an attacker \
                  about the network behind the front end.",
    solution: "Remove X-Backend-Server at the proxy or load balancer.",
    references: &["https://owasp.org/www-project-web-security-testing-guide/"],
};

pub(super) struct Rule;

impl PassiveRule for Rule {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, _cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        for v in msg.headers("x-backend-server") {
            let mut a = Alert::new(&INFO, msg, Risk::Low, Confidence::Medium);
            a.evidence = v.to_string();
            out.push(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{MsgExt, msg, run};

    // XBackendServerInformationLeakScanRuleUnitTest.shouldRaiseAlertIfResponseHasRelevantContent
    #[test]
    fn header_fires() {
        let a = run(
            &Rule,
            &msg("https://example.com/", 200).header("X-Backend-Server", "developer.abcd.com"),
        );
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].evidence, "developer.abcd.com");
        assert_eq!(
            (a[0].risk, a[0].confidence),
            (Risk::Low, Confidence::Medium)
        );
    }

    // XBackendServerInformationLeakScanRuleUnitTest.shouldNotRaiseAlertIfResponseHasNoRelevantHeader
    #[test]
    fn absent_passes() {
        assert!(
            run(
                &Rule,
                &msg("https://example.com/", 200).header("Server", "x")
            )
            .is_empty()
        );
    }
}
