//! The globs of owners.yaml: `*` (any run of characters; in path mode, not `/`), `**` (any run, `/` included,
//! path mode only; outside path mode it is the same as `*`), `?` (one character; in path mode, not `/`), and
//! `\` to take the next character literally. `[`, `]`, `{` and `}` are refused unless escaped: gitignore and
//! shells read them as classes and alternatives, and a pattern that silently meant something else would route
//! findings to the wrong team.
//!
//! Matching never backtracks exponentially: outside path mode it is the two-pointer wildcard match (the last
//! star is the only restart point), in path mode a set of pattern positions advanced once per character.

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
    tokens: Vec<Token>,
    path_mode: bool,
    fast: Fast,
    /// The literal text before the first wildcard and after the last: a cheap test that rejects most
    /// non-matching texts before the general matcher runs.
    head: String,
    tail: String,
}

/// The shapes nearly every real pattern has, matched with one string comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Fast {
    /// No wildcard.
    Literal(String),
    /// `abc*` (`abc**` in path mode).
    Prefix(String),
    /// `*abc` (`**abc` in path mode).
    Suffix(String),
    /// `*abc*` (`**abc**` in path mode).
    Contains(String),
    None,
}

impl Fast {
    fn of(tokens: &[Token], path_mode: bool) -> Self {
        // The wildcard that matches any run here: `*` outside path mode, `**` in it.
        let any = |t: &Token| {
            if path_mode {
                *t == Token::AnyRun
            } else {
                matches!(t, Token::Star | Token::AnyRun)
            }
        };
        let lits = |ts: &[Token]| -> Option<String> {
            ts.iter()
                .map(|t| match t {
                    Token::Lit(c) => Some(*c),
                    _ => None,
                })
                .collect()
        };
        let n = tokens.len();
        if let Some(l) = lits(tokens) {
            return Fast::Literal(l);
        }
        let lead = n > 0 && any(&tokens[0]);
        let trail = n > 1 && any(&tokens[n - 1]);
        let inner = |a: usize, b: usize| lits(&tokens[a..b]);
        match (lead, trail) {
            (true, true) => inner(1, n - 1).map_or(Fast::None, Fast::Contains),
            (true, false) => inner(1, n).map_or(Fast::None, Fast::Suffix),
            (false, true) => inner(0, n - 1).map_or(Fast::None, Fast::Prefix),
            (false, false) => Fast::None,
        }
    }
}

/// Longest pattern accepted: owners.yaml patterns are short; this bounds matching cost.
pub(crate) const MAX_PATTERN: usize = 1024;

