//! Kubernetes version detection under a host root, as kube-bench's `--version` auto mode: the version of the
//! kubelet or API server found (a running process's binary `--version` is not run; the version is read from
//! what the root holds), mapped to a benchmark through `config.yaml`'s `version_mapping`.
//!
//! STUB (session 15 skeleton).

use std::path::Path;

/// The Kubernetes `major.minor` of the node under `root` (`1.31`), and where it was read, or `None`.
#[must_use]
pub fn kubernetes_version(root: &Path) -> Option<(String, String)> {
    let _ = root;
    None
}
