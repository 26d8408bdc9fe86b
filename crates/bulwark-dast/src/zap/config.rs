//! The baseline rules config file: `ID<TAB>IGNORE|INFO|WARN|FAIL|OUTOFSCOPE<TAB>text[<TAB>message]`, the `-g`
//! template, and the `-p` progress file, with the semantics of `zap_common.py`'s `load_config` and
//! `zap-baseline.py` (zaproxy `docker/`):
//!
//! - a line starting with `#` or holding only whitespace is skipped; any other line needs at least two tabs
//!   (three fields), else the file is refused naming `file:line`;
//! - trailing whitespace is cut first (as Python's `rstrip`), so `10021<TAB>FAIL<TAB>` has two fields and is
//!   refused too;
//! - `OUTOFSCOPE`: field 1 is an id, a comma-separated list of ids or `*`; field 3 is a Python regex applied with
//!   `re.match` to each alert's URL: anchored at the start only. It is compiled as `^(?:…)`; what Python's `re`
//!   has and the `regex` crate lacks (look-around, backreferences) is refused with a clear error;
//! - `IGNORE`, `INFO`, `WARN`, `FAIL`, `PASS`: field 3 is for the reader; an optional fourth field is a message
//!   printed after the rule's line; a fifth field is refused (the script's two-way unpack fails);
//! - any other level is refused.
//!
//! Rules the file does not list are WARN, or INFO with `-i` ([`RulesConfig::level`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use regex::Regex;

use crate::DastError;

/// A rule's level in the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Pass,
    Ignore,
    Info,
    Warn,
    Fail,
}

impl Level {
    /// `PASS`, `IGNORE`, `INFO`, `WARN`, `FAIL` (zap-baseline.py's `zap_conf_lvls`, exact case).
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "PASS" => Self::Pass,
            "IGNORE" => Self::Ignore,
            "INFO" => Self::Info,
            "WARN" => Self::Warn,
            "FAIL" => Self::Fail,
            _ => return None,
        })
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "PASS",
            Self::Ignore => "IGNORE",
            Self::Info => "INFO",
            Self::Warn => "WARN",
            Self::Fail => "FAIL",
        }
    }
}

/// Plugin ids whose alerts are always dropped: ZAP's example rules (`zap-baseline.py`'s `ignore_scan_rules`).
pub const ALWAYS_IGNORED: [&str; 4] = ["-1", "50003", "60000", "60001"];

/// One `OUTOFSCOPE` line: alerts of these rules (`*` for all) whose URL matches are dropped.
#[derive(Debug, Clone)]
pub struct OutOfScope {
    /// Plugin ids as written, or `*`.
    pub ids: Vec<String>,
    /// The pattern as written.
    pub pattern: String,
    /// `^(?:pattern)`: Python's `re.match` (start-anchored, not end-anchored).
    pub regex: Regex,
}

/// A loaded rules config.
#[derive(Debug, Clone, Default)]
pub struct RulesConfig {
    /// Level per plugin id (as written: ids are compared as strings, as the script does).
    pub levels: BTreeMap<String, Level>,
    /// The user message per plugin id (empty when the line had no fourth field).
    pub messages: BTreeMap<String, String>,
    pub out_of_scope: Vec<OutOfScope>,
    /// Rules not listed are INFO instead of WARN (`-i`).
    pub default_info: bool,
}

