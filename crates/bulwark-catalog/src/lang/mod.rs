//! Language ecosystem catalogers (Python, Node, Go, Rust, Java, Ruby, PHP, .NET): one folder each.
//!
//! Each ecosystem folder holds a [`Descriptor`] (purl type and OSV ecosystem via [`PackageType`], version
//! scheme, a cache version, and the function that picks a parser for a path), its parsers, and a `testdata/`
//! folder whose README records the real commands that produced every fixture. [`ECOSYSTEMS`] is the one
//! explicit list.
//!
//! Two entry points share the parsers:
//! - [`catalog`] reads the files an image's [`ImageFs`] kept (see [`wanted`]), and attributes every package
//!   to the layer that introduced its file;
//! - [`walk::walk`] walks a directory (a repository, an unpacked tree) with `.gitignore` rules, reads each
//!   file at most once and shares its bytes with the caller's scanners (`scan fs`); [`walk::scan_dir`] is
//!   the same walk for packages only. Big binaries are streamed instead of loaded.
//!
//! Binaries: whether a file is a Go or Rust binary cannot be told from its path. In an image, [`wanted`] asks
//! for the files under the usual executable directories ([`binary_candidate`]); their content is then checked
//! for the ELF magic and only the `.go.buildinfo` and `.dep-v0` sections are decoded. In a directory walk every
//! executable regular file is opened, its first bytes checked, and only the section headers and those two
//! sections are read from disk ([`elf::Source::File`]), so a 500 MB binary costs a few kilobytes of memory.
//!
//! ```
//! use bulwark_catalog::lang::{self, Input, Output};
//! let mut out = Output::default();
//! let p = lang::parser_for("app/requirements.txt").unwrap();
//! (p.parse)(&Input { path: "app/requirements.txt", data: b"requests==2.19.0\n" }, &mut out);
//! assert_eq!(out.packages[0].purl, "pkg:pypi/requests@2.19.0");
//! ```

pub mod dotnet;
pub mod elf;
pub mod gitignore;
pub mod golang;
pub mod java;
pub mod node;
pub mod php;
pub mod python;
pub mod ruby;
pub mod rust;
mod toml_lite;
pub mod walk;

use std::collections::{BTreeSet, HashSet};

use bulwark_source::ImageFs;
use bulwark_source::NodeKind;
use bulwark_types::{Diagnostic, Location, Package, PackageType};

use crate::os::Attribution;

/// Files larger than this are not parsed as lockfiles or metadata (binaries and archives have their own
/// limits): a warning says so.
pub const MAX_TEXT_BYTES: u64 = 64 << 20;
/// Binaries larger than this are skipped with a warning.
pub const MAX_BINARY_BYTES: u64 = 512 << 20;

/// One ecosystem: what it is, and which parser reads which file.
pub struct Descriptor {
    pub name: &'static str,
    pub package_type: PackageType,
    /// The `bulwark-version` scheme its versions compare with.
    pub version_scheme: &'static str,
    /// Bumped whenever a parser changes what it reports, to invalidate cached results.
    pub cache_version: u32,
    /// The parser for a path (relative, no leading `/`), if this ecosystem reads that file.
    pub parser: fn(&str) -> Option<Parser>,
}

/// A parser: reads one file and appends packages and warnings.
#[derive(Clone, Copy)]
pub struct Parser {
    /// Short name, also the fuzz target's suffix (`lang_<name>`).
    pub name: &'static str,
    pub parse: fn(&Input<'_>, &mut Output),
}

/// One file to parse.
pub struct Input<'a> {
    /// Its path as reported (`found_in`).
    pub path: &'a str,
    pub data: &'a [u8],
}

/// What parsers produce.
#[derive(Debug, Default)]
pub struct Output {
    pub packages: Vec<Package>,
    pub diags: Vec<Diagnostic>,
}

impl Output {
    /// A warning about `path`, at a 1-based line when known.
    pub fn warn(&mut self, path: &str, line: Option<usize>, message: impl Into<String>) {
        let mut loc = Location::file(path);
        loc.line = line.map(|l| l as u32);
        self.diags.push(Diagnostic::warning(message, loc));
    }

