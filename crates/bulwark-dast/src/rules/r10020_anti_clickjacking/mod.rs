//! 10020 Anti-clickjacking Header: an HTML page that can be framed by any site (no `X-Frame-Options` and no CSP
//! `frame-ancestors`), or whose `X-Frame-Options` is repeated, malformed or set from a `<meta>` (RFC 7034 §4).

use super::{
    contains_ci, is_error, is_html, is_redirection, is_text, meta_http_equiv, tag_source, variant,
};
use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 10020,
    name: "Anti-clickjacking Header",
    status: RuleStatus::Release,
    cwe: 1021,
    wasc: 15,
    description: "The page does not tell browsers whether it may be shown in a frame of another site, so a hostile \
                  site can frame it and trick users into clicking on it (clickjacking).",
    solution: "Send Content-Security-Policy with a frame-ancestors directive ('none' or 'self'), or \
               X-Frame-Options: DENY or SAMEORIGIN, on every HTML page.",
    references: &[
        "https://www.rfc-editor.org/rfc/rfc7034",
        "https://www.w3.org/TR/CSP3/#directive-frame-ancestors",
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/X-Frame-Options",
    ],
};

const XFO: &str = "X-Frame-Options";

pub(super) struct Rule;

fn alert(msg: &HttpMessage, n: u32, name: &str, evidence: String, description: &str) -> Alert {
    let mut a = variant(&INFO, msg, n, name, Risk::Medium, Confidence::Medium);
    XFO.clone_into(&mut a.param);
    a.evidence = evidence;
    description.clone_into(&mut a.description);
    a
}

