//! A byte scan of JSON that needs no parse: the nesting bound, checked before serde sees the input (its own
//! recursion limit is 128 and answers with a less useful message), and the top-level keys for sniffing.

use std::io::Read;

#[derive(Debug)]
pub(crate) enum DepthError {
    Io(std::io::Error),
    TooDeep { limit: usize, offset: u64 },
}

/// Reads `r` to its end and fails at the first `[` or `{` (outside strings) that opens level `limit + 1`.
/// Memory is one buffer; the JSON itself is not checked here.
pub(crate) fn check_depth(mut r: impl Read, limit: usize) -> Result<(), DepthError> {
    let mut buf = vec![0u8; 1 << 16];
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut offset = 0u64;
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(DepthError::Io(e)),
        };
        for (i, &b) in buf[..n].iter().enumerate() {
            if in_string {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_string = false;
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'[' | b'{' => {
                    depth += 1;
                    if depth > limit {
                        return Err(DepthError::TooDeep {
                            limit,
                            offset: offset + i as u64,
                        });
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        offset += n as u64;
    }
}

/// The keys of the top-level object found in `head` (a prefix of the document), at most 256 of them.
pub(crate) fn top_level_keys(head: &[u8]) -> Vec<String> {
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace() && *b != 0xef && *b != 0xbb && *b != 0xbf);
    if start.map(|s| head[s]) != Some(b'{') {
        return Vec::new();
    }
    let mut keys = Vec::new();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut string_start = 0;
    let mut last_string: Option<(usize, usize)> = None;
    for (i, &b) in head.iter().enumerate().skip(start.unwrap_or(0)) {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
                last_string = (depth == 1).then_some((string_start, i));
            }
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                string_start = i + 1;
            }
            b':' => {
                if let Some((s, e)) = last_string.take() {
                    keys.push(String::from_utf8_lossy(&head[s..e]).into_owned());
                    if keys.len() >= 256 {
                        break;
                    }
                }
            }
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            b if b.is_ascii_whitespace() => {}
            _ => last_string = None,
        }
        if !matches!(b, b':' | b'"') && !b.is_ascii_whitespace() {
            last_string = None;
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_brackets_outside_strings() {
        let ok = format!("{}{}", "[".repeat(64), "]".repeat(64));
        assert!(check_depth(ok.as_bytes(), 64).is_ok());
        let deep = format!("{}{}", "[".repeat(65), "]".repeat(65));
        assert!(matches!(
            check_depth(deep.as_bytes(), 64),
            Err(DepthError::TooDeep {
                limit: 64,
                offset: 64
            })
        ));
        let quoted = format!("[\"{}\\\"{}\"]", "[".repeat(100), "{".repeat(100));
        assert!(check_depth(quoted.as_bytes(), 2).is_ok());
    }

    #[test]
    fn keys_of_the_first_level_only() {
        assert_eq!(
            top_level_keys(br#" {"a": 1, "b": {"c": [1, {"d": 2}]}, "e\"f": "g:h", "i":"#),
            vec!["a", "b", "e\\\"f", "i"]
        );
        assert!(top_level_keys(b"[1]").is_empty());
    }
}
