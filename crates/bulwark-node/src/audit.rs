//! Running a check's audit: natively for the forms kube-bench's files use most (`stat -c …` on a file, `ps -ef |
//! grep <bin>` for process flags from `/proc/*/cmdline`, `cat <config>`, `find … -exec stat`), all under a host
//! root that symlinks never leave; any other command only through `/bin/sh` with `--allow-shell`, a time limit
//! and bounded output.
//!
//! The caller substitutes `$vars` first. [`recognise`] parses a command into a [`Script`] (or `None`: not a native
//! form); [`RootAuditor`] runs it. Paths resolve under the root component by component: an absolute symlink
//! target restarts at the root, `..` stops at the root, so nothing outside it is read. (Resolution is by path,
//! not by descriptor: a host changing under the run can race it; the tool is read-only either way.)

use std::collections::{HashMap, VecDeque};
use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

use crate::procfs::Process;

/// What an audit produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditOutput {
    pub stdout: String,
    /// The audit could not run (file unreadable, command refused): the check's result follows kube-bench's rule for
    /// a failed audit (FAIL if scored, else WARN) and the report says why.
    pub error: Option<String>,
    /// Ran through the shell (`--allow-shell`), for the report's list.
    pub used_shell: bool,
}

/// Runs audit commands.
pub trait Auditor {
    fn run(&self, command: &str) -> AuditOutput;
}

/// Runs audits against a host mounted at `root` (`/` for the running host).
#[derive(Debug, Clone)]
pub struct RootAuditor {
    pub root: PathBuf,
    /// Run commands that are not a native form through `/bin/sh -c` (on the real host, not under `root`).
    pub allow_shell: bool,
    /// Time limit of a shell command.
    pub timeout: Duration,
    /// Bytes of output kept; the rest is dropped.
    pub max_output: usize,
}

impl RootAuditor {
    #[must_use]
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            allow_shell: false,
            timeout: Duration::from_secs(10),
            max_output: 1 << 20,
        }
    }
}

impl Auditor for RootAuditor {
    fn run(&self, command: &str) -> AuditOutput {
        if let Some(script) = recognise(command) {
            let mut out = Out::new(self.max_output);
            let ctx = Ctx {
                root: &self.root,
                names: std::cell::OnceCell::new(),
            };
            let error = ctx.script(&script, &mut out).err();
            return AuditOutput {
                stdout: out.text,
                error,
                used_shell: false,
            };
        }
        if self.allow_shell {
            let mut o = run_shell(command, self.timeout, self.max_output);
            o.used_shell = true;
            return o;
        }
        AuditOutput {
            error: Some(format!(
                "audit is not a form run natively and needs --allow-shell: {}",
                command.trim()
            )),
            ..AuditOutput::default()
        }
    }
}

/// A native audit: one pipeline, or `if test -e P; then …; [else …;] fi`, or a `for` loop over literal words
/// whose body is one of those (unrolled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Script {
    Seq(Vec<Script>),
    Run(Pipeline),
    IfExists {
        path: String,
        then: Pipeline,
        otherwise: Option<Pipeline>,
    },
}

/// The pipelines run natively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pipeline {
    /// `ps -ef | grep BIN | grep -v grep`: process lines whose command line contains `BIN`.
    PsGrep(String),
    /// `ps -fC BIN`: the header and the processes whose command name is `BIN`.
    PsByName(String),
    /// `stat -c FORMAT PATH…`
    Stat { format: String, paths: Vec<String> },
    /// `find DIR [-name GLOB] [-type f|d] [-mindepth N] [-maxdepth N]`, piped into `xargs stat -c FORMAT` when
    /// `stat` is set.
    Find {
        dir: String,
        name: Option<String>,
        kind: Option<char>,
        mindepth: usize,
        maxdepth: usize,
        stat: Option<String>,
    },
    /// `cat FILE…`
    Cat(Vec<String>),
    /// `ls [-1] DIR`: the names in a directory, sorted, one a line.
    Ls(String),
    /// `echo WORDS…`
    Echo(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Word(String),
    Pipe,
    Semi,
}

