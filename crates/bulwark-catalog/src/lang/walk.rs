//! Walks a directory for `bulwark scan fs`: lockfiles, installed packages, Java archives and binaries,
//! honouring `.gitignore` files (each applies to its own directory and below), `--skip-dirs` and
//! `--skip-files`. `.git` directories are never entered and symlinks are never followed.
//!
//! Directories are listed and their files parsed by a few threads sharing one queue of directories; each
//! directory carries the `.gitignore` rules that apply to it. Results are sorted, so output does not depend
//! on thread timing.
//!
//! Memory stays bounded: text files are read one at a time up to [`MAX_TEXT_BYTES`]; Java archives are read
//! through the file, entry by entry; executables are opened, their first four bytes checked for the ELF
//! magic, and only their section table and build-info sections read.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};

use bulwark_types::{Diagnostic, Location, Package};

use crate::lang::gitignore::{Gitignore, Glob};
use crate::lang::{
    Input, MAX_BINARY_BYTES, MAX_TEXT_BYTES, Output, binary, dedup, elf, is_lock_parser, java,
    merge_locks, parent, parser_for,
};

/// Directory nesting beyond this is not descended (a guard against pathological trees).
const MAX_DEPTH: usize = 256;

/// What to leave out.
#[derive(Debug, Clone, Default)]
pub struct DirOptions {
    /// Globs of directories (relative to the root) not to enter.
    pub skip_dirs: Vec<String>,
    /// Globs of files (relative to the root) not to read.
    pub skip_files: Vec<String>,
    /// Ignore `.gitignore` files.
    pub no_gitignore: bool,
    /// Other files the caller wants listed (Dockerfiles for the misconfiguration checks), under the same
    /// skip and `.gitignore` rules.
    pub collect: Option<fn(&str) -> bool>,
}

/// What the walk found.
#[derive(Debug, Default)]
pub struct DirCatalog {
    pub packages: Vec<Package>,
    pub diagnostics: Vec<Diagnostic>,
    /// Files handed to a parser or opened as a binary.
    pub files_read: usize,
    /// Root-relative paths of the files `DirOptions::collect` picked, sorted.
    pub collected: Vec<String>,
}

/// The walk's fixed settings, shared by the threads.
struct Walker<'a> {
    root: &'a Path,
    skip_dirs: Vec<Glob>,
    skip_files: Vec<Glob>,
    gitignore: bool,
    collect: Option<fn(&str) -> bool>,
}

/// One thread's findings.
#[derive(Default)]
struct Sink {
    out: Output,
    /// Per package of `out`: read from a lockfile.
    lock: Vec<bool>,
    files_read: usize,
    collected: Vec<String>,
}

/// A directory to list, with the `.gitignore` files (directory, rules) above it.
struct Task {
    rel: String,
    depth: usize,
    ignores: Arc<Vec<Arc<(String, Gitignore)>>>,
}

#[derive(Default)]
struct Queue {
    tasks: Vec<Task>,
    /// Threads with work in hand: the walk ends when none are and nothing is queued.
    active: usize,
    /// Threads waiting for work.
    waiting: usize,
}

