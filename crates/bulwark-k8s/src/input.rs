//! Where manifests come from: files, directories, stdin, `helm template`, `kubectl kustomize`/`kustomize build`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::K8sError;

/// One thing to scan.
#[derive(Debug, Clone)]
pub enum Input {
    /// A file, or a directory walked for `*.yaml`, `*.yml` and `*.json`.
    Path(PathBuf),
    /// Standard input (`-`).
    Stdin,
    /// In-memory bytes, named for locations (tests, fuzzing, embedding).
    Bytes { name: String, data: Vec<u8> },
    /// One object already parsed from JSON (an admission request's): checked as the compact JSON `serde_json`
    /// prints for it would be, without printing and parsing it again (`yaml::from_json`).
    Json {
        name: String,
        value: std::sync::Arc<serde_json::Value>,
    },
    /// A Helm chart directory, rendered with `helm template`.
    HelmChart {
        dir: PathBuf,
        set: Vec<String>,
        values: Vec<PathBuf>,
    },
    /// A kustomize directory, rendered with `kubectl kustomize` or `kustomize build`.
    Kustomize(PathBuf),
}

/// A source ready to read: a path on disk or bytes already in memory.
#[derive(Debug)]
pub(crate) enum Source {
    File(PathBuf),
    Bytes {
        name: String,
        data: Vec<u8>,
    },
    Json {
        name: String,
        value: std::sync::Arc<serde_json::Value>,
    },
    /// Something found by a walk that is not read, with the warning saying why.
    Skipped {
        name: String,
        warning: String,
    },
}

const EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

pub(crate) fn expand(
    inputs: &[Input],
    max_bytes: u64,
    out: &mut Vec<Source>,
) -> Result<(), K8sError> {
    for input in inputs {
        match input {
            Input::Path(p) if p.as_os_str() == "-" => out.push(read_stdin(max_bytes)?),
            Input::Path(p) => walk(p, out)?,
            Input::Stdin => out.push(read_stdin(max_bytes)?),
            Input::Bytes { name, data } => out.push(Source::Bytes {
                name: name.clone(),
                data: data.clone(),
            }),
            Input::Json { name, value } => out.push(Source::Json {
                name: name.clone(),
                value: value.clone(),
            }),
            Input::HelmChart { dir, set, values } => out.push(helm(dir, set, values)?),
            Input::Kustomize(dir) => out.push(kustomize(dir)?),
        }
    }
    Ok(())
}

/// Reads standard input up to one byte past the limit, so `scan k8s - < /dev/zero` stops at the limit (the
/// parser then reports the input as too large).
fn read_stdin(max_bytes: u64) -> Result<Source, K8sError> {
    let mut data = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(std::io::stdin(), max_bytes.saturating_add(1)),
        &mut data,
    )
    .map_err(|e| K8sError::Read {
        path: "-".into(),
        source: e,
    })?;
    Ok(Source::Bytes {
        name: "-".into(),
        data,
    })
}

/// A path the user named: a file is read whatever its name (a FIFO from `<(helm template …)` included, read
/// with a bound); a directory is walked.
fn walk(p: &Path, out: &mut Vec<Source>) -> Result<(), K8sError> {
    let md = std::fs::metadata(p).map_err(|e| K8sError::Read {
        path: p.display().to_string(),
        source: e,
    })?;
    if md.is_dir() {
        let mut seen = std::collections::HashSet::new();
        walk_dir(p, &md, &mut seen, out);
    } else {
        out.push(Source::File(p.to_path_buf()));
    }
    Ok(())
}

/// Walks a directory for `*.yaml`, `*.yml` and `*.json`, skipping hidden entries. Directory symlinks are
/// followed, but a directory already on the walk (a loop such as `a -> .`) is a warning and is not entered
/// again; unreadable entries and files that are not regular files (FIFOs, devices, sockets) are warnings too,
/// and the rest is still scanned.
fn walk_dir(
    dir: &Path,
    md: &std::fs::Metadata,
    seen: &mut std::collections::HashSet<(u64, u64)>,
    out: &mut Vec<Source>,
) {
    use std::os::unix::fs::MetadataExt;
    let skipped = |p: &Path, warning: String| Source::Skipped {
        name: p.display().to_string(),
        warning,
    };
    if !seen.insert((md.dev(), md.ino())) {
        out.push(skipped(
            dir,
            "directory already scanned through another path (a symlink loop?); not entered again"
                .into(),
        ));
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            out.push(skipped(dir, format!("cannot list directory: {e}")));
            return;
        }
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for e in entries {
        let name = e.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        let wanted = e
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| EXTENSIONS.contains(&x));
        match std::fs::metadata(&e) {
            Ok(m) if m.is_dir() => walk_dir(&e, &m, seen, out),
            Ok(m) if m.is_file() => {
                if wanted {
                    out.push(Source::File(e));
                }
            }
            Ok(_) if wanted => {
                out.push(skipped(
                    &e,
                    "not a regular file (a FIFO, device or socket); skipped".into(),
                ));
            }
            Err(err) if wanted || err.raw_os_error() == Some(40) => {
                out.push(skipped(&e, format!("cannot read: {err}")));
            }
            Ok(_) | Err(_) => {}
        }
    }
}

