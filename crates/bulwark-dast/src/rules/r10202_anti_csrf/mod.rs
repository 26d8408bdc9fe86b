//! Absence of Anti-CSRF Tokens (ZAP 10202): a POST form (any non-GET form) without a field named like a known
//! anti-CSRF token. See README.md.

use std::sync::LazyLock;

use regex::Regex;

use crate::html::{Document, Tag};
use crate::message::HttpMessage;
use crate::rules::content::start_tag_text;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct AntiCsrf;

static INFO: RuleInfo = RuleInfo {
    id: 10202,
    name: "Absence of Anti-CSRF Tokens",
    status: RuleStatus::Release,
    cwe: 352,
    wasc: 9,
    description: "A form that changes state carries no anti-CSRF token, so another site can make a logged-in \
                  user's browser submit it (cross-site request forgery).",
    solution: "Give each state-changing form an unpredictable per-session (or per-request) token checked by the \
               server, and set session cookies `SameSite=Lax` or `Strict`.",
    references: &["https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html"],
};

/// ZAP's default anti-CSRF token names (Options › Anti-CSRF Tokens, zaproxy `AntiCsrfParam`), compared
/// case-insensitively.
pub(crate) const TOKEN_NAMES: &[&str] = &[
    "anticsrf",
    "CSRFToken",
    "__RequestVerificationToken",
    "csrfmiddlewaretoken",
    "authenticity_token",
    "OWASP_CSRFTOKEN",
    "anoncsrf",
    "csrf_token",
    "_csrf",
    "_csrfSecret",
    "__csrf_magic",
    "CSRF",
    "_token",
    "_csrf_token",
    "_csrfToken",
];

fn is_token(name: &str) -> bool {
    TOKEN_NAMES.iter().any(|t| t.eq_ignore_ascii_case(name))
}

/// Offsets of the `</form` end tags of a body, in order (one pass).
pub(crate) fn form_end_offsets(body: &str) -> Vec<usize> {
    static END: LazyLock<Regex> = LazyLock::new(|| Regex::new("(?i)</form").expect("form end regex"));
    END.find_iter(body).map(|m| m.start()).collect()
}

/// The tags of a form: from its start tag to its `</form>` (or the next `<form>`, or the end). `ends` from
/// [`form_end_offsets`]; a binary search keeps many forms linear-logarithmic.
pub(crate) fn form_tags<'d>(doc: &'d Document, ends: &[usize], form_index: usize) -> impl Iterator<Item = &'d Tag> + 'd {
    let start = doc.tags[form_index].offset;
    let k = ends.partition_point(|&e| e <= start);
    let end = ends.get(k).copied().unwrap_or(usize::MAX);
    doc.tags[form_index + 1..]
        .iter()
        .take_while(move |t| t.offset < end && t.name != "form")
}

impl PassiveRule for AntiCsrf {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if !msg.is_html() {
            return;
        }
        let Some(doc) = cx.doc else { return };
        let body = cx.text;
        let ends = form_end_offsets(body);
        let mut form_no = 0;
        for (i, form) in doc.tags.iter().enumerate().filter(|(_, t)| t.name == "form") {
            form_no += 1;
            // MEDIUM threshold: GET forms are left out (ZAP judges them at LOW).
            if form.attr("method").unwrap_or("GET").eq_ignore_ascii_case("GET") {
                continue;
            }
            // A form with no element before it has no parent: ZAP skips it as not really HTML.
            if i == 0 {
                continue;
            }
            let mut names: Vec<&str> = Vec::new();
            let mut has_token = false;
            for input in form_tags(doc, &ends, i).filter(|t| t.name == "input") {
                let (id, name) = (input.attr("id"), input.attr("name"));
                if let Some(n) = id.or(name) {
                    names.push(n);
                }
                has_token |= id.is_some_and(is_token) || name.is_some_and(is_token);
            }
            if has_token {
                continue;
            }
            names.sort_by_key(|n| n.to_lowercase());
            names.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
            let mut a = Alert::new(&INFO, msg, Risk::Medium, Confidence::Low);
            a.evidence = start_tag_text(body, form).to_string();
            a.other_info = format!(
                "No known anti-CSRF token [{}] was found in the following HTML form: [Form {form_no}: \"{}\" ].",
                TOKEN_NAMES.join(", "),
                names.join("\" \"")
            );
            out.push(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{msg, run, MsgExt};

    fn page(body: &str) -> Vec<Alert> {
        run(&AntiCsrf, &msg("http://example.com/", 200).header("Content-Type", "text/html").body(body))
    }

    /// CsrfCountermeasuresScanRuleUnitTest.shouldRaiseAlertIfThereIsNoCSRFTokenFound,
    /// shouldRaiseAlertWithSortedUniqueFormFieldsInOtherInfoIfThereIsNoCSRFTokenFound,
    /// shouldRaiseOneAlertForOneFormWhenSecondFormHasAKnownCSRFToken (ZAP's mocked token names replaced by
    /// ZAP's defaults).
    #[test]
    fn fires_on_post_forms_without_tokens() {
        let a = page("<html><head></head><body><form id=\"no_csrf_token\" method=\"POST\"><input type=\"text\"/><input type=\"submit\"/></form></body></html>");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].evidence, "<form id=\"no_csrf_token\" method=\"POST\">");
        assert_eq!((a[0].risk, a[0].confidence, a[0].cwe, a[0].wasc), (Risk::Medium, Confidence::Low, 352, 9));
        let a = page("<html><body><form id=\"f\" method=\"POST\"><input name=\"zeta\"/><input name=\"Alpha\"/><input id=\"alpha\"/><input name=\"beta\"/></form></body></html>");
        assert!(a[0].other_info.ends_with("[Form 1: \"Alpha\" \"beta\" \"zeta\" ]."), "{}", a[0].other_info);
        let a = page("<html><head></head><body><form id=\"second_form\" method=\"POST\"><input type=\"text\" name=\"name\"/><input type=\"submit\"/></form><form id=\"first_form\" method=\"POST\"><input type=\"text\" name=\"csrf_token\"/><input type=\"submit\"/></form></body></html>");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].evidence, "<form id=\"second_form\" method=\"POST\">");
    }

    /// shouldNotRaiseAlertIfContentTypeIsNotHTML, …IfThereIsNoForm, …IfFormHasNoParent,
    /// …WhenThereIsOnlyOneFormWithFirstKnownCSRFTokenUsingName / …UsingId; GET forms at MEDIUM.
    #[test]
    fn quiet_cases() {
        let m = msg("http://example.com/", 200).header("Content-Type", "application/json").body("<html><body><form method=\"POST\"></form></body></html>");
        assert!(run(&AntiCsrf, &m).is_empty());
        assert!(page("<html><head></head><body><p>no form</p></body></html>").is_empty());
        assert!(page("<form id=\"no_csrf_token\" method=\"POST\"><input type=\"text\"/><input type=\"submit\"/></form>").is_empty());
        assert!(page("<html><head></head><body><form id=\"form_name\"  method=\"POST\"><input type=\"text\" name=\"authenticity_token\"/><input type=\"submit\"/></form></body></html>").is_empty());
        assert!(page("<html><head></head><body><form id=\"form_name\"  method=\"POST\"><input type=\"text\" id=\"CSRFToken\"/></form></body></html>").is_empty());
        assert!(page("<html><body><form id=\"first_form\"><input type=\"text\" name=\"name\"/></form><form method=\"GET\"></form></body></html>").is_empty());
    }
}
