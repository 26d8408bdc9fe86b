//! 10052 X-ChromeLogger-Data (XCOLD) Header Information Leak: an `X-ChromeLogger-Data` or `X-ChromePhp-Data`
//! header, server-side debug logs shipped to the browser (base64 JSON). One alert per header; the decoded text
//! goes to other-info when it decodes.

use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 10052,
    name: "X-ChromeLogger-Data (XCOLD) Header Information Leak",
    status: RuleStatus::Release,
    cwe: 532,
    wasc: 13,
    description: "The response carries ChromeLogger debug data: server-side log entries (paths, queries, \
                  variables) that anyone who sees the response can read.",
    solution: "Disable ChromeLogger (ChromePhp) in production.",
    references: &["https://craig.is/writing/chrome-logger/techspecs"],
};

pub(super) struct Rule;

/// Standard base64 (with or without padding), `None` on any other byte.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in s.trim().bytes().filter(|&b| b != b'=') {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).unwrap_or(0));
        }
    }
    Some(out)
}

impl PassiveRule for Rule {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, _cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        for v in msg
            .headers("x-chromelogger-data")
            .chain(msg.headers("x-chromephp-data"))
        {
            let mut a = Alert::new(&INFO, msg, Risk::Medium, Confidence::High);
            a.evidence = v.to_string();
            a.other_info = match base64_decode(v) {
                Some(bytes) => format!(
                    "The header decodes to:\n{}",
                    String::from_utf8_lossy(&bytes)
                ),
                None => "The header value is not valid base64.".into(),
            };
            out.push(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{MsgExt, msg, run};

    // XChromeLoggerDataInfoLeakScanRuleUnitTest.shouldRaiseAlertIfResponseHasRelevantHeader,
    // shouldRaiseAlertIfResponseHasAlternateRelevantHeader(EvenWithInvalidEncoding)
    #[test]
    fn either_header_fires() {
        // base64 of {"version":"4.0"}
        let m = msg("https://example.com/", 200)
            .header("X-ChromeLogger-Data", "eyJ2ZXJzaW9uIjoiNC4wIn0=");
        let a = run(&Rule, &m);
        assert_eq!(a.len(), 1);
        assert_eq!(
            (a[0].risk, a[0].confidence),
            (Risk::Medium, Confidence::High)
        );
        assert!(a[0].other_info.contains(r#"{"version":"4.0"}"#));
        let a = run(
            &Rule,
            &msg("https://example.com/", 200).header("X-ChromePhp-Data", "%%%not base64"),
        );
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].evidence, "%%%not base64");
    }

    // XChromeLoggerDataInfoLeakScanRuleUnitTest.shouldNotRaiseAlertIfResponseHasNoRelevantHeader
    #[test]
    fn absent_passes() {
        assert!(
            run(
                &Rule,
                &msg("https://example.com/", 200).header("X-Other", "x")
            )
            .is_empty()
        );
    }
}
