//! 10035 Strict-Transport-Security Header: an HTTPS response without HSTS (RFC 6797), or with HSTS that is
//! repeated, disabled (`max-age=0`), without `max-age`, malformed, or set from a `<meta>` (RFC 6797 §8.5).

use std::sync::LazyLock;

use regex::Regex;

use super::{is_redirection, meta_http_equiv, variant};
use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 10035,
    name: "Strict-Transport-Security Header",
    status: RuleStatus::Release,
    cwe: 319,
    wasc: 15,
    description: "The HTTPS response does not set HTTP Strict Transport Security, so a browser may later reach the \
                  site over plain HTTP, where an attacker on the network can read or change the traffic.",
    solution: "Send Strict-Transport-Security: max-age=31536000 (optionally with includeSubDomains) once, on \
               every HTTPS response.",
    references: &[
        "https://www.rfc-editor.org/rfc/rfc6797",
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Strict-Transport-Security",
    ],
};

const STS: &str = "Strict-Transport-Security";

/// `max-age` with a number, quotes allowed around it (RFC 6797 §6.1.1 allows a quoted-string).
static MAX_AGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\bmax-age\s*=\s*['"]*\s*(\d+)\s*['"]*"#).expect("static regex")
});
/// A quote before the directive name: `"max-age=…"` (the whole value quoted).
static QUOTED_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)['"+|]\s*max"#).expect("static regex"));

pub(super) struct Rule;

fn alert(msg: &HttpMessage, n: u32, name: &str, evidence: &str, description: &str) -> Alert {
    let mut a = variant(&INFO, msg, n, name, Risk::Low, Confidence::High);
    a.evidence = evidence.to_string();
    description.clone_into(&mut a.description);
    a
}

/// A redirect to the same HTTPS origin (or a relative one): its target will carry the header, so ZAP's default
/// threshold does not ask for it here.
fn redirects_within_https_origin(msg: &HttpMessage) -> bool {
    let (Some(loc), Ok(base)) = (msg.header("location"), url::Url::parse(&msg.url)) else {
        return false;
    };
    if url::Url::parse(loc.trim()).is_err() {
        // Relative reference: same origin by construction.
        return base.join(loc.trim()).is_ok();
    }
    url::Url::parse(loc.trim()).is_ok_and(|to| {
        to.scheme() == "https"
            && to.host_str() == base.host_str()
            && to.port_or_known_default() == base.port_or_known_default()
    })
}

impl PassiveRule for Rule {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        // RFC 6797 §8.1: a UA ignores the header over plain HTTP, so only HTTPS responses are judged (ZAP raises
        // 10035-4 for HSTS on plain HTTP only at LOW threshold).
        if msg.is_https() {
            let mut values = msg.headers(STS);
            match (values.next(), values.next()) {
                (None, _) => {
                    if !(is_redirection(msg) && redirects_within_https_origin(msg)) {
                        out.push(alert(msg, 1, "Strict-Transport-Security Header Not Set", "", INFO.description));
                    }
                }
                (Some(_), Some(_)) => out.push(alert(
                    msg,
                    3,
                    "Strict-Transport-Security Multiple Header Entries (Non-compliant with Spec)",
                    "",
                    "More than one Strict-Transport-Security header was sent; RFC 6797 §8.1 has the browser \
                     process only the first.",
                )),
                (Some(v), None) => judge_value(msg, v, out),
            }
        }
        if let Some(tag) = meta_http_equiv(cx, STS) {
            out.push(alert(
                msg,
                6,
                "Strict-Transport-Security Defined via META (Non-compliant with Spec)",
                tag.attr("http-equiv").unwrap_or(STS),
                "Strict-Transport-Security is set with <meta http-equiv>, which browsers ignore (RFC 6797 §8.5).",
            ));
        }
    }
}

