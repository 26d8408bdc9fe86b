#!/usr/bin/env bash
# What a new user sees: a fresh clone of this checkout, an empty HOME, and a vulnerability DB published the way
# the project publishes it (scripts/publish-db.sh: feeds → DB → signature → OCI artifact), here into a Debian
# `docker-registry` on 127.0.0.1 from the fixture feeds served by `python3 -m http.server` on 127.0.0.1.
#
# Runs, in the clone, each with its exit code checked:
#   1. the README's first command, ./demo.sh                                  (must exit 0)
#   2. bulwark scan image <alpine 3.14 fixture> with no `db update` before it  (must exit 0, fetch the DB from
#      the local registry, and report busybox's CVE-2021-42378 from the fixture secdb)
#   3. bulwark scan fs . on the clone                                         (0 or 1 accepted for now; recorded)
#
# Needs: docker-registry, skopeo, openssl, python3, git, cargo (see .ci/install-deps.sh).
# Environment:
#   BULWARK_FIXTURES   the shared fixtures [default: ../shared/fixtures beside this checkout]
#   NEW_USER_TARGET    an existing cargo target dir to link as the clone's target/ (saves a release build;
#                      without it the clone builds from scratch, as a new user's would)
#   NEW_USER_KEEP=1    keep the temporary directory (printed at the end)
# Servers are stopped and the temporary directory removed on exit, also on failure.
set -euo pipefail

src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fixtures="$(cd "${BULWARK_FIXTURES:-$src/../shared/fixtures}" && pwd)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/bulwark-new-user.XXXXXX")"
http_pid=""
registry_dir="$tmp/registry"

cleanup() {
    local rc=$?
    [[ -n "$http_pid" ]] && kill "$http_pid" 2>/dev/null || true
    bash "$src/crates/bulwark-registry/tests/support/registry.sh" stop "$registry_dir" 2>/dev/null || true
    if [[ "${NEW_USER_KEEP:-}" == 1 ]]; then
        echo "new-user: kept $tmp" >&2
    else
        rm -rf "$tmp"
    fi
    exit "$rc"
}
trap cleanup EXIT

say() { printf '\n\033[1mnew-user: %s\033[0m\n' "$*" >&2; }
fail() { echo "new-user: FAIL: $*" >&2; exit 1; }

# The fresh clone, with ../shared beside it as in CI; a HOME with nothing in it (cargo and rustup keep theirs).
say "cloning $src"
git clone -q "$src" "$tmp/repo"
ln -s "$(cd "$fixtures/.." && pwd)" "$tmp/shared"
if [[ -n "${NEW_USER_TARGET:-}" ]]; then
    ln -s "$(cd "$NEW_USER_TARGET" && pwd)" "$tmp/repo/target"
fi
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
export HOME="$tmp/home"
unset XDG_CACHE_HOME BULWARK_DB BULWARK_CACHE_DIR CARGO_TARGET_DIR BULWARK_DB_REPOSITORY BULWARK_DB_PUBLIC_KEY BULWARK_SKIP_DB_UPDATE BULWARK_OFFLINE
mkdir -p "$HOME"
export BULWARK_FIXTURES="$tmp/shared/fixtures"
cd "$tmp/repo"

# 1. The README's first command.
say "./demo.sh"
t0=$SECONDS
set +e
./demo.sh >"$tmp/demo.log" 2>&1
rc=$?
set -e
[[ $rc -eq 0 ]] || { tail -40 "$tmp/demo.log" >&2; fail "./demo.sh exited $rc"; }
echo "./demo.sh: exit 0 in $((SECONDS - t0)) s" >&2
# The demo convinces: no warning before its first table (feed data problems are one summary line, which says
# "skipped"), and no escape codes when its output is not a terminal.
# `grep -m1`, not `grep | head -1`: under pipefail, head closing the pipe early kills grep with SIGPIPE (exit 141).
first_table="$(grep -n -m1 '┌' "$tmp/demo.log" | cut -d: -f1)"
[[ -n "$first_table" ]] || fail "./demo.sh printed no table"
if head -n "$first_table" "$tmp/demo.log" | grep -i 'warning' | grep -v 'record(s) skipped' >&2; then
    fail "./demo.sh printed warnings before its first table"
