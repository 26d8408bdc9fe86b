//! HTTP Parameter Override (ZAP 10026, beta): a form without an `action`, which posts to the current URL with its
//! query string, so the query's parameters can override the form's (servlet parameter pollution). ZAP runs it only
//! at the LOW threshold; at the default MEDIUM it raises nothing. See README.md.

use crate::message::HttpMessage;
use crate::rules::content::start_tag_text;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct ParameterOverride {
    /// ZAP's LOW alert threshold; registered with `false` (the default MEDIUM threshold).
    pub(crate) low_threshold: bool,
}

static INFO: RuleInfo = RuleInfo {
    id: 10026,
    name: "HTTP Parameter Override",
    status: RuleStatus::Beta,
    cwe: 20,
    wasc: 20,
    description: "A form has no action URL, so it submits to the current URL including its query string; with Java \
                  servlets the query's parameters can then override the form's (HTTP parameter override).",
    solution: "Give every form an explicit action URL.",
    references: &["https://download.oracle.com/javaee-archive/servlet-spec.java.net/jsr340-experts/att-0317/OnParameterPollutionAttacks.pdf"],
};

impl PassiveRule for ParameterOverride {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if !self.low_threshold {
            return;
        }
        let Some(doc) = cx.doc else { return };
        let body = cx.text;
        // The first form without an action, or with an empty one, is reported (one alert per page).
        if let Some(form) = doc.tags_named("form").find(|f| f.attr("action").unwrap_or("").is_empty()) {
            let mut a = Alert::new(&INFO, msg, Risk::Medium, Confidence::Low);
            a.evidence = start_tag_text(body, form).to_string();
            out.push(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{msg, run, MsgExt};

    fn page(rule: &ParameterOverride, body: &str) -> Vec<Alert> {
        run(rule, &msg("https://example.com/fred/", 200).header("Content-Type", "text/html").body(body))
    }

    const LOW: ParameterOverride = ParameterOverride { low_threshold: true };

    /// ServletParameterPollutionScanRuleUnitTest (at LOW, as ZAP's tests set it):
    /// givenFormWithNoActionAttributeWhenScanHttpResponseReceiveThenAlertRaisedAndAlertPopulated,
    /// …WithValuelessActionAttribute…, …WithEmptyActionAttribute…, givenTwoFormsWithNoActionAttribute…OnlyOneAlertRaised.
    #[test]
    fn fires_at_low_threshold() {
        let a = page(&LOW, "<form />");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].evidence, "<form />");
        assert_eq!((a[0].risk, a[0].confidence, a[0].cwe, a[0].wasc), (Risk::Medium, Confidence::Low, 20, 20));
        assert_eq!(page(&LOW, "<form action />").len(), 1);
        assert_eq!(page(&LOW, "<form action='' />").len(), 1);
        assert_eq!(page(&LOW, "<form /><form />").len(), 1);
    }

    /// givenNoFormsWhenScanHttpResponseReceiveThenNoAlertsRaised, givenFormWithActionAttribute…NoAlertsRaised, and
    /// the default MEDIUM threshold (…WhenThresholdNotLow…).
    #[test]
    fn quiet_cases() {
        assert!(page(&LOW, "<p>no form</p>").is_empty());
        assert!(page(&LOW, "<form action='ActionMan'>").is_empty());
        assert!(page(&ParameterOverride { low_threshold: false }, "<form />").is_empty());
    }
}
