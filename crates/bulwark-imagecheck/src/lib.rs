//! Image-configuration checks, Dockerfile parsing and checks, and the file-access policy (issue 5).
//!
//! - [`check_image`]: the image config, its history and the merged filesystem metadata (`BW-IMG-*`).
//! - [`parse_dockerfile`] / [`check_dockerfile`]: a full Dockerfile parser and the `BW-DF-*` checks.
//! - [`check_file_access`]: files the image's own layers write outside the allowed paths.
//!
//! Every rule lives in one folder under `src/rules/` with its docs and `cases/`, and is listed once in
//! [`rules::RULES`].
//!
//! ```
//! use bulwark_imagecheck::{check_dockerfile, DockerfileCheckOptions};
//! let text = "FROM debian:12\nRUN apt-get install -y curl\n";
//! let (findings, diagnostics) = check_dockerfile("Dockerfile", text, &DockerfileCheckOptions::default());
//! assert!(diagnostics.is_empty());
//! assert!(findings.iter().any(|f| f.id == "BW-DF-0007" && f.location.line == Some(2)));
//! ```

pub mod dockerfile;
pub mod rule;
pub mod rules;
mod shell;

use std::collections::BTreeMap;

use bulwark_source::{ImageConfig, ImageFs};
use bulwark_types::{Diagnostic, Finding, LayerRef, Location};

pub use dockerfile::{Dockerfile, DockerfileError, ParseOptions, parse_dockerfile, parse_lenient};
pub use rule::{Rule, RuleMeta};

use rule::{Check, DfCx, ImageCx};

/// Options for [`check_image`].
#[derive(Debug, Clone)]
pub struct ImageCheckOptions {
    /// An image created more than this many days before `today` is stale (`BW-IMG-0011`).
    pub max_age_days: u32,
    /// Today as `YYYY-MM-DD`; `None` uses the system clock. Tests pass a fixed date.
    pub today: Option<String>,
}

impl Default for ImageCheckOptions {
    fn default() -> Self {
        Self {
            max_age_days: 365,
            today: None,
        }
    }
}

/// Options for [`check_dockerfile`].
#[derive(Debug, Clone)]
pub struct DockerfileCheckOptions {
    /// `--build-arg` values, used for substitution.
    pub build_args: BTreeMap<String, String>,
    /// Larger files are skipped with a warning.
    pub max_bytes: usize,
}

impl Default for DockerfileCheckOptions {
    fn default() -> Self {
        Self {
            build_args: BTreeMap::new(),
            max_bytes: 4 << 20,
        }
    }
}

/// Every rule, in registry order.
#[must_use]
pub fn rules() -> &'static [&'static Rule] {
    rules::RULES
}

/// The user docs of every rule, for `bulwark rule` and `docs/rules/{image,dockerfile}/`: `BW-DF-*` rules are
/// the Dockerfile family, the others the image family.
#[must_use]
pub fn rule_docs() -> Vec<bulwark_types::RuleDoc> {
    rules::RULES
        .iter()
        .map(|r| {
            let m = r.meta;
            bulwark_types::RuleDoc {
                id: m.id,
                name: m.name,
                family: if m.id.starts_with("BW-DF-") {
                    bulwark_types::RuleFamily::Dockerfile
                } else {
                    bulwark_types::RuleFamily::Image
                },
                severity: Some(m.severity),
                title: m.title,
                aliases: &[],
                docs: m.docs(),
            }
        })
        .collect()
}

/// A rule by id (`BW-DF-0001`, case-insensitive) or name (`curl-pipe-shell`), for `bulwark rule <id>`.
#[must_use]
pub fn rule_by_id_or_name(key: &str) -> Option<&'static Rule> {
    rules::RULES
        .iter()
        .copied()
        .find(|r| r.meta.id.eq_ignore_ascii_case(key) || r.meta.name == key)
}

/// Runs the image rules on an image's config, history and merged filesystem.
#[must_use]
pub fn check_image(
    config: &ImageConfig,
    fs: &ImageFs,
    layers: &[LayerRef],
    opts: &ImageCheckOptions,
) -> Vec<Finding> {
    let cx = ImageCx {
        config,
        fs,
        layers,
        opts,
    };
    let mut out = Vec::new();
    for r in rules::RULES {
        if let Check::Image(f) = r.check {
            f(&cx, &mut out);
        }
    }
    out
}

