#!/usr/bin/env bash
# Benchmark: `bulwark scan rootfs` vs `trivy rootfs` and `syft dir:` on a host's root filesystem, side by side.
#
#   bench/rootfs.sh [DIR]     (default /; RUNS=3 by default; SKIP="tmp work" by default)
#
# SKIP (root-relative directories, space-separated; empty for none) is left out by all three tools. On this
# shared machine /tmp and /work change under the scan: other sessions' builds delete files mid-walk (trivy
# stops with a fatal error on the first one that vanishes), and /tmp holds their transient test inputs, among
# them hostile files made to stall parsers (a pnpm-lock.yaml of 200,000 nested flow sequences).
#
# Inventory only on every side: Bulwark with --no-vulns; trivy with --format cyclonedx, which lists packages
# without its vulnerability DB (offline); syft with syft-json. Each tool keeps its own defaults for what it does
# not walk (all three skip /proc, /sys and /dev on /). Peers come from ../shared/tools/install-peers.sh.
# Each tool runs RUNS times, alternating; the first round is also the cold one for whichever tool runs first,
# so the order rotates. The script prints median wall time, median peak RSS (/usr/bin/time), the number of
# distinct (purl type, name, version) each tool reports, split into OS (deb/apk/rpm) and language packages,
# Bulwark's recall against each peer (share of the peer's set Bulwark also reports) and the ratios.
# BULWARK=path uses an already built binary; OUT=DIR keeps the reports there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
shared=${BULWARK_SHARED:-$root/../shared}
runs=${RUNS:-3}
peers=${PEERS:-$HOME/.cache/bulwark-peers}
dir=${1:-/}
skip=${SKIP-tmp work}
bw_skip=(); tv_skip=(); sy_skip=()
for s in $skip; do
  bw_skip+=(--skip-dirs "$s"); tv_skip+=(--skip-dirs "${dir%/}/$s"); sy_skip+=(--exclude "./$s/**")
done

[ -x "$peers/bin/trivy" ] || bash "$shared/tools/install-peers.sh" "$peers" >&2
export PATH=$peers/bin:$PATH SYFT_CHECK_FOR_APP_UPDATE=false
target=${CARGO_TARGET_DIR:-$root/target}
if [ -z "${BULWARK:-}" ]; then (cd "$root" && cargo build --release -q -p bulwark); fi
bw=${BULWARK:-$target/release/bulwark}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
out=${OUT:-$tmp}; mkdir -p "$out"
export TRIVY_CACHE_DIR=$tmp/trivy-cache

measure() { # name cmd...  -> appends "wall_s rss_kb" to $tmp/name.times
  local name=$1; shift
  /usr/bin/time -f '%e %M' -o "$tmp/t" "$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
  cat "$tmp/t" >> "$tmp/$name.times"
}
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
wall() { cut -d' ' -f1 < "$tmp/$1.times" | median; }
rss() { cut -d' ' -f2 < "$tmp/$1.times" | median; }
run_bulwark() { measure bulwark "$bw" scan rootfs -q --no-vulns "${bw_skip[@]}" -f json -o "$out/bulwark.json" "$dir"; }
# trivy cannot read Java archives offline: its jar analyzer needs the Java DB, which it would download first
# ("'--skip-java-db-update' cannot be specified on the first run"), so it is told to skip them; its package
# counts below have no Maven packages. (Its globs are matched against absolute paths when it scans `/`.)
root_glob=${dir%/}
run_trivy() {
  measure trivy trivy rootfs --quiet --cache-backend memory --skip-java-db-update --offline-scan \
      --skip-files "$root_glob/**/*.jar" --skip-files "$root_glob/**/*.war" \
      --skip-files "$root_glob/**/*.ear" --skip-files "$root_glob/**/*.par" \
      "${tv_skip[@]}" --format cyclonedx -o "$out/trivy.json" "$dir"
}
run_syft() { measure syft syft scan "dir:$dir" -q "${sy_skip[@]}" -o "syft-json=$out/syft.json"; }

echo "== $dir (leaving out: ${skip:-nothing}), $runs runs each (order rotates), load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
order=(bulwark trivy syft)
for i in $(seq "$runs"); do
  for t in "${order[@]}"; do "run_$t"; done
  order=("${order[@]:1}" "${order[0]}")
done

# Distinct (purl type, name, version) per tool, OS vs language, and Bulwark's recall against each peer.
python3 - "$out" > "$tmp/counts" <<'PY'
import json, sys, urllib.parse
o = sys.argv[1]
OS = {"deb", "apk", "rpm"}
def key(purl):
    if not purl or not purl.startswith("pkg:"): return None
    p, _, q = purl[4:].split("#")[0].partition("?")
    ty, rest = p.split("/", 1)
    name, _, ver = rest.rpartition("@")
    name = urllib.parse.unquote(name).lower()
    ver = urllib.parse.unquote(ver)
    if ty == "pypi": name = name.replace("_", "-").replace(".", "-")
    if ty in OS:
        name = name.split("/")[-1]  # deb/debian/x and deb/ubuntu/x name the same package
        # trivy puts a dpkg/rpm epoch in the `epoch` qualifier, Bulwark in the version (as dpkg prints it).
        epoch = urllib.parse.parse_qs(q).get("epoch", [""])[0]
        if epoch and ":" not in ver: ver = f"{epoch}:{ver}"
    return (ty, name, ver)
bw = {key(p["purl"]) for p in json.load(open(f"{o}/bulwark.json"))["packages"]} - {None}
tv = {key(c.get("purl")) for c in json.load(open(f"{o}/trivy.json")).get("components", [])} - {None}
sy = {key(a.get("purl")) for a in json.load(open(f"{o}/syft.json"))["artifacts"]} - {None}
# syft also lists GitHub Actions referenced by workflow files (pkg:github): not a package ecosystem.
sy = {k for k in sy if k[0] != "github"}
n_os = lambda s: sum(1 for k in s if k[0] in OS)
rec = lambda a, b: len(a & b) / max(len(b), 1)
print(len(bw), n_os(bw), len(tv), n_os(tv), len(sy), n_os(sy), rec(bw, tv), rec(bw, sy))
PY
read -r n_bw os_bw n_tv os_tv n_sy os_sy rec_tv rec_sy < "$tmp/counts"
printf '%-8s %9s %12s %9s %6s %6s %10s\n' tool wall_s peak_rss_MB packages os lang bw_recall
printf '%-8s %9s %12s %9s %6s %6s %10s\n' bulwark "$(wall bulwark)" "$(( $(rss bulwark) / 1024 ))" "$n_bw" "$os_bw" $((n_bw - os_bw)) -
printf '%-8s %9s %12s %9s %6s %6s %10.3f\n' trivy "$(wall trivy)" "$(( $(rss trivy) / 1024 ))" "$n_tv" "$os_tv" $((n_tv - os_tv)) "$rec_tv"
printf '%-8s %9s %12s %9s %6s %6s %10.3f\n' syft "$(wall syft)" "$(( $(rss syft) / 1024 ))" "$n_sy" "$os_sy" $((n_sy - os_sy)) "$rec_sy"
awk -v b="$(wall bulwark)" -v s="$(wall syft)" -v t="$(wall trivy)" -v bm="$(rss bulwark)" -v sm="$(rss syft)" -v tm="$(rss trivy)" \
  'BEGIN { if (b < 0.01) b = 0.01;
           printf "speed-up: %.1fx vs trivy rootfs, %.1fx vs syft dir; peak RSS: %.2f of trivy, %.2f of syft\n", t/b, s/b, bm/tm, bm/sm }'
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
