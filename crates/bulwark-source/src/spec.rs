//! What the user named: an archive, a layout, a directory or a registry reference.

use std::path::{Path, PathBuf};

/// A scan target, before it is opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// A docker-archive or oci-archive tar, optionally `:tag`.
    Archive { path: PathBuf, tag: Option<String> },
    /// An OCI image layout directory, optionally `:tag`.
    OciDir { path: PathBuf, tag: Option<String> },
    /// A root filesystem directory.
    Rootfs(PathBuf),
    /// A registry reference (`nginx`, `127.0.0.1:5000/app:1`).
    Registry(String),
}

/// Classifies an input the way users type it. Explicit prefixes (`docker-archive:`, `oci-archive:`,
/// `oci-dir:`, `dir:`, `registry:`, `docker://`) win; otherwise an existing path is a file or directory
/// (`path:tag` selects a tag) and anything else is a registry reference.
#[must_use]
pub fn detect(input: &str) -> SourceSpec {
    let with_tag = |rest: &str| -> (PathBuf, Option<String>) {
        if Path::new(rest).exists() {
            return (PathBuf::from(rest), None);
        }
        match rest.rsplit_once(':') {
            Some((p, t)) if Path::new(p).exists() => (PathBuf::from(p), Some(t.to_string())),
            _ => (PathBuf::from(rest), None),
        }
    };
    for (prefix, make) in [
        ("docker-archive:", 0),
        ("oci-archive:", 0),
        ("oci-dir:", 1),
        ("oci:", 1),
        ("dir:", 2),
        ("rootfs:", 2),
    ] {
        if let Some(rest) = input.strip_prefix(prefix) {
            let (path, tag) = with_tag(rest);
            return match make {
                0 => SourceSpec::Archive { path, tag },
                1 => SourceSpec::OciDir { path, tag },
                _ => SourceSpec::Rootfs(PathBuf::from(rest)),
            };
        }
    }
    for prefix in ["registry:", "docker://"] {
        if let Some(rest) = input.strip_prefix(prefix) {
            return SourceSpec::Registry(rest.to_string());
        }
    }
    let (path, tag) = with_tag(input);
    if !path.exists() && looks_like_path(input) {
        // `/x/image.tar` that does not exist is a missing file, not a registry reference.
        return SourceSpec::Archive { path, tag };
    }
    if path.is_dir() {
        if path.join("oci-layout").is_file() || path.join("index.json").is_file() {
            SourceSpec::OciDir { path, tag }
        } else if tag.is_none() {
            SourceSpec::Rootfs(path)
        } else {
            SourceSpec::Registry(input.to_string())
        }
    } else if path.is_file() {
        SourceSpec::Archive { path, tag }
    } else {
        SourceSpec::Registry(input.to_string())
    }
}

/// Does the user's text name a local file rather than a registry reference? References never start with `/`,
/// `.` or `~`, and image archives end in a tar extension.
fn looks_like_path(input: &str) -> bool {
    // `app.tar:v1` names a tag of `app.tar`; in `host:5000/app` the colon is a port.
    let base = match input.rsplit_once(':') {
        Some((p, tag)) if !p.is_empty() && !tag.contains('/') => p,
        _ => input,
    };
    input.starts_with(['/', '.', '~'])
        || [".tar", ".tar.gz", ".tgz", ".tar.zst", ".oci"]
            .iter()
            .any(|ext| base.ends_with(ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_references_stay_references() {
        assert_eq!(detect("nginx"), SourceSpec::Registry("nginx".into()));
        assert_eq!(
            detect("127.0.0.1:5000/app:1"),
            SourceSpec::Registry("127.0.0.1:5000/app:1".into())
        );
        assert_eq!(
            detect("docker://alpine:3.14"),
            SourceSpec::Registry("alpine:3.14".into())
        );
    }

    #[test]
    fn missing_files_are_not_references() {
        for input in [
            "/nonexistent.tar",
            "./image.tar",
            "../x/oci",
            "image.tar",
            "app.tar.gz:v1",
            "~/i.tar",
        ] {
            assert!(
                matches!(detect(input), SourceSpec::Archive { .. }),
                "{input}: {:?}",
                detect(input)
            );
        }
        for input in [
            "nginx:1.27",
            "127.0.0.1:5000/app:1",
            "ghcr.io/org/app.web:v1",
            "localhost:5000/a",
        ] {
            assert!(matches!(detect(input), SourceSpec::Registry(_)), "{input}");
        }
    }

    #[test]
    fn paths_and_tags() {
        let dir = env!("CARGO_MANIFEST_DIR");
        assert_eq!(detect(dir), SourceSpec::Rootfs(dir.into()));
        let cargo = format!("{dir}/Cargo.toml");
        assert_eq!(
            detect(&cargo),
            SourceSpec::Archive {
                path: cargo.clone().into(),
                tag: None
            }
        );
        assert_eq!(
            detect(&format!("{cargo}:v1")),
            SourceSpec::Archive {
                path: cargo.into(),
                tag: Some("v1".into())
            }
        );
    }
}
