#!/usr/bin/env bash
# PHP fixtures from Debian's composer (apt-get install composer; 2.5.5), offline: packagist.org is turned off
# and the packages come from a `path` repository of three tiny local packages, so composer resolves,
# installs and locks them exactly as it would registry packages (acme/log is a dev requirement).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for p in log:1.2.3:MIT http:2.0.1:Apache-2.0 util:0.9.0:BSD-3-Clause; do
  IFS=: read -r n v l <<<"$p"
  mkdir -p "$tmp/pkgs/$n"
  dep=''; [ "$n" = http ] && dep=', "require": {"acme/util": "^0.9"}'
  echo "{\"name\": \"acme/$n\", \"version\": \"$v\", \"license\": \"$l\"$dep}" > "$tmp/pkgs/$n/composer.json"
done
mkdir -p "$tmp/app"
cat > "$tmp/app/composer.json" <<JSON
{
  "name": "acme/app",
  "repositories": [{"packagist.org": false}, {"type": "path", "url": "$tmp/pkgs/*", "options": {"symlink": false}}],
  "require": {"acme/http": "2.0.1"},
  "require-dev": {"acme/log": "1.2.3"}
}
JSON
cd "$tmp/app"
COMPOSER_HOME=$tmp/home composer update --no-interaction --quiet
cp composer.lock "$here/composer.lock"
mkdir -p "$here/vendor/composer" && cp vendor/composer/installed.json "$here/vendor/composer/installed.json"
COMPOSER_HOME=$tmp/home composer show --format=json > "$here/composer-show.truth.json"
COMPOSER_HOME=$tmp/home composer show --no-dev --format=json > "$here/composer-show-no-dev.truth.json"
