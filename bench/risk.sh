#!/usr/bin/env bash
# Benchmark contextual risk scoring (issue #16): 1,000 workloads with 200,000 vulnerability findings, scored per
# finding and per workload, release build. Bar: at most 1 s. The generator is the bench itself
# (crates/bulwark-risk/benches/risk.rs): manifests of 1,000 Deployments in 20 namespaces (privileged / non-root /
# read-only / capabilities / hostPath / Secrets, LoadBalancer and ClusterIP Services, NetworkPolicies, RBAC),
# scanned by bulwark-k8s outside the timed part, and 200 distinct findings per workload.
#
# Usage: bench/risk.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
export CARGO_INCREMENTAL=0
cargo bench -q -p bulwark-risk --bench risk 2>/dev/null | grep '^risk:'
