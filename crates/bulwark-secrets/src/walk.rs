//! Directory scanning for `scan fs`: a serial walk (no symlinks, no `.git`), then files in parallel.

use std::path::{Path, PathBuf};

use bulwark_types::{Diagnostic, Finding, Location};
use rayon::prelude::*;

use crate::Scanner;

/// Options for [`Scanner::scan_dir`].
#[derive(Debug, Clone, Default)]
pub struct DirOptions {
    /// Directory names to skip besides `.git` (e.g. `node_modules`).
    pub skip_dirs: Vec<String>,
}

impl Scanner {
    /// Scans every regular file under `root`. Paths in findings are relative to `root`, with `/`.
    /// Unreadable entries become warnings.
    #[must_use]
    pub fn scan_dir(&self, root: &Path, opts: &DirOptions) -> (Vec<Finding>, Vec<Diagnostic>) {
        let mut files = Vec::new();
        let mut diags = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let entries = match std::fs::read_dir(&dir) {
                Ok(e) => e,
                Err(e) => {
                    diags.push(Diagnostic::warning(
                        format!("cannot read directory: {e}"),
                        Location::file(rel(root, &dir)),
                    ));
                    continue;
                }
            };
            for entry in entries.flatten() {
                let Ok(ft) = entry.file_type() else { continue };
                let path = entry.path();
                if ft.is_dir() {
                    let name = entry.file_name();
                    let name = name.to_string_lossy();
                    if name != ".git" && !opts.skip_dirs.iter().any(|s| *s == name) {
                        stack.push(path);
                    }
                } else if ft.is_file() {
                    files.push(path);
                }
            }
        }
        files.sort();
        let results: Vec<(Vec<Finding>, Vec<Diagnostic>)> =
            files.par_iter().map(|p| self.scan_path(root, p)).collect();
        let mut findings = Vec::new();
        for (f, d) in results {
            findings.extend(f);
            diags.extend(d);
        }
        (findings, diags)
    }

    fn scan_path(&self, root: &Path, path: &PathBuf) -> (Vec<Finding>, Vec<Diagnostic>) {
        let rel = rel(root, path);
        if self.is_allowed_path(&rel) {
            return (Vec::new(), Vec::new());
        }
        match std::fs::metadata(path) {
            Ok(m) if m.len() > self.max_file_size => {
                return (
                    Vec::new(),
                    vec![Diagnostic::warning(
                        format!(
                            "secret scan skipped: {} bytes is over the {} byte limit",
                            m.len(),
                            self.max_file_size
                        ),
                        Location::file(rel),
                    )],
                );
            }
            Ok(_) => {}
            Err(e) => {
                return (
                    Vec::new(),
                    vec![Diagnostic::warning(
                        format!("cannot stat file: {e}"),
                        Location::file(rel),
                    )],
                );
            }
        }
        match std::fs::read(path) {
            Ok(content) => {
                let r = self.scan_with_diagnostics(&rel, &content);
                (r.findings, r.diagnostics)
            }
            Err(e) => (
                Vec::new(),
                vec![Diagnostic::warning(
                    format!("cannot read file: {e}"),
                    Location::file(rel),
                )],
            ),
        }
    }
}

fn rel(root: &Path, p: &Path) -> String {
    let r = p
        .strip_prefix(root)
        .unwrap_or(p)
        .to_string_lossy()
        .into_owned();
    if std::path::MAIN_SEPARATOR == '/' {
        r
    } else {
        r.replace(std::path::MAIN_SEPARATOR, "/")
    }
}
