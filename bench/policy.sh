#!/usr/bin/env bash
# Benchmark Bulwark's policy engines (issue #12), side by side on the same input:
#  1. CEL: the 16 pod-security ValidatingPolicies of kyverno/policies over every document of the k8s corpus
#     (`bulwark policy eval`), against Bulwark's built-in PSS rules on the same corpus (`bulwark scan k8s --rules
#     <the rules Bulwark maps to pss-restricted>`). Target: at most 2x.
#  2. Rego: gatekeeper-library's privileged-container template (its Rego, `--gatekeeper-engine rego` semantics)
#     over every object of the corpus, Bulwark (regorus, in-process) against rego-cpp's Python bindings (`regopy`
#     from PyPI), each end to end (read the YAML, evaluate every object).
#  3. Lifecycle rules: a 5,000-finding report against 50 rules (`cargo bench -p bulwark-policy --bench
#     evaluate`). Target: at most 5 ms per evaluation.
#
# Usage: bench/policy.sh [CORPUS_DIR]
#   RUNS=N        runs per side (median reported; default 5)
#   PEERS=0       skip the regopy side
#   OUT=DIR       raw outputs and figures (default /tmp/bulwark-bench-policy)
#   BULWARK=PATH  the bulwark binary (default: build release into $CARGO_TARGET_DIR or target/)
# Needs /usr/bin/time (GNU time), python3 with PyYAML, and pip (regopy and PyYAML go into $OUT/venv).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
shared=$here/../shared
corpus=${1:-$shared/fixtures/k8s-corpus}
corpus=$(cd "$corpus" && pwd)
OUT=${OUT:-/tmp/bulwark-bench-policy}
RUNS=${RUNS:-5}
mkdir -p "$OUT"

measure() {
  local name=$1; shift
  /usr/bin/time -v -o "$OUT/$name.time" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" || true
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$OUT/$name.time")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$OUT/$name.time")
  echo "$wall $rss" >>"$OUT/$name.times"
  echo "$name: wall ${wall}s, peak RSS ${rss} MB" >&2
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2)? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
med() { cut -d' ' -f"$2" "$OUT/$1.times" | median; }

if [ -z "${BULWARK:-}" ]; then
  (cd "$here" && cargo build --release -q -p bulwark)
  BULWARK=${CARGO_TARGET_DIR:-$here/target}/release/bulwark
fi

# The CEL bundle: the policy files only (each policy folder also holds its Kyverno test resources).
pss=$OUT/pss-bundle
rm -rf "$pss"; mkdir -p "$pss"
for f in "$shared"/fixtures/upstream/kyverno-vpol/pod-security-vpol/*/*/*.yaml; do
  cp "$f" "$pss/$(basename "$(dirname "$f")").yaml"
