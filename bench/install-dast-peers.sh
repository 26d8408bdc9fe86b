#!/usr/bin/env bash
# Installs the DAST peers for bench/dast-coverage.sh and bench/dast.sh (not used by CI), from package registries:
#   wapiti3 3.3.2 (PyPI) into the venv /opt/bulwark-dast-venv (Python >= 3.12 from PATH or pyenv),
#   @mdn/mdn-http-observatory 1.4.8 (npm) into /opt/bulwark-dast-npm.
# Idempotent. The observatory's postinstall downloads Chromium's HSTS preload list and the IANA TLD list from
# their sites, which a registry-only machine cannot reach: it is installed with --ignore-scripts and given an
# empty preload list (true for 127.0.0.1, which no preload list holds). The TLD list is used only by its web API's
# hostname check, which the scripts here do not go through.
set -euo pipefail
venv=${DAST_VENV:-/opt/bulwark-dast-venv}
npmdir=${DAST_NPM:-/opt/bulwark-dast-npm}

if [ ! -x "$venv/bin/wapiti" ] || [ "$("$venv/bin/wapiti" --version 2>/dev/null | tail -1)" != "3.3.2" ]; then
  py=""
  for c in python3.13 python3.12 python3 "$HOME"/.pyenv/versions/3.13*/bin/python3 "$HOME"/.pyenv/versions/3.12*/bin/python3; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null; then py=$c; break; fi
  done
  [ -n "$py" ] || { echo "no Python >= 3.12 for wapiti3" >&2; exit 1; }
  "$py" -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check wapiti3==3.3.2
fi

obs=$npmdir/node_modules/@mdn/mdn-http-observatory
if [ ! -f "$obs/package.json" ] || ! grep -q '"version": "1.4.8"' "$obs/package.json"; then
  mkdir -p "$npmdir"
  npm install --silent --no-audit --no-fund --ignore-scripts --prefix "$npmdir" @mdn/mdn-http-observatory@1.4.8 >/dev/null
fi
[ -f "$obs/conf/hsts-preload.json" ] || echo '{}' >"$obs/conf/hsts-preload.json"

echo "wapiti3 $("$venv/bin/wapiti" --version 2>/dev/null | tail -1) in $venv"
echo "mdn-http-observatory $(sed -n 's/.*"version": "\(.*\)".*/\1/p' "$obs/package.json" | head -1) in $npmdir"
