//! A Dockerfile parser that follows the Dockerfile reference (docs.docker.com/reference/dockerfile):
//! parser directives (`# escape=`), line continuations, comments, heredocs, exec (JSON) and shell forms, flags,
//! `ARG`/`ENV` substitution with build-stage scoping, and multi-stage builds.
//!
//! Every instruction keeps the physical line of each piece of its text, so a check can point at the exact
//! continuation line that holds an offending token.

use std::collections::BTreeMap;

/// Expanded values longer than this are cut (and reported): `ENV A=$A$A` repeated would otherwise double each line.
const MAX_VALUE_BYTES: usize = 64 * 1024;
/// `${a:-${b:-${c…}}}` deeper than this is an error, so hostile input cannot exhaust the stack.
const MAX_NESTING: usize = 32;

/// Instructions the reference defines.
pub const KEYWORDS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// Instructions whose arguments the builder substitutes variables in ("Environment replacement").
const SUBSTITUTED: &[&str] = &[
    "ADD",
    "COPY",
    "ENV",
    "EXPOSE",
    "FROM",
    "LABEL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
    "ARG",
];

/// Instructions that accept the exec (JSON array) form.
const JSON_FORM: &[&str] = &["RUN", "CMD", "ENTRYPOINT", "SHELL", "ADD", "COPY", "VOLUME"];

/// Why a Dockerfile could not be parsed, with the 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct DockerfileError {
    pub line: u32,
    pub message: String,
}

impl DockerfileError {
    fn new(line: u32, message: impl Into<String>) -> Self {
        Self {
            line,
            message: message.into(),
        }
    }
}

/// Text assembled from several physical lines, with a map back to them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceText {
    pub text: String,
    /// `(offset in text, physical line, 0-based column of that offset)`, by offset.
    segments: Vec<(usize, u32, u32)>,
}

impl SourceText {
    fn push(&mut self, s: &str, line: u32, col: u32) {
        self.segments.push((self.text.len(), line, col));
        self.text.push_str(s);
    }

    /// The physical line and 1-based column of a byte offset in [`Self::text`].
    #[must_use]
    pub fn position(&self, offset: usize) -> (u32, u32) {
        let i = self.segments.partition_point(|s| s.0 <= offset);
        match self.segments.get(i.saturating_sub(1)) {
            Some(&(start, line, col)) => (line, col + (offset - start) as u32 + 1),
            None => (1, 1),
        }
    }

    /// The first physical line.
    #[must_use]
    pub fn first_line(&self) -> u32 {
        self.segments.first().map_or(1, |s| s.1)
    }
}

/// Exec (JSON array) or shell form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Form {
    Exec(Vec<String>),
    Shell,
}

/// A `--name=value` flag (`COPY --from=build`, `RUN --mount=…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub name: String,
    /// Substituted value, if the flag has one.
    pub value: Option<String>,
    pub offset: usize,
}

/// A shell-style word of the arguments: quotes removed and variables substituted where the builder does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub value: String,
    /// Offset of the word's first byte in [`Instruction::source`].
    pub offset: usize,
}

/// A `key=value` of `ENV`, `LABEL` or `ARG` (value `None`: `ARG name` without a default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub key: String,
    pub value: Option<String>,
    /// The value as written, before substitution.
    pub raw_value: Option<String>,
    pub offset: usize,
}

/// A here-document (`RUN <<EOF`, `COPY <<EOF /dest`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    pub name: String,
    /// `<<-`: leading tabs are stripped.
    pub strip_tabs: bool,
    /// `<<"EOF"` or `<<'EOF'`: no expansion in the body.
    pub quoted: bool,
    /// The body, one segment per physical line.
    pub body: SourceText,
}

/// One instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// Upper-case keyword (`RUN`).
    pub keyword: String,
    pub line: u32,
    /// Last physical line, heredoc bodies included.
    pub end_line: u32,
    /// The logical line, keyword included, continuations and comment lines removed.
    pub source: SourceText,
    pub flags: Vec<Flag>,
    /// Where the arguments start in `source.text` (after the keyword and flags).
    pub args_offset: usize,
    pub form: Form,
    /// Arguments as shell words (shell form), substituted for the instructions the builder substitutes.
    pub words: Vec<Word>,
    /// `ENV`, `LABEL`, `ARG` pairs.
    pub pairs: Vec<Pair>,
    pub heredocs: Vec<Heredoc>,
    /// Index into [`Dockerfile::stages`]; `None` for instructions before the first `FROM`.
    pub stage: Option<usize>,
    /// The instruction an `ONBUILD` wraps.
    pub onbuild: Option<Box<Instruction>>,
}

