//! A Content Security Policy parsed as CSP3 §2.2.1 does, with the notices a careful reader would give, and the
//! questions rule 10055 asks of it. Borrowed from the text; no allocation per source expression.

/// How serious a parse notice is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Severity {
    Error,
    Warning,
    Info,
}

/// One directive: lower-cased name, source tokens as written.
#[derive(Debug)]
pub(super) struct Directive<'a> {
    pub(super) name: String,
    pub(super) tokens: Vec<&'a str>,
}

#[derive(Debug)]
pub(super) struct Policy<'a> {
    pub(super) directives: Vec<Directive<'a>>,
    pub(super) notices: Vec<(Severity, String)>,
}

const KNOWN: &[&str] = &[
    "base-uri",
    "block-all-mixed-content",
    "child-src",
    "connect-src",
    "default-src",
    "fenced-frame-src",
    "font-src",
    "form-action",
    "frame-ancestors",
    "frame-src",
    "img-src",
    "manifest-src",
    "media-src",
    "navigate-to",
    "object-src",
    "plugin-types",
    "prefetch-src",
    "report-to",
    "report-uri",
    "require-sri-for",
    "require-trusted-types-for",
    "sandbox",
    "script-src",
    "script-src-attr",
    "script-src-elem",
    "style-src",
    "style-src-attr",
    "style-src-elem",
    "trusted-types",
    "upgrade-insecure-requests",
    "webrtc",
    "worker-src",
];

/// Directives whose value is a source list.
fn takes_sources(name: &str) -> bool {
    name.ends_with("-src")
        || name.ends_with("-src-elem")
        || name.ends_with("-src-attr")
        || matches!(
            name,
            "base-uri" | "form-action" | "frame-ancestors" | "navigate-to"
        )
}

/// Keywords that lose their meaning without quotes (a host named `self` is almost surely a mistake).
const KEYWORDS: &[&str] = &[
    "self",
    "none",
    "unsafe-inline",
    "unsafe-eval",
    "strict-dynamic",
    "unsafe-hashes",
    "report-sample",
    "unsafe-allow-redirects",
    "wasm-unsafe-eval",
];

/// The directives a wildcard alert may name, each with its fallback list (CSP3 §6.8.3, most specific first).
const FETCH: &[(&str, &[&str])] = &[
    (
        "script-src",
        &["script-src-elem", "script-src", "default-src"],
    ),
    ("style-src", &["style-src-elem", "style-src", "default-src"]),
    ("img-src", &["img-src", "default-src"]),
    ("connect-src", &["connect-src", "default-src"]),
    ("frame-src", &["frame-src", "child-src", "default-src"]),
    ("frame-ancestors", &["frame-ancestors"]),
    ("font-src", &["font-src", "default-src"]),
    ("media-src", &["media-src", "default-src"]),
    ("object-src", &["object-src", "default-src"]),
    ("manifest-src", &["manifest-src", "default-src"]),
    (
        "worker-src",
        &["worker-src", "child-src", "script-src", "default-src"],
    ),
    ("form-action", &["form-action"]),
];