impl RulesConfig {
    /// Reads and parses `path`.
    pub fn load(path: &Path) -> Result<Self, DastError> {
        let text = std::fs::read(path).map_err(|source| DastError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let text = String::from_utf8(text).map_err(|e| DastError::Config {
            path: path.display().to_string(),
            line: 0,
            reason: format!("not UTF-8: {e}"),
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses a config's text; `path` names it in errors.
    pub fn parse(text: &str, path: &str) -> Result<Self, DastError> {
        let mut cfg = Self::default();
        for (n, raw) in text.lines().enumerate() {
            let err = |reason: String| DastError::Config {
                path: path.to_string(),
                line: n + 1,
                reason,
            };
            if raw.starts_with('#') || raw.trim().is_empty() {
                continue;
            }
            if raw.matches('\t').count() < 2 {
                return Err(err(
                    "expected at least 3 tab-separated fields: ID<TAB>LEVEL<TAB>text".into(),
                ));
            }
            let line = raw.trim_end();
            let mut fields = line.splitn(3, '\t');
            let (Some(key), Some(val), Some(rest)) = (fields.next(), fields.next(), fields.next())
            else {
                return Err(err(
                    "expected at least 3 tab-separated fields after trailing whitespace is cut"
                        .into(),
                ));
            };
            if val == "OUTOFSCOPE" {
                let regex = compile_match(rest).map_err(&err)?;
                cfg.out_of_scope.push(OutOfScope {
                    ids: key.split(',').map(str::to_string).collect(),
                    pattern: rest.to_string(),
                    regex,
                });
                continue;
            }
            let Some(level) = Level::parse(val) else {
                return Err(err(format!(
                    "level '{val}' is not one of PASS, IGNORE, INFO, WARN, FAIL, OUTOFSCOPE"
                )));
            };
            let message = match rest.split_once('\t') {
                None => String::new(),
                Some((_, msg)) if msg.contains('\t') => {
                    return Err(err("more than 4 tab-separated fields".into()));
                }
                Some((_, msg)) => msg.to_string(),
            };
            cfg.levels.insert(key.to_string(), level);
            cfg.messages.insert(key.to_string(), message);
        }
        Ok(cfg)
    }

    /// The level of a rule: the config's, else WARN (INFO with `-i`).
    #[must_use]
    pub fn level(&self, plugin_id: &str) -> Level {
        self.levels
            .get(plugin_id)
            .copied()
            .unwrap_or(if self.default_info {
                Level::Info
            } else {
                Level::Warn
            })
    }

    /// The user message for a rule (empty when none).
    #[must_use]
    pub fn message(&self, plugin_id: &str) -> &str {
        self.messages.get(plugin_id).map_or("", String::as_str)
    }

    /// Whether an alert of `plugin_id` at `url` is in scope: no `*` pattern and no pattern of that id matches
    /// the start of the URL (`zap_common.is_in_scope`).
    #[must_use]
    pub fn in_scope(&self, plugin_id: &str, url: &str) -> bool {
        !self
            .out_of_scope
            .iter()
            .any(|o| o.ids.iter().any(|i| i == "*" || i == plugin_id) && o.regex.is_match(url))
    }
}

/// Compiles a Python `re.match` pattern: `^(?:…)`, so it is anchored at the start and free at the end.
fn compile_match(pattern: &str) -> Result<Regex, String> {
    Regex::new(&format!("^(?:{pattern})")).map_err(|e| {
        let hint = if ["(?=", "(?!", "(?<=", "(?<!", "(?P="]
            .iter()
            .any(|s| pattern.contains(s))
            || has_backreference(pattern)
        {
            " (look-around and backreferences of Python's re are not supported)"
        } else {
            ""
        };
        format!("OUTOFSCOPE regex '{pattern}' is invalid{hint}: {e}")
    })
}

/// A `\1`…`\9` outside a character class.
fn has_backreference(p: &str) -> bool {
    let b = p.as_bytes();
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] == b'\\' {
            if b[i + 1].is_ascii_digit() && b[i + 1] != b'0' {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

/// The `-g` template as `zap-baseline.py` writes it: four comment lines, then `ID<TAB>WARN<TAB>(name)` for every
/// rule, in the order of the ids compared as strings (the script sorts a dict keyed by the id strings).
#[must_use]
pub fn template<'a>(rules: impl IntoIterator<Item = (u32, &'a str)>) -> String {
    let mut rows: Vec<(String, &str)> = rules
        .into_iter()
        .map(|(id, name)| (id.to_string(), name))
        .filter(|(id, _)| !ALWAYS_IGNORED.contains(&id.as_str()))
        .collect();
    rows.sort();
    rows.dedup_by(|a, b| a.0 == b.0);
    let mut out = String::from(
        "# zap-baseline rule configuration file\n\
         # Change WARN to IGNORE to ignore rule or FAIL to fail if rule matches\n\
         # Only the rule identifiers are used - the names are just for info\n\
         # You can add your own messages to each rule by appending them after a tab on each line.\n",
    );
    for (id, name) in rows {
        let _ = writeln!(out, "{id}\tWARN\t({name})");
    }
    out
}

/// An issue being worked on (`-p`): printed as `<LEVEL>-IN_PROGRESS`, counted as `*-INPROG`, not in the exit code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InProgress {
    /// The tracking link, printed under the rule's line when set.
    pub link: Option<String>,
}

/// The `-p` progress file: `{"issues": [{"id": "10020", "state": "inprogress", "link": "https://…"}, …]}`;
/// only issues in state `inprogress` count (as `zap-baseline.py` reads it). Ids may be strings or numbers.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub issues: BTreeMap<String, InProgress>,
}

impl Progress {
    pub fn load(path: &Path) -> Result<Self, DastError> {
        let bytes = std::fs::read(path).map_err(|source| DastError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&bytes, &path.display().to_string())
    }

    pub fn parse(bytes: &[u8], path: &str) -> Result<Self, DastError> {
        let bad = |reason: String| DastError::Config {
            path: path.to_string(),
            line: 0,
            reason,
        };
        let v: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| bad(format!("not JSON: {e}")))?;
        let Some(issues) = v.get("issues").and_then(|i| i.as_array()) else {
            return Err(bad("no \"issues\" array".into()));
        };
        let mut out = Self::default();
        for (n, issue) in issues.iter().enumerate() {
            let id = match issue.get("id") {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Number(n)) => n.to_string(),
                _ => return Err(bad(format!("issues[{n}] has no string or number \"id\""))),
            };
            if issue.get("state").and_then(|s| s.as_str()) != Some("inprogress") {
                continue;
            }
            let link = issue
                .get("link")
                .and_then(|l| l.as_str())
                .filter(|l| !l.is_empty())
                .map(str::to_string);
            out.issues.insert(id, InProgress { link });
        }
        Ok(out)
    }

