//! Counting alerts per rule and level, the `zap-baseline.py` output lines and summary, and the exit code.
//!
//! The output is that of the script's default Automation Framework mode (ZAP's `outputSummary` job, which
//! produced zaproxy's integration-test expectations) without its first line, `Using the Automation Framework`:
//! Bulwark is not ZAP and runs no plan, so it prints no line claiming it. Then:
//!
//! - with long output (no `-s`): `Total of <n> URLs`, then `PASS: <rule name> [<id>]` for every loaded rule with
//!   no counted alert, in the order of the ids compared as strings (as ZAP sorts them);
//! - one line per rule with counted alerts, grouped IGNORE, INFO, WARN, FAIL and by id (as strings) in a group:
//!   `IGNORE: `, `INFO: `, `WARN-NEW: `, `FAIL-NEW: ` (AF mode prints IGNORE and INFO without `-NEW`), then
//!   `<alert name> [<id>] x <n> <user message>` (the space before the message is there when it is empty); with
//!   long output, under it, up to 5 distinct URLs as `\t<url> (<status> <reason>)`;
//! - a rule in the `-p` progress file prints `<LEVEL>-IN_PROGRESS: …` and `\tProgress link: <link>` (the legacy
//!   path's form; the AF mode has no progress file) and counts in `*-INPROG`, not in the exit code;
//! - `-l LEVEL` hides lines below LEVEL (PASS lines need `-l PASS`, the default); counting is unchanged;
//! - the summary `FAIL-NEW: n\tFAIL-INPROG: n\tWARN-NEW: n\tWARN-INPROG: n\tINFO: n\tIGNORE: n\tPASS: n`.
//!
//! Counted alerts: not of an always-ignored id (-1, 50003, 60000, 60001) and not OUTOFSCOPE. Alerts of risk
//! Informational count too: the Automation Framework's summary counts every alert of a rule (its
//! `getAlertCountsByRule`), and zaproxy's expected outputs show rules that only ever alert at Informational
//! (10015, 10049, 10050) as WARN-NEW. Only the legacy `--autooff` path of the script drops them. A rule whose config level is
//! PASS and that alerted is neither printed nor counted, as in `zap_common.py` (no `inc_*_rules` takes it).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use super::config::{ALWAYS_IGNORED, Level, Progress, RulesConfig};
use crate::rules::Alert;

/// How to print and decide (the flags).
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// `-s`: no `Total of` line, no PASS lines, no URLs.
    pub short: bool,
    /// `-l`: the lowest level printed.
    pub min_level: Level,
    /// `-I`: warnings alone exit 0.
    pub ignore_warnings: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            short: false,
            min_level: Level::Pass,
            ignore_warnings: false,
        }
    }
}

/// One rule's line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleLine {
    pub level: Level,
    pub plugin_id: String,
    /// The alert name, which can differ from the rule name: of the rule's highest-risk counted alert, the first
    /// by name (the first in ZAP's alerts tree).
    pub name: String,
    pub count: usize,
    pub message: String,
    /// Up to 5 distinct URLs with their status.
    pub urls: Vec<(String, Option<u16>)>,
    /// In the progress file: `Some(link)`.
    pub in_progress: Option<Option<String>>,
}

/// A failing policy rule, printed as a FAIL line (`FAIL-NEW: Policy rule <rule> [policy] x <hits> <bundle>`) and
/// counted in FAIL-NEW.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyFailure {
    pub rule: String,
    pub hits: usize,
    pub bundle: String,
}

/// The outcome of the baseline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    /// Passing rules `(id, rule name)`, in printing order.
    pub pass: Vec<(String, String)>,
    /// Rules with counted alerts, in printing order (IGNORE, INFO, WARN, FAIL; by id as a string).
    pub lines: Vec<RuleLine>,
    pub policy_failures: Vec<PolicyFailure>,
    /// URLs requested (the `Total of` line).
    pub urls: usize,
    pub fail_new: usize,
    pub fail_inprog: usize,
    pub warn_new: usize,
    pub warn_inprog: usize,
    pub info: usize,
    pub ignore: usize,
}

