//! A bound on YAML nesting, checked before any user file reaches yaml_serde (pnpm lockfiles, the ignore
//! file, the secrets configuration, the license policy, the configuration file): red team #12.
//!
//! The one dependency of this crate beyond serde: every crate that parses YAML with yaml_serde depends on
//! this one, and the check must be the same everywhere.

/// Deepest nesting of collections accepted in a YAML file read with yaml_serde. Its deserializer refuses
/// documents nested deeper than 128 levels anyway, so nothing it would read is lost; real lockfiles and
/// configuration files nest four or five.
pub const MAX_DEPTH: usize = 128;

/// Checks, in one linear pass, that a YAML text nests no deeper than `max` and that a YAML parser can read it
/// in linear time; otherwise returns the 1-based line and what is wrong.
///
/// yaml_serde (libyaml's scanner) spends time proportional to the current flow depth on every token, so
/// `[[[[…]]]]` costs O(n²) before the deserializer's own depth limit rejects the document (a 400 KB
/// `pnpm-lock.yaml` took over a minute). A byte scan for `[`/`{` outside quotes cannot be made safe: whether
/// `'` opens a quoted scalar depends on context (`a 'b, [[[…` is a plain scalar then real nesting), and a
/// quoted `]` must not cancel a real `[`. So this runs saphyr-parser's event stream (linear, its own flow depth
/// capped at 255) and counts the depth of every sequence and mapping, block or flow; nothing is built.
pub fn depth_over(text: &[u8], max: usize) -> Option<(usize, String)> {
    use saphyr_parser::{Event, Parser};
    let too_deep = |max| format!("nests collections more than {max} levels deep; not parsed");
    let text = match std::str::from_utf8(text) {
        Ok(t) => t,
        Err(e) => {
            return Some((
                text[..e.valid_up_to()].split(|&b| b == b'\n').count(),
                format!("is not UTF-8: {e}"),
            ));
        }
    };
    let mut depth = 0usize;
    for ev in Parser::new_from_str(text) {
        match ev {
            // The scanner looks ahead for keys, so past 255 flow levels its own limit answers first.
            Err(e) if e.info().contains("recursion limit") => {
                return Some((e.marker().line(), too_deep(max)));
            }
            Err(e) => {
                // A syntax error: the YAML parser that reads the file reports it best (its own message and
                // line), and may read what saphyr refuses. Hand over only when that stays cheap: up to here
                // nesting was at most `max`, and from the error's line on it can grow by at most the number
                // of `[` and `{` left.
                let line = e.marker().line();
                let opens_after = text
                    .split_inclusive('\n')
                    .skip(line.saturating_sub(1))
                    .flat_map(str::bytes)
                    .filter(|b| matches!(b, b'[' | b'{'))
                    .count();
                if opens_after <= max {
                    return None;
                }
                return Some((line, format!("is malformed YAML: {}", e.info())));
            }
            Ok((Event::SequenceStart(..) | Event::MappingStart(..), span)) => {
                depth += 1;
                if depth > max {
                    return Some((span.start.line(), too_deep(max)));
                }
            }
            Ok((Event::SequenceEnd | Event::MappingEnd, _)) => depth = depth.saturating_sub(1),
            Ok(_) => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_bounded() {
        let deep = |pre: &str, n: usize| {
            format!(
                "lockfileVersion: '6.0'\n{pre}packages: {}{}\n",
                "[".repeat(n),
                "]".repeat(n)
            )
        };
        let yaml_depth_over = depth_over;
        let at = |t: &str, max| yaml_depth_over(t.as_bytes(), max).map(|(l, _)| l);
        // The root mapping is level 1.
        assert_eq!(at(&deep("", 3), 3), Some(2));
        assert_eq!(at(&deep("", 2), 3), None);
        // Block nesting counts too.
        let mut block = String::new();
        for i in 0..5 {
            block += &"  ".repeat(i);
            block += "k:\n";
        }
        assert_eq!(at(&block, 4), Some(5));
        assert!(
            yaml_depth_over(block.as_bytes(), 4)
                .unwrap()
                .1
                .contains("4 levels")
        );
        // Quotes and comments do not hide nesting, and quoted brackets do not count.
        assert_eq!(at(&deep("a: [x 'b, [[]]]\n", 3), 3), Some(2));
        assert_eq!(at(&deep("a: '[[[[' # {{{{\nb: \"]]]]\"\n", 2), 3), None);
        // A syntax error is left to yaml_serde, unless nesting could still grow past the limit after it.
        assert_eq!(yaml_depth_over(b"a: [\n", 128), None);
        let t = format!("a: [\n- {}", "[".repeat(5));
        assert_eq!(at(&t, 5), None);
        let (line, why) = yaml_depth_over(t.as_bytes(), 4).unwrap();
        assert_eq!(line, 2);
        assert!(why.starts_with("is malformed YAML"), "{why}");
        assert_eq!(yaml_depth_over(b"a: 1\nb: \xff\n", 128).unwrap().0, 2);

        let bad = deep("", 100_000);
        let start = std::time::Instant::now();
        assert_eq!(at(&bad, MAX_DEPTH), Some(2));
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    }
}