done
npol=$(grep -l '^kind: ValidatingPolicy' "$pss"/*.yaml | wc -l)
# The built-in rules Bulwark maps to the restricted profile (which includes baseline).
pss_rules=$("$BULWARK" scan k8s --compliance pss-restricted -f json -q "$corpus" 2>/dev/null |
  python3 -c 'import json,sys; d=json.load(sys.stdin); print(",".join(sorted({r for c in d["compliance"]["controls"] for r in c["rules"]})))')

# The Rego bundle: template + constraint.
gk=$OUT/gk-bundle
rm -rf "$gk"; mkdir -p "$gk"
lib=$shared/fixtures/upstream/gatekeeper-library/library/pod-security-policy/privileged-containers
# Without its K8sNativeValidation code, so that Bulwark evaluates the Rego, as the peer does.
python3 - "$lib/template.yaml" "$gk/template.yaml" <<'PY'
import sys, yaml
t = yaml.safe_load(open(sys.argv[1]))
for target in t["spec"]["targets"]:
    target["code"] = [c for c in target["code"] if c["engine"] == "Rego"]
yaml.safe_dump(t, open(sys.argv[2], "w"), sort_keys=False)
PY
cp "$lib/samples/psp-privileged-container/constraint.yaml" "$gk/constraint.yaml"

rm -f "$OUT"/*.times
for _ in $(seq "$RUNS"); do
  measure builtin-pss "$BULWARK" scan k8s -q -f json --rules "$pss_rules" --skip-secrets "$corpus"
  measure cel-pss "$BULWARK" policy eval "$pss" "$corpus" -f json
  measure rego-bulwark "$BULWARK" policy eval "$gk" "$corpus" -f json
done

if [ "${PEERS:-1}" != 0 ]; then
  if [ ! -x "$OUT/venv/bin/python" ]; then
    python3 -m venv "$OUT/venv"
    "$OUT/venv/bin/pip" install -q regopy pyyaml
  fi
  cat >"$OUT/regopy_eval.py" <<'EOF'
# The privileged-container template's Rego (with its libs) over every Pod of a corpus outside kube-system, as
# the constraint matches them, with rego-cpp (regopy): one interpreter, the input set per object.
import json, pathlib, sys
import yaml
from regopy import Interpreter
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it
template = yaml.safe_load(open(sys.argv[1]))
code = next(c for c in template["spec"]["targets"][0]["code"] if c["engine"] == "Rego")["source"]
params = yaml.safe_load(open(sys.argv[2]))["spec"].get("parameters", {})
rego = Interpreter()
# rego-cpp 1.5.2 binds nothing for `c := s[_]` over a partial set (OPA binds each member); the rule is given in
# the equivalent form `s[c]`, or it would find no violation at all.
rego.add_module("template.rego", code["rego"].replace("c := input_containers[_]", "input_containers[c]"))
for i, lib in enumerate(code.get("libs", [])):
    rego.add_module(f"lib{i}.rego", lib)
objects = violating = 0
for path in sorted(pathlib.Path(sys.argv[3]).rglob("*")):
    if path.suffix not in (".yaml", ".yml") or not path.is_file():
        continue
    try:
        docs = list(yaml.load_all(open(path), Loader=Loader))
    except Exception:
        continue
    for doc in docs:
        if not isinstance(doc, dict) or doc.get("kind") != "Pod" or doc.get("apiVersion") != "v1":
            continue
        if (doc.get("metadata") or {}).get("namespace") == "kube-system":
            continue
        objects += 1
        review = {"object": doc, "operation": "CREATE", "kind": {"group": "", "version": "v1", "kind": "Pod"}}
        rego.set_input_term(json.dumps({"review": review, "parameters": params}))
        out = str(rego.query("x = data.k8spspprivileged.violation"))
        if "msg" in out:
            violating += 1
print(json.dumps({"pods": objects, "violating": violating}))
EOF
  for _ in $(seq "$RUNS"); do
    measure rego-regopy "$OUT/venv/bin/python" "$OUT/regopy_eval.py" "$gk/template.yaml" "$gk/constraint.yaml" "$corpus"
  done
fi

printf '\ncorpus: %s\n' "$corpus"
printf '%-28s %10s %12s\n' run "wall (s)" "peak RSS MB"
for n in builtin-pss cel-pss rego-bulwark rego-regopy; do
  [ -e "$OUT/$n.times" ] && printf '%-28s %10s %12s\n' "$n" "$(med "$n" 1)" "$(med "$n" 2)"
done
awk -v b="$(med builtin-pss 1)" -v c="$(med cel-pss 1)" -v n="$npol" 'BEGIN {
  printf "CEL: %d pod-security ValidatingPolicies take %.2fx the built-in PSS rules (target <= 2x)\n", n, c/b }'
if [ -e "$OUT/rego-regopy.times" ]; then
  awk -v b="$(med rego-bulwark 1)" -v p="$(med rego-regopy 1)" 'BEGIN {
    printf "Rego: bulwark (regorus) is %.1fx faster than regopy (rego-cpp) end to end\n", p/b }'
fi

echo >&2 "lifecycle rules (5,000 findings x 50 rules):"
(cd "$here" && cargo bench -q -p bulwark-policy --bench evaluate 2>/dev/null | grep '^evaluate')
