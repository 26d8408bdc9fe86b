//! A root filesystem directory (a mounted image, a host's `/`) read as a one-layer image. Symlinks are
//! recorded, never followed on the host: they resolve inside the root like image symlinks.
//!
//! Memory follows what the catalogers read, not the size of the tree: only wanted files and symlinks are
//! recorded (the other hundreds of thousands of paths of a host are never looked up), and the wanted files
//! that [`ReadOptions::deferred`] accepts keep no content: it is read from disk later, one file at a time.
//!
//! What is not walked, as trivy and syft do: `/proc`, `/sys` and `/dev` (and `/run`) of a host's root, and any
//! mount point under the root whose file system is a kernel or memory one (`proc`, `sysfs`, `devtmpfs`,
//! `tmpfs`, `cgroup`…), where syft stops too.

use std::collections::HashSet;
use std::fs;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bulwark_types::{Diagnostic, Location};

use crate::SourceError;
use crate::fs::ImageFs;
use crate::layer::{Entry, NodeKind, ReadOptions, WALK_STEP};

/// Directories never descended into when they are the root's own (`/proc` and friends of a live host).
const PSEUDO_FS: &[&str] = &["proc", "sys", "dev", "run"];

/// File system types whose mount points hold no installed software: kernel interfaces and memory file
/// systems. syft skips `proc`, `procfs`, `sysfs`, `devfs`, `devtmpfs`, `udev` and `tmpfs` mounts; the others
/// are the rest of the kernel's pseudo file systems (they normally sit under `/sys`, `/proc` or `/dev`).
const PSEUDO_FS_TYPES: &[&str] = &[
    "proc",
    "procfs",
    "sysfs",
    "devfs",
    "devtmpfs",
    "udev",
    "tmpfs",
    "devpts",
    "mqueue",
    "cgroup",
    "cgroup2",
    "securityfs",
    "debugfs",
    "tracefs",
    "pstore",
    "bpf",
    "configfs",
    "fusectl",
    "binfmt_misc",
    "hugetlbfs",
    "efivarfs",
    "autofs",
    "nsfs",
    "rpc_pipefs",
];

