//! Just enough shell to check `RUN` commands: split a script into simple commands (`&&`, `||`, `;`, `|`,
//! newlines), words with quotes removed and their offsets, and which command reads from a pipe.

use crate::dockerfile::{Form, Instruction, SourceText};

/// A shell script found in a `RUN`: its text and where its offsets point.
pub(crate) struct Script<'a> {
    pub text: std::borrow::Cow<'a, str>,
    pub src: &'a SourceText,
    /// Offset of `text` in `src.text`; `None` when the text was rebuilt (exec form) and offsets are not exact.
    pub base: Option<usize>,
}

/// One simple command.
#[derive(Debug, Default)]
pub(crate) struct Cmd {
    /// Words with their offsets in the script text.
    pub words: Vec<(String, usize)>,
    /// Preceded by `|`: reads the previous command's output.
    pub after_pipe: bool,
}

const SHELLS: &[&str] = &["sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox"];

pub(crate) fn is_shell(word: &str) -> bool {
    SHELLS.contains(&basename(word))
}

pub(crate) fn basename(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// The scripts a `RUN` executes: its command line and the heredoc bodies a shell reads.
pub(crate) fn run_scripts(ins: &Instruction) -> Vec<Script<'_>> {
    let mut out = Vec::new();
    match &ins.form {
        Form::Exec(v) => {
            // ["sh", "-c", "script"] runs the script; other exec forms are one command.
            let text = if v.len() >= 3 && is_shell(&v[0]) && v[1] == "-c" {
                v[2].clone()
            } else {
                v.iter()
                    .map(|a| format!("'{a}'"))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            out.push(Script {
                text: text.into(),
                src: &ins.source,
                base: None,
            });
        }
        Form::Shell => {
            out.push(Script {
                text: ins.args().into(),
                src: &ins.source,
                base: Some(ins.args_offset),
            });
            // `RUN <<EOF` (the body is the script) or `RUN bash <<EOF` / `RUN <<EOF sh`.
            let non_marker: Vec<&str> = ins
                .words
                .iter()
                .map(|w| w.value.as_str())
                .filter(|w| {
                    !w.trim_start_matches(|c: char| c.is_ascii_digit())
                        .starts_with("<<")
                })
                .collect();
            let shell_body =
                non_marker.is_empty() || non_marker.first().is_some_and(|w| is_shell(w));
            if shell_body {
                for h in &ins.heredocs {
                    out.push(Script {
                        text: h.body.text.as_str().into(),
                        src: &h.body,
                        base: Some(0),
                    });
                }
            }
        }
    }
    out
}

/// Splits a script into simple commands. Text inside `$(…)`, `<(…)` and backticks stays in its word.
#[allow(clippy::many_single_char_names)] // a byte scanner: s, b, i, c read best short
pub(crate) fn commands(s: &str) -> Vec<Cmd> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut cmd = Cmd::default();
    let mut word = String::new();
    let mut start = None::<usize>;
    let mut i = 0;
    let flush_word = |word: &mut String, start: &mut Option<usize>, cmd: &mut Cmd| {
        if let Some(st) = start.take() {
            cmd.words.push((std::mem::take(word), st));
        }
    };
    while i < b.len() {
        let c = b[i];
        match c {
            b'\'' | b'"' => {
                start.get_or_insert(i);
                let q = c;
                i += 1;
                while i < b.len() && b[i] != q {
                    if q == b'"' && b[i] == b'\\' && i + 1 < b.len() {
                        i += 1;
                    }
                    push_byte(&mut word, s, i);
                    i += 1;
                }
                i += 1;
                continue;
            }
            b'\\' if i + 1 < b.len() => {
                start.get_or_insert(i);
                if b[i + 1] != b'\n' {
                    push_byte(&mut word, s, i + 1);
                }
                i += 2;
                continue;
            }
            b'#' if start.is_none() => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'$' | b'<' if b.get(i + 1) == Some(&b'(') => {
                // Command or process substitution: keep it in the word, up to the matching parenthesis.
                start.get_or_insert(i);
                let mut depth = 0usize;
                while i < b.len() {
                    if b[i] == b'(' {
                        depth += 1;
                    } else if b[i] == b')' {
                        depth -= 1;
                        if depth == 0 {
                            push_byte(&mut word, s, i);
                            i += 1;
                            break;
                        }
                    }
                    push_byte(&mut word, s, i);
                    i += 1;
                }
                continue;
            }
            b'`' => {
                start.get_or_insert(i);
                push_byte(&mut word, s, i);
                i += 1;
                while i < b.len() && b[i] != b'`' {
                    push_byte(&mut word, s, i);
                    i += 1;
                }
                if i < b.len() {
                    push_byte(&mut word, s, i);
                }
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                flush_word(&mut word, &mut start, &mut cmd);
            }
            b';' | b'&' | b'|' | b'\n' | b'(' | b')' => {
                flush_word(&mut word, &mut start, &mut cmd);
                let pipe = c == b'|' && b.get(i + 1) != Some(&b'|');
                let double = (c == b'|' || c == b'&') && b.get(i + 1) == Some(&c);
                if !cmd.words.is_empty() {
                    out.push(std::mem::take(&mut cmd));
                }
                cmd.after_pipe = pipe;
                if double {
                    i += 1;
                }
            }
            _ => {
                start.get_or_insert(i);
                push_byte(&mut word, s, i);
            }
        }
        i += 1;
    }
    flush_word(&mut word, &mut start, &mut cmd);
    if !cmd.words.is_empty() {
        out.push(cmd);
    }
    out
}