    /// Adds a package with its purl computed and `found_in` set.
    pub fn add(&mut self, mut p: Package, path: &str) -> &mut Package {
        if p.purl.is_empty() {
            p.purl = purl_of(&p);
        }
        p.found_in = Some(path.to_string());
        self.packages.push(p);
        self.packages.last_mut().expect("just pushed")
    }
}

/// The registry: every ecosystem, in one explicit list.
pub const ECOSYSTEMS: &[&Descriptor] = &[
    &python::DESCRIPTOR,
    &node::DESCRIPTOR,
    &golang::DESCRIPTOR,
    &rust::DESCRIPTOR,
    &java::DESCRIPTOR,
    &ruby::DESCRIPTOR,
    &php::DESCRIPTOR,
    &dotnet::DESCRIPTOR,
];

/// The parser for a file, by path (relative or image path, with or without a leading `/`).
#[must_use]
pub fn parser_for(path: &str) -> Option<Parser> {
    let path = path.trim_start_matches('/');
    let p = ECOSYSTEMS.iter().find_map(|d| (d.parser)(path))?;
    // Lockfiles that published packages carry inside node_modules describe their authors' development
    // trees, not what is installed here.
    if is_lock_parser(p.name)
        && (path.starts_with("node_modules/") || path.contains("/node_modules/"))
    {
        return None;
    }
    Some(p)
}

/// File name of a path.
pub(crate) fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Directories whose regular files an image scan keeps to look for Go and Rust build information.
const BIN_DIRS: &[&str] = &[
    "bin/",
    "sbin/",
    "usr/bin/",
    "usr/sbin/",
    "usr/local/bin/",
    "usr/local/sbin/",
    "usr/libexec/",
    "usr/local/libexec/",
    "opt/",
    "go/bin/",
    "root/go/bin/",
    "app/",
    "srv/",
    "usr/local/go/bin/",
    "usr/local/go/pkg/tool/",
];

/// Whether an image path may hold a Go or Rust binary worth opening. Files with extensions that are never
/// executables are left out to keep memory down.
#[must_use]
pub fn binary_candidate(path: &str) -> bool {
    let path = path.trim_start_matches('/');
    let under = BIN_DIRS.iter().any(|d| path.starts_with(d))
        || (path.starts_with("home/") && path.contains("/go/bin/"));
    if !under {
        return false;
    }
    // Application trees hold many small non-binary files: skip package-manager trees and the usual
    // extension-less documents.
    if ["/node_modules/", "-packages/", "/.git/"]
        .iter()
        .any(|d| path.contains(d))
    {
        return false;
    }
    binary_name(file_name(path))
}

/// Whether a file name may be an executable: no extension or one that text and media files do not use,
/// and not an all-caps document (`LICENSE`, `README`).
#[must_use]
pub fn binary_name(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name);
    if stem.len() > 1
        && stem
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b == b'_' || b == b'-')
    {
        return false;
    }
    match name.rsplit_once('.') {
        None => true,
        Some((_, ext)) => !matches!(
            ext,
            "py" | "pyc"
                | "pyi"
                | "js"
                | "mjs"
                | "cjs"
                | "jsx"
                | "ts"
                | "tsx"
                | "mts"
                | "cts"
                | "flow"
                | "map"
                | "json"
                | "md"
                | "markdown"
                | "txt"
                | "html"
                | "htm"
                | "css"
                | "scss"
                | "less"
                | "h"
                | "hpp"
                | "c"
                | "cc"
                | "cpp"
                | "rs"
                | "go"
                | "java"
                | "rb"
                | "pl"
                | "pm"
                | "sh"
                | "bat"
                | "ps1"
                | "png"
                | "jpg"
                | "jpeg"
                | "gif"
                | "ico"
                | "svg"
                | "woff"
                | "woff2"
                | "ttf"
                | "gz"
                | "zip"
                | "xml"
                | "yml"
                | "yaml"
                | "toml"
                | "lock"
                | "jar"
                | "class"
                | "properties"
                | "snap"
                | "o"
        ),
    }
}

