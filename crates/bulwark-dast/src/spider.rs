//! The spider: seeds, `robots.txt` and `sitemap.xml`, links and (optionally) GET forms, same-origin scope with
//! include/exclude regexes, bounded by pages, depth and time, paced. Redirects are followed only in scope and
//! never twice to the same URL.
//!
//! Order: the seeds (depth 0), then per seed origin `/robots.txt` and `/sitemap.xml` (plus the `Sitemap:` lines
//! of robots.txt; a sitemap index is followed one level, at most [`MAX_SITEMAPS`] child sitemaps), then
//! breadth-first over the links found. As ZAP's spider does, robots.txt is read for URLs, not obeyed: its
//! `Allow` and `Disallow` paths (of every group; paths with a `*` wildcard skipped, a final `$` dropped) are
//! URLs to visit at depth 1. Use `--exclude` to keep the spider out of a path.
//!
//! Bounds: `max_pages` counts every request (robots.txt, sitemaps and redirect hops included); `max_depth` is the
//! link distance from a seed; `max_duration` is checked before each request and passed to the client as a
//! deadline, so a body being read stops with it too. The queue of URLs waiting holds at most
//! `min(max_pages, QUEUE_CAP)` entries ([`QUEUE_CAP`] = 100,000): a URL found when it is full is counted in
//! `skipped_by_limit` and dropped, so a page with millions of links costs no more memory than the cap. The set
//! of URLs seen only grows with what entered the queue. URLs are compared normalised (scheme and host
//! lower-case, default port dropped, fragment dropped: the `url` crate's serialisation).

use std::collections::{HashSet, VecDeque};
use std::time::{Duration, Instant};

use regex::Regex;

use crate::DastError;
use crate::html::Document;
use crate::http::{Fetch, FetchError, Request};
use crate::message::HttpMessage;

/// The queue of URLs waiting holds at most this many (and never more than `max_pages`).
pub const QUEUE_CAP: usize = 100_000;
/// Child sitemaps of a sitemap index read at most.
pub const MAX_SITEMAPS: usize = 50;
/// URLs taken from one robots.txt or sitemap at most (the queue cap applies as well).
pub const MAX_DISCOVERED: usize = 50_000;

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

/// The normalised form of a URL (http(s) only): scheme and host lower-case, default port and fragment dropped.
#[must_use]
pub fn normalize(url: &str) -> Option<String> {
    let mut u = url::Url::parse(url.trim()).ok()?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none_or(str::is_empty) {
        return None;
    }
    u.set_fragment(None);
    Some(u.to_string())
}

fn origin_of(url: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()
        .map(|u| u.origin().ascii_serialization())
}

/// Why a URL is not requested.
enum Verdict {
    Ok,
    OffOrigin,
    Filtered,
}

struct Crawl<'a> {
    config: &'a SpiderConfig,
    client: &'a dyn Fetch,
    visit: &'a mut dyn FnMut(&HttpMessage, Option<&Document>),
    origins: Vec<String>,
    start: Instant,
    deadline: Instant,
    seen: HashSet<String>,
    queue: VecDeque<(String, u32)>,
    queue_cap: usize,
    stats: CrawlStats,
    stopped: bool,
    last_request: Option<Instant>,
}

