//! The content-addressed blob cache: `<cache_dir>/blobs/sha256/<hex>`.
//!
//! A blob only ever appears under its final name after its bytes were hashed and matched its
//! digest: it is streamed into a temporary file in the same folder, verified, then renamed
//! (atomic on one file system). Any failure removes the temporary file.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use sha2::{Digest as _, Sha256};

use crate::{Digest, RegistryError};

/// Where the cache lives when no directory is given: `$XDG_CACHE_HOME/bulwark`, else
/// `$HOME/.cache/bulwark`, else `.bulwark-cache` in the working directory.
#[must_use]
pub fn default_cache_dir() -> PathBuf {
    let non_empty = |v: &str| {
        std::env::var_os(v)
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
    };
    non_empty("XDG_CACHE_HOME")
        .map(|d| d.join("bulwark"))
        .or_else(|| non_empty("HOME").map(|h| h.join(".cache").join("bulwark")))
        .unwrap_or_else(|| PathBuf::from(".bulwark-cache"))
}

/// A handle on the blob folder of a cache directory.
#[derive(Debug, Clone)]
pub struct BlobCache {
    blobs: PathBuf,
}

/// Why [`BlobCache::store`] failed: our reading side (the network) or the cache itself.
#[derive(Debug)]
pub(crate) enum StoreError {
    /// Reading the source failed.
    Read(io::Error),
    /// More or fewer bytes than expected.
    Size { actual: u64 },
    /// The bytes hash to another digest.
    Mismatch { actual: Digest },
    /// The cache could not be written.
    Cache(RegistryError),
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Removes the temporary file unless it was renamed into place.
struct TempGuard(Option<PathBuf>);

impl Drop for TempGuard {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = fs::remove_file(p);
        }
    }
}

impl BlobCache {
    /// Opens `<dir>/blobs/sha256`. Nothing is created until the first blob is stored, so a pull that fails
    /// before any download leaves no empty cache directories behind.
    pub fn open(dir: &Path) -> Result<Self, RegistryError> {
        let blobs = dir.join("blobs").join("sha256");
        if blobs.exists() && !blobs.is_dir() {
            return Err(RegistryError::io(
                "opening cache directory",
                &blobs,
                io::Error::other("not a directory"),
            ));
        }
        Ok(Self { blobs })
    }

    /// The final path of a blob, whether or not it is present.
    #[must_use]
    pub fn path(&self, digest: &Digest) -> PathBuf {
        self.blobs.join(digest.hex())
    }

    /// The blob's path if it is cached with `size` bytes (when given). A hit refreshes the
    /// file's modification time, which eviction reads as "last used".
    #[must_use]
    pub fn lookup(&self, digest: &Digest, size: Option<u64>) -> Option<PathBuf> {
        let path = self.path(digest);
        let meta = fs::metadata(&path).ok()?;
        if !meta.is_file() || size.is_some_and(|s| s != meta.len()) {
            return None;
        }
        if let Ok(f) = File::options().write(true).open(&path) {
            let _ = f.set_modified(SystemTime::now());
        }
        Some(path)
    }

    /// Streams `source` into the cache under `expected`, reading at most `size + 1` bytes when
    /// a size is known. `on_bytes` is called with the running byte count.
    pub(crate) fn store(
        &self,
        expected: &Digest,
        size: Option<u64>,
        source: &mut dyn Read,
        on_bytes: &mut dyn FnMut(u64),
    ) -> Result<PathBuf, StoreError> {
        fs::create_dir_all(&self.blobs).map_err(|e| {
            StoreError::Cache(RegistryError::io(
                "creating cache directory",
                &self.blobs,
                e,
            ))
        })?;
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        // Errors name the blob's final path: the temporary name means nothing to the user.
        let shown = self.path(expected);
        let temp = self.blobs.join(format!(
            ".tmp-{}-{}-{n}",
            expected.hex(),
            std::process::id()
        ));
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(|e| StoreError::Cache(RegistryError::io("creating", &shown, e)))?;
        let mut guard = TempGuard(Some(temp.clone()));
        // Held until the rename: marks the file as in use for [`BlobCache::remove_stale_temps`]. A file system
        // without locks only loses that clean-up.
        let _ = file.try_lock();

        let mut hasher = Sha256::new();
        let mut done: u64 = 0;
        let mut buf = vec![0u8; 256 * 1024];
        let limit = size.map(|s| s.saturating_add(1));
        loop {
            let want = match limit {
                Some(l) => (l - done).min(buf.len() as u64) as usize,
                None => buf.len(),
            };
            if want == 0 {
                break;
            }
            let got = match source.read(&mut buf[..want]) {
                Ok(0) => break,
                Ok(k) => k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(StoreError::Read(e)),
            };
            hasher.update(&buf[..got]);
            file.write_all(&buf[..got])
                .map_err(|e| StoreError::Cache(RegistryError::io("writing", &shown, e)))?;
            done += got as u64;
            on_bytes(done);
        }
        if size.is_some_and(|s| s != done) {
            return Err(StoreError::Size { actual: done });
        }
        let actual = Digest::from_hasher(hasher);
        if &actual != expected {
            return Err(StoreError::Mismatch { actual });
        }
        file.flush()
            .map_err(|e| StoreError::Cache(RegistryError::io("writing", &shown, e)))?;
        drop(file);
        let path = self.path(expected);
        fs::rename(&temp, &path)
            .map_err(|e| StoreError::Cache(RegistryError::io("renaming into place", &path, e)))?;
        guard.0 = None;
        Ok(path)
    }

