//! A small glob matcher for policy exceptions: `?` one character, `*` any run (inside one path segment unless
//! `star_crosses_slash`), `**` any run including `/`. Dynamic programming over (pattern, text) positions, so
//! the cost is bounded by their product: no exponential backtracking.

/// Whether `text` matches `pattern`.
#[must_use]
pub(crate) fn matches(pattern: &str, text: &str, star_crosses_slash: bool) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum P {
        Char(char),
        Any,
        Star,
        DoubleStar,
    }
    let mut pat = Vec::new();
    let mut it = pattern.chars().peekable();
    while let Some(c) = it.next() {
        pat.push(match c {
            '?' => P::Any,
            '*' if it.peek() == Some(&'*') => {
                while it.peek() == Some(&'*') {
                    it.next();
                }
                P::DoubleStar
            }
            '*' => P::Star,
            c => P::Char(c),
        });
    }
    let text: Vec<char> = text.chars().collect();
    // row[j]: pattern prefix matches text[..j].
    let mut row = vec![false; text.len() + 1];
    row[0] = true;
    for p in &pat {
        let mut next = vec![false; text.len() + 1];
        match p {
            P::Star | P::DoubleStar => {
                let crosses = star_crosses_slash || *p == P::DoubleStar;
                for j in 0..=text.len() {
                    next[j] = row[j] || (j > 0 && next[j - 1] && (crosses || text[j - 1] != '/'));
                }
            }
            P::Any => {
                next[1..].copy_from_slice(&row[..text.len()]);
            }
            P::Char(c) => {
                for j in 1..=text.len() {
                    next[j] = row[j - 1] && text[j - 1] == *c;
                }
            }
        }
        row = next;
    }
    row[text.len()]
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn globs() {
        assert!(matches("left-*", "left-pad", true));
        assert!(matches("pkg:npm/*", "pkg:npm/@scope/x@1", true));
        assert!(!matches("pkg:npm/*", "pkg:npm/@scope/x@1", false));
        assert!(matches(
            "app/**/package.json",
            "app/node_modules/a/package.json",
            false
        ));
        assert!(matches("app/*/x", "app/b/x", false));
        assert!(!matches("app/*/x", "app/b/c/x", false));
        assert!(matches("a?c", "abc", false));
        assert!(!matches("abc", "abcd", false));
        assert!(matches(&"*a".repeat(30), &"a".repeat(100), false));
        assert!(!matches(&"*a".repeat(30), &"b".repeat(100), false));
    }
}
