//! Java Serialization Object (ZAP 90002): a serialized Java object (magic `AC ED 00 05`, base64 `rO0AB`,
//! URL-encoded `%C2%AC%C3%AD%00%05`) in a response header, a cookie set by the response or the body. See README.md.

use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct JavaSerialization;

static INFO: RuleInfo = RuleInfo {
    id: 90002,
    name: "Java Serialization Object",
    status: RuleStatus::Release,
    cwe: 502,
    wasc: 0,
    description: "The application exchanges serialized Java objects. If it also deserializes objects it receives \
                  without validation, a crafted object can lead to remote code execution.",
    solution: "Do not deserialize untrusted data; use a data format (JSON) with an explicit schema, or an \
               allow-list of classes (JEP 290 serialization filters).",
    references: &["https://www.oracle.com/java/technologies/javase/seccodeguide.html#8"],
};

const RAW: &[u8] = &[0xac, 0xed, 0x00, 0x05];
const B64: &str = "rO0AB";
const URI_ENC: &str = "%C2%AC%C3%AD%00%05";

fn magic(v: &str) -> bool {
    v.starts_with(B64) || v.starts_with(URI_ENC)
}

impl PassiveRule for JavaSerialization {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, _cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        let alert = |evidence: String| {
            let mut a = Alert::new(&INFO, msg, Risk::Medium, Confidence::Medium);
            a.evidence = evidence;
            a
        };
        for (k, v) in &msg.response_headers {
            if magic(v) {
                out.push(alert(format!("{k}: {v}")));
            }
        }
        for sc in msg.headers("set-cookie") {
            let pair = sc.split(';').next().unwrap_or("");
            if let Some((_, value)) = pair.split_once('=')
                && magic(value.trim())
            {
                out.push(alert(pair.trim().to_string()));
            }
        }
        if msg.body.starts_with(RAW) || msg.body.starts_with(B64.as_bytes()) {
            out.push(alert(String::new()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{msg, run, MsgExt};

    /// A serialized object, base64 (ZAP's example alert evidence).
    const JSO: &str = "rO0ABXNyAEVvcmcuemFwcm94eS56YXAuZXh0ZW5zaW9uLnBzY2FucnVsZXNCZXRhLkpzb1NjYW5SdWxlVW5pdFRlc3QkQW5PYmplY3QAAAAAAAAAAQIAAHhw";

    /// JsoScanRuleUnitTest.shouldRaiseAlertGivenBase64JsoMagicBytesAreDetectedIn{Header,Cookie,Body}OfResponse,
    /// shouldRaiseAlertGivenRawJsoMagicBytesAreDetectedInRawBodyOfResponse.
    #[test]
    fn fires_in_header_cookie_and_body() {
        let a = run(&JavaSerialization, &msg("http://a.test/", 200).header("X-Custom-Info", JSO));
        assert_eq!(a.len(), 1);
        assert_eq!((a[0].risk, a[0].confidence, a[0].cwe), (Risk::Medium, Confidence::Medium, 502));
        let a = run(&JavaSerialization, &msg("http://a.test/", 200).header("Set-Cookie", &format!("CRUNCHY={JSO}")));
        assert_eq!(a.len(), 1);
        let m = msg("http://a.test/", 200).header("Content-Type", "application/octet-stream").body(JSO);
        assert_eq!(run(&JavaSerialization, &m).len(), 1);
        let mut m = msg("http://a.test/", 200).header("Content-Type", "application/octet-stream");
        m.body = crate::rules::content::base64_decode(JSO).expect("base64");
        assert!(m.body.starts_with(RAW));
        assert_eq!(run(&JavaSerialization, &m).len(), 1);
    }

    /// shouldNotRaiseAlertGivenNoJsoHasBeenDetectedInResponse.
    #[test]
    fn quiet_without_magic() {
        let m = msg("http://a.test/", 200).header("X-Custom-Info", "NOPE").header("Set-Cookie", "NOPE=NOPE");
        assert!(run(&JavaSerialization, &m).is_empty());
    }
}
