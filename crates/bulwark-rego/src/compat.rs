//! Two rewrites of Rego v0 text before regorus parses it, for constructs OPA accepts and regorus 0.14 does not.
//! Both keep every line where it was, so error positions stay true (columns may shift on a rewritten line).
//!
//! 1. A rule with several bodies, `violation[x] { a } { b }` (OR of the bodies): regorus refuses it for set
//!    rules ("else cannot be used with set rules"). It is the same as two rules with the same head, so the head
//!    is repeated before each further body: `violation[x] { a } violation[x] { b }`.
//! 2. An expression on its own line starting with `(`, after a line that ends with a reference:
//!    `input.x` ⏎ `(a - b) >= c` is two expressions in OPA; regorus reads a call `input.x(a - b)`. A `;` is
//!    put at the end of the first line (after its code, before any comment) when that line ends inside a body
//!    with no `(` or `[` left open.
//! 3. `not f(a, x.y)`: OPA evaluates the reference arguments of a call before the negation (its compiler moves
//!    them out as `__local0__ = x.y`), so an undefined `x.y` makes the whole body fail; regorus negates the
//!    whole call, so the body succeeds. The dotted-reference arguments are moved out the same way:
//!    `__bw_arg0 := x.y; not f(a, __bw_arg0)` (only when the call is on one line and no `with` follows).

/// Rewrite 4, for every Rego version: `sprintf` with fewer arguments than verbs. Go's `fmt` (so OPA) prints
/// `%!v(MISSING)` for each missing one; regorus fails the call, which leaves the message — and the violation
/// — undefined. When the format is a string literal and the arguments an array literal, the missing
/// arguments are added as the strings Go would print (`sprintf("%v %v", [a])` →
/// `sprintf("%v %v", [a, "%!v(MISSING)"])`).
pub(crate) fn pad_sprintf_args(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut inserts: Vec<(usize, String)> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                i = skip_string(b, i);
                continue;
            }
            b'`' => {
                i += 1;
                while i < b.len() && b[i] != b'`' {
                    i += 1;
                }
                i += 1;
                continue;
            }
            _ => {}
        }
        if (i == 0 || !is_ident(b[i - 1]) && b[i - 1] != b'.')
            && b[i..].starts_with(b"sprintf(")
            && let Some(ins) = missing_sprintf_args(b, i + 8)
        {
            inserts.push(ins);
        }
        i += 1;
    }
    if inserts.is_empty() {
        return None;
    }
    let mut out = text.to_string();
    for (at, s) in inserts.into_iter().rev() {
        out.insert_str(at, &s);
    }
    Some(out)
}

/// Past the string literal starting at `i` (a `"`).
fn skip_string(b: &[u8], mut i: usize) -> usize {
    i += 1;
    while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
        if b[i] == b'\\' {
            i += 1;
        }
        i += 1;
    }
    i + 1
}

fn skip_blank(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
        i += 1;
    }
    i
}

