//! 10098 Cross-Domain Misconfiguration: `Access-Control-Allow-Origin: *`, which lets any site read the
//! response with a script (Fetch §3.2.3, CORS protocol), so data meant for one origin leaks to all.

use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 10098,
    name: "Cross-Domain Misconfiguration",
    status: RuleStatus::Release,
    cwe: 264,
    wasc: 14,
    description: "The response allows any origin to read it (Access-Control-Allow-Origin: *). Data that is not \
                  public, for example from an intranet or behind IP-based access control, can then be read by \
                  script on any site a user visits.",
    solution: "Send Access-Control-Allow-Origin only for origins that should read the data, or drop it for \
               content that is not public.",
    references: &[
        "https://fetch.spec.whatwg.org/#http-access-control-allow-origin",
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/CORS",
    ],
};

pub(super) struct Rule;

impl PassiveRule for Rule {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, _cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        let Some((name, value)) = msg
            .response_headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("access-control-allow-origin"))
        else {
            return;
        };
        if value.trim() == "*" {
            let mut a = Alert::new(&INFO, msg, Risk::Medium, Confidence::Medium);
            a.evidence = format!("{name}: {}", value.trim());
            a.other_info =
                "A wildcard origin does not send credentials (cookies), so the risk is to data \
                            protected otherwise, such as by network location."
                    .into();
            out.push(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{MsgExt, msg, run};

    // CrossDomainMisconfigurationScanRuleUnitTest.shouldRaiseAlertIfCorsAllowOriginHeaderIsTooPermissive,
    // …WithDifferentCaseIsTooPermissive
    #[test]
    fn wildcard_fires() {
        for name in ["Access-Control-Allow-Origin", "access-control-allow-origin"] {
            let a = run(
                &Rule,
                &msg("https://api.example.com/", 200).header(name, "*"),
            );
            assert_eq!(a.len(), 1);
            assert_eq!(
                (a[0].risk, a[0].confidence),
                (Risk::Medium, Confidence::Medium)
            );
            assert_eq!(a[0].evidence, format!("{name}: *"));
        }
    }

    // …shouldNotRaiseAlertIfCorsAllowOriginHeaderIsMissing, …IsEmpty, …ContainsUnrecognisedValue
    #[test]
    fn missing_empty_or_one_origin_passes() {
        assert!(run(&Rule, &msg("https://api.example.com/", 200)).is_empty());
        assert!(
            run(
                &Rule,
                &msg("https://api.example.com/", 200).header("Access-Control-Allow-Origin", "")
            )
            .is_empty()
        );
        let m = msg("https://api.example.com/", 200)
            .header("Access-Control-Allow-Origin", "https://www.example.com");
        assert!(run(&Rule, &m).is_empty());
    }
}
