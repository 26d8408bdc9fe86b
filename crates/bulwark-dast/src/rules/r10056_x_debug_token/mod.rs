//! 10056 X-Debug-Token Information Leak: Symfony's profiler headers `X-Debug-Token-Link` (checked first) or
//! `X-Debug-Token`, which point at a page of the request's internals. One alert per response.

use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 10056,
    name: "X-Debug-Token Information Leak",
    status: RuleStatus::Release,
    cwe: 489,
    wasc: 13,
    description: "The response carries a Symfony profiler token; the profiler page it points to shows the request, \
                  its configuration, logs and database queries.",
    solution: "Disable the Symfony profiler (and debug mode) in production.",
    references: &["https://symfony.com/doc/current/profiler.html"],
};

pub(super) struct Rule;

impl PassiveRule for Rule {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, _cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        for name in ["x-debug-token-link", "x-debug-token"] {
            if let Some((k, v)) = msg
                .response_headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
            {
                let mut a = Alert::new(&INFO, msg, Risk::Low, Confidence::High);
                a.evidence = format!("{k}: {v}");
                out.push(a);
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{MsgExt, msg, run};

    // XDebugTokenScanRuleUnitTest.shouldRaiseAnAlertIfFindsXDebugToken, shouldRaiseAnAlertIfFindsXDebugTokenLink
    #[test]
    fn either_header_fires() {
        let a = run(
            &Rule,
            &msg("https://example.com/", 200).header("X-Debug-Token", "5b1e95"),
        );
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].evidence, "X-Debug-Token: 5b1e95");
        assert_eq!((a[0].risk, a[0].confidence), (Risk::Low, Confidence::High));
        let a = run(
            &Rule,
            &msg("https://example.com/", 200).header("X-Debug-Token-Link", "/_profiler/5b1e95"),
        );
        assert_eq!(a[0].evidence, "X-Debug-Token-Link: /_profiler/5b1e95");
    }

    // XDebugTokenScanRuleUnitTest.shouldRaiseOnlyOneAlertIfBothHeaderVariantsFound, shouldNotRaiseAlertIfThereIsNoRelevantHeader
    #[test]
    fn both_give_one_alert_and_none_gives_none() {
        let m = msg("https://example.com/", 200)
            .header("X-Debug-Token", "5b1e95")
            .header("X-Debug-Token-Link", "/_profiler/5b1e95");
        let a = run(&Rule, &m);
        assert_eq!(a.len(), 1);
        assert!(a[0].evidence.starts_with("X-Debug-Token-Link"));
        assert!(run(&Rule, &msg("https://example.com/", 200)).is_empty());
    }
}
