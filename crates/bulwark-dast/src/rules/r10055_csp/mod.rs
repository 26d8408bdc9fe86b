//! 10055 CSP: judges each Content-Security-Policy of an HTML page (every header, every `<meta http-equiv>`
//! policy), parsed as CSP3 §2.2 parses a serialized policy. Alerts (`10055-N`, ZAP's numbering):
//! 1/2 the obsolete X-Content-Security-Policy / X-WebKit-CSP headers; 3 parse notices; 4 directives that let any
//! external host load (a wildcard, a bare scheme, or a missing directive with no `default-src`); 5/6
//! `'unsafe-inline'` scripts/styles in effect; 7/8 `'unsafe-hashes'`; 9 non-ASCII policy; 10 `'unsafe-eval'`;
//! 11 meta policy with a directive a `<meta>` cannot carry; 12 policies in both header and meta; 13
//! `frame-ancestors` or `form-action` (which have no fallback) missing or wildcard.

mod policy;

use policy::{Policy, Severity};

use super::{is_html, meta_http_equiv, variant};
use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 10055,
    name: "CSP",
    status: RuleStatus::Release,
    cwe: 693,
    wasc: 15,
    description: "The page's Content Security Policy leaves a gap: it allows a source, inline code or eval that an \
                  attacker who can inject markup could use, or it is malformed so browsers ignore part of it.",
    solution: "Tighten the policy: define default-src, script-src, style-src, object-src, frame-ancestors and \
               form-action; avoid wildcards, bare schemes, 'unsafe-inline', 'unsafe-eval' and \
               'unsafe-hashes'; use nonces or hashes for inline code.",
    references: &[
        "https://www.w3.org/TR/CSP3/",
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/CSP",
        "https://cheatsheetseries.owasp.org/cheatsheets/Content_Security_Policy_Cheat_Sheet.html",
    ],
};

const CSP: &str = "Content-Security-Policy";

/// The fetch directives a wildcard alert names, with the random external URL test of each (CSP3 §6.8.3
/// fallback lists). Order as ZAP lists them.
const NO_FALLBACK: [&str; 2] = ["frame-ancestors", "form-action"];

pub(super) struct Rule;

fn alert(msg: &HttpMessage, n: u32, name: &str, risk: Risk, param: &str, evidence: &str) -> Alert {
    let full = format!("CSP: {name}");
    let mut a = variant(&INFO, msg, n, &full, risk, Confidence::High);
    param.clone_into(&mut a.param);
    evidence.clone_into(&mut a.evidence);
    a
}

impl PassiveRule for Rule {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        // MEDIUM threshold: HTML only.
        if !is_html(msg) {
            return;
        }
        let headers: Vec<(&str, &str)> = msg
            .response_headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(CSP))
            .map(|(k, v)| (k.as_str(), v.trim()))
            .collect();
        let has_header = !headers.is_empty();
        for (legacy, n, label) in [
            ("x-content-security-policy", 1, "X-Content-Security-Policy"),
            ("x-webkit-csp", 2, "X-WebKit-CSP"),
        ] {
            if let Some((k, v)) = msg
                .response_headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(legacy))
            {
                let risk = if has_header {
                    Risk::Informational
                } else {
                    Risk::Low
                };
                let mut a = alert(msg, n, label, risk, k, v);
                a.other_info = format!(
                    "{label} is a prefixed header from before CSP was standardised; current browsers ignore it, \
                     and this rule does not evaluate its policy."
                );
                out.push(a);
            }
        }
        for (name, value) in &headers {
            // A header value may be a comma-separated list of policies (CSP3 §2.2.2); each is enforced.
            for text in value.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                judge(msg, out, name, text, false);
            }
        }
        let Some(doc) = cx.doc else { return };
        if meta_http_equiv(cx, CSP).is_none() {
            return;
        }
        for tag in doc.tags.iter().filter(|t| t.name == "meta") {
            if !tag
                .attr("http-equiv")
                .is_some_and(|h| h.trim().eq_ignore_ascii_case(CSP))
            {
                continue;
            }
            let content = tag.attr("content").unwrap_or("").trim();
            // A meta policy is one serialized policy, not a list: one with a comma is not evaluated (as ZAP).
            if !content.is_empty() && !content.contains(',') {
                judge(msg, out, CSP, content, true);
            }
            if has_header {
                let mut a = alert(msg, 12, "Header & Meta", Risk::Informational, "", "");
                a.description = "The page sets policies both in a header and in a <meta> element. Browsers \
                                 enforce both; they were evaluated separately here, not as their union."
                    .into();
                out.push(a);
            }
        }
    }
}

