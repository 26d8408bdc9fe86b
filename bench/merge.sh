#!/usr/bin/env bash
# Consolidation: `bulwark report merge` against Microsoft's SARIF Multitool (`Sarif.Multitool merge`, npm
# @microsoft/sarif-multitool 5.7.0, the reference SARIF SDK), on the same generated SARIF logs
# (bench/merge_gen.py: FILES logs of RESULTS results, a share DUP repeated from the previous log).
#
#   bench/merge.sh           (FILES=20 RESULTS=20000 DUP=0.1 RUNS=5; SMT=path to Sarif.Multitool, else installed
#                             with npm into ~/.cache/bulwark-peers/sarif-multitool)
#
# Both write one SARIF file. The Multitool merges runs without deduplication; Bulwark also dedupes by fingerprint,
# so it does more work. Prints median wall time and peak RSS (GNU time) of each, and the ratios.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
FILES=${FILES:-20} RESULTS=${RESULTS:-20000} DUP=${DUP:-0.1} RUNS=${RUNS:-5}
[ -x /usr/bin/time ] || { echo "needs GNU time at /usr/bin/time" >&2; exit 1; }
cd "$root"
export CARGO_INCREMENTAL=0
if [ -z "${SMT:-}" ]; then
  d=$HOME/.cache/bulwark-peers/sarif-multitool
  if [ ! -x "$d/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool" ]; then
    mkdir -p "$d" && (cd "$d" && npm install -q --no-audit --no-fund @microsoft/sarif-multitool@5.7.0 >/dev/null)
    chmod u+x "$d/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
  fi
  SMT=$d/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool
fi
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo build --release -q -p bulwark
BIN=${CARGO_TARGET_DIR:-target}/release/bulwark
python3 bench/merge_gen.py "$tmp/in" "$FILES" "$RESULTS" "$DUP"
inputs=("$tmp"/in/*.sarif)
size=$(du -sh "$tmp/in" | cut -f1)

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2)? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
run() { # name, command…
  local name=$1; shift
  : >"$tmp/times.$name"
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f '%e %M' -o "$tmp/t" "$@" >"$tmp/out.$name" 2>&1 || { cat "$tmp/out.$name" >&2; exit 1; }
    tail -n 1 "$tmp/t" >>"$tmp/times.$name"
  done
}
run bulwark "$BIN" report merge "${inputs[@]}" -f sarif -o "$tmp/bulwark.sarif"
run smt "$SMT" merge "${inputs[@]}" --output-file "$tmp/smt.sarif" --log ForceOverwrite

count() { python3 -c 'import json,sys; print(sum(len(r.get("results",[])) for r in json.load(open(sys.argv[1]))["runs"]))' "$1"; }
bw=$(cut -d' ' -f1 "$tmp/times.bulwark" | median); bm=$(cut -d' ' -f2 "$tmp/times.bulwark" | median)
sw=$(cut -d' ' -f1 "$tmp/times.smt" | median); sm=$(cut -d' ' -f2 "$tmp/times.smt" | median)
echo "merge of $FILES SARIF logs x $RESULTS results ($size, $DUP repeated), $RUNS runs, median"
printf '  %-26s %8s s %10s KiB  %8s results out\n' "bulwark report merge" "$bw" "$bm" "$(count "$tmp/bulwark.sarif")"
printf '  %-26s %8s s %10s KiB  %8s results out\n' "Sarif.Multitool merge" "$sw" "$sm" "$(count "$tmp/smt.sarif")"
awk -v a="$sw" -v b="$bw" -v c="$sm" -v d="$bm" 'BEGIN {printf "  ratio (Multitool / Bulwark): time %.1fx, peak RSS %.1fx\n", a/b, c/d}'