/// For `sprintf(` whose arguments start at `i`: where to insert the missing arguments, and what.
#[allow(clippy::many_single_char_names)] // byte-scanner indices
fn missing_sprintf_args(b: &[u8], i: usize) -> Option<(usize, String)> {
    let i = skip_blank(b, i);
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let end = skip_string(b, i);
    let fmt = b.get(i + 1..end.checked_sub(1)?)?;
    // The verbs of the format: `%%` is a literal; flags, width and precision before the verb letter.
    let mut verbs = Vec::new();
    let mut k = 0;
    while k < fmt.len() {
        if fmt[k] == b'%' {
            k += 1;
            if fmt.get(k) == Some(&b'%') {
                k += 1;
                continue;
            }
            while k < fmt.len() && (b"+-# 0.".contains(&fmt[k]) || fmt[k].is_ascii_digit()) {
                k += 1;
            }
            if let Some(&v) = fmt.get(k)
                && v.is_ascii_alphabetic()
            {
                verbs.push(v as char);
            }
        }
        k += 1;
    }
    let mut j = skip_blank(b, end);
    if b.get(j) != Some(&b',') {
        return None;
    }
    j = skip_blank(b, j + 1);
    if b.get(j) != Some(&b'[') {
        return None;
    }
    // Count the array's top-level elements.
    let mut depth = 0i32;
    let mut elems = 0usize;
    let mut seen_code = false;
    let mut k = j + 1;
    loop {
        let c = *b.get(k)?;
        match c {
            b'"' => {
                k = skip_string(b, k);
                seen_code = true;
                continue;
            }
            b'#' => return None,
            b'(' | b'[' | b'{' => {
                depth += 1;
                seen_code = true;
            }
            b']' if depth == 0 => break,
            b')' | b']' | b'}' => depth -= 1,
            b',' if depth == 0 => {
                elems += 1;
                seen_code = false;
            }
            b' ' | b'\t' | b'\r' | b'\n' => {}
            _ => seen_code = true,
        }
        k += 1;
    }
    if seen_code {
        elems += 1;
    }
    if elems >= verbs.len() {
        return None;
    }
    let pads: Vec<String> = verbs[elems..]
        .iter()
        .map(|v| format!("\"%!{v}(MISSING)\""))
        .collect();
    let sep = if elems == 0 { "" } else { ", " };
    Some((k, format!("{sep}{}", pads.join(", "))))
}

use std::fmt::Write as _;

/// The rewritten text, or `None` when nothing needed rewriting.
pub(crate) fn rewrite_v0(text: &str) -> Option<String> {
    match hoist_negated_call_args(text) {
        Some(t) => Some(bodies_and_parens(&t).unwrap_or(t)),
        None => bodies_and_parens(text),
    }
}

fn bodies_and_parens(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut inserts: Vec<(usize, String)> = Vec::new();
    let mut stack: Vec<u8> = Vec::new();
    let mut head: Option<&str> = None;
    let mut continued = false;
    // End of the code on the current line (after the last non-blank code byte), and whether the line ended
    // with only `{` open.
    let mut last_code_end: Option<usize> = None;
    let mut last_code_byte = 0u8;
    let mut pending_semicolon: Option<usize> = None;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                last_code_end = Some(i.min(b.len()));
                last_code_byte = b'"';
                continue;
            }
            b'`' => {
                i += 1;
                while i < b.len() && b[i] != b'`' {
                    i += 1;
                }
                i += 1;
                last_code_end = Some(i.min(b.len()));
                last_code_byte = b'`';
                continue;
            }
            b'\n' => {
                // End of a line: remember where a `;` could go if the next code line starts with `(`.
                pending_semicolon = match last_code_end {
                    Some(end)
                        if !stack.is_empty()
                            && stack.iter().all(|&o| o == b'{')
                            && (last_code_byte.is_ascii_alphanumeric()
                                || matches!(last_code_byte, b'_' | b']' | b'"' | b'`')) =>
                    {
                        Some(end)
                    }
                    _ => None,
                };
                last_code_end = None;
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            _ => {}
        }
        // The first code byte of a line.
        if last_code_end.is_none()
            && let Some(at) = pending_semicolon.take()
            && c == b'('
        {
            inserts.push((at, ";".into()));
        }
        match c {
            b'(' | b'[' | b'{' => {
                if c == b'{' && stack.is_empty() {
                    // A further body keeps the head of the first one.
                    if !continued {
                        head = set_rule_head(text, i);
                    }
                    continued = false;
                }
                stack.push(c);
            }
            b')' | b']' | b'}' => {
                stack.pop();
                if c == b'}'
                    && stack.is_empty()
                    && let Some(next) = next_code(b, i + 1)
                    && b[next] == b'{'
                {
                    continued = true;
                    if let Some(h) = head {
                        inserts.push((next, format!("{h} ")));
                    }
                }
            }
            _ => {}
        }
        last_code_end = Some(i + 1);
        last_code_byte = c;
        i += 1;
    }
    if inserts.is_empty() {
        return None;
    }
    let mut out = text.to_string();
    inserts.sort_by_key(|(at, _)| *at);
    for (at, s) in inserts.into_iter().rev() {
        out.insert_str(at, &s);
    }
    Some(out)
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Rewrite 3 (see the module docs).
fn hoist_negated_call_args(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut edits: Vec<(usize, usize, String)> = Vec::new(); // (start, end, replacement)
    let mut n = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                continue;
            }
            b'`' => {
                i += 1;
                while i < b.len() && b[i] != b'`' {
                    i += 1;
                }
                i += 1;
                continue;
            }
            _ => {}
        }
        let word_start = i == 0 || !is_ident(b[i - 1]);
        if word_start
            && b[i..].starts_with(b"not")
            && b.get(i + 3).is_some_and(|c| *c == b' ' || *c == b'\t')
            && let Some((end, replacement)) = hoist_one(text, i, &mut n)
        {
            edits.push((i, end, replacement));
            i = end;
            continue;
        }
        i += 1;
    }
    if edits.is_empty() {
        return None;
    }
    let mut out = text.to_string();
    for (start, end, rep) in edits.into_iter().rev() {
        out.replace_range(start..end, &rep);
    }
    Some(out)
}