/// Crawls from the seeds, calling `visit` with every message (and its parsed document when it is HTML). A seed
/// that cannot be fetched at all is an error; any other failed request is a diagnostic.
pub fn crawl(
    config: &SpiderConfig,
    client: &dyn Fetch,
    visit: &mut dyn FnMut(&HttpMessage, Option<&Document>),
) -> Result<CrawlStats, DastError> {
    let mut seeds = Vec::new();
    for s in &config.seeds {
        let n = normalize(s).ok_or_else(|| DastError::Url {
            url: s.clone(),
            reason: "not an absolute http(s) URL".into(),
        })?;
        seeds.push(n);
    }
    let mut origins: Vec<String> = Vec::new();
    for o in seeds.iter().filter_map(|s| origin_of(s)) {
        if !origins.contains(&o) {
            origins.push(o);
        }
    }
    let start = Instant::now();
    let mut c = Crawl {
        config,
        client,
        visit,
        origins,
        start,
        deadline: start + config.max_duration,
        seen: HashSet::new(),
        queue: VecDeque::new(),
        queue_cap: config.max_pages.min(QUEUE_CAP),
        stats: CrawlStats::default(),
        stopped: false,
        last_request: None,
    };
    for seed in &seeds {
        if !c.seen.insert(seed.clone()) {
            continue;
        }
        if !c.may_request() {
            break;
        }
        match c.get(seed, 0, false) {
            Ok(msg) => c.handle(&msg, vec![seed.clone()], 0),
            Err(e) => {
                return Err(DastError::Fetch {
                    url: seed.clone(),
                    reason: e.to_string(),
                });
            }
        }
    }
    let origins = c.origins.clone();
    for origin in &origins {
        c.discover(origin);
    }
    while let Some((url, depth)) = c.queue.pop_front() {
        if !c.may_request() {
            c.stats.skipped_by_limit += 1 + c.queue.len();
            c.queue.clear();
            break;
        }
        match c.get(&url, depth, false) {
            Ok(msg) => c.handle(&msg, vec![url.clone()], 0),
            Err(e) => c.stats.diagnostics.push(format!("GET {url}: {e}")),
        }
    }
    c.stats.elapsed = c.start.elapsed();
    Ok(c.stats)
}

