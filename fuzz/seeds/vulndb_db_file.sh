#!/usr/bin/env bash
# Seeds the vulndb_db_file corpus with a real, small DB, so that mutations reach past the SQLite header and the
# schema check (an empty corpus stays at ~57 edges). Called by run-all.sh with the corpus directory.
set -euo pipefail
out=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
[ -e "$out/small.db" ] && exit 0
(cd "$root" && cargo run -q --release -p bulwark -- db build -q -o "$out/small.db" \
  --osv crates/bulwark-vulndb/testdata/osv-npm)