/// Whether any language cataloger needs the content of `path` (image path, no leading `/`).
#[must_use]
pub fn wanted(path: &str) -> bool {
    parser_for(path).is_some() || binary_candidate(path)
}

/// Parses one file's bytes with the right parser: by path, else as a binary if it is ELF.
pub fn parse_bytes(path: &str, data: &[u8], out: &mut Output) {
    if let Some(p) = parser_for(path) {
        (p.parse)(&Input { path, data }, out);
    } else if elf::is_elf(data) {
        binary(path, &elf::Source::Bytes(data), out);
    }
}

/// Reads Go build information and the cargo-auditable dependency list from an ELF binary.
pub fn binary(path: &str, src: &elf::Source<'_>, out: &mut Output) {
    let sections = match elf::sections(src) {
        Ok(s) => s,
        Err(e) => {
            out.warn(path, None, format!("unreadable ELF binary: {e}"));
            return;
        }
    };
    golang::buildinfo::from_elf(path, src, &sections, out);
    rust::auditable::from_elf(path, src, &sections, out);
}

/// The purl of a language package.
#[must_use]
pub fn purl_of(p: &Package) -> String {
    let ty = p.package_type.purl_type();
    match p.package_type {
        PackageType::Python => {
            crate::purl::purl(ty, None, &python::normalize(&p.name), &p.version, &[])
        }
        PackageType::Npm | PackageType::Composer | PackageType::Go => {
            match p.name.rsplit_once('/') {
                Some((ns, n)) => crate::purl::purl(ty, Some(ns), n, &p.version, &[]),
                None => crate::purl::purl(ty, None, &p.name, &p.version, &[]),
            }
        }
        PackageType::Maven => match p.name.split_once(':') {
            Some((g, a)) => crate::purl::purl(ty, Some(g), a, &p.version, &[]),
            None => crate::purl::purl(ty, None, &p.name, &p.version, &[]),
        },
        _ => crate::purl::purl(ty, None, &p.name, &p.version, &[]),
    }
}

/// The OS package that owns a language package's file (Debian's `python3-pip` owns
/// `/usr/lib/python3/dist-packages/pip-23.0.1.dist-info/METADATA`). Bulwark reports such packages, unlike
/// trivy, and this tells them apart.
#[must_use]
pub fn os_owner<'a>(p: &Package, os_packages: &'a [Package]) -> Option<&'a Package> {
    let f = p.found_in.as_deref()?;
    os_packages.iter().find(|o| o.files.iter().any(|x| x == f))
}

/// Layer attribution of a kept file: the start of its current run of presence, and its last change.
fn attribution(fs: &ImageFs, path: &str, node_layer: usize) -> Attribution {
    let h = fs.history(path);
    let start = h
        .iter()
        .rposition(|s| s.content.is_none())
        .map_or(0, |i| i + 1);
    match (h.get(start), h.last()) {
        (Some(first), Some(last)) if last.content.is_some() => Attribution {
            introduced: first.layer,
            last_changed: last.layer,
            version: String::new(),
        },
        _ => Attribution {
            introduced: node_layer,
            last_changed: node_layer,
            version: String::new(),
        },
    }
}

