//! Text from the scanned input on a terminal: file names, object names and messages can carry control
//! characters (an `ESC [2J`, an OSC title sequence, a newline that fakes another line). Everything Bulwark prints
//! to a terminal or stderr goes through [`escape_control`].

use std::borrow::Cow;
use std::fmt::Write;

/// Replaces every control character (C0, DEL, C1) with a visible escape: `\n`, `\t`, `\r`, `\e` for ESC, and
/// `\u{9b}` for the others. Text without control characters is returned as is.
#[must_use]
pub fn escape_control(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\e"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::escape_control;

    #[test]
    fn control_characters_become_visible() {
        assert!(matches!(
            escape_control("plain/path ü"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(
            escape_control("a\u{1b}]0;pwned\u{7}b\u{1b}[2Jc\nd\u{9b}"),
            "a\\e]0;pwned\\u{7}b\\e[2Jc\\nd\\u{9b}"
        );
    }
}
