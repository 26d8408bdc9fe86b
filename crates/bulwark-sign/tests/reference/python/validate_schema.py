#!/usr/bin/env python3
"""Validates JSON documents against a JSON Schema (2020-12) with the `jsonschema` package; no Bulwark code.

  validate_schema.py SCHEMA DOC...   -> one line per document: "valid" or "invalid: <first error>"
"""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
for path in sys.argv[2:]:
    errors = sorted(validator.iter_errors(json.load(open(path))), key=lambda e: list(e.path))
    print("valid" if not errors else f"invalid: {errors[0].message}")
