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
    Bytes { name: String, data: Vec<u8> },
}

const EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

pub(crate) fn expand(inputs: &[Input], out: &mut Vec<Source>) -> Result<(), K8sError> {
    for input in inputs {
        match input {
            Input::Path(p) if p.as_os_str() == "-" => out.push(read_stdin()?),
            Input::Path(p) => walk(p, true, out)?,
            Input::Stdin => out.push(read_stdin()?),
            Input::Bytes { name, data } => out.push(Source::Bytes {
                name: name.clone(),
                data: data.clone(),
            }),
            Input::HelmChart { dir, set, values } => out.push(helm(dir, set, values)?),
            Input::Kustomize(dir) => out.push(kustomize(dir)?),
        }
    }
    Ok(())
}

fn read_stdin() -> Result<Source, K8sError> {
    let mut data = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin(), &mut data).map_err(|e| K8sError::Read {
        path: "-".into(),
        source: e,
    })?;
    Ok(Source::Bytes {
        name: "-".into(),
        data,
    })
}

fn walk(p: &Path, explicit: bool, out: &mut Vec<Source>) -> Result<(), K8sError> {
    let md = std::fs::metadata(p).map_err(|e| K8sError::Read {
        path: p.display().to_string(),
        source: e,
    })?;
    if md.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
            .map_err(|e| K8sError::Read {
                path: p.display().to_string(),
                source: e,
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for e in entries {
            let name = e.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if name.starts_with('.') {
                continue;
            }
            walk(&e, false, out)?;
        }
    } else if explicit
        || p.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.contains(&e))
    {
        out.push(Source::File(p.to_path_buf()));
    }
    Ok(())
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
    let data = run(tool, &mut cmd, dir)?;
    Ok(Source::Bytes {
        name: format!("{} (kustomize build)", dir.display()),
        data,
    })
}
