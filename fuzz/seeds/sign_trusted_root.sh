#!/usr/bin/env bash
# Seeds the sign_trusted_root corpus with a real trusted root (CA, Rekor, CT log) of an @sigstore/mock instance.
# Called by run-all.sh with the corpus directory; needs node and the packages that .ci/install-deps.sh installs in
# crates/bulwark-sign/tests/reference/node.
set -euo pipefail
out=$1
node=$(cd "$(dirname "$0")/../../crates/bulwark-sign/tests/reference/node" && pwd)
[ -e "$out/mock-root.json" ] && exit 0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node "$node/keyless.js" make "$tmp" "https://example.com/ci" "https://issuer.example.com" >/dev/null
cp "$tmp/trusted_root.json" "$out/mock-root.json"
