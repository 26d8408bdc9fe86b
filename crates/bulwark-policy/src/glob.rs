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
    fast: Fast,
}

/// Shapes that need no dynamic programme.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Fast {
    /// No metacharacter: compared as a string.
    Literal,
    /// `abc*` (`abc**` in path mode): a prefix.
    Prefix(String),
    /// `*abc` (`**abc` in path mode): a suffix.
    Suffix(String),
    None,
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
        let lits = |ts: &[Token]| -> Option<String> {
            ts.iter()
                .map(|t| match t {
                    Token::Lit(c) => Some(*c),
                    _ => None,
                })
                .collect()
        };
        let any = |t: &Token| *t == Token::AnyRun || (*t == Token::Star && !path_mode);
        let fast = if lits(&tokens).is_some() {
            Fast::Literal
        } else if let Some((last, rest)) = tokens.split_last()
            && any(last)
            && let Some(p) = lits(rest)
        {
            Fast::Prefix(p)
        } else if let Some((first, rest)) = tokens.split_first()
            && any(first)
            && let Some(p) = lits(rest)
        {
            Fast::Suffix(p)
        } else {
            Fast::None
        };
        Self {
            text: pattern.to_string(),
            tokens,
            path_mode,
            fast,
        }
    }

    /// The pattern as written.
    #[must_use]
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    #[must_use]
    pub(crate) fn matches(&self, s: &str) -> bool {
        match &self.fast {
            Fast::Literal => self.text == s,
            Fast::Prefix(p) => s.starts_with(p.as_str()),
            Fast::Suffix(p) => s.ends_with(p.as_str()),
            Fast::None => self.matches_dp(s),
        }
    }

    /// The dynamic programme; texts up to 128 characters need no allocation (ids, purls, most paths).
    fn matches_dp(&self, s: &str) -> bool {
        const STACK: usize = 128;
        let mut chars_buf = ['\0'; STACK];
        let heap: Vec<char>;
        let text: &[char] = if s.len() <= STACK {
            let mut n = 0;
            for c in s.chars() {
                chars_buf[n] = c;
                n += 1;
            }
            &chars_buf[..n]
        } else {
            heap = s.chars().collect();
            &heap
        };
        let mut a = [false; STACK + 1];
        let mut b = [false; STACK + 1];
        let (mut ha, mut hb);
        let (reach, next): (&mut [bool], &mut [bool]) = if text.len() <= STACK {
            (&mut a[..=text.len()], &mut b[..=text.len()])
        } else {
            ha = vec![false; text.len() + 1];
            hb = vec![false; text.len() + 1];
            (&mut ha[..], &mut hb[..])
        };
        // reach[j]: the tokens so far can match text[..j].
        reach[0] = true;
        let (mut reach, mut next) = (reach, next);
        for t in &self.tokens {
            match *t {
                Token::Lit(c) => {
                    next[0] = false;
                    for j in 0..text.len() {
                        next[j + 1] = reach[j] && text[j] == c;
                    }
                }
                Token::One => {
                    next[0] = false;
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
            std::mem::swap(&mut reach, &mut next);
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
        assert!(g("*", true, "a") && !g("*", true, "a/b") && g("**", true, "a/b"));
        assert!(g("*.js", false, "a/b.js") && !g("*.js", true, "a/b.js"));
        assert!(g("a*b?d", false, "axxbcd") && !g("a*b?d", false, "axxbd"));
        // Long texts take the heap path and agree.
        let long = "x/".repeat(200) + "end";
        assert!(g("x/**end", true, &long) && !g("x/*end", true, &long));
        assert!(g("é?", false, "éé"));
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