/// Splits shell words: quotes and backslashes, `|` and `;`. `None` on anything a native form never uses
/// (expansions, redirections, subshells, `&&`, unterminated quotes).
fn tokenize(s: &str) -> Option<Vec<Tok>> {
    let mut toks = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if in_word {
                    toks.push(Tok::Word(std::mem::take(&mut cur)));
                    in_word = false;
                }
            }
            '|' | ';' => {
                if in_word {
                    toks.push(Tok::Word(std::mem::take(&mut cur)));
                    in_word = false;
                }
                toks.push(if c == '|' { Tok::Pipe } else { Tok::Semi });
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        x => cur.push(x),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => {
                            let x = chars.next()?;
                            if !matches!(x, '"' | '\\' | '$' | '`') {
                                cur.push('\\');
                            }
                            cur.push(x);
                        }
                        '$' | '`' => return None,
                        x => cur.push(x),
                    }
                }
            }
            '\\' => {
                in_word = true;
                cur.push(chars.next()?);
            }
            // A comment or a tilde starting a word.
            '#' | '~' if !in_word => return None,
            '$' | '`' | '(' | ')' | '&' | '<' | '>' => return None,
            x => {
                in_word = true;
                cur.push(x);
            }
        }
    }
    if in_word {
        toks.push(Tok::Word(cur));
    }
    Some(toks)
}

/// Parses a command into a native form, or `None`.
#[must_use]
pub fn recognise(command: &str) -> Option<Script> {
    recognise_in(command, true)
}

/// `allow_for` is false inside a loop's body: loops do not nest (a nested unrolling would multiply the work).
fn recognise_in(command: &str, allow_for: bool) -> Option<Script> {
    if allow_for && let Some(s) = recognise_for(command.trim()) {
        return Some(s);
    }
    let toks = tokenize(command.trim())?;
    // `/bin/sh -c 'SCRIPT'` and `sh -c "SCRIPT"`.
    if let [Tok::Word(sh), Tok::Word(c), Tok::Word(inner)] = toks.as_slice()
        && matches!(sh.as_str(), "sh" | "/bin/sh" | "bash" | "/bin/bash")
        && c == "-c"
    {
        return recognise_in(inner, allow_for);
    }
    let mut toks = toks;
    while toks.last() == Some(&Tok::Semi) {
        toks.pop();
    }
    if toks.first() == Some(&Tok::Word("if".into())) {
        return recognise_if(&toks);
    }
    if toks.contains(&Tok::Semi) {
        return None;
    }
    pipeline(&toks).map(Script::Run)
}

/// `for V in W1 W2…; do BODY; done` with literal words: BODY with `$V` / `${V}` replaced by each word, each
/// recognised on its own (kube-bench's `for adminconf in /etc/kubernetes/admin.conf …` audits).
fn recognise_for(command: &str) -> Option<Script> {
    let rest = command.strip_prefix("for ")?;
    let (var, rest) = rest.split_once(" in ")?;
    let var = var.trim();
    if var.is_empty() || !var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let (list, rest) = rest.split_once(';')?;
    let body = rest.trim_start().strip_prefix("do ")?;
    let body = body
        .trim_end()
        .trim_end_matches(';')
        .trim_end()
        .strip_suffix("done")?;
    let body = body.trim_end().strip_suffix(';')?;
    let words: Vec<&str> = list.split_whitespace().collect();
    if words.is_empty() || words.len() > 64 {
        return None;
    }
    let mut seq = Vec::new();
    for w in words {
        if !w
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c))
        {
            return None;
        }
        let b = body
            .replace(&format!("${{{var}}}"), w)
            .replace(&format!("${var}"), w);
        seq.push(recognise_in(&b, false)?);
    }
    Some(Script::Seq(seq))
}

fn recognise_if(toks: &[Tok]) -> Option<Script> {
    let w = |i: usize| match toks.get(i) {
        Some(Tok::Word(s)) => Some(s.as_str()),
        _ => None,
    };
    if w(1)? != "test" || w(2)? != "-e" || toks.get(4)? != &Tok::Semi || w(5)? != "then" {
        return None;
    }
    let path = w(3)?.to_string();
    if toks.last()? != &Tok::Word("fi".into()) {
        return None;
    }
    let body = &toks[6..toks.len() - 1];
    let parts: Vec<&[Tok]> = body.split(|t| *t == Tok::Semi).collect();
    let (then, otherwise) = match parts.as_slice() {
        [then, []] => (pipeline(then)?, None),
        [then, rest @ .., []] => {
            // `else` starts the next part: `else echo …`.
            let [els] = rest else { return None };
            let (first, tail) = els.split_first()?;
            if first != &Tok::Word("else".into()) {
                return None;
            }
            (pipeline(then)?, Some(pipeline(tail)?))
        }
        _ => return None,
    };
    Some(Script::IfExists {
        path,
        then,
        otherwise,
    })
}