impl Glob {
    /// Compiles `pattern`; the error says what is wrong, without the pattern (the caller names it).
    pub(crate) fn new(pattern: &str, path_mode: bool) -> Result<Self, String> {
        if pattern.is_empty() {
            return Err("is empty".into());
        }
        if pattern.len() > MAX_PATTERN {
            return Err(format!("is longer than {MAX_PATTERN} bytes"));
        }
        let mut tokens = Vec::with_capacity(pattern.len());
        let mut chars = pattern.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some(e) => tokens.push(Token::Lit(e)),
                    None => return Err("ends with a lone `\\`".into()),
                },
                '*' => {
                    let mut run = 1;
                    while chars.peek() == Some(&'*') {
                        chars.next();
                        run += 1;
                    }
                    if run > 2 {
                        return Err(format!("has `{}`; use `*` or `**`", "*".repeat(run)));
                    }
                    let t = if run == 2 && path_mode {
                        Token::AnyRun
                    } else {
                        Token::Star
                    };
                    tokens.push(t);
                }
                '?' => tokens.push(Token::One),
                '[' | ']' | '{' | '}' => {
                    return Err(format!(
                        "has `{c}`: character classes and alternatives are not supported (write `\\{c}` for the character itself)"
                    ));
                }
                c => tokens.push(Token::Lit(c)),
            }
        }
        let fast = Fast::of(&tokens, path_mode);
        let lit = |t: &Token| match t {
            Token::Lit(c) => Some(*c),
            _ => None,
        };
        let head: String = tokens.iter().map_while(lit).collect();
        let mut tail: Vec<char> = tokens.iter().rev().map_while(lit).collect();
        tail.reverse();
        let tail = if head.chars().count() == tokens.len() {
            String::new()
        } else {
            tail.into_iter().collect()
        };
        Ok(Self {
            tokens,
            path_mode,
            fast,
            head,
            tail,
        })
    }

    /// Number of literal characters: more is more specific.
    pub(crate) fn literals(&self) -> u32 {
        self.tokens
            .iter()
            .filter(|t| matches!(t, Token::Lit(_)))
            .count() as u32
    }

    /// Number of wildcards (`*`, `**`, `?`): fewer is more specific.
    pub(crate) fn wildcards(&self) -> u32 {
        self.tokens.len() as u32 - self.literals()
    }

    pub(crate) fn matches(&self, text: &str) -> bool {
        match &self.fast {
            Fast::Literal(l) => return text == l,
            Fast::Prefix(l) => return text.starts_with(l.as_str()),
            Fast::Suffix(l) => return text.ends_with(l.as_str()),
            Fast::Contains(l) => return text.contains(l.as_str()),
            Fast::None => {}
        }
        if !text.starts_with(self.head.as_str())
            || !text.ends_with(self.tail.as_str())
            || text.len() < self.head.len() + self.tail.len()
        {
            return false;
        }
        if self.path_mode {
            self.matches_path(text)
        } else {
            self.matches_flat(text)
        }
    }

    /// Only `Lit`, `One` and `Star` (any run): the classic greedy match with one restart point, O(n·m) at
    /// worst and linear in practice. Over the text's bytes, with no allocation (it runs for every finding and
    /// rule): a literal character is compared as its UTF-8 bytes, `?` and a restarting `*` step over whole
    /// characters, so a match never starts or ends inside one.
    fn matches_flat(&self, text: &str) -> bool {
        let t = text.as_bytes();
        let p = &self.tokens;
        let (mut ti, mut pi) = (0usize, 0usize);
        let mut restart: Option<(usize, usize)> = None;
        let mut buf = [0u8; 4];
        while ti < t.len() {
            let step = match p.get(pi) {
                Some(Token::Star | Token::AnyRun) => {
                    restart = Some((pi, ti));
                    pi += 1;
                    continue;
                }
                Some(Token::One) => Some(char_len(t[ti])),
                Some(Token::Lit(c)) => {
                    let enc = c.encode_utf8(&mut buf).as_bytes();
                    t[ti..].starts_with(enc).then_some(enc.len())
                }
                None => None,
            };
            match (step, restart) {
                (Some(n), _) => {
                    pi += 1;
                    ti += n;
                }
                (None, Some((sp, st))) => {
                    let next = st + char_len(t[st]);
                    pi = sp + 1;
                    ti = next;
                    restart = Some((sp, next));
                }
                (None, None) => return false,
            }
        }
        ti == t.len()
            && p[pi..]
                .iter()
                .all(|t| matches!(t, Token::Star | Token::AnyRun))
    }

    /// Path mode: the set of pattern positions reachable after each character (an NFA simulation), as a
    /// bit set when the pattern has fewer than 128 tokens (no allocation), else as vectors.
    fn matches_path(&self, text: &str) -> bool {
        let p = &self.tokens;
        if p.len() < 128 {
            return matches_path_bits(p, text);
        }
        let n = p.len();
        let mut cur = vec![false; n + 1];
        let mut next = vec![false; n + 1];
        cur[0] = true;
        close(p, &mut cur);
        for c in text.chars() {
            next.fill(false);
            let mut any = false;
            for i in 0..n {
                if cur[i] && step(p[i], c) {
                    next[if matches!(p[i], Token::Lit(_) | Token::One) {
                        i + 1
                    } else {
                        i
                    }] = true;
                    any = true;
                }
            }
            if !any {
                return false;
            }
            close(p, &mut next);
            std::mem::swap(&mut cur, &mut next);
        }
        cur[n]
    }
}

/// Whether token `t` consumes character `c` (path mode).
fn step(t: Token, c: char) -> bool {
    match t {
        Token::Lit(l) => l == c,
        Token::One | Token::Star => c != '/',
        Token::AnyRun => true,
    }
}

fn matches_path_bits(p: &[Token], text: &str) -> bool {
    let n = p.len();
    let close = |mut set: u128| {
        for (i, t) in p.iter().enumerate() {
            if set & (1 << i) != 0 && matches!(t, Token::Star | Token::AnyRun) {
                set |= 1 << (i + 1);
            }
        }
        set
    };
    let mut cur = close(1);
    for c in text.chars() {
        let mut next = 0u128;
        for (i, &t) in p.iter().enumerate() {
            if cur & (1 << i) != 0 && step(t, c) {
                next |= 1
                    << if matches!(t, Token::Lit(_) | Token::One) {
                        i + 1
                    } else {
                        i
                    };
            }
        }
        if next == 0 {
            return false;
        }
        cur = close(next);
    }
    cur & (1 << n) != 0
}

/// Length of the UTF-8 character that starts with `b` (1 for a stray continuation byte, which a `&str` never
/// starts a character with).
fn char_len(b: u8) -> usize {
    match b {
        0xF0.. => 4,
        0xE0.. => 3,
        0xC0.. => 2,
        _ => 1,
    }
}

