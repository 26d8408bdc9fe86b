//! Replace a file atomically: write a temporary sibling, fsync it, rename it over the target, fsync the
//! directory. A crash at any point leaves either the old file or the new one, never half of one.

use std::path::{Path, PathBuf};

use crate::Error;

/// A temporary sibling of `dest` (same directory, so the rename cannot cross file systems).
pub(crate) fn temp_path(dest: &Path) -> PathBuf {
    let name = dest.file_name().map_or_else(
        || "bulwark.db".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    );
    dest.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
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
        .map_err(|e| Error::io(tmp, e))?;
    f.sync_all().map_err(|e| Error::io(tmp, e))?;
    drop(f);
    std::fs::rename(tmp, dest).map_err(|e| Error::io(dest, e))?;
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = std::fs::File::open(dir)
    {
        // Best effort: not every platform can fsync a directory.
        let _ = d.sync_all();
    }
    Ok(())
}