/// Scans a directory.
pub fn scan_dir(root: &Path, opts: &DirOptions) -> std::io::Result<DirCatalog> {
    let md = fs::metadata(root)?;
    if !md.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{} is not a directory", root.display()),
        ));
    }
    let globs = |v: &[String]| v.iter().map(|s| Glob::new(s.trim_matches('/'))).collect();
    let w = Walker {
        root,
        skip_dirs: globs(&opts.skip_dirs),
        skip_files: globs(&opts.skip_files),
        gitignore: !opts.no_gitignore,
        collect: opts.collect,
    };
    let queue = Mutex::new(Queue {
        tasks: vec![Task {
            rel: String::new(),
            depth: 0,
            ignores: Arc::new(Vec::new()),
        }],
        active: 0,
        waiting: 0,
    });
    let cv = Condvar::new();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8));
    let sinks: Vec<Sink> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| s.spawn(|| w.work(&queue, &cv)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("walker thread panicked"))
            .collect()
    });
    let mut tagged = Vec::new();
    let mut diagnostics = Vec::new();
    let mut files_read = 0;
    let mut collected = Vec::new();
    for mut sink in sinks {
        collected.append(&mut sink.collected);
        sink.lock.resize(sink.out.packages.len(), false);
        tagged.extend(sink.out.packages.into_iter().zip(sink.lock));
        diagnostics.extend(sink.out.diags);
        files_read += sink.files_read;
    }
    tagged.sort_by(|a, b| {
        (&a.0.found_in, &a.0.name, &a.0.version).cmp(&(&b.0.found_in, &b.0.name, &b.0.version))
    });
    diagnostics.sort_by(|a, b| {
        (&a.location.path, a.location.line).cmp(&(&b.location.path, b.location.line))
    });
    let mut packages = merge_locks(tagged);
    dedup(&mut packages);
    collected.sort();
    Ok(DirCatalog {
        packages,
        diagnostics,
        files_read,
        collected,
    })
}

fn ignored(ignores: &[Arc<(String, Gitignore)>], rel: &str, is_dir: bool) -> bool {
    let mut verdict = false;
    for g in ignores {
        let (base, g) = &**g;
        let sub = if base.is_empty() {
            rel
        } else {
            match rel
                .strip_prefix(base.as_str())
                .and_then(|r| r.strip_prefix('/'))
            {
                Some(r) => r,
                None => continue,
            }
        };
        if let Some(v) = g.decide(sub, is_dir) {
            verdict = v;
        }
    }
    verdict
}

fn warn(sink: &mut Sink, rel: &str, msg: impl Into<String>) {
    sink.out
        .diags
        .push(Diagnostic::warning(msg, Location::file(rel.to_string())));
}