impl<'a> Policy<'a> {
    /// Parses one serialized policy. `Err` holds the non-ASCII characters when there are any (such a policy is
    /// not a valid serialized CSP).
    pub(super) fn parse(text: &'a str) -> Result<Self, String> {
        let bad: String = text
            .chars()
            .filter(|c| !(' '..='~').contains(c) && *c != '\t')
            .collect();
        if !bad.is_empty() {
            return Err(bad);
        }
        let mut p = Policy {
            directives: Vec::new(),
            notices: Vec::new(),
        };
        for raw in text.split(';') {
            let raw = raw.trim_matches(|c: char| c.is_ascii_whitespace());
            if raw.is_empty() {
                continue;
            }
            let mut parts = raw.split_ascii_whitespace();
            let Some(name) = parts.next() else { continue };
            let tokens: Vec<&str> = parts.collect();
            if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                p.notices.push((
                    Severity::Error,
                    format!("Directive name {name} contains characters outside the range ALPHA / DIGIT / \"-\""),
                ));
                continue;
            }
            let name = name.to_ascii_lowercase();
            if p.get(&name).is_some() {
                p.notices
                    .push((Severity::Warning, format!("Duplicate directive {name}")));
                continue;
            }
            p.notice_directive(&name, &tokens);
            p.directives.push(Directive { name, tokens });
        }
        Ok(p)
    }

    fn notice_directive(&mut self, name: &str, tokens: &[&str]) {
        if !KNOWN.contains(&name) {
            self.notices
                .push((Severity::Warning, format!("Unrecognised directive {name}")));
            return;
        }
        match name {
            "prefetch-src" => self.notices.push((
                Severity::Warning,
                "The prefetch-src directive has been deprecated".into(),
            )),
            "report-uri" => self.notices.push((
                Severity::Info,
                "The report-uri directive has been deprecated in favour of report-to".into(),
            )),
            "trusted-types" if tokens.is_empty() => self.notices.push((
                Severity::Warning,
                "Empty trusted-types directive allows all policy names".into(),
            )),
            "trusted-types" if tokens.contains(&"*") => self.notices.push((
                Severity::Warning,
                "Wildcard policy names (*) permit any policy name".into(),
            )),
            "require-trusted-types-for" if tokens.is_empty() => self.notices.push((
                Severity::Error,
                "The require-trusted-types-for directive requires a value".into(),
            )),
            _ => {}
        }
        if takes_sources(name) {
            for t in tokens {
                if KEYWORDS.iter().any(|k| t.eq_ignore_ascii_case(k)) {
                    self.notices.push((
                        Severity::Warning,
                        format!(
                            "This host name is unusual, and likely meant to be a keyword that is missing the \
                             required quotes: '{}'.",
                            t.to_ascii_lowercase()
                        ),
                    ));
                }
            }
        }
    }

    pub(super) fn get(&self, name: &str) -> Option<&Directive<'a>> {
        self.directives.iter().find(|d| d.name == name)
    }

    /// The directive in force from a fallback list; `None` when none of them is set (no restriction).
    fn effective(&self, chain: &[&str]) -> Option<&Directive<'a>> {
        chain.iter().find_map(|n| self.get(n))
    }

    /// The directives (by ZAP's names) under which an arbitrary external http(s) host may be used.
    pub(super) fn open_directives(&self) -> Vec<&'static str> {
        FETCH
            .iter()
            .filter(|(_, chain)| match self.effective(chain) {
                None => true,
                Some(d) => {
                    let script = d.name.starts_with("script-src")
                        || (chain[0] == "script-src-elem" && d.name == "default-src");
                    allows_any_host(&d.tokens, script)
                }
            })
            .map(|(name, _)| *name)
            .collect()
    }

    pub(super) fn allows_inline_script(&self) -> bool {
        self.effective(&["script-src-elem", "script-src", "default-src"])
            .is_none_or(|d| allows_all_inline(&d.tokens, true))
    }

    pub(super) fn allows_inline_style(&self) -> bool {
        self.effective(&["style-src-elem", "style-src", "default-src"])
            .is_none_or(|d| allows_all_inline(&d.tokens, false))
    }

    /// Whether the directive itself (no fallback) lists a keyword, e.g. `'unsafe-eval'`.
    pub(super) fn has_keyword(&self, directive: &str, keyword: &str) -> bool {
        self.get(directive)
            .is_some_and(|d| d.tokens.iter().any(|t| t.eq_ignore_ascii_case(keyword)))
    }
}

fn is_nonce_or_hash(t: &str) -> bool {
    let l = t.to_ascii_lowercase();
    ["'nonce-", "'sha256-", "'sha384-", "'sha512-"]
        .iter()
        .any(|p| l.starts_with(p))
}

