#!/usr/bin/env bash
# Re-matching the inventory after a DB update (issue #15): N stored SBOMs (default 1,000 of 200 packages each,
# about 200,000 packages, made like bench/sbom.sh from the fixture DB's own package names: Debian 12 dpkg
# packages with their source packages, PyPI/npm/Go/crates.io, half in a "debootstrap" layer and half in a
# "pip install" layer) are pushed to the store and matched once (their baseline); then a DB update (the same
# feeds plus one advisory that hits every image) is re-matched with `bulwark inventory rescan`, and the cycle's
# notifications delivered to a webhook on loopback with `bulwark inventory notify`. Timed: the re-match, and
# update → notifications out. Then a second update (one more advisory, for a package only every 20th image has,
# about 5%) is re-matched incrementally: its time (`rematch2_s`) and the images it matched are printed beside the
# first one's. Peak RSS of the re-match. Both back ends: SQLite (a file) and PostgreSQL (Debian's
# server, initdb in a temp dir, unix socket; run as root, the server runs as `postgres`).
# Targets: re-match ≤ 10 s, notifications out ≤ 30 s after the update, peak RSS ≤ 300 MB, on 2 cores.
# Anchors (their schedules; not runnable here): StackRox re-checks every 4 h, Clair's notifier polls every 6 h,
# trivy-operator re-scans on a 24 h TTL with no trigger on DB updates.
#
#   bench/rescan.sh            [N=1000 PACKAGES=200 BACKENDS="sqlite postgres"]
set -euo pipefail
cd "$(dirname "$0")/.."
FIXTURES=${BULWARK_FIXTURES:-$(cd .. && pwd)/shared/fixtures}
export BULWARK_FIXTURES=$FIXTURES
N=${N:-1000}
PACKAGES=${PACKAGES:-200}
BACKENDS=${BACKENDS:-sqlite postgres}
OUT=$(mktemp -d)
chmod 755 "$OUT"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -f "$OUT/pg/postmaster.pid" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$OUT/pg" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$OUT"
}
trap cleanup EXIT
cargo build --release -q -p bulwark -p bulwark-match --example vulndb_bench
T=${CARGO_TARGET_DIR:-target}/release
"$T/examples/vulndb_bench" build "$OUT/v1.db" "$FIXTURES" crates/bulwark-vulndb/testdata >/dev/null
"$T/examples/vulndb_bench" gen "$OUT/v1.db" $((N * PACKAGES)) "$OUT/p.json"

