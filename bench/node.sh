#!/usr/bin/env bash
# A full CIS node run (`bulwark bench node`, cis-1.20, every target) on the kind-like synthetic root that the
# bulwark-node tests use (crates/bulwark-node/examples/synthetic_root.rs: the control plane, etcd and kubelet of
# a kind v0.11.1 node, manifests, kubeconfigs, PKI, kubelet config).
#
#   bench/node.sh            (RUNS=7 by default; CFG=kube-bench's cfg dir, default the shared fixtures)
#
# Prints the median wall time and median peak RSS (GNU time) over RUNS runs, and the run's totals.
# kube-bench itself cannot be installed here (no network for its release or Go modules), so there is no ratio.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${BULWARK_SHARED:-$root/../shared}
CFG=${CFG:-${BULWARK_KUBE_BENCH_CFG:-$shared/fixtures/upstream/kube-bench/cfg}}
RUNS=${RUNS:-7}
[ -d "$CFG" ] || { echo "kube-bench cfg not found at $CFG (set CFG)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs GNU time at /usr/bin/time" >&2; exit 1; }
cd "$root"
export CARGO_INCREMENTAL=0

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo build --release -q -p bulwark
cargo run --release -q -p bulwark-node --example synthetic_root -- "$tmp/root"
BIN=${CARGO_TARGET_DIR:-target}/release/bulwark

: >"$tmp/times"
for _ in $(seq "$RUNS"); do
  # A run with FAIL checks exits non-zero, as kube-bench does; the output is checked below instead.
  /usr/bin/time -f '%e %M' -o "$tmp/t" \
    "$BIN" bench node --root "$tmp/root" --config-dir "$CFG" --benchmark cis-1.20 >"$tmp/out" 2>"$tmp/err" || true
  # GNU time prints "Command exited with non-zero status N" first; the figures are its last line.
  tail -n 1 "$tmp/t" >>"$tmp/times"
done
grep -q '== Summary total ==' "$tmp/out" || { echo "the run printed no summary:" >&2; cat "$tmp/err" "$tmp/out" >&2; exit 1; }

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2)? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
wall=$(cut -d' ' -f1 "$tmp/times" | median)
rss=$(cut -d' ' -f2 "$tmp/times" | median)
echo "bulwark bench node, cis-1.20, kind-like synthetic root, $RUNS runs"
echo "  median wall: ${wall} s   median max RSS: ${rss} KiB"
sed -n '/== Summary total ==/,$p' "$tmp/out" | sed 's/^/  /'
echo "kube-bench itself cannot be installed here, so there is no ratio."