/// CSP3 §6.7.3.3 "does a source list allow all inline behavior": `'unsafe-inline'` and no nonce or hash (and,
/// for scripts, no `'strict-dynamic'`).
fn allows_all_inline(tokens: &[&str], script: bool) -> bool {
    tokens
        .iter()
        .any(|t| t.eq_ignore_ascii_case("'unsafe-inline'"))
        && !tokens.iter().any(|t| is_nonce_or_hash(t))
        && !(script
            && tokens
                .iter()
                .any(|t| t.eq_ignore_ascii_case("'strict-dynamic'")))
}

/// Whether a source list matches an arbitrary external host over http or https (CSP3 §6.7.2.8): `*`, a bare
/// `http:`/`https:` scheme, or a host-source whose host is `*` or a `*.` suffix wildcard (matching any host under
/// a public suffix counts: the alert is about broad sources). `'strict-dynamic'` turns host sources off for scripts.
fn allows_any_host(tokens: &[&str], script: bool) -> bool {
    if script
        && tokens
            .iter()
            .any(|t| t.eq_ignore_ascii_case("'strict-dynamic'"))
    {
        return false;
    }
    tokens.iter().any(|t| {
        let t = t.to_ascii_lowercase();
        if t.starts_with('\'') {
            return false;
        }
        if t == "*" || t == "http:" || t == "https:" {
            return true;
        }
        let (scheme, rest) = match t.split_once("://") {
            Some((s, r)) => (Some(s), r),
            None => (None, t.as_str()),
        };
        if scheme.is_some_and(|s| !matches!(s, "http" | "https")) {
            return false;
        }
        let host_port = rest.split('/').next().unwrap_or("");
        let host = host_port.split(':').next().unwrap_or("");
        host == "*" || host == "*." || (host.starts_with("*.") && !host[2..].contains('.'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_insensitive_first_duplicate_wins() {
        let p = Policy::parse("Default-Src 'self'; default-src *; SCRIPT-SRC 'none'").unwrap();
        assert_eq!(p.get("default-src").unwrap().tokens, ["'self'"]);
        assert!(p.get("script-src").is_some());
        assert_eq!(
            p.notices,
            [(
                Severity::Warning,
                "Duplicate directive default-src".to_string()
            )]
        );
    }

    #[test]
    fn wildcards_and_bare_schemes_allow_any_host() {
        for src in [
            "*",
            "https:",
            "http:",
            "https://*",
            "*.com",
            "http://*:8080",
        ] {
            assert!(allows_any_host(&[src], false), "{src}");
        }
        for src in [
            "'self'",
            "'none'",
            "data:",
            "https://cdn.example.com",
            "*.example.com",
            "wss://*",
        ] {
            assert!(!allows_any_host(&[src], false), "{src}");
        }
        // CSP3 §8.2: with 'strict-dynamic' host sources are ignored for scripts.
        assert!(!allows_any_host(&["'strict-dynamic'", "https:"], true));
    }

    #[test]
    fn nonce_or_hash_cancels_unsafe_inline() {
        assert!(allows_all_inline(&["'unsafe-inline'"], true));
        assert!(!allows_all_inline(
            &["'unsafe-inline'", "'nonce-abc'"],
            true
        ));
        assert!(!allows_all_inline(
            &["'unsafe-inline'", "'sha256-abc='"],
            false
        ));
        assert!(!allows_all_inline(
            &["'unsafe-inline'", "'strict-dynamic'"],
            true
        ));
    }

    #[test]
    fn hostile_text_does_not_panic() {
        for t in [
            "",
            ";;;",
            " ; ",
            "a b c; *.; :://;",
            "script-src 'unsafe-inline' \t;x",
            "*:",
            "https://*./",
        ] {
            if let Ok(p) = Policy::parse(t) {
                let _ = (
                    p.open_directives(),
                    p.allows_inline_script(),
                    p.allows_inline_style(),
                );
            }
        }
        assert_eq!(
            Policy::parse("default-src \u{2018}self\u{2019}").unwrap_err(),
            "\u{2018}\u{2019}"
        );
    }
}
