//! Globs for purls, image references, paths and ids: `*` (within one path segment in path mode, any run
//! otherwise), `**` (any run, `/` included), `?` (one character). Matching is a dynamic programme over pattern
//! tokens × text positions, so no pattern can make it exponential.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Lit(char),
    One,
    Star,
    AnyRun,
}

/// A compiled glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Glob {
    text: String,
    tokens: Vec<Token>,
    path_mode: bool,
    /// No metacharacter: compared as a string.
    literal: bool,
}

impl Glob {
    /// Compile `pattern`; in `path_mode`, `*` and `?` do not cross `/`.
    #[must_use]
    pub(crate) fn new(pattern: &str, path_mode: bool) -> Self {
        let chars: Vec<char> = pattern.chars().collect();
        let mut tokens = Vec::with_capacity(chars.len());
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '*' if chars.get(i + 1) == Some(&'*') => {
                    while chars.get(i) == Some(&'*') {
                        i += 1;
                    }
                    tokens.push(Token::AnyRun);
                    continue;
                }
                '*' => tokens.push(Token::Star),
                '?' => tokens.push(Token::One),
                c => tokens.push(Token::Lit(c)),
            }
            i += 1;
        }
        let literal = tokens.iter().all(|t| matches!(t, Token::Lit(_)));
        Self {
            text: pattern.to_string(),
            tokens,
            path_mode,
            literal,
        }
    }

    /// The pattern as written.
    #[must_use]
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    #[must_use]
    pub(crate) fn matches(&self, s: &str) -> bool {
        if self.literal {
            return self.text == s;
        }
        let text: Vec<char> = s.chars().collect();
        // reach[j]: the tokens so far can match text[..j].
        let mut reach = vec![false; text.len() + 1];
        reach[0] = true;
        for t in &self.tokens {
            let mut next = vec![false; text.len() + 1];
            match *t {
                Token::Lit(c) => {
                    for j in 0..text.len() {
                        next[j + 1] = reach[j] && text[j] == c;
                    }
                }
                Token::One => {
                    for j in 0..text.len() {
                        next[j + 1] = reach[j] && !(self.path_mode && text[j] == '/');
                    }
                }
                Token::Star | Token::AnyRun => {
                    let crosses = *t == Token::AnyRun || !self.path_mode;
                    let mut on = false;
                    for j in 0..=text.len() {
                        on = reach[j] || (on && j > 0 && (crosses || text[j - 1] != '/'));
                        next[j] = on;
                    }
                }
            }
            reach = next;
        }
        reach[text.len()]
    }
}

/// True when `path` is `dir` or lies below it (`/web/html` holds `/web/html/a`, not `/web/htmlx`). Both are
/// compared without leading and trailing `/`; `/` holds everything.
#[must_use]
pub(crate) fn under(path: &str, dir: &str) -> bool {
    let (p, d) = (path.trim_matches('/'), dir.trim_matches('/'));
    d.is_empty() || p == d || p.strip_prefix(d).is_some_and(|r| r.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        let g = |p: &str, path: bool, s: &str| Glob::new(p, path).matches(s);
        assert!(g(
            "pkg:deb/debian/bash*",
            false,
            "pkg:deb/debian/bash@5.2?arch=amd64"
        ));
        assert!(!g("pkg:deb/debian/bash*", false, "pkg:deb/debian/zsh@5"));
        assert!(g("/app/*.js", true, "/app/a.js"));
        assert!(!g("/app/*.js", true, "/app/x/a.js"));
        assert!(g("/app/**", true, "/app/x/a.js"));
        assert!(g(
            "registry.example.com/web/*:*",
            false,
            "registry.example.com/web/app:1.2"
        ));
        assert!(g("CVE-2024-????", false, "CVE-2024-1234"));
        assert!(!g("CVE-2024-????", false, "CVE-2024-12345"));
        assert!(g("*", true, ""));
        // No blow-up on hostile patterns.
        let p = "*a".repeat(200);
        let s = "a".repeat(5000) + "b";
        let start = std::time::Instant::now();
        assert!(!g(&p, false, &s));
        assert!(start.elapsed().as_secs() < 5);
    }

    #[test]
    fn under_dirs() {
        assert!(under("/web/html/index.html", "/web/html"));
        assert!(under("/web/html", "/web/html/"));
        assert!(!under("/web/htmlx", "/web/html"));
        assert!(under("/anything", "/"));
    }
}
