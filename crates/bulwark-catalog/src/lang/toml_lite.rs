//! The subset of TOML that lockfiles use (`Cargo.lock`, `poetry.lock`, `uv.lock`, `pdm.lock`): tables and
//! arrays of tables, `key = "string"`, numbers and booleans, and arrays and inline tables (kept as raw text,
//! possibly over several lines). Each table remembers its line, so warnings can point at it.

use std::collections::HashMap;

/// One `[header]` or `[[header]]` and its keys.
#[derive(Debug, Default)]
pub(crate) struct Table {
    pub(crate) header: String,
    pub(crate) line: usize,
    /// String values unquoted; arrays and inline tables as their raw text.
    pub(crate) values: HashMap<String, String>,
}

impl Table {
    pub(crate) fn get(&self, k: &str) -> Option<&str> {
        self.values.get(k).map(String::as_str)
    }
}

/// Parses a document into its tables (the root table first, with an empty header). The error carries a
/// 1-based line.
pub(crate) fn parse(text: &str) -> Result<Vec<Table>, (usize, String)> {
    let mut tables = vec![Table::default()];
    let mut lines = text.lines().enumerate();
    while let Some((i, raw)) = lines.next() {
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        if l.starts_with('[') {
            let l = l.split(" #").next().unwrap_or(l).trim_end();
            let inner = l
                .strip_prefix("[[")
                .and_then(|h| h.strip_suffix("]]"))
                .or_else(|| {
                    l.strip_prefix('[')
                        .and_then(|h| h.strip_suffix(']'))
                        .filter(|h| !h.starts_with('[') && !h.ends_with(']'))
                })
                .ok_or((i + 1, "malformed table header".to_string()))?;
            tables.push(Table {
                header: inner.trim().to_string(),
                line: i + 1,
                values: HashMap::new(),
            });
            continue;
        }
        let (k, v) = l
            .split_once('=')
            .ok_or((i + 1, format!("expected key = value, found '{}'", short(l))))?;
        let key = k.trim().trim_matches('"').to_string();
        let mut v = v.trim().to_string();
        if v.starts_with('[') || v.starts_with('{') {
            // Multi-line arrays: read until brackets balance (outside strings).
            let mut depth = balance(&v);
            while depth > 0 {
                let Some((_, more)) = lines.next() else {
                    return Err((i + 1, "unterminated array".into()));
                };
                v.push('\n');
                v.push_str(more.trim());
                depth = balance(&v);
            }
        } else if v.starts_with("\"\"\"") || v.starts_with("'''") {
            let q = &v[..3].to_string();
            while v.len() < 6 || !v[3..].contains(q.as_str()) {
                let Some((_, more)) = lines.next() else {
                    return Err((i + 1, "unterminated multi-line string".into()));
                };
                v.push('\n');
                v.push_str(more);
            }
        } else {
            v = scalar(&v).ok_or((i + 1, format!("malformed value for '{key}'")))?;
        }
        tables.last_mut().expect("root").values.insert(key, v);
    }
    Ok(tables)
}

fn short(s: &str) -> &str {
    let mut end = s.len().min(40);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Bracket depth of a value, ignoring brackets inside strings.
fn balance(v: &str) -> i64 {
    let mut depth = 0i64;
    let mut in_str: Option<char> = None;
    let mut esc = false;
    for c in v.chars() {
        match in_str {
            Some(q) => {
                if esc {
                    esc = false;
                } else if c == '\\' && q == '"' {
                    esc = true;
                } else if c == q {
                    in_str = None;
                }
            }
            None => match c {
                '"' | '\'' => in_str = Some(c),
                '[' | '{' => depth += 1,
                ']' | '}' => depth -= 1,
                '#' if depth >= 0 => {}
                _ => {}
            },
        }
    }
    depth
}

/// A one-line scalar: a quoted string (unquoted, with basic escapes) or a bare word.
fn scalar(v: &str) -> Option<String> {
    if let Some(rest) = v.strip_prefix('"') {
        let mut s = String::new();
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => return Some(s),
                '\\' => match chars.next()? {
                    'n' => s.push('\n'),
                    't' => s.push('\t'),
                    c => s.push(c),
                },
                c => s.push(c),
            }
        }
        None
    } else if let Some(rest) = v.strip_prefix('\'') {
        rest.find('\'').map(|e| rest[..e].to_string())
    } else {
        let w = v.split('#').next()?.trim();
        (!w.is_empty()).then(|| w.to_string())
    }
}

/// The quoted strings in a raw array (`["a", "b"]`); for arrays of inline tables, the `name = "…"` values.
pub(crate) fn strings(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = raw;
    while let Some(i) = rest.find('"') {
        let after = &rest[i + 1..];
        let Some(e) = after.find('"') else { break };
        let before = rest[..i].trim_end();
        let is_name = before.ends_with("name =") || before.ends_with("name=");
        let inline_table = raw.contains('{');
        if !inline_table || is_name {
            out.push(after[..e].to_string());
        }
        rest = &after[e + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_arrays_and_errors() {
        let t = parse("version = 3\n\n[[package]]\nname = \"a\"\nversion = \"1.0\"\ndependencies = [\n \"b 1.0\",\n \"c\",\n]\n[package.extras]\nx = [\"y\"]\n").unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!(t[1].get("name"), Some("a"));
        assert_eq!(t[1].line, 3);
        assert_eq!(
            strings(t[1].get("dependencies").unwrap()),
            vec!["b 1.0", "c"]
        );
        assert_eq!(
            strings("[{ name = \"x\" }, { name = \"y\", marker = \"z\" }]"),
            vec!["x", "y"]
        );
        assert_eq!(parse("a = 1\nnot toml\n").unwrap_err().0, 2);
        assert_eq!(parse("a = [\n1,\n").unwrap_err().0, 1);
    }
}
