//! 10037 Server Leaks Information via "X-Powered-By" HTTP Response Header Field(s): any `X-Powered-By` header.
//! One alert per response; the first header line is the evidence, the others go to other-info.

use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 10037,
    name: "Server Leaks Information via \"X-Powered-By\" HTTP Response Header Field(s)",
    status: RuleStatus::Release,
    cwe: 497,
    wasc: 13,
    description: "The X-Powered-By header names the framework or language behind the site (and often its \
                  version), which helps an attacker pick known vulnerabilities.",
    solution: "Stop sending X-Powered-By (PHP: expose_php = Off; Express: app.disable('x-powered-by')).",
    references: &[
        "https://owasp.org/www-project-web-security-testing-guide/v42/4-Web_Application_Security_Testing/01-Information_Gathering/08-Fingerprint_Web_Application_Framework",
    ],
};

pub(super) struct Rule;

impl PassiveRule for Rule {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, _cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        let mut lines = msg
            .response_headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("x-powered-by"))
            .map(|(k, v)| format!("{k}: {v}"));
        let Some(first) = lines.next() else { return };
        let mut a = Alert::new(&INFO, msg, Risk::Low, Confidence::Medium);
        a.evidence = first;
        let rest: Vec<String> = lines.collect();
        if !rest.is_empty() {
            a.other_info = format!(
                "Other X-Powered-By headers were also found:\n{}",
                rest.join("\n")
            );
        }
        out.push(a);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{MsgExt, msg, run};

    // XPoweredByHeaderInfoLeakScanRuleUnitTest.shouldRaiseAnAlertIfFindsXPoweredBy
    #[test]
    fn header_fires() {
        let a = run(
            &Rule,
            &msg("https://example.com/", 200).header("X-Powered-By", "PHP/5.4"),
        );
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].evidence, "X-Powered-By: PHP/5.4");
        assert_eq!(
            (a[0].risk, a[0].confidence),
            (Risk::Low, Confidence::Medium)
        );
    }

    // …shouldRaiseOnlyOneAlertWithOneEvidenceAndOtherInfoIfFindsMultipleXPoweredBy,
    // shouldBeCaseSensitiveWhenShowingHeadersInEvidenceAndOtherInfo
    #[test]
    fn several_headers_raise_one_alert_as_written() {
        let m = msg("https://example.com/", 200)
            .header("X-Powered-By", "PHP/5.4")
            .header("x-powered-by", "ASP.NET");
        let a = run(&Rule, &m);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].evidence, "X-Powered-By: PHP/5.4");
        assert!(a[0].other_info.contains("x-powered-by: ASP.NET"));
    }

    // XPoweredByHeaderInfoLeakScanRuleUnitTest.shouldNotRaiseAlertIfThereIsNoXPoweredBy
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