/// Extensions that make `Dockerfile.<ext>` something other than a Dockerfile: source code (`dockerfile.rs`,
/// `dockerfile.go` implement Dockerfile parsers), documentation (`Dockerfile.md`), data and editor files.
const NOT_DOCKERFILE_EXTENSIONS: &[&str] = &[
    // source code
    "rs", "go", "py", "pyi", "js", "mjs", "cjs", "jsx", "ts", "mts", "cts", "tsx", "java", "kt",
    "kts", "scala", "groovy", "gradle", "c", "h", "cc", "cpp", "cxx", "hpp", "hh", "cs", "fs",
    "vb", "rb", "php", "pl", "pm", "lua", "swift", "m", "mm", "dart", "ex", "exs", "erl", "hs",
    "ml", "mli", "clj", "r", "jl", "zig", "nim", "v", "sh", "bash", "zsh", "fish", "ps1", "bat",
    "cmd", "vim", "el", "sql", // documentation and data
    "md", "markdown", "mdx", "rst", "adoc", "asciidoc", "txt", "html", "htm", "pdf", "json",
    "yaml", "yml", "toml", "xml", "ini", "cfg", "conf", "csv", "lock", "snap", "golden", "svg",
    "png", // patches, backups and editor files
    "diff", "patch", "orig", "rej", "bak", "swp", "swo", "tmp",
];

/// Whether a path names a Dockerfile, by the names Docker, BuildKit and Buildah use: `Dockerfile` and
/// `Containerfile`, `Dockerfile.<suffix>` (`Dockerfile.prod`, `Containerfile.ubi9`) and
/// `<name>.Dockerfile` / `<name>.dockerfile` (`api.Dockerfile`; BuildKit looks for `<file>.dockerignore`
/// beside them), all case-insensitive as editors and hadolint treat them. A suffix that is a source-code,
/// documentation or data extension (`dockerfile.rs`, `dockerfile.go`, `Dockerfile.md`) is not a
/// Dockerfile.
///
/// ```
/// use bulwark_imagecheck::is_dockerfile;
/// assert!(is_dockerfile("Dockerfile") && is_dockerfile("deploy/Dockerfile.prod"));
/// assert!(is_dockerfile("api.Dockerfile") && is_dockerfile("Containerfile"));
/// assert!(!is_dockerfile("src/dockerfile.rs") && !is_dockerfile("docs/Dockerfile.md"));
/// ```
#[must_use]
pub fn is_dockerfile(path: &str) -> bool {
    let name = path
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(path)
        .to_ascii_lowercase();
    let base = |s: &str| s == "dockerfile" || s == "containerfile";
    if base(&name) {
        return true;
    }
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return false;
    };
    if base(ext) {
        // `<name>.Dockerfile`; a bare `.dockerfile` is a hidden file, not a name with that extension.
        return !stem.is_empty();
    }
    // `Dockerfile.<suffix>`, `Dockerfile.<a>.<b>`: the base name comes first.
    let first = name.split('.').next().unwrap_or_default();
    base(first) && !ext.is_empty() && !NOT_DOCKERFILE_EXTENSIONS.contains(&ext)
}

/// Parses and checks one Dockerfile. Parse errors become warnings (`cannot parse Dockerfile: …`) with the file
/// and line; what did parse is still checked.
#[must_use]
pub fn check_dockerfile(
    path: &str,
    text: &str,
    opts: &DockerfileCheckOptions,
) -> (Vec<Finding>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    if text.len() > opts.max_bytes {
        diags.push(Diagnostic::warning(
            format!(
                "Dockerfile is {} bytes, over the {} byte limit; skipped",
                text.len(),
                opts.max_bytes
            ),
            Location::file(path),
        ));
        return (Vec::new(), diags);
    }
    let popts = ParseOptions {
        build_args: opts.build_args.clone(),
    };
    let (df, errors) = parse_lenient(text, &popts);
    let at = |line: u32| Location {
        path: Some(path.to_string().into()),
        line: Some(line),
        ..Location::default()
    };
    // A file that does not parse is that file's problem: the rest of the scan stays trustworthy.
    for e in &errors {
        diags.push(Diagnostic::warning(
            format!("cannot parse Dockerfile: {}", e.message),
            at(e.line),
        ));
    }
    for w in &df.warnings {
        diags.push(Diagnostic::warning(w.message.clone(), at(w.line)));
    }
    let cx = DfCx {
        path,
        df: &df,
        opts,
    };
    let mut out = Vec::new();
    if !df.stages.is_empty() {
        for r in rules::RULES {
            if let Check::Dockerfile(f) = r.check {
                f(&cx, &mut out);
            }
        }
    }
    (out, diags)
}

