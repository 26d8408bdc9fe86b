#!/usr/bin/env bash
# `bulwark scan sbom` end to end (read the SBOM, open the DB, match, evaluate, render JSON) on CycloneDX SBOMs of
# 1k/2k/5k/10k components built from the fixture DB's own package names (45 % Debian 12 dpkg packages with their
# source packages, the rest PyPI/npm/Go/crates.io), so that every component is looked up and many match.
# Target (issue #3): 5,000 components in ≤ 100 ms including DB open. No peer runs here: trivy and grype need
# their own online DBs, which this machine cannot download. Median of RUNS (default 11) runs.
#
#   bench/sbom.sh
set -euo pipefail
cd "$(dirname "$0")/.."
FIXTURES=${BULWARK_FIXTURES:-$(cd .. && pwd)/shared/fixtures}
export BULWARK_FIXTURES=$FIXTURES
RUNS=${RUNS:-11}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
cargo build --release -q -p bulwark -p bulwark-match --example vulndb_bench
T=${CARGO_TARGET_DIR:-target}/release
"$T/examples/vulndb_bench" build "$OUT/bulwark.db" "$FIXTURES" crates/bulwark-vulndb/testdata >/dev/null
printf '%-10s %10s %10s %12s\n' components findings median_ms peak_rss_MB
for n in 1000 2000 5000 10000; do
  "$T/examples/vulndb_bench" gen "$OUT/bulwark.db" "$n" "$OUT/p.json"
  python3 - "$OUT/p.json" "$OUT/sbom.json" <<'PY'
import json, sys
pk = json.load(open(sys.argv[1]))
comps = [{"type": "operating-system", "bom-ref": "os", "name": "debian", "version": "12"}]
for i, p in enumerate(pk):
    props = [{"name": f"bulwark:package:{k}", "value": p[k]} for k in ("sourceName", "sourceVersion") if p.get(k)]
    comps.append({"type": "library", "bom-ref": f"c{i}", "name": p["name"], "version": p["version"],
                  "purl": p["purl"], "properties": props})
json.dump({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": comps}, open(sys.argv[2], "w"))
PY
  : > "$OUT/times"
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f '%e %M' -a -o "$OUT/times" "$T/bulwark" scan sbom --db "$OUT/bulwark.db" -q -f json \
      -o "$OUT/r.json" "$OUT/sbom.json" || [ $? -eq 1 ]
  done
  findings=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$OUT/r.json")
  med_s=$(cut -d' ' -f1 "$OUT/times" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
  med_kb=$(cut -d' ' -f2 "$OUT/times" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
  printf '%-10s %10s %10.0f %12d\n' "$n" "$findings" "$(echo "$med_s*1000" | bc)" $((med_kb / 1024))
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
