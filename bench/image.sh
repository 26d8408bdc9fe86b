#!/usr/bin/env bash
# Benchmark: `bulwark sbom` vs `syft` and `trivy image` on the same image, side by side.
#
#   bench/image.sh [IMAGE.docker.tar] [RUNS]
#
# Default image: a full-size bookworm-app docker-archive built by ../shared/tools/build-debian-image.sh
# (OUTDIR=$BENCH_DIR/full; about 3 minutes, needs root and the Debian mirror). Peers come from
# ../shared/tools/install-peers.sh (trivy runs with --scanners license: offline it has no vulnerability DB, and
# license mode only maps the package metadata it already reads). Each tool runs RUNS times (default 5), alternating; the script prints
# median wall time, median peak RSS, the dpkg package count each tool reports, and Bulwark's ratios.
# BULWARK=path uses an already built binary.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
shared=${BULWARK_SHARED:-$root/../shared}
bench_dir=${BENCH_DIR:-/work/bench-images}
img=${1:-$bench_dir/full/bookworm-app.docker.tar}
runs=${2:-5}
peers=${PEERS:-$HOME/.cache/bulwark-peers}

if [ ! -f "$img" ]; then
  echo "building $img with build-debian-image.sh (needs root)..." >&2
  OUTDIR=$(dirname "$img") bash "$shared/tools/build-debian-image.sh" >&2
fi
[ -x "$peers/bin/trivy" ] || bash "$shared/tools/install-peers.sh" "$peers" >&2
export PATH=$peers/bin:$PATH SYFT_CHECK_FOR_APP_UPDATE=false
if [ -z "${BULWARK:-}" ]; then (cd "$root" && cargo build --release -q -p bulwark); fi
bw=${BULWARK:-$root/target/release/bulwark}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export TRIVY_CACHE_DIR=$tmp/trivy-cache

measure() { # name out cmd...  -> appends "wall_s rss_kb" to $tmp/name.times
  local name=$1 out=$2; shift 2
  /usr/bin/time -f '%e %M' -o "$tmp/t" "$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
  cat "$tmp/t" >> "$tmp/$name.times"
}
for i in $(seq "$runs"); do
  measure bulwark "$tmp/bw.json" "$bw" sbom -q -f cyclonedx -o "$tmp/bw.json" "$img"
  measure syft "$tmp/syft.json" syft scan "docker-archive:$img" -q -o "syft-json=$tmp/syft.json"
  measure trivy "$tmp/trivy.json" trivy image --quiet --cache-backend memory --skip-java-db-update \
      --scanners license --input "$img" --format cyclonedx -o "$tmp/trivy.json"
done
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
wall() { cut -d' ' -f1 < "$tmp/$1.times" | median; }
rss() { cut -d' ' -f2 < "$tmp/$1.times" | median; }
bw_deb=$(python3 -c 'import json,sys; print(sum(1 for c in json.load(open(sys.argv[1]))["components"] if c.get("purl","").startswith("pkg:deb/")))' "$tmp/bw.json")
syft_deb=$(python3 -c 'import json,sys; print(sum(1 for a in json.load(open(sys.argv[1]))["artifacts"] if a["type"]=="deb"))' "$tmp/syft.json")
trivy_deb=$(python3 -c 'import json,sys; print(sum(1 for c in json.load(open(sys.argv[1])).get("components",[]) if c.get("purl","").startswith("pkg:deb/")))' "$tmp/trivy.json")
printf '%-8s %10s %12s %10s\n' tool wall_s peak_rss_MB dpkg_pkgs
for t in bulwark syft trivy; do
  n=$([ $t = bulwark ] && echo "$bw_deb" || ([ $t = syft ] && echo "$syft_deb" || echo "$trivy_deb"))
  printf '%-8s %10s %12s %10s\n' $t "$(wall $t)" "$(( $(rss $t) / 1024 ))" "$n"
done
awk -v b="$(wall bulwark)" -v s="$(wall syft)" -v t="$(wall trivy)" -v bm="$(rss bulwark)" -v sm="$(rss syft)" -v tm="$(rss trivy)" \
  'BEGIN { printf "speed-up: %.1fx vs syft, %.1fx vs trivy; peak RSS: %.2f of syft, %.2f of trivy\n", s/b, t/b, bm/sm, bm/tm }'
echo "image: $img ($(du -h "$img" | cut -f1)), $runs runs each, medians"
