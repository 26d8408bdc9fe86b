#!/usr/bin/env bash
# Seeds the store_trim_object corpus with the kubectl-made risk-context objects of
# crates/bulwark-kube/tests/fixtures/context (a Deployment with env values, managedFields and a status; Services,
# an Ingress, a NetworkPolicy, RBAC; a Secret and a ConfigMap that must be refused). Called by run-all.sh with the
# corpus directory.
set -euo pipefail
out=$1
mkdir -p "$out"
fx="$(dirname "$0")/../../crates/bulwark-kube/tests/fixtures/context"
for f in "$fx"/*.json; do
  [ -e "$out/$(basename "$f")" ] || cp "$f" "$out/"
done
