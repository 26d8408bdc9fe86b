//! Walks a directory for `bulwark scan fs`: lockfiles, installed packages, Java archives and binaries,
//! honouring `.gitignore` files (each applies to its own directory and below), `--skip-dirs` and
//! `--skip-files`. `.git` directories are never entered and symlinks are never followed.
//!
//! Memory stays bounded: text files are read one at a time up to [`MAX_TEXT_BYTES`]; Java archives are read
//! through the file, entry by entry; executables are opened, their first four bytes checked for the ELF
//! magic, and only their section table and build-info sections read.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

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
}

/// What the walk found.
#[derive(Debug, Default)]
pub struct DirCatalog {
    pub packages: Vec<Package>,
    pub diagnostics: Vec<Diagnostic>,
    /// Files handed to a parser or opened as a binary.
    pub files_read: usize,
}

struct Walker<'a> {
    root: &'a Path,
    skip_dirs: Vec<Glob>,
    skip_files: Vec<Glob>,
    gitignore: bool,
    /// (directory relative to root, its rules).
    ignores: Vec<(String, Gitignore)>,
    out: Output,
    /// Per package of `out`: read from a lockfile.
    lock: Vec<bool>,
    files_read: usize,
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
    let mut w = Walker {
        root,
        skip_dirs: globs(&opts.skip_dirs),
        skip_files: globs(&opts.skip_files),
        gitignore: !opts.no_gitignore,
        ignores: Vec::new(),
        out: Output::default(),
        lock: Vec::new(),
        files_read: 0,
    };
    w.dir("", 0);
    w.lock.resize(w.out.packages.len(), false);
    let mut packages = merge_locks(w.out.packages.into_iter().zip(w.lock).collect());
    dedup(&mut packages);
    Ok(DirCatalog {
        packages,
        diagnostics: w.out.diags,
        files_read: w.files_read,
    })
}

impl Walker<'_> {
    fn ignored(&self, rel: &str, is_dir: bool) -> bool {
        let mut verdict = false;
        for (base, g) in &self.ignores {
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

    fn dir(&mut self, rel: &str, depth: usize) {
        let abs = self.root.join(rel);
        let rd = match fs::read_dir(&abs) {
            Ok(rd) => rd,
            Err(e) => {
                self.warn(rel, format!("cannot list directory: {e}"));
                return;
            }
        };
        let mut entries: Vec<_> = rd.filter_map(Result::ok).collect();
        entries.sort_by_key(fs::DirEntry::file_name);
        let pushed = self.gitignore
            && entries.iter().any(|e| e.file_name() == ".gitignore")
            && match fs::read_to_string(abs.join(".gitignore")) {
                Ok(t) => {
                    self.ignores.push((rel.to_string(), Gitignore::parse(&t)));
                    true
                }
                Err(_) => false,
            };
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
                    || (self.gitignore && self.ignored(&path, true))
                {
                    continue;
                }
                if depth >= MAX_DEPTH {
                    self.warn(&path, "directory nesting too deep; not descended");
                    continue;
                }
                self.dir(&path, depth + 1);
            } else if ft.is_file() {
                if self.skip_files.iter().any(|g| g.matches(&path))
                    || (self.gitignore && self.ignored(&path, false))
                {
                    continue;
                }
                self.file(&path, &de);
            }
        }
        if pushed {
            self.ignores.pop();
        }
    }

    fn warn(&mut self, rel: &str, msg: impl Into<String>) {
        self.out
            .diags
            .push(Diagnostic::warning(msg, Location::file(rel.to_string())));
    }

    fn file(&mut self, rel: &str, de: &fs::DirEntry) {
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
                    self.warn(rel, format!("archive of {size} bytes is over the {MAX_BINARY_BYTES} byte limit; skipped"));
                    return;
                }
                match fs::File::open(&abs) {
                    Ok(f) => {
                        self.files_read += 1;
                        java::parse_archive(
                            std::io::BufReader::new(f),
                            rel,
                            &java::Limits::default(),
                            &mut self.out,
                        );
                    }
                    Err(e) => self.warn(rel, format!("cannot read: {e}")),
                }
            }
            Some(p) => {
                if p.name == "gosum" && self.root.join(parent(rel)).join("go.mod").exists() {
                    return;
                }
                if size > MAX_TEXT_BYTES {
                    self.warn(rel, format!("file of {size} bytes is over the {MAX_TEXT_BYTES} byte limit; not parsed"));
                    return;
                }
                match fs::read(&abs) {
                    Ok(data) => {
                        self.files_read += 1;
                        self.lock.resize(self.out.packages.len(), false);
                        (p.parse)(
                            &Input {
                                path: rel,
                                data: &data,
                            },
                            &mut self.out,
                        );
                        self.lock
                            .resize(self.out.packages.len(), is_lock_parser(p.name));
                    }
                    Err(e) => self.warn(rel, format!("cannot read: {e}")),
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
                    self.warn(rel, format!("binary of {size} bytes is over the {MAX_BINARY_BYTES} byte limit; skipped"));
                    return;
                }
                self.files_read += 1;
                binary(rel, &elf::Source::File(&f, size), &mut self.out);
            }
        }
    }
}