/// Catalogs language packages from the files an image scan kept. `os_packages` are the OS packages already
/// found; files they own are still reported ([`os_owner`] tells which).
pub fn catalog(fs: &ImageFs, os_packages: &[Package], diags: &mut Vec<Diagnostic>) -> Vec<Package> {
    let _ = os_packages;
    let mut all: Vec<(Package, bool)> = Vec::new();
    let paths: BTreeSet<&str> = fs.nodes().map(|(p, _)| p).collect();
    for (path, node) in fs.nodes() {
        let NodeKind::File { size } = node.kind else {
            continue;
        };
        // A root filesystem leaves language files on disk (`deferred`): each is read here, then dropped.
        let kept = node.content.as_deref();
        if kept.is_none() && !node.deferred {
            continue;
        }
        let shown = format!("/{path}");
        let mut out = Output::default();
        let mut lock = false;
        if let Some(p) = parser_for(path) {
            lock = is_lock_parser(p.name);
            if size > MAX_TEXT_BYTES && p.name != "jar" {
                out.warn(
                    &shown,
                    None,
                    format!(
                        "file of {size} bytes is over the {MAX_TEXT_BYTES} byte limit; not parsed"
                    ),
                );
            } else if p.name == "gosum"
                && paths.contains(format!("{}go.mod", parent(path)).as_str())
            {
                // go.mod is the better source when present.
            } else if let Some(data) = kept {
                (p.parse)(&Input { path: &shown, data }, &mut out);
            } else {
                parse_on_disk(fs, path, &shown, p, &mut out);
            }
        } else if binary_candidate(path) {
            match kept {
                Some(data) if elf::is_elf(data) => {
                    binary(&shown, &elf::Source::Bytes(data), &mut out);
                }
                Some(_) => {}
                None => binary_on_disk(fs, path, &shown, &mut out),
            }
        }
        if out.packages.is_empty() && out.diags.is_empty() {
            continue;
        }
        let attr = attribution(fs, path, node.layer);
        for mut p in out.packages {
            attr.apply(&mut p, fs);
            all.push((p, lock));
        }
        for mut d in out.diags {
            d.location.layer = fs.layers.get(node.layer).cloned().map(Box::new);
            diags.push(d);
        }
    }
    let mut all = merge_locks(all);
    dedup(&mut all);
    all
}

/// Parses a file left on disk by a root filesystem read: archives are read through the file (the zip reader
/// seeks to what it needs), other files are read whole, parsed and dropped.
fn parse_on_disk(fs: &ImageFs, path: &str, shown: &str, p: Parser, out: &mut Output) {
    use std::io::Read;
    let Some(file) = fs.open(path) else {
        return;
    };
    let result = file.and_then(|f| {
        if p.name == "jar" {
            java::parse_archive(
                std::io::BufReader::new(f),
                shown,
                &java::Limits::default(),
                out,
            );
        } else {
            let mut data = Vec::new();
            f.take(MAX_TEXT_BYTES).read_to_end(&mut data)?;
            (p.parse)(
                &Input {
                    path: shown,
                    data: &data,
                },
                out,
            );
        }
        Ok(())
    });
    if let Err(e) = result {
        out.warn(shown, None, format!("cannot read: {e}"));
    }
}

/// Reads the build information of a binary left on disk by a root filesystem read: the ELF magic, then only
/// the section headers and the sections the catalogers decode, never the whole file.
fn binary_on_disk(fs: &ImageFs, path: &str, shown: &str, out: &mut Output) {
    use std::os::unix::fs::FileExt;
    let Some(file) = fs.open(path) else {
        return;
    };
    let (f, len) = match file.and_then(|f| f.metadata().map(|m| (f, m.len()))) {
        Ok(f) => f,
        Err(e) => {
            out.warn(shown, None, format!("cannot read: {e}"));
            return;
        }
    };
    let mut magic = [0u8; 4];
    if f.read_exact_at(&mut magic, 0).is_ok() && elf::is_elf(&magic) {
        binary(shown, &elf::Source::File(&f, len), out);
    }
}

/// `dir/` of `dir/file` (empty for a bare name).
pub(crate) fn parent(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..=i])
}

/// Parsers that read declared (lockfile) dependencies rather than installed package metadata.
const LOCK_PARSERS: &[&str] = &[
    "requirements",
    "pipfile_lock",
    "python_toml_lock",
    "package_lock",
    "yarn_lock",
    "pnpm_lock",
    "gomod",
    "gosum",
    "cargo_lock",
    "gradle_lockfile",
    "pom_xml",
    "gemfile_lock",
    "composer_lock",
    "nuget_lock",
];

/// Whether a parser reads a lockfile.
#[must_use]
pub fn is_lock_parser(name: &str) -> bool {
    LOCK_PARSERS.contains(&name)
}

