#!/usr/bin/env bash
# Seeds the server_mutate corpus with AdmissionReviews around objects made by the real kubectl
# (`kubectl create … --dry-run=client -o json`: a Deployment, a Job, a CronJob), so that mutations start from
# reviews that parse and carry images at every pod-spec path. Called by run-all.sh with the corpus directory.
# Needs kubectl in $HOME/.cache/bulwark-peers/bin (.ci/install-deps.sh) and python3.
set -euo pipefail
out=$1
[ -e "$out/cronjob.json" ] && exit 0
mkdir -p "$out"
k="$HOME/.cache/bulwark-peers/bin/kubectl"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$k" create job once --image=nginx:1.25 --dry-run=client -o json >"$tmp/job"
"$k" create deployment api --image=registry.example.com/api:2.0 --image=busybox --dry-run=client -o json >"$tmp/deployment"
"$k" create cronjob nightly --image=registry.example.com/job:1@sha256:$(printf '0%.0s' {1..64}) \
  --schedule='0 3 * * *' --dry-run=client -o json >"$tmp/cronjob"
for name in job deployment cronjob; do
  python3 - "$tmp/$name" "$out/$name.json" <<'PY'
import json, sys
obj = json.load(open(sys.argv[1]))
api = obj["apiVersion"]
group, version = api.split("/") if "/" in api else ("", api)
review = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
    "uid": "fuzz", "kind": {"group": group, "version": version, "kind": obj["kind"]},
    "resource": {"group": group, "version": version, "resource": obj["kind"].lower() + "s"},
    "namespace": "shop", "operation": "CREATE", "object": obj, "dryRun": False}}
json.dump(review, open(sys.argv[2], "w"))
PY
done