    /// Stores bytes already in memory (manifests), verified like any blob.
    pub(crate) fn store_bytes(
        &self,
        expected: &Digest,
        bytes: &[u8],
    ) -> Result<PathBuf, StoreError> {
        if let Some(p) = self.lookup(expected, Some(bytes.len() as u64)) {
            return Ok(p);
        }
        let mut src = bytes;
        self.store(expected, Some(bytes.len() as u64), &mut src, &mut |_| {})
    }

    /// Removes the temporary files of pulls that died (`kill -9`, power loss) before renaming them: every
    /// `.tmp-*` file no live process holds a lock on. Called when a pull starts, so that an interrupted pull of
    /// a huge or endless blob costs its disk space only until the next run. Best effort.
    pub fn remove_stale_temps(&self) {
        let Ok(entries) = fs::read_dir(&self.blobs) else {
            return;
        };
        for entry in entries.flatten() {
            if !entry.file_name().to_string_lossy().starts_with(".tmp-") {
                continue;
            }
            let path = entry.path();
            // Never opened unless a regular file (a FIFO would block the open).
            let stale = match fs::symlink_metadata(&path) {
                Ok(m) if m.is_file() => File::open(&path).is_ok_and(|f| f.try_lock().is_ok()),
                Ok(_) => true,
                Err(_) => false,
            };
            if stale {
                let _ = fs::remove_file(&path);
            }
        }
    }

    /// Deletes the least recently used blobs (oldest modification time first) until the
    /// cache holds at most `max_bytes`, never deleting a path in `keep`. Leftover temporary
    /// files older than a day are removed too. Returns the number of bytes freed.
    pub fn evict(&self, max_bytes: u64, keep: &HashSet<PathBuf>) -> Result<u64, RegistryError> {
        let entries = match fs::read_dir(&self.blobs) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(RegistryError::io("listing", &self.blobs, e)),
        };
        let mut blobs = Vec::new();
        let mut total: u64 = 0;
        let day_ago = SystemTime::now() - std::time::Duration::from_hours(24);
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            if !meta.is_file() {
                continue;
            }
            let mtime = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            if entry.file_name().to_string_lossy().starts_with(".tmp-") {
                if mtime < day_ago {
                    let _ = fs::remove_file(&path);
                }
                continue;
            }
            total += meta.len();
            blobs.push((mtime, meta.len(), path));
        }
        blobs.sort();
        let mut freed = 0;
        for (_, len, path) in blobs {
            if total <= max_bytes {
                break;
            }
            if keep.contains(&path) {
                continue;
            }
            match fs::remove_file(&path) {
                Ok(()) => {
                    total -= len;
                    freed += len;
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(RegistryError::io("evicting", &path, e)),
            }
        }
        Ok(freed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("bulwark-registry-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    fn files(cache: &BlobCache) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(&cache.blobs)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn store_verifies_and_leaves_nothing_on_mismatch() {
        let dir = temp_dir("store");
        let cache = BlobCache::open(&dir).unwrap();
        let good = Digest::of(b"hello");
        let path = cache.store_bytes(&good, b"hello").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"hello");
        assert!(cache.lookup(&good, Some(5)).is_some());
        assert!(cache.lookup(&good, Some(6)).is_none());

        let other = Digest::of(b"other");
        let mut src: &[u8] = b"tampered";
        let err = cache
            .store(&other, None, &mut src, &mut |_| {})
            .unwrap_err();
        assert!(matches!(err, StoreError::Mismatch { .. }));
        let mut src: &[u8] = b"too long";
        let err = cache
            .store(&other, Some(3), &mut src, &mut |_| {})
            .unwrap_err();
        assert!(matches!(err, StoreError::Size { actual: 4 }));
        assert_eq!(files(&cache), vec![good.hex().to_owned()]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn eviction_removes_oldest_first_and_keeps_the_pinned() {
        let dir = temp_dir("evict");
        let cache = BlobCache::open(&dir).unwrap();
        let mut paths = Vec::new();
        for (i, body) in [&b"aaaa"[..], b"bbbb", b"cccc", b"dddd"].iter().enumerate() {
            let d = Digest::of(body);
            let p = cache.store_bytes(&d, body).unwrap();
            let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000 + i as u64);
            File::options()
                .write(true)
                .open(&p)
                .unwrap()
                .set_modified(t)
                .unwrap();
            paths.push(p);
        }
        // Oldest is paths[0], but it is pinned: paths[1] and paths[2] go.
        let keep: HashSet<PathBuf> = [paths[0].clone()].into();
        assert_eq!(cache.evict(8, &keep).unwrap(), 8);
        assert!(paths[0].exists() && !paths[1].exists() && !paths[2].exists() && paths[3].exists());
        assert_eq!(cache.evict(100, &HashSet::new()).unwrap(), 0);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn stale_temporary_files_go_live_ones_stay() {
        let dir = temp_dir("stale");
        let cache = BlobCache::open(&dir).unwrap();
        fs::create_dir_all(&cache.blobs).unwrap();
        let dead = cache.blobs.join(".tmp-abc-4000000-0");
        fs::write(&dead, b"left by a killed pull").unwrap();
        let live = cache.blobs.join(".tmp-abc-4000001-0");
        let held = File::create(&live).unwrap();
        held.lock().unwrap();
        let blob = cache.store_bytes(&Digest::of(b"x"), b"x").unwrap();
        cache.remove_stale_temps();
        assert!(!dead.exists() && live.exists() && blob.exists());
        drop(held);
        cache.remove_stale_temps();
        assert!(!live.exists());
        fs::remove_dir_all(&dir).unwrap();
    }
}
