//! Secret scanning: built-in and custom rules over file contents, with an aho-corasick keyword prefilter
//! in front of linear-time regexes.
//!
//! ```
//! use bulwark_secrets::{Config, Scanner};
//! let scanner = Scanner::new(Config::default()).unwrap();
//! let findings = scanner.scan("app/.env", b"GITHUB_TOKEN=ghp_a8Kd93jfLq0Zx7Yb2Nc4Vm6Pw1Rt5Su9Eh3G\n");
//! assert_eq!(findings[0].id, "github-pat");
//! assert_eq!(findings[0].location.line, Some(1));
//! assert_eq!(findings[0].evidence.as_deref(), Some("ghp_*****"));
//! ```
//!
//! How a file is scanned: skip it if it is too large, binary (NUL or mostly invalid UTF-8 in the first
//! 8 KiB) or on an allowed path; find every rule keyword with one case-insensitive aho-corasick pass;
//! run each rule whose keywords occur only over windows around its keyword hits (bounded per rule, so a
//! 50 MB one-line file costs a bounded amount of regex work); drop documented examples, placeholders,
//! low-entropy values and `bulwark:allow` lines; let specific rules win over generic ones on the same
//! bytes; report 1-based line and byte column of the secret.

#![forbid(unsafe_code)]

mod allow;
pub mod config;
#[doc(hidden)]
pub mod corpus;
mod docs;
pub mod rules;
pub mod sample;

use std::collections::BTreeMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use bulwark_types::{Diagnostic, Finding, FindingKind, Location, Severity};
use regex::bytes::{CaptureLocations, Regex as BytesRegex, RegexBuilder};

pub use config::{AllowConfig, Config, CustomRule, RuleAllow};
pub use docs::rule_docs;
pub use rules::{BUILTIN, Check, Pat, RuleDef};

/// Errors building a scanner. Scanning itself never fails: findings are data.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("invalid regex in secret rule {rule}: {source}")]
    Regex {
        rule: String,
        #[source]
        source: regex::Error,
    },
    #[error("duplicate secret rule id {0}")]
    DuplicateId(String),
    #[error("invalid severity '{severity}' in secret rule {rule}")]
    Severity { rule: String, severity: String },
    #[error("invalid secrets config: {0}")]
    Config(String),
}

/// Paths that hold test data, fixtures and lockfiles (Trivy and gitleaks allow similar ones).
const DEFAULT_ALLOW_PATHS: &[&str] = &[
    r"(^|/)(tests?|testdata|test-data|test_data|fixtures?|__tests__|__fixtures__|__mocks__|spec|specs|examples?|samples?|mocks?)/",
    r"(^|/)[^/]*[_\-]tests?\.[A-Za-z0-9]+$",
    r"(^|/)test_[^/]*$",
    r"[a-z0-9]Tests?\.(java|kt|cs|scala|swift|groovy)$",
    r"\.(test|spec)\.[cm]?[jt]sx?$",
    r"(^|/)(package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|Cargo\.lock|go\.sum|poetry\.lock|Pipfile\.lock|composer\.lock|Gemfile\.lock|gradle\.lockfile|flake\.lock|uv\.lock|packages\.lock\.json)$",
    r"(^|/)\.git/",
];

/// Bytes of context kept before and after a keyword hit when a rule is run on a window.
const WINDOW_BACK: usize = 256;
const WINDOW_FWD: usize = 4096;
/// How far the inline `bulwark:allow` marker is looked for on the secret's line.
const ALLOW_MARKER_REACH: usize = 4096;

struct Compiled {
    id: String,
    title: String,
    severity: Severity,
    re: BytesRegex,
    /// The secret is the first of these groups that took part in the match.
    secret_groups: Vec<usize>,
    /// (secret group, group it needs): a group named `secret_<g>` counts only when group `g` matched too.
    conditions: Vec<(usize, usize)>,
    key_group: Option<usize>,
    entropy: Option<f64>,
    generic: bool,
    check: Check,
    path: Option<regex::RegexSet>,
    allow_paths: Option<regex::RegexSet>,
    allow_values: Vec<regex::Regex>,
    /// A file-name rule: `re` is matched against the path, not the contents.
    file_name: bool,
}

