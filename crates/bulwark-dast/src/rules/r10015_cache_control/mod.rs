//! 10015 Re-examine Cache-control Directives: an HTTPS text response (not POST, not an image, script or
//! stylesheet, not a redirect or error at the default threshold) whose `Cache-Control` lacks any of `no-store`,
//! `no-cache`, `must-revalidate`, so a browser or proxy may keep a copy of what may be sensitive content.

use super::{contains_ci, is_css, is_error, is_image, is_javascript, is_redirection, is_text};
use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 10015,
    name: "Re-examine Cache-control Directives",
    status: RuleStatus::Release,
    cwe: 525,
    wasc: 13,
    description: "The Cache-Control header does not forbid storing the response, so a browser or shared cache may \
                  keep a copy; if the page holds personal or sensitive data, the next user of that cache may see it.",
    solution: "For sensitive content send Cache-Control: no-cache, no-store, must-revalidate (RFC 9111 §5.2.2); \
               leave public static content cacheable.",
    references: &[
        "https://www.rfc-editor.org/rfc/rfc9111#section-5.2",
        "https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html#web-content-caching",
    ],
};

pub(super) struct Rule;

impl PassiveRule for Rule {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, _cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if !msg.is_https()
            || msg.body.is_empty()
            || msg.method.eq_ignore_ascii_case("POST")
            || is_image(msg)
        {
            return;
        }
        if is_redirection(msg)
            || is_error(msg)
            || !is_text(msg)
            || is_javascript(msg)
            || is_css(msg)
        {
            return;
        }
        let values: Vec<&str> = msg.headers("cache-control").collect();
        let joined = values.join(", ");
        if ["no-store", "no-cache", "must-revalidate"]
            .iter()
            .any(|d| !contains_ci(&joined, d))
        {
            let mut a = Alert::new(&INFO, msg, Risk::Informational, Confidence::Low);
            a.param = "Cache-Control".into();
            a.evidence = joined.to_ascii_lowercase();
            out.push(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{MsgExt, msg, run};

    fn page(cc: Option<&str>) -> HttpMessage {
        let m = msg("https://www.example.com/", 200)
            .header("Content-Type", "text/html")
            .body("<html></html>");
        match cc {
            Some(v) => m.header("Cache-Control", v),
            None => m,
        }
    }

    // CacheControlScanRuleUnitTest.shouldAlertOnHttpsMissingNoCacheRequest, …MissingNoStore…, …MissingMustRevalidate…
    #[test]
    fn a_missing_directive_fires() {
        for cc in [
            "no-store, must-revalidate",
            "no-cache, must-revalidate",
            "no-store, no-cache",
        ] {
            let a = run(&Rule, &page(Some(cc)));
            assert_eq!(a.len(), 1, "{cc}");
            assert_eq!(
                (a[0].risk, a[0].confidence),
                (Risk::Informational, Confidence::Low)
            );
            assert_eq!(a[0].evidence, cc);
        }
        assert_eq!(run(&Rule, &page(None)).len(), 1);
    }

    // CacheControlScanRuleUnitTest.shouldNotAlertOnHttpsAllPresentCacheRequest, shouldNotAlertOnHttpRequest,
    // shouldNotAlertOnHttpsPostRequest, shouldIgnoreEmptyHttpsResponses
    #[test]
    fn all_present_http_post_or_empty_pass() {
        assert!(run(&Rule, &page(Some("no-cache, no-store, must-revalidate"))).is_empty());
        // Several headers count together.
        let m = page(Some("no-cache")).header("cache-control", "no-store, must-revalidate");
        assert!(run(&Rule, &m).is_empty());
        let m = msg("http://www.example.com/", 200)
            .header("Content-Type", "text/html")
            .body("x");
        assert!(run(&Rule, &m).is_empty());
        let mut m = page(None);
        m.method = "POST".into();
        assert!(run(&Rule, &m).is_empty());
        assert!(
            run(
                &Rule,
                &msg("https://www.example.com/", 200).header("Content-Type", "text/html")
            )
            .is_empty()
        );
    }

    // …shouldNotAlertOnHttpsRedirectMedHighCacheRequest, …ErrorMedHigh…, …JavaScriptMedHigh…, …CssMedHigh…
    #[test]
    fn redirects_errors_scripts_styles_and_images_pass_at_medium() {
        for status in [302, 404, 500] {
            let mut m = page(None);
            m.status = status;
            assert!(run(&Rule, &m).is_empty(), "{status}");
        }
        for ct in ["application/javascript", "text/css", "image/png"] {
            let m = msg("https://www.example.com/x", 200)
                .header("Content-Type", ct)
                .body("x");
            assert!(run(&Rule, &m).is_empty(), "{ct}");
        }
    }
}
