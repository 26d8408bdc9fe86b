//! Passive rules with ZAP's plugin ids and names. One folder per rule (`r<pluginId>_<name>/`) holding its code,
//! its README (what it judges, the ZAP definition it follows) and its firing and non-firing cases.
//!
//! A rule sees one [`HttpMessage`] at a time (with the page's parsed [`Document`] when it is HTML) and pushes
//! [`Alert`]s; it never sends a request. The registry is [`all`]: the header, cookie and transport rules
//! (`headers.rs`) and the content rules (`content.rs`).

use std::sync::Arc;

use serde::Serialize;

use crate::html::Document;
use crate::message::HttpMessage;

mod content;
mod headers;

/// ZAP's risk levels (`riskcode` 0–3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Risk {
    Informational = 0,
    Low = 1,
    Medium = 2,
    High = 3,
}

impl Risk {
    /// ZAP's name (`Informational`, `Low`, `Medium`, `High`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Informational => "Informational",
            Self::Low => "Low",
            Self::Medium => "Medium",
            Self::High => "High",
        }
    }
}

/// ZAP's confidence levels (`confidence` 0–4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Confidence {
    FalsePositive = 0,
    Low = 1,
    Medium = 2,
    High = 3,
    Confirmed = 4,
}

impl Confidence {
    /// ZAP's name (`Low`, `Medium`, `High`, `Confirmed`, `False Positive`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FalsePositive => "False Positive",
            Self::Low => "Low",
            Self::Medium => "Medium",
            Self::High => "High",
            Self::Confirmed => "Confirmed",
        }
    }
}

/// The add-on status ZAP gives a rule: release rules run by default, beta too (the baseline image loads
/// pscanrulesBeta), alpha only with `-a`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RuleStatus {
    Release,
    Beta,
    Alpha,
}

/// What a rule is: ZAP's plugin id and rule name (the name `zap-baseline.py -g` writes), and the texts of its
/// alerts (written by us; ZAP's texts are not copied).
#[derive(Debug, Clone, Copy)]
pub struct RuleInfo {
    pub id: u32,
    /// The rule name, as in ZAP's rule table.
    pub name: &'static str,
    pub status: RuleStatus,
    pub cwe: u32,
    pub wasc: u32,
    /// What the alert means, in a sentence or two.
    pub description: &'static str,
    /// The fix.
    pub solution: &'static str,
    /// Where the behaviour is specified (MDN, RFC, OWASP).
    pub references: &'static [&'static str],
}

/// One alert: one rule judged one message. Field names follow ZAP's traditional JSON report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    pub plugin_id: u32,
    /// ZAP's `alertRef`: the plugin id, or `<id>-<n>` for a rule's variant alerts (10020-1, 10055-4).
    pub alert_ref: String,
    /// The alert name, which can differ from the rule name (10020 raises "Missing Anti-clickjacking Header").
    pub name: String,
    pub risk: Risk,
    pub confidence: Confidence,
    pub url: String,
    pub method: String,
    /// The header, cookie or parameter at fault (`x-frame-options`, `JSESSIONID`).
    pub param: String,
    pub attack: String,
    /// The text in the message that shows it (a header line, a snippet of the body).
    pub evidence: String,
    pub other_info: String,
    /// Overrides of the rule's texts for variant alerts; empty means the rule's own.
    pub description: String,
    pub solution: String,
    pub cwe: u32,
    pub wasc: u32,
}

impl Alert {
    /// An alert of `info` about `msg`, with the rule's name, CWE and WASC; risk and confidence are the caller's.
    #[must_use]
    pub fn new(info: &RuleInfo, msg: &HttpMessage, risk: Risk, confidence: Confidence) -> Self {
        Self {
            plugin_id: info.id,
            alert_ref: info.id.to_string(),
            name: info.name.to_string(),
            risk,
            confidence,
            url: msg.url.clone(),
            method: msg.method.clone(),
            param: String::new(),
            attack: String::new(),
            evidence: String::new(),
            other_info: String::new(),
            description: String::new(),
            solution: String::new(),
            cwe: info.cwe,
            wasc: info.wasc,
        }
    }
}

