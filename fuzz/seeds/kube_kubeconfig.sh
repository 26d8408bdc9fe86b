#!/usr/bin/env bash
# Seeds the kube_kubeconfig corpus with a kubeconfig using every field the reader knows (inline -data forms, so
# the target resolves it). Called by run-all.sh with the corpus directory.
set -euo pipefail
out=$1
[ -e "$out/config.yaml" ] && exit 0
mkdir -p "$out"
cat >"$out/config.yaml" <<'YAML'
apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==
    tls-server-name: kubernetes.default.svc
- name: lab
  cluster: {server: "http://127.0.0.1:8080", insecure-skip-tls-verify: true}
contexts:
- name: dev
  context: {cluster: dev, user: token, namespace: team-a}
- name: lab
  context: {cluster: lab, user: exec}
- name: basic
  context: {cluster: lab, user: basic}
users:
- name: token
  user: {token: abc}
- name: basic
  user: {username: admin, password: secret}
- name: exec
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: kubectl-oidc
      args: [get-token]
      env: [{name: A, value: b}]
YAML