impl Walker<'_> {
    /// Works depth-first on a local stack and hands half of it to the shared queue only when another
    /// thread is idle, so the lock is taken rarely.
    fn work(&self, queue: &Mutex<Queue>, cv: &Condvar) -> Sink {
        let mut sink = Sink::default();
        let mut local: Vec<Task> = Vec::new();
        let mut counted = false;
        loop {
            if local.is_empty() {
                let mut q = queue.lock().expect("queue");
                if counted {
                    q.active -= 1;
                }
                loop {
                    if let Some(t) = q.tasks.pop() {
                        q.active += 1;
                        counted = true;
                        local.push(t);
                        break;
                    }
                    if q.active == 0 {
                        drop(q);
                        cv.notify_all();
                        return sink;
                    }
                    q.waiting += 1;
                    q = cv.wait(q).expect("queue");
                    q.waiting -= 1;
                }
            }
            let Some(task) = local.pop() else { continue };
            let subdirs = self.dir(&task, &mut sink);
            local.extend(subdirs);
            if local.len() > 1
                && let Ok(mut q) = queue.try_lock()
                && q.waiting > 0
                && q.tasks.is_empty()
            {
                let half = local.len() / 2;
                q.tasks.extend(local.drain(..half));
                drop(q);
                cv.notify_all();
            }
        }
    }

    fn dir(&self, task: &Task, sink: &mut Sink) -> Vec<Task> {
        let rel = task.rel.as_str();
        let abs = self.root.join(rel);
        let rd = match fs::read_dir(&abs) {
            Ok(rd) => rd,
            Err(e) => {
                warn(sink, rel, format!("cannot list directory: {e}"));
                return Vec::new();
            }
        };
        let mut entries: Vec<_> = rd.filter_map(Result::ok).collect();
        entries.sort_by_key(fs::DirEntry::file_name);
        let mut ignores = task.ignores.clone();
        if self.gitignore
            && entries.iter().any(|e| e.file_name() == ".gitignore")
            && let Ok(t) = fs::read_to_string(abs.join(".gitignore"))
        {
            let mut v = (*ignores).clone();
            v.push(Arc::new((rel.to_string(), Gitignore::parse(&t))));
            ignores = Arc::new(v);
        }
        let mut subdirs = Vec::new();
        for de in entries {
            let name = de.file_name().to_string_lossy().into_owned();
            let path = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            let Ok(ft) = de.file_type() else { continue };
            if ft.is_dir() {
                if name == ".git"
                    || self.skip_dirs.iter().any(|g| g.matches(&path))
                    || (self.gitignore && ignored(&ignores, &path, true))
                {
                    continue;
                }
                if task.depth >= MAX_DEPTH {
                    warn(sink, &path, "directory nesting too deep; not descended");
                    continue;
                }
                subdirs.push(Task {
                    rel: path,
                    depth: task.depth + 1,
                    ignores: ignores.clone(),
                });
            } else if ft.is_file() {
                if self.skip_files.iter().any(|g| g.matches(&path))
                    || (self.gitignore && ignored(&ignores, &path, false))
                {
                    continue;
                }
                self.file(&path, &de, sink);
            }
        }
        subdirs
    }

    fn file(&self, rel: &str, de: &fs::DirEntry, sink: &mut Sink) {
        if self.collect.is_some_and(|c| c(rel)) {
            sink.collected.push(rel.to_string());
        }
        let parser = parser_for(rel);
        let executable = || {
            de.metadata()
                .is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
        };
        if parser.is_none()
            && (!crate::lang::binary_name(crate::lang::file_name(rel)) || !executable())
        {
            return;
        }
        let Ok(md) = de.metadata() else { return };
        let size = md.len();
        let abs = de.path();
        match parser {
            Some(p) if p.name == "jar" => {
                if size > MAX_BINARY_BYTES {
                    warn(
                        sink,
                        rel,
                        format!(
                            "archive of {size} bytes is over the {MAX_BINARY_BYTES} byte limit; skipped"
                        ),
                    );
                    return;
                }
                match fs::File::open(&abs) {
                    Ok(f) => {
                        sink.files_read += 1;
                        java::parse_archive(
                            std::io::BufReader::new(f),
                            rel,
                            &java::Limits::default(),
                            &mut sink.out,
                        );
                    }
                    Err(e) => warn(sink, rel, format!("cannot read: {e}")),
                }
            }
            Some(p) => {
                if p.name == "gosum" && self.root.join(parent(rel)).join("go.mod").exists() {
                    return;
                }
                if size > MAX_TEXT_BYTES {
                    warn(
                        sink,
                        rel,
                        format!(
                            "file of {size} bytes is over the {MAX_TEXT_BYTES} byte limit; not parsed"
                        ),
                    );
                    return;
                }
                match fs::read(&abs) {
                    Ok(data) => {
                        sink.files_read += 1;
                        sink.lock.resize(sink.out.packages.len(), false);
                        (p.parse)(
                            &Input {
                                path: rel,
                                data: &data,
                            },
                            &mut sink.out,
                        );
                        sink.lock
                            .resize(sink.out.packages.len(), is_lock_parser(p.name));
                    }
                    Err(e) => warn(sink, rel, format!("cannot read: {e}")),
                }
            }
            None => {
                if size < 64 {
                    return;
                }
                let Ok(f) = fs::File::open(&abs) else { return };
                let mut magic = [0u8; 4];
                if std::os::unix::fs::FileExt::read_exact_at(&f, &mut magic, 0).is_err()
                    || !elf::is_elf(&magic)
                {
                    return;
                }
                if size > MAX_BINARY_BYTES {
                    warn(
                        sink,
                        rel,
                        format!(
                            "binary of {size} bytes is over the {MAX_BINARY_BYTES} byte limit; skipped"
                        ),
                    );
                    return;
                }
                sink.files_read += 1;
                binary(rel, &elf::Source::File(&f, size), &mut sink.out);
            }
        }
    }
}