/// Reads a directory as a root filesystem. `skip` holds root-relative directories to leave out.
pub fn read_rootfs(
    root: &Path,
    opts: &ReadOptions<'_>,
    skip: &[String],
) -> Result<ImageFs, SourceError> {
    let meta = fs::metadata(root).map_err(|e| SourceError::io(root, e))?;
    if !meta.is_dir() {
        return Err(SourceError::format(
            root.display().to_string(),
            "not a directory",
        ));
    }
    let host_root =
        root == Path::new("/") || fs::canonicalize(root).is_ok_and(|r| r == Path::new("/"));
    let mut skipped: HashSet<String> = skip
        .iter()
        .map(|s| s.trim_matches('/').to_string())
        .collect();
    skipped.extend(pseudo_mounts(root));
    let mut out = ImageFs::rootfs(root.to_path_buf());
    let (mut seen, mut kept) = (0u64, 0u64);
    let mut stack = vec![String::new()];
    while let Some(rel) = stack.pop() {
        let dir = if rel.is_empty() {
            root.to_path_buf()
        } else {
            root.join(&rel)
        };
        let rd = match fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) => {
                out.diagnostics.push(Diagnostic::warning(
                    format!("cannot list directory: {e}"),
                    Location::file(format!("/{rel}")),
                ));
                continue;
            }
        };
        let mut names: Vec<_> = rd.filter_map(Result::ok).collect();
        names.sort_by_key(fs::DirEntry::file_name);
        for de in names {
            seen += 1;
            if let Some(report) = opts.walk_progress
                && seen.is_multiple_of(WALK_STEP)
            {
                report(seen, kept);
            }
            let name = de.file_name().to_string_lossy().into_owned();
            let path = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            if skipped.contains(&path)
                || (rel.is_empty() && host_root && PSEUDO_FS.contains(&name.as_str()))
            {
                continue;
            }
            // The type comes with the directory entry on most file systems: no `stat` for the files nothing
            // wants.
            let Ok(ft) = de.file_type() else {
                continue;
            };
            let kind = if ft.is_dir() {
                stack.push(path);
                continue;
            } else if ft.is_symlink() {
                let target = fs::read_link(de.path())
                    .map(|t| t.to_string_lossy().into_owned())
                    .unwrap_or_default();
                NodeKind::Symlink(target)
            } else if ft.is_file() && (opts.wanted)(&path) {
                NodeKind::File { size: 0 }
            } else {
                // Unwanted files, devices, sockets and FIFOs: nothing that reads a root filesystem looks them up.
                continue;
            };
            let Ok(md) = fs::symlink_metadata(de.path()) else {
                continue;
            };
            let mut entry = Entry {
                path,
                kind,
                mode: md.permissions().mode(),
                uid: u64::from(md.uid()),
                gid: u64::from(md.gid()),
                content: None,
            };
            let mut deferred = false;
            if let NodeKind::File { size } = &mut entry.kind {
                if !md.is_file() {
                    continue; // replaced since it was listed
                }
                *size = md.len();
                kept += 1;
                let size = *size;
                if size > opts.max_file_bytes {
                    out.diagnostics.push(Diagnostic::warning(
                        format!(
                            "file of {size} bytes is over the {} byte limit; not read",
                            opts.max_file_bytes
                        ),
                        Location::file(format!("/{}", entry.path)),
                    ));
                } else if (opts.deferred)(&entry.path) {
                    deferred = true;
                } else {
                    let mut buf = Vec::with_capacity(size as usize);
                    match fs::File::open(de.path())
                        .and_then(|f| f.take(opts.max_file_bytes).read_to_end(&mut buf))
                    {
                        Ok(_) => entry.content = Some(Arc::from(buf)),
                        Err(e) => out.diagnostics.push(Diagnostic::warning(
                            format!("cannot read: {e}"),
                            Location::file(format!("/{}", entry.path)),
                        )),
                    }
                }
            }
            out.add(0, entry, deferred);
        }
    }
    if let Some(report) = opts.walk_progress {
        report(seen, kept);
    }
    out.finish_rootfs();
    Ok(out)
}

/// Root-relative paths of the pseudo file system mount points strictly under `root`
/// (`/proc/self/mountinfo`; nothing when it cannot be read).
fn pseudo_mounts(root: &Path) -> Vec<String> {
    let Ok(root) = fs::canonicalize(root) else {
        return Vec::new();
    };
    let Ok(info) = fs::read_to_string("/proc/self/mountinfo") else {
        return Vec::new();
    };
    mounts_under(&info, &root)
}

/// See [`pseudo_mounts`]: `info` is the text of a `mountinfo` file.
fn mounts_under(info: &str, root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for line in info.lines() {
        // `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue` (proc(5)).
        let Some((pre, post)) = line.split_once(" - ") else {
            continue;
        };
        let (Some(mount_point), Some(fs_type)) = (pre.split(' ').nth(4), post.split(' ').next())
        else {
            continue;
        };
        if !PSEUDO_FS_TYPES.contains(&fs_type) {
            continue;
        }
        let mount_point = PathBuf::from(unescape(mount_point));
        if let Ok(rel) = mount_point.strip_prefix(root)
            && !rel.as_os_str().is_empty()
        {
            out.push(rel.to_string_lossy().into_owned());
        }
    }
    out
}