impl Instruction {
    /// The arguments as written (after keyword and flags).
    #[must_use]
    pub fn args(&self) -> &str {
        self.source.text.get(self.args_offset..).unwrap_or("")
    }

    /// The flag's value (`from` for `--from=x`).
    #[must_use]
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
            .and_then(|f| f.value.as_deref())
    }
}

/// A build stage: a `FROM` and the instructions up to the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// `AS name`, lower-cased as the builder compares them.
    pub name: Option<String>,
    /// The base after substitution.
    pub base: String,
    /// The base as written.
    pub base_raw: String,
    /// `--platform`, if given.
    pub platform: Option<String>,
    /// Index of the earlier stage this one builds on (`FROM build`).
    pub parent: Option<usize>,
    /// Index of the `FROM` instruction.
    pub from: usize,
    /// Instruction indices `from..end`.
    pub end: usize,
}

/// A parsed Dockerfile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dockerfile {
    /// The escape character (`\` unless `# escape=`).
    pub escape: char,
    /// Parser directives: `(name lower-cased, value, line)`.
    pub directives: Vec<(String, String, u32)>,
    pub instructions: Vec<Instruction>,
    pub stages: Vec<Stage>,
    /// Problems the parser recovered from (warnings).
    pub warnings: Vec<DockerfileError>,
}

impl Dockerfile {
    /// The last stage, which the builder outputs by default.
    #[must_use]
    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// Instructions of a stage (the `FROM` included).
    #[must_use]
    pub fn stage_instructions(&self, stage: &Stage) -> &[Instruction] {
        &self.instructions[stage.from..stage.end]
    }
}

/// Options for variable substitution.
#[derive(Debug, Clone, Default)]
pub struct ParseOptions {
    /// `--build-arg` values; they override `ARG` defaults.
    pub build_args: BTreeMap<String, String>,
}

/// Parses a Dockerfile. Fails on the first error; see [`parse_lenient`] to keep going.
pub fn parse_dockerfile(text: &str) -> Result<Dockerfile, DockerfileError> {
    let (df, mut errors) = parse_lenient(text, &ParseOptions::default());
    if errors.is_empty() {
        Ok(df)
    } else {
        Err(errors.swap_remove(0))
    }
}