/// A compiled set of secret rules. Build once, share across threads.
pub struct Scanner {
    rules: Vec<Compiled>,
    ac: Option<AhoCorasick>,
    /// Keyword pattern id → rules that use it.
    kw_rules: Vec<Vec<usize>>,
    /// Rules without keywords: run on every file.
    always: Vec<usize>,
    /// File-name rules: matched against each path.
    file_rules: Vec<usize>,
    allow_paths: Option<regex::RegexSet>,
    allow_values: Vec<regex::Regex>,
    show_secrets: bool,
    max_file_size: u64,
    max_hits_per_rule: usize,
}

/// Findings and diagnostics for one file.
#[derive(Debug, Default)]
pub struct FileScan {
    pub findings: Vec<Finding>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Assignment operators between a key and its value, after optional quotes and spaces: `=`, `:=`, Makefile
/// `::=`, `:::=` and `?=`, PHP `.=` and `??=`, Ruby `||=`, `=>`, `:`, and the comma of a call
/// (`System.setProperty("KEY", "value")`, `os.getenv("KEY", "value")`).
const ASSIGN_OP: &str = r"(?:=>|:{1,3}=|\?\??=|\.=|\|\|?=|=|:|,)";
const ASSIGN_OP_NO_COMMA: &str = r"(?:=>|:{1,3}=|\?\??=|\.=|\|\|?=|=|:)";

/// An optional string type between a name and its operator: Go `var apiToken string = "…"` (and
/// `[]byte`), or an annotation after `:` as in TypeScript `apiKey: string = "…"`, Kotlin/Swift `String`,
/// Python `token: str = "…"`, Rust `API_TOKEN: &'static str = "…"`. Only string types: a free type word
/// after `:` is ambiguous with a YAML value (`token: abc…`), and the lazy DFA then tracks both counters
/// at once (the generic rules' memory on a registry tree went from 7 to 13 MB with a free word).
const TYPE_WORD: &str = r"(?:[ \t]{1,3}(?:string|String|str|\[\]byte)|[ \t]{0,2}:[ \t]{0,2}(?:&(?:'static[ \t]+)?str|[Ss]tring\??|str))?";

/// The vendor's name on a parent, the secret under a child whose name says it is one: a JSON object
/// (`"Sendbird": { "ApiToken": "…" }`), YAML (`sendbird:` then an indented `api_token: …`, within five
/// lines), an `appSettings` entry (`<add key="FASTLY_API_TOKEN" value="…" />`), an iOS property list (`<key>SendbirdApiToken</key>` then `<string>…</string>`) and a
/// Terraform variable's `default` (`variable "sendbird_api_token" { … default = "…" }`, within six lines).
/// No counted repetitions over free text here (`[^}]{0,300}` cost 8 MB of compiled rules, as each vendor
/// rule carries this): stars and a few line-sized groups.
const NESTED: &str = r#"["']?[ \t]*:[ \t]*\{[ \t]*["'][\w.\-]*(?i:key|token|secret|pat|pass|auth|id)[\w.\-]*["'][ \t]*:[ \t]*["']|:[ \t]*\r?\n(?:[ \t]+[\w.\-]+[ \t]*:[^\n]*\r?\n){0,5}?[ \t]+[\w.\-]*(?i:key|token|secret|pat|pass|auth|id)[\w.\-]*[ \t]*:[ \t]*["']?|</key>\s*<string>|["'][ \t]+value[ \t]*=[ \t]*["']|["']?[ \t]*\{(?:[^}\n]*\r?\n){0,6}?[ \t]*default[ \t]*=[ \t]*["']"#;

/// After a key: its closing quote, plain or escaped inside a JSON string (`\"` in a notebook cell), and
/// the `]` of an index (`config["client_secret"]`, `os.environ["API_TOKEN"]`).
const KEY_CLOSE: &str = r"(?:\\?[\x22'])?\]?";

pub(crate) fn expand_pattern(p: Pat) -> String {
    let s = match p {
        Pat::Raw(re) => expand_raw(re),
        // A file-name rule: its regex is matched against the path, case-insensitively.
        Pat::File(re) => format!("(?i){re}"),
        // Generic `key = value`: the value must be quoted, or follow `=` (or a Makefile `:=`, `::=`,
        // `:::=`, `?=`) and end at a space, a line end or an escaped `\n` inside a JSON string, or follow
        // `key:` alone on its line (YAML), or be an XML element's whole text, on one line or on its own
        // lines (`<db_password>\n  …\n</db_password>`). Code such as `field("x_token", &self.x)` or
        // `pub Password: PWSTR,` does not match. Only spaces and tabs may separate the key, the operator
        // and the value: an empty assignment never takes the next line's text (`API_KEY=\nOTHER=`).
        // An unquoted value may follow `= ` only when the `=` has a space on its left too (`KEY = v`):
        // `docker run -e API_TOKEN= image:1.0` is an empty variable, then the next argument.
        // Two forms count only with their context (a secret group named `secret_<g>` needs group `g`):
        // a call's comma, `setProperty("KEY", "value")`, needs the `("` before the key (a list such as
        // `"kadmin/passwd", "kadmin/server"` is not an assignment), and a bare quoted value after the
        // name needs `#define`, fish `set -x` or csh `setenv` before it.
        Pat::Ctx(key, "") => {
            let v = format!("{}{{8,128}}", rules::GENERIC_VALUE);
            format!(
                r"(?:(?P<def>#[ \t]*define|\bset(?:[ \t]+-[A-Za-z]{{1,3}})?|\bsetenv)[ \t]+|(?P<call>\([ \t]*[\x22']))?(?i:{key}){KEY_CLOSE}{TYPE_WORD}[ \t]{{0,3}}(?:{ASSIGN_OP_NO_COMMA}[ \t]{{0,3}}@?\\?[\x22'\x60](?P<secret>{v})(?:\\[nrt])?\\?[\x22'\x60]|,[ \t]{{0,3}}[\x22'\x60](?P<secret_call>{v})[\x22'\x60]|(?:=|:{{1,3}}=|\?=)(?P<secret2>{v})(?:\s|$|\\[nrt])|[ \t]+(?:=|:{{1,3}}=|\?=)[ \t]{{1,3}}(?P<secret5>{v})(?:\s|$|\\[nrt])|:[ \t]{{1,3}}(?P<secret3>{v})[ \t]*(?:\x23[^\n]*)?$|>\s{{0,40}}(?P<secret4>{v})\s{{0,40}}</|[ \t]+@?[\x22'](?P<secret_def>{v})[\x22'])"
            )
        }
        // Vendor `key … = value`: the same operators and forms, with the vendor's value format.
        // Name characters include `:`, the section separator of .NET configuration
        // (`"Cloudflare:ApiKey": "…"` in `secrets.json`). A Kubernetes `env` entry names the variable on
        // one line and gives its `value:` on the next.
        Pat::Ctx(key, value) => format!(
            r"(?i:{key})[\w.:\-]{{0,25}}{KEY_CLOSE}{TYPE_WORD}(?:[\x22'\x60 \t\\]{{0,4}}(?:{ASSIGN_OP}|\|\|)[\x22'\x60 \t=@\\]{{0,5}}|>\s{{0,40}}|[\x22']?[ \t]*\r?\n[ \t]*(?:-[ \t]*)?value[ \t]*:[ \t]*[\x22']?|{NESTED})(?P<secret>{value})(?:[\x60'\x22\s;,&)\]}}<]|\\[nrt\x22]|$)",
            key = key
                .replace(r"[\w.\-]", r"[\w.:\-]")
                .replace(r"[_.\-]", r"[_.:\-]")
                .replace(r"[_.-]", r"[_.:-]")
        ),
    };
    expand_raw(&s)
}

/// `%B`/`%E`: token boundaries that also accept `-` and `_` inside the token. `%P`: a stricter start for
/// short lowercase prefixes (`ico-`, `aio_`): not after `.` or `/` either, where the "token" is the tail
/// of a file name, a host or a URL path (`video_box.ico-7a38….png`).
fn expand_raw(s: &str) -> String {
    s.replace("%B", r"(?:^|[^A-Za-z0-9_\-])")
        .replace("%E", r"(?:[^A-Za-z0-9_\-]|$)")
        .replace("%P", r"(?:^|[^A-Za-z0-9_\-./])")
}

fn compile_bytes(rule: &str, pattern: &str) -> Result<BytesRegex, SecretsError> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .multi_line(true)
        .size_limit(32 << 20)
        .dfa_size_limit(8 << 20)
        .build()
        .map_err(|source| SecretsError::Regex {
            rule: rule.to_string(),
            source,
        })
}

