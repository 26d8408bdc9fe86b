//! User Controllable HTML Element Attribute (Potential XSS) (ZAP 10031): a request parameter's value that starts
//! an HTML attribute's value, or is the scheme, host or query of a URL attribute. See README.md.

use std::sync::LazyLock;

use regex::Regex;

use crate::message::HttpMessage;
use crate::rules::content::r10041_insecure_form_load::html_content_type;
use crate::rules::content::request_params;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct UserControlledAttribute;

static INFO: RuleInfo = RuleInfo {
    id: 10031,
    name: "User Controllable HTML Element Attribute (Potential XSS)",
    status: RuleStatus::Release,
    cwe: 20,
    wasc: 20,
    description: "A query or form parameter's value shows up in an HTML attribute of the response. If the value \
                  is not encoded for that context, the attribute is a place to try cross-site scripting.",
    solution: "Validate input and encode output for the attribute context before writing it into HTML attributes.",
    references: &["https://cheatsheetseries.owasp.org/cheatsheets/Input_Validation_Cheat_Sheet.html"],
};

/// At most this many parameters are compared (each is compared with every attribute of the page).
pub(crate) const MAX_PARAMS: usize = 64;

static REFRESH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*?[0-9]+?\s*?;\s*?url\s*?=").expect("refresh regex"));

/// Parameters as ZAP sorts them (a set by name, then value), lower-cased values, empty values dropped.
pub(crate) fn params(msg: &HttpMessage) -> Vec<(String, String)> {
    let mut p = request_params(msg);
    p.sort();
    p.dedup();
    p.truncate(MAX_PARAMS);
    p
}

impl PassiveRule for UserControlledAttribute {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if msg.status != 200 || !html_content_type(msg) {
            return;
        }
        let Some(doc) = cx.doc else { return };
        let params = params(msg);
        if params.is_empty() {
            return;
        }
        for t in &doc.tags {
            for (name, value) in &t.attrs {
                let mut v = value.to_lowercase();
                let meta_content = t.name == "meta" && name == "content";
                if meta_content && REFRESH.is_match(&v) {
                    v = v.find("url=").map_or(v.clone(), |i| v[i + 4..].trim().to_string());
                }
                if v.is_empty() {
                    continue;
                }
                let url_parts = (v.find("://").is_some_and(|i| i > 0))
                    .then(|| url::Url::parse(&v).ok())
                    .flatten()
                    .map(|u| {
                        let authority = match u.port() {
                            Some(p) => format!("{}:{p}", u.host_str().unwrap_or("")),
                            None => u.host_str().unwrap_or("").to_string(),
                        };
                        let token = u.query().map(|q| q.split('/').next().unwrap_or(q).to_string());
                        (u.scheme().to_string(), authority, token)
                    });
                for (pname, pvalue) in &params {
                    let pv = pvalue.to_lowercase();
                    let mut hit = false;
                    if meta_content {
                        if v.contains("charset") {
                            continue;
                        }
                        if v.split([';', '=', ',']).any(|s| s == pv) {
                            out.push(alert(msg, t.name.as_str(), name, pname, pvalue, &v));
                            break;
                        }
                    }
                    if pv.chars().count() > 1 {
                        hit |= v.starts_with(&pv);
                        if let Some((scheme, authority, token)) = &url_parts {
                            hit |= pv == *scheme || pv == *authority || token.as_deref() == Some(pv.as_str());
                            hit |= pv.starts_with(&v);
                        }
                    }
                    if hit {
                        out.push(alert(msg, t.name.as_str(), name, pname, pvalue, &v));
                    }
                }
            }
        }
    }
}

fn alert(msg: &HttpMessage, element: &str, attribute: &str, pname: &str, pvalue: &str, attr_value: &str) -> Alert {
    let mut a = Alert::new(&INFO, msg, Risk::Informational, Confidence::Low);
    a.param = pname.to_string();
    a.other_info = format!(
        "The page at {} writes user input into the '{attribute}' attribute of a <{element}> element: parameter \
         '{pname}' = '{pvalue}'; attribute value '{attr_value}'. Try special characters to see whether XSS is possible.",
        msg.url
    );
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{msg, run, MsgExt};

    fn page(url: &str, body: &str) -> Vec<Alert> {
        run(&UserControlledAttribute, &msg(url, 200).header("Content-Type", "text/html").body(body))
    }

    /// UserControlledHTMLAttributesScanRuleUnitTest.shouldRaiseAlertIfRequestParamsValuesUsedInAttributes,
    /// shouldRaiseAlertIfRequestParamValuesUsedInMetaAttribute, shouldRaiseAlertIfRequestParamValuesUsedInMetaRefresh,
    /// shouldRaiseMultipleAlertsIfRequestParamValuesUsedInAttributes.
    #[test]
    fn fires_on_reflected_attribute_values() {
        let a = page("http://example.com/i.php?place=here&name=fred", "<html><img src=\"x.jpg\" alt=\"fred, here\")></img></html>");
        assert_eq!(a.len(), 1);
        assert_eq!((a[0].param.as_str(), a[0].risk, a[0].confidence), ("name", Risk::Informational, Confidence::Low));
        assert_eq!(page("http://example.com/i.php?place=here&name=fred", "<html><meta name=\"description\" content=\"fred\"></html>").len(), 1);
        assert_eq!(page("http://example.com/i.php?place=http://example.com/", "<html><meta http-equiv=\"refresh\" content=\"0; url=http://example.com/\"></html>").len(), 1);
        let a = page(
            "http://example.com/i.php?place=http://example.com/&name=fred",
            "<html><meta http-equiv=\"refresh\" content=\"0; url=http://example.com/\"><img src=\"x.jpg\" alt=fred></img></html>",
        );
        assert_eq!(a.len(), 2);
    }

    /// shouldNotRaiseAlertIfResponseIsNotStatusOk, …IfResponseHasNoContentType, …IfRequestHasNoGetParams,
    /// …IfRequestParamsHaveNoValues, …IfResponseContainsNoAttributes, …IfRequestParamValuesNotUsedInAttribute,
    /// …NotUsedInMetaAttribute, …NotUsedInMetaRefresh.
    #[test]
    fn quiet_cases() {
        let body = "<html><img src=\"x.jpg\" alt=\"fred\"></img></html>";
        assert!(run(&UserControlledAttribute, &msg("http://example.com/i.php?name=fred", 404).header("Content-Type", "text/html").body(body)).is_empty());
        assert!(run(&UserControlledAttribute, &msg("http://example.com/i.php?name=fred", 200).body(body)).is_empty());
        assert!(page("http://example.com/i.php", body).is_empty());
        assert!(page("http://example.com/i.php?place=&name=", body).is_empty());
        assert!(page("http://example.com/i.php?place=here&name=fred", "<html><H1>Title</H1></html>").is_empty());
        assert!(page("http://example.com/i.php?place=here&name=fred", "<html><img src=\"x.jpg\" alt=\"Some image (x)\")></img></html>").is_empty());
        assert!(page("http://example.com/i.php?place=here&name=fred", "<html><meta name=\"description\" content=\"UnitTest Content\"></html>").is_empty());
        assert!(page("http://example.com/i.php?place=here&name=fred", "<html><meta http-equiv=\"refresh\" content=\"0; url=http://example.com/\"></html>").is_empty());
    }
}
