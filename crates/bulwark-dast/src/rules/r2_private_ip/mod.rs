//! Private IP Disclosure (ZAP 2): an RFC 1918 address or an EC2 private host name (`ip-10-0-56-78`) in a text
//! response body. See README.md.

use std::sync::LazyLock;

use regex::Regex;

use crate::message::HttpMessage;
use crate::rules::content::is_text;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct PrivateIp;

static INFO: RuleInfo = RuleInfo {
    id: 2,
    name: "Private IP Disclosure",
    status: RuleStatus::Release,
    cwe: 497,
    wasc: 13,
    description: "The response body names a private network address (RFC 1918) or an Amazon EC2 private host name. \
                  It tells an attacker about the internal network behind the application.",
    solution: "Keep internal addresses out of responses: remove them from pages, comments, scripts and error texts.",
    references: &["https://datatracker.ietf.org/doc/html/rfc1918"],
};

const OCT: &str = "(?:25[0-5]|2[0-4][0-9]|[01]?[0-9]{1,2})";
const PORT: &str = "(?::(?:0|[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65(?:[0-4][0-9]{2}|5[0-2][0-9]|53[0-5]))\\b)?";

/// Dotted addresses (`ip`), `ip-10-…` names (checked like dotted ones after them) and `ip-172-…`/`ip-192-168-…`
/// names (not followed by `-digit`).
static PRIVATE: LazyLock<Regex> = LazyLock::new(|| {
    let dotted = format!(
        "10\\.(?:{OCT}\\.){{2}}{OCT}|172\\.(?:3[01]|2[0-9]|1[6-9])\\.{OCT}\\.{OCT}|192\\.168\\.{OCT}\\.{OCT}"
    );
    let aws10 = format!("ip-10-(?:{OCT}-){{2}}{OCT}");
    let aws = format!("ip-172-(?:3[01]|2[0-9]|1[6-9])-{OCT}-{OCT}|ip-192-168-{OCT}-{OCT}");
    Regex::new(&format!(
        "\\b(?:(?P<dot>{dotted})|(?P<aws10>{aws10})|(?P<aws>{aws}))\\b(?P<port>{PORT})"
    ))
    .expect("private IP regex")
});

/// Every private address in `text` with its port, skipping the requested host's own address.
fn find_all<'t>(text: &'t str, host: &str) -> Vec<&'t str> {
    let b = text.as_bytes();
    let mut found = Vec::new();
    let mut pos = 0;
    while let Some(c) = PRIVATE.captures_at(text, pos) {
        let whole = c.get(0).expect("match");
        let (start, ip) = (whole.start(), c.name("dot").or(c.name("aws10")).or(c.name("aws")));
        let ip = ip.expect("one alternative matched");
        let after = &b[ip.end()..];
        let dotted_after = after.len() >= 2 && after[0] == b'.' && after[1].is_ascii_digit();
        let dashed_after = after.len() >= 2 && after[0] == b'-' && after[1].is_ascii_digit();
        let ok = if c.name("dot").is_some() {
            // Not preceded by `digit.`, not followed by `.digit`: part of a longer dotted number.
            let dotted_before = start >= 2 && b[start - 1] == b'.' && b[start - 2].is_ascii_digit();
            !dotted_before && !dotted_after
        } else if c.name("aws10").is_some() {
            !dotted_after
        } else {
            !dashed_after
        };
        if !ok {
            pos = start + 1;
            continue;
        }
        pos = whole.end().max(start + 1);
        // ZAP compares the address (not the port) with the request's host at MEDIUM and HIGH thresholds.
        if ip.as_str().eq_ignore_ascii_case(host) {
            continue;
        }
        found.push(whole.as_str());
    }
    found
}

