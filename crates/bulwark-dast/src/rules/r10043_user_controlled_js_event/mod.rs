//! User Controllable JavaScript Event (XSS) (ZAP 10043): a request parameter's value that is a part of an `on*`
//! event handler attribute. See README.md.

use crate::message::HttpMessage;
use crate::rules::content::r10031_user_controlled_attribute::params;
use crate::rules::content::r10041_insecure_form_load::html_content_type;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct UserControlledJsEvent;

static INFO: RuleInfo = RuleInfo {
    id: 10043,
    name: "User Controllable JavaScript Event (XSS)",
    status: RuleStatus::Release,
    cwe: 20,
    wasc: 20,
    description: "A query or form parameter's value shows up inside a JavaScript event handler attribute (`onclick`, \
                  `onerror`, …), where unencoded input runs as script.",
    solution: "Validate input and encode it for JavaScript before writing it into `on*` event attributes; better, \
               do not build handlers from input.",
    references: &["https://cheatsheetseries.owasp.org/cheatsheets/Input_Validation_Cheat_Sheet.html"],
};

/// The event attributes ZAP knows.
const EVENTS: &[&str] = &[
    "onabort", "onbeforeunload", "onblur", "onchange", "onclick", "oncontextmenu", "ondblclick", "ondrag",
    "ondragend", "ondragenter", "ondragleave", "ondragover", "ondragstart", "ondrop", "onerror", "onfocus",
    "onhashchange", "onkeydown", "onkeypress", "onkeyup", "onload", "onmessage", "onmousedown", "onmousemove",
    "onmouseout", "onmouseover", "onmouseup", "onmousewheel", "onoffline", "ononline", "onpopstate", "onreset",
    "onresize", "onscroll", "onselect", "onstorage", "onsubmit", "onunload",
];

impl PassiveRule for UserControlledJsEvent {
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
            for (name, value) in t.attrs.iter().filter(|(n, _)| EVENTS.contains(&n.as_str())) {
                for (pname, pvalue) in params.iter().filter(|(_, v)| !v.is_empty()) {
                    for part in value.split([';', '=', ',', ':']) {
                        if part.eq_ignore_ascii_case(pvalue) {
                            let mut a = Alert::new(&INFO, msg, Risk::Informational, Confidence::Low);
                            a.param.clone_from(pname);
                            a.other_info = format!(
                                "The page at {} has the event handler {name}=\"{value}\", which includes the value \
                                 of parameter '{pname}' ('{pvalue}').",
                                msg.url
                            );
                            out.push(a);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{msg, run, MsgExt};

    fn page(url: &str, body: &str) -> Vec<Alert> {
        run(&UserControlledJsEvent, &msg(url, 200).header("Content-Type", "text/html").body(body))
    }

    /// UserControlledJavascriptEventScanRuleUnitTest.shouldRaiseAlertIfRequestParamValuesUsedInJsEvent.
    #[test]
    fn fires_on_reflected_event_handler() {
        let a = page("http://example.com/i.php?place=here&name=fred", "<html><img src=\"x.jpg\" onerror=fred></img></html>");
        assert_eq!(a.len(), 1);
        assert_eq!((a[0].param.as_str(), a[0].risk, a[0].confidence), ("name", Risk::Informational, Confidence::Low));
    }

    /// shouldNotRaiseAlertIfResponseIsNotStatusOk, …IfResponseIsNotHtml, …IfRequestHasNoGetParams,
    /// …IfRequestParamsHaveNoValues, …IfRequestParamValuesNotUsedInJsEvent, …IfResponseHasUnknownJsEvent.
    #[test]
    fn quiet_cases() {
        let body = "<html><img src=\"x.jpg\" onerror=fred></img></html>";
        assert!(run(&UserControlledJsEvent, &msg("http://example.com/i.php?name=fred", 302).header("Content-Type", "text/html").body(body)).is_empty());
        assert!(run(&UserControlledJsEvent, &msg("http://example.com/i.php?name=fred", 200).header("Content-Type", "application/json").body(body)).is_empty());
        assert!(page("http://example.com/i.php", body).is_empty());
        assert!(page("http://example.com/i.php?place=&name=", body).is_empty());
        assert!(page("http://example.com/i.php?place=here&name=fred", "<html><img src=\"x.jpg\" onerror=alert(\"Error\")></img></html>").is_empty());
        assert!(page("http://example.com/i.php?place=here&name=fred", "<html><img src=\"x.jpg\" onblah=fred></img></html>").is_empty());
    }
}