fn words(toks: &[Tok]) -> Option<Vec<&str>> {
    toks.iter()
        .map(|t| match t {
            Tok::Word(s) => Some(s.as_str()),
            _ => None,
        })
        .collect()
}

fn is_cmd(word: &str, name: &str) -> bool {
    word == name
        || word
            .strip_suffix(name)
            .is_some_and(|p| matches!(p, "/bin/" | "/usr/bin/"))
}

/// A grep pattern taken literally: only when it has no regex metacharacters.
fn literal(p: &str) -> bool {
    !p.is_empty() && !p.contains(['.', '*', '[', ']', '^', '$', '\\', '?', '+', '{', '(', '|'])
}

fn pipeline(toks: &[Tok]) -> Option<Pipeline> {
    let stages: Vec<Vec<&str>> = toks
        .split(|t| *t == Tok::Pipe)
        .map(words)
        .collect::<Option<_>>()?;
    let stage = |i: usize| stages.get(i).map(Vec::as_slice);
    match stage(0)? {
        [ps, "-ef"] if is_cmd(ps, "ps") => {
            let (Some([g1, bin]), Some([g2, "-v", "grep"]), None) = (stage(1), stage(2), stage(3))
            else {
                return None;
            };
            (is_cmd(g1, "grep") && is_cmd(g2, "grep") && literal(bin))
                .then(|| Pipeline::PsGrep((*bin).to_string()))
        }
        [ps, "-fC", bin] if is_cmd(ps, "ps") && stages.len() == 1 && literal(bin) => {
            Some(Pipeline::PsByName((*bin).to_string()))
        }
        [st, "-c", format, paths @ ..]
            if is_cmd(st, "stat") && stages.len() == 1 && !paths.is_empty() =>
        {
            stat_format_ok(format).then(|| Pipeline::Stat {
                format: (*format).to_string(),
                paths: paths.iter().map(|p| (*p).to_string()).collect(),
            })
        }
        [cat, files @ ..] if is_cmd(cat, "cat") && stages.len() == 1 && !files.is_empty() => Some(
            Pipeline::Cat(files.iter().map(|p| (*p).to_string()).collect()),
        ),
        [ls, dir] | [ls, "-1", dir]
            if is_cmd(ls, "ls") && stages.len() == 1 && !dir.starts_with('-') =>
        {
            Some(Pipeline::Ls((*dir).to_string()))
        }
        [echo, rest @ ..] if is_cmd(echo, "echo") && stages.len() == 1 => Some(Pipeline::Echo(
            rest.iter().map(|p| (*p).to_string()).collect(),
        )),
        [find, dir, opts @ ..] if is_cmd(find, "find") && !dir.starts_with('-') => {
            let (mut name, mut kind, mut mindepth, mut maxdepth) = (None, None, 0, usize::MAX);
            let mut i = 0;
            while i < opts.len() {
                let arg = opts.get(i + 1)?;
                match opts[i] {
                    "-name" => name = Some((*arg).to_string()),
                    "-type" if matches!(*arg, "f" | "d") => kind = arg.chars().next(),
                    "-mindepth" => mindepth = arg.parse().ok()?,
                    "-maxdepth" => maxdepth = arg.parse().ok()?,
                    _ => return None,
                }
                i += 2;
            }
            let stat = match (stage(1), stage(2)) {
                (None, _) => None,
                (Some(x), None) => {
                    let x = match x {
                        [xa, "--no-run-if-empty" | "-r", rest @ ..] if is_cmd(xa, "xargs") => rest,
                        [xa, rest @ ..] if is_cmd(xa, "xargs") => rest,
                        _ => return None,
                    };
                    match x {
                        [st, "-c", format] if is_cmd(st, "stat") && stat_format_ok(format) => {
                            Some((*format).to_string())
                        }
                        _ => return None,
                    }
                }
                _ => return None,
            };
            Some(Pipeline::Find {
                dir: (*dir).to_string(),
                name,
                kind,
                mindepth,
                maxdepth,
                stat,
            })
        }
        _ => None,
    }
}

fn stat_format_ok(f: &str) -> bool {
    let mut it = f.chars();
    while let Some(c) = it.next() {
        if c == '%'
            && !matches!(
                it.next(),
                Some('a' | 'U' | 'G' | 'u' | 'g' | 'n' | 's' | '%')
            )
        {
            return false;
        }
    }
    true
}

