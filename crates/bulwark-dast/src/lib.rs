//! Passive DAST (`bulwark dast`): a bounded same-origin spider over a blocking HTTP client, ZAP-compatible passive
//! rules judged from responses only, the `zap-baseline.py` rules config, levels, output and exit codes, ZAP's
//! traditional reports, and the discovery of a preview namespace's Ingress hosts and Services.
//!
//! Data flow: [`spider::crawl`] fetches pages through a [`http::Fetch`] and hands each [`HttpMessage`] (with its
//! parsed [`html::Document`]) to [`scan::Scanner`], which runs every [`rules::PassiveRule`] and collects
//! [`rules::Alert`]s. [`zap::config`] assigns each rule a level, [`zap::baseline`] counts and prints as
//! `zap-baseline.py -s` does and picks the exit code, [`zap::report`] writes ZAP's JSON, HTML and Markdown, and
//! [`findings`] turns alerts into findings of the one report model. Nothing here is async and nothing is active:
//! no form is submitted and no payload is sent.

pub mod findings;
pub mod html;
pub mod http;
pub mod httpdate;
pub mod message;
pub mod preview;
pub mod rules;
pub mod scan;
pub mod spider;
#[doc(hidden)]
pub mod testing;
pub mod zap;

pub use message::HttpMessage;
pub use rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

/// Errors of the DAST crate. Alerts are data, not errors: these are the failures that stop a scan.
#[derive(Debug, thiserror::Error)]
pub enum DastError {
    /// A target URL that cannot be parsed or is not http(s).
    #[error("invalid target URL '{url}': {reason}")]
    Url { url: String, reason: String },
    /// A request that failed outright (connection refused, TLS, timeout), naming the URL.
    #[error("request to {url} failed: {reason}")]
    Fetch { url: String, reason: String },
    /// A ZAP rules config file with a bad line.
    #[error("{path}:{line}: {reason}")]
    Config {
        path: String,
        line: usize,
        reason: String,
    },
    /// A regex given by the user (include, exclude, OUTOFSCOPE).
    #[error("invalid regex '{pattern}': {reason}")]
    Regex { pattern: String, reason: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// Anything else, said in words (preview discovery, reports).
    #[error("{0}")]
    Other(String),
}
