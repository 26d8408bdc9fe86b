//! Cross-Domain JavaScript Source File Inclusion (ZAP 10017): a page that loads scripts from another host without
//! subresource integrity. See README.md.

use crate::message::HttpMessage;
use crate::rules::content::{element_text, host_of, origin, resolve};
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct CrossDomainScript;

static INFO: RuleInfo = RuleInfo {
    id: 10017,
    name: "Cross-Domain JavaScript Source File Inclusion",
    status: RuleStatus::Release,
    cwe: 829,
    wasc: 15,
    description: "The page includes a script file from a third-party host, which then runs with the page's full \
                  privileges.",
    solution: "Load scripts only from sources you trust and that users cannot control; pin third-party scripts \
               with subresource integrity.",
    references: &["https://cwe.mitre.org/data/definitions/829.html"],
};

/// Whether a link or script URL points at another host than `page_host`, as ZAP decides it: paths (`/`, `./`,
/// `../`) and relative references are the page's own; a scheme or `//` names a host. URLs of the scan's own
/// origins (ZAP's "in context" at MEDIUM) are not other.
pub(crate) fn other_domain(msg: &HttpMessage, cx: &ScanContext<'_>, url: &str) -> bool {
    let url = url.trim();
    if !url.starts_with("//") && (url.starts_with('/') || url.starts_with("./") || url.starts_with("../")) {
        return false;
    }
    let has_authority = url.starts_with("//") || url.split_once("://").is_some_and(|(s, _)| !s.contains(['/', '?', '#']));
    if !has_authority {
        return false;
    }
    let Some(abs) = resolve(&msg.url, url) else { return false };
    let Some(host) = abs.host_str() else { return false };
    if Some(host.to_ascii_lowercase()) == host_of(&msg.url) {
        return false;
    }
    let o = origin(abs.as_str()).unwrap_or_default();
    !cx.origins.iter().any(|s| s.eq_ignore_ascii_case(&o))
}

impl PassiveRule for CrossDomainScript {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if msg.body.is_empty() || !msg.is_html() {
            return;
        }
        let Some(doc) = cx.doc else { return };
        let body = cx.text;
        for t in doc.tags_named("script") {
            let Some(src) = t.attr("src") else { continue };
            if !other_domain(msg, cx, src) || t.attr("integrity").is_some_and(|i| !i.trim().is_empty()) {
                continue;
            }
            let mut a = Alert::new(&INFO, msg, Risk::Low, Confidence::Medium);
            a.param = src.to_string();
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
        run(&CrossDomainScript, &msg("https://www.example.com/", 200).header("Content-Type", "text/html").body(body))
    }

    /// CrossDomainScriptInclusionScanRuleUnitTest.crossDomainScript, crossDomainScriptWithNullIntegrity. ZAP's
    /// pages write `<script …/>`; in HTML that does not close the element (the rest of the page would be script
    /// text), so the first script here is closed with `</script>`.
    #[test]
    fn fires_on_foreign_scripts() {
        let a = page("<html><head><script src=\"https://www.example.com/script1\"></script><script src=\"https://www.otherDomain.com/script2\"/></head></html>");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].param, "https://www.otherDomain.com/script2");
        assert_eq!(a[0].evidence, "<script src=\"https://www.otherDomain.com/script2\"/>");
        assert_eq!((a[0].risk, a[0].confidence), (Risk::Low, Confidence::Medium));
        let a = page("<script src=\"https://www.otherDomain.com/script2\" integrity=\"\"/>");
        assert_eq!(a.len(), 1);
        assert_eq!(page("<script src=\"//cdn.other.test/x.js\"></script>").len(), 1);
    }

    /// noScripts, noCrossDomainScripts, crossDomainScriptWithIntegrity; relative paths are the page's own.
    #[test]
    fn quiet_cases() {
        assert!(page("<html></html>").is_empty());
        assert!(page("<html><head><script src=\"https://www.example.com/script1\"></script><script src=\"https://www.example.com/script2\"></script></head></html>").is_empty());
        assert!(page("<script src=\"https://www.otherDomain.com/script2\" integrity=\"12345678\"/>").is_empty());
        assert!(page("<script src=\"/js/a.js\"></script><script src=\"js/b.js\"></script>").is_empty());
    }
}
