#!/usr/bin/env bash
# Before/after: two Bulwark binaries on the same inputs, alternating, to show that a change did not make the
# image, repository, vulnerability or Kubernetes scans slower or bigger. The peers are in the other bench/
# scripts; this one compares Bulwark with itself.
#
#   bench/ab.sh BEFORE_BINARY AFTER_BINARY      (RUNS=7 by default; run from anywhere)
#
# Build the "before" binary from the old commit in a worktree, e.g.
#   git worktree add --detach /tmp/before OLD && (cd /tmp/before && cargo build --release -p bulwark)
# Inputs: the shared fixture images, ~/.cargo/registry/src (a real tree of thousands of crates), a 5,000-component
# CycloneDX SBOM against the fixture DB (made as bench/sbom.sh makes it), and the shared k8s corpus.
# Prints, per case: median wall time and median peak RSS of each binary, and after/before ratios (< 1 is better).
set -euo pipefail
before=$(realpath "${1:?usage: ab.sh BEFORE AFTER}")
after=$(realpath "${2:?usage: ab.sh BEFORE AFTER}")
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${BULWARK_SHARED:-$root/../shared}
RUNS=${RUNS:-7}
OUT=${OUT:-$(mktemp -d)}
cd "$root"

# The 5,000-component SBOM and its DB, as bench/sbom.sh makes them.
cargo build --release -q -p bulwark-match --example vulndb_bench
T=${CARGO_TARGET_DIR:-target}/release
"$T/examples/vulndb_bench" build "$OUT/bulwark.db" "$shared/fixtures" crates/bulwark-vulndb/testdata >/dev/null
"$T/examples/vulndb_bench" gen "$OUT/bulwark.db" 5000 "$OUT/p.json"
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

cases=(
  "image-alpine|sbom -q -f cyclonedx -o OUTFILE $shared/fixtures/images/alpine314.docker.tar"
  "image-bookworm-mini|sbom -q -f cyclonedx -o OUTFILE $shared/fixtures/images/bookworm-app-mini.docker.tar"
  "fs-inventory|scan fs -q --no-gitignore --no-vulns --skip-secrets --skip-malware --skip-dockerfile-checks -f json -o OUTFILE $HOME/.cargo/registry/src"
  "fs-secrets|scan fs -q --no-gitignore --no-vulns --skip-malware -f json -o OUTFILE $HOME/.cargo/registry/src"
  "vulns-sbom-5000|scan sbom --db $OUT/bulwark.db -q -f json -o OUTFILE $OUT/sbom.json"
  "k8s-corpus|scan k8s -q -f json -o OUTFILE $shared/fixtures/k8s-corpus"
)

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '%-22s %18s %18s %8s %8s\n' case "before s / MB" "after s / MB" "t ratio" "m ratio"
for c in "${cases[@]}"; do
  name=${c%%|*}
  args=${c#*|}
  : >"$OUT/$name.before"
  : >"$OUT/$name.after"
  for _ in $(seq "$RUNS"); do
    for side in before after; do
      bin=$before
      [ "$side" = after ] && bin=$after
      # Exit 1 is a policy result (findings), not an error.
      # shellcheck disable=SC2086
      /usr/bin/time -f '%e %M' -a -o "$OUT/$name.$side" "$bin" ${args//OUTFILE/$OUT/$name.$side.out} ||
        [ $? -eq 1 ]
    done
  done
  tb=$(cut -d' ' -f1 "$OUT/$name.before" | median)
  ta=$(cut -d' ' -f1 "$OUT/$name.after" | median)
  mb=$(( $(cut -d' ' -f2 "$OUT/$name.before" | median) / 1024 ))
  ma=$(( $(cut -d' ' -f2 "$OUT/$name.after" | median) / 1024 ))
  printf '%-22s %18s %18s %8.2f %8.2f\n' "$name" "$tb / $mb" "$ta / $ma" \
    "$(echo "$ta / ($tb + 0.0001)" | bc -l)" "$(echo "$ma / $mb" | bc -l)"
done
echo "raw figures: $OUT"
