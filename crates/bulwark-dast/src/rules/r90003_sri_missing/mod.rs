//! Sub Resource Integrity Attribute Missing (ZAP 90003): a script or stylesheet from another host loaded without
//! an `integrity` attribute. See README.md.

use crate::message::HttpMessage;
use crate::rules::content::{element_text, host_of, resolve};
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct SriMissing;

static INFO: RuleInfo = RuleInfo {
    id: 90003,
    name: "Sub Resource Integrity Attribute Missing",
    status: RuleStatus::Release,
    cwe: 345,
    wasc: 15,
    description: "A script or stylesheet served by another host is loaded without an `integrity` attribute: \
                  whoever controls that host (or its CDN) can change what runs in this page.",
    solution: "Add an `integrity` attribute with the resource's hash (and `crossorigin`), or serve the resource \
               from the page's own host.",
    references: &["https://developer.mozilla.org/en-US/docs/Web/Security/Defenses/Subresource_Integrity"],
};

const LINK_RELS: &[&str] = &["stylesheet", "preload", "modulepreload"];

impl PassiveRule for SriMissing {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if !msg.is_html() {
            return;
        }
        let Some(doc) = cx.doc else { return };
        let page_host = host_of(&msg.url).unwrap_or_default();
        let body = cx.text;
        for t in &doc.tags {
            let url = match t.name.as_str() {
                "script" => t.attr("src"),
                "link" => {
                    let rel = t.attr("rel").map(str::to_ascii_lowercase);
                    if rel.is_some_and(|r| !r.split(' ').any(|x| LINK_RELS.contains(&x))) {
                        continue;
                    }
                    t.attr("href")
                }
                _ => continue,
            };
            if t.attr("integrity").is_some() {
                continue;
            }
            // Inline scripts and `data:` URLs are the page's own; an unparsable URL is not trusted.
            let Some(url) = url.filter(|u| !u.starts_with("data:")) else { continue };
            let host = resolve(&msg.url, url).and_then(|u| u.host_str().map(str::to_ascii_lowercase));
            if host.as_deref() == Some(page_host.as_str()) {
                continue;
            }
            let mut a = Alert::new(&INFO, msg, Risk::Medium, Confidence::High);
            a.evidence = element_text(body, t).to_string();
            out.push(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{msg, run, MsgExt};

    fn page(body: &str) -> Vec<Alert> {
        run(&SriMissing, &msg("https://example.com/", 200).header("Content-Type", "text/html").body(body))
    }

    /// SubResourceIntegrityAttributeScanRuleUnitTest.shouldRaiseAlertGivenMissingIntegrityAttributeInLinkElement,
    /// …InLinkElementWithRelevantRel, shouldIndicateElementWithoutIntegrityAttribute,
    /// shouldRaiseAlertGivenElementIsServedBySubDomain, shouldIgnoreInvalidFormattedHostname.
    #[test]
    fn fires_on_foreign_resources_without_integrity() {
        assert_eq!(page("<html><head><link href=\"https://site53.example.net/style.css\"></head><body></body></html>").len(), 1);
        for rel in ["stylesheet", "STYLESHEET", "STYLEsheet", "alternate stylesheet", "preload", "modulepreload"] {
            let a = page(&format!("<html><head><link rel=\"{rel}\" href=\"https://site53.example.net/style.css\"></head><body></body></html>"));
            assert_eq!(a.len(), 1, "{rel}");
        }
        let a = page("<html><head><script src=\"https://some.cdn.com/v1.0/include.js\"></script></head><body></body></html>");
        assert_eq!(a[0].evidence, "<script src=\"https://some.cdn.com/v1.0/include.js\"></script>");
        assert_eq!((a[0].risk, a[0].confidence), (Risk::Medium, Confidence::High));
        assert_eq!(page("<script src=\"https://subdomain.example.com/v1.0/include.js\"></script>").len(), 1);
        assert_eq!(page("<script src=\"https://in(){}\\#~&/v1.0/include.js\"></script>").len(), 1);
    }

    /// …IntegrityAttributeIsPresentInLinkElement/ScriptElement, …InLinkElementWithIrrelevantRel,
    /// shouldNotRaiseAlertGivenElementIsServedByCurrentDomain, …ServedRelatively, …ElementIsInline, …HtmlAssetIsInline.
    #[test]
    fn quiet_cases() {
        assert!(page("<link rel=\"stylesheet\" href=\"https://site53.example.net/style.css\" integrity=\"sha384-x\">").is_empty());
        assert!(page("<script src=\"https://some.cdn.com/include.js\" integrity=\"sha384-x\"></script>").is_empty());
        for rel in ["dns-prefetch", "DNS-PREFETCH", "canonical"] {
            assert!(page(&format!("<link rel=\"{rel}\" href=\"https://example.net\">")).is_empty(), "{rel}");
        }
        assert!(page("<script src=\"https://example.com/v1.0/include.js\"></script><link href=\"http://example.com/v1.0/style.css\">").is_empty());
        assert!(page("<link href=\"/dashboard/stylesheets/normalize.css\" rel=\"stylesheet\" type=\"text/css\" />").is_empty());
        assert!(page("<script>js.src = \"//connect.facebook.net/en_US/all.js\";</script>").is_empty());
        assert!(page("<script src=\"data:,\"></script><link href=\"data:,\">").is_empty());
    }
}
