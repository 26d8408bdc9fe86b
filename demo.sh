#!/usr/bin/env bash
# Builds Bulwark and runs real scans end to end, offline, on the shared fixtures (../shared/fixtures).
set -euo pipefail
cd "$(dirname "$0")"
fx=${BULWARK_FIXTURES:-../shared/fixtures}
v=$fx/vulndata
t=crates/bulwark-vulndb/testdata
if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
echo "Building bulwark (release build; the first one takes several minutes on 2 cores)..."
cargo build --release -p bulwark
bw=target/release/bulwark
db=target/demo/bulwark.db
mkdir -p target/demo
# Escape codes only on a terminal.
step() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; "$@"; }

# 1. A vulnerability DB from the fixture feeds (OSV, Debian tracker format, Alpine secdb, CISA KEV, and NVD's
#    CVSS for the CVEs the demo finds, so severities come from the data).
step $bw db build -o $db --osv $v/osv/PyPI-all.zip --osv $v/osv/Go-all.zip --osv $v/osv/crates.io-all.zip \
  --osv $v/osv/AlmaLinux-all.zip --osv $t/osv-npm --debian $t/debian/bookworm-app-tracker.json \
  --secdb $v/alpine-secdb --secdb $t/alpine-secdb --kev $v/kev/known_exploited_vulnerabilities.json \
  --nvd $t/nvd/demo-cves.json
step $bw db info --db $db
# 2. An image: packages with the layer that brought them in, vulnerabilities grouped by layer, a gate.
step $bw scan image --db $db "$fx/images/alpine314.docker.tar"
set +e
step $bw scan image --db $db --severity HIGH,CRITICAL --fail-on high "$fx/images/oci-mini:bookworm-app"
echo "exit code $? (1 = the --fail-on gate failed)"
set -e
# 3. SBOMs, and re-matching one without the image.
step $bw sbom "$fx/images/bookworm-app-mini.docker.tar" -f cyclonedx -o target/demo/bookworm-app.cdx.json
step $bw scan sbom --db $db -f json -o target/demo/rematch.json target/demo/bookworm-app.cdx.json
echo "findings from the SBOM: $(grep -c '"kind": "vulnerability"' target/demo/rematch.json)"
# 4. Kubernetes manifests: PSS, NSA, CIS, RBAC and cross-object rules, with a compliance summary.
step $bw scan k8s "$fx/k8s-corpus/rendered/ingress-nginx" --compliance pss-restricted
step $bw rule privileged-container
