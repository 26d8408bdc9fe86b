//! Username Hash Found (ZAP 10057): the MD2/MD5/SHA-1/SHA-256/SHA-384/SHA-512 digest of a known user name in a
//! text response, a sign of direct object references keyed by user. See README.md.

use crate::message::HttpMessage;
use crate::rules::content::{headers_block, is_text};
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct UsernameHash;

static INFO: RuleInfo = RuleInfo {
    id: 10057,
    name: "Username Hash Found",
    status: RuleStatus::Release,
    cwe: 284,
    wasc: 2,
    description: "A hash of a user name was found in the response. Objects addressed by a hash of the user name \
                  are often an insecure direct object reference (IDOR): test whether another user's hash works.",
    solution: "Use per-user or per-session indirect references, or check on every use that the caller may access \
               the object referenced.",
    references: &["https://owasp.org/www-project-web-security-testing-guide/v41/4-Web_Application_Security_Testing/05-Authorization_Testing/04-Testing_for_Insecure_Direct_Object_References.html"],
};

/// ZAP's default user names ("Admin", "admin") with their digests, lower-case hex (computed with Python's
/// hashlib, and an RFC 1319 MD2 checked against the RFC's test vectors).
const HASHES: &[(&str, &str, &str)] = &[
    ("Admin", "MD2", "7bf4bda0e6b908b916362161be15a92f"),
    ("Admin", "MD5", "e3afed0047b08059d0fada10f400c1e5"),
    ("Admin", "SHA1", "4e7afebcfbae000b22c7c85e5560f89a2a0280b4"),
    ("Admin", "SHA256", "c1c224b03cd9bc7b6a86d77f5dace40191766c485cd55dc48caf9ac873335d6f"),
    ("Admin", "SHA384", "cb25ed2781626b3ab0c1de865e7cc7e6db8908f6d6046d96a284c8f95e1edee6da77588358648e0508a7725f1a777778"),
    ("Admin", "SHA512", "887375daec62a9f02d32a63c9e14c7641a9a8a42e4fa8f6590eb928d9744b57bb5057a1d227e4d40ef911ac030590bbce2bfdb78103ff0b79094cee8425601f5"),
    ("admin", "MD2", "3e3e6b0e5c1c68644fc5ce3cf060211d"),
    ("admin", "MD5", "21232f297a57a5a743894a0e4a801fc3"),
    ("admin", "SHA1", "d033e22ae348aeb5660fc2140aec35850c4da997"),
    ("admin", "SHA256", "8c6976e5b5410415bde908bd4dee15dfb167a9c873fc4bb8a81f6f2ab448a918"),
    ("admin", "SHA384", "9ca694a90285c034432c9550421b7b9dbd5c0f4b6673f05f6dbce58052ba20e4248041956ee8c9a2ec9f10290cdc0782"),
    ("admin", "SHA512", "c7ad44cbad762a5da0a452f9e854fdc1e0e7a52a38015f23f3eab1d80b931dd472634dfac71cd34ebc35d16ab7fb8a90c81f975113d6c7538dc69dd8de9077ec"),
];

impl PassiveRule for UsernameHash {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if !is_text(msg) {
            return;
        }
        let mut text = headers_block(msg, &[]);
        text.push_str("\r\n");
        text.push_str(cx.text);
        // ASCII lower-casing keeps offsets: the evidence is cut from the original text.
        let lower = text.to_ascii_lowercase();
        for (user, kind, hash) in HASHES {
            if let Some(at) = lower.find(hash) {
                let evidence = &text[at..at + hash.len()];
                let mut a = Alert::new(&INFO, msg, Risk::Informational, Confidence::High);
                a.evidence = evidence.to_string();
                a.other_info = format!("The hash is the {kind} of the user name '{user}': {evidence}");
                out.push(a);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{msg, run, MsgExt};

    fn base() -> HttpMessage {
        msg("http://example.com", 200).header("Content-Type", "text/html")
    }

    /// UsernameIdorScanRuleUnitTest.shouldRaiseAlertIfResponseHasHashOfDefaultPayload; the SHA-1 of "admin" is
    /// ZAP's example alert evidence, here in mixed case as in shouldRaiseAlertIfResponseContainsRelevantMd5Hash.
    #[test]
    fn fires_on_default_user_hashes() {
        let m = base().header("X-Test-Thing", "21232f297a57a5a743894a0e4a801fc3").body("Some text <h1>Some Title Element</h1>");
        let a = run(&UsernameHash, &m);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].evidence, "21232f297a57a5a743894a0e4a801fc3");
        assert_eq!((a[0].risk, a[0].confidence), (Risk::Informational, Confidence::High));
        let a = run(&UsernameHash, &base().body("<i>D033E22AE348aeb5660fc2140aec35850c4da997</i>"));
        assert_eq!(a[0].evidence, "D033E22AE348aeb5660fc2140aec35850c4da997");
    }

    /// shouldNotRaiseAlertIfResponseHasNoRelevantContent, shouldNotRaiseAlertIfResponseContainsIrrelevantHash
    /// (the MD5 of "Guest"), shouldNotRaiseAlertForImageResponse.
    #[test]
    fn quiet_cases() {
        assert!(run(&UsernameHash, &base().body("Some text <h1>Some Title Element</h1>")).is_empty());
        let m = base().body("Some text <h1>Some Title Element</h1><i>adb831a7fdd83dd1e2a309ce7591dff8</i>");
        assert!(run(&UsernameHash, &m).is_empty());
        let m = msg("http://example.com", 200)
            .header("Content-Type", "image/jpeg")
            .header("X-Test-Thing", "21232f297a57a5a743894a0e4a801fc3");
        assert!(run(&UsernameHash, &m).is_empty());
    }
}