fn judge_value(msg: &HttpMessage, v: &str, out: &mut Vec<Alert>) {
    if !v.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        out.push(alert(
            msg,
            8,
            "Strict-Transport-Security Malformed Content (Non-compliant with Spec)",
            STS,
            "The Strict-Transport-Security value holds characters outside printable ASCII (such as curly \
             quotes), so browsers may reject it.",
        ));
    } else if let Some(c) = MAX_AGE.captures(v) {
        let zero = c
            .get(1)
            .is_some_and(|d| d.as_str().bytes().all(|b| b == b'0'));
        if zero {
            out.push(alert(
                msg,
                2,
                "Strict-Transport-Security Disabled",
                c.get(0).map_or("", |m| m.as_str()),
                "max-age=0 tells the browser to forget the host as an HSTS host (RFC 6797 §6.1.1).",
            ));
        } else if QUOTED_NAME.is_match(v) {
            out.push(alert(
                msg,
                7,
                "Strict-Transport-Security Max-Age Malformed (Non-compliant with Spec)",
                v,
                "The max-age directive is preceded by a quote, so it does not parse as a directive name.",
            ));
        }
    } else {
        out.push(alert(
            msg,
            5,
            "Strict-Transport-Security Missing Max-Age (Non-compliant with Spec)",
            v,
            "The Strict-Transport-Security value has no max-age, which RFC 6797 §6.1.1 requires; browsers ignore it.",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::headers::run_with_tags;
    use crate::rules::testing::{MsgExt, msg, run};

    fn https() -> HttpMessage {
        msg("https://example.com", 200)
    }

    fn names(a: &[Alert]) -> Vec<&str> {
        a.iter().map(|a| a.name.as_str()).collect()
    }

    // StrictTransportSecurityScanRuleUnitTest.shouldNotRaiseAlertIfResponseIsNotHttps
    #[test]
    fn plain_http_passes() {
        assert!(run(&Rule, &msg("http://example.com", 200)).is_empty());
        // RFC 6797 §8.1: the header over HTTP is ignored; ZAP reports it only at LOW.
        assert!(
            run(
                &Rule,
                &msg("http://example.com", 200).header(STS, "max-age=31536000")
            )
            .is_empty()
        );
    }

    // StrictTransportSecurityScanRuleUnitTest.shouldRaiseAlertIfResponseMissingHeader
    #[test]
    fn missing_fires_low_high() {
        let a = run(&Rule, &https());
        assert_eq!(names(&a), ["Strict-Transport-Security Header Not Set"]);
        assert_eq!(a[0].alert_ref, "10035-1");
        assert_eq!((a[0].risk, a[0].confidence), (Risk::Low, Confidence::High));
    }

    // StrictTransportSecurityScanRuleUnitTest.shouldNotRaiseAlertIfResponseHasWellformedHeaderAndValue
    #[test]
    fn well_formed_passes() {
        for v in [
            "max-age=86400",
            "max-age=31536000; includeSubDomains; preload",
            "MAX-AGE=\"31536000\"",
        ] {
            assert!(
                run(&Rule, &https().header("strict-transport-security", v)).is_empty(),
                "{v}"
            );
        }
    }

    // StrictTransportSecurityScanRuleUnitTest.shouldRaiseAlertIfResponseHasMultipleHeaders
    #[test]
    fn multiple_headers_fire() {
        let a = run(
            &Rule,
            &https()
                .header(STS, "max-age=86400")
                .header(STS, "max-age=31536000"),
        );
        assert_eq!(
            names(&a),
            ["Strict-Transport-Security Multiple Header Entries (Non-compliant with Spec)"]
        );
    }

    // StrictTransportSecurityScanRuleUnitTest.shouldRaiseAlertIfResponseHasStsDisablingHeader, …WithBlankValue,
    // …HeaderValueHasJunkContent, …HeaderValueHasImproperQuotes
    #[test]
    fn bad_values_fire() {
        let cases = [
            ("max-age=0", "Strict-Transport-Security Disabled", "10035-2"),
            (
                "",
                "Strict-Transport-Security Missing Max-Age (Non-compliant with Spec)",
                "10035-5",
            ),
            (
                "max-age=86400\u{201d}",
                "Strict-Transport-Security Malformed Content (Non-compliant with Spec)",
                "10035-8",
            ),
            (
                "\"max-age=84600\"",
                "Strict-Transport-Security Max-Age Malformed (Non-compliant with Spec)",
                "10035-7",
            ),
        ];
        for (v, name, r) in cases {
            let a = run(&Rule, &https().header(STS, v));
            assert_eq!(names(&a), [name], "{v:?}");
            assert_eq!(a[0].alert_ref, r);
        }
    }

    // StrictTransportSecurityScanRuleUnitTest.shouldRaiseAlertIfResponseContainsStsHeaderAndMeta
    #[test]
    fn meta_fires() {
        let m = https()
            .header(STS, "max-age=31536000")
            .header("Content-Type", "text/html")
            .body(r#"<html><meta http-equiv="Strict-Transport-Security" content="max-age=31536000" /></html>"#);
        let a = run_with_tags(
            &Rule,
            &m,
            &[(
                "meta",
                &[
                    ("http-equiv", "Strict-Transport-Security"),
                    ("content", "max-age=31536000"),
                ],
            )],
        );
        assert_eq!(
            names(&a),
            ["Strict-Transport-Security Defined via META (Non-compliant with Spec)"]
        );
    }

    // StrictTransportSecurityScanRuleUnitTest.shouldNotRaiseAlertIfThresholdNotLowRedirectSameDomain,
    // …RedirectRelativePath, shouldRaiseAlertIfThresholdNotLowRedirectCrossDomain
    #[test]
    fn redirects_within_the_https_origin_pass() {
        for loc in ["https://example.com/default/", "/default/"] {
            assert!(
                run(
                    &Rule,
                    &msg("https://example.com", 301).header("Location", loc)
                )
                .is_empty(),
                "{loc}"
            );
        }
        for loc in ["https://other.com/default/", "http://example.com/"] {
            let a = run(
                &Rule,
                &msg("https://example.com", 301).header("Location", loc),
            );
            assert_eq!(
                names(&a),
                ["Strict-Transport-Security Header Not Set"],
                "{loc}"
            );
        }
    }

    // RFC 6797 §6.2: the specification's own examples are well formed.
    #[test]
    fn rfc_6797_examples_pass() {
        for v in ["max-age=31536000", "max-age=15768000 ; includeSubDomains"] {
            assert!(run(&Rule, &https().header(STS, v)).is_empty(), "{v}");
        }
    }
}