fn regex_set(rule: &str, patterns: &[String]) -> Result<Option<regex::RegexSet>, SecretsError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    regex::RegexSet::new(patterns)
        .map(Some)
        .map_err(|source| SecretsError::Regex {
            rule: rule.to_string(),
            source,
        })
}

fn regexes(rule: &str, patterns: &[String]) -> Result<Vec<regex::Regex>, SecretsError> {
    patterns
        .iter()
        .map(|p| {
            regex::Regex::new(p).map_err(|source| SecretsError::Regex {
                rule: rule.to_string(),
                source,
            })
        })
        .collect()
}

impl Compiled {
    // One constructor for built-in and custom rules; a parameter struct would only repeat `RuleDef`.
    #[allow(clippy::too_many_arguments)]
    fn new(
        id: &str,
        title: &str,
        severity: Severity,
        pattern: &str,
        entropy: Option<f64>,
        generic: bool,
        check: Check,
        paths: &[String],
    ) -> Result<Self, SecretsError> {
        let re = compile_bytes(id, pattern)?;
        let mut secret_groups: Vec<usize> = re
            .capture_names()
            .enumerate()
            .filter(|(_, n)| n.is_some_and(|n| n.starts_with("secret")))
            .map(|(i, _)| i)
            .collect();
        if secret_groups.is_empty() {
            secret_groups.push(usize::from(re.captures_len() > 1));
        }
        let key_group = re.capture_names().position(|n| n == Some("key"));
        let names: Vec<Option<&str>> = re.capture_names().collect();
        let conditions = names
            .iter()
            .enumerate()
            .filter_map(|(i, n)| {
                let need = (*n)?.strip_prefix("secret_")?;
                let j = names.iter().position(|m| *m == Some(need))?;
                Some((i, j))
            })
            .collect();
        Ok(Self {
            id: id.to_string(),
            title: title.to_string(),
            severity,
            re,
            secret_groups,
            conditions,
            key_group,
            entropy,
            generic,
            check,
            path: regex_set(id, paths)?,
            allow_paths: None,
            allow_values: Vec::new(),
            file_name: false,
        })
    }
}