/// A known vulnerability of a package version, for the vulnerable-JavaScript-library rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownVuln {
    /// The advisory id (`GHSA-…`, `CVE-…`).
    pub id: String,
    pub aliases: Vec<String>,
    /// `LOW`, `MEDIUM`, `HIGH`, `CRITICAL` when known.
    pub severity: Option<String>,
    pub summary: String,
    /// The first fixed version, when known.
    pub fixed: Option<String>,
}

/// Looks up an npm package version in the vulnerability DB (the binary implements it over bulwark-vulndb).
pub trait VulnLookup: Sync {
    fn npm(&self, package: &str, version: &str) -> Vec<KnownVuln>;
}

/// What a rule may use besides the message.
#[derive(Clone, Copy)]
pub struct ScanContext<'a> {
    /// The page, parsed once, when the response is HTML.
    pub doc: Option<&'a Document>,
    /// The response body as text ([`HttpMessage::body_text`]), decoded once per message for every rule.
    pub text: &'a str,
    /// The vulnerability DB, when one is loaded.
    pub vulns: Option<&'a dyn VulnLookup>,
    /// Bulwark's secrets engine, run over response bodies.
    pub secrets: Option<&'a bulwark_secrets::Scanner>,
    /// The origins in scope (`https://host:port`), for cross-domain rules.
    pub origins: &'a [String],
}

/// A passive rule.
pub trait PassiveRule: Send + Sync {
    fn info(&self) -> &'static RuleInfo;
    /// Judges one message; pushes zero or more alerts.
    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>);
}

/// Every rule Bulwark implements, sorted by plugin id.
#[must_use]
pub fn all() -> Vec<Arc<dyn PassiveRule>> {
    let mut rules = headers::rules();
    rules.extend(content::rules());
    rules.sort_by_key(|r| r.info().id);
    rules
}

/// Building messages for rule tests: `msg("https://a.test/", 200).header("Content-Type", "text/html").body("…")`.
#[cfg(test)]
#[allow(dead_code)] // Each helper is used by some rule folders' tests.
pub(crate) mod testing {
    use crate::html::Document;
    use crate::message::HttpMessage;

    use super::{Alert, PassiveRule, ScanContext};

    /// A GET of `url` answered with `status` and no headers.
    pub(crate) fn msg(url: &str, status: u16) -> HttpMessage {
        HttpMessage {
            method: "GET".into(),
            url: url.into(),
            status,
            http_version: "HTTP/1.1".into(),
            ..HttpMessage::default()
        }
    }

    /// Builder steps over a message.
    pub(crate) trait MsgExt {
        #[must_use]
        fn header(self, name: &str, value: &str) -> Self;
        #[must_use]
        fn req_header(self, name: &str, value: &str) -> Self;
        #[must_use]
        fn body(self, body: &str) -> Self;
    }

    impl MsgExt for HttpMessage {
        fn header(mut self, name: &str, value: &str) -> Self {
            self.response_headers.push((name.into(), value.into()));
            self
        }
        fn req_header(mut self, name: &str, value: &str) -> Self {
            self.request_headers.push((name.into(), value.into()));
            self
        }
        fn body(mut self, body: &str) -> Self {
            self.body = body.as_bytes().to_vec();
            self
        }
    }

    /// Runs one rule over a message (parsing the body as HTML when the response is HTML) in the scope of the
    /// message's own origin.
    pub(crate) fn run(rule: &dyn PassiveRule, m: &HttpMessage) -> Vec<Alert> {
        let doc = m.is_html().then(|| Document::parse(&m.body));
        let origin = url::Url::parse(&m.url)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_default();
        let origins = [origin];
        let text = m.body_text();
        let cx = ScanContext {
            doc: doc.as_ref(),
            text: &text,
            vulns: None,
            secrets: None,
            origins: &origins,
        };
        let mut out = Vec::new();
        rule.scan(m, &cx, &mut out);
        out
    }
}
