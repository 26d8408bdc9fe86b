#!/usr/bin/env bash
# Hostile-input regressions (crates/bulwark/tests/redteam*.rs): every test of the red-team test binaries runs
# on its own, under `timeout 30` and a 1 GiB address-space cap, so that one test that hangs or blows up is
# named rather than hidden in a binary's total. Fails listing each test that failed or timed out.
# Run by .ci/run; on its own: `bash .ci/redteam.sh` from the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."
# REDTEAM_TIMEOUT (seconds, 30 by default) only to try the failure path.
limit=${REDTEAM_TIMEOUT:-30}
redteam=()
for f in crates/bulwark/tests/redteam*.rs; do redteam+=(--test "$(basename "$f" .rs)"); done
# Compiling needs more than the cap: build first, and take the binaries' paths from cargo.
bins=$(cargo test -q -p bulwark "${redteam[@]}" --no-run --message-format=json |
  python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"].startswith("redteam"):
        print(m["target"]["name"], m["executable"])
')
[ "$(wc -l <<<"$bins")" -eq $(( ${#redteam[@]} / 2 )) ] || { echo "red-team binaries not all found: $bins" >&2; exit 1; }
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
failed=()
ran=0
while read -r name bin; do
  tests=$("$bin" --list | sed -n 's/: test$//p')
  [ -n "$tests" ] || { failed+=("$name: no tests listed"); continue; }
  while read -r t; do
    ran=$((ran + 1))
    start=$(date +%s)
    rc=0
    # As cargo runs them: from the package directory.
    (cd crates/bulwark && timeout -k 5 "$limit" prlimit --as=$((1 << 30)) -- "$bin" --exact "$t" --nocapture) \
      >"$log/out" 2>&1 || rc=$?
    secs=$(( $(date +%s) - start ))
    case $rc in
      0) echo "ok      ${secs}s $name::$t" ;;
      124 | 137) echo "TIMEOUT ${secs}s $name::$t"; failed+=("$name::$t (timed out after $limit s)"); tail -n 20 "$log/out" ;;
      *) echo "FAILED  ${secs}s $name::$t (exit $rc)"; failed+=("$name::$t (exit $rc)"); tail -n 40 "$log/out" ;;
    esac
  done <<<"$tests"
done <<<"$bins"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "red-team tests failed (${#failed[@]} of $ran):" >&2
  printf '  %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "red-team tests: $ran passed, each under timeout $limit and prlimit --as=1G"