/// Parses as much as it can: an unknown instruction is skipped, an unterminated heredoc ends the file. Returns
/// the errors beside the result (warnings stay in [`Dockerfile::warnings`]).
#[must_use]
pub fn parse_lenient(text: &str, opts: &ParseOptions) -> (Dockerfile, Vec<DockerfileError>) {
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let mut df = Dockerfile {
        escape: '\\',
        ..Dockerfile::default()
    };
    let mut errors = Vec::new();
    let mut i = 0;
    // Parser directives: only at the very top, before any comment, blank line or instruction.
    while i < lines.len() {
        let Some((k, v)) = directive(lines[i]) else {
            break;
        };
        if df.directives.iter().any(|d| d.0 == k) {
            break; // a repeated directive is a comment, which ends the directives
        }
        if k == "escape" {
            match v.as_str() {
                "\\" => df.escape = '\\',
                "`" => df.escape = '`',
                _ => errors.push(DockerfileError::new(
                    i as u32 + 1,
                    format!("invalid escape token '{v}' does not validate: must be ` or \\"),
                )),
            }
        }
        df.directives.push((k, v, i as u32 + 1));
        i += 1;
    }
    let esc = df.escape;
    let mut raw = Vec::new();
    while i < lines.len() {
        let t = lines[i].trim_start();
        if t.is_empty() || t.starts_with('#') {
            i += 1;
            continue;
        }
        let start = i;
        let mut src = SourceText::default();
        let mut first = true;
        loop {
            let l = lines[i];
            let line_no = i as u32 + 1;
            i += 1;
            if !first {
                let t = l.trim_start();
                if t.starts_with('#') {
                    if i >= lines.len() {
                        break;
                    }
                    continue; // comment lines inside a continued instruction are removed
                }
                if t.is_empty() {
                    df.warnings.push(DockerfileError::new(
                        line_no,
                        "empty continuation line (deprecated)",
                    ));
                    if i >= lines.len() {
                        break;
                    }
                    continue;
                }
            }
            let (piece, col) = if first {
                let trimmed = l.trim_start();
                (trimmed, (l.len() - trimmed.len()) as u32)
            } else {
                (l, 0)
            };
            first = false;
            let body = piece.trim_end_matches([' ', '\t']);
            if let Some(stripped) = body.strip_suffix(esc) {
                src.push(stripped, line_no, col);
                if i >= lines.len() {
                    df.warnings.push(DockerfileError::new(
                        line_no,
                        "line continuation at the end of the file",
                    ));
                    break;
                }
            } else {
                src.push(piece, line_no, col);
                break;
            }
        }
        // Heredocs start after the instruction's last line.
        let kw = keyword_of(&src.text);
        let hd_kw = if kw == "ONBUILD" {
            keyword_of(src.text[7.min(src.text.len())..].trim_start())
        } else {
            kw
        };
        let mut docs = Vec::new();
        if matches!(hd_kw.as_str(), "RUN" | "COPY" | "ADD") {
            let markers = heredoc_markers(&src.text);
            for (name, strip_tabs, quoted) in markers {
                let open = i;
                let mut body = SourceText::default();
                let mut done = false;
                while i < lines.len() {
                    let l = lines[i];
                    i += 1;
                    let cmp = if strip_tabs {
                        l.trim_start_matches('\t')
                    } else {
                        l
                    };
                    if cmp == name {
                        done = true;
                        break;
                    }
                    body.push(cmp, i as u32, (l.len() - cmp.len()) as u32);
                    body.text.push('\n');
                }
                if !done {
                    errors.push(DockerfileError::new(
                        open as u32,
                        format!("unterminated heredoc <<{name}: no line '{name}' before the end of the file"),
                    ));
                }
                docs.push(Heredoc {
                    name,
                    strip_tabs,
                    quoted,
                    body,
                });
            }
        }
        raw.push((start as u32 + 1, i as u32, src, docs));
    }
    let mut scope = Scope::new(opts);
    for (line, end_line, src, docs) in raw {
        match build_instruction(src, line, end_line, docs) {
            Ok(mut ins) => {
                scope.apply(&mut ins, &mut df, &mut errors);
                df.instructions.push(ins);
            }
            Err(e) => errors.push(e),
        }
    }
    if let Some(s) = df.stages.last_mut() {
        s.end = df.instructions.len();
    }
    if df.stages.is_empty() && !df.instructions.is_empty() {
        errors.push(DockerfileError::new(
            df.instructions[0].line,
            "no FROM instruction: a Dockerfile must begin with FROM (after parser directives, comments and global ARGs)",
        ));
    }
    df.warnings.append(&mut scope.warnings);
    (df, errors)
}

/// `# key=value` at the top of the file.
fn directive(line: &str) -> Option<(String, String)> {
    let rest = line.trim_start().strip_prefix('#')?;
    let (k, v) = rest.split_once('=')?;
    let k = k.trim();
    if k.is_empty()
        || !k
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return None;
    }
    Some((k.to_ascii_lowercase(), v.trim().to_string()))
}

fn keyword_of(text: &str) -> String {
    text.split(|c: char| c.is_whitespace())
        .next()
        .unwrap_or("")
        .to_ascii_uppercase()
}

/// Heredoc openers among the words of a line: `<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'` (not `<<<`).
fn heredoc_markers(text: &str) -> Vec<(String, bool, bool)> {
    let mut out = Vec::new();
    for w in text.split_whitespace() {
        let w = w.trim_start_matches(|c: char| c.is_ascii_digit());
        let Some(rest) = w.strip_prefix("<<") else {
            continue;
        };
        if rest.starts_with('<') {
            continue;
        }
        let (strip, rest) = match rest.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let (quoted, name) = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => (
                true,
                rest[1..].strip_suffix(q).unwrap_or(&rest[1..]).to_string(),
            ),
            _ => (false, rest.to_string()),
        };
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if valid {
            out.push((name, strip, quoted));
        }
    }
    out
}