/// Like [`check_dockerfile`] for raw bytes: invalid UTF-8 is reported (with its line) and replaced.
#[must_use]
pub fn check_dockerfile_bytes(
    path: &str,
    bytes: &[u8],
    opts: &DockerfileCheckOptions,
) -> (Vec<Finding>, Vec<Diagnostic>) {
    match std::str::from_utf8(bytes) {
        Ok(t) => check_dockerfile(path, t, opts),
        Err(e) => {
            let line = bytes[..e.valid_up_to()].split(|&b| b == b'\n').count() as u32;
            let text = String::from_utf8_lossy(bytes);
            let (f, mut d) = check_dockerfile(path, &text, opts);
            d.insert(
                0,
                Diagnostic::warning(
                    "Dockerfile is not valid UTF-8; invalid bytes replaced",
                    Location {
                        path: Some(path.to_string().into()),
                        line: Some(line),
                        ..Location::default()
                    },
                ),
            );
            (f, d)
        }
    }
}

/// The file-access policy (`BW-IMG-0012`): every non-directory path that the image's own layers (index
/// `>= base_layers`) left in the merged tree outside `allowed` (image paths such as `/web/html`; a path is
/// allowed when it equals an entry or lies below it).
///
/// Base layers are declared by count: the first `base_layers` layers belong to the base image and are exempt.
/// Use [`base_layer_count`] to derive the count from the base image's `rootfs.diff_ids`. When one layer writes
/// more than [`rules::file_outside_allowed_paths::GROUP_THRESHOLD`] files under one top-level directory, they are
/// reported as one finding for that layer and directory, with the count and the first paths as evidence.
#[must_use]
pub fn check_file_access(
    fs: &ImageFs,
    layers: &[LayerRef],
    allowed: &[String],
    base_layers: usize,
) -> Vec<Finding> {
    rules::file_outside_allowed_paths::check(fs, layers, allowed, base_layers)
}

/// How many of `image_diff_ids` come from the base image: the length of the common prefix with
/// `base_diff_ids`. `None` when the base is not a prefix of the image (not its base).
#[must_use]
pub fn base_layer_count(image_diff_ids: &[String], base_diff_ids: &[String]) -> Option<usize> {
    (base_diff_ids.len() <= image_diff_ids.len()
        && image_diff_ids
            .iter()
            .zip(base_diff_ids)
            .all(|(a, b)| a == b))
    .then_some(base_diff_ids.len())
}

/// Days since 1970-01-01 of a `YYYY-MM-DD…` date (RFC 3339 timestamps work).
#[must_use]
pub fn days_from_date(s: &str) -> Option<i64> {
    let y: i64 = s.get(0..4)?.parse().ok()?;
    let m: i64 = s.get(5..7)?.parse().ok()?;
    let d: i64 = s.get(8..10)?.parse().ok()?;
    if s.get(4..5)? != "-"
        || s.get(7..8)? != "-"
        || !(1..=12).contains(&m)
        || !(1..=31).contains(&d)
    {
        return None;
    }
    Some(bulwark_types::time::days_from_civil(y, m, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(days_from_date("1970-01-01"), Some(0));
        assert_eq!(days_from_date("2000-03-01T00:00:00Z"), Some(11017));
        assert_eq!(
            days_from_date("2026-11-22T10:36:13.023128065Z"),
            Some(20779)
        );
        assert_eq!(days_from_date("garbage"), None);
    }

    #[test]
    fn dockerfile_names() {
        for p in [
            "Dockerfile",
            "a/b/Dockerfile",
            "web.Dockerfile",
            "Dockerfile.prod",
            "Containerfile",
            "dockerfile",
            "deploy/api.Dockerfile",
            "worker.dockerfile",
            "Dockerfile.ubuntu-22.04",
            "Containerfile.ubi9",
            "build/Dockerfile.dev",
        ] {
            assert!(is_dockerfile(p), "{p}");
        }
        // Issue #10: this repository's own parser sources and docs were taken for Dockerfiles.
        for p in [
            "Dockerfile-notes.md.bak/x",
            "README.md",
            "dockerfiles",
            "src/docker.rs",
            "crates/x/src/dockerfile.rs",
            "pkg/dockerfile.go",
            "docs/Dockerfile.md",
            "Dockerfile.yaml",
            "Dockerfile.orig",
            ".dockerfile",
            "dockerfile.",
            "dockerfile_test.go",
        ] {
            assert!(!is_dockerfile(p), "{p}");
        }
    }
}
