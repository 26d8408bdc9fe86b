//! Kubernetes version detection under a host root, for kube-bench's `--version` auto mode. kube-bench asks the
//! API server, then runs `kubectl version` or `kubelet --version`; Bulwark executes nothing and reads what the root
//! holds, in this order:
//!
//! 1. the image tag of a static pod manifest (kubeadm and kind: `/etc/kubernetes/manifests/kube-apiserver.yaml`,
//!    then the controller manager's and the scheduler's; RKE2: `/var/lib/rancher/rke2/agent/pod-manifests/…`):
//!    `image: registry.k8s.io/kube-apiserver:v1.31.2` gives `1.31`;
//! 2. the version string linked into the kubelet binary (or k3s's, which embeds the kubelet): the binary is the
//!    one a running `kubelet` (or `k3s`) process names (`<root>/proc/<pid>/exe`'s target, else its argv\[0\]),
//!    else `/usr/bin/kubelet`, `/usr/local/bin/kubelet`, `/usr/local/bin/k3s`. Kubernetes' build sets the version
//!    with `-ldflags -X k8s.io/component-base/version.gitVersion=v1.31.9`: the linker stores the value as a bare
//!    string (`v1.31.9`, NUL before and after) among the binary's read-only strings, with no key next to it, and the
//!    build's `-trimpath` keeps the flags out of Go's build info (`go version -m` shows no `-ldflags`; checked on the
//!    official kubectl 1.27 to 1.33 binaries, built the same way as the kubelet: there the only
//!    NUL-delimited `v1.N.M` strings are the version, while module versions such as `v1.34.2` appear only inside
//!    longer strings). So the most frequent NUL-delimited `v1.<minor>.<patch>[suffix]` string wins; the file is
//!    read in 1 MiB pieces, at most 512 MiB, and nothing of it is kept.
//!
//! `None` when neither gives a version: the runner then falls back as kube-bench does when the kubelet's output
//! carries no version, to Kubernetes `1.18` (kube-bench's `defaultKubeVersion`), which `config.yaml` maps to
//! `cis-1.6`; `--benchmark` or `--version` choose otherwise.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::audit::resolve;
use crate::procfs::processes;

/// Manifests whose `image:` tag names the control plane's version, in the order tried.
const MANIFESTS: &[&str] = &[
    "/etc/kubernetes/manifests/kube-apiserver.yaml",
    "/etc/kubernetes/manifests/kube-controller-manager.yaml",
    "/etc/kubernetes/manifests/kube-scheduler.yaml",
    "/var/lib/rancher/rke2/agent/pod-manifests/kube-apiserver.yaml",
];

/// Where a kubelet (or k3s) binary is looked for when no running process names one.
const BINARIES: &[&str] = &[
    "/usr/bin/kubelet",
    "/usr/local/bin/kubelet",
    "/usr/local/bin/k3s",
];

/// Bytes of a manifest read.
const MAX_MANIFEST: u64 = 1 << 20;
/// Bytes of a binary scanned.
const MAX_BINARY: u64 = 512 << 20;
/// A binary is scanned in pieces of this size.
const PIECE: usize = 1 << 20;
/// The last bytes of a piece are kept in front of the next, so a string across the boundary is seen once.
const KEEP: usize = 64;

/// The Kubernetes `major.minor` of the node under `root` (`1.31`), and where it was read (`image tag in
/// /etc/kubernetes/manifests/kube-apiserver.yaml`), or `None`.
#[must_use]
pub fn kubernetes_version(root: &Path) -> Option<(String, String)> {
    for m in MANIFESTS {
        if let Some(v) = manifest_version(root, m) {
            return Some((v, format!("image tag in {m}")));
        }
    }
    let mut tried: Vec<PathBuf> = Vec::new();
    for p in processes(root).unwrap_or_default() {
        let Some(argv0) = p.args.first() else {
            continue;
        };
        let base = argv0.rsplit('/').next().unwrap_or(argv0);
        let is_kubelet = base == "kubelet" || p.comm == "kubelet";
        let is_k3s = base == "k3s" || p.comm.starts_with("k3s");
        if !is_kubelet && !is_k3s {
            continue;
        }
        let mut candidates = Vec::new();
        if let Ok(target) = std::fs::read_link(p.dir.join("exe")) {
            // The link names the binary as the host sees it; read it under the root.
            candidates.push(
                target
                    .to_string_lossy()
                    .trim_end_matches(" (deleted)")
                    .to_string(),
            );
        }
        if argv0.starts_with('/') {
            candidates.push(argv0.clone());
        }
        for c in candidates {
            let Ok(real) = resolve(root, &c, true) else {
                continue;
            };
            if tried.contains(&real) {
                continue;
            }
            tried.push(real.clone());
            if let Some(v) = binary_version(&real) {
                return Some((v, format!("version string in {c} (pid {})", p.pid)));
            }
        }
    }
    for b in BINARIES {
        let Ok(real) = resolve(root, b, true) else {
            continue;
        };
        if tried.contains(&real) {
            continue;
        }
        if let Some(v) = binary_version(&real) {
            return Some((v, format!("version string in {b}")));
        }
    }
    None
}

