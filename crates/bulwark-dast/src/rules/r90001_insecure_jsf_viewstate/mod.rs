//! Insecure JSF ViewState (ZAP 90001): a client-side JavaServer Faces ViewState (`javax.faces.ViewState`) that is
//! a readable serialized Java object rather than an encrypted, MAC-protected one. See README.md.

use crate::message::HttpMessage;
use crate::rules::content::{base64_decode, is_text};
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct InsecureJsfViewstate;

static INFO: RuleInfo = RuleInfo {
    id: 90001,
    name: "Insecure JSF ViewState",
    status: RuleStatus::Release,
    cwe: 642,
    wasc: 14,
    description: "The page's JSF ViewState is stored on the client without cryptographic protection: it can be \
                  read and, if the server deserializes it, tampered with.",
    solution: "Store the ViewState on the server, or encrypt and MAC it (e.g. Mojarra `ClientStateSavingPassword`, \
               MyFaces `org.apache.myfaces.USE_ENCRYPTION`).",
    references: &["https://www.trustwave.com/hubfs/21158977/Web/Library/Advisories_txt/14213_twsl2010-001.txt"],
};

/// The most a compressed ViewState is inflated to (a gzip bomb stops there).
const MAX_INFLATED: u64 = 4 * 1024 * 1024;

/// Whether a ViewState value is safe as ZAP judges it: a readable value (decoded from base64 when it decodes,
/// then inflated when it is gzip) without the word `java`. A value that does not decode or inflate is judged raw.
fn secure(value: &str) -> bool {
    use std::io::Read as _;
    if value.is_empty() {
        return true;
    }
    let Some(bytes) = base64_decode(value) else { return !value.contains("java") };
    if bytes.len() >= 4 && bytes.starts_with(&[0x1f, 0x8b]) {
        let mut inflated = Vec::new();
        let gz = flate2::read::GzDecoder::new(bytes.as_slice());
        return match gz.take(MAX_INFLATED).read_to_end(&mut inflated) {
            Ok(_) => !String::from_utf8_lossy(&inflated).contains("java"),
            Err(_) => !value.contains("java"),
        };
    }
    !String::from_utf8_lossy(&bytes).contains("java")
}

impl PassiveRule for InsecureJsfViewstate {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if msg.body.is_empty() || !is_text(msg) {
            return;
        }
        let Some(doc) = cx.doc else { return };
        for t in doc.tags_named("input") {
            let Some(id) = t.attr("id").filter(|i| i.to_ascii_lowercase().contains("javax.faces.viewstate")) else {
                continue;
            };
            let value = t.attr("value").unwrap_or("");
            // `_…` values and `…:…` values are server-side state references.
            if value.starts_with('_') || value.contains(':') {
                return;
            }
            if !secure(value) {
                let mut a = Alert::new(&INFO, msg, Risk::Medium, Confidence::Low);
                a.param = id.to_string();
                a.other_info = format!("The JSF ViewState [{id}] is not protected.");
                out.push(a);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{msg, run, MsgExt};

    fn page(id: &str, value: &str) -> Vec<Alert> {
        let body = format!("<html><head></head><body><input type='hidden' id='{id}' value='{value}'/></body></html>");
        run(&InsecureJsfViewstate, &msg("http://www.example.com/test/", 200).header("Content-Type", "text/html").body(&body))
    }

    fn gzip_b64(data: &[u8]) -> String {
        use std::io::Write as _;
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(data).expect("gzip");
        let bytes = gz.finish().expect("gzip");
        let mut s = String::new();
        for c in bytes.chunks(3) {
            let n = c.iter().enumerate().fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
            for i in 0..4 {
                s.push(if i <= c.len() { A[(n >> (18 - 6 * i) & 63) as usize] as char } else { '=' });
            }
        }
        s
    }

    /// InsecureJsfViewStatePassiveScanRuleUnitTest.shouldRaiseAlertIfViewStateContainsJavaWord,
    /// shouldRaiseAlertIfInsecureValueViewStateIdWithFormId ("insecureValue_java", base64),
    /// shouldRaiseAlertIfViewStateContainsJavaWordCompressed.
    #[test]
    fn fires_on_readable_java_viewstate() {
        assert_eq!(page("javax.faces.viewstate", &gzip_b64(b"insecureValue_java")).len(), 1);
        let v = "aW5zZWN1cmVWYWx1ZV9qYXZh";
        let a = page("javax.faces.viewstate", v);
        assert_eq!(a.len(), 1);
        assert_eq!((a[0].risk, a[0].confidence, a[0].cwe, a[0].wasc), (Risk::Medium, Confidence::Low, 642, 14));
        assert_eq!(page("j_id1:javax.faces.ViewState:0", v).len(), 1);
    }

    /// shouldPassAsThereIsNoBody, shouldPassWhenViewStateContainsUnderscore, shouldPassIfViewStateIsStoredOnServer,
    /// shouldPassNoJavaWordInViewState (gzip of "secureValue"), and the same uncompressed.
    #[test]
    fn quiet_cases() {
        assert!(page("javax.faces.viewstate", &gzip_b64(b"secureValue")).is_empty());
        assert!(run(&InsecureJsfViewstate, &msg("http://www.example.com/", 200).header("Content-Type", "text/html")).is_empty());
        assert!(page("javax.faces.viewstate", "_id1231").is_empty());
        assert!(page("javax.faces.viewstate", "123:123").is_empty());
        assert!(page("javax.faces.viewstate", "c2VjdXJlVmFsdWU=").is_empty());
    }
}
