//! Reverse Tabnabbing (ZAP 10108): a link to another host that opens in a new browsing context with
//! `rel="opener"`, giving the target page `window.opener`. See README.md.

use crate::message::HttpMessage;
use crate::rules::content::element_text;
use crate::rules::content::r10017_cross_domain_script::other_domain;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct ReverseTabnabbing;

static INFO: RuleInfo = RuleInfo {
    id: 10108,
    name: "Reverse Tabnabbing",
    status: RuleStatus::Release,
    cwe: 1022,
    wasc: 0,
    description: "A link to another site opens in a new window or tab with `rel=\"opener\"`, so the linked page \
                  gets `window.opener` and can navigate this page (to a phishing copy, for instance).",
    solution: "Drop `rel=\"opener\"`; browsers imply `noopener` for `target=\"_blank\"`, and `rel=\"noopener \
               noreferrer\"` makes it explicit.",
    references: &["https://owasp.org/www-community/attacks/Reverse_Tabnabbing"],
};

impl PassiveRule for ReverseTabnabbing {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if msg.body.is_empty() || !msg.is_html() {
            return;
        }
        let Some(doc) = cx.doc else { return };
        let body = cx.text;
        // ZAP looks at all <a> elements, then all <area> elements; the first bad link is reported.
        let links = doc.tags_named("a").chain(doc.tags_named("area"));
        for t in links {
            let Some(href) = t.attr("href") else { continue };
            if t.attr("target").is_none() || !other_domain(msg, cx, href) {
                continue;
            }
            let rel = t.attr("rel").unwrap_or_default().to_ascii_lowercase();
            if rel.contains("opener") && !rel.contains("noopener") {
                let mut a = Alert::new(&INFO, msg, Risk::Medium, Confidence::Medium);
                a.evidence = element_text(body, t).to_string();
                out.push(a);
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{msg, run, MsgExt};

    fn page(body: &str) -> Vec<Alert> {
        run(&ReverseTabnabbing, &msg("http://www.example.com/", 200).header("Content-Type", "text/html").body(body))
    }

    /// LinkTargetScanRuleUnitTest.raiseIssueWhenOneLinkWithBlankTargetDifferentDomain, raiseIssueWhenOneLinkWithOtherTarget,
    /// raiseIssueWhenAreaWithBlankTargetDifferentDomain, raiseIssueWhenManyLinksWithBlankTargetDifferentDomain.
    #[test]
    fn fires_on_opener_links_to_other_hosts() {
        let a = page("<html><a href=\"http://www.example2.com\" rel=\"opener\" target=\"_blank\">link</a></html>");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].evidence, "<a href=\"http://www.example2.com\" rel=\"opener\" target=\"_blank\">link</a>");
        assert_eq!((a[0].risk, a[0].confidence, a[0].cwe), (Risk::Medium, Confidence::Medium, 1022));
        assert_eq!(page("<html><a href=\"http://www.example2.com\" rel=\"opener\" target=\"other\">link</a></html>").len(), 1);
        let area = "<area shape=\"circle\" coords=\"90,58,3\" href=\"https://www.example.com2/mercur.html\" rel=\"opener\" target=\"_blank\" alt=\"Mercury\">";
        let a = page(&format!("<html> <img src=\"planets.gif\" usemap=\"#planetmap\"><map name=\"planetmap\">{area}</map> </html>"));
        assert_eq!(a[0].evidence, area);
        let many = "<a href=\"http://www.example2.com\" rel=\"opener\" target=\"_blank\">link</a>".repeat(6);
        assert_eq!(page(&format!("<html>{many}</html>")).len(), 1);
    }

    /// dontRaiseIssueWhenOnlyTargetBlank, …WhenNoLinks, …WhenOneLinkNoTarget, …WhenManyLinksWithBlankTargetSameDomain,
    /// …WithBlankTargetNoopenerNoReferrer, …NoreferrerNoopener.
    #[test]
    fn quiet_cases() {
        assert!(page("<html><a href=\"http://www.example2.com\" target=\"_blank\">link</a></html>").is_empty());
        assert!(page("<html></html>").is_empty());
        assert!(page("<html><a href=\"http://www.example2.com\">link</a></html>").is_empty());
        assert!(page("<html><a href=\"http://www.example.com\" rel=\"opener\" target=\"_blank\">link</a></html>").is_empty());
        assert!(page("<html><a href=\"http://www.example2.com\" target=\"_blank\" rel=\"noopener noreferrer\">link</a></html>").is_empty());
        assert!(page("<html><a href=\"http://www.example2.com\" target=\"_blank\" rel=\"noreferrer noopener\">link</a></html>").is_empty());
    }
}
