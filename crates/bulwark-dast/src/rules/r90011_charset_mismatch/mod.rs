//! Charset Mismatch (ZAP 90011): the Content-Type header's charset disagrees with the page's own declaration
//! (`<meta charset>`, `<meta http-equiv="Content-Type">`, or the XML declaration). See README.md.

use std::sync::LazyLock;

use regex::Regex;

use crate::message::HttpMessage;
use crate::rules::content::r10041_insecure_form_load::html_content_type;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct CharsetMismatch;

static INFO: RuleInfo = RuleInfo {
    id: 90011,
    name: "Charset Mismatch",
    status: RuleStatus::Release,
    cwe: 436,
    wasc: 15,
    description: "The charset of the Content-Type header differs from the one the document declares. Browsers may \
                  then decode the content differently from what the server meant, which can enable XSS through \
                  encoding tricks.",
    solution: "Declare UTF-8 everywhere: in the Content-Type header and in the HTML meta tag or XML declaration.",
    references: &["https://code.google.com/archive/p/browsersec/wikis/Part2.wiki#Character_set_handling_and_detection"],
};

static XML_DECL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\s*<\?xml\s[^>]*?encoding\s*=\s*["']([^"']*)["']"#).expect("xml declaration regex")
});

/// The `charset=` parameter of a Content-Type value.
fn header_charset(ct: &str) -> Option<&str> {
    ct.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case("charset").then(|| v.trim().trim_matches('"'))
    })
}

impl PassiveRule for CharsetMismatch {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if msg.body.is_empty() {
            return;
        }
        let Some(header) = msg.header("content-type").and_then(header_charset).map(str::trim) else { return };
        let alert = |name: &str, n: u32, other: String| {
            let mut a = Alert::new(&INFO, msg, Risk::Informational, Confidence::Low);
            a.name = name.to_string();
            a.alert_ref = format!("90011-{n}");
            a.other_info = other;
            a
        };
        if html_content_type(msg) {
            let Some(doc) = cx.doc else { return };
            let (mut meta_charset, mut content_charset) = (String::new(), String::new());
            for m in doc.tags_named("meta") {
                if meta_charset.trim().is_empty() {
                    meta_charset = m.attr("charset").unwrap_or("").to_string();
                }
                if let (Some(he), Some(content)) = (m.attr("http-equiv"), m.attr("content"))
                    && he.eq_ignore_ascii_case("content-type")
                {
                    content_charset = content.trim().find("charset=").map_or(String::new(), |i| content.trim()[i + 8..].to_string());
                }
            }
            if !content_charset.is_empty() && !content_charset.eq_ignore_ascii_case(header) {
                out.push(alert(
                    "Charset Mismatch (Header Versus Meta Content-Type Charset)",
                    1,
                    format!("The Content-Type header says [{header}], the META content-type declaration says [{content_charset}]."),
                ));
            }
            if !meta_charset.is_empty() && !meta_charset.eq_ignore_ascii_case(header) {
                out.push(alert(
                    "Charset Mismatch (Header Versus Meta Charset)",
                    2,
                    format!("The Content-Type header says [{header}], the META charset declaration says [{meta_charset}]."),
                ));
            }
        } else if msg.media_type().is_some_and(|m| m.contains("xml")) || msg.body.starts_with(b"<?xml") {
            let body = cx.text;
            if let Some(c) = XML_DECL.captures(body) {
                let enc = &c[1];
                if !enc.eq_ignore_ascii_case(header) {
                    out.push(alert(
                        "Charset Mismatch",
                        4,
                        format!("The Content-Type header says [{header}], the XML declaration says [{enc}]."),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{msg, run, MsgExt};

    fn resp(ct: &str, body: &str) -> Vec<Alert> {
        run(&CharsetMismatch, &msg("http://example.com/", 200).header("Content-Type", ct).body(body))
    }

    /// CharsetMismatchScanRuleUnitTest.shouldRaiseAlertWhenDifferentMetaCharsetAndHeaderHtml,
    /// shouldRaiseAlertWhenDifferentBodyCharsetAndHeaderHtml, shouldRaiseAlertWhenDifferentEncodingAndHeaderXml.
    #[test]
    fn fires_on_mismatches() {
        let a = resp("text/html;charset=UTF-8", "<html><head><meta charset='ISO-123' /></head></html>");
        assert_eq!(a.len(), 1);
        assert_eq!((a[0].name.as_str(), a[0].alert_ref.as_str()), ("Charset Mismatch (Header Versus Meta Charset)", "90011-2"));
        assert_eq!((a[0].risk, a[0].confidence), (Risk::Informational, Confidence::Low));
        let a = resp("text/html;charset=UTF-8", "<html><head><meta http-equiv='Content-Type' content='charset=ISO-123' /></head></html>");
        assert_eq!((a.len(), a[0].alert_ref.as_str()), (1, "90011-1"));
        let a = resp("text/xml;charset=UTF-8", "<?xml version='1.0' encoding='ISO-123'?><zap></zap>");
        assert_eq!((a.len(), a[0].alert_ref.as_str()), (1, "90011-4"));
    }

    /// shouldPassWhenZeroContentLength, shouldPassWhenNoHeaderCharset, shouldPassWhenTheSameMetaCharsetAndHeaderHtml,
    /// shouldPassWhenTheSameEncodingAndHeaderXml; META versus META only counts at LOW.
    #[test]
    fn quiet_cases() {
        assert!(resp("text/html;charset=UTF-8", "").is_empty());
        assert!(resp("text/html", "<html><head><meta charset='ISO-123' /></head></html>").is_empty());
        assert!(resp("text/html;charset=UTF-8", "<html><head><meta http-equiv='Content-Type' content='charset=UTF-8' /><meta charset='UTF-8' /></head></html>").is_empty());
        assert!(resp("text/xml;charset=UTF-8", "<?xml version='1.0' encoding='UTF-8'?><zap></zap>").is_empty());
    }
}