fi
if grep -q $'\033' "$tmp/demo.log"; then
    fail "./demo.sh wrote escape codes into a file"
fi
bw="$tmp/repo/target/release/bulwark"
[[ -x "$bw" ]] || fail "./demo.sh left no $bw"

# The fixture feeds over local HTTP.
feeds="$tmp/feeds"
v="$fixtures/vulndata"
t="$tmp/repo/crates/bulwark-vulndb/testdata"
mkdir -p "$feeds/osv" "$feeds/debian" "$feeds/alpine/v3.14" "$feeds/kev"
ln -s "$v/osv/PyPI-all.zip" "$feeds/osv/PyPI-all.zip"
ln -s "$t/osv-npm/npm-368.json" "$feeds/osv/npm-368.json"
ln -s "$t/debian/bookworm-app-tracker.json" "$feeds/debian/tracker.json"
ln -s "$t/alpine-secdb/v3.14/main.json" "$feeds/alpine/v3.14/main.json"
ln -s "$v/kev/known_exploited_vulnerabilities.json" "$feeds/kev/kev.json"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$feeds" >"$tmp/http.log" 2>&1 &
http_pid=$!
port=""
for _ in $(seq 1 100); do
    port="$(grep -o 'port [0-9]*' "$tmp/http.log" | grep -o '[0-9]*' | head -1 || true)"
    [[ -n "$port" ]] && break
    sleep 0.1
done
[[ -n "$port" ]] || fail "python3 -m http.server did not start: $(cat "$tmp/http.log")"
feed_url="http://127.0.0.1:$port"

# A registry on 127.0.0.1, and the DB published into it with a test key.
say "publishing a signed DB to a local docker-registry"
reg_out="$(WATCH_PID=$$ bash "$src/crates/bulwark-registry/tests/support/registry.sh" start plain "$registry_dir")"
reg_port="$(sed -n 's/^port=//p' <<<"$reg_out")"
repository="127.0.0.1:$reg_port/bulwark/db:1"
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/test-key.pem"
openssl pkey -pubout -in "$tmp/test-key.pem" -out "$tmp/test-key.pub"
scripts/publish-db.sh --key "$tmp/test-key.pem" --public-key "$tmp/test-key.pub" --bulwark "$bw" \
    --repository "$repository" --dest-tls-verify=false \
    --osv-url "$feed_url/osv/PyPI-all.zip" --osv-url "$feed_url/osv/npm-368.json" \
    --debian-url "$feed_url/debian/tracker.json" --secdb-url "$feed_url/alpine/v3.14/main.json" \
    --kev-url "$feed_url/kev/kev.json"

# 2. A first scan, no `db update` before it: the DB is fetched from the (local) repository.
say "bulwark scan image alpine314.docker.tar (empty cache)"
set +e
BULWARK_DB_REPOSITORY="$repository" BULWARK_DB_PUBLIC_KEY="$tmp/test-key.pub" \
    "$bw" scan image "$fixtures/images/alpine314.docker.tar" >"$tmp/scan-image.out" 2>"$tmp/scan-image.err"
rc=$?
set -e
cat "$tmp/scan-image.err" >&2
[[ $rc -eq 0 ]] || { cat "$tmp/scan-image.out" >&2; fail "scan image exited $rc"; }
[[ -f "$HOME/.cache/bulwark/db/bulwark.db" ]] || fail "the DB was not installed in \$HOME/.cache/bulwark/db"
grep -q "CVE-2021-42378" "$tmp/scan-image.out" || fail "scan image did not report CVE-2021-42378 (busybox)"
echo "scan image: exit 0, CVE-2021-42378 reported" >&2

# 3. The repository itself.
say "bulwark scan fs ."
set +e
BULWARK_DB_REPOSITORY="$repository" BULWARK_DB_PUBLIC_KEY="$tmp/test-key.pub" \
    "$bw" scan fs . >"$tmp/scan-fs.out" 2>"$tmp/scan-fs.err"
fs_rc=$?
set -e
tail -20 "$tmp/scan-fs.err" >&2
echo "scan fs .: exit $fs_rc" >&2
[[ $fs_rc -eq 0 || $fs_rc -eq 1 ]] || fail "scan fs . exited $fs_rc (0 or 1 expected)"

say "ok: demo.sh 0, scan image 0, scan fs $fs_rc"
