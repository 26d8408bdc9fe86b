//! Modern Web Application (ZAP 10109): signs that the page is built by JavaScript (links without `href`, no links
//! but scripts, `target="_self"` links, `<noscript>`), so a browser-driven crawl would see more. See README.md.

use crate::message::HttpMessage;
use crate::rules::content::element_text;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct ModernWebApp;

static INFO: RuleInfo = RuleInfo {
    id: 10109,
    name: "Modern Web Application",
    status: RuleStatus::Release,
    cwe: 0,
    wasc: 0,
    description: "The application looks like a modern (JavaScript-driven) web application; a crawler that runs \
                  JavaScript may find more of it than a link-following spider.",
    solution: "Informational: nothing to fix.",
    references: &[],
};

impl PassiveRule for ModernWebApp {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if !msg.is_html() {
            return;
        }
        let Some(doc) = cx.doc else { return };
        let body = cx.text;
        let mut found = None;
        let mut links = doc.tags_named("a").peekable();
        if links.peek().is_none() {
            if let Some(s) = doc.tags_named("script").next() {
                found = Some((s, "No links were found while there are scripts."));
            }
        } else {
            for a in links {
                let href = a.attr("href").unwrap_or("");
                if href.is_empty() || href == "#" {
                    found = Some((a, "Links without a real href were found."));
                    break;
                }
                if a.attr("target") == Some("_self") {
                    found = Some((a, "Links with target '_self' were found (frameworks use it to force a full reload)."));
                    break;
                }
            }
        }
        if found.is_none() {
            found = doc.tags_named("noscript").next().map(|n| (n, "A <noscript> element was found: the page behaves differently with JavaScript."));
        }
        let Some((tag, why)) = found else { return };
        let evidence = element_text(body, tag);
        if evidence.is_empty() {
            return;
        }
        let mut a = Alert::new(&INFO, msg, Risk::Informational, Confidence::Medium);
        a.evidence = evidence.to_string();
        a.other_info = why.to_string();
        out.push(a);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{msg, run, MsgExt};

    fn page(body: &str) -> Vec<Alert> {
        run(&ModernWebApp, &msg("https://www.example.com/", 200).header("Content-Type", "text/html").body(body))
    }

    /// ModernAppDetectionScanRuleUnitTest.shouldRaiseAlertWithEmptyHref, shouldRaiseAlertWithHashHref,
    /// shouldRaiseAlertWithSelfTarget, shouldRaiseAlertWithScriptsInBodyButNoLinks, shouldRaiseAlertWithNoScript.
    #[test]
    fn fires_on_modern_signs() {
        let a = page("<html><a>link</a></html>");
        assert_eq!((a.len(), a[0].evidence.as_str()), (1, "<a>link</a>"));
        assert_eq!((a[0].risk, a[0].confidence), (Risk::Informational, Confidence::Medium));
        assert_eq!(page("<html><a href=\"#\">link</a></html>").len(), 1);
        assert_eq!(page("<html><a href=\"https://www.example.com\" target=\"_self\">link</a></html>").len(), 1);
        let a = page("<html><script src=\"app.js\"></script></html>");
        assert_eq!(a[0].evidence, "<script src=\"app.js\"></script>");
        assert_eq!(page("<html><a href=\"/x\">x</a><noscript>Enable JS</noscript></html>")[0].evidence, "<noscript>Enable JS</noscript>");
    }

    /// shouldNotRaiseAlertWithBasicHtml, shouldNotRaiseAlertWithFragmentHref, shouldNotRaiseAlertWithNonHtmlContentType.
    #[test]
    fn quiet_cases() {
        assert!(page("<html><a href=\"https://www.example.com\">link</a></html>").is_empty());
        assert!(page("<html><a href=\"#section1\">link</a></html>").is_empty());
        assert!(page("<html><p>no links, no scripts</p></html>").is_empty());
        let m = msg("https://www.example.com/", 200).header("Content-Type", "application/json").body("<a>link</a>");
        assert!(run(&ModernWebApp, &m).is_empty());
    }
}
