//! The spider: seeds, `robots.txt` and `sitemap.xml`, links and (optionally) GET forms, same-origin scope with
//! include/exclude regexes, bounded by pages, depth and time, paced. Redirects are followed only in scope and
//! never twice to the same URL.
//!
//! STUB: built by the spider work (helper "crawl").

use std::time::Duration;

use regex::Regex;

use crate::DastError;
use crate::html::Document;
use crate::http::Fetch;
use crate::message::HttpMessage;

/// Spider settings (`bulwark dast` flags).
#[derive(Debug, Clone)]
pub struct SpiderConfig {
    /// Start URLs; their origins are the scope.
    pub seeds: Vec<String>,
    /// Only URLs matching one of these (when any) are crawled (`--include`).
    pub include: Vec<Regex>,
    /// URLs matching one of these are never requested (`--exclude`).
    pub exclude: Vec<Regex>,
    pub max_pages: usize,
    pub max_depth: u32,
    /// Wall-clock bound for the whole crawl.
    pub max_duration: Duration,
    /// Pause between requests (pacing).
    pub delay: Duration,
    /// Read `robots.txt` and `sitemap.xml` for URLs (ZAP's spider parses both).
    pub robots: bool,
    pub sitemap: bool,
    /// Crawl GET form actions with their default values (never POST).
    pub submit_forms: bool,
    /// Redirect hops followed from one URL.
    pub max_redirects: u32,
}

impl Default for SpiderConfig {
    fn default() -> Self {
        Self {
            seeds: Vec::new(),
            include: Vec::new(),
            exclude: Vec::new(),
            max_pages: 500,
            max_depth: 10,
            max_duration: Duration::from_mins(1),
            delay: Duration::ZERO,
            robots: true,
            sitemap: true,
            submit_forms: false,
            max_redirects: 10,
        }
    }
}

/// What the crawl did, for the report and the diagnostics.
#[derive(Debug, Clone, Default)]
pub struct CrawlStats {
    pub requests: usize,
    pub pages: usize,
    /// URLs seen but not requested because of the page, depth or time bound.
    pub skipped_by_limit: usize,
    /// Redirects not followed because they left the scope.
    pub off_scope_redirects: Vec<String>,
    /// Warnings naming the URL: truncated bodies, timeouts, failed requests, redirect loops, limits reached.
    pub diagnostics: Vec<String>,
    pub elapsed: Duration,
}

/// Crawls from the seeds, calling `visit` with every message (and its parsed document when it is HTML). A seed
/// that cannot be fetched at all is an error; any other failed request is a diagnostic.
pub fn crawl(
    config: &SpiderConfig,
    client: &dyn Fetch,
    visit: &mut dyn FnMut(&HttpMessage, Option<&Document>),
) -> Result<CrawlStats, DastError> {
    let _ = (config, client, visit);
    Err(DastError::Other("spider not built yet".into()))
}
