#!/usr/bin/env bash
# Regenerates the Python fixtures from PyPI with the real tools. Needs network (PyPI) and python3 >= 3.11.
# Usage: bash generate.sh   (from this directory)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. Installed distributions: pip install into a target dir; keep only each dist-info's METADATA.
python3 -m pip install --quiet --no-compile --target "$tmp/site" requests==2.31.0 Jinja2==3.1.2
rm -rf "$here/site-packages"
mkdir -p "$here/site-packages"
for d in "$tmp"/site/*.dist-info; do
  mkdir -p "$here/site-packages/$(basename "$d")"
  cp "$d/METADATA" "$here/site-packages/$(basename "$d")/"
done
# Ground truth: pip's own listing of that directory.
python3 -m pip list --format json --path "$tmp/site" > "$here/site-packages.truth.json"

# 2. requirements.txt: pip freeze of the same set, an include, and hashes computed by pip.
python3 -m pip freeze --path "$tmp/site" > "$here/requirements-freeze.txt"
python3 -m pip download --quiet --no-deps -d "$tmp/dl" requests==2.31.0 idna==3.4
{
  echo "-r requirements-freeze.txt"
  echo "# hashes from: pip hash"
  for w in "$tmp"/dl/*.whl; do
    n=$(basename "$w" | cut -d- -f1); v=$(basename "$w" | cut -d- -f2)
    h=$(python3 -m pip hash "$w" | tail -1)
    echo "$n==$v \\"
    echo "    $h"
  done
  echo "flask>=2.0  # not pinned: not reported"
} > "$here/requirements-hashes.txt"

# 3. Lockfiles from uv, poetry and pipenv, installed into a venv. Poetry is pointed at the simple index
#    (this network allows only it). pdm 2.22 failed to run here (hishel import error): pdm.lock is covered by
#    unit tests only.
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install --quiet uv==0.5.11 poetry==1.8.5 pipenv==2024.4.0
mkdir -p "$tmp/proj"
cat > "$tmp/proj/pyproject.toml" <<'TOML'
[project]
name = "fixture"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["requests==2.31.0"]

[tool.poetry]
name = "fixture"
version = "0.1.0"
description = ""
authors = ["x <x@example.invalid>"]

[tool.poetry.dependencies]
python = "^3.11"
requests = "2.31.0"

[tool.poetry.group.dev.dependencies]
pytest = "7.4.0"

[[tool.poetry.source]]
name = "pypi-simple"
url = "https://pypi.org/simple/"
priority = "primary"
TOML
(cd "$tmp/proj" && "$tmp/venv/bin/uv" lock --quiet && cp uv.lock "$here/uv.lock")
(cd "$tmp/proj" && "$tmp/venv/bin/poetry" lock --no-update -q && cp poetry.lock "$here/poetry.lock")
mkdir -p "$tmp/pipenv"
(cd "$tmp/pipenv" && export PIPENV_VENV_IN_PROJECT=1 && "$tmp/venv/bin/pipenv" install --quiet requests==2.31.0 \
  && "$tmp/venv/bin/pipenv" install --quiet --dev pytest==7.4.0 && cp Pipfile.lock "$here/Pipfile.lock")
# Truth for the lockfiles: each tool's own listing of the resolved set.
(cd "$tmp/proj" && "$tmp/venv/bin/uv" export --quiet --frozen --no-hashes --no-emit-project > "$here/uv.lock.truth.txt")
(cd "$tmp/proj" && "$tmp/venv/bin/poetry" show --no-ansi > "$here/poetry.lock.truth.txt")
(cd "$tmp/pipenv" && "$tmp/venv/bin/pipenv" requirements > "$here/Pipfile.lock.truth.txt")
(cd "$tmp/pipenv" && "$tmp/venv/bin/pipenv" requirements --dev-only > "$here/Pipfile.lock.dev.truth.txt")
echo done
