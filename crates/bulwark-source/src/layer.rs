//! Streams one layer tar once: records every entry, keeps the content of the files a cataloger asked for, and
//! verifies the blob digest at the end. Nothing is written to disk.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read};
use std::sync::Arc;

use bulwark_types::{Diagnostic, LayerRef, Location};

use crate::SourceError;
use crate::digest::HashingReader;
use crate::targuard::HeaderGuard;

/// A callback over `(layer, image path, content)` for every regular file as layers stream.
pub type FileVisitor<'a> = dyn Fn(&LayerRef, &str, &[u8]) + Sync + 'a;

/// What the caller wants kept from each layer, and the bounds that protect it from hostile layers.
pub struct ReadOptions<'a> {
    /// Called with every regular file's image path (no leading `/`); `true` keeps its content.
    pub wanted: &'a (dyn Fn(&str) -> bool + Sync),
    /// A wanted file larger than this is skipped with a warning.
    pub max_file_bytes: u64,
    /// A layer that decompresses to more than this is refused.
    pub max_layer_bytes: u64,
    /// A compressed layer whose expansion ratio exceeds this (after `bomb_floor_bytes`) is refused as a
    /// decompression bomb. Real layers expand 2–10×; gzip of zeros reaches ~230× at level 1 and ~1000× at 9.
    pub max_ratio: u64,
    pub bomb_floor_bytes: u64,
    /// Check every layer blob against its digest (on by default). Manifests and configs are always checked.
    pub verify_digests: bool,
    /// Called with every regular file of every layer (up to `visit_max_bytes`), including files a later layer
    /// deletes, while the layer streams; the content is not kept. Secret and malware scanning use it.
    pub visit: Option<&'a FileVisitor<'a>>,
    pub visit_max_bytes: u64,
    /// Called as a layer stored in a file is read: `(layer index, bytes read so far, layer size)`, at most
    /// every [`PROGRESS_STEP`] bytes and once at the end. Drives the CLI's progress bar on large layers.
    pub progress: Option<&'a LayerProgress<'a>>,
    /// Root filesystem directories only: wanted files this accepts are recorded without their content, which
    /// stays on disk until a cataloger reads it through [`crate::ImageFs::open`], one file at a time, so that
    /// a host's binaries and archives are never all in memory together. Layers ignore it: a layer cannot be
    /// read again.
    pub deferred: &'a (dyn Fn(&str) -> bool + Sync),
    /// Root filesystem directories only: called as the directory is walked, with the number of entries seen
    /// so far and of wanted files among them, every [`WALK_STEP`] entries and once at the end.
    pub walk_progress: Option<&'a WalkProgress<'a>>,
}

/// See [`ReadOptions::progress`].
pub type LayerProgress<'a> = dyn Fn(usize, u64, u64) + Sync + 'a;

/// See [`ReadOptions::walk_progress`]: `(entries seen, wanted files among them)`.
pub type WalkProgress<'a> = dyn Fn(u64, u64) + Sync + 'a;

/// Directory entries between two [`ReadOptions::walk_progress`] reports.
pub const WALK_STEP: u64 = 4096;

/// Bytes between two progress reports.
pub const PROGRESS_STEP: u64 = 8 << 20;

/// Reports how far a reader has got through a layer.
struct ProgressReader<'a, R> {
    inner: R,
    report: &'a LayerProgress<'a>,
    index: usize,
    total: u64,
    done: u64,
    last: u64,
}

impl<R: Read> Read for ProgressReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.done += n as u64;
        if n == 0 || self.done - self.last >= PROGRESS_STEP {
            self.last = self.done;
            (self.report)(self.index, self.done, self.total);
        }
        Ok(n)
    }
}

impl Default for ReadOptions<'_> {
    fn default() -> Self {
        Self {
            wanted: &|_| false,
            max_file_bytes: 256 << 20,
            max_layer_bytes: 64 << 30,
            max_ratio: 100,
            bomb_floor_bytes: 256 << 20,
            verify_digests: true,
            visit: None,
            visit_max_bytes: 32 << 20,
            progress: None,
            deferred: &|_| false,
            walk_progress: None,
        }
    }
}

