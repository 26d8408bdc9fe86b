"""Validate a `-f policyreport` stream: wgpolicyk8s.io/v1alpha2 PolicyReport and ClusterPolicyReport documents.

No copy of the upstream CRD is available offline here, so the schema below is written from the v1alpha2 CRD's
openAPIV3Schema as published (kubernetes-sigs/wg-policy-prototypes, and the copy Kyverno installs as
config/crds/policyreport/wgpolicyk8s.io_policyreports.yaml): its types, enums and required fields. It is stricter
than the CRD in one way: a field the CRD does not define is an error here, because the API server would prune it
silently. It adds what the API server checks for every object (metadata.name a DNS subdomain; a namespace only on
the namespaced kind) and that each summary counts the results it sums up.

The stream is read with PyYAML's safe loader, a YAML 1.1 reader like kubectl's (sigs.k8s.io/yaml on go-yaml), so
a string that YAML 1.1 would read as a boolean or a number fails the string types.

Prints one JSON line: [{"kind", "namespace", "name", "summary", "results"}] per document.
"""

import json
import re
import sys

from _common import missing

try:
    import jsonschema
except ImportError as e:
    missing("jsonschema", e)
try:
    import yaml
except ImportError as e:
    missing("yaml (PyYAML)", e)

STRING = {"type": "string"}
OBJECT_REF = {
    "type": "object",
    "additionalProperties": False,
    "properties": {k: STRING for k in ["apiVersion", "fieldPath", "kind", "name", "namespace", "resourceVersion", "uid"]},
}
SELECTOR = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "matchLabels": {"type": "object", "additionalProperties": STRING},
        "matchExpressions": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["key", "operator"],
                "properties": {"key": STRING, "operator": STRING, "values": {"type": "array", "items": STRING}},
            },
        },
    },
}
RESULT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["policy"],
    "properties": {
        "category": STRING,
        "message": STRING,
        "policy": STRING,
        "properties": {"type": "object", "additionalProperties": STRING},
        "resourceSelector": SELECTOR,
        "resources": {"type": "array", "items": OBJECT_REF},
        "result": {"enum": ["pass", "fail", "warn", "error", "skip"]},
        "rule": STRING,
        "scored": {"type": "boolean"},
        "severity": {"enum": ["critical", "high", "low", "medium", "info"]},
        "source": STRING,
        "timestamp": {
            "type": "object",
            "additionalProperties": False,
            "required": ["nanos", "seconds"],
            "properties": {
                "nanos": {"type": "integer", "minimum": 0, "maximum": 999999999},
                "seconds": {"type": "integer"},
            },
        },
    },
}
COUNT = {"type": "integer", "minimum": 0}
REPORT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["apiVersion", "kind", "metadata"],
    "properties": {
        "apiVersion": {"const": "wgpolicyk8s.io/v1alpha2"},
        "kind": {"enum": ["PolicyReport", "ClusterPolicyReport"]},
        "metadata": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": STRING,
                "namespace": STRING,
                "labels": {"type": "object", "additionalProperties": STRING},
                "annotations": {"type": "object", "additionalProperties": STRING},
            },
        },
        "results": {"type": "array", "items": RESULT},
        "scope": OBJECT_REF,
        "scopeSelector": SELECTOR,
        "summary": {
            "type": "object",
            "additionalProperties": False,
            "properties": {k: COUNT for k in ["error", "fail", "pass", "skip", "warn"]},
        },
    },
}
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")

path = sys.argv[1]
with open(path, encoding="utf-8") as f:
    try:
        docs = [d for d in yaml.safe_load_all(f) if d is not None]
    except yaml.YAMLError as e:
        print(f"{path}: not YAML: {e}", file=sys.stderr)
        sys.exit(1)
validator = jsonschema.Draft7Validator(REPORT)
problems = []
out = []
seen = set()
for i, doc in enumerate(docs):
    where = f"document {i + 1}"
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    for e in errors:
        problems.append(f"{where}: /{'/'.join(map(str, e.absolute_path))}: {e.message}")
    if errors:
        continue
    meta = doc["metadata"]
    name, ns = meta["name"], meta.get("namespace")
    if len(name) > 253 or not DNS_SUBDOMAIN.match(name):
        problems.append(f"{where}: metadata.name {name!r} is not a DNS subdomain")
    if doc["kind"] == "ClusterPolicyReport" and ns is not None:
        problems.append(f"{where}: a ClusterPolicyReport has a namespace")
    if ns is not None and not DNS_LABEL.match(ns):
        problems.append(f"{where}: metadata.namespace {ns!r} is not a DNS label")
    key = (doc["kind"], ns, name)
    if key in seen:
        problems.append(f"{where}: {key} appears twice: kubectl apply would keep only the last")
    seen.add(key)
    results = doc.get("results") or []
    counted = {k: 0 for k in ["pass", "fail", "warn", "error", "skip"]}
    for r in results:
        if "result" in r:
            counted[r["result"]] += 1
    summary = doc.get("summary") or {}
    declared = {k: summary.get(k, 0) for k in counted}
    if declared != counted:
        problems.append(f"{where}: summary {declared} but the results count {counted}")
    out.append({"kind": doc["kind"], "namespace": ns, "name": name, "summary": counted, "results": results})
for p in problems:
    print(f"{path}: {p}", file=sys.stderr)
if problems:
    sys.exit(1)
if not out:
    print(f"{path}: no report documents", file=sys.stderr)
    sys.exit(1)
print(json.dumps(out))