fn build_instruction(
    source: SourceText,
    line: u32,
    end_line: u32,
    heredocs: Vec<Heredoc>,
) -> Result<Instruction, DockerfileError> {
    let text = &source.text;
    let kw_end = text.find(char::is_whitespace).unwrap_or(text.len());
    let keyword = text[..kw_end].to_ascii_uppercase();
    if !KEYWORDS.contains(&keyword.as_str()) {
        return Err(DockerfileError::new(
            line,
            format!("unknown instruction: {}", truncate(&text[..kw_end], 64)),
        ));
    }
    let mut pos = skip_ws(text, kw_end);
    let mut onbuild = None;
    if keyword == "ONBUILD" {
        let mut inner_src = SourceText::default();
        // Keep the positions of the wrapped instruction: reuse the outer segments shifted by `pos`.
        for &(off, l, c) in &source.segments {
            let end = source
                .segments
                .iter()
                .find(|s| s.0 > off)
                .map_or(text.len(), |s| s.0);
            if end <= pos {
                continue;
            }
            let from = off.max(pos);
            inner_src.push(&text[from..end], l, c + (from - off) as u32);
        }
        let inner_kw = keyword_of(&inner_src.text);
        if matches!(inner_kw.as_str(), "ONBUILD" | "FROM" | "MAINTAINER") {
            return Err(DockerfileError::new(
                line,
                format!("{inner_kw} isn't allowed as an ONBUILD trigger"),
            ));
        }
        if inner_src.text.trim().is_empty() {
            return Err(DockerfileError::new(
                line,
                "ONBUILD requires an instruction",
            ));
        }
        onbuild = Some(Box::new(build_instruction(
            inner_src,
            line,
            end_line,
            heredocs.clone(),
        )?));
        pos = text.len();
    }
    // Flags: `--name[=value]` words right after the keyword.
    let mut flags = Vec::new();
    if matches!(
        keyword.as_str(),
        "FROM" | "RUN" | "ADD" | "COPY" | "HEALTHCHECK"
    ) {
        while text[pos..].starts_with("--") {
            let end = text[pos..]
                .find(char::is_whitespace)
                .map_or(text.len(), |e| pos + e);
            let f = &text[pos + 2..end];
            let (name, value) = match f.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(unquote(v))),
                None => (f.to_string(), None),
            };
            flags.push(Flag {
                name,
                value,
                offset: pos,
            });
            pos = skip_ws(text, end);
        }
    }
    let args = &text[pos..];
    let form = if JSON_FORM.contains(&keyword.as_str()) && args.trim_start().starts_with('[') {
        match serde_json::from_str::<Vec<String>>(args.trim()) {
            Ok(v) => Form::Exec(v),
            Err(_) => Form::Shell, // not valid JSON: the builder runs it in shell form
        }
    } else {
        Form::Shell
    };
    let needs_args = !matches!(keyword.as_str(), "HEALTHCHECK" | "ONBUILD");
    if needs_args && args.trim().is_empty() {
        return Err(DockerfileError::new(
            line,
            format!("{keyword} requires at least one argument"),
        ));
    }
    Ok(Instruction {
        keyword,
        line,
        end_line: end_line.max(line),
        flags,
        args_offset: pos,
        form,
        words: Vec::new(),
        pairs: Vec::new(),
        heredocs,
        stage: None,
        onbuild,
        source,
    })
}

fn skip_ws(text: &str, mut pos: usize) -> usize {
    while let Some(c) = text[pos..].chars().next() {
        if !c.is_whitespace() {
            break;
        }
        pos += c.len_utf8();
    }
    pos
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    for q in ['"', '\''] {
        if let Some(s) = v.strip_prefix(q).and_then(|s| s.strip_suffix(q)) {
            return s.to_string();
        }
    }
    v.to_string()
}

pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// Variables visible at a point of the file, following the reference's scoping rules.
struct Scope<'a> {
    opts: &'a ParseOptions,
    /// `ARG`s before the first `FROM`: usable in `FROM` lines, and in a stage only after `ARG name` there.
    global: BTreeMap<String, Option<String>>,
    /// Per stage: ENV (inherited by `FROM <stage>`).
    stage_env: Vec<BTreeMap<String, String>>,
    env: BTreeMap<String, String>,
    args: BTreeMap<String, String>,
    in_stage: bool,
    warnings: Vec<DockerfileError>,
}

impl<'a> Scope<'a> {
    fn new(opts: &'a ParseOptions) -> Self {
        Self {
            opts,
            global: BTreeMap::new(),
            stage_env: Vec::new(),
            env: BTreeMap::new(),
            args: BTreeMap::new(),
            in_stage: false,
            warnings: Vec::new(),
        }
    }

    fn lookup(&self, name: &str) -> Option<String> {
        if !self.in_stage {
            return self.global.get(name).cloned().flatten();
        }
        // ENV always overrides ARG of the same name.
        self.env.get(name).or_else(|| self.args.get(name)).cloned()
    }