/// The kind of a tar entry, as the merged view needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeKind {
    File {
        size: u64,
    },
    Dir,
    Symlink(String),
    /// Hard link to another image path (normalised, no leading `/`).
    Hardlink(String),
    Other,
}

/// One entry of a layer.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Normalised image path without a leading `/` (`etc/os-release`).
    pub path: String,
    pub kind: NodeKind,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// Kept content, for wanted files.
    pub content: Option<Arc<[u8]>>,
}

/// Everything one layer contributed.
#[derive(Debug, Default)]
pub struct LayerContents {
    pub entries: Vec<Entry>,
    /// Paths deleted by `.wh.<name>` markers.
    pub whiteouts: Vec<String>,
    /// Directories made opaque by `.wh..wh..opq`.
    pub opaque_dirs: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
    /// Uncompressed size.
    pub size: u64,
}

/// How to verify a layer stream.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Verify {
    /// The stored (possibly compressed) blob must hash to this digest.
    Blob(String),
    /// The uncompressed tar must hash to this diff id (docker-archive layers).
    DiffId(String),
    Nothing,
}

enum Decoder<R: BufRead> {
    Gzip(Box<flate2::bufread::MultiGzDecoder<R>>),
    Zstd(Box<zstd::Decoder<'static, R>>),
    Plain(R),
}

impl<R: BufRead> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Gzip(d) => d.read(buf),
            Self::Zstd(d) => d.read(buf),
            Self::Plain(r) => r.read(buf),
        }
    }
}

impl<R: BufRead> Decoder<R> {
    fn into_inner(self) -> R {
        match self {
            Self::Gzip(d) => d.into_inner(),
            Self::Zstd(d) => d.finish(),
            Self::Plain(r) => r,
        }
    }
}

/// Counts decompressed bytes and stops decompression bombs before they cost more than the bounds allow.
struct Limited<R> {
    inner: R,
    count: u64,
    /// `count`, for [`Meter`].
    shared_count: Arc<std::sync::atomic::AtomicU64>,
    compressed_count: Arc<std::sync::atomic::AtomicU64>,
    compressed: bool,
    max: u64,
    max_ratio: u64,
    floor: u64,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        self.shared_count
            .store(self.count, std::sync::atomic::Ordering::Relaxed);
        if self.count > self.max {
            return Err(io::Error::other(format!(
                "decompressed size exceeds the limit of {} bytes (possible decompression bomb)",
                self.max
            )));
        }
        if self.compressed && self.count > self.floor {
            let c = self
                .compressed_count
                .load(std::sync::atomic::Ordering::Relaxed)
                .max(1);
            if self.count / c > self.max_ratio {
                return Err(io::Error::other(format!(
                    "expands more than {}x ({} bytes from {c}; possible decompression bomb)",
                    self.max_ratio, self.count
                )));
            }
        }
        Ok(n)
    }
}

