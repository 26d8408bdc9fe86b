//! The one directory walk of `bulwark scan fs`: every scanner (lockfiles and installed packages here;
//! secrets, malware, license texts and Dockerfiles through the caller's visitor) sees the same files under
//! the same rules, and each file's bytes are read at most once.
//!
//! Rules: `.gitignore` files (each applies to its own directory and below) and the root's
//! `.git/info/exclude`, unless [`DirOptions::no_gitignore`]; `--skip-dirs` and `--skip-files` globs
//! (relative to the root). `.git` directories are never entered and symlinks are never followed; only
//! regular files are visited.
//!
//! Directories are listed and their files handled by a few threads sharing one queue of directories; each
//! directory carries the `.gitignore` rules that apply to it. Each thread keeps its own results (and its own
//! visitor state `T`); the cataloger's results are sorted, so output does not depend on thread timing.
//!
//! Each file becomes a [`FileEntry`]: its bytes are read on first use and then shared, so the visitor's
//! scanners and the cataloger get the same buffer. Memory stays bounded: a thread holds one file at a time,
//! never more than [`DirOptions::max_read_bytes`]; Java archives too big for that are read through the file,
//! entry by entry; executables not already in memory are opened, their first four bytes checked for the ELF
//! magic, and only their section table and build-info sections read.
//!
//! ```
//! use bulwark_catalog::lang::walk::{self, DirOptions, FileEntry};
//! let dir = std::env::temp_dir().join(format!("bulwark-walk-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! std::fs::write(dir.join("requirements.txt"), "requests==2.19.0\n").unwrap();
//! let (found, seen) = walk::walk(&dir, &DirOptions::default(), |f: &FileEntry<'_>, seen: &mut Vec<String>| {
//!     seen.push(format!("{} {}", f.path(), f.bytes().unwrap().len()));
//! })
//! .unwrap();
//! std::fs::remove_dir_all(&dir).unwrap();
//! assert_eq!(found.packages[0].name, "requests");
//! assert_eq!(seen.concat(), ["requirements.txt 17"]);
//! assert_eq!((found.files_loaded, found.bytes_loaded), (1, 17));
//! ```

use std::cell::OnceCell;
use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};

use bulwark_types::{Diagnostic, Location, Package};

use crate::lang::gitignore::{Gitignore, Glob};
use crate::lang::{
    Input, MAX_BINARY_BYTES, MAX_TEXT_BYTES, Output, binary, dedup, elf, is_lock_parser, java,
    merge_locks, parent, parser_for,
};

/// Directory nesting beyond this is not descended (a guard against pathological trees).
const MAX_DEPTH: usize = 256;

/// What to leave out, and how much of a file may be held in memory.
#[derive(Debug, Clone)]
pub struct DirOptions {
    /// Globs of directories (relative to the root) not to enter.
    pub skip_dirs: Vec<String>,
    /// Globs of files (relative to the root) not to read.
    pub skip_files: Vec<String>,
    /// Ignore `.gitignore` files and `.git/info/exclude`.
    pub no_gitignore: bool,
    /// The largest file [`FileEntry::bytes`] reads into memory; bigger ones are left to streaming readers
    /// (Java archives, ELF sections, the malware scanner's hashes) or skipped with a warning.
    pub max_read_bytes: u64,
}

impl Default for DirOptions {
    fn default() -> Self {
        Self {
            skip_dirs: Vec::new(),
            skip_files: Vec::new(),
            no_gitignore: false,
            max_read_bytes: MAX_TEXT_BYTES,
        }
    }
}

/// What the walk found.
#[derive(Debug, Default)]
pub struct DirCatalog {
    pub packages: Vec<Package>,
    /// The walk's and the cataloger's diagnostics, sorted by path and line.
    pub diagnostics: Vec<Diagnostic>,
    /// Files handed to a parser or opened as a binary.
    pub files_read: usize,
    /// Regular files visited (after the skip and ignore rules).
    pub files_visited: usize,
    /// Files whose whole content was read into memory, each once ([`FileEntry::bytes`]).
    pub files_loaded: usize,
    /// Bytes read into memory by those loads.
    pub bytes_loaded: u64,
}

/// A regular file the walk found. Its bytes are read on the first call to [`FileEntry::bytes`] and shared by
/// every later caller, so each scanner sees the same buffer and the file is read once.
pub struct FileEntry<'a> {
    rel: &'a str,
    abs: PathBuf,
    size: u64,
    max_read: u64,
    content: OnceCell<std::io::Result<Vec<u8>>>,
}