fn push_byte(word: &mut String, s: &str, i: usize) {
    // Push whole characters only: a multi-byte character is pushed at its first byte.
    if s.is_char_boundary(i)
        && let Some(ch) = s[i..].chars().next()
    {
        word.push(ch);
    }
}

/// Shell keywords and wrappers that precede the real command word.
const PREFIXES: &[&str] = &[
    "if", "then", "else", "elif", "do", "while", "until", "!", "{", "}", "time", "exec", "command",
    "nohup", "env", "xargs",
];

/// The command proper: leading assignments (`DEBIAN_FRONTEND=noninteractive`), shell keywords and `sudo`
/// (with its options) skipped. Returns the offset of `sudo` if present, and the remaining words.
pub(crate) fn effective(cmd: &Cmd) -> (Option<usize>, &[(String, usize)]) {
    let mut w = cmd.words.as_slice();
    let mut sudo = None;
    while let Some((first, off)) = w.first() {
        if is_assignment(first) || PREFIXES.contains(&first.as_str()) {
            w = &w[1..];
        } else if basename(first) == "sudo" {
            sudo = Some(*off);
            w = &w[1..];
            while let Some((f, _)) = w.first() {
                if f == "-u" || f == "-g" || f == "-C" {
                    w = w.get(2..).unwrap_or(&[]);
                } else if f.starts_with('-') {
                    w = &w[1..];
                } else {
                    break;
                }
            }
        } else {
            break;
        }
    }
    (sudo, w)
}

fn is_assignment(w: &str) -> bool {
    match w.split_once('=') {
        Some((k, _)) => {
            !k.is_empty()
                && k.chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        None => false,
    }
}

/// Every command of every script of a `RUN`, with the script it came from.
pub(crate) fn run_commands(ins: &Instruction) -> Vec<(Script<'_>, Vec<Cmd>)> {
    run_scripts(ins)
        .into_iter()
        .map(|s| {
            let c = commands(&s.text);
            (s, c)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_pipes() {
        let c =
            commands("curl -fsSL https://x/y.sh | sudo bash -s && echo 'a b' ; $(wget -O- q | sh)");
        let w: Vec<Vec<&str>> = c
            .iter()
            .map(|c| c.words.iter().map(|w| w.0.as_str()).collect())
            .collect();
        assert_eq!(
            w,
            vec![
                vec!["curl", "-fsSL", "https://x/y.sh"],
                vec!["sudo", "bash", "-s"],
                vec!["echo", "a b"],
                vec!["$(wget -O- q | sh)"]
            ]
        );
        assert!(c[1].after_pipe && !c[2].after_pipe);
        assert_eq!(effective(&c[1]).1[0].0, "bash");
    }
}
