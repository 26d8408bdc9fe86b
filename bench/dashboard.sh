#!/usr/bin/env bash
# The dashboard's pages (issue #16) over a store of N images (default 1,000 of 200 packages each, made as
# bench/rescan.sh makes them: the fixture DB's own package names, half in a "debootstrap" layer and half in a
# "pip install" layer), matched once against v1 (the baseline) and again against v2 (one advisory more, for a
# package every image holds: N new findings and N queued notifications), with N placements pushed through the
# REST API (3 clusters × 2 environments × 10 namespaces, one workload per image). Then `bulwark serve --store`
# answers each page REPS times (bearer token, curl over TLS): the server's own time (the `Server-Timing: app`
# header: store queries + rendering) and the page's size are printed per page, median and max (the max is the
# first, cold request: the risk ranking and the compliance evidence are computed then and cached until the
# findings or the workloads' context change).
# Target: every page ≤ 200 ms server time, on 2 cores.
#
#   bench/dashboard.sh         [N=1000 PACKAGES=200 REPS=5 PROFILE=release]
set -euo pipefail
cd "$(dirname "$0")/.."
FIXTURES=${BULWARK_FIXTURES:-$(cd .. && pwd)/shared/fixtures}
export BULWARK_FIXTURES=$FIXTURES
N=${N:-1000}
PACKAGES=${PACKAGES:-200}
REPS=${REPS:-5}
PROFILE=${PROFILE:-release}
OUT=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  # KEEP=FILE keeps a copy of the store, to look at its queries.
  if [ -n "${KEEP:-}" ] && [ -f "$OUT/store.db" ]; then cp "$OUT/store.db" "$KEEP"; fi
  rm -rf "$OUT"
}
trap cleanup EXIT
# (`--example` alone would build only the example: the binary is built by itself.)
if [ "$PROFILE" = release ]; then
  cargo build --release -q -p bulwark && cargo build --release -q -p bulwark-match --example vulndb_bench
else
  cargo build -q -p bulwark && cargo build -q -p bulwark-match --example vulndb_bench
fi
T=${CARGO_TARGET_DIR:-target}/$([ "$PROFILE" = release ] && echo release || echo debug)
"$T/examples/vulndb_bench" build "$OUT/v1.db" "$FIXTURES" crates/bulwark-vulndb/testdata >/dev/null
"$T/examples/vulndb_bench" gen "$OUT/v1.db" $((N * PACKAGES)) "$OUT/p.json"