impl Scanner {
    /// Compiles the built-in rules, minus disabled ones, plus the custom rules of `config`.
    // By value: a scanner is built once from a config the caller no longer needs.
    #[allow(clippy::needless_pass_by_value)]
    pub fn new(config: Config) -> Result<Self, SecretsError> {
        let mut rules = Vec::new();
        let mut keywords: Vec<(String, usize)> = Vec::new();
        let disabled = |id: &str| config.disable_rules.iter().any(|d| d == id);
        for def in BUILTIN.iter().filter(|d| !disabled(d.id)) {
            let paths: Vec<String> = def.path.map(str::to_string).into_iter().collect();
            let mut c = Compiled::new(
                def.id,
                def.title,
                def.severity,
                &expand_pattern(def.pat),
                def.entropy,
                def.generic,
                def.check,
                &paths,
            )?;
            c.file_name = matches!(def.pat, Pat::File(_));
            for k in def.keywords {
                keywords.extend(separator_variants(k).into_iter().map(|v| (v, rules.len())));
            }
            rules.push(c);
        }
        for cr in config.rules.iter().filter(|r| !disabled(&r.id)) {
            if rules.iter().any(|r: &Compiled| r.id == cr.id) {
                return Err(SecretsError::DuplicateId(cr.id.clone()));
            }
            let severity = match &cr.severity {
                None => Severity::High,
                Some(s) => s.parse().map_err(|_| SecretsError::Severity {
                    rule: cr.id.clone(),
                    severity: s.clone(),
                })?,
            };
            let title = cr.title.clone().unwrap_or_else(|| cr.id.clone());
            let c = Compiled::new(
                &cr.id,
                &title,
                severity,
                &expand_raw(&cr.regex),
                cr.entropy,
                false,
                Check::None,
                &cr.paths,
            )?;
            keywords.extend(
                cr.keywords
                    .iter()
                    .map(|k| (k.to_ascii_lowercase(), rules.len())),
            );
            rules.push(c);
        }
        for ra in &config.allow.rules {
            if let Some(r) = rules.iter_mut().find(|r| r.id == ra.id) {
                r.allow_paths = regex_set(&ra.id, &ra.paths)?;
                r.allow_values = regexes(&ra.id, &ra.values)?;
            }
        }
        // One automaton over the distinct keywords.
        let mut distinct: Vec<String> = Vec::new();
        let mut kw_rules: Vec<Vec<usize>> = Vec::new();
        let mut has_kw = vec![false; rules.len()];
        for (k, r) in keywords {
            has_kw[r] = true;
            if let Some(i) = distinct.iter().position(|d| *d == k) {
                if !kw_rules[i].contains(&r) {
                    kw_rules[i].push(r);
                }
            } else {
                distinct.push(k);
                kw_rules.push(vec![r]);
            }
        }
        let always = (0..rules.len())
            .filter(|&r| !has_kw[r] && !rules[r].file_name)
            .collect();
        let file_rules = (0..rules.len()).filter(|&r| rules[r].file_name).collect();
        let ac = if distinct.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&distinct)
                    .map_err(|e| SecretsError::Config(format!("keyword automaton: {e}")))?,
            )
        };
        let mut allow_paths: Vec<String> = config.allow.paths.clone();
        if config.default_allow_paths {
            allow_paths.extend(DEFAULT_ALLOW_PATHS.iter().map(|s| (*s).to_string()));
        }
        Ok(Self {
            rules,
            ac,
            kw_rules,
            always,
            file_rules,
            allow_paths: regex_set("allow.paths", &allow_paths)?,
            allow_values: regexes("allow.values", &config.allow.values)?,
            show_secrets: config.show_secrets,
            max_file_size: config.max_file_size,
            max_hits_per_rule: config.max_hits_per_rule.max(1),
        })
    }

    /// Number of active rules.
    #[must_use]
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// Ids of the active rules, in priority order.
    pub fn rule_ids(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().map(|r| r.id.as_str())
    }

    /// Whether `path` is skipped by the allow list.
    #[must_use]
    pub fn is_allowed_path(&self, path: &str) -> bool {
        self.allow_paths.as_ref().is_some_and(|s| s.is_match(path))
    }

    /// Scans one file's contents. `path` goes into each finding's location.
    #[must_use]
    pub fn scan(&self, path: &str, content: &[u8]) -> Vec<Finding> {
        self.scan_with_diagnostics(path, content).findings
    }

    /// The largest file scanned ([`Config::max_file_size`]); bigger files get a warning instead.
    #[must_use]
    pub fn max_file_size(&self) -> u64 {
        self.max_file_size
    }

    /// For a directory walk that reads each file once and shares the bytes between scanners: decides from
    /// the path and the listed size whether the file is scanned, and only then calls `read` for its bytes.
    /// An allowed path or an empty file is skipped silently; a file over the size limit, or one `read`
    /// fails on, gets a warning.
    ///
    /// ```
    /// use bulwark_secrets::{Config, Scanner};
    /// let s = Scanner::new(Config::default()).unwrap();
    /// let line: &[u8] = b"GITHUB_TOKEN=ghp_a8Kd93jfLq0Zx7Yb2Nc4Vm6Pw1Rt5Su9Eh3G\n";
    /// let r = s.scan_sized("app/.env", line.len() as u64, || Ok::<_, String>(line));
    /// assert_eq!(r.findings[0].id, "github-pat");
    /// let r = s.scan_sized("big.log", 1 << 40, || -> Result<&[u8], String> { unreachable!() });
    /// assert!(r.diagnostics[0].message.contains("over the"));
    /// ```
    pub fn scan_sized<'b, E: std::fmt::Display>(
        &self,
        path: &str,
        size: u64,
        read: impl FnOnce() -> Result<&'b [u8], E>,
    ) -> FileScan {
        if size == 0 || self.is_allowed_path(path) {
            return FileScan::default();
        }
        if size > self.max_file_size {
            return FileScan {
                findings: Vec::new(),
                diagnostics: vec![Diagnostic::warning(
                    format!(
                        "secret scan skipped: {size} bytes is over the {} byte limit",
                        self.max_file_size
                    ),
                    Location::file(path),
                )],
            };
        }
        match read() {
            Ok(content) => self.scan_with_diagnostics(path, content),
            Err(e) => FileScan {
                findings: Vec::new(),
                diagnostics: vec![Diagnostic::warning(
                    format!("secret scan: cannot read file: {e}"),
                    Location::file(path),
                )],
            },
        }
    }

    /// Like [`Scanner::scan`], also returning why a file was skipped (too large).
    #[must_use]
    pub fn scan_with_diagnostics(&self, path: &str, content: &[u8]) -> FileScan {
        let mut out = FileScan::default();
        if content.len() as u64 > self.max_file_size {
            out.diagnostics.push(Diagnostic::warning(
                format!(
                    "secret scan skipped: {} bytes is over the {} byte limit",
                    content.len(),
                    self.max_file_size
                ),
                Location::file(path),
            ));
            return out;
        }
        if content.is_empty() || self.is_allowed_path(path) {
            return out;
        }
        // File-name rules look at the path only, so they also flag binary files (a PKCS#12 key store).
        for &ri in &self.file_rules {
            let rule = &self.rules[ri];
            if rule.re.is_match(path.as_bytes()) && !is_lfs_pointer(content) {
                let name = path.rsplit('/').next().unwrap_or(path);
                out.findings
                    .push(Self::finding(rule, path, name.to_string(), 1, None));
            }
        }
        if is_binary(content) {
            return out;
        }
        let (windows, truncated) = self.windows(path, content);
        if truncated {
            out.diagnostics.push(Diagnostic::warning(
                format!(
                    "secret scan truncated: a rule's keywords occur more than {} times",
                    self.max_hits_per_rule
                ),
                Location::file(path),
            ));
        }
        let mut cands = Vec::new();
        for (ri, ws) in windows.iter().enumerate() {
            if !ws.is_empty() {
                self.run_rule(ri, content, ws, &mut cands);
            }
        }
        out.findings.extend(self.resolve(path, content, cands));
        out
    }

    /// For each rule, the merged byte windows around its keyword hits.
    fn windows(&self, path: &str, content: &[u8]) -> (Vec<Vec<(usize, usize)>>, bool) {
        let n = content.len();
        let mut windows: Vec<Vec<(usize, usize)>> = vec![Vec::new(); self.rules.len()];
        let mut truncated = false;
        let path_ok = |r: &Compiled| {
            r.path.as_ref().is_none_or(|s| s.is_match(path))
                && !r.allow_paths.as_ref().is_some_and(|s| s.is_match(path))
        };
        let eligible: Vec<bool> = self.rules.iter().map(path_ok).collect();
        for &r in &self.always {
            if eligible[r] {
                windows[r].push((0, n));
            }
        }
        let Some(ac) = &self.ac else {
            return (windows, truncated);
        };
        // Hits per rule, merged or not: caps the regex work per rule at about
        // `max_hits_per_rule * (WINDOW_BACK + WINDOW_FWD)` bytes, whatever the input.
        let mut hits = vec![0usize; self.rules.len()];
        for m in ac.find_overlapping_iter(content) {
            for &r in &self.kw_rules[m.pattern().as_usize()] {
                if !eligible[r] {
                    continue;
                }
                if hits[r] >= self.max_hits_per_rule {
                    truncated = true;
                    continue;
                }
                hits[r] += 1;
                let s = m.start().saturating_sub(WINDOW_BACK);
                let e = (m.end() + WINDOW_FWD).min(n);
                let ws = &mut windows[r];
                match ws.last_mut() {
                    Some(last) if s <= last.1 => last.1 = last.1.max(e),
                    _ => ws.push((s, e)),
                }
            }
        }
        (windows, truncated)
    }

    fn run_rule(
        &self,
        ri: usize,
        content: &[u8],
        windows: &[(usize, usize)],
        cands: &mut Vec<Cand>,
    ) {
        let rule = &self.rules[ri];
        let mut locs: CaptureLocations = rule.re.capture_locations();
        let mut found = 0usize;
        for &(s, e) in windows {
            // End the window at a line end when one is near, so `$` is a real line end.
            let e = if e < content.len() {
                content[e..(e + 256).min(content.len())]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(e, |i| e + i)
            } else {
                e
            };
            let hay = &content[..e];
            let mut pos = s;
            while pos < e {
                let Some(m) = rule.re.captures_read_at(&mut locs, hay, pos) else {
                    break;
                };
                pos = if m.end() > m.start() {
                    m.end()
                } else {
                    m.end() + 1
                };
                if m.end() == e && e < content.len() && content[e] != b'\n' {
                    continue; // cut by the window edge: unsure where the token ends
                }
                let Some((g, (ss, se))) = rule
                    .secret_groups
                    .iter()
                    .find_map(|&g| locs.get(g).map(|span| (g, span)))
                else {
                    continue;
                };
                if rule
                    .conditions
                    .iter()
                    .any(|&(sg, need)| sg == g && locs.get(need).is_none())
                {
                    continue;
                }
                if se <= ss {
                    continue;
                }
                let key = rule
                    .key_group
                    .and_then(|g| locs.get(g))
                    .map(|(a, b)| &content[a..b]);
                if self.accept(rule, &content[ss..se], key) {
                    cands.push(Cand {
                        rule: ri,
                        start: ss,
                        end: se,
                    });
                    found += 1;
                    if found >= self.max_hits_per_rule {
                        return;
                    }
                }
            }
        }
    }

    /// A vendor rule's format is itself evidence, so its entropy floor follows the value's length and
    /// alphabet ([`allow::entropy_floor`]); a generic rule has only a name to go on and keeps its floor.
    fn entropy_min(rule: &Compiled, min: f64, value: &[u8]) -> f64 {
        if rule.generic {
            min
        } else {
            allow::entropy_floor(min, value)
        }
    }

    fn accept(&self, rule: &Compiled, value: &[u8], key: Option<&[u8]>) -> bool {
        let text = String::from_utf8_lossy(value);
        if allow::DOC_EXAMPLES.iter().any(|d| text.contains(d)) || allow::is_placeholder(&text) {
            return false;
        }
        if rule
            .entropy
            .is_some_and(|min| allow::entropy(value) < Self::entropy_min(rule, min, value))
        {
            return false;
        }
        if rule.generic {
            if !allow::generic_value_ok(&text) {
                return false;
            }
            if key.is_some_and(|k| {
                allow::generic_key_denied(&String::from_utf8_lossy(k))
                    || allow::names_itself(k, value)
            }) {
                return false;
            }
        }
        let checked = match rule.check {
            Check::None => true,
            Check::Jwt => allow::jwt_ok(value),
            Check::BasicAuth => allow::basic_auth_ok(value),
        };
        checked
            && !self
                .allow_values
                .iter()
                .chain(&rule.allow_values)
                .any(|re| re.is_match(&text))
    }

    /// Specific rules first, then generic; the first rule to claim bytes keeps them. Then inline allows,
    /// line numbers and redaction.
    fn resolve(&self, path: &str, content: &[u8], mut cands: Vec<Cand>) -> Vec<Finding> {
        cands.sort_by_key(|c| (self.rules[c.rule].generic, c.rule, c.start));
        let mut taken: BTreeMap<usize, usize> = BTreeMap::new();
        let mut kept = Vec::new();
        for c in cands {
            let overlaps = taken
                .range(..c.end)
                .next_back()
                .is_some_and(|(_, &end)| end > c.start);
            if !overlaps {
                taken.insert(c.start, c.end);
                kept.push(c);
            }
        }
        kept.sort_by_key(|c| (c.start, c.rule));
        let mut findings = Vec::with_capacity(kept.len());
        let (mut line, mut line_start, mut scanned) = (1usize, 0usize, 0usize);
        for c in kept {
            for (i, &b) in content[scanned..c.start].iter().enumerate() {
                if b == b'\n' {
                    line += 1;
                    line_start = scanned + i + 1;
                }
            }
            scanned = c.start;
            let lo = line_start.max(c.start.saturating_sub(ALLOW_MARKER_REACH));
            let hi_limit = (c.end + ALLOW_MARKER_REACH).min(content.len());
            let hi = content[c.end..hi_limit]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(hi_limit, |i| c.end + i);
            if contains(&content[lo..hi], b"bulwark:allow") {
                continue;
            }
            let rule = &self.rules[c.rule];
            let secret = String::from_utf8_lossy(&content[c.start..c.end]);
            let evidence = if self.show_secrets {
                secret.into_owned()
            } else {
                redact(&secret)
            };
            let col = c.start - line_start + 1;
            findings.push(Self::finding(rule, path, evidence, line, Some(col)));
        }
        findings
    }

    fn finding(
        rule: &Compiled,
        path: &str,
        evidence: String,
        line: usize,
        col: Option<usize>,
    ) -> Finding {
        Finding {
            kind: FindingKind::Secret,
            id: rule.id.clone().into(),
            name: Some(rule.id.clone().into()),
            severity: rule.severity,
            title: rule.title.clone().into(),
            message: format!("{} found in {path}", rule.title).into(),
            location: Location::file(path).with_line(
                u32::try_from(line).unwrap_or(u32::MAX),
                col.map(|c| u32::try_from(c).unwrap_or(u32::MAX)),
            ),
            evidence: Some(evidence),
            references: Vec::new(),
            shared_properties: None,
            properties: BTreeMap::new(),
        }
    }
}

