//! Script Served From Malicious Domain (polyfill) (ZAP 10115): scripts loaded from, or referring to, the domains
//! of the 2024 polyfill.io supply-chain attack. See README.md.

use std::sync::LazyLock;

use regex::Regex;

use crate::message::HttpMessage;
use crate::rules::content::element_text;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct PolyfillScript;

static INFO: RuleInfo = RuleInfo {
    id: 10115,
    name: "Script Served From Malicious Domain (polyfill)",
    status: RuleStatus::Release,
    cwe: 829,
    wasc: 15,
    description: "The page loads (or its scripts refer to) one of the domains taken over in the polyfill.io \
                  supply-chain attack, which serve malicious code; they have nothing to do with the polyfill.js \
                  library.",
    solution: "Replace these scripts with a known good source (self-hosted, or a trusted CDN with subresource \
               integrity).",
    references: &["https://sansec.io/research/polyfill-supply-chain-attack"],
};

const DOMAINS: &[&str] = &[
    "polyfill.io/",
    "bootcss.com/",
    "bootcdn.net/",
    "staticfile.net/",
    "staticfile.org/",
    "unionadjs.com/",
    "xhsbpza.com/",
    "union.macoms.la/",
    "newcrbpc.com/",
];

/// `https?://…<domain>…\w`: whole-`src` matches, or found inside a script's text.
static URLS: LazyLock<Vec<(Regex, Regex)>> = LazyLock::new(|| {
    DOMAINS
        .iter()
        .map(|d| {
            let core = format!(r"https?://.*{}.*\w", regex::escape(d));
            (
                Regex::new(&format!("(?i)^(?:{core})$")).expect("polyfill regex"),
                Regex::new(&format!("(?i){core}")).expect("polyfill regex"),
            )
        })
        .collect()
});

impl PassiveRule for PolyfillScript {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if msg.body.is_empty() || !msg.is_html() {
            return;
        }
        let Some(doc) = cx.doc else { return };
        let body = cx.text;
        let alert = |confidence, n: u32, param: &str, evidence: &str| {
            let mut a = Alert::new(&INFO, msg, Risk::High, confidence);
            a.alert_ref = format!("10115-{n}");
            a.param = param.to_string();
            a.evidence = evidence.to_string();
            a
        };
        let before = out.len();
        for t in doc.tags_named("script") {
            let Some(src) = t.attr("src") else { continue };
            for (whole, _) in URLS.iter() {
                if whole.is_match(src) {
                    out.push(alert(Confidence::High, 1, src, element_text(body, t)));
                }
            }
        }
        if out.len() > before {
            return;
        }
        for t in doc.tags_named("script") {
            let Some(code) = t.content.clone().and_then(|r| body.get(r)) else { continue };
            let lower = code.to_ascii_lowercase();
            for (i, d) in DOMAINS.iter().enumerate() {
                if lower.contains(d)
                    && let Some(m) = URLS[i].1.find(code)
                {
                    out.push(alert(Confidence::Low, 2, "", m.as_str()));
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{msg, run, MsgExt};

    fn page(body: &str) -> Vec<Alert> {
        run(&PolyfillScript, &msg("https://www.example.com/", 200).header("Content-Type", "text/html").body(body))
    }

    /// PolyfillCdnScriptScanRuleUnitTest (see README): a script from cdn.polyfill.io (high confidence) and a
    /// reference inside a script (low confidence), the rule's example alerts.
    #[test]
    fn fires_on_polyfill_domains() {
        let el = "<script type=\"text/javascript\" src=\"https://cdn.polyfill.io/malicious.js\"></script>";
        let a = page(&format!("<html><head>{el}</head></html>"));
        assert_eq!(a.len(), 1);
        assert_eq!((a[0].alert_ref.as_str(), a[0].risk, a[0].confidence), ("10115-1", Risk::High, Confidence::High));
        assert_eq!((a[0].param.as_str(), a[0].evidence.as_str()), ("https://cdn.polyfill.io/malicious.js", el));
        for d in ["bootcss.com", "bootcdn.net", "staticfile.net", "staticfile.org", "unionadjs.com", "xhsbpza.com", "union.macoms.la", "newcrbpc.com"] {
            assert_eq!(page(&format!("<script src=\"https://{d}/x.js\"></script>")).len(), 1, "{d}");
        }
        let a = page("<script> script = \"https://cdn.polyfill.io/malicious.js\"; </script>");
        assert_eq!((a.len(), a[0].alert_ref.as_str(), a[0].confidence), (1, "10115-2", Confidence::Low));
        assert_eq!(a[0].evidence, "https://cdn.polyfill.io/malicious.js");
    }

    /// Scripts from other hosts, and pages without scripts.
    #[test]
    fn quiet_cases() {
        assert!(page("<script src=\"https://cdnjs.cloudflare.com/polyfill/v3/polyfill.min.js\"></script>").is_empty());
        assert!(page("<html><body><p>polyfill.io/ was mentioned</p></body></html>").is_empty());
        assert!(page("<script>var a = 1;</script>").is_empty());
    }
}