/// Finds a tool on `PATH`, then in `~/.cache/bulwark-peers/bin` (where `install-peers.sh` puts helm and kubectl).
#[must_use]
pub fn find_tool(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cache/bulwark-peers/bin"));
    }
    dirs.into_iter().map(|d| d.join(name)).find(|p| p.is_file())
}

fn run(tool: &str, cmd: &mut Command, what: &Path) -> Result<Vec<u8>, K8sError> {
    let out = cmd.output().map_err(|e| K8sError::Tool {
        tool: tool.into(),
        message: e.to_string(),
    })?;
    if !out.status.success() {
        return Err(K8sError::Tool {
            tool: tool.into(),
            message: format!(
                "failed on {}: {}",
                what.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        });
    }
    Ok(out.stdout)
}

fn helm(dir: &Path, set: &[String], values: &[PathBuf]) -> Result<Source, K8sError> {
    let helm = find_tool("helm").ok_or_else(|| K8sError::ToolMissing {
        tool: "helm".into(),
        hint: "install Helm (https://helm.sh/docs/intro/install/) and put `helm` on PATH".into(),
    })?;
    let mut cmd = Command::new(helm);
    cmd.arg("template").arg("release").arg(dir);
    for s in set {
        cmd.arg("--set").arg(s);
    }
    for v in values {
        cmd.arg("--values").arg(v);
    }
    let data = run("helm", &mut cmd, dir)?;
    Ok(Source::Bytes {
        name: format!("{} (helm template)", dir.display()),
        data,
    })
}

fn kustomize(dir: &Path) -> Result<Source, K8sError> {
    let (tool, mut cmd) = if let Some(k) = find_tool("kubectl") {
        let mut c = Command::new(k);
        c.arg("kustomize").arg(dir);
        ("kubectl", c)
    } else if let Some(k) = find_tool("kustomize") {
        let mut c = Command::new(k);
        c.arg("build").arg(dir);
        ("kustomize", c)
    } else {
        return Err(K8sError::ToolMissing {
            tool: "kubectl or kustomize".into(),
            hint: "install kubectl (https://kubernetes.io/docs/tasks/tools/) or kustomize".into(),
        });
    };
    check_kustomization_is_local(dir, &mut std::collections::HashSet::new())?;
    // Belt and braces: git (remote bases) may not prompt or use any transport but local files.
    cmd.env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ALLOW_PROTOCOL", "file");
    let data = run(tool, &mut cmd, dir)?;
    Ok(Source::Bytes {
        name: format!("{} (kustomize build)", dir.display()),
        data,
    })
}

/// Kustomization fields that name other files or kustomizations.
const KUSTOMIZE_REFS: &[&str] = &[
    "resources",
    "bases",
    "components",
    "crds",
    "configurations",
    "generators",
    "transformers",
    "validators",
];

/// Bulwark never lets kustomize reach the network: kustomize has no switch for that, so every resource, base
/// and component of the kustomization and of the local ones it includes must be a local file or directory
/// inside the filesystem. A URL (`https://…`, `github.com/org/repo//dir?ref=…`, `git@…`) is refused before
/// kustomize runs. `helmCharts` need `--enable-helm`, which Bulwark does not pass.
fn check_kustomization_is_local(
    dir: &Path,
    seen: &mut std::collections::HashSet<PathBuf>,
) -> Result<(), K8sError> {
    let Ok(canonical) = dir.canonicalize() else {
        return Ok(()); // kustomize reports a missing directory itself
    };
    if !seen.insert(canonical) {
        return Ok(());
    }
    let Some(file) = ["kustomization.yaml", "kustomization.yml", "Kustomization"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
    else {
        return Ok(());
    };
    let refuse = |what: String| K8sError::Tool {
        tool: "kustomize".into(),
        message: format!(
            "refused {}: {what}; Bulwark does not let kustomize fetch remote resources (vendor them into the \
             repository, or render with `kubectl kustomize` yourself and scan the output)",
            file.display()
        ),
    };
    let bytes = read_bounded(&file, 4 << 20).map_err(|e| K8sError::Read {
        path: file.display().to_string(),
        source: e,
    })?;
    let text = String::from_utf8_lossy(&bytes);
    for entry in list_entries(&text, KUSTOMIZE_REFS) {
        let remote = entry.contains("://")
            || entry.starts_with("git@")
            || entry.starts_with("git::")
            || entry.contains("?ref=")
            || entry.contains("//") && !entry.starts_with('/');
        let local = dir.join(&entry);
        if remote || !local.exists() {
            return Err(refuse(format!(
                "'{entry}' is not a local file or directory"
            )));
        }
        if local.is_dir() {
            check_kustomization_is_local(&local, seen)?;
        }
    }
    Ok(())
}

/// The plain-scalar items of the top-level block lists named by `keys` (`resources:\n- a.yaml\n- ../base`).
/// Quotes are removed; flow lists (`resources: [a, b]`) are read too.
fn list_entries(text: &str, keys: &[&str]) -> Vec<String> {
    let clean = |s: &str| {
        let s = s.split(" #").next().unwrap_or(s).trim();
        s.trim_matches(|c| c == '"' || c == '\'').to_string()
    };
    let mut out = Vec::new();
    let mut in_list = false;
    for line in text.lines() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let top = !line.starts_with([' ', '\t', '-']);
        if top {
            in_list = false;
            if let Some((k, rest)) = line.split_once(':')
                && keys.contains(&k.trim())
            {
                let rest = rest.trim();
                if let Some(flow) = rest.strip_prefix('[') {
                    let flow = flow.trim_end_matches(']');
                    out.extend(flow.split(',').map(clean).filter(|s| !s.is_empty()));
                } else {
                    in_list = rest.is_empty();
                }
            }
            continue;
        }
        if in_list && let Some(item) = line.trim_start().strip_prefix('-') {
            let item = clean(item);
            // `- path: x` (a mapping item, e.g. patches) is not a resource reference.
            if !item.is_empty() && !item.contains(": ") {
                out.push(item);
            }
        }
    }
    out
}

/// Reads at most `max` bytes of a regular file.
pub(crate) fn read_bounded(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    let f = std::fs::File::open(path)?;
    let mut data = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(f, max.saturating_add(1)),
        &mut data,
    )?;
    if data.len() as u64 > max {
        return Err(std::io::Error::other(format!(
            "larger than the {max}-byte limit"
        )));
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kustomization_lists() {
        let text = "apiVersion: kustomize.config.k8s.io/v1beta1\nresources:\n  - deploy.yaml # the app\n  - \"../base\"\n  - https://example.com/x.yaml\npatches:\n  - path: p.yaml\ncomponents: [../c1, '../c2']\n";
        assert_eq!(
            list_entries(text, KUSTOMIZE_REFS),
            [
                "deploy.yaml",
                "../base",
                "https://example.com/x.yaml",
                "../c1",
                "../c2"
            ]
        );
    }

    #[test]
    fn remote_resources_are_refused_before_kustomize_runs() {
        let dir = std::env::temp_dir().join(format!("bw-kust-{}", std::process::id()));
        let base = dir.join("base");
        std::fs::create_dir_all(&base).unwrap();
        std::fs::write(dir.join("kustomization.yaml"), "resources:\n- base\n").unwrap();
        std::fs::write(base.join("pod.yaml"), "kind: Pod\n").unwrap();
        std::fs::write(base.join("kustomization.yaml"), "resources:\n- pod.yaml\n").unwrap();
        assert!(check_kustomization_is_local(&dir, &mut std::collections::HashSet::new()).is_ok());
        for remote in [
            "http://127.0.0.1:5551/remote.yaml",
            "github.com/org/repo//deploy?ref=v1",
            "git@github.com:org/repo.git",
        ] {
            std::fs::write(
                base.join("kustomization.yaml"),
                format!("resources:\n- pod.yaml\n- {remote}\n"),
            )
            .unwrap();
            let e = check_kustomization_is_local(&dir, &mut std::collections::HashSet::new())
                .unwrap_err()
                .to_string();
            assert!(e.contains(remote) && e.contains("remote"), "{e}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