/// Stars match the empty run: a reachable star makes the position after it reachable.
fn close(p: &[Token], set: &mut [bool]) {
    for i in 0..p.len() {
        if set[i] && matches!(p[i], Token::Star | Token::AnyRun) {
            set[i + 1] = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, path: bool, t: &str) -> bool {
        Glob::new(p, path).unwrap().matches(t)
    }

    #[test]
    fn flat() {
        assert!(m("*pip install*", false, "/bin/sh -c pip install requests"));
        assert!(!m(
            "*pip install*",
            false,
            "/bin/sh -c pip3 install requests"
        ));
        assert!(m("pkg:pypi/*", false, "pkg:pypi/requests"));
        assert!(m("pkg:deb/*", false, "pkg:deb/debian/openssl"));
        assert!(m(
            "pkg:deb/debian/openssl*",
            false,
            "pkg:deb/debian/openssl"
        ));
        assert!(!m(
            "pkg:deb/debian/openssl*",
            false,
            "pkg:deb/debian/libssl3"
        ));
        assert!(m("a?c", false, "abc"));
        assert!(!m("a?c", false, "ac"));
        assert!(m("*", false, ""));
        assert!(m("a*b*c", false, "aXbYbZc"));
        assert!(!m("a*b*c", false, "aXbYbZ"));
        assert!(m(r"\*x", false, "*x"));
        assert!(!m(r"\*x", false, "ax"));
        assert!(m(r"CMD \[*", false, r#"CMD ["bash"]"#));
        // `?` is one character, not one byte.
        assert!(m("caf?", false, "café"));
        assert!(m("*é?", false, "aébé€"));
        assert!(!m("caf?", false, "caféé"));
        assert!(m("*€", false, "€€"));
        assert!(m("?*?", false, "é€"));
    }

    #[test]
    fn path() {
        let g = "registry.example.com/payments/**";
        assert!(m(g, true, "registry.example.com/payments/api"));
        assert!(m(g, true, "registry.example.com/payments/team/api"));
        assert!(!m(g, true, "registry.example.com/search/api"));
        assert!(m(
            "registry.example.com/*/api",
            true,
            "registry.example.com/x/api"
        ));
        assert!(!m(
            "registry.example.com/*/api",
            true,
            "registry.example.com/x/y/api"
        ));
        assert!(m("**/api", true, "registry.example.com/x/y/api"));
        assert!(!m("a?b", true, "a/b"));
        assert!(m(
            "docker.io/library/debian",
            true,
            "docker.io/library/debian"
        ));
    }

    #[test]
    fn bad() {
        assert_eq!(Glob::new("", false).unwrap_err(), "is empty");
        assert_eq!(
            Glob::new("a\\", false).unwrap_err(),
            "ends with a lone `\\`"
        );
        assert_eq!(
            Glob::new("a***", true).unwrap_err(),
            "has `***`; use `*` or `**`"
        );
        assert!(
            Glob::new("pkg:[ab]", false)
                .unwrap_err()
                .starts_with("has `[`")
        );
    }

    #[test]
    fn specificity_counts() {
        let g = Glob::new("pkg:pypi/req*", false).unwrap();
        assert_eq!((g.literals(), g.wildcards()), (12, 1));
    }

    /// The obvious recursive definition, over characters.
    fn naive(p: &[char], t: &[char], path: bool) -> bool {
        match p {
            [] => t.is_empty(),
            ['*', '*', rest @ ..] if path => (0..=t.len()).any(|i| naive(rest, &t[i..], path)),
            ['*', rest @ ..] => (0..=t.len())
                .take_while(|&i| !path || i == 0 || t[i - 1] != '/')
                .any(|i| naive(rest, &t[i..], path)),
            ['?', rest @ ..] => {
                t.first().is_some_and(|&c| !(path && c == '/')) && naive(rest, &t[1..], path)
            }
            [c, rest @ ..] => t.first() == Some(c) && naive(rest, &t[1..], path),
        }
    }

    #[test]
    fn agrees_with_the_definition() {
        // Every pattern and text up to length 4 over a small alphabet, multi-byte characters included.
        let pat_alpha = ['a', 'é', '/', '*', '?'];
        let txt_alpha = ['a', 'é', '/', 'b'];
        let all = |alpha: &[char], max: usize| {
            let mut out = vec![String::new()];
            let mut frontier = vec![String::new()];
            for _ in 0..max {
                frontier = frontier
                    .iter()
                    .flat_map(|s| alpha.iter().map(move |c| format!("{s}{c}")))
                    .collect();
                out.extend(frontier.iter().cloned());
            }
            out
        };
        let texts = all(&txt_alpha, 4);
        for pat in all(&pat_alpha, 4) {
            for path in [false, true] {
                let Ok(g) = Glob::new(&pat, path) else {
                    continue;
                };
                let pc: Vec<char> = if path {
                    pat.chars().collect()
                } else {
                    pat.replace("**", "*").chars().collect()
                };
                for t in &texts {
                    let tc: Vec<char> = t.chars().collect();
                    assert_eq!(
                        g.matches(t),
                        naive(&pc, &tc, path),
                        "{pat:?} on {t:?}, path mode {path}"
                    );
                }
            }
        }
    }

    #[test]
    fn no_blowup() {
        let text = "a".repeat(5000);
        let pat = format!("{}b", "*a".repeat(100));
        assert!(!m(&pat, false, &text));
        assert!(!m(&pat.replace('*', "**"), true, &text));
    }
}
