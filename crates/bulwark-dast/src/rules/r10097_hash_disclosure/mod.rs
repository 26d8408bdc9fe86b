//! Hash Disclosure (ZAP 10097): password hashes in crypt formats (LanMan, Kerberos AFS, MD5/SHA crypt, BCrypt,
//! NTLM) in a text response's headers or body. See README.md.

use std::sync::LazyLock;

use regex::Regex;

use crate::message::HttpMessage;
use crate::rules::content::{headers_block, is_javascript, is_text};
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct HashDisclosure;

static INFO: RuleInfo = RuleInfo {
    id: 10097,
    name: "Hash Disclosure",
    status: RuleStatus::Release,
    cwe: 497,
    wasc: 13,
    description: "The response discloses a password hash; an attacker can try to crack it offline.",
    solution: "Never send credential hashes to the client; there is no reason for a browser to see them.",
    references: &["https://openwall.info/wiki/john/sample-hashes"],
};

/// (pattern, hash type, ZAP's alertRef suffix). At the MEDIUM threshold ZAP runs only its High-confidence
/// patterns — these; the bare hex digests (SHA-*, MD5, salted SHA-1) are Low confidence and need LOW.
const PATTERNS: &[(&str, &str, u32)] = &[
    (r"(?i)\$LM\$[a-f0-9]{16}", "LanMan / DES", 1),
    (r"(?i)\$K4\$[a-f0-9]{16},", "Kerberos AFS DES", 2),
    (r"(?i)\$2a\$05\$[a-z0-9+\-_./=]{53}", "OpenBSD Blowfish", 3),
    (r"(?i)\$2y\$05\$[a-z0-9+\-_./=]{53}", "OpenBSD Blowfish", 3),
    (r"\$1\$[./0-9A-Za-z]{0,8}\$[./0-9A-Za-z]{22}", "MD5 Crypt", 4),
    (r"\$5\$[./0-9A-Za-z]{0,16}\$[./0-9A-Za-z]{43}", "SHA-256 Crypt", 5),
    (r"\$5\$rounds=[0-9]+\$[./0-9A-Za-z]{0,16}\$[./0-9A-Za-z]{43}", "SHA-256 Crypt", 5),
    (r"\$6\$[./0-9A-Za-z]{0,16}\$[./0-9A-Za-z]{86}", "SHA-512 Crypt", 6),
    (r"\$6\$rounds=[0-9]+\$[./0-9A-Za-z]{0,16}\$[./0-9A-Za-z]{86}", "SHA-512 Crypt", 6),
    (r"\$2\$[0-9]{2}\$[./0-9A-Za-z]{53}", "BCrypt", 7),
    (r"\$2a\$[0-9]{2}\$[./0-9A-Za-z]{53}", "BCrypt", 7),
    (r"\$3\$\$[0-9a-f]{32}", "NTLM", 8),
    (r"\$NT\$[0-9a-f]{32}", "NTLM", 8),
];

static COMPILED: LazyLock<Vec<Regex>> =
    LazyLock::new(|| PATTERNS.iter().map(|(p, _, _)| Regex::new(p).expect("hash regex")).collect());

impl PassiveRule for HashDisclosure {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        // MEDIUM threshold: JavaScript is skipped (ZAP judges it at LOW).
        if !is_text(msg) || is_javascript(msg) {
            return;
        }
        let headers = headers_block(msg, &[]);
        let body = cx.text;
        // `$` starts every crypt format: skip the regexes on a body without one.
        let hays: Vec<&str> = [headers.as_str(), body].into_iter().filter(|h| h.contains('$')).collect();
        for (re, (_, kind, sub)) in COMPILED.iter().zip(PATTERNS) {
            for hay in &hays {
                for m in re.find_iter(hay) {
                    let mut a = Alert::new(&INFO, msg, Risk::High, Confidence::High);
                    a.name = format!("Hash Disclosure - {kind}");
                    a.alert_ref = format!("10097-{sub}");
                    a.evidence = m.as_str().to_string();
                    out.push(a);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{msg, run, MsgExt};

    fn with_hash(ct: &str, hash: &str) -> Vec<Alert> {
        let m = msg("https://www.example.com/test/", 200)
            .header("Server", "Apache-Coyote/1.1")
            .header("Content-Type", ct)
            .body(&format!("{{\"hash\": \"{hash}\"}}"));
        run(&HashDisclosure, &m)
    }

    /// HashDisclosureScanRuleUnitTest.shouldHaveExpectedExampleAlert: ZAP's example evidence of each
    /// High-confidence type, in the message shape of the test class's createMsg.
    #[test]
    fn fires_on_crypt_hashes() {
        for (hash, name, r) in [
            ("$LM$299BD128C1101FD6", "LanMan / DES", "10097-1"),
            ("$K4$aabbccdd11223344,", "Kerberos AFS DES", "10097-2"),
            ("$2a$05$bvIG6Nmid91Mu9RcmmWZfO5HJIMCT8riNW0hEp8f6/FuA2/mHZFpe", "OpenBSD Blowfish", "10097-3"),
            ("$1$O3JMY.Tw$AdLnLjQ/5jXF9.MTp3gHv/", "MD5 Crypt", "10097-4"),
            ("$5$MnfsQ4iN$ZMTppKN16y/tIsUYs/obHlhdP.Os80yXhTurpBMUbA5", "SHA-256 Crypt", "10097-5"),
            ("$6$zWwwXKNj$gLAOoZCjcr8p/.VgV/FkGC3NX7BsXys3KHYePfuIGMNjY83dVxugPYlxVg/evpcVEJLT/rSwZcDMlVVf/bhf.1", "SHA-512 Crypt", "10097-6"),
            ("$3$$7f8fe03093cc84b267b109625f6bbf4b", "NTLM", "10097-8"),
        ] {
            let a = with_hash("text/html", hash);
            assert!(!a.is_empty(), "{hash}");
            assert_eq!(a[0].name, format!("Hash Disclosure - {name}"));
            assert_eq!((a[0].evidence.as_str(), a[0].alert_ref.as_str()), (hash, r));
            assert_eq!((a[0].risk, a[0].confidence), (Risk::High, Confidence::High));
        }
    }

    /// shouldRaiseAlertWhenResponseContainsUpperMd5Hash runs at LOW; at the default MEDIUM threshold the MD5
    /// pattern (Low confidence) does not run. shouldNotRaiseAlertWhenImageResponse,
    /// shouldNotRaiseAlertWhenJavascriptResponseContainsHashAtNonLowThreshold.
    #[test]
    fn quiet_on_bare_digests_images_and_javascript() {
        assert!(with_hash("text/html", "DD6433D07B73FC14A2A4D03C5A8FAA90").is_empty());
        assert!(with_hash("image/png", "$LM$299BD128C1101FD6").is_empty());
        assert!(with_hash("application/javascript", "$LM$299BD128C1101FD6").is_empty());
    }
}