python3 - "$OUT" "$N" "$PACKAGES" <<'PY'
import json, os, sys
out, n, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
pk = json.load(open(f"{out}/p.json"))
common = {"type": "python", "name": "zz-bench-common", "version": "1.0.0", "purl": "pkg:pypi/zz-bench-common@1.0.0"}
rare = {"type": "python", "name": "zz-bench-rare", "version": "1.0.0", "purl": "pkg:pypi/zz-bench-rare@1.0.0"}
os.makedirs(f"{out}/sboms", exist_ok=True)
for i in range(n):
    chunk = pk[(i * per) % len(pk):][:per - 1] + [common]
    if i % 20 == 0:
        chunk = chunk[:-2] + [rare, common]
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
os.makedirs(f"{out}/osv-extra2", exist_ok=True)
json.dump({"id": "PYSEC-2099-10", "modified": "2099-01-02T00:00:00Z", "summary": "bench advisory, 5% of images",
           "affected": [{"package": {"ecosystem": "PyPI", "name": "zz-bench-rare"},
                         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0.1"}]}]}]},
          open(f"{out}/osv-extra2/PYSEC-2099-10.json", "w"))
PY
# v2 = v1's feeds (as vulndb_bench builds them) + the extra advisory.
td=crates/bulwark-vulndb/testdata
"$T/bulwark" db build -q -o "$OUT/v2.db" \
  --osv "$FIXTURES/vulndata/osv/PyPI-all.zip" --osv "$FIXTURES/vulndata/osv/Go-all.zip" \
  --osv "$FIXTURES/vulndata/osv/crates.io-all.zip" --osv "$FIXTURES/vulndata/osv/AlmaLinux-all.zip" \
  --osv "$td/osv-npm" --secdb "$FIXTURES/vulndata/alpine-secdb" --secdb "$td/alpine-secdb" \
  --debian "$td/debian/bookworm-app-tracker.json" --osv "$OUT/osv-extra"
# v3 = v2 + one advisory for a package in every 20th image (built a second later: versions are named by build
# time, and the newer one must be newer).
sleep 1
"$T/bulwark" db build -q -o "$OUT/v3.db" \
  --osv "$FIXTURES/vulndata/osv/PyPI-all.zip" --osv "$FIXTURES/vulndata/osv/Go-all.zip" \
  --osv "$FIXTURES/vulndata/osv/crates.io-all.zip" --osv "$FIXTURES/vulndata/osv/AlmaLinux-all.zip" \
  --osv "$td/osv-npm" --secdb "$FIXTURES/vulndata/alpine-secdb" --secdb "$td/alpine-secdb" \
  --debian "$td/debian/bookworm-app-tracker.json" --osv "$OUT/osv-extra" --osv "$OUT/osv-extra2"

# A webhook receiver on loopback (200 to every POST).
python3 -c '
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()' >"$OUT/sink.port" &
pids+=($!)
for _ in $(seq 50); do [ -s "$OUT/sink.port" ] && break; sleep 0.1; done
port=$(head -1 "$OUT/sink.port")
cat >"$OUT/owners.yaml" <<YAML
teams:
  platform: {channels: [{type: webhook, url: "http://127.0.0.1:$port/platform"}]}
  app: {channels: [{type: webhook, url: "http://127.0.0.1:$port/app"}]}
rules:
  - {team: platform, createdBy: "debootstrap*"}
  - {team: app, createdBy: "*pip install*"}
YAML

store_for() {
  case $1 in
    sqlite) echo "sqlite:$OUT/store-sqlite.db" ;;
    postgres)
      if [ ! -f "$OUT/pg/PG_VERSION" ]; then
        mkdir -p "$OUT/pg" && chown postgres "$OUT/pg"
        runuser -u postgres -- "$PGBIN/initdb" -D "$OUT/pg" -A trust -U postgres >/dev/null
        runuser -u postgres -- "$PGBIN/pg_ctl" -D "$OUT/pg" -l "$OUT/pg/log" -o "-k $OUT/pg -c listen_addresses=''" -w start >/dev/null
        runuser -u postgres -- "$PGBIN/createdb" -h "$OUT/pg" bench
      fi
      echo "host=$OUT/pg user=postgres dbname=bench" ;;
  esac
}

printf '%-9s %6s %9s %11s %10s %15s %21s %8s %10s %9s %9s\n' backend images packages baseline_s rematch_s rematch_rss_MB \
  update_to_notified_s vs_4h rematch2_s matched2 mode2
for backend in $BACKENDS; do
  store=$(store_for "$backend")
  for i in $(seq 0 $((N - 1))); do
    "$T/bulwark" inventory push --store "$store" --digest "$(printf 'sha256:%064x' "$i")" \
      --ref "registry.example/app$i:1" "$OUT/sboms/$i.json" >/dev/null
  done
  /usr/bin/time -f '%e %M' -o "$OUT/time" "$T/bulwark" inventory rescan --store "$store" --db "$OUT/v1.db" \
    --owners "$OUT/owners.yaml" >"$OUT/base.json"
  read -r base_s _ <"$OUT/time"
  start=$(date +%s.%N)
  /usr/bin/time -f '%e %M' -o "$OUT/time" "$T/bulwark" inventory rescan --store "$store" --db "$OUT/v2.db" \
    --owners "$OUT/owners.yaml" >"$OUT/update.json"
  read -r re_s re_kb <"$OUT/time"
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["complete"] and r["new"] >= int(sys.argv[2]), r' \
    "$OUT/update.json" "$N"
  "$T/bulwark" inventory notify --store "$store" --owners "$OUT/owners.yaml" >"$OUT/notify.json"
  end=$(date +%s.%N)
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["delivered"] >= 1 and r["failed"] == 0, r' \
    "$OUT/notify.json"
  total=$(python3 -c "print(f'{$end-$start:.1f}')")
  # The second update: incremental, only the images holding zz-bench-rare are matched.
  /usr/bin/time -f '%e %M' -o "$OUT/time" "$T/bulwark" inventory rescan --store "$store" --db "$OUT/v3.db" \
    --owners "$OUT/owners.yaml" >"$OUT/update2.json"
  read -r re2_s _ <"$OUT/time"
  read -r matched2 mode2 < <(python3 -c '
import json,sys
r=json.load(open(sys.argv[1])); want=(int(sys.argv[2]) + 19) // 20
assert r["complete"] and r["new"] >= want and r["imagesMatched"] == want, r
print(r["imagesMatched"], r["mode"])' "$OUT/update2.json" "$N")
  printf '%-9s %6d %9d %11s %10s %15d %21s %8s %10s %9s %9s\n' "$backend" "$N" $((N * PACKAGES)) "$base_s" "$re_s" \
    $((re_kb / 1024)) "$total" "$(python3 -c "print(f'{4*3600/$total:.0f}x')")" "$re2_s" "$matched2" "$mode2"
done
