#!/usr/bin/env python3
"""Reads a GitLab CI file with PyYAML and prints one job as GitLab would run it, as JSON.

usage: gitlab_job.py FILE JOB OVERRIDES_JSON

OVERRIDES_JSON holds the pipeline's variables (predefined ones such as CI_PROJECT_DIR and any the user sets);
they win over the job's and the file's `variables:`, as in GitLab. `extends:` is resolved (hashes merged deeply,
the job's own keys winning, lists replaced), variable values are expanded ($VAR and ${VAR}) against the
variables defined before them, and the output is
  {"variables": {...}, "lines": [before_script..., script...], "artifacts": {...}, "rules": [...]}
"""
import json
import re
import sys

import yaml


def merge(base, over):
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = v
    return out


def resolve(doc, name, depth=0):
    if depth > 10:
        sys.exit(f"extends nested too deep at {name}")
    job = doc[name]
    ext = job.get("extends")
    if ext is None:
        return dict(job)
    base = {}
    for e in [ext] if isinstance(ext, str) else ext:
        base = merge(base, resolve(doc, e, depth + 1))
    own = {k: v for k, v in job.items() if k != "extends"}
    return merge(base, own)


VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


def expand(value, env):
    return VAR.sub(lambda m: env.get(m.group(1) or m.group(2), ""), str(value))


def main():
    path, name, overrides = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    if name not in doc:
        sys.exit(f"{path}: no job {name!r}")
    job = resolve(doc, name)
    env = dict(overrides)
    for scope in (doc.get("variables") or {}, job.get("variables") or {}):
        for k, v in scope.items():
            if k in overrides:
                continue
            if isinstance(v, dict):
                v = v.get("value", "")
            env[k] = expand(v, env)
    lines = []
    for key in ("before_script", "script"):
        part = job.get(key) or []
        lines.extend([part] if isinstance(part, str) else part)
    print(json.dumps({
        "variables": env,
        "lines": lines,
        "artifacts": job.get("artifacts") or {},
        "rules": job.get("rules") or [],
        "image": job.get("image"),
        "cache": job.get("cache"),
    }))


main()
