//! 90005 Fetch Metadata Request Headers (alpha): judges the *request*: a missing (90005-1..4) or invalid
//! (90005-5..8) `Sec-Fetch-Site`, `Sec-Fetch-Mode`, `Sec-Fetch-Dest` or `Sec-Fetch-User` header. Browsers send
//! them; a scanner's own requests usually do not, so this alpha rule runs only with `-a`, as in ZAP.

use super::variant;
use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 90005,
    name: "Fetch Metadata Request Headers",
    status: RuleStatus::Alpha,
    cwe: 352,
    wasc: 9,
    description: "The request lacks Fetch Metadata headers (or has invalid values), so the server cannot tell \
                  whether it came from its own pages or from another site.",
    solution: "Use a client that sends Fetch Metadata headers, and have the server reject cross-site requests it \
               does not expect (a resource isolation policy).",
    references: &[
        "https://www.w3.org/TR/fetch-metadata/",
        "https://web.dev/articles/fetch-metadata",
    ],
};

/// (header, missing ref, invalid ref, valid values) per Fetch Metadata (W3C) §2.
const HEADERS: [(&str, u32, u32, &[&str]); 4] = [
    (
        "Sec-Fetch-Site",
        1,
        5,
        &["same-origin", "same-site", "cross-site", "none"],
    ),
    (
        "Sec-Fetch-Mode",
        2,
        6,
        &["cors", "no-cors", "navigate", "same-origin", "websocket"],
    ),
    (
        "Sec-Fetch-Dest",
        3,
        7,
        &[
            "audio",
            "audioworklet",
            "document",
            "embed",
            "empty",
            "font",
            "frame",
            "iframe",
            "image",
            "manifest",
            "object",
            "paintworklet",
            "report",
            "script",
            "serviceworker",
            "sharedworker",
            "style",
            "track",
            "video",
            "worker",
            "xslt",
        ],
    ),
    ("Sec-Fetch-User", 4, 8, &["?1"]),
];

pub(super) struct Rule;

impl PassiveRule for Rule {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, _cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        for (header, missing, invalid, valid) in HEADERS {
            let (n, name, evidence) = match msg.request_header(header) {
                None => (missing, format!("{header} Header is Missing"), ""),
                // Values are tokens: compared as sent (lower case), like ZAP.
                Some(v) if valid.contains(&v.trim()) => continue,
                Some(v) => (invalid, format!("{header} Header Has an Invalid Value"), v),
            };
            let mut a = variant(&INFO, msg, n, &name, Risk::Informational, Confidence::High);
            header.clone_into(&mut a.param);
            evidence.clone_into(&mut a.evidence);
            out.push(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{MsgExt, msg, run};

    fn all_valid() -> HttpMessage {
        msg("https://example.com/", 200)
            .req_header("Sec-Fetch-Site", "same-origin")
            .req_header("Sec-Fetch-Mode", "navigate")
            .req_header("Sec-Fetch-Dest", "document")
            .req_header("Sec-Fetch-User", "?1")
    }

    // FetchMetadataRequestHeadersScanRuleTest.shouldNotRaiseAlertGivenAllHeadersArePresentAndValid,
    // shouldNotRaiseAlertGivenAllHeadersAreInLowerCase
    #[test]
    fn valid_headers_pass() {
        assert!(run(&Rule, &all_valid()).is_empty());
        let m = msg("https://example.com/", 200)
            .req_header("sec-fetch-site", "none")
            .req_header("sec-fetch-mode", "cors")
            .req_header("sec-fetch-dest", "empty")
            .req_header("sec-fetch-user", "?1");
        assert!(run(&Rule, &m).is_empty());
    }

    // FetchMetadataRequestHeadersScanRuleTest.shouldRaiseSfsAlertGivenRequestDoesntSendSfsHeader (and Sfm, Sfd, Sfu)
    #[test]
    fn missing_headers_fire() {
        let a = run(&Rule, &msg("https://example.com/", 200));
        let refs: Vec<&str> = a.iter().map(|a| a.alert_ref.as_str()).collect();
        assert_eq!(refs, ["90005-1", "90005-2", "90005-3", "90005-4"]);
        assert_eq!(a[0].name, "Sec-Fetch-Site Header is Missing");
        assert_eq!(
            (a[0].risk, a[0].confidence),
            (Risk::Informational, Confidence::High)
        );
    }

    // FetchMetadataRequestHeadersScanRuleTest.shouldRaiseSfsAlertGivenRequestSendsInvalidSfsHeaderValue (and Sfm, Sfd, Sfu)
    #[test]
    fn invalid_value_fires() {
        let mut m = all_valid();
        m.request_headers.retain(|(k, _)| k != "Sec-Fetch-Dest");
        let a = run(&Rule, &m.req_header("Sec-Fetch-Dest", "invalid"));
        assert_eq!(a.len(), 1);
        assert_eq!(
            (a[0].alert_ref.as_str(), a[0].evidence.as_str()),
            ("90005-7", "invalid")
        );
        assert_eq!(a[0].name, "Sec-Fetch-Dest Header Has an Invalid Value");
    }
}
