#!/usr/bin/env bash
# Seeds the sign_bundle corpus with real bundles, so that mutations start past the JSON shape and reach the
# certificate, Rekor and DSSE checks: keyless ones made by sigstore-js against @sigstore/mock, and key-based ones
# from sigstore-js. Called by run-all.sh with the corpus directory; needs node and the packages that
# .ci/install-deps.sh installs in crates/bulwark-sign/tests/reference/node.
set -euo pipefail
out=$1
node=$(cd "$(dirname "$0")/../../crates/bulwark-sign/tests/reference/node" && pwd)
[ -e "$out/mock-dsse.json" ] && exit 0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node "$node/keyless.js" make "$tmp/keyless" "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main" \
  "https://token.actions.githubusercontent.com" >/dev/null
cp "$tmp/keyless/message.json" "$out/mock-message.json"
cp "$tmp/keyless/dsse.json" "$out/mock-dsse.json"
node "$node/keybundle.js" genkey "$tmp" >/dev/null
printf '{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"4ae0b4bd4d6bfd6d7a8bdd8d1f9d8c2c1f2d5b5a7a3c8a5b6d8e1f2a3b4c5d6e"},"annotations":{}}],"predicateType":"https://sigstore.dev/cosign/sign/v1","predicate":{}}' >"$tmp/statement.json"
node "$node/keybundle.js" sign-dsse "$tmp/key.pem" "$tmp/pub.pem" "$tmp/statement.json" application/vnd.in-toto+json \
  "$out/key-image.json" >/dev/null
node "$node/keybundle.js" sign-message "$tmp/key.pem" "$tmp/pub.pem" "$tmp/statement.json" "$out/key-message.json" >/dev/null
