#!/usr/bin/env python3
"""Validates a JSON document against a JSON Schema (draft 7 for GitLab's report schemas) with python-jsonschema.

usage: validate_jsonschema.py SCHEMA DOCUMENT
Exits 0 when valid; else prints every error (path and message) and exits 1.
"""
import json
import sys

import jsonschema

with open(sys.argv[1], encoding="utf-8") as f:
    schema = json.load(f)
with open(sys.argv[2], encoding="utf-8") as f:
    doc = json.load(f)
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
errors = sorted(cls(schema).iter_errors(doc), key=lambda e: list(e.absolute_path))
for e in errors:
    print(f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:300]}")
sys.exit(1 if errors else 0)
