//! Timestamp Disclosure (ZAP 10096): Unix timestamps (ten digits, within ten years of now) in response headers
//! and the body. See README.md.

use std::sync::LazyLock;

use regex::Regex;

use crate::message::HttpMessage;
use crate::rules::content::{is_binary_type, is_font};
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct TimestampDisclosure;

static INFO: RuleInfo = RuleInfo {
    id: 10096,
    name: "Timestamp Disclosure",
    status: RuleStatus::Release,
    cwe: 497,
    wasc: 13,
    description: "The response carries a Unix timestamp. Timestamps can leak server time, record creation dates \
                  or token generation times that help an attacker.",
    solution: "Check that the timestamp is not sensitive and that combining such values reveals nothing \
               exploitable.",
    references: &["https://cwe.mitre.org/data/definitions/200.html"],
};

/// Headers whose numbers are times or durations by design (ZAP's ignore list).
const IGNORED_HEADERS: &[&str] = &[
    "Keep-Alive",
    "Cache-Control",
    "ETag",
    "Age",
    "Strict-Transport-Security",
    "Report-To",
    "NEL",
    "Expect-CT",
    "RateLimit-Reset",
    "X-RateLimit-Reset",
    "X-Rate-Limit-Reset",
];

/// Ten digits from 1000000000 (2001) to 2299999999, on word boundaries.
static UNIX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(?:1[0-9]|2[0-2])[0-9]{8}\b").expect("timestamp regex"));

const Y2038: i64 = 2_147_483_647;
const TEN_YEARS: i64 = 10 * 365 * 86_400 + 3 * 86_400;

/// `YYYY-MM-DD HH:MM:SS` (UTC) of a Unix time.
pub(crate) fn civil(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = bulwark_types::time::civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
}

fn now() -> i64 {
    bulwark_types::time::now_unix()
}


impl PassiveRule for TimestampDisclosure {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if is_font(msg) {
            return;
        }
        let now = now();
        let (start, stop) = (now - TEN_YEARS, (now + TEN_YEARS).min(Y2038));
        let body = if is_binary_type(msg) { "" } else { cx.text };
        let parts = msg
            .response_headers
            .iter()
            .filter(|(k, _)| !IGNORED_HEADERS.iter().any(|i| i.eq_ignore_ascii_case(k)))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(std::iter::once(("", body)));
        for (param, hay) in parts {
            for m in UNIX.find_iter(hay) {
                if hay.as_bytes().get(m.end()) == Some(&b'%') {
                    continue;
                }
                // ZAP parses the digits as a 32-bit int: anything past 2147483647 is not a timestamp.
                let Ok(ts) = m.as_str().parse::<i32>() else { continue };
                let ts = i64::from(ts);
                if ts < start || ts > stop {
                    continue;
                }
                let mut a = Alert::new(&INFO, msg, Risk::Low, Confidence::Low);
                a.name = "Timestamp Disclosure - Unix".into();
                a.param = param.to_string();
                a.evidence = m.as_str().to_string();
                a.other_info = format!("{}, which evaluates to: {} (UTC).", m.as_str(), civil(ts));
                out.push(a);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{msg, run, MsgExt};

    fn body(b: &str) -> HttpMessage {
        msg("http://example.com/", 200).header("Content-Type", "text/html").body(b)
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil(0), "1970-01-01 00:00:00");
        assert_eq!(civil(1_704_114_087), "2024-01-01 13:01:27");
    }

    /// TimestampDisclosureScanRuleUnitTest.shouldRaiseAlertOnValidCurrentTimestamp,
    /// shouldRaiseAlertOnTimeStampWhenThreeYearsAgo, shouldRaiseAlertWithParamOnTimeStampWhenFarInTheFutureInHeader,
    /// shouldRaiseTwoAlertsWhenOneOfTwoTimeStampWithinNextYear.
    #[test]
    fn fires_on_recent_timestamps_in_body_and_headers() {
        let n = now().to_string();
        let a = run(&TimestampDisclosure, &body(&n));
        assert_eq!(a.len(), 1);
        assert_eq!((a[0].evidence.as_str(), a[0].name.as_str()), (n.as_str(), "Timestamp Disclosure - Unix"));
        assert_eq!((a[0].risk, a[0].confidence), (Risk::Low, Confidence::Low));
        let three_years_ago = (now() - 3 * 365 * 86_400).to_string();
        assert_eq!(run(&TimestampDisclosure, &body(&three_years_ago)).len(), 1);
        let soon = (now() + 8 * 365 * 86_400).to_string();
        let a = run(&TimestampDisclosure, &msg("http://example.com/", 200).header("x-timestamp", &soon));
        assert_eq!((a.len(), a[0].param.as_str()), (1, "x-timestamp"));
        let (d1, d2) = (now() + 86_400 * 30, now() + 86_400 * 60);
        let a = run(&TimestampDisclosure, &body(&format!("{{\"date\":{d1},\"endDate\":\"{d2}\"}}")));
        assert_eq!(a.len(), 2);
    }

    /// shouldNotRaiseAlertOnIgnorableHeaders(RegardlessOfCapitalization), shouldNotRaiseAlertOnZeroValues,
    /// shouldNotRaiseAlertOnUnlikelyValues, shouldNotRaiseAlertOnValidTimeStampInFontUrlRequest,
    /// shouldNotRaiseAlertOnValidTimeStampWhenInFontResponse.
    #[test]
    fn quiet_cases() {
        let ts = (now() - 180 * 86_400).to_string();
        for h in IGNORED_HEADERS.iter().chain(&["nel", "AGE", "etaG"]) {
            assert!(run(&TimestampDisclosure, &msg("http://example.com/", 200).header(h, &ts)).is_empty(), "{h}");
        }
        for v in [
            "00000000", "0000000000", "0.33333333%", "1.1592500000000001", "000000000000000000000000000000001",
            "a{color:#00000042!important;background-color:transparent!important}", "111111111", "999999999",
            "1234567890", "1111111111", "2147483648", "2222222222", "3333333333", "9876543210", "10000000000",
        ] {
            assert!(run(&TimestampDisclosure, &body(v)).is_empty(), "{v}");
        }
        assert!(run(&TimestampDisclosure, &body(&format!("{ts}%"))).is_empty());
        let m = msg("http://example.com/font.woff2", 200).body(&ts);
        assert!(run(&TimestampDisclosure, &m).is_empty());
        let m = msg("http://example.com/", 200).header("Content-Type", "font/ttf").body(&ts);
        assert!(run(&TimestampDisclosure, &m).is_empty());
    }
}
