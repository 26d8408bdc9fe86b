//! A root filesystem directory (a mounted image, a host's `/`) read as a one-layer image. Symlinks are
//! recorded, never followed on the host: they resolve inside the root like image symlinks.

use std::fs;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::sync::Arc;

use bulwark_types::{Diagnostic, Location};

use crate::SourceError;
use crate::fs::ImageFs;
use crate::layer::{Entry, LayerContents, NodeKind, ReadOptions};

/// Directories never descended into when they are the root's own (`/proc` and friends of a live host).
const PSEUDO_FS: &[&str] = &["proc", "sys", "dev", "run"];

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
    let mut out = LayerContents::default();
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
            let name = de.file_name().to_string_lossy().into_owned();
            let path = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            if skip.iter().any(|s| s.trim_matches('/') == path)
                || (rel.is_empty() && PSEUDO_FS.contains(&name.as_str()) && root == Path::new("/"))
            {
                continue;
            }
            let Ok(md) = fs::symlink_metadata(de.path()) else {
                continue;
            };
            let ft = md.file_type();
            let kind = if ft.is_dir() {
                stack.push(path.clone());
                NodeKind::Dir
            } else if ft.is_symlink() {
                let target = fs::read_link(de.path())
                    .map(|t| t.to_string_lossy().into_owned())
                    .unwrap_or_default();
                NodeKind::Symlink(target)
            } else if ft.is_file() {
                NodeKind::File { size: md.len() }
            } else {
                NodeKind::Other
            };
            let mut content = None;
            if let NodeKind::File { size } = kind
                && (opts.wanted)(&path)
            {
                {
                    if size > opts.max_file_bytes {
                        out.diagnostics.push(Diagnostic::warning(
                            format!(
                                "file of {size} bytes is over the {} byte limit; not read",
                                opts.max_file_bytes
                            ),
                            Location::file(format!("/{path}")),
                        ));
                    } else {
                        let mut buf = Vec::with_capacity(size as usize);
                        match fs::File::open(de.path())
                            .and_then(|f| f.take(opts.max_file_bytes).read_to_end(&mut buf))
                        {
                            Ok(_) => content = Some(Arc::from(buf)),
                            Err(e) => out.diagnostics.push(Diagnostic::warning(
                                format!("cannot read: {e}"),
                                Location::file(format!("/{path}")),
                            )),
                        }
                    }
                }
            }
            out.entries.push(Entry {
                path,
                kind,
                mode: md.permissions().mode(),
                uid: u64::from(md.uid()),
                gid: u64::from(md.gid()),
                content,
            });
        }
    }
    Ok(ImageFs::merge(Vec::new(), vec![out]))
}