/// Shares the compressed byte count with [`Limited`] through an atomic, since the two readers sit at opposite
/// ends of the decoder.
struct CountingShared<R> {
    inner: HashingReader<R>,
    shared: Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for CountingShared<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.shared
            .store(self.inner.count, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// Reads one layer stream to the end.
pub fn read_layer(
    raw: impl Read,
    layer: &LayerRef,
    verify: &Verify,
    opts: &ReadOptions<'_>,
) -> Result<LayerContents, SourceError> {
    let digest_name = layer
        .digest
        .as_deref()
        .or(layer.diff_id.as_deref())
        .unwrap_or("?")
        .to_string();
    let layer_err = |message: String, source: Option<io::Error>| SourceError::Layer {
        index: layer.index,
        digest: digest_name.clone(),
        message,
        source,
    };
    let shared = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counting = CountingShared {
        inner: HashingReader::new(raw),
        shared: shared.clone(),
    };
    let mut buffered = BufReader::with_capacity(256 << 10, counting);
    let head = buffered
        .fill_buf()
        .map_err(|e| layer_err("cannot read".into(), Some(e)))?;
    let decoder = if head.starts_with(&[0x1f, 0x8b]) {
        Decoder::Gzip(Box::new(flate2::bufread::MultiGzDecoder::new(buffered)))
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        let d = zstd::Decoder::with_buffer(buffered)
            .map_err(|e| layer_err("bad zstd stream".into(), Some(e)))?;
        Decoder::Zstd(Box::new(d))
    } else {
        Decoder::Plain(buffered)
    };
    let compressed = !matches!(decoder, Decoder::Plain(_));
    let expanded = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let meter = Meter {
        stored: Box::new({
            let c = shared.clone();
            move || c.load(std::sync::atomic::Ordering::Relaxed)
        }),
        expanded: Box::new({
            let c = expanded.clone();
            move || c.load(std::sync::atomic::Ordering::Relaxed)
        }),
    };
    let limited = Limited {
        inner: decoder,
        count: 0,
        shared_count: expanded,
        compressed_count: shared,
        compressed,
        max: opts.max_layer_bytes,
        max_ratio: opts.max_ratio,
        floor: opts.bomb_floor_bytes,
    };
    // An uncompressed blob is its own diff: one hash of the raw stream serves both checks.
    let uncompressed = if compressed && matches!(verify, Verify::DiffId(_)) {
        HashingReader::new(limited)
    } else {
        HashingReader::counting(limited)
    };
    let mut archive = tar::Archive::new(HeaderGuard::new(uncompressed));
    let mut out = LayerContents::default();
    walk_entries(
        archive
            .entries()
            .map_err(|e| layer_err(e.to_string(), Some(e)))?,
        layer,
        opts,
        &meter,
        &mut out,
    )
    .map_err(|e| layer_err(e.to_string(), Some(e)))?;

    // Drain what tar left (end-of-archive padding, the gzip trailer), so that truncation is noticed and the
    // digests cover every byte.
    let (diff_id, size, limited) = archive
        .into_inner()
        .into_inner()
        .finish()
        .map_err(|e| layer_err("cannot read layer to the end".into(), Some(e)))?;
    out.size = size;
    let raw = limited.inner.into_inner().into_inner().inner;
    let (blob, _, _) = raw
        .finish()
        .map_err(|e| layer_err("cannot read layer blob to the end".into(), Some(e)))?;
    let (expected, actual, what) = match verify {
        Verify::DiffId(e) if !compressed => (e, blob, "layer diff id"),
        Verify::DiffId(e) => (e, diff_id, "layer diff id"),
        Verify::Blob(e) => (e, blob, "layer blob"),
        Verify::Nothing => return Ok(out),
    };
    if *expected != actual {
        return Err(SourceError::DigestMismatch {
            what,
            name: format!("{} (layer {})", expected, layer.index),
            expected: expected.clone(),
            actual,
        });
    }
    Ok(out)
}

/// How far a layer has been read: bytes of the stored blob, and bytes the tar reader was handed after
/// decompression. GNU sparse members add zeros the tar crate makes up itself, which neither count sees.
struct Meter {
    stored: Box<dyn Fn() -> u64 + Send + Sync>,
    expanded: Box<dyn Fn() -> u64 + Send + Sync>,
}

/// Longest path or link target accepted (Linux's `PATH_MAX` is 4 KiB; real layers stay far below this).
/// Extension members that could carry a longer one (PAX headers over 1 MiB, GNU long names over this) are
/// refused from their headers by [`HeaderGuard`], before the `tar` crate reads them.
pub(crate) const MAX_PATH_BYTES: usize = 64 << 10;

/// The first characters of an over-long name, to name it in a diagnostic.
fn prefix(name: &[u8]) -> String {
    let cut = name.len().min(100);
    let mut s = String::from_utf8_lossy(&name[..cut]).into_owned();
    if cut < name.len() {
        s.push('…');
    }
    s
}

/// Why a member's names are refused, before anything copies them (a PAX `path` or `linkpath` of up to 1 MiB).
fn oversized<R: Read>(entry: &tar::Entry<'_, R>) -> Option<String> {
    let path = entry.path_bytes().len();
    if path > MAX_PATH_BYTES {
        return Some(format!(
            "path of {path} bytes is over the {MAX_PATH_BYTES} byte limit"
        ));
    }
    let link = entry.link_name_bytes().map_or(0, |l| l.len());
    if link > MAX_PATH_BYTES {
        return Some(format!(
            "link target of {link} bytes is over the {MAX_PATH_BYTES} byte limit"
        ));
    }
    None
}

/// A sparse member's expansion below this is never a bomb on its own (a sparse file of a few holes).
const SPARSE_FLOOR: u64 = 1 << 20;

fn walk_entries<R: Read>(
    entries: tar::Entries<'_, R>,
    layer: &LayerRef,
    opts: &ReadOptions<'_>,
    meter: &Meter,
    out: &mut LayerContents,
) -> io::Result<()> {
    let loc = |path: &str| Location {
        path: Some(format!("/{path}").into()),
        layer: Some(Box::new(layer.clone())),
        ..Location::default()
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    // Zeros filled in for GNU sparse members so far: they count against the layer's bounds as if they had
    // been decompressed, since a reader (ours, a visitor's) holds them all the same.
    let mut filled: u64 = 0;
    for entry in entries {
        let mut entry = entry?;
        if let Some(why) = oversized(&entry) {
            let name = prefix(&entry.path_bytes());
            out.diagnostics.push(Diagnostic::error(
                format!("tar entry '{name}': {why}; entry ignored"),
                loc(&name),
            ));
            continue;
        }
        let raw_path = entry.path_bytes().into_owned();
        let raw = String::from_utf8_lossy(&raw_path).into_owned();
        let Some(path) = normalize(&raw) else {
            out.diagnostics.push(Diagnostic::error(
                format!("tar entry '{raw}' escapes the image root; entry ignored"),
                loc(&raw),
            ));
            continue;
        };
        if path.is_empty() {
            continue;
        }
        let (dir, base) = split(&path);
        if let Some(hidden) = base.strip_prefix(".wh.") {
            if hidden == ".wh..opq" {
                out.opaque_dirs.push(dir.to_string());
            } else if !hidden.is_empty() {
                out.whiteouts.push(join(dir, hidden));
            }
            continue;
        }
        let header = entry.header();
        let stored_len = header.entry_size().unwrap_or(0);
        let fill = entry.size().saturating_sub(stored_len);
        // A member that expands past the ratio on its own is listed but never read: its content is zeros.
        let over_ratio = fill > 0
            && entry.size() > SPARSE_FLOOR
            && entry.size() / stored_len.max(1) > opts.max_ratio;
        if fill > 0 {
            filled = filled.saturating_add(fill);
            let total = (meter.expanded)().saturating_add(filled);
            if total > opts.max_layer_bytes {
                return Err(io::Error::other(format!(
                    "sparse files expand past the limit of {} bytes (possible decompression bomb)",
                    opts.max_layer_bytes
                )));
            }
            let stored = (meter.stored)().max(1);
            if total > opts.bomb_floor_bytes && total / stored > opts.max_ratio {
                return Err(io::Error::other(format!(
                    "sparse files expand more than {}x ({total} bytes from {stored}; possible decompression bomb)",
                    opts.max_ratio
                )));
            }
        }
        let mode = header.mode().unwrap_or(0);
        let uid = header.uid().unwrap_or(0);
        let gid = header.gid().unwrap_or(0);
        let kind = match header.entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
                NodeKind::File { size: entry.size() }
            }
            tar::EntryType::Directory => NodeKind::Dir,
            tar::EntryType::Symlink => {
                let target = entry
                    .link_name_bytes()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                NodeKind::Symlink(target)
            }
            tar::EntryType::Link => {
                let target = entry
                    .link_name_bytes()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                match normalize(&target) {
                    Some(t) if !t.is_empty() => NodeKind::Hardlink(t),
                    _ => {
                        out.diagnostics.push(Diagnostic::error(
                            format!(
                                "hard link target '{target}' escapes the image root; entry ignored"
                            ),
                            loc(&path),
                        ));
                        continue;
                    }
                }
            }
            _ => NodeKind::Other,
        };
        let mut content = None;
        let visit = opts
            .visit
            .filter(|_| matches!(kind, NodeKind::File { size } if size <= opts.visit_max_bytes));
        let visit = visit.filter(|_| !over_ratio);
        if let (Some(visit), NodeKind::File { size }) = (visit, &kind)
            && !((opts.wanted)(&path) && *size <= opts.max_file_bytes)
        {
            let mut buf = Vec::with_capacity(*size as usize);
            entry.read_to_end(&mut buf)?;
            visit(layer, &path, &buf);
        }
        if let NodeKind::File { size } = kind
            && (opts.wanted)(&path)
        {
            {
                if over_ratio {
                    out.diagnostics.push(Diagnostic::warning(
                        format!(
                            "sparse file of {size} bytes stores only {stored_len}; not read (more than {}x)",
                            opts.max_ratio
                        ),
                        loc(&path),
                    ));
                } else if size > opts.max_file_bytes {
                    out.diagnostics.push(Diagnostic::warning(
                        format!(
                            "file of {size} bytes is over the {} byte limit; not read",
                            opts.max_file_bytes
                        ),
                        loc(&path),
                    ));
                } else {
                    let mut buf = Vec::with_capacity(size as usize);
                    entry.read_to_end(&mut buf)?;
                    if let Some(visit) = visit {
                        visit(layer, &path, &buf);
                    }
                    content = Some(Arc::from(buf));
                }
            }
        }
        if let NodeKind::Hardlink(target) = &kind {
            // A hard link shares its target's content; when the target came earlier in this layer we have it.
            if (opts.wanted)(&path) {
                content = seen
                    .get(target)
                    .and_then(|&i| out.entries[i].content.clone());
            }
        }
        seen.insert(path.clone(), out.entries.len());
        out.entries.push(Entry {
            path,
            kind,
            mode,
            uid,
            gid,
            content,
        });
    }
    Ok(())
}

/// Normalises a tar path: strips `./` and leading `/`, drops `.` components and resolves `..`. `None` when
/// `..` would climb above the root.
#[must_use]
pub fn normalize(raw: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for c in raw.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(parts.join("/"))
}

pub(crate) fn split(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("", path),
    }
}