/// A keyword and its spellings with the other name separators: `dd_api` also as `dd-api`, `dd.api` and
/// `dd:api` (`DD_API_KEY`, `dd-api-key`, `dd.api.key` in a `.properties` file, `"Dd:ApiKey"` in .NET
/// configuration). Only separators between two
/// alphanumerics are varied, and token prefixes (a keyword that ends in a separator, `ghp_`, `sk_live_`)
/// stay as written.
fn separator_variants(k: &str) -> Vec<String> {
    let b = k.as_bytes();
    let inner = |i: usize| {
        matches!(b[i], b'_' | b'-' | b'.' | b':')
            && i > 0
            && i + 1 < b.len()
            && b[i - 1].is_ascii_alphanumeric()
            && b[i + 1].is_ascii_alphanumeric()
    };
    let prefix = b.last().is_some_and(|c| matches!(c, b'_' | b'-' | b'.'));
    if prefix || !(0..b.len()).any(inner) {
        return vec![k.to_string()];
    }
    let mut out = vec![k.to_string()];
    for sep in [b'_', b'-', b'.', b':'] {
        let v: Vec<u8> = (0..b.len())
            .map(|i| if inner(i) { sep } else { b[i] })
            .collect();
        let v = String::from_utf8_lossy(&v).into_owned();
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// A Git LFS pointer stands in for a file that is not in the tree: a file-name rule has nothing to flag.
fn is_lfs_pointer(content: &[u8]) -> bool {
    content.starts_with(b"version https://git-lfs.github.com/spec/")
}

/// The redacted form of a secret used in evidence: its first four characters, then `*****`.
#[must_use]
pub fn redact(secret: &str) -> String {
    let head: String = secret.chars().take(4).collect();
    format!("{head}*****")
}

#[derive(Debug, Clone, Copy)]
struct Cand {
    rule: usize,
    start: usize,
    end: usize,
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Binary sniffing on the first 8 KiB: a NUL byte, or more than 10 % of bytes in invalid UTF-8 sequences.
#[must_use]
pub fn is_binary(content: &[u8]) -> bool {
    let head = &content[..content.len().min(8192)];
    if head.contains(&0) {
        return true;
    }
    let invalid: usize = head.utf8_chunks().map(|c| c.invalid().len()).sum();
    invalid * 10 > head.len()
}

#[cfg(test)]
mod tests {
    use super::separator_variants;

    #[test]
    fn keywords_get_every_separator_spelling() {
        assert_eq!(
            separator_variants("dd_api"),
            ["dd_api", "dd-api", "dd.api", "dd:api"]
        );
        assert_eq!(separator_variants("ghp_"), ["ghp_"]);
        assert_eq!(separator_variants("sk_live_"), ["sk_live_"]);
        assert_eq!(separator_variants("sm_pat_"), ["sm_pat_"]);
        assert_eq!(separator_variants("apikey"), ["apikey"]);
    }
}