impl Crawl<'_> {
    fn verdict(&self, url: &str) -> Verdict {
        let Some(origin) = origin_of(url) else {
            return Verdict::OffOrigin;
        };
        if !self.origins.contains(&origin) {
            return Verdict::OffOrigin;
        }
        if self.config.exclude.iter().any(|r| r.is_match(url)) {
            return Verdict::Filtered;
        }
        if !self.config.include.is_empty() && !self.config.include.iter().any(|r| r.is_match(url)) {
            return Verdict::Filtered;
        }
        Verdict::Ok
    }

    /// Whether one more request may be made (page and time bounds); says why not once.
    fn may_request(&mut self) -> bool {
        if self.stopped {
            return false;
        }
        if self.stats.requests >= self.config.max_pages {
            self.stats.diagnostics.push(format!(
                "page limit reached: {} requests (--max-pages)",
                self.config.max_pages
            ));
            self.stopped = true;
        } else if Instant::now() >= self.deadline {
            self.stats.diagnostics.push(format!(
                "time limit reached after {:?} (--max-duration)",
                self.config.max_duration
            ));
            self.stopped = true;
        }
        !self.stopped
    }

    /// One request, paced.
    fn get(&mut self, url: &str, depth: u32, off_scope: bool) -> Result<HttpMessage, FetchError> {
        if let Some(last) = self.last_request {
            let wait = self.config.delay.saturating_sub(last.elapsed());
            let left = self.deadline.saturating_duration_since(Instant::now());
            if !wait.is_zero() {
                std::thread::sleep(wait.min(left));
            }
        }
        self.last_request = Some(Instant::now());
        self.stats.requests += 1;
        let req = Request {
            method: "GET".into(),
            url: url.to_string(),
            depth,
            off_scope,
            deadline: Some(self.deadline),
            ..Request::default()
        };
        let msg = self.client.fetch(&req)?;
        if msg.truncated {
            self.stats.diagnostics.push(format!(
                "GET {url}: body truncated at {} bytes (--max-body-size); rules saw the first part only",
                msg.body.len()
            ));
        }
        Ok(msg)
    }

    /// Visits a message: parses HTML, follows a redirect in scope, queues links. `chain` holds the URLs of the
    /// redirect chain so far (the first is the URL that was queued).
    fn handle(&mut self, msg: &HttpMessage, chain: Vec<String>, hops: u32) {
        let depth = msg.depth;
        let doc = msg.is_html().then(|| Document::parse(&msg.body));
        self.stats.pages += 1;
        (self.visit)(msg, doc.as_ref());
        if msg.is_redirect() {
            self.redirect(msg, chain, hops);
            return;
        }
        let Some(doc) = doc else { return };
        // Form actions are requested only when --submit-forms says so, and then only for GET forms, with their
        // fields' default values as the query.
        let mut found: Vec<String> = doc
            .links(&msg.url)
            .into_iter()
            .filter(|l| l.source != "form/action")
            .map(|l| l.url)
            .collect();
        let forms = doc.forms(&msg.url);
        if self.config.submit_forms {
            for f in forms.iter().filter(|f| f.method == "GET") {
                if let Ok(mut u) = url::Url::parse(&f.action) {
                    u.query_pairs_mut()
                        .clear()
                        .extend_pairs(f.fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                    found.push(u.to_string());
                }
            }
        }
        for u in found {
            self.enqueue(&u, depth + 1);
        }
    }

    fn redirect(&mut self, msg: &HttpMessage, mut chain: Vec<String>, hops: u32) {
        let from = &msg.url;
        let Some(target) = msg
            .header("location")
            .and_then(|l| url::Url::parse(from).ok()?.join(l.trim()).ok())
            .and_then(|u| normalize(u.as_str()))
        else {
            self.stats
                .diagnostics
                .push(format!("GET {from}: redirect with an unusable Location"));
            return;
        };
        match self.verdict(&target) {
            Verdict::OffOrigin => {
                self.stats
                    .off_scope_redirects
                    .push(format!("{from} -> {target}"));
                return;
            }
            Verdict::Filtered => return,
            Verdict::Ok => {}
        }
        if chain.contains(&target) {
            chain.push(target);
            self.stats
                .diagnostics
                .push(format!("redirect loop: {}", chain.join(" -> ")));
            return;
        }
        if !self.seen.insert(target.clone()) {
            return; // visited already, or queued: it is requested once.
        }
        if hops >= self.config.max_redirects {
            chain.push(target);
            self.stats.diagnostics.push(format!(
                "more than {} redirects (--max-redirects not followed further): {}",
                self.config.max_redirects,
                chain.join(" -> ")
            ));
            return;
        }
        if !self.may_request() {
            self.stats.skipped_by_limit += 1;
            return;
        }
        chain.push(target.clone());
        match self.get(&target, msg.depth, false) {
            Ok(next) => self.handle(&next, chain, hops + 1),
            Err(e) => self.stats.diagnostics.push(format!("GET {target}: {e}")),
        }
    }

    /// Queues a URL found at `depth` if it is in scope, new, within the depth bound and the queue has room.
    fn enqueue(&mut self, url: &str, depth: u32) {
        let Some(url) = normalize(url) else { return };
        if !matches!(self.verdict(&url), Verdict::Ok) || self.seen.contains(&url) {
            return;
        }
        if depth > self.config.max_depth || self.queue.len() >= self.queue_cap {
            self.stats.skipped_by_limit += 1;
            return;
        }
        self.seen.insert(url.clone());
        self.queue.push_back((url, depth));
    }

    /// Reads robots.txt and sitemap.xml of an origin for URLs.
    fn discover(&mut self, origin: &str) {
        let mut sitemaps: Vec<String> = Vec::new();
        if self.config.robots {
            let url = format!("{origin}/robots.txt");
            if let Some(msg) = self.fetch_aux(&url)
                && msg.status == 200
            {
                {
                    let text = msg.body_text();
                    let (paths, maps) = parse_robots(&text);
                    for p in paths.iter().take(MAX_DISCOVERED) {
                        if let Ok(u) = url::Url::parse(origin).and_then(|o| o.join(p)) {
                            self.enqueue(u.as_str(), 1);
                        }
                    }
                    sitemaps.extend(maps.into_iter().take(MAX_SITEMAPS));
                }
            }
        }
        if self.config.sitemap {
            let default = format!("{origin}/sitemap.xml");
            if !sitemaps.contains(&default) {
                sitemaps.insert(0, default);
            }
            let mut children = Vec::new();
            for sm in sitemaps {
                if let Some(kids) = self.sitemap(&sm, true) {
                    children.extend(kids);
                }
            }
            for sm in children.into_iter().take(MAX_SITEMAPS) {
                let _ = self.sitemap(&sm, false);
            }
        }
    }

    /// Reads one sitemap: queues its `<loc>` URLs; for a sitemap index (when `index_ok`), returns its children.
    fn sitemap(&mut self, url: &str, index_ok: bool) -> Option<Vec<String>> {
        let msg = self.fetch_aux(url)?;
        if msg.status != 200 {
            return None;
        }
        let text = msg.body_text();
        let (is_index, locs) = parse_sitemap(&text);
        if is_index {
            if !index_ok {
                self.stats.diagnostics.push(format!(
                    "{url}: a sitemap index inside a sitemap index is not followed"
                ));
                return None;
            }
            return Some(
                locs.into_iter()
                    .filter(|l| matches!(self.verdict(l), Verdict::Ok))
                    .collect(),
            );
        }
        for l in locs.iter().take(MAX_DISCOVERED) {
            self.enqueue(l, 1);
        }
        None
    }

    /// A request for robots.txt or a sitemap: in scope, not excluded, once; visited like any message.
    fn fetch_aux(&mut self, url: &str) -> Option<HttpMessage> {
        let url = normalize(url)?;
        if !matches!(self.verdict(&url), Verdict::Ok | Verdict::Filtered)
            || self.config.exclude.iter().any(|r| r.is_match(&url))
            || !self.seen.insert(url.clone())
            || !self.may_request()
        {
            return None;
        }
        match self.get(&url, 1, false) {
            Ok(msg) => {
                self.stats.pages += 1;
                let doc = msg.is_html().then(|| Document::parse(&msg.body));
                (self.visit)(&msg, doc.as_ref());
                Some(msg)
            }
            Err(e) => {
                self.stats.diagnostics.push(format!("GET {url}: {e}"));
                None
            }
        }
    }
}

