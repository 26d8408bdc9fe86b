"""Validates JSON instances against a JSON Schema file (argv[1]) with python-jsonschema.

stdin: a JSON array of instances. stdout: a JSON array with, per instance, the list of its errors (empty when
valid). Exit 0 unless the validator itself failed. One process for many instances: importing jsonschema takes
about two seconds on a busy CI machine. Formats are checked where jsonschema can (the schema also spells the
important ones as patterns, so the result does not depend on optional format packages).
"""
import json
import sys

import jsonschema

with open(sys.argv[1], encoding="utf-8") as f:
    schema = json.load(f)
instances = json.load(sys.stdin)
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
results = []
for instance in instances:
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    results.append(["/".join(str(p) for p in e.path) + ": " + e.message for e in errors])
json.dump(results, sys.stdout)