pub(crate) fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_paths() {
        assert_eq!(
            normalize("./etc/os-release").as_deref(),
            Some("etc/os-release")
        );
        assert_eq!(normalize("/usr//lib/./x").as_deref(), Some("usr/lib/x"));
        assert_eq!(normalize("a/b/../c").as_deref(), Some("a/c"));
        assert_eq!(normalize("../etc/passwd"), None);
        assert_eq!(normalize("a/../../etc"), None);
        assert_eq!(normalize("./").as_deref(), Some(""));
    }
}

/// A byte range of a file (a layer inside an archive, or a whole blob file), readable and seekable on its own.
#[derive(Debug)]
pub struct Section {
    file: std::fs::File,
    start: u64,
    len: u64,
    pos: u64,
}

impl Section {
    pub fn new(path: &std::path::Path, start: u64, len: Option<u64>) -> io::Result<Self> {
        use std::io::Seek;
        let mut file = std::fs::File::open(path)?;
        let len = match len {
            Some(l) => l,
            None => file.metadata()?.len(),
        };
        file.seek(io::SeekFrom::Start(start))?;
        Ok(Self {
            file,
            start,
            len,
            pos: 0,
        })
    }

    fn reopen(&self) -> io::Result<Self> {
        use std::io::Seek;
        let mut file = self.file.try_clone()?;
        file.seek(io::SeekFrom::Start(self.start))?;
        // A cloned descriptor shares the offset: give the copy its own by reopening through /proc when cloning
        // is not enough is unnecessary here, since each copy seeks before every read (see `read`).
        Ok(Self {
            file,
            start: self.start,
            len: self.len,
            pos: 0,
        })
    }
}