    #[must_use]
    pub fn get(&self, plugin_id: &str) -> Option<&InProgress> {
        self.issues.get(plugin_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_messages_and_default() {
        let c = RulesConfig::parse(
            "# comment\n\n10021\tFAIL\t(X-Content-Type-Options Header Missing)\n\
             10035\tINFO\t(HSTS)\tfix by Friday\r\n10049\tIGNORE\t(x)\n10050\tPASS\t(y)\n",
            "c.conf",
        )
        .unwrap();
        assert_eq!(c.level("10021"), Level::Fail);
        assert_eq!(c.level("10035"), Level::Info);
        assert_eq!(c.message("10035"), "fix by Friday");
        assert_eq!(c.message("10021"), "");
        assert_eq!(c.level("10049"), Level::Ignore);
        assert_eq!(c.level("10050"), Level::Pass);
        assert_eq!(c.level("99999"), Level::Warn);
        let c = RulesConfig {
            default_info: true,
            ..c
        };
        assert_eq!(c.level("99999"), Level::Info);
    }

    #[test]
    fn bad_lines_name_file_and_line() {
        for (text, line, what) in [
            ("# ok\n10021 FAIL (spaces)\n", 2, "at least 3"),
            ("10021\tFAIL\n", 1, "at least 3"),
            ("\n10021\tFAIL\t\t\n", 2, "at least 3"),
            ("10021\tfail\t(x)\n", 1, "level 'fail'"),
            ("10021\tBLOCK\t(x)\n", 1, "level 'BLOCK'"),
            ("10021\tWARN\t(x)\tmsg\textra\n", 1, "more than 4"),
            ("*\tOUTOFSCOPE\t(unclosed\n", 1, "invalid"),
        ] {
            let e = RulesConfig::parse(text, "r.conf").unwrap_err().to_string();
            assert!(e.starts_with(&format!("r.conf:{line}: ")), "{text:?}: {e}");
            assert!(e.contains(what), "{text:?}: {e}");
        }
    }

    #[test]
    fn python_only_regex_is_a_clear_error() {
        let e = RulesConfig::parse("*\tOUTOFSCOPE\thttps://a/(?!admin)\n", "r.conf")
            .unwrap_err()
            .to_string();
        assert!(e.contains("look-around"), "{e}");
        let e = RulesConfig::parse("*\tOUTOFSCOPE\t(a)\\1\n", "r.conf")
            .unwrap_err()
            .to_string();
        assert!(e.contains("backreferences"), "{e}");
    }

    #[test]
    fn out_of_scope_is_re_match() {
        let c = RulesConfig::parse(
            "*\tOUTOFSCOPE\t.*/robots\\.txt\n10020\tOUTOFSCOPE\thttps://www.zaproxy.com/\n\
             10021,10038\tOUTOFSCOPE\thttps://a\\.test/static/\n",
            "c",
        )
        .unwrap();
        // '*' applies to every rule; re.match is anchored at the start only.
        assert!(!c.in_scope("10015", "https://www.zaproxy.com/robots.txt"));
        assert!(!c.in_scope("10015", "https://www.zaproxy.com/robots.txt?x=1"));
        assert!(c.in_scope("10015", "https://www.zaproxy.com/"));
        // The home page pattern matches every URL of the site for 10020 (not end-anchored), no other rule.
        assert!(!c.in_scope("10020", "https://www.zaproxy.com/"));
        assert!(!c.in_scope("10020", "https://www.zaproxy.com/blog/"));
        assert!(c.in_scope("10021", "https://www.zaproxy.com/"));
        // Not anchored at the end, but anchored at the start.
        assert!(c.in_scope("10020", "http://x/?u=https://www.zaproxy.com/"));
        // Comma-separated ids.
        assert!(!c.in_scope("10021", "https://a.test/static/app.js"));
        assert!(!c.in_scope("10038", "https://a.test/static/"));
        assert!(c.in_scope("10039", "https://a.test/static/"));
    }

    #[test]
    fn template_is_zaps() {
        let t = template([
            (10021, "X-Content-Type-Options Header Missing"),
            (2, "Private IP Disclosure"),
            (60000, "Example"),
            (10010, "Cookie No HttpOnly Flag"),
        ]);
        assert_eq!(
            t,
            "# zap-baseline rule configuration file\n\
             # Change WARN to IGNORE to ignore rule or FAIL to fail if rule matches\n\
             # Only the rule identifiers are used - the names are just for info\n\
             # You can add your own messages to each rule by appending them after a tab on each line.\n\
             10010\tWARN\t(Cookie No HttpOnly Flag)\n\
             10021\tWARN\t(X-Content-Type-Options Header Missing)\n\
             2\tWARN\t(Private IP Disclosure)\n"
        );
        // The template reads back, every rule at WARN.
        let c = RulesConfig::parse(&t, "g").unwrap();
        assert_eq!(c.levels.len(), 3);
        assert!(c.levels.values().all(|l| *l == Level::Warn));
    }

    #[test]
    fn progress_file() {
        let p = Progress::parse(
            br#"{"issues":[{"id":"10020","state":"inprogress","link":"https://t/1"},
                {"id":10021,"state":"inprogress","link":""},
                {"id":"10038","state":"done","link":"x"}]}"#,
            "p.json",
        )
        .unwrap();
        assert_eq!(p.get("10020").unwrap().link.as_deref(), Some("https://t/1"));
        assert_eq!(p.get("10021").unwrap().link, None);
        assert!(p.get("10038").is_none());
        assert!(Progress::parse(b"{}", "p.json").is_err());
        assert!(Progress::parse(b"[", "p.json").is_err());
    }
}
