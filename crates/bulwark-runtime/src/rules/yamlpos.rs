//! Positions of rules-file items, from saphyr-parser's event stream (yaml_serde gives the values, not where they
//! are): the line and column of each top-level item and of each of its keys' values, and how a condition
//! scalar's characters map back to the file so a condition error can name the offending token's line:column.

use saphyr_parser::{Event, Parser, ScalarStyle};

/// Where a scalar value starts and how it is written.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ScalarPos {
    pub(crate) line: usize,
    pub(crate) col: usize,
    /// Byte offset of the scalar's first character (the quote or block indicator) in the file.
    pub(crate) index: usize,
    pub(crate) block: bool,
    pub(crate) quoted: bool,
}

/// A top-level item: its position and the position of each key's value.
#[derive(Debug, Clone, Default)]
pub(crate) struct ItemPos {
    pub(crate) line: usize,
    pub(crate) col: usize,
    pub(crate) keys: Vec<(String, ScalarPos)>,
}

impl ItemPos {
    pub(crate) fn key(&self, k: &str) -> Option<ScalarPos> {
        self.keys.iter().find(|(n, _)| n == k).map(|(_, p)| *p)
    }
}

/// The items of a file's top-level sequence, in order. Empty when the stream cannot be read (yaml_serde's own
/// error is reported instead) or is not a sequence.
pub(crate) fn items(text: &str) -> Vec<ItemPos> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    // At depth 2 (inside an item's mapping): whether the next scalar is a key, and the pending key.
    let mut expect_key = true;
    let mut key: Option<String> = None;
    let mut root_is_seq = false;
    let mut failed = false;
    // saphyr counts characters; positions are kept as byte offsets, converted incrementally (events come in
    // file order) so a file with many items costs one pass.
    let mut conv = (0usize, 0usize);
    for ev in Parser::new_from_str(text) {
        let Ok((ev, span)) = ev else {
            failed = true;
            break;
        };
        let (line, col) = (span.start.line(), span.start.col() + 1);
        let index = to_byte(text, &mut conv, span.start.index());
        match ev {
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                let is_map = matches!(ev, Event::MappingStart(..));
                if depth == 0 {
                    root_is_seq = !is_map;
                } else if depth == 1 && root_is_seq {
                    out.push(ItemPos {
                        line,
                        col,
                        keys: Vec::new(),
                    });
                    expect_key = true;
                } else if depth == 2 {
                    if let (Some(k), Some(item)) = (key.take(), out.last_mut()) {
                        item.keys.push((
                            k,
                            ScalarPos {
                                line,
                                col,
                                index,
                                block: false,
                                quoted: false,
                            },
                        ));
                    }
                    expect_key = true;
                }
                depth += 1;
            }
            Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            Event::Scalar(v, style, ..) => {
                if depth == 1 && root_is_seq {
                    out.push(ItemPos {
                        line,
                        col,
                        keys: Vec::new(),
                    });
                } else if depth == 2 {
                    if expect_key {
                        key = Some(v.into_owned());
                        expect_key = false;
                    } else {
                        if let (Some(k), Some(item)) = (key.take(), out.last_mut()) {
                            item.keys.push((
                                k,
                                ScalarPos {
                                    line,
                                    col,
                                    index,
                                    block: matches!(
                                        style,
                                        ScalarStyle::Literal | ScalarStyle::Folded
                                    ),
                                    quoted: matches!(
                                        style,
                                        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted
                                    ),
                                },
                            ));
                        }
                        expect_key = true;
                    }
                }
            }
            _ => {}
        }
    }
    if failed {
        // saphyr-parser is stricter than libyaml (e.g. a flow sequence's `]` indented less than its items, as in
        // falco_rules 1.0.1): keep the items before the failure and find the rest by their layout, `- key:` at
        // column 1 and `  key:` under it.
        out.pop();
        let from = out.last().map_or(0, |i| i.line);
        out.extend(scan_lines(text, from));
        return out;
    }
    if root_is_seq { out } else { Vec::new() }
}

fn scan_lines(text: &str, after_line: usize) -> Vec<ItemPos> {
    let mut out: Vec<ItemPos> = Vec::new();
    let mut index = 0usize;
    for (n, l) in text.split('\n').enumerate() {
        let line = n + 1;
        if line > after_line {
            let key_at = if let Some(rest) = l.strip_prefix("- ") {
                out.push(ItemPos {
                    line,
                    col: 3,
                    keys: Vec::new(),
                });
                Some((2, rest))
            } else {
                l.strip_prefix("  ")
                    .filter(|r| !r.starts_with(' '))
                    .map(|r| (2, r))
            };
            if let (Some((indent, rest)), Some(item)) = (key_at, out.last_mut())
                && let Some((k, v)) = rest.split_once(':')
                && !k.is_empty()
                && k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                let lead = v.len() - v.trim_start().len();
                let col = indent + k.chars().count() + 1 + lead + 1;
                let v = v.trim_start();
                item.keys.push((
                    k.to_string(),
                    ScalarPos {
                        line,
                        col,
                        index: index + indent + k.len() + 1 + lead,
                        block: v.starts_with('>') || v.starts_with('|'),
                        quoted: v.starts_with('"') || v.starts_with('\''),
                    },
                ));
            }
        }
        index += l.len() + 1;
    }
    out
}

/// The byte offset of character `want`, continuing from the last conversion `(char, byte)` when it is not past.
fn to_byte(text: &str, conv: &mut (usize, usize), want: usize) -> usize {
    if want < conv.0 {
        *conv = (0, 0);
    }
    let (mut c, mut b) = *conv;
    for ch in text[b..].chars() {
        if c == want {
            break;
        }
        c += 1;
        b += ch.len_utf8();
    }
    *conv = (c, b);
    b
}

/// The file line:column of the character at byte `offset` of a scalar's value: whitespace is what YAML folding
/// and indentation change, so the n-th non-blank character of the value is the n-th non-blank character of the
/// scalar's text in the file (exact for plain, folded and literal scalars and quoted ones without escapes).
pub(crate) fn locate(file: &str, at: ScalarPos, value: &str, offset: usize) -> (usize, usize) {
    let n = value
        .get(..offset.min(value.len()))
        .unwrap_or(value)
        .chars()
        .filter(|c| !c.is_whitespace())
        .count();
    let (mut line, mut col) = (at.line, at.col);
    let mut chars = file.get(at.index..).unwrap_or("").chars().peekable();
    // saphyr's span of a block scalar may start at the `|`/`>` header or at the content; skip a header.
    if at.block && matches!(chars.peek(), Some('|' | '>')) {
        // Skip the `|`/`>` header line.
        for c in chars.by_ref() {
            if c == '\n' {
                line += 1;
                col = 1;
                break;
            }
        }
    } else if at.quoted && chars.next().is_some() {
        col += 1;
    }
    let mut seen = 0usize;
    // The scalar's text is at most a few times its value (indentation, escapes); never scan the rest of a file.
    let budget = value.len().saturating_mul(4).saturating_add(4096);
    for c in chars.take(budget) {
        if c == '\n' {
            line += 1;
            col = 1;
            continue;
        }
        if !c.is_whitespace() {
            if seen == n {
                return (line, col);
            }
            seen += 1;
        }
        col += 1;
    }
    (at.line, at.col)
}
