//! 10105 Weak Authentication Method: over plain HTTP, a `WWW-Authenticate` challenge for Basic or Digest (the
//! rule's own alert, Medium), and a request that sent `Authorization: Basic` or `Digest` credentials
//! ("Authentication Credentials Captured": High when a Basic password was readable, else Medium).

use super::variant;
use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 10105,
    name: "Weak Authentication Method",
    status: RuleStatus::Release,
    cwe: 326,
    wasc: 4,
    description: "HTTP Basic or Digest authentication is used over unencrypted HTTP: anyone on the network can read \
                  Basic credentials, and capture Digest exchanges to crack offline.",
    solution: "Serve the site, and above all its authentication, over HTTPS only.",
    references: &[
        "https://www.rfc-editor.org/rfc/rfc7617#section-4",
        "https://www.rfc-editor.org/rfc/rfc7616#section-5",
    ],
};

pub(super) struct Rule;

/// Standard base64 decoding; `None` on a byte outside the alphabet.
fn b64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in s.bytes().filter(|&b| b != b'=') {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = ((acc << 6) | u32::from(v)) & 0xffff;
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
        if msg.is_https() {
            return;
        }
        for v in msg
            .request_headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("authorization"))
            .map(|(_, v)| v)
        {
            let (scheme, rest) = v.split_once(' ').unwrap_or((v, ""));
            let (risk, other) = if scheme.eq_ignore_ascii_case("basic") {
                let parts: Vec<&str> = v.split(' ').collect();
                if parts.len() != 2 {
                    continue;
                }
                match b64(parts[1]).map(|d| String::from_utf8_lossy(&d).into_owned()) {
                    Some(decoded) => match decoded.split_once(':') {
                        Some((user, _)) => (
                            Risk::High,
                            format!(
                                "Basic credentials for user '{user}' (and the password) were sent in clear text."
                            ),
                        ),
                        None => (
                            Risk::Medium,
                            format!(
                                "Basic credentials for user '{decoded}' were sent in clear text."
                            ),
                        ),
                    },
                    None => (
                        Risk::Medium,
                        "Basic credentials (not valid base64) were sent in clear text.".into(),
                    ),
                }
            } else if scheme.eq_ignore_ascii_case("digest") {
                let Some(user) = rest
                    .split("username=\"")
                    .nth(1)
                    .and_then(|r| r.split('"').next())
                    .filter(|u| !u.is_empty())
                else {
                    continue;
                };
                (
                    Risk::Medium,
                    format!("A Digest response for user '{user}' was sent in clear text."),
                )
            } else {
                continue;
            };
            let mut a = variant(
                &INFO,
                msg,
                1,
                "Authentication Credentials Captured",
                risk,
                Confidence::Medium,
            );
            a.cwe = 287;
            a.wasc = 1;
            a.other_info = other;
            a.description =
                "Credentials were sent with an HTTP authentication scheme over unencrypted HTTP."
                    .into();
            out.push(a);
        }
        for v in msg.headers("www-authenticate") {
            let l = v.to_ascii_lowercase();
            if l.contains("basic") || l.contains("digest") {
                let mut a = variant(&INFO, msg, 2, INFO.name, Risk::Medium, Confidence::Medium);
                a.evidence = format!("WWW-Authenticate: {v}");
                out.push(a);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{MsgExt, msg, run};

    // InsecureAuthenticationScanRuleUnitTest.shouldRaiseAlertIfBasicAuthenticationResponseWithNoSsl
    #[test]
    fn basic_challenge_over_http_fires() {
        let a = run(
            &Rule,
            &msg("http://example.com/", 401).header("WWW-Authenticate", "Basic realm=\"Private\""),
        );
        assert_eq!(a.len(), 1);
        assert_eq!(
            (a[0].name.as_str(), a[0].alert_ref.as_str()),
            ("Weak Authentication Method", "10105-2")
        );
        assert_eq!(a[0].evidence, "WWW-Authenticate: Basic realm=\"Private\"");
        assert_eq!(
            (a[0].risk, a[0].confidence),
            (Risk::Medium, Confidence::Medium)
        );
    }

    // …shouldRaiseAlertIfBasicAuthenticationWithNoSsl, …OnlyUserWithNoSsl, …DigestAuthenticationWithNoSsl
    #[test]
    fn credentials_over_http_fire() {
        // base64("admin:secret") and base64("admin")
        let a = run(
            &Rule,
            &msg("http://example.com/", 200).req_header("Authorization", "Basic YWRtaW46c2VjcmV0"),
        );
        assert_eq!(
            (a[0].name.as_str(), a[0].risk),
            ("Authentication Credentials Captured", Risk::High)
        );
        assert_eq!(
            (a[0].alert_ref.as_str(), a[0].cwe, a[0].wasc),
            ("10105-1", 287, 1)
        );
        assert!(a[0].other_info.contains("'admin'"));
        let a = run(
            &Rule,
            &msg("http://example.com/", 200).req_header("Authorization", "Basic YWRtaW4="),
        );
        assert_eq!(a[0].risk, Risk::Medium);
        let digest = r#"Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b", uri="/dir/index.html", response="6629fae4""#;
        let a = run(
            &Rule,
            &msg("http://example.com/", 200).req_header("Authorization", digest),
        );
        assert_eq!(a[0].risk, Risk::Medium);
    }

    // InsecureAuthenticationScanRuleUnitTest.shouldBeSecureIfHttpUsedWithSsl
    #[test]
    fn https_or_other_schemes_pass() {
        let m = msg("https://example.com/", 401)
            .header("WWW-Authenticate", "Basic realm=\"x\"")
            .req_header("Authorization", "Basic YWRtaW46c2VjcmV0");
        assert!(run(&Rule, &m).is_empty());
        let m = msg("http://example.com/", 401)
            .header("WWW-Authenticate", "Bearer realm=\"x\"")
            .req_header("Authorization", "Bearer abc");
        assert!(run(&Rule, &m).is_empty());
        // Malformed values do not panic and raise nothing.
        let m = msg("http://example.com/", 200)
            .req_header("Authorization", "Basic a b")
            .req_header("Authorization", "Digest realm=x");
        assert!(run(&Rule, &m).is_empty());
    }
}