impl FileEntry<'_> {
    /// The path relative to the walk's root, with `/` separators.
    #[must_use]
    pub fn path(&self) -> &str {
        self.rel
    }

    /// The path on disk, for readers that stream a file too big to hold.
    #[must_use]
    pub fn fs_path(&self) -> &Path {
        &self.abs
    }

    /// The size the directory listing gave.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The file's bytes, read on first use (at most its listed size) and then shared. Files over
    /// [`DirOptions::max_read_bytes`] are not read: an error says so.
    pub fn bytes(&self) -> Result<&[u8], &std::io::Error> {
        self.content
            .get_or_init(|| {
                if self.size > self.max_read {
                    return Err(std::io::Error::other(format!(
                        "file of {} bytes is over the {} byte limit for reading into memory",
                        self.size, self.max_read
                    )));
                }
                let mut data = Vec::with_capacity(self.size as usize);
                // A file that grows while the walk runs is read up to the size it was listed with.
                fs::File::open(&self.abs)?
                    .take(self.size)
                    .read_to_end(&mut data)?;
                Ok(data)
            })
            .as_ref()
            .map(Vec::as_slice)
    }

    /// The bytes if something has read them already; `None` otherwise (nothing is read).
    #[must_use]
    pub fn loaded(&self) -> Option<&[u8]> {
        self.content
            .get()
            .and_then(|r| r.as_ref().ok())
            .map(Vec::as_slice)
    }
}

/// The walk's fixed settings, shared by the threads.
struct Walker<'a, F> {
    root: &'a Path,
    skip_dirs: Vec<Glob>,
    skip_files: Vec<Glob>,
    gitignore: bool,
    max_read: u64,
    visit: F,
}

/// One thread's findings.
struct Sink<T> {
    out: Output,
    /// Per package of `out`: read from a lockfile.
    lock: Vec<bool>,
    files_read: usize,
    files_visited: usize,
    files_loaded: usize,
    bytes_loaded: u64,
    visited: T,
}

impl<T: Default> Default for Sink<T> {
    fn default() -> Self {
        Self {
            out: Output::default(),
            lock: Vec::new(),
            files_read: 0,
            files_visited: 0,
            files_loaded: 0,
            bytes_loaded: 0,
            visited: T::default(),
        }
    }
}

/// `.gitignore` rules in force: (the directory they apply to, the rules).
type Ignores = Arc<Vec<Arc<(String, Gitignore)>>>;

/// A directory to list, with the `.gitignore` files (directory, rules) above it.
struct Task {
    rel: String,
    depth: usize,
    ignores: Ignores,
}

#[derive(Default)]
struct Queue {
    tasks: Vec<Task>,
    /// Threads with work in hand: the walk ends when none are and nothing is queued.
    active: usize,
    /// Threads waiting for work.
    waiting: usize,
}

