#!/usr/bin/env bash
# Benchmark of `bulwark runtime` (issue #17): (a) replay throughput against sysdig, (b) audit throughput,
# (c) live exec-to-alert latency.
#
#   bench/runtime.sh            (RUNS=3, EVENTS=12600000, AUDIT_EVENTS=1000000, EXECS=1000 by default)
#
# (a) `curl_google.scap` looped (bench/scap_loop.py) to EVENTS events, plain (no gzip), in /tmp; of its events
#     (evt.num) 80% reach a filter in both readers (sysdig prints 1 line in 1.26 with an empty filter and Bulwark
#     counts the same), so 12.6 M file events are ≥10 M evaluated events, the figure events/s is computed from.
#     Bulwark: `runtime replay LOOP --rules falco_rules.yaml -f falco-json`. sysdig 0.29.3 (the only peer installable here:
#     no Falco) reads the same file with one filter, the disjunction of the expanded conditions
#     (`bulwark runtime rules expand`, macros and lists inlined) of the stable rules it can evaluate (the ones
#     using fields newer than sysdig 0.29 are left out: it rejects them), `-p %evt.num`. Both evaluate the same
#     conditions on the same events; Bulwark also builds alert output for what fires (nothing does here).
#     Runs alternate, RUNS rounds; medians of wall, user+sys and max RSS (/usr/bin/time), events/s per core
#     (events / (user+sys)) and the ratios.
# (b) the k8saudit current rules over AUDIT_EVENTS events (the falco-k8saudit trace files repeated with unique
#     auditIDs, bench/audit_gen.py, in /tmp). No peer: Falco with the k8saudit plugin is not installable here,
#     so absolute figures only.
# (c) `runtime watch --rules R` with one rule on spawned_process for a marker binary; EXECS execs, p50/p99 from
#     just before the exec (fork included) to the alert line's arrival (bench/runtime_latency.py).
# BULWARK=path uses an already built binary. The machine is shared: say what else ran when quoting figures.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
shared=${BULWARK_SHARED:-$root/../shared}
runs=${RUNS:-3}
events=${EVENTS:-12600000}
audit_events=${AUDIT_EVENTS:-1000000}
execs=${EXECS:-1000}
target=${CARGO_TARGET_DIR:-$root/target}
if [ -z "${BULWARK:-}" ]; then (cd "$root" && cargo build --release -q -p bulwark); fi
bw=${BULWARK:-$target/release/bulwark}
command -v sysdig >/dev/null || { echo "sysdig is not installed (apt-get install sysdig)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
rules=$shared/fixtures/upstream/falco-rules/falco_rules.yaml
cap=$shared/fixtures/upstream/scap/curl_google.scap
loop=${LOOP:-/tmp/bulwark-bench-runtime-loop.scap}

measure() { # name cmd...  -> appends "wall user sys rss_kb" to $tmp/name.times
  local name=$1; shift
  /usr/bin/time -f '%e %U %S %M' -o "$tmp/t" "$@" >/dev/null 2>"$tmp/err" || {
    rc=$?; [[ $name == bulwark* ]] && [ $rc -eq 1 ] || { cat "$tmp/err" >&2; exit 1; }; }
  tail -1 "$tmp/t" >> "$tmp/$name.times"
}
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
col() { awk -v c="$2" '{print $c}' "$tmp/$1.times" | median; }
cpu() { awk '{print $2+$3}' "$tmp/$1.times" | median; }

# (a) replay
if [ ! -s "$loop" ] || [ "$(stat -c %s "$loop")" -lt $((events / 20)) ]; then
  python3 "$here/scap_loop.py" "$cap" "$loop" "$events" >/dev/null
fi
n=$("$bw" runtime replay "$loop" --rules "$rules" -f json 2>&1 >/dev/null | sed -n 's/^Events read: \([0-9]*\),.*/\1/p')
"$bw" runtime rules expand "$rules" > "$tmp/expanded.json"
python3 - "$tmp/expanded.json" "$cap" > "$tmp/filter" 2> "$tmp/left-out" <<'PY'
import json, subprocess, sys
conds = json.load(open(sys.argv[1]))
ok = []
for name, c in sorted(conds.items()):
    r = subprocess.run(["sysdig", "-r", sys.argv[2], "-p", "%evt.num", c], capture_output=True, text=True)
    if r.returncode == 0:
        ok.append(f"({c})")
    else:
        print(f"  left out for sysdig: {name}: {r.stderr.strip()[:120]}", file=sys.stderr)
print(" or ".join(ok))
print(f"  {len(ok)} of {len(conds)} stable rules in the sysdig filter", file=sys.stderr)
PY
filter=$(cat "$tmp/filter")
echo "== (a) replay: $n events evaluated ($(du -h "$loop" | cut -f1) plain capture), stable rules"
cat "$tmp/left-out"
for i in $(seq "$runs"); do
  if [ $((i % 2)) -eq 1 ]; then
    measure bulwark "$bw" runtime replay "$loop" --rules "$rules" -f falco-json
    measure sysdig sysdig -r "$loop" -p '%evt.num' "$filter"
  else
    measure sysdig sysdig -r "$loop" -p '%evt.num' "$filter"
    measure bulwark "$bw" runtime replay "$loop" --rules "$rules" -f falco-json
  fi
done
printf '%-8s %8s %9s %9s %14s\n' tool wall_s cpu_s rss_MB events/s/core
for t in bulwark sysdig; do
  printf '%-8s %8s %9.2f %9.1f %14.0f\n' "$t" "$(col $t 1)" "$(cpu $t)" "$(echo "$(col $t 4)/1024" | bc -l)" \
    "$(echo "$n/$(cpu $t)" | bc -l)"
done
echo "ratio bulwark/sysdig: wall $(echo "$(col bulwark 1)/$(col sysdig 1)" | bc -l | cut -c1-5)," \
  "cpu $(echo "$(cpu bulwark)/$(cpu sysdig)" | bc -l | cut -c1-5)," \
  "rss $(echo "$(col bulwark 4)/$(col sysdig 4)" | bc -l | cut -c1-5)"

# (b) audit
audit=/tmp/bulwark-bench-runtime-audit.jsonl
k8srules=$shared/fixtures/upstream/falco-k8saudit/k8saudit-rules-current/k8s_audit_rules.yaml
if [ ! -s "$audit" ] || [ "$(wc -l < "$audit")" -ne "$audit_events" ]; then
  python3 "$here/audit_gen.py" "$shared/fixtures/upstream/falco-k8saudit/trace_files/k8s_audit" "$audit" \
    "$audit_events" >/dev/null
fi
echo "== (b) audit: $audit_events events ($(du -h "$audit" | cut -f1)), k8saudit-rules-current; no peer installable (no Falco)"
for i in $(seq "$runs"); do measure bulwark_audit "$bw" runtime replay "$audit" --rules "$k8srules" -f falco-json -o /dev/null; done
alerts=$("$bw" runtime replay "$audit" --rules "$k8srules" -f falco-json 2>/dev/null | wc -l || true)
printf 'bulwark  wall %ss, cpu %.2fs, rss %.1f MB, %.0f events/s/core, %s alerts\n' "$(col bulwark_audit 1)" \
  "$(cpu bulwark_audit)" "$(echo "$(col bulwark_audit 4)/1024" | bc -l)" \
  "$(echo "$audit_events/$(cpu bulwark_audit)" | bc -l)" "$alerts"

# (c) live latency
echo "== (c) live exec-to-alert latency, $execs execs"
python3 "$here/runtime_latency.py" "$bw" "$execs"
