#!/usr/bin/env bash
# Benchmark `bulwark scan k8s` against trivy config and checkov on the shared Kubernetes corpus.
#
# Usage: bench/k8s.sh [CORPUS_DIR]
#   RUNS=N          bulwark runs (median reported; default 5)
#   PEERS=0         skip the peers and reuse the figures saved in $OUT/peers.env by an earlier run
#   OUT=DIR         where raw outputs and figures go (default /tmp/bulwark-bench-k8s)
#   BULWARK=PATH    the bulwark binary (default: build release into $CARGO_TARGET_DIR or target/)
# Needs /usr/bin/time (GNU time) and, unless PEERS=0, trivy and checkov on PATH
# (../shared/tools/install-peers.sh installs them into ~/.cache/bulwark-peers/bin, which is added to PATH here).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
corpus=${1:-$here/../shared/fixtures/k8s-corpus}
corpus=$(cd "$corpus" && pwd)
OUT=${OUT:-/tmp/bulwark-bench-k8s}
RUNS=${RUNS:-5}
mkdir -p "$OUT"
export PATH="$HOME/.cache/bulwark-peers/bin:$PATH"
export TRIVY_CACHE_DIR="$OUT/trivy-cache"

# measure NAME CMD... -> appends "NAME wall_s rss_mb" to $OUT/NAME.times; stdout of CMD goes to $OUT/NAME.out
measure() {
  local name=$1; shift
  /usr/bin/time -v -o "$OUT/$name.time" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" || true
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$OUT/$name.time")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$OUT/$name.time")
  echo "$wall $rss" >>"$OUT/$name.times"
  echo "$name: wall ${wall}s, peak RSS ${rss} MB" >&2
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2)? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

if [ -z "${BULWARK:-}" ]; then
  (cd "$here" && cargo build --release -q -p bulwark)
  BULWARK=${CARGO_TARGET_DIR:-$here/target}/release/bulwark
fi

if [ "${PEERS:-1}" != 0 ]; then
  rm -f "$OUT/trivy.times" "$OUT/checkov.times"
  measure checkov checkov -d "$corpus" --framework kubernetes --skip-download --quiet --compact -o json
  measure trivy trivy config --skip-check-update --quiet --timeout 60m -f json "$corpus"
  { echo "TRIVY_WALL=$(cut -d' ' -f1 "$OUT/trivy.times")"; echo "TRIVY_RSS=$(cut -d' ' -f2 "$OUT/trivy.times")"
    echo "CHECKOV_WALL=$(cut -d' ' -f1 "$OUT/checkov.times")"; echo "CHECKOV_RSS=$(cut -d' ' -f2 "$OUT/checkov.times")"
    echo "PEERS_MEASURED=\"$(date -u +%FT%TZ)\""; } >"$OUT/peers.env"
fi
# shellcheck disable=SC1091
. "$OUT/peers.env"

rm -f "$OUT/bulwark.times"
for _ in $(seq "$RUNS"); do measure bulwark "$BULWARK" scan k8s --format json "$corpus"; done
BW_WALL=$(cut -d' ' -f1 "$OUT/bulwark.times" | median)
BW_RSS=$(cut -d' ' -f2 "$OUT/bulwark.times" | median)

printf '\ncorpus: %s (%s files)\n' "$corpus" "$(find "$corpus" -name '*.y*ml' -o -name '*.json' | wc -l)"
printf '%-10s %10s %12s\n' tool "wall (s)" "peak RSS MB"
printf '%-10s %10s %12s\n' bulwark "$BW_WALL" "$BW_RSS" trivy "$TRIVY_WALL" "$TRIVY_RSS" checkov "$CHECKOV_WALL" "$CHECKOV_RSS"
awk -v b="$BW_WALL" -v t="$TRIVY_WALL" -v c="$CHECKOV_WALL" -v br="$BW_RSS" 'BEGIN {
  printf "speed-up: %.0fx vs trivy, %.0fx vs checkov (target >= 50x); bulwark peak RSS %s MB (target <= 150)\n", t/b, c/b, br }'
echo "peers measured: $PEERS_MEASURED; raw outputs in $OUT" >&2
