//! kube-bench's `cfg/config.yaml`: per target and component the candidate binaries, config files, kubeconfigs
//! and service files, and their defaults; `version_mapping` (Kubernetes version → benchmark) and
//! `target_mapping` (benchmark → targets). Fills the `$apiserverbin`, `$kubeletconf`, … variables.
//!
//! STUB.

use std::collections::BTreeMap;

/// The variables of one run: `kubeletconf` → `/var/lib/kubelet/config.yaml`, …
pub type Variables = BTreeMap<String, String>;
