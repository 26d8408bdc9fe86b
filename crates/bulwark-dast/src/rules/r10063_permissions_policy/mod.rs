//! 10063 Permissions Policy Header Not Set (beta): an HTML page or a script without `Permissions-Policy`
//! (10063-1), or with the deprecated `Feature-Policy` (10063-2). Redirects are not judged at the default threshold.

use super::{is_html, is_javascript, is_redirection, variant};
use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 10063,
    name: "Permissions Policy Header Not Set",
    status: RuleStatus::Beta,
    cwe: 693,
    wasc: 15,
    description: "The response sets no Permissions-Policy, so the page and every frame it embeds may use powerful \
                  browser features (camera, microphone, geolocation, payment) without the site restricting them.",
    solution: "Send a Permissions-Policy header that disables the features the site does not use, e.g. \
               camera=(), microphone=(), geolocation=().",
    references: &[
        "https://www.w3.org/TR/permissions-policy-1/",
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Permissions-Policy",
    ],
};

pub(super) struct Rule;

impl PassiveRule for Rule {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, _cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if !(is_html(msg) || is_javascript(msg)) || is_redirection(msg) {
            return;
        }
        if msg.header("feature-policy").is_some() {
            let mut a = variant(
                &INFO,
                msg,
                2,
                "Deprecated Feature Policy Header Set",
                Risk::Low,
                Confidence::Medium,
            );
            a.evidence = "Feature-Policy".into();
            a.cwe = 16;
            a.description =
                "Feature-Policy was renamed Permissions-Policy, with a different syntax; browsers \
                             are dropping the old header."
                    .into();
            out.push(a);
        } else if msg.header("permissions-policy").is_none() {
            out.push(variant(
                &INFO,
                msg,
                1,
                INFO.name,
                Risk::Low,
                Confidence::Medium,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{MsgExt, msg, run};

    fn refs(a: &[Alert]) -> Vec<&str> {
        a.iter().map(|a| a.alert_ref.as_str()).collect()
    }

    // PermissionsPolicyScanRuleUnitTest.shouldRaiseAlertOnMissingHeaderHTML, shouldRaiseAlertOnMissingHeaderJavaScript
    #[test]
    fn html_or_script_without_header_fires() {
        let a = run(
            &Rule,
            &msg("https://www.example.com/", 200).header("Content-Type", "text/html"),
        );
        assert_eq!(refs(&a), ["10063-1"]);
        assert_eq!(
            (a[0].risk, a[0].confidence),
            (Risk::Low, Confidence::Medium)
        );
        let js = msg("https://www.example.com/app", 200)
            .header("Content-Type", "application/javascript");
        assert_eq!(refs(&run(&Rule, &js)), ["10063-1"]);
        assert_eq!(
            refs(&run(&Rule, &msg("https://www.example.com/app.js", 200))),
            ["10063-1"]
        );
    }

    // PermissionsPolicyScanRuleUnitTest.shouldNotRaiseAlertOnMissingHeaderOthers, shouldNotRaiseAlertOnAvailablePermissionsPolicyHeader,
    // shouldNotRaiseAlertOnMissingHeaderRedirectMediumThreshold
    #[test]
    fn others_header_set_or_redirect_pass() {
        let m = msg("https://www.example.com/a.png", 200).header("Content-Type", "image/png");
        assert!(run(&Rule, &m).is_empty());
        let m = msg("https://www.example.com/", 200)
            .header("Content-Type", "text/html")
            .header("Permissions-Policy", "geolocation=()");
        assert!(run(&Rule, &m).is_empty());
        let m = msg("https://www.example.com/", 301).header("Content-Type", "text/html");
        assert!(run(&Rule, &m).is_empty());
    }

    // PermissionsPolicyScanRuleUnitTest.shouldRaiseAlertOnAvailableDeprecatedFeaturePolicyHeader
    #[test]
    fn feature_policy_is_deprecated() {
        let m = msg("https://www.example.com/", 200)
            .header("Content-Type", "text/html")
            .header("Feature-Policy", "vibrate 'none'");
        let a = run(&Rule, &m);
        assert_eq!(refs(&a), ["10063-2"]);
        assert_eq!(a[0].name, "Deprecated Feature Policy Header Set");
        assert_eq!(a[0].cwe, 16);
    }
}
