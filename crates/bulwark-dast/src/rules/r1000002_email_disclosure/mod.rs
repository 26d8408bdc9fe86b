//! Email Address Disclosure (Bulwark 1000002): e-mail addresses in a text response body. ZAP has no passive rule
//! for it; the issue asks for it beside private IPs and PII. See README.md.

use std::sync::LazyLock;

use regex::Regex;

use crate::message::HttpMessage;
use crate::rules::content::is_text;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct EmailDisclosure;

static INFO: RuleInfo = RuleInfo {
    id: 1_000_002,
    name: "Email Address Disclosure",
    status: RuleStatus::Release,
    cwe: 359,
    wasc: 13,
    description: "The response body shows e-mail addresses. Published addresses are harvested for spam and \
                  phishing, and personal addresses are personal data.",
    solution: "Publish role addresses or a contact form instead of personal addresses; keep addresses out of \
               comments, scripts and error texts.",
    references: &[
        "https://datatracker.ietf.org/doc/html/rfc5322#section-3.4.1",
        "https://cwe.mitre.org/data/definitions/359.html",
    ],
};

/// RFC 5322 `dot-atom` local parts (the common subset: letters, digits and `!#$%&'*+/=?^_`{|}~-`, dots between
/// atoms) at a domain of at least two labels whose last label is alphabetic (a TLD, not `1.2.3.4` or `x@2x.png`).
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\b",
    )
    .expect("email regex")
});

/// Image file names with a density suffix (`logo@2x.png`) look like addresses; these TLD-like endings are file
/// extensions, not domains.
const FILE_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico", "css", "js", "map",
];

/// At most this many distinct addresses are listed in the alert's other info.
const MAX_LISTED: usize = 20;

impl PassiveRule for EmailDisclosure {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if !is_text(msg) {
            return;
        }
        let text = cx.text;
        let mut found: Vec<&str> = Vec::new();
        for m in EMAIL.find_iter(text) {
            let addr = m.as_str();
            let tld = addr.rsplit('.').next().unwrap_or("");
            if FILE_EXTENSIONS.iter().any(|e| e.eq_ignore_ascii_case(tld)) {
                continue;
            }
            if !found.iter().any(|f| f.eq_ignore_ascii_case(addr)) {
                found.push(addr);
                if found.len() == MAX_LISTED {
                    break;
                }
            }
        }
        let Some(first) = found.first() else { return };
        let mut a = Alert::new(&INFO, msg, Risk::Informational, Confidence::Medium);
        a.evidence = (*first).to_string();
        a.other_info = found.join("\n");
        out.push(a);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{MsgExt, msg, run};

    fn scan_body(ct: &str, body: &str) -> Vec<Alert> {
        let m = msg("https://shop.test/contact", 200)
            .header("Content-Type", ct)
            .body(body);
        run(&EmailDisclosure, &m)
    }

    /// RFC 5322 §3.4.1 addr-spec with a dot-atom local part; RFC 2606 reserved domains are still addresses.
    #[test]
    fn fires_on_addresses_in_text() {
        let a = scan_body(
            "text/html",
            r#"<p>Write to <a href="mailto:sales@acme-widgets.example">sales@acme-widgets.example</a> or
               jane.o'neil+orders@mail.shop.co.uk</p>"#,
        );
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].evidence, "sales@acme-widgets.example");
        assert_eq!(
            a[0].other_info,
            "sales@acme-widgets.example\njane.o'neil+orders@mail.shop.co.uk"
        );
        assert_eq!(a[0].plugin_id, 1_000_002);
        assert_eq!(a[0].risk, Risk::Informational);
        let js = scan_body("application/javascript", "var c = 'ops@corp.example';");
        assert_eq!(js.len(), 1);
    }

    #[test]
    fn quiet_without_an_address() {
        for body in [
            "<p>No address here, just an @ sign and user@localhost</p>",
            r#"<img src="logo@2x.png"> <img srcset="hero@3x.webp 3x">"#,
            "<p>version 1.2@3.4</p>",
        ] {
            assert!(scan_body("text/html", body).is_empty(), "{body}");
        }
        // Not a text response: images are not read.
        assert!(scan_body("image/png", "x sales@acme-widgets.example").is_empty());
    }
}