/// Output kept up to a bound.
struct Out {
    text: String,
    max: usize,
}

impl Out {
    fn new(max: usize) -> Self {
        Self {
            text: String::new(),
            max,
        }
    }
    fn line(&mut self, s: &str) {
        self.push(s);
        self.push("\n");
    }
    fn push(&mut self, s: &str) {
        let room = self.max.saturating_sub(self.text.len());
        let mut n = s.len().min(room);
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        self.text.push_str(&s[..n]);
    }
}

/// At most this many symlinks followed in one path, as Linux's limit.
const MAX_LINKS: usize = 40;
/// At most this many entries listed by one `find`.
const MAX_ENTRIES: usize = 100_000;

/// Resolves `path` (absolute, as seen on the host) under `root`: symlinks are followed inside the root (an absolute
/// target restarts at the root), `..` stops at the root. The last component is followed only when `follow_last`.
/// A missing component ends the walk: the rest is appended as written.
pub fn resolve(root: &Path, path: &str, follow_last: bool) -> Result<PathBuf, String> {
    let mut done: Vec<OsString> = Vec::new();
    let mut todo: VecDeque<OsString> = Path::new(path)
        .components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some(OsString::from("..")),
            _ => None,
        })
        .collect();
    let mut links = 0;
    while let Some(comp) = todo.pop_front() {
        if comp == ".." {
            done.pop();
            continue;
        }
        let mut here = root.to_path_buf();
        here.extend(&done);
        here.push(&comp);
        let is_link = std::fs::symlink_metadata(&here).is_ok_and(|m| m.file_type().is_symlink());
        if is_link && (follow_last || !todo.is_empty()) {
            links += 1;
            if links > MAX_LINKS {
                return Err(format!("{path}: too many levels of symbolic links"));
            }
            let target = std::fs::read_link(&here).map_err(|e| format!("{path}: {e}"))?;
            if target.is_absolute() {
                done.clear();
            }
            for c in target.components().rev() {
                match c {
                    Component::Normal(n) => todo.push_front(n.to_os_string()),
                    Component::ParentDir => todo.push_front(OsString::from("..")),
                    _ => {}
                }
            }
        } else {
            done.push(comp);
        }
    }
    let mut out = root.to_path_buf();
    out.extend(&done);
    Ok(out)
}

struct Ctx<'a> {
    root: &'a Path,
    /// uid → user and gid → group names from the root's `/etc/passwd` and `/etc/group`.
    names: std::cell::OnceCell<(HashMap<u32, String>, HashMap<u32, String>)>,
}

fn io_msg(path: &str, e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => format!("{path}: No such file or directory"),
        std::io::ErrorKind::PermissionDenied => format!("{path}: Permission denied"),
        _ => format!("{path}: {e}"),
    }
}

