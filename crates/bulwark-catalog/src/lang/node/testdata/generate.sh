#!/usr/bin/env bash
# Regenerates the Node fixtures from the npm registry with the real package managers.
# Needs network (registry.npmjs.org), node and npm (Debian: nodejs npm).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pkg='{"name":"fixture","version":"1.0.0","private":true,
 "dependencies":{"lodash":"4.17.4","debug":"2.6.9","ms":"2.1.3","@sindresorhus/is":"4.6.0"},
 "devDependencies":{"semver":"7.5.4"}}'

# npm (lockfile v3) and the installed tree: keep package.json files of node_modules only.
mkdir -p "$tmp/npm" && echo "$pkg" > "$tmp/npm/package.json"
(cd "$tmp/npm" && npm install --silent --no-audit --no-fund --ignore-scripts)
rm -rf "$here/installed"
(cd "$tmp/npm" && find node_modules -name package.json -path '*node_modules/*' | while read -r f; do
  mkdir -p "$here/installed/$(dirname "$f")"; cp "$f" "$here/installed/$f"; done)
cp "$tmp/npm/package.json" "$here/installed/package.json"
cp "$tmp/npm/package-lock.json" "$here/package-lock-v3.json"
# Ground truth: npm's own view of the tree.
(cd "$tmp/npm" && npm ls --all --json > "$here/npm-ls.truth.json")
(cd "$tmp/npm" && npm ls --all --json --omit dev > "$here/npm-ls-prod.truth.json")

# lockfile v2 (npm 11) and v1 (npm 6).
mkdir -p "$tmp/v2" && echo "$pkg" > "$tmp/v2/package.json"
(cd "$tmp/v2" && npm install --silent --no-audit --no-fund --ignore-scripts --package-lock-only --lockfile-version 2 && cp package-lock.json "$here/package-lock-v2.json")
mkdir -p "$tmp/v1" && echo "$pkg" > "$tmp/v1/package.json"
(cd "$tmp/v1" && npx -y npm@6.14.18 install --silent --no-audit --ignore-scripts --package-lock-only && cp package-lock.json "$here/package-lock-v1.json")

# yarn classic and berry.
mkdir -p "$tmp/yarn1" && echo "$pkg" > "$tmp/yarn1/package.json"
(cd "$tmp/yarn1" && npx -y yarn@1.22.22 install --silent --ignore-scripts --non-interactive && cp yarn.lock "$here/yarn-classic.lock")
mkdir -p "$tmp/berry" && echo "$pkg" > "$tmp/berry/package.json"
(cd "$tmp/berry" && YARN_ENABLE_TELEMETRY=0 YARN_NODE_LINKER=node-modules npx -y @yarnpkg/cli-dist@4.5.3 install --mode=update-lockfile && cp yarn.lock "$here/yarn-berry.lock")

# pnpm v8 (lockfile 6.0) and v9 (lockfile 9.0).
for v in 8.15.9 9.15.0; do
  mkdir -p "$tmp/pnpm$v" && echo "$pkg" > "$tmp/pnpm$v/package.json"
  (cd "$tmp/pnpm$v" && npx -y "pnpm@$v" install --silent --lockfile-only --ignore-scripts && cp pnpm-lock.yaml "$here/pnpm-lock-${v%%.*}.yaml")
done
echo done