python3 - "$OUT" "$N" "$PACKAGES" <<'PY'
import json, os, sys
out, n, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
pk = json.load(open(f"{out}/p.json"))
common = {"type": "python", "name": "zz-bench-common", "version": "1.0.0", "purl": "pkg:pypi/zz-bench-common@1.0.0"}
os.makedirs(f"{out}/sboms", exist_ok=True)
for i in range(n):
    chunk = pk[(i * per) % len(pk):][:per - 1] + [common]
    comps = [{"type": "operating-system", "bom-ref": "os", "name": "debian", "version": "12"}]
    for j, p in enumerate(chunk):
        props = [{"name": "bulwark:package:type", "value": p["type"]}]
        props += [{"name": f"bulwark:package:{k}", "value": p[k]} for k in ("sourceName", "sourceVersion") if p.get(k)]
        props.append({"name": "bulwark:layer:index", "value": str(j % 2)})
        props.append({"name": "bulwark:layer:createdBy", "value": "debootstrap" if j % 2 == 0 else "pip install app"})
        comps.append({"type": "library", "bom-ref": f"c{j}", "name": p["name"], "version": p["version"],
                      "purl": p["purl"], "properties": props})
    json.dump({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": comps},
              open(f"{out}/sboms/{i}.json", "w"))
os.makedirs(f"{out}/osv-extra", exist_ok=True)
json.dump({"id": "PYSEC-2099-9", "modified": "2099-01-01T00:00:00Z", "summary": "bench advisory",
           "affected": [{"package": {"ecosystem": "PyPI", "name": "zz-bench-common"},
                         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0.1"}]}]}]},
          open(f"{out}/osv-extra/PYSEC-2099-9.json", "w"))
# Where each image runs: image i in cluster i%3, namespace ns-(i%10) of environment prod|staging.
pl = [{"cluster": f"c{i % 3}", "environment": "prod" if i % 2 else "staging", "namespace": f"ns-{i % 10}",
       "workload_kind": "Deployment", "workload_name": f"app{i}", "container": "main", "container_type": "app",
       "image": f"registry.example/app{i}:1", "digest": f"sha256:{i:064x}", "labels": {}, "annotations": {}}
      for i in range(n)]
json.dump(pl, open(f"{out}/placements.json", "w"))
PY
td=crates/bulwark-vulndb/testdata
"$T/bulwark" db build -q -o "$OUT/v2.db" \
  --osv "$FIXTURES/vulndata/osv/PyPI-all.zip" --osv "$FIXTURES/vulndata/osv/Go-all.zip" \
  --osv "$FIXTURES/vulndata/osv/crates.io-all.zip" --osv "$FIXTURES/vulndata/osv/AlmaLinux-all.zip" \
  --osv "$td/osv-npm" --secdb "$FIXTURES/vulndata/alpine-secdb" --secdb "$td/alpine-secdb" \
  --debian "$td/debian/bookworm-app-tracker.json" --osv "$OUT/osv-extra"
cat >"$OUT/owners.yaml" <<YAML
teams:
  platform: {channels: [{type: webhook, url: "http://127.0.0.1:9/platform"}]}
  app: {channels: [{type: webhook, url: "http://127.0.0.1:9/app"}]}
rules:
  - {team: platform, createdBy: "debootstrap*"}
  - {team: app, createdBy: "*pip install*"}
YAML
store="sqlite:$OUT/store.db"
for i in $(seq 0 $((N - 1))); do
  "$T/bulwark" inventory push --store "$store" --digest "$(printf 'sha256:%064x' "$i")" \
    --ref "registry.example/app$i:1" "$OUT/sboms/$i.json" >/dev/null
done
"$T/bulwark" inventory rescan --store "$store" --db "$OUT/v1.db" --owners "$OUT/owners.yaml" >/dev/null
"$T/bulwark" inventory rescan --store "$store" --db "$OUT/v2.db" --owners "$OUT/owners.yaml" >/dev/null

token=bench-token-0123456789abcdef
printf 'tokens:\n  - {name: bench, role: admin, token: %s}\n' "$token" >"$OUT/tokens.yaml"
mkdir -p "$OUT/bundle"
printf 'apiVersion: policy.bulwark.dev/v1\nkind: PolicySet\nmetadata: {name: bench}\nrules: []\n' >"$OUT/bundle/rules.yaml"
# No --vuln-db: the server only serves (no loop re-matches while the pages are timed).
"$T/bulwark" serve --policy "$OUT/bundle" --generate-certs "$OUT/certs" --listen 127.0.0.1:0 --store "$store" \
  --api-tokens "$OUT/tokens.yaml" 2>"$OUT/serve.log" &
pids+=($!)
for _ in $(seq 100); do grep -q '"listening"' "$OUT/serve.log" && break; sleep 0.1; done
port=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    if not l.startswith("{"): continue
    v = json.loads(l)
    if v.get("event") == "listening": print(v["address"].rsplit(":", 1)[1]); break' "$OUT/serve.log")
c() { curl -sS --cacert "$OUT/certs/ca.crt" -H "Authorization: Bearer $token" "$@"; }
c -o /dev/null -X POST --data-binary @"$OUT/placements.json" -H 'Content-Type: application/json' \
  "https://127.0.0.1:$port/api/v1/placements"
d0=$(printf 'sha256:%064x' 0)
fid=$(c "https://127.0.0.1:$port/api/v1/findings?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
pages=(/ /images "/images/$d0" /workloads "/workload?cluster=c0&namespace=ns-0&kind=Deployment&name=app0"
  "/findings/$fid" "/layer?digest=$d0&index=0" "/owner?team=app" /verdicts /trends /notifications
  /compliance "/compliance?framework=pci-dss-4.0" "/compliance?framework=cis-kubernetes&control=5.2.6")
# The placements moved the risk context: the server recomputes the ranking and the compliance reports in the
# background (pages meanwhile show the previous ones). Wait for them, and print how long that took.
t0=$(python3 -c 'import time; print(time.time())')
for _ in $(seq 600); do
  c "https://127.0.0.1:$port/workloads" | grep -q 'data-k="risk">[0-9]' && break
  sleep 0.1
done
python3 -c 'import sys, time; print(f"background recomputation of the risk ranking and compliance after the placements: {time.time() - float(sys.argv[1]):.1f} s")' "$t0"
printf '%-60s %8s %10s %10s\n' page bytes median_ms max_ms
for p in "${pages[@]}"; do
  for _ in $(seq "$REPS"); do
    c -o "$OUT/body" -D "$OUT/head" "https://127.0.0.1:$port$p"
    grep -q '^HTTP/[0-9.]* 200' "$OUT/head" || { echo "$p: $(head -1 "$OUT/head")" >&2; exit 1; }
    tr -d '\r' <"$OUT/head" | sed -n 's/^server-timing: app;dur=//Ip' >>"$OUT/t-$$"
    wc -c <"$OUT/body" >"$OUT/size"
  done
  python3 - "$p" "$(cat "$OUT/size")" "$OUT/t-$$" <<'PY'
import statistics, sys
t = [float(x) for x in open(sys.argv[3]).read().split()]
print(f"{sys.argv[1][:60]:<60} {int(sys.argv[2]):>8} {statistics.median(t):>10.1f} {max(t):>10.1f}")
PY
  rm -f "$OUT/t-$$"
done