    fn expand(&mut self, s: &str, esc: char, line: u32, split: bool) -> Vec<(String, usize)> {
        let lookup = |n: &str| self.lookup(n);
        let (words, err) = lex(s, esc, Some(&lookup), split);
        if let Some(e) = err {
            self.warnings.push(DockerfileError::new(line, e));
        }
        words
    }

    fn apply(
        &mut self,
        ins: &mut Instruction,
        df: &mut Dockerfile,
        errors: &mut Vec<DockerfileError>,
    ) {
        let esc = df.escape;
        let args_off = ins.args_offset;
        let args = ins.args().to_string();
        let line = ins.line;
        for f in &mut ins.flags {
            if let Some(v) = &f.value {
                let w = self.expand(v, esc, line, false);
                f.value = Some(w.into_iter().next().map(|w| w.0).unwrap_or_default());
            }
        }
        let kw = ins.keyword.clone();
        if kw != "FROM" && !self.in_stage && kw != "ARG" {
            errors.push(DockerfileError::new(
                line,
                format!("{kw} before the first FROM (only ARG may come before FROM)"),
            ));
        }
        let substituted = SUBSTITUTED.contains(&kw.as_str());
        match kw.as_str() {
            "ENV" | "LABEL" | "ARG" => {
                ins.pairs = self.pairs(&kw, &args, args_off, esc, line, errors);
            }
            _ if matches!(ins.form, Form::Shell) => {
                let words = if substituted {
                    self.expand(&args, esc, line, true)
                } else {
                    lex(&args, esc, None, true).0
                };
                ins.words = words
                    .into_iter()
                    .map(|(value, o)| Word {
                        value,
                        offset: args_off + o,
                    })
                    .collect();
            }
            _ => {}
        }
        if kw == "FROM" {
            self.from(ins, df, errors);
        }
        if self.in_stage {
            ins.stage = Some(df.stages.len() - 1);
        }
    }

    fn pairs(
        &mut self,
        kw: &str,
        args: &str,
        args_off: usize,
        esc: char,
        line: u32,
        errors: &mut Vec<DockerfileError>,
    ) -> Vec<Pair> {
        let mut out = Vec::new();
        let raw_words = lex(args, esc, None, true).0;
        let legacy = kw != "ARG"
            && raw_words.first().is_some_and(|w| {
                !args[w.1..]
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .contains('=')
            });
        if legacy {
            // `ENV key value with spaces`: one pair, the value is the rest of the line.
            let key_end = args.find(char::is_whitespace).unwrap_or(args.len());
            let key = args[..key_end].to_string();
            let rest = args[key_end..].trim_start();
            if rest.is_empty() {
                errors.push(DockerfileError::new(
                    line,
                    format!("{kw} names must be followed by a value"),
                ));
                return out;
            }
            let value = self
                .expand(rest, esc, line, false)
                .into_iter()
                .next()
                .map(|w| w.0)
                .unwrap_or_default();
            self.define(kw, &key, Some(value.clone()));
            out.push(Pair {
                key,
                value: Some(value),
                raw_value: Some(rest.to_string()),
                offset: args_off,
            });
            return out;
        }
        // Each pair is one shell word: `key=value`, `key="a b"`. Values see variables defined earlier on the
        // same line only after the instruction (the builder substitutes the whole line first).
        let words = {
            let lookup = |n: &str| self.lookup(n);
            let (w, e) = lex_pairs(args, esc, &lookup);
            if let Some(e) = e {
                self.warnings.push(DockerfileError::new(line, e));
            }
            w
        };
        for (key, raw_value, value, off) in words {
            if key.is_empty() {
                errors.push(DockerfileError::new(line, format!("{kw}: empty name")));
                continue;
            }
            let value = if kw == "ARG" {
                match (self.opts.build_args.get(&key), value) {
                    (Some(b), _) => Some(b.clone()),
                    (None, v) => v,
                }
            } else if value.is_none() {
                errors.push(DockerfileError::new(
                    line,
                    format!("{kw} {key}: missing '=' and value"),
                ));
                continue;
            } else {
                value
            };
            out.push(Pair {
                key,
                value,
                raw_value,
                offset: args_off + off,
            });
        }
        for p in &out {
            self.define(kw, &p.key, p.value.clone());
        }
        out
    }

