//! 90004 Insufficient Site Isolation Against Spectre Vulnerability (beta): on 2xx responses, a missing or weak
//! `Cross-Origin-Resource-Policy` (90004-1; not judged when CORS headers are present), and on HTML/XML documents
//! a missing or weak `Cross-Origin-Embedder-Policy` (90004-2) or `Cross-Origin-Opener-Policy` (90004-3).
//! `report-to=…` parameters are ignored; values compare case-insensitively.

use super::{is_success, variant};
use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 90004,
    name: "Insufficient Site Isolation Against Spectre Vulnerability",
    status: RuleStatus::Beta,
    cwe: 693,
    wasc: 14,
    description: "The response does not opt into cross-origin isolation, so another site's page may share a \
                  process with it and read its memory through side channels such as Spectre.",
    solution: "Send Cross-Origin-Resource-Policy: same-origin on resources, and Cross-Origin-Embedder-Policy: \
               require-corp with Cross-Origin-Opener-Policy: same-origin on documents.",
    references: &[
        "https://fetch.spec.whatwg.org/#cross-origin-resource-policy-header",
        "https://html.spec.whatwg.org/multipage/browsers.html#cross-origin-opener-policies",
        "https://html.spec.whatwg.org/multipage/browsers.html#coep",
    ],
};

const CORP: &str = "Cross-Origin-Resource-Policy";
const COEP: &str = "Cross-Origin-Embedder-Policy";
const COOP: &str = "Cross-Origin-Opener-Policy";

pub(super) struct Rule;

/// An HTML or XML document (its Content-Type starts so).
fn is_document(msg: &HttpMessage) -> bool {
    msg.headers("content-type").any(|ct| {
        let ct = ct.trim_start();
        ct.get(..9)
            .is_some_and(|p| p.eq_ignore_ascii_case("text/html"))
            || ct
                .get(..15)
                .is_some_and(|p| p.eq_ignore_ascii_case("application/xml"))
    })
}

/// Alerts for one header: one when it is absent, else one per `;`-separated token (not `report-to…`) that is
/// not acceptable.
fn judge(
    msg: &HttpMessage,
    out: &mut Vec<Alert>,
    (n, header, name): (u32, &str, &str),
    ok: fn(&str) -> bool,
) {
    let alert = |evidence: &str| {
        let mut a = variant(&INFO, msg, n, name, Risk::Low, Confidence::Medium);
        header.clone_into(&mut a.param);
        evidence.clone_into(&mut a.evidence);
        a
    };
    let mut any = false;
    for v in msg.headers(header) {
        any = true;
        // Empty tokens (a trailing `;`) are no value.
        for tok in v.split(';').map(str::trim).filter(|t| !t.is_empty()) {
            if !tok.starts_with("report-to") && !ok(tok) {
                out.push(alert(tok));
            }
        }
    }
    if !any {
        out.push(alert(""));
    }
}

