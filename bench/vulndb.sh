#!/usr/bin/env bash
# Vulnerability DB benchmark: build time and size for all fixture feeds, then `scan sbom`-equivalent matching
# (read a JSON package list + open the DB + match) at 1k/2k/5k/10k packages, to show the ≤ 100 ms target at 5k
# and linear growth. Release build; each figure is the median of RUNS runs.
#
#   bench/vulndb.sh            # from the repository root
#   RUNS=11 bench/vulndb.sh
set -euo pipefail
cd "$(dirname "$0")/.."
FIXTURES=${BULWARK_FIXTURES:-$(cd .. && pwd)/shared/fixtures}
export BULWARK_FIXTURES=$FIXTURES
RUNS=${RUNS:-7}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

cargo build --release -q -p bulwark-match --example vulndb_bench
BIN=${CARGO_TARGET_DIR:-target}/release/examples/vulndb_bench

echo "== DB build (all of $FIXTURES/vulndata + crates/bulwark-vulndb/testdata)"
"$BIN" build "$OUT/bulwark.db" "$FIXTURES" crates/bulwark-vulndb/testdata
ls -l "$OUT/bulwark.db" | awk '{printf "file: %.1f MiB\n", $5/1048576}'
gzip -1 -c "$OUT/bulwark.db" | wc -c | awk '{printf "gzip -1: %.1f MiB (download size)\n", $1/1048576}'

echo "== matching (Debian 12 + PyPI/npm/Go/crates.io mix)"
for n in 1000 2000 5000 10000; do
  "$BIN" gen "$OUT/bulwark.db" "$n" "$OUT/pkgs-$n.json"
  "$BIN" match "$OUT/bulwark.db" "$OUT/pkgs-$n.json" "$RUNS"
done