    fn define(&mut self, kw: &str, key: &str, value: Option<String>) {
        match kw {
            "ENV" => {
                let v = value.unwrap_or_default();
                self.env.insert(key.to_string(), v.clone());
                if let Some(e) = self.stage_env.last_mut() {
                    e.insert(key.to_string(), v);
                }
            }
            "ARG" if !self.in_stage => {
                self.global.insert(key.to_string(), value);
            }
            "ARG" => {
                // `ARG name` inside a stage takes the global default (or the build arg).
                let v = value.or_else(|| self.global.get(key).cloned().flatten());
                if let Some(v) = v {
                    self.args.insert(key.to_string(), v);
                }
            }
            _ => {}
        }
    }

    fn from(
        &mut self,
        ins: &mut Instruction,
        df: &mut Dockerfile,
        errors: &mut Vec<DockerfileError>,
    ) {
        let words: Vec<&Word> = ins.words.iter().collect();
        let base = words.first().map(|w| w.value.clone()).unwrap_or_default();
        let raw_words = lex(ins.args(), df.escape, None, true).0;
        let base_raw = raw_words.first().map(|w| w.0.clone()).unwrap_or_default();
        let name = match words.as_slice() {
            [_] => None,
            [_, a, n] if a.value.eq_ignore_ascii_case("as") => Some(n.value.to_ascii_lowercase()),
            _ => {
                errors.push(DockerfileError::new(
                    ins.line,
                    "FROM takes an image, optionally followed by 'AS name'",
                ));
                None
            }
        };
        if base.is_empty() {
            errors.push(DockerfileError::new(
                ins.line,
                format!("FROM image '{base_raw}' is empty after substitution"),
            ));
        }
        let lower = base.to_ascii_lowercase();
        let parent = df
            .stages
            .iter()
            .position(|s| s.name.as_deref() == Some(lower.as_str()));
        if let Some(s) = df.stages.last_mut() {
            s.end = df.instructions.len();
        }
        let platform = ins.flag("platform").map(str::to_string);
        df.stages.push(Stage {
            name,
            base,
            base_raw,
            platform,
            parent,
            from: df.instructions.len(),
            end: df.instructions.len() + 1,
        });
        // A new stage: ARGs are gone, ENV comes from the parent stage only.
        self.in_stage = true;
        self.args.clear();
        self.env = parent
            .and_then(|p| self.stage_env.get(p).cloned())
            .unwrap_or_default();
        self.stage_env.push(self.env.clone());
    }
}

/// `(key, raw value, substituted value, offset)` of each pair.
type PairWords = Vec<(String, Option<String>, Option<String>, usize)>;

type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Splits `ENV`/`LABEL`/`ARG` arguments into `(key, raw value, substituted value, offset)`.
fn lex_pairs(s: &str, esc: char, lookup: Lookup<'_>) -> (PairWords, Option<String>) {
    let raw = lex(s, esc, None, true).0;
    let mut out = Vec::new();
    let mut err = None;
    // Re-lex each raw word's source span with substitution so quotes and variables in the value work.
    for (i, (_, off)) in raw.iter().enumerate() {
        let end = raw.get(i + 1).map_or(s.len(), |w| w.1);
        let span = s[*off..end].trim_end();
        let (key_part, value_part) = match span.find('=') {
            Some(eq) => (&span[..eq], Some(&span[eq + 1..])),
            None => (span, None),
        };
        let key = lex(key_part, esc, None, false)
            .0
            .into_iter()
            .next()
            .map(|w| w.0)
            .unwrap_or_default();
        let value = value_part.map(|v| {
            let (w, e) = lex(v, esc, Some(lookup), false);
            if e.is_some() {
                err = e;
            }
            w.into_iter().next().map(|w| w.0).unwrap_or_default()
        });
        let raw_value = value_part.map(str::to_string);
        out.push((key, raw_value, value, *off));
    }
    (out, err)
}

/// Shell-style lexing as the builder does it: quotes, the escape character and `$VAR`/`${VAR…}` substitution
/// (when `lookup` is given). With `split`, whitespace outside quotes separates words; otherwise the whole input
/// is one word. Returns the words with their start offsets, and the first problem met.
pub(crate) fn lex(
    s: &str,
    esc: char,
    lookup: Option<Lookup<'_>>,
    split: bool,
) -> (Vec<(String, usize)>, Option<String>) {
    let mut lx = Lexer {
        chars: s.char_indices().collect(),
        i: 0,
        esc,
        lookup,
        err: None,
    };
    let mut words = Vec::new();
    loop {
        if split {
            while lx.peek().is_some_and(char::is_whitespace) {
                lx.i += 1;
            }
        }
        let Some(start) = lx.chars.get(lx.i).map(|c| c.0) else {
            break;
        };
        let w = lx.word(split, None, 0);
        words.push((w, start));
        if !split {
            break;
        }
    }
    (words, lx.err)
}