impl Read for Section {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        use std::os::unix::fs::FileExt;
        let left = self.len.saturating_sub(self.pos);
        let n = (buf.len() as u64).min(left) as usize;
        if n == 0 {
            return Ok(0);
        }
        // Positional reads: two sections of one file never disturb each other's offset.
        let got = self.file.read_at(&mut buf[..n], self.start + self.pos)?;
        self.pos += got as u64;
        Ok(got)
    }
}

impl io::Seek for Section {
    fn seek(&mut self, to: io::SeekFrom) -> io::Result<u64> {
        let target = match to {
            io::SeekFrom::Start(p) => i128::from(p),
            io::SeekFrom::Current(d) => i128::from(self.pos) + i128::from(d),
            io::SeekFrom::End(d) => i128::from(self.len) + i128::from(d),
        };
        if target < 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the layer",
            ));
        }
        self.pos = u64::try_from(target).unwrap_or(u64::MAX);
        Ok(self.pos)
    }
}

/// Reads a layer stored in a file. An uncompressed layer is parsed by seeking past the content of files nobody
/// wants while, in parallel, the whole blob is hashed; a compressed one is streamed once by [`read_layer`].
pub fn read_layer_file(
    section: Section,
    layer: &LayerRef,
    verify: &Verify,
    opts: &ReadOptions<'_>,
) -> Result<LayerContents, SourceError> {
    let mut head = [0u8; 4];
    let n = section
        .file
        .read_at_section(&mut head, section.start, section.len)
        .unwrap_or(0);
    let head = &head[..n];
    if head.starts_with(&[0x1f, 0x8b]) || head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return match opts.progress {
            Some(report) => {
                let total = section.len;
                let reader = ProgressReader {
                    inner: section,
                    report,
                    index: layer.index,
                    total,
                    done: 0,
                    last: 0,
                };
                read_layer(reader, layer, verify, opts)
            }
            None => read_layer(section, layer, verify, opts),
        };
    }
    let digest_name = layer
        .digest
        .as_deref()
        .or(layer.diff_id.as_deref())
        .unwrap_or("?")
        .to_string();
    let layer_err = |message: String, source: Option<io::Error>| SourceError::Layer {
        index: layer.index,
        digest: digest_name.clone(),
        message,
        source,
    };
    let hasher = match verify {
        Verify::Nothing => None,
        _ => Some(
            section
                .reopen()
                .map_err(|e| layer_err("cannot open".into(), Some(e)))?,
        ),
    };
    let (parsed, hashed) = rayon::join(
        || -> Result<LayerContents, SourceError> {
            // Parsed by seeking: the whole blob is what the layer stores and expands to.
            let len = section.len;
            let meter = Meter {
                stored: Box::new(move || len),
                expanded: Box::new(move || len),
            };
            let mut archive = tar::Archive::new(HeaderGuard::new(section));
            let mut out = LayerContents::default();
            let entries = archive
                .entries_with_seek()
                .map_err(|e| layer_err(e.to_string(), Some(e)))?;
            walk_entries(entries, layer, opts, &meter, &mut out)
                .map_err(|e| layer_err(e.to_string(), Some(e)))?;
            Ok(out)
        },
        || -> io::Result<(String, u64)> {
            let Some(hasher) = hasher else {
                return Ok((String::new(), 0));
            };
            let total = hasher.len;
            let (digest, size) = match opts.progress {
                Some(report) => hash_all(ProgressReader {
                    inner: hasher,
                    report,
                    index: layer.index,
                    total,
                    done: 0,
                    last: 0,
                })?,
                None => hash_all(hasher)?,
            };
            Ok((digest, size))
        },
    );
    let (digest, size) = hashed.map_err(|e| layer_err("cannot read layer".into(), Some(e)))?;
    // A digest mismatch explains any parse error that came with it, so it is reported first.
    let expected = match verify {
        Verify::Blob(e) | Verify::DiffId(e) => Some(e),
        Verify::Nothing => None,
    };
    if let Some(expected) = expected
        && *expected != digest
    {
        let what = if matches!(verify, Verify::Blob(_)) {
            "layer blob"
        } else {
            "layer diff id"
        };
        return Err(SourceError::DigestMismatch {
            what,
            name: format!("{} (layer {})", expected, layer.index),
            expected: expected.clone(),
            actual: digest,
        });
    }
    let mut out = parsed?;
    out.size = size;
    Ok(out)
}

/// `sha256:<hex>` and length of everything `r` yields.
fn hash_all(r: impl Read) -> io::Result<(String, u64)> {
    let mut r = HashingReader::new(io::BufReader::with_capacity(1 << 20, r));
    io::copy(&mut r, &mut io::sink())?;
    let (digest, size, _) = r.finish()?;
    Ok((digest, size))
}

/// `read_at` limited to a section, for sniffing magic bytes without moving any offset.
trait ReadAtSection {
    fn read_at_section(&self, buf: &mut [u8], start: u64, len: u64) -> io::Result<usize>;
}

impl ReadAtSection for std::fs::File {
    fn read_at_section(&self, buf: &mut [u8], start: u64, len: u64) -> io::Result<usize> {
        use std::os::unix::fs::FileExt;
        let n = (buf.len() as u64).min(len) as usize;
        self.read_at(&mut buf[..n], start)
    }
}
