//! Replace a file atomically: write a temporary sibling, fsync it, rename it over the target, fsync the
//! directory. A crash at any point leaves either the old file or the new one, never half of one.
//!
//! Temporary siblings (`.<name>.tmp-<pid>`, `.<name>.download-<pid>`) are unique per process and held under an
//! advisory lock (`flock`) while in use. A process killed mid-update leaves its file unlocked, and the next
//! update removes every unlocked sibling before it starts ([`sweep_stale`]), so a `kill -9` costs disk space
//! only until the next run.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::Error;

fn base_name(dest: &Path) -> String {
    dest.file_name().map_or_else(
        || "bulwark.db".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// A temporary sibling of `dest` (same directory, so the rename cannot cross file systems).
pub(crate) fn temp_path(dest: &Path) -> PathBuf {
    let name = base_name(dest);
    dest.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Where a download for `dest` is written before it is checked.
pub(crate) fn download_path(dest: &Path) -> PathBuf {
    let name = base_name(dest);
    dest.with_file_name(format!(".{name}.download-{}", std::process::id()))
}

/// Creates (truncating) `path` for writing and takes an exclusive advisory lock on it, which marks it as in
/// use until the handle is dropped (or the process dies).
pub(crate) fn create_locked(path: &Path) -> std::io::Result<File> {
    let f = File::create(path)?;
    // A file system without locks (some network mounts) only loses the stale-file sweep.
    let _ = f.try_lock();
    Ok(f)
}

/// Removes temporary siblings of `dest` left by processes that died mid-update: every `.<name>.tmp-*`,
/// `.<name>.download*` or `.<name>.feeds-*` entry that no live process holds a lock on. Best effort.
pub(crate) fn sweep_stale(dest: &Path) {
    let name = base_name(dest);
    let dir = match dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(d) => d.to_owned(),
        None => PathBuf::from("."),
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    let prefixes = [
        format!(".{name}.tmp-"),
        format!(".{name}.download"),
        format!(".{name}.feeds-"),
    ];
    let own = std::process::id().to_string();
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if !prefixes.iter().any(|p| file_name.starts_with(p.as_str())) || file_name.ends_with(&own)
        {
            continue;
        }
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            // A feeds scratch directory: its lock file says whether its process is alive.
            let lock = path.join(".lock");
            let stale = File::open(&lock).map_or(true, |f| f.try_lock().is_ok());
            if stale {
                let _ = std::fs::remove_dir_all(&path);
            }
        } else if !meta.is_file() || File::open(&path).is_ok_and(|f| f.try_lock().is_ok()) {
            // A symlink or FIFO under our prefix is removed without being opened (a FIFO would block).
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// fsyncs `tmp` and renames it to `dest`.
pub(crate) fn persist(tmp: &Path, dest: &Path) -> Result<(), Error> {
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(tmp)
        .map_err(|e| Error::io(dest, e))?;
    f.sync_all().map_err(|e| Error::io(dest, e))?;
    drop(f);
    std::fs::rename(tmp, dest).map_err(|e| Error::io(dest, e))?;
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = File::open(dir)
    {
        // Best effort: not every platform can fsync a directory.
        let _ = d.sync_all();
    }
    Ok(())
}

/// Opens `path` for reading only if it is a regular file (after following symlinks): a FIFO would block the
/// open or the read forever, a device (`/dev/zero`) never ends. The opened handle is checked again, so a file
/// swapped for something else between the two checks is refused too.
pub(crate) fn open_regular(path: &Path) -> Result<File, Error> {
    let not_regular = || Error::NotRegular {
        path: path.to_owned(),
    };
    let meta = std::fs::metadata(path).map_err(|e| not_found_or_io(path, e))?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    let f = File::open(path).map_err(|e| not_found_or_io(path, e))?;
    if !f.metadata().map_err(|e| Error::io(path, e))?.is_file() {
        return Err(not_regular());
    }
    Ok(f)
}

fn not_found_or_io(path: &Path, e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        Error::NotFound {
            path: path.to_owned(),
        }
    } else {
        Error::io(path, e)
    }
}

/// Reads a small regular file (a digest or signature sidecar): a FIFO, a device or a file longer than `limit`
/// bytes is an `InvalidInput` error; a missing file keeps its `NotFound` kind.
pub(crate) fn read_small(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let invalid = |what: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, what);
    if !std::fs::metadata(path)?.is_file() {
        return Err(invalid("not a regular file".into()));
    }
    let f = File::open(path)?;
    if !f.metadata()?.is_file() {
        return Err(invalid("not a regular file".into()));
    }
    let mut buf = Vec::new();
    f.take(limit + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Err(invalid(format!("larger than {limit} bytes")));
    }
    Ok(buf)
}
