#!/usr/bin/env bash
# Seeds the kube_watch corpus with a watch stream made of the recorded pods of crates/bulwark-kube/tests/fixtures
# (ADDED, MODIFIED, DELETED, a BOOKMARK and an ERROR 410 line). Called by run-all.sh with the corpus directory.
# Needs jq.
set -euo pipefail
out=$1
[ -e "$out/stream.jsonl" ] && exit 0
mkdir -p "$out"
fx="$(dirname "$0")/../../crates/bulwark-kube/tests/fixtures"
{
  for t in ADDED MODIFIED DELETED; do
    for p in "$fx"/pod-*.json; do jq -c --arg t "$t" '{type: $t, object: .}' "$p"; done
  done
  echo '{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"310"}}}'
  echo '{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 300 (312)","reason":"Expired","code":410}}'
} >"$out/stream.jsonl"