impl Ctx<'_> {
    fn script(&self, s: &Script, out: &mut Out) -> Result<(), String> {
        match s {
            Script::Seq(parts) => {
                let mut first_err = None;
                for p in parts {
                    if let Err(e) = self.script(p, out) {
                        first_err.get_or_insert(e);
                    }
                }
                first_err.map_or(Ok(()), Err)
            }
            Script::Run(p) => self.pipeline(p, out),
            Script::IfExists {
                path,
                then,
                otherwise,
            } => {
                if std::fs::metadata(resolve(self.root, path, true)?).is_ok() {
                    self.pipeline(then, out)
                } else if let Some(p) = otherwise {
                    self.pipeline(p, out)
                } else {
                    Ok(())
                }
            }
        }
    }

    fn pipeline(&self, p: &Pipeline, out: &mut Out) -> Result<(), String> {
        match p {
            Pipeline::PsGrep(bin) => {
                for proc in self.processes()? {
                    let cmd = proc.cmd();
                    if cmd.contains(bin.as_str()) && !cmd.contains("grep") {
                        out.line(&proc.line(self));
                    }
                }
                Ok(())
            }
            Pipeline::PsByName(bin) => {
                out.line("UID          PID    PPID  C STIME TTY          TIME CMD");
                let short: String = bin.chars().take(15).collect();
                for proc in self.processes()? {
                    if proc.comm == *bin || proc.comm == short {
                        out.line(&proc.line(self));
                    }
                }
                Ok(())
            }
            Pipeline::Stat { format, paths } => {
                let mut first_err = None;
                for p in paths {
                    if let Err(e) = self.stat(format, p, out) {
                        first_err.get_or_insert(e);
                    }
                }
                first_err.map_or(Ok(()), Err)
            }
            Pipeline::Cat(files) => {
                for f in files {
                    let real = resolve(self.root, f, true)?;
                    let file = std::fs::File::open(&real).map_err(|e| io_msg(f, &e))?;
                    let mut buf = Vec::new();
                    file.take(out.max.saturating_sub(out.text.len()) as u64 + 4)
                        .read_to_end(&mut buf)
                        .map_err(|e| io_msg(f, &e))?;
                    out.push(&String::from_utf8_lossy(&buf));
                }
                Ok(())
            }
            Pipeline::Ls(dir) => {
                let real = resolve(self.root, dir, true)?;
                let mut names: Vec<String> = std::fs::read_dir(&real)
                    .map_err(|e| io_msg(dir, &e))?
                    .take(MAX_ENTRIES)
                    .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
                    .filter(|n| !n.starts_with('.'))
                    .collect();
                names.sort();
                for n in names {
                    out.line(&n);
                }
                Ok(())
            }
            Pipeline::Echo(words) => {
                out.line(&words.join(" "));
                Ok(())
            }
            Pipeline::Find {
                dir,
                name,
                kind,
                mindepth,
                maxdepth,
                stat,
            } => {
                let real = resolve(self.root, dir, true)?;
                let mut found = Vec::new();
                let meta = std::fs::symlink_metadata(&real).map_err(|e| io_msg(dir, &e))?;
                walk(&real, dir, &meta, 0, &mut found);
                for (shown, depth, is_dir) in found {
                    if depth < *mindepth || depth > *maxdepth {
                        continue;
                    }
                    match kind {
                        Some('f') if is_dir => continue,
                        Some('d') if !is_dir => continue,
                        _ => {}
                    }
                    if let Some(g) = name {
                        let base = shown.trim_end_matches('/').rsplit('/').next().unwrap_or("");
                        if !glob(g.as_bytes(), base.as_bytes()) {
                            continue;
                        }
                    }
                    match stat {
                        Some(f) => {
                            // `xargs stat` goes on past a file that vanished, like stat with many operands.
                            let _ = self.stat(f, &shown, out);
                        }
                        None => out.line(&shown),
                    }
                }
                Ok(())
            }
        }
    }

    fn stat(&self, format: &str, path: &str, out: &mut Out) -> Result<(), String> {
        let real = resolve(self.root, path, false)?;
        let m = std::fs::symlink_metadata(&real)
            .map_err(|e| format!("stat: cannot stat {}", io_msg(path, &e)))?;
        let (users, groups) = self.names();
        let mut s = String::new();
        let mut it = format.chars();
        while let Some(c) = it.next() {
            if c != '%' {
                s.push(c);
                continue;
            }
            match it.next() {
                Some('a') => {
                    let _ = write!(s, "{:o}", m.mode() & 0o7777);
                }
                Some('U') => s.push_str(users.get(&m.uid()).map_or("UNKNOWN", String::as_str)),
                Some('G') => s.push_str(groups.get(&m.gid()).map_or("UNKNOWN", String::as_str)),
                Some('u') => s.push_str(&m.uid().to_string()),
                Some('g') => s.push_str(&m.gid().to_string()),
                Some('s') => s.push_str(&m.len().to_string()),
                Some('n') => s.push_str(path),
                Some('%') => s.push('%'),
                _ => {}
            }
        }
        out.line(&s);
        Ok(())
    }

    fn names(&self) -> &(HashMap<u32, String>, HashMap<u32, String>) {
        self.names.get_or_init(|| {
            let read = |p: &str| {
                resolve(self.root, p, true)
                    .ok()
                    .and_then(|r| std::fs::File::open(r).ok())
                    .map(|f| {
                        let mut s = String::new();
                        let _ = f.take(4 << 20).read_to_string(&mut s);
                        s
                    })
                    .unwrap_or_default()
            };
            // The first line naming an id wins, as getpwuid(3) returns it.
            let table = |text: String| {
                let mut t = HashMap::new();
                for l in text.lines() {
                    let mut f = l.split(':');
                    let (Some(name), Some(id)) =
                        (f.next(), f.nth(1).and_then(|v| v.parse::<u32>().ok()))
                    else {
                        continue;
                    };
                    t.entry(id).or_insert_with(|| name.to_string());
                }
                t
            };
            let mut users = table(read("/etc/passwd"));
            let mut groups = table(read("/etc/group"));
            users.entry(0).or_insert_with(|| "root".into());
            groups.entry(0).or_insert_with(|| "root".into());
            (users, groups)
        })
    }

    /// The processes in `<root>/proc`, by pid.
    fn processes(&self) -> Result<Vec<Process>, String> {
        crate::procfs::processes(self.root)
    }
}