/// The `Allow`/`Disallow` paths and `Sitemap` URLs of a robots.txt (RFC 9309 §2.2, any user-agent group).
#[must_use]
pub fn parse_robots(text: &str) -> (Vec<String>, Vec<String>) {
    let mut paths = Vec::new();
    let mut maps = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
        match k.as_str() {
            "allow" | "disallow" => {
                let p = v.strip_suffix('$').unwrap_or(v);
                if p.starts_with('/') && !p.contains('*') && !paths.iter().any(|x| x == p) {
                    paths.push(p.to_string());
                }
            }
            "sitemap" if !v.is_empty() => maps.push(v.to_string()),
            _ => {}
        }
    }
    (paths, maps)
}

/// Whether a sitemap is a `<sitemapindex>`, and its `<loc>` values (entity-decoded, trimmed), per
/// sitemaps.org's protocol.
#[must_use]
pub fn parse_sitemap(text: &str) -> (bool, Vec<String>) {
    let is_index = text.contains("<sitemapindex");
    let mut locs = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("<loc>") {
        rest = &rest[i + 5..];
        let Some(e) = rest.find("</loc>") else { break };
        let raw = rest[..e].trim();
        let raw = raw
            .strip_prefix("<![CDATA[")
            .and_then(|r| r.strip_suffix("]]>"))
            .unwrap_or(raw);
        locs.push(crate::html::decode_entities(raw.trim().as_bytes(), true));
        rest = &rest[e + 6..];
    }
    (is_index, locs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn robots_paths_and_sitemaps() {
        // RFC 9309 §2.2.2 example rules, and a Sitemap line (sitemaps.org "Submitting your Sitemap via robots.txt").
        let (paths, maps) = parse_robots(
            "User-agent: *\nDisallow: /example/page.html\nAllow: /example/allowed.gif # c\n\
             Disallow: /x/*.php\nDisallow: /end$\nDISALLOW:\nSitemap: http://h/sm.xml\n",
        );
        assert_eq!(
            paths,
            ["/example/page.html", "/example/allowed.gif", "/end"]
        );
        assert_eq!(maps, ["http://h/sm.xml"]);
    }

    #[test]
    fn sitemap_locs() {
        let (idx, locs) = parse_sitemap(
            "<urlset><url><loc> http://h/a?x=1&amp;y=2 </loc></url><url><loc><![CDATA[http://h/b]]></loc></url></urlset>",
        );
        assert!(!idx);
        assert_eq!(locs, ["http://h/a?x=1&y=2", "http://h/b"]);
        assert!(
            parse_sitemap(
                "<sitemapindex><sitemap><loc>http://h/s1.xml</loc></sitemap></sitemapindex>"
            )
            .0
        );
    }

    #[test]
    fn normalisation() {
        assert_eq!(
            normalize("HTTP://Example.COM:80/a#frag").as_deref(),
            Some("http://example.com/a")
        );
        assert_eq!(
            normalize("https://example.com:443").as_deref(),
            Some("https://example.com/")
        );
        assert_eq!(normalize("mailto:x@y"), None);
    }
}