/// `not f(args)` at `at`: the replacement and the end of the call, when an argument is a dotted reference.
#[allow(clippy::many_single_char_names)] // byte-scanner indices
fn hoist_one(text: &str, at: usize, n: &mut usize) -> Option<(usize, String)> {
    let b = text.as_bytes();
    let line_end = text[at..].find('\n').map_or(b.len(), |p| at + p);
    let mut j = at + 3;
    while j < line_end && (b[j] == b' ' || b[j] == b'\t') {
        j += 1;
    }
    let name_start = j;
    while j < line_end && (is_ident(b[j]) || b[j] == b'.') {
        j += 1;
    }
    if j == name_start || j >= line_end || b[j] != b'(' {
        return None;
    }
    // Arguments, split at top-level commas; strings and brackets respected.
    let mut args: Vec<(usize, usize)> = Vec::new();
    let mut depth = 0i32;
    let mut start = j + 1;
    let mut k = j + 1;
    let mut close = None;
    while k < line_end {
        match b[k] {
            b'"' => {
                k += 1;
                while k < line_end && b[k] != b'"' {
                    if b[k] == b'\\' {
                        k += 1;
                    }
                    k += 1;
                }
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' if depth == 0 => {
                args.push((start, k));
                close = Some(k);
                break;
            }
            b')' | b']' | b'}' => depth -= 1,
            b',' if depth == 0 => {
                args.push((start, k));
                start = k + 1;
            }
            b'#' => return None,
            _ => {}
        }
        k += 1;
    }
    let close = close?;
    if text[close..line_end]
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| w == "with")
    {
        return None;
    }
    let dotted = |s: &str| {
        let parts: Vec<&str> = s.split('.').collect();
        parts.len() > 1
            && parts.iter().all(|p| {
                !p.is_empty() && p.bytes().all(is_ident) && !p.as_bytes()[0].is_ascii_digit()
            })
    };
    let mut prefix = String::new();
    let mut call = text[name_start..=j].to_string();
    let mut any = false;
    for (idx, (s, e)) in args.iter().enumerate() {
        let arg = text[*s..*e].trim();
        if idx > 0 {
            call.push_str(", ");
        }
        if dotted(arg) {
            let v = format!("__bw_arg{n}");
            *n += 1;
            let _ = write!(prefix, "{v} := {arg}; ");
            call.push_str(&v);
            any = true;
        } else {
            call.push_str(arg);
        }
    }
    call.push(')');
    any.then(|| (close + 1, format!("{prefix}not {call}")))
}

/// The next byte that is not blank or comment.
fn next_code(b: &[u8], mut i: usize) -> Option<usize> {
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            _ => return Some(i),
        }
    }
    None
}

