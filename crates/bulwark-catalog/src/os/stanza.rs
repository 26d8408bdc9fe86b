//! The RFC 822-like stanza format of dpkg's status database, with line numbers for diagnostics.

/// One stanza: fields in order, and the 1-based line it starts on.
#[derive(Debug, Default)]
pub struct Stanza<'a> {
    pub line: u32,
    pub fields: Vec<(&'a str, String)>,
}

impl Stanza<'_> {
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }
}

/// A line that is neither `Key: value`, a continuation, nor blank.
#[derive(Debug, PartialEq, Eq)]
pub struct StanzaError {
    pub line: u32,
    pub message: String,
}

/// Splits text into stanzas. Continuation lines (starting with space or tab) are appended to the previous
/// field with a newline. Malformed lines are reported and skipped, never fatal.
pub fn parse(text: &str) -> (Vec<Stanza<'_>>, Vec<StanzaError>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut cur: Option<Stanza<'_>> = None;
    for (i, line) in text.lines().enumerate() {
        let lineno = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if line.trim().is_empty() {
            if let Some(s) = cur.take() {
                out.push(s);
            }
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            match cur.as_mut().and_then(|s| s.fields.last_mut()) {
                Some((_, v)) => {
                    v.push('\n');
                    v.push_str(line.trim());
                }
                None => errors.push(StanzaError {
                    line: lineno,
                    message: "continuation line outside a field".into(),
                }),
            }
            continue;
        }
        match line.split_once(':') {
            Some((k, v)) if !k.is_empty() && !k.contains(char::is_whitespace) => {
                cur.get_or_insert_with(|| Stanza {
                    line: lineno,
                    fields: Vec::new(),
                })
                .fields
                .push((k, v.trim().to_string()));
            }
            _ => errors.push(StanzaError {
                line: lineno,
                message: format!("not a 'Field: value' line: {:?}", truncate(line, 60)),
            }),
        }
    }
    if let Some(s) = cur {
        out.push(s);
    }
    (out, errors)
}

fn truncate(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stanzas_and_continuations() {
        let (s, e) = parse("Package: a\nDescription: x\n more\n\nPackage: b\nbad line\n");
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].get("description"), Some("x\nmore"));
        assert_eq!(s[1].line, 5);
        assert_eq!(
            e,
            vec![StanzaError {
                line: 6,
                message: "not a 'Field: value' line: \"bad line\"".into()
            }]
        );
    }
}
