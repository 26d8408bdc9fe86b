//! Base64 Disclosure (ZAP 10094, alpha): long base64 strings in response headers or the body. See README.md.

use std::sync::LazyLock;

use regex::Regex;

use crate::message::HttpMessage;
use crate::rules::content::{base64_decode, clip, headers_block, is_binary_type};
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct Base64Disclosure;

static INFO: RuleInfo = RuleInfo {
    id: 10094,
    name: "Base64 Disclosure",
    status: RuleStatus::Alpha,
    cwe: 319,
    wasc: 13,
    description: "The response carries base64-encoded data; encoded is not encrypted, and such blobs often hold \
                  state, identifiers or secrets. Only the first one found is reported.",
    solution: "Check that the decoded data is not sensitive and cannot be combined into something exploitable.",
    references: &["https://projects.webappsec.org/w/page/13246936/Information%20Leakage"],
};

/// Headers whose values are opaque tokens by design (ZAP's list).
const IGNORED_HEADERS: &[&str] = &["ETag", "Authorization", "X-ChromeLogger-Data", "X-ChromePhp-Data"];

static CANDIDATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[a-zA-Z0-9+\\/\-_]{30,}={0,2}").expect("base64 regex"));

/// ZAP's MEDIUM threshold (25 %): a 30+ character candidate missing digits, letters, lower or upper case is
/// much more likely a word than random base64, and is skipped.
fn plausible(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().any(u8::is_ascii_digit) && b.iter().any(u8::is_ascii_lowercase) && b.iter().any(u8::is_ascii_uppercase)
}

impl PassiveRule for Base64Disclosure {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        let headers = headers_block(msg, IGNORED_HEADERS);
        let body = if is_binary_type(msg) { "" } else { cx.text };
        for hay in [headers.as_str(), body] {
            for m in CANDIDATE.find_iter(hay) {
                let s = m.as_str();
                let unpadded = s.trim_end_matches('=');
                // Java's decoder rejects a lone trailing sextet and backslashes.
                if unpadded.len() % 4 == 1 || !plausible(s) {
                    continue;
                }
                let Some(decoded) = base64_decode(s) else { continue };
                let mut a = Alert::new(&INFO, msg, Risk::Informational, Confidence::Medium);
                a.alert_ref = "10094-3".into();
                a.evidence = s.to_string();
                a.other_info = clip(&String::from_utf8_lossy(&decoded), 1000).to_string();
                out.push(a);
                // MEDIUM threshold: the first one only.
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{msg, run, MsgExt};

    const HEADER_CONTENT: &str = "W/\"45cd-7MlSATHznbvb7qdGT+/VL6oqXM\"";

    /// Base64DisclosureUnitTest.shouldAlertOnBase64ContentInHeader, and a body case.
    #[test]
    fn fires_on_base64() {
        let a = run(&Base64Disclosure, &msg("http://a.test/", 200).header("example", HEADER_CONTENT));
        assert_eq!(a.len(), 1);
        assert_eq!((a[0].alert_ref.as_str(), a[0].risk, a[0].cwe), ("10094-3", Risk::Informational, 319));
        let m = msg("http://a.test/", 200).header("Content-Type", "text/html").body("<p>c2VjcmV0OnBhc3N3b3JkMTIzNDU2Nzg5MA==</p>");
        let a = run(&Base64Disclosure, &m);
        assert_eq!(a[0].other_info, "secret:password1234567890");
    }

    /// shouldNotAlertOnIgnoredHeader; a long word without digits is skipped on probability grounds.
    #[test]
    fn quiet_cases() {
        for h in ["ETag", "etag", "ETAG", "Authorization", "X-ChromeLogger-Data", "X-ChromePhp-Data"] {
            assert!(run(&Base64Disclosure, &msg("http://a.test/", 200).header(h, HEADER_CONTENT)).is_empty(), "{h}");
        }
        let m = msg("http://a.test/", 200).body("AntidisestablishmentarianismIsALongWord");
        assert!(run(&Base64Disclosure, &m).is_empty());
    }
}