/// A lockfile entry that is also installed under the lockfile's directory (`/app/package-lock.json` and
/// `/app/node_modules/lodash/package.json`) is one package: the installed one is kept, with the lockfile's
/// `direct` and `dev` copied onto it.
pub(crate) fn merge_locks(tagged: Vec<(Package, bool)>) -> Vec<Package> {
    use std::collections::HashMap;
    let mut installed: HashMap<(PackageType, String, String), Vec<usize>> = HashMap::new();
    for (i, (p, lock)) in tagged.iter().enumerate() {
        if !lock {
            installed
                .entry((p.package_type, p.name.clone(), p.version.clone()))
                .or_default()
                .push(i);
        }
    }
    let mut keep = vec![true; tagged.len()];
    let mut updates: Vec<(usize, Option<bool>, bool)> = Vec::new();
    for (i, (p, lock)) in tagged.iter().enumerate() {
        if !lock {
            continue;
        }
        let dir = parent(p.found_in.as_deref().unwrap_or(""));
        let key = (p.package_type, p.name.clone(), p.version.clone());
        if let Some(js) = installed.get(&key) {
            let same_tree: Vec<usize> = js
                .iter()
                .copied()
                .filter(|&j| {
                    tagged[j]
                        .0
                        .found_in
                        .as_deref()
                        .unwrap_or("")
                        .starts_with(dir)
                })
                .collect();
            if !same_tree.is_empty() {
                keep[i] = false;
                for j in same_tree {
                    updates.push((j, p.direct, p.dev));
                }
            }
        }
    }
    let mut v: Vec<Package> = tagged.into_iter().map(|(p, _)| p).collect();
    for (j, direct, dev) in updates {
        if v[j].direct.is_none() {
            v[j].direct = direct;
        }
        v[j].dev |= dev;
    }
    let mut it = keep.into_iter();
    v.retain(|_| it.next().unwrap_or(true));
    v
}

/// Drops exact repeats (same purl from the same file).
pub(crate) fn dedup(v: &mut Vec<Package>) {
    let mut seen = HashSet::new();
    v.retain(|p| seen.insert((p.purl.clone(), p.found_in.clone(), p.dev)));
}

/// 1-based line of a byte offset.
// Warnings only: not worth the bytecount crate.
#[allow(clippy::naive_bytecount)]
pub(crate) fn line_of(data: &[u8], offset: usize) -> usize {
    data[..offset.min(data.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Text of a file, or a warning.
pub(crate) fn text<'a>(input: &Input<'a>, out: &mut Output) -> Option<&'a str> {
    match std::str::from_utf8(input.data) {
        Ok(s) => Some(s.strip_prefix('\u{feff}').unwrap_or(s)),
        Err(e) => {
            let line = line_of(input.data, e.valid_up_to());
            out.warn(input.path, Some(line), format!("not UTF-8: {e}"));
            None
        }
    }
}

/// Parses JSON, turning an error into a warning with its line.
pub(crate) fn json<T: serde::de::DeserializeOwned>(
    input: &Input<'_>,
    out: &mut Output,
) -> Option<T> {
    match serde_json::from_slice(input.data) {
        Ok(v) => Some(v),
        Err(e) => {
            out.warn(input.path, Some(e.line()), format!("malformed JSON: {e}"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parser_has_a_distinct_name_and_binary_candidates_are_sane() {
        for p in [
            "a/requirements.txt",
            "x/node_modules/lodash/package.json",
            "go.mod",
            "Cargo.lock",
            "a.jar",
            "Gemfile.lock",
            "composer.lock",
            "packages.lock.json",
        ] {
            assert!(parser_for(p).is_some(), "{p}");
        }
        assert!(binary_candidate("usr/bin/docker-registry"));
        assert!(!binary_candidate("usr/bin/foo.py"));
        assert!(!binary_candidate("app/node_modules/.bin/x"));
        assert!(!binary_candidate("opt/app/LICENSE"));
        assert!(binary_candidate("opt/app/bin/server"));
        assert!(!binary_candidate("etc/passwd"));
        assert!(!wanted("usr/share/doc/x/README"));
        assert!(parser_for("app/node_modules/x/package-lock.json").is_none());
    }
}
