//! 10030 User Controllable Charset: a 200 HTML or XML response whose charset (`<meta http-equiv=Content-Type>`,
//! the XML declaration's `encoding`, or the Content-Type header) equals a request parameter's value: the user
//! picks how the page is decoded, which can turn harmless bytes into script (UTF-7 and similar).

use std::sync::LazyLock;

use regex::Regex;

use super::{contains_ci, params};
use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 10030,
    name: "User Controllable Charset",
    status: RuleStatus::Release,
    cwe: 20,
    wasc: 20,
    description: "The page's character set comes from a request parameter. An attacker who picks the charset can \
                  make the browser decode the page so that filtered input becomes markup or script.",
    solution: "Fix the charset on the server (UTF-8); never take it from the request.",
    references: &[
        "https://html.spec.whatwg.org/multipage/parsing.html#determining-the-character-encoding",
    ],
};

static XML_ENCODING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([^"']*)["']"#).expect("static regex")
});

pub(super) struct Rule;

/// The text after `charset=` in a Content-Type value.
fn charset_of(content_type: &str) -> Option<&str> {
    let i = content_type.to_ascii_lowercase().find("charset=")?;
    let v = content_type[i + 8..]
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches('"');
    (!v.is_empty()).then_some(v)
}

impl PassiveRule for Rule {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if msg.status != 200 {
            return;
        }
        let params = params(msg);
        if params.is_empty() {
            return;
        }
        let ct = msg.header("content-type").unwrap_or("");
        let html = contains_ci(ct, "text/html") || contains_ci(ct, "application/xhtml");
        let mut found: Vec<(&str, String)> = Vec::new();
        if html {
            for tag in cx.doc.map(|d| d.tags.as_slice()).unwrap_or_default() {
                if tag.name == "meta"
                    && tag
                        .attr("http-equiv")
                        .is_some_and(|h| h.eq_ignore_ascii_case("content-type"))
                    && let Some(cs) = tag.attr("content").and_then(charset_of)
                {
                    found.push(("META Content-Type", cs.to_string()));
                }
            }
        } else {
            let head = String::from_utf8_lossy(&msg.body[..msg.body.len().min(512)]);
            match XML_ENCODING.captures(&head).and_then(|c| c.get(1)) {
                Some(enc) if !enc.as_str().is_empty() => {
                    found.push(("?xml encoding", enc.as_str().to_string()));
                }
                // Neither HTML nor XML: not judged.
                None if !head.trim_start().starts_with("<?xml") => return,
                _ => {}
            }
        }
        if let Some(cs) = charset_of(ct) {
            found.push(("Content-Type HTTP header charset", cs.to_string()));
        }
        for (place, cs) in found {
            for (name, value) in &params {
                if cs.eq_ignore_ascii_case(value) {
                    let mut a = Alert::new(&INFO, msg, Risk::Informational, Confidence::Low);
                    a.param.clone_from(name);
                    a.evidence.clone_from(&cs);
                    a.other_info =
                        format!("The {place} is {cs}, the value of the parameter {name}.");
                    out.push(a);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::headers::run_with_tags;
    use crate::rules::testing::{MsgExt, msg, run};

    // UserControlledCharsetScanRuleUnitTest.shouldRaiseAlertIfRequestParamsAppearAsCharsetValue
    #[test]
    fn header_charset_from_parameter_fires() {
        let m = msg("http://example.com/i.php?place=&name=utf-8", 200)
            .header("Content-Type", "text/html; charset=UTF-8")
            .body("<html></html>");
        let a = run(&Rule, &m);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].param, "name");
        assert_eq!(
            (a[0].risk, a[0].confidence),
            (Risk::Informational, Confidence::Low)
        );
    }

    // …shouldRaiseAlertIfRequestParamAppearAsMetaCharsetValue, …RequestParamsAppearAsXmlCharsetValue
    #[test]
    fn meta_and_xml_charsets_fire() {
        let m = msg("http://example.com/i.php?name=utf-7", 200)
            .header("Content-Type", "text/html")
            .body(r#"<META http-equiv="Content-Type" content="text/html; charset=utf-7">"#);
        let tags: &[(&str, &[(&str, &str)])] = &[(
            "meta",
            &[
                ("http-equiv", "Content-Type"),
                ("content", "text/html; charset=utf-7"),
            ],
        )];
        assert_eq!(run_with_tags(&Rule, &m, tags).len(), 1);
        let m = msg("http://example.com/i.php?name=UTF-8", 200)
            .header("Content-Type", "application/xml")
            .body(r#"<?xml version="1.0" encoding="UTF-8"?><a/>"#);
        assert_eq!(run(&Rule, &m).len(), 1);
    }

    // …shouldNotRaiseAlertIfResponseIsNotStatusOk, …RequestHasNoGetParams, …ResponseIsNotHtmlNorXml,
    // …RequestParamsHaveNoValues, …ResponseCharsetIsEmpty, …ResponseMetaIsNotContentType, …XmlResponseCharsetIsEmpty
    #[test]
    fn others_pass() {
        let page = |url: &str, status: u16, ct: &str, body: &str| {
            run(
                &Rule,
                &msg(url, status).header("Content-Type", ct).body(body),
            )
        };
        assert!(
            page(
                "http://example.com/?n=utf-8",
                404,
                "text/html; charset=utf-8",
                "x"
            )
            .is_empty()
        );
        assert!(page("http://example.com/", 200, "text/html; charset=utf-8", "x").is_empty());
        assert!(
            page(
                "http://example.com/?n=utf-8",
                200,
                "application/json; charset=utf-8",
                "{}"
            )
            .is_empty()
        );
        assert!(
            page(
                "http://example.com/?n=",
                200,
                "text/html; charset=utf-8",
                "x"
            )
            .is_empty()
        );
        assert!(
            page(
                "http://example.com/?n=utf-8",
                200,
                "text/html; charset=",
                "x"
            )
            .is_empty()
        );
        assert!(
            page(
                "http://example.com/?n=utf-8",
                200,
                "text/xml",
                r#"<?xml version="1.0" encoding=""?>"#
            )
            .is_empty()
        );
    }
}