/// Undoes mountinfo's octal escapes (`\040` for a space).
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && let Some(code) = b
                .get(i + 1..i + 4)
                .and_then(|d| std::str::from_utf8(d).ok())
                .and_then(|d| u8::from_str_radix(d, 8).ok())
        {
            out.push(code);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines from a real `/proc/self/mountinfo` (a container on this kind of machine), plus an escaped name.
    const MOUNTINFO: &str = "\
1021 1013 0:86 / / rw,relatime - ext4 /dev/vda rw
1022 1021 0:88 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
1023 1021 0:89 / /dev rw,nosuid - devtmpfs devtmpfs rw,size=4096k,mode=755
1024 1023 0:90 / /dev/shm rw,nosuid,nodev - tmpfs tmpfs rw
1025 1021 0:91 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro
1026 1021 0:92 / /mnt/data rw,relatime - ext4 /dev/vdb rw
1027 1021 0:93 / /srv/my\\040cache rw - tmpfs tmpfs rw
1028 1021 0:94 / /srv/root/proc rw - proc proc rw
";

    #[test]
    fn pseudo_mounts_under_the_root_only() {
        assert_eq!(
            mounts_under(MOUNTINFO, Path::new("/")),
            [
                "proc",
                "dev",
                "dev/shm",
                "sys",
                "srv/my cache",
                "srv/root/proc"
            ]
        );
        assert_eq!(mounts_under(MOUNTINFO, Path::new("/srv/root")), ["proc"]);
        // The root itself being a memory file system skips nothing.
        assert!(mounts_under(MOUNTINFO, Path::new("/dev/shm")).is_empty());
    }

    #[test]
    fn only_wanted_files_and_symlinks_are_kept_and_deferred_files_stay_on_disk() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path();
        fs::create_dir_all(p.join("etc")).unwrap();
        fs::create_dir_all(p.join("usr/lib")).unwrap();
        fs::create_dir_all(p.join("app/deep/er")).unwrap();
        fs::write(p.join("usr/lib/os-release"), "ID=debian\n").unwrap();
        std::os::unix::fs::symlink("../usr/lib/os-release", p.join("etc/os-release")).unwrap();
        fs::write(p.join("app/deep/er/package.json"), "{}").unwrap();
        fs::write(p.join("app/deep/er/notes.txt"), "not wanted").unwrap();
        fs::create_dir_all(p.join("skipme")).unwrap();
        fs::write(p.join("skipme/package.json"), "{}").unwrap();
        let wanted = |path: &str| path.ends_with("os-release") || path.ends_with("package.json");
        let deferred = |path: &str| path.ends_with("package.json");
        let progress = std::sync::Mutex::new(Vec::new());
        let report = |seen: u64, kept: u64| progress.lock().unwrap().push((seen, kept));
        let fs = read_rootfs(
            p,
            &ReadOptions {
                wanted: &wanted,
                deferred: &deferred,
                walk_progress: Some(&report),
                ..ReadOptions::default()
            },
            &["/skipme/".to_string()],
        )
        .unwrap();
        let paths: Vec<&str> = fs.nodes().map(|(p, _)| p).collect();
        assert_eq!(
            paths,
            [
                "app/deep/er/package.json",
                "etc/os-release",
                "usr/lib/os-release"
            ]
        );
        assert_eq!(
            fs.read("etc/os-release").unwrap().as_deref(),
            Some(&b"ID=debian\n"[..])
        );
        let node = fs.node("app/deep/er/package.json").unwrap().unwrap();
        assert!(node.deferred && node.content.is_none());
        assert_eq!(node.kind, NodeKind::File { size: 2 });
        let mut text = String::new();
        fs.open("/app/deep/er/package.json")
            .expect("deferred")
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "{}");
        assert!(
            fs.open("usr/lib/os-release").is_none(),
            "kept in memory, not deferred"
        );
        assert!(fs.open("app/deep/er/notes.txt").is_none());
        assert_eq!(fs.root_dir(), Some(p));
        // A deferred file reached through a symlink is read from disk.
        std::os::unix::fs::symlink("/app/deep/er/package.json", p.join("etc/link")).unwrap();
        let fs = read_rootfs(
            p,
            &ReadOptions {
                wanted: &wanted,
                deferred: &deferred,
                ..ReadOptions::default()
            },
            &[],
        )
        .unwrap();
        assert_eq!(fs.read("/etc/link").unwrap().as_deref(), Some(&b"{}"[..]));
        // 11 entries (app, etc, skipme, usr, os-release ×2, lib, deep, er, package.json, notes.txt: the skipped
        // directory is not listed) and 2 wanted files (the symlink is not a file).
        assert_eq!(progress.lock().unwrap().last(), Some(&(11, 2)));
    }
}