impl PassiveRule for Rule {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, _cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if !is_success(msg) {
            return;
        }
        let cors = msg.response_headers.iter().any(|(k, _)| {
            k.get(..21)
                .is_some_and(|p| p.eq_ignore_ascii_case("access-control-allow-"))
        });
        if !cors {
            // same-site still lets other origins of the site read it: only same-origin and cross-origin (an
            // explicit choice) pass.
            judge(
                msg,
                out,
                (
                    1,
                    CORP,
                    "Cross-Origin-Resource-Policy Header Missing or Invalid",
                ),
                |t| t.eq_ignore_ascii_case("same-origin") || t.eq_ignore_ascii_case("cross-origin"),
            );
        }
        if is_document(msg) {
            judge(
                msg,
                out,
                (
                    2,
                    COEP,
                    "Cross-Origin-Embedder-Policy Header Missing or Invalid",
                ),
                |t| {
                    t.eq_ignore_ascii_case("require-corp")
                        || t.eq_ignore_ascii_case("credentialless")
                },
            );
            judge(
                msg,
                out,
                (
                    3,
                    COOP,
                    "Cross-Origin-Opener-Policy Header Missing or Invalid",
                ),
                |t| t.eq_ignore_ascii_case("same-origin"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{MsgExt, msg, run};

    /// Found by the dast_rules fuzz target: a header name whose 21st byte falls inside a multi-byte character.
    #[test]
    fn non_ascii_header_name_does_not_panic() {
        let m = msg("https://a.test/", 200)
            .header("Content-Type", "text/html")
            .header("aaaaaaaaaaaaaaaaaaa\u{20ac}x", "1");
        let a = run(&Rule, &m);
        assert!(!a.is_empty());
    }

    fn refs(a: &[Alert]) -> Vec<&str> {
        a.iter().map(|a| a.alert_ref.as_str()).collect()
    }

    fn isolated() -> HttpMessage {
        msg("https://example.com/", 200)
            .header("Content-Type", "text/html")
            .header(CORP, "same-origin")
            .header(COEP, "require-corp")
            .header(COOP, "same-origin")
    }

    // SiteIsolationScanRuleTest.shouldNotRaiseAlertGivenSiteIsIsolated, shouldNotRaiseAlertForReportingAPI
    #[test]
    fn isolated_site_passes() {
        assert!(run(&Rule, &isolated()).is_empty());
        let m = msg("https://example.com/", 200)
            .header("Content-Type", "text/html")
            .header(
                "cross-origin-embedder-policy",
                "require-corp;report-to=\"coep\"",
            )
            .header(
                "cross-origin-opener-policy",
                "same-origin;report-to=\"coop\"",
            )
            .header(CORP, "same-origin;report-to=\"corp\"");
        assert!(run(&Rule, &m).is_empty());
        let m = isolated().header(CORP, "same-origin; ");
        assert!(run(&Rule, &m).is_empty());
    }

    // SiteIsolationScanRuleTest.shouldRaiseCorpAlertGivenSiteIsNotIsolated, shouldRaiseAlertGivenCoepHeaderIsMissing,
    // shouldRaiseAlertGivenCoopHeaderIsMissing
    #[test]
    fn missing_headers_fire() {
        let a = run(
            &Rule,
            &msg("https://example.com/", 200).header("Content-Type", "text/html"),
        );
        assert_eq!(refs(&a), ["90004-1", "90004-2", "90004-3"]);
        assert_eq!(
            a[1].name,
            "Cross-Origin-Embedder-Policy Header Missing or Invalid"
        );
        assert_eq!(
            (a[0].risk, a[0].confidence),
            (Risk::Low, Confidence::Medium)
        );
    }

    // SiteIsolationScanRuleTest.shouldRaiseCorpAlertCaseInsensitive, shouldRaiseCorpAlertGivenCorpHeaderIsSetForSameSite,
    // shouldNotRaiseCorpAlertGivenCorpHeaderIsSetForCrossOrigin
    #[test]
    fn corp_same_site_fires_cross_origin_passes() {
        let mut m = isolated();
        m.response_headers.retain(|(k, _)| k != CORP);
        let a = run(&Rule, &m.clone().header(CORP, "same-SITE"));
        assert_eq!(refs(&a), ["90004-1"]);
        assert_eq!(
            (a[0].param.as_str(), a[0].evidence.as_str()),
            (CORP, "same-SITE")
        );
        assert!(run(&Rule, &m.header(CORP, "cross-origin")).is_empty());
    }

    // SiteIsolationScanRuleTest.shouldNotRaiseCorpAlertGivenCorsHeaderIsSet, shouldRaiseCorpAlertOnlyForSuccessfulQueries,
    // shouldNotRaiseCoepOrCoopAlertGivenResourceIsNotAnHtmlOrXmlDocument
    #[test]
    fn cors_errors_and_non_documents() {
        let m = msg("https://example.com/api", 200).header("Access-Control-Allow-Origin", "*");
        assert!(run(&Rule, &m).is_empty());
        assert!(
            run(
                &Rule,
                &msg("https://example.com/", 404).header("Content-Type", "text/html")
            )
            .is_empty()
        );
        let m = msg("https://example.com/a.json", 200).header("Content-Type", "application/json");
        assert_eq!(refs(&run(&Rule, &m)), ["90004-1"]);
    }

    // SiteIsolationScanRuleTest.shouldRaiseAlertGivenCoepHeaderIsNotExpectedValue, shouldRaiseAlertGivenCoopHeaderIsNotSameOrigin
    #[test]
    fn weak_coep_and_coop_fire() {
        let mut m = isolated();
        m.response_headers.retain(|(k, _)| k != COEP && k != COOP);
        let a = run(
            &Rule,
            &m.header(COEP, "unsafe-none")
                .header(COOP, "same-origin-allow-popups"),
        );
        assert_eq!(refs(&a), ["90004-2", "90004-3"]);
        assert_eq!(a[1].evidence, "same-origin-allow-popups");
    }
}
