//! A small glob matcher: `*`, `**`, `?`, `[abc]`, `[a-z]`, `[!a]`. Matching is a dynamic programme over
//! pattern tokens × text positions, so hostile patterns cannot make it exponential.

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Lit(char),
    /// `?`: one character (not `/` in path mode).
    One,
    /// `*`: any run (without `/` in path mode).
    Star,
    /// `**`: any run, including `/`.
    AnyRun,
    /// `**/`: nothing, or any run ending in `/` (zero or more whole directories).
    AnyDirs,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

/// A compiled glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Glob {
    tokens: Vec<Token>,
    /// In path mode `*` and `?` do not cross `/`.
    path_mode: bool,
}

/// True if `s` contains glob metacharacters.
pub(crate) fn is_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

impl Glob {
    /// Compile a pattern. An unclosed `[` is an error.
    pub(crate) fn new(pattern: &str, path_mode: bool) -> Result<Self, String> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut tokens = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '*' => {
                    if chars.get(i + 1) == Some(&'*') {
                        i += 2;
                        while chars.get(i) == Some(&'*') {
                            i += 1;
                        }
                        if path_mode && chars.get(i) == Some(&'/') {
                            i += 1;
                            tokens.push(Token::AnyDirs);
                        } else {
                            tokens.push(Token::AnyRun);
                        }
                        continue;
                    }
                    tokens.push(Token::Star);
                }
                '?' => tokens.push(Token::One),
                '[' => {
                    let mut j = i + 1;
                    let negated = matches!(chars.get(j), Some('!' | '^'));
                    if negated {
                        j += 1;
                    }
                    let mut ranges = Vec::new();
                    let mut first = true;
                    loop {
                        let Some(&c) = chars.get(j) else {
                            return Err(format!("unclosed '[' in glob '{pattern}'"));
                        };
                        if c == ']' && !first {
                            break;
                        }
                        first = false;
                        if chars.get(j + 1) == Some(&'-')
                            && let Some(&hi) = chars.get(j + 2)
                            && hi != ']'
                        {
                            ranges.push((c, hi));
                            j += 3;
                        } else {
                            ranges.push((c, c));
                            j += 1;
                        }
                    }
                    tokens.push(Token::Class { negated, ranges });
                    i = j;
                }
                '\\' if i + 1 < chars.len() => {
                    i += 1;
                    tokens.push(Token::Lit(chars[i]));
                }
                c => tokens.push(Token::Lit(c)),
            }
            i += 1;
        }
        Ok(Self { tokens, path_mode })
    }

    pub(crate) fn is_match(&self, text: &str) -> bool {
        let text: Vec<char> = text.chars().collect();
        let n = text.len();
        // cur[k]: the tokens so far match text[..k].
        let mut cur = vec![false; n + 1];
        cur[0] = true;
        for tok in &self.tokens {
            let mut next = vec![false; n + 1];
            match tok {
                Token::Star | Token::AnyRun => {
                    let crosses = matches!(tok, Token::AnyRun) || !self.path_mode;
                    for k in 0..=n {
                        next[k] =
                            cur[k] || (k > 0 && next[k - 1] && (crosses || text[k - 1] != '/'));
                    }
                }
                Token::AnyDirs => {
                    let mut any_before = false;
                    for k in 0..=n {
                        next[k] = cur[k] || (k > 0 && text[k - 1] == '/' && any_before);
                        any_before |= cur[k];
                    }
                }
                single => {
                    for k in 1..=n {
                        if cur[k - 1] && self.single(single, text[k - 1]) {
                            next[k] = true;
                        }
                    }
                }
            }
            cur = next;
            if !cur.iter().any(|b| *b) {
                return false;
            }
        }
        cur[n]
    }

    fn single(&self, tok: &Token, c: char) -> bool {
        match tok {
            Token::Lit(l) => *l == c,
            Token::One => !(self.path_mode && c == '/'),
            Token::Class { negated, ranges } => {
                let hit = ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c));
                hit != *negated && !(self.path_mode && c == '/')
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Glob;

    fn m(p: &str, t: &str) -> bool {
        Glob::new(p, true).unwrap().is_match(t)
    }

    #[test]
    fn path_globs() {
        assert!(m("usr/lib/*.so", "usr/lib/libz.so"));
        assert!(!m("usr/lib/*.so", "usr/lib/x/libz.so"));
        assert!(m("usr/**/*.so", "usr/lib/x/libz.so"));
        assert!(m("usr/**/*.so", "usr/libz.so"));
        assert!(m("**/*.jar", "app/lib/a.jar"));
        assert!(m("**/*.jar", "a.jar"));
        assert!(m("app/**", "app/x/y"));
        assert!(m("lib?.so", "libz.so"));
        assert!(!m("lib?.so", "lib/.so"));
        assert!(m("[a-c]x", "bx"));
        assert!(!m("[!a-c]x", "bx"));
        assert!(m("[]]", "]"));
        assert!(m("a\\*", "a*"));
        assert!(!m("a\\*", "ab"));
        assert!(Glob::new("[abc", true).is_err());
    }

    #[test]
    fn name_globs_cross_slashes() {
        let g = Glob::new("pkg:npm/*", false).unwrap();
        assert!(g.is_match("pkg:npm/%40scope/name@1.0"));
        assert!(
            Glob::new("openssl*", false)
                .unwrap()
                .is_match("openssl-libs")
        );
    }

    #[test]
    fn no_blowup() {
        let p = "*a".repeat(50);
        let t = "a".repeat(2000) + "b";
        assert!(!Glob::new(&p, false).unwrap().is_match(&t));
    }
}