struct Lexer<'a> {
    chars: Vec<(usize, char)>,
    i: usize,
    esc: char,
    lookup: Option<Lookup<'a>>,
    err: Option<String>,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).map(|c| c.1)
    }

    fn fail(&mut self, m: impl Into<String>) {
        if self.err.is_none() {
            self.err = Some(m.into());
        }
    }

    fn push_bounded(&mut self, out: &mut String, s: &str) {
        if out.len() + s.len() > MAX_VALUE_BYTES {
            self.fail(format!(
                "value longer than {MAX_VALUE_BYTES} bytes after substitution; cut"
            ));
            let mut end = MAX_VALUE_BYTES.saturating_sub(out.len()).min(s.len());
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            out.push_str(&s[..end]);
        } else {
            out.push_str(s);
        }
    }

    /// One word, up to whitespace (when `split`) or `stop` (inside `${…}`).
    fn word(&mut self, split: bool, stop: Option<char>, depth: usize) -> String {
        let mut out = String::new();
        while let Some(c) = self.peek() {
            if split && c.is_whitespace() {
                break;
            }
            if Some(c) == stop {
                break;
            }
            self.i += 1;
            if c == self.esc {
                match self.peek() {
                    Some(n) => {
                        self.i += 1;
                        out.push(n);
                    }
                    None => out.push(c),
                }
            } else if c == '\'' {
                while let Some(n) = self.peek() {
                    self.i += 1;
                    if n == '\'' {
                        break;
                    }
                    out.push(n);
                }
            } else if c == '"' {
                while let Some(n) = self.peek() {
                    self.i += 1;
                    if n == '"' {
                        break;
                    } else if n == self.esc {
                        match self.peek() {
                            Some(m @ ('"' | '$')) => {
                                self.i += 1;
                                out.push(m);
                            }
                            Some(m) if m == self.esc => {
                                self.i += 1;
                                out.push(m);
                            }
                            _ => out.push(n),
                        }
                    } else if n == '$' && self.lookup.is_some() {
                        let v = self.var(depth);
                        self.push_bounded(&mut out, &v);
                    } else {
                        out.push(n);
                    }
                }
            } else if c == '$' && self.lookup.is_some() {
                let v = self.var(depth);
                self.push_bounded(&mut out, &v);
            } else {
                out.push(c);
            }
            if out.len() > MAX_VALUE_BYTES {
                break;
            }
        }
        out
    }

    /// After a `$`: `name`, `{name}`, `{name:-word}`, `{name:+word}`, `{name-word}`, `{name+word}`,
    /// `{name:?msg}`, `{name#pat}`, `{name##pat}`, `{name%pat}`, `{name%%pat}`.
    fn var(&mut self, depth: usize) -> String {
        let lookup = self.lookup.expect("only called with a lookup");
        match self.peek() {
            Some('{') => {
                self.i += 1;
                if depth >= MAX_NESTING {
                    self.fail("variable substitution nested too deeply");
                    // Skip to the matching brace without recursing.
                    let mut d = 1;
                    while let Some(c) = self.peek() {
                        self.i += 1;
                        if c == '{' {
                            d += 1;
                        } else if c == '}' {
                            d -= 1;
                            if d == 0 {
                                break;
                            }
                        }
                    }
                    return String::new();
                }
                let mut name = String::new();
                while let Some(c) = self.peek() {
                    if c.is_ascii_alphanumeric() || c == '_' {
                        name.push(c);
                        self.i += 1;
                    } else {
                        break;
                    }
                }
                let value = lookup(&name);
                let op = match self.peek() {
                    Some('}') => {
                        self.i += 1;
                        return value.unwrap_or_default();
                    }
                    Some(':') => {
                        self.i += 1;
                        if let Some(c @ ('-' | '+' | '?')) = self.peek() {
                            self.i += 1;
                            format!(":{c}")
                        } else {
                            self.fail(format!("unsupported modifier in ${{{name}:…}}"));
                            ":".to_string()
                        }
                    }
                    Some(c @ ('-' | '+' | '?')) => {
                        self.i += 1;
                        c.to_string()
                    }
                    Some(c @ ('#' | '%')) => {
                        self.i += 1;
                        if self.peek() == Some(c) {
                            self.i += 1;
                            format!("{c}{c}")
                        } else {
                            c.to_string()
                        }
                    }
                    _ => {
                        self.fail(format!("bad substitution in ${{{name}…}}"));
                        String::new()
                    }
                };
                let word = self.word(false, Some('}'), depth + 1);
                if self.peek() == Some('}') {
                    self.i += 1;
                } else {
                    self.fail(format!("missing '}}' in ${{{name}…"));
                }
                let set_nonempty = value.as_deref().is_some_and(|v| !v.is_empty());
                match op.as_str() {
                    ":-" => {
                        if set_nonempty {
                            value.unwrap_or_default()
                        } else {
                            word
                        }
                    }
                    "-" => value.unwrap_or(word),
                    ":+" => {
                        if set_nonempty {
                            word
                        } else {
                            String::new()
                        }
                    }
                    "+" => {
                        if value.is_some() {
                            word
                        } else {
                            String::new()
                        }
                    }
                    ":?" | "?" => {
                        let ok = if op == ":?" {
                            set_nonempty
                        } else {
                            value.is_some()
                        };
                        if !ok {
                            self.fail(format!("{name}: {word}"));
                        }
                        value.unwrap_or_default()
                    }
                    "#" | "##" => {
                        let v = value.unwrap_or_default();
                        strip_pattern(&v, &word, true, op.len() == 2)
                    }
                    "%" | "%%" => {
                        let v = value.unwrap_or_default();
                        strip_pattern(&v, &word, false, op.len() == 2)
                    }
                    _ => value.unwrap_or_default(),
                }
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let mut name = String::new();
                while let Some(c) = self.peek() {
                    if c.is_ascii_alphanumeric() || c == '_' {
                        name.push(c);
                        self.i += 1;
                    } else {
                        break;
                    }
                }
                lookup(&name).unwrap_or_default()
            }
            _ => "$".to_string(),
        }
    }
}

