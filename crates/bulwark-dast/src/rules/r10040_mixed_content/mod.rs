//! Secure Pages Include Mixed Content (ZAP 10040): an HTTPS page whose elements load or post to `http:` URLs.
//! See README.md.

use std::fmt::Write as _;

use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct MixedContent;

static INFO: RuleInfo = RuleInfo {
    id: 10040,
    name: "Secure Pages Include Mixed Content",
    status: RuleStatus::Release,
    cwe: 311,
    wasc: 4,
    description: "An HTTPS page loads or submits content over plain HTTP. That content can be read and changed in \
                  transit, and a script loaded this way controls the whole page.",
    solution: "Load every resource of an HTTPS page over HTTPS (and consider `Content-Security-Policy: \
               upgrade-insecure-requests`).",
    references: &["https://developer.mozilla.org/en-US/docs/Web/Security/Mixed_content"],
};

/// The URL attributes ZAP checks, in its order (`action` and `formaction` are left out only at HIGH).
const ATTRS: &[&str] = &["src", "background", "classid", "codebase", "data", "icon", "usemap", "action", "formaction"];

impl PassiveRule for MixedContent {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if !msg.is_https() || msg.body.is_empty() || !msg.is_html() {
            return;
        }
        let Some(doc) = cx.doc else { return };
        let mut found: Vec<(&str, &str, &str)> = Vec::new();
        let mut script = false;
        for t in &doc.tags {
            for att in ATTRS {
                if let Some(v) = t.attr(att)
                    && v.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("http:"))
                {
                    found.push((&t.name, att, v));
                    script |= *att == "src" && t.name == "script";
                }
            }
        }
        let Some(first) = found.first() else { return };
        let mut a = Alert::new(&INFO, msg, if script { Risk::Medium } else { Risk::Low }, Confidence::Medium);
        if script {
            a.name = "Secure Pages Include Mixed Content (Including Scripts)".into();
        }
        a.evidence = first.2.to_string();
        a.other_info = found.iter().fold(String::new(), |mut s, (t, k, v)| {
            let _ = writeln!(s, "tag={t} {k}={v}");
            s
        });
        out.push(a);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{msg, run, MsgExt};

    fn page(url: &str, body: &str) -> Vec<Alert> {
        run(&MixedContent, &msg(url, 200).header("Content-Type", "text/html").body(body))
    }

    /// MixedContentScanRuleUnitTest.shouldRaiseLowAlertIfHttpsResourceContainsMixedContentInKnownAttributes,
    /// shouldRaiseMediumAlertIfHttpsResourceContainsMixedContentInScriptTag, shouldRaiseOneAlertForMultipleMixedContent.
    #[test]
    fn fires_on_http_resources_of_https_pages() {
        for att in ATTRS {
            let a = page("https://example.com/", &format!("<tag {att}=\"http://example.com/file\" />"));
            assert_eq!(a.len(), 1, "{att}");
            assert_eq!(a[0].evidence, "http://example.com/file");
            assert_eq!(a[0].other_info, format!("tag=tag {att}=http://example.com/file\n"));
            assert_eq!((a[0].risk, a[0].confidence), (Risk::Low, Confidence::Medium));
            assert_eq!(a[0].name, "Secure Pages Include Mixed Content");
        }
        let a = page("https://example.com/", "<script src=\"http://example.com/script.js\"></script>");
        assert_eq!((a[0].risk, a[0].name.as_str()), (Risk::Medium, "Secure Pages Include Mixed Content (Including Scripts)"));
        let a = page("https://example.com/", "<script src=\"http://example.com/script.js\"></script>\n<img src=\"http://example.com/image.png\" />");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].evidence, "http://example.com/script.js");
        assert_eq!(a[0].other_info, "tag=script src=http://example.com/script.js\ntag=img src=http://example.com/image.png\n");
    }

    /// shouldNotRaiseAlertIfHttpResource, …IfHttpsResourceContainsNoMixedContent, …IfHttpsResourceIsEmpty,
    /// …ForNonHtmlContent, …IfHttpsResourceContainsMixedContentInUnknownAttribute.
    #[test]
    fn quiet_cases() {
        assert!(page("http://example.com/", "<img src=\"http://example.com/file\" />").is_empty());
        assert!(page("https://example.com/", "<img src=\"https://example.com/file\" />").is_empty());
        assert!(page("https://example.com/", "").is_empty());
        let m = msg("https://example.com/", 200).header("Content-Type", "application/json").body("<img src=\"http://example.com/file\" />");
        assert!(run(&MixedContent, &m).is_empty());
        assert!(page("https://example.com/", "<tag unknown=\"http://example.com/file\" />").is_empty());
    }
}