impl PassiveRule for PrivateIp {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if !is_text(msg) {
            return;
        }
        let host = url::Url::parse(&msg.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        let text = cx.text;
        let found = find_all(text, &host);
        let Some(first) = found.first() else { return };
        let mut a = Alert::new(&INFO, msg, Risk::Low, Confidence::Medium);
        a.evidence = (*first).to_string();
        a.other_info = found.iter().fold(String::new(), |mut s, f| {
            s.push_str(f);
            s.push('\n');
            s
        });
        out.push(a);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{msg, run, MsgExt};

    fn scan_body(body: &str) -> Vec<Alert> {
        let m = msg("https://example.com/", 200)
            .header("Content-Type", "text/html")
            .body(body);
        run(&PrivateIp, &m)
    }

    /// InfoPrivateAddressDisclosureScanRuleUnitTest.alertsIfPrivateIp, alertsIfPrivateAwsHostname,
    /// alertsIfPrivIpAndDropsPortNoInEvidence.
    #[test]
    fn fires_on_private_addresses_with_zap_evidence() {
        for (body, evidence) in [
            ("foo-10.0.0.0-bar", "10.0.0.0"),
            ("happy<172.25.16.32>cat", "172.25.16.32"),
            ("boyant@192.168.36.127$board", "192.168.36.127"),
            ("apple.10.0.0.0:6553.jelly", "10.0.0.0:6553"),
            ("10.0.0.0:bla", "10.0.0.0"),
            ("10.0.0.0:128", "10.0.0.0:128"),
            ("ip-10.0.00.000:", "10.0.00.000"),
            ("IP-10.0.0.0", "10.0.0.0"),
            ("10.0.0.0:65535", "10.0.0.0:65535"),
            ("10.0.0.0:65536", "10.0.0.0"),
            ("ip-10-0-0-0:649999", "ip-10-0-0-0"),
            ("ip-172-31-255-255", "ip-172-31-255-255"),
            ("/ip-10-0-0-0-", "ip-10-0-0-0"),
            ("15-ip-10-0-0-0-12-27", "ip-10-0-0-0"),
            ("255:ip-10-0-0-0:6555", "ip-10-0-0-0:6555"),
            ("/ip-10-01-07-17.jpg", "ip-10-01-07-17"),
        ] {
            let alerts = scan_body(body);
            assert_eq!(alerts.len(), 1, "{body}");
            assert_eq!(alerts[0].evidence, evidence, "{body}");
            assert_eq!((alerts[0].risk, alerts[0].confidence), (Risk::Low, Confidence::Medium));
            assert_eq!(alerts[0].plugin_id, 2);
        }
    }

    /// alertsWithJustTheFirstEvidenceIfPrivIpAndPrivHostname.
    #[test]
    fn first_is_evidence_all_in_other_info() {
        let a = scan_body("172.16.0.0/ip-10-0-0-0:128:192.168.0.0");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].evidence, "172.16.0.0");
        assert_eq!(a[0].other_info.replace('\n', ""), "172.16.0.0ip-10-0-0-0:128192.168.0.0");
    }

    /// passesIfNonPrivateOrInvalidIp, passesIfInvalidAwsHostname.
    #[test]
    fn quiet_on_public_invalid_or_embedded_numbers() {
        for body in [
            "9.255.255.255", "172.15.255.255", "172.32.0.0", "192.169.0.0", "127.0.0.1", "10.0.0", "10.0.0:0",
            "10.0.0.a", "10.999.0.0", "2050:10.0.0.0bla", "205010.0.0.0:bla", "abcd10.0.0.999", "ship-192-168-0-5",
            "15.10.0.0.0.12.27", "172.30.10.10.10.0.0.0:6555", "ip-10-0-756-0", "ip- 10-0-0-0 ", "10-0-0-0",
            "gossip-10-0-0-0bla", "ip-10-0-0-999", "IP-10-0-0-0:", "/IP-10-01-07-17.jpg", "ip-10-0-0-256",
        ] {
            assert!(scan_body(body).is_empty(), "{body}");
        }
    }

    /// shouldIgnoreRequestedPrivateIpByDefault, shouldNotAlertWhenImageResponse.
    #[test]
    fn quiet_on_requested_host_and_images() {
        let m = msg("http://10.0.2.2:8080/", 200)
            .header("Content-Type", "text/html")
            .body("10.0.2.2:45876");
        assert!(run(&PrivateIp, &m).is_empty());
        let m = msg("https://example.com/", 200)
            .header("Content-Type", "image/jpeg")
            .body("192.168.36.127");
        assert!(run(&PrivateIp, &m).is_empty());
    }
}