impl PassiveRule for Rule {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        // MEDIUM threshold: HTML pages with a body only, not errors or redirects.
        if !is_html(msg)
            || msg.body.is_empty()
            || !is_text(msg)
            || is_error(msg)
            || is_redirection(msg)
        {
            return;
        }
        // CSP frame-ancestors takes precedence over X-Frame-Options (CSP3 §6.4.2).
        if msg
            .headers("content-security-policy")
            .any(|v| contains_ci(v, "frame-ancestors"))
        {
            return;
        }
        let mut count = 0;
        for v in msg.headers(XFO) {
            count += 1;
            if !contains_ci(v, "deny") && !contains_ci(v, "sameorigin") {
                out.push(alert(
                    msg,
                    4,
                    "X-Frame-Options Setting Malformed",
                    v.to_string(),
                    "X-Frame-Options has a value other than DENY or SAMEORIGIN (ALLOW-FROM is obsolete and \
                     ignored by browsers), so the page can be framed.",
                ));
            }
        }
        match count {
            0 => out.push(alert(
                msg,
                1,
                "Missing Anti-clickjacking Header",
                String::new(),
                INFO.description,
            )),
            1 => {}
            _ => out.push(alert(
                msg,
                2,
                "Multiple X-Frame-Options Header Entries",
                String::new(),
                "More than one X-Frame-Options header was sent; browsers may ignore them all (RFC 7034 §2.1 \
                 allows one value).",
            )),
        }
        if let Some(tag) = meta_http_equiv(cx, XFO) {
            out.push(alert(
                msg,
                3,
                "X-Frame-Options Defined via META (Non-compliant with Spec)",
                tag_source(msg, tag),
                "X-Frame-Options is set with <meta http-equiv>, which browsers ignore (RFC 7034 §4): only the \
                 response header counts.",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::headers::run_with_tags;
    use crate::rules::testing::{MsgExt, msg, run};

    fn page() -> HttpMessage {
        msg("http://www.example.com/test/", 200)
            .header("Server", "Apache-Coyote/1.1")
            .header("Content-Type", "text/html;charset=ISO-8859-1")
            .body("<html></html>")
    }

    fn refs(alerts: &[Alert]) -> Vec<&str> {
        alerts.iter().map(|a| a.alert_ref.as_str()).collect()
    }

    // AntiClickjackingScanRuleUnitTest.xframeOptionsDeny / DenyLc / DenyMc / SameOrigin
    #[test]
    fn deny_or_sameorigin_in_any_case_passes() {
        for v in ["DENY", "deny", "DeNy", "SAMEORIGIN"] {
            assert!(
                run(&Rule, &page().header("X-Frame-Options", v)).is_empty(),
                "{v}"
            );
        }
    }

    // AntiClickjackingScanRuleUnitTest.noXframeOptions
    #[test]
    fn missing_header_fires_medium() {
        let a = run(&Rule, &page());
        assert_eq!(refs(&a), ["10020-1"]);
        assert_eq!(a[0].name, "Missing Anti-clickjacking Header");
        assert_eq!(
            (a[0].risk, a[0].confidence),
            (Risk::Medium, Confidence::Medium)
        );
        assert_eq!(a[0].param, "X-Frame-Options");
        assert_eq!((a[0].cwe, a[0].wasc), (1021, 15));
    }

    // AntiClickjackingScanRuleUnitTest.xframeOptionsAllowFrom and malformedXframeOptions
    #[test]
    fn allow_from_or_junk_is_malformed() {
        for v in ["ALLOW-FROM http://www.example.com", "STUFF"] {
            let a = run(&Rule, &page().header("x-frame-options", v));
            assert_eq!(refs(&a), ["10020-4"], "{v}");
            assert_eq!(a[0].evidence, v);
            assert_eq!(a[0].name, "X-Frame-Options Setting Malformed");
        }
    }

    // AntiClickjackingScanRuleUnitTest.multipleXframeOptions
    #[test]
    fn two_headers_fire_multiple() {
        let a = run(
            &Rule,
            &page()
                .header("X-Frame-Options", "DENY")
                .header("X-Frame-Options", "SAMEORIGIN"),
        );
        assert_eq!(refs(&a), ["10020-2"]);
        assert_eq!(a[0].evidence, "");
    }

    // AntiClickjackingScanRuleUnitTest.xframeOptionsViaMetaTag
    #[test]
    fn meta_tag_fires_missing_and_meta() {
        let m = page().body(r#"<html><meta http-equiv="X-Frame-Options" content="DENY"></html>"#);
        let a = run_with_tags(
            &Rule,
            &m,
            &[
                ("html", &[]),
                (
                    "meta",
                    &[("http-equiv", "X-Frame-Options"), ("content", "DENY")],
                ),
            ],
        );
        assert_eq!(refs(&a), ["10020-1", "10020-3"]);
        assert_eq!(
            a[1].evidence,
            r#"<meta http-equiv="X-Frame-Options" content="DENY">"#
        );
    }

    // AntiClickjackingScanRuleUnitTest.cspWithFaNoXframeOptions, cspNoFaNoXframeOptions
    #[test]
    fn csp_frame_ancestors_takes_precedence() {
        let m = page().header(
            "Content-Security-Policy",
            "default-src 'self'; frame-ancestors 'none'",
        );
        assert!(run(&Rule, &m).is_empty());
        let m = page().header("Content-Security-Policy", "default-src 'self'");
        assert_eq!(refs(&run(&Rule, &m)), ["10020-1"]);
        // CSP3: frame-ancestors in a second CSP header still applies (every policy is enforced).
        let m = page()
            .header("Content-Security-Policy", "default-src 'self'")
            .header("content-security-policy", "frame-ancestors 'self'");
        assert!(run(&Rule, &m).is_empty());
    }

    // AntiClickjackingScanRuleUnitTest.noXframeOptionsErrorMed, noXframeOptionsPlainTextMed
    #[test]
    fn errors_redirects_and_non_html_pass_at_medium() {
        for status in [301, 404, 500] {
            let mut m = page();
            m.status = status;
            assert!(run(&Rule, &m).is_empty(), "{status}");
        }
        let m = msg("http://www.example.com/test/", 200)
            .header("Content-Type", "text/plain")
            .body("hello");
        assert!(run(&Rule, &m).is_empty());
        // An empty body is not judged.
        let m = msg("http://www.example.com/", 200).header("Content-Type", "text/html");
        assert!(run(&Rule, &m).is_empty());
    }
}