/// The head of the rule whose body opens at `open`, if it is a partial set rule written on that line
/// (`name[term]`, no assignment).
fn set_rule_head(text: &str, open: usize) -> Option<&str> {
    let line_start = text[..open].rfind('\n').map_or(0, |p| p + 1);
    let head = text[line_start..open].trim();
    let bracket = head.find('[')?;
    let name = &head[..bracket];
    let ok_name = !name.is_empty()
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
        && !name.as_bytes()[0].is_ascii_digit();
    if !ok_name || !head.ends_with(']') || head.contains('#') {
        return None;
    }
    // No assignment outside the brackets: `p[k] = v { … }` is a partial object, which regorus handles.
    let inner = &head[bracket..];
    let mut depth = 0i32;
    let mut in_str = false;
    let mut prev = 0u8;
    for c in inner.bytes() {
        match c {
            b'"' if prev != b'\\' => in_str = !in_str,
            b'[' | b'{' | b'(' if !in_str => depth += 1,
            b']' | b'}' | b')' if !in_str => depth -= 1,
            b'=' if !in_str && depth == 0 => return None,
            _ => {}
        }
        prev = c;
    }
    Some(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_bodies_become_several_rules_on_the_same_lines() {
        let src = "package p\nviolation[{\"msg\": msg}] {\n  input.a\n  msg := \"a\"\n} {\n  input.b\n  msg := \"b\" # {\n} {\n  input.c\n  msg := \"c\"\n}\n";
        let out = rewrite_v0(src).unwrap();
        assert_eq!(out.lines().count(), src.lines().count());
        assert!(
            out.contains("} violation[{\"msg\": msg}] {\n  input.b"),
            "{out}"
        );
        assert!(
            out.contains("} violation[{\"msg\": msg}] {\n  input.c"),
            "{out}"
        );
        // Partial objects and plain multi-body rules are left alone.
        assert_eq!(
            rewrite_v0("package p\nq[k] = v { k := 1; v := 2 } { k := 3; v := 4 }\n"),
            None
        );
        assert_eq!(rewrite_v0("package p\nr { input.a } { input.b }\n"), None);
    }

    #[test]
    fn reference_arguments_of_a_negated_call_are_evaluated_first() {
        let src = "package p\nr {\n  not accept(rule, 1, params.ranges) # c\n  not f(x)\n  not g(\"a,b\", a.b) with input as {}\n}\n";
        let out = rewrite_v0(src).unwrap();
        assert!(
            out.contains(
                "  __bw_arg0 := params.ranges; not accept(rule, 1, __bw_arg0) # c\n  not f(x)\n"
            ),
            "{out}"
        );
        assert!(out.contains("not g(\"a,b\", a.b) with"), "{out}");
        assert_eq!(out.lines().count(), src.lines().count());
    }

    #[test]
    fn missing_sprintf_arguments_print_as_go_prints_them() {
        let src = "package p\nm := sprintf(\"%v <%v> 100%% %d: %v\", [a, b.c[0]])\nn := sprintf(\"%v\", [x])\no := sprintf(\"%s\", [])\n";
        let out = pad_sprintf_args(src).unwrap();
        assert!(
            out.contains("[a, b.c[0], \"%!d(MISSING)\", \"%!v(MISSING)\"])"),
            "{out}"
        );
        assert!(out.contains("sprintf(\"%v\", [x])"), "{out}");
        assert!(out.contains("sprintf(\"%s\", [\"%!s(MISSING)\"])"), "{out}");
        assert_eq!(pad_sprintf_args("package p\nm := sprintf(f, [a])\n"), None);
    }

    #[test]
    fn a_line_starting_with_a_paren_is_not_a_call() {
        let src = "package p\nf(h) {\n  input.parameters.spread # note\n  (h.max - h.min) >= input.parameters.spread\n}\n";
        let out = rewrite_v0(src).unwrap();
        assert!(
            out.contains("input.parameters.spread; # note\n  (h.max"),
            "{out}"
        );
        // Inside a call's arguments or after an operator, the newline does not end anything.
        assert_eq!(rewrite_v0("package p\nx := count([\n  (1)\n])\n"), None);
        assert_eq!(rewrite_v0("package p\nr { x := 1 +\n  (2)\n}\n"), None);
        assert_eq!(rewrite_v0("package p\nr { s := \"(\"\n  x := 1 }\n"), None);
    }
}
