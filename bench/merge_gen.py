#!/usr/bin/env python3
"""Writes FILES SARIF 2.1.0 logs of RESULTS results each into DIR, as different tools would: each file is one
run of a tool (semgrep-like, checkov-like, trivy-like names rotate), with rules, locations, regions, levels and
partialFingerprints. A share DUP of each file's results repeats results of the previous file (same rule, location
and fingerprint), so a merge that dedupes has something to collapse.

    merge_gen.py DIR FILES RESULTS DUP
"""
import json, os, random, sys

out, files, results, dup = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
os.makedirs(out, exist_ok=True)
rng = random.Random(20)
tools = ["semgrep", "checkov", "trivy", "golangci-lint", "kube-linter"]
levels = ["error", "warning", "note"]
prev = []
for f in range(files):
    tool = tools[f % len(tools)]
    rules = [{"id": f"{tool}.rule-{i}", "shortDescription": {"text": f"rule {i} of {tool}"},
              "properties": {"security-severity": f"{rng.uniform(1, 10):.1f}"}} for i in range(50)]
    res = []
    ndup = int(results * dup) if prev else 0
    for r in prev[:ndup]:
        res.append(r)
    for i in range(results - ndup):
        rid = rules[rng.randrange(50)]["id"]
        path = f"src/mod{rng.randrange(200)}/file{rng.randrange(100)}.go"
        line = rng.randrange(1, 2000)
        res.append({
            "ruleId": rid, "level": rng.choice(levels),
            "message": {"text": f"finding {f}-{i} in {path}:{line}"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": path},
                                                "region": {"startLine": line, "startColumn": 1}}}],
            "partialFingerprints": {"primaryLocationLineHash": f"{f:04x}{i:08x}:1"},
        })
    prev = res
    log = {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
           "runs": [{"tool": {"driver": {"name": tool, "version": "1.0.0", "rules": rules}}, "results": res}]}
    with open(os.path.join(out, f"{f:03d}-{tool}.sarif"), "w") as fh:
        json.dump(log, fh)
