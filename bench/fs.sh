#!/usr/bin/env bash
# Benchmark: `bulwark scan fs` vs `trivy fs` and `syft dir:` on large real trees, side by side.
#
#   bench/fs.sh [DIR...]     (RUNS=5 by default)
#
# Default trees:
#   - /tmp/bench-npm: a big `npm install` (react-scripts, jest, eslint, webpack, typescript, @angular/cli;
#     ~1,700 packages, made here on first use; needs the npm registry once);
#   - ~/.cargo/registry/src: every crate source cargo has downloaded (hundreds of Cargo.lock, package.json,
#     go.mod, requirements files inside crates).
# Peers come from ../shared/tools/install-peers.sh. Each tool runs RUNS times, alternating. The script prints
# median wall time, median peak RSS, the number of distinct (ecosystem, name, version) each tool reports,
# Bulwark's recall against each peer (share of the peer's set Bulwark also reports), and the ratios.
# Bulwark runs with --no-gitignore here, as the peers ignore .gitignore files.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
shared=${BULWARK_SHARED:-$root/../shared}
runs=${RUNS:-5}
peers=${PEERS:-$HOME/.cache/bulwark-peers}
npm_tree=${NPM_TREE:-/tmp/bench-npm}
if [ $# -eq 0 ]; then set -- "$npm_tree" "$HOME/.cargo/registry/src"; fi

if [ "$1" = "$npm_tree" ] && [ ! -d "$npm_tree/node_modules" ]; then
  echo "creating $npm_tree with npm install..." >&2
  mkdir -p "$npm_tree" && echo '{"name":"bench","version":"1.0.0","private":true}' > "$npm_tree/package.json"
  (cd "$npm_tree" && npm install --silent --legacy-peer-deps --no-audit --no-fund --ignore-scripts react-scripts@5.0.1 jest@29.7.0 \
     eslint@8.57.0 webpack@5.94.0 typescript@5.4.5 @angular/cli@17.3.8 >&2)
fi
[ -x "$peers/bin/trivy" ] || bash "$shared/tools/install-peers.sh" "$peers" >&2
export PATH=$peers/bin:$PATH SYFT_CHECK_FOR_APP_UPDATE=false
target=${CARGO_TARGET_DIR:-$root/target}
(cd "$root" && cargo build --release -q -p bulwark)
bw=$target/release/bulwark
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export TRIVY_CACHE_DIR=$tmp/trivy-cache

measure() { # name cmd...  -> appends "wall_s rss_kb" to $tmp/name.times
  local name=$1; shift
  /usr/bin/time -f '%e %M' -o "$tmp/t" "$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
  cat "$tmp/t" >> "$tmp/$name.times"
}
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
wall() { cut -d' ' -f1 < "$tmp/$1.times" | median; }
rss() { cut -d' ' -f2 < "$tmp/$1.times" | median; }

for dir in "$@"; do
  rm -f "$tmp"/*.times
  for i in $(seq "$runs"); do
    # --no-gitignore: the peers do not read .gitignore (crates ship Cargo.lock while their .gitignore lists it).
    # Inventory only, like the peers here: no vulnerability DB, secrets, malware or Dockerfile checks (all of
    # them share the one directory walk, so each would add its per-file work to this figure).
    measure bulwark "$bw" scan fs -q --no-gitignore --no-vulns --skip-secrets --skip-malware \
        --skip-dockerfile-checks -f json -o "$tmp/bw.json" "$dir"
    # CycloneDX output with no scanner: trivy lists packages without needing its vulnerability DB (offline).
    measure trivy trivy fs --quiet --cache-backend memory --skip-java-db-update --offline-scan \
        --format cyclonedx -o "$tmp/trivy.json" "$dir"
    measure syft syft scan "dir:$dir" -q -o "syft-json=$tmp/syft.json"
  done
  # Distinct (purl type, name, version) per tool, and Bulwark's recall against each peer.
  python3 - "$tmp" > "$tmp/counts" <<'PY'
import json, sys, urllib.parse
t = sys.argv[1]
def key(purl):
    if not purl or not purl.startswith("pkg:"): return None
    p = purl[4:].split("?")[0].split("#")[0]
    ty, rest = p.split("/", 1)
    name, _, ver = rest.rpartition("@")
    name = urllib.parse.unquote(name).lower()
    if ty == "pypi": name = name.replace("_", "-").replace(".", "-")
    return (ty, name, urllib.parse.unquote(ver))
bw = {key(p["purl"]) for p in json.load(open(f"{t}/bw.json"))["packages"]} - {None}
tv = {key(c.get("purl")) for c in json.load(open(f"{t}/trivy.json")).get("components", [])} - {None}
# syft also lists GitHub Actions referenced by workflow files (pkg:github): not a package ecosystem Bulwark
# catalogs, so left out of the comparison.
sy = {key(a.get("purl")) for a in json.load(open(f"{t}/syft.json"))["artifacts"]} - {None}
sy = {k for k in sy if k[0] != "github"}
print(len(bw), len(tv), len(sy), len(bw & tv) / max(len(tv), 1), len(bw & sy) / max(len(sy), 1))
PY
  read -r n_bw n_tv n_sy rec_tv rec_sy < "$tmp/counts"
  echo "== $dir ($(find "$dir" -type f | wc -l) files), $runs runs each, medians"
  printf '%-8s %10s %12s %10s %12s\n' tool wall_s peak_rss_MB packages bw_recall
  printf '%-8s %10s %12s %10s %12s\n' bulwark "$(wall bulwark)" "$(( $(rss bulwark) / 1024 ))" "$n_bw" -
  printf '%-8s %10s %12s %10s %12.3f\n' trivy "$(wall trivy)" "$(( $(rss trivy) / 1024 ))" "$n_tv" "$rec_tv"
  printf '%-8s %10s %12s %10s %12.3f\n' syft "$(wall syft)" "$(( $(rss syft) / 1024 ))" "$n_sy" "$rec_sy"
  awk -v b="$(wall bulwark)" -v s="$(wall syft)" -v t="$(wall trivy)" \
    'BEGIN { if (b < 0.01) b = 0.01; printf "speed-up: %.1fx vs trivy fs, %.1fx vs syft dir\n", t/b, s/b }'
done
