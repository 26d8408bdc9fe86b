#!/usr/bin/env bash
# Benchmark the admission webhook (issue #14): `bulwark serve` on 127.0.0.1 over TLS, judged by a bundle of
# lifecycle rules (built-in checks, PSS restricted), a ValidatingAdmissionPolicy (CEL) and a signature requirement
# (`--verify-key`, an image in Debian's docker-registry pushed by skopeo and signed by `bulwark sign`), loaded by
# Debian's `wrk` on loopback with AdmissionReviews around Deployments and Pods (8 different objects, round-robin).
#   warm  — WARM_CONNS connections open, each sending a review every WARM_DELAY_MS (about 5,500 requests/s
#           offered with the defaults, as an API server spreads its calls), for WARM_SECS, the verification cache
#           warm: targets p99 <= 5 ms, >= 5,000 requests/s on 2 cores (wrk shares them), zero errors;
#   max   — the same connections with no pause (closed loop): the most the server answers; p99 here is queueing
#           (500 requests always in flight), not service time;
#   cold  — `--verify-cache-ttl 0s`: every request resolves the tag and verifies the signature against the
#           registry (a digest's first sight), COLD_CONNS connections: target p99 <= 50 ms;
#   soak  — SOAK_SECS at about SOAK_RATE requests/s (wrk's per-connection delay), the server's RSS sampled every
#           10 s: memory must stay flat.
# Anchors (published, not runnable here: no kube-apiserver, and no Kyverno or Gatekeeper server can be installed
# from Debian, PyPI, npm or crates.io): Kyverno 1.x load tests, one replica: 57 ms avg / 182 ms p99 at 50 virtual
# users and 366 ms avg / 1,247 ms p99 at 500; Gatekeeper users report ~2 s p99; Ratify ~1 s per image verification.
#
# Usage: bench/admission.sh   [WARM_CONNS=500 WARM_DELAY_MS=90 WARM_SECS=60 MAX_SECS=20 COLD_CONNS=1 COLD_SECS=20
#                              SOAK_SECS=600 SOAK_RATE=500 OUT=/tmp/bulwark-bench-admission]
#                             [SERVER_CPUS=0 WRK_CPUS=1]: pin the server and the load generator to their own CPUs
#                              (`taskset -c`); the server then has one core, and the API server's place is taken
#                              by wrk on the other, as it would be on another machine. Unset: both share every CPU.
# Needs: wrk, docker-registry, skopeo, curl (`apt-get install wrk`; the rest from .ci/install-deps.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-/tmp/bulwark-bench-admission}
WARM_CONNS=${WARM_CONNS:-500}
WARM_SECS=${WARM_SECS:-60}
WARM_DELAY_MS=${WARM_DELAY_MS:-90}
MAX_SECS=${MAX_SECS:-20}
COLD_CONNS=${COLD_CONNS:-1}
COLD_SECS=${COLD_SECS:-20}
SOAK_SECS=${SOAK_SECS:-600}
SOAK_RATE=${SOAK_RATE:-500}
SERVER_CPUS=${SERVER_CPUS:-}
WRK_CPUS=${WRK_CPUS:-}
on_cpus() { local cpus=$1; shift; if [ -n "$cpus" ]; then taskset -c "$cpus" "$@"; else "$@"; fi; }
# wrk's threads: one per CPU it may use.
wrk_threads=2
[ -n "$WRK_CPUS" ] && wrk_threads=$(taskset -c "$WRK_CPUS" nproc)
command -v wrk >/dev/null || { echo "bench/admission.sh needs wrk: apt-get install wrk" >&2; exit 2; }
rm -rf "$OUT" && mkdir -p "$OUT"
script=$here/crates/bulwark-registry/tests/support/registry.sh
fixtures=${BULWARK_FIXTURES:-$here/../shared/fixtures}/images

cd "$here"
cargo build --release -q -p bulwark
bulwark=${CARGO_TARGET_DIR:-$here/target}/release/bulwark

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  bash "$script" stop "$OUT/registry" >/dev/null 2>&1 || true
}
trap cleanup EXIT
out=$(WATCH_PID=$$ bash "$script" start plain "$OUT/registry")
port=$(sed -n 's/^port=//p' <<<"$out")
printf '{"default":[{"type":"insecureAcceptAnything"}]}' >"$OUT/policy.json"
ref=127.0.0.1:$port/app:1
skopeo --policy "$OUT/policy.json" copy -q --dest-tls-verify=false "oci:$fixtures/oci-mini:bookworm-app" "docker://$ref"
cd "$OUT"
export BULWARK_PASSWORD=bench
"$bulwark" keys generate --force 2>/dev/null
"$bulwark" sign "$ref" --key cosign.key >/dev/null 2>&1