/// All alerts for one policy text.
fn judge(msg: &HttpMessage, out: &mut Vec<Alert>, param: &str, text: &str, meta: bool) {
    let p = match Policy::parse(text) {
        Ok(p) => p,
        Err(bad) => {
            let mut a = alert(
                msg,
                9,
                "Malformed Policy (Non-ASCII)",
                Risk::Medium,
                param,
                text,
            );
            a.other_info = format!(
                "The policy holds characters outside printable ASCII, so it is invalid and was not evaluated \
                 further. The characters: {bad}"
            );
            out.push(a);
            return;
        }
    };
    if !p.notices.is_empty() {
        let risk = if p.notices.iter().any(|(s, _)| *s != Severity::Info) {
            Risk::Low
        } else {
            Risk::Informational
        };
        let mut a = alert(msg, 3, "Notices", risk, param, text);
        for (sev, heading) in [
            (Severity::Error, "Errors:"),
            (Severity::Warning, "Warnings:"),
            (Severity::Info, "Info Items:"),
        ] {
            let items: Vec<&str> = p
                .notices
                .iter()
                .filter(|(s, _)| *s == sev)
                .map(|(_, m)| m.as_str())
                .collect();
            if !items.is_empty() {
                a.other_info.push_str(heading);
                a.other_info.push('\n');
                for m in items {
                    a.other_info.push_str(m);
                    a.other_info.push('\n');
                }
            }
        }
        out.push(a);
    }
    let mut open = p.open_directives();
    if meta {
        // frame-ancestors is not allowed in a meta policy (CSP3 §3.3), so its absence there is no gap.
        open.retain(|d| *d != "frame-ancestors");
    }
    let no_fallback: Vec<&str> = NO_FALLBACK
        .iter()
        .copied()
        .filter(|d| open.contains(d))
        .collect();
    open.retain(|d| !NO_FALLBACK.contains(d));
    if !no_fallback.is_empty() {
        let mut a = alert(
            msg,
            13,
            "Failure to Define Directive with No Fallback",
            Risk::Medium,
            param,
            text,
        );
        a.description = "The policy does not restrict a directive that has no fallback to default-src; leaving it \
                         out allows anything."
            .into();
        a.other_info = format!(
            "Directives without fallback that are missing or allow any source: {}",
            no_fallback.join(", ")
        );
        out.push(a);
    }
    if !open.is_empty() {
        let mut a = alert(msg, 4, "Wildcard Directive", Risk::Medium, param, text);
        a.other_info = format!(
            "These directives allow any external host (a wildcard, a bare scheme, or the directive and \
             default-src both missing):\n{}",
            open.join(", ")
        );
        out.push(a);
    }
    let checks: [(bool, u32, &str, &str); 5] = [
        (
            p.allows_inline_script(),
            5,
            "script-src unsafe-inline",
            "Inline scripts run: 'unsafe-inline' is in effect for scripts (or nothing restricts them).",
        ),
        (
            p.allows_inline_style(),
            6,
            "style-src unsafe-inline",
            "Inline styles apply: 'unsafe-inline' is in effect for styles (or nothing restricts them).",
        ),
        (
            p.has_keyword("script-src", "'unsafe-hashes'"),
            7,
            "script-src unsafe-hashes",
            "script-src has 'unsafe-hashes': event handler attributes matching its hashes run.",
        ),
        (
            p.has_keyword("style-src", "'unsafe-hashes'"),
            8,
            "style-src unsafe-hashes",
            "style-src has 'unsafe-hashes': style attributes matching its hashes apply.",
        ),
        (
            p.has_keyword("script-src", "'unsafe-eval'"),
            10,
            "script-src unsafe-eval",
            "script-src has 'unsafe-eval': eval() and similar run strings as code.",
        ),
    ];
    for (i, (hit, n, name, other)) in checks.into_iter().enumerate() {
        // For a meta policy ZAP raises the invalid-directive alert just before unsafe-eval.
        if i == 4 && meta {
            push_bad_meta(msg, out, &p, text);
        }
        if hit {
            let mut a = alert(msg, n, name, Risk::Medium, param, text);
            other.clone_into(&mut a.other_info);
            out.push(a);
        }
    }
}

/// 10055-11: a meta policy with `sandbox`, `frame-ancestors` or `report-uri`, which CSP3 §3.3 ignores there.
fn push_bad_meta(msg: &HttpMessage, out: &mut Vec<Alert>, p: &Policy<'_>, text: &str) {
    if ["sandbox", "frame-ancestors", "report-uri"]
        .iter()
        .any(|d| p.get(d).is_some())
    {
        let mut a = alert(
            msg,
            11,
            "Meta Policy Invalid Directive",
            Risk::Medium,
            CSP,
            text,
        );
        a.description = "A policy in a <meta> element has sandbox, frame-ancestors or report-uri, which browsers \
                         ignore there (CSP3 §3.3); send them in the header."
            .into();
        out.push(a);
    }
}

#[cfg(test)]
mod tests;
