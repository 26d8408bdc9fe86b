#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for SECS seconds each and appends one row per run to
# fuzz/RUNS.tsv: date, commit, target, seconds, runs (executions), coverage, features, corpus size, result.
# A target that already has a clean row of at least SECS is skipped (FUZZ_FORCE=1 runs it again),
# so the script can be stopped and resumed. Needs nightly and cargo-fuzz (`cargo install cargo-fuzz`).
#
#   fuzz/run-all.sh 600                # every target, 10 minutes each
#   fuzz/run-all.sh 600 layer_tar k8s_yaml
#   FUZZ_FORCE=1 fuzz/run-all.sh 60    # run again even when recorded
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:?usage: run-all.sh SECONDS [TARGET...]}
shift
if [ $# -gt 0 ]; then targets=("$@"); else
  mapfile -t targets < <(ls fuzz_targets | sed 's/\.rs$//')
fi
runs=RUNS.tsv
[ -e "$runs" ] || printf 'date\tcommit\ttarget\tseconds\truns\tcov\tft\tcorpus\tresult\n' >"$runs"
cargo +nightly fuzz build -O "${targets[@]:0:1}" >/dev/null 2>&1 || true
for t in "${targets[@]}"; do
  if [ -z "${FUZZ_FORCE:-}" ] && awk -F'\t' -v t="$t" -v s="$secs" \
      '$3==t && $4>=s && $9=="ok" {f=1} END {exit !f}' "$runs"; then
    echo "$t: already recorded"; continue
  fi
  commit=$(git rev-parse --short=12 HEAD)
  mkdir -p "corpus/$t"
  # A target that needs a structured seed to get anywhere has a script in seeds/.
  if [ -x "seeds/$t.sh" ]; then "seeds/$t.sh" "$PWD/corpus/$t"; fi
  log=$(mktemp)
  start=$(date +%s)
  if cargo +nightly fuzz run -O "$t" "corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=2048 \
      -timeout=10 -print_final_stats=1 >"$log" 2>&1; then result=ok; else result=FAILED; fi
  took=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(find "corpus/$t" -type f | wc -l)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%F)" "$commit" "$t" "$took" "${execs:-?}" \
    "${cov:-?}" "${ft:-?}" "$corp" "$result" >>"$runs"
  echo "$t: $result, $took s, ${execs:-?} runs"
  if [ "$result" != ok ]; then
    mkdir -p logs; cp "$log" "logs/$t.log"; echo "  log: fuzz/logs/$t.log"
  fi
  rm -f "$log"
done