/// `${v#pat}` and friends, with `*` and `?` globs: removes the shortest (or longest) matching prefix or suffix.
fn strip_pattern(v: &str, pat: &str, prefix: bool, longest: bool) -> String {
    let idx: Vec<usize> = v
        .char_indices()
        .map(|c| c.0)
        .chain(std::iter::once(v.len()))
        .collect();
    let order: Vec<usize> = if longest {
        idx.iter().rev().copied().collect()
    } else {
        idx.clone()
    };
    for cut in order {
        let (m, rest) = if prefix {
            (&v[..cut], &v[cut..])
        } else {
            let c = v.len() - cut;
            if !v.is_char_boundary(c) {
                continue;
            }
            (&v[c..], &v[..c])
        };
        if glob(pat.as_bytes(), m.as_bytes()) {
            return rest.to_string();
        }
    }
    v.to_string()
}

/// Iterative glob match (`*`, `?`), linear in practice.
fn glob(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si, mut star, mut mark) = (0, 0, None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        move |n: &str| m.get(n).cloned()
    }

    #[test]
    fn substitution_modifiers() {
        let l = vars(&[("a", "x"), ("e", ""), ("p", "/usr/local/bin")]);
        let one = |s: &str| lex(s, '\\', Some(&l), false).0[0].0.clone();
        assert_eq!(one("${a:-d}"), "x");
        assert_eq!(one("${u:-d}"), "d");
        assert_eq!(one("${e:-d}"), "d");
        assert_eq!(one("${e-d}"), "");
        assert_eq!(one("${a:+y}"), "y");
        assert_eq!(one("${u:+y}"), "");
        assert_eq!(one("$a/${a}"), "x/x");
        assert_eq!(one("\\$a"), "$a");
        assert_eq!(one("'$a'"), "$a");
        assert_eq!(one("\"$a b\""), "x b");
        assert_eq!(one("${p#*/}"), "usr/local/bin");
        assert_eq!(one("${p##*/}"), "bin");
        assert_eq!(one("${p%/*}"), "/usr/local");
        assert_eq!(one("${p%%/l*}"), "/usr");
        assert_eq!(one("${u:-${a:-z}}"), "x");
    }

    #[test]
    fn positions_follow_continuations() {
        let df =
            parse_dockerfile("FROM a\nRUN apt-get update && \\\n    apt-get install -y curl\n")
                .unwrap();
        let run = &df.instructions[1];
        let off = run.source.text.find("curl").unwrap();
        assert_eq!(run.source.position(off), (3, 24));
    }
}