/// Catalogs a directory's packages (no visitor).
pub fn scan_dir(root: &Path, opts: &DirOptions) -> std::io::Result<DirCatalog> {
    walk(root, opts, |_: &FileEntry<'_>, (): &mut ()| {}).map(|(c, _)| c)
}

/// Walks a directory once: `visit` sees every regular file the rules let through (with the thread's own
/// `T`, so it needs no lock), then the cataloger looks at the same [`FileEntry`]. Returns the catalog and
/// each thread's `T`; their order depends on thread timing, so sort what you collect.
///
/// A file the cataloger will read whole (a lockfile or manifest up to [`MAX_TEXT_BYTES`], a Java archive up
/// to [`DirOptions::max_read_bytes`]) is read before `visit` sees it; other files are read only if the
/// visitor asks ([`FileEntry::bytes`]).
pub fn walk<T, F>(root: &Path, opts: &DirOptions, visit: F) -> std::io::Result<(DirCatalog, Vec<T>)>
where
    T: Default + Send,
    F: Fn(&FileEntry<'_>, &mut T) + Sync,
{
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
        max_read: opts.max_read_bytes,
        visit,
    };
    // git's per-repository excludes apply like a `.gitignore` at the root, below any `.gitignore` file.
    let mut top = Vec::new();
    if w.gitignore
        && let Some(t) = git_info_exclude(root)
    {
        top.push(Arc::new((String::new(), Gitignore::parse(&t))));
    }
    let queue = Mutex::new(Queue {
        tasks: vec![Task {
            rel: String::new(),
            depth: 0,
            ignores: Arc::new(top),
        }],
        active: 0,
        waiting: 0,
    });
    let cv = Condvar::new();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8));
    let sinks: Vec<Sink<T>> = std::thread::scope(|s| {
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
    let mut visited = Vec::with_capacity(sinks.len());
    let mut cat = DirCatalog::default();
    for mut sink in sinks {
        sink.lock.resize(sink.out.packages.len(), false);
        tagged.extend(sink.out.packages.into_iter().zip(sink.lock));
        diagnostics.extend(sink.out.diags);
        cat.files_read += sink.files_read;
        cat.files_visited += sink.files_visited;
        cat.files_loaded += sink.files_loaded;
        cat.bytes_loaded += sink.bytes_loaded;
        visited.push(sink.visited);
    }
    tagged.sort_by(|a, b| {
        (&a.0.found_in, &a.0.name, &a.0.version).cmp(&(&b.0.found_in, &b.0.name, &b.0.version))
    });
    diagnostics.sort_by(|a, b| {
        (&a.location.path, a.location.line, &a.message).cmp(&(
            &b.location.path,
            b.location.line,
            &b.message,
        ))
    });
    let mut packages = merge_locks(tagged);
    dedup(&mut packages);
    cat.packages = packages;
    cat.diagnostics = diagnostics;
    Ok((cat, visited))
}

/// The `info/exclude` file of the repository whose work tree is `root`: `.git/info/exclude`, or for a
/// linked work tree or submodule (`.git` is a file saying `gitdir: …`) the one in that git directory's
/// common directory, as git reads it.
fn git_info_exclude(root: &Path) -> Option<String> {
    let dot_git = root.join(".git");
    let mut git_dir = dot_git.clone();
    if fs::symlink_metadata(&dot_git).ok()?.is_file() {
        let text = read_small(&dot_git)?;
        let target = text.strip_prefix("gitdir:")?.trim();
        git_dir = root.join(target);
        if let Some(common) = read_small(&git_dir.join("commondir")) {
            git_dir = git_dir.join(common.trim());
        }
    }
    read_small(&git_dir.join("info/exclude"))
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

/// Largest ignore file read (`.gitignore`, `info/exclude`); git's own are a few KiB.
const MAX_IGNORE_FILE: u64 = 4 << 20;

/// A small text file that must be a regular file, read with a bound; `None` otherwise.
fn read_small(path: &std::path::Path) -> Option<String> {
    use std::io::Read;
    if !fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return None;
    }
    let mut buf = Vec::new();
    fs::File::open(path)
        .ok()?
        .take(MAX_IGNORE_FILE + 1)
        .read_to_end(&mut buf)
        .ok()?;
    if buf.len() as u64 > MAX_IGNORE_FILE {
        return None;
    }
    Some(String::from_utf8_lossy(&buf).into_owned())
}

/// A directory's `.gitignore` (already known to be a regular file), or a warning when it is too large.
fn read_gitignore<T>(path: &std::path::Path, rel: &str, sink: &mut Sink<T>) -> Option<String> {
    let text = read_small(path);
    if text.is_none() {
        let name = if rel.is_empty() {
            ".gitignore".to_string()
        } else {
            format!("{rel}/.gitignore")
        };
        warn(
            sink,
            &name,
            format!(
                "not read: larger than {MAX_IGNORE_FILE} bytes or unreadable; its rules do not apply"
            ),
        );
    }
    text
}

fn warn<T>(sink: &mut Sink<T>, rel: &str, msg: impl Into<String>) {
    sink.out
        .diags
        .push(Diagnostic::warning(msg, Location::file(rel.to_string())));
}

impl<F> Walker<'_, F> {
    /// Works depth-first on a local stack and hands half of it to the shared queue only when another
    /// thread is idle, so the lock is taken rarely.
    fn work<T>(&self, queue: &Mutex<Queue>, cv: &Condvar) -> Sink<T>
    where
        T: Default,
        F: Fn(&FileEntry<'_>, &mut T),
    {
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

    fn dir<T>(&self, task: &Task, sink: &mut Sink<T>) -> Vec<Task>
    where
        F: Fn(&FileEntry<'_>, &mut T),
    {
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
        // Like git, only a regular `.gitignore` counts (a symlink is not followed), and it is read with a bound:
        // a FIFO or a link to `/dev/zero` named `.gitignore` cannot hang or exhaust the scan (red team #8).
        if self.gitignore
            && entries
                .iter()
                .any(|e| e.file_name() == ".gitignore" && e.file_type().is_ok_and(|t| t.is_file()))
            && let Some(t) = read_gitignore(&abs.join(".gitignore"), rel, sink)
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
            // `.git`: the repository, or in a linked work tree a file pointing at it; never scanned.
            if name == ".git" {
                continue;
            }
            let Ok(ft) = de.file_type() else { continue };
            if ft.is_dir() {
                if self.skip_dirs.iter().any(|g| g.matches(&path))
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

    fn file<T>(&self, rel: &str, de: &fs::DirEntry, sink: &mut Sink<T>)
    where
        F: Fn(&FileEntry<'_>, &mut T),
    {
        let md = match de.metadata() {
            Ok(m) => m,
            Err(e) => {
                warn(sink, rel, format!("cannot stat: {e}"));
                return;
            }
        };
        sink.files_visited += 1;
        let size = md.len();
        let entry = FileEntry {
            rel,
            abs: de.path(),
            size,
            max_read: self.max_read,
            content: OnceCell::new(),
        };
        // A go.sum beside a go.mod is not parsed: the go.mod is the better source.
        let parser = parser_for(rel)
            .filter(|p| p.name != "gosum" || !self.root.join(parent(rel)).join("go.mod").exists());
        // Read up front what the cataloger reads whole, so the visitor's scanners share that buffer.
        if parser.is_some_and(|p| {
            (p.name != "jar" && size <= MAX_TEXT_BYTES)
                || (p.name == "jar" && size <= self.max_read)
        }) {
            let _ = entry.bytes();
        }
        (self.visit)(&entry, &mut sink.visited);
        Self::catalog(&entry, parser, md.permissions().mode(), sink);
        if let Some(Ok(data)) = entry.content.get() {
            sink.files_loaded += 1;
            sink.bytes_loaded += data.len() as u64;
        }
    }

    fn catalog<T>(
        entry: &FileEntry<'_>,
        parser: Option<crate::lang::Parser>,
        mode: u32,
        sink: &mut Sink<T>,
    ) {
        let rel = entry.rel;
        let size = entry.size;
        if parser.is_none()
            && (!crate::lang::binary_name(crate::lang::file_name(rel)) || mode & 0o111 == 0)
        {
            return;
        }
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
                if let Some(data) = entry.loaded() {
                    sink.files_read += 1;
                    java::parse_archive(
                        std::io::Cursor::new(data),
                        rel,
                        &java::Limits::default(),
                        &mut sink.out,
                    );
                    return;
                }
                match fs::File::open(&entry.abs) {
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
                match entry.bytes() {
                    Ok(data) => {
                        sink.files_read += 1;
                        sink.lock.resize(sink.out.packages.len(), false);
                        (p.parse)(&Input { path: rel, data }, &mut sink.out);
                        sink.lock
                            .resize(sink.out.packages.len(), is_lock_parser(p.name));
                    }
                    Err(e) => {
                        let msg = format!("cannot read: {e}");
                        warn(sink, rel, msg);
                    }
                }
            }
            None => {
                if size < 64 {
                    return;
                }
                if let Some(data) = entry.loaded() {
                    if !elf::is_elf(data) {
                        return;
                    }
                    sink.files_read += 1;
                    binary(rel, &elf::Source::Bytes(data), &mut sink.out);
                    return;
                }
                let Ok(f) = fs::File::open(&entry.abs) else {
                    return;
                };
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every consumer of a file gets the same buffer, and each file is read from disk once: the visitor
    /// asks twice (two scanners), the cataloger parses the same bytes, and the walk's own count of bytes
    /// read equals the size of the files visited.
    #[test]
    fn each_file_is_read_once_and_shared() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let files: &[(&str, &str)] = &[
            ("requirements.txt", "requests==2.19.0\n"),
            ("notes.txt", "GITHUB_TOKEN=x\n"),
            ("sub/package.json", "{\"name\":\"x\"}\n"),
            (".gitignore", "ignored.txt\n"),
            ("ignored.txt", "not read\n"),
            ("excluded.txt", "not read either\n"),
            (".git/info/exclude", "/excluded.txt\n"),
        ];
        for (p, body) in files {
            let f = root.join(p);
            fs::create_dir_all(f.parent().unwrap()).unwrap();
            fs::write(f, body).unwrap();
        }
        let visit = |f: &FileEntry<'_>, seen: &mut Vec<(String, bool, u64)>| {
            let preloaded = f.loaded().is_some();
            let a = f.bytes().unwrap();
            let b = f.bytes().unwrap();
            // The second scanner gets the very same buffer, not a second read.
            assert!(std::ptr::eq(a, b), "{}", f.path());
            assert_eq!(f.loaded().map(<[u8]>::as_ptr), Some(a.as_ptr()));
            assert_eq!(a, fs::read(f.fs_path()).unwrap());
            seen.push((f.path().to_string(), preloaded, a.len() as u64));
        };
        let (cat, per_thread) = walk(root, &DirOptions::default(), visit).unwrap();
        let mut seen: Vec<_> = per_thread.into_iter().flatten().collect();
        seen.sort();
        let names: Vec<&str> = seen.iter().map(|s| s.0.as_str()).collect();
        assert_eq!(
            names,
            [
                ".gitignore",
                "notes.txt",
                "requirements.txt",
                "sub/package.json"
            ]
        );
        // What the cataloger parses is read before the visitor sees it; the rest only on demand.
        let preloaded: Vec<&str> = seen.iter().filter(|s| s.1).map(|s| s.0.as_str()).collect();
        assert_eq!(preloaded, ["requirements.txt"]);
        let total: u64 = seen.iter().map(|s| s.2).sum();
        assert_eq!((cat.files_visited, cat.files_loaded), (4, 4));
        assert_eq!(cat.bytes_loaded, total);
        assert_eq!(cat.packages.len(), 1);
        assert_eq!(cat.packages[0].name, "requests");

        // Without a visitor that asks, only the lockfile is read.
        let cat = scan_dir(root, &DirOptions::default()).unwrap();
        assert_eq!((cat.files_visited, cat.files_loaded), (4, 1));
        assert_eq!(cat.bytes_loaded, 17);

        // --no-gitignore lets the ignored and excluded files through; nothing enters .git.
        let opts = DirOptions {
            no_gitignore: true,
            ..DirOptions::default()
        };
        let (_, per_thread) = walk(root, &opts, |f: &FileEntry<'_>, v: &mut Vec<String>| {
            v.push(f.path().to_string());
        })
        .unwrap();
        let mut seen: Vec<String> = per_thread.concat();
        seen.sort();
        assert_eq!(
            seen,
            [
                ".gitignore",
                "excluded.txt",
                "ignored.txt",
                "notes.txt",
                "requirements.txt",
                "sub/package.json"
            ]
        );
    }

    /// In a linked work tree (`git worktree add`) `.git` is a file; the excludes are the main repository's.
    #[test]
    fn linked_work_tree_uses_the_common_info_exclude() {
        let dir = tempfile::tempdir().unwrap();
        let main_git = dir.path().join("main/.git");
        fs::create_dir_all(main_git.join("worktrees/wt")).unwrap();
        fs::create_dir_all(main_git.join("info")).unwrap();
        fs::write(main_git.join("info/exclude"), "/local.txt\n").unwrap();
        fs::write(main_git.join("worktrees/wt/commondir"), "../..\n").unwrap();
        let wt = dir.path().join("wt");
        fs::create_dir_all(&wt).unwrap();
        fs::write(
            wt.join(".git"),
            format!("gitdir: {}\n", main_git.join("worktrees/wt").display()),
        )
        .unwrap();
        fs::write(wt.join("local.txt"), "x").unwrap();
        fs::write(wt.join("kept.txt"), "x").unwrap();
        let list = |opts: &DirOptions| {
            let (_, v) = walk(&wt, opts, |f: &FileEntry<'_>, v: &mut Vec<String>| {
                v.push(f.path().to_string());
            })
            .unwrap();
            let mut v = v.concat();
            v.sort();
            v
        };
        assert_eq!(list(&DirOptions::default()), ["kept.txt"]);
        let opts = DirOptions {
            no_gitignore: true,
            ..DirOptions::default()
        };
        assert_eq!(list(&opts), ["kept.txt", "local.txt"]);
    }

    /// Files over the read limit are not loaded: the caller gets an error it can report.
    #[test]
    fn big_files_are_not_loaded() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("big.bin"), vec![0u8; 4096]).unwrap();
        let opts = DirOptions {
            max_read_bytes: 1024,
            ..DirOptions::default()
        };
        let (cat, errs) = walk(
            dir.path(),
            &opts,
            |f: &FileEntry<'_>, v: &mut Vec<String>| {
                v.push(f.bytes().unwrap_err().to_string());
            },
        )
        .unwrap();
        assert_eq!(cat.files_loaded, 0);
        assert!(errs.concat()[0].contains("over the 1024 byte limit"));
    }
}