mkdir -p bundle
cat >bundle/rules.yaml <<'YAML'
apiVersion: policy.bulwark.dev/v1
kind: PolicySet
metadata: {name: workloads}
rules:
  - id: no-privileged
    stages: {deploy: fail}
    kubernetes: {ids: [BW-K8S-0002]}
  - id: pss-restricted
    stages: {deploy: warn}
    kubernetes: {controls: ['pss:restricted']}
YAML
cat >bundle/vap.yaml <<'YAML'
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: owner-label}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}
  validations:
  - expression: has(object.metadata.labels) && 'owner' in object.metadata.labels
    message: deployments need an owner label
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: owner-label}
spec: {policyName: owner-label, validationActions: [Deny]}
YAML

# Eight AdmissionReviews: Deployments and Pods, compliant and not, all running the signed image.
python3 - "$ref" <<'PY'
import json, sys
ref = sys.argv[1]
def container(i, hardened):
    c = {"name": f"app{i}", "image": ref, "ports": [{"containerPort": 8080}],
         "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}}}
    if hardened:
        c["securityContext"] = {"runAsNonRoot": True, "allowPrivilegeEscalation": False,
                                "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"},
                                "readOnlyRootFilesystem": True}
    elif i % 4 == 3:
        c["securityContext"] = {"privileged": True}
    return c
bodies = []
for i in range(8):
    hardened = i % 2 == 0
    labels = {"app": f"app{i}"} | ({"owner": "team-a"} if i != 5 else {})
    spec = {"containers": [container(i, hardened)]}
    if i < 4:
        obj = {"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": f"app{i}", "namespace": "shop", "labels": labels},
               "spec": {"replicas": 2, "selector": {"matchLabels": {"app": f"app{i}"}},
                        "template": {"metadata": {"labels": labels}, "spec": spec}}}
        kind, res = {"group": "apps", "version": "v1", "kind": "Deployment"}, {"group": "apps", "version": "v1", "resource": "deployments"}
    else:
        obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"pod{i}", "namespace": "shop", "labels": labels}, "spec": spec}
        kind, res = {"group": "", "version": "v1", "kind": "Pod"}, {"group": "", "version": "v1", "resource": "pods"}
    bodies.append({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                   "request": {"uid": f"0000-{i}", "kind": kind, "resource": res, "name": obj["metadata"]["name"],
                               "namespace": "shop", "operation": "CREATE",
                               "userInfo": {"username": "system:serviceaccount:ci:deployer"},
                               "object": obj, "dryRun": False}})
for i, b in enumerate(bodies):
    open(f"review-{i}.json", "w").write(json.dumps(b))
lua = "local bodies = {}\n" + "".join(
    f"bodies[{i+1}] = [=[{json.dumps(b)}]=]\n" for i, b in enumerate(bodies)) + """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
-- Each request is formatted once per thread (a few KiB of string building per request in Lua otherwise): the
-- load generator's own CPU, on the cores the server shares, is kept out of the latencies it measures.
local formatted = {}
init = function(args)
  for i, b in ipairs(bodies) do formatted[i] = wrk.format(nil, "/validate", nil, b) end
end
local n = 0
request = function()
  n = n + 1
  return formatted[(n % #formatted) + 1]
end
local d = tonumber(os.getenv("WRK_DELAY_MS") or "0")
if d > 0 then delay = function() return d end end
"""
open("reviews.lua", "w").write(lua)
PY

# start_server NAME EXTRA-ARGS…: prints the port.
start_server() {
  local name=$1; shift
  ${SERVER_CPUS:+taskset -c "$SERVER_CPUS"} "$bulwark" serve --policy "$OUT/bundle" --generate-certs "$OUT/certs" --listen 127.0.0.1:0 \
    --verify-key "$OUT/cosign.pub" "$@" >"$OUT/$name.log" 2>"$OUT/$name.err" &
  pids+=($!)
  echo $! >"$OUT/$name.pid"
  for _ in $(seq 100); do
    p=$(grep -h '"listening"' "$OUT/$name.log" "$OUT/$name.err" | sed -n 's/.*"address":"[^"]*:\([0-9]*\)".*/\1/p' | head -1)
    [ -n "$p" ] && { echo "$p"; return; }
    sleep 0.1
  done
  echo "bulwark serve did not start: $(cat "$OUT/$name.err")" >&2; exit 2
}
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
check_answers() {
  local port=$1
  for i in 0 1 2 3 4 5 6 7; do
    curl -sS --cacert "$OUT/certs/ca.crt" -H 'Content-Type: application/json' --data-binary "@review-$i.json" \
      "https://127.0.0.1:$port/validate" | python3 -c 'import json,sys; r=json.load(sys.stdin)["response"]; print(r["allowed"], end=" ")'
  done
  echo
}
# report LABEL FILE: rps, p50, p99, errors from wrk --latency output.
report() {
  python3 - "$1" "$2" <<'PY'
import re, sys
label, text = sys.argv[1], open(sys.argv[2]).read()
def ms(s):
    v, u = re.match(r"([\d.]+)(us|ms|s)", s).groups()
    return float(v) * {"us": 0.001, "ms": 1, "s": 1000}[u]
pct = {m.group(1): ms(m.group(2)) for m in re.finditer(r"^\s+(50|75|90|99)%\s+(\S+)", text, re.M)}
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
total = int(re.search(r"(\d+) requests in", text).group(1))
non2xx = int((re.search(r"Non-2xx or 3xx responses: (\d+)", text) or [0, 0])[1])
sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
errs = non2xx + (sum(map(int, sock.groups())) if sock else 0)
print(f"{label}: {total} requests, {rps:.0f} req/s, p50 {pct['50']:.2f} ms, p90 {pct['90']:.2f} ms, p99 {pct['99']:.2f} ms, errors {errs}")
PY
}

