//! Finding files by name under directories: what `bulwark policy test` does to find suites (`kyverno-test.yaml`,
//! a gator `suite.yaml`, `bulwark-test.yaml`). Symbolic links are not followed, `.git` is skipped, the depth is
//! bounded, and the result is sorted and free of duplicates.

use std::path::{Path, PathBuf};

/// Deeper directories than this are not entered (a loop of bind mounts, a hostile tree).
pub const MAX_DEPTH: usize = 64;

/// Every regular file under `roots` for which `wanted` is true. A root that is itself a file is kept when
/// `wanted` says so. An unreadable directory is an error naming it.
pub fn find(roots: &[&Path], wanted: &dyn Fn(&Path) -> bool) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for root in roots {
        let meta = std::fs::metadata(root)
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", root.display())))?;
        if meta.is_file() {
            if wanted(root) {
                out.push(root.to_path_buf());
            }
        } else {
            walk(root, 0, wanted, &mut out)?;
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn walk(
    dir: &Path,
    depth: usize,
    wanted: &dyn Fn(&Path) -> bool,
    out: &mut Vec<PathBuf>,
) -> std::io::Result<()> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let named =
        |e: std::io::Error| std::io::Error::new(e.kind(), format!("{}: {e}", dir.display()));
    for entry in std::fs::read_dir(dir).map_err(named)? {
        let entry = entry.map_err(named)?;
        let ft = entry.file_type().map_err(named)?;
        let path = entry.path();
        if ft.is_dir() {
            if entry.file_name() != ".git" {
                walk(&path, depth + 1, wanted, out)?;
            }
        } else if ft.is_file() && wanted(&path) {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_by_name_skips_git_and_links_and_sorts() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path();
        for f in [
            "b/suite.yaml",
            "a/suite.yaml",
            ".git/suite.yaml",
            "a/other.yaml",
            ".hidden/suite.yaml",
        ] {
            std::fs::create_dir_all(p.join(f).parent().unwrap()).unwrap();
            std::fs::write(p.join(f), "").unwrap();
        }
        std::os::unix::fs::symlink(p.join("a"), p.join("link")).unwrap();
        let want = |x: &Path| x.file_name().is_some_and(|n| n == "suite.yaml");
        let got = find(&[p, &p.join("a/suite.yaml")], &want).unwrap();
        let rel: Vec<String> = got
            .iter()
            .map(|g| g.strip_prefix(p).unwrap().display().to_string())
            .collect();
        assert_eq!(rel, [".hidden/suite.yaml", "a/suite.yaml", "b/suite.yaml"]);
        let err = find(&[&p.join("missing")], &want).unwrap_err();
        assert!(err.to_string().contains("missing"), "{err}");
    }
}
