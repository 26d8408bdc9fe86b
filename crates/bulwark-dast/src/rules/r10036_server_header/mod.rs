//! 10036 HTTP Server Response Header: a `Server` header that carries a version ("Apache/2.4.1 (Unix)"), telling
//! an attacker which known flaws to try. At ZAP's default threshold a product name without digits is not reported.

use super::variant;
use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 10036,
    name: "HTTP Server Response Header",
    status: RuleStatus::Release,
    cwe: 497,
    wasc: 13,
    description: "The Server header names the web server software and its version, which helps an attacker pick \
                  known vulnerabilities of that version.",
    solution: "Configure the server to send a generic Server header or none (nginx: server_tokens off; Apache: \
               ServerTokens Prod).",
    references: &["https://www.rfc-editor.org/rfc/rfc9110#section-10.2.4"],
};

pub(super) struct Rule;

impl PassiveRule for Rule {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, _cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        for v in msg.headers("server") {
            // A digit anywhere counts as version information.
            if v.bytes().any(|b| b.is_ascii_digit()) {
                let mut a = variant(
                    &INFO,
                    msg,
                    2,
                    "Server Leaks Version Information via \"Server\" HTTP Response Header Field",
                    Risk::Low,
                    Confidence::High,
                );
                a.evidence = v.to_string();
                out.push(a);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{MsgExt, msg, run};

    // ServerHeaderInfoLeakScanRuleUnitTest.shouldRaiseAlertIfResponseHasRelevantHeader
    #[test]
    fn version_fires() {
        let a = run(
            &Rule,
            &msg("https://example.com/", 200).header("Server", "Apache/2.4.1 (Unix)"),
        );
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].alert_ref, "10036-2");
        assert_eq!(a[0].evidence, "Apache/2.4.1 (Unix)");
        assert_eq!((a[0].risk, a[0].confidence), (Risk::Low, Confidence::High));
        let a = run(
            &Rule,
            &msg("https://example.com/", 200).header("server", "nginx/1.22.1"),
        );
        assert_eq!(
            a[0].name,
            "Server Leaks Version Information via \"Server\" HTTP Response Header Field"
        );
    }

    // ServerHeaderInfoLeakScanRuleUnitTest.shouldNotRaiseAlertIfResponseHasNoRelevantHeader,
    // shouldNotRaiseAlertIfResponseHasRelevantContentButNoVersion (MEDIUM threshold)
    #[test]
    fn no_header_or_no_version_passes() {
        assert!(run(&Rule, &msg("https://example.com/", 200)).is_empty());
        assert!(
            run(
                &Rule,
                &msg("https://example.com/", 200).header("Server", "Apache")
            )
            .is_empty()
        );
    }
}
