//! `.gitignore` rules (gitignore(5)), small and hand-written instead of the `ignore` crate to keep build
//! time down: blank lines and `#` comments, `\` escapes, `!` negation, trailing `/` for directories only,
//! patterns with a `/` anchored at the `.gitignore`'s directory and the others matched against the name at
//! any depth, `*`, `?`, `[a-z]`/`[!a-z]` classes, and `**` (`**/x`, `x/**`, `a/**/b`). The last matching
//! rule wins; the walker does not descend into an ignored directory, so, as in git, a file inside it cannot
//! be re-included.
//!
//! The same matcher serves `--skip-dirs` and `--skip-files` globs.

/// One pattern token.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Lit(u8),
    /// `*`: any run without `/`.
    Star,
    /// `?`: one byte other than `/`.
    One,
    /// `[...]`: ranges, negated or not.
    Class(Vec<(u8, u8)>, bool),
    /// `**` as a whole segment followed by `/`: empty, or anything ending in `/`.
    DirsSlash,
    /// A trailing `/**` or a bare `**`: anything.
    Any,
}

/// A compiled glob.
#[derive(Debug, Clone)]
pub struct Glob {
    toks: Vec<Tok>,
}

impl Glob {
    /// Compiles a glob (`**` handled as gitignore does).
    #[must_use]
    pub fn new(p: &str) -> Self {
        let b = p.as_bytes();
        let mut toks = Vec::new();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'*' if b.get(i + 1) == Some(&b'*') => {
                    let seg_start = i == 0 || b[i - 1] == b'/';
                    if seg_start && b.get(i + 2) == Some(&b'/') {
                        toks.push(Tok::DirsSlash);
                        i += 3;
                    } else {
                        toks.push(Tok::Any);
                        i += 2;
                    }
                }
                b'*' => {
                    toks.push(Tok::Star);
                    i += 1;
                }
                b'?' => {
                    toks.push(Tok::One);
                    i += 1;
                }
                b'[' => {
                    let mut j = i + 1;
                    let neg = matches!(b.get(j), Some(b'!' | b'^'));
                    if neg {
                        j += 1;
                    }
                    let mut ranges = Vec::new();
                    let mut first = true;
                    while j < b.len() && (b[j] != b']' || first) {
                        first = false;
                        let lo = b[j];
                        if b.get(j + 1) == Some(&b'-') && b.get(j + 2).is_some_and(|&c| c != b']') {
                            ranges.push((lo, b[j + 2]));
                            j += 3;
                        } else {
                            ranges.push((lo, lo));
                            j += 1;
                        }
                    }
                    if j < b.len() {
                        toks.push(Tok::Class(ranges, neg));
                        i = j + 1;
                    } else {
                        toks.push(Tok::Lit(b'['));
                        i += 1;
                    }
                }
                b'\\' if i + 1 < b.len() => {
                    toks.push(Tok::Lit(b[i + 1]));
                    i += 2;
                }
                c => {
                    toks.push(Tok::Lit(c));
                    i += 1;
                }
            }
        }
        Self { toks }
    }

    /// Whether the whole of `text` matches. Dynamic programming: O(pattern × text), no backtracking blowup.
    #[must_use]
    pub fn matches(&self, text: &str) -> bool {
        let t = text.as_bytes();
        let mut cur = vec![false; t.len() + 1];
        cur[0] = true;
        for tok in &self.toks {
            let mut next = vec![false; t.len() + 1];
            match tok {
                Tok::Star | Tok::Any => {
                    let mut on = false;
                    for j in 0..=t.len() {
                        if cur[j] {
                            on = true;
                        }
                        next[j] = on;
                        if j < t.len() && t[j] == b'/' && matches!(tok, Tok::Star) {
                            on = false;
                        }
                    }
                }
                Tok::DirsSlash => {
                    let mut on = false;
                    for j in 0..=t.len() {
                        if cur[j] {
                            on = true;
                            next[j] = true;
                        }
                        if on && j > 0 && t[j - 1] == b'/' {
                            next[j] = true;
                        }
                    }
                }
                _ => {
                    for j in 0..t.len() {
                        if cur[j] && byte_ok(tok, t[j]) {
                            next[j + 1] = true;
                        }
                    }
                }
            }
            cur = next;
            if !cur.iter().any(|&x| x) {
                return false;
            }
        }
        cur[t.len()]
    }
}