/// `major.minor` from `v1.31.2`, `v1.28.3+k3s1`, `1.21` …
fn major_minor(v: &str) -> Option<String> {
    let v = v.strip_prefix('v').unwrap_or(v);
    let mut it = v.split('.');
    let major = it.next()?;
    let minor: String = it
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    if major.is_empty() || !major.bytes().all(|b| b.is_ascii_digit()) || minor.is_empty() {
        return None;
    }
    Some(format!("{major}.{minor}"))
}

/// The version in a manifest's first `image: …:vX.Y.Z` line, read under the root (1 MiB at most).
fn manifest_version(root: &Path, path: &str) -> Option<String> {
    let real = resolve(root, path, true).ok()?;
    let mut buf = Vec::new();
    std::fs::File::open(real)
        .ok()?
        .take(MAX_MANIFEST)
        .read_to_end(&mut buf)
        .ok()?;
    version_from_manifest(&String::from_utf8_lossy(&buf))
}

/// The `major.minor` of a manifest's first `image:` whose tag is `vX.Y…` (`registry.k8s.io:5000/kube-apiserver:
/// v1.31.2@sha256:…` gives `1.31`).
#[must_use]
pub fn version_from_manifest(text: &str) -> Option<String> {
    for line in text.lines() {
        let l = line.trim_start().trim_start_matches("- ").trim_start();
        let Some(image) = l.strip_prefix("image:") else {
            continue;
        };
        let image = image.trim().trim_matches(['"', '\'']);
        // The tag follows the last ':' after the last '/' (a registry's port comes before a '/').
        let name = image.split('@').next().unwrap_or(image);
        let last = name.rsplit('/').next().unwrap_or(name);
        if let Some((_, tag)) = last.rsplit_once(':')
            && tag.starts_with('v')
            && let Some(v) = major_minor(tag)
        {
            return Some(v);
        }
    }
    None
}

/// The version of a regular file's linked-in version string (see [`version_from_binary`]).
fn binary_version(path: &Path) -> Option<String> {
    let file = std::fs::File::open(path).ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    version_from_binary(file)
}

/// The most frequent NUL-delimited `v1.N.M[suffix]` string of a binary, as `1.N`; 512 MiB read at most, in 1 MiB
/// pieces.
pub fn version_from_binary(reader: impl Read) -> Option<String> {
    let re =
        regex::bytes::Regex::new(r"(?-u)\x00(v1\.[0-9]{1,3}\.[0-9]{1,4}[0-9A-Za-z+.\-]{0,48})\x00")
            .expect("static regex");
    let mut reader = reader.take(MAX_BINARY);
    let mut counts: Vec<(String, usize)> = Vec::new();
    let mut buf = vec![0u8; PIECE + KEEP];
    let mut have = 0usize;
    loop {
        let n = match reader.read(&mut buf[have..]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        have += n;
        if have < buf.len() {
            continue;
        }
        count_versions(&re, &buf[..have], &mut counts, have - KEEP);
        buf.copy_within(have - KEEP..have, 0);
        have = KEEP;
    }
    count_versions(&re, &buf[..have], &mut counts, have);
    // The most frequent; on a tie, the first seen.
    let mut best: Option<&(String, usize)> = None;
    for c in &counts {
        if best.is_none_or(|b| c.1 > b.1) {
            best = Some(c);
        }
    }
    major_minor(&best?.0)
}

/// Counts the matches that start before `limit` (the rest are seen again with the next piece). A match's closing
/// NUL may open the next one (`\0v1.31.9\0v1.31.9\0` counts twice).
fn count_versions(
    re: &regex::bytes::Regex,
    hay: &[u8],
    counts: &mut Vec<(String, usize)>,
    limit: usize,
) {
    let mut at = 0;
    while let Some(c) = re.captures_at(hay, at) {
        let (Some(all), Some(m)) = (c.get(0), c.get(1)) else {
            break;
        };
        if all.start() >= limit {
            break;
        }
        at = all.end() - 1;
        let s = String::from_utf8_lossy(m.as_bytes()).into_owned();
        if let Some(e) = counts.iter_mut().find(|(k, _)| *k == s) {
            e.1 += 1;
        } else if counts.len() < 64 {
            counts.push((s, 1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::major_minor;

    #[test]
    fn major_minor_forms() {
        assert_eq!(major_minor("v1.31.2").as_deref(), Some("1.31"));
        assert_eq!(major_minor("v1.28.3+k3s1").as_deref(), Some("1.28"));
        assert_eq!(major_minor("1.21").as_deref(), Some("1.21"));
        assert_eq!(major_minor("latest"), None);
        assert_eq!(major_minor("v1"), None);
    }
}
