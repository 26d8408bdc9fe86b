#!/usr/bin/env bash
# Seeds the tuf_metadata corpus with real metadata published by python-tuf (tests/support/tuf_repo.py: ed25519
# and ecdsa keys, a delegation, consistent snapshots), each role alone and each as "ROOT\n--\nROLE", so that
# mutations start from documents whose signatures verify. Called by run-all.sh with the corpus directory.
# Needs python3 with tuf==7.0.1 and securesystemslib[crypto]==1.6.0 (.ci/install-deps.sh).
set -euo pipefail
out=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
[ -e "$out/root.json" ] && exit 0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo db >"$tmp/db"
echo bundle >"$tmp/bundle.tar.gz"
py="$root/crates/bulwark-tuf/tests/support/tuf_repo.py"
python3 "$py" init "$tmp/s" --target bulwark.db.gz="$tmp/db" --target team/b.tar.gz="$tmp/bundle.tar.gz" \
  --delegate policies='team/*.tar.gz'
python3 "$py" rotate-root "$tmp/s" --replace root2=root3
m="$tmp/s/repo/metadata"
cp "$m/1.root.json" "$out/root.json"
for f in 2.root.json timestamp.json 1.snapshot.json 1.targets.json 1.policies.json; do
  cp "$m/$f" "$out/$f"
  { cat "$m/1.root.json"; printf '\n--\n'; cat "$m/$f"; } >"$out/pair-$f"
done
