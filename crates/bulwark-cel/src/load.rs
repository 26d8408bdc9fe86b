//! Reading YAML documents and policies from text, with the file and line of each.

use serde::Deserialize;
use serde_json::Value as Json;

use crate::engine::CompileError;

/// A policy file that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LoadError {
    /// The YAML itself is malformed (or nests too deep).
    #[error("{file}:{line}:{column}: invalid YAML: {message}")]
    Yaml {
        /// File name as given by the caller.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column (0 when unknown).
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// A policy document does not have the shape of its kind.
    #[error("{file}:{line}: {kind} {policy:?}: {message}")]
    Invalid {
        /// File name as given by the caller.
        file: String,
        /// 1-based line of the document.
        line: usize,
        /// `ValidatingPolicy`, `ValidatingAdmissionPolicy`…
        kind: String,
        /// `metadata.name` (empty when missing).
        policy: String,
        /// What is wrong.
        message: String,
    },
    /// A CEL expression of a policy does not compile.
    #[error("{file}:{line}: {kind} {policy:?}: {field}: CEL {}:{}: {}", .error.line, .error.column, .error.message)]
    Compile {
        /// File name as given by the caller.
        file: String,
        /// 1-based line of the expression in the file (found by its text; the document's line otherwise).
        line: usize,
        /// Kind of the policy.
        kind: String,
        /// `metadata.name`.
        policy: String,
        /// Which expression: `validations[2].expression`, `variables[0].expression` (`"name"`)…
        field: String,
        /// Where in the expression, and what.
        error: CompileError,
    },
}

/// One YAML document with the line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The document as JSON.
    pub value: Json,
    /// 1-based line of the document's first line.
    pub line: usize,
}

/// Parses a multi-document YAML text. `kind: List` documents are expanded to their items; empty
/// documents are dropped.
pub fn parse_documents(text: &str, file: &str) -> Result<Vec<Document>, LoadError> {
    if let Some((line, message)) =
        bulwark_types::yaml::depth_over(text.as_bytes(), bulwark_types::yaml::MAX_DEPTH)
    {
        return Err(LoadError::Yaml {
            file: file.to_owned(),
            line,
            column: 0,
            message,
        });
    }
    let starts = document_starts(text);
    let mut out = Vec::new();
    for (i, de) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let value = Json::deserialize(de).map_err(|e| {
            let (line, column) = e
                .location()
                .map_or((starts.get(i).copied().unwrap_or(1), 0), |l| {
                    (l.line(), l.column())
                });
            LoadError::Yaml {
                file: file.to_owned(),
                line,
                column,
                message: e.to_string(),
            }
        })?;
        let line = starts.get(i).copied().unwrap_or(1);
        match value {
            Json::Null => {}
            Json::Object(ref o) if o.get("kind").and_then(Json::as_str) == Some("List") => {
                if let Some(items) = o.get("items").and_then(Json::as_array) {
                    out.extend(items.iter().map(|v| Document {
                        value: v.clone(),
                        line,
                    }));
                }
            }
            value => out.push(Document { value, line }),
        }
    }
    Ok(out)
}

/// 1-based line of each document's first content line: the line after each `---`, or 1.
fn document_starts(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut pending = Some(1);
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line == "---" || line.starts_with("--- ") || line.starts_with("---\t") {
            // Text before the first `---` is a document only if it has content; every later
            // separator opens one, empty or not (yaml_serde yields a null document for it).
            if let Some(p) = pending.take()
                && (p > 1 || has_content(text, p, n))
            {
                starts.push(p);
            }
            pending = Some(n + 1);
        }
    }
    if let Some(p) = pending {
        starts.push(p);
    }
    // Point at the first line with content (a leading blank line or comment is not the document).
    let lines: Vec<&str> = text.lines().collect();
    let ends: Vec<usize> = starts
        .iter()
        .skip(1)
        .map(|n| n - 1)
        .chain(std::iter::once(lines.len()))
        .collect();
    starts
        .iter()
        .zip(ends)
        .map(|(&from, to)| {
            (from..=to)
                .find(|&n| {
                    lines
                        .get(n - 1)
                        .is_some_and(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
                })
                .unwrap_or(from)
        })
        .collect()
}

/// Whether lines `from..to` (1-based, `to` exclusive) hold anything but blanks and comments.
fn has_content(text: &str, from: usize, to: usize) -> bool {
    text.lines()
        .skip(from - 1)
        .take(to.saturating_sub(from))
        .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
}

/// The line of `needle`'s first non-blank line in `text`, at or after line `from` (1-based).
pub(crate) fn find_line(text: &str, from: usize, needle: &str) -> Option<usize> {
    let first = needle.lines().map(str::trim).find(|l| !l.is_empty())?;
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find(|(_, l)| l.contains(first))
        .map(|(i, _)| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_keep_their_lines() {
        let text = "# c\na: 1\n---\nb: 2\n---\n---\nkind: List\nitems: [{c: 3}, {d: 4}]\n";
        let docs = parse_documents(text, "x.yaml").unwrap();
        let lines: Vec<usize> = docs.iter().map(|d| d.line).collect();
        assert_eq!(lines, vec![2, 4, 7, 7]);
        assert_eq!(docs[3].value, serde_json::json!({"d": 4}));
    }

    #[test]
    fn bad_yaml_names_file_and_line() {
        let err = parse_documents("a: 1\nb: [1,\n", "p.yaml").unwrap_err();
        assert!(
            matches!(err, LoadError::Yaml { ref file, line: 3, .. } if file == "p.yaml"),
            "{err}"
        );
    }
}
