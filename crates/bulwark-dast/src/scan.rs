//! One scan: crawl the targets and run every passive rule over every message.

use std::sync::Arc;
use std::time::Duration;

use crate::DastError;
use crate::html::Document;
use crate::http::Fetch;
use crate::message::HttpMessage;
use crate::rules::{Alert, PassiveRule, RuleInfo, RuleStatus, ScanContext, VulnLookup};
use crate::spider::{self, CrawlStats, SpiderConfig};

/// What a scan produced.
#[derive(Debug, Clone, Default)]
pub struct ScanResult {
    /// Every alert, in the order raised.
    pub alerts: Vec<Alert>,
    /// Every URL requested, in order, with its status (the report's site tree).
    pub urls: Vec<(String, u16)>,
    pub stats: CrawlStats,
    pub elapsed: Duration,
}

/// The rules a scan loads, as the baseline image does: release and beta rules, alpha ones too with `alpha`
/// (`-a`).
#[must_use]
pub fn loaded_rules(alpha: bool) -> Vec<Arc<dyn PassiveRule>> {
    crate::rules::all()
        .into_iter()
        .filter(|r| alpha || r.info().status != RuleStatus::Alpha)
        .collect()
}

/// The rule of a plugin id among `rules`.
#[must_use]
pub fn rule_info(rules: &[Arc<dyn PassiveRule>], plugin_id: u32) -> Option<&'static RuleInfo> {
    rules.iter().map(|r| r.info()).find(|i| i.id == plugin_id)
}

/// The rules and what they may use.
pub struct Scanner<'a> {
    pub rules: Vec<Arc<dyn PassiveRule>>,
    pub vulns: Option<&'a dyn VulnLookup>,
    pub secrets: Option<&'a bulwark_secrets::Scanner>,
}

impl Scanner<'_> {
    /// Runs the rules over one message.
    pub fn judge(
        &self,
        msg: &HttpMessage,
        doc: Option<&Document>,
        origins: &[String],
        out: &mut Vec<Alert>,
    ) {
        let text = msg.body_text();
        let cx = ScanContext {
            doc,
            text: &text,
            vulns: self.vulns,
            secrets: self.secrets,
            origins,
        };
        for rule in &self.rules {
            rule.scan(msg, &cx, out);
        }
    }

    /// Crawls `spider.seeds` through `client` and judges every message.
    pub fn run(&self, spider: &SpiderConfig, client: &dyn Fetch) -> Result<ScanResult, DastError> {
        let start = std::time::Instant::now();
        let origins: Vec<String> = spider
            .seeds
            .iter()
            .filter_map(|s| url::Url::parse(s).ok())
            .map(|u| u.origin().ascii_serialization())
            .collect();
        let mut result = ScanResult::default();
        let mut visit = |msg: &HttpMessage, doc: Option<&Document>| {
            result.urls.push((msg.url.clone(), msg.status));
            self.judge(msg, doc, &origins, &mut result.alerts);
        };
        let stats = spider::crawl(spider, client, &mut visit)?;
        result.stats = stats;
        result.elapsed = start.elapsed();
        Ok(result)
    }
}