trait PsLine {
    fn line(&self, ctx: &Ctx<'_>) -> String;
}

impl PsLine for Process {
    /// A `ps -f` line: UID PID PPID C STIME TTY TIME CMD (start and CPU times are not known from the tree).
    fn line(&self, ctx: &Ctx<'_>) -> String {
        let user = ctx
            .names()
            .0
            .get(&self.uid)
            .cloned()
            .unwrap_or_else(|| self.uid.to_string());
        format!(
            "{user:<8} {:>7} {:>7}  0 00:00 ?        00:00:00 {}",
            self.pid,
            self.ppid,
            self.cmd()
        )
    }
}

/// `find`'s walk without following symlinks: (path as shown, depth, is a directory), in name order.
fn walk(
    real: &Path,
    shown: &str,
    meta: &std::fs::Metadata,
    depth: usize,
    found: &mut Vec<(String, usize, bool)>,
) {
    if found.len() >= MAX_ENTRIES {
        return;
    }
    found.push((shown.to_string(), depth, meta.is_dir()));
    if !meta.is_dir() || depth >= 64 {
        return;
    }
    let Ok(rd) = std::fs::read_dir(real) else {
        return;
    };
    let mut entries: Vec<_> = rd.take(MAX_ENTRIES).flatten().collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for e in entries {
        let Ok(m) = std::fs::symlink_metadata(e.path()) else {
            continue;
        };
        let name = e.file_name();
        let child = if shown.ends_with('/') {
            format!("{shown}{}", name.to_string_lossy())
        } else {
            format!("{shown}/{}", name.to_string_lossy())
        };
        walk(&e.path(), &child, &m, depth + 1, found);
    }
}

/// `find -name`'s glob: `*`, `?`, the rest literal.
fn glob(p: &[u8], s: &[u8]) -> bool {
    match (p.first(), s.first()) {
        (None, None) => true,
        (Some(b'*'), _) => glob(&p[1..], s) || (!s.is_empty() && glob(p, &s[1..])),
        (Some(b'?'), Some(_)) => glob(&p[1..], &s[1..]),
        (Some(a), Some(b)) if a == b => glob(&p[1..], &s[1..]),
        _ => false,
    }
}

/// Runs `/bin/sh -c command` with a time limit, keeping at most `max` bytes of stdout.
fn run_shell(command: &str, timeout: Duration, max: usize) -> AuditOutput {
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};
    let mut child = match Command::new("/bin/sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so a timeout ends the pipeline's children too.
        .process_group(0)
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            return AuditOutput {
                error: Some(format!("/bin/sh: {e}")),
                ..AuditOutput::default()
            };
        }
    };
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut kept = Vec::new();
            if let Some(mut p) = pipe {
                let mut buf = [0u8; 8192];
                while let Ok(n) = p.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let room = max.saturating_sub(kept.len()).min(n);
                    kept.extend_from_slice(&buf[..room]);
                }
            }
            let _ = tx.send(kept);
        });
        rx
    };
    let out_rx = reader(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err_rx = reader(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if start.elapsed() >= timeout => {
                // `kill -KILL -- -PGID` (no libc here: the crate forbids unsafe code).
                let _ = Command::new("kill")
                    .args(["-KILL", "--", &format!("-{}", child.id())])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(_) => break None,
        }
    };
    // A grandchild holding the pipe open must not hold the run: wait a moment, then give up on the rest.
    let grace = Duration::from_millis(200);
    let stdout = out_rx.recv_timeout(grace).unwrap_or_default();
    let stderr = err_rx.recv_timeout(grace).unwrap_or_default();
    let stdout = String::from_utf8_lossy(&stdout).into_owned();
    let error = match status {
        None => Some(format!("timed out after {} s", timeout.as_secs_f64())),
        Some(s) if !s.success() && stdout.is_empty() => Some(format!(
            "exit {}: {}",
            s.code().unwrap_or(-1),
            String::from_utf8_lossy(&stderr).trim()
        )),
        _ => None,
    };
    AuditOutput {
        stdout,
        error,
        used_shell: true,
    }
}
