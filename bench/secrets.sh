#!/usr/bin/env bash
# Benchmark: bulwark-secrets (examples/scan.rs) vs `trivy fs --scanners secret` on a large real tree.
#
#   bench/secrets.sh [DIR]      (default ~/.cargo/registry/src; RUNS=3 by default)
#
# Each tool runs RUNS times, alternating; the script prints median wall time and median peak RSS of each,
# the number of findings each reports, and the wall-time ratio trivy/bulwark.
# Peers come from ../shared/tools/install-peers.sh; trivy runs offline with a throwaway cache.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
shared=${BULWARK_SHARED:-$root/../shared}
runs=${RUNS:-3}
peers=${PEERS:-$HOME/.cache/bulwark-peers}
dir=${1:-$HOME/.cargo/registry/src}
[ -x "$peers/bin/trivy" ] || bash "$shared/tools/install-peers.sh" "$peers" >&2
target=${CARGO_TARGET_DIR:-$root/target}
(cd "$root" && cargo build --release -q -p bulwark-secrets --example scan)
bw=$target/release/examples/scan
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

measure() { # name out cmd...  -> appends "wall_s rss_kb" to $tmp/name.times
  local name=$1 out=$2; shift 2
  /usr/bin/time -f '%e %M' -o "$tmp/t" "$@" >"$out" 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
  cat "$tmp/t" >> "$tmp/$name.times"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "tree: $dir ($(du -sh "$dir" 2>/dev/null | cut -f1), $(find "$dir" -type f | wc -l) files); runs: $runs; cores: $(nproc)"
for i in $(seq "$runs"); do
  measure bulwark "$tmp/bw.out" "$bw" "$dir"
  measure trivy "$tmp/trivy.json" "$peers/bin/trivy" fs --scanners secret -f json -q \
    --skip-db-update --skip-check-update --offline-scan --cache-backend memory --cache-dir "$tmp/trivy-cache" "$dir"
done
bw_n=$(wc -l < "$tmp/bw.out")
trivy_n=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(len(r.get("Secrets") or []) for r in d.get("Results") or []))' "$tmp/trivy.json")
bw_wall=$(cut -d' ' -f1 "$tmp/bulwark.times" | median); bw_rss=$(cut -d' ' -f2 "$tmp/bulwark.times" | median)
tr_wall=$(cut -d' ' -f1 "$tmp/trivy.times" | median); tr_rss=$(cut -d' ' -f2 "$tmp/trivy.times" | median)
printf '%-16s %10s %12s %10s\n' tool "wall(s)" "maxRSS(MB)" findings
printf '%-16s %10s %12s %10s\n' bulwark-secrets "$bw_wall" "$((bw_rss / 1024))" "$bw_n"
printf '%-16s %10s %12s %10s\n' "trivy 0.59.1" "$tr_wall" "$((tr_rss / 1024))" "$trivy_n"
awk -v a="$tr_wall" -v b="$bw_wall" 'BEGIN { printf "speed-up (trivy wall / bulwark wall): %.1fx\n", a / b }'
echo "bulwark findings by rule:"; cut -f2 "$tmp/bw.out" | sort | uniq -c | sort -rn | head -15
echo "trivy findings by rule:"
python3 -c 'import json,sys,collections; d=json.load(open(sys.argv[1])); c=collections.Counter(s["RuleID"] for r in d.get("Results") or [] for s in r.get("Secrets") or []); [print(f"{n:7d} {k}") for k,n in c.most_common(15)]' "$tmp/trivy.json"