echo "== warm: $WARM_CONNS connections, one review each every ${WARM_DELAY_MS} ms, ${WARM_SECS}s, verification cache warm"
port=$(start_server warm --deadline 8s)
echo -n "answers (allowed per review 0..7): "; check_answers "$port"
WRK_DELAY_MS=$WARM_DELAY_MS on_cpus "$WRK_CPUS" wrk -t"$wrk_threads" -c"$WARM_CONNS" -d"${WARM_SECS}s" --timeout 10s --latency -s reviews.lua \
  "https://127.0.0.1:$port" >warm.txt
report warm warm.txt | tee summary.txt
echo "== max: $WARM_CONNS connections, no pause (closed loop), ${MAX_SECS}s"
on_cpus "$WRK_CPUS" wrk -t"$wrk_threads" -c"$WARM_CONNS" -d"${MAX_SECS}s" --timeout 10s --latency -s reviews.lua "https://127.0.0.1:$port" >max.txt
report max max.txt | tee -a summary.txt
echo "server peak RSS: $(( $(hwm_kib "$(cat warm.pid)") / 1024 )) MiB" | tee -a summary.txt
kill "$(cat warm.pid)"

echo "== cold: every request verifies the signature against the registry, $COLD_CONNS connections, ${COLD_SECS}s"
port=$(start_server cold --verify-cache-ttl 0s)
on_cpus "$WRK_CPUS" wrk -t"$(( COLD_CONNS < wrk_threads ? COLD_CONNS : wrk_threads ))" -c"$COLD_CONNS" -d"${COLD_SECS}s" --timeout 10s --latency -s reviews.lua "https://127.0.0.1:$port" >cold.txt
report cold cold.txt | tee -a summary.txt
kill "$(cat cold.pid)"

if [ "$SOAK_SECS" -gt 0 ]; then
  conns=50
  delay=$(( conns * 1000 / SOAK_RATE ))
  echo "== soak: ${SOAK_SECS}s at ~$SOAK_RATE req/s ($conns connections, ${delay} ms between requests), RSS every 10 s"
  port=$(start_server soak)
  pid=$(cat soak.pid)
  WRK_DELAY_MS=$delay on_cpus "$WRK_CPUS" wrk -t1 -c$conns -d"${SOAK_SECS}s" --timeout 10s --latency -s reviews.lua \
    "https://127.0.0.1:$port" >soak.txt &
  wrk_pid=$!
  : >rss.txt
  while kill -0 "$wrk_pid" 2>/dev/null; do echo "$(rss_kib "$pid")" >>rss.txt; sleep 10; done
  report soak soak.txt | tee -a summary.txt
  python3 - <<'PY' | tee -a summary.txt
v = [int(x) for x in open("rss.txt").read().split()]
q = max(1, len(v) // 4)
first, last = sum(v[:q]) / q, sum(v[-q:]) / q
print(f"soak RSS: first quarter {first/1024:.1f} MiB, last quarter {last/1024:.1f} MiB, max {max(v)/1024:.1f} MiB "
      f"({len(v)} samples; growth {100*(last-first)/first:+.1f} %)")
PY
fi
python3 - <<'PY' | tee -a summary.txt
import re
t = open("summary.txt").read()
p99 = float(re.search(r"^warm: .* p99 ([\d.]+) ms", t, re.M).group(1))
rps = float(re.search(r"^warm: .* ([\d.]+) req/s", t, re.M).group(1))
print(f"ratio vs Kyverno at 500 VUs (p99 1,247 ms): {1247/p99:.0f}x lower p99; at 50 VUs (182 ms): {182/p99:.0f}x")
PY