impl Baseline {
    /// Judges `alerts` with `config`: `rules` are the loaded rules `(plugin id, rule name)`, `statuses` the
    /// status of each requested URL (for the URL lines), `progress` the `-p` file.
    #[must_use]
    pub fn judge<'a>(
        rules: impl IntoIterator<Item = (u32, &'a str)>,
        alerts: &[Alert],
        config: &RulesConfig,
        progress: &Progress,
        statuses: &HashMap<String, u16>,
    ) -> Self {
        let mut counted: BTreeMap<String, Vec<&Alert>> = BTreeMap::new();
        for a in alerts {
            let id = a.plugin_id.to_string();
            if ALWAYS_IGNORED.contains(&id.as_str()) || !config.in_scope(&id, &a.url) {
                continue;
            }
            counted.entry(id).or_default().push(a);
        }
        let mut out = Self {
            urls: statuses.len(),
            ..Self::default()
        };
        let mut loaded: Vec<(String, String)> = rules
            .into_iter()
            .map(|(id, name)| (id.to_string(), name.to_string()))
            .filter(|(id, _)| !ALWAYS_IGNORED.contains(&id.as_str()))
            .collect();
        loaded.sort();
        loaded.dedup_by(|a, b| a.0 == b.0);
        out.pass = loaded
            .into_iter()
            .filter(|(id, _)| !counted.contains_key(id))
            .collect();
        for level in [Level::Ignore, Level::Info, Level::Warn, Level::Fail] {
            for (id, list) in &counted {
                if config.level(id) != level {
                    continue;
                }
                let mut urls: Vec<(String, Option<u16>)> = Vec::new();
                for a in list {
                    if urls.len() == 5 {
                        break;
                    }
                    if !urls.iter().any(|(u, _)| *u == a.url) {
                        urls.push((a.url.clone(), statuses.get(&a.url).copied()));
                    }
                }
                // IGNORE never reads the progress file (the script passes it {}).
                let in_progress = (level != Level::Ignore)
                    .then(|| progress.get(id).map(|p| p.link.clone()))
                    .flatten();
                let ip = in_progress.is_some();
                match level {
                    Level::Ignore => out.ignore += 1,
                    Level::Info if !ip => out.info += 1,
                    Level::Warn if ip => out.warn_inprog += 1,
                    Level::Warn => out.warn_new += 1,
                    Level::Fail if ip => out.fail_inprog += 1,
                    Level::Fail => out.fail_new += 1,
                    Level::Info | Level::Pass => {}
                }
                // ZAP names the line after the first alert of the rule in its alerts tree: highest risk
                // first, then by name (OutputSummaryJob.getAlertName).
                let name = list
                    .iter()
                    .min_by(|a, b| b.risk.cmp(&a.risk).then_with(|| a.name.cmp(&b.name)))
                    .map_or_else(String::new, |a| a.name.clone());
                out.lines.push(RuleLine {
                    level,
                    plugin_id: id.clone(),
                    name,
                    count: list.len(),
                    message: config.message(id).to_string(),
                    urls,
                    in_progress,
                });
            }
        }
        out
    }

    /// Adds failing policy rules (FAIL lines, counted in FAIL-NEW).
    pub fn add_policy_failures(&mut self, failures: Vec<PolicyFailure>) {
        self.fail_new += failures.len();
        self.policy_failures.extend(failures);
    }

    /// The `zap-baseline.py` exit code: 1 any FAIL, else 2 any WARN (not with `-I`), else 0 when at least one
    /// rule passed, else 3.
    #[must_use]
    pub fn exit_code(&self, opts: &Options) -> i32 {
        if self.fail_new > 0 {
            1
        } else if !opts.ignore_warnings && self.warn_new > 0 {
            2
        } else if !self.pass.is_empty() {
            0
        } else {
            3
        }
    }

    /// The printed output.
    #[must_use]
    pub fn render(&self, opts: &Options) -> String {
        let mut o = String::new();
        if self.urls == 0 {
            o.push_str("No URLs found - is the target URL accessible?\n");
        } else if !opts.short {
            let _ = writeln!(o, "Total of {} URLs", self.urls);
        }
        if !opts.short && opts.min_level == Level::Pass {
            for (id, name) in &self.pass {
                let _ = writeln!(o, "PASS: {name} [{id}]");
            }
        }
        for l in &self.lines {
            if l.level < opts.min_level {
                continue;
            }
            let prefix = match (&l.in_progress, l.level) {
                (Some(_), lvl) => format!("{}-IN_PROGRESS", lvl.as_str()),
                (None, Level::Warn | Level::Fail) => format!("{}-NEW", l.level.as_str()),
                (None, lvl) => lvl.as_str().to_string(),
            };
            let _ = writeln!(
                o,
                "{prefix}: {} [{}] x {} {}",
                l.name, l.plugin_id, l.count, l.message
            );
            if let Some(Some(link)) = &l.in_progress {
                let _ = writeln!(o, "\tProgress link: {link}");
            }
            if !opts.short {
                for (url, status) in &l.urls {
                    match status {
                        Some(code) => {
                            let _ = writeln!(o, "\t{url} ({code} {})", reason(*code));
                        }
                        None => {
                            let _ = writeln!(o, "\t{url}");
                        }
                    }
                }
            }
        }
        for p in &self.policy_failures {
            let _ = writeln!(
                o,
                "FAIL-NEW: Policy rule {} [policy] x {} {}",
                p.rule, p.hits, p.bundle
            );
        }
        let _ = writeln!(
            o,
            "FAIL-NEW: {}\tFAIL-INPROG: {}\tWARN-NEW: {}\tWARN-INPROG: {}\tINFO: {}\tIGNORE: {}\tPASS: {}",
            self.fail_new,
            self.fail_inprog,
            self.warn_new,
            self.warn_inprog,
            self.info,
            self.ignore,
            self.pass.len()
        );
        o
    }
}

/// The reason phrase of a status code (RFC 9110 §15), empty when unknown.
#[must_use]
pub fn reason(code: u16) -> &'static str {
    match code {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        418 => "I'm a teapot",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

/// The level named by `-l` (PASS, IGNORE, INFO, WARN, FAIL).
pub fn parse_min_level(s: &str) -> Result<Level, crate::DastError> {
    Level::parse(s).ok_or_else(|| {
        crate::DastError::Other(format!(
            "-l {s}: level must be one of PASS, IGNORE, INFO, WARN, FAIL"
        ))
    })
}
