#!/usr/bin/env bash
# Benchmark signature + attestation verification (issue #13): an image in Debian's docker-registry on 127.0.0.1
# (pushed by skopeo), signed and attested (verdict) by `bulwark` in both layouts, then verified N times:
#   cold, new connection   — connect, resolve the tag, read the .sig/.att tags and the referrers, verify all;
#   cold, reused connection — the same on one connection (a running admission webhook's first sight of a digest);
#   warm                   — the per-digest verdict cache answering.
# Targets: cold p50 <= 10 ms, warm <= 10 us. Anchors (published, not runnable here: no cosign, Ratify or Kyverno
# binary can be installed from Debian, PyPI or npm): Ratify 965 ms to 2.4 s for one signature; Kyverno about
# 21 s for 8 containers x 5 attestors (kyverno#16657). Also `bulwark verify` end to end (process start
# included), median of RUNS.
#
# Usage: bench/verify.sh        N=200 (verifications per mode), RUNS=5, OUT=/tmp/bulwark-bench-verify
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-/tmp/bulwark-bench-verify}
N=${N:-200}
RUNS=${RUNS:-5}
rm -rf "$OUT" && mkdir -p "$OUT"
script=$here/crates/bulwark-registry/tests/support/registry.sh
fixtures=${BULWARK_FIXTURES:-$here/../shared/fixtures}/images

cd "$here"
cargo build --release -q -p bulwark
cargo build --release -q -p bulwark-sign --example verify_bench
target=${CARGO_TARGET_DIR:-$here/target}/release
bulwark=$target/bulwark

out=$(WATCH_PID=$$ bash "$script" start plain "$OUT/registry")
port=$(sed -n 's/^port=//p' <<<"$out")
trap 'bash "$script" stop "$OUT/registry" || true' EXIT
printf '{"default":[{"type":"insecureAcceptAnything"}]}' >"$OUT/policy.json"
ref=127.0.0.1:$port/app:1
skopeo --policy "$OUT/policy.json" copy -q --dest-tls-verify=false "oci:$fixtures/oci-mini:bookworm-app" "docker://$ref"

mkdir -p "$OUT/bundle"
cat >"$OUT/bundle/rules.yaml" <<'YAML'
apiVersion: policy.bulwark.dev/v1
kind: PolicySet
metadata: {name: release}
rules:
  - id: no-aws-credentials
    stages: {release: fail}
    secrets: {ids: ["aws-*"]}
YAML
cd "$OUT"
export BULWARK_PASSWORD=bench
"$bulwark" keys generate --force 2>/dev/null
"$bulwark" scan image "$ref" --no-vulns --policy "$OUT/bundle" --stage release --sign --attest --key cosign.key \
  -q -f json -o report.json

echo "== library: $N verifications per mode (signature + verdict attestation; tag layout first, then both layouts)"
"$target/examples/verify_bench" "$ref" cosign.pub "$N" | tee "$OUT/library.txt"

echo "== bulwark verify --type verdict, end to end (process start included), median of $RUNS"
for _ in $(seq "$RUNS"); do
  s=$(date +%s%N); "$bulwark" verify "$ref" --key cosign.pub --type verdict >/dev/null; e=$(date +%s%N)
  echo $(( (e - s) / 1000 ))
done | sort -n | awk '{a[NR]=$1} END {printf "bulwark verify: median %.1f ms\n", a[int((NR+1)/2)]/1000}' | tee "$OUT/cli.txt"

cold=$(sed -n 's/^cold (reused connection): .*p50=\([0-9.]*\) ms.*/\1/p' "$OUT/library.txt")
awk -v c="$cold" 'BEGIN {printf "ratio vs Ratify (965 ms, one signature): %.0fx faster; vs Kyverno (21 s / 40 verifications = 525 ms each): %.0fx faster\n", 965/c, 525/c}' | tee -a "$OUT/library.txt"

echo "== side by side: one key-based Sigstore bundle (DSSE in-toto statement, made by sigstore-js) verified in memory"
node=$here/crates/bulwark-sign/tests/reference/node
[ -d "$node/node_modules/@sigstore/verify" ] || npm ci --silent --no-audit --no-fund --prefix "$node" >/dev/null
node "$node/keybundle.js" genkey "$OUT" >/dev/null
printf '{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"app","digest":{"sha256":"%s"}}],"predicateType":"https://bulwark.dev/attestation/verdict/v1","predicate":{}}' \
  "$(printf x | sha256sum | cut -d' ' -f1)" >"$OUT/statement.json"
node "$node/keybundle.js" sign-dsse "$OUT/key.pem" "$OUT/pub.pem" "$OUT/statement.json" application/vnd.in-toto+json \
  "$OUT/bundle.json" >/dev/null
"$target/examples/verify_bench" --bundle "$OUT/bundle.json" "$OUT/pub.pem" 2000 | tee "$OUT/side.txt"
node "$here/bench/verify-sigstore-js.js" "$OUT/bundle.json" "$OUT/pub.pem" 2000 | tee -a "$OUT/side.txt"
awk '/p50=/ {match($0, /p50=[0-9.]+/); v[NR]=substr($0, RSTART+4, RLENGTH-4)} END {printf "ratio sigstore-js / bulwark (p50): %.1fx\n", v[2]/v[1]}' "$OUT/side.txt" | tee -a "$OUT/side.txt"