fn byte_ok(tok: &Tok, c: u8) -> bool {
    match tok {
        Tok::Lit(l) => *l == c,
        Tok::One => c != b'/',
        Tok::Class(r, neg) => c != b'/' && (r.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *neg),
        _ => false,
    }
}

/// One rule of a `.gitignore`.
#[derive(Debug, Clone)]
struct Rule {
    glob: Glob,
    negate: bool,
    dir_only: bool,
    /// Matched against the path relative to the `.gitignore`'s directory, else against the name.
    anchored: bool,
}

/// The rules of one `.gitignore`, relative to its directory.
#[derive(Debug, Clone, Default)]
pub struct Gitignore {
    rules: Vec<Rule>,
}

impl Gitignore {
    /// Parses a `.gitignore`.
    #[must_use]
    pub fn parse(text: &str) -> Self {
        let mut rules = Vec::new();
        for line in text.lines() {
            let mut l = line;
            if l.starts_with('#') {
                continue;
            }
            // Trailing spaces are ignored unless escaped.
            while l.ends_with(' ') && !l.ends_with("\\ ") {
                l = &l[..l.len() - 1];
            }
            if l.is_empty() {
                continue;
            }
            let (negate, l) = match l.strip_prefix('!') {
                Some(r) => (true, r),
                None => (false, l.strip_prefix("\\!").map_or(l, |r| r)),
            };
            let l = l
                .strip_prefix("\\#")
                .map_or(l.to_string(), |r| format!("#{r}"));
            let (dir_only, l) = match l.strip_suffix('/') {
                Some(r) => (true, r.to_string()),
                None => (false, l),
            };
            if l.is_empty() {
                continue;
            }
            let anchored = l.contains('/');
            let l = l.strip_prefix('/').unwrap_or(&l);
            rules.push(Rule {
                glob: Glob::new(l),
                negate,
                dir_only,
                anchored,
            });
        }
        Self { rules }
    }

    /// `Some(true)` ignored, `Some(false)` re-included, `None` no rule matched. `rel` is relative to the
    /// `.gitignore`'s directory.
    #[must_use]
    pub fn decide(&self, rel: &str, is_dir: bool) -> Option<bool> {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        self.rules.iter().rev().find_map(|r| {
            if r.dir_only && !is_dir {
                return None;
            }
            let hit = if r.anchored {
                r.glob.matches(rel)
            } else {
                r.glob.matches(name)
            };
            hit.then_some(!r.negate)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(Glob::new("*.log").matches("a.log"));
        assert!(!Glob::new("*.log").matches("d/a.log"));
        assert!(Glob::new("**/foo").matches("foo"));
        assert!(Glob::new("**/foo").matches("a/b/foo"));
        assert!(Glob::new("a/**/b").matches("a/b"));
        assert!(Glob::new("a/**/b").matches("a/x/y/b"));
        assert!(!Glob::new("a/**/b").matches("ab"));
        assert!(Glob::new("abc/**").matches("abc/x/y"));
        assert!(Glob::new("[a-c]?.txt").matches("bz.txt"));
        assert!(!Glob::new("[!a-c]?.txt").matches("bz.txt"));
        assert!(!Glob::new("a*").matches("ab/c"));
    }

    #[test]
    fn rules_as_git_reads_them() {
        let g = Gitignore::parse("# c\nnode_modules/\n*.log\n!keep.log\n/build\ndocs/*.md\n\\#x\n");
        assert_eq!(g.decide("node_modules", true), Some(true));
        assert_eq!(g.decide("node_modules", false), None);
        assert_eq!(g.decide("a/b/x.log", false), Some(true));
        assert_eq!(g.decide("keep.log", false), Some(false));
        assert_eq!(g.decide("build", true), Some(true));
        assert_eq!(g.decide("src/build", true), None);
        assert_eq!(g.decide("docs/a.md", false), Some(true));
        assert_eq!(g.decide("docs/x/a.md", false), None);
        assert_eq!(g.decide("#x", false), Some(true));
    }
}
