//! 10061 X-AspNet-Version Response Header: `X-AspNet-Version` or `X-AspNetMvc-Version`, which give the exact
//! .NET framework version. One alert per header name.

use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 10061,
    name: "X-AspNet-Version Response Header",
    status: RuleStatus::Release,
    cwe: 933,
    wasc: 14,
    description: "The server names its ASP.NET version, which helps an attacker pick known vulnerabilities.",
    solution: "Set <httpRuntime enableVersionHeader=\"false\" /> in web.config, and MvcHandler.DisableMvcResponseHeader = true.",
    references: &[
        "https://learn.microsoft.com/en-us/dotnet/api/system.web.configuration.httpruntimesection.enableversionheader",
    ],
};

pub(super) struct Rule;

impl PassiveRule for Rule {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, _cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        for name in ["x-aspnet-version", "x-aspnetmvc-version"] {
            if let Some(v) = msg.header(name) {
                let mut a = Alert::new(&INFO, msg, Risk::Low, Confidence::High);
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

    // XAspNetVersionScanRuleUnitTest.shouldRaiseAlertWhenResponseContainsXAspNetVersionHeader, …XAspNetMvcVersionHeader
    #[test]
    fn either_header_fires() {
        let a = run(
            &Rule,
            &msg("https://example.com/", 200).header("X-AspNet-Version", "4.0.30319"),
        );
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].evidence, "4.0.30319");
        assert_eq!((a[0].risk, a[0].confidence), (Risk::Low, Confidence::High));
        assert_eq!(
            run(
                &Rule,
                &msg("https://example.com/", 200).header("X-AspNetMvc-Version", "5.2")
            )
            .len(),
            1
        );
    }

    // XAspNetVersionScanRuleUnitTest.shouldNotRaiseAlertWhenResponseDoesNotContainsXAspNetVersionHeader
    #[test]
    fn absent_passes() {
        assert!(
            run(
                &Rule,
                &msg("https://example.com/", 200).header("Server", "IIS")
            )
            .is_empty()
        );
    }
}
